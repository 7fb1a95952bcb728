"""PET standardized uptake values: per-image factors from the header, and SUVmax/mean/peak.

Follows QIBA's vendor-neutral SUV pseudo-code and the IBSI SUV computation manual (its
flowchart, Suppl. Fig. 1, and its digital reference objects):

* ``Units`` (0054,1001) BQML: SUVbw factor = weight (g) / decayed dose (Bq), the dose decayed to
  the time the image values refer to, chosen by ``Decay Correction`` (0054,1102):
  START — the scan start: Siemens' Decay Correction DateTime (0071,1022, creator
  ``SIEMENS MED PT``) when present (IBSI); else the Series Date/Time unless that is *after*
  the earliest Acquisition Date/Time of the series (a post-processed series): then GE's
  private scan date-time (0009,100D, creator ``GEMS_PETD_01``) when present (QIBA), else the
  earliest acquisition (as cornerstone's calculate-suv; IBSI instead back-computes from
  Frame Reference Time).
  ADMIN — the administration itself: the dose is not decayed.
  NONE — each image's own frame: the dose decayed to the image's Acquisition Date/Time and
  averaged over its Actual Frame Duration (0018,1242): × (1 − e^(−λD)) / (λD), i.e. decayed
  to IBSI's T_ave = ln(λD / (1 − e^(−λD))) / λ after the frame start.
* CNTS (Philips): the private SUV scale factor (7053,1000) *is* the SUVbw factor; else the
  activity concentration scale factor (7053,1009) turns values into Bq/ml and BQML follows
  (QIBA's order; IBSI tries 7053,1009 first — both agree on consistent files).
* GML / CM2ML: values already are an SUV of the kind named by SUV Type (0054,1006; BW when
  absent for GML, BSA for CM2ML); every kind is that value × norm(kind) / norm(stored kind).
* Injection (IBSI): a Radiopharmaceutical Start DateTime (0018,1078) from 1 h after to two
  half-lives before the reference time is used as it is; otherwise (a de-identified date) its
  time of day, like a lone Start Time (0018,1072), is placed on the reference day — a day
  earlier when it is over an hour after the reference time of day (injected before midnight).
  A time of day alone is refused for half-lives of 11.5 h or more (Zr-89…): it cannot say on
  which day. An injection after the scan, or more than 10 half-lives before it, is refused.
* Dose (0018,1074) is in Bq; values below 10⁴ are read as MBq (IBSI's rule), with a note;
  10⁴–10⁶ is refused as implausible in either unit.
* Half-life (0018,1075) always comes from the file (F-18 ≈ 6586 s, Ga-68 ≈ 4062 s…).

Every guess (MBq, centimetres, a vendor time, a date-less injection) is added to ``notes``.

Kinds (all in g/ml except ``bsa`` in cm²/ml): ``bw`` body weight; ``lbm`` lean body mass after
Janmahasatian (2005); ``lbm_james`` after James (1976, 128 for men); ``bsa`` body surface
area (Du Bois & Du Bois 1916, in cm²); ``ibw`` ideal body weight after Sugawara et al.
(Radiology 1999: 48.0 + 1.06 (H − 152) kg for men, 45.5 + 0.91 (H − 152) for women, H in
cm). A voxel's SUV of a kind = its modality value (after Rescale Slope/Intercept) × the factor
of its instance. Nothing is called SUV when an attribute it needs is missing: the kind is
absent and ``reason``/``kind_reasons`` name the attribute.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydicom.dataset import Dataset

from viewer.dicom.i18n import QT_TRANSLATE_NOOP, translate
from viewer.dicom.suv_times import (
    SuvError,
    decayed,
    decayed_over_frame,
    half_life_s,
    injected_dose_bq,
    scan_datetime,
    seconds_since_injection,
)
from viewer.dicom.values import date_time, float_of, private_float, text_of

__all__ = ["KINDS", "SuvError", "SuvResult", "norm", "suv_factors"]

KINDS = ("bw", "lbm", "lbm_james", "bsa", "ibw")
#: Kinds the ``yunying-dicom suv`` command prints.
JSON_KINDS = ("bw", "lbm", "bsa", "ibw")
KIND_LABEL = {
    "bw": "SUVbw",
    "lbm": "SUVlbm",
    "lbm_james": "SUVlbm (James)",
    "bsa": "SUVbsa",
    "ibw": "SUVibw",
}
KIND_UNIT = {"bw": "g/ml", "lbm": "g/ml", "lbm_james": "g/ml", "bsa": "cm²/ml", "ibw": "g/ml"}
#: The unit of the modality values themselves, by Units (0054,1001).
RAW_UNIT = {
    "BQML": "Bq/ml",
    "CNTS": QT_TRANSLATE_NOOP("Units", "counts"),
    "GML": "g/ml",
    "CM2ML": "cm²/ml",
    "PROPCNTS": QT_TRANSLATE_NOOP("Units", "proportional counts"),
    "NONE": "",
}
_SUV_TYPE_KIND = {
    "BW": "bw",
    "LBM": "lbm_james",
    "LBMJAMES128": "lbm_james",
    "LBMJANMA": "lbm",
    "BSA": "bsa",
    "IBW": "ibw",
}
PHILIPS_CREATOR = "Philips PET Private Group"


@dataclass(slots=True)
class SuvResult:
    """SUV factors of one series, or why there are none (owns nothing but these values).

    ``factors[kind][sop_instance_uid]`` multiplies a modality value into SUV of ``kind``.
    ``factors`` is None when not even SUVbw can be computed. ``reason`` says why (empty when
    every kind is there); ``kind_reasons`` says why each missing kind is missing.
    """

    units: str
    factors: dict[str, dict[str, float]] | None
    reason: str
    kind_reasons: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: ``frame_factors[kind][sop_instance_uid]``: one factor per frame, for a multi-frame
    #: instance whose frames differ (an Enhanced PET not decay corrected); such an instance
    #: is then absent from ``factors``
    frame_factors: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.notes = list(dict.fromkeys(self.notes))  # per-image steps repeat theirs

    def factor(self, kind: str, sop_uid: str, frame: int = 0) -> float | None:
        """The factor of frame ``frame`` of an instance (None when it has none)."""
        if self.factors is None:
            return None
        f = self.factors.get(kind, {}).get(sop_uid)
        if f is not None:
            return f
        per = self.frame_factors.get(kind, {}).get(sop_uid)
        return per[frame] if per is not None and 0 <= frame < len(per) else None

    @property
    def raw_unit(self) -> str:
        """The unit of the modality values (what is shown when SUV is refused)."""
        unit = RAW_UNIT.get(self.units, self.units.lower())
        return translate("Units", unit) if unit else unit


# --------------------------------------------------------------------------- body size norms


@dataclass(frozen=True, slots=True)
class Body:
    """Weight, height and sex as SUV may use them; ``bad`` says why a present value was not."""

    weight_kg: float | None
    height_m: float | None
    sex: str  # "M", "F" or ""
    bad: tuple[tuple[str, str], ...] = ()  # (need, why)


def body_of(ds: Dataset, notes: list[str]) -> Body:
    w = float_of(ds, "PatientWeight")
    h = float_of(ds, "PatientSize")
    bad: list[tuple[str, str]] = []
    if w is not None and w >= 1000.0:  # IBSI: no one weighs a tonne; the writer used grams
        notes.append(
            translate("SUV", "Patient's Weight (0010,1030) {0} read as grams").format(f"{w:g}")
        )
        w = w / 1000.0
    if w is not None and not 0.2 <= w <= 700:
        bad.append(
            (
                "weight",
                translate("SUV", "{0} of {1} is not a plausible weight in kg").format(
                    _need("weight"), f"{w:g}"
                ),
            )
        )
        w = None
    if h is not None and h > 3.0:
        notes.append(
            translate("SUV", "Patient's Size (0010,1020) {0} read as centimetres").format(f"{h:g}")
        )
        h = h / 100.0
    if h is not None and not 0.2 <= h <= 3.0:
        bad.append(
            (
                "height",
                translate("SUV", "{0} of {1} m is not a plausible size").format(
                    _need("height"), f"{h:g}"
                ),
            )
        )
        h = None
    sex = text_of(ds, "PatientSex")[:1]
    return Body(w, h, sex if sex in ("M", "F") else "", tuple(bad))


_NEEDS = {
    "weight": QT_TRANSLATE_NOOP("SUV", "Patient's Weight (0010,1030)"),
    "height": QT_TRANSLATE_NOOP("SUV", "Patient's Size (0010,1020)"),
    "sex": QT_TRANSLATE_NOOP("SUV", "Patient's Sex (0010,0040) as M or F"),
}


def _need(what: str) -> str:
    return translate("SUV", _NEEDS[what])


def norm(kind: str, body: Body) -> float:
    """The normaliser of ``kind``: grams (cm² for bsa). Raises :class:`SuvError` naming what's
    missing."""
    need = ["weight"]
    if kind != "bw":
        need.append("height")
    if kind in ("lbm", "lbm_james", "ibw"):
        need.append("sex")
    missing = [
        _need(n)
        for n in need
        if (n == "weight" and body.weight_kg is None)
        or (n == "height" and body.height_m is None)
        or (n == "sex" and not body.sex)
    ]
    why = dict(body.bad)
    implausible = [why[n] for n in need if n in why]
    if implausible:
        raise SuvError(
            translate("SUV", "{0} (needed for {1})").format(
                "; ".join(implausible), KIND_LABEL[kind]
            )
        )
    if missing:
        text = (
            translate("SUV", "{0} is missing (needed for {1})")
            if len(missing) == 1
            else translate("SUV", "{0} are missing (needed for {1})")
        )
        raise SuvError(text.format(translate("SUV", " and ").join(missing), KIND_LABEL[kind]))
    w = float(body.weight_kg)  # type: ignore[arg-type]
    if kind == "bw":
        return w * 1000.0
    h = float(body.height_m)  # type: ignore[arg-type]
    male = body.sex == "M"
    if kind == "lbm":  # Janmahasatian et al., Clin Pharmacokinet 2005
        bmi = w / (h * h)
        kg = 9270.0 * w / ((6680.0 + 216.0 * bmi) if male else (8780.0 + 244.0 * bmi))
    elif kind == "lbm_james":  # James 1976, height in cm
        hcm = h * 100.0
        kg = (1.10 * w - 128.0 * (w / hcm) ** 2) if male else (1.07 * w - 148.0 * (w / hcm) ** 2)
    elif kind == "ibw":  # Sugawara et al., Radiology 1999 (as mirp and MITK), height in cm
        hcm = h * 100.0
        kg = (48.0 + 1.06 * (hcm - 152.0)) if male else (45.5 + 0.91 * (hcm - 152.0))
    elif kind == "bsa":  # Du Bois & Du Bois 1916, m² → cm²
        return 0.007184 * w**0.425 * (h * 100.0) ** 0.725 * 10000.0
    else:
        raise ValueError(kind)
    if kg <= 0:
        raise SuvError(
            translate("SUV", "{0} formula gives {1} kg for this weight and size").format(
                KIND_LABEL[kind], f"{kg:.3g}"
            )
        )
    return kg * 1000.0


# --------------------------------------------------------------------------- factors


def _require_corrections(ds: Dataset, decay: str) -> None:
    corrected = ds.get("CorrectedImage")
    if corrected is None:
        raise SuvError(translate("SUV", "Corrected Image (0028,0051) is missing"))
    items = [corrected] if isinstance(corrected, str) else list(corrected)
    values = {str(v).strip().upper() for v in items}
    if "ATTN" not in values:
        raise SuvError(
            translate("SUV", "Corrected Image (0028,0051) lacks ATTN (not attenuation corrected)")
        )
    if decay in ("START", "ADMIN") and "DECY" not in values:
        raise SuvError(
            translate(
                "SUV", "Corrected Image (0028,0051) lacks DECY although Decay Correction is {0}"
            ).format(decay)
        )


def _bqml_bw(datasets: Sequence[Dataset], notes: list[str]) -> list[float]:
    """SUVbw factor of each Bq/ml image."""
    first = datasets[0]
    decay = text_of(first, "DecayCorrection")
    if not decay:
        raise SuvError(translate("SUV", "Decay Correction (0054,1102) is missing"))
    if decay not in ("START", "ADMIN", "NONE"):
        raise SuvError(
            translate("SUV", "Decay Correction (0054,1102) {0} is not supported").format(decay)
        )
    _require_corrections(first, decay)
    body = body_of(first, notes)
    weight_g = norm("bw", body)
    dose = injected_dose_bq(first, notes)
    if decay == "ADMIN":
        return [weight_g / dose] * len(datasets)
    half = half_life_s(first)
    if decay == "START":
        scan = scan_datetime(datasets, notes)
        dt = seconds_since_injection(first, scan, half, notes)
        return [weight_g / decayed(dose, dt, half)] * len(datasets)
    # NONE: each image refers to its own frame
    out = []
    for ds in datasets:
        start = date_time(ds, "AcquisitionDate", "AcquisitionTime")
        if start is None:
            raise SuvError(
                translate(
                    "SUV",
                    "Acquisition Date/Time (0008,0022/0032) is missing (Decay Correction NONE)",
                )
            )
        dur_ms = float_of(ds, "ActualFrameDuration")
        if dur_ms is None or dur_ms <= 0:
            raise SuvError(
                translate(
                    "SUV", "Actual Frame Duration (0018,1242) is missing (Decay Correction NONE)"
                )
            )
        dt = seconds_since_injection(ds, start, half, notes)
        out.append(weight_g / decayed_over_frame(dose, dt, dur_ms / 1000.0, half))
    return out


def _bw_factors(units: str, datasets: Sequence[Dataset], notes: list[str]) -> list[float]:
    if units == "BQML":
        return _bqml_bw(datasets, notes)
    if units == "CNTS":
        suv = [private_float(ds, 0x7053, PHILIPS_CREATOR, 0x00) for ds in datasets]
        if all(v is not None and v > 0 for v in suv):
            return [float(v) for v in suv]  # type: ignore[arg-type]
        act = [private_float(ds, 0x7053, PHILIPS_CREATOR, 0x09) for ds in datasets]
        if all(v is not None and v > 0 for v in act):
            bq = _bqml_bw(datasets, notes)
            return [float(a) * b for a, b in zip(act, bq, strict=True)]  # type: ignore[arg-type]
        raise SuvError(
            translate(
                "SUV",
                "Units are CNTS without Philips SUV Scale Factor (7053,1000) or "
                "Activity Concentration Scale Factor (7053,1009)",
            )
        )
    raise SuvError(
        translate("SUV", "Units (0054,1001) {0} cannot be converted to SUV").format(units)
    )


#: Attributes every image of a series must agree on (name, getter).
_SERIES_LEVEL: tuple[tuple[str, Callable[[Dataset], object]], ...] = (
    ("Units (0054,1001)", lambda ds: text_of(ds, "Units")),
    ("Decay Correction (0054,1102)", lambda ds: text_of(ds, "DecayCorrection")),
    ("SUV Type (0054,1006)", lambda ds: text_of(ds, "SUVType")),
    ("Patient's Weight (0010,1030)", lambda ds: float_of(ds, "PatientWeight")),
    ("Patient's Size (0010,1020)", lambda ds: float_of(ds, "PatientSize")),
    ("Patient's Sex (0010,0040)", lambda ds: text_of(ds, "PatientSex")),
    ("Series Date/Time (0008,0021/0031)", lambda ds: date_time(ds, "SeriesDate", "SeriesTime")),
    ("the Radiopharmaceutical Information Sequence (0054,0016)", lambda ds: _rp_key(ds)),
)


def _rp_key(ds: Dataset) -> object:
    seq = ds.get("RadiopharmaceuticalInformationSequence")
    if not seq:
        return None
    rp = seq[0]
    return tuple(
        str(rp.get(kw, "") or "").strip()
        for kw in (
            "RadionuclideTotalDose",
            "RadionuclideHalfLife",
            "RadiopharmaceuticalStartDateTime",
            "RadiopharmaceuticalStartTime",
        )
    )


def _check_one_series(datasets: Sequence[Dataset]) -> None:
    for name, get in _SERIES_LEVEL:
        values = {repr(get(ds)) for ds in datasets}
        if len(values) > 1:
            raise SuvError(
                translate("SUV", "{0} differs between images of the series").format(name)
            )


def stored_suv(units: str, st: str, uids: Sequence[str], body: Body, notes: list[str]) -> SuvResult:
    """Factors for values that already are an SUV (Units GML / CM2ML): of the kind named by
    SUV Type ``st`` (BW for GML, BSA for CM2ML when empty), every other kind by body size."""
    stored = _SUV_TYPE_KIND.get(st or ("BW" if units == "GML" else "BSA"))
    if stored is None:
        return SuvResult(
            units,
            None,
            translate("SUV", "SUV Type (0054,1006) {0} is not known").format(st),
            notes=notes,
        )
    if (stored == "bsa") != (units == "CM2ML"):
        return SuvResult(
            units,
            None,
            translate(
                "SUV", "SUV Type (0054,1006) {0} disagrees with Units (0054,1001) {1}"
            ).format(st, units),
        )
    if not st:
        notes.append(
            translate("SUV", "SUV Type (0054,1006) missing; {0} assumed").format(KIND_LABEL[stored])
        )
    elif st == "LBM":  # the multiplier is not said; James's own is 128 (LBMJAMES128)
        notes.append(
            translate("SUV", "SUV Type (0054,1006) LBM read as James's formula, LBMJAMES128")
        )
    factors: dict[str, dict[str, float]] = {}
    kind_reasons: dict[str, str] = {}
    base: float | None = None
    try:
        base = norm(stored, body)
    except SuvError as exc:
        base_error = translate("SUV", "stored as {0}: {1}").format(KIND_LABEL[stored], exc)
    for kind in KINDS:
        if kind == stored:
            factors[kind] = dict.fromkeys(uids, 1.0)
            continue
        try:
            if base is None:
                raise SuvError(base_error)
            f = norm(kind, body) / base
        except SuvError as exc:
            kind_reasons[kind] = str(exc)
            continue
        factors[kind] = dict.fromkeys(uids, f)
    if "bw" not in factors:
        return SuvResult(units, None, kind_reasons["bw"], kind_reasons, notes)
    return SuvResult(units, factors, "; ".join(kind_reasons.values()), kind_reasons, notes)


def suv_factors(datasets: Sequence[Dataset]) -> SuvResult:
    """SUV factors of every kind for the images of one PET series (headers suffice)."""
    if not datasets:
        return SuvResult("", None, translate("SUV", "no images"))
    first = datasets[0]
    from viewer.dicom.suv_enhanced import enhanced_factors, is_enhanced_pet

    if is_enhanced_pet(first):
        return enhanced_factors(datasets)
    units = text_of(first, "Units")
    notes: list[str] = []
    if not units:
        return SuvResult("", None, translate("SUV", "Units (0054,1001) is missing"))
    uids = [str(ds.get("SOPInstanceUID", "")) for ds in datasets]
    try:
        _check_one_series(datasets)
    except SuvError as exc:
        return SuvResult(units, None, str(exc))
    if units in ("GML", "CM2ML"):
        return stored_suv(units, text_of(first, "SUVType"), uids, body_of(first, notes), notes)
    try:
        bw = _bw_factors(units, datasets, notes)
    except SuvError as exc:
        return SuvResult(units, None, str(exc), notes=notes)
    body = body_of(first, notes)
    w = norm("bw", body)
    factors = {"bw": dict(zip(uids, bw, strict=True))}
    kind_reasons = {}
    for kind in KINDS[1:]:
        try:
            scale = norm(kind, body) / w
        except SuvError as exc:
            kind_reasons[kind] = str(exc)
            continue
        factors[kind] = {u: f * scale for u, f in zip(uids, bw, strict=True)}
    return SuvResult(units, factors, "; ".join(kind_reasons.values()), kind_reasons, notes)
