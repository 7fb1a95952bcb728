"""The values of a measurement, with units (UCUM), as the SR and the GSPS labels carry them.

Computed with :mod:`viewer.dicom.measure` on the modality values of the slice. Without pixel
spacing, lengths and areas are in pixels and say so ("{pixel}"); SUV is given only when the
caller supplies the factor (SUV per stored unit) that the PET's header supports.
"""

from __future__ import annotations

import numpy as np

from viewer.dicom.findings.model import MeasuredValue
from viewer.dicom.measure import Measurement, angle_deg, length_mm, roi_stats

#: UCUM units of the modality values we know.
MODALITY_UNITS = {"CT": "[hnsf'U]", "MR": "1", "PT": "Bq/mL"}


def values_for(
    m: Measurement,
    pixels: np.ndarray | None,
    spacing: tuple[float, float] | None,
    unit: str = "[hnsf'U]",
    suv_factor: float | None = None,
    suv_unit: str = "{SUVbw}g/mL",
) -> list[MeasuredValue]:
    """Values of ``m`` on a slice of modality values ``pixels`` (rows, cols).

    ``unit`` is the UCUM unit of ``pixels``; ``suv_factor`` multiplies them into SUV.
    """
    pts = m.points
    dist = "mm" if spacing else "{pixel}"
    if m.kind == "length" and len(pts) >= 2:
        return [MeasuredValue("Length", length_mm(pts[0], pts[1], spacing), dist)]
    if m.kind == "angle" and len(pts) >= 3:
        return [MeasuredValue("Angle", angle_deg(pts[0], pts[1], pts[2], spacing), "deg")]
    if m.kind in ("ellipse", "rectangle") and len(pts) >= 2:
        out: list[MeasuredValue] = []
        if pixels is None:
            return out
        s = roi_stats(m.kind, pts[0], pts[1], pixels, spacing)
        if s is None:
            return out
        if s.area_mm2 is not None:
            out.append(MeasuredValue("Area", s.area_mm2, "mm2"))
        else:
            out.append(MeasuredValue("Area", s.area_px, "{pixel}2"))
        if pixels.ndim == 2:
            out += [
                MeasuredValue("Mean", s.mean, unit),
                MeasuredValue("Standard Deviation", s.sd, unit),
                MeasuredValue("Minimum", s.min, unit),
                MeasuredValue("Maximum", s.max, unit),
            ]
            if suv_factor is not None:
                out += [
                    MeasuredValue("SUVmean", s.mean * suv_factor, suv_unit),
                    MeasuredValue("SUVmax", s.max * suv_factor, suv_unit),
                ]
        return out
    if m.kind == "probe" and pts and pixels is not None and pixels.ndim == 2:
        i, j = round(pts[0][0]), round(pts[0][1])
        if 0 <= j < pixels.shape[0] and 0 <= i < pixels.shape[1]:
            v = float(pixels[j, i])
            out = [MeasuredValue("Value", v, unit)]
            if suv_factor is not None:
                out.append(MeasuredValue("SUV", v * suv_factor, suv_unit))
            return out
    return []


def shown_unit(unit: str) -> str:
    """A UCUM unit as a reader expects to see it ("[hnsf'U]" → "HU", "{SUVbw}g/mL" → "g/ml
    (SUVbw)"); "1" (a ratio without unit, MR signal) → "a.u."."""
    fixed = {
        "mm": "mm",
        "mm2": "mm²",
        "deg": "°",
        "[hnsf'U]": "HU",
        "{pixel}": "px",
        "{pixel}2": "px²",
        "1": "a.u.",
        "Bq/mL": "Bq/ml",
    }
    if unit in fixed:
        return fixed[unit]
    if unit.startswith("{") and "}" in unit:
        kind, rest = unit[1:].split("}", 1)
        return f"{rest.replace('mL', 'ml')} ({kind})"
    return unit


def label_for(values: list[MeasuredValue], text: str = "") -> str:
    """The label a GSPS text object shows: each value with its unit, or the annotation's text."""
    if not values:
        return text
    parts = [
        f"{v.name} {v.value:.{2 if v.name.startswith('SUV') else 1}f} {shown_unit(v.unit)}"
        for v in values
    ]
    return "\n".join(([text] if text else []) + parts)
