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
from the stored files in the same way (no one-slice preview in between). What is kept, and how
(the SUV kind, and through the ``keepers`` the undo steps and the 2D view's display choices),
is :mod:`app.refine_view`'s.
When the Workspace asks to load that series, it is served from the stream instead of
decoding the stored files a second time; everything else (other series, a study from the cache,
a series the assembly could not make on its own) goes to the wrapped loader. The stored files
are only read: the cache stays byte for byte what the archive sent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from app.loader import load_failed
from app.refine_view import (
    Keeper,
    Rescale,
    carry_suv,
    rescaler,
    restore,
    same_grid,
    view_state,
)
from app.runner import Runner
from viewer.dicom.incremental import IncrementalVolume
from viewer.dicom.model import SeriesInfo
from viewer.dicom.scan import scan
from viewer.dicom.volume import ImageStack, Volume, load_series
from viewer.state.origin import Origin
from viewer.state.viewport import ViewportModel
from viewer.state.workspace import ImageShown, Loader, OpenRequest, Workspace

Image = Volume | ImageStack
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

        def loaded(image: Image) -> None:
            self._hand_over(key, image)
            if self.refined is not None:  # an MPR / 3D layout on the reduced volume too
                self.refined(image)

        self.runner.submit(lambda: load_series(series), loaded, lambda e: load_failed(ws, key, e))

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
        index = vp.index if same_grid(vp.image, image) else None
        info = self.workspace.info(key)
        self._carried([vp], image, lambda: vp.set_image(image, info, index=index))

    def _carried(self, views: list[ViewportModel], image: Image, swap: Callable[[], Any]) -> None:
        """``swap()`` shows ``image`` in ``views``: in those that showed the same series at
        another resolution, what the reader set and drew is put back (the view, the SUV kind:
        :mod:`app.refine_view`) and the keepers put back theirs.

        Every keeper is always let go, whatever raises (a keeper, a view that cannot be put
        back, the swap): one that is not told how to convert is told None (an undo history held
        for the view is then dropped, never left to reappear on another series)."""
        kept: dict[int, Any] = {}
        rescales: dict[int, Rescale] = {}

        def let_go(back: Callable[[Rescale | None], None], key: int) -> None:
            back(rescales.get(key))

        with contextlib.ExitStack() as ends:
            for vp in views:
                if not same_grid(vp.image, image):
                    continue
                kept[id(vp)] = view_state(vp)
                for keep in self.keepers:
                    back = keep(vp)
                    ends.callback(let_go, back, id(vp))
            for vp in views:
                if id(vp) in kept:
                    carry_suv(vp.image, image)
            swap()
            errors: list[Exception] = []
            with _unlinked(self.workspace):
                for vp in views:
                    state = kept.get(id(vp))
                    if state is None or vp.image is not image or not isinstance(image, Volume):
                        continue
                    try:  # one view not put back: the others still are
                        convert = rescaler(state.spacing, image.spacing)
                        restore(vp, state, convert)
                        rescales[id(vp)] = convert
                    except Exception as exc:
                        errors.append(exc)
                ends.close()  # the keepers put back theirs while the views are unlinked
            if errors:
                raise errors[0]

    def _error(self, exc: BaseException) -> None:
        traceback.print_exception(exc)


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
