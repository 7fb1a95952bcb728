"""The grid of 2D viewports: one :class:`ViewportWidget` per viewport of the Workspace.

It owns the widgets (made as the Workspace's layout needs them, never more), lays the visible
ones out, shows which one is active, hands each widget's input (activation, a dropped series)
to the Workspace and draws the Workspace's reference lines. All state is in the Workspace.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from app.viewport import ViewportWidget
from viewer.state.viewport import ViewportModel
from viewer.state.workspace import (
    LAYOUTS,
    ActiveChanged,
    LayoutChanged,
    ReferenceLines,
    Workspace,
    WorkspaceEvent,
)


class ViewportGrid(QWidget):
    widget_added = Signal(object)  # a new ViewportWidget (for the window's own wiring)

    def __init__(
        self, workspace: Workspace, labels: dict[str, str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.labels = labels
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.widgets: list[ViewportWidget] = []
        self.tool = "wl"
        self._off = workspace.events.subscribe(self._on_event)
        self.relayout()

    # ------------------------------------------------------------------ model → widgets

    def _on_event(self, ev: WorkspaceEvent) -> None:
        if isinstance(ev, LayoutChanged):
            self.relayout()
        elif isinstance(ev, ActiveChanged):
            for w in self.widgets:
                w.set_active(w.model is ev.viewport)
        elif isinstance(ev, ReferenceLines):
            for w, lines in zip(self.visible(), ev.lines, strict=False):
                if w.renderer.reference_lines != lines:
                    w.renderer.set_reference_lines(lines)
                    w.renderer.render()

    def relayout(self) -> None:
        ws = self.workspace
        for model in ws.viewports[len(self.widgets) :]:
            self._add(model)
        cols = LAYOUTS[ws.layout][1]
        for w in self.widgets:
            self.grid.removeWidget(w)
            w.hide()
        for i, w in enumerate(self.visible()):
            self.grid.addWidget(w, i // cols, i % cols)
            w.show()

    def _add(self, model: ViewportModel) -> None:
        w = ViewportWidget(self, self.labels, model)
        ws = self.workspace
        w.activated.connect(lambda vp: ws.set_active(vp.model))
        w.series_dropped.connect(lambda vp, key: ws.open_series(key, vp.model))
        w.tool = self.tool
        w.set_active(model is ws.active)
        self.widgets.append(w)
        self.widget_added.emit(w)

    # ------------------------------------------------------------------ questions and tools

    def visible(self) -> list[ViewportWidget]:
        return self.widgets[: len(self.workspace.visible())]

    def widget_of(self, model: ViewportModel | None) -> ViewportWidget | None:
        return next((w for w in self.widgets if w.model is model), None)

    def set_tool(self, tool: str) -> None:
        self.tool = tool
        for w in self.widgets:
            w.tool = tool

    def set_labels(self, labels: dict[str, str]) -> None:
        self.labels = labels
        for w in self.widgets:
            w.renderer.labels = labels
            w.renderer._update_text()
            w.renderer.render()

    def finalize(self) -> None:
        self._off()
        for w in self.widgets:
            w.finalize()
