"""Linking two exams of one patient (today's and a prior): where a point of one lies in the other.

An :class:`ExamLink` maps patient coordinates of the current exam to the prior's, from one of:

* the same Frame of Reference — the scanner's own coordinates, exact (:func:`same_frame`);
* a rigid registration by mutual information on coarse copies (:func:`register_for_linking`:
  fusion's coarse copies and result, tuned for linking — 6 mm voxels, 10 % of them sampled —
  about ten times faster than fusion's 4 mm registration, within a millimetre on the phantoms),
  run off the caller's thread by :class:`BackgroundRegistration`; its quality is the
  inverse-consistency of the two directions (mm, as in :mod:`viewer.state.fusion`);
* a point pair the reader clicked — the same anatomy in both — giving a translation
  (:func:`point_pair`).

With a link, linked scrolling is :func:`linked_index` (the prior slice holding the anatomy at the
centre of the current slice), and reference lines and cursors use :meth:`ExamLink.map`. For
viewports, a :class:`LinkTable` keeps the links between Frames of Reference (both directions) and
:func:`follow_scroll_across` moves viewports of other frames to the same anatomy.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from viewer.dicom.volume import Volume
from viewer.state import sync
from viewer.state.viewport import ViewportModel

if TYPE_CHECKING:  # SimpleITK is imported when a registration runs (not at start-up)
    import SimpleITK as sitk

    from viewer.state.fusion import Registration

#: a registration whose two directions disagree by more than this (mm) is shown as doubtful
DOUBTFUL_MM = 3.0


class LinkMethod(Enum):
    SAME_FRAME = "same frame of reference"
    REGISTRATION = "registration (mutual information)"
    POINT_PAIR = "point pair"


@dataclass(frozen=True)
class ExamLink:
    """Current exam patient space (LPS mm) → prior exam patient space."""

    transform: np.ndarray  # 4×4
    method: LinkMethod
    #: how far off the mapping may be, mm: 0 for one Frame of Reference, the registration's
    #: inverse-consistency for a registration, None when nothing measures it (a point pair)
    quality_mm: float | None

    @property
    def doubtful(self) -> bool:
        """The registration's two directions disagree by more than :data:`DOUBTFUL_MM`: the
        reader is told to check the alignment (or align by a point pair)."""
        return self.quality_mm is not None and self.quality_mm > DOUBTFUL_MM

    def map(self, p: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        """Points (…, 3) of the current exam in the prior's patient space."""
        q = np.asarray(p, dtype=float)
        return q @ self.transform[:3, :3].T + self.transform[:3, 3]

    def inverse(self) -> ExamLink:
        """Prior → current (for driving the current exam from the prior's viewport)."""
        return ExamLink(np.linalg.inv(self.transform), self.method, self.quality_mm)

    @property
    def description(self) -> str:
        """What the reader is shown about the link (units included)."""
        t = np.round(self.transform[:3, 3], 1).tolist()
        if self.method is LinkMethod.SAME_FRAME:
            return "linked by the scanner's coordinates (same frame of reference)"
        if self.method is LinkMethod.POINT_PAIR:
            return f"linked by a point pair: shift {t} mm (rotation not corrected)"
        c = np.trace(self.transform[:3, :3])
        deg = float(np.degrees(np.arccos(np.clip((c - 1) / 2, -1.0, 1.0))))
        q = f", consistency {self.quality_mm:.1f} mm" if self.quality_mm is not None else ""
        warn = (
            " — doubtful: check the alignment or click the same point in both"
            if self.doubtful
            else ""
        )
        return f"registered: shift {t} mm, rotation {deg:.1f}°{q}{warn}"


LINK_COARSE_MM = 6.0
LINK_SAMPLING = 0.10


def _euler(
    fixed: sitk.Image, moving: sitk.Image, sampling: float
) -> tuple[np.ndarray, float, int, str]:
    from viewer.state.fusion import rigid_mi

    # one core is left to the reader's event loop (on 2 cores, ITK's default takes both)
    threads = max(1, (os.cpu_count() or 2) - 1)
    return rigid_mi(fixed, moving, sampling=sampling, iterations=100, threads=threads)


def register_for_linking(
    current: Volume,
    prior: Volume,
    coarse_mm: float = LINK_COARSE_MM,
    sampling: float = LINK_SAMPLING,
) -> Registration:
    """Rigid registration current → prior (Mattes mutual information) on coarse copies, both
    ways; ``consistency_mm`` is how far a point of the current exam's box moves when mapped
    there and back (mean over a 5×5×5 lattice)."""
    from viewer.state.fusion import Registration, coarse_image

    fixed, moving = coarse_image(current, coarse_mm), coarse_image(prior, coarse_mm)
    a, metric, iters, stop = _euler(fixed, moving, sampling)
    b, _, _, _ = _euler(moving, fixed, sampling)
    size = np.array(fixed.GetSize(), float)
    axes = [np.linspace(0.2, 0.8, 5) * (n - 1) for n in size]
    lattice = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    pts = np.array([fixed.TransformContinuousIndexToPhysicalPoint(tuple(p)) for p in lattice])
    back = (pts @ a[:3, :3].T + a[:3, 3]) @ b[:3, :3].T + b[:3, 3]
    consistency = float(np.linalg.norm(back - pts, axis=1).mean())
    return Registration(a, metric, iters, consistency, stop)


def same_frame(current: Volume, prior: Volume) -> ExamLink | None:
    """The identity link when both share a (non-empty) Frame of Reference UID, else None."""
    if current.frame_of_reference_uid and (
        current.frame_of_reference_uid == prior.frame_of_reference_uid
    ):
        return ExamLink(np.eye(4), LinkMethod.SAME_FRAME, 0.0)
    return None


def from_registration(reg: Registration) -> ExamLink:
    return ExamLink(np.asarray(reg.transform, float), LinkMethod.REGISTRATION, reg.consistency_mm)


def point_pair(
    in_current: np.ndarray | tuple[float, float, float],
    in_prior: np.ndarray | tuple[float, float, float],
) -> ExamLink:
    """The translation that takes a point clicked in the current exam onto the same anatomy
    clicked in the prior (patient coordinates, mm)."""
    a, b = np.asarray(in_current, float), np.asarray(in_prior, float)
    if a.shape != (3,) or b.shape != (3,) or not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("a point pair needs two finite patient positions (x, y, z in mm)")
    m = np.eye(4)
    m[:3, 3] = b - a
    return ExamLink(m, LinkMethod.POINT_PAIR, None)


def slice_centre(vol: Volume, k: int) -> np.ndarray:
    """Patient position of the centre of slice ``k``."""
    _, nj, ni = vol.shape
    return vol.index_to_patient(((ni - 1) / 2, (nj - 1) / 2, float(k)))


def linked_index(
    link: ExamLink,
    current: Volume,
    k: int,
    prior: Volume,
    *,
    at: np.ndarray | tuple[float, float, float] | None = None,
    clamp: bool = False,
) -> int | None:
    """The prior's slice holding the anatomy of the current exam's slice ``k`` — at its centre,
    or at ``at`` (a patient point on that slice, e.g. the cursor: with a rotation between the
    exams, slices are not parallel and the point followed matters).

    None when that anatomy lies beyond the prior's slices by more than half a slice (the prior
    does not cover it), unless ``clamp`` (then the nearest end slice)."""
    p = slice_centre(current, k) if at is None else np.asarray(at, float)
    kk = float(prior.patient_to_index(link.map(p))[2])
    n = prior.shape[0]
    if not clamp and (kk < -0.5 or kk > n - 0.5):
        return None
    return max(0, min(n - 1, round(kk)))


class RegistrationState(Enum):
    IDLE = "idle"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundRegistration:
    """One rigid registration of a prior to the current exam on a worker thread.

    Owns the thread and the outcome: ``state``, ``link`` (when done), ``error`` (a sentence, when
    failed) and ``seconds``. ``on_done(self)`` is called on the worker thread when it ends:
    a UI must hand it over to its own thread (e.g. a queued signal). The Volumes are only read.
    """

    def __init__(
        self,
        current: Volume,
        prior: Volume,
        on_done: Callable[[BackgroundRegistration], None] | None = None,
        register: Callable[[Volume, Volume], Registration] | None = None,
    ) -> None:
        self.current, self.prior = current, prior
        self.on_done = on_done
        self._register = register or register_for_linking
        self.state = RegistrationState.IDLE
        self.link: ExamLink | None = None
        self.error = ""
        self.seconds = 0.0
        self._thread: threading.Thread | None = None
        self._finished = threading.Event()

    def start(self) -> BackgroundRegistration:
        if self._thread is not None:
            raise RuntimeError("this registration was already started")
        self.state = RegistrationState.RUNNING
        self._thread = threading.Thread(target=self._run, name="registration", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        t0 = time.perf_counter()
        try:
            self.link = from_registration(self._register(self.current, self.prior))
            self.state = RegistrationState.DONE
        except Exception as exc:  # reported to the reader, never raised into a UI thread
            self.error = f"registration failed: {type(exc).__name__}: {exc}"
            self.state = RegistrationState.FAILED
        self.seconds = time.perf_counter() - t0
        self._finished.set()
        if self.on_done is not None:
            self.on_done(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until finished (True) or ``timeout`` seconds passed (False)."""
        return self._finished.wait(timeout)

    @property
    def running(self) -> bool:
        return self.state is RegistrationState.RUNNING


def link_exams(
    current: Volume,
    prior: Volume,
    on_done: Callable[[BackgroundRegistration], None] | None = None,
) -> ExamLink | BackgroundRegistration:
    """The link at once when both share a Frame of Reference; else a registration started in
    the background (its ``link`` appears when done)."""
    link = same_frame(current, prior)
    if link is not None:
        return link
    return BackgroundRegistration(current, prior, on_done).start()


class LinkTable:
    """The links between Frames of Reference of the exams open (both directions)."""

    def __init__(self) -> None:
        self._links: dict[tuple[str, str], ExamLink] = {}

    def add(self, current_frame: str, prior_frame: str, link: ExamLink) -> None:
        """``link`` maps ``current_frame`` coordinates to ``prior_frame``'s."""
        if not current_frame or not prior_frame:
            raise ValueError("a link joins two named Frames of Reference")
        self._links[(current_frame, prior_frame)] = link
        self._links[(prior_frame, current_frame)] = link.inverse()

    def get(self, src_frame: str, dst_frame: str) -> ExamLink | None:
        if src_frame and src_frame == dst_frame:
            return ExamLink(np.eye(4), LinkMethod.SAME_FRAME, 0.0)
        return self._links.get((src_frame, dst_frame))

    def remove(self, frame: str) -> None:
        for key in [k for k in self._links if frame in k]:
            del self._links[key]


def follow_scroll_across(src: ViewportModel, others: list[ViewportModel], table: LinkTable) -> None:
    """Move each linked viewport of *another* Frame of Reference that ``table`` links to
    ``src``'s to the slice holding the anatomy at the centre of ``src``'s slice (viewports of
    the same frame are left to :func:`viewer.state.sync.follow_scroll`)."""
    pos = src.slice_position() if src.image is not None else None
    if pos is None:
        return
    for other in others:
        if other is src or other.image is None or not getattr(other, "linked", True):
            continue
        a, b = src.frame_of_reference, other.frame_of_reference
        if a == b:
            continue
        link = table.get(a, b)
        if link is None:
            continue
        k = other.index_nearest(link.map(pos))
        if k is not None:
            other.set_index(k)


#: across exams, planes within 45° of parallel get no reference line: a registration's few degrees
#: would draw a line across an axial prior beside an axial current slice, which means nothing
ACROSS_PARALLEL_COS = float(np.cos(np.radians(45.0)))


def reference_lines_across(
    src: ViewportModel | None, targets: list[ViewportModel], table: LinkTable
) -> list[list[sync.Segment]]:
    """For each target of *another* Frame of Reference that ``table`` links to ``src``'s, where
    ``src``'s slice plane, carried into the target's patient space by the link, crosses it
    (targets of the same frame are :func:`viewer.state.sync.reference_lines`' business)."""
    out: list[list[sync.Segment]] = [[] for _ in targets]
    if src is None or src.image is None:
        return out
    g, pos = src.geometry(), src.slice_position()
    if pos is None or g.normal is None:
        return out
    for lines, t in zip(out, targets, strict=True):
        if t is src or t.image is None or not t.frame_of_reference:
            continue
        if t.frame_of_reference == src.frame_of_reference:
            continue
        link = table.get(src.frame_of_reference, t.frame_of_reference)
        if link is None:
            continue
        normal = link.transform[:3, :3] @ np.asarray(g.normal, float)
        tn = t.geometry().normal
        if tn is None or abs(float(normal @ tn)) > ACROSS_PARALLEL_COS:
            continue  # nearly parallel (e.g. axial beside axial): linked scrolling shows it
        line = sync.reference_line(link.map(pos), normal, t.geometry(), t.pixels().shape[:2])
        if line is not None:
            lines.append(line)
    return out
