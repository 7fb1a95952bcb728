"""The pieces every 2D-style view draws with (2D viewport, MPR views, 3D): overlay text (outlined,
CJK-capable, one actor per corner or edge), lines, the scale bar, measurement actors, sharing a
volume's memory with VTK and grabbing a frame."""

from __future__ import annotations

import functools
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import vtkmodules.vtkRenderingFreeType
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL backend)
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkCommand, vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkImageData, vtkPolyData
from vtkmodules.vtkRenderingCore import (
    vtkActor2D,
    vtkCoordinate,
    vtkPolyDataMapper2D,
    vtkRenderer,
    vtkRenderWindow,
    vtkTextActor,
    vtkWindowToImageFilter,
)

from viewer.dicom.i18n import translate
from viewer.dicom.measure import Measurement, describe
from viewer.dicom.volume import Volume
from viewer.dicom.windows import DisplayValues
from viewer.render.textquad import TextQuad

MEASURE_COLOR = (1.0, 0.85, 0.1)
SELECTED_COLOR = (0.2, 1.0, 0.4)
TEXT_COLOR = (0.92, 0.92, 0.92)


def resolution_note(image: object) -> str:
    """The line a view shows over a reduced-resolution volume (a JPEG 2000 level decoded
    first, :mod:`viewer.dicom.progressive`) until it is refined (``refining`` False: it will
    not be); "" at full resolution."""
    level = int(getattr(image, "reduced_level", 0) or 0)
    if level <= 0:
        return ""
    if getattr(image, "refining", True) is False:  # its study could not be fetched whole
        #: over a volume shown at 1/2**level of its pixels each way that will not be refined
        return translate("Overlay", "Reduced resolution (1/{0})").format(1 << level)
    #: over a volume shown at 1/2**level of its pixels each way until it is refined
    return translate("Overlay", "Reduced resolution (1/{0}) — refining…").format(1 << level)


#: Opacity of the dark plate behind overlay text (with the shadow: readable on white too).
OUTLINE_OPACITY = 0.6


@functools.cache
def cjk_font() -> str | None:
    """A font file with Chinese glyphs (fontconfig), for names and labels in overlays."""
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out if out and ("CJK" in out or "wqy" in out.lower() or "Noto" in out) else None


def outline_text(prop: Any) -> None:
    """Keep light overlay text readable on any image, a white lung window included: a dark
    shadow and a translucent dark plate behind the glyphs."""
    prop.ShadowOn()
    prop.SetShadowOffset(1, -1)
    prop.SetBackgroundColor(0.0, 0.0, 0.0)
    prop.SetBackgroundOpacity(OUTLINE_OPACITY)


def style_text(prop: Any, size: int, color: tuple[float, float, float] = TEXT_COLOR) -> None:
    prop.SetFontSize(size)
    prop.SetColor(*color)
    outline_text(prop)
    font = cjk_font()
    if font:
        prop.SetFontFamily(4)  # VTK_FONT_FILE
        prop.SetFontFile(font)


# (x, y) in normalized viewport coordinates and (horizontal, vertical) justification of the
# eight overlay places, numbered like vtkCornerAnnotation's: corners 0-3, then edges 4-7.
_PLACES = {
    0: (0.008, 0.008, 0, 0),
    1: (0.992, 0.008, 2, 0),
    2: (0.008, 0.992, 0, 2),
    3: (0.992, 0.992, 2, 2),
    4: (0.5, 0.008, 1, 0),
    5: (0.992, 0.5, 2, 1),
    6: (0.008, 0.5, 0, 1),
    7: (0.5, 0.992, 1, 2),
}


def polyline(points: Sequence[Sequence[float]], closed: bool = False) -> vtkPolyData:
    """Points joined by one line cell (closed back to the first point if asked)."""
    pts = vtkPoints()
    for p in points:
        pts.InsertNextPoint(*p)
    lines = vtkCellArray()
    n = len(points)
    idx = [*range(n), 0] if closed else list(range(n))
    lines.InsertNextCell(len(idx))
    for i in idx:
        lines.InsertCellPoint(i)
    poly = vtkPolyData()
    poly.SetPoints(pts)
    poly.SetLines(lines)
    return poly


def display_to_world(renderer: vtkRenderer, x: float, y: float) -> tuple[float, float]:
    """The world (x, y) under a display point (origin bottom-left) of a 2D (parallel) view."""
    renderer.SetDisplayPoint(x, y, 0.0)
    renderer.DisplayToWorld()
    wx, wy, _wz, w = renderer.GetWorldPoint()
    return (wx / w, wy / w) if w else (wx, wy)


def line_actor(
    points: Sequence[tuple[float, float, float]],
    color: tuple[float, ...],
    closed: bool = False,
    width: float = 1.5,
    world: bool = True,
) -> vtkActor2D:
    poly = polyline(points, closed)
    mapper = vtkPolyDataMapper2D()
    mapper.SetInputData(poly)
    if world:
        coord = vtkCoordinate()
        coord.SetCoordinateSystemToWorld()
        mapper.SetTransformCoordinate(coord)
    actor = vtkActor2D()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColor(*color)
    actor.GetProperty().SetLineWidth(width)
    return actor


def scale_bar_actors(
    window: vtkRenderWindow, per_px: float, corners: OverlayText | None = None
) -> list[Any]:
    """A bar of a round number of mm (at most a quarter of the width) and its label, above the
    lower right corner's text of ``corners`` (two lines, more when a reason is written there)."""
    vw, _ = window.GetSize()
    if per_px <= 0:
        return []
    mm = next((v for v in (200, 100, 50, 20, 10, 5, 2, 1) if v / per_px <= vw / 4), 1)
    length = mm / per_px
    lines = len(corners.GetText(1).splitlines()) if corners is not None else 2
    x1, y = vw - 16, 60 + round(17 * TEXT_SCALE[0] * max(0, lines - 2))
    x0 = x1 - length
    pts = [(x0, y + 5, 0), (x0, y, 0), (x1, y, 0), (x1, y + 5, 0)]
    bar = line_actor(pts, TEXT_COLOR, world=False)
    text = vtkTextActor()
    text.SetInput(f"{mm} mm")
    style_text(text.GetTextProperty(), 12)
    text.GetTextProperty().SetJustificationToRight()
    text.SetDisplayPosition(int(x1), int(y + 8))
    return [bar, text]


def grab_window(window: vtkRenderWindow, render: bool = True) -> np.ndarray:
    """The frame of a render window, RGB with rows from the top."""
    if render:
        window.Render()
    f = vtkWindowToImageFilter()
    f.SetInput(window)
    f.ReadFrontBufferOff()
    f.ShouldRerenderOff()
    f.Update()
    out = f.GetOutput()
    w, h, _ = out.GetDimensions()
    arr = numpy_support.vtk_to_numpy(out.GetPointData().GetScalars())
    return arr.reshape(h, w, -1)[::-1, :, :3].copy()


def share_volume(vol: Volume) -> tuple[vtkImageData, Any]:
    """A vtkImageData over the volume's own memory (no copy), in volume space: origin 0 and the
    voxel spacing, so (i·Δi, j·Δj, k·Δk) mm. Returns the image and what must stay alive with it."""
    data = vtkImageData()
    return data, read_volume(data, vol)


def read_volume(data: vtkImageData, vol: Volume) -> Any:
    """Make ``data`` read ``vol``'s memory (no copy) on its grid, in volume space (origin 0, the
    voxel spacing). Returns what must stay alive with it; ``ValueError`` if the array is not
    C-contiguous."""
    arr = vol.array
    if not arr.flags.c_contiguous:
        raise ValueError("the volume array must be C-contiguous to be shared with VTK")
    data.SetDimensions(arr.shape[2], arr.shape[1], arr.shape[0])
    data.SetSpacing(*vol.spacing)
    data.SetOrigin(0, 0, 0)
    flat = arr.reshape(-1)
    vtk_arr = numpy_support.numpy_to_vtk(flat, deep=False)
    data.GetPointData().SetScalars(vtk_arr)
    data.Modified()
    return (arr, flat, vtk_arr)


def swap_volume(data: vtkImageData, vol: Volume, shown: Volume) -> Any:
    """Show another volume on the same grid (the next echo, b-value, phase…) through ``data``,
    a :func:`share_volume` image of ``shown`` every view of a layout reads: its scalars become
    ``vol``'s memory (no copy). Returns what must stay alive with it; ``ValueError`` if the grids
    differ (dimensions, spacing, or where they lie in the patient: origin and axes)."""
    arr = vol.array
    if (
        tuple(data.GetDimensions()) != (arr.shape[2], arr.shape[1], arr.shape[0])
        or not np.allclose(data.GetSpacing(), vol.spacing)
        or not vol.same_place(shown)
    ):
        raise ValueError(translate("Volumes", "this sub-volume lies on another grid"))
    return read_volume(data, vol)


def measurement_actors(
    meas: Measurement,
    world: Callable[[float, float], tuple[float, float, float]],
    values: np.ndarray | None,
    spacing: tuple[float, float] | None,
    unit: str,
    color: tuple[float, float, float],
) -> list[Any]:
    """The lines and label of a measurement whose points are image (x, y) pixels; ``world``
    places a pixel in the renderer's world coordinates."""
    pts = meas.points
    actors: list[Any] = []
    w = world
    if meas.kind in ("length", "angle", "arrow") and len(pts) >= 2:
        actors.append(line_actor([w(*p) for p in pts], color))
        if meas.kind == "arrow":
            v = np.array(pts[1]) - np.array(pts[0])
            n = np.linalg.norm(v) or 1.0
            v = v / n * min(8.0, n / 3)
            perp = np.array([-v[1], v[0]]) * 0.5
            a = np.array(pts[0]) + v + perp
            b = np.array(pts[0]) + v - perp
            actors.append(line_actor([w(*a), w(*pts[0]), w(*b)], color))
    elif meas.kind in ("ellipse", "rectangle") and len(pts) >= 2:
        (x0, y0), (x1, y1) = pts[0], pts[1]
        if meas.kind == "rectangle":
            outline = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        else:
            cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, abs(x1 - x0) / 2, abs(y1 - y0) / 2
            t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
            outline = list(zip(cx + rx * np.cos(t), cy + ry * np.sin(t), strict=True))
        actors.append(line_actor([w(*p) for p in outline], color, closed=True))
    elif meas.kind == "probe" and pts:
        x, y = pts[0]
        actors.append(line_actor([w(x - 3, y), w(x + 3, y)], color))
        actors.append(line_actor([w(x, y - 3), w(x, y + 3)], color))
    label = describe(meas, values, spacing, unit)
    if label and pts:
        anchor = pts[-1] if meas.kind != "text" else pts[0]
        text = vtkTextActor()
        text.SetInput(label)
        style_text(text.GetTextProperty(), 13, color)
        coord = text.GetPositionCoordinate()
        coord.SetCoordinateSystemToWorld()
        coord.SetValue(*w(anchor[0] + 4, anchor[1] + 4))
        actors.append(text)
    return actors


#: overlay text size × this (Settings → Text Size, for HiDPI screens); set by the app
TEXT_SCALE = [1.0]
#: characters per line of the reason a PET is not shown in SUV (wrapped, at most 4 lines)
REASON_WIDTH = 46


def location_text(label: str, mm: float) -> str:
    """A slice's location line ("Loc: 12.30 mm"); never "-0.00" for a plane through 0."""
    return f"{label}: {round(float(mm), 2) + 0.0:.2f} mm"


def window_text(center: float, width: float, display: DisplayValues, table: str = "") -> str:
    """The window line of a view, with its unit (``table``, e.g. "VOI LUT: …", instead when a
    table is shown); when the values are not what the reader may expect (PET refused SUV),
    why — under the unit, where the reader looks."""
    from viewer.render.colorbar import format_value

    unit = f" {display.unit}" if display.unit else ""
    text = table or f"W: {format_value(width)} L: {format_value(center)}{unit}"
    if display.note:
        why = translate("Overlay", "no SUV: {0}").format(display.note)
        lines = textwrap.wrap(why, REASON_WIDTH, break_on_hyphens=False)
        if len(lines) > 4:
            lines = [*lines[:3], lines[3][: REASON_WIDTH - 1] + "…"]
        text += "\n" + "\n".join(lines)
    return text


def place_style(
    prop: Any, place: int, size: int, color: tuple[float, float, float], bold: bool
) -> None:
    """Style a text property for an overlay place (numbered as in :data:`_PLACES`): the size
    × :data:`TEXT_SCALE`, colour, outline, weight and the place's justification."""
    _, _, jh, jv = _PLACES[place]
    prop.SetFontSize(round(size * TEXT_SCALE[0]))
    prop.SetColor(*color)
    outline_text(prop)
    prop.SetBold(bold)
    prop.SetJustification(jh)
    prop.SetVerticalJustification(jv)


def text_font(prop: Any, text: str) -> None:
    """The CJK font file for text with non-ASCII characters (when there is one), else Arial."""
    font = cjk_font() if not text.isascii() else None
    if font:
        prop.SetFontFamily(4)  # VTK_FONT_FILE
        prop.SetFontFile(font)
    else:
        prop.SetFontFamilyToArial()


class OverlayText:
    """Text at the corners and edges of a viewport, one actor per place.

    Separate actors mean a change (the slice number while scrolling, W/L while windowing)
    re-rasterizes only its own few characters, and each is a :class:`TextQuad`, whose change
    re-uploads its image into the texture it keeps (a ``vtkTextActor`` makes its texture anew);
    ASCII text uses VTK's built-in font, text with Chinese characters the CJK font.
    """

    def __init__(
        self,
        renderer: vtkRenderer,
        size: int,
        color: tuple[float, float, float],
        bold: bool = False,
    ) -> None:
        self._renderer = renderer
        self._style = (size, color, bold)
        self._actors: dict[int, TextQuad] = {}
        self._texts: dict[int, str] = {}
        self._cjk: dict[int, bool] = {}
        #: the window's DPI the texts were rasterised at; Qt sets it anew when the window
        #: moves to a screen of another pixel ratio: rasterised again before the next frame
        self._dpi = 0
        renderer.AddObserver(vtkCommand.StartEvent, self._on_render)

    def _actor(self, i: int) -> TextQuad:
        """The actor of a place, made when it first gets a text (empty places cost nothing)."""
        a = self._actors.get(i)
        if a is None:
            x, y, _, _ = _PLACES[i]
            a = TextQuad()
            place_style(a.GetTextProperty(), i, *self._style)
            coord = a.GetPositionCoordinate()
            coord.SetCoordinateSystemToNormalizedViewport()
            coord.SetValue(x, y)
            self._renderer.AddViewProp(a)
            self._actors[i] = a
            self._cjk[i] = False
        return a

    def SetText(self, i: int, text: str) -> None:
        if self._texts.get(i, "") == text:
            return  # unchanged text is not rasterized again
        self._texts[i] = text
        actor = self._actor(i)
        actor.SetVisibility(bool(text))
        needs_cjk = not text.isascii()
        if needs_cjk != self._cjk[i]:
            self._cjk[i] = needs_cjk
            text_font(actor.GetTextProperty(), text)
        window = self._renderer.GetRenderWindow()
        actor.SetInput(text, window.GetDPI() if window is not None else None)

    def _on_render(self, *_: object) -> None:
        window = self._renderer.GetRenderWindow()
        dpi = window.GetDPI() if window is not None else self._dpi
        if dpi != self._dpi:
            self._dpi = dpi
            for i, a in self._actors.items():
                a.SetInput(self._texts.get(i, ""), dpi)  # (only where it changes the DPI)

    def GetText(self, i: int) -> str:
        return self._texts.get(i, "")

    def rescale(self) -> None:
        """Apply :data:`TEXT_SCALE` (Settings → Text Size) to the text already shown."""
        for a in self._actors.values():
            a.GetTextProperty().SetFontSize(round(self._style[0] * TEXT_SCALE[0]))
            a.refresh()
