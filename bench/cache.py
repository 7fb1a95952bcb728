"""The workstation cache: opening a cached study, and a catalog of a million instances.

    python -m bench.cache [--slices 500] [--instances 1000000]

* the 500-image CT opened from the cache (catalog lookup, then the loader) beside the same files
  loaded from a plain folder, in the same run (target: overhead ≤ 5 %);
* a catalog holding ``--instances`` instances: looking up a study's files (target ≤ 5 ms) and
  opening the catalog at start-up (target ≤ 1 s).
The last line is the JSON summary (``ours_s``: from the cache; ``anchor_s``: the plain folder).
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import finish


def _open_from_cache(cat: Any, study: str) -> Any:
    from viewer.dicom.scan import scan
    from viewer.dicom.volume import load_series

    files = cat.files(study)
    (series,) = scan(files).all_series()
    return load_series(series)


def _open_folder(folder: Path) -> Any:
    from viewer.dicom.scan import scan
    from viewer.dicom.volume import load_series

    (series,) = scan(folder).all_series()
    return load_series(series)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=500)
    ap.add_argument("--instances", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args(argv)

    import numpy as np

    from bench.load_series import dataset
    from cloudclient.catalog import Catalog
    from cloudclient.store import InstanceStore, verify_instance

    folder = dataset(args.slices, "explicit")
    work = Path(tempfile.mkdtemp(prefix="yunying-cache-bench-"))
    try:
        cat = Catalog(work / "cache")
        store = InstanceStore(work / "cache", cat)
        study = ""
        for f in sorted(folder.glob("*.dcm")):
            data = f.read_bytes()
            header = verify_instance(data)
            study = header.study_uid
            store.put(data, header, sync=False)
        store.mark_complete(study, {"study_uid": study, "code_hash": "bench"})
        for f in (work / "cache").rglob("*.dcm"):
            f.read_bytes()  # both sides on a warm page cache
        times: dict[str, list[float]] = {"plain": [], "cached": []}
        opens = {
            "plain": lambda: _open_folder(folder),
            "cached": lambda: _open_from_cache(cat, study),
        }
        last: dict[str, Any] = {}
        for _ in range(args.repeat):  # interleaved, so drift hits both alike
            for side, open_ in opens.items():
                # each open starts with the same memory in use: the other side's last volume
                # (its own previous one freed first; a 250 MB allocation costs page faults)
                last.pop(side, None)
                gc.collect()
                t0 = time.perf_counter()
                last[side] = open_()
                times[side].append(time.perf_counter() - t0)
        assert np.array_equal(last["plain"].array, last["cached"].array)
        plain_s, cached_s = statistics.median(times["plain"]), statistics.median(times["cached"])
        last.clear()
        cat.close()

        # a catalog with a million instances (synthetic rows: the files are not needed)
        big = work / "big"
        cat2 = Catalog(big)
        db = sqlite3.connect(big / "catalog.sqlite")
        per_study = 500
        n_studies = max(1, args.instances // per_study)
        t0 = time.perf_counter()
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO studies (study_uid, code_hash, source, complete, last_access, "
            "created) VALUES (?, '', 'cloud', 1, ?, ?)",
            ((f"2.25.{s}", float(s), float(s)) for s in range(n_studies)),
        )
        db.executemany(
            "INSERT INTO instances (sop_uid, study_uid, series_uid, path, bytes) "
            "VALUES (?,?,?,?,?)",
            (
                (
                    f"2.25.{s}.{i}",
                    f"2.25.{s}",
                    f"2.25.{s}.0",
                    f"studies/2.25.{s}/2.25.{s}.0/2.25.{s}.{i}.dcm",
                    525000,
                )
                for s in range(n_studies)
                for i in range(per_study)
            ),
        )
        db.execute("COMMIT")
        db.close()
        fill_s = time.perf_counter() - t0
        cat2.close()
        t0 = time.perf_counter()
        cat3 = Catalog(big)
        startup_s = time.perf_counter() - t0
        rng = np.random.default_rng(1)
        lookups = []
        for s in rng.integers(0, n_studies, 200):
            t0 = time.perf_counter()
            files = cat3.files(f"2.25.{s}")
            lookups.append(time.perf_counter() - t0)
            assert len(files) == per_study
        lookup_s = statistics.median(lookups)
        lookup_max = max(lookups)
        total = cat3.total_bytes()
        cat3.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    overhead = cached_s / plain_s - 1
    extra = {
        "images": args.slices,
        "open_from_cache_s": round(cached_s, 4),
        "open_plain_folder_s": round(plain_s, 4),
        "overhead_percent": round(100 * overhead, 2),
        "catalog_instances": n_studies * per_study,
        "catalog_fill_s": round(fill_s, 2),
        "catalog_startup_s": round(startup_s, 4),
        "study_lookup_ms": round(lookup_s * 1000, 3),
        "study_lookup_max_ms": round(lookup_max * 1000, 3),
        "catalog_total_gb": round(total / 2**30, 1),
        "targets": {
            "overhead_le_5_percent": overhead <= 0.05,
            "lookup_le_5ms": lookup_s <= 0.005,
            "startup_le_1s": startup_s <= 1.0,
        },
    }
    print(extra, file=sys.stderr)
    finish("cache", cached_s, "the same files loaded from a plain folder", plain_s, **extra)


if __name__ == "__main__":
    main()
