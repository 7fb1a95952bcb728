"""Reading in the real window, what issue 15 left: why a PET is not in SUV written in the
viewport beside its unit, sub-volumes stepped in MPR, a VOI LUT applied as its table — asserted
on the models and on rendered pixels (xvfb)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from PySide6.QtWidgets import QApplication

from app import i18n
from app.mainwindow import MainWindow
from tests.test_gui import SCREENSHOTS, assert_sane, frame, wait_loaded
from viewer.dicom.volume import Volume
from viewer.dicom.windows import DisplayValues


def _open(qtbot, folder: Path, lang: str = "en") -> MainWindow:
    i18n.install(QApplication.instance(), lang)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    w.open_paths([str(folder)])
    qtbot.waitUntil(lambda: len(w.series) >= 1, timeout=30000)
    vp = w.active
    assert vp is not None
    w.open_series(next(iter(w.series)), vp)
    wait_loaded(qtbot, w)
    qtbot.waitUntil(lambda: isinstance(vp.model.image, Volume), timeout=30000)
    return w


def _pet_without_weight(light_dir: Path, out: Path) -> Path:
    from tests.helpers import copy_series

    src = next(
        f.parent
        for f in sorted(light_dir.rglob("*.dcm"))
        if pydicom.dcmread(f, stop_before_pixels=True).Modality == "PT"
    )

    def drop(ds, _n):
        del ds.PatientWeight
        return ds

    copy_series(src, out, drop)
    return out


# --------------------------------------------------------------------------- (a) SUV refused


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_why_a_pet_is_not_in_suv_is_written_beside_its_unit(
    qtbot, tmp_path, light_dir, lang: str
) -> None:
    folder = _pet_without_weight(light_dir, tmp_path / "pet")
    w = _open(qtbot, folder, lang)
    try:
        w.resize(1366, 768)
        qtbot.wait(50)
        vp = w.active
        assert vp is not None
        r = vp.renderer
        text = r.corners.GetText(1)  # the window corner: W/L, its unit, then why
        unit = r.display.unit
        assert unit and not unit.upper().startswith("SUV")
        assert text.splitlines()[0].endswith(unit), text
        assert "(0010,1030)" in text and "SUV" in text, text
        if lang == "zh_CN":
            assert "SUV" in text and any("\u4e00" <= ch <= "\u9fff" for ch in text), text
        bar_y = r._scale_actors[1].GetPosition()[1] - 8  # the scale bar: above the text
        assert bar_y >= 17 * len(text.splitlines()), (bar_y, text)
        with_reason = frame(vp)
        assert_sane(with_reason)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        assert w.screenshot().save(str(SCREENSHOTS / f"reading-{lang}-pet-no-suv-reason.png"))
        # the same view without the reason: what differs is text in the window corner, on
        # more than the single W/L line
        r.display = DisplayValues(unit)
        r._text_window()
        without = frame(vp)
        diff = np.abs(with_reason - without).sum(axis=2) > 60
        rows, cols = np.nonzero(diff)
        assert rows.size > 200, "the reason is not drawn"
        h, wd = diff.shape
        assert cols.min() > wd // 3, "the reason is drawn away from the window corner"
        assert rows.max() - rows.min() > 30, "the reason is not several lines of text"
    finally:
        w.close()
        i18n.install(QApplication.instance(), "en")
