"""The Cloud panel (医保影像云) wired to the Workspace.

:class:`CloudLink` owns the cloud service (made on first use from the saved configuration, on
the runner's network lane: it reads the OS keyring, whose unlock prompt may wait on the reader,
and after a crash checks the cache against the disk) and the panel; a study's first image goes
to :meth:`Workspace.preview`, the whole study to :meth:`Workspace.open_study` with its origin
and exam record, and every series shown of a remote study is written to the audit log (the
Workspace's :class:`Viewed` events). The series a fetch sends first is decoded while it arrives
(:class:`app.cloud_stream.StreamingLoader`): shown at reduced resolution as soon as it can be,
refined in the background; an MPR / 3D layout opened on the reduced volume is opened again on
the full one.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QWidget

from app.cloud_stream import StreamingLoader
from app.refine_view import keep_view
from app.runner import Runner
from cloudclient.store import InstanceStore
from viewer.state.origin import Origin
from viewer.state.workspace import Viewed, Workspace, WorkspaceEvent

ORIGINS = {"cache": Origin.CACHE, "frontend": Origin.FRONTEND, "cloud": Origin.CLOUD}


class CloudLink(QObject):
    """Owns the cloud service and the Cloud panel of one window."""

    def __init__(
        self,
        parent: QWidget,
        workspace: Workspace,
        runner: Runner,
        status: Callable[[str, int], None],
    ) -> None:
        super().__init__(parent)
        self.host = parent
        self.workspace = workspace
        self.runner = runner
        self.status = status
        self.service: Any = None  # cloudclient.service.CloudService, made on first use
        self._making = False  # the service being made (on the network lane)
        self._waiting: dict[str, Callable[[Any], Any]] = {}  # what asked for it meanwhile
        self._lock = threading.Lock()  # (the window's closing and the service's making)
        self._fresh: Any = None  # a service made, not yet taken by the window
        self._closed = False
        self._connecting = ""  # the status bar's message meanwhile
        self.dialog: Any = None  # app.cloud.CloudDialog once opened
        self._off = workspace.events.subscribe(self._on_event)
        self.streaming = StreamingLoader(workspace, runner, refined=self._refined)
        self.streaming.keepers.append(keep_view(parent))  # colour map… across a refinement

    def ensure_service(self, then: Callable[[Any], Any] | None = None, key: str = "") -> Any:
        """The cloud service; None when it is not there yet. The first time it is made on the
        runner's network lane (the window never waits on the keyring or on a check of the cache
        after a crash): meanwhile "Connecting to the cloud…" in the status bar, and ``then``
        (the action that asked; one per ``key``, the latest) runs with it once it is made. When
        the workstation is not set up or the service cannot be made, the reason is in the
        status bar and ``then`` never runs."""
        from cloudclient.service import CloudConfig, config_dir

        if self.service is not None:
            return self.service
        cfg = config_dir() / "cloud.json"
        if not cfg.exists():  # (the reason in the reader's language)
            why = QCoreApplication.translate(
                "MainWindow",
                "this workstation is not set up ({0} is missing): run “yunying-cloud setup”",
            )
            self._not_available(why.format(cfg))
            return None
        if then is not None:
            self._waiting.pop(key, None)  # (asked again: once, in the order last asked)
            self._waiting[key] = then
        if not self._making:
            self._making = True
            self._connecting = QCoreApplication.translate("MainWindow", "Connecting to the cloud…")
            self.status(self._connecting, 0)
            self.runner.submit(
                lambda: self._make(CloudConfig.load()), self._made, self._not_made, lane="net"
            )
        return None

    @property
    def connecting(self) -> bool:
        """The service is being made (:meth:`ensure_service`)."""
        return self._making

    def _make(self, config: Any) -> Any:
        """(On the network lane.) The service; closed here when the window closed meanwhile,
        else kept in ``_fresh`` until the window takes it (or closes it, closing first)."""
        from cloudclient.service import CloudService

        service = CloudService(config)
        with self._lock:
            if not self._closed:
                self._fresh = service
                return service
        service.close()
        return None

    def _made(self, service: Any) -> None:
        with self._lock:
            self._fresh = None
        self._making = False
        waiting, self._waiting = list(self._waiting.values()), {}
        if self._closed or service is None:
            return  # (the window closed meanwhile: the service is closed)
        if self.service is not None:
            service.close()  # (a service was given to the window meanwhile: that one is used)
        else:
            self.service = service
        bar = self.host.statusBar() if hasattr(self.host, "statusBar") else None
        if bar is not None and bar.currentMessage() == self._connecting:
            bar.clearMessage()
        for then in waiting:
            try:
                then(self.service)
            except Exception as exc:  # one failed action does not stop the others
                traceback.print_exc()
                self.status(
                    QCoreApplication.translate("MainWindow", "Failed: {0}").format(exc), 30000
                )

    def _not_made(self, exc: BaseException) -> None:
        from cloudclient.errors import CloudError

        self._making = False
        self._waiting = {}
        if self._closed:
            return
        text = str(exc) if isinstance(exc, CloudError | RuntimeError | OSError) else repr(exc)
        self._not_available(text)

    def _not_available(self, why: str) -> None:
        bad = QCoreApplication.translate("MainWindow", "Cloud not available: {0}")
        self.status(bad.format(why), 30000)

    def open_panel(self) -> Any:
        """Show the Cloud panel (None when the cloud is not configured)."""
        from app.cloud import CloudDialog

        service = self.ensure_service(then=lambda _s: self.open_panel(), key="panel")
        if service is None:
            return None
        if self.dialog is None or self.dialog.service is not service:
            dlg = CloudDialog(service, self.host, self.runner)
            dlg.first_image.connect(self.preview)
            dlg.study_ready.connect(self.open_study)
            dlg.receiver = self.streaming.start
            self.dialog = dlg
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def preview(self, path: Path, record: Any) -> None:
        """The first image of a study still arriving: shown at once in the active viewport."""
        self.workspace.preview(path, record, Origin.CLOUD)

    def open_study(self, folder: Path, record: Any, source: str = "cache") -> None:
        """The whole study is here: opened like a local one, the previewed series in place."""
        if self.workspace.closed:
            return
        self.workspace.open_study(
            InstanceStore.instance_dirs(folder),
            origin=ORIGINS.get(source, Origin.CLOUD),
            record=record,
        )
        if self.dialog is not None and self.dialog.source_text:
            self.status(
                QCoreApplication.translate("MainWindow", "Opened {0}, {1}").format(
                    record.description, self.dialog.source_text
                ),
                30000,
            )

    def open_code(self, code: str) -> None:
        if self.ensure_service(then=lambda _s: self.open_code(code), key="panel") is None:
            return
        dlg = self.open_panel()
        if dlg is not None:
            dlg.code_edit.setText(code)
            dlg.lookup_code()

    def open_cached(self, study_uid: str) -> None:
        """A study by its UID, if this workstation's cache holds it whole."""
        service = self.ensure_service(then=lambda _s: self.open_cached(study_uid), key="cached")
        if service is None:
            return
        files = service.cached(study_uid)
        if files:
            self.workspace.open_study(
                InstanceStore.instance_dirs(files[0].parent.parent), origin=Origin.CACHE
            )
        else:
            self.status(
                QCoreApplication.translate(
                    "MainWindow", "Study {0} is not on this workstation; open it by its index code"
                ).format(study_uid),
                30000,
            )

    def _on_event(self, ev: WorkspaceEvent) -> None:
        record = ev.request.record if isinstance(ev, Viewed) else None
        svc = self.service
        if record is not None and svc is not None and hasattr(record, "study_uid"):
            # audited off the GUI thread: a line costs keyring calls (its key and the chain's
            # anchor) and an fsync, a locked keyring far more
            series = ev.series_uid  # type: ignore[union-attr]
            self.runner.submit(
                lambda: svc.viewed(record.study_uid, series, record.code),
                None,
                self.audit_failed,
                lane="audit",
            )

    def audit_failed(self, exc: BaseException) -> None:
        """An audit line not written (a view's, a consultation's leave): said in the status
        bar."""
        self.status(
            QCoreApplication.translate("MainWindow", "The audit log was not written: {0}").format(
                exc
            ),
            30000,
        )

    def _refined(self, image: Any) -> None:
        """A reduced volume was refined: an MPR / 3D layout open on it takes the full volume in
        place (:meth:`app.mpr_link.MprLink.refine`), or is opened again on it if it cannot."""
        mpr = getattr(self.host, "mpr_link", None)
        if mpr is None or mpr.panel is None or not mpr.panel.model.volume.reduced_level:
            return
        if mpr.panel.model.volume.series_uid == getattr(image, "series_uid", "") and mpr.refine(
            image
        ):
            return
        active = self.workspace.active
        if active is not None and active.image is image:
            mpr.toggle(True)

    def close(self) -> None:
        """The window closes: streaming stops and the cache's catalog is closed cleanly (else
        the next session's first cloud use checks the whole cache against the disk); a service
        still being made is closed when it is."""
        with self._lock:
            self._closed = True
            fresh, self._fresh = self._fresh, None
        if fresh is not None:
            fresh.close()
        self.streaming.close()
        self._off()
        if self.service is not None:
            self.service.close()
