"""The view the reader works on: the active 2D viewport, or the active plane of the MPR layout.

Presets, invert, colour map, interpolation and the status bar act on :func:`active_target`, so
that the same keys do the same thing whether a 2D viewport or an MPR view has the focus (the
three planes of an MPR layout share one volume and one window; invert and colour map are set on
all three, so that they stay one picture of one volume).
"""

from __future__ import annotations

from typing import Any, Protocol

from viewer.dicom.volume import ImageStack, Volume
from viewer.dicom.windows import DisplayValues, display_values


class Target(Protocol):
    """What the reading actions need of a view."""

    kind: str  # "2d" or "mpr"

    @property
    def image(self) -> Volume | ImageStack: ...

    @property
    def index(self) -> int: ...

    @property
    def window(self) -> tuple[float, float]: ...

    def set_window(self, center: float, width: float) -> None: ...

    @property
    def invert(self) -> bool: ...

    def set_invert(self, on: bool) -> None: ...

    @property
    def colormap(self) -> str: ...

    def set_colormap(self, cmap_id: str) -> None: ...

    def renderers(self) -> list[Any]: ...

    @property
    def display(self) -> DisplayValues: ...

    def refresh_display(self) -> None: ...


class _ModelWindow:
    """The window of a view is its model's (a viewport's or the MPR layout's)."""

    model: Any

    @property
    def window(self) -> tuple[float, float]:
        c, w = self.model.window
        return float(c), float(w)

    def set_window(self, center: float, width: float) -> None:
        self.model.set_window(center, width)


class ViewTarget(_ModelWindow):
    """A 2D viewport widget (:class:`app.viewport.ViewportWidget`)."""

    kind = "2d"

    def __init__(self, widget: Any) -> None:
        self.widget = widget
        self.model = widget.model

    @property
    def image(self) -> Volume | ImageStack:
        img = self.model.image
        assert img is not None
        return img

    @property
    def index(self) -> int:
        return int(self.model.index)

    @property
    def invert(self) -> bool:
        return bool(self.model.invert)

    def set_invert(self, on: bool) -> None:
        self.model.set_invert(on)

    @property
    def colormap(self) -> str:
        return str(self.widget.renderer.colormap)

    def set_colormap(self, cmap_id: str) -> None:
        self.widget.renderer.set_colormap(cmap_id)

    def renderers(self) -> list[Any]:
        return [self.widget.renderer]

    @property
    def display(self) -> DisplayValues:
        return self.widget.renderer.display

    def refresh_display(self) -> None:
        """After the SUV kind changed: the renderer's unit and factors, then the picture."""
        self.widget.renderer.display = display_values(self.image)
        self.model.set_window(*self.model.window)


class MprTarget(_ModelWindow):
    """The MPR layout (:class:`app.mpr.MprPanel`), its active plane first."""

    kind = "mpr"

    def __init__(self, panel: Any) -> None:
        self.panel = panel
        self.model = panel.model
        self.view = panel.views[getattr(panel, "active_view", "axial")]

    @property
    def image(self) -> Volume:
        return self.model.volume

    @property
    def index(self) -> int:
        vol = self.model.volume
        k = float(vol.patient_to_index(self.model.center)[2])
        return max(0, min(vol.shape[0] - 1, round(k)))

    @property
    def invert(self) -> bool:
        return bool(self.view.renderer.invert)

    def set_invert(self, on: bool) -> None:
        for r in self.renderers():
            r.set_invert(on)

    @property
    def colormap(self) -> str:
        return str(self.view.renderer.colormap)

    def set_colormap(self, cmap_id: str) -> None:
        for r in self.renderers():
            r.set_colormap(cmap_id)

    def renderers(self) -> list[Any]:
        return [v.renderer for v in self.panel.views.values()]

    @property
    def display(self) -> DisplayValues:
        return self.view.renderer.display

    def refresh_display(self) -> None:
        dv = display_values(self.image)
        for r in self.renderers():
            r.display = dv
        self.model.set_window(*self.model.window)


def active_target(window: Any) -> ViewTarget | MprTarget | None:
    """The view the reader works on in a main window (None without an image)."""
    panel = window.mpr
    if panel is not None and window.stack.currentWidget() is panel:
        return MprTarget(panel)
    w = window.active
    if w is not None and w.model.image is not None:
        return ViewTarget(w)
    return None
