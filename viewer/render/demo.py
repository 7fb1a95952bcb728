"""The built-in demo: generate (once) and open the demo study, render views, write a screenshot.

    python -m viewer.render.demo [--screenshot PATH]

Works without a display (VTK renders offscreen). Until the workstation window lands this is the
"main job": it proves the whole chain — generated DICOM on disk, header scan, series assembly,
decoding in every transfer syntax of the demo, geometry and window/level rendering.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from phantoms import store
from viewer.dicom.scan import scan
from viewer.dicom.volume import Volume, load_series
from viewer.render.offscreen import PLANES, render_plane, save_png

DEFAULT_WINDOWS = {"CT": (40.0, 400.0), "PT": (10000.0, 20000.0), "MR": (450.0, 900.0)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="yunying-demo", description=__doc__.splitlines()[0])
    ap.add_argument(
        "--screenshot",
        default="out/demo/yunying-demo.png",
        help="where to write the rendered views (PNG)",
    )
    ap.add_argument("--data-dir", default=None, help="where generated demo data is kept")
    ap.add_argument("--light", action="store_true", help="a small demo study (for quick checks)")
    args = ap.parse_args(argv)
    if args.data_dir:
        os.environ["YUNYING_DATA_DIR"] = args.data_dir

    t0 = time.perf_counter()
    folder = store.demo_study(light=args.light)
    t_gen = time.perf_counter() - t0
    print(f"demo study: {folder} (ready in {t_gen:.1f} s)")
    t0 = time.perf_counter()
    result = scan(folder)
    print(f"scanned {result.files_seen} files in {time.perf_counter() - t0:.2f} s")
    for problem in result.problems:
        print(f"  problem: {problem}", file=sys.stderr)
    for patient in result.patients:
        print(f"patient {patient.patient_id}  {patient.name}  {patient.sex}  {patient.birth_date}")
        for study in patient.studies:
            print(f"  study {study.date} {study.description}")
            for s in study.series:
                print(
                    f"    series {s.series_number}: {s.modality} {s.description} "
                    f"({len(s.frames)} images)"
                )

    rows: list[np.ndarray] = []
    for modality in ("CT", "PT", "MR"):
        candidates = [s for s in result.all_series() if s.modality == modality]
        if not candidates:
            continue
        series = max(candidates, key=lambda s: len(s.frames))
        first: list[float] = []
        t0 = time.perf_counter()

        def on_first(_a: object, _k: int, t0: float = t0, first: list[float] = first) -> None:
            first.append(time.perf_counter() - t0)

        vol = load_series(series, on_first=on_first)
        took = time.perf_counter() - t0
        if not isinstance(vol, Volume):
            continue
        print(
            f"{modality} volume {vol.shape} {vol.array.dtype} spacing "
            f"{tuple(round(v, 3) for v in vol.spacing)}: first image {first[0]:.3f} s, "
            f"all {took:.2f} s"
        )
        for w in vol.warnings:
            print(f"  warning: {w}")
        window = DEFAULT_WINDOWS.get(modality) or vol.window or (0.0, 1.0)
        frames = [render_plane(vol, plane, window, (360, 360)) for plane in PLANES]
        rows.append(np.concatenate(frames, axis=1))
    if not rows:
        print("no volume could be shown", file=sys.stderr)
        return 1
    montage = np.concatenate(rows, axis=0)
    out = Path(args.screenshot)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_png(montage, str(out))
    print(f"screenshot: {out.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
