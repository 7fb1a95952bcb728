"""Linking viewports of one Frame of Reference: synchronized slices and reference lines."""

from __future__ import annotations

import numpy as np

from viewer.state.viewport import SliceGeometry


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
