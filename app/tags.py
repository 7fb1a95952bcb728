"""The DICOM tag browser (Ctrl+I): the active image's header as a searchable tree.

Only wiring: the tree comes from :mod:`viewer.dicom.tags`. Use::

    dlg = show_tags(parent, source)   # source: a pydicom Dataset, or a file path
    dlg.set_source(other)                   # show another image in the same window
    dlg.set_filter("weight")                # what typing in the search box does

Sequences expand to their items; private elements show their creator in the Tag column.
"""

from __future__ import annotations

import os

from pydicom.dataset import Dataset
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.dicom.tags import TagNode, TagTree, build_tree, read_header, search

Source = Dataset | str | os.PathLike[str]
#: Above this many matching nodes the tree opens collapsed (expanding would take long).
EXPAND_LIMIT = 2000


class TagBrowser(QDialog):
    """Owns the tag tree of one header and its search box; holds no other state."""

    COLUMNS = 4  # Tag, Name, VR, Value

    def __init__(self, source: Source | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagBrowser")
        self.setWindowTitle(QCoreApplication.translate("TagBrowser", "DICOM Tags"))
        self._tree_data = TagTree([])
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("tagSearch")
        self.search_box.setPlaceholderText(
            QCoreApplication.translate("TagBrowser", "Search tag, name or value…")
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self.set_filter)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("tagTree")
        self.tree.setColumnCount(self.COLUMNS)
        self.tree.setHeaderLabels(
            [
                QCoreApplication.translate("TagBrowser", "Tag"),
                QCoreApplication.translate("TagBrowser", "Name"),
                QCoreApplication.translate("TagBrowser", "VR"),
                QCoreApplication.translate("TagBrowser", "Value"),
            ]
        )
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.status = QLabel(self)
        self.status.setObjectName("tagStatus")
        lay = QVBoxLayout(self)
        lay.addWidget(self.search_box)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.status)
        self.resize(900, 700)
        if source is not None:
            self.set_source(source)

    # ------------------------------------------------------------------ API

    def set_source(self, source: Source) -> None:
        """Show the header of a Dataset or of the file at a path; errors are shown, not raised."""
        if isinstance(source, Dataset):
            ds = source
            where = str(getattr(source, "filename", "") or "")
        else:
            where = os.fspath(source)
            try:
                ds = read_header(where)
            except Exception as exc:
                self._tree_data = TagTree([])
                self.tree.clear()
                self.status.setText(
                    QCoreApplication.translate("TagBrowser", "Cannot read {0}: {1}").format(
                        where, exc
                    )
                )
                return
        self._tree_data = build_tree(ds)
        self.setWindowTitle(
            QCoreApplication.translate("TagBrowser", "DICOM Tags")
            + (f" — {os.path.basename(where)}" if where else "")
        )
        self.set_filter(self.search_box.text())

    def set_filter(self, text: str) -> None:
        """Show only elements matching ``text`` (and the sequences that hold them)."""
        if self.search_box.text() != text:
            self.search_box.setText(text)  # re-enters through textChanged
            return
        nodes = search(self._tree_data.nodes, text)
        self.tree.clear()
        self.tree.addTopLevelItems([self._item(n) for n in nodes])
        count = sum(1 for n in nodes for _ in n.walk())
        if text.strip() and count <= EXPAND_LIMIT:
            self.tree.expandAll()
        total = sum(1 for _ in self._tree_data.walk())
        msg = (
            QCoreApplication.translate("TagBrowser", "{0} of {1} elements").format(count, total)
            if text.strip()
            else ""
        )
        if self._tree_data.truncated:
            msg = (msg + " · " if msg else "") + QCoreApplication.translate(
                "TagBrowser", "header too large: not all elements shown"
            )
        self.status.setText(msg)

    def items(self) -> list[QTreeWidgetItem]:
        """Every row now in the tree, depth first (for tests and keyboard navigation)."""
        out: list[QTreeWidgetItem] = []

        def walk(item: QTreeWidgetItem) -> None:
            out.append(item)
            for i in range(item.childCount()):
                child = item.child(i)
                if child is not None:
                    walk(child)

        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is not None:
                walk(top)
        return out

    # ------------------------------------------------------------------ internals

    def _item(self, node: TagNode) -> QTreeWidgetItem:
        tag = node.tag
        if node.private_creator:
            tag = f"{tag} [{node.private_creator}]"
        item = QTreeWidgetItem([tag, node.name, node.vr, node.value])
        item.setToolTip(3, node.value)
        if node.keyword:
            item.setToolTip(1, node.keyword)
        item.addChildren([self._item(c) for c in node.children])
        return item


def show_tags(parent: QWidget | None, source: Source) -> TagBrowser:
    """Show a tag browser for ``source`` (non-modal, deleted when closed) and return it."""
    dlg = TagBrowser(source, parent)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.show()
    return dlg
