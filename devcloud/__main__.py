"""``python -m devcloud up | seed | status`` — the development stand-in for the national index and
two provincial imaging clouds. Development and test infrastructure: never shipped.

    python -m devcloud up [--seed 3]     start everything (Ctrl-C stops all it started)
    python -m devcloud seed [--patients 3]   add synthetic patients and exams to a running cloud
    python -m devcloud status            where everything runs
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from devcloud.cloud import DevCloud, load_state
from devcloud.national import Settings


def default_state_dir() -> Path:
    env = os.environ.get("YUNYING_DEVCLOUD_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("yunying-devcloud", appauthor=False))


def print_seeded(records: list[dict[str, Any]], state_dir: Path) -> None:
    from devcloud.seed import PATIENTS

    by_psn = {p.psn: p for p in PATIENTS}
    print("\nDemo patients (the phone page asks for the ID number and PIN):")
    for psn in dict.fromkeys(r["psn"] for r in records):
        p = by_psn[psn]
        print(f"  {p.name:<22} ID {p.id_number}  PIN {p.pin}  phone {p.phone}")
    print("\nDemo index codes:")
    for r in records:
        c = r["code"]
        hyph = "-".join([c[:26], c[26:38], c[38:47], c[47:60], c[60:]])
        print(
            f"  {hyph}  {r['modality']:<6} {r['organisation']['province_en']:<8} {r['description']}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m devcloud",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--state", type=Path, default=None, help="state folder")
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start the development cloud")
    up.add_argument("--seed", type=int, default=0, metavar="N", help="seed N patients at start")
    up.add_argument("--port", type=int, default=0, help="national service port (default: free)")
    up.add_argument("--device-interval", type=float, default=5.0)
    up.add_argument("--token-ttl", type=float, default=1800.0)
    sd = sub.add_parser("seed", help="seed a running development cloud")
    sd.add_argument("--patients", type=int, default=3)
    sd.add_argument("--full", action="store_true", help="larger series")
    sub.add_parser("status", help="print where the running cloud listens")
    args = ap.parse_args(argv)
    state_dir = args.state or default_state_dir()

    if args.cmd == "status":
        print(
            json.dumps(
                {k: v for k, v in load_state(state_dir).items() if k not in ("orthanc_passwords",)},
                indent=1,
            )
        )
        return 0
    if args.cmd == "seed":
        from devcloud.seed import seed

        t0 = time.perf_counter()
        records = seed(state_dir, args.patients, light=not args.full)
        print(f"seeded {len(records)} exams in {time.perf_counter() - t0:.1f} s")
        print_seeded(records, state_dir)
        return 0

    settings = Settings(device_interval=args.device_interval, token_ttl=args.token_ttl)
    cloud = DevCloud(state_dir, settings=settings, national_port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    t0 = time.perf_counter()
    cloud.start()
    try:
        print(f"devcloud up in {time.perf_counter() - t0:.1f} s (state: {state_dir})")
        print(f"  national service  {cloud.national_url}   (OpenAPI: {cloud.national_url}/docs)")
        for prov, url in cloud.dicomweb_roots().items():
            print(f"  gateway {prov}        {url}")
        print(f"  workstation client {cloud.client_id} (secret in {state_dir}/state.json)")
        print(f"  TLS: trust the test CA {cloud.ca_file} (yunying-cloud setup --devcloud does)")
        from devcloud.cloud import DEFAULT_DOCTORS

        print(
            "  doctors who may use assisted authorization: "
            + ", ".join(f"{name} ({licence})" for licence, name in DEFAULT_DOCTORS)
        )
        if cloud.frontend is not None:
            print(f"  hospital front-end {cloud.frontend.dicomweb}")
        if args.seed:
            from devcloud.seed import seed

            records = seed(state_dir, args.seed)
            print(f"seeded {len(records)} exams; ready in {time.perf_counter() - t0:.1f} s")
            print_seeded(records, state_dir)
        print("\nCtrl-C stops everything.", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        cloud.stop()
        print("devcloud stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
