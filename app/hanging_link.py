"""Hanging protocols and linking across exams in the main window.

:class:`HangingLink` puts a :class:`viewer.state.exams.Exams` on the window's Workspace (so a
study that opens is hung by protocol, and a prior beside it is linked to it), and shows in the
status bar the protocol in use and its stage, a busy indicator while a registration runs, and
how the exams are linked (method and quality). It carries out *Next/Previous Stage*,
*Save Arrangement as Protocol…* and the point-pair alignment tool (click the same anatomy in
today's exam and in the prior). The window keeps it as ``priors``: actions name its methods
(``priors.next_stage``) and those of its :class:`app.timeline_link.TimelineLink`
(``priors.timeline.compare_with_prior``: the Patient Timeline and *Compare with Prior*).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QInputDialog, QLabel, QMainWindow, QProgressBar

from app import i18n
from app.timeline_link import TimelineLink
from viewer.dicom.volume import Volume
from viewer.state.exams import Exams, ExamsEvent, Hung, Linked, LinkFailed, Registering
from viewer.state.hanging import Hanging, ProtocolError, load_protocols, save_protocol
from viewer.state.registration import ExamLink, LinkMethod
from viewer.state.viewport import ViewportModel
from viewer.state.workspace import SeriesLoaded


def protocols_dir() -> Path:
    """The reader's own hanging protocols (``YUNYING_CONFIG_DIR`` overrides the config dir)."""
    base = os.environ.get("YUNYING_CONFIG_DIR")
    if not base:
        from platformdirs import user_config_dir

        base = user_config_dir("Yunying", "Yunying")
    return Path(base) / "hanging"


def describe(link: ExamLink) -> str:
    """How the exams are linked, in the reader's language, with units."""
    if link.method is LinkMethod.SAME_FRAME:
        return QCoreApplication.translate(
            "Hanging", "Prior linked by the scanner's coordinates (same frame of reference)"
        )
    shift = np.round(link.transform[:3, 3], 1).tolist()
    if link.method is LinkMethod.POINT_PAIR:
        return QCoreApplication.translate(
            "Hanging", "Prior linked by a point pair: shift {0} mm (rotation not corrected)"
        ).format(shift)
    c = np.trace(link.transform[:3, :3])
    deg = float(np.degrees(np.arccos(np.clip((c - 1) / 2, -1.0, 1.0))))
    text = QCoreApplication.translate(
        "Hanging", "Prior registered: shift {0} mm, rotation {1:.1f}°, consistency {2:.1f} mm"
    ).format(shift, deg, link.quality_mm or 0.0)
    if link.doubtful:
        text += " — " + QCoreApplication.translate(
            "Hanging", "doubtful: check the alignment or align by a point pair"
        )
    return text


class HangingLink(QObject):
    """Owns the window's :class:`Exams`, the status-bar protocol label, registration indicator
    and link label, the point-pair tool's clicks, and the :class:`TimelineLink`."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window: Any = window
        self.workspace = window.workspace  # type: ignore[attr-defined]
        try:
            protocols = load_protocols(protocols_dir())
        except ProtocolError as exc:  # a broken file of the reader's own: the built-in set
            window.statusBar().showMessage(str(exc), 30000)
            protocols = load_protocols()
        alone = window.settings.value("hanging/apply_alone", False, type=bool)  # type: ignore[attr-defined]
        self.exams = Exams(
            self.workspace,
            protocols,
            post=window.runner.post,  # type: ignore[attr-defined]
            apply_alone=bool(alone),
        )
        self.protocol_label = QLabel(window)
        self.protocol_label.setObjectName("hangingLabel")
        self.link_label = QLabel(window)
        self.link_label.setObjectName("examLinkLabel")
        self.busy = QProgressBar(window)
        self.busy.setObjectName("registrationBusy")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(90)
        self.busy.hide()
        bar = window.statusBar()
        for w in (self.busy, self.link_label, self.protocol_label):
            bar.addPermanentWidget(w)
        self.timeline = TimelineLink(window, self.exams)
        self._link: ExamLink | None = None
        self._failed = ""
        self._points: list[tuple[ViewportModel, np.ndarray]] = []
        self._armed: list[Any] = []
        self._off = self.exams.events.subscribe(self._on_exams)
        self._off_ws = self.workspace.events.subscribe(self._on_workspace)
        self._fused: set[Any] = set()  # viewport widgets given the protocol's overlay
        window.installEventFilter(self)  # LanguageChange: relabel in the new language
        self.retranslate()

    # ------------------------------------------------------------------ status

    def _on_exams(self, ev: ExamsEvent) -> None:
        if isinstance(ev, Registering):
            self._failed = ""
        elif isinstance(ev, Linked):
            self._link = ev.link
        elif isinstance(ev, LinkFailed):
            self._failed = ev.message
        elif isinstance(ev, Hung):
            self._link = self._link if self.exams.links else None
            act = getattr(self.window, "acts", {}).get(f"layout_{ev.hanging.layout_name}")
            if act is not None:
                act.setChecked(True)  # the layout buttons show the protocol's layout
            self._colours(ev.hanging)
            self._fuse()
        self.retranslate()

    def _on_workspace(self, ev: object) -> None:
        if isinstance(ev, SeriesLoaded) and self.exams.hanging is not None:
            self._colours(self.exams.hanging)  # a new image took its own default colours
            if self.exams.overlays:
                self._fuse()

    def _colours(self, h: Hanging) -> None:
        """The protocol's colour map per viewport."""
        for a in h.assignments:
            w = self.window.grid_host.widget_of(self.workspace.viewports[a.viewport])
            # grey is each image's own default — but "grey, inverted" means black on white even
            # where that default is already an inverted grey (PET)
            if a.colormap == "grey" and not a.invert:
                continue
            if w is not None and a.series is not None and a.colormap:
                # a colour map this installation lacks: the image keeps its own
                with contextlib.suppress(KeyError, ValueError):
                    w.renderer.set_colormap(a.colormap)

    def _fuse(self) -> None:
        """The protocol's overlays (PET over CT…) fused once both volumes are loaded; those of
        an earlier stage taken off."""
        from viewer.dicom.colormaps import fusion_defaults
        from viewer.state.fusion import fusion_for

        grid, ws = self.window.grid_host, self.workspace
        wanted = {grid.widget_of(vp): key for vp, key in self.exams.overlays.items()}
        for w in list(self._fused):
            if w not in wanted:
                w.renderer.set_fusion(None)
                self._fused.discard(w)
        for w, key in wanted.items():
            base, over = (w.model.image if w is not None else None), ws.images.get(key)
            if not isinstance(base, Volume) or not isinstance(over, Volume):
                continue
            f = w.renderer.fusion
            if f is not None and f.volume is over:
                continue
            d = fusion_defaults(base.modality, over.modality)
            fused = fusion_for(base, over, d.opacity)
            fused.threshold, fused.ramp = d.threshold, d.ramp
            w.renderer.set_fusion(fused)
            self._fused.add(w)

    def retranslate(self) -> None:
        lang = i18n.current() or "en"
        title = self.exams.title(lang)
        offered = self.exams.offered
        if title:
            text = QCoreApplication.translate("Hanging", "Protocol: {0}").format(title)
        elif offered is not None:
            text = QCoreApplication.translate(
                "Hanging", "Protocol available: {0} (Ctrl+] applies it)"
            ).format(offered.protocol.title(lang))
        else:
            text = ""
        self.protocol_label.setText(text)
        self.protocol_label.setVisible(bool(text))
        running = self.exams.registering()
        self.busy.setVisible(running)
        if running:
            text = QCoreApplication.translate("Hanging", "Registering the prior to today's exam…")
        elif self._failed:
            text = QCoreApplication.translate("Hanging", "Exams not linked: {0}").format(
                self._failed
            )
        elif self._link is not None:
            text = describe(self._link)
        else:
            text = ""
        self.link_label.setText(text)
        self.link_label.setVisible(bool(text))
        self.timeline.retranslate()

    # ------------------------------------------------------------------ stages, saving

    def next_stage(self) -> None:
        self.exams.next_stage()
        self.retranslate()

    def previous_stage(self) -> None:
        self.exams.previous_stage()
        self.retranslate()

    def save_arrangement(self, name: str | None = None) -> Path | None:
        """*View → Save Arrangement as Protocol…*: the layout and what each viewport shows, as a
        protocol of the reader's own (it wins over the built-in ones for such exams)."""
        if name is None:
            name, ok = QInputDialog.getText(
                self.window,
                QCoreApplication.translate("Hanging", "Save Arrangement as Protocol"),
                QCoreApplication.translate("Hanging", "Protocol name:"),
            )
            if not ok:
                return None
        name = name.strip()
        if not name:
            return None
        pid = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in name)
        pid = f"user-{pid.strip('-')[:40] or 'protocol'}"
        try:
            data = self.exams.arrangement(pid, name)
            path = save_protocol(data, protocols_dir())
        except (ValueError, OSError) as exc:
            self.window.statusBar().showMessage(
                QCoreApplication.translate("Hanging", "Cannot save the arrangement: {0}").format(
                    exc
                ),
                30000,
            )
            return None
        self.exams.protocols = load_protocols(protocols_dir())
        self.window.statusBar().showMessage(
            QCoreApplication.translate("Hanging", "Saved as protocol “{0}”").format(name), 15000
        )
        return path

    # ------------------------------------------------------------------ point-pair alignment

    def align_points(self) -> None:
        """Arm the point-pair tool: the next click in today's exam and one in the prior mark the
        same anatomy; the exams are then linked by that shift."""
        self._points.clear()
        self._disarm()
        for w in self.window.visible_viewports():
            w.view.installEventFilter(self)
            self._armed.append(w)
        self.window.statusBar().showMessage(
            QCoreApplication.translate(
                "Hanging",
                "Point-pair alignment: click a landmark in today's exam, then the same "
                "in the prior",
            ),
            60000,
        )

    def _disarm(self) -> None:
        for w in self._armed:
            w.view.removeEventFilter(self)
        self._armed.clear()

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if obj is self.window:
            if ev.type() == QEvent.Type.LanguageChange:
                self.retranslate()
            return False
        if ev.type() != QEvent.Type.MouseButtonPress or not isinstance(ev, QMouseEvent):
            return False
        if ev.button() != Qt.MouseButton.LeftButton:
            return False
        w = next((w for w in self._armed if w.view is obj), None)
        if w is None or w.model.image is None:
            return False
        x, y = w.image_xy(ev.position().toPoint())
        p = w.model.geometry().pixel_to_patient(x, y)
        if p is None:
            return True
        self.click_point(w.model, np.asarray(p, float))
        return True

    def click_point(self, vp: ViewportModel, p: np.ndarray) -> ExamLink | None:
        """One click of the point-pair tool (patient coordinates, mm)."""
        self._points = [
            (m, q) for m, q in self._points if m.frame_of_reference != vp.frame_of_reference
        ]
        self._points.append((vp, p))
        if len(self._points) < 2:
            return None
        (a, pa), (b, pb) = self._points[-2:]
        self._points.clear()
        self._disarm()
        try:
            link = self.exams.align_by_points(a, pa, b, pb)
        except ValueError as exc:
            self.window.statusBar().showMessage(str(exc), 20000)
            return None
        self._link = link
        self.retranslate()
        return link

    def close(self) -> None:
        self._disarm()
        self._off()
        self._off_ws()
        self.timeline.close()
        self.exams.close()
