"""Turn a scanned series into pixels: a geometric :class:`Volume` or a plain :class:`ImageStack`.

* Frames are decoded in parallel straight into one preallocated array (peak memory ≈ the volume).
* Rescale Slope/Intercept is applied exactly: integer rescales keep an integer dtype
  (int16 for CT HU), anything else becomes float32.
* Frames that fail to decode are reported with their file and reason; the rest still loads.
* The middle slice can be decoded first (``first=``) so a viewer shows an image at once.

The types live in :mod:`viewer.dicom.images`, the parallel decoding in :mod:`viewer.dicom.decode`,
2D stacks in :mod:`viewer.dicom.stack`; this module picks which and builds the volume (names
re-exported here for callers).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from viewer.dicom.codecs import DecodeError, check_series_budget, storage_dtype
from viewer.dicom.decode import (
    decode_frames_into,
    default_workers,
    drop_failed,
    output_dtype,
    progress_counter,
    rescale_into,
)
from viewer.dicom.geometry import StackPlan, plan_stack
from viewer.dicom.i18n import translate
from viewer.dicom.images import ImageStack, LoadError, ProgressFn, Volume, is_volumetric
from viewer.dicom.model import FrameRef, Problem, SeriesInfo
from viewer.dicom.quantity import attach_suv

__all__ = [
    "ImageStack",
    "LoadError",
    "ProgressFn",
    "Volume",
    "decode_frames_into",
    "default_workers",
    "load_series",
    "output_dtype",
    "rescale_into",
    "volume_plan",
]


def load_series(
    series: SeriesInfo,
    *,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    on_first: Callable[[np.ndarray, int], None] | None = None,
) -> Volume | ImageStack:
    """Decode a series: a :class:`Volume` when it has 3D geometry, else an :class:`ImageStack`.

    ``on_first(slice_array, k)`` is called as soon as the middle slice is decoded.
    """
    if not series.frames:
        raise LoadError(translate("Volumes", "series has no images"), [])
    try:
        check_series_budget(series.frames)  # refused before any allocation
    except DecodeError as exc:
        raise LoadError(str(exc), [Problem(str(series.frames[0]), str(exc))]) from None
    multi = _load_split(series, workers=workers, progress=progress, on_first=on_first)
    if multi is not None:
        return multi
    plan = volume_plan(series)
    if plan is not None:
        return _load_volume(series, plan, workers=workers, progress=progress, on_first=on_first)
    from viewer.dicom.stack import load_stack

    return load_stack(series, workers=workers, progress=progress, on_first=on_first)


def _load_split(
    series: SeriesInfo,
    *,
    workers: int | None,
    progress: ProgressFn | None,
    on_first: Callable[[np.ndarray, int], None] | None,
) -> Volume | None:
    """Frames at one position split by echo / b-value / phase / dimension index: the first
    sub-volume, its siblings in ``subvolumes`` (None when the series is not such a series)."""
    from dataclasses import replace

    from viewer.dicom.dimensions import split_by_dimension

    if not is_volumetric(series):
        return None
    groups = split_by_dimension(series)
    if not groups:
        return None
    parts = [(g, replace(series, frames=g.frames, notes=list(series.notes))) for g in groups]
    planned = [(g, sub, volume_plan(sub)) for g, sub in parts]
    usable = [(g, sub, plan) for g, sub, plan in planned if plan is not None]
    if not usable:
        return None
    total = sum(len(p.frames) for _, _, p in usable)
    vols: list[Volume] = []
    for n, (g, sub, plan) in enumerate(usable):
        done = sum(len(p.frames) for _, _, p in usable[:n])
        tick = None if progress is None else (lambda c, _t, d=done: progress(d + c, total))
        vol = _load_volume(
            sub, plan, workers=workers, progress=tick, on_first=on_first if n == 0 else None
        )
        vol.label = g.label
        names = ", ".join(x.label for x, _, _ in usable[:3]) + (", …" if len(usable) > 3 else "")
        text = translate("Volumes", "{0} volumes at the same positions ({1}); this is {2}")
        vol.warnings.insert(0, text.format(len(usable), names, g.label))
        if len(usable) < len(groups):
            text = translate("Volumes", "{0} group(s) too small for a volume")
            vol.warnings.append(text.format(len(groups) - len(usable)))
        vols.append(vol)
    for v in vols:
        v.subvolumes = vols
    return vols[0]


#: A stack whose regular grid would need more than this many times its real slices is shown as
#: 2D images, not a volume (interpolating across large holes would invent anatomy).
MAX_FILL_FACTOR = 1.5


def volume_plan(series: SeriesInfo) -> StackPlan | None:
    """The slice plan when the series makes a 3D volume (≥ 3 parallel, placed, grey frames)."""
    if not is_volumetric(series):
        return None
    plan = plan_stack(series.frames)
    if len(plan.frames) < 3:
        return None
    n_grid = (plan.distances[-1] - plan.distances[0]) / plan.spacing + 1
    if plan.spacing <= 0 or n_grid > MAX_FILL_FACTOR * len(plan.frames):
        return None
    return plan


def _integer_rescale(frames: list[FrameRef]) -> tuple[int, int] | None:
    """The one integer (slope, intercept) all frames share, if they share one."""
    pairs = {(fr.geometry.rescale_slope, fr.geometry.rescale_intercept) for fr in frames}
    if len(pairs) != 1:
        return None
    slope, intercept = pairs.pop()
    if float(slope).is_integer() and float(intercept).is_integer() and slope != 0:
        return int(slope), int(intercept)
    return None


def _apply_integer_rescale(arr: np.ndarray, slope: int, intercept: int) -> np.ndarray:
    """Rescale stored integers exactly, in place when the result fits the same item size.

    The output dtype is chosen from the values actually present, so a CT stored as 16-bit with
    intercept -1024 stays a 16-bit int16 volume of HU without a second copy in memory.
    """
    if slope == 1 and intercept == 0:
        return arr
    raw_lo, raw_hi = int(arr.min()), int(arr.max())
    a, b = raw_lo * slope + intercept, raw_hi * slope + intercept
    lo, hi = min(a, b), max(a, b)
    target = None
    for dt in (np.int16, np.uint16, np.int32, np.int64):
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            target, limits = np.dtype(dt), (int(info.min), int(info.max))
            break
    assert target is not None
    if target.itemsize == arr.dtype.itemsize:
        out = arr.view(target)
        if slope == 1 and limits[0] <= raw_lo and raw_hi <= limits[1]:
            # the stored values read the same in the target type, and so do the results (the
            # range was checked above): one in-place pass, no wide temporary
            np.add(out, target.type(intercept), out=out)
            return out
    else:
        out = np.empty(arr.shape, dtype=target)
    for k in range(arr.shape[0]):
        tmp = arr[k].astype(np.int64)
        if slope != 1:
            tmp *= slope
        tmp += intercept
        out[k] = tmp
    return out


def _load_volume(
    series: SeriesInfo,
    plan: StackPlan,
    *,
    workers: int | None,
    progress: ProgressFn | None,
    on_first: Callable[[np.ndarray, int], None] | None,
) -> Volume:
    frames = plan.frames
    px = frames[0].instance.pixel
    assert px is not None
    int_rescale = _integer_rescale(frames)
    # integer rescale: decode stored values, rescale in place after; else rescale while decoding
    dtype = storage_dtype(px) if int_rescale is not None else output_dtype(frames)
    arr = np.empty((len(frames), px.rows, px.columns), dtype=dtype)
    mid = len(frames) // 2
    tick = progress_counter(len(frames), progress)
    first_sent = False

    def on_frame(n: int) -> None:
        nonlocal first_sent
        if n == mid and on_first is not None and not first_sent:
            first_sent = True
            g = frames[mid].geometry
            view = arr[mid]
            if int_rescale is not None:
                view = view * g.rescale_slope + g.rescale_intercept
            on_first(view, mid)
        if tick is not None:
            tick(n)

    failures = decode_frames_into(
        arr, frames, workers=workers, first=mid, on_frame=on_frame, rescale=int_rescale is None
    )
    problems, keep = drop_failed(failures, len(frames))
    if keep is not None:
        arr = arr[keep]
        plan = plan_stack([frames[n] for n in keep])
    if int_rescale is not None:
        arr = _apply_integer_rescale(arr, *int_rescale)
    vol = _volume_from_plan(arr, plan, series)
    vol.problems = problems
    if problems:
        why = translate("Volumes", "{0} image(s) could not be decoded and were left out")
        vol.warnings.insert(0, why.format(len(problems)))
    return vol


def _volume_from_plan(arr: np.ndarray, plan: StackPlan, series: SeriesInfo) -> Volume:
    g0 = plan.frames[0].geometry
    assert g0.pixel_spacing is not None
    row_sp, col_sp = g0.pixel_spacing
    inst0 = plan.frames[0].instance
    window = None
    if inst0.window_center is not None and inst0.window_width is not None:
        window = (inst0.window_center, inst0.window_width)
    direction = np.column_stack([plan.row_dir, plan.col_dir, plan.normal])
    vol = Volume(
        array=arr,
        origin=plan.positions[0].copy(),
        spacing=(float(col_sp), float(row_sp), float(plan.spacing)),
        direction=direction,
        modality=series.modality,
        series_uid=series.series_uid,
        frame_of_reference_uid=series.frame_of_reference_uid,
        window=window,
        slice_sources=list(plan.frames),
        warnings=list(series.notes) + list(plan.warnings),
    )
    thick = [f.geometry.slice_thickness for f in plan.frames if f.geometry.slice_thickness]
    vol.slice_thickness = float(np.median(thick)) if thick else float(plan.spacing)
    weights = None
    if plan.tilted or not plan.uniform:
        from viewer.dicom.resample import regularize, slice_weights

        vol.array, vol.origin = regularize(arr, plan, (row_sp, col_sp))
        vol.resampled = True
        weights = slice_weights(plan)
    attach_suv(vol, weights)
    return vol


def permute_slices(arr: np.ndarray, order: list[int]) -> None:
    """``arr[k] = old arr[order[k]]`` for every k, in place (one slice of extra memory)."""
    n = len(order)
    seen = [False] * n
    tmp = np.empty(arr.shape[1:], arr.dtype)
    for start in range(n):
        if seen[start] or order[start] == start:
            seen[start] = True
            continue
        tmp[...] = arr[start]
        k = start
        while True:
            seen[k] = True
            src = order[k]
            if src == start:
                arr[k] = tmp
                break
            arr[k] = arr[src]
            k = src


def rescale_as_assembled(frames: list[FrameRef], floated: bool) -> bool:
    """Whether images decoded as stored (an integer rescale pending) or, ``floated``, rescaled
    into float32 as they were decoded, get the modality values ``load_series`` gives (not so,
    e.g., for a rescale integral for some images only)."""
    if floated:
        return _integer_rescale(frames) is None and output_dtype(frames) == np.float32
    return _integer_rescale(frames) is not None


def rescaled_as_assembled(
    arr: np.ndarray, frames: list[FrameRef], floated: bool
) -> np.ndarray | None:
    """Those images as modality values (None when :func:`rescale_as_assembled` says no)."""
    if not rescale_as_assembled(frames, floated):
        return None
    rescale = _integer_rescale(frames)
    return arr if rescale is None else _apply_integer_rescale(arr, *rescale)
