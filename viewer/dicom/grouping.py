"""Patient → study → series: grouping scanned objects into what a reader opens.

A series whose frames differ in plane or matrix is split into parts; objects sharing a SOP
Instance UID are kept once, the most intact copy; implausible header values become notes of
their series so that the reader sees them with the images.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from viewer.dicom.i18n import translate
from viewer.dicom.model import (
    FrameGeometry,
    FrameRef,
    InstanceInfo,
    PatientInfo,
    Problem,
    SeriesInfo,
    StudyInfo,
)


def _orientation_key(g: FrameGeometry) -> tuple[float, ...] | None:
    if g.orientation is None:
        return None
    return tuple(round(v, 3) + 0.0 for v in g.orientation)


def _intactness(inst: InstanceInfo) -> tuple[bool, bool, int]:
    return (inst.pixel is not None, not inst.warnings, inst.file_size or 0)


def dedupe(
    instances: Iterable[InstanceInfo], problems: list[Problem] | None = None
) -> list[InstanceInfo]:
    """One object per SOP Instance UID: the most intact copy (with pixels, without warnings,
    the largest: a truncated copy is shorter), wherever it lies; the others noted."""
    best: dict[str, InstanceInfo] = {}
    losers: list[InstanceInfo] = []
    for inst in instances:
        cur = best.get(inst.sop_instance_uid)
        if cur is None:
            best[inst.sop_instance_uid] = inst
        elif _intactness(inst) > _intactness(cur):
            best[inst.sop_instance_uid] = inst
            losers.append(cur)
        else:
            losers.append(inst)
    if problems is not None:
        for inst in losers:
            kept = best[inst.sop_instance_uid]
            problems.append(
                Problem(
                    str(inst.ref),
                    translate(
                        "Problems",
                        "same SOP Instance UID as {0}, which looks more intact and is shown",
                    ).format(kept.ref),
                    "note",
                )
            )
    return list(best.values())


def _series_warnings(series: SeriesInfo) -> list[str]:
    insts = series.instances + series.non_image
    counts: dict[str, int] = {}
    for inst in insts:
        for w in inst.warnings:
            counts[w] = counts.get(w, 0) + 1
    return [
        w if n == len(insts) else f"{w} ({n} of {len(insts)} images)" for w, n in counts.items()
    ]


def group(
    instances: Iterable[InstanceInfo], problems: list[Problem] | None = None
) -> list[PatientInfo]:
    """Patient → study → series, splitting a series whose frames differ in plane or matrix.

    Objects sharing a SOP Instance UID are kept once (see :func:`dedupe`); the copies left out
    are noted in ``problems``. Implausible header values become notes of their series."""
    instances = dedupe(instances, problems)
    patients: dict[tuple[str, str], PatientInfo] = {}
    studies: dict[str, StudyInfo] = {}
    buckets: dict[str, dict[tuple[Any, ...], list[FrameRef]]] = {}
    non_image: dict[str, list[InstanceInfo]] = {}
    first_of_series: dict[str, InstanceInfo] = {}
    seen_sops: set[str] = set()
    for inst in instances:
        pkey = (inst.patient_id, inst.patient_name)
        patient = patients.get(pkey)
        if patient is None:
            patient = patients[pkey] = PatientInfo(
                inst.patient_id, inst.patient_name, inst.patient_birth_date, inst.patient_sex
            )
        study = studies.get(inst.study_uid)
        if study is None:
            study = studies[inst.study_uid] = StudyInfo(
                inst.study_uid,
                inst.study_date,
                inst.study_time,
                inst.study_description,
                inst.accession_number,
            )
            patient.studies.append(study)
        first_of_series.setdefault(inst.series_uid, inst)
        if inst.sop_instance_uid in seen_sops:
            continue  # the same object twice (a copy in another folder): keep the first
        seen_sops.add(inst.sop_instance_uid)
        series_buckets = buckets.setdefault(inst.series_uid, {})
        if inst.pixel is None:
            non_image.setdefault(inst.series_uid, []).append(inst)
            continue
        px = inst.pixel
        for i, g in enumerate(inst.frames):
            key = (
                _orientation_key(g),
                px.rows,
                px.columns,
                px.samples_per_pixel,
                g.position is not None,
            )
            series_buckets.setdefault(key, []).append(FrameRef(inst, i))
    # attach series to studies
    for series_uid, first in first_of_series.items():
        study = studies[first.study_uid]
        groups = sorted(
            buckets.get(series_uid, {}).items(), key=lambda kv: (-len(kv[1]), str(kv[0]))
        )
        if not groups:
            groups = [((), [])]
        for part, (_key, frames) in enumerate(groups):
            s = SeriesInfo(
                series_uid=series_uid,
                part=part,
                modality=first.modality,
                series_number=first.series_number,
                description=first.series_description,
                frame_of_reference_uid=first.frame_of_reference_uid,
                frames=frames,
                non_image=non_image.get(series_uid, []) if part == 0 else [],
            )
            s.notes.extend(_series_warnings(s))
            if len(groups) > 1:
                s.notes.append(
                    translate(
                        "Volumes",
                        "series has {0} different planes or image sizes; "
                        "shown as {0} parts (this is part {1})",
                    ).format(len(groups), part + 1)
                )
            study.series.append(s)
    for study in studies.values():
        study.series.sort(
            key=lambda s: (
                s.series_number if s.series_number is not None else 1 << 30,
                s.series_uid,
                s.part,
            )
        )
    return list(patients.values())
