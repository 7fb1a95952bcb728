"""Decode while receiving: a series' volume assembled instance by instance as files arrive.

:class:`IncrementalVolume` is fed stored instance files one at a time (from a retrieval's
per-instance callback, in any order) and decodes each on its worker threads as soon as it
arrives (the decoders release the interpreter lock: every core works), straight into one
preallocated array:

1. the first instance to arrive (a retrieval sends the displayed, middle image first) is decoded
   at full resolution before anything else, and ``on_first`` gets it;
2. JPEG 2000 / HTJ2K: while images arrive faster than they are decoded, each is decoded first at
   a reduced resolution level (:mod:`viewer.dicom.progressive`), its full decode queued; while
   the decoders keep up (the full decodes waiting take under ``catch_up_s`` on every worker: a
   slow link, a fast codec), or while the full volume is predicted within ``full_within_s`` of
   the start anyway (HTJ2K on a fast link), it is decoded in full at once, its reduced slice
   sampled (the rule: :class:`~viewer.dicom.progressive.Pace`). All arrived, that gives a
   reduced :class:`~viewer.dicom.volume.Volume` (``reduced_level``) usable in MPR and 3D;
3. the queued full decodes run behind; once all are in, the slices are put in the order the
   geometry gives (:func:`~viewer.dicom.volume.load_series`' plan): the full volume is ready.

The result is the volume ``load_series`` gives for the same files, voxel for voxel and with
the same geometry: the assembly uses the same grouping, plan and rescale, and any case it does
not handle itself (several series, multi-frame objects, split sub-volumes, a rescale that is
integral for some images only, a frame that fails to decode, more instances than announced)
is loaded by ``load_series`` from the stored files once they are all there. Files are only read.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from viewer.dicom.codecs import DecodeError, FrameReader, check_series_budget, storage_dtype
from viewer.dicom.decode import rescale_into
from viewer.dicom.dimensions import split_by_dimension
from viewer.dicom.geometry import StackPlan
from viewer.dicom.grouping import group
from viewer.dicom.limits import limits
from viewer.dicom.model import InstanceInfo, PixelFormat, Problem, SeriesInfo
from viewer.dicom.progressive import (
    DEFAULT_LEVEL,
    FULL_WITHIN_S,
    Pace,
    ReducedDecodeError,
    decode_reduced,
    reduced_shape,
    supports_reduced,
)
from viewer.dicom.scan import read_header, scan
from viewer.dicom.sources import FileRef
from viewer.dicom.volume import (
    ImageStack,
    LoadError,
    Volume,
    _volume_from_plan,
    load_series,
    permute_slices,
    rescale_as_assembled,
    rescaled_as_assembled,
    volume_plan,
)

FirstFn = Callable[[np.ndarray, InstanceInfo], None]
VolumeFn = Callable[[Volume], None]
_FIRST, _ARRIVAL, _REFINE = 0, 1, 2  # work priorities: displayed slice, arrivals, refinement


class IncrementalVolume:
    """One series assembled while it arrives: owns the worker threads, the volume array (slots
    in arrival order until the geometry orders them), the reduced preview and the result."""

    def __init__(
        self,
        expected: int | None = None,
        *,
        workers: int | None = None,
        progressive: bool = True,
        level: int = DEFAULT_LEVEL,
        on_first: FirstFn | None = None,
        on_reduced: VolumeFn | None = None,
        catch_up_s: float = 0.3,
        full_within_s: float = FULL_WITHIN_S,
    ) -> None:
        self.expected = expected
        self.level = level
        self.progressive = progressive and level > 0
        self.on_first = on_first
        self.on_reduced = on_reduced
        #: the series fed to this assembler (set by :meth:`attach`; None: every instance)
        self.series_uid: str | None = None
        self._lock = threading.Lock()
        self._queue: queue.PriorityQueue[tuple[int, int, Callable[[], None] | None]] = (
            queue.PriorityQueue()
        )
        self._seq = itertools.count()
        self._paths: list[str] = []
        self._insts: list[InstanceInfo | None] = []
        self._readers: dict[int, FrameReader] = {}
        self._arr: np.ndarray | None = None
        self._small: np.ndarray | None = None
        self._reducing = False  # reduced levels are being decoded
        self._pending = 0  # work items not finished
        #: waiting for a decoder: arrivals not taken up, full decodes queued behind a reduced one
        self._arriving = self._behind = self._full = self._reduced = 0
        self._fallback: str | None = None  # why the result is loaded from the files instead
        self._reduced_built = self._built = self._reduced_running = False
        self._result: Volume | ImageStack | None = None
        self._reduced_volume: Volume | None = None
        self._error: BaseException | None = None
        self._done, self._reduced_done = threading.Event(), threading.Event()
        self.problems: list[Problem] = []
        self._format: tuple[PixelFormat, str] | None = None
        self._float = False  # images rescaled to float32 as they are decoded
        self._closed = False
        self._found: tuple[SeriesInfo, StackPlan, list[int]] | bool | None = False
        n = workers or max(1, os.cpu_count() or 1)
        self.pace = Pace(n, catch_up_s, full_within_s)  # (guarded by the lock)
        self._threads = [
            threading.Thread(target=self._work, name=f"assemble-{i}", daemon=True) for i in range(n)
        ]
        for t in self._threads:
            t.start()

    # ------------------------------------------------------------------ feeding

    def attach(self, series_uid: str, counts: Mapping[str, int]) -> None:
        """The series to assemble and the images per series, as the archive listed them
        before any image arrived (a retrieval's ``on_series`` callback)."""
        with self._lock:
            self.series_uid = series_uid
            if self.expected is None:
                self.expected = int(counts[series_uid])

    def offer(self, series_uid: str, path: str | os.PathLike[str]) -> None:
        """A retrieval's per-instance callback: ``path`` is taken when it is of this series."""
        if self.series_uid is None or series_uid == self.series_uid:
            self.add(path)

    def add(self, path: str | os.PathLike[str]) -> None:
        """One stored instance has arrived; returns at once (the work runs on the workers)."""
        with self._lock:
            slot = len(self._paths)
            self._paths.append(os.fspath(path))
            self._insts.append(None)
            if self.expected is not None and slot >= self.expected:
                self._fallback = f"more than the {self.expected} instances announced arrived"
            self._arriving += 1
            self.pace.arrived()
            self._submit(_FIRST if slot == 0 else _ARRIVAL, lambda: self._arrive(slot))

    def finish(self) -> None:
        """No more instances will come (needed when no count was announced, or fewer came)."""
        with self._lock:
            if self.expected is None or self.expected != len(self._paths):
                if self.expected is not None:
                    self._fallback = self._fallback or "fewer instances than announced"
                self.expected = len(self._paths)
            self._submit(_ARRIVAL, lambda: None)  # re-checks completion on a worker

    # ------------------------------------------------------------------ results

    def reduced_volume(self, timeout: float | None = None) -> Volume | None:
        """The reduced volume once all arrived (None: no reduced levels, or not a plain volume)."""
        self._reduced_done.wait(timeout)
        return self._reduced_volume

    def volume(self, timeout: float | None = None) -> Volume | ImageStack:
        """The full-resolution result (what ``load_series`` gives for the same files)."""
        if not self._done.wait(timeout):
            state = f"{len(self._paths)} of {self.expected} arrived, {self._full} decoded"
            raise TimeoutError(f"the series is not complete yet ({state})")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    @property
    def decoded(self) -> int:
        """Instances decoded at full resolution so far."""
        with self._lock:
            return self._full

    @property
    def series(self) -> SeriesInfo | None:
        """The series the headers make, once a volume was assembled here (else None)."""
        return self._found[0] if isinstance(self._found, tuple) else None

    def close(self) -> None:
        """Stop the workers (work not started yet is dropped)."""
        self._closed = True
        for _ in self._threads:
            self._queue.put((99, next(self._seq), None))
        for t in self._threads:
            t.join(10)

    def __enter__(self) -> IncrementalVolume:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ work

    def _submit(self, priority: int, fn: Callable[[], None]) -> None:  # (lock held)
        self._pending += 1
        self._queue.put((priority, next(self._seq), fn))

    def _work(self) -> None:
        while True:
            _p, _s, fn = self._queue.get()
            if fn is None:
                return
            try:
                if not self._closed:
                    fn()
            except BaseException as exc:
                with self._lock:
                    self._fallback = self._fallback or f"assembly failed ({exc})"
            finally:
                with self._lock:
                    self._pending -= 1
                if not self._closed:
                    self._check()

    def _arrive(self, slot: int) -> None:
        with self._lock:
            self._arriving -= 1
        path = self._paths[slot]
        try:
            inst = read_header(FileRef(path))
        except Exception as exc:  # reported by load_series' own scan in the fallback
            with self._lock:
                self._fallback = f"{path}: header unreadable ({exc})"
            return
        with self._lock:
            self._insts[slot] = inst
            if inst is None:
                self._fallback = self._fallback or f"{path}: not an image"
                return
            if not self._setup(inst):
                return
            reader = self._readers[slot] = FrameReader(inst)
            reduce = self._reducing
            small_first = (
                reduce
                and slot > 0
                and self.pace.reduce(self._arriving + self._behind, self.expected, self._full)
            )
        if not small_first:
            self._decode_full(slot, reader, first=slot == 0)
            if reduce:
                self._reduce_from_full(slot)
            return
        self._decode_reduced(slot, reader)
        with self._lock:
            self._behind += 1
            self._submit(_REFINE, lambda: self._refine(slot, reader))

    def _refine(self, slot: int, reader: FrameReader) -> None:
        with self._lock:
            self._behind -= 1
        self._decode_full(slot, reader)

    def _setup(self, inst: InstanceInfo) -> bool:
        """(lock held) The first header sets the array up; later ones must match it. False:
        not assembled here (the fallback loads the files at the end)."""
        if self._fallback is not None:
            return False
        px = inst.pixel
        reason = None
        if px is None or px.samples_per_pixel != 1 or inst.number_of_frames != 1:
            reason = "not single-frame grey images"
        elif self.expected is None:
            reason = "the number of instances was not announced"
        elif not inst.frames or not inst.frames[0].has_plane:
            reason = "no 3D geometry"
        elif self.series_uid is not None and inst.series_uid != self.series_uid:
            reason = "an instance of another series"
        if reason is None and self._arr is None:
            assert px is not None and self.expected is not None
            g = inst.frames[0]
            # integer rescale (CT): stored values now, rescaled in place at the end; otherwise
            # (PET) each image rescaled into float32 as it is decoded, as load_series does
            self._float = not (
                float(g.rescale_slope).is_integer() and float(g.rescale_intercept).is_integer()
            )
            dtype = np.dtype(np.float32) if self._float else storage_dtype(px)
            need = self.expected * px.rows * px.columns * dtype.itemsize
            if need > limits().max_series_bytes:  # an announced count is not trusted
                reason = "the announced series is over the memory limit"
            else:
                self._arr = np.empty((self.expected, px.rows, px.columns), dtype)
            self._format = (px, inst.transfer_syntax_uid)
            ts = inst.transfer_syntax_uid
            if reason is None and self.progressive and supports_reduced(ts):
                assert self._arr is not None
                r, c = reduced_shape(px.rows, px.columns, self.level)
                self._small = np.empty((self.expected, r, c), self._arr.dtype)
                self._reducing = True
        elif reason is None and (px, inst.transfer_syntax_uid) != self._format:
            reason = "instances differ in pixel format or transfer syntax"
        if reason is not None:
            self._fallback = reason
            self._readers.clear()
            return False
        return True

    def _decode_full(self, slot: int, reader: FrameReader, first: bool = False) -> None:
        if self._fallback is not None or self._arr is None:
            return
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            stored = reader.frame(0)
            if stored.shape != self._arr.shape[1:]:
                raise DecodeError(f"frame is {stored.shape}, expected {self._arr.shape[1:]}")
            self._put(self._arr[slot], stored, reader.inst)
        except (DecodeError, OSError, ValueError) as exc:
            with self._lock:
                self._fallback = f"a frame failed to decode ({exc})"
            return
        with self._lock:
            self._full += 1
            self.pace.decoded(time.perf_counter() - t0, time.thread_time() - c0)
            self._readers.pop(slot, None)
        if first and self.on_first is not None:
            inst = self._insts[slot]
            assert inst is not None
            g = inst.frames[0]
            shown = self._arr[slot]
            if self._float:
                self.on_first(shown.copy(), inst)
            else:
                self.on_first(shown * g.rescale_slope + g.rescale_intercept, inst)

    def _put(self, out: np.ndarray, stored: np.ndarray, inst: InstanceInfo) -> None:
        if self._float:
            g = inst.frames[0]
            rescale_into(out, stored, g.rescale_slope, g.rescale_intercept)
        else:
            np.copyto(out, stored, casting="unsafe")

    def _decode_reduced(self, slot: int, reader: FrameReader) -> None:
        small = self._small
        if small is None or self._fallback is not None:
            return
        try:
            px = reader.inst.pixel
            assert px is not None
            data = reader.codestream(0)
            out = decode_reduced(data, reader.inst.transfer_syntax_uid, self.level, px.bits_stored)
            if out.shape != small.shape[1:]:
                raise ReducedDecodeError(f"reduced level is {out.shape}, not {small.shape[1:]}")
            self._put(small[slot], out, reader.inst)
        except (DecodeError, ReducedDecodeError, OSError, ValueError):
            with self._lock:  # no preview; the full decode still decides
                self._small = None
            return
        with self._lock:
            self._reduced += 1

    def _reduce_from_full(self, slot: int) -> None:
        """The reduced slice of an image decoded in full: every 2^level-th pixel (a preview)."""
        small, arr = self._small, self._arr
        if small is None or arr is None or self._fallback is not None:
            return
        f = 1 << self.level
        np.copyto(small[slot], arr[slot][::f, ::f])
        with self._lock:
            self._reduced += 1

    # ------------------------------------------------------------------ completion

    def _check(self) -> None:
        """Build the reduced volume, then the full one, as soon as each can be (once each;
        the full build waits for a reduced build under way)."""
        with self._lock:
            n = self.expected
            if n is None or len(self._paths) < n or self._built or self._reduced_running:
                return
            headers = all(i is not None for i in self._insts) or self._fallback is not None
            small = self._small
            build_reduced = (
                not self._reduced_built
                and self._fallback is None
                and small is not None
                and self._reduced == n
            )
            if build_reduced:
                self._reduced_built = self._reduced_running = True
            build = (
                not build_reduced
                and self._pending == 0
                and headers
                and (self._full == n or self._fallback is not None)
            )
            if build:
                self._built = True
        if build_reduced:
            assert small is not None
            try:
                self._build_reduced(small)
            except Exception:  # a preview only: the full volume still decides
                self._reduced_volume = None
            finally:
                with self._lock:
                    self._reduced_running = False
            self._check()  # the refinement may have finished meanwhile
            return
        if build:
            try:
                self._result = self._build()
            except BaseException as exc:
                self._error = exc
            finally:
                self._reduced_done.set()
                self._done.set()

    def _series(self) -> tuple[SeriesInfo, StackPlan, list[int]] | None:
        """The one series the headers make, its plan and the slot of each plan frame in
        display order; None when the fast assembly does not apply (worked out once)."""
        if self._found is False:
            self._found = self._find_series()
        assert self._found is not True
        return self._found

    def _find_series(self) -> tuple[SeriesInfo, StackPlan, list[int]] | None:
        insts = [i for i in self._insts if i is not None]
        all_series = [s for p in group(insts, []) for st in p.studies for s in st.series]
        if len(all_series) != 1:
            return None
        series = all_series[0]
        if split_by_dimension(series):
            return None
        plan = volume_plan(series)
        if plan is None or len(plan.frames) != len(self._insts):
            return None
        slot_of = {id(inst): k for k, inst in enumerate(self._insts)}
        return series, plan, [slot_of[id(fr.instance)] for fr in plan.frames]

    def _build_reduced(self, small: np.ndarray) -> None:
        try:
            found = self._series()
            if found is None:
                return
            series, plan, order = found
            arr = rescaled_as_assembled(small[order], plan.frames, self._float)
            if arr is None or plan.tilted or not plan.uniform:
                return
            vol = _volume_from_plan(arr, plan, series)
            g0 = plan.frames[0].geometry
            assert g0.pixel_spacing is not None
            (row_sp, col_sp), f = g0.pixel_spacing, float(1 << self.level)
            vol.spacing = (float(col_sp) * f, float(row_sp) * f, vol.spacing[2])
            vol.reduced_level = self.level
            self._reduced_volume = vol
        finally:
            self._reduced_done.set()
        if self.on_reduced is not None and self._reduced_volume is not None:
            self.on_reduced(self._reduced_volume)

    def _build(self) -> Volume | ImageStack:
        found = None if self._fallback is not None else self._series()
        if found is None:
            return self._load_files()
        series, plan, order = found
        arr = self._arr
        if arr is None or not rescale_as_assembled(plan.frames, self._float):
            return self._load_files()
        try:
            check_series_budget(series.frames)
        except DecodeError as exc:
            raise LoadError(str(exc), [Problem(str(series.frames[0]), str(exc))]) from None
        permute_slices(arr, order)
        self._arr = self._small = None
        done = rescaled_as_assembled(arr, plan.frames, self._float)
        assert done is not None
        return _volume_from_plan(done, plan, series)

    def _load_files(self) -> Volume | ImageStack:
        """The cases not assembled here: ``load_series`` on the stored files."""
        self._arr = self._small = None
        result = scan([Path(p) for p in self._paths])
        self.problems = list(result.problems)
        candidates = result.all_series()
        if self.series_uid is not None:
            candidates = [s for s in candidates if s.series_uid == self.series_uid] or candidates
        if not candidates:
            raise LoadError("none of the received files is a loadable image", self.problems)
        return load_series(candidates[0])
