"""Header-only scan of folders, zip archives, DICOMDIRs and files into patient → study → series.

Pixel data is never decoded here. For every object we remember where its Pixel Data value starts
so that the loader can read it without parsing the header again.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from typing import cast

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from viewer.dicom import header
from viewer.dicom.fastheader import FastResult, read_fast, read_prefix
from viewer.dicom.grouping import dedupe, group
from viewer.dicom.header import HeaderError
from viewer.dicom.i18n import translate
from viewer.dicom.limits import human_bytes, limits
from viewer.dicom.model import (
    FrameGeometry,
    InstanceInfo,
    PixelFormat,
    Problem,
    ScanResult,
)
from viewer.dicom.sources import FileRef
from viewer.dicom.syntaxes import DEFLATED, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, UNCOMPRESSED
from viewer.dicom.values import first_value, float_of
from viewer.dicom.walk import iter_refs

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"

ProgressFn = Callable[[int, str], None]

__all__ = [
    "HeaderError",
    "dedupe",
    "group",
    "instance_from_dataset",
    "iter_refs",
    "read_header",
    "scan",
]


# --------------------------------------------------------------------------- one object


def read_header(ref: FileRef) -> InstanceInfo | None:
    """Parse one object's header. Returns None for objects that are not images or series members
    (a DICOMDIR); raises with a clear message for anything unreadable.

    A well-formed little-endian object (a file or a zip member) is read in one bounded read and
    walked in memory (:mod:`viewer.dicom.fastheader`); anything else, or anything that path is
    not sure about, is read by pydicom under the read limits (:func:`viewer.dicom.header.read`)."""
    try:
        fast = read_fast(ref.path) if ref.member is None else _read_fast_member(ref)
    except Exception:  # unreadable, a damaged zip member...: the careful path reports it
        fast = None
    if fast is not None:
        offset = length = None
        if fast.pixel_tell is not None:
            offset, length = header.pixel_value(
                fast.pixel_head, fast.pixel_tell, fast.header.original_encoding[0]
            )
        inst = instance_from_dataset(cast(Dataset, fast.header), ref, offset, length)
        return _checked(inst, fast.size, fast.dataset_offset, True, fast.pixel_tell, offset)
    try:
        size = ref.size()
    except (KeyError, ValueError) as exc:
        raise HeaderError(str(exc)) from None
    if size == 0:
        raise HeaderError(translate("Problems", "empty file (0 bytes)"))
    with ref.open() as f:
        h = header.read(f, size, streamed=ref.member is not None)
        offset = length = None
        if h.pixel_tell is not None:
            offset, length = header.pixel_element(h.stream, _encoding(h.ds), h.pixel_tell)
        # inside: large values were deferred and are read from the open stream when used
        inst = instance_from_dataset(h.ds, ref, offset, length)
    return _checked(inst, size, h.dataset_offset, h.has_meta, h.pixel_tell, offset)


def _read_fast_member(ref: FileRef) -> FastResult | None:
    """:func:`read_prefix` on a zip member, inflated only as far as the prefix is read."""
    size = ref.size()
    with ref.open() as f:
        return read_prefix(f.read, size)


def _checked(
    inst: InstanceInfo | None,
    size: int,
    dataset_offset: int,
    has_meta: bool,
    pixel_tell: int | None,
    offset: int | None,
) -> InstanceInfo | None:
    """``inst`` completed with where it lies, or refused when its pixels cannot be there."""
    if inst is None:
        return None
    inst.file_size = size
    inst.dataset_offset = dataset_offset
    inst.has_meta = has_meta
    if inst.pixel is not None and pixel_tell is None:
        raise HeaderError(
            translate("Problems", "no Pixel Data: the file ends after its header (truncated?)")
        )
    if inst.pixel is None and "Image Storage" in UID(inst.sop_class_uid).name:
        raise HeaderError(
            translate(
                "Problems",
                "no image description ({0} without Rows/Columns): the file is truncated or corrupt",
            ).format(UID(inst.sop_class_uid).name)
        )
    if (
        inst.pixel is not None
        and inst.transfer_syntax_uid in UNCOMPRESSED
        and inst.transfer_syntax_uid != DEFLATED
        and offset is not None
    ):
        need = inst.pixel.frame_bytes * inst.number_of_frames
        if offset + need > size + 1:
            raise HeaderError(
                translate(
                    "Problems", "file truncated: its pixels need {0} bytes, only {1} are present"
                ).format(need, max(0, size - offset))
            )
    return inst


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
        return IMPLICIT_LE
    return EXPLICIT_LE if little else EXPLICIT_BE


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


def _spacing(ds: Dataset, warn: list[str] | None = None) -> tuple[float, float] | None:
    s = _floats(ds, "PixelSpacing", 2)
    if s is None:
        return None
    if s[0] <= 0 or s[1] <= 0:
        # written as 0\\0 by some modalities, negative by broken ones: not calibrated
        _warn(
            warn,
            translate(
                "Problems",
                "Pixel Spacing {0} mm is not positive: the image is not calibrated "
                "(no distances, not placed in 3D)",
            ).format(f"{s[0]:g}\\{s[1]:g}"),
        )
        return None
    return (s[0], s[1])


def _warn(warn: list[str] | None, text: str) -> None:
    if warn is not None and text not in warn:
        warn.append(text)


def _rescale_value(
    ds: Dataset, keyword: str, default: float, warn: list[str] | None
) -> float | None:
    """A rescale value; None when absent. NaN/inf become ``default`` with a warning."""
    v = first_value(ds, keyword)
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        _warn(
            warn,
            translate("Problems", "{0} {1} is not a number; taken as {2}").format(
                _SPACED[keyword], repr(str(v)[:20]), f"{default:g}"
            ),
        )
        return default
    if not math.isfinite(f):
        _warn(
            warn,
            translate(
                "Problems",
                "{0} is {1}; taken as {2}, so the values shown may not be in the modality's units",
            ).format(_SPACED[keyword], f, f"{default:g}"),
        )
        return default
    return f


_SPACED = {"RescaleSlope": "Rescale Slope", "RescaleIntercept": "Rescale Intercept"}


def _geometry(
    ds: Dataset, fallback: FrameGeometry | None = None, warn: list[str] | None = None
) -> FrameGeometry:
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
    spacing = _spacing(meas_ds, warn)
    thickness = float_of(meas_ds, "SliceThickness")
    slope = _rescale_value(resc_ds, "RescaleSlope", 1.0, warn)
    intercept = _rescale_value(resc_ds, "RescaleIntercept", 0.0, warn)
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
    lim = limits()
    n_frames = _int(ds, "NumberOfFrames") or 1
    if n_frames < 1 or n_frames > lim.max_frames:
        raise HeaderError(f"Number of Frames {n_frames} is not plausible")
    tsuid = _transfer_syntax(ds)
    warn: list[str] = []
    if pix is not None:
        if pix.frame_bytes > lim.max_frame_bytes:
            raise HeaderError(
                f"one frame of {pix.columns}×{pix.rows}×{pix.samples_per_pixel} at "
                f"{pix.bits_allocated} bits needs {human_bytes(pix.frame_bytes)}, more than the "
                f"{human_bytes(lim.max_frame_bytes)} allowed: not read"
            )
        total = pix.frame_bytes * n_frames
        if total > lim.max_series_bytes:
            raise HeaderError(
                f"{n_frames} frames of {human_bytes(pix.frame_bytes)} need "
                f"{human_bytes(total)}, more than the {human_bytes(lim.max_series_bytes)} allowed"
            )
        native = tsuid in UNCOMPRESSED
        if native and pixel_length is not None and pixel_length + 1 < total:
            raise HeaderError(
                f"Pixel Data holds {pixel_length} bytes, but Rows×Columns×Samples×Frames "
                f"({pix.rows}×{pix.columns}×{pix.samples_per_pixel}×{n_frames}) needs {total}"
            )
        if native and pixel_length is not None and pixel_length > total + 1:
            warn.append(
                f"Pixel Data holds {human_bytes(pixel_length)}, more than the "
                f"{human_bytes(total)} the image needs; the extra bytes are ignored"
            )
    # geometry: classic top level, or enhanced functional groups
    shared = ds.get("SharedFunctionalGroupsSequence")
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    top = _geometry(ds, None, warn)
    stack_ids: list[str] | None = None
    in_stack: list[int] | None = None
    if per_frame is not None and len(per_frame) > 0:
        base = _geometry(shared[0], top, warn) if shared else top
        if len(per_frame) < n_frames:
            raise HeaderError(f"{len(per_frame)} per-frame functional groups for {n_frames} frames")
        per_frame = list(per_frame)[:n_frames]
        frames = [_geometry(item, base, warn) for item in per_frame]
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
    wc = float_of(ds, "WindowCenter")
    ww = float_of(ds, "WindowWidth")
    ips = ds.get("ImagerPixelSpacing")
    imager = None
    if isinstance(ips, Sequence) and not isinstance(ips, str) and len(ips) == 2:
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
        warnings=warn,
    )


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
            why = translate("Problems", "unreadable DICOM header ({0})").format(_describe(exc))
            result.problems.append(Problem(str(ref), why))
            continue
        if inst is not None:
            instances.append(inst)
            for w in inst.warnings:
                result.problems.append(Problem(str(ref), w, "warning"))
            if inst.pixel is None:
                kind = UID(inst.sop_class_uid).name if inst.sop_class_uid else "no SOP Class"
                why = translate("Problems", "no image in this object ({0}); not shown")
                result.problems.append(Problem(str(ref), why.format(kind), "note"))
        if progress is not None:
            progress(n, str(ref))
    result.patients = group(instances, result.problems)
    return result


def _describe(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {msg[:200]}" if msg else name
