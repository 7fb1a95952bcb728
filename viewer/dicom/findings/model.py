"""The reader's work on one series, as plain data that the DICOM writers and readers exchange.

Qt-free and VTK-free: the state layer builds a :class:`ReaderWork` from its viewport models and
restores them from one read back. Image coordinates follow :mod:`viewer.dicom.measure`: x = column,
y = row, pixel centres at integers (DICOM graphic coordinates put the top-left corner of the first
pixel at 0, i.e. are these + 0.5; the writers and readers convert).

Spatial transform follows DICOM (PS3.3 C.10.6) as dcmtk renders it: the image is rotated
clockwise, then flipped horizontally. :func:`dicom_transform` and :func:`viewport_transform`
convert from and to the viewport's (rotation, flip_h, flip_v) (a vertical flip is a horizontal
one plus 180°).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from viewer.dicom.measure import Measurement

#: Manufacturer written into every object we make (the catalog tells ours from others' by it).
MANUFACTURER = "Yunying"
SOFTWARE = "yunying 0.1"
#: Prefix of the Tracking ID that ties a GSPS graphic / SR group to one of our measurements.
TRACKING_PREFIX = "yunying"


@dataclass(frozen=True, slots=True)
class ImageRef:
    """One frame of one image object (frame is 1-based as in DICOM)."""

    sop_class_uid: str
    sop_instance_uid: str
    frame: int = 1
    series_uid: str = ""


@dataclass(slots=True)
class MeasuredValue:
    """A number with its unit: ``name`` ("Length", "Mean", "SUVmax"…), UCUM ``unit``."""

    name: str
    value: float
    unit: str

    def __str__(self) -> str:
        return f"{self.name} {self.value:.4g} {self.unit}"


@dataclass(slots=True)
class Finding:
    """One measurement or annotation on one image, with its values (empty for arrows, text)."""

    image: ImageRef
    measurement: Measurement
    values: list[MeasuredValue] = field(default_factory=list)
    label: str = ""  # the text shown beside it (written into the GSPS as a text object)


@dataclass(slots=True)
class Graphic:
    """A graphic object another program drew (points in image pixels unless units DISPLAY)."""

    type: str  # POINT, POLYLINE, INTERPOLATED, CIRCLE, ELLIPSE
    points: list[tuple[float, float]]
    filled: bool = False
    units: str = "PIXEL"  # PIXEL or DISPLAY (fractions 0…1 of the displayed area)


@dataclass(slots=True)
class TextNote:
    text: str
    anchor: tuple[float, float] | None = None
    box: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1
    units: str = "PIXEL"


@dataclass(slots=True)
class Annotation:
    """Graphics and texts on one image that are not measurements of ours (e.g. another viewer's)."""

    image: ImageRef
    layer: str = ""
    graphics: list[Graphic] = field(default_factory=list)
    texts: list[TextNote] = field(default_factory=list)


@dataclass(slots=True)
class ImageView:
    """How one image is displayed: window (centre, width) and displayed area.

    ``area`` is (x0, y0, x1, y1) in image pixels (pixel-centre convention): the region the reader
    had in view; see :func:`area_from_view` / :func:`view_from_area`.
    """

    window: tuple[float, float] | None = None
    area: tuple[float, float, float, float] | None = None


@dataclass(slots=True)
class ReaderWork:
    """Everything a reader did on one series, ready to be written as GSPS, SR and KOS."""

    study_uid: str
    series_uid: str
    author: str = ""
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    label: str = "READING"
    description: str = ""
    views: dict[ImageRef, ImageView] = field(default_factory=dict)
    rotation: int = 0  # DICOM Image Rotation, clockwise degrees
    flip: bool = False  # DICOM Image Horizontal Flip (after the rotation)
    findings: list[Finding] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    key_images: list[ImageRef] = field(default_factory=list)
    key_title: str = "Of Interest"  # a document title of CID 7010 (see kos.TITLES)
    key_note: str = ""

    def images(self) -> list[ImageRef]:
        """Every image the work refers to, in first-seen order."""
        seen: dict[ImageRef, None] = {}
        for ref in self.views:
            seen.setdefault(ref, None)
        for f in self.findings:
            seen.setdefault(f.image, None)
        for a in self.annotations:
            seen.setdefault(a.image, None)
        return list(seen)


# --------------------------------------------------------------------------- spatial transform


def _axes(rotation: int, flip_h: bool, flip_v: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """Image directions of the screen's right and down (same rule as the viewport model)."""
    right, down = (1, 0), (0, 1)
    for _ in range((rotation % 360) // 90):
        right, down = (-down[0], -down[1]), right
    if flip_h:
        right = (-right[0], -right[1])
    if flip_v:
        down = (-down[0], -down[1])
    return right, down


def _dicom_axes(rotation: int, flip: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """Screen right/down in image directions for DICOM's rotate-then-flip (as dcmtk renders)."""
    return _axes(rotation, flip, False)


def dicom_transform(rotation: int, flip_h: bool, flip_v: bool) -> tuple[int, bool]:
    """The viewport's rotation and flips as DICOM (Image Rotation, Image Horizontal Flip)."""
    want = _axes(rotation, flip_h, flip_v)
    for rot in (0, 90, 180, 270):
        for flip in (False, True):
            if _dicom_axes(rot, flip) == want:
                return rot, flip
    raise AssertionError("unreachable: the 8 transforms cover the dihedral group")


def viewport_transform(rotation: int, flip: bool) -> tuple[int, bool, bool]:
    """DICOM (rotation, horizontal flip) as the viewport's (rotation, flip_h, flip_v)."""
    want = _dicom_axes(rotation, flip)
    for rot in (0, 90, 180, 270):
        for fh in (False, True):
            if _axes(rot, fh, False) == want:
                return rot, fh, False
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- displayed area


def area_from_view(
    zoom: float,
    pan: tuple[float, float],
    rotation: int,
    flip_h: bool,
    flip_v: bool,
    shape: tuple[int, int],
    spacing: tuple[float, float] | None,
) -> tuple[float, float, float, float]:
    """The displayed area (x0, y0, x1, y1, image pixels) of a viewport's zoom and pan.

    ``zoom`` 1 shows the whole image; ``pan`` is the screen-aligned offset of the view centre in mm
    (pixels without spacing); ``shape`` = (rows, cols); ``spacing`` = (between rows, columns).
    """
    rows, cols = shape
    sr, sc = spacing if spacing else (1.0, 1.0)
    right, down = _axes(rotation, flip_h, flip_v)
    off_x = (pan[0] * right[0] + pan[1] * down[0]) / sc
    off_y = (pan[0] * right[1] + pan[1] * down[1]) / sr
    cx, cy = (cols - 1) / 2 + off_x, (rows - 1) / 2 + off_y
    half_w, half_h = cols / (2 * zoom), rows / (2 * zoom)
    return (cx - half_w + 0.5, cy - half_h + 0.5, cx + half_w - 0.5, cy + half_h - 0.5)


def view_from_area(
    area: tuple[float, float, float, float],
    rotation: int,
    flip_h: bool,
    flip_v: bool,
    shape: tuple[int, int],
    spacing: tuple[float, float] | None,
) -> tuple[float, tuple[float, float]]:
    """(zoom, pan) that shows ``area``; the inverse of :func:`area_from_view`.

    An area of another aspect than the image is fitted whole (the larger ratio wins).
    """
    rows, cols = shape
    x0, y0, x1, y1 = area
    w, h = abs(x1 - x0) + 1, abs(y1 - y0) + 1
    zoom = min(cols / w, rows / h) if w > 0 and h > 0 else 1.0
    sr, sc = spacing if spacing else (1.0, 1.0)
    off_x = ((x0 + x1) / 2 - (cols - 1) / 2) * sc
    off_y = ((y0 + y1) / 2 - (rows - 1) / 2) * sr
    right, down = _axes(rotation, flip_h, flip_v)
    pan = (off_x * right[0] + off_y * right[1], off_x * down[0] + off_y * down[1])
    return zoom, (pan[0] + 0.0, pan[1] + 0.0)


def tracking_id(kind: str, number: int) -> str:
    return f"{TRACKING_PREFIX}/{kind}/{number}"


def parse_tracking_id(text: str) -> tuple[str, int] | None:
    parts = str(text).split("/")
    if len(parts) == 3 and parts[0] == TRACKING_PREFIX and parts[2].isdigit():
        return parts[1], int(parts[2])
    return None
