"""An Enhanced PET Image (multi-frame, PS3.3 A.56) with known activity, for SUV tests.

Where a classic PET image carries Units (0054,1001), Decay Correction (0054,1102) and the dose
in Bq, an Enhanced PET image says the same things elsewhere (PS3.3 C.8.22):

* the unit of the values in the Real World Value Mapping functional group's Measurement Units
  Code Sequence (0040,08EA), UCUM codes of CID 84 "PET Units" (``Bq/ml``, ``g/ml{SUVbw}``…);
* whether values are decay corrected in Decay Corrected (0018,9758) YES/NO of the Enhanced PET
  Corrections Module, and to when in Decay Correction DateTime (0018,9701);
* each frame's start and length in its Frame Content functional group: Frame Acquisition
  DateTime (0018,9074) and Frame Acquisition Duration (0018,9220, ms);
* the Radiopharmaceutical Information Sequence (0054,0016) of the Enhanced PET Isotope Module:
  Radionuclide Total Dose (0018,1074) in **MBq**, Radiopharmaceutical Start DateTime (0018,1078),
  Radionuclide Half Life (0018,1075), an Agent Number (0018,9729) that each frame's
  Radiopharmaceutical Usage Sequence (0018,9737) refers to.

:class:`EnhancedPetCase` writes one object of ``N_FRAMES`` 8×8 frames at 4 mm steps whose
modality values are ``pet.activity(k) × value_scale`` (each frame its own Rescale Slope).
Nothing here computes an SUV.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from phantoms.pet import COLS, ROWS, activity, patient_body
from phantoms.writer import IMPLEMENTATION_UID, _code, _ds_num, uid

ENHANCED_PET_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.130"
N_FRAMES = 4


@dataclass(frozen=True)
class EnhancedPetCase:
    """Header values of one Enhanced PET object; ``None`` leaves the attribute out."""

    name: str
    units_code: str | None = "Bq/ml"  # (0040,08EA) code value, UCUM
    decay_corrected: str | None = "YES"  # (0018,9758)
    attenuation_corrected: str | None = "YES"  # (0018,9759)
    decay_datetime: str | None = "20261120143000"  # (0018,9701)
    weight_kg: str | None = "75"
    size_m: str | None = "1.78"
    sex: str | None = "M"
    dose_mbq: str | None = "370"  # (0018,1074), MBq in the enhanced IOD
    half_life: str | None = "6586.2"
    start_datetime: str | None = "20261120133000"  # (0018,1078)
    #: Frame Acquisition DateTime of each frame (one value: all frames)
    frame_datetimes: tuple[str, ...] | None = ("20261120143000",)
    frame_duration_ms: float | None = 180000.0  # (0018,9220)
    #: modality value scale: activity × this is what the frames hold (g/ml cases hold SUV)
    value_scale: float = 1.0

    @property
    def series_uid(self) -> str:
        return uid("enh-pet-series", self.name)

    @property
    def sop_uid(self) -> str:
        return uid("enh-pet-sop", self.name)

    def frame_datetime(self, k: int) -> str | None:
        if self.frame_datetimes is None:
            return None
        return self.frame_datetimes[k] if len(self.frame_datetimes) > 1 else self.frame_datetimes[0]


def _frame_group(case: EnhancedPetCase, k: int, slope: str) -> Dataset:
    g = Dataset()
    fc = Dataset()
    fc.StackID = "1"
    fc.InStackPositionNumber = k + 1
    fc.DimensionIndexValues = [1, k + 1]
    dt = case.frame_datetime(k)
    if dt is not None:
        fc.FrameAcquisitionDateTime = dt
        fc.FrameReferenceDateTime = dt
    if case.frame_duration_ms is not None:
        fc.FrameAcquisitionDuration = case.frame_duration_ms
    g.FrameContentSequence = [fc]
    pos = Dataset()
    pos.ImagePositionPatient = ["-14", "-14", _ds_num(-6.0 + 4.0 * k)]
    g.PlanePositionSequence = [pos]
    pvt = Dataset()
    pvt.RescaleSlope = slope
    pvt.RescaleIntercept = "0"
    pvt.RescaleType = "US"
    g.PixelValueTransformationSequence = [pvt]
    if case.units_code is not None:  # stored values → the unit, as the Rescale does
        rwv = Dataset()
        rwv.RealWorldValueFirstValueMapped = -32768
        rwv.RealWorldValueLastValueMapped = 32767
        rwv.RealWorldValueIntercept = 0.0
        rwv.RealWorldValueSlope = float(slope)
        rwv.LUTExplanation = case.units_code
        rwv.LUTLabel = "PET"
        rwv.MeasurementUnitsCodeSequence = [_code(case.units_code, "UCUM", case.units_code)]
        g.RealWorldValueMappingSequence = [rwv]
    use = Dataset()
    use.RadiopharmaceuticalAgentNumber = 1
    g.RadiopharmaceuticalUsageSequence = [use]
    return g


def _shared(case: EnhancedPetCase) -> Dataset:
    g = Dataset()
    ori = Dataset()
    ori.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    g.PlaneOrientationSequence = [ori]
    meas = Dataset()
    meas.PixelSpacing = ["4", "4"]
    meas.SliceThickness = "4"
    g.PixelMeasuresSequence = [meas]
    return g


def dataset(case: EnhancedPetCase) -> Dataset:
    """The whole object (pixel data included)."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = ENHANCED_PET_IMAGE_STORAGE
    ds.SOPInstanceUID = case.sop_uid
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20261120"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "143000"
    ds.AcquisitionDateTime = "20261120143000"
    ds.AcquisitionDuration = 720.0
    ds.Modality = "PT"
    ds.Manufacturer = "Yunying Phantom"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.PatientName = "SUV^Enhanced"
    ds.PatientID = f"ENH-{case.name}"
    ds.PatientBirthDate = "19700101"
    patient_body(ds, case)
    ds.StudyInstanceUID = uid("enh-pet-study", case.name)
    ds.SeriesInstanceUID = case.series_uid
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.FrameOfReferenceUID = uid("enh-pet-for", case.name)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = ROWS, COLS
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.NumberOfFrames = N_FRAMES
    # Enhanced PET Corrections Module
    ds.CorrectedImage = ["DECY", "ATTN", "SCAT", "RAN", "NORM"]
    if case.decay_corrected is not None:
        ds.DecayCorrected = case.decay_corrected
        if case.decay_corrected == "NO":
            ds.CorrectedImage = ["ATTN", "SCAT", "RAN", "NORM"]
    if case.attenuation_corrected is not None:
        ds.AttenuationCorrected = case.attenuation_corrected
    if case.decay_datetime is not None:
        ds.DecayCorrectionDateTime = case.decay_datetime
    # Enhanced PET Isotope Module
    rp = Dataset()
    rp.RadiopharmaceuticalAgentNumber = 1
    rp.RadionuclideCodeSequence = [_code("C-111A1", "SRT", "^18^Fluorine")]
    rp.AdministrationRouteCodeSequence = [_code("G-D101", "SRT", "Intravenous route")]
    if case.start_datetime is not None:
        rp.RadiopharmaceuticalStartDateTime = case.start_datetime
    if case.dose_mbq is not None:
        rp.RadionuclideTotalDose = case.dose_mbq
    if case.half_life is not None:
        rp.RadionuclideHalfLife = case.half_life
    ds.RadiopharmaceuticalInformationSequence = [rp]
    # dimensions: stack, in-stack position
    org = Dataset()
    org.DimensionOrganizationUID = uid("enh-pet-dim", case.name)
    ds.DimensionOrganizationSequence = [org]
    dims = []
    for pointer, label in ((0x00209056, "Stack ID"), (0x00209057, "In-Stack Position Number")):
        d = Dataset()
        d.DimensionOrganizationUID = org.DimensionOrganizationUID
        d.DimensionIndexPointer = pointer
        d.FunctionalGroupPointer = 0x00209111
        d.DimensionDescriptionLabel = label
        dims.append(d)
    ds.DimensionIndexSequence = dims
    frames = []
    per = []
    for k in range(N_FRAMES):
        values = activity(k) * case.value_scale
        slope = _ds_num(values.max() / 32000.0)
        frames.append(np.rint(values / float(slope)).astype(np.int16))
        per.append(_frame_group(case, k, slope))
    ds.SharedFunctionalGroupsSequence = [_shared(case)]
    ds.PerFrameFunctionalGroupsSequence = per
    ds.PixelData = np.stack(frames).tobytes()
    return ds


def write_enhanced(case: EnhancedPetCase, folder: str) -> str:
    """Write the case's object into ``folder``; returns its path."""
    os.makedirs(folder, exist_ok=True)
    ds = dataset(case)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID(IMPLEMENTATION_UID)
    ds.file_meta = meta
    path = os.path.join(folder, "enhanced_pet.dcm")
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return path


def frame_values(path: str) -> np.ndarray:
    """Each frame's stored values × its own Rescale Slope + Intercept, read with plain pydicom."""
    ds = pydicom.dcmread(path)
    out = []
    for k, grp in enumerate(ds.PerFrameFunctionalGroupsSequence):
        pvt = grp.PixelValueTransformationSequence[0]
        stored = ds.pixel_array[k].astype(np.float64)
        out.append(stored * float(pvt.RescaleSlope) + float(pvt.RescaleIntercept))
    return np.stack(out)
