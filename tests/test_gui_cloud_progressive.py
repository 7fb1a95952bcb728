"""A JPEG 2000 study fetched through the Cloud panel of the real window: decoded while it
arrives, shown at reduced resolution first (2D, MPR and 3D say so), then refined to the volume
``load_series`` gives for the cached files, bit for bit; the cache holds the archive's bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app import i18n
from app.mainwindow import MainWindow
from phantoms import series as S
from tests.test_gui import assert_sane, frame, save_screenshot
from viewer.dicom.scan import scan
from viewer.dicom.volume import Volume, load_series
from viewer.state.viewport import ViewportEvent

NOTE = "Reduced resolution (1/4)"


@pytest.fixture
def bare_window(qtbot):
    i18n.install(QApplication.instance(), "en")
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _j2k_study(folder: Path) -> list[Path]:
    study = S.StudySpec(S.PatientSpec(), key="progressive-gui")
    spec = S.ct_chest(study, n_slices=32, spacing=5.0, matrix=256, pixel=1.4, transfer_syntax="j2k")
    return [Path(p) for p in S.write_series(spec, str(folder), workers=1)]


def test_a_j2k_cloud_study_shows_reduced_resolution_then_the_exact_volume(
    qtbot, bare_window: MainWindow, cloud_service, devcloud, tmp_path: Path, hold_full_volume
) -> None:
    from bench.common import devcloud_archive, seed_study

    w = bare_window
    files = _j2k_study(tmp_path / "j2k")
    archive = devcloud_archive(devcloud.state_dir)
    # long ago: the shared devcloud's patient gets no "recent similar exam" from it (test_reminder)
    when = dt.datetime(2024, 10, 3, 8, 15)
    seeded = seed_study(devcloud.state_dir, archive, tmp_path / "j2k", when, "progressive CT")
    # the refined volume is held back until the test has looked at the reduced one (decoding
    # goes on meanwhile; only its hand-over to the window waits)
    gate = hold_full_volume

    w.cloud_service = cloud_service
    w.set_layout("1x1")
    dlg = w.open_cloud()
    assert dlg is not None
    dlg.code_edit.setText(seeded.record.code)
    qtbot.keyClick(dlg.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=20000)
    vp = w.active
    assert vp is not None
    seen: list[tuple[int, str]] = []  # (reduced level, 2D overlay text) at each new image

    def on_image(ev: ViewportEvent) -> None:
        if ev is ViewportEvent.IMAGE and isinstance(vp.model.image, Volume):
            seen.append((vp.model.image.reduced_level, vp.renderer.corners.GetText(0)))

    vp.model.subscribe(on_image)
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)

    def reduced() -> bool:
        img = vp.model.image
        return isinstance(img, Volume) and img.reduced_level == 2

    qtbot.waitUntil(reduced, timeout=60000)
    reduced_vol = vp.model.image
    assert reduced_vol.shape == (32, 64, 64)  # 256² at 1/4 each way, every slice
    assert NOTE in vp.renderer.corners.GetText(0)
    assert_sane(frame(vp))
    save_screenshot(w, "progressive-en-reduced-2d")
    # MPR and 3D are usable on it at once, and say it is reduced
    panel = w.toggle_mpr(True)
    assert panel is not None and panel.model.volume is reduced_vol
    assert all(NOTE in v.renderer.corners.GetText(0) for v in panel.views.values())
    assert NOTE in panel.vr.renderer.text.GetText(0)
    qtbot.wait(100)
    save_screenshot(w, "progressive-en-reduced-mpr")
    # the whole study is stored and scanned; its first series is not decoded from the files
    # again but still waits for the refinement (the reduced volume stays on screen)
    qtbot.waitUntil(lambda: not dlg.busy, timeout=60000)
    ws = w.workspace
    qtbot.waitUntil(lambda: seeded.series_uid in {s.series_uid for s in ws.series.values()})
    key = ws.key_for_uid(seeded.series_uid)
    assert key is not None
    qtbot.waitUntil(lambda: bool(ws.waiting.get(key)), timeout=20000)
    assert key not in ws.images and panel.model.volume.reduced_level == 2

    gate.set()
    qtbot.waitUntil(lambda: key in ws.images, timeout=60000)
    full = ws.images[key]
    assert isinstance(full, Volume) and full.reduced_level == 0
    qtbot.waitUntil(lambda: w.mpr is not None and w.mpr.model.volume is full, timeout=20000)
    assert NOTE not in w.mpr.vr.renderer.text.GetText(0)
    assert not any("Reduced" in v.renderer.corners.GetText(0) for v in w.mpr.views.values())
    w.toggle_mpr(False)
    assert vp.model.image is full and "Reduced" not in vp.renderer.corners.GetText(0)
    assert [lvl for lvl, _ in seen][-1] == 0 and 2 in [lvl for lvl, _ in seen]
    assert all((NOTE in text) == (lvl == 2) for lvl, text in seen)
    assert_sane(frame(vp))
    qtbot.wait(50)
    save_screenshot(w, "progressive-en-full-2d")
    # bit for bit what load_series makes of the cached files; the cache holds the sent bytes
    stored = sorted(
        (cloud_service.store.study_dir(seeded.study_uid) / seeded.series_uid).glob("*.dcm")
    )
    assert sorted(f.read_bytes() for f in stored) == sorted(f.read_bytes() for f in files)
    (series,) = scan(stored).all_series()
    ref = load_series(series)
    assert isinstance(ref, Volume)
    assert full.array.dtype == ref.array.dtype and np.array_equal(full.array, ref.array)
    assert np.allclose(full.origin, ref.origin) and full.spacing == pytest.approx(ref.spacing)
    dlg.close()


def test_the_reduced_resolution_note_in_chinese(qtbot) -> None:
    from viewer.render.overlay import resolution_note

    class Reduced:
        reduced_level = 3

    app = QApplication.instance()
    try:
        i18n.install(app, "zh_CN")
        assert resolution_note(Reduced()) == "降低分辨率（1/8）— 正在细化…"
    finally:
        i18n.install(app, "en")
    assert resolution_note(Reduced()) == "Reduced resolution (1/8) — refining…"
    assert resolution_note(object()) == ""
