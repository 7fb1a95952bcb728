"""The main window: study browser, viewport grid, MPR/3D, menus, status bar and language.

Wiring only. What is open and how it is shown is the :class:`~viewer.state.workspace.Workspace`;
the actions are data (:mod:`app.actions`); background work runs on one :class:`Runner`; the
Cloud panel and consultations have their own links (:mod:`app.cloud_link`,
:mod:`app.consult_link`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QImage
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from app import dialogs, i18n, look
from app.frame import StartingNote, wait_painted
from app.runner import Runner

if TYPE_CHECKING:  # the viewer (VTK, pydicom) is imported by build(), after the first paint
    from app.consult import ConsultBridge
    from app.mpr import MprPanel
    from app.viewport import ViewportWidget
    from viewer.dicom.model import SeriesInfo
    from viewer.dicom.volume import ImageStack, Volume
    from viewer.state.mpr import MprModel
    from viewer.state.observable import Unsubscribe
    from viewer.state.viewport import ViewportEvent, ViewportModel
    from viewer.state.workspace import WorkspaceEvent

__all__ = ["MainWindow", "open_demo", "overlay_labels"]


class MainWindow(QMainWindow):
    """Owns the window's widgets (browser, grid, MPR panel, menus, status bar) and the links
    to the Workspace, the runner, the cloud and a consultation; it holds no state of its own."""

    image_shown = Signal(str)  # series key, once its first image is on screen
    series_loaded = Signal(str)

    def __init__(self, staged: bool = False) -> None:
        """The window, built at once; ``staged``: only its frame (theme, title, a note that the
        viewer is starting) — light enough to be painted before VTK and pydicom are imported —,
        the rest by :meth:`build`."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.resize(1400, 900)
        self.setAcceptDrops(True)
        self.settings = QSettings("Yunying", "Yunying")
        look.apply_saved(self.settings)
        self.runner = Runner(self)
        self.launch_requests: list[Any] = []
        self.single_instance: Any = None  # app.single.SingleInstance when it owns the channel
        self._off: list[Unsubscribe] = []
        self.built = False
        self.starting: StartingNote | None = StartingNote(self.tr("Starting the viewer…"), self)
        self.setCentralWidget(self.starting)
        self.setWindowTitle(self.tr("Yunying 云影 — Diagnostic Workstation"))
        self.statusBar().showMessage(self.tr("Starting the viewer…"))
        if not staged:
            self.build()

    def wait_first_paint(self, timeout_s: float = 5.0) -> float | None:
        """Process events until the staged frame has been painted (bounded); when it was."""
        return wait_painted(self.starting, timeout_s)

    def build(self) -> None:
        """Everything the frame does not have: the Workspace, browser, viewport grid, links,
        menus and toolbar (imports the viewer: VTK, pydicom)."""
        from app import actions
        from app.browser import StudyBrowser
        from app.cloud_link import CloudLink
        from app.consult_link import ConsultLink
        from app.findings_link import FindingsLink
        from app.grid import ViewportGrid
        from app.hanging_link import HangingLink
        from app.loader import Loader
        from app.mpr_link import MprLink
        from app.problems_link import ProblemsLink
        from app.reading import ReadingLink
        from app.recent import RecentMenu
        from viewer.state.workspace import Workspace

        self.workspace = Workspace()
        self.loader = Loader(self.workspace, self.runner)
        self.browser = StudyBrowser(self)
        self.browser.open_series.connect(self.workspace.open_in_active)
        self.dock = QDockWidget(self)
        self.dock.setObjectName("browserDock")
        self.dock.setWidget(self.browser)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)

        self.grid_host = ViewportGrid(self.workspace, overlay_labels(), self)
        self.grid_host.widget_added.connect(self._widget_added)
        for w in self.grid_host.widgets:
            self._widget_added(w)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.grid_host)
        self.setCentralWidget(self.stack)  # (Qt deletes the "starting" note)
        self.starting = None
        self.status_label = QLabel(self)
        self.consult_label = QLabel(self)
        self.statusBar().clearMessage()
        self.statusBar().addPermanentWidget(self.consult_label)
        self.statusBar().addPermanentWidget(self.status_label)
        self.problems = ProblemsLink(self, self.workspace)
        self.cloud = CloudLink(self, self.workspace, self.runner, self.statusBar().showMessage)
        self.consulting = ConsultLink(
            self, self.workspace, self.runner, self.cloud, self, self.consult_label
        )
        self.findings = FindingsLink.attach(self)  # Ctrl+S, K, findings list, export, on close
        self.acts, self.menus, self.toolbar = actions.build(self)
        self.mpr_link = MprLink(self, overlay_labels)
        self.mpr_link.opened.append(self._mpr_opened)
        self.reading = ReadingLink(self)  # windows, colour, undo, fusion, preferences
        self.priors = HangingLink(self)  # protocols, timeline, compare with prior, linking
        self.recent_menu = RecentMenu(self.settings, self.open_paths, self)
        self.menus["file"].insertMenu(self.acts["screenshot"], self.recent_menu)
        for key in ("sync", "reflines", "tool_wl", f"lang_{i18n.setting()}"):
            self.acts[key].setChecked(True)
        self._off.append(self.workspace.events.subscribe(self._on_workspace))
        self.built = True
        self.set_layout("1x1")
        self.retranslate()

    # ------------------------------------------------------------------ the workspace, seen

    @property
    def viewports(self) -> list[ViewportWidget]:
        return self.grid_host.widgets

    def visible_viewports(self) -> list[ViewportWidget]:
        return self.grid_host.visible()

    @property
    def active(self) -> ViewportWidget | None:
        return self.grid_host.widget_of(self.workspace.active)

    @property
    def series(self) -> dict[str, SeriesInfo]:
        return self.workspace.series

    @property
    def images(self) -> dict[str, Volume | ImageStack]:
        return self.workspace.images

    @property
    def _waiting(self) -> dict[str, list[ViewportModel]]:  # (app.__main__ reads it)
        return self.workspace.waiting

    @property
    def closing(self) -> bool:
        return self.workspace.closed

    @property
    def layout_name(self) -> str:
        return self.workspace.layout

    @property
    def cloud_service(self) -> Any:
        return self.cloud.service

    @cloud_service.setter
    def cloud_service(self, service: Any) -> None:
        self.cloud.service = service

    @property
    def cloud_dialog(self) -> Any:
        return self.cloud.dialog

    @property
    def consult(self) -> ConsultBridge | None:
        return self.consulting.bridge

    @property
    def invitation(self) -> Any:
        return self.consulting.invitation

    def _widget_added(self, w: ViewportWidget) -> None:
        w.measurement_added.connect(lambda _m: self._update_status())
        w.pointer_moved.connect(self._pointer)
        self._off.append(w.model.subscribe(self._model_changed))

    def _pointer(self, w: ViewportWidget, x: float, y: float) -> None:
        if self.consult is not None:
            self.consult.pointer(w.model, x, y)

    def _model_changed(self, what: ViewportEvent) -> None:
        from viewer.state.viewport import ViewportEvent

        if what in (ViewportEvent.WINDOW, ViewportEvent.INDEX, ViewportEvent.IMAGE):
            self._update_status()
        if what is ViewportEvent.IMAGE:
            self._update_enabled()

    def _on_workspace(self, ev: WorkspaceEvent) -> None:
        from viewer.state.workspace import (
            ActiveChanged,
            ImageShown,
            LoadFailed,
            Opening,
            Remember,
            Scanned,
            SeriesLoaded,
        )

        bar = self.statusBar()
        if isinstance(ev, Opening):
            bar.showMessage(self.tr("Reading {0}…").format(", ".join(ev.request.paths)))
        elif isinstance(ev, Remember):
            self.recent_menu.remember(list(ev.paths))
        elif isinstance(ev, Scanned):
            self._scanned(ev)
        elif isinstance(ev, ActiveChanged):
            self._update_status()
            self._update_enabled()
        elif isinstance(ev, ImageShown):  # said once the viewports' deferred render is done
            QTimer.singleShot(0, self, lambda k=ev.key: self.image_shown.emit(k))
        elif isinstance(ev, SeriesLoaded):
            self.problems.update()
            if ev.notes:
                bar.showMessage(" · ".join(ev.notes), 20000)
            self.series_loaded.emit(ev.key)
        elif isinstance(ev, LoadFailed):
            if dialogs.interactive():
                QMessageBox.warning(self, self.tr("Cannot open"), ev.message)
            bar.showMessage(self.tr("Cannot open: {0}").format(ev.message), 30000)

    def _scanned(self, ev: Any) -> None:
        self.browser.add_scan(ev.result, ev.thumbs)
        self.problems.update()
        self._update_enabled()
        n = len([s for s in ev.result.all_series() if s.frames])
        msg = self.tr("{0} series found").format(n)
        if ev.result.problems:
            msg += " — " + self.tr("{0} file(s) could not be read").format(len(ev.result.problems))
        self.statusBar().showMessage(msg, 15000)

    # ------------------------------------------------------------------ actions' handlers

    def set_layout(self, name: str) -> None:
        self.workspace.set_layout(name)
        self.acts[f"layout_{name}"].setChecked(True)

    def set_active(self, w: ViewportWidget) -> None:
        self.workspace.set_active(w.model)

    def set_tool(self, tool: str) -> None:
        self.grid_host.set_tool(tool)
        self.acts[f"tool_{tool}"].setChecked(True)

    def set_link(self, link: str, on: bool) -> None:
        self.workspace.set_links(**{link: bool(on)})

    def on_active(self, command: str, *args: Any) -> None:
        w = self.active
        if w is not None and w.model.image is not None:
            from app.actions import VIEWPORT_COMMANDS

            VIEWPORT_COMMANDS[command](w, *args)

    def open_series(self, key: str, w: ViewportWidget) -> None:
        self.workspace.open_series(key, w.model)

    def open_in_active(self, key: str) -> None:
        self.workspace.open_in_active(key)

    def _update_enabled(self) -> None:
        ws = self.workspace
        image = ws.active is not None and ws.active.image is not None
        cloud = any(r.record is not None for r in ws.requests)
        from app.actions import update_enabled

        update_enabled(self.acts, {"image": image, "cloud_study": cloud})

    def _update_status(self) -> None:
        self.reading.update_status()  # the active view, 2D or MPR (app.reading)

    def retranslate(self) -> None:
        from app import actions

        self.setWindowTitle(self.tr("Yunying 云影 — Diagnostic Workstation"))
        actions.retranslate(self.acts, self.menus)
        self.recent_menu.setTitle(self.tr("Open &Recent"))
        self.toolbar.setWindowTitle(self.tr("Toolbar"))
        self.dock.setWindowTitle(self.tr("Studies"))
        self.browser.retranslate()
        self.problems.retranslate()
        self.recent_menu.fill()
        self.grid_host.set_labels(overlay_labels())
        self.reading.retranslate()
        self._update_status()
        self._update_enabled()

    def set_language(self, lang: str) -> None:
        i18n.save_setting(lang)
        i18n.install(QCoreApplication.instance(), lang)  # type: ignore[arg-type]
        self.retranslate()

    def show_shortcuts(self) -> QDialog:
        from app import helpdialogs

        self._shortcuts_dialog = helpdialogs.shortcuts_dialog(self)
        return self._shortcuts_dialog

    def shortcut_table(self) -> list[tuple[str, str]]:
        from app import helpdialogs

        return helpdialogs.shortcut_table()

    def show_problems(self) -> Any:
        return self.problems.show()

    def show_about(self) -> None:
        from app import helpdialogs

        helpdialogs.about(self)

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
        """Local folders or files (they go into *Open Recent*)."""
        self.workspace.open_study(list(paths))

    def open_request(self, req: Any) -> None:
        """A launch request (command line, URL or a later launch): a path, a code or a study."""
        if req.kind == "path":
            self.open_paths([req.value])
        elif req.kind == "code":
            self.cloud.open_code(req.value)
        elif req.kind == "consult":
            self.join_consultation(req.value)
        elif req.kind == "study":
            self.cloud.open_cached(req.value)
        self.launch_requests.append(req)

    # ------------------------------------------------------------------ cloud and consultation

    def open_cloud(self, *_args: Any) -> Any:
        """*File → Cloud…* (Ctrl+K): the Cloud panel (None when the cloud is not configured)."""
        return self.cloud.open_panel()

    def open_cloud_study(self, folder: Path, record: Any, source: str = "cache") -> None:
        self.cloud.open_study(folder, record, source)

    def start_consultation(self, minutes: float = 60.0, token: Any = None) -> Any:
        return self.consulting.start(minutes, token)

    def ask_join_consultation(self) -> None:
        self.consulting.ask_join()

    def join_consultation(self, invitation: str) -> Any:
        return self.consulting.join(invitation)

    def connect_consultation(self, me: Any) -> ConsultBridge:
        return self.consulting.attach(me)

    def leave_consultation(self) -> None:
        self.consulting.leave()

    def show_consult_status(self, text: str) -> None:
        self.consulting.show_status(text)

    def show_pointer(self, vp: ViewportModel, x: float, y: float, color: tuple[float, ...]) -> None:
        w = self.grid_host.widget_of(vp)
        if w is not None:
            w.renderer.set_pointer((x, y), color)

    def _mpr_opened(self, panel: MprPanel) -> None:
        if self.consult is not None:
            self.consult.watch_mpr(panel.model)

    def mpr_model(self) -> MprModel | None:
        return self.mpr.model if self.mpr is not None else None

    # ------------------------------------------------------------------ MPR / 3D

    def toggle_mpr(self, on: bool | None = None) -> MprPanel | None:
        """Show the active viewport's volume as MPR + 3D (or go back to the 2D layout)."""
        return self.mpr_link.toggle(on)

    def close_mpr(self) -> None:
        self.mpr_link.close()

    @property
    def mpr(self) -> MprPanel | None:
        return self.mpr_link.panel

    @property
    def curved_dialog(self) -> QDialog | None:
        return self.mpr_link.curved_dialog

    # ------------------------------------------------------------------ screenshots

    def screenshot(self) -> QImage:
        """The window as shown, with each viewport's VTK frame painted in."""
        from app.screenshot import screenshot as grab

        targets: list[tuple[QWidget, Any]] = [
            (w.view, w.renderer) for w in self.visible_viewports() if w.model.image is not None
        ]
        if self.mpr is not None and self.stack.currentWidget() is self.mpr:
            targets = [(v.vtk, v.renderer) for v in self.mpr.views.values()]
            targets.append((self.mpr.vr.vtk, self.mpr.vr.renderer))
        return grab(self, targets)

    def ask_screenshot(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save Screenshot"), "yunying.png", "PNG (*.png)"
        )
        if path:
            self.screenshot().save(path)

    # ------------------------------------------------------------------ drag and drop, close

    def dragEnterEvent(self, ev: Any) -> None:
        if self.built and ev.mimeData().hasUrls():
            ev.acceptProposedAction()

    def dropEvent(self, ev: Any) -> None:
        paths = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_paths(paths)

    def closeEvent(self, ev: QCloseEvent) -> None:
        self.runner.wait(30000)
        if not self.built:  # closed while starting
            super().closeEvent(ev)
            return
        self.workspace.close()
        self.leave_consultation()
        self.close_mpr()
        self.runner.wait(10000, lane="audit")  # (views audited: written before the app quits)
        self.cloud.close()
        for off in self._off:
            off()
        self.grid_host.finalize()
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
