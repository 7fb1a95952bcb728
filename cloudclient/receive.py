"""Receiving a multipart WADO-RS answer: each part checked and written while the next is read.

:class:`Receiver` owns what one study's transfer shares between its requests: the part buffers
(a pool, at most ``in_flight`` parts waiting to be written), the writer threads, the set of
instances already claimed (two answers carrying one image write it once) and what each stored
instance's header said of its place in the series. Parts larger than ``max_part`` are refused
before they are read; an answer that outlives its deadline is cut off
(:meth:`cloudclient.dicomweb.Archive.watch`).
"""

from __future__ import annotations

import http.client
import io
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from cloudclient.dicomheader import InstanceHeader, verify_instance
from cloudclient.dicomweb import Archive, Retry
from cloudclient.errors import InvalidInstance, TransferFailed
from cloudclient.multipart import (
    BufferPool,
    MultipartError,
    PartTooLarge,
    boundary_of,
    iter_parts_buffered,
)
from cloudclient.order import InstanceRef
from cloudclient.store import InstanceStore

HEADER_BUFFER = 1 << 16  # part headers and boundaries; bodies bypass it
MEMORY_BUDGET = 256 << 20  # received parts held at once, by default


CLAIM_WAIT_S = 120.0  # a write of one image taking longer: the disk is stalled


@dataclass
class Progress:
    """Counts for one study; ``series`` maps series UID → (done, total)."""

    total: int = 0
    done: int = 0
    bytes: int = 0
    series: dict[str, list[int]] = field(default_factory=dict)


ProgressFn = Callable[[Progress], None]
#: called with (series UID, stored path) as each instance is stored, from a writer thread
InstanceFn = Callable[[str, Path], None]


class Receiver:
    """Checks and stores the parts of one study's answers (see the module docstring)."""

    def __init__(
        self,
        store: InstanceStore,
        archive: Archive,
        max_part: int,
        *,
        writer_threads: int = 2,
        in_flight: int = 8,
        sync_each: bool = False,
        memory_budget: int = MEMORY_BUDGET,
    ) -> None:
        self.store = store
        self.archive = archive
        self.max_part = max_part
        self.sync_each = sync_each
        self.writers = ThreadPoolExecutor(writer_threads, thread_name_prefix="store")
        self.slots = threading.BoundedSemaphore(in_flight)
        self.buffers = BufferPool()
        #: bytes of received parts held at once (one part larger than this is still taken,
        #: alone): with ``max_part``, what bounds the transfer's memory
        self.memory_budget = memory_budget
        self._held = 0
        self._room = threading.Condition()
        self.lock = threading.Lock()
        self.have: set[tuple[str, str]] = set()  # (series, SOP) stored or being stored now
        self._writing: dict[tuple[str, str], threading.Event] = {}  # set once its write ends
        #: how long an answer waits for another's copy of the same image to be written
        self.claim_wait_s = CLAIM_WAIT_S
        self.refs: dict[str, dict[str, InstanceRef]] = {}  # series → SOP → its place
        #: told of each instance once it is stored (e.g. to decode it while the rest arrive);
        #: it gets the path of the stored file, whose bytes are the archive's, untouched
        self.on_stored: InstanceFn | None = None

    def close(self) -> None:
        self.writers.shutdown(wait=True)

    def _take(self, n: int) -> memoryview:
        """A buffer for a part of ``n`` bytes, once the parts held leave room for it."""
        with self._room:
            while self._held and self._held + n > self.memory_budget:
                self._room.wait()
            self._held += n
        return self.buffers.take(n)

    def _give(self, view: memoryview) -> None:
        n = len(view)
        self.buffers.give(view)  # written (or refused): its buffer serves again
        self._release(n)

    def _release(self, n: int) -> None:
        with self._room:
            self._held -= n
            self._room.notify_all()

    def receive(
        self,
        r: requests.Response,
        study: str,
        series: str | None,
        expected: dict[str, str] | None,
        progress: Progress,
        report: ProgressFn | None,
    ) -> list[Path]:
        """Verify and store each part of a multipart answer (writes run in a thread pool while
        the next parts are read), within the request's deadline; returns the stored paths."""
        futures = []
        reading: list[memoryview] = []  # a buffer taken for a part not read whole yet

        def take(n: int) -> memoryview:
            view = self._take(n)
            reading.append(view)
            return view

        dog = self.archive.watch(r)
        try:
            r.raw.decode_content = False
            # Below urllib3 sits http.client's response (identity encoding was asked for, so
            # its bytes are the body): its readinto undoes chunked transfer straight into our
            # buffers, where urllib3's read would copy every byte twice more.
            raw = getattr(r.raw, "_fp", None)
            reader = io.BufferedReader(raw if raw is not None else r.raw, HEADER_BUFFER)
            boundary = boundary_of(r.headers.get("Content-Type", ""))
            parts = iter_parts_buffered(reader, boundary, take, self.max_part)
            checked = 0
            for part in parts:
                reading.clear()  # (its buffer now travels with the part)
                self.slots.acquire()  # bound the memory held by parts not yet written
                futures.append(
                    self.writers.submit(
                        self.store_part, part.body, study, series, expected, progress, report
                    )
                )
                while checked < len(futures) and futures[checked].done():
                    if futures[checked].exception() is not None:
                        break  # a refused image ends the answer: read no more of it
                    checked += 1
                else:
                    continue
                break
        except PartTooLarge as exc:
            raise InvalidInstance(
                f"the archive sent an image larger than the study it announced ({exc}); "
                "refused, nothing of it was kept"
            ) from None
        except (
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            MultipartError,
            http.client.HTTPException,  # IncompleteRead and friends, read below urllib3
            OSError,  # a reset or timed-out socket (only reading happens in this block)
        ) as exc:
            if dog.fired:
                raise self.archive.expired(dog) from None
            raise Retry(f"transfer cut ({type(exc).__name__})") from None
        except Exception as exc:
            if dog.fired:
                raise self.archive.expired(dog) from None
            if type(exc).__name__ in ("ProtocolError", "IncompleteRead", "ReadTimeoutError"):
                raise Retry(f"transfer cut ({type(exc).__name__})") from None
            raise
        finally:
            for view in reading:  # a part cut short: its room is free again
                self._release(len(view))
            dog.cancel()
            r.close()
            done = [f.exception() or f.result() for f in futures]
        if dog.fired:
            raise self.archive.expired(dog)
        paths = []
        for item in done:
            if isinstance(item, BaseException):
                raise item
            if item is not None:
                paths.append(item)
        return paths

    def check_header(
        self,
        header: InstanceHeader,
        study: str,
        series: str | None,
        expected: dict[str, str] | None,
    ) -> None:
        if header.study_uid != study:
            raise InvalidInstance(
                f"the archive sent an image of another study ({header.study_uid[:64]}) in "
                "answer to this one; refused"
            )
        if series is not None and header.series_uid != series:
            raise InvalidInstance(f"received {header.sop_uid}, which was not asked for")
        if expected is not None and expected.get(header.sop_uid) != header.series_uid:
            raise InvalidInstance(f"received {header.sop_uid}, which was not asked for")

    def _claim(self, key: tuple[str, str]) -> bool:
        """Claim an image for writing: False once another answer has stored it. Two answers
        carrying one image write it once; the second waits until the first copy is on disk, so
        that a caller told "done" (the first image, say) finds the file there, and writes it
        itself if the first write failed."""
        while True:
            with self.lock:
                pending = self._writing.get(key)
                if pending is None:
                    if key in self.have:
                        return False
                    self.have.add(key)
                    self._writing[key] = threading.Event()
                    return True
            if not pending.wait(self.claim_wait_s):
                raise TransferFailed(
                    f"image {key[1][:64]} was not written to the cache within "
                    f"{self.claim_wait_s:.0f} s (is the disk stalled?)"
                )

    def store_part(
        self,
        data: bytes,
        study: str,
        series: str | None,
        expected: dict[str, str] | None,
        progress: Progress,
        report: ProgressFn | None,
    ) -> Path | None:
        try:
            header = verify_instance(data)
            self.check_header(header, study, series, expected)
            key = (header.series_uid, header.sop_uid)
            if not self._claim(key):
                return None  # the other answer's copy is on disk now
            try:
                path = self.store.put(data, header, sync=self.sync_each)
            except BaseException:
                with self.lock:
                    self.have.discard(key)
                raise
            finally:
                with self.lock:
                    self._writing.pop(key).set()
            with self.lock:
                progress.done += 1
                progress.bytes += len(data)
                progress.series.setdefault(header.series_uid, [0, 0])[0] += 1
                self.refs.setdefault(header.series_uid, {})[header.sop_uid] = InstanceRef(
                    header.sop_uid, header.number, header.position
                )
            if report is not None:
                report(progress)
            if self.on_stored is not None:
                notify(self.on_stored, header.series_uid, path)
            return path
        finally:
            if isinstance(data, memoryview):
                self._give(data)
            self.slots.release()


def notify(fn: InstanceFn, series: str, path: Path) -> None:
    """A per-instance callback whose failure never fails the transfer (the image is stored;
    the caller's own work on it is the caller's to report)."""
    import contextlib

    with contextlib.suppress(Exception):
        fn(series, path)
