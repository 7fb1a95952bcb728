"""Small PET series for every SUV case (units, decay correction, vendor private tags, times).

Each :class:`PetCase` writes a 4-slice 8×8 PET series whose activity concentration (Bq/ml) is
known: ``activity(k)`` gives slice ``k``'s modality values. The headers say what the case is
about; nothing here computes an SUV (tests compute the expected value by hand).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from phantoms.writer import IMPLEMENTATION_UID, PET_IMAGE_STORAGE, _ds_num, uid

ROWS = COLS = 8
N_SLICES = 4


@dataclass(frozen=True)
class PetCase:
    """Header values of one PET series; ``None`` leaves the attribute out."""

    name: str
    units: str | None = "BQML"
    decay: str | None = "START"
    corrected: tuple[str, ...] | None = ("DECY", "ATTN", "SCAT", "RAN", "NORM")
    weight_kg: str | None = "75"
    size_m: str | None = "1.78"
    sex: str | None = "M"
    dose: str | None = "370000000"  # as written in (0018,1074)
    half_life: str | None = "6586.2"
    start_datetime: str | None = "20261120133000"  # (0018,1078)
    start_time: str | None = "133000"  # (0018,1072)
    series_date: str = "20261120"
    series_time: str = "143000"
    acq_date: str = "20261120"
    #: Acquisition Time of each slice (one value: all slices)
    acq_times: tuple[str, ...] = ("143000",)
    frame_duration_ms: int | None = 180000
    ge_scan_datetime: str | None = None  # (0009,100D) under GEMS_PETD_01
    siemens_dcdt: str | None = None  # (0071,1022) Decay Correction DateTime, SIEMENS MED PT
    philips_suv: tuple[float, ...] | None = None  # (7053,1000) per slice
    philips_activity: float | None = None  # (7053,1009)
    suv_type: str | None = None
    #: modality value scale: activity × this is what the slices hold (GML cases hold SUV)
    value_scale: float = 1.0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def series_uid(self) -> str:
        return uid("pet-case-series", self.name)

    def sop_uid(self, k: int) -> str:
        return uid("pet-case-sop", self.name, k)

    def acq_time(self, k: int) -> str:
        return self.acq_times[k] if len(self.acq_times) > 1 else self.acq_times[0]


def activity(k: int) -> np.ndarray:
    """Activity concentration (Bq/ml) of slice ``k``: a warm background and a hot corner."""
    a = np.full((ROWS, COLS), 5000.0 + 250.0 * k)
    a[1:3, 1:3] = 40000.0 + 1000.0 * k
    return a


def patient_body(ds: Dataset, case: Any) -> None:
    """The case's sex, weight (kg) and size (m) where it gives them (SUV's body attributes)."""
    if case.sex is not None:
        ds.PatientSex = case.sex
    if case.weight_kg is not None:
        ds.PatientWeight = case.weight_kg
    if case.size_m is not None:
        ds.PatientSize = case.size_m


def _slice(case: PetCase, k: int) -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = PET_IMAGE_STORAGE
    ds.SOPInstanceUID = case.sop_uid(k)
    ds.StudyDate = ds.SeriesDate = case.series_date
    ds.StudyTime = ds.SeriesTime = case.series_time
    ds.AcquisitionDate = case.acq_date
    ds.AcquisitionTime = case.acq_time(k)
    ds.Modality = "PT"
    ds.Manufacturer = "Yunying Phantom"
    ds.PatientName = "SUV^Case"
    ds.PatientID = f"SUV-{case.name}"
    ds.PatientBirthDate = "19700101"
    patient_body(ds, case)
    ds.StudyInstanceUID = uid("pet-case-study", case.name)
    ds.SeriesInstanceUID = case.series_uid
    ds.SeriesNumber = 1
    ds.InstanceNumber = k + 1
    ds.FrameOfReferenceUID = uid("pet-case-for", case.name)
    ds.ImagePositionPatient = ["-14", "-14", _ds_num(-6.0 + 4.0 * k)]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.PixelSpacing = ["4", "4"]
    ds.SliceThickness = "4"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = ROWS, COLS
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    if case.units is not None:
        ds.Units = case.units
    if case.decay is not None:
        ds.DecayCorrection = case.decay
    if case.corrected is not None:
        ds.CorrectedImage = list(case.corrected)
    if case.suv_type is not None:
        ds.SUVType = case.suv_type
    ds.SeriesType = ["STATIC", "IMAGE"]
    ds.ImageIndex = k + 1
    ds.FrameReferenceTime = "0"
    if case.frame_duration_ms is not None:
        ds.ActualFrameDuration = case.frame_duration_ms
    rp = Dataset()
    if case.start_time is not None:
        rp.RadiopharmaceuticalStartTime = case.start_time
    if case.start_datetime is not None:
        rp.RadiopharmaceuticalStartDateTime = case.start_datetime
    if case.dose is not None:
        rp.RadionuclideTotalDose = case.dose
    if case.half_life is not None:
        rp.RadionuclideHalfLife = case.half_life
    rp.Radiopharmaceutical = "FDG"
    ds.RadiopharmaceuticalInformationSequence = [rp]
    if case.ge_scan_datetime is not None:
        ds.private_block(0x0009, "GEMS_PETD_01", create=True).add_new(
            0x0D, "DT", case.ge_scan_datetime
        )
    if case.siemens_dcdt is not None:
        ds.Manufacturer = "SIEMENS"
        ds.private_block(0x0071, "SIEMENS MED PT", create=True).add_new(
            0x22, "DT", case.siemens_dcdt
        )
    if case.philips_suv is not None or case.philips_activity is not None:
        block = ds.private_block(0x7053, "Philips PET Private Group", create=True)
        if case.philips_suv is not None:
            block.add_new(0x00, "DS", _ds_num(case.philips_suv[k]))
        if case.philips_activity is not None:
            block.add_new(0x09, "DS", _ds_num(case.philips_activity))
    for kw, v in case.extra.items():
        setattr(ds, kw, v)
    # per-slice float slopes, as scanners write them
    values = activity(k) * case.value_scale
    slope = float(_ds_num(values.max() / 32000.0))
    stored = np.rint(values / slope).astype(np.int16)
    ds.RescaleSlope = _ds_num(slope)
    ds.RescaleIntercept = "0"
    ds.PixelData = stored.tobytes()
    return ds


def write_case(case: PetCase, folder: str) -> list[str]:
    """Write the case's slices into ``folder``; returns the file paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for k in range(N_SLICES):
        ds = _slice(case, k)
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = UID(IMPLEMENTATION_UID)
        ds.file_meta = meta
        path = os.path.join(folder, f"pet{k:02d}.dcm")
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
        paths.append(path)
    return paths


def modality_values(path: str) -> np.ndarray:
    """Stored × Rescale Slope + Intercept, read back with plain pydicom."""
    ds = pydicom.dcmread(path)
    return ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)


def catalogue() -> list[PetCase]:
    """One series per SUV case (what ``yunying-phantom OUT --cases`` writes)."""
    none_times = ("143000", "143300", "143600", "143900")
    return [
        PetCase("bqml-start"),
        PetCase("start-time-only", start_datetime=None),
        PetCase(
            "injected-before-midnight",
            start_datetime=None,
            start_time="233000",
            series_date="20261121",
            series_time="003000",
            acq_date="20261121",
            acq_times=("003000",),
        ),
        PetCase("dose-in-mbq", dose="370"),
        PetCase("ga68", half_life="4062.6"),
        PetCase("decay-admin", decay="ADMIN"),
        PetCase("decay-none", decay="NONE", corrected=("ATTN", "SCAT"), acq_times=none_times),
        PetCase("ge-private-scan-time", series_time="153000", ge_scan_datetime="20261120142000"),
        PetCase(
            "siemens-decay-correction-datetime",
            series_time="153000",
            siemens_dcdt="20261120142000",
        ),
        PetCase("start-datetime-date-shifted", start_datetime="20000101133000"),
        PetCase(
            "zr89-two-days-uptake",
            half_life="282276",
            start_datetime="20261118143000",
            start_time=None,
        ),
        PetCase("philips-suv-scale", units="CNTS", philips_suv=(2.1e-4, 2.2e-4, 2.3e-4, 2.4e-4)),
        PetCase("philips-activity-scale", units="CNTS", philips_activity=1.5),
        PetCase("gml-lbm", units="GML", suv_type="LBMJANMA", value_scale=1e-4),
        PetCase("cm2ml-bsa", units="CM2ML", suv_type="BSA", value_scale=1e-3),
        PetCase("no-weight", weight_kg=None),
        PetCase("no-dose", dose=None),
        PetCase("no-date-zr89-time-only", half_life="282276", start_datetime=None),
    ]
