"""SUV on phantom PET series, one per case of QIBA's pseudo-code and the IBSI SUV manual.

The expected factors are written out here by hand from the published formulas — never by
calling the code under test — and every loaded voxel must match them to 0.1 %.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pydicom
import pytest

from phantoms.pet import N_SLICES, PetCase, activity, write_case
from viewer.dicom.quantity import display_label, display_unit, region_suv
from viewer.dicom.scan import scan
from viewer.dicom.suv import suv_factors
from viewer.dicom.volume import Volume, load_series

F18 = 6586.2
GA68 = 4062.6
ZR89 = 282276.0  # 78.41 h
DOSE = 370e6


def decayed(dose: float, seconds: float, half_life: float) -> float:
    return dose * math.exp(-math.log(2) * seconds / half_life)


def bw_start(seconds: float, weight_kg: float = 75.0, half_life: float = F18) -> float:
    return weight_kg * 1000.0 / decayed(DOSE, seconds, half_life)


# hand-written body-size normalisers (kg; cm² for BSA), from the papers
def lbm_janma(w: float, h_m: float, sex: str) -> float:
    bmi = w / h_m**2
    return 9270 * w / (6680 + 216 * bmi) if sex == "M" else 9270 * w / (8780 + 244 * bmi)


def lbm_james(w: float, h_m: float, sex: str) -> float:
    h = h_m * 100
    return 1.10 * w - 128 * (w / h) ** 2 if sex == "M" else 1.07 * w - 148 * (w / h) ** 2


def bsa_cm2(w: float, h_m: float) -> float:
    return 0.007184 * w**0.425 * (h_m * 100) ** 0.725 * 1e4


def ibw(h_m: float, sex: str) -> float:
    # Sugawara et al., Radiology 1999 (the SUVibw of IBSI's mirp and of MITK), height in cm
    h = h_m * 100
    return 48.0 + 1.06 * (h - 152) if sex == "M" else 45.5 + 0.91 * (h - 152)


LAM = math.log(2) / F18
NONE_TIMES = ("143000", "143300", "143600", "143900")


def _none_factor(k: int) -> float:
    t = 3600 + 180 * k
    x = LAM * 180.0
    return 75000.0 / (decayed(DOSE, t, F18) * (1 - math.exp(-x)) / x)


PHILIPS = (2.1e-4, 2.2e-4, 2.3e-4, 2.4e-4)

#: case → (its header, expected SUVbw factor per slice)
CASES: dict[str, tuple[PetCase, list[float]]] = {
    "start_datetime": (PetCase("start_datetime"), [bw_start(3600)] * 4),
    "start_time_only": (PetCase("start_time_only", start_datetime=None), [bw_start(3600)] * 4),
    "injected_before_midnight": (
        PetCase(
            "midnight",
            start_datetime=None,
            start_time="233000",
            series_date="20261121",
            series_time="003000",
            acq_date="20261121",
            acq_times=("003000",),
        ),
        [bw_start(3600)] * 4,
    ),
    "datetime_across_midnight": (
        PetCase(
            "midnight_dt",
            start_datetime="20261120233000",
            start_time="233000",
            series_date="20261121",
            series_time="010000",
            acq_date="20261121",
            acq_times=("010000",),
        ),
        [bw_start(5400)] * 4,
    ),
    # IBSI DRO_4_4: the injection's date disagrees with the scan's (de-identified dates):
    # the manual then takes its time of day, on the scan's day
    "start_datetime_with_shifted_date": (
        PetCase("shifted", start_datetime="20000101133000"),
        [bw_start(3600)] * 4,
    ),
    "start_datetime_days_before": (
        PetCase("days", start_datetime="20261117133000"),
        [bw_start(3600)] * 4,
    ),
    # IBSI DRO_4_5: Zr-89, two days' uptake, Start DateTime present
    "zr89_two_days_uptake": (
        PetCase("zr89", half_life="282276", start_datetime="20261118143000", start_time=None),
        [bw_start(2 * 86400, half_life=ZR89)] * 4,
    ),
    # IBSI DRO_3_3_0: Siemens' Decay Correction DateTime (0071,xx22 "SIEMENS MED PT")
    "siemens_decay_correction_datetime": (
        PetCase("siemens", series_time="153000", siemens_dcdt="20261120142000"),
        [bw_start(3000)] * 4,
    ),
    "dose_in_mbq": (PetCase("mbq", dose="370"), [bw_start(3600)] * 4),
    "ga68_half_life": (
        PetCase("ga68", half_life="4062.6"),
        [bw_start(3600, half_life=GA68)] * 4,
    ),
    "decay_admin": (PetCase("admin", decay="ADMIN"), [75000.0 / DOSE] * 4),
    "decay_none": (
        PetCase("none", decay="NONE", corrected=("ATTN", "SCAT"), acq_times=NONE_TIMES),
        [_none_factor(k) for k in range(4)],
    ),
    "ge_series_after_acquisition": (
        PetCase("ge", series_time="153000", ge_scan_datetime="20261120142000"),
        [bw_start(3000)] * 4,
    ),
    "series_after_acquisition_no_private": (
        PetCase("late_series", series_time="153000", acq_times=NONE_TIMES),
        [bw_start(3600)] * 4,
    ),
    "philips_suv_scale": (
        PetCase("philips_suv", units="CNTS", philips_suv=PHILIPS),
        list(PHILIPS),
    ),
    "philips_activity_scale": (
        PetCase("philips_act", units="CNTS", philips_activity=1.5),
        [1.5 * bw_start(3600)] * 4,
    ),
    "gml_bw": (PetCase("gml", units="GML", suv_type="BW", value_scale=1e-4), [1.0] * 4),
    "gml_lbm_janma": (
        PetCase("gml_lbm", units="GML", suv_type="LBMJANMA", value_scale=1e-4),
        [75.0 / lbm_janma(75, 1.78, "M")] * 4,
    ),
    "cm2ml_bsa": (
        PetCase("cm2ml", units="CM2ML", suv_type="BSA", value_scale=1e-3),
        [75000.0 / bsa_cm2(75, 1.78)] * 4,
    ),
    "female": (
        PetCase("female", sex="F", weight_kg="60", size_m="1.65"),
        [bw_start(3600, weight_kg=60)] * 4,
    ),
    "size_in_cm": (PetCase("size_cm", size_m="178"), [bw_start(3600)] * 4),
    # IBSI: a weight of 1000 or more is in grams
    "weight_in_grams": (PetCase("weight_g", weight_kg="75000"), [bw_start(3600)] * 4),
}


def _load(folder: Path) -> Volume:
    res = scan(folder)
    assert not res.problems, res.problems
    (series,) = res.all_series()
    vol = load_series(series)
    assert isinstance(vol, Volume)
    return vol


@pytest.fixture(scope="module")
def case_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("suv-cases")
    for name, (case, _) in CASES.items():
        write_case(case, str(root / name))
    for name, case in REFUSALS.items():
        write_case(case[0], str(root / f"refuse-{name}"))
    return root


def _datasets(folder: Path) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(p) for p in sorted(folder.glob("*.dcm"))]


@pytest.mark.parametrize("name", sorted(CASES))
def test_suvbw_of_every_voxel_matches_the_hand_formula(case_root: Path, name: str) -> None:
    case, expected = CASES[name]
    vol = _load(case_root / name)
    assert vol.suv is not None and vol.suv.available, vol.suv
    assert vol.suv.label == "SUVbw" and vol.suv.unit == "g/ml"
    assert display_label(vol) == "SUVbw" and display_unit(vol) == "g/ml"
    for k in range(N_SLICES):
        truth = activity(k) * case.value_scale * expected[k]
        got = vol.suv.to_suv(vol.array[k], k)
        np.testing.assert_allclose(got, truth, rtol=1e-3)


@pytest.mark.parametrize(
    "name",
    ["start_datetime", "female", "decay_admin", "philips_suv_scale", "gml_bw", "cm2ml_bsa"],
)
def test_other_kinds_follow_their_body_size_formulas(case_root: Path, name: str) -> None:
    case, expected = CASES[name]
    w, h, sex = float(case.weight_kg or 0), float(case.size_m or 0), str(case.sex)
    result = suv_factors(_datasets(case_root / name))
    assert result.factors is not None
    by_kind = {
        "lbm": lbm_janma(w, h, sex) / w,
        "lbm_james": lbm_james(w, h, sex) / w,
        "bsa": bsa_cm2(w, h) / (w * 1000),
        "ibw": ibw(h, sex) / w,
    }
    for kind, ratio in by_kind.items():
        got = sorted(result.factors[kind].values())
        np.testing.assert_allclose(got, sorted(f * ratio for f in expected), rtol=1e-3)


def test_gml_without_weight_is_still_suvbw_but_no_other_kind(tmp_path: Path) -> None:
    write_case(PetCase("gml_nw", units="GML", weight_kg=None, value_scale=1e-4), str(tmp_path))
    result = suv_factors(_datasets(tmp_path))
    assert result.factors is not None and set(result.factors) == {"bw"}
    assert set(result.factors["bw"].values()) == {1.0}
    assert "Patient's Weight" in result.kind_reasons["lbm"]
    assert "SUV Type" in " ".join(result.notes)  # BW was assumed, and said


def test_gml_stored_as_lbm_converts_to_every_kind(case_root: Path) -> None:
    result = suv_factors(_datasets(case_root / "gml_lbm_janma"))
    assert result.factors is not None
    lbm = lbm_janma(75, 1.78, "M")
    assert set(result.factors["lbm"].values()) == {1.0}
    np.testing.assert_allclose(list(result.factors["ibw"].values()), ibw(1.78, "M") / lbm, 1e-3)


#: case → (header, attribute the reason must name)
REFUSALS: dict[str, tuple[PetCase, str]] = {
    "no_weight": (PetCase("no_weight", weight_kg=None), "Patient's Weight"),
    # IBSI DRO_error_2_1
    "weight_zero": (
        PetCase("weight0", weight_kg="0"),
        "Patient's Weight (0010,1030) of 0 is not a plausible weight",
    ),
    "no_dose": (PetCase("no_dose", dose=None), "Radionuclide Total Dose"),
    "no_half_life": (PetCase("no_half", half_life=None), "Radionuclide Half Life"),
    # IBSI DRO_error_3_1
    "dose_negative": (
        PetCase("dose_neg", dose="-370000000"),
        "Radionuclide Total Dose (0018,1074) of -3.7e+08 is not a positive dose",
    ),
    "no_injection_time": (
        PetCase("no_start", start_datetime=None, start_time=None),
        "Radiopharmaceutical Start",
    ),
    "no_decay_correction": (PetCase("no_decay", decay=None), "Decay Correction"),
    "no_units": (PetCase("no_units", units=None), "Units"),
    "counts_without_philips": (PetCase("cnts", units="CNTS"), "7053,1000"),
    "not_attenuation_corrected": (PetCase("no_attn", corrected=("DECY",)), "ATTN"),
    "injected_after_scan": (
        PetCase("after", start_datetime="20261120150000"),
        "Radiopharmaceutical Start DateTime",
    ),
    "injected_after_scan_time_only": (
        PetCase("after_tm", start_datetime=None, start_time="144500"),
        "Radiopharmaceutical Start Time (0018,1072)",
    ),
    # IBSI DRO_error_4_1: a time of day cannot place an injection days before (Zr-89)
    "long_half_life_time_only": (
        PetCase("zr89_tm", half_life="282276", start_datetime=None),
        "Radiopharmaceutical Start DateTime (0018,1078)",
    ),
    "none_without_frame_duration": (
        PetCase("none_nodur", decay="NONE", corrected=("ATTN",), frame_duration_ms=None),
        "Actual Frame Duration",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_refusal_names_the_missing_attribute_and_shows_raw_units(
    case_root: Path, name: str
) -> None:
    case, attribute = REFUSALS[name]
    vol = _load(case_root / f"refuse-{name}")
    assert vol.suv is not None and not vol.suv.available
    assert attribute in vol.suv.reason
    assert not vol.suv.factors
    raw = {"BQML": "Bq/ml", "CNTS": "counts"}.get(str(case.units), "")
    assert vol.suv.label == raw and display_unit(vol) == raw
    assert any(attribute in w for w in vol.warnings)
    with pytest.raises(ValueError, match="no SUV"):
        region_suv(vol, np.ones(vol.shape, bool))


@pytest.mark.parametrize(
    ("keyword", "value", "named"),
    [
        ("PatientWeight", "80", "Patient's Weight"),
        ("DecayCorrection", "ADMIN", "Decay Correction"),
        ("SeriesTime", "150000", "Series Date/Time"),
    ],
)
def test_images_that_disagree_on_series_attributes_are_refused(
    tmp_path: Path, keyword: str, value: str, named: str
) -> None:
    paths = write_case(PetCase(f"mixed-{keyword}"), str(tmp_path))
    ds = pydicom.dcmread(paths[2])
    setattr(ds, keyword, value)
    ds.save_as(paths[2], enforce_file_format=True)
    result = suv_factors(_datasets(tmp_path))
    assert result.factors is None
    assert named in result.reason and "differs" in result.reason


def test_missing_height_keeps_bw_and_refuses_the_others(tmp_path: Path) -> None:
    write_case(PetCase("no_size", size_m=None), str(tmp_path))
    result = suv_factors(_datasets(tmp_path))
    assert result.factors is not None and set(result.factors) == {"bw"}
    for kind in ("lbm", "lbm_james", "bsa", "ibw"):
        assert "Patient's Size" in result.kind_reasons[kind]


def test_suv_max_mean_and_peak_on_a_region(tmp_path: Path) -> None:
    case = replace(CASES["start_datetime"][0], name="stats")
    write_case(case, str(tmp_path))
    vol = _load(tmp_path)
    f = bw_start(3600)
    mask = np.zeros(vol.shape, bool)
    mask[1:3, 1:3, 1:3] = True  # the hot corner of slices 1 and 2
    stats = region_suv(vol, mask)
    hot = [activity(k)[1:3, 1:3] * f for k in (1, 2)]
    assert stats.unit == "g/ml" and stats.voxels == 8
    np.testing.assert_allclose(stats.max, hot[1].max(), rtol=1e-3)
    np.testing.assert_allclose(stats.mean, np.mean(hot), rtol=1e-3)
    # 1 cm³ sphere: radius 6.2 mm; voxels 4 mm apart → the hottest voxel and its 6 face
    # neighbours (4 mm) and 12 edge neighbours (5.66 mm), not the corners (6.93 mm)
    k0, j0, i0 = 2, 1, 1  # hottest: slice 2 (the highest slice of the mask), first voxel
    vals = []
    for dk in (-1, 0, 1):
        for dj in (-1, 0, 1):
            for di in (-1, 0, 1):
                if 0 < dk * dk + dj * dj + di * di <= 2 or (dk, dj, di) == (0, 0, 0):
                    vals.append(activity(k0 + dk)[j0 + dj, i0 + di] * f)
    assert len(vals) == 19
    np.testing.assert_allclose(stats.peak, np.mean(vals), rtol=1e-3)


def test_demo_pet_opens_in_suv(light_scan, light_specs) -> None:
    spec = light_specs["pet"]
    vol = load_series(light_scan.find_series(spec.series_uid))
    assert isinstance(vol, Volume) and vol.suv is not None
    assert vol.suv.available, vol.suv.reason
    assert display_label(vol) == "SUVbw" and display_unit(vol) == "g/ml"
    f = bw_start(3600)  # 75 kg, 370 MBq F-18 injected 13:30, scan 14:30
    np.testing.assert_allclose(vol.suv.slice_factors(), f, rtol=1e-3)
    # every voxel of a middle slice: the generator's Bq/ml × the hand-computed factor
    from phantoms import anatomy

    k = vol.shape[0] // 2
    np.testing.assert_allclose(
        vol.suv.to_suv(vol.array[k], k), spec.expected_slice(k) * f, rtol=1e-3, atol=1e-6
    )
    assert anatomy.PET_BACKGROUND * f > 0.5  # a plausible SUV for background tissue


def test_a_pet_too_short_for_a_volume_still_has_suv(tmp_path: Path) -> None:
    from viewer.dicom.volume import ImageStack

    paths = write_case(PetCase("short"), str(tmp_path))
    for p in paths[2:]:
        Path(p).unlink()
    (series,) = scan(tmp_path).all_series()
    stack = load_series(series)
    assert isinstance(stack, ImageStack) and stack.suv is not None
    assert display_label(stack) == "SUVbw"
    for n, fr in enumerate(stack.sources):
        k = fr.instance.instance_number - 1
        got = stack.suv.to_suv(stack.frames[n], n)
        np.testing.assert_allclose(got, activity(k) * bw_start(3600), rtol=1e-3)


def test_every_guess_is_reported_in_the_notes(case_root: Path) -> None:
    shifted = suv_factors(_datasets(case_root / "start_datetime_with_shifted_date"))
    assert any("time of day" in n and "0018,1078" in n for n in shifted.notes), shifted.notes
    mbq = suv_factors(_datasets(case_root / "dose_in_mbq"))
    assert any("MBq" in n for n in mbq.notes), mbq.notes
    grams = suv_factors(_datasets(case_root / "weight_in_grams"))
    assert any("grams" in n for n in grams.notes), grams.notes
    plain = suv_factors(_datasets(case_root / "start_datetime"))
    assert plain.notes == []


def test_suv_type_lbm_is_read_as_james_128_and_says_so(tmp_path: Path) -> None:
    write_case(
        PetCase("gml_lbm_plain", units="GML", suv_type="LBM", value_scale=1e-4), str(tmp_path)
    )
    result = suv_factors(_datasets(tmp_path))
    assert result.factors is not None
    want = 75.0 / lbm_james(75, 1.78, "M")
    np.testing.assert_allclose(list(result.factors["bw"].values()), want, rtol=1e-3)
    assert any("LBMJAMES128" in n for n in result.notes), result.notes


def test_suv_peak_of_tied_maxima_is_the_highest_of_their_spheres() -> None:
    """IBSI's local intensity peak: with several hottest voxels, the one whose 1 cm³ sphere
    (radius 6.2 mm: the voxel, its 6 face and 12 edge neighbours at 4 mm spacing) is hottest."""
    from viewer.dicom.quantity import suv_stats

    values = np.zeros((7, 7, 7))
    values[1, 1, 1] = 10.0  # alone
    values[5, 5, 5] = 10.0  # among warm neighbours
    for d in ((1, 0, 0), (0, 1, 0), (0, 0, 1)):
        for s in (1, -1):
            values[5 + s * d[0], 5 + s * d[1], 5 + s * d[2]] = 5.0
    affine = np.diag([4.0, 4.0, 4.0, 1.0])
    stats = suv_stats(values, np.full(7, 2.0), np.ones(values.shape, bool), affine)
    assert stats.max == 20.0
    assert stats.peak == pytest.approx(2.0 * (10.0 + 6 * 5.0) / 19)
    assert stats.peak_center == (20.0, 20.0, 20.0)


@pytest.mark.parametrize(("units", "suv_type"), [("GML", "BSA"), ("CM2ML", "BW"), ("CM2ML", "IBW")])
def test_units_and_suv_type_that_disagree_are_refused(
    tmp_path: Path, units: str, suv_type: str
) -> None:
    """g/ml cannot hold SUVbsa, nor cm²/ml a weight-normalised SUV (IBSI's flowchart)."""
    write_case(PetCase(f"{units}-{suv_type}", units=units, suv_type=suv_type), str(tmp_path))
    result = suv_factors(_datasets(tmp_path))
    assert result.factors is None
    assert "SUV Type (0054,1006)" in result.reason and "Units (0054,1001)" in result.reason
