"""One call to save the reader's work (Ctrl+S) and one to reopen a listed object.

:func:`save_work` writes the GSPS (always), the TID 1500 SR (when a measurement has a value a
report can carry) and the key object selection (when there are key images) into a folder, each
under a temporary name renamed when whole. :func:`open_findings` turns any catalogued object back
into a :class:`ReaderWork`. :func:`dataset_bytes` gives the Part 10 bytes to send (STOW-RS).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

from viewer.dicom.findings.catalog import FindingsObject, describe
from viewer.dicom.findings.classes import KOS_CLASS, PS_CLASSES
from viewer.dicom.findings.kos import read_kos, write_kos
from viewer.dicom.findings.model import ReaderWork
from viewer.dicom.findings.pstate import read_gsps, write_gsps
from viewer.dicom.findings.sr import (
    BASIC_TEXT_SR,
    read_measurement_sr,
    read_text_sr,
    write_measurement_sr,
)
from viewer.dicom.sources import FileRef


@dataclass(slots=True)
class Saved:
    """The files written, and why an object was not."""

    files: dict[str, Path] = field(default_factory=dict)  # "gsps" / "sr" / "kos" → path
    skipped: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)


def load_sources(refs: Iterable[FileRef]) -> dict[str, Dataset]:
    """Header datasets (no pixels) of the referenced images, by SOP Instance UID."""
    out: dict[str, Dataset] = {}
    for ref in refs:
        with ref.open() as f:
            ds = pydicom.dcmread(f, stop_before_pixels=True)
        out[str(ds.SOPInstanceUID)] = ds
    return out


def dataset_bytes(ds: Dataset) -> bytes:
    """The object as a DICOM Part 10 file in memory (for STOW-RS or a consultation upload)."""
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _write(ds: Dataset, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    try:
        ds.save_as(tmp, enforce_file_format=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_work(work: ReaderWork, sources: Mapping[str, Dataset], folder: Path) -> Saved:
    """Write the work's GSPS, SR and KOS into ``folder`` (named by SOP Instance UID)."""
    saved = Saved()
    made: dict[str, Dataset] = {"gsps": write_gsps(work, sources)}
    try:
        made["sr"] = write_measurement_sr(
            work.findings, sources, author=work.author, created=work.created
        )
    except ValueError as exc:
        saved.skipped["sr"] = str(exc)
    if work.key_images:
        made["kos"] = write_kos(
            work.key_images,
            sources,
            author=work.author,
            title=work.key_title,
            note=work.key_note,
            created=work.created,
        )
    else:
        saved.skipped["kos"] = "no key image marked"
    for kind, ds in made.items():
        saved.files[kind] = _write(ds, Path(folder) / f"{kind.upper()}_{ds.SOPInstanceUID}.dcm")
        saved.datasets[kind] = ds
    return saved


def open_findings(obj: FindingsObject | FileRef) -> ReaderWork:
    """The reader's work an object holds: a presentation state's view and annotations, an SR's
    measurements, a key object selection's images, a text report's words (as description)."""
    ref = obj.ref if isinstance(obj, FindingsObject) else obj
    with ref.open() as f:
        ds = pydicom.dcmread(f)
    entry = describe(ref, ds)
    if entry is None:
        raise ValueError(f"{ref} is not a presentation state, SR or key object selection")
    cls = entry.sop_class_uid
    if cls in PS_CLASSES:
        return read_gsps(ds)
    work = ReaderWork(entry.study_uid, "", author=entry.author, label=entry.label)
    if entry.created is not None:
        work.created = entry.created
    if cls == KOS_CLASS:
        title, images, note, _author = read_kos(ds)
        work.key_images, work.key_title, work.key_note = images, title, note
    elif cls == BASIC_TEXT_SR:
        work.author, work.description = read_text_sr(ds)
    else:
        work.findings = read_measurement_sr(ds)
    return work
