"""``yunying-dicom export [--anonymize] [--dicomdir] [--zip] PATH... OUT``: a study as a medium.

Copies every DICOM object under PATH (files, folders, zips, DICOMDIRs) to the folder OUT, or to
the zip OUT with ``--zip``; ``--anonymize`` de-identifies them (PS3.15 Annex E, see
:mod:`viewer.dicom.export.anonymize`); ``--dicomdir`` writes a DICOMDIR at the root. Nothing is
left at OUT when the export fails or is interrupted. Prints one JSON object; exit status 0 when
written, 1 when the export failed, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="copy a study to a folder or zip (anonymized, DICOMDIR)")
    p.add_argument("--anonymize", action="store_true", help="de-identify (PS3.15 Annex E)")
    p.add_argument("--dicomdir", action="store_true", help="write a DICOMDIR at the root")
    p.add_argument("--zip", action="store_true", help="write one zip file instead of a folder")
    p.add_argument(
        "--dates",
        choices=("full", "modified", "remove"),
        default="full",
        help="with --anonymize: keep dates (default), shift them, or remove them",
    )
    p.add_argument("--shift-days", type=int, default=0, help="days to shift with --dates modified")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders, zips or DICOMDIRs")
    p.add_argument("out", metavar="OUT", help="the folder or zip to create (must not exist)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from viewer.dicom.export.anonymize import Anonymizer, Options
    from viewer.dicom.export.media import export_objects, study_refs

    out = Path(args.out)
    if args.zip and out.suffix.lower() != ".zip":
        out = out.with_name(out.name + ".zip")
    refs = study_refs(args.paths)
    if not refs:
        _emit({"error": "no DICOM object found", "paths": list(args.paths)})
        return 1
    anon = None
    if args.anonymize:
        anon = Anonymizer(Options(dates=args.dates, shift_days=args.shift_days))
    try:
        res = export_objects(
            refs,
            out,
            anonymizer=anon,
            dicomdir=args.dicomdir,
            as_zip=args.zip,
            progress=_progress,
        )
    except (OSError, ValueError) as exc:
        _emit({"error": str(exc), "out": str(out)})
        return 1
    finally:
        sys.stderr.write("\n")
    _emit(
        {
            "out": str(res.path),
            "objects": res.objects,
            "anonymized": bool(args.anonymize),
            "dicomdir": bool(args.dicomdir),
            "zip": bool(args.zip),
            "warnings": res.warnings,
        }
    )
    return 0


def _progress(done: int, total: int, what: str) -> None:
    sys.stderr.write(f"\r{done}/{total}")
    sys.stderr.flush()


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
