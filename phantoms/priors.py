"""Phantom priors: the same patient scanned again, lying elsewhere in the scanner.

A prior is the same analytic anatomy moved rigidly — shifted and rotated — in its own Frame of
Reference (its own study), possibly with another slice thickness. Because the motion is known,
tests know exactly where each point of today's exam lies in the prior (:func:`truth`).

Convention: a point ``a`` of the anatomy (where it lies in the current exam) lies at
``R a + t`` in the prior's patient space, so current → prior is the matrix ``[R t]``; that is
also what a registration of the current exam (base) to the prior (overlay) must find.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np

from phantoms import series as S


@dataclass(frozen=True)
class Moved:
    """Values of an anatomy moved by ``[R t]``: the value at ``p`` is ``fn(Rᵀ (p − t))``.
    A plain object (not a closure) so that series using it can be written by worker processes."""

    fn: S.ValueFn
    rotation: tuple[tuple[float, float, float], ...]
    shift: tuple[float, float, float]

    def __call__(self, p: np.ndarray) -> np.ndarray:
        r = np.asarray(self.rotation)
        return self.fn((np.asarray(p, dtype=np.float64) - np.asarray(self.shift)) @ r)

    @property
    def matrix(self) -> np.ndarray:
        """4×4, current patient space → prior patient space."""
        m = np.eye(4)
        m[:3, :3] = np.asarray(self.rotation)
        m[:3, 3] = self.shift
        return m


def moved(
    spec: S.SeriesSpec,
    *,
    shift: tuple[float, float, float],
    rotation_deg: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> S.SeriesSpec:
    """``spec`` with its anatomy moved: rotated about the x, y, z axes (degrees, applied x
    first) and shifted (mm)."""
    r = S.rotation(*rotation_deg)
    rot = tuple(tuple(float(v) for v in row) for row in r)
    values = Moved(spec.values, rot, tuple(float(v) for v in shift))  # type: ignore[arg-type]
    return replace(spec, values=values)


def truth(spec: S.SeriesSpec) -> np.ndarray:
    """Current → prior patient space for a prior made by :func:`moved` (identity otherwise)."""
    return spec.values.matrix if isinstance(spec.values, Moved) else np.eye(4)


def prior_study(
    current: S.StudySpec,
    *,
    key: str | None = None,
    date: str = "20251103",
    description: str | None = None,
    accession: str = "P0001",
) -> S.StudySpec:
    """An earlier study of the same patient: another study UID and its own Frame of Reference."""
    return S.StudySpec(
        current.patient,
        key=key or f"{current.key}-prior-{date}",
        date=date,
        time="101500",
        description=description if description is not None else current.description,
        accession=accession,
    )


def ct_chest_prior(
    current: S.StudySpec,
    *,
    shift: tuple[float, float, float] = (9.0, -7.0, 14.0),
    rotation_deg: tuple[float, float, float] = (2.0, -3.0, 6.0),
    date: str = "20251103",
    **ct: object,
) -> S.SeriesSpec:
    """A chest CT prior of the patient of ``current``: shifted, rotated, its own Frame of
    Reference; ``ct`` are :func:`phantoms.series.ct_chest` arguments (another ``spacing`` makes
    another slice thickness)."""
    study = prior_study(current, date=date)
    spec = S.ct_chest(study, **ct)  # type: ignore[arg-type]
    return moved(spec, shift=shift, rotation_deg=rotation_deg)


def mr_head_prior(
    current: S.StudySpec,
    *,
    shift: tuple[float, float, float] = (4.0, 6.0, -5.0),
    rotation_deg: tuple[float, float, float] = (4.0, 0.0, -3.0),
    date: str = "20250610",
    **mr: object,
) -> S.SeriesSpec:
    """An MR head prior (see :func:`ct_chest_prior`)."""
    study = prior_study(current, date=date)
    spec = S.mr_head(study, **mr)  # type: ignore[arg-type]
    return moved(spec, shift=shift, rotation_deg=rotation_deg)


def sample(spec: S.SeriesSpec, noise: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The series as one float32 array ``[k, j, i]`` (modality values) without writing files,
    with its origin (LPS of voxel 0) and direction (columns: i, j, k unit vectors).
    For quick tests; ``noise`` adds the series' own noise."""
    arr = np.empty((spec.n_slices, spec.rows, spec.columns), np.float32)
    for k in range(spec.n_slices):
        arr[k] = spec.modality_values(k) if noise else spec.values(spec.grid(k))
    step = np.asarray(spec.step, float)
    direction = np.column_stack([spec.row_dir, spec.col_dir, step / np.linalg.norm(step)])
    return arr, np.asarray(spec.first_position, float), direction


#: The scenarios of :func:`write_history`, one per default hanging protocol.
SCENARIOS = ("ct-chest", "ct-abdomen", "ct-head", "mr-brain", "pet-ct", "cr-chest", "mg")


def _small_ct(study: S.StudySpec, body: str, n: int = 30, **kw: object) -> S.SeriesSpec:
    spec = S.ct_chest(study, n_slices=n, spacing=5.0, matrix=128, pixel=2.8, noise_sd=0.0, **kw)  # type: ignore[arg-type]
    desc = {"CHEST": "Chest 5mm", "ABDOMEN": "Abdomen 5mm", "HEAD": "Head 5mm"}[body]
    return replace(spec, description=desc, extra={**spec.extra, "BodyPartExamined": body})


def write_history(folder: str, scenario: str) -> dict[str, str]:
    """One patient's current exam and a prior for a default hanging protocol, small, as files:
    ``{"current": folder, "prior": folder}``. CT and MR priors are moved (their own Frame of
    Reference); the CT chest prior also has another slice thickness."""
    from phantoms import radiographs as R

    n = SCENARIOS.index(scenario)
    patient = S.PatientSpec(patient_id=f"YYH{n:04d}", name=f"History^{scenario.replace('-', '')}")
    desc = {
        "ct-chest": "CT Chest",
        "ct-abdomen": "CT Abdomen/Pelvis",
        "ct-head": "CT Head",
        "mr-brain": "MR Brain",
        "pet-ct": "PET/CT Whole body",
        "cr-chest": "Chest 2 views",
        "mg": "Screening mammography",
    }[scenario]
    cur = S.StudySpec(patient, key=f"history-{scenario}", description=desc)
    pri = prior_study(cur)
    out = {"current": os.path.join(folder, "current"), "prior": os.path.join(folder, "prior")}
    if scenario in ("ct-chest", "ct-abdomen", "ct-head"):
        body = {"ct-chest": "CHEST", "ct-abdomen": "ABDOMEN", "ct-head": "HEAD"}[scenario]
        S.write_series(_small_ct(cur, body), out["current"], workers=1)
        prior = _small_ct(pri, body, n=25 if body == "CHEST" else 30)
        if body == "CHEST":
            prior = replace(prior, step=(0.0, 0.0, 6.0), slice_thickness=6.0)
        S.write_series(moved(prior, shift=(9.0, -7.0, 14.0), rotation_deg=(2.0, -3.0, 6.0)),
                       out["prior"], workers=1)  # fmt: skip
    elif scenario == "mr-brain":
        for st, key in ((cur, "current"), (pri, "prior")):
            t1 = replace(S.mr_head(st, n_slices=12, matrix=64, pixel=3.75), noise_sd=0.0)
            t2 = replace(t1, key="mr-t2", number=4, description="T2 TSE axial 5mm")
            for spec in (t1, t2):
                spec = moved(spec, shift=(4.0, 6.0, -5.0)) if key == "prior" else spec
                S.write_series(spec, os.path.join(out[key], spec.key), workers=1)
    elif scenario == "pet-ct":
        for st, key in ((cur, "current"), (pri, "prior")):
            ct = replace(_small_ct(st, "CHEST"), extra={"BodyPartExamined": "WHOLEBODY"})
            pet = S.pet_body(st, matrix=48, pixel=6.0, spacing=6.0, n_slices=25, z_top=199.0)
            for spec in (ct, pet):
                S.write_series(spec, os.path.join(out[key], spec.key), workers=1)
    elif scenario == "cr-chest":
        R.write_chest_radiographs(cur, out["current"], size=64)
        R.write_chest_radiographs(pri, out["prior"], size=64)
    elif scenario == "mg":
        R.write_mammograms(cur, out["current"], size=64)
        R.write_mammograms(pri, out["prior"], size=64)
    else:
        raise ValueError(f"unknown scenario {scenario!r}; one of {', '.join(SCENARIOS)}")
    return out
