"""Projection phantoms: chest radiographs (DX, PA and lateral) and mammograms (MG, four views).

A chest radiograph is the CT phantom's attenuation integrated along the beam (posterior→anterior
for PA, left→right for lateral); a mammogram is a compressed-breast ellipse with a few dense
lesions at seeded places. Each view is its own series (one image) with View Position, Image
Laterality and a description ("Chest PA", "R CC", …) — what hanging protocols match on.
"""

from __future__ import annotations

import os

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from phantoms import anatomy
from phantoms import series as S

DX_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.1"
MG_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.2"
MU_WATER = 0.02  # 1/mm at diagnostic energies (approximate)


def chest_projection(view: str, size: int = 128, pixel: float = 3.0) -> np.ndarray:
    """Detector signal (0–4095, bright = attenuating, as radiographs are shown) for ``PA`` or
    ``LAT``: ∫μ along the beam through the CT phantom, from its HU."""
    half = (size - 1) / 2 * pixel
    u = np.linspace(-half, half, size)  # across the image (x for PA, y for LAT)
    z = np.linspace(half, -half, size) + 60.0  # rows from the head down, centred on the chest
    depth = np.linspace(-170.0, 170.0, 64)
    step = depth[1] - depth[0]
    out = np.empty((size, size))
    for r, zz in enumerate(z):
        if view == "PA":
            pts = np.stack(np.meshgrid(u, depth, indexing="ij"), -1)  # (cols, depth, 2): x, y
            p = np.concatenate([pts, np.full((*pts.shape[:-1], 1), zz)], -1)
        else:
            pts = np.stack(np.meshgrid(depth, u, indexing="ij"), -1)  # x along the beam
            p = np.concatenate([pts, np.full((*pts.shape[:-1], 1), zz)], -1).transpose(1, 0, 2)
        mu = np.clip(anatomy.ct_hu(p) + 1000.0, 0.0, None) / 1000.0 * MU_WATER
        out[r] = mu.sum(axis=1) * step
    return np.clip(out / max(out.max(), 1e-6) * 4095.0, 0, 4095)


def breast(laterality: str, view: str, seed: int, size: int = 128) -> np.ndarray:
    """A compressed breast (chest wall on the image's side of its laterality), 0–4095."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / (size - 1.0)
    wall = x if laterality == "R" else 1.0 - x  # R breast: chest wall on the left of the image
    reach = 0.85 if view == "CC" else 0.95
    inside = (wall / reach) ** 2 + ((y - 0.5) / (0.45 if view == "CC" else 0.55)) ** 2 <= 1.0
    img = np.where(inside, 1200.0 + 600.0 * (1.0 - wall), 80.0)
    for _ in range(3):  # dense lesions
        cy, cx = rng.uniform(0.3, 0.7), rng.uniform(0.15, 0.5)
        cx = cx if laterality == "R" else 1.0 - cx
        img[(y - cy) ** 2 + (x - cx) ** 2 <= rng.uniform(0.0004, 0.002)] = 3000.0
    return np.clip(img + rng.normal(0.0, 20.0, img.shape), 0, 4095)


def _dataset(
    study: S.StudySpec,
    key: str,
    modality: str,
    number: int,
    description: str,
    pixels: np.ndarray,
    pixel_mm: float,
    view: str,
    laterality: str,
    body_part: str,
) -> Dataset:
    pt = study.patient
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = MG_PRESENTATION if modality == "MG" else DX_PRESENTATION
    ds.SOPInstanceUID = S.uid("sop", study.key, key, 0)
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = study.date
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = study.time
    ds.AccessionNumber = study.accession
    ds.Modality = modality
    ds.Manufacturer = "Yunying Phantom"
    ds.InstitutionName = pt.institution
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = study.description
    ds.SeriesDescription = description
    ds.PatientName = pt.name
    ds.PatientID = pt.patient_id
    ds.PatientBirthDate = pt.birth_date
    ds.PatientSex = pt.sex
    ds.BodyPartExamined = body_part
    ds.ViewPosition = view
    ds.ImageLaterality = laterality or "U"  # U: an unpaired part (the chest)
    region = ("76752008", "Breast") if body_part == "BREAST" else ("51185008", "Thorax")
    ds.AnatomicRegionSequence = [S._code(region[0], "SCT", region[1])]
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.PixelIntensityRelationship = "LOG"
    ds.PixelIntensityRelationshipSign = 1
    ds.RescaleIntercept = "0"
    ds.RescaleSlope = "1"
    ds.RescaleType = "US"
    ds.PresentationLUTShape = "IDENTITY"
    ds.LossyImageCompression = "00"
    ds.DetectorType = "DIRECT"
    ds.AcquisitionContextSequence = []
    if modality == "MG":
        ds.PositionerType = "MAMMOGRAPHIC"
        ds.OrganExposed = "BREAST"
        code = {"CC": ("399162004", "cranio-caudal"), "MLO": ("399368009", "medio-lateral oblique")}
        ds.ViewCodeSequence = [S._code(code[view][0], "SCT", code[view][1])]
        ds.ViewCodeSequence[0].ViewModifierCodeSequence = []
    else:
        ds.PositionerType = ""
    ds.StudyInstanceUID = study.study_uid
    ds.SeriesInstanceUID = S.uid("series", study.key, key)
    ds.StudyID = "1"
    ds.SeriesNumber = number
    ds.InstanceNumber = 1
    ds.PatientOrientation = ["A", "R"] if laterality == "L" else ["P", "L"]
    ds.ImagerPixelSpacing = [S._ds_num(pixel_mm)] * 2
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = "2048"
    ds.WindowWidth = "4096"
    ds.BurnedInAnnotation = "NO"
    ds.PixelData = np.rint(pixels).astype(np.uint16).tobytes()
    ds["PixelData"].VR = "OW"
    return ds


def _write(ds: Dataset, folder: str) -> str:
    os.makedirs(folder, exist_ok=True)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID(S.IMPLEMENTATION_UID)
    ds.file_meta = meta
    path = os.path.join(folder, f"{ds.SOPInstanceUID[-16:]}.dcm")
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return path


def write_chest_radiographs(study: S.StudySpec, folder: str, size: int = 128) -> list[str]:
    """A PA and a lateral chest radiograph (two series) into ``folder``."""
    pixel = 360.0 / size
    return [
        _write(
            _dataset(study, f"dx-{v}", "DX", n, f"Chest {v}", chest_projection(v, size, pixel),
                     pixel, v, "", "CHEST"),
            folder,
        )
        for n, v in ((1, "PA"), (2, "LAT"))
    ]  # fmt: skip


def write_mammograms(study: S.StudySpec, folder: str, size: int = 128) -> list[str]:
    """The four screening views (R CC, L CC, R MLO, L MLO), one series each, into ``folder``."""
    out = []
    for n, (lat, view) in enumerate((("R", "CC"), ("L", "CC"), ("R", "MLO"), ("L", "MLO")), 1):
        img = breast(lat, view, S._seed(study.key, lat, view), size)
        ds = _dataset(
            study, f"mg-{lat}{view}", "MG", n, f"{lat} {view}", img, 0.1 * 1024 / size, view, lat,
            "BREAST",
        )  # fmt: skip
        out.append(_write(ds, folder))
    return out
