"""How a phantom series is described (:class:`SeriesSpec` and its patient and study) and written
as valid DICOM files: each slice sampled from an analytic phantom (``anatomy``) on its own grid,
encoded in a chosen transfer syntax. UIDs are derived from a seed, so the same call writes the
same files. The standard series (CT chest, PET, MR head…) are in :mod:`phantoms.series`.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
    HTJ2KLossless,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
)

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
PET_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.128"
IMPLEMENTATION_UID = "1.2.826.0.1.3680043.10.1395.1"  # Yunying implementation class (test root)

TRANSFER_SYNTAXES: dict[str, UID] = {
    "explicit": ExplicitVRLittleEndian,
    "j2k": JPEG2000Lossless,
    "rle": RLELossless,
    "jpegls": JPEGLSLossless,
    "htj2k": HTJ2KLossless,
}

ValueFn = Callable[[np.ndarray], np.ndarray]


def uid(*parts: object) -> str:
    """A deterministic UID for the given parts: ``2.25.`` and a 128-bit hash (PS3.5 B.2)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()[:16]
    return f"2.25.{int.from_bytes(digest, 'big')}"


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:4], "big")


@dataclass(frozen=True)
class PatientSpec:
    """The phantom patient's identifiers, as written into every series."""

    patient_id: str = "YY20260001"
    name: str = "Zhang^San=张^三"
    birth_date: str = "19620314"
    sex: str = "M"
    institution: str = "Yunying Demo Hospital"


@dataclass(frozen=True)
class StudySpec:
    """A phantom study: its identifiers and the seed its UIDs (and shared frame of reference)
    derive from."""

    patient: PatientSpec
    key: str  # seed for UIDs
    date: str = "20261120"
    time: str = "143000"
    description: str = "CT Chest/Abdomen with contrast"
    accession: str = "A0001"
    frame_of_reference: str = ""  # shared by CT and PET of this study

    @property
    def study_uid(self) -> str:
        return uid("study", self.key)

    @property
    def for_uid(self) -> str:
        return self.frame_of_reference or uid("for", self.key)


@dataclass(frozen=True)
class SeriesSpec:
    """Everything that decides a phantom series' files: grid, geometry, values, encoding."""

    study: StudySpec
    key: str
    modality: str
    number: int
    description: str
    rows: int
    columns: int
    pixel_spacing: tuple[float, float]  # between rows, between columns
    row_dir: tuple[float, float, float]
    col_dir: tuple[float, float, float]
    first_position: tuple[float, float, float]  # IPP of slice 0 (lowest along the stack vector)
    step: tuple[float, float, float]  # IPP difference between consecutive slices
    n_slices: int
    slice_thickness: float
    values: ValueFn
    noise_sd: float = 0.0
    transfer_syntax: str = "explicit"
    #: stored = round((value - intercept) / slope), with slope per slice if ``per_slice_slope``
    rescale_intercept: float = 0.0
    rescale_slope: float = 1.0
    per_slice_slope: bool = False
    bits_stored: int = 16
    signed: bool = False
    window: tuple[float, float] | None = None
    gantry_tilt: float = 0.0
    derived: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def series_uid(self) -> str:
        return uid("series", self.study.key, self.key)

    @property
    def frame_of_reference_uid(self) -> str:
        return self.study.for_uid

    def position(self, k: int) -> np.ndarray:
        return np.asarray(self.first_position) + k * np.asarray(self.step)

    def grid(self, k: int) -> np.ndarray:
        """Patient coordinates (rows, cols, 3) of every pixel centre of slice ``k``."""
        r = np.asarray(self.row_dir)
        c = np.asarray(self.col_dir)
        i = np.arange(self.columns) * self.pixel_spacing[1]
        j = np.arange(self.rows) * self.pixel_spacing[0]
        return (
            self.position(k)[None, None, :]
            + j[:, None, None] * c[None, None, :]
            + i[None, :, None] * r[None, None, :]
        )

    def modality_values(self, k: int) -> np.ndarray:
        """The modality values (HU for CT) slice ``k`` holds, noise included."""
        v = self.values(self.grid(k))
        if self.noise_sd > 0:
            rng = np.random.default_rng(_seed(self.series_uid, k))
            v = v + rng.normal(0.0, self.noise_sd, v.shape)
        return v

    def slope_for(self, values: np.ndarray) -> float:
        if not self.per_slice_slope:
            return self.rescale_slope
        top = float(values.max())
        maxint = 2 ** (self.bits_stored - (1 if self.signed else 0)) - 1
        return top / maxint if top > 0 else 1.0

    def stored_slice(self, k: int) -> tuple[np.ndarray, float]:
        """Stored pixel values of slice ``k`` and the slope that maps them back."""
        v = self.modality_values(k)
        slope = self.slope_for(v)
        stored = np.rint((v - self.rescale_intercept) / slope)
        if self.signed:
            lo, hi = -(2 ** (self.bits_stored - 1)), 2 ** (self.bits_stored - 1) - 1
            dtype: type[np.integer] = np.int16
        else:
            lo, hi = 0, 2**self.bits_stored - 1
            dtype = np.uint16
        return np.clip(stored, lo, hi).astype(dtype), slope

    def expected_slice(self, k: int) -> np.ndarray:
        """What a correct reader must produce for slice ``k``: stored × slope + intercept."""
        stored, slope = self.stored_slice(k)
        # the file carries the slope as a DS string: that rounded value is what counts
        return stored.astype(np.float64) * float(_ds_num(slope)) + self.rescale_intercept


# --------------------------------------------------------------------------- dataset building


def _ds_common(spec: SeriesSpec, k: int) -> Dataset:
    st = spec.study
    pt = st.patient
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    sop_class = {"CT": CT_IMAGE_STORAGE, "MR": MR_IMAGE_STORAGE, "PT": PET_IMAGE_STORAGE}[
        spec.modality
    ]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid("sop", st.key, spec.key, k)
    ds.InstanceCreationDate = st.date
    ds.InstanceCreationTime = st.time
    if spec.derived:
        # CT defines only AXIAL/LOCALIZER for value 3; vendors write REFORMATTED for MPRs
        ds.ImageType = ["DERIVED", "SECONDARY", "REFORMATTED"]
    elif spec.modality == "CT":
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    elif spec.modality == "MR":
        ds.ImageType = ["ORIGINAL", "PRIMARY", "OTHER"]
    else:
        ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.StudyDate = st.date
    ds.SeriesDate = st.date
    ds.AcquisitionDate = st.date
    ds.ContentDate = st.date
    ds.StudyTime = st.time
    ds.SeriesTime = st.time
    ds.AcquisitionTime = st.time
    ds.ContentTime = st.time
    ds.AccessionNumber = st.accession
    ds.Modality = spec.modality
    ds.Manufacturer = "Yunying Phantom"
    ds.InstitutionName = pt.institution
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = st.description
    ds.SeriesDescription = spec.description
    ds.ManufacturerModelName = "Analytic Phantom"
    ds.DeviceSerialNumber = "0001"
    ds.SoftwareVersions = "yunying-phantom 1"
    ds.PatientName = pt.name
    ds.PatientID = pt.patient_id
    ds.PatientBirthDate = pt.birth_date
    ds.PatientSex = pt.sex
    ds.PatientAge = f"{int(st.date[:4]) - int(pt.birth_date[:4]):03d}Y"
    ds.BodyPartExamined = {"CT": "CHEST", "MR": "HEAD", "PT": "CHEST"}[spec.modality]
    ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = st.study_uid
    ds.SeriesInstanceUID = spec.series_uid
    ds.StudyID = "1"
    ds.SeriesNumber = spec.number
    ds.InstanceNumber = k + 1
    ds.FrameOfReferenceUID = spec.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    pos = spec.position(k)
    ds.ImagePositionPatient = [_ds_num(v) for v in pos]
    ds.ImageOrientationPatient = [_ds_num(v) for v in (*spec.row_dir, *spec.col_dir)]
    normal = np.cross(spec.row_dir, spec.col_dir)
    ds.SliceLocation = _ds_num(float(pos @ normal))
    ds.SliceThickness = _ds_num(spec.slice_thickness)
    ds.PixelSpacing = [_ds_num(v) for v in spec.pixel_spacing]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = spec.rows
    ds.Columns = spec.columns
    ds.BitsAllocated = 16
    ds.BitsStored = spec.bits_stored
    ds.HighBit = spec.bits_stored - 1
    ds.PixelRepresentation = 1 if spec.signed else 0
    if spec.window is not None:
        ds.WindowCenter = _ds_num(spec.window[0])
        ds.WindowWidth = _ds_num(spec.window[1])
    return ds


def _ds_num(v: float) -> str:
    """A DS string of at most 16 characters that round-trips the value as well as DS allows."""
    v = float(v)
    if v == 0:
        return "0"
    for digits in range(15, 5, -1):
        s = f"{v:.{digits}g}"
        if len(s) <= 16:
            return s
    return f"{v:.6g}"


def _ct_module(ds: Dataset, spec: SeriesSpec) -> None:
    ds.KVP = "120"
    ds.AcquisitionNumber = 1
    ds.ConvolutionKernel = "STANDARD"
    ds.DataCollectionDiameter = "500"
    ds.ReconstructionDiameter = _ds_num(spec.columns * spec.pixel_spacing[1])
    ds.GantryDetectorTilt = _ds_num(spec.gantry_tilt)
    ds.TableHeight = "150"
    ds.RotationDirection = "CW"
    ds.ExposureTime = "500"
    ds.XRayTubeCurrent = "200"
    ds.Exposure = "100"
    ds.FilterType = "BODY"
    ds.FocalSpots = "1.2"
    ds.ContrastBolusAgent = "Iohexol"
    ds.ContrastBolusRoute = "IV"


def _mr_module(ds: Dataset, spec: SeriesSpec) -> None:
    ds.ScanningSequence = "SE"
    ds.SequenceVariant = "NONE"
    ds.ScanOptions = ""
    ds.MRAcquisitionType = "2D"
    ds.RepetitionTime = "500"
    ds.EchoTime = "15"
    ds.EchoTrainLength = "1"
    ds.InversionTime = None
    del ds.InversionTime
    ds.MagneticFieldStrength = "1.5"
    ds.ImagingFrequency = "63.87"
    ds.ImagedNucleus = "1H"
    ds.NumberOfAverages = "1"
    ds.SpacingBetweenSlices = _ds_num(float(np.linalg.norm(spec.step)))
    ds.AcquisitionNumber = 1
    ds.FlipAngle = "90"
    ds.SAR = "0.5"


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    c = Dataset()
    c.CodeValue = value
    c.CodingSchemeDesignator = scheme
    c.CodeMeaning = meaning
    return c


def _pet_module(ds: Dataset, spec: SeriesSpec, k: int) -> None:
    ds.Units = "BQML"
    ds.CountsSource = "EMISSION"
    ds.SeriesType = ["STATIC", "IMAGE"]
    ds.CorrectedImage = ["DECY", "ATTN", "SCAT", "DTIM", "RAN", "NORM"]
    ds.RandomsCorrectionMethod = "DLYD"
    ds.AttenuationCorrectionMethod = "CT-based"
    ds.ScatterCorrectionMethod = "Model-based"
    ds.DecayCorrection = "START"
    ds.ReconstructionMethod = "OSEM"
    ds.NumberOfSlices = spec.n_slices
    ds.CollimatorType = "NONE"
    ds.AxialAcceptance = "20"
    ds.ImageIndex = k + 1
    ds.FrameReferenceTime = "0"
    ds.ActualFrameDuration = 180000
    ds.DecayFactor = "1.0"
    ds.DoseCalibrationFactor = "1.0"
    ds.ScatterFractionFactor = "0.3"
    ds.DeadTimeFactor = "1.0"
    ds.AcquisitionNumber = 1
    # weight, size, dose and injection time: what SUV needs (QIBA), so the demo opens in SUV
    ds.PatientWeight = "75"
    ds.PatientSize = "1.78"
    rp = Dataset()
    rp.RadiopharmaceuticalStartTime = "133000"
    rp.RadiopharmaceuticalStartDateTime = spec.study.date + "133000"
    rp.RadionuclideTotalDose = "370000000"
    rp.RadionuclideHalfLife = "6586.2"
    rp.RadionuclidePositronFraction = "0.97"
    rp.RadionuclideCodeSequence = [_code("77004003", "SCT", "^18^Fluorine")]
    rp.RadiopharmaceuticalCodeSequence = [_code("35321007", "SCT", "Fluorodeoxyglucose F^18^")]
    rp.Radiopharmaceutical = "FDG"
    ds.RadiopharmaceuticalInformationSequence = [rp]
    ds.PatientOrientationCodeSequence = [_code("102538003", "SCT", "recumbent")]
    ds.PatientOrientationCodeSequence[0].PatientOrientationModifierCodeSequence = [
        _code("40199007", "SCT", "supine")
    ]
    ds.PatientGantryRelationshipCodeSequence = [_code("102540008", "SCT", "headfirst")]
    del ds.PatientPosition  # not allowed beside the NM/PET orientation codes
    ds.SliceSensitivityFactor = "1.0"


def build_dataset(spec: SeriesSpec, k: int) -> Dataset:
    """The full DICOM dataset (pixels included, uncompressed) for slice ``k``."""
    ds = _ds_common(spec, k)
    if spec.modality == "CT":
        _ct_module(ds, spec)
    elif spec.modality == "MR":
        _mr_module(ds, spec)
    elif spec.modality == "PT":
        _pet_module(ds, spec, k)
    stored, slope = spec.stored_slice(k)
    if spec.modality != "MR":
        ds.RescaleIntercept = _ds_num(spec.rescale_intercept)
        ds.RescaleSlope = _ds_num(slope)
        if spec.modality == "CT":
            ds.RescaleType = "HU"
    if spec.modality == "PT":
        # SmallestImagePixelValue etc. are optional; stored range helps viewers
        ds.LargestImagePixelValue = int(stored.max())
        ds["LargestImagePixelValue"].VR = "SS" if spec.signed else "US"
    for kw, val in spec.extra.items():
        setattr(ds, kw, val)
    ds.PixelData = stored.tobytes()
    ds["PixelData"].VR = "OW"
    return ds


def _encode_frame(stored: np.ndarray, ts: UID) -> bytes:
    import imagecodecs

    if ts == JPEG2000Lossless:
        return bytes(imagecodecs.jpeg2k_encode(stored, level=0, reversible=True, codecformat="j2k"))
    if ts == HTJ2KLossless:
        return bytes(imagecodecs.htj2k_encode(stored, level=0))
    if ts == JPEGLSLossless:
        # CharLS codes unsigned samples; signed data is stored as its two's complement bits
        data = stored.view(np.uint16) if stored.dtype == np.int16 else stored
        return bytes(imagecodecs.jpegls_encode(np.ascontiguousarray(data), level=0))
    raise ValueError(f"no encoder for {ts}")


def encode(ds: Dataset, ts: UID) -> None:
    """Compress ``ds`` in place into transfer syntax ``ts`` (lossless)."""
    if ts == ExplicitVRLittleEndian:
        return
    if ts == RLELossless:
        ds.compress(RLELossless, encoding_plugin="pylibjpeg")
        ds.LossyImageCompression = "00"
        return
    px = ds.pixel_array
    ds.PixelData = encapsulate([_encode_frame(px, ts)])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.file_meta.TransferSyntaxUID = ts
    if ts in (JPEG2000Lossless, HTJ2KLossless, JPEGLSLossless, RLELossless):
        ds.LossyImageCompression = "00"


def write_slice(spec: SeriesSpec, k: int, path: str) -> str:
    ds = build_dataset(spec, k)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID(IMPLEMENTATION_UID)
    meta.ImplementationVersionName = "YUNYING_1"
    ds.file_meta = meta
    ts = TRANSFER_SYNTAXES[spec.transfer_syntax]
    encode(ds, ts)
    tmp = path + ".part"
    pydicom.dcmwrite(tmp, ds, enforce_file_format=True)
    os.replace(tmp, path)
    return path


def _write_many(args: tuple[SeriesSpec, list[int], str]) -> list[str]:
    spec, ks, folder = args
    out = []
    for k in ks:
        # file names that do not sort in slice order: readers must sort by geometry
        name = f"{uid('file', spec.series_uid, k)[-12:]}.dcm"
        out.append(write_slice(spec, k, os.path.join(folder, name)))
    return out


def write_series(spec: SeriesSpec, folder: str, workers: int | None = None) -> list[str]:
    """Write every slice of ``spec`` into ``folder`` (created); returns the file paths."""
    os.makedirs(folder, exist_ok=True)
    ks = list(range(spec.n_slices))
    nworkers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if nworkers <= 1 or spec.n_slices < 16:
        return _write_many((spec, ks, folder))
    chunks = [ks[i::nworkers] for i in range(nworkers)]
    # forkserver, not fork: the caller may hold threads (VTK, Qt, thread pools) whose locks a
    # forked child would inherit mid-use (a worker crashed in garbage collection that way)
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=nworkers, mp_context=ctx) as pool:
        parts = pool.map(_write_many, [(spec, c, folder) for c in chunks])
        return sorted(p for part in parts for p in part)
