"""Starting, joining and leaving a consultation from the main window.

:class:`ConsultLink` owns the session's :class:`~app.consult.ConsultBridge` (while there is one),
the invitation of a session hosted here and the workstations waiting for the host to admit them
(polled on the runner's network lane; the host admits or declines each). Every call to the
consultation service runs on that lane: the window never waits on the service. Joining looks the
invitation up, asks to join, waits for the host's admission, fetches the study through the cloud
client and opens it in the Workspace, all off the GUI thread, and then connects the bridge.
Nothing after the look-up starts before the reader agrees in a
:class:`~app.consult_confirm.ConsultConfirm` that says who invites, for which patient and study,
and what leaves this workstation — and a running consultation is left only when the reader
chooses to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtWidgets import QInputDialog, QLabel, QMessageBox, QWidget

from app import dialogs
from app.cloud import source_name
from app.cloud_link import CloudLink
from app.consult import ConsultBridge, ConsultView
from app.consult_confirm import ConsultConfirm
from app.runner import Runner
from viewer.state.workspace import Workspace


class ConsultLink(QObject):
    """Owns the consultation of one window: its bridge, the invitation and the status label."""

    def __init__(
        self,
        parent: QWidget,
        workspace: Workspace,
        runner: Runner,
        cloud: CloudLink,
        view: ConsultView,
        label: QLabel,
    ) -> None:
        super().__init__(parent)
        self.host = parent
        self.workspace = workspace
        self.runner = runner
        self.cloud = cloud
        self.view = view
        self.label = label
        self.bridge: ConsultBridge | None = None
        self.invitation: Any = None  # cloudclient.consult.Invitation of a session hosted here
        self.pending: list[Any] = []  # cloudclient.consult.JoinRequest waiting for the host
        self._host: tuple[Any, Any] | None = None  # (client, membership) while hosting
        self._asking = False
        self._decided: set[str] = set()
        self._question = ""  # a workstation asking to join, shown until the host decides
        self._session_text = ""
        self.confirmation: ConsultConfirm | None = None  # an invitation awaiting the reader
        self._describing = False  # an invitation being looked up (before the confirmation)
        self._starting: object | None = None  # a session being made (before the invitation)
        self._joining: object | None = None  # a join under way (until admitted and fetched)
        self.poll = QTimer(self)
        self.poll.setInterval(1000)
        self.poll.timeout.connect(self._poll_requests)

    def _status(self, text: str, ms: int) -> None:
        self.cloud.status(text, ms)

    def client(self, then: Callable[[Any], Any] | None = None, key: str = "consult") -> Any:
        """The consultation service's client (the cloud service's credentials, read from the
        keyring when it was made); None while the cloud service is being made (``then`` runs
        with it once it is) or when the cloud is not available (said in the status bar)."""
        svc = self.cloud.ensure_service(then=then, key=key)
        return None if svc is None else svc.consult_client()

    def start(self, minutes: float = 60.0, token: Any = None) -> bool | None:
        """Invite a colleague to read the open cloud study together: the service is asked on
        the runner's network lane (the window never waits on it), then the invitation is shown
        and kept in :attr:`invitation`. True when asked; None when there is nothing to share
        or a start is already under way (said in the status bar)."""
        record = next(
            (r.record for r in reversed(self.workspace.requests) if r.record is not None), None
        )
        svc = self.cloud.service
        if record is None or svc is None:
            self._status(
                QCoreApplication.translate(
                    "MainWindow",
                    "Open a study from the cloud first: a consultation shares a cloud study.",
                ),
                15000,
            )
            return None
        if self._starting is not None:
            self._status(
                QCoreApplication.translate("MainWindow", "A consultation is being started."),
                15000,
            )
            return None
        client = self.client()
        if client is None:
            return None
        dlg = self.cloud.dialog
        ticket = self._starting = object()

        def work() -> tuple[Any, Any]:
            tok = token or (dlg.code_token if dlg is not None else None) or svc.patient_token()
            return client.create(tok, record.study_uid, minutes=minutes, doctor=svc.config.doctor)

        def done(result: tuple[Any, Any]) -> None:
            if self._starting is not ticket:
                return  # (given up meanwhile: the window closed, or another session began)
            self._starting = None
            inv, me = result
            self.invitation = inv
            self.attach(me)
            self._host = (client, me)
            self.poll.start()
            self._status("", 1)  # ("Starting…" is done)
            if dialogs.interactive():
                QMessageBox.information(
                    self.host,
                    QCoreApplication.translate("MainWindow", "Consultation"),
                    QCoreApplication.translate(
                        "MainWindow", "Invitation code: {0}\nLink: {1}\nValid for {2:.0f} minutes."
                    ).format(inv.code, inv.link, minutes),
                )

        def failed(exc: BaseException) -> None:
            if self._starting is not ticket:
                return
            self._starting = None
            self._status(
                QCoreApplication.translate("MainWindow", "Consultation refused: {0}").format(exc),
                30000,
            )

        self._status(QCoreApplication.translate("MainWindow", "Starting the consultation…"), 30000)
        self.runner.submit(work, done, failed, lane="net")
        return True

    def ask_join(self) -> None:
        code, ok = QInputDialog.getText(
            self.host,
            QCoreApplication.translate("MainWindow", "Join Consultation"),
            QCoreApplication.translate("MainWindow", "Invitation code or link:"),
        )
        if ok and code.strip():
            self.join(code.strip())

    def current_session(self) -> str:
        """What this workstation is in now ("" when nothing): a session or a join under way."""
        if self.bridge is not None:
            return self._session_text or self.bridge.me.session_id
        if self._joining is not None:
            return QCoreApplication.translate("MainWindow", "waiting to be admitted")
        if self._starting is not None:
            return QCoreApplication.translate("MainWindow", "starting a consultation")
        return ""

    def join(self, invitation: str) -> bool | None:
        """An invitation (a link, or a code typed in File → Join Consultation…): ask the
        service what it opens (on the runner's network lane), then ask the reader
        (:class:`ConsultConfirm`, kept in :attr:`confirmation`); nothing joins, and the current
        session is not left, before the reader says so. True when the service is asked; None
        when another invitation is being looked up or awaits the reader's answer, or when the
        cloud is not available (said in the status bar); None too while the cloud service is
        being made, and the invitation is looked up once it is. A refused invitation is said
        in the status bar."""
        if self.confirmation is not None or self._describing:
            self._status(
                QCoreApplication.translate(
                    "MainWindow",
                    "A consultation invitation is already waiting for your answer.",
                ),
                15000,
            )
            return None
        client = self.client(then=lambda _s: self.join(invitation), key="join")
        if client is None:
            return None
        self._describing = True

        def failed(exc: BaseException) -> None:
            self._describing = False
            self._status(
                QCoreApplication.translate("MainWindow", "Cannot join: {0}").format(exc), 30000
            )

        self.runner.submit(
            lambda: client.describe(invitation),
            lambda info: self._confirm(invitation, info),
            failed,
            lane="net",
        )
        return True

    def _confirm(self, invitation: str, info: Any) -> None:
        """What the invitation opens, put to the reader; joins when the reader agrees."""
        self._describing = False
        if self.workspace.closed:  # (the window closed meanwhile)
            return
        current = self.current_session()

        def decided(yes: bool) -> None:
            self.confirmation = None
            dlg.deleteLater()
            if not yes:
                self._status(
                    QCoreApplication.translate("MainWindow", "Consultation invitation declined."),
                    15000,
                )
                return
            if self.current_session() and not current:
                self._status(  # (a session began meanwhile: the dialog did not say it ends)
                    QCoreApplication.translate(
                        "MainWindow", "Not joined: this workstation is in a consultation now."
                    ),
                    30000,
                )
                return
            if current:
                self.leave()
            self._request(invitation)

        dlg = ConsultConfirm(self.host, info, self.cloud.service.config.doctor, current, decided)
        self.confirmation = dlg
        dlg.open()

    def _request(self, invitation: str) -> Any:
        """Ask to join (the reader has agreed), wait for the host's admission, fetch the study
        (this workstation's cache first), open it and follow the session: all on the runner's
        network lane; a refusal is said in the status bar."""
        from cloudclient.consult import JoinPending

        client = self.client()
        if client is None:
            return None
        svc = self.cloud.service
        doctor = svc.config.doctor
        ticket = object()
        self._joining = ticket

        def work() -> tuple[Any, Any]:
            try:
                m = client.request_join(invitation, doctor=doctor)
            except JoinPending:
                m = client.join(  # waits for the host's admission
                    invitation, doctor=doctor, cancelled=lambda: self._joining is not ticket
                )
            return m, svc.fetch(m.record, m.token)

        def fetched(r: tuple[Any, Any]) -> None:
            if self._joining is not ticket:
                return  # (given up meanwhile)
            self._joining = None
            m, res = r
            self.cloud.open_study(res.folder, m.record, source_name(res.source))
            self.attach(m)

        def failed(exc: BaseException) -> None:
            if self._joining is not ticket:
                return
            self._joining = None
            self.label.setText("")
            self._status(
                QCoreApplication.translate("MainWindow", "Cannot join: {0}").format(exc), 30000
            )

        self.label.setText(
            QCoreApplication.translate(
                "MainWindow", "Consultation: waiting for the host to admit this workstation…"
            )
        )
        self.runner.submit(work, fetched, failed, lane="net")
        return True

    # ------------------------------------------------------------------ host: admitting guests

    def _poll_requests(self) -> None:
        if self._host is None or self._asking or self._question:
            return  # (one question to the host at a time)
        client, me = self._host
        self._asking = True

        def done(reqs: list[Any]) -> None:
            self._asking = False
            self.pending = [r for r in reqs if r.request not in self._decided]
            if self.pending:
                self._ask_host()

        def failed(_exc: BaseException) -> None:
            self._asking = False

        self.runner.submit(lambda: client.requests(me), done, failed, lane="net")

    def _ask_host(self) -> None:
        req = self.pending[0]
        who = " ".join(x for x in (req.doctor, f"({req.hospital})" if req.hospital else "") if x)
        question = QCoreApplication.translate(
            "MainWindow", "{0} asks to join this consultation."
        ).format(who or req.request)
        self._question = question
        self.show_status(self._session_text)
        if dialogs.interactive():
            answer = QMessageBox.question(
                self.host,
                QCoreApplication.translate("MainWindow", "Consultation"),
                question
                + "\n"
                + QCoreApplication.translate("MainWindow", "Admit this workstation?"),
            )
            self.admit(req.request, answer == QMessageBox.StandardButton.Yes)

    def admit(self, request: str, admit: bool = True) -> None:
        """The host's decision on a workstation that asked to join."""
        if self._host is None or request in self._decided:
            return
        client, me = self._host
        self._decided.add(request)
        self.pending = [r for r in self.pending if r.request != request]
        self._question = ""
        self.show_status(self._session_text)

        def failed(exc: BaseException) -> None:
            self._status(
                QCoreApplication.translate("MainWindow", "Consultation refused: {0}").format(exc),
                30000,
            )

        self.runner.submit(
            lambda: client.approve(me, request, admit=admit), None, failed, lane="net"
        )

    def attach(self, me: Any) -> ConsultBridge:
        self.leave()
        svc = self.cloud.service
        audit = svc.audit if svc is not None else None
        self.bridge = ConsultBridge(self.workspace, me, self.view, audit, self)
        return self.bridge

    def show_status(self, text: str) -> None:
        """The session's state, and who asks to join while the host has not decided."""
        self._session_text = text
        self.label.setText(" · ".join(t for t in (text, self._question) if t))

    def leave(self) -> None:
        self._joining = None  # (a join under way stops waiting for the host)
        self._starting = None  # (a session being made is not taken up)
        self._question = ""
        self.poll.stop()
        self._host = None
        self.pending = []
        if self.bridge is not None:
            # stopped now, its leave audited on the audit lane (the window waits for it as it
            # closes)
            self.bridge.close(
                lambda close: self.runner.submit(close, None, self.cloud.audit_failed, lane="audit")
            )
            self.bridge = None
            self.label.setText("")
