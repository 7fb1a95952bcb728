"""The command line with hostile arguments: an over-long path is refused with a message (exit 2,
no traceback); ``--screenshot`` of something that holds no image writes the window anyway and
exits non-zero with the reasons."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], tmp_path: Path, timeout: int = 150) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, YUNYING_INSTANCE_NAME=f"yy-test-{os.getpid()}", YUNYING_DIALOGS="0")
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.parametrize("shape", ["component", "whole"])
def test_over_long_path_is_refused_with_a_message(tmp_path: Path, shape: str) -> None:
    if shape == "component":
        target = str(tmp_path / ("x" * 300) / "study")
    else:
        target = str(tmp_path / "/".join(["d" * 200] * 25))
    run = _run([target], tmp_path)
    assert run.returncode == 2, run.stderr
    assert "too long" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.timeout(200)
def test_screenshot_of_nothing_readable_writes_and_fails_with_reasons(tmp_path: Path) -> None:
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "a.dcm").write_bytes(b"")
    (folder / "b.dcm").write_bytes(b"not a dicom file at all" * 10)
    os.mkfifo(folder / "pipe.dcm")
    shot = tmp_path / "shot.png"
    run = _run(["--screenshot", str(shot), str(folder)], tmp_path)
    assert run.returncode == 1, (run.stdout, run.stderr)
    assert shot.is_file() and shot.stat().st_size > 0
    err = run.stderr
    assert "nothing could be opened" in err
    assert "a.dcm: empty file" in err
    assert "b.dcm: not a DICOM file" in err
    assert "pipe.dcm: a named pipe" in err
