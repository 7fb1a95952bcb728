"""Text at several places of a viewport drawn by one actor: one texture, one draw.

Every 2D actor costs a draw on each frame, changed or not; on the CPU renderer the four
orientation labels of an MPR view cost about as much as the changing location line
(``bench.mpr3d``). :class:`MergedText` packs the places' images into one texture and draws
them as the quads of one polydata, each where a ``vtkTextActor`` would put it (checked pixel
for pixel in tests/test_overlay_text.py). Meant for text that rarely changes (the labels):
any change repacks and re-uploads the whole texture.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import vtkmodules.vtkRenderingFreeType  # noqa: F401  (the FreeType text renderer)
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkCommand, vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkImageData, vtkPolyData
from vtkmodules.vtkRenderingCore import (
    vtkPolyDataMapper2D,
    vtkRenderer,
    vtkTextProperty,
    vtkTextRenderer,
    vtkTexture,
    vtkTexturedActor2D,
)

from viewer.render import overlay


class _MergedActor(vtkTexturedActor2D):
    """The one actor; ``GetInput`` gives the texts it draws, one per line, as a text actor's."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[int, str] = {}

    def GetInput(self) -> str:
        return "\n".join(t for _, t in sorted(self.texts.items()) if t)


class MergedText:
    """Owns the texts of the eight overlay places (numbered as in :class:`OverlayText`, whose
    interface it has), their rasterised images, the texture they are packed in and the actor
    that draws them; re-places the quads when the viewport's size changes."""

    def __init__(
        self,
        renderer: vtkRenderer,
        size: int,
        color: tuple[float, float, float],
        bold: bool = False,
    ) -> None:
        self._renderer = renderer
        self._style = (size, color, bold)
        self._texts: dict[int, str] = {}
        #: place → (RGBA rows from the bottom, offset of its lower-left pixel from the anchor)
        self._images: dict[int, tuple[np.ndarray, int, int]] = {}
        self._quads: list[tuple[int, int, int, int, int]] = []  # place, dx, dy, w, h
        self._poly = vtkPolyData()  # the quads
        self._size: tuple[int, int] = (0, 0)
        self._dpi = 72  # the window's DPI the texts were rasterised at
        self._keep: Any = None
        self.actor = _MergedActor()
        self._image = vtkImageData()
        texture = vtkTexture()
        texture.SetInputData(self._image)
        texture.InterpolateOff()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self._poly)
        self.actor.SetMapper(mapper)
        self.actor.SetTexture(texture)
        self.actor.SetVisibility(False)
        renderer.AddViewProp(self.actor)
        renderer.AddObserver(vtkCommand.StartEvent, self._on_render)

    def _prop(self, i: int, text: str) -> vtkTextProperty:
        prop = vtkTextProperty()
        overlay.place_style(prop, i, *self._style)
        overlay.text_font(prop, text)
        return prop

    def _raster(self, i: int, text: str) -> None:
        if not text:
            self._images.pop(i, None)
            return
        image = vtkImageData()
        dims = [0, 0]
        window = self._renderer.GetRenderWindow()
        dpi = window.GetDPI() if window is not None else 72
        self._dpi = dpi
        if not vtkTextRenderer.GetInstance().RenderString(
            self._prop(i, text), text, image, dims, dpi
        ):
            self._images.pop(i, None)
            return
        x0, _, y0, _, _, _ = image.GetExtent()
        w, h, _ = image.GetDimensions()
        rgba = numpy_support.vtk_to_numpy(image.GetPointData().GetScalars()).reshape(h, w, 4)
        self._images[i] = (rgba[: dims[1], : dims[0]].copy(), x0, y0)

    def SetText(self, i: int, text: str) -> None:
        if self._texts.get(i, "") == text:
            return
        self._texts[i] = text
        self.actor.texts[i] = text
        self._raster(i, text)
        self._pack()

    def GetText(self, i: int) -> str:
        return self._texts.get(i, "")

    def rescale(self) -> None:
        """Apply :data:`overlay.TEXT_SCALE` (Settings → Text Size) to the text shown."""
        for i, text in self._texts.items():
            self._raster(i, text)
        self._pack()

    def _pack(self) -> None:
        """All images one above the other in one texture; the quads' texture coordinates."""
        items = sorted(self._images.items())
        self.actor.SetVisibility(bool(items))
        if not items:
            return
        width = max(a.shape[1] for a, _, _ in self._images.values())
        height = sum(a.shape[0] for a, _, _ in self._images.values())
        atlas = np.zeros((height, width, 4), np.uint8)
        tcoords = np.zeros((4 * len(items), 2), np.float32)
        self._quads = []
        row = 0
        for n, (i, (a, dx, dy)) in enumerate(items):
            h, w = a.shape[:2]
            atlas[row : row + h, :w] = a
            u, v0, v1 = w / width, row / height, (row + h) / height
            tcoords[4 * n : 4 * n + 4] = ((0, v0), (0, v1), (u, v1), (u, v0))
            self._quads.append((i, dx, dy, w, h))
            row += h
        flat = atlas.reshape(-1, 4)
        scalars = numpy_support.numpy_to_vtk(flat, deep=False)
        self._image.SetDimensions(width, height, 1)
        self._image.GetPointData().SetScalars(scalars)
        tc = numpy_support.numpy_to_vtk(tcoords, deep=False)
        self._keep = (flat, tcoords, tc)
        cells = vtkCellArray()
        for n in range(len(items)):
            cells.InsertNextCell(4)
            for k in range(4):
                cells.InsertCellPoint(4 * n + k)
        self._poly.SetPolys(cells)
        self._poly.GetPointData().SetTCoords(tc)
        self._place(tuple(self._renderer.GetSize()))

    def _on_render(self, *_: object) -> None:
        window = self._renderer.GetRenderWindow()
        if window is not None and window.GetDPI() != self._dpi:
            self._dpi = window.GetDPI()
            self.rescale()  # (Qt sets the DPI anew on a screen of another pixel ratio)
        size = tuple(self._renderer.GetSize())
        if size != self._size:
            self._place(size)

    def _place(self, size: tuple[int, ...]) -> None:
        """Each quad at its place's anchor in this viewport (pixels, as vtkCoordinate rounds
        a normalized viewport position), offset as the text renderer justified it."""
        vw, vh = int(size[0]), int(size[1])
        self._size = (vw, vh)
        points = vtkPoints()
        for i, dx, dy, w, h in self._quads:
            x, y, _, _ = overlay._PLACES[i]
            x0, y0 = int(x * vw + 0.5) + dx, int(y * vh + 0.5) + dy
            for px, py in ((x0, y0), (x0, y0 + h), (x0 + w, y0 + h), (x0 + w, y0)):
                points.InsertNextPoint(px, py, 0.0)
        self._poly.SetPoints(points)
        self._poly.Modified()
