"""SUV of Enhanced PET (multi-frame) images: the factors written out here by hand from the
published formulas (never by calling the code under test), every loaded voxel within 0.1 %.

PS3.3 C.8.22: the unit in the Real World Value Mapping's Measurement Units Code Sequence (UCUM),
Decay Corrected (0018,9758) with Decay Correction DateTime (0018,9701), each frame's Frame
Acquisition DateTime (0018,9074) and Duration (0018,9220), the dose in MBq.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pydicom
import pytest

from phantoms.pet import activity
from phantoms.pet_enhanced import N_FRAMES, EnhancedPetCase, frame_values, write_enhanced
from viewer.dicom.quantity import display_label, display_unit
from viewer.dicom.scan import scan
from viewer.dicom.suv import suv_factors
from viewer.dicom.volume import Volume, load_series

F18 = 6586.2
DOSE_BQ = 370e6  # 370 MBq as the enhanced IOD writes it
LAM = math.log(2) / F18
TIMES = ("20261120143000", "20261120143300", "20261120143600", "20261120143900")


def bw(seconds: float, weight_kg: float = 75.0) -> float:
    return weight_kg * 1000.0 / (DOSE_BQ * math.exp(-LAM * seconds))


def bw_frame(start_s: float, dur_s: float) -> float:
    """Not decay corrected: the dose decayed to the frame start, averaged over the frame."""
    x = LAM * dur_s
    return 75000.0 / (DOSE_BQ * math.exp(-LAM * start_s) * (1 - math.exp(-x)) / x)


def lbm_janma(w: float, h: float) -> float:  # men, Janmahasatian 2005
    return 9270 * w / (6680 + 216 * w / h**2)


#: case → (header, expected SUVbw factor of each frame)
CASES: dict[str, tuple[EnhancedPetCase, list[float]]] = {
    # decay corrected to 14:30, injected 13:30
    "decay_corrected": (EnhancedPetCase("dc"), [bw(3600)] * N_FRAMES),
    # decay corrected to another time than the acquisition: that time counts
    "decay_corrected_to_1500": (
        EnhancedPetCase("dc1500", decay_datetime="20261120150000"),
        [bw(5400)] * N_FRAMES,
    ),
    # not decay corrected: each frame decayed to its own start, over its 180 s
    "not_decay_corrected": (
        EnhancedPetCase("ndc", decay_corrected="NO", decay_datetime=None, frame_datetimes=TIMES),
        [bw_frame(3600 + 180 * k, 180.0) for k in range(N_FRAMES)],
    ),
    # a writer that put Bq where the enhanced IOD says MBq
    "dose_in_bq": (EnhancedPetCase("bq", dose_mbq="370000000"), [bw(3600)] * N_FRAMES),
    # values stored as SUVbw (g/ml{SUVbw}): the factor is 1
    "stored_suvbw": (
        EnhancedPetCase("gml", units_code="g/ml{SUVbw}", value_scale=1e-4),
        [1.0] * N_FRAMES,
    ),
    # stored as SUVlbm (Janmahasatian) in the older UCUM spelling: SUVbw = value × W / LBM
    "stored_suvlbm_old_spelling": (
        EnhancedPetCase("lbm", units_code="{SUVlbm(Janma)}g/ml", value_scale=1e-4),
        [75.0 / lbm_janma(75.0, 1.78)] * N_FRAMES,
    ),
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    r = tmp_path_factory.mktemp("enhanced-pet")
    for name, (case, _) in CASES.items():
        write_enhanced(case, str(r / name))
    for name, (case, _) in REFUSALS.items():
        write_enhanced(case, str(r / f"refuse-{name}"))
    return r


def _load(folder: Path) -> Volume:
    res = scan(folder)
    assert not res.problems, res.problems
    (series,) = res.all_series()
    vol = load_series(series)
    assert isinstance(vol, Volume)
    return vol


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_voxel_of_an_enhanced_pet_in_suvbw(root: Path, name: str) -> None:
    case, expected = CASES[name]
    vol = _load(root / name)
    assert vol.suv is not None and vol.suv.available, vol.suv
    assert display_label(vol) == "SUVbw" and display_unit(vol) == "g/ml"
    raw = frame_values(str(root / name / "enhanced_pet.dcm"))
    np.testing.assert_allclose(vol.array, raw, rtol=1e-6)  # the per-frame rescale was applied
    for k in range(N_FRAMES):
        truth = activity(k) * case.value_scale * expected[k]
        np.testing.assert_allclose(vol.suv.to_suv(vol.array[k], k), truth, rtol=1e-3)


def test_other_kinds_of_an_enhanced_pet(root: Path) -> None:
    ds = pydicom.dcmread(root / "decay_corrected" / "enhanced_pet.dcm", stop_before_pixels=True)
    r = suv_factors([ds])
    assert r.factors is not None
    (lbm,) = r.factors["lbm"].values()
    np.testing.assert_allclose(lbm, bw(3600) * lbm_janma(75, 1.78) / 75, rtol=1e-3)
    (bsa,) = r.factors["bsa"].values()
    np.testing.assert_allclose(
        bsa, bw(3600) * 0.007184 * 75**0.425 * 178**0.725 * 1e4 / 75000, 1e-3
    )


def test_frames_that_differ_have_a_factor_each(root: Path) -> None:
    ds = pydicom.dcmread(root / "not_decay_corrected" / "enhanced_pet.dcm", stop_before_pixels=True)
    r = suv_factors([ds])
    assert r.factors is not None and not r.factors["bw"]  # no one factor for the object
    (per,) = r.frame_factors["bw"].values()
    np.testing.assert_allclose(per, CASES["not_decay_corrected"][1], rtol=1e-3)


#: case → (header, attribute the refusal must name)
REFUSALS: dict[str, tuple[EnhancedPetCase, str]] = {
    "no_units": (EnhancedPetCase("nounits", units_code=None), "Measurement Units Code Sequence"),
    "counts": (EnhancedPetCase("cnts", units_code="{counts}"), "cannot be converted"),
    "no_decay_corrected": (EnhancedPetCase("nodc", decay_corrected=None), "(0018,9758)"),
    "no_decay_datetime": (EnhancedPetCase("nodt", decay_datetime=None), "(0018,9701)"),
    "no_frame_time": (
        EnhancedPetCase("noft", decay_corrected="NO", frame_datetimes=None),
        "Frame Acquisition DateTime (0018,9074)",
    ),
    "no_frame_duration": (
        EnhancedPetCase("nofd", decay_corrected="NO", frame_duration_ms=None),
        "Frame Acquisition Duration (0018,9220)",
    ),
    "not_attenuation_corrected": (
        EnhancedPetCase("noac", attenuation_corrected="NO"),
        "Attenuation Corrected (0018,9759)",
    ),
    "no_weight": (EnhancedPetCase("now", weight_kg=None), "Patient's Weight (0010,1030)"),
    "no_dose": (EnhancedPetCase("nodose", dose_mbq=None), "Radionuclide Total Dose (0018,1074)"),
    "no_injection": (
        EnhancedPetCase("noinj", start_datetime=None),
        "Radiopharmaceutical Start DateTime (0018,1078)",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_an_enhanced_pet_refusal_names_the_attribute(root: Path, name: str) -> None:
    _, attribute = REFUSALS[name]
    vol = _load(root / f"refuse-{name}")
    assert vol.suv is not None and not vol.suv.available
    assert attribute in vol.suv.reason, vol.suv.reason
    assert any(attribute in w for w in vol.warnings)


def _edited(root: Path, edit) -> pydicom.Dataset:  # type: ignore[no-untyped-def]
    ds = pydicom.dcmread(root / "decay_corrected" / "enhanced_pet.dcm", stop_before_pixels=True)
    edit(ds.PerFrameFunctionalGroupsSequence)
    return ds


@pytest.mark.parametrize(
    ("edit", "attribute"),
    [
        # a table, not a line: never taken as the rescale
        (
            lambda per: delattr(per[0].RealWorldValueMappingSequence[0], "RealWorldValueSlope"),
            "Real World Value Slope (0040,9225)",
        ),
        # one frame without its unit: not assumed to be in the others'
        (
            lambda per: delattr(per[2], "RealWorldValueMappingSequence"),
            "Measurement Units Code Sequence (0040,08EA)",
        ),
        # a zero slope is not a slope of one
        (
            lambda per: setattr(per[1].PixelValueTransformationSequence[0], "RescaleSlope", "0"),
            "Rescale Slope (0028,1053)",
        ),
    ],
)
def test_an_enhanced_pet_mapping_suv_cannot_trust_is_refused(
    root: Path,
    edit,
    attribute: str,  # type: ignore[no-untyped-def]
) -> None:
    r = suv_factors([_edited(root, edit)])
    assert r.factors is None and attribute in r.reason, r.reason


# --------------------------------------------------------------------------- legacy converted


def _legacy(case, folder: Path) -> Path:
    """The classic phantom series converted by highdicom into one Legacy Converted Enhanced PET
    (the classic attributes land in the Unassigned Converted Attributes)."""
    import logging

    from highdicom.legacy import LegacyConvertedEnhancedPETImage
    from pydicom.uid import generate_uid

    from phantoms.pet import write_case

    paths = write_case(case, str(folder / "classic"))
    logging.disable(logging.WARNING)  # highdicom: "cannot determine FrameType"
    try:
        obj = LegacyConvertedEnhancedPETImage(
            [pydicom.dcmread(p) for p in paths],
            series_instance_uid=generate_uid(),
            series_number=2,
            sop_instance_uid=generate_uid(),
            instance_number=1,
        )
    finally:
        logging.disable(logging.NOTSET)
    out = folder / "legacy"
    out.mkdir()
    obj.save_as(out / "legacy.dcm")
    return out


@pytest.mark.parametrize("decay", ["START", "NONE"])
def test_a_legacy_converted_pet_keeps_its_suv(tmp_path: Path, decay: str) -> None:
    from phantoms.pet import PetCase

    if decay == "START":
        case, expected = PetCase("legacy-start"), [bw(3600)] * 4
    else:
        case = PetCase(
            "legacy-none",
            decay="NONE",
            corrected=("ATTN", "SCAT"),
            acq_times=("143000", "143300", "143600", "143900"),
        )
        expected = [bw_frame(3600 + 180 * k, 180.0) for k in range(4)]
    vol = _load(_legacy(case, tmp_path))
    assert pydicom.dcmread(next((tmp_path / "legacy").glob("*.dcm"))).SOPClassUID == (
        "1.2.840.10008.5.1.4.1.1.128.1"
    )
    assert vol.suv is not None and vol.suv.available, vol.suv
    for n, fr in enumerate(vol.slice_sources):
        k = round((fr.geometry.position[2] + 6.0) / 4.0)  # the classic slice it came from
        np.testing.assert_allclose(
            vol.suv.to_suv(vol.array[n], n), activity(k) * expected[k], rtol=1e-3
        )
