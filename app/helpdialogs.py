"""*Help*: the keyboard shortcut table and the About box."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import actions


def shortcut_table() -> list[tuple[str, str]]:
    """Every action with a shortcut, then the mouse and keyboard gestures of a viewport."""
    return [
        *actions.shortcut_rows(),
        (
            QCoreApplication.translate("MainWindow", "Scroll images"),
            QCoreApplication.translate(
                "MainWindow", "Mouse wheel, ↑ ↓ ← →, Page Up/Down, Home/End"
            ),
        ),
        (
            QCoreApplication.translate("MainWindow", "Window/level"),
            QCoreApplication.translate("MainWindow", "Left drag (Window/Level tool)"),
        ),
        (
            QCoreApplication.translate("MainWindow", "Zoom"),
            QCoreApplication.translate("MainWindow", "Right drag, Ctrl + wheel"),
        ),
        (
            QCoreApplication.translate("MainWindow", "Pan"),
            QCoreApplication.translate("MainWindow", "Middle drag"),
        ),
        (
            QCoreApplication.translate("MainWindow", "Fit"),
            QCoreApplication.translate("MainWindow", "Double-click"),
        ),
    ]


def shortcuts_dialog(parent: QWidget) -> QDialog:
    dlg = QDialog(parent)
    dlg.setObjectName("shortcutsDialog")
    dlg.setWindowTitle(QCoreApplication.translate("MainWindow", "Keyboard Shortcuts"))
    table = QTableWidget(dlg)
    rows = shortcut_table()
    table.setColumnCount(2)
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(
        [
            QCoreApplication.translate("MainWindow", "Action"),
            QCoreApplication.translate("MainWindow", "Shortcut"),
        ]
    )
    for i, (name, key) in enumerate(rows):
        native = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
        table.setItem(i, 0, QTableWidgetItem(name))
        table.setItem(i, 1, QTableWidgetItem(native or key))
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    lay = QVBoxLayout(dlg)
    lay.addWidget(table)
    dlg.resize(560, 640)
    dlg.show()
    return dlg


def about(parent: QWidget) -> None:
    text = QCoreApplication.translate(
        "MainWindow", "Yunying 云影 — diagnostic DICOM workstation. Not cleared for clinical use."
    )
    QMessageBox.about(parent, QCoreApplication.translate("MainWindow", "About Yunying"), text)
