"""Shared fixtures: generated phantom studies and the real DICOM corpora on disk.

GUI tests run in real windows on an X server: the one in DISPLAY (``./run.sh test`` starts Xvfb),
or an Xvfb this file starts when there is none. Qt settings go to a throwaway folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
    from bench.common import ensure_display

    ensure_display()  # a real X server (Xvfb) for the GUI tests when there is no display
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="yunying-test-config-"))
os.environ["YUNYING_DIALOGS"] = "0"  # no modal message boxes in tests

import gc

import pydicom
import pytest

from phantoms import series as S
from phantoms import store
from viewer.dicom.scan import scan

PYDICOM_TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def pydicom_data_dir() -> Path | None:
    """The `pydicom-data` package's folder (installed as `data_store`), read from disk only."""
    try:
        import data_store
    except ImportError:
        return None
    d = Path(data_store.__file__).parent / "data"
    return d if d.is_dir() else None


def corpus_files() -> list[Path]:
    files = sorted(p for p in PYDICOM_TEST_FILES.rglob("*") if p.is_file())
    extra = pydicom_data_dir()
    if extra is not None:
        files += sorted(p for p in extra.rglob("*.dcm") if p.is_file())
    return files


@pytest.fixture(scope="session")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where generated phantoms live: the user cache (reused while the generator is unchanged)."""
    env = os.environ.get("YUNYING_DATA_DIR")
    return Path(env) if env else store.data_root()


@pytest.fixture(scope="session")
def demo_dir(data_root: Path) -> Path:
    return store.demo_study(data_root)


@pytest.fixture(scope="session")
def demo_specs() -> dict[str, S.SeriesSpec]:
    return S.demo_specs()


@pytest.fixture(scope="session")
def demo_scan(demo_dir: Path):
    return scan(demo_dir)


@pytest.fixture(scope="session")
def light_specs() -> dict[str, S.SeriesSpec]:
    return S.demo_specs(light=True)


@pytest.fixture(scope="session")
def light_dir(data_root: Path) -> Path:
    return store.demo_study(data_root, light=True)


@pytest.fixture(scope="session")
def light_scan(light_dir: Path):
    return scan(light_dir)


def corpus_file(name: str) -> Path:
    """A real test file by name, from pydicom or pydicom-data (skips if neither has it)."""
    for base in (PYDICOM_TEST_FILES, pydicom_data_dir()):
        if base is not None and (base / name).is_file():
            return base / name
    pytest.skip(f"{name} is not in the installed corpora")


def _orthanc_available() -> bool:
    import shutil as _sh

    return _sh.which("Orthanc") is not None or Path("/usr/sbin/Orthanc").exists()


@pytest.fixture(scope="session")
def devcloud(tmp_path_factory: pytest.TempPathFactory):
    """The development cloud, started once for the session and seeded with 3 patients.

    It speaks TLS only, with its own test CA (``devcloud.ca_file``): clients are given that CA
    (``CloudConfig.ca_bundle``, ``verify=``); plain ``requests`` calls in tests and the relay's
    ``wss`` find it through ``REQUESTS_CA_BUNDLE`` / ``SSL_CERT_FILE``, set for the session."""
    if not _orthanc_available():
        if os.environ.get("CI"):
            pytest.fail("Orthanc must be installed in CI (./run.sh installs it)")
        pytest.skip("Orthanc is not installed")
    from devcloud.cloud import DevCloud
    from devcloud.national import Settings
    from devcloud.seed import seed

    state = tmp_path_factory.mktemp("devcloud")
    cloud = DevCloud(
        state,
        settings=Settings(
            device_interval=0.3, slow_down_increment=0.5, consult_presenter_grace=1.0
        ),
    )
    cloud.start()
    saved = {k: os.environ.get(k) for k in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
    os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(cloud.ca_file)
    cloud.records = seed(state, 3)  # type: ignore[attr-defined]
    yield cloud
    cloud.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


class MemoryKeyring:
    """An in-memory OS keyring for tests (headless machines have none)."""

    priority = 1

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        import keyring.errors

        if (service, username) not in self.data:
            raise keyring.errors.PasswordDeleteError(username)
        del self.data[(service, username)]


@pytest.fixture
def memory_keyring():
    import keyring
    from keyring.backend import KeyringBackend

    class _Backend(MemoryKeyring, KeyringBackend):
        def __init__(self) -> None:
            MemoryKeyring.__init__(self)
            KeyringBackend.__init__(self)

    old = keyring.get_keyring()
    backend = _Backend()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(old)


@pytest.fixture
def cloud_service(devcloud, memory_keyring, tmp_path):
    """A configured CloudService (secret in the keyring) with its own cache and audit log."""
    from cloudclient import tokens
    from cloudclient.service import CloudConfig, CloudService

    tokens.save_client_secret(devcloud.client_id, devcloud.client_secret)
    cfg = CloudConfig(
        devcloud.national_url,
        devcloud.client_id,
        workstation="ws-test",
        doctor="Dr. Test",
        ca_bundle=str(devcloud.ca_file),
        cache_dir=str(tmp_path / "cache"),
    )
    return CloudService(cfg)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Collect each test's garbage right after it, while what its objects belong to (Qt
    widgets, VTK windows, servers, decoder handles) is still coherent. Left to a random later
    collection, one clean-clone run died in a garbage collection inside a later test
    (segmentation fault while pydicom read a header); the suite has not crashed with this."""
    yield
    gc.collect()


@pytest.fixture
def hold_full_volume(monkeypatch):  # type: ignore[no-untyped-def]
    """Holds decode-while-receiving's full volume back from the app until the returned event is
    set (decoding goes on; only the hand-over waits): the reduced state can then be looked at."""
    import threading

    from viewer.dicom.incremental import IncrementalVolume

    gate = threading.Event()
    real = IncrementalVolume.volume

    def held(self: IncrementalVolume, timeout: float | None = None):  # type: ignore[no-untyped-def]
        if not gate.wait(60 if timeout is None else timeout):
            raise TimeoutError("held by the test")
        return real(self, timeout)

    monkeypatch.setattr(IncrementalVolume, "volume", held)
    yield gate
    gate.set()
