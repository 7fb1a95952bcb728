"""Regularize an irregular stack (gantry tilt, gaps, non-uniform spacing) onto an orthogonal grid.

The output grid keeps the first slice's position, the in-plane axes and the pixel spacing; its
slices are perpendicular to the image plane at the typical spacing. Every output value is a linear
interpolation of the two source slices that bracket it along the normal, each sampled at the point
where the normal through the output voxel crosses it. Untilted slices at the right distance are
copied unchanged, so no value changes where no resampling is needed.
"""

from __future__ import annotations

import math

import numpy as np

from viewer.dicom.geometry import StackPlan


def _sample_shifted(img: np.ndarray, du: float, dv: float, fill: float) -> np.ndarray:
    """``out[j, i] = img[j + dv, i + du]`` with bilinear interpolation, ``fill`` outside."""
    if abs(du) < 1e-9 and abs(dv) < 1e-9:
        return img.astype(np.float64)
    h, w = img.shape
    out = np.full((h, w), fill, dtype=np.float64)
    iu, fu = math.floor(du), du - math.floor(du)
    iv, fv = math.floor(dv), dv - math.floor(dv)
    src = img.astype(np.float64)
    # four neighbours: (iv, iu), (iv, iu+1), (iv+1, iu), (iv+1, iu+1)
    acc = np.zeros((h, w), dtype=np.float64)
    valid = np.ones((h, w), dtype=bool)
    for dj, di, wt in (
        (0, 0, (1 - fv) * (1 - fu)),
        (0, 1, (1 - fv) * fu),
        (1, 0, fv * (1 - fu)),
        (1, 1, fv * fu),
    ):
        if wt == 0:
            continue
        sj, si = iv + dj, iu + di
        shifted = np.full((h, w), np.nan)
        ys = slice(max(0, -sj), min(h, h - sj))
        xs = slice(max(0, -si), min(w, w - si))
        yt = slice(max(0, sj), min(h, h + sj))
        xt = slice(max(0, si), min(w, w + si))
        if ys.start < ys.stop and xs.start < xs.stop:
            shifted[ys, xs] = src[yt, xt]
        valid &= ~np.isnan(shifted)
        acc += wt * np.nan_to_num(shifted)
    out[valid] = acc[valid]
    return out


def slice_weights(plan: StackPlan) -> list[tuple[int, int, float]]:
    """For each slice of the regular grid, ``(a, b, w)``: it lies ``w`` of the way from source
    slice ``a`` to source slice ``b`` along the normal (``w == 0``: exactly on ``a``)."""
    d = plan.distances
    spacing = plan.spacing
    n_out = round((d[-1] - d[0]) / spacing) + 1
    out: list[tuple[int, int, float]] = []
    for k in range(n_out):
        dk = d[0] + k * spacing
        s = int(np.searchsorted(d, dk + 1e-6) - 1)
        s = min(max(s, 0), len(d) - 1)
        w = 0.0 if s == len(d) - 1 else float((dk - d[s]) / (d[s + 1] - d[s]))
        if w < 1e-6:
            w = 0.0
        elif w > 1 - 1e-6:
            s, w = s + 1, 0.0
        out.append((s, min(s + 1, len(d) - 1), w))
    return out


def regularize(
    arr: np.ndarray, plan: StackPlan, pixel_spacing: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Resample ``arr`` (slices in ``plan`` order) onto an orthogonal, uniform grid.

    Returns the new array and the LPS origin of its voxel (0, 0, 0).
    """
    row_sp, col_sp = pixel_spacing
    weights = slice_weights(plan)
    origin = plan.positions[0].copy()
    fill = float(arr.min())
    out = np.empty((len(weights), *arr.shape[1:]), dtype=arr.dtype)
    is_int = arr.dtype.kind in "iu"
    for k, (s, s1, w) in enumerate(weights):
        target = origin + k * plan.spacing * plan.normal

        def sample(idx: int, target: np.ndarray = target) -> np.ndarray:
            off = target - plan.positions[idx]
            du = float(off @ plan.row_dir) / col_sp
            dv = float(off @ plan.col_dir) / row_sp
            return _sample_shifted(arr[idx], du, dv, fill)

        val = sample(s) if w == 0.0 else (1 - w) * sample(s) + w * sample(s1)
        if is_int:
            np.rint(val, out=val)
        out[k] = (
            val.astype(arr.dtype)
            if not is_int
            else np.clip(val, np.iinfo(arr.dtype).min, np.iinfo(arr.dtype).max).astype(arr.dtype)
        )
    return out, origin
