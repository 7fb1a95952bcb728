"""Measurement labels on screen: taken out of world coordinates and placed beside their anchors
without overlapping each other (the greedy placer of :mod:`viewer.render.labels`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vtkmodules.vtkRenderingCore import vtkRenderer, vtkTextActor

from viewer.render.labels import place_labels


def world_labels(actors: Sequence[Any]) -> list[tuple[vtkTextActor, tuple[float, ...]]]:
    """The label actors among a measurement's actors with their world anchors; they are moved to
    display coordinates, where :func:`place_measurement_labels` puts them."""
    out = []
    for a in actors:
        if isinstance(a, vtkTextActor):
            coord = a.GetPositionCoordinate()
            out.append((a, tuple(coord.GetValue())))
            coord.SetCoordinateSystemToDisplay()
    return out


def place_measurement_labels(
    renderer: vtkRenderer, labels: Sequence[tuple[vtkTextActor, tuple[float, ...]]]
) -> None:
    """Put each label beside its anchor without overlapping another (greedy, see labels.py)."""
    if not labels:
        return
    anchors, sizes = [], []
    for actor, (x, y, z) in labels:
        renderer.SetWorldPoint(x, y, z, 1.0)
        renderer.WorldToDisplay()
        dx, dy, _ = renderer.GetDisplayPoint()
        anchors.append((dx, dy))
        size = [0.0, 0.0]
        actor.GetSize(renderer, size)
        sizes.append((size[0], size[1]))
    vw, vh = renderer.GetSize()
    for (actor, _), box in zip(labels, place_labels(anchors, sizes, (vw, vh)), strict=True):
        actor.GetPositionCoordinate().SetValue(box.x, box.y)
