"""Lookup tables from the colour-map data, and a colour bar (the map, its window, its unit).

:func:`lookup_table` turns a colour map of ``resources/colormaps`` into a ``vtkLookupTable``
for a base image (window/level from the image property, so windowing changes no table);
:func:`overlay_table` makes a fused overlay's: its own window, transparent below a threshold,
opacity ramping up above it. :class:`ColorBar` draws the map as a strip at the viewport's right
with the window's bottom and top values *and the unit* beside it; only those two labels change
while windowing.
"""

from __future__ import annotations

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

#: Where the bar sits (normalized viewport): right side, above the orientation label.
BAR_X = (0.945, 0.965)
BAR_Y = (0.55, 0.85)
STRIP_STEPS = 64


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

    Owns its actors (strip, frame, two value labels, the unit title); ``update`` changes only
    what differs, so windowing re-rasterizes two short labels.
    """

    def __init__(self, renderer: vtkRenderer, style: Any) -> None:
        self._renderer = renderer
        self._key: tuple[Any, ...] = ()
        self._texts: dict[str, str] = {}
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
        self.labels: dict[str, vtkTextActor] = {}
        for key, y, vj in (("high", y1, 2), ("low", y0, 0), ("unit", y1 + 0.012, 0)):
            t = vtkTextActor()
            style(t.GetTextProperty(), 12)
            t.GetTextProperty().SetJustification(2)
            t.GetTextProperty().SetVerticalJustification(vj)
            c = t.GetPositionCoordinate()
            c.SetCoordinateSystemToNormalizedViewport()
            c.SetValue(x1 if key == "unit" else x0 - 0.014, y)
            self.labels[key] = t
        self.visible = False

    def actors(self) -> list[Any]:
        return [self.strip, self.frame, *self.labels.values()]

    def show(self, on: bool) -> None:
        if on == self.visible:
            return
        self.visible = on
        for a in self.actors():
            if on:
                self._renderer.AddViewProp(a)
            else:
                self._renderer.RemoveViewProp(a)

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
        self._set("high", format_value(high))
        self._set("low", format_value(low))
        self._set("unit", unit or translate("Units", "no unit"))

    def _set(self, key: str, text: str) -> None:
        if self._texts.get(key) != text:
            self._texts[key] = text
            self.labels[key].SetInput(text)

    def text(self, key: str) -> str:
        return self._texts.get(key, "")
