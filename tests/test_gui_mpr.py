"""The MPR / 3D layout in the real window: crosshair, oblique, slab, 3D presets, fusion, curve.

Real Qt events on a real window (Xvfb in CI); the frames are read back from VTK and checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QLabel

from app.mpr import MprPanel
from phantoms import anatomy
from tests.test_gui import assert_sane, key_of, open_main_window, wait_loaded
from viewer.dicom.volume import Volume

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "out" / "screenshots"


@pytest.fixture
def mpr(qtbot, light_dir: Path):
    w = open_main_window(qtbot, light_dir)
    # load the PET too, so it can be fused
    w.set_layout("1x2")
    w.open_series(key_of(w, "PET"), w.viewports[1])
    w.open_series(key_of(w, "Chest/Abdomen"), w.viewports[0])
    wait_loaded(qtbot, w)
    w.set_active(w.viewports[0])
    w.acts["mpr"].trigger()
    panel = w.mpr
    assert isinstance(panel, MprPanel)
    qtbot.waitUntil(lambda: panel.isVisible(), timeout=5000)
    qtbot.wait(100)
    yield w, panel
    w.close()


def wheel(delta: int) -> QWheelEvent:
    return QWheelEvent(
        QPointF(50, 50),
        QPointF(50, 50),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )


def grab(panel: MprPanel, view: str) -> np.ndarray:
    if view == "3d":
        return panel.vr.renderer.grab().astype(np.int32)
    return panel.views[view].renderer.grab().astype(np.int32)


def click(qtbot, panel: MprPanel, view: str, pos: QPoint, **kw) -> None:
    qtbot.mouseClick(panel.views[view].vtk, Qt.MouseButton.LeftButton, pos=pos, **kw)


def test_mpr_layout_shows_three_planes_and_3d(qtbot, mpr) -> None:
    w, panel = mpr
    vol = panel.model.volume
    assert isinstance(vol, Volume) and vol is w.images[w.viewports[0].series_key]
    for view in ("axial", "coronal", "sagittal"):
        assert_sane(grab(panel, view))
    frame3d = grab(panel, "3d")
    assert frame3d.std() > 10 and (frame3d.max(axis=2) > 60).mean() > 0.02
    # the views all read one vtkImageData over the volume's own memory
    sources = {id(v.renderer.source) for v in panel.views.values()}
    assert sources == {id(panel.source[0])}
    assert panel.vr.renderer.mapper.GetInput() is panel.source[0]
    assert panel.views["coronal"].renderer.edges.GetText(5) == "L"
    assert panel.views["coronal"].renderer.edges.GetText(7) == "H"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    w.screenshot().save(str(SCREENSHOTS / "mpr-3d.png"))
    w.acts["mpr"].trigger()  # back to the 2D layout
    assert w.mpr is None and w.stack.currentWidget() is w.grid_host


def test_crosshair_click_moves_the_other_planes(qtbot, mpr) -> None:
    _, panel = mpr
    m = panel.model
    nod = np.asarray(anatomy.NODULES[1].center)  # the 10 mm nodule
    ax = panel.views["axial"]
    m.set_center((m.center[0], m.center[1], nod[2]))  # axial plane through the nodule
    before = grab(panel, "coronal")
    u, v, _ = ax.renderer.grid.patient_to_uv(nod)
    click(qtbot, panel, "axial", ax.widget_pos(u, v))
    assert np.linalg.norm(m.center[:2] - nod[:2]) < 2 * ax.renderer.mm_per_screen_pixel()
    after = grab(panel, "coronal")
    assert np.abs(after - before).mean() > 1.0  # the coronal plane moved to the nodule
    # the nodule (soft tissue in lung) is under the crosshair in the coronal view
    cor = panel.views["coronal"].renderer
    i, j = cor.grid.patient_to_pixel(m.center)
    assert cor.plane_values()[round(j), round(i)] > -400


def test_ctrl_drag_rotates_to_oblique(qtbot, mpr) -> None:
    _, panel = mpr
    ax = panel.views["axial"]
    g = ax.renderer.grid
    u, v, _ = g.patient_to_uv(panel.model.center)
    a = ax.widget_pos(u + 60, v)
    b = ax.widget_pos(u + 52, v + 30)
    mods = Qt.KeyboardModifier.ControlModifier
    qtbot.mousePress(ax.vtk, Qt.MouseButton.LeftButton, mods, a)
    qtbot.mouseMove(ax.vtk, b)
    qtbot.mouseRelease(ax.vtk, Qt.MouseButton.LeftButton, mods, b)
    n = panel.views["sagittal"].renderer.grid.normal
    assert 5 < np.degrees(np.arccos(abs(n[0]))) < 40  # turned about the axial normal
    assert "oblique" in panel.views["sagittal"].renderer.corners.GetText(0)
    assert_sane(grab(panel, "sagittal"))


def test_slab_mip_brightens_vessels_and_bone(qtbot, mpr) -> None:
    _, panel = mpr
    before = grab(panel, "coronal")
    panel.slab_mode.setCurrentIndex(panel.slab_mode.findData("mip"))
    panel.slab_mm.setValue(30.0)
    after = grab(panel, "coronal")
    assert_sane(after)
    assert after.mean() > before.mean() + 2  # a MIP is never darker than its centre plane
    assert "MIP" in panel.views["coronal"].renderer.corners.GetText(0)
    assert panel.model.slabs["axial"].mode == "mip"
    panel.step_mm.setValue(5.0)  # a scroll now moves the slab 5 mm
    before_mm = panel.model.center.copy()
    panel.views["axial"].on_wheel(wheel(-120))
    assert np.linalg.norm(panel.model.center - before_mm) == pytest.approx(5.0)


def test_vr_presets_shading_and_clip(qtbot, mpr) -> None:
    _, panel = mpr
    bone = grab(panel, "3d")
    panel.preset.setCurrentIndex(panel.preset.findData("ct_soft"))
    soft = grab(panel, "3d")
    assert np.abs(soft - bone).mean() > 3
    assert (soft.max(axis=2) > 60).mean() > (bone.max(axis=2) > 60).mean()  # skin is opaque
    panel.clip.setChecked(True)
    clipped = grab(panel, "3d")
    assert np.abs(clipped - soft).mean() > 1
    panel.clip.setChecked(False)
    dlg = panel.show_clip_box()
    assert [w.text() for w in dlg.findChildren(QLabel)] == ["R–L", "A–P", "F–H"]
    dlg.sliders[0][1].setValue(50)  # keep the patient's right half only
    box = panel.vr.renderer.clip_box
    b = panel.vr.renderer.bounds()
    assert box is not None and box[1] == pytest.approx((b[0] + b[1]) / 2)
    half = grab(panel, "3d")
    assert np.abs(half - soft).mean() > 1
    dlg.reset()
    assert panel.vr.renderer.clip_box is None
    vr = panel.vr
    qtbot.mousePress(vr.vtk, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    assert vr.renderer.interactive
    qtbot.mouseMove(vr.vtk, QPoint(160, 110))
    qtbot.mouseRelease(vr.vtk, Qt.MouseButton.LeftButton, pos=QPoint(160, 110))
    assert not vr.renderer.interactive
    assert np.abs(grab(panel, "3d") - clipped).mean() > 1  # rotated


def test_fusion_of_pet_on_ct(qtbot, mpr) -> None:
    _, panel = mpr
    m = panel.model
    m.set_center(anatomy.PET_HOT_NODULE.center)
    plain = grab(panel, "axial")
    key = next(k for k in panel.others if k.startswith("PT"))
    panel.fuse.setCurrentIndex(panel.fuse.findData(key))
    assert m.fusion is not None and "same frame of reference" in panel.note.text()
    fused = grab(panel, "axial")
    reddish = (fused[..., 0] - fused[..., 2] > 40) & (plain[..., 0] - plain[..., 2] < 10)
    assert reddish.mean() > 0.05  # the PET body uptake, in colour over the CT
    panel.opacity.setValue(0)
    h, wd = plain.shape[:2]
    inner = (slice(h // 5, 4 * h // 5), slice(wd // 5, 4 * wd // 5))  # away from the captions
    assert np.abs(grab(panel, "axial")[inner] - plain[inner]).max() <= 2


def test_length_and_curve_tools(qtbot, mpr) -> None:
    w, panel = mpr
    cor = panel.views["coronal"]
    g = cor.renderer.grid
    u, v, _ = g.patient_to_uv(panel.model.center)
    panel.tool_box.setCurrentIndex(panel.tool_box.findData("length"))
    click(qtbot, panel, "coronal", cor.widget_pos(u - 50, v))
    click(qtbot, panel, "coronal", cor.widget_pos(u + 50, v))
    pm = panel.model.visible_measurements("coronal")[0]
    mm = float(cor.renderer.describe(pm).split()[0])
    assert abs(mm - 100.0) <= 2 * cor.renderer.mm_per_screen_pixel()
    # an ellipse ROI on the coronal plane: statistics in HU, area in mm²
    panel.tool_box.setCurrentIndex(panel.tool_box.findData("ellipse"))
    click(qtbot, panel, "coronal", cor.widget_pos(u - 10, v - 10))
    click(qtbot, panel, "coronal", cor.widget_pos(u + 10, v + 10))
    roi = panel.model.visible_measurements("coronal")[1]
    label = cor.renderer.describe(roi)
    assert "mean" in label and "HU" in label
    area = float(label.split("area ")[1].split()[0])
    (u0, v0), (u1, v1) = roi.points_uv  # the clicks, as placed (a screen pixel is ~0.5 mm)
    want = np.pi * abs(u1 - u0) / 2 * abs(v1 - v0) / 2
    assert abs(want - np.pi * 100) <= 0.12 * np.pi * 100  # about 20 × 20 mm
    assert abs(area - want) <= 0.05 * want  # the area of the ellipse drawn
    panel.tool_box.setCurrentIndex(panel.tool_box.findData("angle"))
    for du, dv in ((-30, 0), (0, 0), (0, -30)):
        click(qtbot, panel, "coronal", cor.widget_pos(u + du, v + dv))
    angle = panel.model.visible_measurements("coronal")[2]
    assert cor.renderer.describe(angle).startswith("90.0")
    panel.tool_box.setCurrentIndex(panel.tool_box.findData("curve"))
    for du in (-60, -20, 20, 60):
        click(qtbot, panel, "coronal", cor.widget_pos(u + du, v + abs(du) / 3))
    qtbot.mouseDClick(cor.vtk, Qt.MouseButton.LeftButton, pos=cor.widget_pos(u + 60, v + 20))
    qtbot.waitUntil(lambda: panel.last_curve is not None, timeout=5000)
    s = panel.last_curve
    assert s is not None and 120 < s.length_mm < 160
    dlg = w.curved_dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    vp = dlg.findChild(type(w.viewports[0]))
    assert vp.model.calibrated and vp.model.image.pixel_spacing == (s.spacing, s.spacing)
    assert_sane(vp.renderer.grab().astype(np.int32))
    dlg.close()
