"""Helpers for tests: modified copies of series, small noise-free phantoms, sanity checks."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from phantoms import anatomy
from phantoms import series as S


def copy_series(
    src: Path,
    dst: Path,
    edit: Callable[[Dataset, int], Dataset | None] | None = None,
) -> list[Path]:
    """Copy every file of ``src`` to ``dst``; ``edit(ds, n)`` may change or drop (None) each."""
    dst.mkdir(parents=True, exist_ok=True)
    out = []
    for n, f in enumerate(sorted(src.glob("*.dcm"))):
        if edit is None:
            shutil.copy(f, dst / f.name)
            out.append(dst / f.name)
            continue
        ds = pydicom.dcmread(f)
        ds2 = edit(ds, n)
        if ds2 is None:
            continue
        ds2.save_as(dst / f.name, enforce_file_format=True)
        out.append(dst / f.name)
    return out


def small_ct(
    key: str = "small",
    *,
    matrix: int = 96,
    pixel: float = 3.5,
    n_slices: int = 40,
    spacing: float = 5.0,
    noise: bool = False,
    transfer_syntax: str = "explicit",
) -> S.SeriesSpec:
    """A small, fast CT of the chest phantom (noise-free by default: values are exact HU)."""
    study = S.StudySpec(S.PatientSpec(), key=f"test-{key}")
    spec = S.ct_chest(
        study,
        n_slices=n_slices,
        spacing=spacing,
        matrix=matrix,
        pixel=pixel,
        transfer_syntax=transfer_syntax,
        key=key,
        noise_sd=6.0 if noise else 0.0,
    )
    return spec


def oriented(
    spec: S.SeriesSpec,
    row: np.ndarray,
    col: np.ndarray,
    center: np.ndarray,
    step_len: float,
    key: str,
) -> S.SeriesSpec:
    """``spec`` re-planned: rows along ``row``, columns along ``col``, centred on ``center``."""
    row = np.asarray(row, float) / np.linalg.norm(row)
    col = np.asarray(col, float) / np.linalg.norm(col)
    n = np.cross(row, col)
    half_c = (spec.columns - 1) / 2 * spec.pixel_spacing[1]
    half_r = (spec.rows - 1) / 2 * spec.pixel_spacing[0]
    first = center - half_c * row - half_r * col - (spec.n_slices - 1) / 2 * step_len * n
    return replace(
        spec,
        key=key,
        row_dir=tuple(row),
        col_dir=tuple(col),
        first_position=tuple(first),
        step=tuple(n * step_len),
    )


def true_hu(points: np.ndarray) -> np.ndarray:
    """Noise-free HU as the generator stores it (12-bit, intercept -1024)."""
    return np.clip(np.rint(anatomy.ct_hu(points)), -1024, 3071)


def assert_sane_image(img: np.ndarray, *, min_std: float = 1.0) -> None:
    """A rendered/decoded image must not be blank, constant or noise-like garbage."""
    assert img.size > 0
    assert np.isfinite(img.astype(float)).all()
    assert float(img.std()) >= min_std, "image is (nearly) constant"


def pet_without_weight(light_dir: Path, out: Path) -> Path:
    """The light demo's PET series copied to ``out`` without Patient's Weight (no SUV)."""
    src = next(
        f.parent
        for f in sorted(light_dir.rglob("*.dcm"))
        if pydicom.dcmread(f, stop_before_pixels=True).Modality == "PT"
    )

    def drop(ds: Dataset, _n: int) -> Dataset:
        del ds.PatientWeight
        return ds

    copy_series(src, out, drop)
    return out


def voi_lut_item(table: np.ndarray, first: int, explanation: str, bits: int = 16) -> Dataset:
    """A VOI LUT Sequence item: ``table``'s entries for the values ``first``, ``first`` + 1, …
    as scanners write them (LUT Data as OW, little endian)."""
    lut = Dataset()
    lut.LUTDescriptor = [len(table), first, bits]
    lut.LUTExplanation = explanation
    lut.LUTData = np.asarray(table).astype("<u2").tobytes()
    return lut


def ct_with_voi_lut(
    folder: Path,
    img: np.ndarray,
    lut: Dataset,
    *,
    slices: int,
    patient: tuple[str, str],
    description: str,
) -> Path:
    """``slices`` axial CT images of ``img`` (HU, int16), 2 mm pixels and slices, centred in
    the patient, each with ``lut`` (:func:`voi_lut_item`) as its VOI LUT, written to
    ``folder`` (made here) as one series."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    folder.mkdir(parents=True)
    rows, cols = img.shape
    series, study, frame_of_ref = generate_uid(), generate_uid(), generate_uid()
    for k in range(slices):
        ds = Dataset()
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = generate_uid()
        ds.Modality = "CT"
        ds.PatientName, ds.PatientID = patient
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.FrameOfReferenceUID = frame_of_ref
        ds.SeriesNumber, ds.InstanceNumber = 1, k + 1
        ds.SeriesDescription = description
        ds.ImagePositionPatient = [-cols, -rows, 2.0 * k]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [2, 2]
        ds.SliceThickness = 2
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows, ds.Columns = rows, cols
        ds.BitsAllocated = ds.BitsStored = 16
        ds.HighBit, ds.PixelRepresentation = 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = 1, 0
        ds.VOILUTSequence = [lut]
        ds.PixelData = img.astype("<i2").tobytes()
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta = meta
        pydicom.dcmwrite(folder / f"ct{k}.dcm", ds, enforce_file_format=True)
    return folder
