"""A consultation session wired to the Workspace (no business logic: the protocol and the
shared state are :mod:`cloudclient.consult`).

The bridge reads and drives the Workspace (the viewports' models, the active one, the series
open, series-loaded events); what it needs of the screen (the status text, a pointer drawn over a
viewport, the MPR model when that layout is open) comes through a small :class:`ConsultView`.

Outgoing: while this workstation presents, the active viewport's series, slice, window, zoom and
pan (and the MPR crosshair) go to the session; anyone's measurements (added, edited, deleted) and
mouse pointer go too. Incoming events arrive on the channel's thread and are handed to the GUI
thread by a queued signal, then applied to the viewport that shows the series.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from cloudclient.consult import ConsultState, Membership
from cloudclient.consult_channel import ConsultChannel
from viewer.dicom.measure import Measurement
from viewer.state.mpr import MprChange, MprEvent, MprModel
from viewer.state.observable import Unsubscribe
from viewer.state.viewport import ViewportEvent, ViewportModel
from viewer.state.workspace import LayoutChanged, SeriesLoaded, Workspace, WorkspaceEvent

POINTER_COLOR = (0.2, 0.9, 1.0)

POINTER_INTERVAL_S = 1 / 30
_VIEW_EVENTS = (
    ViewportEvent.INDEX,
    ViewportEvent.WINDOW,
    ViewportEvent.CAMERA,
    ViewportEvent.IMAGE,
)
_MOVED = (MprChange.CENTER, MprChange.ORIENTATION)


class ConsultView(Protocol):
    """What the bridge needs of the screen."""

    def show_consult_status(self, text: str) -> None: ...

    def show_pointer(
        self, vp: ViewportModel, x: float, y: float, color: tuple[float, ...]
    ) -> None: ...

    def mpr_model(self) -> MprModel | None: ...


def _serial(m: Measurement, series: str) -> dict[str, Any]:
    return {
        "series": series,
        "index": int(m.index),
        "kind": m.kind,
        "points": [[round(float(x), 3), round(float(y), 3)] for x, y in m.points],
        "text": m.text,
    }


class ConsultBridge(QObject):
    """Owns one consultation's channel and its shared state on this workstation, and what of it
    is on screen (which measurement came from which session key, what was sent)."""

    received = Signal(dict)
    status = Signal(str, str)

    def __init__(
        self,
        workspace: Workspace,
        membership: Membership,
        view: ConsultView,
        audit: Any = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.view = view
        self.me = membership
        self.state = ConsultState()
        self._applying = False
        self._closed = False
        self._last_pointer = 0.0
        self._shown: dict[str, Measurement] = {}  # key → the measurement on screen (anyone's)
        self._sent: dict[str, dict[str, Any]] = {}  # key → what the session knows of it
        self._watched: set[int] = set()
        self._off: list[Unsubscribe] = []
        self.received.connect(self._apply, Qt.ConnectionType.QueuedConnection)
        self.status.connect(self._show_status, Qt.ConnectionType.QueuedConnection)
        self.channel = ConsultChannel(
            membership, self.received.emit, lambda s, d: self.status.emit(s, d), audit=audit
        )
        for vp in workspace.viewports:
            self.watch(vp)
        self._off.append(workspace.events.subscribe(self._on_workspace))
        self.channel.start()

    # ------------------------------------------------------------------ outgoing

    def _on_workspace(self, ev: WorkspaceEvent) -> None:
        if isinstance(ev, SeriesLoaded):
            self._catch_up(ev.key)
        elif isinstance(ev, LayoutChanged):
            for vp in self.workspace.viewports:
                self.watch(vp)

    def watch(self, vp: ViewportModel) -> None:
        if id(vp) in self._watched:
            return
        self._watched.add(id(vp))
        self._off.append(vp.subscribe(functools.partial(self._local_change, vp)))

    def _series_uid(self, vp: ViewportModel) -> str:
        return self.workspace.series_uid(vp)

    def _local_change(self, vp: ViewportModel, what: ViewportEvent) -> None:
        # (while the link is down, operations queue in the channel and go after the reconnect)
        if self._closed or self._applying or vp is not self.workspace.active:
            return
        if what in _VIEW_EVENTS and self.state.presenting:
            self.send_view(vp)
        elif what is ViewportEvent.MEASUREMENTS:
            self._send_measurements(vp)

    def watch_mpr(self, model: MprModel) -> None:
        """The MPR layout opened: its crosshair is part of the presenter's view."""
        self._off.append(model.subscribe(self._mpr_change))

    def _mpr_change(self, ev: MprEvent) -> None:
        active = self.workspace.active
        moved = ev.kind in _MOVED and not (self._applying or self._closed)
        if moved and active is not None and self.state.presenting:
            self.send_view(active)

    def send_view(self, vp: ViewportModel) -> None:
        m = vp
        if m.image is None:
            return
        view: dict[str, Any] = {
            "series": self._series_uid(vp),
            "index": int(m.index),
            "window": [float(x) for x in m.window],
            "zoom": float(m.zoom),
            "pan": [float(x) for x in m.pan],
        }
        mpr = self.view.mpr_model()
        if mpr is not None:
            view["crosshair"] = [float(x) for x in mpr.center]
        self.channel.send("view", view)

    def _send_measurements(self, vp: ViewportModel) -> None:
        if getattr(vp.image, "reduced_level", 0):  # reduced pixels: sent once refined
            return
        series = self._series_uid(vp)
        present: set[str] = set()
        for m in vp.measurements:
            if not m.complete:
                continue
            key = next((k for k, v in self._shown.items() if v is m), None)
            if key is None:
                key = f"{self.me.participant}:{m.id}"
                self._shown[key] = m
            present.add(key)
            data = {"key": key, **_serial(m, series)}
            if self._sent.get(key) != data:
                op = "annotation.edit" if key in self._sent else "annotation.add"
                self._sent[key] = data
                self.channel.send(op, data)
        for key in [k for k, d in self._sent.items() if d["series"] == series]:
            if key not in present:
                self._sent.pop(key)
                self._shown.pop(key, None)
                self.channel.send("annotation.delete", {"key": key})

    def pointer(self, vp: ViewportModel, x: float, y: float) -> None:
        """The mouse moved over a viewport's image (at most 30 a second go out)."""
        now = time.monotonic()
        too_soon = now - self._last_pointer < POINTER_INTERVAL_S
        if self._closed or too_soon or not self.channel.connected.is_set():
            return
        if getattr(vp.image, "reduced_level", 0):  # reduced pixels: not the others' images
            return
        self._last_pointer = now
        self.channel.send("pointer", {"series": self._series_uid(vp), "x": float(x), "y": float(y)})

    def hand_over(self, participant: str) -> None:
        self.channel.send("handover", {"to": participant})

    # ------------------------------------------------------------------ incoming (GUI thread)

    def _viewport_for(self, series_uid: str, open_it: bool = False) -> ViewportModel | None:
        ws = self.workspace
        vp = ws.viewport_showing(series_uid)
        if vp is not None:
            return vp
        if open_it and ws.active is not None:
            key = ws.key_for_uid(series_uid)
            if key is not None:
                ws.open_series(key, ws.active)
                return ws.active
        return None

    def _apply(self, msg: dict[str, Any]) -> None:
        if self.workspace.closed or self._closed:
            return
        op = self.state.apply(msg)
        mine = msg.get("from") == self.me.participant
        self._applying = True
        try:
            if op == "view" and not mine:
                self._apply_view(msg.get("data") or {})
            elif op.startswith("annotation.") and not mine:
                self._apply_annotation(op, msg.get("data") or {})
            elif op == "pointer" and not mine:
                data = msg.get("data") or {}
                vp = self._viewport_for(str(data.get("series", "")))
                if vp is not None:
                    self.view.show_pointer(vp, float(data["x"]), float(data["y"]), POINTER_COLOR)
            elif op == "finding" and not mine:  # a shared findings object (app.findings_consult)
                findings = getattr(self.view, "findings", None)
                if findings is not None:
                    findings.received(msg.get("data") or {})
            elif op in ("handover", "welcome", "joined"):
                self._show_status(self.channel.status, "")
            active = self.workspace.active
            if op == "welcome" and self.state.presenting and active is not None:
                self.send_view(active)  # (re)joined followers see where we are
        finally:
            self._applying = False

    def _catch_up(self, _key: str = "") -> None:
        """A series finished loading here: show the session's view and annotations on it (they
        may have arrived before the images did)."""
        self._applying = True
        try:
            if self.state.view and not self.state.presenting:
                self._apply_view(self.state.view)
            for key, data in list(self.state.annotations.items()):
                if key not in self._shown:
                    self._apply_annotation("annotation.add", data)
        finally:
            self._applying = False

    def _apply_view(self, data: dict[str, Any]) -> None:
        m = self._viewport_for(str(data.get("series", "")), open_it=True)
        if m is not None and m.image is not None:  # only what changed: each change is a render
            if "window" in data and tuple(data["window"]) != tuple(m.window):
                m.set_window(*data["window"])
            if "zoom" in data and float(data["zoom"]) != m.zoom:
                m.set_zoom(float(data["zoom"]))
            if "pan" in data and tuple(data["pan"]) != tuple(m.pan):
                m.set_pan(*data["pan"])
            if "index" in data and int(data["index"]) != m.index:
                m.set_index(int(data["index"]))
        mpr = self.view.mpr_model()
        if mpr is not None and "crosshair" in data:
            mpr.set_center(data["crosshair"])

    def _apply_annotation(self, op: str, data: dict[str, Any]) -> None:
        key = str(data.get("key", ""))
        vp = self._viewport_for(str(data.get("series", "")))
        old = self._shown.get(key)
        if op == "annotation.delete":
            self._sent.pop(key, None)
            if old is not None:
                self._shown.pop(key)
                for w in self.workspace.visible():
                    w.remove_measurement(old)
            return
        if vp is None:
            return
        points = [(float(x), float(y)) for x, y in data["points"]]
        if old is not None and old in vp.measurements:
            old.points = points
            old.index = int(data["index"])
            old.text = str(data.get("text", ""))
            vp.update_measurement(old)
        else:
            m = Measurement(
                str(data["kind"]), points, int(data["index"]), str(data.get("text", ""))
            )
            self._shown[key] = m
            vp.measurements.append(m)
            vp.update_measurement(m)
        self._sent[key] = {"key": key, **_serial(self._shown[key], str(data.get("series", "")))}

    def _show_status(self, status: str, detail: str) -> None:
        if self._closed:  # (a late word from the channel of a session left)
            return
        if status == "expired":
            text = QCoreApplication.translate("MainWindow", "Consultation ended: {0}").format(
                detail or status
            )
        elif status == "reconnecting":
            text = QCoreApplication.translate(
                "MainWindow", "Consultation: connection lost, reconnecting…"
            )
        elif self.state.presenting:
            text = QCoreApplication.translate("MainWindow", "Consultation: you are presenting")
        else:
            who = next(
                (p["doctor"] for p in self.state.participants if p["id"] == self.state.presenter),
                self.state.presenter,
            )
            text = QCoreApplication.translate("MainWindow", "Consultation: following {0}").format(
                who
            )
        self.view.show_consult_status(text)

    def close(self, closer: Callable[[Callable[[], None]], None]) -> None:
        """Leave the session (the channel stops at once) and stop listening to the models. The
        channel's leave is finished by ``closer`` (it waits a moment for the reader and audits
        the leave: keyring calls and an fsync, which a worker should wait on rather than the
        window)."""
        self._closed = True
        for off in self._off:
            off()
        self._off.clear()
        self.channel.stop()
        closer(self.channel.finish)
