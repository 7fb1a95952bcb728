"""The instance store: the fast header check agrees with pydicom, truncation is always caught,
and writes are atomic."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cloudclient import store as store_mod
from cloudclient.dicomheader import _verify_with_pydicom, verify_instance
from cloudclient.errors import InvalidInstance
from cloudclient.multipart import BufferPool, iter_parts_buffered
from cloudclient.store import InstanceStore
from tests.conftest import corpus_files


def _objects(light_dir: Path) -> list[Path]:
    return sorted(light_dir.rglob("*.dcm"))[::5] + [p for p in corpus_files() if p.suffix == ".dcm"]


def test_fast_check_agrees_with_pydicom(light_dir: Path) -> None:
    checked = 0
    for path in _objects(light_dir):
        data = path.read_bytes()
        try:
            want = _verify_with_pydicom(data)
        except InvalidInstance:
            with pytest.raises(InvalidInstance):
                verify_instance(data)
            continue
        except Exception:
            continue  # pydicom cannot read it at all: nothing to compare
        assert verify_instance(data) == want, path
        # a received body is a view of a reused buffer: the same answer from it
        assert verify_instance(memoryview(bytearray(data))) == want, path  # type: ignore[arg-type]
        checked += 1
    assert checked >= 100


def test_every_truncation_is_caught(light_dir: Path) -> None:
    for sub in ("ct", "pet", "mr", "oblique"):  # RLE, JPEG 2000, JPEG-LS, uncompressed
        data = next((light_dir / sub).glob("*.dcm")).read_bytes()
        verify_instance(data)
        for cut in (len(data) - 1, len(data) - 2, len(data) // 2, 2000, 300, 131):
            with pytest.raises(InvalidInstance):
                verify_instance(data[:cut])


def test_put_is_atomic_and_private(tmp_path: Path, light_dir: Path) -> None:
    store = InstanceStore(tmp_path / "cache")
    data = next((light_dir / "ct").glob("*.dcm")).read_bytes()
    header = verify_instance(data)
    path = store.put(data, header)
    assert path.read_bytes() == data and store.has(
        header.study_uid, header.series_uid, header.sop_uid
    )
    assert oct((tmp_path / "cache").stat().st_mode)[-3:] == "700"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no leftovers
    with pytest.raises(InvalidInstance):
        store.path("../../etc", "x", "y")  # UIDs are checked before they become paths


def test_unfinished_study_is_rechecked_before_resuming(tmp_path: Path, light_dir: Path) -> None:
    """After a power cut a renamed file may hold less than was written: it is not trusted."""
    store = InstanceStore(tmp_path / "cache")
    files = sorted((light_dir / "ct").glob("*.dcm"))[:3]
    paths = []
    for f in files:
        data = f.read_bytes()
        paths.append(store.put(data, verify_instance(data), sync=False))
    paths[1].write_bytes(paths[1].read_bytes()[:1000])  # what a lost write-back leaves
    (paths[0].parent / ".x.dcm.123.part").write_bytes(b"left over")
    study = verify_instance(files[0].read_bytes()).study_uid
    assert store.check_partial(study) == 1
    assert paths[0].exists() and not paths[1].exists() and paths[2].exists()
    assert not list(paths[0].parent.glob(".*"))
    store.mark_complete(study, {"study_uid": study})
    assert store.is_complete(study) and store.check_partial(study) == 0


def _ct(light_dir: Path, n: int) -> list[bytes]:
    return [f.read_bytes() for f in sorted((light_dir / "ct").glob("*.dcm"))[:n]]


def test_parts_land_in_pooled_buffers_used_again(light_dir: Path) -> None:
    """Bodies are read into the pool's buffers; a buffer given back serves a later part, a too
    small one is let go, and one that something else still holds is never reused."""
    datas = _ct(light_dir, 3)
    body = b"".join(
        b"--B\r\nContent-Type: application/dicom\r\nContent-Length: %d\r\n\r\n%s\r\n" % (len(d), d)
        for d in datas
    )
    pool = BufferPool()
    seen = []
    reader = io.BufferedReader(io.BytesIO(body + b"--B--\r\n"))
    for part in iter_parts_buffered(reader, "B", pool.take):
        assert isinstance(part.body, memoryview) and bytes(part.body) == datas[len(seen)]
        seen.append(id(part.body.obj))
        pool.give(part.body)  # type: ignore[arg-type]
        assert len(pool._free) == 1  # back in the pool
    assert len({len(d) // BufferPool.GRAIN for d in datas}) == 1
    assert len(set(seen)) == 1  # one buffer served them all
    (last,) = pool._free
    assert last[: len(datas[-1])] == datas[-1]
    small = pool.take(10)
    assert len(small) == 10 and small.obj is last and not pool._free  # however large
    pool.give(small)
    pool.give(pool.take(1 << 24))  # none free is large enough: a new one, the small one let go
    assert [len(b) for b in pool._free] == [1 << 24]
    held = pool.take(5)
    buf, lent = held.obj, np.frombuffer(held, np.uint8)  # still in use somewhere
    pool.give(held)
    assert all(b is not buf for b in pool._free) and not pool._free
    del lent, buf


def test_put_makes_its_folders_and_survives_their_eviction(tmp_path: Path, light_dir: Path) -> None:
    store = InstanceStore(tmp_path / "cache")
    a, b = _ct(light_dir, 2)
    ha, hb = verify_instance(a), verify_instance(b)
    store.put(a, ha, sync=False)
    shutil.rmtree(store.study_dir(ha.study_uid))  # evicted while the next image comes
    path = store.put(b, hb, sync=False)
    assert path.read_bytes() == b and not store.has(ha.study_uid, ha.series_uid, ha.sop_uid)


@pytest.mark.parametrize("one_syncfs", [True, False])
def test_study_is_flushed_then_marked(
    tmp_path: Path, light_dir: Path, monkeypatch: pytest.MonkeyPatch, one_syncfs: bool
) -> None:
    """One syncfs where Linux has it, else file by file and folder by folder: either way every
    file and folder is flushed before the manifest is written."""
    calls: list[str] = []
    real_syncfs, real_fsync_dir = store_mod._syncfs, store_mod._fsync_dir

    def syncfs(folder: Path) -> bool:
        calls.append("syncfs")
        return real_syncfs(folder) if one_syncfs else False

    def fsync_dir(folder: Path) -> None:
        calls.append(f"dir:{folder.name}")
        real_fsync_dir(folder)

    monkeypatch.setattr(store_mod, "_syncfs", syncfs)
    monkeypatch.setattr(store_mod, "_fsync_dir", fsync_dir)
    store = InstanceStore(tmp_path / "cache")
    datas = _ct(light_dir, 3)
    for d in datas:
        store.put(d, verify_instance(d), sync=False)
    h = verify_instance(datas[0])
    store.mark_complete(h.study_uid, {"study_uid": h.study_uid})
    assert store.is_complete(h.study_uid) and calls[0] == "syncfs"
    if one_syncfs:
        assert real_syncfs(tmp_path), "syncfs is there on Linux"
        assert calls == ["syncfs", f"dir:{h.study_uid}"]  # the manifest's rename, after it
    else:
        assert f"dir:{h.series_uid}" in calls and calls[-1] == f"dir:{h.study_uid}"


def test_studies_spread_over_the_file_system(tmp_path: Path) -> None:
    """On ext2/3/4 the cache's studies folder carries the Orlov 'top of hierarchy' flag."""
    store = InstanceStore(tmp_path / "cache")
    marked = store_mod._mark_top_of_hierarchies(store.root / "studies")
    lsattr = shutil.which("lsattr")
    out = (
        subprocess.run(
            [lsattr or "lsattr", "-d", str(store.root / "studies")], capture_output=True, text=True
        )
        if lsattr
        else None
    )
    if not marked:
        pytest.skip("this file system has no such flag")
    assert out is not None and out.returncode == 0
    assert "T" in out.stdout.split()[0]


def test_received_parts_held_at_once_stay_within_the_memory_budget(tmp_path: Path) -> None:
    """A second large part waits for room until the first is written (or refused); a part
    larger than the whole budget is still taken, alone."""
    import threading

    from cloudclient.dicomweb import Archive
    from cloudclient.receive import Receiver

    mb = 1 << 20
    rx = Receiver(
        InstanceStore(tmp_path), Archive("http://127.0.0.1:1", "x"), 64 * mb, memory_budget=40 * mb
    )
    first = rx._take(30 * mb)
    got: list[memoryview] = []
    waiter = threading.Thread(target=lambda: got.append(rx._take(30 * mb)))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive() and not got  # 60 MB would exceed the 40 MB budget: it waits
    rx._give(first)
    waiter.join(5)
    assert got and len(got[0]) == 30 * mb
    rx._give(got[0])
    big = rx._take(50 * mb)  # more than the budget, but nothing else is held: taken
    assert len(big) == 50 * mb
    rx._give(big)
    assert rx._held == 0
    rx.close()


class _HeldStore(InstanceStore):
    """A store whose first write waits to be let go (and fails, if told to)."""

    def __init__(self, root: Path, fail: bool) -> None:
        super().__init__(root)
        import threading

        self.entered, self.go = threading.Event(), threading.Event()
        self.fail, self.writes = fail, 0

    def put(self, data, header, sync=True):  # type: ignore[no-untyped-def]
        self.writes += 1
        if self.writes == 1:
            self.entered.set()
            assert self.go.wait(10)
            if self.fail:
                raise OSError("disk full")
        return super().put(data, header, sync)


@pytest.mark.parametrize("first_fails", [False, True])
def test_an_image_in_two_answers_is_on_disk_when_the_second_returns(
    tmp_path: Path, light_dir: Path, first_fails: bool
) -> None:
    """The series stream and the first-image request can carry the same image: the second to
    arrive returns only once the first copy is stored (its caller opens the file next), and
    writes it itself when the first write failed. (CI once found the file missing.)"""
    import threading

    from cloudclient.dicomweb import Archive
    from cloudclient.receive import Progress, Receiver

    data = sorted(light_dir.rglob("*.dcm"))[0].read_bytes()
    h = verify_instance(data)
    store = _HeldStore(tmp_path / "cache", first_fails)
    rx = Receiver(store, Archive("http://127.0.0.1:1", "x"), 1 << 26)
    first_error: list[BaseException] = []

    def part(errors: list[BaseException] | None = None) -> None:
        rx.slots.acquire()
        try:
            rx.store_part(data, h.study_uid, h.series_uid, None, Progress(), None)
        except BaseException as exc:
            if errors is None:
                raise
            errors.append(exc)

    a = threading.Thread(target=part, args=(first_error,))
    a.start()
    assert store.entered.wait(10)
    b_done = threading.Event()
    b = threading.Thread(target=lambda: (part(), b_done.set()))
    b.start()
    assert not b_done.wait(0.3)  # the first copy is still being written: the second waits
    store.go.set()
    a.join(10)
    b.join(10)
    assert b_done.is_set() and store.has(h.study_uid, h.series_uid, h.sop_uid)
    assert store.path(h.study_uid, h.series_uid, h.sop_uid).read_bytes() == data
    assert [type(e) for e in first_error] == ([OSError] if first_fails else [])
    assert store.writes == (2 if first_fails else 1)
    rx.close()


def test_waiting_for_another_answers_copy_is_bounded(tmp_path: Path, light_dir: Path) -> None:
    """A first copy whose write stalls (a stalled disk) fails the second answer with a clear
    error after claim_wait_s instead of holding it for ever."""
    import threading

    from cloudclient.dicomweb import Archive
    from cloudclient.errors import TransferFailed
    from cloudclient.receive import Progress, Receiver

    data = sorted(light_dir.rglob("*.dcm"))[0].read_bytes()
    h = verify_instance(data)
    store = _HeldStore(tmp_path / "cache", False)
    rx = Receiver(store, Archive("http://127.0.0.1:1", "x"), 1 << 26)
    rx.claim_wait_s = 0.2

    def part() -> None:
        rx.slots.acquire()
        rx.store_part(data, h.study_uid, h.series_uid, None, Progress(), None)

    a = threading.Thread(target=part)
    a.start()
    assert store.entered.wait(10)
    with pytest.raises(TransferFailed, match="not written to the cache within"):
        part()
    store.go.set()
    a.join(10)
    assert store.has(h.study_uid, h.series_uid, h.sop_uid)
    rx.close()
