"""The Problems panel: which files of what was opened could not be read (or read with doubts),
and why, in a list the reader can copy into a support request.

``ProblemsPanel(parent).set_problems(problems)`` takes :class:`viewer.dicom.model.Problem`
objects (from a scan, a load, or both). Errors come first, then warnings, then notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.dicom.model import Problem

_ORDER = {"error": 0, "warning": 1, "note": 2}


class _ProblemList(QTreeWidget):
    """The list; Ctrl+C copies whole rows (the item view alone would copy one cell)."""

    def __init__(self, on_copy: Callable[[], object]) -> None:
        super().__init__()
        self._on_copy = on_copy

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self._on_copy()
            event.accept()
            return
        super().keyPressEvent(event)


class ProblemsPanel(QWidget):
    """Owns the list of problems shown and its copy action; nothing else (the main window
    decides when to show it and what to put in it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemsPanel")
        self._problems: list[Problem] = []
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = _ProblemList(self.copy)
        self.tree.setObjectName("problemsList")
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.copy_button = QPushButton()
        self.copy_button.setObjectName("problemsCopy")
        self.copy_button.clicked.connect(self.copy)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.copy)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.tree, 1)
        self._retranslate()

    # ------------------------------------------------------------------ content

    def set_problems(self, problems: Iterable[Problem]) -> None:
        """Show ``problems`` (replacing what was shown), errors first."""
        self._problems = sorted(
            problems, key=lambda p: (_ORDER.get(p.severity, 3), p.where, p.reason)
        )
        self.tree.clear()
        items = []
        for p in self._problems:
            item = QTreeWidgetItem([self._severity_text(p.severity), p.where, p.reason])
            item.setToolTip(1, p.where)
            item.setToolTip(2, p.reason)
            items.append(item)
        self.tree.addTopLevelItems(items)
        for col in (0, 1):
            self.tree.resizeColumnToContents(col)
        self.tree.setColumnWidth(1, min(self.tree.columnWidth(1), 420))
        self._update_summary()

    def problems(self) -> list[Problem]:
        return list(self._problems)

    def text(self, selected_only: bool = False) -> str:
        """The problems as tab-separated lines (severity, file, reason)."""
        rows = self._problems
        if selected_only:
            picked = {self.tree.indexOfTopLevelItem(i) for i in self.tree.selectedItems()}
            rows = [p for n, p in enumerate(self._problems) if n in picked]
        return "\n".join(f"{self._severity_text(p.severity)}\t{p.where}\t{p.reason}" for p in rows)

    def copy(self) -> str:
        """Copy the selected problems (all of them when none is selected) to the clipboard."""
        text = self.text(selected_only=bool(self.tree.selectedItems()))
        QGuiApplication.clipboard().setText(text)
        return text

    # ------------------------------------------------------------------ texts

    def _severity_text(self, severity: str) -> str:
        return {
            "error": self.tr("Not read"),
            "warning": self.tr("Warning"),
            "note": self.tr("Note"),
        }.get(severity, severity)

    def _update_summary(self) -> None:
        errors = sum(1 for p in self._problems if p.severity == "error")
        others = len(self._problems) - errors
        if not self._problems:
            self.summary.setText(self.tr("Every file was read."))
        else:
            self.summary.setText(
                self.tr("{0} file(s) could not be read; {1} warning(s) or note(s)").format(
                    errors, others
                )
            )
        self.copy_button.setEnabled(bool(self._problems))

    def _retranslate(self) -> None:
        self.tree.setHeaderLabels([self.tr("Status"), self.tr("File"), self.tr("Reason")])
        self.copy_button.setText(self.tr("Copy"))
        self.copy_button.setToolTip(self.tr("Copy the selected problems, or all (Ctrl+C)"))
        if self._problems:
            self.set_problems(self._problems)
        else:
            self._update_summary()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
