"""2D fusion (*View → Fuse With…*): an overlay volume over the active 2D viewport, chosen among
the loaded volumes that make a sensible pair with it (``fusion_pairs.json``: PET/NM/MR over CT,
PET/NM over MR), with its opacity and the threshold below which it is transparent.

The overlay is placed by geometry when both share a Frame of Reference and registered otherwise
(:func:`viewer.state.fusion.fusion_for`); the renderer blends it (``SliceRenderer.set_fusion``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QSlider, QWidget

from viewer.dicom.colormaps import fusion_defaults, fusion_pairs
from viewer.dicom.volume import Volume
from viewer.state.fusion import fusion_for
from viewer.state.mpr import Fusion


class FusionDialog(QDialog):
    """The overlay (or none), its opacity and threshold; changes apply at once."""

    def __init__(self, link: FusionLink, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("fusionDialog")
        self.link = link
        self.overlay = QComboBox(self)
        self.opacity = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity.setRange(0, 100)
        self.threshold = QSlider(Qt.Orientation.Horizontal, self)
        self.threshold.setRange(0, 90)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        form = QFormLayout(self)
        self._labels = [QLabel(self) for _ in range(3)]
        for label, w in zip(
            self._labels, (self.overlay, self.opacity, self.threshold), strict=True
        ):
            form.addRow(label, w)
        form.addRow(self.note)
        self.retranslate()
        self.overlay.currentIndexChanged.connect(self._overlay)
        self.opacity.valueChanged.connect(self._style)
        self.threshold.valueChanged.connect(self._style)

    def retranslate(self) -> None:
        self.setWindowTitle(QCoreApplication.translate("Fusion", "Fuse With"))
        for label, text in zip(
            self._labels,
            (
                QCoreApplication.translate("Fusion", "Overlay:"),
                QCoreApplication.translate("Fusion", "Opacity:"),
                QCoreApplication.translate("Fusion", "Transparent below:"),
            ),
            strict=True,
        ):
            label.setText(text)

    def fill(self, choices: dict[str, Volume], current: str) -> None:
        self.overlay.blockSignals(True)
        self.overlay.clear()
        self.overlay.addItem(QCoreApplication.translate("Fusion", "None"), "")
        for key in choices:
            self.overlay.addItem(key, key)
        self.overlay.setCurrentIndex(max(0, self.overlay.findData(current)))
        self.overlay.blockSignals(False)

    def _overlay(self) -> None:
        f = self.link.fuse(self.overlay.currentData() or "")
        if f is not None:
            self.opacity.blockSignals(True)
            self.threshold.blockSignals(True)
            self.opacity.setValue(round(f.opacity * 100))
            self.threshold.setValue(round((f.threshold or 0.0) * 100))
            self.opacity.blockSignals(False)
            self.threshold.blockSignals(False)
        self.note.setText(f.note if f is not None else "")

    def _style(self) -> None:
        self.link.restyle(self.opacity.value() / 100, self.threshold.value() / 100)


class FusionLink(QObject):
    """Owns the fusion dialog; the fusion itself is the active viewport renderer's."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.win = window
        self.dialog: FusionDialog | None = None
        self.widget: Any = None  # the viewport fused in

    def choices(self) -> dict[str, Volume]:
        """The loaded volumes that make a sensible pair over the active viewport's image."""
        w = self.win.active
        base = w.model.image if w is not None else None
        if not isinstance(base, Volume):
            return {}
        ws = self.win.workspace
        out: dict[str, Volume] = {}
        for k, img in ws.images.items():
            pair = isinstance(img, Volume) and fusion_pairs(base.modality, img.modality)
            if pair and img is not base and k in ws.series:
                out[f"{img.modality} {ws.series[k].description}".strip()] = img
        return out

    def ask(self) -> FusionDialog | None:
        choices = self.choices()
        if not choices:
            self.win.statusBar().showMessage(
                QCoreApplication.translate(
                    "Fusion",
                    "Nothing to fuse: open a PET, NM or MR series over a CT (or PET/NM over MR).",
                ),
                10000,
            )
            return None
        if self.dialog is None:
            self.dialog = FusionDialog(self, self.win)
        w = self.win.active
        f = w.renderer.fusion if w is not None else None
        current = next((k for k, v in choices.items() if f is not None and v is f.volume), "")
        self.dialog.fill(choices, current)
        self.dialog.show()
        return self.dialog

    def fuse(
        self, key: str, opacity: float | None = None, threshold: float | None = None
    ) -> Fusion | None:
        """Fuse the loaded volume ``key`` (a :meth:`choices` key; "" removes the overlay)."""
        w = self.win.active
        if w is None:
            return None
        self.widget = w
        if not key:
            w.renderer.set_fusion(None)
            self.win.reading.update_status()
            return None
        base = w.model.image
        overlay = self.choices()[key]
        d = fusion_defaults(base.modality, overlay.modality)
        f = fusion_for(base, overlay, d.opacity if opacity is None else opacity)
        f.threshold = d.threshold if threshold is None else threshold
        f.ramp = d.ramp
        w.renderer.set_fusion(f)
        return f

    def restyle(self, opacity: float, threshold: float) -> None:
        w = self.widget
        f = w.renderer.fusion if w is not None else None
        if f is None:
            return
        f.opacity = min(1.0, max(0.0, opacity))
        f.threshold = min(0.95, max(0.0, threshold))
        w.renderer.set_fusion(f)

    def mpr_opened(self, panel: Any) -> None:
        """The MPR panel offers its own fusion (only sensible pairs, see app.mpr_link)."""

    def retranslate(self) -> None:
        if self.dialog is not None:
            self.dialog.retranslate()
