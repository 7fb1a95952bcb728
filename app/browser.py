"""The study browser: patient → study → series, with thumbnails; series open by double-click or
by dragging them onto a viewport."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from app.viewport import SERIES_MIME
from viewer.dicom.model import ScanResult, SeriesInfo
from viewer.dicom.overlay import dicom_date, person_name

KEY_ROLE = Qt.ItemDataRole.UserRole + 1


class StudyBrowser(QTreeWidget):
    open_series = Signal(str)  # series key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("studyBrowser")
        self.setColumnCount(4)
        self.setIconSize(QSize(56, 56))
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.itemDoubleClicked.connect(self._double_clicked)
        self.series: dict[str, SeriesInfo] = {}
        self.retranslate()

    def retranslate(self) -> None:
        self.setHeaderLabels(
            [
                self.tr("Patient / Study / Series"),
                self.tr("Modality"),
                self.tr("Date"),
                self.tr("Images"),
            ]
        )

    def add_scan(self, result: ScanResult, thumbs: dict[str, np.ndarray | None]) -> None:
        for patient in result.patients:
            pitem = QTreeWidgetItem(
                self,
                [
                    f"{person_name(patient.name)}  ({patient.patient_id})",
                    "",
                    patient.birth_date and dicom_date(patient.birth_date),
                    "",
                ],
            )
            for study in patient.studies:
                sitem = QTreeWidgetItem(
                    pitem,
                    [
                        study.description or self.tr("(no description)"),
                        "/".join(study.modalities),
                        dicom_date(study.date),
                        "",
                    ],
                )
                for s in study.series:
                    if not s.frames:
                        continue
                    self.series[s.key] = s
                    label = (
                        f"#{s.series_number if s.series_number is not None else '?'} "
                        f"{s.description or self.tr('(no description)')}"
                    )
                    if s.part:
                        label += f" [{s.part + 1}]"
                    item = QTreeWidgetItem(
                        sitem, [label, s.modality, dicom_date(study.date), str(len(s.frames))]
                    )
                    item.setData(0, KEY_ROLE, s.key)
                    thumb = thumbs.get(s.key)
                    if thumb is not None:
                        item.setIcon(0, QIcon(QPixmap.fromImage(_qimage(thumb))))
                    item.setToolTip(0, "\n".join(s.notes) or label)
                sitem.setExpanded(True)
            pitem.setExpanded(True)
        for col in range(1, 4):
            self.resizeColumnToContents(col)
        self.setColumnWidth(0, max(self.columnWidth(0), 260))

    def series_items(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.topLevelItemCount()):
            p = self.topLevelItem(i)
            assert p is not None
            for j in range(p.childCount()):
                st = p.child(j)
                assert st is not None
                out += [c for k in range(st.childCount()) if (c := st.child(k)) is not None]
        return out

    def _double_clicked(self, item: QTreeWidgetItem, _col: int) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.open_series.emit(key)

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # type: ignore[override]
        mime = QMimeData()
        keys = [i.data(0, KEY_ROLE) for i in items if i.data(0, KEY_ROLE)]
        if keys:
            mime.setData(SERIES_MIME, keys[0].encode())
        return mime

    def mimeTypes(self) -> list[str]:
        return [SERIES_MIME]


def _qimage(gray: np.ndarray) -> QImage:
    g = np.ascontiguousarray(gray)
    img = QImage(g.data, g.shape[1], g.shape[0], g.strides[0], QImage.Format.Format_Grayscale8)
    return img.copy()  # own the pixels
