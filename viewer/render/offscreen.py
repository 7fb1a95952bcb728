"""Offscreen rendering without a display: choosing the OpenGL window, rendering one MPR plane
of a volume (the same pipeline the workstation shows), writing PNG files."""

from __future__ import annotations

import ctypes.util
import os

import numpy as np

from viewer.dicom.volume import Volume

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


def render_plane(
    vol: Volume,
    plane: str,
    window: tuple[float, float],
    size: tuple[int, int] = (512, 512),
) -> np.ndarray:
    """One plane (axial, coronal, sagittal in patient space, through the volume's centre) with
    its overlays, rendered offscreen by the MPR pipeline; RGB (height, width, 3), row 0 on top."""
    import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL backend)
    from vtkmodules.vtkRenderingCore import vtkRenderWindow

    from viewer.render.mpr_view import MprRenderer
    from viewer.state.mpr import MprModel

    configure_offscreen()
    win = vtkRenderWindow()
    win.SetOffScreenRendering(1)
    win.SetSize(*size)
    model = MprModel(vol)
    model.set_window(*window)
    frame = MprRenderer(win, model, plane).grab()
    win.Finalize()
    return frame


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
