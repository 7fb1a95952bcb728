"""Every object the phantom generator writes passes dciodvfy (Debian dicom3tools) without errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest

from phantoms import series as S

DCIODVFY = shutil.which("dciodvfy")
pytestmark = pytest.mark.skipif(
    DCIODVFY is None and not __import__("os").environ.get("CI"),
    reason="dciodvfy (Debian dicom3tools) is not installed",
)


def dciodvfy_errors(path: Path | str) -> list[str]:
    assert DCIODVFY is not None, "dciodvfy must be installed (apt-get install dicom3tools)"
    run = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, timeout=60)
    lines = (run.stdout + run.stderr).splitlines()
    return [line for line in lines if line.startswith("Error")]


def test_validator_catches_a_broken_object(tmp_path: Path, light_dir: Path) -> None:
    """The check can fail: a CT without Rows or Image Position is rejected."""
    src = sorted((light_dir / "ct").glob("*.dcm"))[0]
    ds = pydicom.dcmread(src)
    del ds.ImagePositionPatient
    del ds.KVP
    ds.save_as(tmp_path / "broken.dcm", enforce_file_format=True)
    errors = dciodvfy_errors(tmp_path / "broken.dcm")
    assert any("ImagePositionPatient" in e for e in errors)


def test_every_file_of_the_demo_study_is_valid(demo_dir: Path) -> None:
    files = sorted(demo_dir.rglob("*.dcm"))
    assert len(files) >= 320 + 134 + 60 + 48 + 30
    bad = {}
    for f in files:
        errors = dciodvfy_errors(f)
        if errors:
            bad[str(f)] = errors[:3]
    assert not bad, bad


@pytest.mark.parametrize("ts", ["explicit", "j2k", "rle", "jpegls"])
@pytest.mark.parametrize("kind", ["ct", "pet", "oblique", "tilted", "mr"])
def test_every_series_kind_is_valid_in_every_transfer_syntax(
    tmp_path: Path, ts: str, kind: str
) -> None:
    spec = S.with_syntax(S.demo_specs(light=True)[kind], ts)
    for k in (0, spec.n_slices - 1):
        path = S.write_slice(spec, k, str(tmp_path / f"{kind}-{ts}-{k}.dcm"))
        assert pydicom.dcmread(path).file_meta.TransferSyntaxUID == S.TRANSFER_SYNTAXES[ts]
        assert dciodvfy_errors(path) == []


def test_htj2k_object_is_valid_apart_from_its_transfer_syntax(tmp_path: Path) -> None:
    """dicom3tools in Debian 12 predates HTJ2K (2023) and cannot parse that transfer syntax, so
    the HTJ2K object's dataset is validated re-encoded as Explicit VR Little Endian."""
    spec = S.with_syntax(S.demo_specs(light=True)["ct"], "htj2k")
    path = S.write_slice(spec, 3, str(tmp_path / "htj2k.dcm"))
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.HTJ2KLossless
    ds.decompress()
    ds.save_as(tmp_path / "as-explicit.dcm", enforce_file_format=True)
    assert dciodvfy_errors(tmp_path / "as-explicit.dcm") == []
