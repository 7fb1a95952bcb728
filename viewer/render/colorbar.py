"""Lookup tables from the colour-map data, and a colour bar (the map, its window, its unit).

:func:`lookup_table` turns a colour map of ``resources/colormaps`` into a ``vtkLookupTable``
for a base image (window/level from the image property, so windowing changes no table);
:func:`overlay_table` makes a fused overlay's: its own window, transparent below a threshold,
opacity ramping up above it. :class:`ColorBar` draws the map as a strip at the viewport's right
with the window's bottom and top values *and the unit* beside it; only those two labels change
while windowing.

Under a file's VOI LUT (a table, not a line: :mod:`viewer.render.voi`) the bar's height is the
table's output level, so its ticks are the modality values the table maps to each level — the
table inverted (:func:`voi_ticks`), where it can be: a level reached by more than one stretch of
values, or only by a jump, gets no number.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkLookupTable, vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import (
    vtkActor2D,
    vtkCoordinate,
    vtkPolyDataMapper2D,
    vtkRenderer,
    vtkTextActor,
)

from viewer.dicom.colormaps import overlay_alpha, table
from viewer.dicom.i18n import translate
from viewer.dicom.windows import VoiLut

#: Where the bar sits (normalized viewport): right side, above the orientation label.
BAR_X = (0.945, 0.965)
BAR_Y = (0.55, 0.85)
STRIP_STEPS = 64
#: Under a VOI LUT: the inner levels given a number when the table reaches them unambiguously,
#: how near a table entry's level must come to one (half a strip band), and the least distance
#: between two ticks (fractions of the bar) so their labels do not overlap.
INNER_LEVELS = (0.25, 0.5, 0.75)
LEVEL_TOLERANCE = 0.5 / STRIP_STEPS
TICK_GAP = 0.15
_TICK_KEYS = ("low", "mid0", "mid1", "mid2", "high")


def _runs(idx: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs ``(a, b)`` (inclusive) of consecutive indices in a sorted index array."""
    if idx.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate([[idx[0]], idx[cuts + 1]])
    ends = np.concatenate([idx[cuts], [idx[-1]]])
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _end_value(out: np.ndarray, first: float, level: float) -> float | None:
    """The value at the table's lowest or highest ``level``: the one stretch of entries at it
    must end the table (values beyond show it too: its inner end is the threshold, as a linear
    window's bottom and top) or be a single entry; else None (reached in several places)."""
    runs = _runs(np.flatnonzero(out == level))
    if len(runs) != 1:
        return None
    a, b = runs[0]
    n = len(out)
    if a == 0 and b < n - 1:
        return first + b
    if b == n - 1 and a > 0:
        return first + a
    return first + a if a == b else None


def _inner_value(out: np.ndarray, first: float, level: float) -> float | None:
    """The value the table maps to an inner ``level``: the table must cross (or touch) the level
    exactly once, at one entry, coming within :data:`LEVEL_TOLERANCE` of it; else None."""
    d = out - level
    sign = np.sign(d)
    sign[np.abs(d) <= 1e-12] = 0
    zeros = _runs(np.flatnonzero(sign == 0))
    changes = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    if len(zeros) + len(changes) != 1:
        return None  # never reached, or reached by several stretches of values
    if zeros:
        a, b = zeros[0]
        return first + a if a == b else None  # a flat stretch: no one value
    i = int(changes[0])
    k = i if abs(d[i]) <= abs(d[i + 1]) else i + 1
    return first + k if abs(d[k]) <= LEVEL_TOLERANCE else None


def voi_ticks(lut: VoiLut) -> list[tuple[float, tuple[float, ...]]]:
    """The colour bar's ticks under a VOI LUT: ``(level, values)`` bottom to top, ``level`` the
    table's output (0–1, the bar's height) and ``values`` the modality value(s) shown there.

    The table's lowest and highest levels, and the inner levels of :data:`INNER_LEVELS` between
    them, each get the one value that reaches them (see :func:`_end_value`, :func:`_inner_value`);
    a level reached by several stretches of values (a non-monotonic table), by a flat stretch, or
    only by a jump gets none. When fewer than two ticks remain, the table's first and last input
    are added at their own levels (both at one tick when those levels coincide; none too near a
    tick already there). A constant table has no ticks: every value shows the same.
    """
    out = np.asarray(lut.out, dtype=np.float64)
    n = len(out)
    if n == 0 or float(np.ptp(out)) <= LEVEL_TOLERANCE:
        return []
    lo, hi = float(out.min()), float(out.max())
    ticks: list[tuple[float, tuple[float, ...]]] = []
    for level in (lo, hi):
        v = _end_value(out, lut.first, level)
        if v is not None:
            ticks.append((level, (v,)))
    for level in INNER_LEVELS:
        if not lo + TICK_GAP <= level <= hi - TICK_GAP:
            continue
        v = _inner_value(out, lut.first, level)
        if v is not None:
            ticks.append((level, (v,)))
    if len(ticks) < 2:  # too few: the table's first and last input, at their own levels
        a, b = float(out[0]), float(out[-1])
        last = lut.first + n - 1
        extra: list[tuple[float, tuple[float, ...]]]
        if abs(a - b) <= LEVEL_TOLERANCE:
            extra = [(a, (lut.first, last))]
        elif abs(a - b) < TICK_GAP:
            extra = [(a, (lut.first,))]  # the two labels would overlap
        else:
            extra = [(a, (lut.first,)), (b, (last,))]
        ticks += [t for t in extra if all(abs(t[0] - u[0]) >= TICK_GAP for u in ticks)]
    return sorted(ticks)  # inner levels lie TICK_GAP from the ends and from each other


def _fill(lut: vtkLookupTable, rgba: np.ndarray) -> None:
    lut.SetNumberOfTableValues(len(rgba))
    for i, c in enumerate(rgba):
        lut.SetTableValue(i, float(c[0]), float(c[1]), float(c[2]), float(c[3]))


def colors(cmap_id: str, invert: bool = False, n: int = 256) -> np.ndarray:
    """RGB (0–1) of a map, bottom to top (reversed when inverted)."""
    rgb = table(cmap_id, n)
    return rgb[::-1] if invert else rgb


@cache
def lookup_table(cmap_id: str, invert: bool = False) -> vtkLookupTable:
    """An opaque 256-entry table of a colour map for a base image, shared (read-only) by every
    view that shows that map; the image property's window/level maps values onto it."""
    lut = vtkLookupTable()
    rgb = colors(cmap_id, invert)
    _fill(lut, np.column_stack([rgb, np.ones(len(rgb))]))
    lut.SetTableRange(0.0, 1.0)
    return lut


def overlay_table(
    cmap_id: str,
    low: float,
    high: float,
    threshold: float,
    ramp: float,
    lut: vtkLookupTable | None = None,
) -> vtkLookupTable:
    """A fused overlay's table over its window ``[low, high]`` (overlay units): transparent
    below ``threshold`` (a fraction of the window, at least its bottom), opacity rising over
    ``ramp`` (a fraction) to 1, the top colour for values above the window."""
    lut = lut or vtkLookupTable()
    rgb = colors(cmap_id)
    alpha = overlay_alpha(len(rgb), max(0.0, threshold), ramp)
    _fill(lut, np.column_stack([rgb, alpha]))
    lut.SetTableRange(low, max(high, low + 1e-6))
    lut.UseBelowRangeColorOn()
    lut.SetBelowRangeColor(0.0, 0.0, 0.0, 0.0)
    lut.SetNanColor(0.0, 0.0, 0.0, 0.0)  # (no value: nothing of the overlay)
    lut.UseAboveRangeColorOn()
    top = rgb[-1]
    lut.SetAboveRangeColor(float(top[0]), float(top[1]), float(top[2]), 1.0)
    lut.Modified()
    return lut


def format_value(v: float) -> str:
    """A window value as a person reads it: 400, -600, 2.5, 0.125."""
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:.0f}"
    return f"{v:.3g}"


class ColorBar:
    """The colour map as a vertical strip with its window's top and bottom values and unit.

    Owns its actors (strip, frame, tick marks, the value labels, the unit title) and the VOI LUT
    it is told the view shows (:meth:`set_voi`); ``update`` changes only what differs, so
    windowing re-rasterizes two short labels. Under a linear window: the bottom and top values;
    under the VOI LUT: :func:`voi_ticks`, each label beside a mark at its level.
    """

    def __init__(self, renderer: vtkRenderer, style: Any) -> None:
        self._renderer = renderer
        self._key: tuple[Any, ...] = ()
        self._texts: dict[str, str] = {}
        self._voi: VoiLut | None = None
        self._voi_ticks: list[tuple[float, tuple[float, ...]]] = []
        self._ticks: list[tuple[float, str]] = []
        self._tick_levels: tuple[float | bool, ...] | None = None
        pts = vtkPoints()
        quads = vtkCellArray()
        (x0, x1), (y0, y1) = BAR_X, BAR_Y
        for i in range(STRIP_STEPS + 1):
            y = y0 + (y1 - y0) * i / STRIP_STEPS
            pts.InsertNextPoint(x0, y, 0.0)
            pts.InsertNextPoint(x1, y, 0.0)
        for i in range(STRIP_STEPS):
            quads.InsertNextCell(4)
            for p in (2 * i, 2 * i + 1, 2 * i + 3, 2 * i + 2):
                quads.InsertCellPoint(p)
        self._poly = vtkPolyData()
        self._poly.SetPoints(pts)
        self._poly.SetPolys(quads)
        coord = vtkCoordinate()
        coord.SetCoordinateSystemToNormalizedViewport()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self._poly)
        mapper.SetTransformCoordinate(coord)
        mapper.SetScalarModeToUseCellData()
        mapper.SetColorModeToDirectScalars()
        self.strip = vtkActor2D()
        self.strip.SetMapper(mapper)
        frame_pts = vtkPoints()
        for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
            frame_pts.InsertNextPoint(x, y, 0.0)
        lines = vtkCellArray()
        lines.InsertNextCell(5)
        for p in (0, 1, 2, 3, 0):
            lines.InsertCellPoint(p)
        frame_poly = vtkPolyData()
        frame_poly.SetPoints(frame_pts)
        frame_poly.SetLines(lines)
        frame_mapper = vtkPolyDataMapper2D()
        frame_mapper.SetInputData(frame_poly)
        frame_mapper.SetTransformCoordinate(coord)
        self.frame = vtkActor2D()
        self.frame.SetMapper(frame_mapper)
        self.frame.GetProperty().SetColor(0.85, 0.85, 0.85)
        self._marks = vtkPolyData()  # a short line left of the strip at each VOI LUT tick
        marks_mapper = vtkPolyDataMapper2D()
        marks_mapper.SetInputData(self._marks)
        marks_mapper.SetTransformCoordinate(coord)
        self.marks = vtkActor2D()
        self.marks.SetMapper(marks_mapper)
        self.marks.GetProperty().SetColor(0.85, 0.85, 0.85)
        self.labels: dict[str, vtkTextActor] = {}
        for key in (*_TICK_KEYS, "unit"):
            t = vtkTextActor()
            style(t.GetTextProperty(), 12)
            t.GetTextProperty().SetJustification(2)
            t.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
            self.labels[key] = t
        self.labels["unit"].GetTextProperty().SetVerticalJustification(0)
        self.labels["unit"].GetPositionCoordinate().SetValue(x1, y1 + 0.012)
        self._place([0.0, 1.0])  # a linear window's bottom and top
        self.visible = False

    def actors(self) -> list[Any]:
        return [self.strip, self.frame, self.marks, *self.labels.values()]

    def show(self, on: bool) -> None:
        if on == self.visible:
            return
        self.visible = on
        for a in self.actors():
            if on:
                self._renderer.AddViewProp(a)
            else:
                self._renderer.RemoveViewProp(a)

    def set_voi(self, lut: VoiLut | None) -> None:
        """The VOI LUT the view shows its image through now (None: a linear window); used by
        :meth:`update` while the window it is given spans that table's input."""
        if lut is not self._voi:
            self._voi = lut
            self._voi_ticks = [] if lut is None else voi_ticks(lut)  # once per table

    def update(self, cmap_id: str, invert: bool, low: float, high: float, unit: str) -> None:
        """Show a map over the window ``[low, high]`` in ``unit`` (never empty: "no unit")."""
        key = (cmap_id, invert)
        if key != self._key:
            self._key = key
            rgb = colors(cmap_id, invert, STRIP_STEPS)
            arr = numpy_support.numpy_to_vtk(
                np.ascontiguousarray(np.rint(rgb * 255).astype(np.uint8)), deep=True
            )
            self._poly.GetCellData().SetScalars(arr)
            self._poly.Modified()
        lut = self._voi
        if lut is not None and not (
            math.isclose(low, lut.first, abs_tol=1e-6)
            and math.isclose(high, lut.first + len(lut.out), abs_tol=1e-6)
        ):
            lut = None  # this window is not the table's (e.g. a fused overlay's)
        if lut is None:
            ticks = [(0.0, format_value(low)), (1.0, format_value(high))]
        else:
            ticks = [(lv, " / ".join(format_value(v) for v in vs)) for lv, vs in self._voi_ticks]
        self._ticks = ticks
        self._place([lv for lv, _ in ticks], marks=lut is not None)
        texts = dict(zip(self._keys(len(ticks)), (t for _, t in ticks), strict=True))
        for k in _TICK_KEYS:
            self._set(k, texts.get(k, ""))
        self._set("unit", unit or translate("Units", "no unit"))

    @staticmethod
    def _keys(n: int) -> tuple[str, ...]:
        """The label actors of ``n`` ticks bottom to top: "low" … "high"."""
        if n <= 1:
            return _TICK_KEYS[:n]
        return ("low", *_TICK_KEYS[1 : n - 1], "high")

    def _place(self, levels: list[float], marks: bool = False) -> None:
        """Put the labels of ticks at ``levels`` (bottom to top) beside the strip: the bottom one
        above its level, the top one below it, the inner ones centred on theirs."""
        if (*levels, marks) == self._tick_levels:
            return
        self._tick_levels = (*levels, marks)
        (x0, _x1), (y0, y1) = BAR_X, BAR_Y
        pts, lines = vtkPoints(), vtkCellArray()
        keys = self._keys(len(levels))
        for key, level in zip(keys, levels, strict=True):
            y = y0 + (y1 - y0) * level
            vj = 0 if key == "low" and len(levels) > 1 else 2 if key == "high" else 1
            self.labels[key].GetTextProperty().SetVerticalJustification(vj)
            self.labels[key].GetPositionCoordinate().SetValue(x0 - 0.014, y)
            if marks:
                lines.InsertNextCell(2)
                lines.InsertCellPoint(pts.InsertNextPoint(x0 - 0.008, y, 0.0))
                lines.InsertCellPoint(pts.InsertNextPoint(x0, y, 0.0))
        self._marks.SetPoints(pts)
        self._marks.SetLines(lines)
        self._marks.Modified()

    def _set(self, key: str, text: str) -> None:
        if self._texts.get(key, "") != text:
            self._texts[key] = text
            self.labels[key].SetInput(text)

    def text(self, key: str) -> str:
        return self._texts.get(key, "")

    def ticks(self) -> list[tuple[float, str]]:
        """The value labels shown now: ``(level, text)`` bottom to top, ``level`` the height on
        the strip (0 bottom, 1 top)."""
        return list(self._ticks)
