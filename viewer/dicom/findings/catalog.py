"""The findings objects of a study: presentation states, SRs and key object selections, ours and
other software's, listed by author and time (newest first) so that one can be chosen to reopen."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass

import pydicom
from pydicom.dataset import Dataset

from viewer.dicom.findings.classes import KOS_CLASS, PS_CLASSES, SR_CLASSES
from viewer.dicom.findings.model import MANUFACTURER
from viewer.dicom.model import InstanceInfo, ScanResult
from viewer.dicom.sources import FileRef

KINDS = {**PS_CLASSES, **SR_CLASSES, KOS_CLASS: "Key Objects"}


@dataclass(frozen=True, slots=True)
class FindingsObject:
    """One presentation state, SR or key object selection on disk."""

    ref: FileRef
    kind: str  # "GSPS", "Comprehensive 3D SR", "Basic Text SR", "Key Objects", …
    sop_class_uid: str
    sop_instance_uid: str
    study_uid: str
    series_uid: str
    author: str
    created: dt.datetime | None
    label: str  # Content Label, document title or series description
    ours: bool  # written by this product
    referenced: tuple[str, ...]  # SOP Instance UIDs of the images it refers to

    @property
    def is_presentation_state(self) -> bool:
        return self.sop_class_uid in PS_CLASSES


def _when(date: str, time: str) -> dt.datetime | None:
    date, time = (date or "").strip(), (time or "").strip().split(".")[0]
    try:
        return dt.datetime.strptime(date + (time + "000000")[:6], "%Y%m%d%H%M%S")
    except ValueError:
        return None


def _author(ds: Dataset) -> str:
    if ds.get("ContentCreatorName"):
        return str(ds.ContentCreatorName)
    for it in ds.get("ContentSequence", []):
        if it.get("ValueType") == "PNAME" and it.get("RelationshipType") == "HAS OBS CONTEXT":
            return str(it.PersonName)
    for seq in ("VerifyingObserverSequence", "AuthorObserverSequence"):
        for it in ds.get(seq, []):
            name = it.get("VerifyingObserverName") or it.get("PersonName")
            if name:
                return str(name)
    return ""


def _referenced(ds: Dataset) -> tuple[str, ...]:
    out: list[str] = []
    for s in ds.get("ReferencedSeriesSequence", []):
        out += [str(r.ReferencedSOPInstanceUID) for r in s.get("ReferencedImageSequence", [])]
    for st in ds.get("CurrentRequestedProcedureEvidenceSequence", []):
        for s in st.get("ReferencedSeriesSequence", []):
            out += [str(r.ReferencedSOPInstanceUID) for r in s.get("ReferencedSOPSequence", [])]
    return tuple(dict.fromkeys(out))


def describe(ref: FileRef, ds: Dataset | None = None) -> FindingsObject | None:
    """The catalog entry of one object (None when it is not a findings object)."""
    if ds is None:
        with ref.open() as f:
            ds = pydicom.dcmread(f, stop_before_pixels=True)
    cls = str(ds.get("SOPClassUID", ""))
    if cls not in KINDS:
        return None
    if cls in PS_CLASSES:
        when = _when(ds.get("PresentationCreationDate", ""), ds.get("PresentationCreationTime", ""))
        label = str(ds.get("ContentLabel", ""))
    else:
        when = _when(ds.get("ContentDate", ""), ds.get("ContentTime", ""))
        cn = ds.get("ConceptNameCodeSequence")
        label = str(cn[0].CodeMeaning) if cn else str(ds.get("SeriesDescription", ""))
    return FindingsObject(
        ref=ref,
        kind=KINDS[cls],
        sop_class_uid=cls,
        sop_instance_uid=str(ds.get("SOPInstanceUID", "")),
        study_uid=str(ds.get("StudyInstanceUID", "")),
        series_uid=str(ds.get("SeriesInstanceUID", "")),
        author=_author(ds),
        created=when,
        label=label,
        ours=str(ds.get("Manufacturer", "")) == MANUFACTURER,
        referenced=_referenced(ds),
    )


def list_findings(
    source: ScanResult | Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    study_uid: str | None = None,
) -> list[FindingsObject]:
    """Findings objects in a scan result (or under paths), newest first; one study if given."""
    if not isinstance(source, ScanResult):
        from viewer.dicom.scan import scan

        source = scan(source)
    infos: list[InstanceInfo] = []
    for p in source.patients:
        for st in p.studies:
            if study_uid is not None and st.study_uid != study_uid:
                continue
            for s in st.series:
                infos += [i for i in s.non_image if i.sop_class_uid in KINDS]
    out = []
    for info in infos:
        try:
            obj = describe(info.ref)
        except Exception:  # an unreadable object is left out, not a reason to fail the list
            continue
        if obj is not None:
            out.append(obj)
    out.sort(key=lambda o: o.created or dt.datetime.min, reverse=True)
    return out
