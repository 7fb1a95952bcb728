"""The MPR layout's views: one reconstructed plane (:class:`MprViewWidget`) and the 3D view
(:class:`VolumeViewWidget`); they map mouse and wheel onto the panel's :class:`MprModel` and
:class:`VolumeRenderer` (see :mod:`app.mpr` for what each gesture does).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np
import vtkmodules.qt

vtkmodules.qt.PyQtImpl = "PySide6"
from PySide6.QtCore import QPoint, Qt, Signal  # noqa: E402
from PySide6.QtGui import QMouseEvent, QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QVBoxLayout, QWidget  # noqa: E402

from app.mouse_map import press_action, wheel_action  # noqa: E402
from app.viewport import VTKView  # noqa: E402
from viewer.dicom.measure import POINTS_NEEDED, Measurement  # noqa: E402
from viewer.render.mpr_view import MprRenderer  # noqa: E402
from viewer.render.vr import VolumeRenderer  # noqa: E402
from viewer.state.mpr import MprModel  # noqa: E402


class MprHost(Protocol):
    """What the views need of their panel (an :class:`app.mpr.MprPanel`)."""

    model: MprModel
    labels: dict[str, str]
    tool: str

    def ask_text(self) -> str: ...

    def set_active_view(self, view: str) -> None: ...


#: what the toolbar's drag tools do in an MPR view (measurement tools and the curve are themselves)
_TOOL_DRAG = {"wl": "window", "select": "crosshair", "crosshair": "crosshair"}


class MprViewWidget(QWidget):
    curve_finished = Signal(object, list)  # self, patient points

    def __init__(self, panel: MprHost, view: str, source: Any, parent: QWidget) -> None:
        super().__init__(parent)
        self.panel = panel
        self.view = view
        self.vtk = VTKView(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(1, 1, 1, 1)
        lay.addWidget(self.vtk)
        self.renderer = MprRenderer(
            self.vtk.GetRenderWindow(), panel.model, view, source, panel.labels
        )
        self._drag: tuple[str, QPoint, Any] | None = None
        self.undo: Any = None  # the window's UndoStack (app.undo_link), when wired
        self._pending: list[tuple[float, float]] = []
        self.curve: list[np.ndarray] = []
        self.vtk.Initialize()

    @property
    def model(self) -> MprModel:
        return self.panel.model

    def uv(self, pos: QPoint) -> tuple[float, float]:
        return self.renderer.display_to_uv(*self.vtk.xy(pos))

    def widget_pos(self, u: float, v: float) -> QPoint:
        x, y = self.renderer.uv_to_display(u, v)
        ratio = self.vtk.devicePixelRatioF()
        return QPoint(round(x / ratio), round(self.vtk.height() - 1 - y / ratio))

    def on_press(self, ev: QMouseEvent) -> None:
        self.vtk.setFocus()
        self.panel.set_active_view(self.view)
        pos = ev.position().toPoint()
        u, v = self.uv(pos)
        # the one mapping of 2D and MPR (app.mouse_map); "tool" is the toolbar's (or the
        # panel's) tool: a measurement, the curve, or a drag like the mapped buttons'
        action = press_action(ev)
        if action == "tool":
            tool = self.panel.tool
            action = _TOOL_DRAG.get(tool, tool)
        if action == "none":
            return
        if self.undo is not None:
            self.undo.begin(self.model)
        m = self.model
        if action == "window":
            self._drag = ("window", pos, m.window)
        elif action == "zoom":
            self._drag = ("zoom", pos, m.zoom[self.view])
        elif action == "pan":
            self._drag = ("pan", pos, m.pan[self.view])
        elif action == "scroll":
            self._drag = ("scroll", pos, 0)
        elif action in POINTS_NEEDED:  # the 2D measurements, on this plane, in its mm
            self._pending.append((u, v))
            if len(self._pending) == POINTS_NEEDED[action]:
                text = self.panel.ask_text() if action == "text" else ""
                m.add_measurement(
                    self.view, Measurement(action, [], text=text), list(self._pending)
                )
                self._pending = []
        elif action == "curve":
            self.curve.append(self.renderer.grid.uv_to_patient(u, v))
        elif action == "rotate_crosshair":
            self._drag = ("rotate", pos, self._angle(u, v))
        else:  # crosshair
            self._drag = ("center", pos, None)
            m.set_center(self.renderer.grid.uv_to_patient(u, v))

    def _angle(self, u: float, v: float) -> float:
        cu, cv, _ = self.renderer.grid.patient_to_uv(self.model.center)
        return math.degrees(math.atan2(v - cv, u - cu))

    def on_move(self, ev: QMouseEvent) -> None:
        if self._drag is None:
            return
        kind, start, state = self._drag
        pos = ev.position().toPoint()
        dx, dy = pos.x() - start.x(), pos.y() - start.y()
        u, v = self.uv(pos)
        if kind == "window":  # as in 2D: right widens, down raises the level
            c, w = state
            scale = max(w, 1e-3) / 256.0
            self.model.set_window(c + dy * scale, max(1e-3, w + dx * scale))
        elif kind == "zoom":
            self.model.set_zoom(self.view, state * (1.01 ** (-dy)))
        elif kind == "pan":
            per = self.renderer.mm_per_screen_pixel()
            self.model.set_pan(self.view, state[0] - dx * per, state[1] - dy * per)
        elif kind == "scroll":
            steps = dy // 4
            if steps != state:
                self.model.scroll(self.view, steps - state)
                self._drag = (kind, start, steps)
        elif kind == "rotate":
            a = self._angle(u, v)
            # screen v runs down: a positive screen angle is clockwise on screen
            self.model.rotate(self.view, -(a - state))
            self._drag = (kind, start, a)
        elif kind == "center":
            self.model.set_center(self.renderer.grid.uv_to_patient(u, v))

    def on_release(self, _ev: QMouseEvent) -> None:
        self._drag = None
        if self.undo is not None and not self._pending:
            self.undo.commit(self.model, self.tr("Measurement"))

    def on_double_click(self, _ev: QMouseEvent) -> None:
        if self.panel.tool == "curve" and len(self.curve) >= 2:
            pts, self.curve = self.curve, []
            self.curve_finished.emit(self, pts)

    def on_wheel(self, ev: QWheelEvent) -> None:
        self.panel.set_active_view(self.view)
        steps = ev.angleDelta().y() / 120
        action = wheel_action(ev)
        if action == "zoom":
            self.model.set_zoom(self.view, self.model.zoom[self.view] * (1.15**steps))
        elif action == "scroll":
            self.model.scroll(self.view, -steps)

    def on_resize(self) -> None:
        self.renderer.on_resize()

    def finalize(self) -> None:
        self.renderer.can_render = False
        self.vtk.Finalize()


class VolumeViewWidget(QWidget):
    def __init__(self, panel: MprHost, source: Any, parent: QWidget) -> None:
        super().__init__(parent)
        self.panel = panel
        self.vtk = VTKView(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(1, 1, 1, 1)
        lay.addWidget(self.vtk)
        self.vtk.Initialize()
        self.renderer = VolumeRenderer(self.vtk.GetRenderWindow(), panel.model.volume, source)
        self._drag: tuple[str, QPoint, Any] | None = None

    def on_press(self, ev: QMouseEvent) -> None:
        pos = ev.position().toPoint()
        if ev.button() == Qt.MouseButton.RightButton:
            self._drag = ("tf", pos, self.renderer.tf_window)
        elif ev.button() == Qt.MouseButton.MiddleButton:
            self._drag = ("pan", pos, pos)
        else:
            self._drag = ("rotate", pos, pos)
        self.renderer.set_interactive(True, render=False)

    def on_move(self, ev: QMouseEvent) -> None:
        if self._drag is None:
            return
        kind, start, last = self._drag
        pos = ev.position().toPoint()
        h = max(1, self.vtk.height())
        if kind == "rotate":
            self.renderer.rotate(-(pos.x() - last.x()) * 0.5, (pos.y() - last.y()) * 0.5)
            self._drag = (kind, start, pos)
        elif kind == "pan":
            self.renderer.pan((pos.x() - last.x()) / h, -(pos.y() - last.y()) / h)
            self._drag = (kind, start, pos)
        else:
            c, w = last
            dx, dy = pos.x() - start.x(), pos.y() - start.y()
            self.renderer.set_tf_window(c - dy * w / 300, w + dx * w / 300)

    def on_release(self, _ev: QMouseEvent) -> None:
        self._drag = None
        self.renderer.set_interactive(False)  # the still, full-quality frame

    def on_double_click(self, _ev: QMouseEvent) -> None:
        self.renderer.reset_camera()

    def on_wheel(self, ev: QWheelEvent) -> None:
        self.renderer.zoom(1.1 ** (ev.angleDelta().y() / 120))

    def on_resize(self) -> None:
        pass

    def finalize(self) -> None:
        self.vtk.Finalize()
