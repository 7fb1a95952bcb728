"""The Patient Timeline panel: the patient's exams from every place that knows of them.

One row an exam, newest first: date, modality, body part, description, hospital, province, size
and where it is now (local, cache, front-end, cloud). A *probable* match (same name, birth date
and sex, no identifier in common) is marked on its row and never merged with the patient's own
exams. Buttons: *Compare with Prior* (the selected exam, else the most relevant prior), *Open*
(as today's exam) and *Refresh*.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.state.origin import Origin
from viewer.state.timeline import Timeline, TimelineEntry


def where_text(o: Origin) -> str:
    return {
        Origin.LOCAL: QCoreApplication.translate("Timeline", "Local"),
        Origin.CACHE: QCoreApplication.translate("Timeline", "Cache"),
        Origin.FRONTEND: QCoreApplication.translate("Timeline", "Front-end"),
        Origin.CLOUD: QCoreApplication.translate("Timeline", "Cloud"),
    }[o]


def size_text(n: int | None) -> str:
    if not n:
        return "—"
    if n >= 2**30:
        return QCoreApplication.translate("Timeline", "{0:.1f} GB").format(n / 2**30)
    if n >= 2**20:
        return QCoreApplication.translate("Timeline", "{0:.1f} MB").format(n / 2**20)
    return QCoreApplication.translate("Timeline", "{0:.0f} kB").format(max(1, n / 2**10))


COLUMNS = 9


class TimelinePanel(QWidget):
    """Owns the timeline table, its note line and buttons; says which row is chosen."""

    compare = Signal(object)  # TimelineEntry | None (None: the most relevant prior)
    open_entry = Signal(object)  # TimelineEntry
    refresh = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelinePanel")
        self.entries: list[TimelineEntry] = []
        self.current_uid = ""
        self.table = QTableWidget(0, COLUMNS, self)
        self.table.setObjectName("timelineTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _i: self._compare())
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.compare_button = QPushButton(self)
        self.compare_button.setObjectName("compareButton")
        self.compare_button.clicked.connect(self._compare)
        self.open_button = QPushButton(self)
        self.open_button.clicked.connect(self._open)
        self.refresh_button = QPushButton(self)
        self.refresh_button.clicked.connect(self.refresh.emit)
        buttons = QHBoxLayout()
        for b in (self.compare_button, self.open_button, self.refresh_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        lay.addLayout(buttons)
        self.retranslate()

    def selected(self) -> TimelineEntry | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.entries[min(rows)] if rows else None

    def _compare(self) -> None:
        e = self.selected()
        self.compare.emit(e if e is not None and e.study_uid != self.current_uid else None)

    def _open(self) -> None:
        e = self.selected()
        if e is not None:
            self.open_entry.emit(e)

    def set_timeline(
        self, tl: Timeline | None, current_uid: str = "", notes: tuple[str, ...] = ()
    ) -> None:
        self.entries = list(tl.entries) if tl is not None else []
        self.current_uid = current_uid
        self.table.setRowCount(len(self.entries))
        probable = QBrush(QColor(255, 200, 80))
        for r, e in enumerate(self.entries):
            d = e.date
            date = (
                d.isoformat()
                if d is not None
                else QCoreApplication.translate("Timeline", "undated")
            )
            if e.study_uid == current_uid:
                date += " ◀ " + QCoreApplication.translate("Timeline", "today's")
            cells = [
                date,
                e.modality or "—",
                e.body_part or "—",
                e.description or "—",
                e.hospital or "—",
                e.province or "—",
                size_text(e.size_bytes),
                " + ".join(where_text(o) for o in sorted(e.origins, key=lambda o: o.rank)),
                QCoreApplication.translate("Timeline", "probable (name, birth date, sex) — confirm")
                if e.probable
                else QCoreApplication.translate("Timeline", "confirmed"),
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if e.probable:
                    item.setForeground(probable)
                    item.setToolTip(
                        QCoreApplication.translate(
                            "Timeline",
                            "Only name, birth date and sex agree: check it is the same patient",
                        )
                    )
                self.table.setItem(r, c, item)
        lines = list(notes) + (list(tl.notes) if tl is not None else [])
        if tl is not None and tl.probable:
            lines.insert(
                0,
                QCoreApplication.translate("Timeline", "{0} probable match(es), not merged").format(
                    len(tl.probable)
                ),
            )
        self.note.setText("\n".join(lines))

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("Timeline", "Date"),
                QCoreApplication.translate("Timeline", "Modality"),
                QCoreApplication.translate("Timeline", "Body part"),
                QCoreApplication.translate("Timeline", "Description"),
                QCoreApplication.translate("Timeline", "Hospital"),
                QCoreApplication.translate("Timeline", "Province"),
                QCoreApplication.translate("Timeline", "Size"),
                QCoreApplication.translate("Timeline", "Where"),
                QCoreApplication.translate("Timeline", "Match"),
            ]
        )
        self.compare_button.setText(QCoreApplication.translate("Timeline", "Compare with Prior"))
        self.open_button.setText(QCoreApplication.translate("Timeline", "Open"))
        self.refresh_button.setText(QCoreApplication.translate("Timeline", "Refresh"))
