"""What a volume's numbers mean: their unit, and for PET the SUV scale display needs.

:class:`~viewer.dicom.images.SuvScale` (defined with the volume it belongs to) is what a
:class:`~viewer.dicom.images.Volume` of PET carries as ``suv``: one factor per slice for every
SUV kind the header supports, the kind shown, its unit, and — when SUV is refused — the reason,
so the viewer shows Bq/ml and says why. Qt-free.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from viewer.dicom.i18n import translate
from viewer.dicom.images import ImageStack, SuvScale, Volume
from viewer.dicom.model import FrameRef, InstanceInfo
from viewer.dicom.suv import (
    KIND_UNIT,
    SuvResult,
    suv_factors,
)

#: Modalities whose values may be SUV.
SUV_MODALITIES = ("PT",)


def _header(inst: InstanceInfo) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with inst.ref.open() as f:
            return pydicom.dcmread(f, stop_before_pixels=True, force=True)


def series_suv(instances: list[InstanceInfo]) -> SuvResult:
    """:func:`~viewer.dicom.suv.suv_factors` for scanned instances (headers re-read)."""
    try:
        datasets = [_header(i) for i in instances]
    except Exception as exc:  # unreadable now although the scan read it
        why = translate("SUV", "header could not be read again ({0})")
        return SuvResult("", None, why.format(type(exc).__name__))
    return suv_factors(datasets)


def scale_for_slices(
    result: SuvResult, sources: list[FrameRef], weights: list[tuple[int, int, float]] | None = None
) -> SuvScale:
    """Per-slice factors for slices taken from ``sources``.

    ``weights`` (for resampled volumes) gives each output slice as ``(a, b, w)``: the value is
    ``(1 − w)·source a + w·source b``, and its factor is interpolated the same way (exact where
    the factors of neighbouring sources agree, as they do unless Decay Correction is NONE).
    """
    scale = SuvScale(
        units=result.units,
        raw_unit=result.raw_unit,
        reason=result.reason,
        kind_reasons=dict(result.kind_reasons),
        notes=list(result.notes),
    )
    if result.factors is None:
        return scale
    for kind in result.factors:
        got = [result.factor(kind, fr.instance.sop_instance_uid, fr.index) for fr in sources]
        per_src = np.array([np.nan if f is None else f for f in got], dtype=float)
        if np.isnan(per_src).any():
            scale.kind_reasons[kind] = translate("SUV", "an image of the volume has no SUV factor")
            continue
        if weights is not None:
            per_src = np.array([(1 - w) * per_src[a] + w * per_src[b] for a, b, w in weights])
        scale.factors[kind] = per_src
    if "bw" not in scale.factors:
        scale.factors.clear()
        scale.reason = scale.kind_reasons.get("bw", result.reason)
    return scale


def suv_scale(
    modality: str,
    sources: list[FrameRef],
    warnings_out: list[str],
    weights: list[tuple[int, int, float]] | None = None,
) -> SuvScale | None:
    """The :class:`SuvScale` of slices/frames from ``sources`` (None unless PET); when SUV is
    refused, a warning saying why goes to ``warnings_out``."""
    if modality not in SUV_MODALITIES or not sources:
        return None
    seen: dict[int, InstanceInfo] = {}
    for fr in sources:
        seen.setdefault(id(fr.instance), fr.instance)
    scale = scale_for_slices(series_suv(list(seen.values())), sources, weights)
    if not scale.available:
        shown = scale.raw_unit or translate("Volumes", "stored units")
        text = translate("Volumes", "values shown in {0}, not SUV: {1}")
        warnings_out.append(text.format(shown, scale.reason))
    return scale


def attach_suv(vol: Volume, weights: list[tuple[int, int, float]] | None = None) -> None:
    """Give a PET volume its :class:`SuvScale` (``vol.suv``); other modalities are untouched."""
    vol.suv = suv_scale(vol.modality, vol.slice_sources, vol.warnings, weights)


def display_label(vol: Volume | ImageStack) -> str:
    """What the numbers of ``vol`` are, as shown after a value: ``SUVbw``, ``Bq/ml``, ``HU``…"""
    if vol.suv is not None:
        return vol.suv.label
    return "HU" if vol.modality == "CT" else ""


def display_unit(vol: Volume | ImageStack) -> str:
    """The physical unit of the shown values: ``g/ml`` for SUVbw, ``Bq/ml``, ``HU``, or ``""``."""
    if vol.suv is not None:
        return vol.suv.unit
    return "HU" if vol.modality == "CT" else ""


def region_suv(vol: Volume, mask: np.ndarray, kind: str | None = None) -> SuvStats:
    """SUVmax, SUVmean and SUVpeak (1 cm³ sphere) of a 3D region of a PET volume."""
    if vol.suv is None or not vol.suv.available:
        reason = (
            vol.suv.reason
            if vol.suv is not None
            else translate("SUV", "{0} is not PET").format(vol.modality)
        )
        raise ValueError(translate("SUV", "no SUV for this volume: {0}").format(reason))
    k = kind or vol.suv.kind
    return suv_stats(vol.array, vol.suv.slice_factors(k), mask, vol.affine, k)


# --------------------------------------------------------------------------- statistics

#: Sphere volume for SUVpeak (ml); its radius in mm.
PEAK_VOLUME_ML = 1.0
PEAK_RADIUS_MM = (3 * PEAK_VOLUME_ML * 1000 / (4 * math.pi)) ** (1 / 3)
#: At most this many tied hottest voxels are tried as SUVpeak centres (the first, k-j-i order).
MAX_PEAK_CANDIDATES = 10000


@dataclass(frozen=True, slots=True)
class SuvStats:
    """SUVmax, SUVmean and SUVpeak of a region, in ``unit``; ``peak_center`` in LPS mm."""

    kind: str
    unit: str
    max: float
    mean: float
    peak: float
    voxels: int
    peak_center: tuple[float, float, float]


def suv_stats(
    values: np.ndarray,
    slice_factors: np.ndarray,
    mask: np.ndarray,
    affine: np.ndarray,
    kind: str = "bw",
) -> SuvStats:
    """Statistics of a 3D region (``mask`` shaped like ``values``, ``[k, j, i]``).

    SUVpeak is IBSI's local intensity peak: the mean of every voxel whose centre lies within
    the 1 cm³ sphere (radius 6.2 mm, patient mm) around the hottest voxel of the region,
    inside or outside the region; with several hottest voxels, the highest of their means
    (of the first :data:`MAX_PEAK_CANDIDATES`).
    """
    if mask.shape != values.shape:
        raise ValueError("mask and volume differ in shape")
    if not mask.any():
        raise ValueError(translate("SUV", "the region is empty"))
    f = np.asarray(slice_factors, dtype=np.float64).reshape(-1, 1, 1)
    region = values[mask].astype(np.float64) * np.broadcast_to(f, values.shape)[mask]
    top = float(region.max())
    hot = np.stack([w[region == top] for w in np.nonzero(mask)], axis=1)  # [n, (k, j, i)]
    hot = hot[:MAX_PEAK_CANDIDATES]  # bounded time on a saturated region
    means = _sphere_means(values, f.ravel(), affine, hot)
    best = int(np.argmax(means))
    peak = float(means[best])
    kk, jj, ii = hot[best]
    centre = affine[:3, :3] @ np.array([ii, jj, kk], dtype=float) + affine[:3, 3]
    return SuvStats(
        kind=kind,
        unit=KIND_UNIT[kind],
        max=top,
        mean=float(region.mean()),
        peak=peak,
        voxels=int(region.size),
        peak_center=(float(centre[0]), float(centre[1]), float(centre[2])),
    )


def _sphere_means(
    values: np.ndarray, factors: np.ndarray, affine: np.ndarray, centres: np.ndarray
) -> np.ndarray:
    """Mean SUV of the voxels centred within PEAK_RADIUS_MM of each of ``centres`` (``[n, 3]``
    voxel indices k, j, i)."""
    m = affine[:3, :3]
    steps = np.linalg.norm(m, axis=0)
    ri, rj, rk = np.ceil(PEAK_RADIUS_MM / steps).astype(int)
    K, J, Ii = np.meshgrid(
        np.arange(-rk, rk + 1), np.arange(-rj, rj + 1), np.arange(-ri, ri + 1), indexing="ij"
    )
    offsets = np.stack([K.ravel(), J.ravel(), Ii.ravel()], axis=1)  # [o, (k, j, i)]
    mm = offsets[:, ::-1].astype(float) @ m.T  # the same for every centre: the grid is affine
    offsets = offsets[np.linalg.norm(mm, axis=1) <= PEAK_RADIUS_MM + 1e-9]
    total = np.zeros(len(centres))
    count = np.zeros(len(centres))
    for off in offsets:  # a few dozen to a few hundred offsets, each over every centre
        at = centres + off
        ok = np.all((at >= 0) & (at < values.shape), axis=1)
        k, j, i = at[ok].T
        total[ok] += values[k, j, i].astype(np.float64) * factors[k]
        count[ok] += 1
    return total / count
