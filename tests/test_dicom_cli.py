"""The ``yunying-dicom`` console script, run as a real process on generated files."""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

import pydicom
import pytest

from phantoms.pet import PetCase, write_case
from viewer.dicom import cli

F18 = 6586.2


def _script() -> list[str]:
    exe = Path(sys.executable).with_name("yunying-dicom")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "viewer.dicom.cli"]


def _run(*args: str) -> dict:
    out = subprocess.run(
        [*_script(), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_suv_prints_every_factor_by_sop_and_refuses_with_a_reason(tmp_path: Path) -> None:
    write_case(PetCase("cli_ok"), str(tmp_path / "ok"))
    write_case(
        PetCase("cli_gml", units="GML", suv_type="BW", value_scale=1e-4), str(tmp_path / "g")
    )
    write_case(PetCase("cli_noweight", weight_kg=None), str(tmp_path / "bad"))
    got = _run("suv", str(tmp_path))
    assert set(got) == {"series"}
    by_uid = {s["series_instance_uid"]: s for s in got["series"]}
    assert len(by_uid) == 3
    for s in got["series"]:
        assert set(s) == {"series_instance_uid", "units", "suv", "reason"}

    ok = by_uid[PetCase("cli_ok").series_uid]
    assert ok["units"] == "BQML"
    assert set(ok["suv"]) == {"bw", "lbm", "bsa", "ibw"}
    want = 75000.0 / (370e6 * 2 ** (-3600 / F18))
    sops = {str(pydicom.dcmread(p).SOPInstanceUID) for p in (tmp_path / "ok").glob("*.dcm")}
    assert set(ok["suv"]["bw"]) == sops
    for v in ok["suv"]["bw"].values():
        assert math.isclose(v, want, rel_tol=1e-3)
    bmi = 75 / 1.78**2
    lbm = 9270 * 75 / (6680 + 216 * bmi)
    for v in ok["suv"]["lbm"].values():
        assert math.isclose(v, want * lbm / 75, rel_tol=1e-3)

    gml = by_uid[PetCase("cli_gml").series_uid]
    assert gml["units"] == "GML" and set(gml["suv"]["bw"].values()) == {1.0}

    bad = by_uid[PetCase("cli_noweight").series_uid]
    assert bad["suv"] is None and bad["units"] == "BQML"
    assert "Patient's Weight (0010,1030)" in bad["reason"]


def test_info_lists_series_geometry_and_unreadable_files(tmp_path: Path) -> None:
    write_case(PetCase("cli_info"), str(tmp_path / "pet"))
    (tmp_path / "notes.txt").write_text("not DICOM at all")
    good = next((tmp_path / "pet").glob("*.dcm"))
    data = good.read_bytes()
    (tmp_path / "cut.dcm").write_bytes(data[: len(data) // 3])
    (tmp_path / "empty.dcm").write_bytes(b"")
    got = _run("info", str(tmp_path))
    (s,) = got["series"]
    assert s["modality"] == "PT" and s["instances"] == 4 and s["frames"] == 4
    geo = s["geometry"]
    assert geo["volume"] is True and geo["slices"] == 4
    assert geo["slice_spacing_mm"] == pytest.approx(4.0)
    assert geo["rows"] == 8 and geo["pixel_spacing_mm"] == [4.0, 4.0]
    assert isinstance(s["warnings"], list)
    assert s["suv"] == {
        "units": "BQML",
        "kinds": ["bsa", "bw", "ibw", "lbm", "lbm_james"],
        "reason": "",
    }
    bad = {Path(p["file"]).name: p["reason"] for p in got["unreadable"]}
    assert {"notes.txt", "empty.dcm"} <= set(bad)
    assert all(r for r in bad.values())
    assert "empty" in bad["empty.dcm"]


def test_info_names_sub_volumes_of_a_multi_echo_series(tmp_path: Path) -> None:
    from phantoms.multi import multi_echo_mr

    multi_echo_mr(str(tmp_path))
    (s,) = _run("info", str(tmp_path))["series"]
    assert s["suv"] is None  # not PET
    assert s["geometry"]["volumes"] == [
        "Echo 1 (TE 10 ms)",
        "Echo 2 (TE 30 ms)",
        "Echo 3 (TE 60 ms)",
    ]
    assert s["geometry"]["duplicates"] == 0


def test_a_module_can_add_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[str] = []

    def register(sub: argparse._SubParsersAction) -> None:
        p = sub.add_parser("hello")
        p.add_argument("name")
        p.set_defaults(run=lambda a: calls.append(a.name) or 0)

    cli.register_command(register)
    try:
        assert cli.main(["hello", "world"]) == 0
    finally:
        cli._REGISTRARS.remove(register)
    assert calls == ["world"]
    with pytest.raises(SystemExit):
        cli.main(["hello", "x", "--nope"])


def test_usage_error_exits_2() -> None:
    out = subprocess.run([*_script()], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 2


def test_every_catalogue_case_opens_in_suv_or_says_why(tmp_path: Path) -> None:
    from phantoms.cli import _write_cases
    from phantoms.pet import catalogue

    _write_cases(str(tmp_path))
    got = {s["series_instance_uid"]: s for s in _run("suv", str(tmp_path))["series"]}
    assert len(got) == len(catalogue())
    for case in catalogue():
        s = got[case.series_uid]
        if case.name.startswith("no-"):
            assert s["suv"] is None and "missing" in s["reason"], s
        else:
            assert s["suv"] is not None and s["suv"]["bw"], (case.name, s["reason"])


def test_suv_gives_an_enhanced_pets_factors_per_object_or_per_frame(tmp_path: Path) -> None:
    """Enhanced PET (multi-frame): decay corrected, one factor for the object; not decay
    corrected, a list with each frame's factor (its own start, averaged over its 180 s)."""
    from phantoms.pet_enhanced import EnhancedPetCase, write_enhanced

    times = tuple(f"2026112014{m:02d}00" for m in (30, 33, 36, 39))
    dc = EnhancedPetCase("cli_enh")
    ndc = EnhancedPetCase("cli_enh_ndc", decay_corrected="NO", frame_datetimes=times)
    write_enhanced(dc, str(tmp_path / "dc"))
    write_enhanced(ndc, str(tmp_path / "ndc"))
    got = _run("suv", str(tmp_path))
    by_uid = {s["series_instance_uid"]: s for s in got["series"]}
    lam = math.log(2) / F18
    one = by_uid[dc.series_uid]
    assert one["units"] == "BQML" and set(one["suv"]["bw"]) == {dc.sop_uid}
    assert math.isclose(
        one["suv"]["bw"][dc.sop_uid], 75000.0 / (370e6 * 2 ** (-3600 / F18)), rel_tol=1e-3
    )
    per = by_uid[ndc.series_uid]["suv"]["bw"][ndc.sop_uid]
    x = lam * 180.0
    want = [
        75000.0 / (370e6 * math.exp(-lam * (3600 + 180 * k)) * (1 - math.exp(-x)) / x)
        for k in range(4)
    ]
    assert len(per) == 4 and all(
        math.isclose(a, b, rel_tol=1e-3) for a, b in zip(per, want, strict=True)
    )
    info = _run("info", str(tmp_path / "dc"))
    (series,) = info["series"]
    assert series["suv"]["kinds"] == ["bsa", "bw", "ibw", "lbm", "lbm_james"]
