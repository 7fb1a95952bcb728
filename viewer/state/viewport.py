"""The state of one 2D viewport as a plain, observable model (no Qt, no VTK).

Widgets observe it (``subscribe``, typed :class:`ViewportEvent` events) and render what it says;
tests drive it directly. Image coordinates are (x = column, y = row) in pixels, pixel centres at
integers.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from viewer.dicom.geometry import direction_label
from viewer.dicom.i18n import translate
from viewer.dicom.measure import Measurement
from viewer.dicom.volume import ImageStack, Volume
from viewer.dicom.windows import opening_window
from viewer.state.observable import Observable, Unsubscribe


class ViewportEvent(StrEnum):
    """What changed in a :class:`ViewportModel`."""

    IMAGE = "image"  # a new image (and with it window, camera and measurements reset)
    INDEX = "index"  # the slice shown
    WINDOW = "window"  # window/level or invert
    CAMERA = "camera"  # zoom, pan, rotation, flips
    CINE = "cine"  # playing or its rate
    MEASUREMENTS = "measurements"  # added, removed, edited or selected


Listener = Callable[[ViewportEvent], None]


@dataclass(frozen=True, slots=True)
class SliceGeometry:
    """Where the displayed slice lies in patient space (None parts when the image has none)."""

    origin: np.ndarray | None  # LPS of pixel (0, 0)
    row_dir: np.ndarray | None  # patient direction of +x (along a row)
    col_dir: np.ndarray | None  # patient direction of +y (down a column)
    spacing: tuple[float, float] | None  # (between rows, between columns) mm
    thickness: float | None  # the acquired slice thickness
    reconstructed: bool = False  # resampled onto a grid the scanner did not acquire

    @property
    def normal(self) -> np.ndarray | None:
        if self.row_dir is None or self.col_dir is None:
            return None
        n = np.cross(self.row_dir, self.col_dir)
        return n / np.linalg.norm(n)

    def pixel_to_patient(self, x: float, y: float) -> np.ndarray | None:
        if self.origin is None or self.row_dir is None or self.col_dir is None or not self.spacing:
            return None
        return self.origin + x * self.spacing[1] * self.row_dir + y * self.spacing[0] * self.col_dir

    def patient_to_pixel(self, p: np.ndarray) -> tuple[float, float] | None:
        if self.origin is None or self.row_dir is None or self.col_dir is None or not self.spacing:
            return None
        d = np.asarray(p, float) - self.origin
        return float(d @ self.row_dir) / self.spacing[1], float(d @ self.col_dir) / self.spacing[0]


class ViewportModel:
    """Owns what one viewport shows: the image and its series key, slice, window, zoom, pan,
    rotation, flips, cine and measurements, and whether it follows linked viewports."""

    def __init__(self) -> None:
        self.image: Volume | ImageStack | None = None
        self.series_key = ""  # the Workspace's key of the series shown (or being loaded)
        self.linked = True  # follows the active viewport's scroll, zoom/pan and window links
        self.title = ""
        self.info: dict[str, str] = {}
        self.index = 0
        self.window = (40.0, 400.0)
        self.invert = False
        self.zoom = 1.0  # 1 = fit to the viewport
        self.pan = (0.0, 0.0)  # screen-aligned offset of the view centre, mm
        self.rotation = 0  # clockwise degrees: 0, 90, 180, 270
        self.flip_h = False
        self.flip_v = False
        self.cine_fps = 10.0
        self.playing = False
        self.measurements: list[Measurement] = []
        self.selected: Measurement | None = None
        self.events: Observable[ViewportEvent] = Observable()

    # ------------------------------------------------------------------ observation

    def subscribe(self, fn: Listener) -> Unsubscribe:
        return self.events.subscribe(fn)

    def _changed(self, what: ViewportEvent) -> None:
        self.events.emit(what)

    # ------------------------------------------------------------------ content

    def set_image(
        self,
        image: Volume | ImageStack,
        info: dict[str, str] | None = None,
        index: int | None = None,
    ) -> None:
        self.image = image
        self.info = dict(info or {})
        self.index = self.count // 2 if index is None else max(0, min(index, self.count - 1))
        vals = self.pixels(self.index)
        # the middle image's file window, else the rules by body part (viewer.dicom.windows)
        self.window = (127.5, 255.0) if self.is_color else opening_window(image, vals)
        self.zoom, self.pan, self.rotation = 1.0, (0.0, 0.0), 0
        self.flip_h = self.flip_v = self.invert = False
        self.measurements = []
        self.selected = None
        self._changed(ViewportEvent.IMAGE)

    @property
    def reduction(self) -> int:
        """Acquired pixels one shown pixel spans each way: 2**level on a reduced-resolution
        preview (a JPEG 2000 reduced level), else 1. Zoom % and 1:1 count acquired pixels, so
        they do not change when the preview is refined."""
        return 1 << int(getattr(self.image, "reduced_level", 0) or 0)

    @property
    def modality(self) -> str:
        return self.image.modality if self.image is not None else ""

    @property
    def is_color(self) -> bool:
        return isinstance(self.image, ImageStack) and self.image.is_color

    @property
    def count(self) -> int:
        if self.image is None:
            return 0
        return self.image.shape[0] if isinstance(self.image, Volume) else len(self.image.frames)

    @property
    def frame_of_reference(self) -> str:
        if isinstance(self.image, Volume):
            return self.image.frame_of_reference_uid
        if isinstance(self.image, ImageStack) and self.image.sources:
            return self.image.sources[0].instance.frame_of_reference_uid
        return ""

    def pixels(self, index: int | None = None) -> np.ndarray:
        """Modality values (or RGB) of a slice, shape (rows, cols[, 3])."""
        assert self.image is not None
        k = self.index if index is None else index
        if isinstance(self.image, Volume):
            return self.image.array[k]
        return self.image.frames[k]

    def geometry(self, index: int | None = None) -> SliceGeometry:
        k = self.index if index is None else index
        img = self.image
        if isinstance(img, Volume):
            d = img.direction
            origin = img.origin + k * img.spacing[2] * d[:, 2]
            thick = img.slice_thickness  # acquired (a resampled grid's spacing is not it)
            if img.slice_sources and not img.resampled:
                thick = (
                    img.slice_sources[min(k, len(img.slice_sources) - 1)].geometry.slice_thickness
                    or thick
                )
            return SliceGeometry(
                origin,
                d[:, 0],
                d[:, 1],
                (img.spacing[1], img.spacing[0]),
                thick if thick is not None else img.spacing[2],
                img.reconstructed,
            )
        if isinstance(img, ImageStack) and img.sources:
            g = img.sources[k].geometry
            o = np.asarray(g.orientation) if g.orientation is not None else None
            return SliceGeometry(
                np.asarray(g.position) if g.position is not None else None,
                o[:3] if o is not None else None,
                o[3:] if o is not None else None,
                g.pixel_spacing,
                g.slice_thickness,
            )
        if isinstance(img, ImageStack) and img.pixel_spacing:  # made here, e.g. a curved MPR
            return SliceGeometry(None, None, None, img.pixel_spacing, None)
        return SliceGeometry(None, None, None, None, None)

    @property
    def calibrated(self) -> bool:
        """True when distances can be given in mm (Pixel Spacing in patient space is known)."""
        return self.geometry().spacing is not None

    @property
    def calibration_note(self) -> str:
        if self.calibrated:
            return ""
        img = self.image
        if (
            isinstance(img, ImageStack)
            and img.sources
            and img.sources[0].instance.imager_pixel_spacing
        ):
            return translate(
                "Overlay", "uncalibrated: only Imager Pixel Spacing (at the detector) is known"
            )
        return translate("Overlay", "uncalibrated: no pixel spacing; measurements in pixels")

    # ------------------------------------------------------------------ navigation

    def set_index(self, k: int) -> None:
        if self.image is None:
            return
        k = max(0, min(int(k), self.count - 1))
        if k != self.index:
            self.index = k
            self._changed(ViewportEvent.INDEX)

    def scroll(self, delta: int, wrap: bool = False) -> None:
        if self.count == 0:
            return
        k = self.index + delta
        if wrap:
            k %= self.count
        self.set_index(k)

    def set_window(self, center: float, width: float) -> None:
        self.window = (float(center), max(1e-3, float(width)))
        self._changed(ViewportEvent.WINDOW)

    def adjust_window(self, d_center: float, d_width: float) -> None:
        c, w = self.window
        self.set_window(c + d_center, w + d_width)

    def set_invert(self, on: bool) -> None:
        self.invert = on
        self._changed(ViewportEvent.WINDOW)

    def set_zoom(self, zoom: float) -> None:
        self.zoom = min(40.0, max(0.05, zoom))
        self._changed(ViewportEvent.CAMERA)

    def set_pan(self, dx_mm: float, dy_mm: float) -> None:
        self.pan = (dx_mm, dy_mm)
        self._changed(ViewportEvent.CAMERA)

    def fit(self) -> None:
        self.zoom, self.pan = 1.0, (0.0, 0.0)
        self._changed(ViewportEvent.CAMERA)

    def rotate(self, degrees: int) -> None:
        self.rotation = (self.rotation + degrees) % 360
        self._changed(ViewportEvent.CAMERA)

    def flip(self, horizontal: bool) -> None:
        if horizontal:
            self.flip_h = not self.flip_h
        else:
            self.flip_v = not self.flip_v
        self._changed(ViewportEvent.CAMERA)

    def set_cine(self, playing: bool, fps: float | None = None) -> None:
        self.playing = playing
        if fps is not None:
            self.cine_fps = min(120.0, max(0.5, fps))
        self._changed(ViewportEvent.CINE)

    # ------------------------------------------------------------------ screen axes and labels

    def screen_axes(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """Image-space directions (x, y) of the screen's right and down after rotation/flips."""
        right, down = (1, 0), (0, 1)
        for _ in range(self.rotation // 90):  # clockwise: the top goes to the right
            right, down = (-down[0], -down[1]), right
        if self.flip_h:
            right = (-right[0], -right[1])
        if self.flip_v:
            down = (-down[0], -down[1])
        return right, down

    def edge_labels(self) -> dict[str, str]:
        g = self.geometry()
        if g.row_dir is None or g.col_dir is None:
            return {"left": "", "right": "", "top": "", "bottom": ""}
        (rx, ry), (dx, dy) = self.screen_axes()
        right = rx * g.row_dir + ry * g.col_dir
        down = dx * g.row_dir + dy * g.col_dir
        return {
            "right": direction_label(right),
            "left": direction_label(-right),
            "bottom": direction_label(down),
            "top": direction_label(-down),
        }

    # ------------------------------------------------------------------ patient position (sync)

    def slice_position(self, index: int | None = None) -> np.ndarray | None:
        """Patient coordinate of the centre of a slice."""
        g = self.geometry(index)
        if g.origin is None:
            return None
        rows, cols = self.pixels(index).shape[:2]
        return g.pixel_to_patient((cols - 1) / 2, (rows - 1) / 2)

    def index_nearest(self, point: np.ndarray) -> int | None:
        """The slice whose plane is nearest to a patient point (None without geometry)."""
        if isinstance(self.image, Volume):
            k = self.image.patient_to_index(point)[2]
            return max(0, min(self.count - 1, round(float(k))))
        if isinstance(self.image, ImageStack):
            best, best_d = None, math.inf
            for k in range(self.count):
                g = self.geometry(k)
                if g.origin is None or g.normal is None:
                    return None
                dist = abs(float((np.asarray(point) - g.origin) @ g.normal))
                if dist < best_d:
                    best, best_d = k, dist
            return best
        return None

    # ------------------------------------------------------------------ measurements

    def add_measurement(self, m: Measurement) -> None:
        m.index = self.index if m.index < 0 else m.index
        self.measurements.append(m)
        self.selected = m
        self._changed(ViewportEvent.MEASUREMENTS)

    def remove_measurement(self, m: Measurement) -> None:
        if m in self.measurements:
            self.measurements.remove(m)
            if self.selected is m:
                self.selected = None
            self._changed(ViewportEvent.MEASUREMENTS)

    def update_measurement(self, m: Measurement | None = None) -> None:
        """Tell observers that a measurement (or the selection) changed."""
        self._changed(ViewportEvent.MEASUREMENTS)

    def visible_measurements(self) -> list[Measurement]:
        return [m for m in self.measurements if m.index == self.index]

    def snapshot_measurements(self) -> list[Measurement]:
        """The measurements by value (for undo; equal snapshots mean nothing changed)."""
        return copy.deepcopy(self.measurements)

    def restore_measurements(self, snapshot: list[Measurement]) -> None:
        self.measurements = copy.deepcopy(snapshot)
        self.selected = None
        self._changed(ViewportEvent.MEASUREMENTS)

    def value_at(self, x: float, y: float) -> float | None:
        px = self.pixels()
        i, j = round(x), round(y)
        if 0 <= j < px.shape[0] and 0 <= i < px.shape[1] and not self.is_color:
            return float(px[j, i])
        return None
