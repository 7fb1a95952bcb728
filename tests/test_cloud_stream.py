"""The app's decode-while-receiving loader (app.cloud_stream) against a real Workspace: the
series a fetch sends first is shown reduced, served to the Workspace without decoding the files
again, refined in place (view kept); a failed or cached fetch falls back to the files."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import numpy as np
import pytest

from app.cloud_stream import StreamingLoader
from app.runner import Runner
from phantoms import series as S
from viewer.dicom.measure import Measurement
from viewer.dicom.scan import scan
from viewer.dicom.volume import ImageStack, Volume, load_series
from viewer.state.origin import Origin
from viewer.state.workspace import ImageShown, InlineLoader, Workspace


def _ct(folder: Path, syntax: str, n: int = 12) -> list[Path]:
    study = S.StudySpec(S.PatientSpec(), key=f"stream-{syntax}")
    spec = S.ct_chest(study, n_slices=n, spacing=3.0, matrix=128, pixel=2.5, transfer_syntax=syntax)
    return [Path(p) for p in S.write_series(spec, str(folder), workers=1)]


class _Spy(InlineLoader):
    """The Workspace's own loader, counting the series it decodes from files."""

    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws)
        self.loads: list[str] = []

    def load(self, series):  # type: ignore[no-untyped-def]
        self.loads.append(series.series_uid)
        super().load(series)


def _setup(qtbot) -> tuple[Workspace, _Spy, StreamingLoader, list[object]]:  # type: ignore[no-untyped-def]
    ws = Workspace(layout="1x1")
    inner = _Spy(ws)
    refined: list[object] = []
    runner = Runner()
    sl = StreamingLoader(ws, runner, refined=refined.append)
    assert ws.loader is sl
    return ws, inner, sl, refined


def _feed(sl: StreamingLoader, record: object, files: list[Path], ok: bool | None = True) -> str:
    """Every file offered, in a shuffled order; then the fetch ends (``ok``; None: not yet)."""
    (series,) = scan(files).all_series()
    uid = series.series_uid
    stream = sl.start(record)
    stream.attach(uid, {uid: len(files)})
    order = list(files)
    random.Random(7).shuffle(order)
    for f in order:
        stream.offer(uid, f)
    if ok is not None:
        stream.end(ok)
    return uid


def test_reduced_first_then_refined_in_place_without_decoding_the_files(
    qtbot, tmp_path: Path, hold_full_volume: threading.Event
) -> None:
    files = _ct(tmp_path / "j2k", "j2k")
    ws, inner, sl, refined = _setup(qtbot)
    record = object()
    uid = _feed(sl, record, files)
    vp = ws.active
    assert vp is not None

    def reduced() -> bool:
        return isinstance(vp.image, Volume) and vp.image.reduced_level == 2

    qtbot.waitUntil(reduced, timeout=30000)  # the study's preview, before it is opened
    assert vp.image.shape == (12, 32, 32) and ws.focus_pending
    ws.open_study(tmp_path / "j2k", origin=Origin.CLOUD, record=record)
    key = ws.key_for_uid(uid)
    assert key is not None and vp.series_key == key
    assert ws.waiting.get(key) == [vp] and key not in ws.images  # served by the stream
    assert reduced() and inner.loads == []
    vp.set_index(3)
    vp.set_window(55.0, 333.0)
    vp.set_zoom(2.0)
    vp.add_measurement(Measurement("length", [(4.0, 4.0), (20.0, 6.0)]))  # 160 mm across
    hold_full_volume.set()
    qtbot.waitUntil(lambda: key in ws.images, timeout=30000)
    full = ws.images[key]
    assert isinstance(full, Volume) and full.reduced_level == 0 and vp.image is full
    assert (vp.index, vp.window, vp.zoom) == (3, (55.0, 333.0), 2.0)  # the view kept
    (m,) = vp.measurements  # on the same anatomy: its points on the full pixels
    assert m.kind == "length" and m.index == 3 and m.points == [(16.0, 16.0), (80.0, 24.0)]
    assert refined == [full] and inner.loads == [] and not sl.streams
    ref = load_series(scan(files).all_series()[0])
    assert isinstance(ref, Volume)
    assert full.array.dtype == ref.array.dtype and np.array_equal(full.array, ref.array)


def test_a_volume_ready_before_the_preview_is_shown_and_the_late_preview_dropped(
    qtbot, tmp_path: Path
) -> None:
    files = _ct(tmp_path / "ex", "explicit")
    ws, inner, sl, refined = _setup(qtbot)
    shown: list[str] = []
    ws.events.subscribe(lambda ev: shown.append(ev.key) if isinstance(ev, ImageShown) else None)
    record = object()
    uid = _feed(sl, record, files)
    vp = ws.active
    assert vp is not None
    qtbot.waitUntil(lambda: isinstance(vp.image, Volume), timeout=30000)
    full = vp.image
    assert shown and full.reduced_level == 0  # not JPEG 2000: no reduced level
    ws.preview(files[len(files) // 2], record, Origin.CLOUD)  # the first image, late
    assert sl.runner.wait(20000)
    qtbot.wait(50)
    assert vp.image is full  # not replaced by the single previewed image
    ws.open_study(tmp_path / "ex", origin=Origin.CLOUD, record=record)
    key = ws.key_for_uid(uid)
    assert key is not None and ws.images.get(key) is full and vp.image is full
    assert inner.loads == [] and refined == [] and not sl.streams
    sl.start(record).end(True)  # (another fetch of it begins)
    ws.preview(files[0], record, Origin.CLOUD)  # a preview later still: the study is open
    assert sl.runner.wait(20000)
    qtbot.wait(50)
    assert vp.image is full and not ws.focus_pending


@pytest.mark.parametrize("attached", [True, False])
def test_a_failed_or_cached_fetch_loads_from_the_files(
    qtbot, tmp_path: Path, attached: bool
) -> None:
    files = _ct(tmp_path / "c", "j2k", n=6)
    ws, inner, sl, _refined = _setup(qtbot)
    record = object()
    stream = sl.start(record)
    if attached:  # the transfer was cut after half the images
        (series,) = scan(files).all_series()
        stream.attach(series.series_uid, {series.series_uid: len(files)})
        for f in files[:3]:
            stream.offer(series.series_uid, f)
        stream.end(False)
    else:  # the study came whole from this workstation's cache: nothing was offered
        stream.end(True)
    qtbot.waitUntil(lambda: not sl.streams, timeout=20000)  # given up, its workers stopped
    ws.open_study(tmp_path / "c", origin=Origin.CACHE, record=record)
    key = next(iter(ws.series))
    assert inner.loads == [ws.series[key].series_uid]
    assert isinstance(ws.images[key], Volume | ImageStack)


def test_a_reduced_volume_whose_fetch_failed_no_longer_says_refining(
    qtbot, tmp_path: Path, hold_full_volume: threading.Event
) -> None:
    from viewer.render.overlay import resolution_note
    from viewer.state.viewport import ViewportEvent

    files = _ct(tmp_path / "f", "htj2k", n=8)
    ws, inner, sl, refined = _setup(qtbot)
    _feed(sl, object(), files, ok=None)
    vp = ws.active
    assert vp is not None
    qtbot.waitUntil(lambda: isinstance(vp.image, Volume) and vp.image.reduced_level == 2)
    reduced = vp.image
    assert resolution_note(reduced).endswith("refining…")
    events: list[ViewportEvent] = []
    vp.subscribe(events.append)
    sl.streams[0].end(False)  # e.g. the study failed its completeness check at the end
    qtbot.waitUntil(lambda: not sl.streams, timeout=20000)
    assert vp.image is reduced and ViewportEvent.IMAGE in events  # the views told again
    assert resolution_note(reduced) == "Reduced resolution (1/4)"
    assert refined == [] and inner.loads == []


def test_a_study_opened_before_its_reduced_volume_gets_it_while_it_waits(
    qtbot, tmp_path: Path, hold_full_volume: threading.Event
) -> None:
    files = _ct(tmp_path / "o", "j2k", n=8)
    ws, inner, sl, refined = _setup(qtbot)
    record = object()
    (series,) = scan(files).all_series()
    stream = sl.start(record)
    stream.attach(series.series_uid, {series.series_uid: len(files)})
    ws.open_study(tmp_path / "o", origin=Origin.CLOUD, record=record)  # (a fast scan)
    vp = ws.active
    assert vp is not None and vp.series_key == series.key and vp.image is None
    for f in files:
        stream.offer(series.series_uid, f)
    stream.end(True)
    qtbot.waitUntil(lambda: isinstance(vp.image, Volume) and vp.image.reduced_level == 2)
    assert series.key not in ws.images and inner.loads == []
    hold_full_volume.set()
    qtbot.waitUntil(lambda: series.key in ws.images, timeout=30000)
    assert vp.image is ws.images[series.key] and vp.image.reduced_level == 0
    assert refined == [vp.image] and inner.loads == []


def test_a_fetch_ending_in_the_background_leaves_another_study_on_screen(
    qtbot, tmp_path: Path
) -> None:
    """The reader moved on to another study while a fetch ran: its volume is kept for when the
    study is opened, never put in place of what the reader is looking at (and measuring)."""
    ws, inner, sl, _refined = _setup(qtbot)
    study = S.StudySpec(S.PatientSpec(), key="local-other")
    spec = S.ct_chest(study, n_slices=6, spacing=3.0, matrix=64, pixel=2.5)
    S.write_series(spec, str(tmp_path / "local"), workers=1)
    ws.open_study(tmp_path / "local")
    vp = ws.active
    assert vp is not None and isinstance(vp.image, Volume)
    mine = vp.image
    vp.add_measurement(Measurement("length", [(1.0, 1.0), (20.0, 1.0)]))
    files = _ct(tmp_path / "cloud", "explicit")
    record = object()
    uid = _feed(sl, record, files)
    qtbot.waitUntil(lambda: bool(sl.streams) and sl.streams[0].full is not None, timeout=30000)
    qtbot.wait(50)
    assert vp.image is mine and len(vp.measurements) == 1
    ws.open_study(tmp_path / "cloud", origin=Origin.CLOUD, record=record)  # opened later
    assert vp.image is mine  # (the layout has no empty viewport for it)
    key = ws.key_for_uid(uid)
    assert key is not None
    ws.open_series(key, vp)  # the reader picks it: served by the stream, not decoded again
    qtbot.waitUntil(lambda: isinstance(ws.images.get(key), Volume), timeout=30000)
    assert vp.image is ws.images[key] and uid not in inner.loads
