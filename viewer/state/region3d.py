"""SUVmax, SUVpeak and SUVmean of a 3D region drawn in the MPR layout.

An ellipse ROI drawn on an MPR plane of a PET volume in SUV is taken as the ellipsoid it spans:
its two in-plane half-axes, and across the plane the smaller of them (a circle becomes a
sphere; a flat ellipse a lentil of its own thickness). The statistics are IBSI's
(:func:`viewer.dicom.quantity.region_suv`: SUVpeak the 1 cm³ sphere around the hottest voxel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from viewer.dicom.quantity import SuvStats, region_suv
from viewer.dicom.volume import Volume
from viewer.state.mpr import PlaneGrid, PlaneMeasurement


@dataclass(frozen=True, slots=True)
class Region3D:
    """A 3D region's statistics and its size."""

    stats: SuvStats
    label: str  # "SUVbw"
    volume_ml: float


def ellipsoid_mask(vol: Volume, grid: PlaneGrid, pm: PlaneMeasurement) -> np.ndarray:
    """The voxels (``[k, j, i]`` like ``vol.array``) whose centres lie in the ellipsoid of an
    ellipse drawn on a plane (half-axes a, b in the plane and min(a, b) across it)."""
    (u0, v0), (u1, v1) = pm.points_uv[:2]
    cu, cv = (u0 + u1) / 2, (v0 + v1) / 2
    a, b = abs(u1 - u0) / 2, abs(v1 - v0) / 2
    c = min(a, b)
    mask = np.zeros(vol.shape, dtype=bool)
    if min(a, b) <= 0:
        return mask
    centre = grid.uv_to_patient(cu, cv)
    eu = grid.uv_to_patient(cu + 1.0, cv) - centre
    ev = grid.uv_to_patient(cu, cv + 1.0) - centre
    eu, ev = eu / np.linalg.norm(eu), ev / np.linalg.norm(ev)
    en = np.cross(eu, ev)
    r = max(a, b, c)
    corners = [centre + np.array([x, y, z]) for x in (-r, r) for y in (-r, r) for z in (-r, r)]
    idx = np.array([vol.patient_to_index(p) for p in corners])  # (i, j, k)
    lo = np.maximum(np.floor(idx.min(axis=0)).astype(int), 0)
    hi = np.minimum(np.ceil(idx.max(axis=0)).astype(int), np.array(vol.shape[::-1]) - 1)
    if np.any(hi < lo):
        return mask
    ii, jj, kk = np.meshgrid(*[np.arange(lo[n], hi[n] + 1) for n in range(3)], indexing="ij")
    ijk = np.stack([ii.ravel(), jj.ravel(), kk.ravel()], axis=1).astype(float)
    aff = vol.affine
    d = ijk @ aff[:3, :3].T + aff[:3, 3] - centre
    inside = (d @ eu / a) ** 2 + (d @ ev / b) ** 2 + (d @ en / c) ** 2 <= 1.0
    sel = ijk[inside].astype(int)
    mask[sel[:, 2], sel[:, 1], sel[:, 0]] = True
    return mask


def ellipse_region(vol: Volume, grid: PlaneGrid, pm: PlaneMeasurement) -> Region3D:
    """SUV statistics of an MPR ellipse's ellipsoid (``ValueError`` when SUV is refused or the
    region holds no voxel centre)."""
    mask = ellipsoid_mask(vol, grid, pm)
    stats = region_suv(vol, mask)
    voxel_ml = float(np.prod(vol.spacing)) / 1000.0
    label = vol.suv.label if vol.suv is not None else "SUV"
    return Region3D(stats, label, stats.voxels * voxel_ml)


def describe(r: Region3D, template: str) -> str:
    """``template`` names label, max, peak, mean, unit and ml (a translated sentence)."""
    s = r.stats
    return template.format(
        label=r.label, max=_fmt(s.max), peak=_fmt(s.peak), mean=_fmt(s.mean), unit=s.unit,
        ml=_fmt(r.volume_ml),
    )  # fmt: skip


def _fmt(v: float) -> str:
    return f"{v:.2f}" if math.isfinite(v) else "—"
