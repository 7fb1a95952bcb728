"""Text shown over an image and in the study browser, built from the DICOM headers.

Only formatting lives here (names, dates, age, the series line); the words around it
("Im", "Loc", …) are the application's, translated there.
"""

from __future__ import annotations

from viewer.dicom.model import SeriesInfo


def person_name(dicom_name: str) -> str:
    """A DICOM PN for display: ideographic form first when there is one (``张三 Zhang San``)."""
    groups = dicom_name.split("=")
    alpha = " ".join(p for p in groups[0].split("^") if p).strip()
    ideo = "".join(p for p in groups[1].split("^") if p) if len(groups) > 1 else ""
    return f"{ideo} {alpha}".strip() if ideo else alpha


def dicom_date(d: str) -> str:
    """``YYYYMMDD`` as ``YYYY-MM-DD``; anything else as it is."""
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 and d.isdigit() else d


def age_at(birth_date: str, on: str) -> str:
    """Age in whole years between two DICOM dates (``"45Y"``), "" when either is unknown."""
    if not (birth_date[:4].isdigit() and on[:4].isdigit()):
        return ""
    years = int(on[:4]) - int(birth_date[:4])
    if len(birth_date) >= 8 and len(on) >= 8 and on[4:8] < birth_date[4:8]:
        years -= 1  # the birthday had not come yet that year
    return f"{years}Y" if years >= 0 else ""


def series_label(series: SeriesInfo) -> str:
    """``#3 Chest/Abdomen`` (the number only when the header has one)."""
    if series.series_number is not None:
        return f"#{series.series_number} {series.description}"
    return series.description


def series_overlay(series: SeriesInfo) -> dict[str, str]:
    """The corner text of a viewport showing ``series`` (keys the slice renderer knows)."""
    inst = series.frames[0].instance
    age = age_at(inst.patient_birth_date, inst.study_date)
    return {
        "patient_name": person_name(inst.patient_name),
        "patient_id": inst.patient_id,
        "sex_age": " ".join(x for x in (inst.patient_sex, age) if x),
        "study_date": dicom_date(inst.study_date),
        "institution": inst.institution_name,
        "series": series_label(series),
        "modality": series.modality,
    }
