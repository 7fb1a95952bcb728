"""Sampling a plane of a volume with ``vtkImageReslice``: the matrices from a plane's grid to a
volume's shared ``vtkImageData`` (through the patient space and a registration transform), and
the reslice set up for one plane or a thick slab (MIP, MinIP, mean)."""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkCommonCore import vtkLookupTable
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkImagingCore import vtkImageReslice

from viewer.dicom.volume import Volume
from viewer.render.colorbar import overlay_table
from viewer.state.mpr import PlaneGrid


def colormap(name: str, lo: float, hi: float) -> vtkLookupTable:
    """A fused overlay's table (a map of resources/colormaps; "hot" is hot iron) over the
    window ``[lo, hi]``, transparent at and below its bottom."""
    return overlay_table(name, lo, hi, 0.0, 0.0)


def matrix4(m: np.ndarray) -> vtkMatrix4x4:
    out = vtkMatrix4x4()
    out.DeepCopy(np.asarray(m, float).ravel().tolist())  # row by row, one call
    return out


def volume_matrix(volume: Volume) -> np.ndarray:
    """4×4 from volume-space mm (i·Δi, j·Δj, k·Δk: the shared vtkImageData's world) to patient
    LPS mm."""
    m = np.eye(4)
    m[:3, :3] = volume.direction
    m[:3, 3] = volume.origin
    return m


def reslice_axes(
    grid: PlaneGrid, volume: Volume, transform: np.ndarray | None = None
) -> np.ndarray:
    """4×4 matrix taking plane coordinates (u, v, w along the normal, mm; relative to the grid's
    anchor) to the volume-space mm of ``volume`` (i·Δi, j·Δj, k·Δk).

    ``transform`` (base patient space → this volume's patient space) places a fused overlay.
    """
    plane = np.eye(4)
    plane[:3, 0], plane[:3, 1], plane[:3, 2], plane[:3, 3] = (
        grid.row,
        grid.col,
        grid.normal,
        grid.anchor,
    )
    to_volume = _inverse_volume_matrix(volume)
    return to_volume @ plane if transform is None else to_volume @ transform @ plane


_INVERSES: dict[bytes, np.ndarray] = {}


def _inverse_volume_matrix(volume: Volume) -> np.ndarray:
    """The inverse of :func:`volume_matrix`, computed once per geometry (each frame of a
    scroll asks for it); a few geometries at most are kept."""
    key = np.asarray(volume.direction, float).tobytes() + np.asarray(volume.origin, float).tobytes()
    inv = _INVERSES.get(key)
    if inv is None:
        if len(_INVERSES) >= 16:
            _INVERSES.clear()
        inv = _INVERSES[key] = np.linalg.inv(volume_matrix(volume))
    return inv


def make_reslice(source: vtkImageData, background: float) -> vtkImageReslice:
    r = vtkImageReslice()
    r.SetInputData(source)
    r.SetOutputDimensionality(2)
    r.SetInterpolationModeToLinear()
    r.SetBackgroundLevel(background)
    r.AutoCropOutputOff()
    return r


def configure_reslice(
    r: vtkImageReslice,
    grid: PlaneGrid,
    axes: np.ndarray,
    mode: str = "none",
    samples: int = 1,
    slab_spacing: float = 0.0,
) -> None:
    """Sample ``grid``; a slab combines ``samples`` planes ``slab_spacing`` mm apart."""
    r.SetResliceAxes(matrix4(axes))
    r.SetOutputSpacing(grid.spacing, grid.spacing, slab_spacing or grid.spacing)
    r.SetOutputOrigin(grid.u0, grid.v0, 0.0)
    r.SetOutputExtent(0, grid.cols - 1, 0, grid.rows - 1, 0, 0)
    r.SetSlabNumberOfSlices(samples)
    # VTK 9.7's fast path for axis-permuting reslices centres a slab one sample off when an
    # axis is flipped (found by test_slab_mip_of_a_bright_point_equals_its_value[sagittal]);
    # the general path is exact, and only slabs need it.
    r.SetOptimization(int(samples == 1))
    if mode == "minip":
        r.SetSlabModeToMin()
    elif mode == "mean":
        r.SetSlabModeToMean()
    else:
        r.SetSlabModeToMax()
