"""What a DICOMweb archive lists of a study (QIDO-RS): its series with their sizes, a series'
instances with number and position. Every UID is checked before it can become part of a URL."""

from __future__ import annotations

from cloudclient.dicomheader import valid_uid
from cloudclient.dicomweb import Archive
from cloudclient.errors import InvalidInstance
from cloudclient.order import InstanceRef, ordered

SOP_TAG, SERIES_TAG, NUMBER_TAG, POSITION_TAG = "00080018", "0020000E", "00200013", "00200032"
SERIES_SIZE_TAG = "00201209"  # Number of Series Related Instances


def series_counts(archive: Archive, study: str) -> dict[str, int]:
    """Series Instance UID → number of instances, as the archive lists them."""
    if not valid_uid(study):
        raise InvalidInstance("the index named a malformed Study Instance UID")
    items = archive.qido(f"studies/{study}/series")
    counts = {
        str(archive.value(i, SERIES_TAG)): int(archive.value(i, SERIES_SIZE_TAG) or 0)
        for i in items
    }
    if not counts or any(not valid_uid(uid) for uid in counts):
        raise InvalidInstance("the archive answered with malformed UIDs; nothing was fetched")
    return counts


def numbered_instance(archive: Archive, study: str, series: str, number: int) -> InstanceRef | None:
    """The one instance of the series with this Instance Number (one small search); None when the
    archive does not name exactly one."""
    items = archive.qido(f"studies/{study}/series/{series}/instances?InstanceNumber={number}")
    if len(items) != 1:
        return None
    sop = str(archive.value(items[0], SOP_TAG))
    if not valid_uid(sop):
        raise InvalidInstance("the archive answered with a malformed UID")
    return InstanceRef(sop, number)


def series_instances(archive: Archive, study: str, series: str) -> list[InstanceRef]:
    """A series' instances (UID, number, position) in display order."""
    items = archive.qido(
        f"studies/{study}/series/{series}/instances?limit=100000"
        f"&includefield={NUMBER_TAG}&includefield={POSITION_TAG}"
    )
    refs = []
    for i in items:
        sop = str(archive.value(i, SOP_TAG))
        if not valid_uid(sop):
            raise InvalidInstance("the archive answered with malformed UIDs; nothing was fetched")
        number = archive.value(i, NUMBER_TAG)
        pos = (i.get(POSITION_TAG) or {}).get("Value")
        try:
            position = tuple(float(v) for v in pos) if pos and len(pos) == 3 else None
            refs.append(InstanceRef(sop, int(number) if number is not None else None, position))
        except (TypeError, ValueError):
            refs.append(InstanceRef(sop))
    return ordered(refs)
