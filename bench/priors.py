"""Today's CT and its prior, opened hung and linked, against opening them as two plain folders.

    python -m bench.priors [--slices 300] [--matrix 512] [--repeat 3]

Data: a chest CT (``--slices`` × ``--matrix``², 1.25 mm) and a prior of the same patient moved
9/−7/14 mm and 2/−3/6° in its own Frame of Reference with 1.5 mm slices (``phantoms.priors``),
as files on disk (a cache study is a folder of files); the page cache is warm.

* anchor — the two folders opened plainly: header scan of each, both series loaded (two loader
  threads, as the application's loader runs them).
* ours — the same, plus the hanging protocol chosen and applied (which series in which viewport)
  and the link between the exams: the rigid registration started in the background once both
  volumes are in memory. ``ours_s`` ends when both are loaded and hung (the registration still
  running, as the reader would already be reading); the registration's own time is reported.

While it registers, a heartbeat thread (standing in for the UI event loop) ticks every 5 ms;
the longest gap between ticks is the worst stall the registration caused.
Targets: ours ≤ 1.2 × anchor; first images of both ≤ 1 s; registration done ≤ 5 s (2 cores);
stall ≤ 50 ms. Rounds alternate anchor and ours; medians are reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import finish
from phantoms import priors as P
from phantoms import series as S
from phantoms import store


def datasets(n: int, matrix: int) -> tuple[Path, Path]:
    study = S.StudySpec(S.PatientSpec(), key="bench-priors", description="CT Chest")
    pixel = 360.0 / matrix
    cur = S.ct_chest(study, n_slices=n, spacing=1.25, matrix=matrix, pixel=pixel, key="cur")
    pri = P.ct_chest_prior(
        study, n_slices=round(n * 1.25 / 1.5), spacing=1.5, matrix=matrix, pixel=pixel, z_top=205.0
    )
    params: dict[str, object] = {"n": n, "matrix": matrix, "v": 1}
    a = store.ensure(f"bench-priors-cur-{n}", lambda f: S.write_series(cur, f), params)
    b = store.ensure(f"bench-priors-prior-{n}", lambda f: S.write_series(pri, f), params)
    return a, b


def warm(folder: Path) -> None:
    for f in folder.iterdir():
        f.read_bytes()


class Heartbeat:
    """A thread that ticks every ``period`` s and keeps the longest gap between ticks."""

    def __init__(self, period: float = 0.005) -> None:
        self.period = period
        self.worst = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.is_set():
            time.sleep(self.period)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - self.period)
            last = now

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def open_two(folders: tuple[Path, Path], t0: float) -> tuple[list[Any], list[Any], list[float]]:
    """Scan and load both folders on two threads; returns scans, volumes, first-image times."""
    from viewer.dicom.scan import scan
    from viewer.dicom.volume import load_series

    scans: list[Any] = [None, None]
    vols: list[Any] = [None, None]
    first = [0.0, 0.0]

    def one(i: int) -> None:
        result = scan(folders[i])
        scans[i] = result
        (series,) = result.all_series()

        def on_first(_arr: object, _k: int) -> None:
            first[i] = time.perf_counter() - t0

        vols[i] = load_series(series, on_first=on_first)

    threads = [threading.Thread(target=one, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return scans, vols, first


def anchor(folders: tuple[Path, Path]) -> float:
    t0 = time.perf_counter()
    open_two(folders, t0)
    return time.perf_counter() - t0


def ours(folders: tuple[Path, Path]) -> dict[str, Any]:
    from viewer.state.hanging import ExamView, choose, load_protocols
    from viewer.state.registration import BackgroundRegistration, link_exams, linked_index

    protocols = load_protocols()
    t0 = time.perf_counter()
    scans, vols, first = open_two(folders, t0)
    exams = [ExamView.of(s.patients[0].studies[0]) for s in scans]
    hung = choose(protocols, exams)
    opened = time.perf_counter() - t0
    with Heartbeat() as beat:
        t_reg = time.perf_counter()
        job = link_exams(vols[0], vols[1])
        assert isinstance(job, BackgroundRegistration)
        job.wait()
        reg_s = time.perf_counter() - t_reg
    assert job.link is not None, job.error
    k = vols[0].shape[0] // 2
    linked = linked_index(job.link, vols[0], k, vols[1])
    return {
        "opened_s": opened,
        "first_images_s": max(first),
        "registration_s": reg_s,
        "registration_from_open_s": time.perf_counter() - t0,
        "stall_ms": beat.worst * 1000,
        "protocol": hung.protocol.id,
        "assignment": hung.series_keys(),
        "quality_mm": job.link.quality_mm,
        "linked": [k, linked],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=300)
    ap.add_argument("--matrix", type=int, default=512)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    folders = datasets(args.slices, args.matrix)
    for f in folders:
        warm(f)
    anchors, runs = [], []
    anchor(folders)  # first open of the session (imports, thread pools) for both sides
    for i in range(args.repeat):
        # alternate which side goes first (the second of a pair finds memory just freed)
        if i % 2:
            runs.append(ours(folders))
            anchors.append(anchor(folders))
        else:
            anchors.append(anchor(folders))
            runs.append(ours(folders))
        print(
            f"round {i + 1}: anchor {anchors[-1]:.3f} s, ours {runs[-1]['opened_s']:.3f} s, "
            f"first images {runs[-1]['first_images_s']:.3f} s, "
            f"registration {runs[-1]['registration_s']:.2f} s",
            flush=True,
        )
    med = {
        key: statistics.median(r[key] for r in runs)
        for key in runs[0]
        if key.endswith(("_s", "_ms"))
    }
    a = statistics.median(anchors)
    last = runs[-1]
    print(
        f"anchor (two plain folders) {a:.3f} s; ours (hung) {med['opened_s']:.3f} s; "
        f"first images {med['first_images_s']:.3f} s; registration {med['registration_s']:.2f} s "
        f"(quality {last['quality_mm']:.2f} mm); worst stall {med['stall_ms']:.1f} ms; "
        f"protocol {last['protocol']}; cores {os.cpu_count()}"
    )
    finish(
        "priors",
        med["opened_s"],
        "two plain folders (scan + load)",
        a,
        slices=args.slices,
        matrix=args.matrix,
        first_images_s=round(med["first_images_s"], 3),
        registration_s=round(med["registration_s"], 3),
        registration_from_open_s=round(med["registration_from_open_s"], 3),
        stall_ms=round(med["stall_ms"], 1),
        quality_mm=round(float(last["quality_mm"]), 2),
        protocol=last["protocol"],
        cores=os.cpu_count(),
        targets={
            "ours_le_1.2x_plain": med["opened_s"] <= 1.2 * a,
            "first_images_le_1s": med["first_images_s"] <= 1.0,
            "registration_le_5s": med["registration_s"] <= 5.0,
            "stall_le_50ms": med["stall_ms"] <= 50.0,
        },
    )


if __name__ == "__main__":
    main()
