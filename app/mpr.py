"""The MPR / 3D layout: axial, coronal and sagittal reconstructions and a 3D view of one volume.

All state is in :class:`viewer.state.mpr.MprModel` and
:class:`viewer.render.vr.VolumeRenderer`; these widgets only map mouse and keyboard onto them.
The four views read one shared ``vtkImageData`` over the volume already in memory (no copy).

Mouse in an MPR view: the same mapping as in 2D (:mod:`app.mouse_map`, ``mouse.json``): left is
the tool (crosshair, W/L, zoom, pan, scroll, a measurement, the curve), Shift+left moves the
crosshair, Ctrl+left turns it (oblique planes), middle pans, right zooms, Shift+right windows,
the wheel moves the plane (Ctrl+wheel zooms). Measurements take two clicks; with the curve tool,
clicks add points and a double click straightens.
In the 3D view: left rotates, right drag moves the transfer function, middle pans, wheel zooms.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import vtkmodules.qt

vtkmodules.qt.PyQtImpl = "PySide6"
from PySide6.QtCore import Qt, Signal  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app import dialogs, i18n  # noqa: E402
from app.mpr_views import MprViewWidget, VolumeViewWidget  # noqa: E402
from viewer.dicom.geometry import direction_label  # noqa: E402
from viewer.dicom.volume import ImageStack, Volume  # noqa: E402
from viewer.render.curved import Straightened, straighten  # noqa: E402
from viewer.render.slice_view import share_volume  # noqa: E402
from viewer.render.vr import export_stl, vr_presets  # noqa: E402
from viewer.state.fusion import fusion_for  # noqa: E402
from viewer.state.mpr import SLAB_MODES, VIEWS, MprModel  # noqa: E402


class ClipBoxDialog(QDialog):
    """The 3D view's clipping box: a range along each of the volume's axes (percent)."""

    def __init__(self, panel: MprPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.setWindowTitle(self.tr("Clip box"))
        grid = QGridLayout(self)
        vol = panel.model.volume
        self.sliders: list[tuple[QSlider, QSlider]] = []
        for axis in range(3):
            d = vol.direction[:, axis]
            name = f"{direction_label(-d)}–{direction_label(d)}"
            lo, hi = QSlider(Qt.Orientation.Horizontal, self), QSlider(Qt.Orientation.Horizontal)
            for sl, value in ((lo, 0), (hi, 100)):
                sl.setRange(0, 100)
                sl.setValue(value)
                sl.valueChanged.connect(self.apply)
            grid.addWidget(QLabel(name, self), axis, 0)
            grid.addWidget(lo, axis, 1)
            grid.addWidget(hi, axis, 2)
            self.sliders.append((lo, hi))
        reset = QPushButton(self.tr("Whole volume"), self)
        reset.clicked.connect(self.reset)
        grid.addWidget(reset, 3, 0, 1, 3)

    def box(self) -> tuple[float, ...] | None:
        b = self.panel.vr.renderer.bounds()
        out: list[float] = []
        for axis, (lo, hi) in enumerate(self.sliders):
            a, z = b[2 * axis], b[2 * axis + 1]
            f0, f1 = sorted((lo.value() / 100, hi.value() / 100))
            out += [a + f0 * (z - a), a + max(f1, f0 + 0.01) * (z - a)]
        full = all(lo.value() == 0 and hi.value() == 100 for lo, hi in self.sliders)
        return None if full else tuple(out)

    def apply(self) -> None:
        self.panel.vr.renderer.set_clip_box(self.box())

    def reset(self) -> None:
        for lo, hi in self.sliders:
            lo.setValue(0)
            hi.setValue(100)


class MprPanel(QWidget):
    """Controls on top, the 2×2 views below."""

    curved_ready = Signal(object)  # Straightened
    active_changed = Signal(str)  # the view the reader works in now

    def __init__(
        self,
        volume: Volume,
        others: dict[str, Volume] | None = None,
        labels: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mprPanel")
        self.model = MprModel(volume)
        self.labels = labels or {}
        self.others = dict(others or {})
        self.tool = "crosshair"
        self.active_view = "axial"  # presets, invert, colour map act here (app.view_target)
        self.info: dict[str, str] = {}  # the series' overlay text (patient, study, series)
        self.source = share_volume(volume)  # the one vtkImageData all four views read
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        outer.addLayout(bar)
        self.tool_box = QComboBox(self)
        self.slab_mode = QComboBox(self)
        self.slab_mm = QDoubleSpinBox(self)
        self.slab_mm.setRange(0.0, 50.0)
        self.slab_mm.setSingleStep(1.0)
        self.slab_mm.setSuffix(" mm")
        self.step_mm = QDoubleSpinBox(self)  # how far one scroll moves a plane (0 = one voxel)
        self.step_mm.setRange(0.0, 50.0)
        self.step_mm.setSingleStep(0.5)
        self.step_mm.setSuffix(" mm")
        self.preset = QComboBox(self)
        self.shade = QCheckBox(self)
        self.clip = QCheckBox(self)
        self.fuse = QComboBox(self)
        self.opacity = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        self.opacity.setMaximumWidth(100)
        self.iso = QDoubleSpinBox(self)
        self.iso.setRange(-2000.0, 4000.0)
        self.iso.setValue(300.0)
        self.stl = QPushButton(self)
        self.clip_box = QPushButton(self)
        self.clip_dialog: ClipBoxDialog | None = None
        self.reset = QPushButton(self)
        self.note = QLabel(self)
        self._labels = [QLabel(self) for _ in range(5)]
        # two rows, so that the panel fits a 1366-pixel screen: planes, then 3D and fusion
        bar2 = QHBoxLayout()
        outer.addLayout(bar2)
        rows = (
            (
                bar,
                (
                    self.tool_box,
                    self._labels[0],
                    self.slab_mode,
                    self.slab_mm,
                    self._labels[4],
                    self.step_mm,
                    self.reset,
                ),
            ),
            (
                bar2,
                (
                    self._labels[1],
                    self.preset,
                    self.shade,
                    self.clip,
                    self.clip_box,
                    self._labels[2],
                    self.fuse,
                    self.opacity,
                    self._labels[3],
                    self.iso,
                    self.stl,
                ),
            ),
        )
        for layout, widgets in rows:
            for w in widgets:
                layout.addWidget(w)
            layout.addStretch(1)
        outer.addWidget(self.note)
        grid_host = QWidget(self)
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        outer.addWidget(grid_host, 1)
        self.views = {v: MprViewWidget(self, v, self.source, self) for v in VIEWS}
        for v in self.views.values():
            v.curve_finished.connect(self._curve)
        self.vr = VolumeViewWidget(self, self.source, self)
        grid.addWidget(self.views["axial"], 0, 0)
        grid.addWidget(self.views["coronal"], 0, 1)
        grid.addWidget(self.views["sagittal"], 1, 0)
        grid.addWidget(self.vr, 1, 1)
        self.last_curve: Straightened | None = None
        self.curve_dialog: QDialog | None = None
        self.retranslate()
        self.tool_box.currentIndexChanged.connect(self._tool)
        self.slab_mode.currentIndexChanged.connect(self._slab)
        self.slab_mm.valueChanged.connect(self._slab)
        self.step_mm.valueChanged.connect(self._slab)
        self.preset.currentIndexChanged.connect(self._preset)
        self.shade.toggled.connect(lambda on: self.vr.renderer.set_shading(on))
        self.clip.toggled.connect(self._clip)
        self.fuse.currentIndexChanged.connect(self._fuse)
        self.opacity.valueChanged.connect(lambda v: self.model.set_fusion_opacity(v / 100))
        self.stl.clicked.connect(self.ask_stl)
        self.clip_box.clicked.connect(self.show_clip_box)
        self.reset.clicked.connect(self.model.reset)

    def retranslate(self) -> None:
        self._labels[0].setText(self.tr("Slab:"))
        self._labels[1].setText(self.tr("3D:"))
        self._labels[2].setText(self.tr("Fusion:"))
        self._labels[3].setText(self.tr("Surface at:"))
        self._labels[4].setText(self.tr("Step:"))
        self.shade.setText(self.tr("Shading"))
        self.clip.setText(self.tr("Clip at crosshair"))
        self.clip_box.setText(self.tr("Clip box…"))
        self.stl.setText(self.tr("Export STL…"))
        self.reset.setText(self.tr("Reset planes"))
        tools = [
            ("crosshair", self.tr("Crosshair")),
            ("wl", self.tr("Window/Level")),
            ("zoom", self.tr("Zoom")),
            ("pan", self.tr("Pan")),
            ("scroll", self.tr("Scroll")),
            ("length", self.tr("Length")),
            ("angle", self.tr("Angle")),
            ("ellipse", self.tr("Ellipse ROI")),
            ("rectangle", self.tr("Rectangle ROI")),
            ("probe", self.tr("Probe")),
            ("arrow", self.tr("Arrow")),
            ("text", self.tr("Text")),
            ("curve", self.tr("Curved MPR")),
        ]
        modes = {
            "none": self.tr("None"),
            "mip": self.tr("MIP"),
            "minip": self.tr("MinIP"),
            "mean": self.tr("Average"),
        }
        zh = i18n.current() == "zh_CN"
        for box, items in (
            (self.tool_box, tools),
            (self.slab_mode, [(m, modes[m]) for m in SLAB_MODES]),
            (self.preset, [(p.id, p.name_zh if zh else p.name) for p in vr_presets()]),
            (
                self.fuse,
                [("", self.tr("None")), *[(k, k) for k in self.others]],
            ),
        ):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            for key, text in items:
                box.addItem(text, key)
            if current is not None:
                box.setCurrentIndex(max(0, box.findData(current)))
            box.blockSignals(False)
        self.preset.blockSignals(True)  # the 3D view's preset, whatever the language
        self.preset.setCurrentIndex(self.preset.findData(self.vr.renderer.preset.id))
        self.preset.blockSignals(False)

    # ------------------------------------------------------------------ controls → model

    def _tool(self) -> None:
        self.tool = self.tool_box.currentData() or "crosshair"

    def set_tool(self, tool: str) -> None:
        """The main toolbar's tool (W/L, zoom, pan, scroll, measurements; select = crosshair)."""
        tool = "crosshair" if tool == "select" else tool
        i = self.tool_box.findData(tool)
        if i >= 0:
            self.tool_box.setCurrentIndex(i)
        self.tool = tool

    def set_active_view(self, view: str) -> None:
        if view != self.active_view:
            self.active_view = view
            self.active_changed.emit(view)

    def show_patient(self) -> None:
        """The patient overlay (name, ID, sex/age, study date, series) in every view."""
        keys = ("patient_name", "patient_id", "sex_age", "study_date", "series")
        text = "\n".join(x for k in keys if (x := self.info.get(k, "")))
        for v in self.views.values():
            v.renderer.corners.SetText(2, text)
            v.renderer.render()
        self.vr.renderer.text.SetText(2, text)
        self.vr.renderer.render()

    def _slab(self) -> None:
        mode = self.slab_mode.currentData() or "none"
        for v in VIEWS:
            self.model.set_slab(v, mode, self.slab_mm.value(), self.step_mm.value())

    def _preset(self) -> None:
        key = self.preset.currentData()
        if key:
            self.vr.renderer.set_preset(key)
            self.shade.blockSignals(True)
            self.shade.setChecked(self.vr.renderer.shading)
            self.shade.blockSignals(False)

    def _clip(self, on: bool) -> None:
        r = self.vr.renderer
        if not on:
            r.set_clip_box(None)
            return
        vol = self.model.volume
        j = float(vol.patient_to_index(self.model.center)[1]) * vol.spacing[1]
        b = list(r.bounds())
        b[2] = min(max(b[2], j), b[3] - vol.spacing[1])  # keep what lies behind the crosshair
        r.set_clip_box(tuple(b))

    def show_clip_box(self) -> ClipBoxDialog:
        if self.clip_dialog is None:
            self.clip_dialog = ClipBoxDialog(self)
        self.clip_dialog.show()
        return self.clip_dialog

    def _fuse(self) -> None:
        key = self.fuse.currentData()
        if not key:
            self.model.set_fusion(None)
            self.note.setText("")
            return
        f = fusion_for(self.model.volume, self.others[key], self.opacity.value() / 100)
        self.model.set_fusion(f)
        self.note.setText(f.note)

    def ask_text(self) -> str:
        if not dialogs.interactive():
            return self.tr("Note")
        text, ok = QInputDialog.getText(self, self.tr("Annotation"), self.tr("Text:"))
        return text if ok else ""

    def export_surface(self, path: str | os.PathLike[str]) -> Path:
        poly = self.vr.renderer.isosurface(self.iso.value())
        self.vr.renderer.show_surface(poly)
        return export_stl(poly, path)

    def ask_stl(self) -> None:
        if not dialogs.interactive():
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export STL"), "surface.stl", "STL (*.stl)"
        )
        if path:
            try:
                self.export_surface(path)
                self.note.setText(self.tr("Saved {0}").format(path))
            except (OSError, ValueError) as e:
                self.note.setText(str(e))

    def _curve(self, widget: MprViewWidget, points: list[np.ndarray]) -> None:
        try:
            s = straighten(
                self.model.volume, np.array(points), widget.renderer.grid.normal, source=self.source
            )
        except ValueError as e:
            self.note.setText(str(e))
            return
        self.last_curve = s
        self.curved_ready.emit(s)

    def curved_stack(self, s: Straightened) -> ImageStack:
        """The straightened image as a calibrated 2D image for an ordinary viewport."""
        vol = self.model.volume
        return ImageStack(
            frames=s.image[None],  # float32: interpolated values, not rounded
            pixel_spacing=(s.spacing, s.spacing),
            modality=vol.modality,
            window=self.model.window,
        )

    def finalize(self) -> None:
        for w in self.views.values():
            w.finalize()
        self.vr.finalize()
