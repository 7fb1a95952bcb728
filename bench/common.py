"""Shared benchmark helpers: timing, child-process peak memory, and the closing JSON line."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def ensure_display() -> None:
    """Start an Xvfb for Qt when there is no display (benchmarks run headless in CI)."""
    import shutil
    from pathlib import Path

    if os.environ.get("DISPLAY") or not shutil.which("Xvfb"):
        return
    for n in range(150, 200):
        if Path(f"/tmp/.X{n}-lock").exists():
            continue
        proc = subprocess.Popen(
            ["Xvfb", f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        if proc.poll() is None:
            os.environ["DISPLAY"] = f":{n}"
            # stopped by a watcher once this process has exited: killing it at exit would cut
            # Qt's connection first ("X connection broken", exit code 1)
            subprocess.Popen(
                [
                    "sh",
                    "-c",
                    f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; kill {proc.pid}",
                ],
                start_new_session=True,
            )
            return


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls (and the last result)."""
    times = []
    result: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (MB).

    Linux's VmHWM belongs to this process image; ru_maxrss is not used because Linux carries it
    over from the parent across fork + exec, which inflates a child's figure.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m module args`` and parse the JSON object it prints last."""
    env = dict(os.environ)
    run = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, env=env, timeout=3600
    )
    if run.returncode != 0:
        raise RuntimeError(f"{module} {args} failed:\n{run.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def finish(benchmark: str, ours_s: float, anchor: str, anchor_s: float, **extra: Any) -> None:
    """Print the closing line every benchmark ends with."""
    ours_s, anchor_s = round(ours_s, 6), round(anchor_s, 6)
    line = {
        "benchmark": benchmark,
        "ours_s": ours_s,
        "anchor": anchor,
        "anchor_s": anchor_s,
        "ratio": round(ours_s / anchor_s, 3),
    }
    line.update(extra)
    print(json.dumps(line, ensure_ascii=False))


def median_frame_s(step: Callable[[int], Any], frames: int, warmup: int = 5) -> float:
    """Median wall time of ``step(i)`` over ``frames`` calls, after ``warmup`` untimed ones
    (textures, shaders, caches)."""
    for i in range(warmup):
        step(i)
    times = []
    for i in range(frames):
        t0 = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def offscreen_window(width: int, height: int | None = None) -> Any:
    """An offscreen VTK render window without multisampling (the benchmarks' viewport)."""
    from vtkmodules.vtkRenderingCore import vtkRenderWindow

    win = vtkRenderWindow()
    win.SetOffScreenRendering(1)
    win.SetMultiSamples(0)
    win.SetSize(width, height or width)
    return win


def start_devcloud(state_dir: Path, *up_args: str) -> subprocess.Popen[str]:
    """``python -m devcloud up`` in a process of its own (as a real cloud would be: sharing this
    process's interpreter lock would slow both sides); returns once it serves."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "devcloud", "--state", str(state_dir), "up", *up_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_stop_with_parent if sys.platform == "linux" else None,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "Ctrl-C stops everything" in line:
            # its log read on (the last lines kept): a full pipe would stop the cloud mid-run
            tail: collections.deque[str] = collections.deque(maxlen=50)
            threading.Thread(target=tail.extend, args=(proc.stdout,), daemon=True).start()
            proc.log_tail = tail  # type: ignore[attr-defined]
            return proc
    raise SystemExit("devcloud did not start")


def _stop_with_parent() -> None:
    """(In the devcloud's process, before it runs:) stopped as by Ctrl-C when the benchmark
    dies, even killed by a timeout, instead of serving on with its archives."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG


def stop_devcloud(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


@dataclass
class SeededStudy:
    """One benchmark study in a running devcloud: its files, index record (pointing at the
    provincial gateway), a code-scoped token and the scan of its one series."""

    folder: Path
    files: list[Path]
    record: Any  # cloudclient.national.ExamRecord
    token: str
    study_uid: str
    series_uid: str
    size: int
    series: Any  # viewer.dicom.model.SeriesInfo


def devcloud_archive(state_dir: Path, province: str = "35") -> Any:
    """The Orthanc behind one province's gateway of the devcloud at ``state_dir``."""
    from devcloud.orthanc import OrthancServer

    state = json.loads((state_dir / "state.json").read_text())
    o = state["orthancs"][province]
    return OrthancServer(
        f"prov{province}",
        state_dir / f"orthanc-{province}",
        int(o["url"].rsplit(":", 1)[1]),
        o["user"],
        state["orthanc_passwords"][province],
    )


def seed_study(
    state_dir: Path, archive: Any, folder: Path, when: dt.datetime, description: str
) -> SeededStudy:
    """Upload one single-series study to ``archive``, index it under the first seeded patient
    (Xiamen, Fujian) at ``when`` and issue a code token for it."""
    from cloudclient.indexcode import format_code
    from cloudclient.national import ExamRecord
    from devcloud.seed import ORGS, PATIENTS
    from devcloud.store import Store
    from viewer.dicom.scan import scan

    state = json.loads((state_dir / "state.json").read_text())
    files = sorted(folder.glob("*.dcm"))
    archive.upload(files)
    (series,) = scan(folder).all_series()
    inst0 = series.frames[0].instance
    org = ORGS["xiamen"]
    code = format_code(PATIENTS[0].psn, when, org.uscc)
    size = sum(f.stat().st_size for f in files)
    record = {
        "code": code.compact,
        "psn": PATIENTS[0].psn,
        "exam_datetime": when.isoformat(timespec="seconds"),
        "modality": "CT",
        "body_part": "CHEST",
        "description": description,
        "organisation": {
            "name": org.name,
            "uscc": org.uscc,
            "division": org.division,
            "province_code": "35",
            "province": "福建省",
            "province_en": "Fujian",
        },
        "study_instance_uid": inst0.study_uid,
        "series_count": 1,
        "instance_count": len(files),
        "size_bytes": size,
    }
    store_db = Store(state_dir / "index.sqlite")
    store_db.add_record(record)
    token, _ = store_db.issue_token(
        client_id=state["client_id"],
        scope="code",
        psn=PATIENTS[0].psn,
        code=code.compact,
        studies=[inst0.study_uid],
        ttl=3600,
        how="bench",
    )
    root = state["dicomweb_roots"]["35"]
    rec = ExamRecord.from_json(dict(record, dicomweb_root=root))
    return SeededStudy(folder, files, rec, token, inst0.study_uid, inst0.series_uid, size, series)
