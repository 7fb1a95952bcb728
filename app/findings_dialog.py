"""*File → Open Findings…*: the presentation states, SRs and key-image notes of the open studies
(ours and other software's) by author and time; choosing one restores it on the viewport showing
its series (the series is opened in the active viewport first when none shows it).

:func:`restore` does the work (Qt-free models, one widget call to draw other software's
graphics); :class:`FindingsDialog` is the list.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.dicom.findings import store as fstore
from viewer.dicom.findings.catalog import FindingsObject
from viewer.dicom.findings.model import Annotation, ReaderWork
from viewer.render.extra import ExtraGraphics
from viewer.state.findings import Restored, image_refs, restore_viewport
from viewer.state.viewport import ViewportModel

translate = QCoreApplication.translate


def kind_text(kind: str) -> str:
    names = {
        "Key Objects": QCoreApplication.translate("Findings", "Key images"),
        "Basic Text SR": QCoreApplication.translate("Findings", "Opinion (text report)"),
    }
    return names.get(kind, kind)


# ---------------------------------------------------------------------- other software's graphics


def _to_pixels(
    pts: list[tuple[float, float]], units: str, area: tuple[float, float, float, float]
) -> list[tuple[float, float]]:
    if units != "DISPLAY":
        return [(float(x), float(y)) for x, y in pts]
    x0, y0, x1, y1 = area
    return [(x0 + float(x) * (x1 - x0), y0 + float(y) * (y1 - y0)) for x, y in pts]


def _ring(
    cx: float, cy: float, a: tuple[float, float], b: tuple[float, float]
) -> list[tuple[float, float]]:
    """An ellipse of centre (cx, cy) and half-axes a, b, as 48 points."""
    out = []
    for i in range(48):
        c, s = math.cos(2 * math.pi * i / 48), math.sin(2 * math.pi * i / 48)
        out.append((cx + a[0] * c + b[0] * s, cy + a[1] * c + b[1] * s))
    return out


def annotation_graphics(
    index: int, ann: Annotation, area: tuple[float, float, float, float]
) -> ExtraGraphics:
    """A presentation state's graphics and texts on one slice, as lines and texts in pixels."""
    out = ExtraGraphics(index)
    for g in ann.graphics:
        p = _to_pixels(list(g.points), g.units, area)
        if g.type == "CIRCLE" and len(p) >= 2:
            r = math.dist(p[0], p[1])
            out.lines.append((_ring(p[0][0], p[0][1], (r, 0.0), (0.0, r)), True))
        elif g.type == "ELLIPSE" and len(p) >= 4:
            cx, cy = (p[0][0] + p[1][0]) / 2, (p[0][1] + p[1][1]) / 2
            a = ((p[1][0] - p[0][0]) / 2, (p[1][1] - p[0][1]) / 2)
            b = ((p[3][0] - p[2][0]) / 2, (p[3][1] - p[2][1]) / 2)
            out.lines.append((_ring(cx, cy, a, b), True))
        elif g.type == "POINT" and p:
            x, y = p[0]
            out.lines += [([(x - 3, y), (x + 3, y)], False), ([(x, y - 3), (x, y + 3)], False)]
        elif len(p) >= 2:  # POLYLINE, INTERPOLATED (drawn through its points)
            closed = p[0] == p[-1] and len(p) > 2
            out.lines.append((p[:-1] if closed else p, closed))
    for t in ann.texts:
        if t.anchor is not None:
            (x, y), = _to_pixels([t.anchor], t.units, area)  # fmt: skip
        elif t.box is not None:
            (x, y), = _to_pixels([(t.box[0], t.box[1])], t.units, area)  # fmt: skip
        else:
            continue
        out.texts.append((x, y, t.text))
    return out


# ---------------------------------------------------------------------- restoring


def series_key_of(link: Any, entry: FindingsObject, work: ReaderWork) -> str | None:
    """The open series the object refers to (by series UID, else by its images)."""
    ws = link.workspace
    if work.series_uid:
        key = ws.key_for_uid(work.series_uid)
        if key is not None:
            return str(key)
    uids = set(entry.referenced) | {r.sop_instance_uid for r in work.images()}
    uids |= {r.sop_instance_uid for r in work.key_images}
    for key, s in ws.series.items():
        if any(fr.instance.sop_instance_uid in uids for fr in s.frames):
            return str(key)
    return None


def restore(link: Any, entry: FindingsObject) -> str:
    """Reopen one object; returns what happened (for the dialog and the status bar)."""
    work = fstore.open_findings(entry)
    if entry.kind == "Basic Text SR":
        return translate("Findings", "{0}: {1}").format(work.author or "—", work.description)
    key = series_key_of(link, entry, work)
    if key is None:
        return translate("Findings", "The series it refers to is not open")
    ws = link.workspace
    vp = ws.viewport_showing(ws.series[key].series_uid) or ws.active
    if vp is None:
        return translate("Findings", "No viewport")
    if vp.series_key != key or ws.images.get(key) is not vp.image:
        link.pending = (work, key)
        ws.open_series(key, vp)
        if ws.images.get(key) is not vp.image:
            return translate("Findings", "Opening the series…")
    link.pending = None
    r = apply(link, vp, work)
    return "; ".join(
        [translate("Findings", "Restored {0} measurement(s)").format(r.measurements), *r.notes]
    )


def apply(link: Any, vp: ViewportModel, work: ReaderWork) -> Restored:
    """Put the work on the viewport (the view, measurements, key images, others' graphics)."""
    refs = image_refs(vp)
    where = {(r.sop_instance_uid, r.frame): k for k, r in enumerate(refs)}
    marked = {where[(r.sop_instance_uid, r.frame)] for r in work.key_images
              if (r.sop_instance_uid, r.frame) in where}  # fmt: skip
    on = [where.get((f.image.sop_instance_uid, f.image.frame)) for f in work.findings]
    on += [where.get((a.image.sop_instance_uid, a.image.frame)) for a in work.annotations]
    slices = sorted(k for k in on if k is not None) or sorted(marked)
    was_dirty = link.dirty
    link._restoring = True
    try:
        if not was_dirty:
            for m in list(vp.measurements):
                vp.remove_measurement(m)
        if slices and vp.index not in slices:
            vp.set_index(slices[0])
        r = restore_viewport(vp, work, index=vp.index)
    finally:
        link._restoring = False
    if marked:
        link.keys.setdefault(vp.series_key, set()).update(marked)
    if r.annotations:
        rows, cols = vp.pixels(0).shape[:2]
        full = (0.0, 0.0, float(cols), float(rows))
        areas = {ref: v.area for ref, v in work.views.items() if v.area is not None}
        link.annotations[vp.series_key] = [
            annotation_graphics(k, a, areas.get(a.image) or full) for k, a in r.annotations
        ]
    link.show_extra(vp)
    return r


# ---------------------------------------------------------------------- the list


class FindingsDialog(QDialog):
    """Owns the list of findings objects of the open studies and the choice of one."""

    def __init__(self, link: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findingsDialog")
        self.link = link
        self.objects: list[FindingsObject] = []
        self.setWindowTitle(translate("Findings", "Findings"))
        self.resize(720, 360)
        self.tree = QTreeWidget(self)
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels(
            [
                translate("Findings", "Kind"),
                translate("Findings", "Author"),
                translate("Findings", "Time"),
                translate("Findings", "Label"),
                translate("Findings", "Written by"),
            ]
        )
        self.tree.itemDoubleClicked.connect(lambda *_: self.open_selected())
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.open_button = QPushButton(translate("Findings", "Open"), self)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.clicked.connect(self.open_selected)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tree)
        lay.addWidget(self.note)
        lay.addWidget(buttons)
        link.changed.connect(self.refresh)

    def refresh(self) -> None:
        self.objects = self.link.entries()
        self.tree.clear()
        for o in self.objects:
            when = o.created.strftime("%Y-%m-%d %H:%M") if o.created else "—"
            who = (
                translate("Findings", "Yunying")
                if o.ours
                else translate("Findings", "other software")
            )
            row = [kind_text(o.kind), o.author or "—", when, o.label, who]
            self.tree.addTopLevelItem(QTreeWidgetItem(row))
        for i in range(5):
            self.tree.resizeColumnToContents(i)
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def open_selected(self) -> str:
        i = self.tree.indexOfTopLevelItem(self.tree.currentItem())
        if not 0 <= i < len(self.objects):
            return ""
        try:
            text = restore(self.link, self.objects[i])
        except (ValueError, OSError, KeyError) as exc:
            text = translate("Findings", "Cannot open: {0}").format(exc)
        self.note.setText(text)
        return text
