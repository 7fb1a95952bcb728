"""Grayscale Softcopy Presentation State: the reader's view and annotations, written and read.

Writing uses highdicom (graphic annotations, layers, VOI, presentation LUT); the displayed area
per image and the spatial transform are then set on the dataset, as highdicom leaves them whole.
Each of our measurements becomes graphic objects plus a text object with its values, tied by a
Tracking ID ``yunying/<kind>/<n>`` so that reading back restores the measurement exactly.
Graphics of other programs are read as :class:`Annotation` for display.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import highdicom as hd
import numpy as np
from highdicom import pr
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from viewer.dicom.findings.document import new_instance, source_datasets, stamp_created
from viewer.dicom.findings.model import (
    SOFTWARE,
    Annotation,
    Finding,
    Graphic,
    ImageRef,
    ImageView,
    ReaderWork,
    TextNote,
    parse_tracking_id,
    tracking_id,
)
from viewer.dicom.findings.values import label_for
from viewer.dicom.measure import Measurement

LAYER = "MEASUREMENTS"
#: DICOM graphic coordinates put the top-left corner of the first pixel at 0: ours + 0.5.
HALF = 0.5


def _dicom_points(points: list[tuple[float, float]]) -> np.ndarray:
    return np.array([(x + HALF, y + HALF) for x, y in points], dtype=np.float32)


def _ellipse_axes(p0: tuple[float, float], p1: tuple[float, float]) -> list[tuple[float, float]]:
    """The 4 axis end points (major first) of the axis-aligned ellipse in a bounding box."""
    x0, x1 = sorted((p0[0], p1[0]))
    y0, y1 = sorted((p0[1], p1[1]))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    horizontal = [(x0, cy), (x1, cy)]
    vertical = [(cx, y0), (cx, y1)]
    return horizontal + vertical if x1 - x0 >= y1 - y0 else vertical + horizontal


def _graphics_of(m: Measurement) -> list[tuple[str, list[tuple[float, float]], bool]]:
    """(graphic type, points, filled) that draw measurement ``m``."""
    pts = m.points
    if m.kind in ("length", "arrow") and len(pts) >= 2:
        return [("POLYLINE", pts[:2], False)]
    if m.kind == "angle" and len(pts) >= 3:
        return [("POLYLINE", pts[:3], False)]
    if m.kind == "ellipse" and len(pts) >= 2:
        return [("ELLIPSE", _ellipse_axes(pts[0], pts[1]), False)]
    if m.kind == "rectangle" and len(pts) >= 2:
        (x0, y0), (x1, y1) = pts[0], pts[1]
        return [("POLYLINE", [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], False)]
    if m.kind == "probe" and pts:
        return [("POINT", pts[:1], False)]
    return []  # text: only its text object


def _objects_for(f: Finding, number: int) -> tuple[list[pr.GraphicObject], list[pr.TextObject]]:
    m = f.measurement
    tid = tracking_id(m.kind, number)
    uid = generate_uid()
    gobs = [
        pr.GraphicObject(
            graphic_type=gt,
            graphic_data=_dicom_points(pts),
            units="PIXEL",
            is_filled=filled,
            tracking_id=tid,
            tracking_uid=uid,
        )
        for gt, pts, filled in _graphics_of(m)
    ]
    text = f.label or label_for(f.values, m.text)
    tobs = []
    if text or m.kind == "text":
        anchor = m.points[-1] if m.kind not in ("text", "arrow") else m.points[0]
        if m.kind == "arrow" and len(m.points) >= 2:
            anchor = m.points[1]  # the text stands at the tail; the arrow points at points[0]
        ax, ay = anchor[0] + HALF, anchor[1] + HALF
        tobs.append(
            pr.TextObject(
                text_value=text or " ",
                units="PIXEL",
                anchor_point=(ax, ay),
                anchor_point_visible=m.kind in ("arrow",),
                tracking_id=tid,
                tracking_uid=uid,
            )
        )
    return gobs, tobs


def _ref_list(work: ReaderWork, sources: Mapping[str, Dataset]) -> list[Dataset]:
    out = source_datasets((ref.sop_instance_uid for ref in work.images()), sources)
    if not out:
        raise ValueError("nothing to save: the work refers to no image")
    return out


def _frame_of(ref: ImageRef, ds: Dataset) -> int | None:
    return ref.frame if int(ds.get("NumberOfFrames", 1) or 1) > 1 else None


def write_gsps(
    work: ReaderWork,
    sources: Mapping[str, Dataset],
    *,
    series_uid: str | None = None,
    series_number: int = 9001,
    instance_number: int = 1,
) -> Dataset:
    """A GSPS of ``work`` over the images in ``sources`` (SOP Instance UID → header dataset)."""
    ref_ds = _ref_list(work, sources)
    layer = pr.GraphicLayer(LAYER, order=1, description="Measurements and annotations")
    per_image: dict[ImageRef, tuple[list[pr.GraphicObject], list[pr.TextObject]]] = {}
    for n, f in enumerate(work.findings, start=1):
        g, t = _objects_for(f, n)
        acc = per_image.setdefault(f.image, ([], []))
        acc[0].extend(g)
        acc[1].extend(t)
    for a in work.annotations:
        acc = per_image.setdefault(a.image, ([], []))
        for g2 in a.graphics:
            pts = (
                g2.points if g2.units == "DISPLAY" else [(x + HALF, y + HALF) for x, y in g2.points]
            )
            acc[0].append(pr.GraphicObject(g2.type, np.array(pts, np.float32), g2.units, g2.filled))
        for t2 in a.texts:
            acc[1].append(pr.TextObject(t2.text, t2.units, anchor_point=t2.anchor))
    annotations = [
        pr.GraphicAnnotation(
            referenced_images=[sources[ref.sop_instance_uid]],
            graphic_layer=layer,
            referenced_frame_number=_frame_of(ref, sources[ref.sop_instance_uid]),
            graphic_objects=g or None,
            text_objects=t or None,
        )
        for ref, (g, t) in per_image.items()
        if g or t
    ]
    voi = _voi(work, sources)
    kwargs: dict[str, Any] = {}
    if voi:
        kwargs["voi_lut_transformations"] = voi
    gsps = pr.GrayscaleSoftcopyPresentationState(
        referenced_images=ref_ds,
        **new_instance(series_uid, series_number, instance_number),
        manufacturer_model_name="Yunying workstation",
        software_versions=SOFTWARE,
        device_serial_number="0",
        content_label=_label(work.label),
        content_description=work.description or None,
        graphic_annotations=annotations or None,
        graphic_layers=[layer] if annotations else None,
        content_creator_name=work.author or None,
        **kwargs,
    )
    stamp_created(gsps, work.created, "PresentationCreation")
    _set_displayed_areas(gsps, work, sources, ref_ds)
    # General Series Laterality is 2C (paired body parts): empty = unknown, as validators expect
    gsps.Laterality = ""
    gsps.ImageRotation = int(work.rotation) % 360
    gsps.ImageHorizontalFlip = "Y" if work.flip else "N"
    return gsps


def _label(text: str) -> str:
    """A Content Label (CS: upper case, digits, space, underscore, ≤ 16)."""
    out = "".join(c if c.isalnum() or c in " _" else "_" for c in text.upper())[:16].strip()
    return out or "READING"


def _voi(work: ReaderWork, sources: Mapping[str, Dataset]) -> list[pr.SoftcopyVOILUTTransformation]:
    groups: dict[tuple[float, float], list[ImageRef]] = {}
    for ref, view in work.views.items():
        if view.window is not None:
            groups.setdefault((float(view.window[0]), float(view.window[1])), []).append(ref)
    out = []
    for (c, w), refs in groups.items():
        frames = [r.frame for r in refs if _frame_of(r, sources[r.sop_instance_uid])]
        ims = list({r.sop_instance_uid: sources[r.sop_instance_uid] for r in refs}.values())
        out.append(
            pr.SoftcopyVOILUTTransformation(
                window_center=c,
                window_width=max(w, 1.0),
                referenced_images=hd.ReferencedImageSequence(
                    ims, referenced_frame_number=frames or None
                ),
            )
        )
    return out


def _set_displayed_areas(
    gsps: Dataset, work: ReaderWork, sources: Mapping[str, Dataset], ref_ds: list[Dataset]
) -> None:
    """One Displayed Area item per distinct area (and pixel spacing), listing its images."""
    groups: dict[tuple[Any, ...], list[ImageRef]] = {}
    for ref, view in work.views.items():
        if view.area is None:
            continue
        x0, y0, x1, y1 = view.area
        # SL corners, 1-based pixel numbers: pixel-centre coordinate x is pixel number x + 1
        corners = (round(x0) + 1, round(y0) + 1, round(x1) + 1, round(y1) + 1)
        spacing = tuple(str(v) for v in sources[ref.sop_instance_uid].get("PixelSpacing", []))
        groups.setdefault((corners, spacing), []).append(ref)
    items = []
    covered: set[str] = set()
    for (corners, spacing), refs in groups.items():
        ims = list({r.sop_instance_uid: sources[r.sop_instance_uid] for r in refs}.values())
        frames = [r.frame for r in refs if _frame_of(r, sources[r.sop_instance_uid])]
        item = Dataset()
        item.ReferencedImageSequence = hd.ReferencedImageSequence(
            ims, referenced_frame_number=frames or None
        )
        item.DisplayedAreaTopLeftHandCorner = list(corners[:2])
        item.DisplayedAreaBottomRightHandCorner = list(corners[2:])
        item.PresentationSizeMode = "SCALE TO FIT"
        if spacing:
            item.PresentationPixelSpacing = list(spacing)
        else:
            item.PresentationPixelAspectRatio = [1, 1]
        items.append(item)
        covered |= {r.sop_instance_uid for r in refs}
    rest = [ds for ds in ref_ds if ds.SOPInstanceUID not in covered]
    if rest:
        item = Dataset()
        if items:
            item.ReferencedImageSequence = hd.ReferencedImageSequence(rest)
        item.DisplayedAreaTopLeftHandCorner = [1, 1]
        item.DisplayedAreaBottomRightHandCorner = [int(rest[0].Columns), int(rest[0].Rows)]
        item.PresentationSizeMode = "SCALE TO FIT"
        item.PresentationPixelAspectRatio = [1, 1]
        items.append(item)
    gsps.DisplayedAreaSelectionSequence = items


# --------------------------------------------------------------------------- reading


def _refs_in(item: Dataset, fallback: list[ImageRef]) -> list[ImageRef]:
    """The images an item applies to (its Referenced Image Sequence, else all of the PS)."""
    seq = item.get("ReferencedImageSequence")
    if not seq:
        return fallback
    out = []
    for r in seq:
        frames = r.get("ReferencedFrameNumber")
        nums = (
            [int(v) for v in (frames if isinstance(frames, (list, tuple)) else [frames])]
            if (frames is not None and str(frames) != "")
            else [1]
        )
        out += [
            ImageRef(str(r.ReferencedSOPClassUID), str(r.ReferencedSOPInstanceUID), n) for n in nums
        ]
    return out


def _all_refs(ds: Dataset) -> list[ImageRef]:
    out = []
    for s in ds.get("ReferencedSeriesSequence", []):
        for ref in _refs_in(s, []):
            out.append(
                ImageRef(
                    ref.sop_class_uid,
                    ref.sop_instance_uid,
                    ref.frame,
                    str(s.get("SeriesInstanceUID", "")),
                )
            )
    return out


def _points(obj: Dataset) -> list[tuple[float, float]]:
    data = [float(v) for v in obj.GraphicData]
    return [(data[i], data[i + 1]) for i in range(0, len(data) - 1, 2)]


def _from_pixels(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(x - HALF, y - HALF) for x, y in pts]


def _measurement_from(kind: str, gtype: str, pts: list[tuple[float, float]]) -> Measurement:
    if kind == "ellipse" and gtype == "ELLIPSE" and len(pts) >= 4:
        xs = [p[0] for p in pts[:4]]
        ys = [p[1] for p in pts[:4]]
        return Measurement(kind, [(min(xs), min(ys)), (max(xs), max(ys))])
    if kind == "rectangle" and len(pts) >= 3:
        return Measurement(kind, [pts[0], pts[2]])
    return Measurement(kind, list(pts))


def read_gsps(ds: Dataset) -> ReaderWork:
    """The work a presentation state holds: view, our measurements, others' graphics."""
    all_refs = _all_refs(ds)
    series_uid = all_refs[0].series_uid if all_refs else ""
    by_uid = {r.sop_instance_uid: r for r in all_refs}

    def full(r: ImageRef) -> ImageRef:
        base = by_uid.get(r.sop_instance_uid)
        return ImageRef(
            r.sop_class_uid, r.sop_instance_uid, r.frame, base.series_uid if base else ""
        )

    date = str(ds.get("PresentationCreationDate", "") or "")
    time = str(ds.get("PresentationCreationTime", "") or "")
    work = ReaderWork(
        study_uid=str(ds.get("StudyInstanceUID", "")),
        series_uid=series_uid,
        author=str(ds.get("ContentCreatorName", "") or ""),
        label=str(ds.get("ContentLabel", "") or ""),
        description=str(ds.get("ContentDescription", "") or ""),
        rotation=int(ds.get("ImageRotation", 0) or 0),
        flip=str(ds.get("ImageHorizontalFlip", "N")) == "Y",
    )
    created = _datetime(date, time)
    if created is not None:
        work.created = created

    def view_of(ref: ImageRef) -> ImageView:
        return work.views.setdefault(full(ref), ImageView())

    for item in ds.get("SoftcopyVOILUTSequence", []):
        if "WindowCenter" in item and "WindowWidth" in item:
            c, w = _first(item.WindowCenter), _first(item.WindowWidth)
            for ref in _refs_in(item, all_refs):
                view_of(ref).window = (c, w)
    for item in ds.get("DisplayedAreaSelectionSequence", []):
        tl = item.get("DisplayedAreaTopLeftHandCorner")
        br = item.get("DisplayedAreaBottomRightHandCorner")
        if tl is None or br is None:
            continue
        area = (float(tl[0]) - 1, float(tl[1]) - 1, float(br[0]) - 1, float(br[1]) - 1)
        for ref in _refs_in(item, all_refs):
            view_of(ref).area = area
    _read_annotations(ds, work, all_refs, full)
    return work


def _first(v: Any) -> float:
    try:
        return float(v)
    except TypeError:  # a multi-valued window: the first is the one in use
        return float(v[0])


def _datetime(date: str, time: str) -> Any:
    import datetime as dt

    try:
        return dt.datetime.strptime(date + (time.split(".")[0] + "000000")[:6], "%Y%m%d%H%M%S")
    except ValueError:
        return None


def _read_annotations(ds: Dataset, work: ReaderWork, all_refs: list[ImageRef], full: Any) -> None:
    for ann in ds.get("GraphicAnnotationSequence", []):
        refs = [full(r) for r in _refs_in(ann, all_refs)]
        layer = str(ann.get("GraphicLayer", ""))
        ours: dict[str, tuple[str, list[Dataset], list[Dataset]]] = {}
        foreign = Annotation(refs[0] if refs else ImageRef("", ""), layer)
        for g in ann.get("GraphicObjectSequence", []):
            tid = parse_tracking_id(str(g.get("TrackingID", "")))
            if tid is not None and g.get("GraphicAnnotationUnits") == "PIXEL":
                ours.setdefault(str(g.TrackingID), (tid[0], [], []))[1].append(g)
            else:
                foreign.graphics.append(
                    Graphic(
                        str(g.GraphicType),
                        _points(g)
                        if g.GraphicAnnotationUnits == "DISPLAY"
                        else _from_pixels(_points(g)),
                        str(g.get("GraphicFilled", "N")) == "Y",
                        str(g.GraphicAnnotationUnits),
                    )
                )
        for t in ann.get("TextObjectSequence", []):
            tid = parse_tracking_id(str(t.get("TrackingID", "")))
            if tid is not None:
                ours.setdefault(str(t.TrackingID), (tid[0], [], []))[2].append(t)
            else:
                foreign.texts.append(_text_note(t))
        for kind, gobs, tobs in ours.values():
            text = str(tobs[0].UnformattedTextValue) if tobs else ""
            if gobs:
                g0 = gobs[0]
                m = _measurement_from(kind, str(g0.GraphicType), _from_pixels(_points(g0)))
            elif tobs and "AnchorPoint" in tobs[0]:
                a = tobs[0].AnchorPoint
                m = Measurement(kind, _from_pixels([(float(a[0]), float(a[1]))]))
            else:
                continue
            if kind in ("text", "arrow"):
                m.text = text.strip()
            for ref in refs:
                work.findings.append(Finding(ref, m, [], label=text))
        if foreign.graphics or foreign.texts:
            for ref in refs:
                work.annotations.append(
                    Annotation(ref, layer, list(foreign.graphics), list(foreign.texts))
                )


def _text_note(t: Dataset) -> TextNote:
    units = str(t.get("AnchorPointAnnotationUnits", t.get("BoundingBoxAnnotationUnits", "PIXEL")))
    shift = 0.0 if units == "DISPLAY" else HALF
    anchor = None
    if "AnchorPoint" in t:
        anchor = (float(t.AnchorPoint[0]) - shift, float(t.AnchorPoint[1]) - shift)
    box = None
    if "BoundingBoxTopLeftHandCorner" in t:
        tl, br = t.BoundingBoxTopLeftHandCorner, t.BoundingBoxBottomRightHandCorner
        box = (
            float(tl[0]) - shift,
            float(tl[1]) - shift,
            float(br[0]) - shift,
            float(br[1]) - shift,
        )
    return TextNote(str(t.get("UnformattedTextValue", "")), anchor, box, units)
