"""*File → Open Recent*: the last local folders and files opened, kept in the user's settings.

Only what the Workspace offers (local paths) is listed: a cache folder may be evicted.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu, QWidget

MAX_RECENT = 8


class RecentMenu(QMenu):
    """Owns the list of recent paths (in ``settings``) and the menu that reopens them."""

    def __init__(
        self, settings: QSettings, open_paths: Callable[[list[str]], None], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.open_paths = open_paths
        self.fill()

    def paths(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(p) for p in value if p] if isinstance(value, list) else []

    def remember(self, paths: list[str]) -> None:
        recent = [p for p in self.paths() if p not in paths]
        self.settings.setValue("recent", (paths + recent)[:MAX_RECENT])
        self.fill()

    def fill(self) -> None:
        self.clear()
        recent = self.paths()
        for p in recent:
            act = self.addAction(p)
            act.triggered.connect(lambda _checked=False, p=p: self.open_paths([p]))
        self.setEnabled(bool(recent))
