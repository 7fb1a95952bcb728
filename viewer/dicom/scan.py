"""Header-only scan of folders, zip archives, DICOMDIRs and files into patient → study → series.

Pixel data is never decoded here. For every object we remember where its Pixel Data value starts
so that the loader can read it without parsing the header again.
"""

from __future__ import annotations

import math
import os
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, BinaryIO

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from viewer.dicom.model import (
    FrameGeometry,
    FrameRef,
    InstanceInfo,
    PatientInfo,
    PixelFormat,
    Problem,
    ScanResult,
    SeriesInfo,
    StudyInfo,
)
from viewer.dicom.sources import FileRef

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"
#: Largest pixel payload we agree to allocate for one object (protects against absurd headers).
MAX_OBJECT_PIXEL_BYTES = 8 * 1024**3
MAX_FRAMES = 100_000
_NATIVE_TS = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"}
_LONG_VRS = {b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"OD", b"OL", b"OV", b"UC", b"UR"}

ProgressFn = Callable[[int, str], None]


class HeaderError(ValueError):
    """The header is readable but makes no sense (wrong sizes, invalid geometry...)."""


# --------------------------------------------------------------------------- enumeration


def iter_refs(
    paths: Iterable[str | os.PathLike[str]], problems: list[Problem]
) -> Iterator[FileRef]:
    """Every candidate object below ``paths``: files, zip members, DICOMDIR references."""
    for p in paths:
        path = os.fspath(p)
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if name.upper() == "DICOMDIR" or name.startswith("."):
                        continue  # DICOMDIR: its files are in this tree anyway; hidden files
                    yield from _refs_of_file(full, problems)
        elif os.path.isfile(path):
            if os.path.basename(path).upper() == "DICOMDIR":
                yield from _refs_of_dicomdir(path, problems)
            else:
                yield from _refs_of_file(path, problems)
        else:
            problems.append(Problem(path, "no such file or folder"))


def _refs_of_file(path: str, problems: list[Problem]) -> Iterator[FileRef]:
    if path.lower().endswith(".zip") or (_looks_like_zip(path) and not _looks_like_dicom(path)):
        try:
            with zipfile.ZipFile(path) as zf:
                names = [i.filename for i in zf.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            problems.append(Problem(path, f"not a readable zip archive ({exc})"))
            return
        for name in sorted(names):
            if os.path.basename(name).upper() == "DICOMDIR" or name.startswith("__MACOSX/"):
                continue
            yield FileRef(path, name)
    else:
        yield FileRef(path)


def _looks_like_zip(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _looks_like_dicom(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            f.seek(128)
            return f.read(4) == b"DICM"
    except OSError:
        return False


def _refs_of_dicomdir(path: str, problems: list[Problem]) -> Iterator[FileRef]:
    try:
        from pydicom.fileset import FileSet

        fs = FileSet(pydicom.dcmread(path))
        instances = list(fs)
    except Exception as exc:
        problems.append(Problem(path, f"unreadable DICOMDIR ({exc})"))
        return
    for inst in instances:
        yield FileRef(os.fspath(inst.path))


# --------------------------------------------------------------------------- one object


def read_header(ref: FileRef) -> InstanceInfo | None:
    """Parse one object's header. Returns None for objects that are not images or series members
    (a DICOMDIR); raises with a clear message for anything unreadable."""
    size = ref.size()
    if size == 0:
        raise HeaderError("empty file (0 bytes)")
    with ref.open() as f:
        ds = _dcmread_header(f)
        pixel_tell = f.tell()
        offset, length = _pixel_element(f, ds, pixel_tell, size)
    return instance_from_dataset(ds, ref, offset, length)


def _dcmread_header(f: BinaryIO) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pydicom.dcmread(f, stop_before_pixels=True)
        except InvalidDicomError:
            f.seek(0)
            ds = pydicom.dcmread(f, stop_before_pixels=True, force=True)
            # force=True reads anything; keep it only if it is recognisably DICOM
            if "SOPInstanceUID" not in ds and "SOPClassUID" not in ds:
                raise HeaderError("not a DICOM file (no preamble and no DICOM header)") from None
            return ds


def _pixel_element(f: BinaryIO, ds: Dataset, tell: int, size: int) -> tuple[int | None, int | None]:
    """Offset and length (None when undefined) of the Pixel Data value after a header stop."""
    implicit, little = _encoding(ds)
    if not little:
        return None, None
    f.seek(tell)
    head = f.read(12)
    if len(head) < 8 or head[:4] != b"\xe0\x7f\x10\x00":
        return None, None
    if implicit:
        (length,) = struct.unpack("<I", head[4:8])
        value_at = tell + 8
    elif head[4:6] in _LONG_VRS:
        if len(head) < 12:
            return None, None
        (length,) = struct.unpack("<I", head[8:12])
        value_at = tell + 12
    else:
        (length,) = struct.unpack("<H", head[6:8])
        value_at = tell + 8
    if length == 0xFFFFFFFF:
        return value_at, None
    return value_at, length


def _encoding(ds: Dataset) -> tuple[bool, bool]:
    """(implicit VR, little endian) as the dataset was actually read (files sometimes lie)."""
    enc = getattr(ds, "original_encoding", None)
    if enc is not None and enc[0] is not None and enc[1] is not None:
        return bool(enc[0]), bool(enc[1])
    tsuid = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    if tsuid:
        uid = UID(tsuid)
        if uid.is_transfer_syntax:
            return uid.is_implicit_VR, uid.is_little_endian
    return True, True


def _transfer_syntax(ds: Dataset) -> str:
    tsuid = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    if tsuid:
        return str(tsuid)
    implicit, little = _encoding(ds)
    if implicit:
        return "1.2.840.10008.1.2"
    return "1.2.840.10008.1.2.1" if little else "1.2.840.10008.1.2.2"


def _text(ds: Dataset, keyword: str) -> str:
    v = ds.get(keyword, "")
    if v is None:
        return ""
    if isinstance(v, pydicom.multival.MultiValue):
        return "\\".join(str(x) for x in v)
    return str(v).strip()


def _int(ds: Dataset, keyword: str) -> int | None:
    v = ds.get(keyword)
    if v is None or v == "":
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _floats(ds: Dataset, keyword: str, n: int) -> tuple[float, ...] | None:
    v = ds.get(keyword)
    if v is None or v == "":
        return None
    seq = list(v) if isinstance(v, Sequence) and not isinstance(v, str) else [v]
    if len(seq) != n:
        raise HeaderError(f"{keyword} has {len(seq)} values, expected {n}")
    try:
        out = tuple(float(x) for x in seq)
    except (TypeError, ValueError) as exc:
        raise HeaderError(f"{keyword} is not numeric ({exc})") from None
    if not all(math.isfinite(x) for x in out):
        raise HeaderError(f"{keyword} is not finite")
    return out


def _first_float(ds: Dataset, keyword: str) -> float | None:
    v = ds.get(keyword)
    if v is None or v == "":
        return None
    if isinstance(v, Sequence) and not isinstance(v, str):
        if len(v) == 0:
            return None
        v = v[0]
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _orientation(ds: Dataset) -> tuple[float, float, float, float, float, float] | None:
    o = _floats(ds, "ImageOrientationPatient", 6)
    if o is None:
        return None
    r = o[:3]
    c = o[3:]
    nr = math.sqrt(sum(x * x for x in r))
    nc = math.sqrt(sum(x * x for x in c))
    if (
        abs(nr - 1) > 0.01
        or abs(nc - 1) > 0.01
        or abs(sum(a * b for a, b in zip(r, c, strict=True))) > 0.01
    ):
        raise HeaderError("Image Orientation (Patient) is not two orthogonal unit vectors")
    rr = tuple(x / nr for x in r)
    cc = tuple(x / nc for x in c)
    return (rr[0], rr[1], rr[2], cc[0], cc[1], cc[2])


def _spacing(ds: Dataset) -> tuple[float, float] | None:
    s = _floats(ds, "PixelSpacing", 2)
    if s is None:
        return None
    if s[0] <= 0 or s[1] <= 0:
        return None  # written as 0\\0 by some modalities: the image is not calibrated
    return (s[0], s[1])


def _geometry(ds: Dataset, fallback: FrameGeometry | None = None) -> FrameGeometry:
    """Geometry from the plane modules found in ``ds`` (top level or a functional group)."""

    def item(seq_kw: str) -> Dataset | None:
        seq = ds.get(seq_kw)
        return seq[0] if seq else None

    pos_ds = item("PlanePositionSequence") or ds
    ori_ds = item("PlaneOrientationSequence") or ds
    meas_ds = item("PixelMeasuresSequence") or ds
    resc_ds = item("PixelValueTransformationSequence") or ds
    fb = fallback
    position = _floats(pos_ds, "ImagePositionPatient", 3)
    orientation = _orientation(ori_ds)
    spacing = _spacing(meas_ds)
    thickness = _first_float(meas_ds, "SliceThickness")
    slope = _first_float(resc_ds, "RescaleSlope")
    intercept = _first_float(resc_ds, "RescaleIntercept")
    return FrameGeometry(
        position=position if position is not None else (fb.position if fb else None),  # type: ignore[arg-type]
        orientation=orientation if orientation is not None else (fb.orientation if fb else None),
        pixel_spacing=spacing if spacing is not None else (fb.pixel_spacing if fb else None),
        slice_thickness=thickness
        if thickness is not None
        else (fb.slice_thickness if fb else None),
        rescale_slope=slope if slope is not None else (fb.rescale_slope if fb else 1.0),
        rescale_intercept=(
            intercept if intercept is not None else (fb.rescale_intercept if fb else 0.0)
        ),
    )


def _pixel_format(ds: Dataset) -> PixelFormat | None:
    if "Rows" not in ds or "Columns" not in ds:
        return None
    rows, cols = _int(ds, "Rows"), _int(ds, "Columns")
    spp = _int(ds, "SamplesPerPixel") or 1
    ba = _int(ds, "BitsAllocated")
    bs = _int(ds, "BitsStored") or ba
    pr = _int(ds, "PixelRepresentation") or 0
    if not rows or not cols or rows < 0 or cols < 0:
        raise HeaderError(f"Rows×Columns {rows}×{cols} is not a valid image size")
    if ba not in (1, 8, 16, 32, 64):
        raise HeaderError(f"Bits Allocated {ba} is not supported")
    if bs is None or bs < 1 or bs > ba:
        raise HeaderError(f"Bits Stored {bs} does not fit Bits Allocated {ba}")
    if spp not in (1, 3, 4):
        raise HeaderError(f"Samples per Pixel {spp} is not supported")
    if pr not in (0, 1):
        raise HeaderError(f"Pixel Representation {pr} is invalid")
    return PixelFormat(
        rows=rows,
        columns=cols,
        samples_per_pixel=spp,
        bits_allocated=ba,
        bits_stored=bs,
        pixel_representation=pr,
        photometric=_text(ds, "PhotometricInterpretation") or "MONOCHROME2",
        planar_configuration=_int(ds, "PlanarConfiguration") or 0,
    )


def instance_from_dataset(
    ds: Dataset, ref: FileRef, pixel_offset: int | None = None, pixel_length: int | None = None
) -> InstanceInfo | None:
    sop_class = _text(ds, "SOPClassUID") or str(
        getattr(getattr(ds, "file_meta", None), "MediaStorageSOPClassUID", "")
    )
    if sop_class == MEDIA_STORAGE_DIRECTORY:
        return None
    # Objects missing their UIDs still open: each gets identifiers derived from where it lies.
    sop_uid = _text(ds, "SOPInstanceUID") or f"no-uid:{ref}"
    series_uid = _text(ds, "SeriesInstanceUID") or f"no-series-uid:{ref}"
    study_uid = _text(ds, "StudyInstanceUID") or f"no-study-uid:{ref}"
    pix = _pixel_format(ds)
    n_frames = _int(ds, "NumberOfFrames") or 1
    if n_frames < 1 or n_frames > MAX_FRAMES:
        raise HeaderError(f"Number of Frames {n_frames} is not plausible")
    tsuid = _transfer_syntax(ds)
    if pix is not None:
        total = pix.frame_bytes * n_frames
        if total > MAX_OBJECT_PIXEL_BYTES:
            raise HeaderError(f"header claims {total} bytes of pixels, more than is plausible")
        native = tsuid in _NATIVE_TS
        if native and pixel_length is not None and pixel_length + 1 < total:
            raise HeaderError(
                f"Pixel Data holds {pixel_length} bytes, but Rows×Columns×Samples×Frames "
                f"({pix.rows}×{pix.columns}×{pix.samples_per_pixel}×{n_frames}) needs {total}"
            )
    # geometry: classic top level, or enhanced functional groups
    shared = ds.get("SharedFunctionalGroupsSequence")
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    top = _geometry(ds)
    stack_ids: list[str] | None = None
    in_stack: list[int] | None = None
    if per_frame is not None and len(per_frame) > 0:
        base = _geometry(shared[0], top) if shared else top
        if len(per_frame) < n_frames:
            raise HeaderError(f"{len(per_frame)} per-frame functional groups for {n_frames} frames")
        per_frame = list(per_frame)[:n_frames]
        frames = [_geometry(item, base) for item in per_frame]
        stack_ids, in_stack = [], []
        for item in per_frame:
            fc = item.get("FrameContentSequence")
            fc0 = fc[0] if fc else Dataset()
            stack_ids.append(_text(fc0, "StackID"))
            in_stack.append(_int(fc0, "InStackPositionNumber") or 0)
    elif n_frames > 1:
        # multi-frame without per-frame geometry (cine, ultrasound): frames share one plane
        frames = [
            FrameGeometry(
                None,
                top.orientation,
                top.pixel_spacing,
                top.slice_thickness,
                top.rescale_slope,
                top.rescale_intercept,
            )
        ] * n_frames
    else:
        frames = [top]
    wc = _first_float(ds, "WindowCenter")
    ww = _first_float(ds, "WindowWidth")
    ips = ds.get("ImagerPixelSpacing")
    imager = None
    if ips is not None and len(ips) == 2:
        try:
            imager = (float(ips[0]), float(ips[1]))
        except (TypeError, ValueError):
            imager = None
    return InstanceInfo(
        ref=ref,
        sop_class_uid=sop_class,
        sop_instance_uid=sop_uid,
        transfer_syntax_uid=tsuid,
        patient_id=_text(ds, "PatientID"),
        patient_name=_text(ds, "PatientName"),
        patient_birth_date=_text(ds, "PatientBirthDate"),
        patient_sex=_text(ds, "PatientSex"),
        study_uid=study_uid,
        study_date=_text(ds, "StudyDate"),
        study_time=_text(ds, "StudyTime"),
        study_description=_text(ds, "StudyDescription"),
        accession_number=_text(ds, "AccessionNumber"),
        series_uid=series_uid,
        series_number=_int(ds, "SeriesNumber"),
        series_description=_text(ds, "SeriesDescription"),
        modality=_text(ds, "Modality"),
        frame_of_reference_uid=_text(ds, "FrameOfReferenceUID"),
        instance_number=_int(ds, "InstanceNumber"),
        pixel=pix,
        number_of_frames=n_frames,
        frames=frames,
        pixel_data_offset=pixel_offset if pix is not None else None,
        pixel_data_length=pixel_length if pix is not None else None,
        window_center=wc,
        window_width=ww if ww is None or ww > 0 else None,
        imager_pixel_spacing=imager,
        institution_name=_text(ds, "InstitutionName"),
        body_part=_text(ds, "BodyPartExamined"),
        stack_ids=stack_ids,
        in_stack_positions=in_stack,
    )


# --------------------------------------------------------------------------- grouping


def _orientation_key(g: FrameGeometry) -> tuple[float, ...] | None:
    if g.orientation is None:
        return None
    return tuple(round(v, 3) + 0.0 for v in g.orientation)


def group(instances: Iterable[InstanceInfo]) -> list[PatientInfo]:
    """Patient → study → series, splitting a series whose frames differ in plane or matrix."""
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
            if len(groups) > 1:
                s.notes.append(
                    f"series has {len(groups)} different planes or image sizes; "
                    f"shown as {len(groups)} parts (this is part {part + 1})"
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


def scan(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    progress: ProgressFn | None = None,
) -> ScanResult:
    """Scan files, folders (recursively), zip archives and DICOMDIRs; never raises for bad files."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    result = ScanResult()
    instances: list[InstanceInfo] = []
    for n, ref in enumerate(iter_refs(paths, result.problems), start=1):
        result.files_seen = n
        try:
            inst = read_header(ref)
        except (HeaderError, InvalidDicomError) as exc:
            result.problems.append(Problem(str(ref), str(exc)))
            continue
        except Exception as exc:  # pydicom raises many kinds for corrupt input
            result.problems.append(Problem(str(ref), f"unreadable DICOM header ({_describe(exc)})"))
            continue
        if inst is not None:
            instances.append(inst)
        if progress is not None:
            progress(n, str(ref))
    result.patients = group(instances)
    return result


def _describe(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {msg[:200]}" if msg else name
