"""Multiplanar reconstruction as a plain, observable model (no Qt, no VTK).

Three planes (axial, coronal, sagittal) cross at the crosshair centre, a point in patient space
(LPS, mm). Rotating the crosshair in one view turns the other two planes about that view's normal
(oblique MPR); rotating in a second view gives a double oblique. Each plane is sampled on a square
grid of the volume's finest spacing that passes exactly through the crosshair centre, so a point
under the crosshair is sampled at its own position, not interpolated from a shifted grid.

Every view has a thick slab: its mode (none, MIP, MinIP, average), its thickness along the
plane's normal (one voxel to 50 mm) and the step a scroll moves the plane.

Measurements on a plane are kept in the plane's own millimetres (u along the row direction, v
down the column direction) together with the plane they were drawn on, so they are shown only on
that plane and their distances are true patient millimetres.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from viewer.dicom.geometry import direction_label
from viewer.dicom.i18n import translate
from viewer.dicom.measure import Measurement
from viewer.dicom.volume import Volume
from viewer.dicom.windows import opening_window
from viewer.state.observable import Observable, Unsubscribe

VIEWS = ("axial", "coronal", "sagittal")
#: Display frames of the unrotated planes: (screen-right, screen-down) in LPS. Radiological
#: convention: the patient's right on the screen's left, head up on coronal and sagittal.
BASE_FRAMES: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "axial": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "coronal": ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),
    "sagittal": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),
}
SLAB_MODES = ("none", "mip", "minip", "mean")
MAX_SLAB_MM = 50.0


@functools.lru_cache(maxsize=32)
def _frame(view: str, orientation: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`MprModel.frame` for an orientation (its float64 bytes): it depends on nothing else,
    so scrolling a plane does not compute it again (read-only arrays: the cache is shared)."""
    r0, c0 = (np.array(v) for v in BASE_FRAMES[view])
    n = np.frombuffer(orientation).reshape(3, 3) @ np.cross(r0, c0)
    n /= np.linalg.norm(n)
    r = r0 - (r0 @ n) * n
    if np.linalg.norm(r) < 1e-6:  # the base right became the normal: use the base down
        r = np.cross(c0 - (c0 @ n) * n, n)
    r /= np.linalg.norm(r)
    c = np.cross(n, r)
    for a in (r, c, n):
        a.flags.writeable = False
    return r, c, n


class MprChange(StrEnum):
    """What changed in an :class:`MprModel`."""

    CENTER = "center"  # the crosshair moved
    ORIENTATION = "orientation"  # the planes turned (or were reset)
    WINDOW = "window"
    CAMERA = "camera"  # one view's zoom or pan
    SLAB = "slab"  # one view's slab
    FUSION = "fusion"  # the overlay volume or its opacity
    VOLUME = "volume"  # the same volume at another resolution (its box may differ slightly)
    MEASUREMENTS = "measurements"  # on one view


@dataclass(frozen=True, slots=True)
class MprEvent:
    """One change of an MPR model; ``view`` names the one view it concerns ("" = all)."""

    kind: MprChange
    view: str = ""


Listener = Callable[[MprEvent], None]


def _corners(volume: Volume) -> np.ndarray:
    """The patient positions of the volume's 8 corner voxels."""
    i, j, k = (n - 1 for n in volume.shape[::-1])
    return np.array(
        [volume.index_to_patient((a, b, c)) for a in (0, i) for b in (0, j) for c in (0, k)]
    )


def rotation_about(axis: np.ndarray, degrees: float) -> np.ndarray:
    """Rotation matrix (right-handed) about a unit axis."""
    a = np.asarray(axis, float)
    a = a / np.linalg.norm(a)
    t = math.radians(degrees)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * (k @ k)


@dataclass(frozen=True, slots=True)
class PlaneGrid:
    """The sampling grid of one MPR plane.

    Pixel (i, j) lies at ``anchor + (u0 + i·spacing)·row + (v0 + j·spacing)·col`` in patient space;
    (u, v) are the plane's own millimetres, fixed while the crosshair moves within the plane.
    """

    anchor: np.ndarray
    row: np.ndarray
    col: np.ndarray
    normal: np.ndarray
    spacing: float
    u0: float
    v0: float
    cols: int
    rows: int

    def pixel_to_patient(self, i: float, j: float) -> np.ndarray:
        return self.uv_to_patient(self.u0 + i * self.spacing, self.v0 + j * self.spacing)

    def uv_to_patient(self, u: float, v: float) -> np.ndarray:
        return self.anchor + u * self.row + v * self.col

    def patient_to_uv(self, p: np.ndarray) -> tuple[float, float, float]:
        """(u, v, distance from the plane along its normal) of a patient point."""
        d = np.asarray(p, float) - self.anchor
        return float(d @ self.row), float(d @ self.col), float(d @ self.normal)

    def uv_to_pixel(self, u: float, v: float) -> tuple[float, float]:
        return (u - self.u0) / self.spacing, (v - self.v0) / self.spacing

    def patient_to_pixel(self, p: np.ndarray) -> tuple[float, float]:
        u, v, _ = self.patient_to_uv(p)
        return self.uv_to_pixel(u, v)

    @property
    def offset(self) -> float:
        """Signed distance of the plane from the volume centre along the normal."""
        return float(self.anchor @ self.normal)


@dataclass(frozen=True, slots=True)
class Slab:
    """A slab of an MPR plane: the projection mode, its thickness and the scroll step."""

    mode: str = "none"
    thickness: float = 0.0  # mm; 0 or one voxel = a plain plane
    step: float = 0.0  # mm a scroll moves the plane; 0 = the grid spacing

    def samples(self, spacing: float) -> int:
        """Planes the slab combines, ``spacing`` apart and centred on the crosshair."""
        if self.mode == "none" or self.thickness <= spacing:
            return 1
        return max(1, round(self.thickness / spacing) + 1)


@dataclass
class PlaneMeasurement:
    """A measurement drawn on an MPR plane; ``points`` are (u, v) plane millimetres."""

    view: str
    measurement: Measurement
    normal: np.ndarray
    offset: float
    points_uv: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Fusion:
    """A second volume drawn over the first: a colour map and an opacity.

    ``transform`` maps a point of the base volume's patient space to the overlay's patient space
    (identity when both share a Frame of Reference; the registration's result otherwise).
    """

    volume: Volume
    transform: np.ndarray = field(default_factory=lambda: np.eye(4))
    colormap: str = "hot"
    opacity: float = 0.5
    window: tuple[float, float] = (0.0, 1.0)  # (center, width) in the overlay's units
    note: str = ""
    #: transparent below this fraction of the window, opaque over ``ramp`` above it (None: the
    #: pair's defaults in fusion_pairs.json)
    threshold: float | None = None
    ramp: float | None = None


class MprModel:
    """Owns the crosshair, plane orientation, slabs, window, zoom/pan per view, fusion (the
    overlay volume, its placement and opacity) and plane measurements of an MPR layout."""

    def __init__(self, volume: Volume) -> None:
        self.volume = volume
        self.spacing = float(min(volume.spacing))
        self._corners = _corners(volume)
        self.volume_center = self._corners.mean(axis=0)
        #: what the planes' (u, v) mm are measured from: fixed for the model's life, so plane
        #: measurements (and their undo steps) stay valid when the volume is swapped
        self.plane_origin = self.volume_center.copy()
        self.center = self.volume_center.copy()
        self.orientation = np.eye(3)
        k = volume.shape[0] // 2
        self.window = opening_window(volume, volume.array[k])
        self.slabs: dict[str, Slab] = {v: Slab() for v in VIEWS}
        self.fusion: Fusion | None = None
        self.zoom: dict[str, float] = {v: 1.0 for v in VIEWS}  # 1 = the plane fits the view
        self.pan: dict[str, tuple[float, float]] = {v: (0.0, 0.0) for v in VIEWS}  # mm, (u, v)
        self.measurements: list[PlaneMeasurement] = []
        self.events: Observable[MprEvent] = Observable()

    def swap_volume(self, volume: Volume) -> None:
        """Show the same series at another resolution (a reduced-resolution preview refined):
        ``volume`` lies where the shown one lies (origin and axes; ``ValueError`` otherwise),
        only its grid differs. The crosshair, planes, slabs, window, fusion and measurements stay
        where they are in patient mm, and so does each view's centre (its pan is adjusted to
        the new box); zoom stays relative to the fit (the renderer keeps its mm per pixel).
        The planes' (u, v) mm keep their origin (:attr:`plane_origin`)."""
        if not volume.same_place(self.volume):
            raise ValueError(
                translate("Volumes", "the refined volume lies elsewhere in the patient")
            )
        middle = {v: self._middle(v) for v in VIEWS}
        self.volume = volume
        self.spacing = float(min(volume.spacing))
        self._corners = _corners(volume)
        self.volume_center = self._corners.mean(axis=0)
        for v in VIEWS:
            du, dv = self.pan[v]
            (u0, v0), (u1, v1) = middle[v], self._middle(v)
            self.pan[v] = (du + u0 - u1, dv + v0 - v1)
        lo, hi = self._corners.min(axis=0), self._corners.max(axis=0)
        self.center = np.clip(self.center, lo, hi)
        self._changed(MprChange.VOLUME)

    def _middle(self, view: str) -> tuple[float, float]:
        """Patient mm (along the view's right and down) of the middle of the volume's box, which
        a view at pan (0, 0) is centred on."""
        r, c, _ = self.frame(view)
        us, vs = self._corners @ r, self._corners @ c
        return float(us.min() + us.max()) / 2, float(vs.min() + vs.max()) / 2

    # ------------------------------------------------------------------ observation

    def subscribe(self, fn: Listener) -> Unsubscribe:
        return self.events.subscribe(fn)

    def _changed(self, what: MprChange, view: str = "") -> None:
        self.events.emit(MprEvent(what, view))

    # ------------------------------------------------------------------ geometry

    def frame(self, view: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(screen-right, screen-down, normal) unit vectors of a view in patient space.

        The normal is the unrotated normal turned by the crosshair's orientation; right is the
        unrotated right projected into the plane, so images stay upright as the planes tilt.
        """
        return _frame(view, np.asarray(self.orientation, float).tobytes())

    def extent(self, view: str) -> tuple[float, float, float, float]:
        """(u min, u max, v min, v max) of the volume's corners on a view's plane, in the plane's
        mm; it depends only on the orientation (moving the plane keeps it), so the camera can."""
        r, c, _ = self.frame(view)
        d = self._corners - self.plane_origin
        us, vs = d @ r, d @ c
        return float(us.min()), float(us.max()), float(vs.min()), float(vs.max())

    def grid(self, view: str, pixel_mm: float = 0.0) -> PlaneGrid:
        """The plane's sampling grid: the volume's finest spacing, or ``pixel_mm`` when that is
        coarser (a zoomed-out view need not sample finer than its screen pixels)."""
        r, c, n = self.frame(view)
        anchor = self.plane_origin + float((self.center - self.plane_origin) @ n) * n
        umin, umax, vmin, vmax = self.extent(view)
        sp = max(self.spacing, pixel_mm)
        uc, vc = float((self.center - anchor) @ r), float((self.center - anchor) @ c)
        # start on the grid through the crosshair centre, covering every corner of the volume
        u0 = uc - math.ceil((uc - umin) / sp - 1e-9) * sp
        v0 = vc - math.ceil((vc - vmin) / sp - 1e-9) * sp
        cols = math.floor((umax - u0) / sp + 1e-9) + 1
        rows = math.floor((vmax - v0) / sp + 1e-9) + 1
        return PlaneGrid(anchor, r, c, n, sp, u0, v0, cols, rows)

    def edge_labels(self, view: str) -> dict[str, str]:
        r, c, _ = self.frame(view)
        return {
            "right": direction_label(r),
            "left": direction_label(-r),
            "bottom": direction_label(c),
            "top": direction_label(-c),
        }

    def crosshair(self, view: str) -> list[tuple[str, np.ndarray]]:
        """The other planes' traces on this view: (other view, direction in patient space)."""
        _, _, n = self.frame(view)
        out = []
        for other in VIEWS:
            if other == view:
                continue
            d = np.cross(n, self.frame(other)[2])
            if np.linalg.norm(d) > 1e-6:
                out.append((other, d / np.linalg.norm(d)))
        return out

    # ------------------------------------------------------------------ navigation

    def set_center(self, p: np.ndarray | tuple[float, float, float]) -> None:
        """Move the crosshair (clamped to the volume's bounding box)."""
        p = np.asarray(p, float)
        lo, hi = self._corners.min(axis=0), self._corners.max(axis=0)
        self.center = np.clip(p, lo, hi)
        self._changed(MprChange.CENTER)

    def set_center_pixel(self, view: str, i: float, j: float) -> None:
        """Put the crosshair on a pixel of a view (the view's own plane stays)."""
        self.set_center(self.grid(view).pixel_to_patient(i, j))

    def scroll(self, view: str, steps: float) -> None:
        """Move a view's plane along its normal by slab steps (grid spacing by default)."""
        slab = self.slabs[view]
        step = slab.step or self.spacing
        _, _, n = self.frame(view)
        self.set_center(self.center + steps * step * n)

    def rotate(self, view: str, degrees: float) -> None:
        """Turn the crosshair in a view: the other two planes rotate about this view's normal."""
        _, _, n = self.frame(view)
        self.orientation = rotation_about(n, degrees) @ self.orientation
        self._changed(MprChange.ORIENTATION)

    def reset(self) -> None:
        self.orientation = np.eye(3)
        self.center = self.volume_center.copy()
        self._changed(MprChange.ORIENTATION)

    def set_window(self, center: float, width: float) -> None:
        self.window = (float(center), max(1e-3, float(width)))
        self._changed(MprChange.WINDOW)

    def set_zoom(self, view: str, zoom: float) -> None:
        self.zoom[view] = min(40.0, max(0.05, float(zoom)))
        self._changed(MprChange.CAMERA, view)

    def set_pan(self, view: str, du: float, dv: float) -> None:
        self.pan[view] = (float(du), float(dv))
        self._changed(MprChange.CAMERA, view)

    def set_slab(
        self, view: str, mode: str, thickness: float | None = None, step: float | None = None
    ) -> None:
        if mode not in SLAB_MODES:
            raise ValueError(f"unknown slab mode {mode!r}; use one of {', '.join(SLAB_MODES)}")
        old = self.slabs[view]
        t = old.thickness if thickness is None else float(thickness)
        t = min(MAX_SLAB_MM, max(0.0, t))
        self.slabs[view] = Slab(mode, t, old.step if step is None else max(0.0, float(step)))
        self._changed(MprChange.SLAB, view)

    def set_fusion(self, fusion: Fusion | None) -> None:
        self.fusion = fusion
        self._changed(MprChange.FUSION)

    def set_fusion_opacity(self, opacity: float) -> None:
        if self.fusion is not None:
            self.fusion.opacity = min(1.0, max(0.0, float(opacity)))
            self._changed(MprChange.FUSION)

    # ------------------------------------------------------------------ measurements

    def add_measurement(
        self, view: str, m: Measurement, points_uv: list[tuple[float, float]]
    ) -> None:
        g = self.grid(view)
        self.measurements.append(PlaneMeasurement(view, m, g.normal.copy(), g.offset, points_uv))
        self._changed(MprChange.MEASUREMENTS, view)

    def remove_measurement(self, pm: PlaneMeasurement) -> None:
        if pm in self.measurements:
            self.measurements.remove(pm)
            self._changed(MprChange.MEASUREMENTS, pm.view)

    def clear_measurements(self) -> None:
        self.measurements = []
        self._changed(MprChange.MEASUREMENTS)

    def snapshot_measurements(self) -> list[tuple[Any, ...]]:
        """The plane measurements by value, comparable with ``==`` (for undo)."""
        return [
            (pm.view, copy.deepcopy(pm.measurement), tuple(map(float, pm.normal)), pm.offset,
             [tuple(p) for p in pm.points_uv])
            for pm in self.measurements
        ]  # fmt: skip

    def restore_measurements(self, snapshot: list[tuple[Any, ...]]) -> None:
        self.measurements = [
            PlaneMeasurement(view, copy.deepcopy(m), np.array(n), off, [tuple(p) for p in pts])
            for view, m, n, off, pts in snapshot
        ]
        self._changed(MprChange.MEASUREMENTS)

    def visible_measurements(self, view: str) -> list[PlaneMeasurement]:
        """Measurements drawn on the plane this view shows now."""
        g = self.grid(view)
        return [
            pm
            for pm in self.measurements
            if pm.view == view
            and float(pm.normal @ g.normal) > 0.99999
            and abs(pm.offset - g.offset) < g.spacing / 2
        ]
