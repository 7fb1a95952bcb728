"""Reading the active view: its windows (the file's, then the presets of its modality and body
part, on the number keys), colour map, invert, interpolation, SUV kind, sub-volumes, DICOM tags
and the status bar line that describes it — in a 2D viewport and in the MPR layout alike.

The window's actions call these through dotted handlers (``reading.invert``…, see
:mod:`app.actions`); the menus whose items depend on the image (window presets, colour maps, SUV
kinds) are rebuilt here when the active view changes.
"""

from __future__ import annotations

from typing import Any

import pydicom
from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QSpinBox

import resources
from app import i18n
from app.fusion_link import FusionLink
from app.prefs_link import PrefsLink
from app.undo_link import UndoLink
from app.view_target import MprTarget, ViewTarget, active_target
from viewer.dicom.colormaps import colormaps
from viewer.dicom.presets import robust_window
from viewer.dicom.suv import KIND_LABEL
from viewer.dicom.volume import ImageStack, Volume
from viewer.dicom.windows import Window, _body_part, file_windows, opening_display, presets_for
from viewer.render.colorbar import format_value
from viewer.render.mpr_view import VIEW_NAMES
from viewer.state.mpr import MprChange
from viewer.state.region3d import Region3D, ellipse_region
from viewer.state.region3d import describe as describe_region
from viewer.state.viewport import ViewportEvent, ViewportModel

SUV_KIND_NAMES = KIND_LABEL  # bw, lbm (Janmahasatian), lbm_james, bsa, ibw


class ReadingLink(QObject):
    """Owns the image-dependent menus (window presets, colour maps, SUV kinds) and the undo,
    fusion and preference links; everything it changes lives in the models and renderers."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.win = window
        self.undo = UndoLink(window)
        self.fusion = FusionLink(window)
        self.prefs = PrefsLink(window, lambda: self.rebuild_windows(force=True))
        self.nearest = False
        self.last_region: Region3D | None = None  # the last MPR ellipse's 3D SUV statistics
        self._mpr_count = 0
        self._wl_actions: list[QAction] = []
        self._wl_key: tuple[Any, ...] | None = None
        self.entries: list[tuple[str, Window]] = []  # (label, window) in menu/key order
        self.cmap_menu = QMenu(window)
        self.cmap_menu.setObjectName("menu_colormap")
        self.cmap_group = QActionGroup(self)
        self.cmap_actions: dict[str, QAction] = {}
        for cm in colormaps():
            act = QAction(self)
            act.setObjectName(f"action_cmap_{cm.id}")
            act.setCheckable(True)
            act.triggered.connect(lambda _c=False, k=cm.id: self.set_colormap(k))
            self.cmap_group.addAction(act)
            self.cmap_menu.addAction(act)
            self.cmap_actions[cm.id] = act
        self.suv_menu = QMenu(window)
        self.suv_menu.setObjectName("menu_suv")
        self.suv_group = QActionGroup(self)
        self.suv_actions: dict[str, QAction] = {}
        for kind, name in SUV_KIND_NAMES.items():
            act = QAction(name, self)
            act.setObjectName(f"action_suv_{kind}")
            act.setCheckable(True)
            act.triggered.connect(lambda _c=False, k=kind: self.set_suv_kind(k))
            self.suv_group.addAction(act)
            self.suv_menu.addAction(act)
            self.suv_actions[kind] = act
        icon = resources.path("icons", "actions", "colormap.svg")
        self.cmap_menu.menuAction().setIcon(QIcon(str(icon)))
        self.cmap_menu.menuAction().setObjectName("action_colormap")
        window.toolbar.insertAction(window.acts["fuse"], self.cmap_menu.menuAction())
        view = window.menus["view"]
        before = window.acts["invert"]
        view.insertMenu(before, self.cmap_menu)
        view.insertMenu(before, self.suv_menu)
        window.menus["window"].aboutToShow.connect(lambda: self.rebuild_windows(force=True))
        view.aboutToShow.connect(self._check_menus)
        window.grid_host.widget_added.connect(self._watch)
        for w in window.grid_host.widgets:
            self._watch(w)
        window.mpr_link.opened.append(self._mpr_opened)
        window.mpr_link.closed.append(self._mpr_closed)
        # which sub-volume (echo, b-value, phase…) the active viewport shows, and a way to step
        self.subvol = QSpinBox(window)
        self.subvol.setObjectName("subvolumeBox")
        self.subvol.setVisible(False)
        self.subvol.valueChanged.connect(self._subvol_box)
        window.statusBar().addPermanentWidget(self.subvol)
        for key in [k for k in window.acts if k.startswith("tool_")]:
            act = window.acts[key]  # set_tool checks it (toggled); a click on it triggers it
            act.toggled.connect(lambda on, t=key[5:]: self._tool(t) if on else None)
            act.triggered.connect(lambda _c=False, t=key[5:]: self._tool(t))
        window.acts["interp_nearest"].setChecked(False)
        self.retranslate()

    # ------------------------------------------------------------------ the active view

    def target(self) -> ViewTarget | MprTarget | None:
        return active_target(self.win)

    def _watch(self, w: Any) -> None:
        self.undo.watch(w)
        w.model.subscribe(lambda ev, m=w.model: self._model_event(m, ev))
        if self.nearest:
            w.renderer.set_interpolation("nearest")

    def _model_event(self, m: ViewportModel, ev: ViewportEvent) -> None:
        if ev is ViewportEvent.IMAGE and isinstance(m.image, Volume):
            self._label_subvolume(m)
        if ev is ViewportEvent.IMAGE and m is self.win.workspace.active:
            self.rebuild_windows()

    def _mpr_opened(self, panel: Any) -> None:
        self.undo.watch_mpr(panel)
        panel.info = dict(self.win.workspace.active.info) if self.win.workspace.active else {}
        panel.show_patient()
        panel.active_changed.connect(self.refresh)
        if self.nearest:
            for r in MprTarget(panel).renderers():
                r.set_interpolation("nearest")
        panel.model.subscribe(lambda ev: self._mpr_event(panel, ev))
        self._mpr_count = 0
        self.fusion.mpr_opened(panel)
        self.refresh()

    def _mpr_event(self, panel: Any, ev: Any) -> None:
        self.update_status()
        n = len(panel.model.measurements)
        added, self._mpr_count = n > self._mpr_count, n
        if ev.kind is not MprChange.MEASUREMENTS or not added:
            return
        pm = panel.model.measurements[-1]
        vol = panel.model.volume
        if pm.measurement.kind != "ellipse" or vol.suv is None:
            return
        # an ellipse on a PET plane: SUVmax/peak/mean of its ellipsoid (viewer.state.region3d)
        try:
            self.last_region = ellipse_region(vol, panel.views[pm.view].renderer.grid, pm)
        except ValueError as e:
            panel.note.setText(str(e))
            return
        text = describe_region(
            self.last_region,
            QCoreApplication.translate(
                "Reading",
                "3D ellipsoid ({ml} ml): {label}max {max} · {label}peak {peak} · "
                "{label}mean {mean} {unit}",
            ),
        )
        panel.note.setText(text)
        self.win.statusBar().showMessage(text, 30000)

    def _mpr_closed(self, panel: Any) -> None:
        self.undo.mpr_closed(panel)
        self.refresh()

    def _tool(self, tool: str) -> None:
        panel = self.win.mpr
        if panel is not None:
            panel.set_tool(tool)

    def refresh(self) -> None:
        """The active view changed (or what it shows): menus and status follow."""
        self.rebuild_windows()
        self.update_status()

    # ------------------------------------------------------------------ windows

    def window_entries(self, t: ViewTarget | MprTarget) -> list[tuple[str, Window]]:
        """The file's windows (every value, the VOI LUT) then the presets of the modality and
        body part, in the display unit (SUV for PET in SUV)."""
        img = t.image
        out: list[tuple[str, Window]] = []
        if isinstance(img, ImageStack) and img.is_color:
            return out
        dv = t.display
        f = dv.factor(t.index)
        for i, w in enumerate(file_windows(img, t.index)):
            name = w.explanation or QCoreApplication.translate("Reading", "File window {0}").format(
                i + 1
            )
            if w.source == "voi_lut":
                name = (
                    QCoreApplication.translate("Reading", "VOI LUT: {0}").format(w.explanation)
                    if w.explanation
                    else "VOI LUT"
                )
            lut = w.lut if f == 1.0 else None  # a table of modality values (not of SUV)
            out.append((name, Window(w.center * f, w.width * f, w.explanation, w.source, lut)))
        body, _ = _body_part(img)
        zh = i18n.current() == "zh_CN"
        for p in presets_for(img.modality, body, dv.unit):
            out.append((p.name_zh if zh else p.name, Window(p.center, p.width, p.name, "preset")))
        return out

    def rebuild_windows(self, force: bool = False) -> None:
        t = self.target()
        key = None if t is None else (t.kind, id(t.image), t.display.unit, i18n.current())
        if key == self._wl_key and not force:
            return  # same image: same windows (rebuilt when the window menu opens anyway)
        self._wl_key = key
        menu: QMenu = self.win.menus["window"]
        for act in self._wl_actions:
            menu.removeAction(act)
            act.deleteLater()
        self._wl_actions = []
        self.entries = self.window_entries(t) if t is not None else []
        sep = menu.addSeparator()
        self._wl_actions.append(sep)
        for n, (name, w) in enumerate(self.entries):
            act = QAction(self)
            act.setObjectName(f"action_wl_{n}")
            unit = t.display.unit if t is not None else ""
            text = QCoreApplication.translate("Reading", "{0} (W {1} / L {2}{3})").format(
                name, format_value(w.width), format_value(w.center), f" {unit}" if unit else ""
            )
            act.setText(text)
            if n < 9:
                act.setShortcut(QKeySequence(str(n + 1)))
            act.triggered.connect(lambda _c=False, win=w: self.apply_window(win))
            menu.addAction(act)
            self._wl_actions.append(act)
        edit = QAction(QCoreApplication.translate("Reading", "Edit Presets…"), self)
        edit.setObjectName("action_wl_edit")
        edit.triggered.connect(self.prefs.edit_presets)
        menu.addSeparator()
        menu.addAction(edit)
        self._wl_actions.append(edit)

    def apply_window(self, w: Window) -> None:
        """A window of the menu; a VOI LUT is shown as its table (2D and MPR views)."""
        t = self.target()
        if t is not None:
            for r in t.renderers():
                r.voi_lut, r.voi_image = w.lut, t.image
            t.set_window(w.center, w.width)

    def auto_window(self) -> None:
        """The file's window (the middle image's), else the rules, else the histogram."""
        t = self.target()
        if t is None:
            return
        img = t.image
        if isinstance(img, ImageStack) and img.is_color:
            return
        d = opening_display(img)
        if d.window.source == "auto" and t.kind == "2d":
            c, w = robust_window(t.widget.model.pixels())  # type: ignore[union-attr]
            f = t.display.factor(t.index)
            t.set_window(c * f, w * f)
        else:
            t.set_window(*d.window.pair)

    # ------------------------------------------------------------------ colour

    def invert(self) -> None:
        t = self.target()
        if t is not None:
            t.set_invert(not t.invert)

    def set_colormap(self, cmap_id: str) -> None:
        t = self.target()
        if t is not None:
            t.set_colormap(cmap_id)

    def set_nearest(self, on: bool) -> None:
        """Nearest-neighbour display (each pixel a block) in every view; linear otherwise."""
        self.nearest = bool(on)
        mode = "nearest" if on else "linear"
        for w in self.win.viewports:
            w.renderer.set_interpolation(mode)
        if self.win.mpr is not None:
            for r in MprTarget(self.win.mpr).renderers():
                r.set_interpolation(mode)

    def _check_menus(self) -> None:
        t = self.target()
        img = t.image if t is not None else None
        colour_ok = t is not None and not (isinstance(img, ImageStack) and img.is_color)
        self.cmap_menu.setEnabled(colour_ok)
        if t is not None and t.colormap in self.cmap_actions:
            self.cmap_actions[t.colormap].setChecked(True)
        suv = getattr(img, "suv", None)
        self.suv_menu.setEnabled(suv is not None and bool(suv.kinds))
        for kind, act in self.suv_actions.items():
            act.setEnabled(suv is not None and kind in suv.kinds)
            act.setChecked(suv is not None and suv.available and suv.kind == kind)

    def set_suv_kind(self, kind: str) -> None:
        t = self.target()
        suv = getattr(t.image, "suv", None) if t is not None else None
        if t is None or suv is None:
            return
        try:
            suv.set_kind(kind)
        except ValueError as e:
            self.win.statusBar().showMessage(str(e), 15000)
            return
        t.refresh_display()
        for w in self.win.viewports:  # other viewports showing the same volume
            if w.model.image is t.image and (t.kind == "mpr" or w is not t.widget):  # type: ignore[union-attr]
                ViewTarget(w).refresh_display()
        self.update_status()

    # ------------------------------------------------------------------ sub-volumes

    def _label_subvolume(self, m: ViewportModel) -> None:
        img = m.image
        assert isinstance(img, Volume)
        base = m.info.setdefault("series_base", m.info.get("series", ""))
        want = f"{base} · {img.label}" if img.label and len(img.subvolumes) > 1 else base
        if m.info.get("series", "") != want:
            m.info["series"] = want
            m.set_zoom(m.zoom)  # the overlay text follows (a camera change redraws it)

    def _subvol_box(self, n: int) -> None:
        t = self.target()
        img = t.image if t is not None else None
        if isinstance(img, Volume) and img.subvolumes:
            i = next(k for k, v in enumerate(img.subvolumes) if v is img)
            if n - 1 != i:
                self.step_subvolume(n - 1 - i)

    def _show_subvolume(self, t: ViewTarget | MprTarget | None) -> None:
        img = t.image if t is not None else None
        subs = img.subvolumes if isinstance(img, Volume) else []
        self.subvol.setVisible(len(subs) > 1)
        if len(subs) > 1:
            self.subvol.blockSignals(True)
            self.subvol.setRange(1, len(subs))
            self.subvol.setValue(next(k for k, v in enumerate(subs) if v is img) + 1)
            self.subvol.setPrefix(QCoreApplication.translate("Reading", "Volume "))
            self.subvol.setSuffix(f"/{len(subs)}")
            self.subvol.setToolTip(img.label if isinstance(img, Volume) else "")
            self.subvol.blockSignals(False)

    def step_subvolume(self, step: int) -> None:
        """The next (or previous) echo, b-value, phase… of the active viewport's series, at the
        same slice, window, camera and measurements; in the MPR layout, in its planes and 3D."""
        if isinstance(self.target(), MprTarget):
            if self.win.mpr_link.step_subvolume(step) is None:
                self.win.statusBar().showMessage(
                    QCoreApplication.translate("Reading", "This series has one volume."), 5000
                )
            self.update_status()
            return
        w = self.win.active
        img = w.model.image if w is not None else None
        if w is None or not isinstance(img, Volume) or len(img.subvolumes) < 2:
            self.win.statusBar().showMessage(
                QCoreApplication.translate("Reading", "This series has one volume."), 5000
            )
            return
        m = w.model
        new = img.sibling(step)
        keep = (m.window, m.invert, m.zoom, m.pan, m.rotation, m.flip_h, m.flip_v)
        meas = list(m.measurements)
        m.set_image(new, m.info, index=m.index)
        m.window, m.invert, m.zoom, m.pan, m.rotation, m.flip_h, m.flip_v = keep
        m.measurements = meas
        m.set_window(*m.window)
        m.set_zoom(m.zoom)
        m.update_measurement()
        self.update_status()

    # ------------------------------------------------------------------ tags, clear, delete

    def show_tags(self) -> Any:
        """*View → DICOM Tags…* (Ctrl+I): the header of the active image's current slice."""
        from app.tags import show_tags

        t = self.target()
        if t is None:
            return None
        img = t.image
        k = t.index
        inst = None
        if isinstance(img, Volume) and img.slice_sources:
            inst = img.slice_sources[min(k, len(img.slice_sources) - 1)].instance
        elif isinstance(img, ImageStack) and img.sources:
            inst = img.sources[min(k, len(img.sources) - 1)].instance
        if inst is None:
            self.win.statusBar().showMessage(
                QCoreApplication.translate("Reading", "This image has no DICOM header."), 5000
            )
            return None
        try:
            with inst.ref.open() as f:
                ds = pydicom.dcmread(f, stop_before_pixels=True, force=True)
        except (OSError, ValueError) as e:
            self.win.statusBar().showMessage(str(e), 10000)
            return None
        self.tags_dialog = show_tags(self.win, ds)
        return self.tags_dialog

    def clear(self) -> None:
        """*Clear All Measurements* of the active view (one undoable step)."""
        t = self.target()
        if isinstance(t, MprTarget):
            self.undo.record(
                t.model,
                QCoreApplication.translate("Reading", "Clear All"),
                t.model.clear_measurements,
            )
        elif isinstance(t, ViewTarget):
            m = t.model
            self.undo.record(
                m,
                QCoreApplication.translate("Reading", "Clear All"),
                lambda: [m.remove_measurement(x) for x in list(m.measurements)],
            )

    def delete(self) -> None:
        t = self.target()
        if isinstance(t, ViewTarget):
            self.undo.record(
                t.model, QCoreApplication.translate("Reading", "Delete"), t.widget.delete_selected
            )
        elif isinstance(t, MprTarget) and t.model.measurements:
            pm = t.model.visible_measurements(t.view.view) or t.model.measurements
            self.undo.record(
                t.model,
                QCoreApplication.translate("Reading", "Delete"),
                lambda: t.model.remove_measurement(pm[-1]),
            )

    # ------------------------------------------------------------------ status, language

    def update_status(self) -> None:
        label = self.win.status_label
        t = self.target()
        self.rebuild_windows()  # the number keys follow the active view (no-op: the same view)
        self._show_subvolume(t)
        if t is None:
            label.setText(QCoreApplication.translate("MainWindow", "No image"))
            return
        c, w = t.window
        dv = t.display
        unit = f" {dv.unit}" if dv.unit else ""
        wl = f"W {format_value(w)} L {format_value(c)}{unit}"
        table = getattr(t.renderers()[0], "voi_label", "")
        wl = table or wl  # a VOI LUT shown as its table
        if isinstance(t, MprTarget):
            name = QCoreApplication.translate("Overlay", VIEW_NAMES[t.view.view])
            text = QCoreApplication.translate("Reading", "MPR {0} · {1}").format(name, wl)
            if t.image.label and len(t.image.subvolumes) > 1:
                text += f" · {t.image.label}"
        else:
            m = t.model
            text = QCoreApplication.translate("Reading", "Image {0}/{1} · {2}").format(
                m.index + 1, m.count, wl
            )
            if isinstance(m.image, Volume) and m.image.label and len(m.image.subvolumes) > 1:
                text += f" · {m.image.label}"
            if not m.calibrated:
                text += " · " + QCoreApplication.translate(
                    "MainWindow", "No calibrated pixel spacing: measurements in pixels"
                )
        if dv.note:
            text += " · " + QCoreApplication.translate("Reading", "{0} — no SUV: {1}").format(
                dv.unit or "?", dv.note
            )
        label.setText(text)

    def retranslate(self) -> None:
        self.cmap_menu.setTitle(QCoreApplication.translate("Reading", "Colour &Map"))
        self.suv_menu.setTitle(QCoreApplication.translate("Reading", "SU&V Kind"))
        zh = i18n.current() == "zh_CN"
        for cm in colormaps():
            name = getattr(cm, "name_zh", "") if zh else ""
            self.cmap_actions[cm.id].setText(name or cm.name)
        self._wl_key = None
        self.rebuild_windows()
        self.prefs.retranslate()
        self.fusion.retranslate()
        self.update_status()
