"""Curved planar reformation: straighten a structure along a polyline (vessel, spine, dental arch).

The polyline is drawn on a view (patient LPS points); a spline through it is resampled every
``spacing`` mm of arc length. The output's columns follow the curve (column k at arc length
k·spacing); its rows go across, along the drawing view's normal projected perpendicular to the
curve, from +width/2 (row 0, towards ``up``) to -width/2. Distances along both axes are true mm
(along the curve: arc length).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkImageData, vtkPolyData
from vtkmodules.vtkFiltersCore import vtkProbeFilter
from vtkmodules.vtkFiltersGeneral import vtkSplineFilter

from viewer.dicom.i18n import QT_TRANSLATE_NOOP, translate
from viewer.dicom.volume import Volume
from viewer.render.overlay import polyline, share_volume


@dataclass(frozen=True, slots=True)
class Straightened:
    image: np.ndarray  # (rows across, cols along), float32 modality values
    spacing: float  # mm per pixel along both axes
    centerline: np.ndarray  # (cols, 3) patient points the columns are centred on
    length_mm: float


def resample_curve(points: np.ndarray, spacing: float) -> np.ndarray:
    """A smooth curve (Kochanek spline, as VTK's spline filter) through ``points``, every
    ``spacing`` mm of arc length."""
    poly = polyline(np.asarray(points, float).tolist())
    sf = vtkSplineFilter()
    sf.SetInputData(poly)
    sf.SetSubdivideToLength()
    sf.SetLength(spacing)
    sf.Update()
    return numpy_support.vtk_to_numpy(sf.GetOutput().GetPoints().GetData()).astype(float)


def straighten(
    volume: Volume,
    points: np.ndarray | list[tuple[float, float, float]],
    up: np.ndarray | tuple[float, float, float],
    width_mm: float = 60.0,
    spacing: float | None = None,
    source: tuple[vtkImageData, Any] | None = None,
) -> Straightened:
    pts = np.asarray(points, float)
    if len(pts) < 2:
        raise ValueError(translate("Curved", "a curved reformation needs at least two points"))
    sp = float(spacing or min(volume.spacing))
    curve = resample_curve(pts, sp)
    if len(curve) < 2:
        raise ValueError(translate("Curved", "the curve is shorter than one sample"))
    tangents = np.gradient(curve, axis=0)
    tangents /= np.maximum(np.linalg.norm(tangents, axis=1, keepdims=True), 1e-12)
    u = np.asarray(up, float)
    lateral = u[None, :] - (tangents @ u)[:, None] * tangents
    norms = np.linalg.norm(lateral, axis=1, keepdims=True)
    if np.any(norms < 1e-6):
        why = QT_TRANSLATE_NOOP(
            "Curved", "the curve runs along the viewing direction somewhere; draw it in-plane"
        )
        raise ValueError(translate("Curved", why))
    lateral /= norms
    half = round(width_mm / 2 / sp)
    offsets = np.arange(half, -half - 1, -1) * sp  # row 0 towards ``up``
    grid = curve[None, :, :] + offsets[:, None, None] * lateral[None, :, :]  # (rows, cols, 3)
    # patient → volume-space mm of the shared image
    inv = np.linalg.inv(volume.direction)
    vs = (grid.reshape(-1, 3) - volume.origin) @ inv.T
    data, keep = source or share_volume(volume)
    probe_pts = vtkPoints()
    probe_pts.SetData(numpy_support.numpy_to_vtk(np.ascontiguousarray(vs), deep=True))
    probe_poly = vtkPolyData()
    probe_poly.SetPoints(probe_pts)
    probe = vtkProbeFilter()
    probe.SetInputData(probe_poly)
    probe.SetSourceData(data)
    probe.Update()
    out = probe.GetOutput().GetPointData()
    values = numpy_support.vtk_to_numpy(out.GetScalars()).astype(np.float32)
    valid = numpy_support.vtk_to_numpy(out.GetArray(probe.GetValidPointMaskArrayName()))
    values[valid == 0] = float(volume.array.min())
    del keep
    seg = np.linalg.norm(np.diff(curve, axis=0), axis=1).sum()
    return Straightened(values.reshape(grid.shape[:2]), sp, curve, float(seg))
