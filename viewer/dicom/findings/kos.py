"""Key Object Selection: the reader's key images, titled from CID 7010, written with highdicom."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from highdicom import ko, sr
from pydicom.dataset import Dataset
from pydicom.sr.codedict import Code, codes
from pydicom.uid import generate_uid

from viewer.dicom.findings.model import MANUFACTURER, ImageRef

KOS_CLASS = "1.2.840.10008.5.1.4.1.1.88.59"


def _titles() -> dict[str, Code]:
    cid = codes.cid7010
    return {getattr(cid, name).meaning: getattr(cid, name) for name in cid.dir()}


#: Document titles of CID 7010 ("Key Object Selection Document Title"), by meaning.
TITLES: dict[str, Code] = _titles()


def write_kos(
    images: Sequence[ImageRef],
    sources: Mapping[str, Dataset],
    *,
    author: str,
    title: str = "Of Interest",
    note: str = "",
    created: dt.datetime | None = None,
    series_uid: str | None = None,
    series_number: int = 9004,
    instance_number: int = 1,
) -> Dataset:
    """A Key Object Selection Document of ``images`` (title: a meaning of CID 7010)."""
    if title not in TITLES:
        raise ValueError(f"{title!r} is not a document title of CID 7010")
    refs: dict[str, Dataset] = {}
    for im in images:
        ds = sources.get(im.sop_instance_uid)
        if ds is None:
            raise KeyError(f"no source dataset for image {im.sop_instance_uid}")
        refs.setdefault(im.sop_instance_uid, ds)
    if not refs:
        raise ValueError("no key image selected")
    person = None
    if author:
        person = sr.ObserverContext(
            observer_type=codes.DCM.Person,
            observer_identifying_attributes=sr.PersonObserverIdentifyingAttributes(name=author),
        )
    content = ko.KeyObjectSelection(
        document_title=TITLES[title],
        referenced_objects=list(refs.values()),
        observer_person_context=person,
        description=note or None,
    )
    doc = ko.KeyObjectSelectionDocument(
        evidence=list(refs.values()),
        content=content,
        series_instance_uid=series_uid or generate_uid(),
        series_number=series_number,
        sop_instance_uid=generate_uid(),
        instance_number=instance_number,
        manufacturer=MANUFACTURER,
    )
    when = created or dt.datetime.now().replace(microsecond=0)
    stamp: Any = doc
    stamp.ContentDate = when.strftime("%Y%m%d")
    stamp.ContentTime = when.strftime("%H%M%S")
    stamp.InstanceCreationDate = stamp.ContentDate
    stamp.InstanceCreationTime = stamp.ContentTime
    return doc


def read_kos(ds: Dataset) -> tuple[str, list[ImageRef], str, str]:
    """(title, key images, note, author) of a Key Object Selection Document."""
    title = ""
    if ds.get("ConceptNameCodeSequence"):
        title = str(ds.ConceptNameCodeSequence[0].CodeMeaning)
    images: list[ImageRef] = []
    notes: list[str] = []
    authors: list[str] = []
    for it in ds.get("ContentSequence", []):
        vt = str(it.get("ValueType", ""))
        if vt in ("IMAGE", "COMPOSITE") and "ReferencedSOPSequence" in it:
            r = it.ReferencedSOPSequence[0]
            frames = r.get("ReferencedFrameNumber")
            images.append(
                ImageRef(
                    str(r.ReferencedSOPClassUID),
                    str(r.ReferencedSOPInstanceUID),
                    int(frames) if frames is not None and str(frames).isdigit() else 1,
                )
            )
        elif vt == "TEXT":
            notes.append(str(it.TextValue))
        elif vt == "PNAME":
            authors.append(str(it.PersonName))
    return title, images, "\n".join(notes), (authors[0] if authors else "")
