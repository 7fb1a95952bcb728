"""Plain, typed objects describing what a scan found: patients, studies, series, frames.

Nothing here touches pixels: these come from a header-only scan and are cheap to keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from viewer.dicom.sources import FileRef


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that could not be read, with the place and a reason a person can act on.

    ``severity`` is ``"error"`` (the file or frame is not shown), ``"warning"`` (shown, but a
    value in it is implausible and the reader should know) or ``"note"`` (not an image, or a
    duplicate, listed so that nothing disappears silently).
    """

    where: str
    reason: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class PixelFormat:
    """How a frame's pixels are stored (Image Pixel module): size, samples, bits, sign, colour."""

    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    photometric: str
    planar_configuration: int

    @property
    def frame_bytes(self) -> int:
        """Bytes of one native (uncompressed) frame; bits_allocated 1 is packed."""
        n = self.rows * self.columns * self.samples_per_pixel
        if self.photometric in ("YBR_FULL_422", "YBR_PARTIAL_422") and self.samples_per_pixel == 3:
            n = self.rows * self.columns * 2  # chroma subsampled horizontally
        if self.bits_allocated == 1:
            return (n + 7) // 8
        return n * (self.bits_allocated // 8)


@dataclass(frozen=True, slots=True)
class FrameGeometry:
    """Where one frame lies in patient space (LPS, mm). Any part may be unknown (None)."""

    position: tuple[float, float, float] | None
    orientation: tuple[float, float, float, float, float, float] | None
    pixel_spacing: tuple[float, float] | None  # (between rows, between columns), mm
    slice_thickness: float | None
    rescale_slope: float
    rescale_intercept: float

    @property
    def has_plane(self) -> bool:
        return (
            self.position is not None
            and self.orientation is not None
            and self.pixel_spacing is not None
        )


@dataclass(slots=True)
class InstanceInfo:
    """One DICOM object as the header scan saw it."""

    ref: FileRef
    sop_class_uid: str
    sop_instance_uid: str
    transfer_syntax_uid: str
    patient_id: str
    patient_name: str
    patient_birth_date: str
    patient_sex: str
    study_uid: str
    study_date: str
    study_time: str
    study_description: str
    accession_number: str
    series_uid: str
    series_number: int | None
    series_description: str
    modality: str
    frame_of_reference_uid: str
    instance_number: int | None
    pixel: PixelFormat | None
    number_of_frames: int
    frames: list[FrameGeometry]
    #: Offset and length of the native Pixel Data value in the object, when known.
    pixel_data_offset: int | None = None
    pixel_data_length: int | None = None
    window_center: float | None = None
    window_width: float | None = None
    imager_pixel_spacing: tuple[float, float] | None = None
    institution_name: str = ""
    body_part: str = ""
    stack_ids: list[str] | None = None
    in_stack_positions: list[int] | None = None
    #: Implausible values found in the header (shown to the reader with the series).
    warnings: list[str] = field(default_factory=list)
    #: Size of the object in bytes, as seen by the scan.
    file_size: int | None = None
    #: Where the dataset starts (after the File Meta Information); for a deflated object, the
    #: pixel offset counts from here in the inflated stream.
    dataset_offset: int | None = None
    #: Whether the object carries a Transfer Syntax UID in File Meta Information.
    has_meta: bool = True

    @property
    def has_pixels(self) -> bool:
        return self.pixel is not None


@dataclass(frozen=True, slots=True)
class FrameRef:
    """One 2D frame: frame ``index`` of ``instance``."""

    instance: InstanceInfo
    index: int

    @property
    def geometry(self) -> FrameGeometry:
        return self.instance.frames[self.index]

    def __str__(self) -> str:
        if self.instance.number_of_frames > 1:
            return f"{self.instance.ref} [frame {self.index + 1}]"
        return str(self.instance.ref)


@dataclass(slots=True)
class SeriesInfo:
    """A display set: the frames of one series that share orientation and matrix.

    A DICOM series with several orientations (a 3-plane localizer, say) is split into
    several ``SeriesInfo`` with the same ``series_uid`` and increasing ``part``.
    """

    series_uid: str
    part: int
    modality: str
    series_number: int | None
    description: str
    frame_of_reference_uid: str
    frames: list[FrameRef] = field(default_factory=list)
    non_image: list[InstanceInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def instances(self) -> list[InstanceInfo]:
        seen: dict[int, InstanceInfo] = {}
        for fr in self.frames:
            seen.setdefault(id(fr.instance), fr.instance)
        return list(seen.values())

    @property
    def key(self) -> str:
        return f"{self.series_uid}#{self.part}"

    @property
    def orientation(self) -> np.ndarray | None:
        g = self.frames[0].geometry if self.frames else None
        if g is None or g.orientation is None:
            return None
        return np.asarray(g.orientation, dtype=float)


@dataclass(slots=True)
class StudyInfo:
    """A scanned study: its identifiers and the series found in it."""

    study_uid: str
    date: str
    time: str
    description: str
    accession_number: str
    series: list[SeriesInfo] = field(default_factory=list)

    @property
    def modalities(self) -> list[str]:
        return sorted({s.modality for s in self.series if s.modality})


@dataclass(slots=True)
class PatientInfo:
    """A scanned patient: identifiers and the studies found for them."""

    patient_id: str
    name: str
    birth_date: str
    sex: str
    studies: list[StudyInfo] = field(default_factory=list)


@dataclass(slots=True)
class ScanResult:
    """What a scan found: patients → studies → series, and the problems met on the way."""

    patients: list[PatientInfo] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files_seen: int = 0

    @property
    def unreadable(self) -> list[Problem]:
        """The problems that are errors (files or frames not shown), without warnings/notes."""
        return [p for p in self.problems if p.severity == "error"]

    def all_series(self) -> list[SeriesInfo]:
        return [s for p in self.patients for st in p.studies for s in st.series]

    def find_series(self, series_uid: str, part: int = 0) -> SeriesInfo:
        for s in self.all_series():
            if s.series_uid == series_uid and s.part == part:
                return s
        raise KeyError(f"series {series_uid} (part {part}) not in this scan")
