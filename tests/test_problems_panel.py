"""The Problems panel on its own: lists what could not be read with reasons, errors first, and
copies them (all, or the selection) with the Copy button and Ctrl+C."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.problems import ProblemsPanel
from viewer.dicom.model import Problem

PROBLEMS = [
    Problem("/cd/IMG3", "Rescale Slope is nan; taken as 1", "warning"),
    Problem("/cd/IMG1", "empty file (0 bytes)"),
    Problem("/cd/SR1", "no image in this object (Basic Text SR Storage); not shown", "note"),
    Problem("/cd/pipe", "a named pipe (FIFO), not a file: not read"),
]


def test_panel_lists_errors_first_and_copies(qtbot) -> None:
    panel = ProblemsPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_problems(PROBLEMS)
    tree = panel.tree
    assert tree.topLevelItemCount() == 4
    items = [tree.topLevelItem(i) for i in range(4)]
    rows = [[it.text(c) for c in range(3)] for it in items if it is not None]
    assert [r[1] for r in rows] == ["/cd/IMG1", "/cd/pipe", "/cd/IMG3", "/cd/SR1"]
    assert rows[0][2] == "empty file (0 bytes)" and rows[0][0] == "Not read"
    assert "2 file(s) could not be read" in panel.summary.text()

    # nothing selected: the Copy button copies every problem, one per line
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    text = QApplication.clipboard().text()
    assert text.splitlines() == [
        "Not read\t/cd/IMG1\tempty file (0 bytes)",
        "Not read\t/cd/pipe\ta named pipe (FIFO), not a file: not read",
        "Warning\t/cd/IMG3\tRescale Slope is nan; taken as 1",
        "Note\t/cd/SR1\tno image in this object (Basic Text SR Storage); not shown",
    ]

    # a selection and Ctrl+C: only the selected rows
    QApplication.clipboard().clear()
    tree.setFocus()
    third = tree.topLevelItem(2)
    assert third is not None
    third.setSelected(True)
    qtbot.keyClick(tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "Warning\t/cd/IMG3\tRescale Slope is nan; taken as 1"

    panel.set_problems([])
    assert tree.topLevelItemCount() == 0
    assert not panel.copy_button.isEnabled()
