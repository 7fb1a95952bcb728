"""Frames at one position split into volumes along their dimension.

A multi-echo MR, a diffusion series (b-values × directions), a dynamic series (temporal
positions, trigger times) or an enhanced multi-frame object with a Dimension Index holds several
frames at each slice position. They are not duplicates: :func:`split_by_dimension` groups them
into one frame list per echo / b-value and direction / phase / dimension index, each with a
label a reader understands ("Echo 2 (TE 30 ms)", "b = 1000 s/mm²", "Phase 3 (t = 12.0 s)").
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from viewer.dicom.geometry import SAME_POSITION_MM, normal_of
from viewer.dicom.i18n import translate
from viewer.dicom.model import FrameRef, InstanceInfo, SeriesInfo
from viewer.dicom.values import float_of

#: Dimension Index Pointers that say *where* a frame is, not which volume it belongs to.
_SPATIAL_POINTERS = {0x00200032, 0x00209057, 0x00209056, 0x00201041}


@dataclass(frozen=True, slots=True)
class FrameDims:
    """What distinguishes one frame from others at the same position (None = not given)."""

    echo_number: int | None = None
    echo_time: float | None = None  # ms
    b_value: float | None = None  # s/mm²
    direction: tuple[float, float, float] | None = None
    temporal: int | None = None
    trigger_ms: float | None = None
    dim_index: tuple[int, ...] | None = None  # enhanced: non-spatial Dimension Index Values
    dim_labels: tuple[str, ...] = ()
    acquisition: int | None = None


@dataclass(slots=True)
class DimensionGroup:
    """The frames of one sub-volume and its label."""

    label: str
    frames: list[FrameRef]


def _int(ds: Dataset, kw: str) -> int | None:
    f = float_of(ds, kw)
    return None if f is None else round(f)


def _direction(ds: Dataset) -> tuple[float, float, float] | None:
    v = ds.get("DiffusionGradientOrientation")
    if v is None or len(v) != 3:
        return None
    try:
        t = tuple(round(float(x), 3) + 0.0 for x in v)
    except (TypeError, ValueError):
        return None
    return (t[0], t[1], t[2])


def _item(ds: Dataset, kw: str) -> Dataset | None:
    seq = ds.get(kw)
    return seq[0] if seq else None


def _classic(ds: Dataset) -> FrameDims:
    return FrameDims(
        echo_number=_int(ds, "EchoNumbers"),
        echo_time=float_of(ds, "EchoTime"),
        b_value=float_of(ds, "DiffusionBValue"),
        direction=_direction(ds),
        temporal=_int(ds, "TemporalPositionIdentifier"),
        trigger_ms=float_of(ds, "TriggerTime"),
        acquisition=_int(ds, "AcquisitionNumber"),
    )


def _group_value(groups: list[Dataset], seq: str, kw: str, getter: Callable[..., Any]) -> Any:
    for g in groups:
        item = _item(g, seq)
        if item is not None:
            v = getter(item, kw)
            if v is not None:
                return v
    return None


def _frame_time_ms(groups: list[Dataset]) -> float | None:
    """A frame's time: Temporal Position Time Offset (s), else the cardiac trigger delay (ms)."""
    offset = _group_value(
        groups, "TemporalPositionSequence", "TemporalPositionTimeOffset", float_of
    )
    if offset is not None:
        return float(offset) * 1000.0
    v = _group_value(
        groups, "CardiacSynchronizationSequence", "NominalCardiacTriggerDelayTime", float_of
    )
    return None if v is None else float(v)


def _enhanced(ds: Dataset, n: int) -> list[FrameDims]:
    shared = _item(ds, "SharedFunctionalGroupsSequence") or Dataset()
    per = list(ds.get("PerFrameFunctionalGroupsSequence") or [])[:n]
    pointers = [
        (int(it.get("DimensionIndexPointer", 0) or 0), str(it.get("DimensionDescriptionLabel", "")))
        for it in ds.get("DimensionIndexSequence") or []
    ]
    keep = [i for i, (p, _) in enumerate(pointers) if p not in _SPATIAL_POINTERS]
    labels = tuple(
        pointers[i][1] or pydicom.datadict.keyword_for_tag(pointers[i][0]) or "Index" for i in keep
    )
    out = []
    for item in per:
        groups = [item, shared]
        fc = _item(item, "FrameContentSequence") or Dataset()
        div = fc.get("DimensionIndexValues")
        values = list(div) if isinstance(div, Sequence) else ([div] if div is not None else [])
        dim = tuple(int(values[i]) for i in keep if i < len(values)) if values else None
        direction = None
        diff = _item(item, "MRDiffusionSequence") or _item(shared, "MRDiffusionSequence")
        if diff is not None:
            dg = _item(diff, "DiffusionGradientDirectionSequence")
            direction = _direction(dg) if dg is not None else None
        out.append(
            FrameDims(
                echo_time=_group_value(groups, "MREchoSequence", "EffectiveEchoTime", float_of),
                b_value=_group_value(groups, "MRDiffusionSequence", "DiffusionBValue", float_of),
                direction=direction,
                temporal=_int(fc, "TemporalPositionIndex"),
                trigger_ms=_frame_time_ms(groups),
                dim_index=dim or None,
                dim_labels=labels,
            )
        )
    return out


def _header(inst: InstanceInfo) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with inst.ref.open() as f:
            return pydicom.dcmread(f, stop_before_pixels=True, force=True)


def frame_dimensions(frames: list[FrameRef]) -> list[FrameDims]:
    """The dimension values of each frame (headers are read again, once per object)."""
    cache: dict[int, list[FrameDims]] = {}
    out = []
    for fr in frames:
        inst = fr.instance
        dims = cache.get(id(inst))
        if dims is None:
            try:
                ds = _header(inst)
            except Exception:
                dims = [FrameDims()] * inst.number_of_frames
            else:
                if ds.get("PerFrameFunctionalGroupsSequence"):
                    dims = _enhanced(ds, inst.number_of_frames)
                else:
                    dims = [_classic(ds)] * inst.number_of_frames
            cache[id(inst)] = dims
        out.append(dims[fr.index] if fr.index < len(dims) else FrameDims())
    return out


def has_repeated_positions(frames: list[FrameRef]) -> bool:
    placed = [f for f in frames if f.geometry.position is not None]
    if len(placed) < 2 or placed[0].geometry.orientation is None:
        return False
    n = normal_of(placed[0].geometry.orientation)
    d = np.sort(np.array([f.geometry.position for f in placed], dtype=float) @ n)
    return bool(np.any(np.diff(d) < SAME_POSITION_MM))


def _fmt(v: float) -> str:
    return f"{v:g}"


def _label(key: dict[str, Any], d: FrameDims) -> str:
    parts = []
    if "echo_number" in key or "echo_time" in key:
        te = (
            translate("Volumes", "TE {0} ms").format(_fmt(d.echo_time))
            if d.echo_time is not None
            else ""
        )
        if d.echo_number is not None:
            parts.append(
                translate("Volumes", "Echo {0}").format(d.echo_number) + (f" ({te})" if te else "")
            )
        elif te:
            parts.append(te)
    if "b_value" in key and d.b_value is not None:
        parts.append(translate("Volumes", "b = {0} s/mm²").format(_fmt(d.b_value)))
    if "direction" in key and d.direction is not None:
        parts.append("({:.2f}, {:.2f}, {:.2f})".format(*d.direction))
    if "temporal" in key or "trigger_ms" in key:
        t = (
            translate("Volumes", "t = {0} s").format(f"{d.trigger_ms / 1000:.1f}")
            if d.trigger_ms is not None
            else ""
        )
        if d.temporal is not None:
            parts.append(
                translate("Volumes", "Phase {0}").format(d.temporal) + (f" ({t})" if t else "")
            )
        elif t:
            parts.append(t)
    if "dim_index" in key and d.dim_index is not None:
        names = d.dim_labels or (translate("Volumes", "Index"),) * len(d.dim_index)
        parts.append(", ".join(f"{n} {v}" for n, v in zip(names, d.dim_index, strict=False)))
    if "acquisition" in key and d.acquisition is not None:
        parts.append(translate("Volumes", "Acquisition {0}").format(d.acquisition))
    return " ".join(parts) or translate("Volumes", "Volume")


_CANDIDATES: tuple[tuple[str, ...], ...] = (
    ("echo_number", "echo_time", "b_value", "direction", "temporal"),
    ("echo_number", "echo_time", "b_value", "direction", "temporal", "trigger_ms"),
    ("dim_index",),
    ("acquisition",),
)


def _sort_key(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((0, ()) if v is None else (1, v if isinstance(v, tuple) else (v,)) for v in values)


def split_by_dimension(series: SeriesInfo) -> list[DimensionGroup] | None:
    """The series' frames as several volumes, or None when no frame shares its position with
    another of a different echo, b-value, direction, phase or dimension index."""
    frames = series.frames
    if not has_repeated_positions(frames):
        return None
    dims = frame_dimensions(frames)
    n = normal_of(frames[0].geometry.orientation)  # type: ignore[arg-type]
    dist = np.array([f.geometry.position for f in frames], dtype=float) @ n
    for names in _CANDIDATES:
        varying = [name for name in names if len({getattr(d, name) for d in dims}) > 1]
        if not varying:
            continue
        buckets: dict[tuple[Any, ...], list[int]] = {}
        for i, d in enumerate(dims):
            buckets.setdefault(tuple(getattr(d, v) for v in varying), []).append(i)
        if len(buckets) < 2 or len(buckets) * 3 > len(frames):
            continue  # one group, or groups too small to be volumes (a per-slice value)
        clean = all(
            not np.any(np.diff(np.sort(dist[idx])) < SAME_POSITION_MM) for idx in buckets.values()
        )
        if not clean:
            continue
        # directions keep the order they were acquired in; numbers sort by value
        order = sorted(
            range(len(frames)),
            key=lambda i: (frames[i].instance.instance_number or 0, frames[i].index),
        )
        seen: dict[Any, int] = {}
        for i in order:
            seen.setdefault(dims[i].direction, len(seen))

        def rank(
            key: tuple[Any, ...], varying: list[str] = varying, seen: dict[Any, int] = seen
        ) -> tuple[Any, ...]:
            return _sort_key(
                tuple(seen[v] if n == "direction" else v for n, v in zip(varying, key, strict=True))
            )

        out = []
        for key in sorted(buckets, key=rank):
            idx = buckets[key]
            out.append(
                DimensionGroup(
                    _label(dict.fromkeys(varying), dims[idx[0]]), [frames[i] for i in idx]
                )
            )
        return out
    return None
