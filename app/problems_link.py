"""The Problems panel in the main window: a status-bar button that says how many files could not
be read and opens the panel (also *View → Problems…*), a dock listing each file and why."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QPushButton

from app.problems import ProblemsPanel
from viewer.state.workspace import Workspace


class ProblemsLink(QObject):
    """Owns the status-bar button and the Problems dock (made when first shown)."""

    def __init__(self, window: QMainWindow, workspace: Workspace) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = workspace
        self.button = QPushButton(window)
        self.button.setObjectName("problemsButton")
        self.button.setFlat(True)
        self.button.clicked.connect(self.show)
        self.button.hide()
        window.statusBar().addPermanentWidget(self.button)
        self.dock: QDockWidget | None = None
        self.panel: ProblemsPanel | None = None

    def update(self) -> None:
        """The Workspace's problems changed: the button's count, the panel's list."""
        problems = self.workspace.problems
        unread = len({p.where for p in problems if p.severity == "error"})
        self.button.setVisible(bool(problems))
        self.button.setText(
            "⚠ "
            + (
                QCoreApplication.translate("MainWindow", "{0} file(s) could not be read").format(
                    unread
                )
                if unread
                else QCoreApplication.translate("MainWindow", "&Problems…").replace("&", "")
            )
        )
        if self.panel is not None:
            self.panel.set_problems(problems)

    def show(self) -> ProblemsPanel:
        if self.dock is None or self.panel is None:
            self.panel = ProblemsPanel(self.window)
            self.dock = QDockWidget(self.window)
            self.dock.setObjectName("problemsDock")
            self.dock.setWidget(self.panel)
            self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.retranslate()
        self.panel.set_problems(self.workspace.problems)
        self.dock.show()
        self.dock.raise_()
        return self.panel

    def retranslate(self) -> None:
        if self.dock is not None:
            self.dock.setWindowTitle(QCoreApplication.translate("MainWindow", "Problems"))
        self.update()
