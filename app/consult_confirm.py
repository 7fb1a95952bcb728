"""The reader's consent before this workstation joins a consultation.

:class:`ConsultConfirm` owns one question: it shows who invites (doctor, hospital), for which
patient (masked, as the national service gives it) and study, what leaves this workstation once
admitted and what comes to it — and, when a consultation is already running here, that joining
ends it: then *Join* stays disabled until the reader ticks "leave the current consultation".
Nothing is joined until the reader presses *Join* (Cancel is the default button, so Enter or
Escape never joins). The dialog is opened without blocking (``open()``), so a test — or a later
link — finds it as ``ConsultLink.confirmation`` and answers it with :meth:`answer`.

What leaves is said from this workstation's own knowledge of what
:class:`~app.consult.ConsultBridge` sends, not from the service's words; all server-given text is
shown as plain text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

translate = QCoreApplication.translate


def describe(info: Any, doctor: str) -> str:
    """The invitation in the reader's language (``info``: cloudclient's InvitationInfo)."""
    who = info.host_doctor or translate("ConsultConfirm", "(no name given)")
    if info.host_hospital:
        who = f"{who} ({info.host_hospital})"
    patient = " · ".join(x for x in (info.patient, info.sex, info.birth_year) if x)
    study = " · ".join(
        x
        for x in (info.modality, info.description, info.exam_datetime[:10], info.organisation)
        if x
    )
    minutes = max(0, round((info.expires_at - time.time()) / 60))
    sends = [
        translate("ConsultConfirm", "your name ({0}) and hospital").format(
            doctor or translate("ConsultConfirm", "no name")
        ),
        translate("ConsultConfirm", "your annotations and measurements on this study"),
        translate("ConsultConfirm", "your mouse pointer over the images"),
        translate("ConsultConfirm", "your view (series, slice, window, zoom) while you present"),
    ]
    receives = [
        translate("ConsultConfirm", "this study's images, fetched into this workstation's cache"),
        translate("ConsultConfirm", "the others' view, annotations and pointer"),
    ]
    lines = [
        translate("ConsultConfirm", "{0} invites this workstation to a consultation.").format(who),
        "",
        translate("ConsultConfirm", "Patient: {0}").format(patient or "—"),
        translate("ConsultConfirm", "Study: {0}").format(study or "—"),
        translate("ConsultConfirm", "Study Instance UID: {0}").format(info.study_uid or "—"),
        translate("ConsultConfirm", "The invitation expires in {0} minutes.").format(minutes),
        "",
        translate("ConsultConfirm", "Leaves this workstation once you are admitted:"),
        *(f"  • {s}" for s in sends),
        translate("ConsultConfirm", "Comes to this workstation:"),
        *(f"  • {s}" for s in receives),
    ]
    return "\n".join(lines)


class ConsultConfirm(QDialog):
    """Asks once whether to join the consultation described by ``info``; ``decided(join)``
    is called exactly once (Join → True; Cancel, Escape or closing → False)."""

    def __init__(
        self,
        parent: QWidget | None,
        info: Any,
        doctor: str,
        current: str,
        decided: Callable[[bool], None],
    ) -> None:
        super().__init__(parent)
        self.info = info
        self._decided = decided
        self._done = False
        self.setWindowTitle(translate("ConsultConfirm", "Join a consultation?"))
        lay = QVBoxLayout(self)
        self.text = QLabel(describe(info, doctor), self)
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # server text: never rich text
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.text)
        self.leave_box: QCheckBox | None = None
        if current:
            warn = QLabel(
                translate(
                    "ConsultConfirm",
                    "This workstation is in a consultation now ({0}). Joining ends it.",
                ).format(current),
                self,
            )
            warn.setTextFormat(Qt.TextFormat.PlainText)
            warn.setWordWrap(True)
            warn.setStyleSheet("font-weight: bold")
            lay.addWidget(warn)
            self.warning = warn
            self.leave_box = QCheckBox(
                translate("ConsultConfirm", "Leave the current consultation"), self
            )
            lay.addWidget(self.leave_box)
        buttons = QDialogButtonBox(self)
        self.join_button = QPushButton(translate("ConsultConfirm", "Join"), self)
        self.cancel_button = QPushButton(translate("ConsultConfirm", "Do not join"), self)
        self.join_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        buttons.addButton(self.join_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        if self.leave_box is not None:
            self.join_button.setEnabled(False)
            self.leave_box.toggled.connect(self.join_button.setEnabled)
        self.finished.connect(self._finished)
        self.cancel_button.setFocus()

    def accept(self) -> None:
        if not self.join_button.isEnabled():
            return  # (the current session has not been given up)
        super().accept()

    def _finished(self, result: int) -> None:
        if self._done:
            return
        self._done = True
        self._decided(result == int(QDialog.DialogCode.Accepted))

    def answer(self, join: bool, leave_current: bool = False) -> None:
        """Answer as the reader would: tick "leave" if asked to, then Join or Do not join."""
        if leave_current and self.leave_box is not None:
            self.leave_box.setChecked(True)
        (self.join_button if join else self.cancel_button).click()
