"""One viewport widget: VTK inside Qt, mouse and keyboard mapped onto the :class:`ViewportModel`.

All state lives in the model; this widget only translates input events into model calls and
hosts the :class:`SliceRenderer`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import vtkmodules.qt

vtkmodules.qt.PyQtImpl = "PySide6"
from PySide6.QtCore import QPoint, Qt, QTimer, Signal  # noqa: E402
from PySide6.QtGui import QKeyEvent, QMouseEvent, QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QFrame, QInputDialog, QVBoxLayout, QWidget  # noqa: E402
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor  # noqa: E402
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleUser  # noqa: E402

from app.mouse_map import press_action, wheel_action  # noqa: E402
from viewer.dicom.measure import POINTS_NEEDED, Measurement  # noqa: E402
from viewer.render.slice_view import SliceRenderer  # noqa: E402
from viewer.state.viewport import ViewportEvent, ViewportModel  # noqa: E402

SERIES_MIME = "application/x-yunying-series"
TOOLS = (
    "wl",
    "zoom",
    "pan",
    "scroll",
    "select",
    "length",
    "angle",
    "ellipse",
    "rectangle",
    "probe",
    "arrow",
    "text",
)
PICK_RADIUS_PX = 8.0


class _Drag:
    """What a mouse drag started from."""

    def __init__(
        self,
        tool: str,
        start: QPoint,
        model: ViewportModel,
        mode: str = "",
        point: int = 0,
        last: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        self.tool = tool
        self.start = start
        self.window = model.window
        self.zoom = model.zoom
        self.pan = model.pan
        self.index = model.index
        self.mode = mode
        self.point = point
        self.last = last


class VTKView(QVTKRenderWindowInteractor):
    """A VTK widget that hands Qt's mouse, wheel, key and resize events to its owner's
    ``on_press``, ``on_move``, ``on_release``, ``on_double_click``, ``on_wheel``, ``on_key``
    (returning whether it used the key) and ``on_resize``; VTK's own interaction is off."""

    def __init__(self, owner: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else owner)
        self.owner = owner
        self.SetInteractorStyle(vtkInteractorStyleUser())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def mousePressEvent(self, ev: QMouseEvent) -> None:
        self.owner.on_press(ev)

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:
        self.owner.on_move(ev)

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:
        self.owner.on_release(ev)

    def mouseDoubleClickEvent(self, ev: QMouseEvent) -> None:
        self.owner.on_double_click(ev)

    def wheelEvent(self, ev: QWheelEvent) -> None:
        self.owner.on_wheel(ev)

    def keyPressEvent(self, ev: QKeyEvent) -> None:
        on_key = getattr(self.owner, "on_key", None)
        if on_key is None or not on_key(ev):
            QWidget.keyPressEvent(self, ev)

    def keyReleaseEvent(self, ev: QKeyEvent) -> None:
        QWidget.keyReleaseEvent(self, ev)

    def resizeEvent(self, ev: Any) -> None:
        super().resizeEvent(ev)
        self.owner.on_resize()

    def xy(self, pos: QPoint) -> tuple[float, float]:
        """VTK display coordinates (origin bottom-left, device pixels) of a widget position."""
        ratio = self.devicePixelRatioF()
        return pos.x() * ratio, (self.height() - pos.y() - 1) * ratio


class ViewportWidget(QFrame):
    """Hosts one viewport's renderer and maps input onto its :class:`ViewportModel` (which the
    Workspace owns); it keeps only the current tool and the drag or measurement in progress."""

    activated = Signal(object)  # self
    series_dropped = Signal(object, str)  # self, series key
    measurement_added = Signal(object)
    pointer_moved = Signal(object, float, float)  # self, image x, y (mouse over the image)

    def __init__(
        self,
        parent: QWidget | None = None,
        labels: dict[str, str] | None = None,
        model: ViewportModel | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("viewport")
        self.setAcceptDrops(True)
        self.model = model if model is not None else ViewportModel()
        self.view = VTKView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view)
        self.renderer = SliceRenderer(self.view.GetRenderWindow(), self.model, labels)
        # one render per turn of the event loop, however many changes it brought (an image
        # arriving sets its window, colours and graphics: one frame, not one each)
        self.renderer.defer = lambda: QTimer.singleShot(0, self, self.renderer.flush)
        self.tool = "wl"
        self.undo: Any = None  # the window's UndoStack (app.undo_link), when wired
        self._drag: _Drag | None = None
        self._pending: Measurement | None = None
        self._committed = 0
        self._press_at = (0.0, 0.0)
        self.cine = QTimer(self)
        self.cine.timeout.connect(lambda: self.model.scroll(1, wrap=True))
        self.model.subscribe(self._on_model)
        self.set_active(False)
        self.view.setMouseTracking(True)  # the pointer is shared in a consultation
        self.view.Initialize()

    # ------------------------------------------------------------------ plumbing

    @property
    def series_key(self) -> str:
        """The Workspace's key of the series shown (kept by the model)."""
        return self.model.series_key

    def _on_model(self, what: ViewportEvent) -> None:
        if what is ViewportEvent.CINE:
            if self.model.playing:
                self.cine.start(int(1000 / self.model.cine_fps))
            else:
                self.cine.stop()

    def set_active(self, on: bool) -> None:
        self.renderer.active = on
        color = "#3d8bfd" if on else "#303030"
        self.setStyleSheet(f"QFrame#viewport {{ border: 2px solid {color}; background: black; }}")

    def finalize(self) -> None:
        """Release VTK before the widget goes (avoids X errors at exit)."""
        self.cine.stop()
        self.renderer.can_render = False
        self.view.Finalize()

    def showEvent(self, ev: Any) -> None:
        self.renderer.can_render = True
        super().showEvent(ev)

    def hideEvent(self, ev: Any) -> None:
        self.renderer.can_render = False
        super().hideEvent(ev)

    def _vtk_xy(self, pos: QPoint) -> tuple[float, float]:
        return self.view.xy(pos)

    def on_resize(self) -> None:
        self.renderer.on_resize()

    def image_xy(self, pos: QPoint) -> tuple[float, float]:
        return self.renderer.display_to_image(*self._vtk_xy(pos))

    def widget_pos(self, x: float, y: float) -> QPoint:
        """Widget coordinates of an image point (inverse of :meth:`image_xy`)."""
        dx, dy = self.renderer.image_to_display(x, y)
        ratio = self.view.devicePixelRatioF()
        return QPoint(round(dx / ratio), round(self.view.height() - 1 - dy / ratio))

    # ------------------------------------------------------------------ mouse

    def on_press(self, ev: QMouseEvent) -> None:
        self.activated.emit(self)
        self.view.setFocus()
        if self.model.image is None:
            return
        pos = ev.position().toPoint()
        # the one mapping of 2D and MPR (app.mouse_map); a crosshair has no meaning here
        action = press_action(ev)
        tool = {"window": "wl", "zoom": "zoom", "pan": "pan", "scroll": "scroll"}.get(action)
        if action == "none":
            return
        tool = tool or self.tool
        if self.undo is not None:
            self.undo.begin(self.model)
        x, y = self.image_xy(pos)
        if tool in POINTS_NEEDED:
            self._measure_press(tool, x, y)
            return
        if tool == "select":
            hit = self._pick(x, y)
            self.model.selected = hit
            self.model.update_measurement(hit)
            if hit is not None:
                i, dist = hit.nearest_point(x, y)
                mode = "point" if dist * self._px() <= PICK_RADIUS_PX * 1.5 else "shape"
                self._drag = _Drag("select", pos, self.model, mode=mode, point=i, last=(x, y))
            return
        self._drag = _Drag(tool, pos, self.model)

    def on_move(self, ev: QMouseEvent) -> None:
        pos = ev.position().toPoint()
        if self.model.image is not None:
            self.pointer_moved.emit(self, *self.image_xy(pos))
        if self._pending is not None:
            self._preview(*self.image_xy(pos))
            return
        if self._drag is None:
            return
        d = self._drag
        if d.tool == "select":
            x, y = self.image_xy(pos)
            meas = self.model.selected
            if meas is not None:
                lx, ly = d.last
                if d.mode == "point":
                    meas.move_point(d.point, x, y)
                else:
                    meas.move(x - lx, y - ly)
                d.last = (x, y)
                self.model.update_measurement(meas)
            return
        dx, dy = pos.x() - d.start.x(), pos.y() - d.start.y()
        if d.tool == "wl":
            c0, w0 = d.window
            scale = max(w0, 1.0) / 256.0
            self.model.set_window(c0 + dy * scale, max(1.0, w0 + dx * scale))
        elif d.tool == "zoom":
            self.model.set_zoom(d.zoom * (1.01 ** (-dy)))
        elif d.tool == "pan":
            mm = self.renderer.mm_per_screen_pixel() * self.view.devicePixelRatioF()
            self.model.set_pan(d.pan[0] - dx * mm, d.pan[1] - dy * mm)
        elif d.tool == "scroll":
            self.model.set_index(d.index + dy // 4)

    def on_release(self, ev: QMouseEvent) -> None:
        if self._pending is not None:
            self._release_point(*self.image_xy(ev.position().toPoint()))
        self._drag = None
        if self.undo is not None and self._pending is None:
            self.undo.commit(self.model, self.tr("Measurement"))

    def on_double_click(self, ev: QMouseEvent) -> None:
        if self.model.image is not None and self.tool in ("wl", "zoom", "pan", "scroll"):
            self.model.fit()

    def on_wheel(self, ev: QWheelEvent) -> None:
        self.activated.emit(self)
        steps = ev.angleDelta().y() // 120 or (1 if ev.angleDelta().y() > 0 else -1)
        action = wheel_action(ev)
        if action == "zoom":
            self.model.set_zoom(self.model.zoom * (1.1**steps))
        elif action == "scroll":
            self.model.scroll(-steps)

    def _px(self) -> float:
        """Screen pixels per image pixel (zoom % counts acquired pixels: a reduced preview's
        pixel is ``reduction`` of them)."""
        return self.renderer.zoom_percent() / 100.0 * self.model.reduction

    # ------------------------------------------------------------------ measurements

    def _measure_press(self, tool: str, x: float, y: float) -> None:
        """Click-click or press-drag-release: each press (or a drag's release) fixes a point."""
        if self._pending is None:
            m = Measurement(tool, [(x, y)], index=self.model.index)
            if tool == "text":
                m.text = self.ask_text()
            self._pending, self._committed, self._press_at = m, 1, (x, y)
            if m.complete:
                self._finish_measurement()
            else:
                self.model.add_measurement(m)
            return
        self._commit_point(x, y)

    def _commit_point(self, x: float, y: float) -> None:
        m = self._pending
        assert m is not None
        m.points = [*m.points[: self._committed], (x, y)]
        self._committed += 1
        self._press_at = (x, y)
        if self._committed >= POINTS_NEEDED[m.kind]:
            self._finish_measurement()
        else:
            self.model.update_measurement(m)

    def _preview(self, x: float, y: float) -> None:
        m = self._pending
        assert m is not None
        m.points = [*m.points[: self._committed], (x, y)]
        self.model.update_measurement(m)

    def _release_point(self, x: float, y: float) -> None:
        """A drag that ends away from where it started fixes the point where it ends."""
        px, py = self._press_at
        if (abs(x - px) + abs(y - py)) * self._px() > 3:
            self._commit_point(x, y)

    def _finish_measurement(self) -> None:
        m = self._pending
        self._pending = None
        assert m is not None
        m.points = m.points[: POINTS_NEEDED[m.kind]]
        if m not in self.model.measurements:
            self.model.add_measurement(m)
        else:
            self.model.update_measurement(m)
        self.measurement_added.emit(m)

    def rescaled(
        self,
        rescale: Callable[[list[Measurement]], list[Measurement]],
        pan_moved: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        """The image was swapped for the same picture in other pixels (a refined cloud volume)
        and the measurements converted (``rescale``: measurements → the same in the new
        pixels), the pan made up for the new image's middle (by ``pan_moved`` mm): a
        measurement half drawn goes on as its converted copy, a drag from where it was."""

        def point(p: tuple[float, float]) -> tuple[float, float]:
            return rescale([Measurement("probe", [p])])[0].points[0]

        m, d = self._pending, self._drag
        if m is not None:
            copy = next((x for x in self.model.measurements if x.id == m.id), None)
            self._pending = copy if copy is not None else rescale([m])[0]
            self._press_at = point(self._press_at)
        if d is not None:
            d.last = point(d.last)
            d.pan = (d.pan[0] + pan_moved[0], d.pan[1] + pan_moved[1])

    def ask_text(self) -> str:
        text, ok = QInputDialog.getText(self, self.tr("Annotation"), self.tr("Text:"))
        return text if ok else ""

    def _pick(self, x: float, y: float) -> Measurement | None:
        best, best_d = None, PICK_RADIUS_PX / max(self._px(), 1e-6)
        for m in self.model.visible_measurements():
            d = m.distance_to(x, y)
            if d <= best_d:
                best, best_d = m, d
        return best

    def delete_selected(self) -> None:
        if self.model.selected is not None:
            self.model.remove_measurement(self.model.selected)

    # ------------------------------------------------------------------ keyboard

    def on_key(self, ev: QKeyEvent) -> bool:
        key = ev.key()
        m = self.model
        if m.image is None:
            return False
        page = max(1, m.count // 10)
        actions = {
            Qt.Key.Key_Up: lambda: m.scroll(-1),
            Qt.Key.Key_Down: lambda: m.scroll(1),
            Qt.Key.Key_Left: lambda: m.scroll(-1),
            Qt.Key.Key_Right: lambda: m.scroll(1),
            Qt.Key.Key_PageUp: lambda: m.scroll(-page),
            Qt.Key.Key_PageDown: lambda: m.scroll(page),
            Qt.Key.Key_Home: lambda: m.set_index(0),
            Qt.Key.Key_End: lambda: m.set_index(m.count - 1),
            Qt.Key.Key_Delete: self.delete_selected,
            Qt.Key.Key_Backspace: self.delete_selected,
            Qt.Key.Key_Escape: self._cancel,
        }
        fn = actions.get(Qt.Key(key))
        if fn is None:
            return False
        fn()
        return True

    def _cancel(self) -> None:
        if self._pending is not None:
            self.model.remove_measurement(self._pending)
            self._pending = None
        self.model.set_cine(False)

    # ------------------------------------------------------------------ drag and drop

    def dragEnterEvent(self, ev) -> None:  # type: ignore[no-untyped-def]
        if ev.mimeData().hasFormat(SERIES_MIME):
            ev.acceptProposedAction()

    def dropEvent(self, ev) -> None:  # type: ignore[no-untyped-def]
        key = bytes(ev.mimeData().data(SERIES_MIME)).decode()
        self.series_dropped.emit(self, key)
        ev.acceptProposedAction()
