"""Decode a series' frames in parallel straight into one preallocated array.

* Rescale Slope/Intercept is applied exactly (:func:`output_dtype` picks the smallest exact dtype).
* Frames that fail are returned with their file and reason, so the caller keeps the rest
  (:func:`drop_failed`).
* One frame can be decoded first (``first=``) so a viewer shows an image at once.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from viewer.dicom.codecs import DecodeError, FrameReader
from viewer.dicom.direct import read_native_into
from viewer.dicom.i18n import translate
from viewer.dicom.images import LoadError, ProgressFn
from viewer.dicom.model import FrameRef, InstanceInfo, Problem


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


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


def rescale_into(out: np.ndarray, stored: np.ndarray, slope: float, intercept: float) -> None:
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
                rescale_into(out[n], stored, g.rescale_slope, g.rescale_intercept)
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


def drop_failed(
    failures: list[tuple[int, Problem]], count: int
) -> tuple[list[Problem], list[int] | None]:
    """The problems of :func:`decode_frames_into`'s failures and the indices to keep (None when
    every frame decoded). Raises :class:`LoadError` when none of the ``count`` frames did."""
    problems = [p for _, p in failures]
    if len(failures) == count:
        why = translate("Volumes", "none of the {0} images could be decoded")
        raise LoadError(why.format(count), problems)
    if not failures:
        return problems, None
    bad = {n for n, _ in failures}
    return problems, [n for n in range(count) if n not in bad]


def progress_counter(total: int, progress: ProgressFn | None) -> Callable[[int], None] | None:
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
