"""Extra graphics over a 2D viewport that are not the reader's measurements: another program's
presentation-state annotations (polylines and texts in image pixels) and a badge line (the
key-image star). Qt-free; :meth:`SliceRenderer.set_extra` hands them in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vtkmodules.vtkRenderingCore import vtkTextActor

from viewer.render.overlay import line_actor, style_text

EXTRA_COLOR = (0.45, 1.0, 0.45)
BADGE_COLOR = (1.0, 0.85, 0.2)


@dataclass(slots=True)
class ExtraGraphics:
    """What to draw on one slice: polylines (closed or not) and texts, in image pixels."""

    index: int
    lines: list[tuple[list[tuple[float, float]], bool]] = field(default_factory=list)
    texts: list[tuple[float, float, str]] = field(default_factory=list)


def extra_actors(
    items: Sequence[ExtraGraphics],
    index: int,
    world: Callable[[float, float], tuple[float, float, float]],
) -> list[Any]:
    """The actors of the items on slice ``index``."""
    actors: list[Any] = []
    for it in items:
        if it.index != index:
            continue
        for pts, closed in it.lines:
            if len(pts) >= 2:
                actors.append(line_actor([world(x, y) for x, y in pts], EXTRA_COLOR, closed))
        for x, y, text in it.texts:
            t = vtkTextActor()
            t.SetInput(text)
            style_text(t.GetTextProperty(), 13, EXTRA_COLOR)
            coord = t.GetPositionCoordinate()
            coord.SetCoordinateSystemToWorld()
            coord.SetValue(*world(x, y))
            actors.append(t)
    return actors


def badge_actor(text: str) -> vtkTextActor:
    """A line of text at the top centre, under the orientation label (e.g. "★ Key image")."""
    t = vtkTextActor()
    t.SetInput(text)
    prop = t.GetTextProperty()
    style_text(prop, 16, BADGE_COLOR)
    prop.SetJustificationToCentered()
    prop.SetVerticalJustificationToTop()
    coord = t.GetPositionCoordinate()
    coord.SetCoordinateSystemToNormalizedViewport()
    coord.SetValue(0.5, 0.955)
    return t
