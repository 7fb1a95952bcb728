"""Structured reports: measurements as a Comprehensive 3D SR (TID 1500, via highdicom), and a
consultation opinion as a Basic Text SR.

Each measurement with values is one Planar ROI group (TID 1410): its region as SCOORD on the
source image, its Tracking Identifier ``yunying/<kind>/<n>`` and its values with UCUM units.
Values we cannot name with a standard concept (a PET value in Bq/ml, say) stay in the GSPS label
only: the SR says nothing rather than something vague.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import highdicom as hd
import numpy as np
from highdicom import sr
from highdicom.sr.sop import _SR
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from viewer.dicom.findings.classes import BASIC_TEXT_SR, COMPREHENSIVE_3D_SR
from viewer.dicom.findings.document import new_instance, stamp_created
from viewer.dicom.findings.model import (
    MANUFACTURER,
    Finding,
    ImageRef,
    MeasuredValue,
    parse_tracking_id,
    tracking_id,
)
from viewer.dicom.findings.pstate import HALF, _ellipse_axes, _frame_of
from viewer.dicom.measure import Measurement

_DERIVATION = {
    "Mean": codes.SCT.Mean,
    "Standard Deviation": codes.DCM.StandardDeviation,
    "Minimum": codes.SCT.Minimum,
    "Maximum": codes.SCT.Maximum,
    "SUVmean": codes.SCT.Mean,
    "SUVmax": codes.SCT.Maximum,
}
_QUANTITY_BY_UNIT = {
    "[hnsf'U]": codes.DCM.AttenuationCoefficient,
    "{SUVbw}g/mL": codes.DCM.Suvbw,
}
_UNIT_MEANING = {
    "mm": "millimeter",
    "mm2": "square millimeter",
    "deg": "degree",
    "[hnsf'U]": "Hounsfield unit",
    "{SUVbw}g/mL": "Standardized Uptake Value body weight",
    "1": "no units",
    "{pixel}": "pixel",
    "{pixel}2": "square pixel",
}


def _concept(v: MeasuredValue, modality: str) -> tuple[object, object | None] | None:
    """(name, derivation) codes of a value, or None when no standard concept fits."""
    if v.name == "Length":
        return codes.SCT.Length, None
    if v.name == "Angle":
        return codes.DCM.Angle, None
    if v.name == "Area":
        return codes.SCT.Area, None
    quantity = _QUANTITY_BY_UNIT.get(v.unit)
    if quantity is None and modality == "MR" and v.unit == "1":
        quantity = codes.DCM.MRSignalIntensity
    if quantity is None:
        return None
    if v.name in ("Value", "SUV"):
        return quantity, None
    if v.name in _DERIVATION:
        return quantity, _DERIVATION[v.name]
    return None


def _unit(code: str) -> hd.sr.CodedConcept:
    return hd.sr.CodedConcept(code, "UCUM", _UNIT_MEANING.get(code, code))


def _region(m: Measurement) -> tuple[str, list[tuple[float, float]]] | None:
    p = m.points
    if m.kind == "length" and len(p) >= 2:
        return "POLYLINE", p[:2]
    if m.kind == "angle" and len(p) >= 3:
        return "POLYLINE", p[:3]
    if m.kind == "ellipse" and len(p) >= 2:
        return "ELLIPSE", _ellipse_axes(p[0], p[1])
    if m.kind == "rectangle" and len(p) >= 2:
        (x0, y0), (x1, y1) = p[0], p[1]
        return "POLYLINE", [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    if m.kind == "probe" and p:
        return "POINT", p[:1]
    return None


def _observer(author: str) -> sr.ObservationContext:
    if author:
        return sr.ObservationContext(
            observer_person_context=sr.ObserverContext(
                observer_type=codes.DCM.Person,
                observer_identifying_attributes=sr.PersonObserverIdentifyingAttributes(name=author),
            )
        )
    return sr.ObservationContext(
        observer_device_context=sr.ObserverContext(
            observer_type=codes.DCM.Device,
            observer_identifying_attributes=sr.DeviceObserverIdentifyingAttributes(
                uid=generate_uid(), name=MANUFACTURER
            ),
        )
    )


def _procedure(modality: str) -> object:
    return {
        "CT": codes.LN.CTUnspecifiedBodyRegion,
        "PT": codes.LN.PETUnspecifiedBodyRegion,
    }.get(modality, codes.SCT.ImagingProcedure)


def write_measurement_sr(
    findings: Sequence[Finding],
    sources: Mapping[str, Dataset],
    *,
    author: str,
    created: dt.datetime | None = None,
    series_uid: str | None = None,
    series_number: int = 9002,
    instance_number: int = 1,
) -> Dataset:
    """A Comprehensive 3D SR (TID 1500) of the findings that have values."""
    groups = []
    evidence: dict[str, Dataset] = {}
    modality = ""
    for n, f in enumerate(findings, start=1):
        ds = sources.get(f.image.sop_instance_uid)
        if ds is None:
            raise KeyError(f"no source dataset for image {f.image.sop_instance_uid}")
        modality = modality or str(ds.get("Modality", ""))
        region = _region(f.measurement)
        values = [(v, _concept(v, str(ds.get("Modality", "")))) for v in f.values]
        measurements = [
            sr.Measurement(name=c[0], value=v.value, unit=_unit(v.unit), derivation=c[1])  # type: ignore[arg-type]
            for v, c in values
            if c is not None
        ]
        if region is None or not measurements:
            continue
        frame = _frame_of(f.image, ds)
        source = sr.SourceImageForRegion.from_source_image(
            ds, referenced_frame_numbers=[frame] if frame else None
        )
        gtype, pts = region
        roi = sr.ImageRegion(
            graphic_type=gtype,
            graphic_data=np.array([(x + HALF, y + HALF) for x, y in pts], dtype=np.float64),
            source_image=source,
        )
        groups.append(
            sr.PlanarROIMeasurementsAndQualitativeEvaluations(
                tracking_identifier=sr.TrackingIdentifier(
                    uid=generate_uid(), identifier=tracking_id(f.measurement.kind, n)
                ),
                referenced_region=roi,
                measurements=measurements,
            )
        )
        evidence.setdefault(ds.SOPInstanceUID, ds)
    if not groups:
        raise ValueError("no measurement with a value that a structured report can carry")
    report = sr.MeasurementReport(
        observation_context=_observer(author),
        procedure_reported=_procedure(modality),  # type: ignore[arg-type]
        imaging_measurements=groups,
    )
    doc = sr.Comprehensive3DSR(
        evidence=list(evidence.values()),
        content=report,
        **new_instance(series_uid, series_number, instance_number),
        is_complete=True,
        series_description="Measurements",
    )
    stamp_created(doc, created)
    return doc


_NAME_BACK = {
    ("410668003", None): "Length",
    ("110859", None): "Angle",
    ("42798000", None): "Area",
}
_DERIV_BACK = {
    "373098007": "Mean",
    "113061": "Standard Deviation",
    "255605001": "Minimum",
    "56851009": "Maximum",
}


def read_measurement_sr(ds: Dataset) -> list[Finding]:
    """The measurements of a TID 1500 report (ours or another program's) as findings."""
    doc = (
        sr.Comprehensive3DSR.from_dataset(ds)
        if ds.SOPClassUID == COMPREHENSIVE_3D_SR
        else (sr.ComprehensiveSR.from_dataset(ds))
    )
    out: list[Finding] = []
    content: Any = doc.content
    for group in content.get_planar_roi_measurement_groups():
        roi = group.roi
        if roi is None or not hasattr(roi, "GraphicType"):
            continue
        pts = [(float(x) - HALF, float(y) - HALF) for x, y in np.asarray(roi.value)]
        ident = group.tracking_identifier or ""
        parsed = parse_tracking_id(ident)
        kind = parsed[0] if parsed else _kind_of(str(roi.GraphicType), pts)
        m = _measurement(kind, str(roi.GraphicType), pts)
        src = roi.ContentSequence[0].ReferencedSOPSequence[0]
        frames = src.get("ReferencedFrameNumber")
        image = ImageRef(
            str(src.ReferencedSOPClassUID),
            str(src.ReferencedSOPInstanceUID),
            int(frames if not isinstance(frames, (list, tuple)) else frames[0]) if frames else 1,
        )
        values = []
        for meas in group.get_measurements():
            name = _value_name(meas)
            values.append(MeasuredValue(name, float(meas.value), str(meas.unit.value)))
        out.append(Finding(image, m, values))
    return out


def _value_name(meas: sr.Measurement) -> str:
    code = str(meas.name.value)
    deriv = meas.derivation
    if (code, None) in _NAME_BACK and deriv is None:
        return _NAME_BACK[(code, None)]
    suv = code == "126401"
    if deriv is None:
        return "SUV" if suv else "Value"
    d = _DERIV_BACK.get(str(deriv.value), str(deriv.meaning))
    if suv:
        return {"Mean": "SUVmean", "Maximum": "SUVmax"}.get(d, f"SUV {d}")
    return d


def _kind_of(gtype: str, pts: list[tuple[float, float]]) -> str:
    if gtype == "ELLIPSE":
        return "ellipse"
    if gtype == "POINT":
        return "probe"
    if gtype == "POLYLINE" and len(pts) == 2:
        return "length"
    if gtype == "POLYLINE" and len(pts) == 3:
        return "angle"
    return "rectangle" if gtype == "POLYLINE" and len(pts) == 5 else "polygon"


def _measurement(kind: str, gtype: str, pts: list[tuple[float, float]]) -> Measurement:
    from viewer.dicom.findings.pstate import _measurement_from

    if kind not in ("length", "angle", "ellipse", "rectangle", "probe"):
        kind = "length" if len(pts) == 2 else "angle" if len(pts) == 3 else "rectangle"
    return _measurement_from(kind, gtype, pts)


# --------------------------------------------------------------------------- Basic Text SR


class BasicTextSR(_SR):
    """A Basic Text SR document (highdicom's SR base with that SOP class)."""

    def __init__(self, evidence: Sequence[Dataset], content: Dataset, **kwargs: object) -> None:
        super().__init__(evidence=evidence, content=content, sop_class_uid=BASIC_TEXT_SR, **kwargs)  # type: ignore[arg-type]


def write_text_sr(
    text: str,
    evidence: Sequence[Dataset],
    *,
    author: str,
    created: dt.datetime | None = None,
    series_uid: str | None = None,
    series_number: int = 9003,
    instance_number: int = 1,
    title: str = "Consultation opinion",
) -> Dataset:
    """A consultation opinion (free text with the reader's name) as a Basic Text SR."""
    if not text.strip():
        raise ValueError("the opinion is empty")
    if not author.strip():
        raise ValueError("an opinion needs the reader's name")
    person = sr.PnameContentItem(
        name=codes.DCM.PersonObserverName,
        value=author,
        relationship_type=sr.RelationshipTypeValues.HAS_OBS_CONTEXT,
    )
    observer_type = sr.CodeContentItem(
        name=codes.DCM.ObserverType,
        value=codes.DCM.Person,
        relationship_type=sr.RelationshipTypeValues.HAS_OBS_CONTEXT,
    )
    body = sr.TextContentItem(
        name=codes.DCM.Impression,
        value=text,
        relationship_type=sr.RelationshipTypeValues.CONTAINS,
    )
    root = sr.ContainerContentItem(
        name=codes.LN.DiagnosticImagingReport,
        template_id=None,
    )
    root.ContentSequence = sr.ContentSequence([observer_type, person, body])
    root.ContinuityOfContent = "SEPARATE"
    doc = BasicTextSR(
        evidence=list(evidence),
        content=root,
        **new_instance(series_uid, series_number, instance_number),
        is_complete=True,
        series_description=title[:64],
    )
    stamp_created(doc, created)
    return doc


def read_text_sr(ds: Dataset) -> tuple[str, str]:
    """(author, text) of a Basic Text SR: observer names and every TEXT item, in order."""
    authors: list[str] = []
    texts: list[str] = []

    def walk(items: Sequence[Dataset]) -> None:
        for it in items:
            vt = str(it.get("ValueType", ""))
            if vt == "PNAME" and "PersonName" in it:
                authors.append(str(it.PersonName))
            elif vt == "TEXT" and "TextValue" in it:
                texts.append(str(it.TextValue))
            walk(it.get("ContentSequence", []))

    walk(ds.get("ContentSequence", []))
    if not authors:
        authors = [
            str(o.get("VerifyingObserverName", "")) for o in ds.get("VerifyingObserverSequence", [])
        ]
    return (authors[0] if authors else ""), "\n".join(texts)
