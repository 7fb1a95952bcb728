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
