"""The Workspace: one Qt-free model of what is open and how it is shown.

It owns the studies opened (each an :class:`OpenRequest` saying where it came from, an
:class:`~viewer.state.origin.Origin`), the scanned series by key, the loaded images (one per
series, shared by every viewport showing it), the loading queue (which viewports wait for which
series), the viewports (a :class:`ViewportModel` each) and their layout, the active viewport, the
links between viewports (scroll by patient position, zoom/pan, window; reference lines) and the
focus of a study opened from elsewhere (the series a cloud preview already shows).

Reading is not done here: an injected :class:`Loader` scans and loads (on threads in the
application, inline in tests) and hands its results back through :meth:`Workspace.scanned`,
:meth:`Workspace.previewed`, :meth:`Workspace.first_image`, :meth:`Workspace.loaded` and
:meth:`Workspace.failed`, on the thread that owns the Workspace. What happens is told as typed
events (:data:`WorkspaceEvent`) through :attr:`Workspace.events`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from viewer.dicom.model import Problem, ScanResult, SeriesInfo
from viewer.dicom.overlay import series_overlay
from viewer.dicom.volume import ImageStack, Volume
from viewer.state import sync
from viewer.state.observable import Observable, Unsubscribe
from viewer.state.origin import Origin
from viewer.state.registration import LinkTable, follow_scroll_across, reference_lines_across
from viewer.state.viewport import ViewportEvent, ViewportModel

Image = Volume | ImageStack

LAYOUTS: dict[str, tuple[int, int]] = {
    "1x1": (1, 1),
    "1x2": (1, 2),
    "2x1": (2, 1),
    "2x2": (2, 2),
    "1x3": (1, 3),
}


@dataclass(frozen=True, eq=False)
class OpenRequest:
    """One study (or set of paths) asked to be opened, and where it came from.

    ``record`` is the caller's own description of a remote study (e.g. the cloud's exam
    record), handed back in :class:`Viewed`; ``focus`` is the series UID to show in the active
    viewport; ``preview`` marks the single first image of a study still arriving; ``prior`` an
    earlier exam of the patient opened beside today's (for the :class:`Hanger`).
    """

    paths: tuple[str, ...]
    origin: Origin = Origin.LOCAL
    focus: str = ""
    record: Any = None
    preview: bool = False
    prior: bool = False


class Hanger(Protocol):
    """Hangs a scanned study (e.g. by hanging protocol, :class:`viewer.state.exams.Exams`);
    returns False to leave it to the Workspace's own "largest series first"."""

    def hang(self, request: OpenRequest, result: ScanResult) -> bool: ...


class Loader(Protocol):
    """Scans and loads for a Workspace; results come back through the Workspace's methods:
    a scan through :meth:`Workspace.scanned` (a preview request: its first series decoded, through
    :meth:`Workspace.previewed`), a load through ``first_image``, ``loaded`` or ``failed``."""

    def scan(self, request: OpenRequest) -> None: ...

    def load(self, series: SeriesInfo) -> None: ...


# ---------------------------------------------------------------------- events


@dataclass(frozen=True, eq=False)
class Opening:
    request: OpenRequest


@dataclass(frozen=True, eq=False)
class Remember:
    """Paths to list in *Open Recent* (only local ones: a cache folder may be evicted)."""

    paths: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Scanned:
    request: OpenRequest
    result: ScanResult
    thumbs: dict[str, Any]  # series key → small picture (or None)


@dataclass(frozen=True, eq=False)
class LayoutChanged:
    layout: str


@dataclass(frozen=True, eq=False)
class ActiveChanged:
    viewport: ViewportModel


@dataclass(frozen=True, eq=False)
class ImageShown:
    """A series' first image is on screen (a preview slice or the whole series)."""

    key: str


@dataclass(frozen=True, eq=False)
class SeriesLoaded:
    key: str
    notes: tuple[str, ...]  # warnings and the first problems met while loading


@dataclass(frozen=True, eq=False)
class LoadFailed:
    key: str  # "" for a scan
    message: str


@dataclass(frozen=True, eq=False)
class ReferenceLines:
    """Reference lines to draw, one list of segments per visible viewport (in order)."""

    lines: tuple[list[sync.Segment], ...]


@dataclass(frozen=True, eq=False)
class LinksChanged:
    links: sync.Links


@dataclass(frozen=True, eq=False)
class Viewed:
    """A series of a remote study was shown (for the audit log)."""

    request: OpenRequest
    series_uid: str


WorkspaceEvent = (
    Opening
    | Remember
    | Scanned
    | LayoutChanged
    | ActiveChanged
    | ImageShown
    | SeriesLoaded
    | LoadFailed
    | ReferenceLines
    | LinksChanged
    | Viewed
)


@dataclass
class _Focus:
    """The series a preview of a remote study put in the active viewport."""

    record: Any
    series_uid: str
    viewport: ViewportModel | None = None


# ---------------------------------------------------------------------- the workspace


class Workspace:
    """Owns what is open (studies, series, images, origins), the loading queue, the viewports
    with their layout and the active one, the links between viewports and a remote study's
    focus; see the module docstring."""

    def __init__(self, loader: Loader | None = None, layout: str = "1x1") -> None:
        self.loader: Loader | None = loader
        self.events: Observable[WorkspaceEvent] = Observable()
        self.requests: list[OpenRequest] = []
        self.series: dict[str, SeriesInfo] = {}
        self.origins: dict[str, Origin] = {}  # series key → where it was read from
        self.images: dict[str, Image] = {}
        self.problems: list[Problem] = []  # files not read (or read with doubts), and why
        self.waiting: dict[str, list[ViewportModel]] = {}
        self.viewports: list[ViewportModel] = []
        self.layout = layout
        self.active: ViewportModel | None = None
        self.links = sync.Links()
        self.link_table = LinkTable()  # links between Frames of Reference of different exams
        self.hanger: Hanger | None = None
        self.closed = False
        self._focus: _Focus | None = None
        self._syncing = False
        self._unsubscribe: list[Unsubscribe] = []
        self._lines: tuple[list[sync.Segment], ...] = ()
        self.set_layout(layout)

    # ------------------------------------------------------------------ viewports and layout

    def visible(self) -> list[ViewportModel]:
        rows, cols = LAYOUTS[self.layout]
        return self.viewports[: rows * cols]

    def set_layout(self, name: str) -> None:
        if name not in LAYOUTS:
            raise ValueError(f"unknown layout {name!r}; use one of {', '.join(LAYOUTS)}")
        rows, cols = LAYOUTS[name]
        while len(self.viewports) < rows * cols:
            vp = ViewportModel()
            self.viewports.append(vp)
            self._unsubscribe.append(vp.subscribe(functools.partial(self._viewport_changed, vp)))
        self.layout = name
        self.events.emit(LayoutChanged(name))
        if self.active is None or self.active not in self.visible():
            self.set_active(self.viewports[0])
        else:
            self.update_reference_lines()

    def set_active(self, vp: ViewportModel) -> None:
        if vp not in self.viewports:
            raise ValueError("not a viewport of this workspace")
        changed = vp is not self.active
        self.active = vp
        if changed:
            self.events.emit(ActiveChanged(vp))
        self.update_reference_lines()

    def set_links(self, **changes: bool) -> None:
        """Turn links on or off: ``scroll``, ``zoom_pan``, ``window``, ``reference_lines``."""
        self.links = replace(self.links, **changes)
        self.events.emit(LinksChanged(self.links))
        self.update_reference_lines()

    # ------------------------------------------------------------------ linking

    def _viewport_changed(self, vp: ViewportModel, ev: ViewportEvent) -> None:
        if self._syncing or self.closed:
            return
        if vp is self.active and vp in self.visible():
            others = [o for o in self.visible() if o is not vp]
            self._syncing = True
            try:
                if ev is ViewportEvent.INDEX and self.links.scroll:
                    sync.follow_scroll(vp, others)
                    follow_scroll_across(vp, others, self.link_table)
                elif ev is ViewportEvent.CAMERA and self.links.zoom_pan:
                    sync.follow_camera(vp, others)
                elif ev is ViewportEvent.WINDOW and self.links.window:
                    sync.follow_window(vp, others)
            finally:
                self._syncing = False
        if ev in (ViewportEvent.INDEX, ViewportEvent.IMAGE):
            self.update_reference_lines()

    def reference_lines(self) -> tuple[list[sync.Segment], ...]:
        """Where the active viewport's slice crosses each visible viewport (in order)."""
        targets = self.visible()
        if not self.links.reference_lines:
            return tuple([] for _ in targets)
        same = sync.reference_lines(self.active, targets)
        across = reference_lines_across(self.active, targets, self.link_table)
        return tuple(a + b for a, b in zip(same, across, strict=True))

    def update_reference_lines(self) -> None:
        lines = self.reference_lines()
        if lines != self._lines:
            self._lines = lines
            self.events.emit(ReferenceLines(lines))

    # ------------------------------------------------------------------ opening

    def open_study(
        self,
        paths: str | os.PathLike[str] | list[str] | list[Path],
        focus: str | None = None,
        origin: Origin = Origin.LOCAL,
        record: Any = None,
        prior: bool = False,
    ) -> OpenRequest:
        """Scan ``paths`` (a folder, file, DICOMDIR or zip, or several) and hang what they hold.

        ``focus``: a series UID for the active viewport (default: the one a preview of the same
        ``record`` already shows); the others go, largest first, into empty viewports. Only
        local paths are offered for *Open Recent*. ``prior``: an earlier exam of the patient.
        """
        items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
        req = OpenRequest(tuple(str(p) for p in items), origin, focus or "", record, prior=prior)
        self.requests.append(req)
        if origin is Origin.LOCAL and not prior:
            self.events.emit(Remember(req.paths))
        self.events.emit(Opening(req))
        self._loader().scan(req)
        return req

    def preview(self, path: str | os.PathLike[str], record: Any, origin: Origin) -> OpenRequest:
        """The first image of a remote study still arriving: shown at once in the active
        viewport, which keeps that series when the whole study is opened."""
        req = OpenRequest((str(path),), origin, "", record, preview=True)
        self._loader().scan(req)
        return req

    def open_series(self, key: str, vp: ViewportModel) -> None:
        """Show a scanned series in a viewport (loading it first if no viewport has it yet)."""
        if key not in self.series or self.closed:
            return
        vp.series_key = key
        if key in self.images:
            self._show(vp, key, self.images[key])
            return
        first = key not in self.waiting
        queue = self.waiting.setdefault(key, [])
        if vp not in queue:
            queue.append(vp)
        if first:
            self._loader().load(self.series[key])

    def open_in_active(self, key: str) -> None:
        if self.active is not None:
            self.open_series(key, self.active)

    @property
    def focus_pending(self) -> bool:
        """A preview of a remote study holds the active viewport for its series."""
        return self._focus is not None

    def previewing(self, record: Any) -> ViewportModel | None:
        """The viewport a preview of the remote study ``record`` holds, if any."""
        f = self._focus
        return f.viewport if f is not None and record is not None and f.record == record else None

    def pending(self) -> bool:
        """Some series is still being loaded for a viewport."""
        return any(self.waiting.values())

    def _loader(self) -> Loader:
        if self.loader is None:
            raise RuntimeError("the workspace has no loader")
        return self.loader

    # ------------------------------------------------------------------ results from the loader

    def scanned(self, request: OpenRequest, result: ScanResult, thumbs: dict[str, Any]) -> None:
        if self.closed:
            return
        found = [s for s in result.all_series() if s.frames]
        self.problems.extend(result.problems)
        for s in found:
            self.series[s.key] = s
            self.origins[s.key] = request.origin
        self.events.emit(Scanned(request, result, thumbs))
        if self.hanger is None or not self.hanger.hang(request, result):
            self._hang(request, found)

    def _hang(self, request: OpenRequest, found: list[SeriesInfo]) -> None:
        """The focus series stays in (or goes to) the active viewport; the others, largest
        first, fill the empty visible viewports."""
        empty = [vp for vp in self.visible() if vp.image is None]
        ranked = sorted(found, key=lambda s: -len(s.frames))
        uid = request.focus
        f = self._focus
        if not uid and f is not None and request.record is not None and f.record == request.record:
            uid = f.series_uid
        focus = next((s for s in ranked if s.series_uid == uid), None) if uid else None
        if focus is not None:
            self._focus = None
            target = f.viewport if f is not None and f.series_uid == uid else None
            target = target if target in self.visible() else self.active
            if target is not None:
                self.open_series(focus.key, target)
                ranked.remove(focus)
                empty = [vp for vp in empty if vp is not target]
                if request.record is not None:
                    self.events.emit(Viewed(request, focus.series_uid))
        for vp, s in zip(empty, ranked, strict=False):
            self.open_series(s.key, vp)

    def previewed(self, request: OpenRequest, series: SeriesInfo, image: Image) -> None:
        """The previewed file, scanned and decoded by the loader: shown in the active viewport
        but not kept as the series' image (the whole series replaces it)."""
        vp = self.active
        if self.closed or vp is None:
            return
        self._focus = _Focus(request.record, series.series_uid, vp)
        self.series.setdefault(series.key, series)
        self.origins.setdefault(series.key, request.origin)
        vp.series_key = series.key
        vp.set_image(image, series_overlay(series))
        self.events.emit(Viewed(request, series.series_uid))
        self.events.emit(ImageShown(series.key))

    def first_image(self, key: str, arr: np.ndarray, k: int) -> None:
        """The middle slice, decoded first: shown while the rest of the series loads."""
        s = self.series.get(key)
        if self.closed or s is None:
            return
        preview = ImageStack(
            frames=arr[None],
            pixel_spacing=s.frames[0].geometry.pixel_spacing,
            modality=s.modality,
            series_uid=s.series_uid,
            window=None,
            is_color=arr.ndim == 3,
        )
        for vp in self.waiting.get(key, []):
            if vp.series_key == key:
                vp.set_image(preview, self.info(key))
        self.events.emit(ImageShown(key))

    def loaded(self, key: str, image: Image) -> None:
        if self.closed:
            return
        self.images[key] = image
        self.problems.extend(image.problems)
        for vp in self.waiting.pop(key, []):
            if vp.series_key == key:
                self._show(vp, key, image)
        notes = tuple(list(image.warnings) + [str(p) for p in image.problems[:3]])
        self.events.emit(SeriesLoaded(key, notes))

    def failed(self, key: str, message: str) -> None:
        if self.closed:
            return
        self.waiting.pop(key, None)
        self.events.emit(LoadFailed(key, message))

    def _show(self, vp: ViewportModel, key: str, image: Image) -> None:
        count = image.shape[0] if isinstance(image, Volume) else len(image.frames)
        vp.set_image(image, self.info(key), index=count // 2)

    # ------------------------------------------------------------------ questions

    def info(self, key: str) -> dict[str, str]:
        """The overlay text of a series."""
        return series_overlay(self.series[key])

    def series_uid(self, vp: ViewportModel) -> str:
        s = self.series.get(vp.series_key)
        return s.series_uid if s is not None else ""

    def key_for_uid(self, series_uid: str) -> str | None:
        return next((k for k, s in self.series.items() if s.series_uid == series_uid), None)

    def viewport_showing(self, series_uid: str) -> ViewportModel | None:
        """The first visible viewport showing (or loading) a series."""
        return next(
            (vp for vp in self.visible() if vp.series_key and self.series_uid(vp) == series_uid),
            None,
        )

    def origin_of(self, key: str) -> Origin | None:
        return self.origins.get(key)

    def close(self) -> None:
        """Stop taking results (the loader may still finish work in flight)."""
        self.closed = True
        for off in self._unsubscribe:
            off()
        self._unsubscribe.clear()


class InlineLoader:
    """A :class:`Loader` that scans and loads at once on the calling thread (tests, scripts)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        workspace.loader = self

    def scan(self, request: OpenRequest) -> None:
        from viewer.dicom.scan import scan
        from viewer.dicom.volume import load_series

        result = scan(list(request.paths))
        if request.preview:
            found = [s for s in result.all_series() if s.frames]
            if found:
                self.workspace.previewed(request, found[0], load_series(found[0]))
            return
        self.workspace.scanned(request, result, {})

    def load(self, series: SeriesInfo) -> None:
        from viewer.dicom.volume import LoadError, load_series

        key = series.key
        try:
            image = load_series(
                series, on_first=lambda arr, k: self.workspace.first_image(key, arr, k)
            )
        except LoadError as exc:
            self.workspace.failed(key, str(exc))
            return
        self.workspace.loaded(key, image)
