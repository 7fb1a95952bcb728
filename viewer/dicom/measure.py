"""Measurements and annotations on a 2D slice, computed in patient millimetres.

Points are image coordinates (x = column, y = row; pixel centres at integers) on one slice.
Distances use the pixel spacing of that slice, separately along rows and columns, so anisotropic
pixels measure correctly. Without calibration, results are given in pixels and say so.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from viewer.dicom.i18n import translate

_ids = itertools.count(1)

KINDS = ("length", "angle", "ellipse", "rectangle", "probe", "arrow", "text")
#: Points a measurement needs before it is complete.
POINTS_NEEDED = {
    "length": 2,
    "angle": 3,
    "ellipse": 2,
    "rectangle": 2,
    "probe": 1,
    "arrow": 2,
    "text": 1,
}


@dataclass
class RoiStats:
    """Statistics of the values inside a region, with its area (mm² only when calibrated)."""

    mean: float
    sd: float
    min: float
    max: float
    area_mm2: float | None
    area_px: float
    count: int


@dataclass
class Measurement:
    """One measurement drawn on a slice: its kind, points in image coordinates, slice and text."""

    kind: str
    points: list[tuple[float, float]]
    index: int = -1  # slice; -1 = the viewport's current slice when added
    text: str = ""
    id: int = field(default_factory=lambda: next(_ids))

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown measurement kind {self.kind!r}")

    @property
    def complete(self) -> bool:
        return len(self.points) >= POINTS_NEEDED[self.kind]

    def move(self, dx: float, dy: float) -> None:
        self.points = [(x + dx, y + dy) for x, y in self.points]

    def move_point(self, i: int, x: float, y: float) -> None:
        self.points[i] = (x, y)

    def nearest_point(self, x: float, y: float) -> tuple[int, float]:
        d = [math.hypot(px - x, py - y) for px, py in self.points]
        i = int(np.argmin(d))
        return i, d[i]

    def distance_to(self, x: float, y: float) -> float:
        """Distance (pixels) from a point to the drawn shape, for picking."""
        pts = self.points
        if self.kind in ("ellipse", "rectangle") and len(pts) == 2:
            (x0, y0), (x1, y1) = pts
            if min(x0, x1) <= x <= max(x0, x1) and min(y0, y1) <= y <= max(y0, y1):
                return 0.0
        best = min(math.hypot(px - x, py - y) for px, py in pts)
        for (ax, ay), (bx, by) in itertools.pairwise(pts):
            vx, vy = bx - ax, by - ay
            seg = vx * vx + vy * vy
            t = 0.0 if seg == 0 else max(0.0, min(1.0, ((x - ax) * vx + (y - ay) * vy) / seg))
            best = min(best, math.hypot(ax + t * vx - x, ay + t * vy - y))
        return best


def length_mm(
    p0: tuple[float, float], p1: tuple[float, float], spacing: tuple[float, float] | None
) -> float:
    """Distance in mm (spacing = (between rows, between columns)), or in pixels without it."""
    sr, sc = spacing if spacing else (1.0, 1.0)
    return math.hypot((p1[0] - p0[0]) * sc, (p1[1] - p0[1]) * sr)


def angle_deg(
    a: tuple[float, float],
    vertex: tuple[float, float],
    b: tuple[float, float],
    spacing: tuple[float, float] | None,
) -> float:
    sr, sc = spacing if spacing else (1.0, 1.0)
    u = np.array([(a[0] - vertex[0]) * sc, (a[1] - vertex[1]) * sr])
    v = np.array([(b[0] - vertex[0]) * sc, (b[1] - vertex[1]) * sr])
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        return 0.0
    return float(np.degrees(np.arccos(np.clip(u @ v / (nu * nv), -1.0, 1.0))))


def roi_mask(
    kind: str, p0: tuple[float, float], p1: tuple[float, float], shape: tuple[int, int]
) -> np.ndarray:
    """Pixels whose centres lie inside the ellipse or rectangle spanned by two corners."""
    x0, x1 = sorted((p0[0], p1[0]))
    y0, y1 = sorted((p0[1], p1[1]))
    rows, cols = shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    if kind == "rectangle":
        return (xx >= x0) & (xx <= x1) & (yy >= y0) & (yy <= y1)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    rx, ry = max((x1 - x0) / 2, 1e-9), max((y1 - y0) / 2, 1e-9)
    return ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0


def roi_stats(
    kind: str,
    p0: tuple[float, float],
    p1: tuple[float, float],
    values: np.ndarray,
    spacing: tuple[float, float] | None,
) -> RoiStats | None:
    mask = roi_mask(kind, p0, p1, values.shape[:2])
    sel = values[mask].astype(np.float64)
    if sel.size == 0:
        return None
    w, h = abs(p1[0] - p0[0]), abs(p1[1] - p0[1])
    area_px = w * h if kind == "rectangle" else math.pi * w * h / 4
    area_mm2 = area_px * spacing[0] * spacing[1] if spacing else None
    return RoiStats(
        mean=float(sel.mean()),
        sd=float(sel.std(ddof=1)) if sel.size > 1 else 0.0,
        min=float(sel.min()),
        max=float(sel.max()),
        area_mm2=area_mm2,
        area_px=area_px,
        count=int(sel.size),
    )


def describe(
    m: Measurement, values: np.ndarray | None, spacing: tuple[float, float] | None, unit: str = "HU"
) -> str:
    """The label shown beside a measurement."""
    pts = m.points
    mm = "mm" if spacing else "px"
    if m.kind == "length" and len(pts) >= 2:
        return f"{length_mm(pts[0], pts[1], spacing):.1f} {mm}"
    if m.kind == "angle" and len(pts) >= 3:
        return f"{angle_deg(pts[0], pts[1], pts[2], spacing):.1f}°"
    if m.kind in ("ellipse", "rectangle") and len(pts) >= 2 and values is not None:
        s = roi_stats(m.kind, pts[0], pts[1], values, spacing)
        if s is None:
            return ""
        area = f"{s.area_mm2:.1f} mm²" if s.area_mm2 is not None else f"{s.area_px:.0f} px²"
        return translate("Measure", "mean {0} SD {1} {2}\nmin {3} max {4}\narea {5}").format(
            f"{s.mean:.1f}", f"{s.sd:.1f}", unit, f"{s.min:.0f}", f"{s.max:.0f}", area
        )
    if m.kind == "probe" and pts and values is not None:
        i, j = round(pts[0][0]), round(pts[0][1])
        if 0 <= j < values.shape[0] and 0 <= i < values.shape[1]:
            return f"{float(values[j, i]):.1f} {unit}"
        return ""
    if m.kind in ("text", "arrow"):
        return m.text
    return ""
