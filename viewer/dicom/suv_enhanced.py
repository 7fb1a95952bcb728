"""SUV of Enhanced PET images (PS3.3 A.56, Enhanced PET Image Storage), per frame.

An Enhanced PET image keeps what SUV needs elsewhere than a classic PET image (PS3.3 C.8.22):

* The unit of the values is not Units (0054,1001) but the Measurement Units Code Sequence
  (0040,08EA) of the Real World Value Mapping functional group (0040,9096), a UCUM code of
  CID 84 "PET Units": ``Bq/ml`` → BQML, ``g/ml{SUVbw}`` → GML stored as SUVbw,
  ``cm2/ml{SUVbsa}`` → CM2ML… (the older ``{SUVbw}g/ml`` spelling is read too). The mapping
  turns *stored* values into that unit; the volume holds *modality* values (the Pixel Value
  Transformation's Rescale), so each frame's factor is multiplied by RWV slope / Rescale Slope
  (both intercepts must be 0, or mapping and rescale the same). Units (0054,1001), when a
  converter left it at the top level, is used only without a mapping.
* Decay correction is Decay Corrected (0018,9758) YES/NO of the Enhanced PET Corrections Module.
  YES: every frame is decay corrected to Decay Correction DateTime (0018,9701) — the dose is
  decayed from the injection to that time. NO: each frame is the activity during the frame,
  as classic Decay Correction NONE: the dose is decayed to the frame's Frame Acquisition
  DateTime (0018,9074) and averaged over its Frame Acquisition Duration (0018,9220, ms), both
  from the Frame Content functional group (IBSI's T_ave).
* Attenuation correction is Attenuation Corrected (0018,9759) YES (else ATTN in Corrected
  Image (0028,0051)).
* The Enhanced PET Isotope Module's Radionuclide Total Dose (0018,1074) is in **MBq** (Bq in
  the classic IOD); a value of 10⁶ or more is read as Bq, with a note. With several
  radiopharmaceuticals the one every frame's Radiopharmaceutical Usage Sequence (0018,9737)
  names by Agent Number (0018,9729) is used; frames naming different agents are refused.
* Injection time, half-life, body size and every other rule are those of
  :mod:`viewer.dicom.suv` and :mod:`viewer.dicom.suv_times`.

A Legacy Converted Enhanced PET keeps the classic attributes (Units, Decay Correction…) in its
Unassigned Converted Attributes: it is read frame by frame as the classic images it came from
(:func:`legacy_frames`).

A refusal names the attribute; a voxel's SUV is its modality value × its frame's factor.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

from pydicom.dataset import Dataset

from viewer.dicom.i18n import translate
from viewer.dicom.suv import KINDS, SuvResult, body_of, norm, stored_suv
from viewer.dicom.suv_times import (
    SuvError,
    decayed,
    decayed_over_frame,
    half_life_s,
    injected_dose_bq,
    seconds_since_injection,
)
from viewer.dicom.values import float_of, parse_datetime, text_of

ENHANCED_PET_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.130"

#: UCUM code (CID 84 "PET Units") → (Units as in (0054,1001), SUV Type as in (0054,1006)).
UCUM_UNITS: dict[str, tuple[str, str]] = {
    "Bq/ml": ("BQML", ""),
    "{counts}": ("CNTS", ""),
    "{propcounts}": ("PROPCNTS", ""),
    "cm2/ml": ("CM2ML", "BSA"),
    "g/ml{SUVbw}": ("GML", "BW"),
    "g/ml{SUVlbm}": ("GML", "LBM"),
    "g/ml{SUVlbm(James128)}": ("GML", "LBMJAMES128"),
    "g/ml{SUVlbm(Janma)}": ("GML", "LBMJANMA"),
    "g/ml{SUVibw}": ("GML", "IBW"),
    "cm2/ml{SUVbsa}": ("CM2ML", "BSA"),
}
for _code, _v in list(UCUM_UNITS.items()):  # the older spelling: annotation first
    if "{" in _code and not _code.startswith("{"):
        unit, ann = _code.split("{", 1)
        UCUM_UNITS["{" + ann + unit] = _v

RWV_UNITS = (
    "Measurement Units Code Sequence (0040,08EA) of the Real World Value Mapping (0040,9096)"
)
RWV_SLOPE = "Real World Value Slope (0040,9225)"
RESCALE_SLOPE = "Rescale Slope (0028,1053)"


def is_enhanced_pet(ds: Dataset) -> bool:
    """An Enhanced PET image (or a multi-frame PET built like one: per-frame groups, no Units)."""
    if str(ds.get("SOPClassUID", "")) == ENHANCED_PET_IMAGE_STORAGE:
        return True
    return (
        text_of(ds, "Modality") == "PT"
        and bool(ds.get("PerFrameFunctionalGroupsSequence"))
        and not text_of(ds, "Units")
    )


def _item(ds: Dataset | None, kw: str) -> Dataset | None:
    seq = ds.get(kw) if ds is not None else None
    return seq[0] if seq else None


def _frames(ds: Dataset) -> list[tuple[Dataset, Dataset]]:
    """(per-frame group, shared group) of every frame."""
    shared = _item(ds, "SharedFunctionalGroupsSequence") or Dataset()
    per = list(ds.get("PerFrameFunctionalGroupsSequence") or [])
    n = int(ds.get("NumberOfFrames", len(per)) or len(per))
    if len(per) < n:
        raise SuvError(
            translate("SUV", "{0} per-frame functional groups for {1} frames").format(len(per), n)
        )
    return [(g, shared) for g in per[:n]]


def _group(frame: tuple[Dataset, Dataset], kw: str) -> Dataset | None:
    """A functional group's item of a frame: its own, else the shared one."""
    return _item(frame[0], kw) or _item(frame[1], kw)


def _units(ds: Dataset, frames: list[tuple[Dataset, Dataset]]) -> tuple[str, str, list[float]]:
    """(Units, SUV Type, per frame the factor turning modality values into that unit)."""
    codes: set[str] = set()
    scale: list[float] = []
    unmapped = 0  # frames without a mapping to a unit
    for fr in frames:
        rwv = _group(fr, "RealWorldValueMappingSequence")
        mu = _item(rwv, "MeasurementUnitsCodeSequence")
        if rwv is None or mu is None:
            unmapped += 1
            scale.append(1.0)
            continue
        codes.add(str(mu.get("CodeValue", "") or "").strip())
        pvt = _group(fr, "PixelValueTransformationSequence") or Dataset()
        rs = float_of(pvt, "RescaleSlope")
        rs = 1.0 if rs is None else rs
        ri = float_of(pvt, "RescaleIntercept") or 0.0
        ws = float_of(rwv, "RealWorldValueSlope")
        wi = float_of(rwv, "RealWorldValueIntercept") or 0.0
        if ws is None:  # a table (Real World Value LUT Data), not a line: not used for SUV
            raise SuvError(translate("SUV", "{0} is missing").format(RWV_SLOPE))
        if rs == 0.0:
            raise SuvError(translate("SUV", "{0} is 0").format(RESCALE_SLOPE))
        if math.isclose(ws, rs, rel_tol=1e-6) and math.isclose(wi, ri, abs_tol=1e-9):
            scale.append(1.0)
        elif ri == 0.0 and wi == 0.0 and rs != 0.0:
            scale.append(ws / rs)
        else:
            raise SuvError(
                translate(
                    "SUV",
                    "Real World Value Slope/Intercept (0040,9225/9224) and Rescale "
                    "Slope/Intercept (0028,1053/1052) disagree by an offset",
                )
            )
    if len(codes) > 1:
        raise SuvError(translate("SUV", "{0} differs between frames").format(RWV_UNITS))
    if codes:
        code = codes.pop()
        if unmapped:  # some frames say their unit, others do not
            raise SuvError(translate("SUV", "{0} is missing").format(RWV_UNITS))
        if code not in UCUM_UNITS:
            raise SuvError(
                translate("SUV", "{0} {1} is not a PET unit SUV can use").format(RWV_UNITS, code)
            )
        units, st = UCUM_UNITS[code]
        return units, st, scale
    units = text_of(ds, "Units")  # a converter's classic attribute
    if units:
        return units, text_of(ds, "SUVType"), [1.0] * len(frames)
    raise SuvError(translate("SUV", "{0} is missing").format(RWV_UNITS))


def _radiopharm(ds: Dataset, frames: list[tuple[Dataset, Dataset]]) -> Dataset:
    """A dataset holding the one Radiopharmaceutical Information item the frames use."""
    seq = list(ds.get("RadiopharmaceuticalInformationSequence") or [])
    if not seq:
        raise SuvError(
            translate("SUV", "Radiopharmaceutical Information Sequence (0054,0016) is missing")
        )
    item = seq[0]
    if len(seq) > 1:
        used = set()
        for fr in frames:
            use = _group(fr, "RadiopharmaceuticalUsageSequence")
            used.add(int(use.get("RadiopharmaceuticalAgentNumber", 0) or 0) if use else 0)
        if len(used) != 1 or 0 in used:
            raise SuvError(
                translate(
                    "SUV",
                    "several radiopharmaceuticals, and the frames' Radiopharmaceutical Usage "
                    "Sequence (0018,9737) does not name one",
                )
            )
        (agent,) = used
        found = [it for it in seq if int(it.get("RadiopharmaceuticalAgentNumber", 0) or 0) == agent]
        if len(found) != 1:
            raise SuvError(
                translate(
                    "SUV", "Radiopharmaceutical Agent Number (0018,9729) {0} is not described"
                ).format(agent)
            )
        item = found[0]
    out = Dataset()
    out.RadiopharmaceuticalInformationSequence = [item]
    return out


def _require_attenuation(ds: Dataset) -> None:
    ac = text_of(ds, "AttenuationCorrected")
    if ac == "YES":
        return
    if ac == "NO":
        raise SuvError(translate("SUV", "Attenuation Corrected (0018,9759) is NO"))
    corrected = ds.get("CorrectedImage")
    items = [corrected] if isinstance(corrected, str) else list(corrected or [])
    if "ATTN" not in {str(v).strip().upper() for v in items}:
        raise SuvError(translate("SUV", "Attenuation Corrected (0018,9759) is missing"))


def _bqml_bw(ds: Dataset, frames: list[tuple[Dataset, Dataset]], notes: list[str]) -> list[float]:
    """The SUVbw factor of each frame of Bq/ml values."""
    decay = text_of(ds, "DecayCorrected")
    if not decay:
        raise SuvError(translate("SUV", "Decay Corrected (0018,9758) is missing"))
    if decay not in ("YES", "NO"):
        raise SuvError(
            translate("SUV", "Decay Corrected (0018,9758) {0} is neither YES nor NO").format(decay)
        )
    _require_attenuation(ds)
    weight_g = norm("bw", body_of(ds, notes))
    rp = _radiopharm(ds, frames)
    dose = injected_dose_bq(rp, notes, in_mbq=True)
    half = half_life_s(rp)
    if decay == "YES":
        text = str(ds.get("DecayCorrectionDateTime", "") or "").strip()
        ref = parse_datetime(text) if text else None
        if ref is None:
            why = (
                translate("SUV", "Decay Correction DateTime (0018,9701) {0} is not valid")
                if text
                else translate(
                    "SUV", "Decay Correction DateTime (0018,9701) is missing (Decay Corrected YES)"
                )
            )
            raise SuvError(why.format(repr(text)))
        dt = seconds_since_injection(rp, ref, half, notes)
        return [weight_g / decayed(dose, dt, half)] * len(frames)
    out = []
    for fr in frames:
        fc = _group(fr, "FrameContentSequence") or Dataset()
        start = parse_datetime(str(fc.get("FrameAcquisitionDateTime", "") or ""))
        if start is None:
            raise SuvError(
                translate(
                    "SUV",
                    "Frame Acquisition DateTime (0018,9074) is missing (Decay Corrected NO)",
                )
            )
        dur_ms = float_of(fc, "FrameAcquisitionDuration")
        if dur_ms is None or dur_ms <= 0:
            raise SuvError(
                translate(
                    "SUV",
                    "Frame Acquisition Duration (0018,9220) is missing (Decay Corrected NO)",
                )
            )
        dt = seconds_since_injection(rp, start, half, notes)
        out.append(weight_g / decayed_over_frame(dose, dt, dur_ms / 1000.0, half))
    return out


def _one(ds: Dataset) -> tuple[str, dict[str, list[float]], dict[str, str], list[str]]:
    """(Units, per kind the factor of every frame, why kinds are missing, notes) of one object."""
    legacy = _legacy(ds)
    if legacy is not None:
        return legacy
    notes: list[str] = []
    frames = _frames(ds)
    units, st, scale = _units(ds, frames)
    body = body_of(ds, notes)
    if units in ("GML", "CM2ML"):
        r = stored_suv(units, st, ["x"], body, notes)
        if r.factors is None:
            raise SuvError(r.reason)
        by_kind = {k: [v["x"] * s for s in scale] for k, v in r.factors.items()}
        return units, by_kind, dict(r.kind_reasons), r.notes
    if units != "BQML":
        raise SuvError(
            translate("SUV", "{0} in {1} cannot be converted to SUV").format(units, RWV_UNITS)
        )
    bw = [f * s for f, s in zip(_bqml_bw(ds, frames, notes), scale, strict=True)]
    by_kind = {"bw": bw}
    reasons: dict[str, str] = {}
    w = norm("bw", body)
    for kind in KINDS[1:]:
        try:
            ratio = norm(kind, body) / w
        except SuvError as exc:
            reasons[kind] = str(exc)
            continue
        by_kind[kind] = [f * ratio for f in bw]
    return units, by_kind, reasons, notes


_GROUPS = ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence", "PixelData")


def legacy_frames(ds: Dataset) -> list[Dataset] | None:
    """A Legacy Converted Enhanced PET (PS3.3 A.71, e.g. highdicom's converter) as the classic
    images it was made of: the top level, then the Unassigned Shared and Per-Frame Converted
    Attributes (0020,9170/9171) — Units, Decay Correction, the radiopharmaceutical… — and each
    frame's Frame Acquisition DateTime / Duration as its Acquisition Date/Time and Actual Frame
    Duration. None for an object without converted attributes."""
    frames = _frames(ds)
    shared = _item(frames[0][1], "UnassignedSharedConvertedAttributesSequence") if frames else None
    per = [_item(f[0], "UnassignedPerFrameConvertedAttributesSequence") for f in frames]
    if shared is None and not any(per):
        return None
    out = []
    for k, (fr, extra) in enumerate(zip(frames, per, strict=True)):
        d = Dataset()  # its own elements: what is set below must not reach ``ds``
        for elem in ds:
            if elem.keyword not in _GROUPS:
                d.add(copy.copy(elem))
        for src in (shared, extra):
            for elem in src or []:
                d[elem.tag] = copy.copy(elem)
        fc = _group(fr, "FrameContentSequence") or Dataset()
        start = parse_datetime(str(fc.get("FrameAcquisitionDateTime", "") or ""))
        if start is not None:
            d.AcquisitionDate = start.strftime("%Y%m%d")
            d.AcquisitionTime = start.strftime("%H%M%S.%f")
        dur = float_of(fc, "FrameAcquisitionDuration")
        if dur is not None and "ActualFrameDuration" not in d:
            d.ActualFrameDuration = round(dur)
        d.SOPInstanceUID = f"1.{k + 1}"  # the frame's key, in memory only
        out.append(d)
    return out


def _legacy(ds: Dataset) -> tuple[str, dict[str, list[float]], dict[str, str], list[str]] | None:
    """:func:`_one` of a Legacy Converted Enhanced PET: the classic rules, frame by frame."""
    from viewer.dicom.suv import suv_factors

    frames = legacy_frames(ds)
    if frames is None:
        return None
    r = suv_factors(frames)
    if r.factors is None:
        raise SuvError(r.reason)
    uids = [str(f.SOPInstanceUID) for f in frames]
    by_kind = {kind: [by_uid[u] for u in uids] for kind, by_uid in r.factors.items()}
    return r.units, by_kind, dict(r.kind_reasons), list(r.notes)


def enhanced_factors(datasets: Sequence[Dataset]) -> SuvResult:
    """SUV factors of Enhanced PET objects of one series: per instance when its frames agree
    (``factors``), else per frame (``frame_factors``)."""
    factors: dict[str, dict[str, float]] = {}
    frame_factors: dict[str, dict[str, list[float]]] = {}
    reasons: dict[str, str] = {}
    notes: list[str] = []
    units = ""
    for ds in datasets:
        uid = str(ds.get("SOPInstanceUID", ""))
        try:
            units, by_kind, why, said = _one(ds)
        except SuvError as exc:
            return SuvResult(units, None, str(exc), notes=notes)
        reasons.update(why)
        notes += said
        for kind, per in by_kind.items():
            if max(per) - min(per) <= 1e-12 * max(abs(max(per)), 1e-300):
                factors.setdefault(kind, {})[uid] = per[0]
            else:
                frame_factors.setdefault(kind, {})[uid] = per
    have = set(factors) | set(frame_factors)
    if "bw" not in have:
        return SuvResult(units, None, reasons.get("bw", ""), reasons, notes)
    for kind in have:
        factors.setdefault(kind, {})  # every kind with a factor lists its instances here or
    return SuvResult(  # in frame_factors
        units, factors, "; ".join(reasons.values()), reasons, notes, frame_factors
    )
