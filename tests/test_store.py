"""The instance store: the fast header check agrees with pydicom, truncation is always caught,
and writes are atomic."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudclient.errors import InvalidInstance
from cloudclient.store import InstanceStore, _verify_with_pydicom, verify_instance
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
