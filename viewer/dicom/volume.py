"""Turn a scanned series into pixels: a geometric :class:`Volume` or a plain :class:`ImageStack`.

* Frames are decoded in parallel straight into one preallocated array (peak memory ≈ the volume).
* Rescale Slope/Intercept is applied exactly: integer rescales keep an integer dtype
  (int16 for CT HU), anything else becomes float32.
* Frames that fail to decode are reported with their file and reason; the rest still loads.
* The middle slice can be decoded first (``first=``) so a viewer shows an image at once.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from viewer.dicom.codecs import DecodeError, FrameReader, check_series_budget, storage_dtype
from viewer.dicom.direct import read_native_into
from viewer.dicom.geometry import StackPlan, affine, plan_stack
from viewer.dicom.i18n import translate
from viewer.dicom.model import FrameRef, InstanceInfo, Problem, SeriesInfo
from viewer.dicom.quantity import SuvScale, attach_suv

ProgressFn = Callable[[int, int], None]


@dataclass(slots=True)
class Volume:
    """A 3D image in patient space. ``array[k, j, i]`` holds modality values (HU for CT)."""

    array: np.ndarray
    origin: np.ndarray  # LPS of voxel (0, 0, 0)
    spacing: tuple[float, float, float]  # (Δi=between columns, Δj=between rows, Δk=slices), mm
    direction: np.ndarray  # 3×3, columns = unit vectors of i, j, k in LPS
    modality: str = ""
    series_uid: str = ""
    frame_of_reference_uid: str = ""
    window: tuple[float, float] | None = None  # (center, width) from the file
    slice_sources: list[FrameRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    resampled: bool = False
    #: the acquired slice thickness (mm), kept when the volume is resampled onto another grid
    slice_thickness: float | None = None
    #: PET: the SUV scale per slice and units (see :mod:`viewer.dicom.quantity`)
    suv: SuvScale | None = None
    #: which sub-volume this is ("Echo 2 (TE 30 ms)"); empty for a series with one volume
    label: str = ""
    #: every sub-volume of the series in order (this one included), or empty: see
    #: :mod:`viewer.dicom.dimensions`
    subvolumes: list[Volume] = field(default_factory=list)
    #: 0 at full resolution; n > 0: a preview at 1/2**n of the pixels each way in-plane (a
    #: JPEG 2000 reduced level, :mod:`viewer.dicom.progressive`), replaced once refined
    reduced_level: int = 0

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.array.shape

    def sibling(self, step: int) -> Volume:
        """The sub-volume ``step`` places after this one, wrapping (itself if there are none)."""
        if not self.subvolumes:
            return self
        i = next(n for n, v in enumerate(self.subvolumes) if v is self)
        return self.subvolumes[(i + step) % len(self.subvolumes)]

    @property
    def reconstructed(self) -> bool:
        """Resampled onto a grid the scanner did not acquire (tilt, gaps, uneven spacing)."""
        return self.resampled

    @property
    def affine(self) -> np.ndarray:
        d = self.direction
        return affine(
            self.origin,
            d[:, 0],
            d[:, 1],
            d[:, 2] * self.spacing[2],
            self.spacing[0],
            self.spacing[1],
        )

    def index_to_patient(self, ijk: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        p = np.asarray(ijk, dtype=float)
        a = self.affine
        return p @ a[:3, :3].T + a[:3, 3]

    def patient_to_index(self, xyz: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        p = np.asarray(xyz, dtype=float)
        a = self.affine
        return (p - a[:3, 3]) @ np.linalg.inv(a[:3, :3]).T

    def value_at(self, xyz: tuple[float, float, float]) -> float:
        """Nearest-voxel value at a patient coordinate (mm, LPS)."""
        i, j, k = np.rint(self.patient_to_index(xyz)).astype(int)
        return float(self.array[k, j, i])


@dataclass(slots=True)
class ImageStack:
    """Frames without usable 3D geometry (radiographs, ultrasound cine, secondary captures)."""

    frames: np.ndarray  # (n, rows, cols) or (n, rows, cols, 3) for colour
    pixel_spacing: tuple[float, float] | None
    modality: str = ""
    series_uid: str = ""
    window: tuple[float, float] | None = None
    is_color: bool = False
    sources: list[FrameRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: PET: SUV factor per frame (see :mod:`viewer.dicom.quantity`)
    suv: SuvScale | None = None


class LoadError(RuntimeError):
    """No image of the series could be loaded; ``problems`` lists why for each file."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def _is_volumetric(series: SeriesInfo) -> bool:
    if len(series.frames) < 2:
        return False
    g = series.frames[0].geometry
    inst = series.frames[0].instance
    px = inst.pixel
    return bool(g.has_plane and px is not None and px.samples_per_pixel == 1)


def output_dtype(frames: list[FrameRef]) -> np.dtype[Any]:
    """Smallest dtype that holds every rescaled value exactly (float32 for non-integer rescale)."""
    lo, hi = math.inf, -math.inf
    integral = True
    for fr in frames:
        px = fr.instance.pixel
        assert px is not None
        g = fr.geometry
        if px.pixel_representation == 1:
            smin, smax = -(2 ** (px.bits_stored - 1)), 2 ** (px.bits_stored - 1) - 1
        else:
            smin, smax = 0, 2**px.bits_stored - 1
        a, b = (
            smin * g.rescale_slope + g.rescale_intercept,
            smax * g.rescale_slope + g.rescale_intercept,
        )
        lo, hi = min(lo, a, b), max(hi, a, b)
        if not (float(g.rescale_slope).is_integer() and float(g.rescale_intercept).is_integer()):
            integral = False
    if not integral:
        return np.dtype(np.float32)
    for dt in (np.uint8, np.int8, np.uint16, np.int16, np.int32):
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return np.dtype(dt)
    return np.dtype(np.float64)


def _rescale_into(out: np.ndarray, stored: np.ndarray, slope: float, intercept: float) -> None:
    if slope == 1.0 and intercept == 0.0:
        np.copyto(out, stored, casting="unsafe")
    elif out.dtype.kind in "iu":
        # exact integer arithmetic in a wide type, then narrow (range checked by output_dtype)
        tmp = stored.astype(np.int64)
        if slope != 1.0:
            tmp *= int(slope)
        tmp += int(intercept)
        np.copyto(out, tmp, casting="unsafe")
    else:
        np.multiply(stored, slope, out=out, casting="unsafe")
        out += np.asarray(intercept, dtype=out.dtype)


class _Readers:
    """One FrameReader per instance, shared by the threads that decode its frames."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._readers: dict[int, FrameReader] = {}

    def get(self, inst: InstanceInfo) -> FrameReader:
        with self._lock:
            r = self._readers.get(id(inst))
            if r is None:
                r = self._readers[id(inst)] = FrameReader(inst)
            return r


def decode_frames_into(
    out: np.ndarray,
    frames: list[FrameRef],
    *,
    workers: int | None = None,
    first: int | None = None,
    on_frame: Callable[[int], None] | None = None,
    rescale: bool = True,
) -> list[tuple[int, Problem]]:
    """Decode ``frames[n]`` into ``out[n]`` in parallel; returns the frames that failed.

    ``first`` is decoded before any other (the slice a viewer shows first). ``on_frame`` is called
    from worker threads with each finished index.
    """
    readers = _Readers()
    failures: list[tuple[int, Problem]] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        fr = frames[n]
        try:
            if not rescale and read_native_into(out[n], fr):
                if on_frame is not None:
                    on_frame(n)
                return
            stored = readers.get(fr.instance).frame(fr.index)
            if stored.shape != out.shape[1:]:
                raise DecodeError(f"frame is {stored.shape}, expected {out.shape[1:]}")
            g = fr.geometry
            if rescale:
                _rescale_into(out[n], stored, g.rescale_slope, g.rescale_intercept)
            else:
                np.copyto(out[n], stored, casting="unsafe")
        except DecodeError as exc:
            with lock:
                failures.append((n, Problem(str(fr), str(exc))))
        except (OSError, ValueError, MemoryError) as exc:
            with lock:
                why = translate("Problems", "cannot read pixels ({0})").format(exc)
                failures.append((n, Problem(str(fr), why)))
        if on_frame is not None:
            on_frame(n)

    order = list(range(len(frames)))
    if first is not None and 0 <= first < len(frames):
        work(first)
        order.remove(first)
    nworkers = workers or default_workers()
    if nworkers <= 1 or len(order) <= 1:
        for n in order:
            work(n)
    else:
        with ThreadPoolExecutor(max_workers=nworkers, thread_name_prefix="decode") as pool:
            list(pool.map(work, order))
    failures.sort(key=lambda t: t[0])
    return failures


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

    if not _is_volumetric(series):
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
    if not _is_volumetric(series):
        return None
    plan = plan_stack(series.frames)
    if len(plan.frames) < 3:
        return None
    n_grid = (plan.distances[-1] - plan.distances[0]) / plan.spacing + 1
    if plan.spacing <= 0 or n_grid > MAX_FILL_FACTOR * len(plan.frames):
        return None
    return plan


def _progress_counter(total: int, progress: ProgressFn | None) -> Callable[[int], None] | None:
    if progress is None:
        return None
    lock = threading.Lock()
    done = [0]

    def tick(_n: int) -> None:
        with lock:
            done[0] += 1
            count = done[0]
        progress(count, total)

    return tick


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
    tick = _progress_counter(len(frames), progress)
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
    problems = [p for _, p in failures]
    if len(failures) == len(frames):
        why = translate("Volumes", "none of the {0} images could be decoded")
        raise LoadError(why.format(len(frames)), problems)
    if failures:
        bad = {n for n, _ in failures}
        keep = [n for n in range(len(frames)) if n not in bad]
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
