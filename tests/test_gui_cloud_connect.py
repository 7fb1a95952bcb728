"""The cloud service is made off the GUI thread: it reads the OS keyring (a locked keyring waits
on its unlock prompt) and, after a crash, checks the whole cache against the disk. Meanwhile the
window works and says "Connecting to the cloud…"; the action that asked goes on once it is
made, and a failure is said with its reason."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from tests.test_gui import shown_window


@pytest.fixture
def configured(devcloud, memory_keyring, tmp_path: Path, monkeypatch):
    """A workstation set up for the devcloud (its secret in the in-memory keyring)."""
    from cloudclient.cli import main

    monkeypatch.setenv("YUNYING_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("YUNYING_CLOUD_DATA", str(tmp_path / "data"))
    assert main(["setup", "--devcloud", str(devcloud.state_dir), "--doctor", "Dr. Test"]) == 0
    return memory_keyring


class LockedKeyring:
    """The keyring's reads wait (at most ``limit`` s) until it is unlocked; who read is kept."""

    def __init__(self, backend, limit: float = 8.0) -> None:
        self.backend, self.limit = backend, limit
        self.unlocked = threading.Event()
        self.readers: list[threading.Thread] = []
        self._get = backend.get_password

    def get_password(self, service: str, username: str) -> str | None:
        self.readers.append(threading.current_thread())
        self.unlocked.wait(self.limit)
        return self._get(service, username)


def test_a_locked_keyring_never_freezes_the_window(qtbot, configured, monkeypatch) -> None:
    locked = LockedKeyring(configured)
    monkeypatch.setattr(configured, "get_password", locked.get_password)
    repaired: list[threading.Thread] = []
    from cloudclient.catalog import Catalog

    real_repair = Catalog.repair

    def repair(self):  # after a crash: the cache is checked against the disk
        repaired.append(threading.current_thread())
        return real_repair(self)

    monkeypatch.setattr(Catalog, "repair", repair)
    from cloudclient.service import CloudConfig, data_dir

    cfg = CloudConfig.load()
    Catalog(Path(cfg.cache_dir) if cfg.cache_dir else data_dir() / "cache")  # never closed: a crash
    w = shown_window(qtbot)
    try:
        t0 = time.monotonic()
        qtbot.keyClick(w, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        assert time.monotonic() - t0 < 2.0  # (the old code waited here for the keyring)
        assert w.statusBar().currentMessage() == "Connecting to the cloud…"
        assert w.cloud_dialog is None
        ticks: list[int] = []
        QTimer.singleShot(50, lambda: ticks.append(1))
        qtbot.waitUntil(lambda: bool(ticks), timeout=2000)  # the event loop runs meanwhile
        qtbot.keyClick(w, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)  # asked again
        assert w.cloud_dialog is None and w.cloud.connecting
        locked.unlocked.set()
        qtbot.waitUntil(lambda: w.cloud_dialog is not None and w.cloud_dialog.isVisible())
        assert w.statusBar().currentMessage() != "Connecting to the cloud…"
        assert locked.readers and threading.main_thread() not in locked.readers
        assert repaired and threading.main_thread() not in repaired
        assert not w.cloud.connecting and w.cloud_service is not None
    finally:
        locked.unlocked.set()
        w.close()


def test_a_service_that_cannot_be_made_says_why(qtbot, configured, devcloud) -> None:
    """No secret in the keyring: the reason in the status bar, nothing opened; once it is there
    again, the next Ctrl+K makes the service and opens the panel."""
    from cloudclient import tokens
    from cloudclient.service import CloudConfig

    configured.data.clear()
    w = shown_window(qtbot)
    try:
        qtbot.keyClick(w, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: "Cloud not available" in w.statusBar().currentMessage())
        assert "client secret is not in the OS keyring" in w.statusBar().currentMessage()
        assert w.cloud_dialog is None and not w.cloud.connecting and w.cloud_service is None
        tokens.save_client_secret(CloudConfig.load().client_id, devcloud.client_secret)
        qtbot.keyClick(w, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: w.cloud_dialog is not None and w.cloud_dialog.isVisible())
    finally:
        w.close()


def test_closed_while_connecting_the_service_is_closed_when_made(
    qtbot, configured, monkeypatch
) -> None:
    """The window closes while the keyring is still being read: once the service is made it is
    closed at once (its cache's catalog left clean: no check of the cache at the next start),
    and nothing opens."""
    from cloudclient.catalog import Catalog
    from cloudclient.service import CloudConfig, data_dir

    locked = LockedKeyring(configured)
    monkeypatch.setattr(configured, "get_password", locked.get_password)
    cfg = CloudConfig.load()
    root = Path(cfg.cache_dir) if cfg.cache_dir else data_dir() / "cache"
    w = shown_window(qtbot)
    qtbot.keyClick(w, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert w.cloud.connecting
    w.close()
    locked.unlocked.set()
    qtbot.waitUntil(lambda: not w.cloud.connecting and (root / "catalog.sqlite").exists())
    assert not (root / ".catalog-open").exists()
    assert not Catalog(root).recovered
    assert w.cloud_service is None and w.cloud_dialog is None


def test_a_service_given_while_connecting_serves_what_was_asked(
    qtbot, configured, monkeypatch, tmp_path: Path
) -> None:
    """A service handed to the window while its own is being made (as tests and embedders
    do): the actions asked meanwhile run with it, once each, and the one made is closed."""
    from tests.test_gui import _offline_cloud

    given = _offline_cloud(tmp_path / "given")
    locked = LockedKeyring(configured)
    monkeypatch.setattr(configured, "get_password", locked.get_password)
    w = shown_window(qtbot)
    try:
        opened: list[object] = []
        w.cloud.ensure_service(then=opened.append, key="probe")
        w.cloud.ensure_service(then=opened.append, key="probe")  # asked twice: once
        w.cloud_service = given
        locked.unlocked.set()
        qtbot.waitUntil(lambda: not w.cloud.connecting)
        assert opened == [given] and w.cloud_service is given
        assert w.statusBar().currentMessage() != "Connecting to the cloud…"
    finally:
        locked.unlocked.set()
        w.close()
