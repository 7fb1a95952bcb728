"""MR series with several frames at each position: multi-echo, diffusion, enhanced dynamic.

Every pixel value is ``value(volume, k, j, i)`` of the sub-volume it belongs to, so a reader's
split can be checked voxel by voxel. Files are written in an order that is neither by volume nor
by position (instance numbers interleave), as scanners do.
"""

from __future__ import annotations

import os

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from phantoms.writer import IMPLEMENTATION_UID, MR_IMAGE_STORAGE, _ds_num, uid

ENHANCED_MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4.1"
SIZE = 16
SLICES = 5
ECHO_TIMES = (10.0, 30.0, 60.0)
B_VALUES = (0.0, 500.0, 1000.0, 2000.0)
DIRECTIONS = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
PHASE_SECONDS = (0.0, 4.0, 8.0)


def value(volume: int, k: int) -> np.ndarray:
    """Pixel values of slice ``k`` of sub-volume ``volume`` (distinct for every pair)."""
    j, i = np.mgrid[0:SIZE, 0:SIZE]
    return (1000 * (volume + 1) + 50 * k + j + i).astype(np.uint16)


def diffusion_volumes() -> list[tuple[float, tuple[float, float, float] | None]]:
    """(b-value, direction) of each diffusion sub-volume, in the order a reader lists them."""
    out: list[tuple[float, tuple[float, float, float] | None]] = [(0.0, None)]
    out += [(b, d) for b in B_VALUES[1:] for d in DIRECTIONS]
    return out


def _base(name: str, n: int, k: int, sop_class: str = MR_IMAGE_STORAGE) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = uid("multi-sop", name, n)
    ds.Modality = "MR"
    ds.PatientName = "Multi^Volume"
    ds.PatientID = f"MV-{name}"
    ds.StudyInstanceUID = uid("multi-study", name)
    ds.SeriesInstanceUID = uid("multi-series", name)
    ds.FrameOfReferenceUID = uid("multi-for", name)
    ds.SeriesNumber = 1
    ds.InstanceNumber = n + 1
    ds.StudyDate = ds.SeriesDate = "20261120"
    ds.StudyTime = ds.SeriesTime = "101500"
    ds.SeriesDescription = name
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ds.Columns = SIZE
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    if k >= 0:
        ds.ImagePositionPatient = ["-30", "-30", _ds_num(-20.0 + 5.0 * k)]
        ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
        ds.PixelSpacing = ["4", "4"]
        ds.SliceThickness = "5"
    return ds


def _write(ds: Dataset, path: str) -> str:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID(IMPLEMENTATION_UID)
    ds.file_meta = meta
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return path


def multi_echo_mr(folder: str) -> list[str]:
    """3 echoes (TE 10, 30, 60 ms) × 5 slices, one file each; sub-volume ``e`` = echo ``e+1``."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    n = 0
    for k in range(SLICES):
        for e, te in enumerate(ECHO_TIMES):
            ds = _base("multi-echo", n, k)
            ds.EchoNumbers = e + 1
            ds.EchoTime = _ds_num(te)
            ds.RepetitionTime = "2000"
            ds.PixelData = value(e, k).tobytes()
            paths.append(_write(ds, os.path.join(folder, f"im{(n * 7) % 97:03d}_{n}.dcm")))
            n += 1
    return paths


def diffusion_mr(folder: str) -> list[str]:
    """b = 0 and three b-values × three directions (10 sub-volumes) × 5 slices."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    n = 0
    for k in range(SLICES):
        for v, (b, d) in enumerate(diffusion_volumes()):
            ds = _base("diffusion", n, k)
            ds.DiffusionBValue = b
            if d is not None:
                ds.DiffusionGradientOrientation = list(d)
            ds.EchoTime = "80"
            ds.PixelData = value(v, k).tobytes()
            paths.append(_write(ds, os.path.join(folder, f"dwi{n:03d}.dcm")))
            n += 1
    return paths


def enhanced_dynamic_mr(folder: str, *, semantic: bool = True) -> str:
    """One Enhanced MR object: 3 temporal positions × 5 slices with a Dimension Index
    (Stack ID, In-Stack Position, Temporal Position Index). ``semantic=False`` leaves the
    temporal attributes out of the frames, so only the Dimension Index Values tell them apart."""
    os.makedirs(folder, exist_ok=True)
    ds = _base("enhanced" if semantic else "enhanced-index", 0, -1, ENHANCED_MR_STORAGE)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    ds.NumberOfFrames = len(PHASE_SECONDS) * SLICES
    ds.ContentDate, ds.ContentTime = "20261120", "101500"
    dim_org = uid("multi-dimorg", semantic)
    ds.DimensionOrganizationSequence = [Dataset()]
    ds.DimensionOrganizationSequence[0].DimensionOrganizationUID = dim_org
    dims = []
    for tag, label in ((0x00209056, "Stack"), (0x00209057, "Slice"), (0x00209128, "Phase")):
        item = Dataset()
        item.DimensionOrganizationUID = dim_org
        item.DimensionIndexPointer = tag
        item.FunctionalGroupPointer = 0x00209111
        item.DimensionDescriptionLabel = label
        dims.append(item)
    ds.DimensionIndexSequence = dims
    shared = Dataset()
    pm = Dataset()
    pm.PixelSpacing = ["4", "4"]
    pm.SliceThickness = "5"
    shared.PixelMeasuresSequence = [pm]
    po = Dataset()
    po.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    shared.PlaneOrientationSequence = [po]
    ds.SharedFunctionalGroupsSequence = [shared]
    per = []
    pixels = []
    for t, sec in enumerate(PHASE_SECONDS):
        for k in range(SLICES):
            fg = Dataset()
            fc = Dataset()
            fc.StackID = "1"
            fc.InStackPositionNumber = k + 1
            fc.DimensionIndexValues = [1, k + 1, t + 1]
            if semantic:
                fc.TemporalPositionIndex = t + 1
                tp = Dataset()
                tp.TemporalPositionTimeOffset = sec
                fg.TemporalPositionSequence = [tp]
            fg.FrameContentSequence = [fc]
            pp = Dataset()
            pp.ImagePositionPatient = ["-30", "-30", _ds_num(-20.0 + 5.0 * k)]
            fg.PlanePositionSequence = [pp]
            per.append(fg)
            pixels.append(value(t, k))
    ds.PerFrameFunctionalGroupsSequence = per
    ds.PixelData = np.stack(pixels).tobytes()
    return _write(ds, os.path.join(folder, "enhanced.dcm"))
