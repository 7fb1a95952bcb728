"""What every findings document we write (GSPS, SR, KOS) shares: its identity (new SOP Instance
UID, series, instance number, our manufacturer), its creation stamp, and the source headers it
refers to. One place, so the three writers cannot drift apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from viewer.dicom.findings.model import MANUFACTURER


def new_instance(
    series_uid: str | None, series_number: int, instance_number: int
) -> dict[str, Any]:
    """The keyword arguments that identify a new highdicom document (a new series unless
    ``series_uid`` is given)."""
    return {
        "series_instance_uid": series_uid or generate_uid(),
        "series_number": series_number,
        "sop_instance_uid": generate_uid(),
        "instance_number": instance_number,
        "manufacturer": MANUFACTURER,
    }


def stamp_created(doc: Dataset, created: dt.datetime | None, prefix: str = "Content") -> None:
    """Set ``{prefix}Date``/``{prefix}Time`` and the Instance Creation Date/Time to ``created``
    (now, to the second, when None)."""
    when = created or dt.datetime.now().replace(microsecond=0)
    date, time = when.strftime("%Y%m%d"), when.strftime("%H%M%S")
    setattr(doc, f"{prefix}Date", date)
    setattr(doc, f"{prefix}Time", time)
    doc.InstanceCreationDate = date
    doc.InstanceCreationTime = time


def source_datasets(uids: Iterable[str], sources: Mapping[str, Dataset]) -> list[Dataset]:
    """The header of each image referred to, once each, in first-seen order; KeyError names the
    first image without one."""
    out: dict[str, Dataset] = {}
    for uid in uids:
        ds = sources.get(uid)
        if ds is None:
            raise KeyError(f"no source dataset for image {uid}")
        out.setdefault(uid, ds)
    return list(out.values())
