"""Key Object Selection: the reader's key images, titled from CID 7010, written with highdicom."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from highdicom import ko, sr
from pydicom.dataset import Dataset
from pydicom.sr.codedict import Code, codes

from viewer.dicom.findings.document import new_instance, source_datasets, stamp_created
from viewer.dicom.findings.model import ImageRef


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
    refs = source_datasets((im.sop_instance_uid for im in images), sources)
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
        referenced_objects=refs,
        observer_person_context=person,
        description=note or None,
    )
    doc = ko.KeyObjectSelectionDocument(
        evidence=refs,
        content=content,
        **new_instance(series_uid, series_number, instance_number),
    )
    stamp_created(doc, created)
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
