"""The MPR layout's 3D view names the sub-volume it shows (echo, b-value, phase…) as the planes
do, and follows the reader's Ctrl+Up/Down — in the real window (xvfb), in both languages; the
3D overlay's text actor is read, and the frame is checked for the drawn line."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app import i18n
from phantoms import multi
from tests.test_gui import SCREENSHOTS, open_first_volume
from viewer.dicom.volume import Volume

#: the labels the reader reads in each language (the ``Volumes`` context of the .ts)
ECHOES = {
    "en": ("Echo 1 (TE 10 ms)", "Echo 2 (TE 30 ms)", "Echo 3 (TE 60 ms)"),
    "zh_CN": ("回波 1 (TE 10 ms)", "回波 2 (TE 30 ms)", "回波 3 (TE 60 ms)"),
}


def _text_3d(panel) -> str:
    """What the 3D view's bottom-left text actor is given to draw."""
    actor = panel.vr.renderer.text._actors[0]
    return str(actor.GetInput()) if actor.GetVisibility() else ""


def _assert_3d_frame(img: np.ndarray) -> None:
    """A rendered 3D frame: a lit object on a dark background, not blank, not noise."""
    grey = img.mean(axis=2)
    assert grey.std() > 10, "3D frame is (nearly) uniform"
    assert (grey > 60).mean() > 0.02, "nothing bright is drawn in 3D"
    assert (grey < 10).mean() > 0.05, "no dark background in 3D"
    assert np.median(np.abs(np.diff(grey, axis=1))) < 4, "3D frame looks like noise"


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_3d_view_names_its_sub_volume_and_follows_a_step(qtbot, tmp_path, lang) -> None:
    multi.multi_echo_mr(str(tmp_path / "echo"))
    w = open_first_volume(qtbot, tmp_path / "echo", lang)
    try:
        vol = w.active.model.image  # type: ignore[union-attr]
        assert isinstance(vol, Volume) and len(vol.subvolumes) == 3
        assert [v.label for v in vol.subvolumes] == list(ECHOES[lang])
        w.resize(1366, 768)
        panel = w.toggle_mpr(True)
        assert panel is not None
        qtbot.wait(100)
        r = panel.vr.renderer
        first = _text_3d(panel)
        assert ECHOES[lang][0] in first.splitlines(), first
        # the same wording as the planes' overlay
        assert ECHOES[lang][0] in panel.views["axial"].renderer.corners.GetText(0)
        for n in (1, 2, 0):  # Ctrl+Down twice, then wrapping back to the first echo
            qtbot.keyClick(w, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
            qtbot.wait(50)
            assert panel.model.volume is vol.subvolumes[n]
            text = _text_3d(panel)
            assert ECHOES[lang][n] in text.splitlines(), text
            assert not any(e in text for k, e in enumerate(ECHOES[lang]) if k != n), text
            # the patient overlay's series line ("#1 multi-echo · Echo 2 …") follows too
            series = r.text.GetText(2).splitlines()[-1]
            assert series.endswith(f" · {ECHOES[lang][n]}"), series
        qtbot.keyClick(w, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)  # back: echo 3
        qtbot.wait(50)
        assert panel.model.volume is vol.subvolumes[2]
        text = _text_3d(panel)
        assert ECHOES[lang][2] in text.splitlines(), text
        # the first line (preset, W/L, shading) is kept above the label
        assert text.splitlines()[0] == first.splitlines()[0]
        shown = r.grab().astype(np.int32)
        _assert_3d_frame(shown)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        assert w.screenshot().save(str(SCREENSHOTS / f"vr-subvolume-{lang}.png"))
        # the label is drawn: blanked (lines kept in place), the frame differs only at the
        # bottom-left corner
        r.text.SetText(0, text.replace(ECHOES[lang][2], " "))
        r.render()
        without = r.grab().astype(np.int32)
        r.text.SetText(0, text)
        r.render()
        diff = np.abs(shown - without).sum(axis=2) > 60
        rows, cols = np.nonzero(diff)
        h, wd = diff.shape
        assert rows.size > 40, "the sub-volume's label is not drawn in 3D"
        assert cols.max() < wd // 2 and rows.min() > h // 2, "drawn away from the bottom-left"
    finally:
        w.close()
        i18n.install(QApplication.instance(), "en")


def test_a_series_with_one_usable_echo_names_none_in_3d(qtbot, tmp_path) -> None:
    from phantoms.multi import SLICES, _base, _write, value

    folder = tmp_path / "one-usable"
    folder.mkdir()
    # echo 1 at every position, echo 2 at one only: one volume (labelled), no sub-volumes to
    # tell apart, so no label line — as in the planes
    for n, (e, k) in enumerate([(0, k) for k in range(SLICES)] + [(1, 2)]):
        ds = _base("one-usable", n, k)
        ds.EchoNumbers, ds.EchoTime = e + 1, ("10", "30")[e]
        ds.PixelData = value(e, k).tobytes()
        _write(ds, str(folder / f"im{n}.dcm"))
    w = open_first_volume(qtbot, folder, "en")
    try:
        vol = w.active.model.image  # type: ignore[union-attr]
        assert isinstance(vol, Volume) and vol.label and len(vol.subvolumes) == 1
        panel = w.toggle_mpr(True)
        assert panel is not None
        qtbot.wait(50)
        text = _text_3d(panel)
        assert text and vol.label not in text, text
        assert vol.label not in panel.views["axial"].renderer.corners.GetText(0)
    finally:
        w.close()
