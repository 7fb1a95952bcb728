"""A JPEG 2000 cloud study read at reduced resolution, then refined (or, when its assembly
fails, loaded from the stored files), in the real window: nothing the reader did is lost and
nothing is reopened. A length drawn on the reduced 2D volume keeps its patient points and mm;
the slice, window, rotation, zoom % (per acquired pixel) and the picture's place on the screen
stay; an MPR layout open on the reduced volume takes the full one in place (the same views),
at the same crosshair, planes, window, mm per screen pixel, centre and plane measurements."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from vtkmodules.util.numpy_support import vtk_to_numpy

from app import i18n
from app.mainwindow import MainWindow
from app.viewport import ViewportWidget
from phantoms import series as S
from tests.test_gui import assert_sane, at, drag, frame, save_screenshot, zoom_to
from viewer.dicom.incremental import IncrementalVolume
from viewer.dicom.measure import Measurement, length_mm
from viewer.dicom.scan import scan
from viewer.dicom.volume import ImageStack, Volume, load_series
from viewer.state.viewport import ViewportEvent
from viewer.state.workspace import LoadFailed

NOTE = "Reduced resolution (1/4)"


class Held:
    """The stream's full volume held back from the window until :meth:`release`; with
    ``fail``, the assembly then fails (the series must come from the stored files)."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.fail = False

    def release(self, fail: bool = False) -> None:
        self.fail = fail
        self.gate.set()


@pytest.fixture
def held(monkeypatch):
    h = Held()
    real = IncrementalVolume.volume

    def volume(self: IncrementalVolume, timeout: float | None = None):  # type: ignore[no-untyped-def]
        if not h.gate.wait(60 if timeout is None else timeout):
            raise TimeoutError("held by the test")
        if h.fail:
            raise RuntimeError("the test broke the stream's assembly")
        return real(self, timeout)

    monkeypatch.setattr(IncrementalVolume, "volume", volume)
    yield h
    h.gate.set()


@pytest.fixture
def reduced(qtbot, cloud_service, devcloud, tmp_path: Path, held: Held):
    """A J2K study fetched from the Cloud panel of a real window, its first series shown at
    reduced resolution (1/4) in the 1×1 viewport, the study stored and scanned, the series
    waiting for its full volume: (window, viewport, series key, stored files, held)."""
    yield from open_reduced(qtbot, cloud_service, devcloud, tmp_path, held)


def open_reduced(
    qtbot, cloud_service, devcloud, tmp_path, held, edit=None, study="refine-gui", day=2
):  # type: ignore[no-untyped-def]
    """:func:`reduced`'s set-up (a generator, for a fixture); ``edit`` (optional) is called with
    the written files before the archive is seeded with them: give such a study its own name
    and exam day (``study``: its UIDs, ``day``: its code; the archive lives for the session)."""
    from bench.common import devcloud_archive, seed_study

    i18n.install(QApplication.instance(), "en")
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    spec = S.ct_chest(
        S.StudySpec(S.PatientSpec(), key=study),
        n_slices=24,
        spacing=5.0,
        matrix=254,  # (not a multiple of 4: the reduced picture is a little wider)
        pixel=1.4,
        transfer_syntax="j2k",
    )
    files = S.write_series(spec, str(tmp_path / "j2k"), workers=1)
    if edit is not None:
        edit([Path(f) for f in files])
    archive = devcloud_archive(devcloud.state_dir)
    when = dt.datetime(2024, 9, day, 9, 30)  # long ago: no "recent similar exam" elsewhere
    seeded = seed_study(devcloud.state_dir, archive, tmp_path / "j2k", when, "refine CT")
    w.cloud_service = cloud_service
    w.set_layout("1x1")
    dlg = w.open_cloud()
    dlg.code_edit.setText(seeded.record.code)
    qtbot.keyClick(dlg.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=20000)
    vp = w.active
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: isinstance(vp.model.image, Volume) and vp.model.image.reduced_level == 2,
        timeout=60000,
    )
    qtbot.waitUntil(lambda: not dlg.busy, timeout=60000)
    ws = w.workspace
    qtbot.waitUntil(lambda: ws.key_for_uid(seeded.series_uid) is not None, timeout=20000)
    key = ws.key_for_uid(seeded.series_uid)
    qtbot.waitUntil(lambda: bool(ws.waiting.get(key)), timeout=20000)
    assert vp.model.image.shape == (24, 64, 64) and NOTE in vp.renderer.corners.GetText(0)
    stored = sorted(
        (cloud_service.store.study_dir(seeded.study_uid) / seeded.series_uid).glob("*.dcm")
    )
    yield w, vp, key, stored, held
    dlg.close()
    w.close()


def _read(vp: ViewportWidget) -> dict:
    """What the reader sees in a 2D viewport, in patient mm and screen pixels."""
    m = vp.model
    (meas,) = m.measurements
    g = m.geometry()
    return {
        "patient": [g.pixel_to_patient(*p) for p in meas.points],
        "mm": length_mm(meas.points[0], meas.points[1], g.spacing),
        "screen": [vp.renderer.image_to_display(*p) for p in meas.points],
        "zoom %": vp.renderer.zoom_percent(),
        "state": (m.index, m.window, m.rotation, m.invert),
    }


def _draw_on_reduced(qtbot, w: MainWindow, vp: ViewportWidget) -> dict:
    """Slice, window, rotation and zoom set and a length drawn on the reduced volume."""
    m = vp.model
    m.set_index(m.index + 3)
    m.set_window(60.0, 420.0)
    m.rotate(90)
    zoom_to(qtbot, vp, 300)
    assert vp.renderer.zoom_percent() == pytest.approx(300.0, rel=1e-6)
    w.set_tool("length")
    c = m.image.shape[1] / 2
    drag(qtbot, vp, at(vp, c - 12, c - 4), at(vp, c + 10, c + 6))
    w.set_tool("select")
    before = _read(vp)
    assert before["mm"] > 50
    return before


def _assert_kept(vp: ViewportWidget, before: dict) -> None:
    after = _read(vp)
    assert vp.model.image.reduced_level == 0 and "Reduced" not in vp.renderer.corners.GetText(0)
    for p, q in zip(before["patient"], after["patient"], strict=True):
        assert np.allclose(p, q, atol=1e-6)  # the same patient points
    assert after["mm"] == pytest.approx(before["mm"], abs=1e-6)
    assert after["zoom %"] == pytest.approx(before["zoom %"], rel=1e-6)
    assert after["state"] == before["state"]
    for (x0, y0), (x1, y1) in zip(before["screen"], after["screen"], strict=True):
        assert abs(x0 - x1) < 0.5 and abs(y0 - y1) < 0.5  # the picture did not move


def _mpr_state(panel) -> dict:
    m = panel.model
    (pm,) = m.measurements
    rend = panel.views[pm.view].renderer
    g = rend.grid
    out = {
        "center": m.center.copy(),
        "orientation": m.orientation.copy(),
        "window": m.window,
        "measured": [g.uv_to_patient(u, v) for u, v in pm.points_uv],
        "mm": float(rend.describe(pm).split()[0]),
    }
    for view, w in panel.views.items():
        r = w.renderer
        u, v, _ = r.grid.patient_to_uv(m.center)
        out[view] = (r.display_spacing(), r.uv_to_display(u, v))
    return out


def test_refined_in_place_2d_and_mpr_keep_what_the_reader_did(qtbot, reduced) -> None:
    w, vp, key, _, held = reduced
    before = _draw_on_reduced(qtbot, w, vp)
    panel = w.toggle_mpr(True)
    assert panel is not None and panel.model.volume is vp.model.image
    m = panel.model
    m.set_center(m.center + np.array([18.0, -12.0, 7.0]))
    m.rotate("axial", 25.0)  # coronal and sagittal oblique
    m.set_window(50.0, 350.0)
    m.set_zoom("coronal", 1.7)
    m.set_pan("coronal", 9.0, -6.0)
    g = panel.views["coronal"].renderer.grid
    u, v, _ = g.patient_to_uv(m.center)
    m.add_measurement("coronal", Measurement("length", []), [(u - 40.0, v), (u + 35.0, v + 10.0)])
    qtbot.wait(50)
    save_screenshot(w, "refine-en-reduced-mpr")
    mpr_before = _mpr_state(panel)
    views = dict(panel.views)
    renderers = {k: x.renderer for k, x in views.items()}
    vr = panel.vr

    held.release()
    ws = w.workspace
    qtbot.waitUntil(lambda: key in ws.images, timeout=60000)
    full = ws.images[key]
    assert isinstance(full, Volume) and full.reduced_level == 0
    qtbot.waitUntil(lambda: m.volume is full, timeout=20000)
    data, _ = panel.source  # the one image all views read: the full volume's memory now
    assert data.GetDimensions() == full.array.shape[::-1]
    assert np.shares_memory(vtk_to_numpy(data.GetPointData().GetScalars()), full.array)
    # swapped, not reopened: the same panel, views, renderers and 3D view
    assert w.mpr is panel and panel.vr is vr
    assert all(panel.views[k] is x and x.renderer is renderers[k] for k, x in views.items())
    after = _mpr_state(panel)
    assert np.allclose(after["center"], mpr_before["center"], atol=1e-9)
    assert np.allclose(after["orientation"], mpr_before["orientation"], atol=1e-12)
    assert after["window"] == mpr_before["window"]
    for p, q in zip(mpr_before["measured"], after["measured"], strict=True):
        assert np.allclose(p, q, atol=1e-6)
    assert after["mm"] == pytest.approx(mpr_before["mm"], abs=0.051)  # as printed (0.1 mm)
    for view in views:
        (mm_px0, (x0, y0)), (mm_px1, (x1, y1)) = mpr_before[view], after[view]
        assert mm_px1 == pytest.approx(mm_px0, rel=1e-9)  # zoom in mm per screen pixel
        assert abs(x0 - x1) < 0.5 and abs(y0 - y1) < 0.5  # the crosshair centre stayed put
        assert "Reduced" not in panel.views[view].renderer.corners.GetText(0)
    assert NOTE not in vr.renderer.text.GetText(0)
    assert vr.renderer.min_spacing == pytest.approx(min(full.spacing))
    qtbot.wait(50)
    assert_sane(panel.views["axial"].renderer.grab().astype(np.int32))
    save_screenshot(w, "refine-en-refined-mpr")
    w.toggle_mpr(False)
    qtbot.wait(50)
    assert vp.model.image is full
    _assert_kept(vp, before)
    save_screenshot(w, "refine-en-refined")
    assert_sane(frame(vp))


def test_a_failed_stream_loaded_from_the_files_keeps_the_measurement(qtbot, reduced) -> None:
    w, vp, key, stored, held = reduced
    before = _draw_on_reduced(qtbot, w, vp)
    shown: list[object] = []
    failed: list[object] = []
    vp.model.subscribe(
        lambda ev: shown.append(vp.model.image) if ev is ViewportEvent.IMAGE else None
    )
    ws = w.workspace
    ws.events.subscribe(lambda ev: failed.append(ev) if isinstance(ev, LoadFailed) else None)
    panel = w.toggle_mpr(True)
    assert panel is not None and panel.model.volume is vp.model.image
    views = dict(panel.views)

    held.release(fail=True)
    qtbot.waitUntil(lambda: key in ws.images, timeout=60000)
    image = ws.images[key]
    assert not failed
    # the MPR layout takes the files' volume in place too
    qtbot.waitUntil(lambda: panel.model.volume is image, timeout=20000)
    assert w.mpr is panel and all(panel.views[k] is x for k, x in views.items())
    assert "Reduced" not in panel.views["axial"].renderer.corners.GetText(0)
    w.toggle_mpr(False)
    # straight from the reduced volume to the files' volume: no one-slice preview in between
    assert not any(isinstance(i, ImageStack) for i in shown) and shown[-1] is image
    (series,) = scan(stored).all_series()
    ref = load_series(series)
    assert isinstance(image, Volume) and np.array_equal(image.array, ref.array)
    qtbot.wait(50)
    assert vp.model.image is image
    _assert_kept(vp, before)
    assert_sane(frame(vp))
