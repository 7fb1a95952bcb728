"""Fetch the 500-image CT through a devcloud gateway, beside curl and dicomweb-client.

    python -m bench.cloud_fetch [--slices 500]

In one run, on loopback:
  * curl: the whole series in one WADO-RS request straight from Orthanc (no gateway);
  * ours: the cloud client through the provincial gateway (token checks, streaming proxy),
    verifying every instance and writing it atomically to the cache;
  * dicomweb-client: one request per instance through the same gateway, as a generic client does;
  * the first image: from the start of the fetch to the middle slice decoded for display.
Targets: throughput ≥ 0.8 × curl; first image ≤ 1 s. The last line is the JSON summary
(``ours_s``/``anchor_s``: our whole-series time and curl's, each the best of its runs).

Each timed run, of either side, starts on a flushed disk with the earlier runs' output out of
memory. On a journal-less ext4 (this VM's root) file creation slows for about a minute after many
files were deleted nearby, which includes the previous benchmark's cleanup: leave a minute
between runs of this benchmark.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import devcloud_archive, finish, seed_study, start_devcloud, stop_devcloud


def _curl_best(
    curl: str, auth: list[str], url: str, repeat: int, out: str = "/dev/null", durable: bool = False
) -> float:
    """Best wall time of curl fetching one WADO-RS series (any transfer syntax) into ``out``;
    ``durable`` adds flushing the file to disk, as the client does before calling a study
    complete."""
    times = []
    for _ in range(repeat):
        _quiet_disk()
        t0 = time.perf_counter()
        subprocess.run(
            [
                curl,
                "-sf",
                *auth,
                "-H",
                'Accept: multipart/related; type="application/dicom"; transfer-syntax=*',
                "-H",
                "Accept-Encoding: identity",
                "-o",
                out,
                url,
            ],
            check=True,
        )
        if durable:
            fd = os.open(out, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
        times.append(time.perf_counter() - t0)
        if out != "/dev/null":
            os.unlink(out)
    return min(times)


def _quiet_disk() -> None:
    """Before each timed run, of either side: every earlier write on disk, so that no run's
    flush pays for another's output."""
    os.sync()
    time.sleep(0.2)


def _drop_cached(folder: Path) -> None:
    """Let go of the page cache holding a finished run's (flushed) files, as deleting curl's
    output does for curl: both sides then start from the same free memory. (On this VM, pages
    the guest has not used for a while cost a host fault each on first use: a side whose
    earlier output stayed cached ran up to 3 × slower after a few runs. Deleting our 500 files
    instead would slow the next run's file creation on a journal-less ext4, which skips
    inodes freed in the last minute one by one.)"""
    if not hasattr(os, "posix_fadvise"):  # not Linux: nothing to ask
        return
    for path in folder.rglob("*.dcm"):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    from bench.load_series import dataset
    from cloudclient.retrieve import Retriever
    from cloudclient.store import InstanceStore
    from cloudclient.tokens import AccessToken
    from viewer.dicom.scan import scan
    from viewer.dicom.volume import load_series

    folder = dataset(args.slices, "explicit")
    files = sorted(folder.glob("*.dcm"))
    size = sum(f.stat().st_size for f in files)
    work = Path(tempfile.mkdtemp(prefix="yunying-bench-"))
    # the development cloud runs in its own process, as a real gateway would (sharing this
    # process's interpreter lock would slow both sides)
    state_dir = work / "cloud"
    proc = start_devcloud(state_dir)
    try:
        state = json.loads((state_dir / "state.json").read_text())
        orth = devcloud_archive(state_dir)
        seeded = seed_study(state_dir, orth, folder, dt.datetime(2026, 11, 20, 14, 30), "bench CT")
        series, rec, token = seeded.series, seeded.record, seeded.token
        inst0 = series.frames[0].instance
        root = state["dicomweb_roots"]["35"]
        ca = state.get("ca_file")  # the devcloud's own test CA (its gateways speak TLS)
        if ca:  # (dicomweb-client's plain requests session reads it from the environment)
            os.environ["REQUESTS_CA_BUNDLE"] = ca
        ca_args = ["--cacert", ca] if ca else []
        series_path = f"studies/{inst0.study_uid}/series/{inst0.series_uid}"

        # curl straight from Orthanc
        curl = shutil.which("curl")
        if curl is None:
            raise SystemExit("curl is needed for the anchor (apt-get install curl)")
        direct = (
            curl,
            ["-u", f"{orth.user}:{orth.password}"],
            f"{orth.dicomweb}/{series_path}",
            args.repeat,
        )
        # the anchor: the same series onto the same disk and flushed, as the client must
        # do; to /dev/null (no disk at all) and through the gateway for context
        curl_null_s = _curl_best(*direct)
        gateway_s = _curl_best(
            curl,
            [*ca_args, "-H", f"Authorization: Bearer {token}"],
            f"{root}/{series_path}",
            args.repeat,
        )

        # ours through the gateway, each run right after an anchor run (interleaved, so
        # that the machine's drift during the benchmark falls on both alike)
        curl_times: list[float] = []
        ours_times, firsts, cpu_times = [], [], []
        result: Any = None
        for i in range(args.repeat):
            curl_times.append(
                _curl_best(curl, direct[1], direct[2], 1, str(work / "series.bin"), True)
            )
            _quiet_disk()
            store = InstanceStore(work / f"cache{i}")
            tok = AccessToken(token, time.time() + 3600, "code")
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            first_shown: list[float] = []

            def on_first(path: Path, t0: float = t0, seen: list[float] = first_shown) -> None:
                (s,) = scan(path).all_series()
                load_series(s)  # decoded, ready for display
                seen.append(time.perf_counter() - t0)

            result = Retriever(store, tok, verify=ca or True).fetch(rec, on_first=on_first)
            ours_times.append(time.perf_counter() - t0)
            cpu_times.append(time.process_time() - cpu0)
            _drop_cached(work / f"cache{i}")
            firsts.append(first_shown[0])
        curl_s = min(curl_times)
        ours_s = min(ours_times)
        first_s = min(firsts)

        # dicomweb-client, one instance at a time through the gateway
        import requests
        from dicomweb_client.api import DICOMwebClient

        dw_session = requests.Session()
        dw_session.verify = ca or True
        dw = DICOMwebClient(
            url=root,
            session=dw_session,
            headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
        )
        sops = [f.instance.sop_instance_uid for f in series.frames]
        t0 = time.perf_counter()
        for sop in sops:
            dw.retrieve_instance(
                inst0.study_uid,
                inst0.series_uid,
                sop,
                media_types=(("application/dicom", "*"),),
            )
        dw_s = time.perf_counter() - t0
    finally:
        stop_devcloud(proc)
        shutil.rmtree(work, ignore_errors=True)
    mb = size / 2**20
    extra = {
        "images": len(files),
        "megabytes": round(mb, 1),
        "curl_direct_orthanc_to_disk_s": round(curl_s, 3),
        "curl_runs_s": [round(x, 3) for x in curl_times],
        "ours_runs_s": [round(x, 3) for x in ours_times],
        "curl_direct_orthanc_to_devnull_s": round(curl_null_s, 3),
        "curl_via_gateway_s": round(gateway_s, 3),
        "curl_mb_per_s": round(mb / curl_s, 1),
        "ours_via_gateway_s": round(ours_s, 3),
        "ours_mb_per_s": round(mb / ours_s, 1),
        "dicomweb_client_one_by_one_s": round(dw_s, 3),
        "first_image_s": round(first_s, 3),
        "ours_client_cpu_s": round(min(cpu_times), 3),
        "throughput_vs_curl": round(curl_s / ours_s, 3),
        "instances_verified": result.instances,
        "targets": {
            "throughput_ge_0.8_curl": curl_s / ours_s >= 0.8,
            "first_image_le_1s": first_s <= 1.0,
        },
    }
    print(extra, file=sys.stderr)
    finish(
        "cloud_fetch",
        ours_s,
        "curl: one WADO-RS series request straight from Orthanc, to the same disk, flushed",
        curl_s,
        **extra,
    )


if __name__ == "__main__":
    main()
