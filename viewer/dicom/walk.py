"""Which objects a scan reads: folders walked, zip archives listed, DICOMDIRs followed.

Only regular files are ever opened (named pipes, sockets and devices are reported, never read:
reading them could block for ever). Zip containers that are documents (``.xlsx``, ``.docx``,
``.odt``, ``.jar`` …) are skipped with one note instead of one problem per member. A DICOMDIR is
followed record by record: a bad or escaping record is reported and the good ones still open;
files it lists that are missing are named, and then its folder is scanned instead.
"""

from __future__ import annotations

import os
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from viewer.dicom import header
from viewer.dicom.i18n import QT_TRANSLATE_NOOP, translate
from viewer.dicom.limits import human_bytes
from viewer.dicom.model import Problem
from viewer.dicom.sources import FileRef, max_member_bytes, open_regular, special_kind

#: Zip-based document formats: never DICOM archives.
_DOCUMENT_SUFFIXES = {
    ".xlsx": QT_TRANSLATE_NOOP("Problems", "an Excel workbook"),
    ".xlsm": QT_TRANSLATE_NOOP("Problems", "an Excel workbook"),
    ".docx": QT_TRANSLATE_NOOP("Problems", "a Word document"),
    ".pptx": QT_TRANSLATE_NOOP("Problems", "a PowerPoint presentation"),
    ".odt": QT_TRANSLATE_NOOP("Problems", "an OpenDocument file"),
    ".ods": QT_TRANSLATE_NOOP("Problems", "an OpenDocument file"),
    ".odp": QT_TRANSLATE_NOOP("Problems", "an OpenDocument file"),
    ".epub": QT_TRANSLATE_NOOP("Problems", "an e-book"),
    ".jar": QT_TRANSLATE_NOOP("Problems", "a Java archive"),
    ".apk": QT_TRANSLATE_NOOP("Problems", "an Android package"),
    ".whl": QT_TRANSLATE_NOOP("Problems", "a Python wheel"),
    ".kmz": QT_TRANSLATE_NOOP("Problems", "a map file"),
    ".3mf": QT_TRANSLATE_NOOP("Problems", "a 3D-print file"),
}
#: How many folders above a DICOMDIR its file IDs may start from (CD burners that put the
#: DICOMDIR in a subfolder still write IDs from the medium's root).
DICOMDIR_UP_LEVELS = 3
_MISSING_NAMED = 5


def iter_refs(
    paths: Iterable[str | os.PathLike[str]], problems: list[Problem]
) -> Iterator[FileRef]:
    """Every candidate object below ``paths``: files, zip members, DICOMDIR references."""
    for p in paths:
        path = os.fspath(p)
        try:
            st = os.stat(path)
        except OSError as exc:
            problems.append(Problem(path, _os_reason(exc)))
            continue
        kind = special_kind(st.st_mode)
        if kind == "a folder":
            yield from walk_folder(path, problems)
        elif kind is not None:
            problems.append(Problem(path, _not_a_file(kind)))
        elif os.path.basename(path).upper() == "DICOMDIR":
            yield from refs_of_dicomdir(path, problems)
        else:
            yield from refs_of_file(path, problems)


def _not_a_file(kind: str) -> str:
    return translate("Problems", "{0}, not a file: not read").format(translate("Problems", kind))


def _os_reason(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ENOENT:
        return translate("Problems", "no such file or folder")
    if exc.errno == errno.ENAMETOOLONG:
        return translate("Problems", "the file name is too long for this system")
    if exc.errno == errno.ELOOP:
        return translate("Problems", "a loop of symbolic links")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return translate("Problems", "permission denied")
    return translate("Problems", "cannot be read ({0})").format(exc.strerror or exc)


def walk_folder(
    folder: str, problems: list[Problem], skip: set[str] | None = None
) -> Iterator[FileRef]:
    """The files below ``folder`` (hidden ones and DICOMDIRs left out, links not followed into
    folders); ``skip`` holds real paths already read."""

    def onerror(exc: OSError) -> None:
        problems.append(Problem(exc.filename or folder, _os_reason(exc)))

    for root, dirs, files in os.walk(folder, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.upper() == "DICOMDIR" or name.startswith("."):
                continue  # DICOMDIR: its files are in this tree anyway; hidden files
            full = os.path.join(root, name)
            if skip is not None and os.path.realpath(full) in skip:
                continue
            try:
                st = os.stat(full)
            except OSError as exc:
                problems.append(Problem(full, _os_reason(exc)))
                continue
            kind = special_kind(st.st_mode)
            if kind is not None:
                problems.append(Problem(full, _not_a_file(kind)))
                continue
            yield from refs_of_file(full, problems)


def _head(path: str, n: int = 132) -> bytes:
    try:
        with open_regular(path) as f:
            return f.read(n)
    except OSError:
        return b""


def refs_of_file(path: str, problems: list[Problem]) -> Iterator[FileRef]:
    """The file itself, or the members of a zip archive."""
    head = _head(path)
    is_zip_name = path.lower().endswith(".zip")
    looks_zip = head[:4] == b"PK\x03\x04" and head[128:132] != b"DICM"
    if not (is_zip_name or looks_zip):
        yield FileRef(path)
        return
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            document = _document_kind(path, infos)
            if document is None and not is_zip_name and not _holds_dicom(zf, infos):
                document = QT_TRANSLATE_NOOP("Problems", "a zip archive holding no DICOM objects")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        why = translate("Problems", "not a readable zip archive ({0})")
        problems.append(Problem(path, why.format(exc)))
        return
    if document is not None:
        why = translate("Problems", "not DICOM ({0}); skipped")
        problems.append(Problem(path, why.format(translate("Problems", document)), "note"))
        return
    limit = max_member_bytes()
    for info in sorted(infos, key=lambda i: i.filename):
        name = info.filename
        if os.path.basename(name).upper() == "DICOMDIR" or name.startswith("__MACOSX/"):
            continue
        if info.file_size > limit:
            problems.append(
                Problem(
                    str(FileRef(path, name)),
                    f"zip member declares {human_bytes(info.file_size)}, more than allowed "
                    f"({human_bytes(limit)}): not read",
                )
            )
            continue
        yield FileRef(path, name)


def _document_kind(path: str, infos: list[zipfile.ZipInfo]) -> str | None:
    suffix = os.path.splitext(path)[1].lower()
    if suffix in _DOCUMENT_SUFFIXES:
        return _DOCUMENT_SUFFIXES[suffix]
    names = {i.filename for i in infos}
    if "[Content_Types].xml" in names:
        return QT_TRANSLATE_NOOP("Problems", "an Office document")
    if infos and infos[0].filename == "mimetype":
        return QT_TRANSLATE_NOOP("Problems", "an OpenDocument or e-book file")
    if "META-INF/MANIFEST.MF" in names:
        return QT_TRANSLATE_NOOP("Problems", "a Java archive")
    return None


def _holds_dicom(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], sample: int = 20) -> bool:
    """Whether any of the first members looks like DICOM (132 bytes of each are inflated)."""
    for info in infos[:sample]:
        try:
            with zf.open(info) as f:
                head = f.read(132)
        except Exception:
            continue
        if head[128:132] == b"DICM" or os.path.basename(info.filename).upper() == "DICOMDIR":
            return True
        if len(head) >= 8 and head[:2] in (b"\x08\x00", b"\x02\x00"):
            return True  # a raw dataset starting with group 0008 or 0002
    return False


# --------------------------------------------------------------------------- DICOMDIR


def refs_of_dicomdir(path: str, problems: list[Problem]) -> Iterator[FileRef]:
    """The files a DICOMDIR lists, record by record; its folder when it is unusable."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        ids = _dicomdir_ids(path, problems)
    except Exception as exc:
        why = translate("Problems", "unreadable DICOMDIR ({0}); its folder was scanned instead")
        problems.append(Problem(path, why.format(_describe(exc))))
        yield from walk_folder(folder, problems)
        return
    base = _choose_base(folder, [parts for _, parts in ids])
    real_base = os.path.realpath(base)
    seen: set[str] = set()
    missing: list[str] = []
    for n, parts in ids:
        full = _find(base, parts)
        shown = os.path.join(base, *parts)
        if full is None:
            missing.append(shown)
            why = translate("Problems", "listed in DICOMDIR (record {0}) but missing")
            problems.append(Problem(shown, why.format(n)))
            continue
        real = os.path.realpath(full)
        if not (real == real_base or real.startswith(real_base + os.sep)):
            why = translate("Problems", "file ID leads outside the medium (a link); ignored")
            problems.append(Problem(f"{path} [record {n}]", why))
            continue
        if real in seen:
            continue
        seen.add(real)
        try:
            kind = special_kind(os.stat(full).st_mode)
        except OSError as exc:
            problems.append(Problem(full, _os_reason(exc)))
            continue
        if kind is not None:
            problems.append(Problem(full, _not_a_file(kind)))
            continue
        yield FileRef(full)
    if missing or not ids:
        named = ", ".join(os.path.relpath(m, base) for m in missing[:_MISSING_NAMED])
        extra = len(missing) - _MISSING_NAMED
        more = translate("Problems", " and {0} more").format(extra) if extra > 0 else ""
        what = (
            translate("Problems", "{0} of the {1} files it lists are missing ({2})").format(
                len(missing), len(ids), named + more
            )
            if missing
            else translate("Problems", "it lists no files")
        )
        why = translate("Problems", "DICOMDIR: {0}; its folder was scanned instead")
        problems.append(Problem(path, why.format(what)))
        yield from walk_folder(folder, problems, skip=seen)


def _dicomdir_ids(path: str, problems: list[Problem]) -> list[tuple[int, list[str]]]:
    """(record number, file ID components) of every record naming a file; bad records are
    reported and left out. Read while the file is open (large values are read when used)."""
    ids: list[tuple[int, list[str]]] = []
    with open_regular(path) as f, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # bounded like any header; not deferred: values inside records cannot be re-read later
        ds = header.read(f, os.fstat(f.fileno()).st_size, defer=False).ds
        records = ds.get("DirectoryRecordSequence") or []
        for n, rec in enumerate(records, start=1):
            try:
                fid = rec.get("ReferencedFileID")
                if fid is None:
                    continue
                parts = _file_id_parts(fid)
            except Exception as exc:
                why = translate("Problems", "unreadable record ({0})").format(_describe(exc))
                problems.append(Problem(f"{path} [record {n}]", why))
                continue
            bad = _bad_file_id(parts)
            if bad:
                shown = "\\".join(parts)
                why = translate("Problems", "file ID {0} {1}; ignored")
                problems.append(Problem(f"{path} [record {n}]", why.format(repr(shown), bad)))
                continue
            ids.append((n, parts))
    return ids


def _file_id_parts(fid: Any) -> list[str]:
    if isinstance(fid, (str, bytes)):
        text = fid.decode("ascii", "replace") if isinstance(fid, bytes) else fid
        return [p.strip() for p in text.split("\\")]
    return [str(p).strip() for p in fid]


def _bad_file_id(parts: list[str]) -> str | None:
    if not parts or any(not p for p in parts):
        return translate("Problems", "is empty or has an empty component")
    for p in parts:
        if p in (".", "..") or "/" in p or "\\" in p or ":" in p or "\0" in p:
            return translate("Problems", "leaves the medium's folder")
        if len(p.encode("utf-8", "replace")) > 255:
            return translate("Problems", "has a component too long for a file name")
    if len(parts) > 16:
        return translate("Problems", "is nested too deep")
    return None


def _find(base: str, parts: list[str]) -> str | None:
    """``base/parts…`` as it is on disk, matching names case-insensitively (CDs burned in
    upper case are often mounted in lower case)."""
    exact = os.path.join(base, *parts)
    if os.path.lexists(exact):
        return exact
    here = base
    for part in parts:
        try:
            names = os.listdir(here)
        except OSError:
            return None
        match = next((n for n in names if n.upper() == part.upper()), None)
        if match is None:
            return None
        here = os.path.join(here, match)
    return here


def _choose_base(folder: str, ids: list[list[str]], sample: int = 50) -> str:
    """The folder the file IDs start from: the DICOMDIR's own, or one above it."""
    candidates = [folder]
    here = folder
    for _ in range(DICOMDIR_UP_LEVELS):
        parent = os.path.dirname(here)
        if parent == here:
            break
        candidates.append(parent)
        here = parent
    picked = ids[:sample]
    if not picked:
        return folder
    best, best_hits = folder, -1
    for cand in candidates:
        hits = sum(1 for parts in picked if _find(cand, parts) is not None)
        if hits > best_hits:
            best, best_hits = cand, hits
        if hits == len(picked):
            break
    return best if best_hits > 0 else folder


def _describe(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {msg[:200]}" if msg else name
