"""``yunying-cloud``: the cloud client from a terminal.

yunying-cloud setup --national URL --client-id ID [--secret-stdin] [--devcloud STATE]
yunying-cloud parse CODE
yunying-cloud authorize [--sms ID_NUMBER]     (QR code shown in the terminal)
yunying-cloud exams
yunying-cloud fetch CODE|STUDY_UID [--series UID]
yunying-cloud audit verify     (reports altered, removed, truncated or deleted entries)
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from pathlib import Path
from typing import Any

from cloudclient import tokens
from cloudclient.audit import verify as verify_audit
from cloudclient.errors import CloudError
from cloudclient.indexcode import IndexCodeError, parse
from cloudclient.retrieve import Progress
from cloudclient.service import CloudConfig, CloudService


def _bar(p: Progress) -> None:
    width = 30
    frac = p.done / p.total if p.total else 1.0
    filled = int(frac * width)
    series = " ".join(f"{d}/{t}" for d, t in p.series.values())
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total} "
        f"{p.bytes / 2**20:.1f} MB  series {series}   "
    )
    sys.stderr.flush()


def _qr(text: str) -> None:
    import segno

    segno.make(text, error="m").terminal(compact=True)


def cmd_setup(args: argparse.Namespace) -> int:
    state: dict[str, Any] = {}
    if args.devcloud:
        state = json.loads((Path(args.devcloud) / "state.json").read_text())
        national, client_id, secret = (
            state["national_url"],
            state["client_id"],
            state["client_secret"],
        )
    else:
        national, client_id = args.national, args.client_id
        if not national or not client_id:
            print("setup needs --national and --client-id (or --devcloud)", file=sys.stderr)
            return 2
        secret = (
            sys.stdin.readline().strip()
            if args.secret_stdin
            else getpass.getpass("client secret: ")
        )
    tokens.save_client_secret(client_id, secret)
    frontend_url = frontend_user = ""
    if args.devcloud and state.get("frontend"):
        frontend_url, frontend_user = state["frontend"]["dicomweb"], state["frontend"]["user"]
        tokens.save_frontend_password(frontend_user, state["frontend_password"])
    path = CloudConfig(
        national,
        client_id,
        args.workstation or "",
        args.doctor or "",
        args.ca_bundle or state.get("ca_file") or "",  # (the devcloud's own test CA)
        frontend_url=frontend_url,
        frontend_user=frontend_user,
    ).save()
    print(f"configured: {national} as {client_id} (secret in the OS keyring; config {path})")
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    try:
        code = parse(args.code)
    except IndexCodeError as exc:
        print(f"invalid index code: {exc}", file=sys.stderr)
        return 2
    zh, en = code.province
    print(f"code        {code.hyphenated}")
    print(f"person      {code.person}")
    print(f"exam time   {code.exam_time:%Y-%m-%d %H:%M}")
    print(f"body part   {code.body_part}")
    print(f"device      {code.device}")
    print(f"organisation {code.organisation} (division {code.division}, {zh} {en})")
    return 0


def cmd_authorize(svc: CloudService, args: argparse.Namespace) -> int:
    if args.sms:
        req = svc.send_sms(args.sms)
        print(f"an SMS code was sent to {req.phone_hint}")
        code = input("code from the SMS: ")
        tok = svc.finish_sms(req, code)
    else:
        flow = svc.start_qr()
        print("Ask the patient to scan this QR code and approve:")
        _qr(flow.verification_uri_complete)
        print(
            f"or open {flow.verification_uri} and enter {flow.user_code} "
            f"(expires in {flow.seconds_left // 60} min)"
        )
        tok = svc.finish_qr(flow)
    print(f"authorized ({tok.label or 'patient'}), valid for {tok.seconds_left // 60} min")
    return 0


def cmd_exams(svc: CloudService) -> int:
    for r in svc.exams():
        print(
            f"{r.exam_datetime[:16]}  {r.modality:<6} {r.province:<4} {r.organisation:<12} "
            f"{r.description}  ({r.instance_count} images, {r.size_bytes / 2**20:.1f} MB)\n"
            f"    {r.code}"
        )
    return 0


def cmd_fetch(svc: CloudService, args: argparse.Namespace) -> int:
    target = args.target.strip()
    token = None
    if len(target.replace("-", "").replace(" ", "")) == 78:
        token, records = svc.open_code(target)
    else:
        records = [r for r in svc.exams() if r.study_uid == target]
    if not records:
        print("no such exam in the index for this authorization", file=sys.stderr)
        return 1
    for rec in records:
        t0 = time.perf_counter()
        res = svc.fetch(rec, token, series=args.series, progress=_bar)
        sys.stderr.write("\n")
        print(
            f"{rec.study_uid}: {res.instances} images ({res.fetched} fetched now, "
            f"{res.bytes / 2**20:.1f} MB) in {time.perf_counter() - t0:.1f} s -> {res.folder}"
        )
    return 0


def cmd_remind(svc: CloudService, args: argparse.Namespace) -> int:
    import datetime as dt

    from cloudclient.reminder import similar_exams, windows

    today = dt.date.fromisoformat(args.today) if args.today else None
    found = similar_exams(svc.exams(), args.modality, args.body_part, today)
    days, default = windows()
    limit = days.get(args.modality.upper(), default)
    if not found:
        print(f"no {args.modality} {args.body_part} exam in the last {limit} days")
        return 0
    print(
        f"REMINDER: {len(found)} similar exam(s) in the last {limit} days — consider opening "
        "them before ordering a new one:"
    )
    for r in found:
        print(
            f"  {r.exam_datetime[:16]}  {r.modality:<6} {r.body_part:<8} {r.organisation} "
            f"({r.province})  {r.description}\n    yunying-cloud fetch {r.code}"
        )
    return 0


def cmd_prefetch(svc: CloudService, args: argparse.Namespace) -> int:
    from cloudclient.prefetch import Prefetcher
    from cloudclient.service import data_dir

    status_file = Path(args.status_file) if args.status_file else data_dir() / "prefetch.json"
    if args.action == "status":
        status = json.loads(status_file.read_text()) if status_file.exists() else {}
        for job, st in sorted(status.items(), key=lambda kv: kv[1].get("updated", "")):
            print(
                f"{job}  {st.get('state', '?'):<9} appointment {st.get('appointment', '?')}  "
                f"exams {len(st.get('exams', []))}  {st.get('error', '')}"
            )
        return 0
    if svc.frontend is None:
        print("no hospital front-end is configured (frontend_url in the config)", file=sys.stderr)
        return 2
    pre = Prefetcher(svc, svc.frontend, status_file)
    while True:
        queued = pre.watch_folder(Path(args.watch)) if args.watch else 0
        if args.worklist:
            for reg in json.loads(Path(args.worklist).read_text(encoding="utf-8")):
                pre.submit(reg)
                queued += 1
        if queued:
            print(f"{queued} registration(s) queued")
            pre.run()
        if args.once:
            return 0
        time.sleep(args.interval)


def cmd_cache(svc: CloudService, args: argparse.Namespace) -> int:
    cat = svc.catalog
    if args.action == "list":
        for uid in cat.studies():
            e = cat.lookup(uid)
            if e is None:
                continue
            flags = ("complete" if e.complete else "partial") + (" pinned" if e.pinned else "")
            if e.retain_until > time.time():
                flags += f" kept until {time.strftime('%Y-%m-%d', time.localtime(e.retain_until))}"
            print(f"{uid}  {e.instances:5d} images {e.bytes / 2**20:8.1f} MB  {flags}")
        quota = f" of {cat.quota_bytes / 2**30:.1f} GB" if cat.quota_bytes else ""
        print(f"total {cat.total_bytes() / 2**30:.2f} GB{quota}")
        return 0
    if not args.study:
        print("which study? (a Study Instance UID)", file=sys.stderr)
        return 2
    if cat.lookup(args.study) is None:
        print(f"{args.study} is not in the cache", file=sys.stderr)
        return 1
    if args.action in ("pin", "unpin"):
        cat.pin(args.study, args.action == "pin")
    elif args.action == "retain":
        cat.retain(args.study, time.time() + float(args.days or 0) * 86400)
    elif args.action == "purge":
        freed = cat.purge(args.study)
        svc.audit.record("purge", "on demand", study=args.study)
        print(f"freed {freed / 2**20:.1f} MB")
    return 0


def cmd_audit(svc_path: Path) -> int:
    problems = verify_audit(svc_path)
    if problems:
        for p in problems:
            print(f"line {p.line}: {p.reason}")
        return 1
    print(f"audit log intact: {svc_path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="yunying-cloud",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--national")
    s.add_argument("--client-id")
    s.add_argument("--secret-stdin", action="store_true")
    s.add_argument("--devcloud", help="take everything from a devcloud state folder")
    s.add_argument("--workstation")
    s.add_argument("--doctor")
    s.add_argument("--ca-bundle")
    p = sub.add_parser("parse")
    p.add_argument("code")
    a = sub.add_parser("authorize")
    a.add_argument("--sms", metavar="ID_NUMBER")
    sub.add_parser("exams")
    f = sub.add_parser("fetch")
    f.add_argument("target", help="a 78-character index code or a Study Instance UID")
    f.add_argument("--series")
    rm = sub.add_parser("remind", help="similar recent exams of the authorized patient")
    rm.add_argument("--modality", required=True)
    rm.add_argument("--body-part", default="")
    rm.add_argument("--today", help="date to count from (YYYY-MM-DD), default today")
    pf = sub.add_parser("prefetch", help="hospital prefetch onto the front-end server")
    pf.add_argument("action", choices=["run", "status"])
    pf.add_argument("--watch", help="folder of registration JSON files")
    pf.add_argument("--worklist", help="a JSON list of registrations")
    pf.add_argument("--status-file")
    pf.add_argument("--once", action="store_true")
    pf.add_argument("--interval", type=float, default=30.0)
    ca = sub.add_parser("cache", help="this workstation's cache")
    ca.add_argument("action", choices=["list", "pin", "unpin", "retain", "purge"])
    ca.add_argument("study", nargs="?")
    ca.add_argument("days", nargs="?", help="with retain: keep for this many days")
    au = sub.add_parser("audit")
    au.add_argument("what", choices=["verify"])
    args = ap.parse_args(argv)
    try:
        if args.cmd == "setup":
            return cmd_setup(args)
        if args.cmd == "parse":
            return cmd_parse(args)
        svc = CloudService(CloudConfig.load())
        if args.cmd == "authorize":
            return cmd_authorize(svc, args)
        if args.cmd == "exams":
            return cmd_exams(svc)
        if args.cmd == "fetch":
            return cmd_fetch(svc, args)
        if args.cmd == "remind":
            return cmd_remind(svc, args)
        if args.cmd == "prefetch":
            return cmd_prefetch(svc, args)
        if args.cmd == "cache":
            return cmd_cache(svc, args)
        return cmd_audit(svc.audit.path)
    except (CloudError, IndexCodeError, tokens.KeyringUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
