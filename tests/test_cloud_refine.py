"""A reduced-resolution cloud preview whose fetch failed, opened later from the stored files:
the StreamingLoader loads the series in place of the preview, keeping what the reader did on it
(no Qt window; the app's Runner and a Workspace)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from tests.test_cloud_stream import _ct, _feed, _setup
from viewer.dicom.measure import Measurement, length_mm
from viewer.dicom.scan import scan
from viewer.dicom.volume import ImageStack, Volume, load_series
from viewer.state.origin import Origin
from viewer.state.viewport import ViewportEvent


def test_a_failed_fetchs_preview_opened_from_the_files_keeps_the_measurement(
    qtbot, tmp_path: Path, hold_full_volume: threading.Event
) -> None:
    files = _ct(tmp_path / "f", "j2k", n=8)
    ws, _inner, sl, refined = _setup(qtbot)
    record = object()
    uid = _feed(sl, record, files, ok=None)
    vp = ws.active
    assert vp is not None
    qtbot.waitUntil(lambda: isinstance(vp.image, Volume) and vp.image.reduced_level == 2)
    ref = load_series(scan(files).all_series()[0])
    assert isinstance(ref, Volume)
    ws.set_layout("1x2")  # another viewport, following this one's slice, zoom and pan
    other = ws.visible()[1]
    other.set_image(ref)
    ws.set_links(zoom_pan=True)
    assert ws.active is vp
    vp.set_index(5)
    vp.set_window(40.0, 380.0)
    vp.set_zoom(1.7)
    vp.rotate(270)
    vp.add_measurement(Measurement("length", [(5.0, 7.0), (21.0, 13.0)]))
    g = vp.geometry()
    drawn = [g.pixel_to_patient(*p) for p in vp.measurements[0].points]
    mm = length_mm(*vp.measurements[0].points, g.spacing)
    followed = (other.index, other.zoom, other.pan)
    assert followed[1] == 1.7
    sl.streams[0].end(False)  # the fetch failed: the preview stays, never to be refined
    qtbot.waitUntil(lambda: not sl.streams, timeout=20000)
    shown: list[object] = []
    vp.subscribe(lambda ev: shown.append(vp.image) if ev is ViewportEvent.IMAGE else None)

    ws.open_study(tmp_path / "f", origin=Origin.CACHE, record=record)  # what was stored
    key = ws.key_for_uid(uid)
    assert key is not None and vp.series_key == key
    qtbot.waitUntil(lambda: key in ws.images, timeout=30000)
    full = ws.images[key]
    assert isinstance(full, Volume) and full.reduced_level == 0 and vp.image is full
    assert not any(isinstance(i, ImageStack) for i in shown)  # no one-slice preview between
    assert (vp.index, vp.window, vp.zoom, vp.rotation) == (5, (40.0, 380.0), 1.7, 270)
    (m,) = vp.measurements
    assert m.points == [(20.0, 28.0), (84.0, 52.0)]  # the same anatomy on the full pixels
    g = vp.geometry()
    for p, q in zip(drawn, [g.pixel_to_patient(*p) for p in m.points], strict=True):
        assert np.allclose(p, q, atol=1e-6)
    assert length_mm(*m.points, g.spacing) == mm
    assert np.array_equal(full.array, ref.array)
    # the view was put back as it was: the linked viewport had nothing to follow
    assert (other.index, other.zoom, other.pan) == followed and ws.links.zoom_pan
    assert refined == [full]  # (an MPR layout on the preview takes it too)
