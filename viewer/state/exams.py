"""Today's exam and its priors in a Workspace: hung by protocol, linked across exams.

:class:`Exams` is the Workspace's :class:`~viewer.state.workspace.Hanger`. A study opened as
usual becomes *today's exam* (the newest study of the scan's patient with the most images;
that patient's other studies are its priors, newest first); one opened with ``prior=True``
(*Compare with prior*) is added as the next prior. Each time, the hanging protocol for these
exams is chosen (:func:`viewer.state.hanging.choose`) and applied: the layout, the links, which
series in which viewport, and the protocol's window preset once each image is in (a new image
resets the window). Today's exam alone keeps the reader's layout (largest series first) unless
``apply_alone``: the protocol that fits it is only *offered* (:attr:`Exams.offered`), and the
next-stage key applies it.
:meth:`Exams.next_stage` / :meth:`Exams.previous_stage` step through its stages.

Once a viewport of today's exam and one of a prior show loaded volumes of different Frames of
Reference, they are linked (:func:`viewer.state.registration.link_exams`: at once for one
frame, else a registration on a worker thread). The worker's result is handed back through
``post`` (the application passes its own thread hand-over; by default it waits in an inbox that
:meth:`Exams.deliver` empties) and kept in the Workspace's ``link_table``, which linked
scrolling and reference lines use. :meth:`Exams.align_by_points` replaces a link by the
reader's point pair. What happens is told through :attr:`Exams.events`.
"""

from __future__ import annotations

import functools
import queue
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from viewer.dicom.model import ScanResult, StudyInfo
from viewer.dicom.presets import preset
from viewer.dicom.volume import Volume
from viewer.state.hanging import (
    Arranged,
    ExamView,
    Hanging,
    Protocol,
    SeriesView,
    choose,
    load_protocols,
    protocol_from_arrangement,
)
from viewer.state.hanging_protocol import Links
from viewer.state.observable import Observable
from viewer.state.registration import (
    BackgroundRegistration,
    ExamLink,
    link_exams,
    point_pair,
)
from viewer.state.viewport import ViewportModel
from viewer.state.workspace import ImageShown, OpenRequest, SeriesLoaded, Workspace


@dataclass(frozen=True, eq=False)
class Hung:
    """A protocol's stage was applied (``hanging.title(lang)`` is for the status bar)."""

    hanging: Hanging


@dataclass(frozen=True, eq=False)
class Offered:
    """Today's exam alone: the protocol that fits it (None: none), not applied."""

    hanging: Hanging | None


@dataclass(frozen=True, eq=False)
class Registering:
    """A registration between two Frames of Reference started (an indicator should show)."""

    frames: tuple[str, str]


@dataclass(frozen=True, eq=False)
class Linked:
    """Two exams are linked; ``link.description`` says how, and how well."""

    frames: tuple[str, str]
    link: ExamLink


@dataclass(frozen=True, eq=False)
class LinkFailed:
    frames: tuple[str, str]
    message: str


ExamsEvent = Hung | Offered | Registering | Linked | LinkFailed
Post = Callable[[Callable[[], None]], None]


class Exams:
    """Owns today's study and its priors (in relevance order), the protocols, the hanging in use,
    the window each hung viewport waits for, and the links across exams being made or made (the
    links themselves are kept in the Workspace's ``link_table``); see the module docstring."""

    def __init__(
        self,
        workspace: Workspace,
        protocols: Iterable[Protocol] | None = None,
        post: Post | None = None,
        apply_alone: bool = False,
    ) -> None:
        self.ws = workspace
        workspace.hanger = self
        self.protocols = list(protocols) if protocols is not None else load_protocols()
        self.current: StudyInfo | None = None
        self.priors: list[StudyInfo] = []
        self.hanging: Hanging | None = None
        #: the protocol that fits today's exam alone, not applied (the reader's layout is kept)
        self.offered: Hanging | None = None
        #: apply a protocol to today's exam alone too (else only once a prior is open)
        self.apply_alone = apply_alone
        self.events: Observable[ExamsEvent] = Observable()
        self.jobs: dict[tuple[str, str], BackgroundRegistration] = {}
        self.links: dict[tuple[str, str], ExamLink] = {}
        self._inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.post: Post = post or self._inbox.put
        self._early: list[StudyInfo] = []  # priors scanned before today's exam
        #: viewport → the series fused over it (the protocol's overlay), once loaded
        self.overlays: dict[ViewportModel, str] = {}
        self._windows: dict[ViewportModel, tuple[str, str | None, bool]] = {}
        self._off = workspace.events.subscribe(self._on_workspace)

    # ------------------------------------------------------------------ exams

    def studies(self) -> list[StudyInfo]:
        """Today's study, then the priors (relevance order)."""
        return ([self.current] if self.current is not None else []) + self.priors

    def views(self) -> list[ExamView]:
        return [ExamView.of(st) for st in self.studies()]

    def exam_of(self, key: str) -> int | None:
        """0 for a series of today's exam, n for the n-th prior, None for neither."""
        for i, st in enumerate(self.studies()):
            if any(s.key == key for s in st.series):
                return i
        return None

    def hang(self, request: OpenRequest, result: ScanResult) -> bool:
        """The Workspace scanned a study: take today's exam or a prior from it and hang them by
        protocol (False: the Workspace hangs it itself — today's exam alone, or a remote study
        whose focus series the reader is already looking at)."""
        if request.preview:
            return False
        by_patient = [
            [st for st in p.studies if any(s.frames for s in st.series)] for p in result.patients
        ]
        known = {st.study_uid for st in self.studies()}
        if request.prior and self.current is None:  # scanned before today's: kept for it
            self._early += [st for group in by_patient for st in group]
            return True
        if request.prior:
            found = [st for group in by_patient for st in group if st.study_uid not in known]
            if not found:
                return False
            self.priors += found
        else:
            # the patient with the most images; the newest of their studies is today's, the
            # others are its priors, newest first
            group = max(by_patient, key=_images, default=[])
            if not group:
                return False
            group = sorted(group, key=lambda st: (st.date, st.time, _images([st])), reverse=True)
            early = [st for st in self._early if st.study_uid != group[0].study_uid]
            self.current, self.priors, self._early = group[0], group[1:] + early, []
            self.ws.link_table = type(self.ws.link_table)()
            self.links.clear()
            self.jobs.clear()
        h = choose(self.protocols, self.views())
        self.offered = None
        focus = bool(request.focus) or self.ws.focus_pending
        if focus or not (self.priors or (self.apply_alone and h.protocol.id != "default")):
            # today's exam alone keeps the reader's layout, largest series first; its protocol
            # (if one fits) is offered: the next-stage key applies it
            self.hanging = None
            self.offered = h if h.protocol.id != "default" else None
            self.events.emit(Offered(self.offered))
            return False
        self.apply(h)
        return True

    # ------------------------------------------------------------------ hanging

    def apply(self, h: Hanging) -> None:
        """Show a hanging: layout, links, each viewport's series, its window once loaded."""
        ws = self.ws
        ws.set_layout(h.layout_name)
        ws.set_links(
            scroll=h.links.scroll, zoom_pan=h.links.zoom or h.links.pan, window=h.links.window
        )
        self._windows.clear()
        self.overlays.clear()
        self.hanging, self.offered = h, None
        for a in h.assignments:
            if a.series is None or a.series.key not in ws.series:
                continue
            vp = ws.viewports[a.viewport]
            if a.overlay is not None and a.overlay.key in ws.series:
                self.overlays[vp] = a.overlay.key
                self._preload(a.overlay.key)
            self._windows[vp] = (a.series.key, a.window, a.invert)
            if vp.series_key != a.series.key or vp.image is None:
                ws.open_series(a.series.key, vp)
            self._apply_window(vp)
        if ws.active not in ws.visible():
            ws.set_active(ws.viewports[0])
        self.events.emit(Hung(h))
        self.link_visible()

    def _preload(self, key: str) -> None:
        """Load a series no viewport shows (a fusion overlay): kept in the Workspace's images."""
        ws = self.ws
        if key in ws.images or key in ws.waiting or ws.loader is None:
            return
        ws.waiting[key] = []  # loading, for no viewport
        ws.loader.load(ws.series[key])

    def next_stage(self) -> Hanging | None:
        """The protocol's next stage (the offered protocol's first, when none is applied)."""
        if self.hanging is None and self.offered is not None:
            self.apply(self.offered)
        elif self.hanging is not None:
            self.apply(self.hanging.next())
        return self.hanging

    def previous_stage(self) -> Hanging | None:
        if self.hanging is None and self.offered is not None:
            self.apply(self.offered)
        elif self.hanging is not None:
            self.apply(self.hanging.previous())
        return self.hanging

    def title(self, language: str = "en") -> str:
        return self.hanging.title(language) if self.hanging is not None else ""

    def _apply_window(self, vp: ViewportModel) -> None:
        want = self._windows.get(vp)
        if want is None or vp.image is None or vp.series_key != want[0]:
            return
        _, window, invert = want
        if window and not vp.is_color:
            try:
                p = preset(window, vp.modality or "CT")
            except (KeyError, ValueError):
                p = None
            if p is not None:
                vp.set_window(p.center, p.width)
        if invert != vp.invert:
            vp.set_invert(invert)

    def _on_workspace(self, ev: object) -> None:
        if isinstance(ev, ImageShown | SeriesLoaded):
            for vp in self.ws.visible():
                if vp.series_key == ev.key:
                    self._apply_window(vp)
            if isinstance(ev, SeriesLoaded):
                self.link_visible()

    # ------------------------------------------------------------------ linking across exams

    def link_visible(self) -> None:
        """Link each visible prior volume to a visible volume of today's exam (once a pair of
        frames)."""
        shown = [
            (self.exam_of(vp.series_key), vp.image)
            for vp in self.ws.visible()
            if isinstance(vp.image, Volume) and vp.series_key in self.ws.images
        ]
        today = [img for e, img in shown if e == 0 and isinstance(img, Volume)]
        if not today:
            return
        cur = today[0]
        for e, img in shown:
            if not e or not isinstance(img, Volume):
                continue
            frames = (cur.frame_of_reference_uid, img.frame_of_reference_uid)
            if not all(frames) or frames[0] == frames[1]:
                continue
            if frames in self.links or frames in self.jobs:
                continue
            job = link_exams(cur, img, on_done=functools.partial(self._finished, frames))
            if isinstance(job, ExamLink):
                self._keep(frames, job)
            else:
                self.jobs[frames] = job
                self.events.emit(Registering(frames))

    def _finished(self, frames: tuple[str, str], job: BackgroundRegistration) -> None:
        """On the worker thread: hand the result over to the Workspace's thread."""
        self.post(functools.partial(self._registered, frames, job))

    def _registered(self, frames: tuple[str, str], job: BackgroundRegistration) -> None:
        if self.jobs.get(frames) is not job or self.ws.closed:
            return
        del self.jobs[frames]
        if job.link is None:
            self.events.emit(LinkFailed(frames, job.error))
            return
        if frames not in self.links:  # a point pair given meanwhile wins
            self._keep(frames, job.link)

    def _keep(self, frames: tuple[str, str], link: ExamLink) -> None:
        self.links[frames] = link
        self.ws.link_table.add(frames[0], frames[1], link)
        self.events.emit(Linked(frames, link))
        self.ws.update_reference_lines()

    def registering(self) -> bool:
        return any(j.running for j in self.jobs.values())

    def deliver(self) -> int:
        """Run what workers handed over (when no ``post`` was given); how many."""
        n = 0
        while True:
            try:
                fn = self._inbox.get_nowait()
            except queue.Empty:
                return n
            fn()
            n += 1

    def align_by_points(
        self,
        today: ViewportModel,
        p_today: Sequence[float] | np.ndarray,
        prior: ViewportModel,
        p_prior: Sequence[float] | np.ndarray,
    ) -> ExamLink:
        """The reader clicked the same anatomy in a viewport of today's exam and one of a prior
        (patient coordinates, mm): that translation links the two frames from now on."""
        a, b = today.frame_of_reference, prior.frame_of_reference
        if self.exam_of(today.series_key) != 0 or not self.exam_of(prior.series_key):
            today, prior, a, b = prior, today, b, a
            p_today, p_prior = p_prior, p_today
        if not a or not b or a == b:
            raise ValueError(
                "point-pair alignment needs two exams with their own frames of reference"
            )
        link = point_pair(np.asarray(p_today, float), np.asarray(p_prior, float))
        self.jobs.pop((a, b), None)
        self._keep((a, b), link)
        return link

    def link_between(self, a: ViewportModel, b: ViewportModel) -> ExamLink | None:
        return self.ws.link_table.get(a.frame_of_reference, b.frame_of_reference)

    # ------------------------------------------------------------------ saving an arrangement

    def arrangement(self, protocol_id: str, name: str) -> dict[str, Any]:
        """The current arrangement as a protocol (JSON form), for *Save Arrangement as Protocol*."""
        exams = self.views()
        if not exams:
            raise ValueError("nothing is open: there is no arrangement to save")
        by_key = {s.key: (i, s) for i, e in enumerate(exams) for s in e.series}
        shown: list[Arranged | None] = []
        for vp in self.ws.visible():
            hit = by_key.get(vp.series_key)
            if hit is None or vp.image is None:
                shown.append(None)
                continue
            exam, sv = hit
            shown.append(Arranged(exam, sv, _preset_id(vp), "grey", vp.invert))
        layout = self.ws.layout.split("x")
        links = self.ws.links
        return protocol_from_arrangement(
            protocol_id,
            name,
            exams,
            (int(layout[0]), int(layout[1])),
            shown,
            Links(links.scroll, links.zoom_pan, links.zoom_pan, links.window),
        )

    def close(self) -> None:
        self._off()
        if self.ws.hanger is self:
            self.ws.hanger = None


def _images(studies: Iterable[StudyInfo]) -> int:
    return sum(len(s.frames) for st in studies for s in st.series)


def _preset_id(vp: ViewportModel) -> str | None:
    """The window preset the viewport's window is (None: a window of the reader's own)."""
    from viewer.dicom.presets import presets

    for p in presets(vp.modality or "CT"):
        if abs(p.center - vp.window[0]) < 0.5 and abs(p.width - vp.window[1]) < 0.5:
            return p.id
    return None


__all__ = [
    "Exams",
    "ExamsEvent",
    "Hung",
    "LinkFailed",
    "Linked",
    "Offered",
    "Registering",
    "SeriesView",
]
