"""bench.priors stays runnable: on small data it ends with the agreed JSON line (timings are not
asserted; the bench's own targets are reported, not tested)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_priors_benchmark_prints_its_summary_line() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.priors", "--slices", "24", "--matrix", "64", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    last = json.loads(run.stdout.strip().splitlines()[-1])
    assert last["benchmark"] == "priors"
    assert last["ratio"] == round(last["ours_s"] / last["anchor_s"], 3)
    assert last["protocol"] == "ct-chest-prior"
    assert last["first_images_s"] > 0 and last["registration_s"] > 0 and last["stall_ms"] >= 0
    assert set(last["targets"]) == {
        "ours_le_1.2x_plain",
        "first_images_le_1s",
        "registration_le_5s",
        "stall_le_50ms",
    }
