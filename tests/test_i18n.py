"""Translations are complete and the compiled .qm matches its .ts source."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "i18n" / "yunying_zh_CN.ts"
QM = ROOT / "resources" / "i18n" / "yunying_zh_CN.qm"
BIN = Path(sys.executable).parent


def lupdate_sources() -> list[str]:
    """The files lupdate reads: the application and everything below ``viewer`` (its text goes
    through ``viewer.dicom.i18n.translate``)."""
    files = [*(ROOT / "app").glob("*.py"), *(ROOT / "viewer").rglob("*.py")]
    return sorted(str(p) for p in files)


def _sources(ts: Path) -> set[str]:
    return set(re.findall(r"<source>(.*?)</source>", ts.read_text(encoding="utf-8"), re.S))


def test_every_string_in_the_code_is_in_the_ts_file(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    shutil.copy(TS, fresh)
    run = subprocess.run(
        [
            str(BIN / "pyside6-lupdate"),
            "-no-obsolete",
            *lupdate_sources(),
            "-ts",
            str(fresh),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert _sources(fresh) == _sources(TS), "run pyside6-lupdate and translate the new strings"


def test_no_string_is_left_untranslated() -> None:
    text = TS.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text
    assert "<translation></translation>" not in text
    assert len(_sources(TS)) >= 80


def test_compiled_translation_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "check.qm"
    run = subprocess.run(
        [str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert out.read_bytes() == QM.read_bytes(), "run pyside6-lrelease to rebuild the .qm"


def _catalogue() -> dict[tuple[str, str], str]:
    import html

    out: dict[tuple[str, str], str] = {}
    text = TS.read_text(encoding="utf-8")
    for name, body in re.findall(r"<context>\s*<name>(.*?)</name>(.*?)</context>", text, re.S):
        for msg in re.findall(r"<message>(.*?)</message>", body, re.S):
            src = re.search(r"<source>(.*?)</source>", msg, re.S)
            tr = re.search(r"<translation>(.*?)</translation>", msg, re.S)
            if src and tr:
                out[(html.unescape(name), html.unescape(src.group(1)))] = html.unescape(tr.group(1))
    return out


def test_viewer_text_comes_out_in_chinese_through_the_catalogue() -> None:
    """What viewer/ says (ROI statistics, SUV reasons, load problems) is in the catalogue under
    the context it is asked for at run time, and comes out Chinese once a translator is in."""
    import numpy as np

    from viewer.dicom import i18n
    from viewer.dicom.measure import Measurement, describe
    from viewer.dicom.suv import Body, SuvError, norm
    from viewer.dicom.walk import iter_refs

    cat = _catalogue()
    i18n.install(lambda ctx, text: cat.get((ctx, text), text), "zh_CN")
    try:
        roi = describe(Measurement("ellipse", [(2, 2), (8, 8)]), np.ones((10, 10)), (1.0, 1.0))
        assert "平均值" in roi and "标准差" in roi and "面积" in roi and "mean" not in roi
        try:
            norm("lbm", Body(70.0, None, ""))
        except SuvError as exc:
            assert "缺少" in str(exc) and "missing" not in str(exc)
        else:
            raise AssertionError("SUVlbm without height and sex was computed")
        problems: list = []
        list(iter_refs([str(ROOT / "no-such-folder")], problems))
        assert problems and problems[0].reason == "文件或文件夹不存在"
        assert i18n.pick("CT Bone", "CT 骨骼") == "CT 骨骼"
    finally:
        i18n.install(None)
    assert i18n.pick("CT Bone", "CT 骨骼") == "CT Bone"
    assert "mean" in describe(
        Measurement("ellipse", [(2, 2), (8, 8)]), np.ones((10, 10)), (1.0, 1.0)
    )
