"""A text actor whose changes cost only a rasterisation and a texture upload.

``vtkTextActor`` marks its ``vtkTexture`` modified on every new string, and the OpenGL texture
is then made anew; it also rebuilds its rectangle each time. In an MPR view the location line
changes on every frame of a scroll, so that cost was paid per frame (measured with
``bench.mpr3d --stages``). :class:`TextQuad` draws the same pixels at the same place (checked
against ``vtkTextActor`` pixel for pixel in tests/test_overlay.py) but keeps its texture object
and re-uploads only the image, and moves its rectangle only when the image's size or anchor
changes.
"""

from __future__ import annotations

import vtkmodules.vtkRenderingFreeType  # noqa: F401  (the FreeType text renderer)
from vtkmodules.vtkCommonCore import vtkFloatArray, vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkImageData, vtkPolyData
from vtkmodules.vtkRenderingCore import (
    vtkPolyDataMapper2D,
    vtkTextProperty,
    vtkTextRenderer,
    vtkTexture,
    vtkTexturedActor2D,
)


class TextQuad(vtkTexturedActor2D):
    """Owns one string, its text property, its rasterised image (one texture kept for the
    actor's life) and the rectangle it is drawn on, offset from the actor's position as
    ``vtkTextActor`` offsets it (the anchor per the property's justification).

    The string is rasterised when set (``SetInput``) or when asked after a property change
    (``refresh``); ``GetInput`` returns it, as ``vtkTextActor``'s does.
    """

    def __init__(self) -> None:
        super().__init__()
        self._text = ""
        self._dpi = 72
        self._prop = vtkTextProperty()
        self._image = vtkImageData()  # the texture's input: the same object for life
        self._texture = vtkTexture()
        self._texture.SetInputData(self._image)
        self._texture.InterpolateOff()
        self._points = vtkPoints()
        self._points.SetNumberOfPoints(4)
        for k in range(4):
            self._points.SetPoint(k, 0.0, 0.0, 0.0)
        self._tcoords = tcoords = vtkFloatArray()
        tcoords.SetNumberOfComponents(2)
        for u, v in ((0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)):
            tcoords.InsertNextTuple2(u, v)
        cells = vtkCellArray()
        cells.InsertNextCell(4)
        for k in range(4):
            cells.InsertCellPoint(k)
        self._rect = vtkPolyData()
        self._rect.SetPoints(self._points)
        self._rect.SetPolys(cells)
        self._rect.GetPointData().SetTCoords(tcoords)
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self._rect)
        self.SetMapper(mapper)
        self.SetTexture(self._texture)
        self._placed: tuple[int, ...] = ()
        self._box = [0.0, 0.0, 0.0, 0.0]

    def GetTextProperty(self) -> vtkTextProperty:
        return self._prop

    def GetInput(self) -> str:
        return self._text

    def GetBoundingBox(self, _viewport: object, bbox: list[float]) -> None:
        """The text's rectangle (xmin, xmax, ymin, ymax; the plate behind the glyphs) in
        pixels from the actor's position, as ``vtkTextActor.GetBoundingBox`` gives it."""
        bbox[:] = self._box

    def SetInput(self, text: str, dpi: int | None = None) -> None:
        if text == self._text and (dpi is None or dpi == self._dpi):
            return
        self._text = text
        if dpi is not None:
            self._dpi = dpi
        self.refresh()

    def refresh(self) -> None:
        """Rasterise the string again (after a change of the text property)."""
        if not self._text:
            return
        dims = [0, 0]
        renderer = vtkTextRenderer.GetInstance()
        # into the texture's own image: the same texture object, only re-uploaded
        if not renderer.RenderString(self._prop, self._text, self._image, dims, self._dpi):
            return
        x0, _, y0, _, _, _ = self._image.GetExtent()
        w, h = dims  # the text's rectangle, as vtkTextActor draws it
        self._box = [float(x0), float(x0 + w - 1), float(y0), float(y0 + h - 1)]
        iw, ih, _ = self._image.GetDimensions()
        # a new string of the same size (the next location while scrolling) leaves the
        # rectangle as it is
        placed = (x0, y0, w, h, iw, ih)
        if placed != self._placed:
            self._placed = placed
            for k, (px, py) in enumerate(((x0, y0), (x0, y0 + h), (x0 + w, y0 + h), (x0 + w, y0))):
                self._points.SetPoint(k, px, py, 0.0)
            tu, tv = min(1.0, (w + 0.001) / iw), min(1.0, (h + 0.001) / ih)
            for k, (u, v) in enumerate(((0.0, 0.0), (0.0, tv), (tu, tv), (tu, 0.0))):
                self._tcoords.SetTuple2(k, u, v)
            self._points.Modified()
            self._tcoords.Modified()
            self._rect.Modified()
