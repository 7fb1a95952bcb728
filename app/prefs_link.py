"""Reading preferences in *Settings*: the theme (dark for reading rooms, the default, or light;
``resources/themes/*.qss``), the text size (the application font and the viewports' overlay
text, for HiDPI screens), the mouse buttons (:mod:`app.mouse_map`) and the window presets
(saved per user through :mod:`viewer.dicom.presets`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSettings, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import look, mouse_map
from app.view_target import MprTarget
from viewer.dicom.presets import WindowPreset, presets, remove_user_preset, set_user_preset
from viewer.render import overlay
from viewer.state.mouse import ACTIONS, MouseMap

THEMES = look.THEMES
TEXT_SCALES = (1.0, 1.25, 1.5, 1.75, 2.0)
#: the button/modifier combinations the mouse dialog offers
MOUSE_KEYS = (
    "left", "shift+left", "ctrl+left", "alt+left", "middle", "shift+middle", "right",
    "shift+right", "ctrl+right", "wheel", "ctrl+wheel", "shift+wheel",
)  # fmt: skip


def action_names() -> dict[str, str]:
    return {
        "tool": QCoreApplication.translate("Preferences", "Active tool"),
        "window": QCoreApplication.translate("Preferences", "Window/level"),
        "zoom": QCoreApplication.translate("Preferences", "Zoom"),
        "pan": QCoreApplication.translate("Preferences", "Pan"),
        "scroll": QCoreApplication.translate("Preferences", "Scroll slices / move plane"),
        "crosshair": QCoreApplication.translate("Preferences", "Move crosshair (MPR)"),
        "rotate_crosshair": QCoreApplication.translate("Preferences", "Turn crosshair (MPR)"),
        "none": QCoreApplication.translate("Preferences", "Nothing"),
    }


def key_label(key: str) -> str:
    """``shift+wheel`` as the reader reads it: modifier keys by name, the button in words."""
    buttons = {
        "left": QCoreApplication.translate("Preferences", "left button"),
        "middle": QCoreApplication.translate("Preferences", "middle button"),
        "right": QCoreApplication.translate("Preferences", "right button"),
        "wheel": QCoreApplication.translate("Preferences", "wheel"),
    }
    *mods, button = key.split("+")
    return "+".join([*(m.capitalize() for m in mods), buttons.get(button, button)])


class MouseDialog(QDialog):
    """One combo box per button and modifier; OK saves the user's mapping."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("mouseDialog")
        self.setWindowTitle(QCoreApplication.translate("Preferences", "Mouse Buttons"))
        form = QFormLayout(self)
        current = mouse_map.mouse_map()
        names = action_names()
        self.boxes: dict[str, QComboBox] = {}
        for key in MOUSE_KEYS:
            box = QComboBox(self)
            for a in ACTIONS:
                box.addItem(names[a], a)
            *mods, button = key.split("+")
            box.setCurrentIndex(box.findData(current.action(button, mods)))
            form.addRow(key_label(key), box)
            self.boxes[key] = box
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def mapping(self) -> MouseMap:
        return MouseMap({k: str(b.currentData()) for k, b in self.boxes.items()})


class PresetDialog(QDialog):
    """The window presets of one modality: name, centre and width; Save writes the user's file."""

    saved = Signal()

    def __init__(self, parent: QWidget, modality: str = "CT") -> None:
        super().__init__(parent)
        self.setObjectName("presetDialog")
        self.setWindowTitle(QCoreApplication.translate("Preferences", "Window Presets"))
        self.modality = QComboBox(self)
        for m in ("CT", "MR", "PT", "NM", "CR", "DX", "MG"):
            self.modality.addItem(m, m)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("Preferences", "Name"),
                QCoreApplication.translate("Preferences", "Centre"),
                QCoreApplication.translate("Preferences", "Width"),
            ]
        )
        add, remove = (
            QPushButton(QCoreApplication.translate("Preferences", "Add"), self),
            QPushButton(QCoreApplication.translate("Preferences", "Remove"), self),
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close, self
        )
        lay = QVBoxLayout(self)
        lay.addWidget(self.modality)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(buttons)
        add.clicked.connect(
            lambda: self.add_row(
                QCoreApplication.translate("Preferences", "New preset"), 40.0, 400.0
            )
        )
        remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.modality.currentIndexChanged.connect(self.load)
        self.modality.setCurrentIndex(max(0, self.modality.findData(modality)))
        self.load()
        self.resize(480, 420)

    def load(self) -> None:
        self.table.setRowCount(0)
        self._shown = {p.id: p for p in presets(self.modality.currentData())}
        for p in self._shown.values():
            self.add_row(p.name, p.center, p.width, p.id)

    def add_row(self, name: str, center: float, width: float, pid: str = "") -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        item = QTableWidgetItem(name)
        item.setData(256, pid)  # Qt.UserRole: the preset's id ("" for a new one)
        self.table.setItem(r, 0, item)
        for col, value, lo in ((1, center, -100000.0), (2, width, 1e-3)):
            spin = QDoubleSpinBox(self.table)
            spin.setDecimals(2)
            spin.setRange(lo, 100000.0)
            spin.setValue(value)
            self.table.setCellWidget(r, col, spin)

    def rows(self) -> list[tuple[str, str, float, float]]:
        out = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            assert item is not None
            c, w = self.table.cellWidget(r, 1), self.table.cellWidget(r, 2)
            assert isinstance(c, QDoubleSpinBox) and isinstance(w, QDoubleSpinBox)
            out.append((str(item.data(256) or ""), item.text(), c.value(), w.value()))
        return out

    def save(self) -> None:
        """Write the changes (per user): changed and new presets, and the removed ones hidden."""
        modality = str(self.modality.currentData())
        kept: set[str] = set()
        for n, (pid, name, c, w) in enumerate(self.rows()):
            old = self._shown.get(pid)
            pid = pid or f"user_{n}_{abs(hash((name, c, w))) % 100000}"
            kept.add(pid)
            if old is not None and (old.name, old.center, old.width) == (name, c, w):
                continue
            unit = old.unit if old is not None else ("SUV" if modality == "PT" else "")
            zh = old.name_zh if old is not None and old.name == name else name
            set_user_preset(modality, WindowPreset(pid, name, zh, c, w, unit))
        for pid in set(self._shown) - kept:
            remove_user_preset(modality, pid)
        self.load()
        self.saved.emit()


class PrefsLink(QObject):
    """Owns the Settings dialogs and applies the saved theme and text size at start."""

    def __init__(self, window: Any, changed: Callable[[], None]) -> None:
        super().__init__(window)
        self.win = window
        self.changed = changed
        self.settings = QSettings("Yunying", "Yunying")
        self.mouse_dialog: MouseDialog | None = None
        self.preset_dialog: PresetDialog | None = None
        self.theme = look.saved_theme(self.settings)
        self.text_scale = look.saved_text_scale(self.settings)
        self.set_theme(self.theme, save=False)
        self.set_text_scale(self.text_scale, save=False)

    def set_theme(self, theme: str, save: bool = True) -> None:
        """Dark (reading rooms, the default) or light."""
        look.apply_theme(theme)
        self.theme = theme
        act = self.win.acts.get(f"theme_{theme}") if hasattr(self.win, "acts") else None
        if act is not None:
            act.setChecked(True)
        if save:
            self.settings.setValue("theme", theme)

    def set_text_scale(self, scale: float, save: bool = True) -> None:
        """The application font and the overlay text × ``scale``."""
        scale = look.apply_text_scale(scale)
        self.text_scale = scale
        overlay.TEXT_SCALE[0] = scale
        for r in self._renderers():
            for text in (getattr(r, "corners", None), getattr(r, "edges", None)):
                if text is not None:
                    text.rescale()
            r.render()
        if save:
            self.settings.setValue("text_scale", scale)

    def _renderers(self) -> list[Any]:
        out = [w.renderer for w in getattr(self.win, "viewports", [])]
        panel = getattr(self.win, "mpr", None) if hasattr(self.win, "mpr_link") else None
        if panel is not None:
            out += MprTarget(panel).renderers()
        return out

    def ask_text_size(self) -> None:
        items = [f"{round(s * 100)} %" for s in TEXT_SCALES]
        now = min(range(len(TEXT_SCALES)), key=lambda i: abs(TEXT_SCALES[i] - self.text_scale))
        item, ok = QInputDialog.getItem(
            self.win,
            QCoreApplication.translate("Preferences", "Text Size"),
            QCoreApplication.translate("Preferences", "Text size:"),
            items,
            now,
            False,
        )
        if ok:
            self.set_text_scale(TEXT_SCALES[items.index(item)])

    def edit_mouse(self) -> MouseDialog:
        self.mouse_dialog = MouseDialog(self.win)
        self.mouse_dialog.accepted.connect(
            lambda: mouse_map.set_mouse_map(self.mouse_dialog.mapping())
        )
        self.mouse_dialog.show()
        return self.mouse_dialog

    def edit_presets(self) -> PresetDialog:
        t = self.win.reading.target() if hasattr(self.win, "reading") else None
        modality = t.image.modality if t is not None else "CT"
        self.preset_dialog = PresetDialog(self.win, modality or "CT")
        self.preset_dialog.saved.connect(self.changed)
        self.preset_dialog.show()
        return self.preset_dialog

    def retranslate(self) -> None:
        pass
