"""Issue 17, finding 8 (and the redirect of finding 9): a hostile archive cannot exhaust the
workstation. Each case ends with a clear error within its deadline, with peak memory at most
100 MB above the client's baseline, and with nothing partial in the cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from cloudclient.dicomheader import verify_instance
from cloudclient.errors import CloudError, InvalidInstance, UntrustedHost
from cloudclient.http import DeadlineExceeded
from cloudclient.retrieve import Retriever
from cloudclient.store import InstanceStore
from cloudclient.tokens import AccessToken
from tests.security.client_archive import HostileArchive

STUDY_DEADLINE, REQUEST_DEADLINE = 6.0, 2.0
MB = 1 << 20


@pytest.fixture
def archive() -> Iterator[HostileArchive]:
    a = HostileArchive()
    yield a
    a.close()


class PeakRss:
    """The process's resident memory, sampled every 5 ms while the block runs."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = 0
        self._done = threading.Event()

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self.baseline = self.proc.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def fetch(archive: HostileArchive, store: InstanceStore) -> None:
    token = AccessToken("secret-token", time.time() + 600, "code")
    Retriever(
        store,
        token,
        retries=2,
        backoff=0.01,
        study_deadline=STUDY_DEADLINE,
        request_deadline=REQUEST_DEADLINE,
    ).fetch(archive.record())


def assert_nothing_partial(store: InstanceStore, study: str) -> None:
    assert not store.is_complete(study)
    for f in (store.root / "studies").rglob("*"):
        if f.is_file():
            assert not f.name.startswith("."), f"a temporary file was left: {f.name}"
            verify_instance(f.read_bytes())  # whatever is there is whole


def test_the_fixture_serves_a_good_study(archive: HostileArchive, tmp_path: Path) -> None:
    """The same server, behaving: the study arrives whole (the errors below are the hostile
    behaviour's, not the fixture's)."""
    store = InstanceStore(tmp_path)
    fetch(archive, store)
    assert store.is_complete(archive.study)


CASES = [
    ("huge", InvalidInstance, "larger than the study it announced"),
    ("endless", InvalidInstance, "larger than the study it announced"),
    ("slowloris", DeadlineExceeded, "time limit"),
    ("retry_after", CloudError, "asks to wait 100000 s"),
    ("redirect", UntrustedHost, "redirect"),
    ("other_study", InvalidInstance, "another study"),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("mode", "error", "message"), CASES, ids=[c[0] for c in CASES])
def test_hostile_archive_ends_clearly_in_bounded_time_and_memory(
    archive: HostileArchive, tmp_path: Path, mode: str, error: type, message: str
) -> None:
    archive.mode = mode
    store = InstanceStore(tmp_path)
    t0 = time.monotonic()
    with PeakRss() as rss, pytest.raises(error, match=message):
        fetch(archive, store)
    seconds = time.monotonic() - t0
    assert seconds <= STUDY_DEADLINE + 2.0, f"{mode}: took {seconds:.1f} s"
    grew = (rss.peak - rss.baseline) / MB
    assert grew <= 100, f"{mode}: peak memory {grew:.0f} MB above the baseline"
    assert_nothing_partial(store, archive.study)
    assert archive.elsewhere == []  # (redirect) the other host saw nothing, no token
