"""``yunying-dicom``: what the reader makes of DICOM files, as JSON, for support and scripts.

    yunying-dicom info PATH...   each series: modality, counts, geometry, warnings; and the
                                 files that could not be read, with the reason
    yunying-dicom suv PATH...    the SUV factor of every PET image, per kind, or why there is none
                                 (a list, one per frame, for an Enhanced PET whose frames differ)

Output is one JSON object on stdout; the exit status is 0 when the command ran (even if files
were unreadable: they are in the output), 2 for a usage error.

Adding a subcommand from another module (e.g. ``export``): write a module with

    def register(sub: argparse._SubParsersAction) -> None:
        p = sub.add_parser("export", help="...")
        p.add_argument(...)
        p.set_defaults(run=my_function)   # my_function(args: argparse.Namespace) -> int

and add the module's import name to :data:`COMMAND_MODULES` (one line), or call
:func:`register_command` with the function before :func:`main` runs. Keep the module in
``viewer.dicom`` or below (the layers contract: this command never imports Qt or VTK).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from viewer.dicom.model import ScanResult, SeriesInfo

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

#: Modules with a ``register(subparsers)`` function, imported when the parser is built.
COMMAND_MODULES: tuple[str, ...] = ("viewer.dicom.cli_export",)
_REGISTRARS: list[Registrar] = []


def register_command(registrar: Registrar) -> Registrar:
    """Add a subcommand: ``registrar(subparsers)`` adds its parser and ``set_defaults(run=…)``."""
    _REGISTRARS.append(registrar)
    return registrar


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def _scan(paths: Sequence[str]) -> ScanResult:
    from viewer.dicom.scan import scan

    return scan(list(paths))


def _problems(res: ScanResult) -> list[dict[str, str]]:
    return [{"file": p.where, "reason": p.reason} for p in res.problems]


# --------------------------------------------------------------------------- info


def _geometry(series: SeriesInfo) -> dict[str, Any]:
    from viewer.dicom.dimensions import split_by_dimension
    from viewer.dicom.volume import volume_plan

    f0 = series.frames[0] if series.frames else None
    px = f0.instance.pixel if f0 is not None else None
    g = f0.geometry if f0 is not None else None
    out: dict[str, Any] = {
        "rows": px.rows if px else None,
        "columns": px.columns if px else None,
        "pixel_spacing_mm": list(g.pixel_spacing) if g and g.pixel_spacing else None,
        "orientation": list(g.orientation) if g and g.orientation else None,
        "slice_thickness_mm": g.slice_thickness if g else None,
        "volume": False,
        "volumes": [],
    }
    warnings: list[str] = []
    try:
        groups = split_by_dimension(series) if g is not None and g.has_plane else None
        if groups:
            out["volumes"] = [grp.label for grp in groups]
            plan = volume_plan(replace(series, frames=groups[0].frames))
        else:
            plan = volume_plan(series)
    except ValueError as exc:
        warnings.append(f"geometry: {exc}")
        plan = None
    if plan is not None:
        out.update(
            volume=True,
            slices=len(plan.frames),
            slice_spacing_mm=round(float(plan.spacing), 6),
            uniform=plan.uniform,
            tilt_deg=round(plan.tilt_deg, 4),
            missing_slices=sum(m for _, m in plan.gaps),
            duplicates=len(plan.duplicates),
            reconstructed=bool(plan.tilted or not plan.uniform),
        )
        warnings.extend(plan.warnings)
    out["_warnings"] = warnings
    return out


def _series_info(s: SeriesInfo) -> dict[str, Any]:
    geo = _geometry(s)
    warnings = list(s.notes) + geo.pop("_warnings")
    return {
        "series_instance_uid": s.series_uid,
        "part": s.part,
        "series_number": s.series_number,
        "description": s.description,
        "modality": s.modality,
        "frame_of_reference_uid": s.frame_of_reference_uid,
        "instances": len(s.instances),
        "frames": len(s.frames),
        "non_image_instances": len(s.non_image),
        "transfer_syntaxes": sorted({i.transfer_syntax_uid for i in s.instances}),
        "geometry": geo,
        "suv": _suv_summary(s),
        "warnings": warnings,
    }


def _suv_summary(s: SeriesInfo) -> dict[str, Any] | None:
    """For PET: the SUV kinds available and why others are not (None for other modalities)."""
    from viewer.dicom.quantity import SUV_MODALITIES, series_suv

    if s.modality not in SUV_MODALITIES or not s.frames:
        return None
    r = series_suv(s.instances)
    return {
        "units": r.units,
        "kinds": sorted(r.factors) if r.factors else [],
        "reason": "; ".join(x for x in [r.reason, *r.notes] if x),
    }


def cmd_info(args: argparse.Namespace) -> int:
    res = _scan(args.paths)
    series = []
    for p in res.patients:
        for st in p.studies:
            for s in st.series:
                d = _series_info(s)
                d["study_instance_uid"] = st.study_uid
                d["patient_id"] = p.patient_id
                series.append(d)
    _emit({"files_seen": res.files_seen, "series": series, "unreadable": _problems(res)})
    return 0


# --------------------------------------------------------------------------- suv


def cmd_suv(args: argparse.Namespace) -> int:
    from viewer.dicom.quantity import SUV_MODALITIES, series_suv
    from viewer.dicom.suv import JSON_KINDS

    res = _scan(args.paths)
    by_uid: dict[str, list[SeriesInfo]] = {}
    for s in res.all_series():
        if s.modality in SUV_MODALITIES:
            by_uid.setdefault(s.series_uid, []).append(s)
    out = []
    for uid, parts in by_uid.items():
        instances = [i for s in parts for i in s.instances]
        r = series_suv(instances)
        suv = None
        if r.factors is not None:  # a list per frame for an Enhanced PET whose frames differ
            suv = {
                k: {**r.factors[k], **r.frame_factors.get(k, {})} if k in r.factors else None
                for k in JSON_KINDS
            }
        reason = "; ".join(x for x in [r.reason, *r.notes] if x)
        out.append({"series_instance_uid": uid, "units": r.units, "suv": suv, "reason": reason})
    _emit({"series": out})
    return 0


# --------------------------------------------------------------------------- parser


def _builtin(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("info", help="each series as JSON, and the files that could not be read")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders, zips, DICOMDIRs")
    p.set_defaults(run=cmd_info)
    p = sub.add_parser("suv", help="SUV factors of every PET image, or why there are none")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders, zips, DICOMDIRs")
    p.set_defaults(run=cmd_suv)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="yunying-dicom",
        description="What Yunying reads in DICOM files, as JSON.",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _builtin(sub)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for registrar in _REGISTRARS:
        registrar(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom's value warnings: stdout carries the findings
        return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
