"""The crosshair of an MPR view: the other planes' traces as coloured line segments in the
plane's world millimetres, drawn by one actor (one draw call, however many segments)."""

from __future__ import annotations

from collections.abc import Sequence

from vtkmodules.vtkCommonCore import vtkPoints, vtkUnsignedCharArray
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import (
    vtkActor2D,
    vtkCoordinate,
    vtkPolyDataMapper2D,
    vtkRenderer,
)

Point = tuple[float, float, float]
#: (colour as RGB 0-1, start, end) of one segment
Segment = tuple[tuple[float, float, float], Point, Point]


class Crosshair:
    """Owns the crosshair actor of one renderer: its segments' points and colours.

    Every segment is a line cell coloured by its cell's RGB, so the traces of two planes cost
    one draw instead of four; moving the centre only moves the points (no new actor), and
    setting the same segments again changes nothing (the pipeline is not marked modified).
    """

    def __init__(self, renderer: vtkRenderer, width: float = 1.0) -> None:
        self._renderer = renderer
        self._width = width
        self._segments: list[Segment] = []
        self._actor: vtkActor2D | None = None
        self._points = vtkPoints()

    def set(self, segments: Sequence[Segment]) -> None:
        segments = list(segments)
        if segments == self._segments:
            return  # scrolling along the normal leaves the crosshair where it is
        same_cells = [s[0] for s in segments] == [s[0] for s in self._segments]
        self._segments = segments
        if self._actor is not None and same_cells:
            for i, (_, a, b) in enumerate(segments):
                self._points.SetPoint(2 * i, *a)
                self._points.SetPoint(2 * i + 1, *b)
            self._points.Modified()
            return
        if self._actor is not None:
            self._renderer.RemoveViewProp(self._actor)
            self._actor = None
        if segments:
            self._actor = self._make(segments)
            self._renderer.AddViewProp(self._actor)

    def points(self) -> list[tuple[float, ...]]:
        """The segments' end points as drawn (two per segment)."""
        return [self._points.GetPoint(i) for i in range(self._points.GetNumberOfPoints())]

    def _make(self, segments: list[Segment]) -> vtkActor2D:
        self._points = vtkPoints()
        cells = vtkCellArray()
        colours = vtkUnsignedCharArray()
        colours.SetNumberOfComponents(3)
        for i, (rgb, a, b) in enumerate(segments):
            self._points.InsertNextPoint(*a)
            self._points.InsertNextPoint(*b)
            cells.InsertNextCell(2)
            cells.InsertCellPoint(2 * i)
            cells.InsertCellPoint(2 * i + 1)
            colours.InsertNextTuple3(*(round(255 * c) for c in rgb))
        poly = vtkPolyData()
        poly.SetPoints(self._points)
        poly.SetLines(cells)
        poly.GetCellData().SetScalars(colours)
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(poly)
        mapper.SetScalarModeToUseCellData()
        mapper.SetColorModeToDirectScalars()
        world = vtkCoordinate()
        world.SetCoordinateSystemToWorld()
        mapper.SetTransformCoordinate(world)
        actor = vtkActor2D()
        actor.SetMapper(mapper)
        actor.GetProperty().SetLineWidth(self._width)
        return actor
