"""The standard phantom series (CT chest, oblique and gantry-tilted CT, PET, MR head) and the
demo study built from them. How a series is described and written is :mod:`phantoms.writer`
(its names are re-exported here for the tests and benches that use ``phantoms.series``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from phantoms import anatomy
from phantoms.writer import (
    CT_IMAGE_STORAGE,
    IMPLEMENTATION_UID,
    MR_IMAGE_STORAGE,
    PET_IMAGE_STORAGE,
    TRANSFER_SYNTAXES,
    PatientSpec,
    SeriesSpec,
    StudySpec,
    ValueFn,
    _code,
    _ds_num,
    _seed,
    build_dataset,
    encode,
    uid,
    write_series,
    write_slice,
)

__all__ = [
    "CT_IMAGE_STORAGE",
    "IMPLEMENTATION_UID",
    "MR_IMAGE_STORAGE",
    "PET_IMAGE_STORAGE",
    "TRANSFER_SYNTAXES",
    "DemoStudy",
    "PatientSpec",
    "SeriesSpec",
    "StudySpec",
    "ValueFn",
    "_code",
    "_ds_num",
    "_seed",
    "build_dataset",
    "ct_chest",
    "ct_oblique",
    "ct_tilted",
    "demo_specs",
    "encode",
    "mr_head",
    "pet_body",
    "rotation",
    "uid",
    "with_syntax",
    "write_series",
    "write_slice",
    "write_study",
]


# --------------------------------------------------------------------------- the standard set


def _axial(
    study: StudySpec,
    *,
    matrix: int,
    pixel: float,
    n_slices: int,
    spacing: float,
    z0: float,
    **fields: Any,
) -> SeriesSpec:
    """An axial stack centred on the body axis: square matrix, rows along +x, columns along +y,
    slices from ``z0`` upwards, contiguous (thickness = spacing)."""
    half = (matrix - 1) / 2 * pixel
    return SeriesSpec(
        study=study,
        rows=matrix,
        columns=matrix,
        pixel_spacing=(pixel, pixel),
        row_dir=(1.0, 0.0, 0.0),
        col_dir=(0.0, 1.0, 0.0),
        first_position=(-half, -half, z0),
        step=(0.0, 0.0, spacing),
        n_slices=n_slices,
        slice_thickness=spacing,
        **fields,
    )


def ct_chest(
    study: StudySpec,
    *,
    n_slices: int = 320,
    spacing: float = 1.25,
    matrix: int = 512,
    pixel: float = 0.7,
    transfer_syntax: str = "explicit",
    z_top: float = 200.0,
    key: str = "ct",
    number: int = 2,
    noise_sd: float = 6.0,
) -> SeriesSpec:
    """Axial chest/abdomen CT, stored 12-bit unsigned with intercept -1024 (HU exact)."""
    return _axial(
        study,
        matrix=matrix,
        pixel=pixel,
        n_slices=n_slices,
        spacing=spacing,
        z0=z_top - (n_slices - 1) * spacing,
        key=key,
        modality="CT",
        number=number,
        description=f"Chest/Abdomen {spacing:g}mm",
        values=anatomy.ct_hu,
        noise_sd=noise_sd,
        transfer_syntax=transfer_syntax,
        rescale_intercept=-1024.0,
        bits_stored=12,
        window=(40.0, 400.0),
    )


def rotation(ax_deg: float, ay_deg: float, az_deg: float) -> np.ndarray:
    ax, ay, az = np.radians([ax_deg, ay_deg, az_deg])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def ct_oblique(
    study: StudySpec,
    *,
    transfer_syntax: str = "explicit",
    matrix: int = 256,
    pixel: float = 1.0,
    n_slices: int = 60,
    spacing: float = 2.0,
    center: tuple[float, float, float] = (0.0, 0.0, 100.0),
) -> SeriesSpec:
    """A double-oblique reformat through the chest (rows and columns both off the axes)."""
    # start from a coronal plane (rows → L, columns → F) and tilt it about two axes
    rot = rotation(20.0, 0.0, 25.0)
    r = rot @ np.array([1.0, 0.0, 0.0])
    c = rot @ np.array([0.0, 0.0, -1.0])
    n = np.cross(r, c)
    half = (matrix - 1) / 2 * pixel
    first = np.asarray(center) - half * r - half * c - (n_slices - 1) / 2 * spacing * n
    return SeriesSpec(
        study=study,
        key="oblique",
        modality="CT",
        number=5,
        description="Oblique reformat 2mm",
        rows=matrix,
        columns=matrix,
        pixel_spacing=(pixel, pixel),
        row_dir=tuple(r),
        col_dir=tuple(c),
        first_position=tuple(first),
        step=tuple(n * spacing),
        n_slices=n_slices,
        slice_thickness=spacing,
        values=anatomy.ct_hu,
        transfer_syntax=transfer_syntax,
        rescale_intercept=-1024.0,
        bits_stored=12,
        window=(-600.0, 1500.0),
        derived=True,
    )


def ct_tilted(
    study: StudySpec,
    *,
    tilt_deg: float = 15.0,
    transfer_syntax: str = "explicit",
    matrix: int = 256,
    pixel: float = 0.9,
    n_slices: int = 48,
    table_step: float = 2.5,
    z_top: float = 170.0,
) -> SeriesSpec:
    """Axial CT acquired with the gantry tilted: planes tilted about x, table moves along z."""
    t = np.radians(tilt_deg)
    r = np.array([1.0, 0.0, 0.0])
    c = np.array([0.0, np.cos(t), -np.sin(t)])
    half = (matrix - 1) / 2 * pixel
    z0 = z_top - (n_slices - 1) * table_step
    first = np.array([-half, 0.0, z0]) - half * c
    return SeriesSpec(
        study=study,
        key=f"tilt{tilt_deg:g}",
        modality="CT",
        number=6,
        description=f"Chest tilt {tilt_deg:g} deg",
        rows=matrix,
        columns=matrix,
        pixel_spacing=(pixel, pixel),
        row_dir=tuple(r),
        col_dir=tuple(c),
        first_position=tuple(first),
        step=(0.0, 0.0, table_step),
        n_slices=n_slices,
        slice_thickness=table_step * np.cos(t),
        values=anatomy.ct_hu,
        transfer_syntax=transfer_syntax,
        rescale_intercept=-1024.0,
        bits_stored=12,
        window=(40.0, 400.0),
        gantry_tilt=tilt_deg,
    )


def pet_body(
    study: StudySpec,
    *,
    transfer_syntax: str = "explicit",
    matrix: int = 144,
    pixel: float = 4.0,
    spacing: float = 3.0,
    z_top: float = 199.0,
    n_slices: int = 134,
) -> SeriesSpec:
    """PET on a coarser grid, same Frame of Reference as the CT, per-slice float slopes."""
    return _axial(
        study,
        matrix=matrix,
        pixel=pixel,
        n_slices=n_slices,
        spacing=spacing,
        z0=z_top - (n_slices - 1) * spacing,
        key="pet",
        modality="PT",
        number=7,
        description="PET WB FDG AC",
        values=anatomy.pet_activity,
        transfer_syntax=transfer_syntax,
        per_slice_slope=True,
        bits_stored=16,
        signed=True,
        window=(10000.0, 20000.0),
    )


def mr_head(
    study: StudySpec,
    *,
    transfer_syntax: str = "explicit",
    matrix: int = 256,
    pixel: float = 0.9375,
    spacing: float = 5.0,
    n_slices: int = 30,
) -> SeriesSpec:
    """Axial T1 head with anisotropic voxels (0.94 × 0.94 × 5 mm)."""
    return _axial(
        study,
        matrix=matrix,
        pixel=pixel,
        n_slices=n_slices,
        spacing=spacing,
        z0=-(n_slices - 1) / 2 * spacing,
        key="mr",
        modality="MR",
        number=3,
        description="T1 SE axial 5mm",
        values=anatomy.mr_signal,
        noise_sd=8.0,
        transfer_syntax=transfer_syntax,
        bits_stored=12,
        window=(450.0, 900.0),
    )


@dataclass(frozen=True)
class DemoStudy:
    """The demo study as written: its folder and the spec of each series."""

    folder: str
    series: dict[str, SeriesSpec]


def demo_specs(*, ct_slices: int = 320, light: bool = False) -> dict[str, SeriesSpec]:
    """The built-in demo: one patient, a CT+PET study (shared frame of reference) and an MR head.

    ``light`` makes a smaller CT (for quick tests); the demo itself uses the full one.
    """
    patient = PatientSpec()
    chest = StudySpec(patient, key="demo-chest")
    head = StudySpec(
        patient,
        key="demo-head",
        date="20260918",
        time="091500",
        description="MR Head",
        accession="A0002",
    )
    ct = ct_chest(chest, n_slices=ct_slices, transfer_syntax="rle")
    if light:
        ct = ct_chest(chest, n_slices=80, spacing=5.0, matrix=256, pixel=1.4, transfer_syntax="rle")
    return {
        "ct": ct,
        "pet": pet_body(chest, transfer_syntax="j2k"),
        "oblique": ct_oblique(chest, transfer_syntax="explicit"),
        "tilted": ct_tilted(chest, transfer_syntax="explicit"),
        "mr": mr_head(head, transfer_syntax="jpegls"),
    }


def write_study(specs: dict[str, SeriesSpec], folder: str) -> DemoStudy:
    for name, spec in specs.items():
        write_series(spec, os.path.join(folder, name))
    return DemoStudy(folder, specs)


def with_syntax(spec: SeriesSpec, transfer_syntax: str) -> SeriesSpec:
    return replace(spec, transfer_syntax=transfer_syntax)
