"""Linking viewports: slices synchronized by patient position within one Frame of Reference,
zoom/pan and window copied to linked viewports, and reference lines.

Pure functions over :class:`ViewportModel`; the :class:`~viewer.state.workspace.Workspace`
decides when to call them (when the active viewport changes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.state.viewport import SliceGeometry, ViewportModel


def reference_line(
    plane_point: np.ndarray, plane_normal: np.ndarray, target: SliceGeometry, shape: tuple[int, int]
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Where a slice plane crosses another image, as a segment in that image's (x, y) pixels.

    None when the planes are parallel (or the target has no geometry) or the line misses the image.
    """
    if (
        target.origin is None
        or target.row_dir is None
        or target.col_dir is None
        or not target.spacing
    ):
        return None
    n = np.asarray(plane_normal, float)
    sr, sc = target.spacing
    a = sc * float(target.row_dir @ n)
    b = sr * float(target.col_dir @ n)
    d = float((np.asarray(plane_point, float) - target.origin) @ n)
    if abs(a) < 1e-6 and abs(b) < 1e-6:
        return None
    rows, cols = shape
    xmax, ymax = cols - 1.0, rows - 1.0
    pts: list[tuple[float, float]] = []
    if abs(b) > 1e-9:  # crossings of the left and right edges
        for x in (0.0, xmax):
            y = (d - a * x) / b
            if -1e-9 <= y <= ymax + 1e-9:
                pts.append((x, y))
    if abs(a) > 1e-9:  # crossings of the top and bottom edges
        for y in (0.0, ymax):
            x = (d - b * y) / a
            if -1e-9 <= x <= xmax + 1e-9:
                pts.append((x, y))
    uniq: list[tuple[float, float]] = []
    for p in pts:
        if all(abs(p[0] - q[0]) > 1e-6 or abs(p[1] - q[1]) > 1e-6 for q in uniq):
            uniq.append(p)
    if len(uniq) < 2:
        return None
    return uniq[0], uniq[1]


Segment = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Links:
    """Which viewports follow the active one: slices by patient position (same Frame of
    Reference), zoom and pan, window/level (same modality); and whether reference lines show."""

    scroll: bool = True
    zoom_pan: bool = False
    window: bool = False
    reference_lines: bool = True


def same_frame(a: ViewportModel, b: ViewportModel) -> bool:
    """Both show an image and share a (known) Frame of Reference."""
    return (
        a.image is not None
        and b.image is not None
        and bool(a.frame_of_reference)
        and a.frame_of_reference == b.frame_of_reference
    )


def follow_scroll(src: ViewportModel, others: list[ViewportModel]) -> None:
    """Move each other viewport of ``src``'s Frame of Reference to the slice nearest to
    ``src``'s slice (by patient position); others keep their slice."""
    pos = src.slice_position() if src.image is not None else None
    if pos is None:
        return
    for other in others:
        if other is src or not other.linked or not same_frame(src, other):
            continue
        k = other.index_nearest(pos)
        if k is not None:
            other.set_index(k)


def follow_camera(src: ViewportModel, others: list[ViewportModel]) -> None:
    """Give the other (linked, showing an image) viewports ``src``'s zoom and pan."""
    for other in others:
        if other is src or not other.linked or other.image is None:
            continue
        if other.zoom != src.zoom:
            other.set_zoom(src.zoom)
        if other.pan != src.pan:
            other.set_pan(*src.pan)


def follow_window(src: ViewportModel, others: list[ViewportModel]) -> None:
    """Give the other linked viewports of the same modality ``src``'s window/level and invert
    (a CT window means nothing on an MR or a PET)."""
    for other in others:
        if other is src or not other.linked or other.image is None or other.is_color:
            continue
        if other.modality != src.modality or src.is_color:
            continue
        if other.window != src.window:
            other.set_window(*src.window)
        if other.invert != src.invert:
            other.set_invert(src.invert)


def reference_lines(src: ViewportModel | None, targets: list[ViewportModel]) -> list[list[Segment]]:
    """For each target, where ``src``'s slice plane crosses it (at most one segment; none for
    ``src`` itself, other Frames of Reference, parallel planes or images without geometry)."""
    out: list[list[Segment]] = [[] for _ in targets]
    if src is None or src.image is None:
        return out
    g = src.geometry()
    pos = src.slice_position()
    if pos is None or g.normal is None:
        return out
    for lines, t in zip(out, targets, strict=True):
        if t is not src and same_frame(src, t):
            line = reference_line(pos, g.normal, t.geometry(), t.pixels().shape[:2])
            if line is not None:
                lines.append(line)
    return out
