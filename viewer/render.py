"""Offscreen VTK rendering of 2D slices with window/level, orientation labels and a scale bar.

This is the Qt-free slice pipeline: numpy slice → vtkImageData (with pixel spacing) →
vtkImageMapToWindowLevelColors → vtkImageActor, viewed by a parallel camera, plus text overlays.
The GUI embeds the same pipeline in a Qt widget; here it renders into an offscreen window.
"""

from __future__ import annotations

import ctypes.util
import os
from dataclasses import dataclass

import numpy as np

from viewer.geometry import direction_label
from viewer.volume import Volume

PLANES = ("axial", "coronal", "sagittal")


def configure_offscreen() -> str:
    """Pick an OpenGL window VTK can use without a display (OSMesa, else EGL); returns it.

    Must run before the first render window is made. A set VTK_DEFAULT_OPENGL_WINDOW or a
    DISPLAY (a real or virtual X server) is left alone.
    """
    chosen = os.environ.get("VTK_DEFAULT_OPENGL_WINDOW", "")
    if chosen or os.environ.get("DISPLAY"):
        return chosen or "X"
    chosen = (
        "vtkOSOpenGLRenderWindow" if ctypes.util.find_library("OSMesa") else "vtkEGLRenderWindow"
    )
    os.environ["VTK_DEFAULT_OPENGL_WINDOW"] = chosen
    return chosen


@dataclass(frozen=True, slots=True)
class SliceView:
    """A 2D image to show: values (rows × cols), mm per pixel, and the patient directions of the
    screen's right and down so that the edges can be labelled."""

    pixels: np.ndarray
    spacing: tuple[float, float]  # (between rows, between columns), mm
    right: np.ndarray
    down: np.ndarray
    title: str = ""

    def edge_labels(self) -> dict[str, str]:
        return {
            "right": direction_label(self.right),
            "left": direction_label(-self.right),
            "bottom": direction_label(self.down),
            "top": direction_label(-self.down),
        }


def volume_slice(vol: Volume, plane: str, index: int | None = None) -> SliceView:
    """A slice through the volume's own axes: ``axial`` = k, ``coronal`` = j, ``sagittal`` = i.

    Coronal and sagittal slices are shown with the slice axis upwards when it points to the head.
    """
    d = vol.direction
    si, sj, sk = vol.spacing
    nk, nj, ni = vol.shape
    if plane == "axial":
        k = nk // 2 if index is None else index
        return SliceView(vol.array[k], (sj, si), d[:, 0], d[:, 1], f"k={k + 1}/{nk}")
    if plane == "coronal":
        j = nj // 2 if index is None else index
        img, down = vol.array[:, j, :], d[:, 2]
        if down[2] > 0:  # slice axis points to the head: flip so the head is at the top
            img, down = img[::-1], -down
        return SliceView(img, (sk, si), d[:, 0], down, f"j={j + 1}/{nj}")
    if plane == "sagittal":
        i = ni // 2 if index is None else index
        img, down = vol.array[:, :, i], d[:, 2]
        if down[2] > 0:
            img, down = img[::-1], -down
        return SliceView(img, (sk, sj), d[:, 1], down, f"i={i + 1}/{ni}")
    raise ValueError(f"unknown plane {plane!r}; expected one of {PLANES}")


def render_slice(
    view: SliceView,
    window: tuple[float, float],
    size: tuple[int, int] = (512, 512),
    corner_text: str = "",
) -> np.ndarray:
    """Render ``view`` offscreen; returns the RGB frame (height, width, 3), row 0 at the top."""
    import vtkmodules.vtkRenderingFreeType
    import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL backend)
    from vtkmodules.util import numpy_support
    from vtkmodules.vtkCommonDataModel import vtkImageData
    from vtkmodules.vtkImagingColor import vtkImageMapToWindowLevelColors
    from vtkmodules.vtkRenderingCore import (
        vtkActor2D,
        vtkImageActor,
        vtkRenderer,
        vtkRenderWindow,
        vtkTextActor,
        vtkWindowToImageFilter,
    )

    configure_offscreen()
    rows, cols = view.pixels.shape[:2]
    img = vtkImageData()
    img.SetDimensions(cols, rows, 1)
    img.SetSpacing(view.spacing[1], view.spacing[0], 1.0)
    # VTK's image origin is bottom-left: flip rows so that row 0 is drawn at the top
    flat = np.ascontiguousarray(view.pixels[::-1]).astype(np.float32).ravel()
    scalars = numpy_support.numpy_to_vtk(flat, deep=True)
    img.GetPointData().SetScalars(scalars)

    wl = vtkImageMapToWindowLevelColors()
    wl.SetInputData(img)
    wl.SetWindow(window[1])
    wl.SetLevel(window[0])
    wl.SetOutputFormatToRGB()
    actor = vtkImageActor()
    actor.GetMapper().SetInputConnection(wl.GetOutputPort())
    actor.InterpolateOff()

    ren = vtkRenderer()
    ren.SetBackground(0, 0, 0)
    ren.AddActor(actor)
    win = vtkRenderWindow()
    win.SetOffScreenRendering(1)
    win.SetMultiSamples(0)
    win.SetSize(*size)
    win.AddRenderer(ren)

    width_mm = cols * view.spacing[1]
    height_mm = rows * view.spacing[0]
    cam = ren.GetActiveCamera()
    cam.ParallelProjectionOn()
    cx, cy = (cols - 1) * view.spacing[1] / 2, (rows - 1) * view.spacing[0] / 2
    cam.SetFocalPoint(cx, cy, 0)
    cam.SetPosition(cx, cy, 1000)
    cam.SetViewUp(0, 1, 0)
    aspect = size[0] / size[1]
    cam.SetParallelScale(max(height_mm, width_mm / aspect) / 2 * 1.02)
    ren.ResetCameraClippingRange()

    labels = view.edge_labels()
    w, h = size
    for key, (x, y, just_h, just_v) in {
        "top": (w / 2, h - 8, 1, 2),
        "bottom": (w / 2, 8, 1, 0),
        "left": (8, h / 2, 0, 1),
        "right": (w - 8, h / 2, 2, 1),
    }.items():
        ta = vtkTextActor()
        ta.SetInput(labels[key])
        prop = ta.GetTextProperty()
        prop.SetFontSize(max(12, h // 28))
        prop.SetColor(1.0, 0.85, 0.2)
        prop.SetJustification(just_h)
        prop.SetVerticalJustification(just_v)
        prop.BoldOn()
        ta.SetDisplayPosition(int(x), int(y))
        ren.AddViewProp(ta)
    info = vtkTextActor()
    info.SetInput(f"{corner_text}\nW {window[1]:g}  L {window[0]:g}".strip())
    info.GetTextProperty().SetFontSize(max(10, h // 40))
    info.GetTextProperty().SetColor(0.9, 0.9, 0.9)
    info.SetDisplayPosition(6, 6)
    ren.AddViewProp(info)
    _add_scale_bar(ren, size, view, cam.GetParallelScale(), vtkActor2D)

    win.Render()
    grab = vtkWindowToImageFilter()
    grab.SetInput(win)
    grab.ReadFrontBufferOff()
    grab.Update()
    out = grab.GetOutput()
    dims = out.GetDimensions()
    arr = numpy_support.vtk_to_numpy(out.GetPointData().GetScalars())
    frame = arr.reshape(dims[1], dims[0], -1)[::-1, :, :3].copy()
    win.Finalize()
    return frame


def _add_scale_bar(
    ren: object, size: tuple[int, int], view: SliceView, parallel_scale: float, actor_cls: type
) -> None:
    """A 10/50/100 mm bar at the bottom right, its length in pixels from the camera scale."""
    from vtkmodules.vtkCommonCore import vtkPoints
    from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
    from vtkmodules.vtkRenderingCore import vtkPolyDataMapper2D, vtkTextActor

    w, h = size
    px_per_mm = h / (2 * parallel_scale)
    mm = next((m for m in (100, 50, 20, 10, 5) if m * px_per_mm <= w / 4), 5)
    length = mm * px_per_mm
    x1, y = w - 12, 40
    x0 = x1 - length
    pts = vtkPoints()
    for p in ((x0, y), (x1, y), (x0, y - 5), (x0, y + 5), (x1, y - 5), (x1, y + 5)):
        pts.InsertNextPoint(p[0], p[1], 0)
    lines = vtkCellArray()
    for a, b in ((0, 1), (2, 3), (4, 5)):
        lines.InsertNextCell(2)
        lines.InsertCellPoint(a)
        lines.InsertCellPoint(b)
    poly = vtkPolyData()
    poly.SetPoints(pts)
    poly.SetLines(lines)
    mapper = vtkPolyDataMapper2D()
    mapper.SetInputData(poly)
    bar = actor_cls()
    bar.SetMapper(mapper)
    bar.GetProperty().SetColor(1, 1, 1)
    ren.AddViewProp(bar)  # type: ignore[attr-defined]
    text = vtkTextActor()
    text.SetInput(f"{mm} mm")
    text.GetTextProperty().SetFontSize(12)
    text.GetTextProperty().SetJustification(2)
    text.SetDisplayPosition(int(x1), int(y + 8))
    ren.AddViewProp(text)  # type: ignore[attr-defined]


def save_png(frame: np.ndarray, path: str) -> None:
    """Write an RGB frame (row 0 at the top) as PNG with VTK's writer."""
    from vtkmodules.util import numpy_support
    from vtkmodules.vtkCommonDataModel import vtkImageData
    from vtkmodules.vtkIOImage import vtkPNGWriter

    h, w = frame.shape[:2]
    img = vtkImageData()
    img.SetDimensions(w, h, 1)
    flat = np.ascontiguousarray(frame[::-1]).reshape(-1, frame.shape[2])
    arr = numpy_support.numpy_to_vtk(flat, deep=True)
    img.GetPointData().SetScalars(arr)
    writer = vtkPNGWriter()
    writer.SetFileName(path)
    writer.SetInputData(img)
    writer.Write()
