"""What a loaded series is: a geometric :class:`Volume` or a plain :class:`ImageStack`, the
PET :class:`SuvScale` either carries, and :class:`LoadError` when nothing could be loaded.

Data only (no decoding): :mod:`viewer.dicom.volume` and :mod:`viewer.dicom.stack` build these,
:mod:`viewer.dicom.quantity` reads their units. Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from viewer.dicom.geometry import affine
from viewer.dicom.i18n import translate
from viewer.dicom.model import FrameRef, Problem, SeriesInfo
from viewer.dicom.suv import KIND_LABEL, KIND_UNIT, KINDS

ProgressFn = Callable[[int, int], None]


@dataclass(slots=True)
class Volume:
    """A 3D image in patient space. ``array[k, j, i]`` holds modality values (HU for CT)."""

    array: np.ndarray
    origin: np.ndarray  # LPS of voxel (0, 0, 0)
    spacing: tuple[float, float, float]  # (Δi=between columns, Δj=between rows, Δk=slices), mm
    direction: np.ndarray  # 3×3, columns = unit vectors of i, j, k in LPS
    modality: str = ""
    series_uid: str = ""
    frame_of_reference_uid: str = ""
    window: tuple[float, float] | None = None  # (center, width) from the file
    slice_sources: list[FrameRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    resampled: bool = False
    #: the acquired slice thickness (mm), kept when the volume is resampled onto another grid
    slice_thickness: float | None = None
    #: PET: the SUV scale per slice and units (see :mod:`viewer.dicom.quantity`)
    suv: SuvScale | None = None
    #: which sub-volume this is ("Echo 2 (TE 30 ms)"); empty for a series with one volume
    label: str = ""
    #: every sub-volume of the series in order (this one included), or empty: see
    #: :mod:`viewer.dicom.dimensions`
    subvolumes: list[Volume] = field(default_factory=list)
    #: 0 at full resolution; n > 0: a preview at 1/2**n of the pixels each way in-plane (a
    #: JPEG 2000 reduced level, :mod:`viewer.dicom.progressive`), replaced once refined
    reduced_level: int = 0
    #: False once a reduced volume will not be refined (its study could not be fetched whole)
    refining: bool = True

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.array.shape

    def sibling(self, step: int) -> Volume:
        """The sub-volume ``step`` places after this one, wrapping (itself if there are none)."""
        if not self.subvolumes:
            return self
        i = next(n for n, v in enumerate(self.subvolumes) if v is self)
        return self.subvolumes[(i + step) % len(self.subvolumes)]

    def same_place(self, other: Volume) -> bool:
        """Whether ``other`` lies where this volume lies in the patient (first voxel and axes),
        whatever its grid: a sub-volume on the same grid does, and so does a reduced-resolution
        preview of the same series."""
        return bool(
            np.allclose(self.origin, other.origin, atol=1e-3)
            and np.allclose(self.direction, other.direction, atol=1e-6)
        )

    @property
    def reconstructed(self) -> bool:
        """Resampled onto a grid the scanner did not acquire (tilt, gaps, uneven spacing)."""
        return self.resampled

    @property
    def affine(self) -> np.ndarray:
        d = self.direction
        return affine(
            self.origin,
            d[:, 0],
            d[:, 1],
            d[:, 2] * self.spacing[2],
            self.spacing[0],
            self.spacing[1],
        )

    def index_to_patient(self, ijk: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        p = np.asarray(ijk, dtype=float)
        a = self.affine
        return p @ a[:3, :3].T + a[:3, 3]

    def patient_to_index(self, xyz: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        p = np.asarray(xyz, dtype=float)
        a = self.affine
        return (p - a[:3, 3]) @ np.linalg.inv(a[:3, :3]).T

    def value_at(self, xyz: tuple[float, float, float]) -> float:
        """Nearest-voxel value at a patient coordinate (mm, LPS)."""
        i, j, k = np.rint(self.patient_to_index(xyz)).astype(int)
        return float(self.array[k, j, i])


@dataclass(slots=True)
class ImageStack:
    """Frames without usable 3D geometry (radiographs, ultrasound cine, secondary captures)."""

    frames: np.ndarray  # (n, rows, cols) or (n, rows, cols, 3) for colour
    pixel_spacing: tuple[float, float] | None
    modality: str = ""
    series_uid: str = ""
    window: tuple[float, float] | None = None
    is_color: bool = False
    sources: list[FrameRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: PET: SUV factor per frame (see :mod:`viewer.dicom.quantity`)
    suv: SuvScale | None = None


class LoadError(RuntimeError):
    """No image of the series could be loaded; ``problems`` lists why for each file."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(slots=True)
class SuvScale:
    """SUV of a loaded volume: ``factors[kind][k]`` turns slice ``k``'s values into SUV.

    ``kind`` is the kind shown (``bw`` by default; :meth:`set_kind` changes it). When
    ``factors`` is empty, SUV is refused: ``reason`` says why and ``raw_unit`` is what is shown.
    """

    units: str  # DICOM Units (0054,1001)
    raw_unit: str  # unit of the modality values, e.g. "Bq/ml"
    factors: dict[str, np.ndarray] = field(default_factory=dict)
    kind: str = "bw"
    reason: str = ""
    kind_reasons: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.kind in self.factors

    @property
    def kinds(self) -> list[str]:
        return [k for k in KINDS if k in self.factors]

    @property
    def label(self) -> str:
        """``SUVbw``, ``SUVlbm``… or the raw unit when SUV is refused."""
        return KIND_LABEL[self.kind] if self.available else self.raw_unit

    @property
    def unit(self) -> str:
        """``g/ml`` (``cm²/ml`` for SUVbsa), or the raw unit when SUV is refused."""
        return KIND_UNIT[self.kind] if self.available else self.raw_unit

    def set_kind(self, kind: str) -> None:
        if kind not in self.factors:
            raise ValueError(
                self.kind_reasons.get(kind) or translate("SUV", "{0} is not available").format(kind)
            )
        self.kind = kind

    def slice_factors(self, kind: str | None = None) -> np.ndarray:
        return self.factors[kind or self.kind]

    def to_suv(self, values: np.ndarray | float, k: int, kind: str | None = None) -> np.ndarray:
        """Modality values of slice ``k`` in SUV of ``kind`` (the shown kind by default)."""
        return np.asarray(values, dtype=np.float64) * float(self.slice_factors(kind)[k])


def is_volumetric(series: SeriesInfo) -> bool:
    """Two or more placed, single-sample frames: a candidate for a :class:`Volume`."""
    if len(series.frames) < 2:
        return False
    g = series.frames[0].geometry
    inst = series.frames[0].instance
    px = inst.pixel
    return bool(g.has_plane and px is not None and px.samples_per_pixel == 1)
