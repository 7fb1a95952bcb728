"""Overlay text from headers: names, dates, age, the series line."""

from __future__ import annotations

from viewer.dicom.overlay import age_at, dicom_date, person_name, series_overlay


def test_names_dates_and_age() -> None:
    assert person_name("Zhang^San=张^三") == "张三 Zhang San"
    assert person_name("Doe^John^^Dr") == "Doe John Dr"
    assert dicom_date("20261120") == "2026-11-20" and dicom_date("2026") == "2026"
    assert age_at("19620314", "20261120") == "64Y"
    assert age_at("19621201", "20261120") == "63Y"  # the birthday had not come yet
    assert age_at("", "20261120") == "" and age_at("20300101", "20261120") == ""


def test_series_overlay_of_the_phantom(light_scan) -> None:
    ct = next(s for s in light_scan.all_series() if s.modality == "CT")
    info = series_overlay(ct)
    assert info["patient_name"] == "张三 Zhang San" and info["sex_age"] == "M 64Y"
    assert info["study_date"] == "2026-11-20" and info["modality"] == "CT"
    assert info["series"].startswith("#") and ct.description in info["series"]
