"""Findings in a consultation: the presenter's saved findings and every participant's opinion
(a Basic Text SR with the reader's name) go to the others as ``finding`` operations of the
relay (the object's DICOM bytes, deflated and base64; at most :data:`MAX_SHARED_BYTES` of
base64 an object, an object inflating past :data:`MAX_OBJECT_BYTES` is refused), are
replayed to whoever joins later, and are kept and listed with the study on each workstation.

Functions of a :class:`app.findings_link.FindingsLink` (its state, its status line).
"""

from __future__ import annotations

import base64
import io
import zlib
from pathlib import Path
from typing import Any

import pydicom
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QInputDialog

from app import dialogs
from viewer.dicom.findings import store as fstore
from viewer.dicom.findings.catalog import describe
from viewer.dicom.sources import FileRef
from viewer.state.findings import NotSavable, image_refs

#: the largest object shared in one consultation message (the relay takes 64 KiB a message)
MAX_SHARED_BYTES = 58_000
#: the largest object accepted from another participant, inflated
MAX_OBJECT_BYTES = 8 << 20


translate = QCoreApplication.translate


def _bridge(link: Any) -> Any:
    return getattr(link.consulting, "bridge", None)


def share(link: Any, datasets: list[Any]) -> int:
    """Send saved findings into the consultation (only while presenting); how many went."""
    bridge = _bridge(link)
    if bridge is None or not bridge.state.presenting:
        return 0
    return sum(send(link, ds) for ds in datasets)


def send(link: Any, ds: Any) -> int:
    bridge = _bridge(link)
    if bridge is None:
        return 0
    data = base64.b64encode(zlib.compress(fstore.dataset_bytes(ds), 9)).decode()
    if len(data) > MAX_SHARED_BYTES:
        link._status(
            translate("Findings", "A findings object is too large to share in a consultation")
        )
        return 0
    key = str(ds.SOPInstanceUID)[-64:]
    bridge.channel.send("finding", {"key": key, "dicom": data})
    return 1


def write_opinion(link: Any, text: str | None = None) -> Path | None:
    """Free text with the reader's name as a Basic Text SR citing the active series, kept with
    the study and sent to every participant of a consultation (None: nothing written)."""
    from viewer.dicom.findings.sr import write_text_sr

    vp = link.workspace.active
    if vp is None or vp.image is None:
        link._status(translate("Findings", "Open the study first"))
        return None
    if text is None:
        if not dialogs.interactive():
            return None
        text, ok = QInputDialog.getMultiLineText(
            link.host,
            translate("Findings", "Consultation Opinion"),
            translate("Findings", "Opinion of {0}:").format(link.reader()),
        )
        if not ok:
            return None
    if not text.strip():
        return None
    try:
        image_refs(vp)  # (an image made here has no DICOM object to cite)
    except NotSavable as exc:
        link._status(translate("Findings", "Opinion not saved: {0}").format(exc))
        return None
    img = vp.image
    frames = getattr(img, "slice_sources", None) or getattr(img, "sources", None) or []
    sources = fstore.load_sources(fr.instance.ref for fr in frames[:1])
    ds = write_text_sr(text, list(sources.values()), author=link.reader())
    path: Path = link.keep([ds], str(ds.StudyInstanceUID), link.to_cache(vp.series_key))[0]
    send(link, ds)
    link.changed.emit()
    link._status(translate("Findings", "Opinion saved"))
    return path


def received(link: Any, data: dict[str, Any]) -> Path | None:
    """A findings object from another participant: kept with the study and listed (an object
    of another study, or not a findings object, is dropped)."""
    try:
        packed = base64.b64decode(str(data.get("dicom", "")), validate=True)
        inflate = zlib.decompressobj()
        raw = inflate.decompress(packed, MAX_OBJECT_BYTES)
        if inflate.unconsumed_tail or not inflate.eof:
            return None  # larger than allowed, or cut short
        ds = pydicom.dcmread(io.BytesIO(raw))
    except Exception:  # a malformed share is dropped, never applied
        return None
    uid = str(ds.get("StudyInstanceUID", ""))
    if uid not in link.study_uids() or describe(FileRef("<shared>"), ds) is None:
        return None
    ws = link.workspace
    key = next(
        (k for k, s in ws.series.items() if s.frames and s.frames[0].instance.study_uid == uid),
        "",
    )
    try:
        path: Path = link.keep([ds], uid, link.to_cache(key) if key else None)[0]
    except (OSError, ValueError) as exc:
        link._status(translate("Findings", "A shared finding could not be kept: {0}").format(exc))
        return None
    link.changed.emit()
    link._status(translate("Findings", "A participant shared findings"))
    return path
