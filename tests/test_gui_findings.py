"""The reader's findings in the real window: measure, mark key images (K), Ctrl+S, close, reopen
and restore; the question on close; another program's presentation state drawn; export with
Cancel leaving nothing; Copy Image."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import numpy as np
import pydicom
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.mainwindow import MainWindow
from tests.findings_helpers import write_ct
from tests.test_findings import foreign_gsps
from tests.test_gui import at, drag, frame, shown_window, wait_loaded

READER = "Wang^Fang"


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("YUNYING_FINDINGS_DIR", str(tmp_path / "kept"))
    folder = tmp_path / "ct"
    write_ct(folder, n_slices=5)
    return folder


def open_window(qtbot, folder: Path) -> MainWindow:
    w = shown_window(qtbot, size=(1000, 750))
    w.open_paths([str(folder)])
    qtbot.waitUntil(lambda: len(w.series) >= 1, timeout=30000)
    wait_loaded(qtbot, w)
    return w


def measure(qtbot, w: MainWindow) -> None:
    vp = w.active
    assert vp is not None
    w.set_tool("length")
    drag(qtbot, vp, at(vp, 12, 14), at(vp, 44, 36))
    qtbot.waitUntil(lambda: len(vp.model.measurements) == 1, timeout=5000)


def badge_pixels(vp) -> int:
    """Yellow pixels of the key-image star line (top centre, under the orientation label)."""
    img = frame(vp)
    h, wd = img.shape[:2]
    top = img[int(h * 0.02) : int(h * 0.09), wd // 3 : 2 * wd // 3]
    r, g, b = top[..., 0], top[..., 1], top[..., 2]
    return int(((r > 200) & (g > 170) & (b < 110)).sum())


def test_measure_mark_save_close_reopen_restore(qtbot, study: Path, tmp_path: Path) -> None:
    w = open_window(qtbot, study)
    w.findings.set_reader(READER)
    with pytest.raises(ValueError):
        w.findings.set_key_title("Interesting")  # not a title of CID 7010
    w.findings.set_key_title("For Teaching")
    vp = w.active
    assert vp is not None
    vp.model.set_index(2)
    vp.model.set_window(-400.0, 1200.0)
    vp.model.set_zoom(1.5)
    vp.model.set_pan(6.0, -4.0)
    measure(qtbot, w)
    before = badge_pixels(vp)
    qtbot.keyClick(vp.view, Qt.Key.Key_K)  # the key image, as the menu's shortcut
    assert w.findings.keys[vp.series_key] == {2}
    qtbot.waitUntil(lambda: badge_pixels(vp) > before + 20, timeout=3000)
    m = vp.model.measurements[0]
    points, index = [tuple(p) for p in m.points], m.index
    window, zoom, pan = vp.model.window, vp.model.zoom, vp.model.pan
    assert w.findings.dirty
    qtbot.keyClick(vp.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not w.findings.dirty
    kept = sorted((tmp_path / "kept").rglob("*.dcm"))
    kinds = sorted(str(pydicom.dcmread(p).Modality) for p in kept)
    assert kinds == ["KO", "PR", "SR"]
    for p in kept:
        ds = pydicom.dcmread(p)
        assert READER in str(ds.get("ContentCreatorName", "")) or READER in str(ds.to_json())
    assert w.close()  # saved: no question
    # a new window, the same study: the findings are listed and restored
    w2 = open_window(qtbot, study)
    vp2 = w2.active
    assert vp2 is not None and not vp2.model.measurements
    dlg = w2.findings.show_dialog()
    kinds_listed = sorted(o.kind for o in dlg.objects)
    assert len(kinds_listed) == 3 and "Key Objects" in kinds_listed
    assert all(o.author == READER and o.ours for o in dlg.objects)
    assert next(o.label for o in dlg.objects if o.kind == "Key Objects") == "For Teaching"
    gsps = next(i for i, o in enumerate(dlg.objects) if o.is_presentation_state)
    dlg.tree.setCurrentItem(dlg.tree.topLevelItem(gsps))
    assert "Restored 1 measurement" in dlg.open_selected()
    [m2] = vp2.model.measurements
    assert m2.index == index and np.allclose(m2.points, points, atol=1e-3)
    assert vp2.model.index == index
    assert np.allclose(vp2.model.window, window)
    # the displayed area is stored in whole pixels (DICOM SL): the view comes back within one
    spacing = vp2.model.geometry().spacing[0]
    assert abs(64 / vp2.model.zoom - 64 / zoom) <= 1.0
    assert np.allclose(vp2.model.pan, pan, atol=spacing)
    assert not w2.findings.dirty  # reopening is not new work
    kos = next(i for i, o in enumerate(dlg.objects) if o.kind == "Key Objects")
    dlg.tree.setCurrentItem(dlg.tree.topLevelItem(kos))
    dlg.open_selected()
    assert w2.findings.keys[vp2.series_key] == {2}
    qtbot.waitUntil(lambda: badge_pixels(vp2) > 20, timeout=3000)
    dlg.close()
    w2.close()


def test_close_asks_about_unsaved_work(
    qtbot, study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = open_window(qtbot, study)
    measure(qtbot, w)
    monkeypatch.setenv("YUNYING_CLOSE_ANSWER", "cancel")
    assert not w.close() and w.isVisible()
    assert not (tmp_path / "kept").exists()
    monkeypatch.setenv("YUNYING_CLOSE_ANSWER", "save")
    assert w.close() and not w.isVisible()
    assert len(list((tmp_path / "kept").rglob("*.dcm"))) == 2  # GSPS + SR, no key image


def test_close_discard_writes_nothing(
    qtbot, study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = open_window(qtbot, study)
    measure(qtbot, w)
    monkeypatch.setenv("YUNYING_CLOSE_ANSWER", "discard")
    assert w.close()
    assert not list(tmp_path.rglob("kept/**/*.dcm"))


def test_key_image_toggles_and_another_programs_presentation_state_is_drawn(
    qtbot, study: Path
) -> None:
    files = sorted(study.glob("*.dcm"))
    image = pydicom.dcmread(files[3], stop_before_pixels=True)
    ps = foreign_gsps(image)
    ps.save_as(study / "zz_other.dcm", enforce_file_format=True)
    w = open_window(qtbot, study)
    vp = w.active
    assert vp is not None
    vp.model.set_index(1)
    plain = badge_pixels(vp)
    qtbot.keyClick(vp.view, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: badge_pixels(vp) > plain + 20, timeout=3000)
    qtbot.keyClick(vp.view, Qt.Key.Key_K)  # unmarked again
    assert w.findings.keys[vp.series_key] == set()
    qtbot.waitUntil(lambda: badge_pixels(vp) <= plain + 2, timeout=3000)
    dlg = w.findings.show_dialog()
    [other] = [o for o in dlg.objects if not o.ours]
    assert other.author == "Smith^Jane" and dlg.tree.topLevelItem(0).text(4) == "other software"
    green_before = _green(frame(vp))
    dlg.open_selected()
    assert vp.model.index == 3 and vp.model.window == (60.0, 350.0)
    qtbot.waitUntil(lambda: _green(frame(vp)) > green_before + 50, timeout=3000)
    vp.model.set_index(0)  # drawn on its own image only
    qtbot.waitUntil(lambda: _green(frame(vp)) <= green_before + 5, timeout=3000)
    dlg.close()
    w.close()


def _yellow(img: np.ndarray) -> int:
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return int(((r > 200) & (g > 180) & (b < 60)).sum())


def _green(img: np.ndarray) -> int:
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return int(((g > 200) & (r < 170) & (b < 170)).sum())


def test_export_copy_images_and_film_cancel_leaves_nothing(
    qtbot, study: Path, tmp_path: Path
) -> None:
    w = open_window(qtbot, study)
    measure(qtbot, w)
    dlg = w.findings.export()
    out = tmp_path / "out"
    # cancelled before its first object: nothing at the target, no temporary left
    started = threading.Event()
    real = dlg._progress

    def slow(done: int, total: int, what: str) -> None:
        started.set()
        dlg.cancel_flag.set()  # the reader pressed Cancel while it ran
        real(done, total, what)

    dlg._progress = slow  # type: ignore[method-assign]
    assert dlg.start("copy", out / "medium.zip")
    qtbot.waitUntil(lambda: not dlg.busy, timeout=30000)
    assert "cancelled" in dlg.result_text
    assert not out.exists() or not any(out.iterdir())
    dlg._progress = real  # type: ignore[method-assign]
    dlg.as_zip.setChecked(False)
    assert dlg.start("copy", out / "medium")
    qtbot.waitUntil(lambda: not dlg.busy, timeout=60000)
    assert "5 objects" in dlg.result_text, dlg.result_text
    assert (out / "medium" / "DICOMDIR").is_file()
    names = b"".join(p.read_bytes() for p in (out / "medium").rglob("*") if p.is_file())
    patient = str(pydicom.dcmread(sorted(study.glob("*.dcm"))[0]).PatientName)
    assert patient.encode() not in names
    assert dlg.start("images", out / "png")
    qtbot.waitUntil(lambda: not dlg.busy, timeout=30000)
    pngs = sorted((out / "png").glob("*.png"))
    assert len(pngs) == 5
    from PIL import Image

    vp = w.active
    assert vp is not None
    k = vp.model.measurements[0].index
    with Image.open(pngs[k]) as im:
        assert im.size == (64, 64)  # full resolution, not the screen's
        drawn = np.asarray(im.convert("RGB")).astype(int)
    with Image.open(pngs[(k + 1) % 5]) as im:
        other = np.asarray(im.convert("RGB")).astype(int)
    assert _yellow(drawn) > 20 and _yellow(other) == 0  # the length on its own slice only
    from viewer.dicom.export.images import windowed

    grey = windowed(vp.model.pixels(k), vp.model.window)  # pixels as the window shows them
    plain = _yellow(drawn[..., :1].repeat(3, axis=2)) == 0
    assert plain and (np.abs(drawn[..., 0] - grey) == 0).mean() > 0.9
    dlg.fps.setValue(5)
    assert dlg.start("movie", out / "series.mp4")
    qtbot.waitUntil(lambda: not dlg.busy, timeout=60000)
    with av.open(str(out / "series.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) == 5
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left
    dlg.close()
    w.close()


def test_copy_image_puts_the_view_on_the_clipboard(qtbot, study: Path) -> None:
    w = open_window(qtbot, study)
    vp = w.active
    assert vp is not None
    QGuiApplication.clipboard().clear()
    w.acts["copy_image"].trigger()
    img = QGuiApplication.clipboard().image()
    shown = frame(vp)
    assert not img.isNull()
    assert (img.width(), img.height()) == (shown.shape[1], shown.shape[0])
    centre = img.pixelColor(img.width() // 2, img.height() // 2)
    y, x = shown.shape[0] // 2, shown.shape[1] // 2
    assert abs(centre.red() - int(shown[y, x, 0])) <= 2
    w.close()


def test_a_shared_finding_is_kept_only_when_it_is_one_of_this_study(
    qtbot, study: Path, tmp_path: Path
) -> None:
    import base64
    import io
    import zlib

    def packed(raw: bytes) -> dict[str, str]:
        return {"key": "k", "dicom": base64.b64encode(zlib.compress(raw)).decode()}

    w = open_window(qtbot, study)
    image = pydicom.dcmread(sorted(study.glob("*.dcm"))[0])
    buf = io.BytesIO()
    foreign_gsps(image).save_as(buf, enforce_file_format=True)
    path = w.findings.received(packed(buf.getvalue()))
    assert path is not None and path.is_file()
    assert any(o.sop_instance_uid == path.stem for o in w.findings.entries())
    assert w.findings.received(packed(sorted(study.glob("*.dcm"))[0].read_bytes())) is None
    other = foreign_gsps(image)
    other.StudyInstanceUID = "1.2.3.4"
    buf = io.BytesIO()
    other.save_as(buf, enforce_file_format=True)
    assert w.findings.received(packed(buf.getvalue())) is None  # another study's
    big = foreign_gsps(image)
    big.add_new(0x00091010, "OB", b"\0" * (9 << 20))  # a valid object inflating past the limit
    buf = io.BytesIO()
    big.save_as(buf, enforce_file_format=True)
    assert w.findings.received(packed(buf.getvalue())) is None
    assert w.findings.received({"key": "k", "dicom": "not base64!"}) is None
    assert len(list((tmp_path / "kept").rglob("*.dcm"))) == 1
    w.close()
