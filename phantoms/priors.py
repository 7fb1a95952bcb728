"""Phantom priors: the same patient scanned again, lying elsewhere in the scanner.

A prior is the same analytic anatomy moved rigidly — shifted and rotated — in its own Frame of
Reference (its own study), possibly with another slice thickness. Because the motion is known,
tests know exactly where each point of today's exam lies in the prior (:func:`truth`).

Convention: a point ``a`` of the anatomy (where it lies in the current exam) lies at
``R a + t`` in the prior's patient space, so current → prior is the matrix ``[R t]``; that is
also what a registration of the current exam (base) to the prior (overlay) must find.
"""

from __future__ import annotations

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
