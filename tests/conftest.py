"""Shared fixtures: generated phantom studies and the real DICOM corpora on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pydicom
import pytest

from viewer.phantom import series as S
from viewer.phantom import store
from viewer.scan import scan

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
    """The development cloud, started once for the session and seeded with 3 patients."""
    if not _orthanc_available():
        if os.environ.get("CI"):
            pytest.fail("Orthanc must be installed in CI (./run.sh installs it)")
        pytest.skip("Orthanc is not installed")
    from devcloud.cloud import DevCloud
    from devcloud.national import Settings
    from devcloud.seed import seed

    state = tmp_path_factory.mktemp("devcloud")
    cloud = DevCloud(state, settings=Settings(device_interval=0.3, slow_down_increment=0.5))
    cloud.start()
    cloud.records = seed(state, 3)  # type: ignore[attr-defined]
    yield cloud
    cloud.stop()
