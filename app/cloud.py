"""The "Cloud" dialog (医保影像云): open an exam by its index code, or authorize the patient (QR
code or SMS) and pick from the exam list across provinces; the study is fetched in the background,
its first image shown at once.

All work happens in :mod:`cloudclient`; this dialog only collects input, runs calls on the
application's :class:`~app.runner.Runner` (network lane) and shows results.
"""

from __future__ import annotations

import functools
import io
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.runner import Runner
from cloudclient.errors import CloudError
from cloudclient.indexcode import IndexCodeError, parse
from cloudclient.national import DeviceFlow, ExamRecord, SmsRequest
from cloudclient.retrieve import FetchResult
from cloudclient.service import CloudService
from cloudclient.tokens import AccessToken

T = TypeVar("T")


def source_name(source: Any) -> str:
    """ "cache", "frontend" or "cloud" from a fetch result's source (an Enum or its value)."""
    return str(getattr(source, "value", source))


def qr_pixmap(text: str, scale: int = 6) -> QPixmap:
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=2)
    pix = QPixmap()
    pix.loadFromData(buf.getvalue())  # the format is detected from the data
    return pix


class CloudDialog(QDialog):
    """Owns the Cloud panel's input and what it shows (exam list, QR code, progress); emits
    ``first_image(path, record)`` and ``study_ready(folder, record, source)`` where ``source``
    says where the study came from ("cache", "frontend" or "cloud"); each stored image is
    handed to the ``receiver`` its owner sets (decode while receiving) as it lands."""

    first_image = Signal(object, object)
    study_ready = Signal(object, object, str)

    def __init__(
        self, service: CloudService, parent: QWidget | None = None, runner: Runner | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cloudDialog")
        self.service = service
        self.runner = runner if runner is not None else Runner(self)
        self.records: list[ExamRecord] = []
        self.code_token: AccessToken | None = None
        self.flow: DeviceFlow | None = None
        self.sms: SmsRequest | None = None
        self._cancel = threading.Event()
        self.busy = False
        #: makes the receiver of a study about to be fetched (decode while receiving): its
        #: ``attach(series_uid, counts)`` and ``offer(series_uid, path)`` are the retrieval's
        #: callbacks (any thread), ``end(ok)`` is called here once the fetch is over
        self.receiver: Callable[[ExamRecord], Any] | None = None

        self.code_edit = QLineEdit(self)
        self.code_edit.setObjectName("codeEdit")
        self.code_edit.returnPressed.connect(self.lookup_code)  # scanners end with Enter
        self.code_button = QPushButton(self)
        self.code_button.clicked.connect(self.lookup_code)
        self.qr_button = QPushButton(self)
        self.qr_button.setObjectName("qrButton")
        self.qr_button.clicked.connect(self.start_qr)
        self.qr_label = QLabel(self)
        self.qr_label.setObjectName("qrLabel")
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown = QLabel(self)
        self.id_edit = QLineEdit(self)
        self.sms_button = QPushButton(self)
        self.sms_button.clicked.connect(self.send_sms)
        self.sms_code = QLineEdit(self)
        self.sms_code.returnPressed.connect(self.finish_sms)
        self.sms_ok = QPushButton(self)
        self.sms_ok.clicked.connect(self.finish_sms)
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("examTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self.open_selected)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("openButton")
        self.open_button.clicked.connect(self.open_selected)
        self.planned_modality = QComboBox(self)
        self.planned_modality.setObjectName("plannedModality")
        self.planned_modality.addItems(["", "CT", "MR", "PT", "CR", "DX", "US", "MG", "XA"])
        self.planned_body = QLineEdit(self)
        self.planned_body.setObjectName("plannedBody")
        self.planned_modality.currentTextChanged.connect(self._update_reminder)
        self.planned_body.textChanged.connect(self._update_reminder)
        self.reminder = QLabel(self)
        self.reminder.setObjectName("duplicateReminder")
        self.reminder.setWordWrap(True)
        self.reminder.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px;")
        self.reminder.hide()
        self.reminder_open = QPushButton(self)
        self.reminder_open.setObjectName("reminderOpen")
        self.reminder_open.clicked.connect(self._open_similar)
        self.reminder_open.hide()
        self.similar: list[ExamRecord] = []
        self.source_text = ""
        self.progress = QProgressBar(self)
        self.status = QLabel(self)
        self.status.setObjectName("cloudStatus")
        self.status.setWordWrap(True)

        row1 = QHBoxLayout()
        row1.addWidget(self.code_edit, 1)
        row1.addWidget(self.code_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.qr_button)
        row2.addWidget(self.id_edit)
        row2.addWidget(self.sms_button)
        row2.addWidget(self.sms_code)
        row2.addWidget(self.sms_ok)
        lay = QVBoxLayout(self)
        lay.addLayout(row1)
        lay.addLayout(row2)
        row3 = QHBoxLayout()
        self.planned_label = QLabel(self)
        row3.addWidget(self.planned_label)
        row3.addWidget(self.planned_modality)
        row3.addWidget(self.planned_body, 1)
        lay.addLayout(row3)
        banner = QHBoxLayout()
        banner.addWidget(self.reminder, 1)
        banner.addWidget(self.reminder_open)
        lay.addLayout(banner)
        lay.addWidget(self.qr_label)
        lay.addWidget(self.countdown)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.open_button)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        self.resize(900, 640)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Medical Insurance Imaging Cloud"))
        self.code_edit.setPlaceholderText(self.tr("Scan or type the 78-character index code"))
        self.code_button.setText(self.tr("Look Up"))
        self.qr_button.setText(self.tr("Authorize by QR Code"))
        self.id_edit.setPlaceholderText(self.tr("Patient ID number"))
        self.sms_button.setText(self.tr("Send SMS Code"))
        self.sms_code.setPlaceholderText(self.tr("Code from SMS"))
        self.sms_ok.setText(self.tr("Confirm"))
        self.open_button.setText(self.tr("Open Exam"))
        self.planned_label.setText(self.tr("Planned exam:"))
        self.planned_body.setPlaceholderText(self.tr("Body part, e.g. CHEST"))
        self.reminder_open.setText(self.tr("Open It"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Date"),
                self.tr("Modality"),
                self.tr("Description"),
                self.tr("Hospital"),
                self.tr("Province"),
                self.tr("Size"),
            ]
        )

    # ------------------------------------------------------------------ background work

    def _run(self, fn: Callable[[], T], done: Callable[[T], Any]) -> None:
        """``fn()`` on the network lane, then ``done(result)`` here (errors shown, never raised)."""
        self.runner.submit(fn, done, self._failed, lane="net")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, CloudError):
            self._error(str(exc))
        else:
            self._error(f"{type(exc).__name__}: {exc}")

    def _error(self, message: str) -> None:
        self.busy = False
        self.timer.stop()
        self.status.setText(message)
        self.status.setStyleSheet("color: #c0392b;")

    def _info(self, message: str) -> None:
        self.status.setText(message)
        self.status.setStyleSheet("")

    # ------------------------------------------------------------------ index code

    def lookup_code(self) -> None:
        text = self.code_edit.text()
        try:
            parse(text)
        except IndexCodeError as exc:
            self._error(self.tr("Invalid index code: {0}").format(str(exc)))
            return
        self._info(self.tr("Looking up the code…"))
        self._run(lambda: self.service.open_code(text), lambda r: self._show_exams(r[1], r[0]))

    # ------------------------------------------------------------------ QR authorization

    def start_qr(self) -> None:
        self._info(self.tr("Preparing the QR code…"))
        self._run(self.service.start_qr, self._show_qr)

    def _show_qr(self, flow: DeviceFlow) -> None:
        self.flow = flow
        self.qr_label.setPixmap(qr_pixmap(flow.verification_uri_complete))
        self.qr_label.setToolTip(flow.verification_uri_complete)
        self._info(
            self.tr("Ask the patient to scan the QR code and approve (code {0})").format(
                flow.user_code
            )
        )
        self.timer.start(1000)
        self._tick()
        self._cancel.clear()

        self._run(
            lambda: self.service.finish_qr(flow, cancelled=self._cancel.is_set), self._authorized
        )

    def _tick(self) -> None:
        if self.flow is not None:
            left = self.flow.seconds_left
            self.countdown.setText(
                self.tr("QR code valid for {0}:{1:02d}").format(left // 60, left % 60)
            )
            if left <= 0:
                self.timer.stop()

    def _authorized(self, tok: AccessToken) -> None:
        self.timer.stop()
        self.qr_label.clear()
        self.countdown.clear()
        self.code_token = None
        self._info(self.tr("Authorized by {0}; loading the exam list…").format(tok.label))
        self._run(self.service.exams, lambda records: self._show_exams(records, None))

    # ------------------------------------------------------------------ SMS

    def send_sms(self) -> None:
        number = self.id_edit.text().strip()
        self._run(lambda: self.service.send_sms(number), self._sms_sent)

    def _sms_sent(self, req: SmsRequest) -> None:
        self.sms = req
        self._info(self.tr("SMS code sent to {0}").format(req.phone_hint))

    def finish_sms(self) -> None:
        req, code = self.sms, self.sms_code.text()
        if req is None:
            self._error(self.tr("Send an SMS code first"))
            return
        self._run(lambda: self.service.finish_sms(req, code), self._authorized)

    # ------------------------------------------------------------------ exams and fetching

    def _show_exams(self, records: list[ExamRecord], code_token: AccessToken | None) -> None:
        self.records = records
        self.code_token = code_token
        self.table.setRowCount(len(records))
        for i, r in enumerate(records):
            cells = [
                r.exam_datetime[:16].replace("T", " "),
                r.modality,
                r.description,
                r.organisation,
                r.province,
                f"{r.size_bytes / 2**20:.1f} MB",
            ]
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        if records:
            self.table.selectRow(0)
        self._info(self.tr("{0} exam(s)").format(len(records)))
        self._update_reminder()

    # ------------------------------------------------------------------ duplicate-exam reminder

    def _update_reminder(self, *_args: Any) -> None:
        from cloudclient.reminder import similar_exams, windows

        modality = self.planned_modality.currentText()
        self.similar = (
            similar_exams(self.records, modality, self.planned_body.text())
            if modality and self.records
            else []
        )
        if not self.similar:
            self.reminder.hide()
            self.reminder_open.hide()
            return
        days, default = windows()
        latest = self.similar[0]
        self.reminder.setText(
            self.tr(
                "Duplicate-exam reminder: {0} similar exam(s) in the last {1} days; the latest on "
                "{2} at {3}. Consider opening it before ordering a new one."
            ).format(
                len(self.similar),
                days.get(modality, default),
                latest.exam_datetime[:10],
                latest.organisation,
            )
        )
        self.reminder.show()
        self.reminder_open.show()

    def _open_similar(self) -> None:
        if self.similar:
            self.table.selectRow(self.records.index(self.similar[0]))
            self.open_selected()

    def open_selected(self, *_args: Any) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.busy:
            return
        record = self.records[rows[0].row()]
        self.busy = True
        self.progress.setRange(0, max(1, record.instance_count))
        self.progress.setValue(0)
        self._info(self.tr("Fetching {0}…").format(record.description))
        token = self.code_token
        started = time.perf_counter()
        rx = self.receiver(record) if self.receiver is not None else None

        post = self.runner.post

        def work() -> FetchResult:
            res = self.service.fetch(
                record,
                token,
                progress=lambda p: post(functools.partial(self._progress, p.done, p.total)),
                on_first=lambda path: post(functools.partial(self.first_image.emit, path, record)),
                on_series=rx.attach if rx is not None else None,
                on_instance=rx.offer if rx is not None else None,
            )
            res.seconds = time.perf_counter() - started
            return res

        def fetched(res: FetchResult) -> None:
            if rx is not None:
                rx.end(True)
            self._fetched(res, record)

        def failed(exc: BaseException) -> None:
            if rx is not None:
                rx.end(False)
            self._failed(exc)

        self.runner.submit(work, fetched, failed, lane="net")

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _fetched(self, result: FetchResult, record: ExamRecord) -> None:
        self.busy = False
        self.progress.setValue(self.progress.maximum())
        where = {
            "cache": self.tr("from this workstation's cache"),
            "frontend": self.tr("from the hospital front-end server"),
            "cloud": self.tr("from the provincial cloud"),
        }.get(source_name(result.source), str(result.source))
        self.source_text = where
        self._info(
            self.tr("{0} images in {1:.1f} s, {2}").format(result.instances, result.seconds, where)
        )
        self.study_ready.emit(result.folder, record, source_name(result.source))

    def reject(self) -> None:
        self._cancel.set()
        self.timer.stop()
        super().reject()
