"""Exports of a study to a folder or a zip, optionally anonymized and with a DICOMDIR.

Everything is written under a temporary name beside the target and renamed into place at the end,
so that a failed or cancelled export leaves nothing half written. Progress is reported through a
callback (done, total, what); a cancel callback returning True stops the export between objects.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

from viewer.dicom.export.anonymize import Anonymizer
from viewer.dicom.export.dicomdir import MediumBuilder
from viewer.dicom.scan import scan
from viewer.dicom.sources import FileRef

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]


class ExportCancelled(Exception):
    """The export was cancelled; nothing was left at the target."""


@dataclass(slots=True)
class ExportResult:
    path: Path
    objects: int
    warnings: list[str] = field(default_factory=list)
    uid_map: dict[str, str] = field(default_factory=dict)


def study_refs(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[FileRef]:
    """Every DICOM object (images and presentation states, SRs, key objects) under ``paths``."""
    result = scan(paths)
    refs: dict[str, FileRef] = {}
    for series in result.all_series():
        for inst in [*series.instances, *series.non_image]:
            refs.setdefault(inst.sop_instance_uid, inst.ref)
    return list(refs.values())


def _temp_beside(target: Path, suffix: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent))


def export_objects(
    refs: Sequence[FileRef | Dataset],
    out: Path,
    *,
    anonymizer: Anonymizer | None = None,
    dicomdir: bool = True,
    as_zip: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ExportResult:
    """Write ``refs`` (files or datasets) to the folder or zip ``out`` (which must not exist)."""
    out = Path(out)
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        raise FileExistsError(f"{out} already exists; choose a new name or an empty folder")
    if not refs:
        raise ValueError("nothing to export")
    work = _temp_beside(out, ".partial")
    total = len(refs) + (1 if dicomdir else 0) + (1 if as_zip else 0)
    done = 0
    try:
        medium = MediumBuilder() if dicomdir else None
        for n, ref in enumerate(refs):
            if cancel is not None and cancel():
                raise ExportCancelled("export cancelled")
            ds = ref if isinstance(ref, Dataset) else _read(ref)  # a FileRef
            if anonymizer is not None:
                ds = anonymizer.anonymize(ds)
            if medium is not None:
                medium.add(ds)
            else:
                ds.save_as(work / f"IM{n + 1:06d}.dcm", enforce_file_format=True)
            done += 1
            if progress is not None:
                progress(done, total, str(ref) if not isinstance(ref, Dataset) else "dataset")
        if medium is not None:
            if cancel is not None and cancel():
                raise ExportCancelled("export cancelled")
            medium.write(work)
            done += 1
            if progress is not None:
                progress(done, total, "DICOMDIR")
        if as_zip:
            _zip_into_place(work, out, cancel)
            shutil.rmtree(work, ignore_errors=True)
            done += 1
            if progress is not None:
                progress(done, total, str(out))
        else:
            if out.exists():
                out.rmdir()
            os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ExportResult(
        out,
        len(refs),
        list(anonymizer.warnings) if anonymizer else [],
        dict(anonymizer.uid_map) if anonymizer else {},
    )


def _read(ref: FileRef) -> Dataset:
    with ref.open() as f:
        return pydicom.dcmread(f)


def _zip_into_place(folder: Path, out: Path, cancel: Cancel | None) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                if cancel is not None and cancel():
                    raise ExportCancelled("export cancelled")
                zf.write(path, path.relative_to(folder).as_posix())
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def export_study(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    out: Path,
    *,
    anonymize: bool = False,
    dicomdir: bool = True,
    as_zip: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    anonymizer: Anonymizer | None = None,
) -> ExportResult:
    """Export every object under ``paths`` (files, folders, zips, DICOMDIRs) as one medium."""
    refs = study_refs(paths)
    anon = anonymizer if anonymizer is not None else (Anonymizer() if anonymize else None)
    return export_objects(
        refs,
        Path(out),
        anonymizer=anon,
        dicomdir=dicomdir,
        as_zip=as_zip,
        progress=progress,
        cancel=cancel,
    )
