"""viewer.dicom.prefault: an array's pages faulted in on idle CPU, its contents untouched."""

from __future__ import annotations

import mmap
import resource
import sys

import numpy as np
import pytest

from viewer.dicom.prefault import populate_idle

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise: Linux only")


def _fresh(shape: tuple[int, ...]) -> np.ndarray:
    """An int16 array on memory never touched yet (a mapping of its own, whatever the allocator
    reuses), in 4 KiB pages (no transparent huge pages: its faults can be counted)."""
    mm = mmap.mmap(-1, int(np.prod(shape)) * 2)
    mm.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(mm, np.int16).reshape(shape)


def _faults_writing(arr: np.ndarray) -> int:
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    arr[...] = 7
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before


@linux
def test_pages_are_mapped_and_contents_kept() -> None:
    arr = _fresh((16, 512, 512))  # 8 MiB
    arr[3] = np.arange(512 * 512, dtype=np.int16).reshape(512, 512)  # written before
    job = populate_idle(arr)
    assert job is not None
    job.join(30)
    assert job.idle_priority  # it runs at nice 19, on CPU time the decoders leave
    assert job.populated >= arr.nbytes - 2 * 4096  # (the partial first and last pages aside)
    assert np.array_equal(arr[3].ravel(), np.arange(512 * 512, dtype=np.int16))
    assert _faults_writing(arr[5:]) < 16  # mapped already: a few faults at most, not ~1600


@linux
def test_a_fresh_array_faults_when_not_populated() -> None:
    """(The check above can fail: without the populate call, writing faults page by page.)"""
    arr = _fresh((16, 512, 512))
    assert _faults_writing(arr[5:]) > 1000


def test_small_or_strided_arrays_are_left_alone() -> None:
    assert populate_idle(np.empty((4, 4), np.int16)) is None
    assert populate_idle(np.empty((64, 512, 512), np.int16)[:, ::2]) is None


@linux
def test_stop_ends_it_soon() -> None:
    arr = np.empty((512, 512, 512), np.int16)  # 256 MiB
    job = populate_idle(arr)
    assert job is not None
    job.stop()
    job.join(30)
    assert job.populated < arr.nbytes
