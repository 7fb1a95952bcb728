"""The Cloud panel (医保影像云) wired to the Workspace.

:class:`CloudLink` owns the cloud service (made on first use from the saved configuration) and
the panel; a study's first image goes to :meth:`Workspace.preview`, the whole study to
:meth:`Workspace.open_study` with its origin and exam record, and every series shown of a
remote study is written to the audit log (the Workspace's :class:`Viewed` events). The series
a fetch sends first is decoded while it arrives (:class:`app.cloud_stream.StreamingLoader`):
shown at reduced resolution as soon as it can be, refined in the background; an MPR / 3D
layout opened on the reduced volume is opened again on the full one.
"""

from __future__ import annotations

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
        self.dialog: Any = None  # app.cloud.CloudDialog once opened
        self._off = workspace.events.subscribe(self._on_event)
        self.streaming = StreamingLoader(workspace, runner, refined=self._refined)
        self.streaming.keepers.append(keep_view(parent))  # colour map… across a refinement

    def ensure_service(self) -> Any:
        """The cloud service (None, with the reason in the status bar, when not configured)."""
        from cloudclient.errors import CloudError
        from cloudclient.service import CloudConfig, CloudService, config_dir

        if self.service is None:
            cfg = config_dir() / "cloud.json"
            if not cfg.exists():  # (the reason in the reader's language)
                why = QCoreApplication.translate(
                    "MainWindow",
                    "this workstation is not set up ({0} is missing): run “yunying-cloud setup”",
                )
                bad = QCoreApplication.translate("MainWindow", "Cloud not available: {0}")
                self.status(bad.format(why.format(cfg)), 30000)
                return None
            try:
                self.service = CloudService(CloudConfig.load())
            except (CloudError, RuntimeError) as exc:
                self.status(
                    QCoreApplication.translate("MainWindow", "Cloud not available: {0}").format(
                        str(exc)
                    ),
                    30000,
                )
        return self.service

    def open_panel(self) -> Any:
        """Show the Cloud panel (None when the cloud is not configured)."""
        from app.cloud import CloudDialog

        service = self.ensure_service()
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
        dlg = self.open_panel()
        if dlg is not None:
            dlg.code_edit.setText(code)
            dlg.lookup_code()

    def open_cached(self, study_uid: str) -> None:
        """A study by its UID, if this workstation's cache holds it whole."""
        files = self.service.cached(study_uid) if self.service else []
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
                self._audit_failed,
                lane="audit",
            )

    def _audit_failed(self, exc: BaseException) -> None:
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
        the next session's first cloud use checks the whole cache against the disk)."""
        self.streaming.close()
        self._off()
        if self.service is not None:
            self.service.close()
