"""Size and start-up of the frozen application beside the unfrozen one, in the same run.

    python -m bench.startup [--repeat 3] [--build]

Start-up is launch → main window shown, read from the application's own ``--timings`` output,
each run a fresh process with an empty config. The frozen app is ``dist/yunying/yunying``
(built first with ``--build`` or when missing). Size: the frozen folder, and the .deb when built.
The last line is the JSON summary (``ours_s``: frozen start-up; anchor: the unfrozen start-up,
``python -m app`` from the virtual environment).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def folder_mb(path: Path) -> float:
    return (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 2**20
    )


def start_s(cmd: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_CONFIG_HOME=tmp, XDG_CACHE_HOME=tmp)
        env.pop("VTK_DEFAULT_OPENGL_WINDOW", None)
        env.pop("QT_QPA_PLATFORM", None)
        t0 = time.time()
        run = subprocess.run(
            [*cmd, "--timings", "--screenshot", f"{tmp}/shot.png"],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            cwd=tmp,
        )
        if run.returncode != 0:
            raise RuntimeError(f"{cmd[0]} exited with {run.returncode}: {run.stderr[-2000:]}")
        line = next(x for x in reversed(run.stdout.splitlines()) if x.startswith("{"))
        return float(json.loads(line)["shown_at"]) - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--build", action="store_true", help="build the frozen app first")
    args = ap.parse_args(argv)
    from bench.common import ensure_display, finish
    from installer import build

    ensure_display()
    app = build.DIST / build.NAME
    if args.build or not (app / build.NAME).exists():
        app = build.frozen()
    frozen_cmd = [str(app / build.NAME)]
    unfrozen_cmd = [sys.executable, "-m", "app"]
    start_s(frozen_cmd)  # first run after a build: page cache
    frozen, unfrozen = [], []
    for _ in range(args.repeat):  # interleaved, so drift hits both
        frozen.append(start_s(frozen_cmd))
        unfrozen.append(start_s(unfrozen_cmd))
    debs = sorted(build.DIST.glob("yunying_*_amd64.deb"))
    result: dict[str, Any] = {
        "frozen_start_s": [round(x, 3) for x in frozen],
        "unfrozen_start_s": [round(x, 3) for x in unfrozen],
        "frozen_size_mb": round(folder_mb(app), 1),
        "deb_size_mb": round(debs[-1].stat().st_size / 2**20, 1) if debs else None,
    }
    f, u = statistics.median(frozen), statistics.median(unfrozen)
    result["targets"] = {"frozen_start_le_2s": f <= 2.0}
    print(json.dumps(result), file=sys.stderr)
    finish(
        "startup",
        f,
        "unfrozen: python -m app from the virtual environment (launch to window shown)",
        u,
        **result,
    )


if __name__ == "__main__":
    main()
