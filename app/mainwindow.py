"""The main window: study browser, viewport layouts, menus, tools, shortcuts, language.

Wiring only: business logic stays in ``viewer`` (models, geometry, measurements) and the
background :class:`Loader`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QImage, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QGridLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.browser import StudyBrowser, dicom_date, person_name
from app.consult import ConsultBridge
from app.loader import Loader
from app.mpr import MprPanel
from app.viewport import ViewportWidget
from viewer.dicom.model import SeriesInfo
from viewer.dicom.presets import presets, robust_window
from viewer.dicom.volume import ImageStack, Volume
from viewer.state.sync import reference_line
from viewer.state.viewport import ViewportEvent

LAYOUTS: dict[str, tuple[int, int]] = {
    "1x1": (1, 1),
    "1x2": (1, 2),
    "2x1": (2, 1),
    "2x2": (2, 2),
    "1x3": (1, 3),
}
MAX_RECENT = 8


def _call(fn: Callable[..., Any], *args: Any) -> Callable[..., None]:
    """A slot that ignores what the signal passes (e.g. ``checked``) and calls ``fn(*args)``."""

    def slot(*_ignored: Any) -> None:
        fn(*args)

    return slot


def _apply_preset(p: Any, w: ViewportWidget) -> None:
    w.model.set_window(p.center, p.width)


@dataclass
class ActionSpec:
    key: str
    text: Callable[[], str]
    shortcut: str
    slot: Callable[..., Any]
    checkable: bool = False


class MainWindow(QMainWindow):
    image_shown = Signal(str)  # series key, once its first image is on screen
    series_loaded = Signal(str)
    consult_fetched = Signal(object, object, object)  # folder, record, error (consultation)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.resize(1400, 900)
        self.setAcceptDrops(True)
        self.settings = QSettings("Yunying", "Yunying")
        self.loader = Loader()
        self.loader.signals.scanned.connect(self._scanned)
        self.loader.signals.first_image.connect(self._first_image)
        self.loader.signals.loaded.connect(self._loaded)
        self.loader.signals.failed.connect(self._failed)
        self.images: dict[str, Volume | ImageStack] = {}  # one image per series, shared
        self.series: dict[str, SeriesInfo] = {}
        self._waiting: dict[str, list[ViewportWidget]] = {}
        self._syncing = False
        self.sync_enabled = True
        self.reference_lines_enabled = True
        self.cloud_service: Any = None  # cloudclient.service.CloudService, made on first use
        self.cloud_dialog: Any = None
        self.closing = False
        self.launch_requests: list[Any] = []
        self.single_instance: Any = None  # app.single.SingleInstance when it owns the channel
        self._focus_series = ""
        self._cloud_record: Any = None

        self.browser = StudyBrowser(self)
        self.browser.open_series.connect(self.open_in_active)
        self.dock = QDockWidget(self)
        self.dock.setObjectName("browserDock")
        self.dock.setWidget(self.browser)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)

        self.grid_host = QWidget(self)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.grid_host)
        self.setCentralWidget(self.stack)
        self.mpr: MprPanel | None = None
        self.viewports: list[ViewportWidget] = []
        self.active: ViewportWidget | None = None
        self.layout_name = "1x1"
        self.status_label = QLabel(self)
        self.consult_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.consult_label)
        self.statusBar().addPermanentWidget(self.status_label)
        self.consult: ConsultBridge | None = None
        self.invitation: Any = None  # cloudclient.consult.Invitation of a session hosted here

        self.acts: dict[str, QAction] = {}
        self._build_actions()
        self.set_layout("1x1")
        self.retranslate()

    # ------------------------------------------------------------------ actions and menus

    def _specs(self) -> list[tuple[str, list[ActionSpec]]]:
        v = self._with_active
        specs: list[tuple[str, list[ActionSpec]]] = [
            (
                "file",
                [
                    ActionSpec(
                        "open_folder", lambda: self.tr("Open &Folder…"), "Ctrl+O", self.ask_folder
                    ),
                    ActionSpec(
                        "open_file",
                        lambda: self.tr("Open &File, DICOMDIR or Zip…"),
                        "Ctrl+Shift+O",
                        self.ask_file,
                    ),
                    ActionSpec(
                        "consult_start",
                        lambda: self.tr("Start &Consultation…"),
                        "",
                        lambda: self.start_consultation(),
                    ),
                    ActionSpec(
                        "consult_join",
                        lambda: self.tr("&Join Consultation…"),
                        "",
                        self.ask_join_consultation,
                    ),
                    ActionSpec(
                        "screenshot",
                        lambda: self.tr("Save &Screenshot…"),
                        "Ctrl+Shift+S",
                        self.ask_screenshot,
                    ),
                    ActionSpec("quit", lambda: self.tr("&Quit"), "Ctrl+Q", self.close),
                ],
            ),
            (
                "view",
                [
                    *[
                        ActionSpec(
                            f"layout_{n}",
                            partial(self._layout_label, n),
                            f"Alt+{i + 1}",
                            _call(self.set_layout, n),
                            True,
                        )
                        for i, n in enumerate(LAYOUTS)
                    ],
                    ActionSpec(
                        "fit", lambda: self.tr("&Fit to Window"), "F", v(lambda w: w.model.fit())
                    ),
                    ActionSpec(
                        "one_to_one",
                        lambda: self.tr("Actual Pixels (1:1)"),
                        "Ctrl+1",
                        v(lambda w: w.renderer.set_one_to_one()),
                    ),
                    ActionSpec(
                        "rotate_cw",
                        lambda: self.tr("Rotate &Right"),
                        "R",
                        v(lambda w: w.model.rotate(90)),
                    ),
                    ActionSpec(
                        "rotate_ccw",
                        lambda: self.tr("Rotate &Left"),
                        "Shift+R",
                        v(lambda w: w.model.rotate(270)),
                    ),
                    ActionSpec(
                        "flip_h",
                        lambda: self.tr("Flip &Horizontal"),
                        "H",
                        v(lambda w: w.model.flip(True)),
                    ),
                    ActionSpec(
                        "flip_v",
                        lambda: self.tr("Flip &Vertical"),
                        "V",
                        v(lambda w: w.model.flip(False)),
                    ),
                    ActionSpec(
                        "invert",
                        lambda: self.tr("&Invert"),
                        "I",
                        v(lambda w: w.model.set_invert(not w.model.invert)),
                    ),
                    ActionSpec(
                        "sync",
                        lambda: self.tr("&Synchronize Scrolling"),
                        "S",
                        self._toggle_sync,
                        True,
                    ),
                    ActionSpec(
                        "reflines",
                        lambda: self.tr("&Reference Lines"),
                        "Shift+L",
                        self._toggle_reflines,
                        True,
                    ),
                    ActionSpec(
                        "mpr",
                        lambda: self.tr("&MPR / 3D"),
                        "Ctrl+M",
                        self.toggle_mpr,
                        True,
                    ),
                    ActionSpec(
                        "cine",
                        lambda: self.tr("Play/Pause &Cine"),
                        "Space",
                        v(lambda w: w.model.set_cine(not w.model.playing)),
                    ),
                    ActionSpec(
                        "cine_faster",
                        lambda: self.tr("Cine Faster"),
                        "]",
                        v(lambda w: w.model.set_cine(w.model.playing, w.model.cine_fps * 1.5)),
                    ),
                    ActionSpec(
                        "cine_slower",
                        lambda: self.tr("Cine Slower"),
                        "[",
                        v(lambda w: w.model.set_cine(w.model.playing, w.model.cine_fps / 1.5)),
                    ),
                ],
            ),
            (
                "tools",
                [
                    *[
                        ActionSpec(f"tool_{k}", label, sc, _call(self.set_tool, k), True)
                        for k, label, sc in (
                            ("wl", lambda: self.tr("&Window/Level"), "W"),
                            ("zoom", lambda: self.tr("&Zoom"), "Z"),
                            ("pan", lambda: self.tr("&Pan"), "P"),
                            ("scroll", lambda: self.tr("Scroll (Drag)"), "Shift+S"),
                            ("select", lambda: self.tr("Select/&Edit"), "Shift+Q"),
                            ("length", lambda: self.tr("&Length"), "L"),
                            ("angle", lambda: self.tr("&Angle"), "A"),
                            ("ellipse", lambda: self.tr("&Ellipse ROI"), "E"),
                            ("rectangle", lambda: self.tr("Rectangle ROI"), "Shift+E"),
                            ("probe", lambda: self.tr("Pixel &Probe"), "X"),
                            ("arrow", lambda: self.tr("Arro&w"), "Shift+A"),
                            ("text", lambda: self.tr("&Text"), "T"),
                        )
                    ],
                    ActionSpec(
                        "delete",
                        lambda: self.tr("&Delete Measurement"),
                        "Del",
                        v(lambda w: w.delete_selected()),
                    ),
                    ActionSpec(
                        "clear",
                        lambda: self.tr("Clear All Measurements"),
                        "Ctrl+Del",
                        v(self._clear_measurements),
                    ),
                ],
            ),
            (
                "window",
                [
                    ActionSpec(
                        "wl_auto",
                        lambda: self.tr("Auto (File or Histogram)"),
                        "0",
                        v(self._auto_window),
                    ),
                    *[
                        ActionSpec(
                            f"wl_{p.id}",
                            partial(self._preset_label, p),
                            str(i + 1),
                            v(partial(_apply_preset, p)),
                        )
                        for i, p in enumerate(presets("CT"))
                    ],
                ],
            ),
            (
                "settings",
                [
                    ActionSpec(
                        "lang_system",
                        lambda: self.tr("Language: System"),
                        "",
                        _call(self.set_language, "system"),
                        True,
                    ),
                    ActionSpec(
                        "lang_en",
                        lambda: "English",
                        "",
                        _call(self.set_language, "en"),
                        True,
                    ),
                    ActionSpec(
                        "lang_zh_CN",
                        lambda: "中文（简体）",
                        "",
                        _call(self.set_language, "zh_CN"),
                        True,
                    ),
                ],
            ),
            (
                "help",
                [
                    ActionSpec(
                        "shortcuts",
                        lambda: self.tr("&Keyboard Shortcuts"),
                        "F1",
                        self.show_shortcuts,
                    ),
                    ActionSpec("about", lambda: self.tr("&About Yunying"), "", self.show_about),
                ],
            ),
        ]
        return specs

    def _layout_label(self, name: str) -> str:
        return self.tr("Layout {0}").format(name.replace("x", "×"))

    def _preset_label(self, p: Any) -> str:
        name = p.name_zh if i18n.current() == "zh_CN" else p.name
        return self.tr("{0} (W {1:g} / L {2:g})").format(name, p.width, p.center)

    def _build_actions(self) -> None:
        self.menus: dict[str, Any] = {}
        self._spec_list: list[ActionSpec] = []
        groups = {
            "layout": QActionGroup(self),
            "tool": QActionGroup(self),
            "lang": QActionGroup(self),
        }
        toolbar = self.addToolBar("main")
        toolbar.setObjectName("mainToolbar")
        self.toolbar = toolbar
        for menu_key, specs in self._specs():
            menu = self.menuBar().addMenu("")
            self.menus[menu_key] = menu
            for spec in specs:
                act = QAction(self)
                act.setObjectName(f"action_{spec.key}")
                if spec.shortcut:
                    act.setShortcut(QKeySequence(spec.shortcut))
                    act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                act.setCheckable(spec.checkable)
                act.triggered.connect(spec.slot)
                for prefix, group in (("layout_", "layout"), ("tool_", "tool"), ("lang_", "lang")):
                    if spec.key.startswith(prefix):
                        groups[group].addAction(act)
                menu.addAction(act)
                self.acts[spec.key] = act
                self._spec_list.append(spec)
                if spec.key.startswith(("layout_", "tool_")) or spec.key in (
                    "open_folder",
                    "invert",
                    "sync",
                    "cine",
                    "mpr",
                ):
                    toolbar.addAction(act)
            if menu_key == "file":
                self.recent_menu = menu.addMenu("")
                menu.insertMenu(self.acts["screenshot"], self.recent_menu)
        self.acts["sync"].setChecked(True)
        self.acts["reflines"].setChecked(True)
        self.acts["tool_wl"].setChecked(True)
        self.acts[f"lang_{i18n.setting()}"].setChecked(True)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Yunying 云影 — Diagnostic Workstation"))
        titles = {
            "file": self.tr("&File"),
            "view": self.tr("&View"),
            "tools": self.tr("&Tools"),
            "window": self.tr("W&indow/Level"),
            "settings": self.tr("&Settings"),
            "help": self.tr("&Help"),
        }
        for key, menu in self.menus.items():
            menu.setTitle(titles[key])
        for spec in self._spec_list:
            self.acts[spec.key].setText(spec.text())
            self.acts[spec.key].setToolTip(
                f"{spec.text().replace('&', '')} ({spec.shortcut})"
                if spec.shortcut
                else spec.text().replace("&", "")
            )
        self.recent_menu.setTitle(self.tr("Open &Recent"))
        self.toolbar.setWindowTitle(self.tr("Toolbar"))
        self.dock.setWindowTitle(self.tr("Studies"))
        self.browser.retranslate()
        self._fill_recent()
        labels = overlay_labels()
        for w in self.viewports:
            w.renderer.labels = labels
            w.renderer._update_text()
            w.renderer.render()
        self._update_status()

    def set_language(self, lang: str) -> None:
        i18n.save_setting(lang)
        i18n.install(QCoreApplication.instance(), lang)  # type: ignore[arg-type]
        self.retranslate()

    # ------------------------------------------------------------------ viewports and layout

    def set_layout(self, name: str) -> None:
        rows, cols = LAYOUTS[name]
        need = rows * cols
        while len(self.viewports) < need:
            w = ViewportWidget(self.grid_host, overlay_labels())
            w.activated.connect(self.set_active)
            w.index_changed.connect(self._index_changed)
            w.series_dropped.connect(self._dropped)
            w.measurement_added.connect(self._measured)
            if self.consult is not None:
                self.consult.watch(w)
            w.model.subscribe(self._model_changed)
            w.tool = self.active.tool if self.active else "wl"
            self.viewports.append(w)
        for w in self.viewports:
            self.grid.removeWidget(w)
            w.hide()
        for i in range(need):
            w = self.viewports[i]
            self.grid.addWidget(w, i // cols, i % cols)
            w.show()
        self.layout_name = name
        self.acts[f"layout_{name}"].setChecked(True)
        if self.active is None or self.viewports.index(self.active) >= need:
            self.set_active(self.viewports[0])
        self._update_reference_lines()

    def _dropped(self, vp: ViewportWidget, key: str) -> None:
        self.open_series(key, vp)

    def _measured(self, _m: object) -> None:
        self._update_status()

    def _model_changed(self, what: ViewportEvent) -> None:
        if what in (ViewportEvent.WINDOW, ViewportEvent.INDEX, ViewportEvent.IMAGE):
            self._update_status()

    def visible_viewports(self) -> list[ViewportWidget]:
        rows, cols = LAYOUTS[self.layout_name]
        return self.viewports[: rows * cols]

    def set_active(self, w: ViewportWidget) -> None:
        if self.active is not None:
            self.active.set_active(False)
        self.active = w
        w.set_active(True)
        self._update_reference_lines()
        self._update_status()

    def set_tool(self, tool: str) -> None:
        for w in self.viewports:
            w.tool = tool
        self.acts[f"tool_{tool}"].setChecked(True)

    def _with_active(self, fn: Callable[[ViewportWidget], Any]) -> Callable[..., None]:
        def run(*_args: Any) -> None:
            if self.active is not None and self.active.model.image is not None:
                fn(self.active)

        return run

    def _auto_window(self, w: ViewportWidget) -> None:
        img = w.model.image
        if img is not None and img.window is not None:
            w.model.set_window(*img.window)
        else:
            w.model.set_window(*robust_window(w.model.pixels()))

    def _clear_measurements(self, w: ViewportWidget) -> None:
        for m in list(w.model.measurements):
            w.model.remove_measurement(m)

    def _toggle_sync(self, on: bool) -> None:
        self.sync_enabled = bool(on)

    def _toggle_reflines(self, on: bool) -> None:
        self.reference_lines_enabled = bool(on)
        self._update_reference_lines()

    # ------------------------------------------------------------------ opening

    def ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open DICOM Folder"))
        if folder:
            self.open_paths([folder])

    def ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Open DICOM File, DICOMDIR or Zip"),
            "",
            self.tr("DICOM, DICOMDIR or zip (*.dcm DICOMDIR *.zip *);;All files (*)"),
        )
        if path:
            self.open_paths([path])

    def open_paths(self, paths: list[str]) -> None:
        self._remember(paths)
        self.statusBar().showMessage(self.tr("Reading {0}…").format(", ".join(paths)))
        self.loader.scan(paths)

    def _remember(self, paths: list[str]) -> None:
        recent = [p for p in self._recent() if p not in paths]
        self.settings.setValue("recent", (paths + recent)[:MAX_RECENT])
        self._fill_recent()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(p) for p in value if p] if isinstance(value, list) else []

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self._recent()
        for p in recent:
            act = self.recent_menu.addAction(p)
            act.triggered.connect(_call(self.open_paths, [p]))
        self.recent_menu.setEnabled(bool(recent))

    def _scanned(self, result: Any, thumbs: dict[str, Any]) -> None:
        if self.closing:
            return
        self.browser.add_scan(result, thumbs)
        for s in result.all_series():
            if s.frames:
                self.series[s.key] = s
        n = len([s for s in result.all_series() if s.frames])
        msg = self.tr("{0} series found").format(n)
        if result.problems:
            msg += " — " + self.tr("{0} file(s) could not be read").format(len(result.problems))
        self.statusBar().showMessage(msg, 15000)
        # open the largest series in the first viewport, the next ones beside it
        empty = [w for w in self.visible_viewports() if w.model.image is None]
        ranked = sorted((s for s in result.all_series() if s.frames), key=lambda s: -len(s.frames))
        focus = next((s for s in ranked if s.series_uid == self._focus_series), None)
        if focus is not None and self.active is not None:
            # a cloud study whose first image is already shown: its series stays in place
            self._focus_series = ""
            self.open_series(focus.key, self.active)
            ranked.remove(focus)
            empty = [w for w in empty if w is not self.active]
            record = self._cloud_record
            if record is not None and self.cloud_service is not None:
                self.cloud_service.viewed(record.study_uid, focus.series_uid, record.code)
        for w, s in zip(empty, ranked, strict=False):
            self.open_series(s.key, w)

    # ------------------------------------------------------------------ cloud (医保影像云)

    def open_cloud(self, *_args: Any) -> Any:
        from app.cloud import CloudDialog
        from cloudclient.errors import CloudError
        from cloudclient.service import CloudConfig, CloudService

        try:
            service = self.cloud_service or CloudService(CloudConfig.load())
        except (CloudError, RuntimeError) as exc:
            self.statusBar().showMessage(
                self.tr("Cloud not available: {0}").format(str(exc)), 30000
            )
            return None
        self.cloud_service = service
        dlg = CloudDialog(service, self)
        dlg.first_image.connect(self.show_cloud_preview)
        dlg.study_ready.connect(self.open_cloud_study)
        dlg.show()
        self.cloud_dialog = dlg
        return dlg

    def show_cloud_preview(self, path: Path, record: Any) -> None:
        """The first image of a study still arriving: shown at once in the active viewport."""
        if self.closing:
            return
        from viewer.dicom.scan import scan
        from viewer.dicom.volume import load_series

        if self.active is None:
            return
        series = scan(path).all_series()
        if not series:
            return
        image = load_series(series[0])
        self.series[series[0].key] = series[0]
        self._focus_series = series[0].series_uid
        self.active.series_key = series[0].key
        self.active.model.set_image(image, self._info(series[0].key))
        if self.cloud_service is not None:
            self.cloud_service.viewed(record.study_uid, series[0].series_uid, record.code)
        self.image_shown.emit(series[0].key)

    def open_cloud_study(self, folder: Path, record: Any) -> None:
        """The whole study is here: open it like a local one, the previewed series first."""
        if self.closing:
            return
        self._cloud_record = record
        self.open_paths([str(folder)])
        if self.cloud_dialog is not None and self.cloud_dialog.source_text:
            self.statusBar().showMessage(
                self.tr("Opened {0}, {1}").format(
                    record.description, self.cloud_dialog.source_text
                ),
                30000,
            )

    def open_request(self, req: Any) -> None:
        """A launch request (command line, URL or a later launch): a path, a code or a study."""
        if req.kind == "path":
            self.open_paths([req.value])
        elif req.kind == "code":
            dlg = self.open_cloud()
            if dlg is not None:
                dlg.code_edit.setText(req.value)
                dlg.lookup_code()
        elif req.kind == "consult":
            self.join_consultation(req.value)
        elif req.kind == "study":
            files = self.cloud_service.cached(req.value) if self.cloud_service else []
            if files:
                self.open_paths([str(files[0].parent.parent)])
            else:
                self.statusBar().showMessage(
                    self.tr(
                        "Study {0} is not on this workstation; open it by its index code"
                    ).format(req.value),
                    30000,
                )
        self.launch_requests.append(req)

    def open_in_active(self, key: str) -> None:
        if self.active is not None:
            self.open_series(key, self.active)

    def open_series(self, key: str, w: ViewportWidget) -> None:
        if key not in self.series:
            return
        w.series_key = key
        if key in self.images:
            self._show(w, key, self.images[key])
            return
        first = key not in self._waiting
        self._waiting.setdefault(key, []).append(w)
        if first:
            self.loader.load(self.series[key])

    def _info(self, key: str) -> dict[str, str]:
        s = self.series[key]
        inst = s.frames[0].instance
        age = ""
        if inst.patient_birth_date[:4].isdigit() and inst.study_date[:4].isdigit():
            age = f"{int(inst.study_date[:4]) - int(inst.patient_birth_date[:4])}Y"
        return {
            "patient_name": person_name(inst.patient_name),
            "patient_id": inst.patient_id,
            "sex_age": " ".join(x for x in (inst.patient_sex, age) if x),
            "study_date": dicom_date(inst.study_date),
            "institution": inst.institution_name,
            "series": f"#{s.series_number} {s.description}"
            if s.series_number is not None
            else s.description,
            "modality": s.modality,
        }

    def _first_image(self, key: str, arr: np.ndarray, k: int) -> None:
        """Show the middle slice at once while the rest of the series is decoded."""
        if self.closing:
            return
        s = self.series.get(key)
        if s is None:
            return
        preview = ImageStack(
            frames=arr[None],
            pixel_spacing=s.frames[0].geometry.pixel_spacing,
            modality=s.modality,
            series_uid=s.series_uid,
            window=None,
            is_color=arr.ndim == 3,
        )
        for w in self._waiting.get(key, []):
            if w.series_key == key:
                w.model.set_image(preview, self._info(key))
                w.renderer.render()
        self.image_shown.emit(key)

    def _loaded(self, key: str, image: Volume | ImageStack) -> None:
        if self.closing:
            return
        self.images[key] = image
        for w in self._waiting.pop(key, []):
            if w.series_key == key:
                self._show(w, key, image)
        notes = list(image.warnings) + [str(p) for p in image.problems[:3]]
        if notes:
            self.statusBar().showMessage(" · ".join(notes), 20000)
        self.series_loaded.emit(key)

    def _show(self, w: ViewportWidget, key: str, image: Volume | ImageStack) -> None:
        count = image.shape[0] if isinstance(image, Volume) else len(image.frames)
        w.model.set_image(image, self._info(key), index=count // 2)
        self._update_reference_lines()

    def _failed(self, key: str, message: str) -> None:
        self._waiting.pop(key, None)
        QMessageBox.warning(self, self.tr("Cannot open"), message) if os.environ.get(
            "YUNYING_DIALOGS", "1"
        ) == "1" else None
        self.statusBar().showMessage(self.tr("Cannot open: {0}").format(message), 30000)

    # ------------------------------------------------------------------ linking

    def _index_changed(self, w: ViewportWidget) -> None:
        if self.sync_enabled and not self._syncing and w is self.active:
            pos = w.model.slice_position()
            frame = w.model.frame_of_reference
            if pos is not None and frame:
                self._syncing = True
                try:
                    for other in self.visible_viewports():
                        if other is w or other.model.image is None or not other.sync:
                            continue
                        if other.model.frame_of_reference != frame:
                            continue
                        k = other.model.index_nearest(pos)
                        if k is not None:
                            other.model.set_index(k)
                finally:
                    self._syncing = False
        self._update_reference_lines()

    def _update_reference_lines(self) -> None:
        src = self.active
        for w in self.visible_viewports():
            lines = []
            if (
                self.reference_lines_enabled
                and src is not None
                and w is not src
                and src.model.image is not None
                and w.model.image is not None
                and src.model.frame_of_reference
                and src.model.frame_of_reference == w.model.frame_of_reference
            ):
                g = src.model.geometry()
                pos = src.model.slice_position()
                if pos is not None and g.normal is not None:
                    line = reference_line(
                        pos, g.normal, w.model.geometry(), w.model.pixels().shape[:2]
                    )
                    if line is not None:
                        lines.append(line)
            if w.renderer.reference_lines != lines:
                w.renderer.set_reference_lines(lines)
                w.renderer.render()

    # ------------------------------------------------------------------ status, help, about

    def _update_status(self) -> None:
        w = self.active
        if w is None or w.model.image is None:
            self.status_label.setText(self.tr("No image"))
            return
        m = w.model
        c, wd = m.window
        text = self.tr("Image {0}/{1} · W {2:.0f} L {3:.0f}").format(m.index + 1, m.count, wd, c)
        if not m.calibrated:
            text += " · " + self.tr("No calibrated pixel spacing: measurements in pixels")
        self.status_label.setText(text)

    def shortcut_table(self) -> list[tuple[str, str]]:
        rows = [
            (spec.text().replace("&", ""), spec.shortcut)
            for spec in self._spec_list
            if spec.shortcut
        ]
        rows += [
            (self.tr("Scroll images"), self.tr("Mouse wheel, ↑ ↓ ← →, Page Up/Down, Home/End")),
            (self.tr("Window/level"), self.tr("Left drag (Window/Level tool)")),
            (self.tr("Zoom"), self.tr("Right drag, Ctrl + wheel")),
            (self.tr("Pan"), self.tr("Middle drag")),
            (self.tr("Fit"), self.tr("Double-click")),
        ]
        return rows

    def show_shortcuts(self) -> QDialog:
        dlg = QDialog(self)
        dlg.setObjectName("shortcutsDialog")
        dlg.setWindowTitle(self.tr("Keyboard Shortcuts"))
        table = QTableWidget(dlg)
        rows = self.shortcut_table()
        table.setColumnCount(2)
        table.setRowCount(len(rows))
        table.setHorizontalHeaderLabels([self.tr("Action"), self.tr("Shortcut")])
        for i, (name, key) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(name))
            table.setItem(
                i,
                1,
                QTableWidgetItem(
                    QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) or key
                ),
            )
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        lay = QVBoxLayout(dlg)
        lay.addWidget(table)
        dlg.resize(560, 640)
        dlg.show()
        self._shortcuts_dialog = dlg
        return dlg

    def show_about(self) -> None:
        text = self.tr("Yunying 云影 — diagnostic DICOM workstation. Not cleared for clinical use.")
        QMessageBox.about(self, self.tr("About Yunying"), text)

    # ------------------------------------------------------------------ screenshots

    # ------------------------------------------------------------------ consultation

    def _consult_client(self) -> Any:
        from cloudclient import tokens
        from cloudclient.consult import ConsultClient
        from cloudclient.service import CloudConfig, CloudService

        if self.cloud_service is None:
            self.cloud_service = CloudService(CloudConfig.load())
        svc = self.cloud_service
        secret = tokens.client_secret(svc.config.client_id) or ""
        return ConsultClient(
            svc.config.national_url,
            svc.config.client_id,
            secret,
            verify=svc.config.verify,
            audit=svc.audit,
        )

    def start_consultation(self, minutes: float = 60.0, token: Any = None) -> Any:
        """Invite a colleague to read the open cloud study together; returns the invitation."""
        from cloudclient.errors import CloudError

        record = self._cloud_record
        if record is None or self.cloud_service is None:
            self.statusBar().showMessage(
                self.tr("Open a study from the cloud first: a consultation shares a cloud study."),
                15000,
            )
            return None
        try:
            dlg = self.cloud_dialog
            token = (
                token
                or (dlg.code_token if dlg is not None else None)
                or self.cloud_service.patient_token()
            )
            inv, me = self._consult_client().create(
                token, record.study_uid, minutes=minutes, doctor=self.cloud_service.config.doctor
            )
        except CloudError as exc:
            self.statusBar().showMessage(self.tr("Consultation refused: {0}").format(exc), 30000)
            return None
        self.invitation = inv
        self._connect_consultation(me)
        if os.environ.get("YUNYING_DIALOGS", "1") == "1":
            QMessageBox.information(
                self,
                self.tr("Consultation"),
                self.tr("Invitation code: {0}\nLink: {1}\nValid for {2:.0f} minutes.").format(
                    inv.code, inv.link, minutes
                ),
            )
        return inv

    def ask_join_consultation(self) -> None:
        code, ok = QInputDialog.getText(
            self, self.tr("Join Consultation"), self.tr("Invitation code or link:")
        )
        if ok and code.strip():
            self.join_consultation(code.strip())

    def join_consultation(self, invitation: str) -> Any:
        """Join with an invitation: fetch the study through the cloud client (this
        workstation's cache first), open it, then follow the session."""
        import threading

        from cloudclient.errors import CloudError

        try:
            me = self._consult_client().join(
                invitation, doctor=self.cloud_service.config.doctor if self.cloud_service else ""
            )
        except CloudError as exc:
            self.statusBar().showMessage(self.tr("Cannot join: {0}").format(exc), 30000)
            return None
        svc = self.cloud_service
        assert svc is not None and me.record is not None

        def fetch() -> None:
            try:
                res = svc.fetch(me.record, me.token)
                self.consult_fetched.emit(res.folder, me.record, None)
            except CloudError as exc:
                self.consult_fetched.emit(None, me.record, exc)

        def fetched(folder: Any, record: Any, error: Any) -> None:
            self.consult_fetched.disconnect(fetched)
            if error is not None:
                self.statusBar().showMessage(self.tr("Cannot join: {0}").format(error), 30000)
                return
            self.open_cloud_study(folder, record)
            self._connect_consultation(me)

        self.consult_fetched.connect(fetched)
        self.consult_label.setText(self.tr("Consultation: fetching the study…"))
        threading.Thread(target=fetch, daemon=True, name="consult-fetch").start()
        return me

    def _connect_consultation(self, me: Any) -> None:
        self.leave_consultation()
        audit = self.cloud_service.audit if self.cloud_service is not None else None
        self.consult = ConsultBridge(self, me, audit)

    def leave_consultation(self) -> None:
        if self.consult is not None:
            self.consult.close()
            self.consult = None
            self.consult_label.setText("")

    # ------------------------------------------------------------------ MPR / 3D

    def toggle_mpr(self, on: bool | None = None) -> MprPanel | None:
        """Show the active viewport's volume as MPR + 3D (or go back to the 2D layout)."""
        on = self.mpr is None if on is None or not isinstance(on, bool) else on
        if not on:
            self.close_mpr()
            return None
        w = self.active
        vol = w.model.image if w is not None else None
        if not isinstance(vol, Volume):
            self.acts["mpr"].setChecked(False)
            self.statusBar().showMessage(
                self.tr("MPR and 3D need a volume: open a CT, MR or PET series first."), 8000
            )
            return None
        self.close_mpr()
        others = {
            f"{img.modality} {self.series[k].description}".strip(): img
            for k, img in self.images.items()
            if isinstance(img, Volume) and img is not vol and k in self.series
        }
        self.mpr = MprPanel(vol, others, overlay_labels(), self.stack)
        self.mpr.curved_ready.connect(self._show_curved)
        if self.consult is not None:
            self.consult.watch_mpr(self.mpr)
        self.stack.addWidget(self.mpr)
        self.stack.setCurrentWidget(self.mpr)
        self.acts["mpr"].setChecked(True)
        return self.mpr

    def close_mpr(self) -> None:
        if self.mpr is not None:
            self.mpr.finalize()
            self.stack.removeWidget(self.mpr)
            self.mpr.deleteLater()
            self.mpr = None
        self.stack.setCurrentWidget(self.grid_host)
        self.acts["mpr"].setChecked(False)

    def _show_curved(self, s: Any) -> None:
        """The straightened image in its own window, measurable like any 2D image."""
        assert self.mpr is not None
        dlg = QDialog(self)
        dlg.setWindowTitle(self.tr("Curved MPR ({0:.0f} mm)").format(s.length_mm))
        lay = QVBoxLayout(dlg)
        vp = ViewportWidget(dlg, overlay_labels())
        lay.addWidget(vp)
        dlg.resize(900, 500)
        vp.model.set_image(self.mpr.curved_stack(s))
        c, wd = self.mpr.model.window
        vp.model.set_window(c, wd)
        dlg.finished.connect(lambda _r: vp.finalize())
        self.curved_dialog = dlg
        dlg.show()

    def screenshot(self) -> QImage:
        """The window as shown, with each viewport's VTK frame painted in (Qt's grab cannot
        read VTK's OpenGL surface)."""
        img = self.grab().toImage()
        painter = QPainter(img)
        ratio = img.devicePixelRatio()
        targets: list[tuple[QWidget, Any]] = [
            (w.view, w.renderer) for w in self.visible_viewports() if w.model.image is not None
        ]
        if self.mpr is not None and self.stack.currentWidget() is self.mpr:
            targets = [(v.vtk, v.renderer) for v in self.mpr.views.values()]
            targets.append((self.mpr.vr.vtk, self.mpr.vr.renderer))
        for view, renderer in targets:
            frame = renderer.grab()
            h, wd = frame.shape[:2]
            q = QImage(
                np.ascontiguousarray(frame).data, wd, h, wd * 3, QImage.Format.Format_RGB888
            ).copy()
            top_left = view.mapTo(self, view.rect().topLeft())
            painter.drawImage(
                QPoint(round(top_left.x() * ratio), round(top_left.y() * ratio)),
                q.scaled(round(view.width() * ratio), round(view.height() * ratio)),
            )
        painter.end()
        return img

    def ask_screenshot(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save Screenshot"), "yunying.png", "PNG (*.png)"
        )
        if path:
            self.screenshot().save(path)

    # ------------------------------------------------------------------ drag and drop, close

    def dragEnterEvent(self, ev: Any) -> None:
        if ev.mimeData().hasUrls():
            ev.acceptProposedAction()

    def dropEvent(self, ev: Any) -> None:
        paths = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_paths(paths)

    def closeEvent(self, ev: QCloseEvent) -> None:
        self.loader.wait(30000)
        self.leave_consultation()
        self.close_mpr()
        for w in self.viewports:
            w.finalize()
        super().closeEvent(ev)


def overlay_labels() -> dict[str, str]:
    """Words of the viewport overlays, translated (the renderer itself is Qt-free)."""
    return {
        "Im": QCoreApplication.translate("Overlay", "Im"),
        "Loc": QCoreApplication.translate("Overlay", "Loc"),
        "Thk": QCoreApplication.translate("Overlay", "Thk"),
        "Zoom": QCoreApplication.translate("Overlay", "Zoom"),
        "uncalibrated": QCoreApplication.translate("Overlay", "uncalibrated"),
    }


def open_demo(window: MainWindow, light: bool = False) -> Path:
    from phantoms import store

    folder = store.demo_study(light=light)
    window.open_paths([str(folder)])
    return folder
