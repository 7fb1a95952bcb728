"""Decode while receiving, in the application: the series a cloud study sends first is put
together as its images land, shown at reduced resolution as soon as that can be, then refined.

:class:`StreamingLoader` stands in front of the Workspace's loader (:class:`app.loader.Loader`).
For each study the Cloud panel fetches it makes a :class:`Stream`: an
:class:`~viewer.dicom.incremental.IncrementalVolume` fed by the retrieval's per-instance
callback (every core decodes while the rest arrive; JPEG 2000 / HTJ2K at a reduced level
first). The reduced volume goes to the viewport showing the study's first image (or, if that is
not on screen yet, to the active viewport as the study's preview), so that MPR and 3D are usable
at once; every view says it is reduced (:func:`viewer.render.overlay.resolution_note`). The full
volume is waited for on the Runner's network lane and replaces it: slice, window, invert, zoom,
pan, rotation, flips and measurements (same patient mm) kept, the picture where it was, and an
MPR / 3D layout on it swapped in place (``refined``). If the stream fails, the series is loaded
from the stored files in the same way (no one-slice preview in between). The SUV kind shown is
kept too, and what the app keeps beyond the viewport's model goes through the ``keepers``
(:data:`Keeper`): the 2D undo steps (:meth:`app.undo_link.UndoLink.carry`, their points
converted to the new pixels), the 2D view's colour map, interpolation and colour bar, and a
measurement half drawn (:func:`keep_view`).
When the Workspace asks to load that series, it is served from the stream instead of
decoding the stored files a second time; everything else (other series, a study from the cache,
a series the assembly could not make on its own) goes to the wrapped loader. The stored files
are only read: the cache stays byte for byte what the archive sent.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from app.runner import Runner
from viewer.dicom.incremental import IncrementalVolume
from viewer.dicom.measure import Measurement
from viewer.dicom.model import SeriesInfo
from viewer.dicom.scan import scan
from viewer.dicom.volume import ImageStack, LoadError, Volume, load_series
from viewer.state.origin import Origin
from viewer.state.viewport import ViewportModel
from viewer.state.workspace import ImageShown, Loader, OpenRequest, Workspace

Image = Volume | ImageStack
#: measurements (a snapshot) → the same in another resolution's pixels (the same patient mm)
Rescale = Callable[[list[Measurement]], list[Measurement]]
#: called with a viewport about to show the same series at another resolution, before the swap;
#: it returns what puts back after the swap what it keeps beyond the model, called with the
#: measurements' :data:`Rescale` (None: the viewport did not take the new image)
Keeper = Callable[[ViewportModel], Callable[[Rescale | None], None]]
#: how often the waiter for a full volume looks whether its study was given up (seconds)
POLL_S = 0.25


class _GivenUp(Exception):
    """The fetch failed, the study came whole from the cache, or the window closed."""


class Stream:
    """One fetched study's assembly (its first series) and what it has delivered so far.
    :meth:`attach` and :meth:`offer` are the retrieval's callbacks (any thread); the rest is
    used on the GUI thread."""

    def __init__(self, record: Any, asm: IncrementalVolume) -> None:
        self.record = record
        self.asm = asm
        self.series_uid: str | None = None  # the series assembled (listed by the archive)
        self.reduced: Volume | None = None
        self.full: Image | None = None
        self.requested: SeriesInfo | None = None  # the Workspace asked to load it
        self.over = threading.Event()  # given up: the waiter stops

    def attach(self, series_uid: str, counts: Mapping[str, int]) -> None:
        self.series_uid = series_uid
        self.asm.attach(series_uid, counts)

    def offer(self, series_uid: str, path: Any) -> None:
        self.asm.offer(series_uid, path)

    def end(self, ok: bool) -> None:
        """The fetch is over: all is stored (``ok``), or it failed. A study served whole from
        the cache was never attached: its series load from the files as usual."""
        if ok and self.series_uid is not None:
            self.asm.finish()
        else:
            self.over.set()

    def series(self) -> SeriesInfo | None:
        """The series the assembly made on its own (None: it loads the files instead)."""
        return self.asm.series


class StreamingLoader:
    """Owns the streams of the studies being fetched; serves their first series to the
    Workspace (reduced, then full) and passes every other scan or load to ``inner``."""

    def __init__(
        self,
        workspace: Workspace,
        runner: Runner,
        refined: Callable[[Image], Any] | None = None,
    ) -> None:
        assert workspace.loader is not None, "the Workspace's own loader comes first"
        self.inner: Loader = workspace.loader
        self.workspace = workspace
        self.runner = runner
        self.refined = refined  # called with each full volume that replaced a reduced one
        #: what the app keeps of a viewport beyond its model across a swap (undo, display)
        self.keepers: list[Keeper] = []
        self.streams: list[Stream] = []
        workspace.loader = self

    # ------------------------------------------------------------------ streams

    def start(self, record: Any) -> Stream:
        """A study is about to be fetched: its stream, whose callbacks go to the retrieval."""
        post = self.runner.post
        box: list[Stream] = []
        asm = IncrementalVolume(
            on_reduced=lambda v: post(functools.partial(self._reduced, box[0], v))
        )
        stream = Stream(record, asm)
        box.append(stream)
        self.streams.append(stream)

        def wait() -> Image:
            try:
                while not stream.over.is_set():
                    try:
                        return stream.asm.volume(timeout=POLL_S)
                    except TimeoutError:
                        continue
                raise _GivenUp()
            finally:
                stream.asm.close()

        self.runner.submit(
            wait,
            functools.partial(self._full, stream),
            functools.partial(self._failed, stream),
            "net",
        )
        return stream

    def close(self) -> None:
        for s in self.streams:
            s.over.set()
        self.streams.clear()

    def _stream(self, series_uid: str) -> Stream | None:
        return next((s for s in self.streams if s.series_uid == series_uid), None)

    # ------------------------------------------------------------------ the Loader protocol

    def scan(self, request: OpenRequest) -> None:
        if not request.preview or not any(s.record is request.record for s in self.streams):
            self.inner.scan(request)
            return
        ws = self.workspace

        def shown(r: tuple[SeriesInfo, Image] | None) -> None:
            # late: the series is on screen already (its reduced or full volume)
            uid = r[0].series_uid if r is not None else ""
            if r is not None and not self._delivered(uid) and not self._showing(uid):
                ws.previewed(request, *r)

        self.runner.submit(lambda: _first_series(request), shown, self._error)

    def load(self, series: SeriesInfo) -> None:
        stream = self._stream(series.series_uid)
        if stream is None:
            if self._reduced_in(series):  # a preview whose fetch failed: from the files
                self._from_files(series)
            else:
                self.inner.load(series)
            return
        stream.requested = series
        if stream.full is not None:
            self._deliver(stream)
        elif stream.reduced is not None and self._own(stream, series):
            for vp in self.workspace.waiting.get(series.key, []):
                if vp.series_key == series.key and vp.image is not stream.reduced:
                    self._swap(vp, stream.reduced, series.key)

    # ------------------------------------------------------------------ results (GUI thread)

    def _reduced(self, stream: Stream, vol: Volume) -> None:
        ws = self.workspace
        series = stream.series()
        if ws.closed or stream.full is not None or stream not in self.streams or series is None:
            return
        stream.reduced = vol
        asked = stream.requested
        if asked is None:
            self._show_early(stream, series, vol)
        elif self._own(stream, asked):  # opened already: in the viewports waiting for it
            for vp in self.workspace.waiting.get(asked.key, []):
                if vp.series_key == asked.key:
                    self._swap(vp, vol, asked.key)

    def _full(self, stream: Stream, image: Image) -> None:
        stream.full = image
        if self.workspace.closed or stream not in self.streams:
            return
        series = stream.series()
        if stream.requested is not None:
            self._deliver(stream)
        elif series is not None:  # not opened yet: shown now, loaded when asked for
            self._show_early(stream, series, image)

    def _show_early(self, stream: Stream, series: SeriesInfo, image: Image) -> None:
        """Before the study is opened: in the viewports showing the series (its first image),
        else as the study's preview in the active viewport — only when that viewport is empty
        or shows this study: never in place of what the reader has moved on to."""
        shown = self._showing(series.series_uid)
        for vp in shown:
            self._swap(vp, image, series.key)
        active = self.workspace.active
        if not shown and active is not None and self._may_preview_in(active, stream):
            req = OpenRequest((), Origin.CLOUD, "", stream.record, preview=True)
            self.workspace.previewed(req, series, image)

    def _failed(self, stream: Stream, exc: BaseException) -> None:
        if stream in self.streams:
            self.streams.remove(stream)
        reduced = stream.reduced
        if reduced is not None and not self.workspace.closed:  # shown, never to be refined
            reduced.refining = False  # (overlay.resolution_note)
            for vp in self.workspace.visible():
                if vp.image is reduced and vp.series_key in self.workspace.series:
                    self._swap(vp, reduced, vp.series_key)
        if not isinstance(exc, _GivenUp):
            traceback.print_exception(exc)
        if stream.requested is not None and not self.workspace.closed:
            self._from_files(stream.requested)

    def _from_files(self, series: SeriesInfo) -> None:
        """The series from the stored files in place of the reduced volume its viewports show
        (its fetch or assembly failed): no first-image preview in between, and what the reader
        set and drew is kept as when it is refined; errors reported as the loader reports them."""
        ws, key = self.workspace, series.key

        def failed(exc: BaseException) -> None:
            if isinstance(exc, LoadError):
                detail = "; ".join(str(p) for p in exc.problems[:3])
                ws.failed(key, f"{exc} {detail}".strip())
            else:
                traceback.print_exception(exc)
                ws.failed(key, f"{type(exc).__name__}: {exc}")

        def loaded(image: Image) -> None:
            self._hand_over(key, image)
            if self.refined is not None:  # an MPR / 3D layout on the reduced volume too
                self.refined(image)

        self.runner.submit(lambda: load_series(series), loaded, failed)

    def _deliver(self, stream: Stream) -> None:
        """The full volume to the Workspace as the requested series' image."""
        series, image = stream.requested, stream.full
        assert series is not None and image is not None
        self.streams.remove(stream)
        if not self._own(stream, series):
            self.inner.load(series)  # assembled by load_series, maybe as another part
            return
        self._hand_over(series.key, image)
        if stream.reduced is not None and self.refined is not None:
            self.refined(image)

    def _hand_over(self, key: str, image: Image) -> None:
        """``image`` to the Workspace as the series' image, in place of the reduced volume the
        viewports waiting for it show: slice, window, zoom, pan, rotation, flips and
        measurements (same patient mm) kept."""
        ws = self.workspace
        if ws.closed:
            return
        views = [vp for vp in ws.waiting.get(key, []) if vp.series_key == key]

        def swap() -> None:
            ws.loaded(key, image)
            ws.events.emit(ImageShown(key))

        self._carried(views, image, swap)

    # ------------------------------------------------------------------ helpers

    def _own(self, stream: Stream, series: SeriesInfo) -> bool:
        made = stream.series()
        return made is not None and made.key == series.key

    def _delivered(self, series_uid: str) -> bool:
        s = self._stream(series_uid)
        return s is not None and (s.reduced is not None or s.full is not None)

    def _may_preview_in(self, vp: ViewportModel, stream: Stream) -> bool:
        return vp.image is None or self.workspace.previewing(stream.record) is vp

    def _reduced_in(self, series: SeriesInfo) -> list[ViewportModel]:
        """The visible viewports showing a reduced volume of ``series``."""
        return [
            vp
            for vp in self.workspace.visible()
            if vp.series_key == series.key
            and isinstance(vp.image, Volume)
            and vp.image.reduced_level
            and vp.image.series_uid == series.series_uid
        ]

    def _showing(self, series_uid: str) -> list[ViewportModel]:
        ws = self.workspace
        return [vp for vp in ws.visible() if vp.series_key and ws.series_uid(vp) == series_uid]

    def _swap(self, vp: ViewportModel, image: Image, key: str) -> None:
        """Show ``image`` in ``vp`` in place of the same series at another resolution."""
        index = vp.index if _same_grid(vp.image, image) else None
        info = self.workspace.info(key)
        self._carried([vp], image, lambda: vp.set_image(image, info, index=index))

    def _carried(self, views: list[ViewportModel], image: Image, swap: Callable[[], Any]) -> None:
        """``swap()`` shows ``image`` in ``views``: in those that showed the same series at
        another resolution, what the reader set and drew is put back (:class:`_View`, the SUV
        kind) and the keepers put back theirs."""
        kept = {
            id(vp): (_view_state(vp), [keep(vp) for keep in self.keepers])
            for vp in views
            if _same_grid(vp.image, image)
        }
        for vp in views:
            if id(vp) in kept:
                _carry_suv(vp.image, image)
        try:
            swap()
        finally:
            with _unlinked(self.workspace):
                for vp in views:
                    if id(vp) not in kept:
                        continue
                    state, backs = kept[id(vp)]
                    rescale = None
                    if vp.image is image and isinstance(image, Volume):
                        rescale = _rescaler(state.spacing, image.spacing)
                        _restore(vp, state, rescale)
                    for back in backs:
                        back(rescale)

    def _error(self, exc: BaseException) -> None:
        traceback.print_exception(exc)


def keep_view(window: Any) -> Keeper:
    """A keeper of what a 2D viewport widget holds beyond its model (``window.grid_host`` finds
    the widget of a model): the display choices its renderer picks again for each new image
    (colour map, interpolation, colour bar) and a measurement half drawn (on its converted
    copy). A fused overlay stays as it is (the renderer places it on the new image)."""

    def keep(vp: ViewportModel) -> Callable[[Rescale | None], None]:
        w = window.grid_host.widget_of(vp)
        if w is None:
            return lambda _rescale: None
        r = w.renderer
        cmap, interpolation, colorbar = r.colormap, r.interpolation, r.show_colorbar

        def back(rescale: Rescale | None) -> None:
            if rescale is None or w.model is not vp:
                return
            w.rescaled(rescale)
            if r.colormap != cmap:
                r.set_colormap(cmap)
            if r.interpolation != interpolation:
                r.set_interpolation(interpolation)
            if r.show_colorbar != colorbar:
                r.set_colorbar(colorbar)

        return back

    return keep


@contextlib.contextmanager
def _unlinked(ws: Workspace) -> Iterator[None]:
    """The linked viewports do not follow what is done inside (a view put back as it was:
    the others are where they were)."""
    links = ws.links
    ws.links = dataclasses.replace(links, scroll=False, zoom_pan=False, window=False)
    try:
        yield
    finally:
        ws.links = links


def _first_series(request: OpenRequest) -> tuple[SeriesInfo, Image] | None:
    """The first series of a previewed file, scanned and decoded (off the GUI thread)."""
    found = [s for s in scan(list(request.paths)).all_series() if s.frames]
    return (found[0], load_series(found[0])) if found else None


def _same_grid(a: Image | None, b: Image) -> bool:
    """Two volumes of one series at different in-plane resolutions (same slices)."""
    return isinstance(a, Volume) and isinstance(b, Volume) and a.shape[0] == b.shape[0]


@dataclass
class _View:
    """What the reader set in a viewport, carried from one resolution of a volume to another:
    slice, window, invert, zoom, pan, rotation, flips and measurements (their image points
    scaled to the new pixels, so that they lie at the same patient mm)."""

    index: int
    window: tuple[float, float]
    invert: bool
    zoom: float
    pan: tuple[float, float]
    turn: tuple[int, bool, bool]  # rotation, horizontal and vertical flip
    measurements: list[Measurement]
    spacing: tuple[float, float]  # the in-plane pixel spacing the points are in
    middle: tuple[float, float]  # the image's middle (mm from the first pixel), the view's centre


def _middle(img: Volume) -> tuple[float, float]:
    """Where a 2D view centres a slice at pan (0, 0): mm from the first pixel along its row and
    column (a reduced volume's last pixel falls short of the full volume's by a few mm)."""
    _, rows, cols = img.shape
    return (cols - 1) * float(img.spacing[0]) / 2, (rows - 1) * float(img.spacing[1]) / 2


def _view_state(vp: ViewportModel) -> _View:
    img = vp.image
    assert isinstance(img, Volume)
    sp = (float(img.spacing[0]), float(img.spacing[1]))
    turn = (vp.rotation, vp.flip_h, vp.flip_v)
    return _View(
        vp.index, vp.window, vp.invert, vp.zoom, vp.pan, turn, vp.snapshot_measurements(), sp,
        _middle(img),
    )  # fmt: skip


def _rescaler(old: tuple[float, ...], new: tuple[float, ...]) -> Rescale:
    """Measurements on pixels of in-plane spacing ``old`` (column, row mm) → the same on
    pixels of spacing ``new`` (copies; the same patient mm: both grids start at one point)."""
    fx, fy = float(old[0]) / float(new[0]), float(old[1]) / float(new[1])

    def rescale(ms: list[Measurement]) -> list[Measurement]:
        out = copy.deepcopy(ms)
        for m in out:
            m.points = [(x * fx, y * fy) for x, y in m.points]
        return out

    return rescale


def _carry_suv(old: Image | None, new: Image) -> None:
    """The SUV kind the reader picked (SUVlbm…) shown on the new image too, where it has it."""
    was, suv = getattr(old, "suv", None), getattr(new, "suv", None)
    if was is not None and suv is not None and was.kind in suv.factors:
        suv.set_kind(was.kind)


def _restore(vp: ViewportModel, state: _View, rescale: Rescale) -> None:
    img = vp.image
    assert isinstance(img, Volume)
    vp.set_index(state.index)
    vp.set_window(*state.window)
    vp.set_invert(state.invert)
    rotation, flip_h, flip_v = state.turn
    if rotation:
        vp.rotate(rotation)
    if flip_h:
        vp.flip(True)
    if flip_v:
        vp.flip(False)
    vp.set_zoom(state.zoom)
    # the same patient point in the view's centre: the pan makes up for the middle's move
    (rx, ry), (dx, dy) = vp.screen_axes()
    (x0, y0), (x1, y1) = state.middle, _middle(img)
    mx, my = x0 - x1, y0 - y1
    vp.set_pan(state.pan[0] + mx * rx + my * ry, state.pan[1] + mx * dx + my * dy)
    if state.measurements:
        vp.restore_measurements(rescale(state.measurements))
