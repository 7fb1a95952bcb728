"""The live link of a consultation: :class:`ConsultChannel`, a WebSocket to the relay that
reconnects after a drop, says the last sequence number it saw and gets what it missed, and resends
its own operations that were not yet acknowledged (the relay recognises them by id and does not
apply them twice). It writes through an :class:`~cloudclient.consult_outbox.Outbox`, so that a
relay that stops reading never blocks the sender. Messages follow
:mod:`cloudclient.consultschema` both ways: an invalid one is never sent, and one received is
dropped without harm. The relay is ``wss`` (plain ``ws`` only on loopback), TLS verified with
the national service's CA setting.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import json
import secrets
import ssl
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlparse

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from cloudclient.audit import AuditLog
from cloudclient.consult import ConsultError, Membership
from cloudclient.consult_outbox import Outbox, abort
from cloudclient.consultschema import MAX_MESSAGE, Malformed, check_data, check_incoming, loads

CLOSE_EXPIRED = 4410
CLOSE_REFUSED = 4403
#: frames above this end the connection (the relay never sends one that large)
MAX_FRAME = 4 * MAX_MESSAGE
_ids = itertools.count(1)


def _loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _close(ws: ClientConnection) -> None:
    with contextlib.suppress(Exception):
        ws.close()


EventFn = Callable[[dict[str, Any]], None]
StatusFn = Callable[[str, str], None]


class ConsultChannel:
    """The reconnecting WebSocket link to the relay: a thread that reads (and reconnects) and
    an :class:`~cloudclient.consult_outbox.Outbox` that writes, so that sending never waits on
    the relay; a connection whose writes the relay has stopped taking is dropped.

    ``on_event(event)`` gets every relayed event once, in sequence order (and ``welcome`` /
    ``error`` messages); ``on_status(status, detail)`` gets ``connected``, ``reconnecting``,
    ``expired``, ``refused`` and ``closed``. Both run on the channel's thread.
    """

    def __init__(
        self,
        membership: Membership,
        on_event: EventFn,
        on_status: StatusFn | None = None,
        *,
        audit: AuditLog | None = None,
        backoff: tuple[float, float] = (0.1, 3.0),
    ) -> None:
        self.me = membership
        self.on_event = on_event
        self.on_status = on_status or (lambda _s, _d: None)
        self.audit = audit
        self.backoff = backoff
        self.last_seq = 0
        self.status = "new"
        self.pending: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._ws: ClientConnection | None = None
        self._closed = threading.Event()
        self._left = False  # stop() was called
        self._finished = False  # finish() was called
        self.connected = threading.Event()
        self.reconnects = 0
        self.dropped = 0  # received messages dropped as malformed
        #: writes to the relay on a thread of its own: a relay that stops reading never blocks
        #: the sender (the GUI thread)
        self._outbox = Outbox()
        self._thread = threading.Thread(target=self._run, daemon=True, name="consult-channel")

    def start(self) -> ConsultChannel:
        self._outbox.start()
        self._thread.start()
        return self

    def close(self) -> None:
        """Leave: :meth:`stop`, then :meth:`finish`."""
        self.stop()
        self.finish()

    def stop(self) -> None:
        """Leave at once: nothing more is sent or delivered. The closing handshake, which waits
        on the relay, runs on a thread of its own."""
        if self._left:
            return
        self._left = True
        self._closed.set()
        self._outbox.stop()
        ws = self._ws
        if ws is not None:
            if self._outbox.busy_s() > 0.5:  # a relay not taking a write: no closing handshake
                abort(ws)
            threading.Thread(target=_close, args=(ws,), daemon=True, name="consult-close").start()

    def finish(self) -> None:
        """After :meth:`stop`: the reader is given a second to end (it may be waiting to connect
        to a relay that does not answer), then the leave is audited (a keyring call and an
        fsync: the caller may run this on a worker). Once."""
        with self._lock:
            if self._finished or not self._left:
                return
            self._finished = True
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)
        if self.audit is not None:
            self.audit.record("consult_leave", "ok", session=self.me.session_id)

    def send(self, op: str, data: Any) -> str:
        """Queue an operation; it is sent now if connected, else after the reconnect, until the
        relay acknowledges it. Pointer moves are live only (dropped while disconnected). One
        the relay would refuse (schema, size) is not sent: ``on_event`` gets an ``error`` for it
        and "" is returned."""
        msg_id = f"{self.me.participant}-{next(_ids)}-{secrets.token_hex(3)}"
        msg = {"type": "op", "op": op, "data": data, "id": msg_id}
        try:
            check_data(op, data)
            text = json.dumps(msg, allow_nan=False)
            if len(text.encode()) > MAX_MESSAGE:
                raise Malformed(f"{op}: {len(text.encode())} bytes (at most {MAX_MESSAGE})")
        except (Malformed, TypeError, ValueError) as exc:
            self.on_event({"type": "error", "id": "", "message": f"not sent: {exc}"})
            return ""
        with self._lock:
            if op != "pointer":
                self.pending[msg_id] = msg
            if self.connected.is_set():  # (else sent after the reconnect: it is pending)
                self._outbox.put(text, live_only=op == "pointer")
        return msg_id

    def _set_status(self, status: str, detail: str = "") -> None:
        self.status = status
        self.on_status(status, detail)

    def _tls(self) -> ssl.SSLContext | None:
        """The TLS context for a ``wss`` relay (verification always on), None for loopback
        ``ws``; a plain ``ws`` relay elsewhere is refused."""
        u = urlparse(self.me.ws_url)
        if u.scheme == "wss":
            verify = self.me.verify
            return ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        if u.scheme == "ws" and _loopback(u.hostname or ""):
            return None
        raise ConsultError(
            f"the relay {u.hostname} is not reached over wss: nothing is sent to it unencrypted"
        )

    def _run(self) -> None:
        delay = self.backoff[0]
        url = f"{self.me.ws_url}?{urlencode({'ticket': self.me.ticket})}"
        try:
            tls = self._tls()
        except ConsultError as exc:
            self._stop("refused", str(exc))
            return
        while not self._closed.is_set():
            try:
                with connect(
                    url, ssl=tls, open_timeout=10, close_timeout=2, max_size=MAX_FRAME
                ) as ws:
                    self._ws = ws
                    if self._closed.is_set():  # left while connecting
                        break
                    ws.send(json.dumps({"type": "hello", "last_seq": self.last_seq}))
                    welcome = loads(ws.recv(timeout=10))
                    check_incoming(welcome)
                    if welcome.get("type") != "welcome":
                        raise ConsultError("the relay did not welcome this participant")
                    with self._lock:  # unacknowledged: sent again, first
                        if self._closed.is_set():  # left meanwhile
                            break
                        self.connected.set()
                        self._outbox.attach(ws, [json.dumps(m) for m in self.pending.values()])
                    self.on_event(welcome)
                    self._set_status("connected")
                    delay = self.backoff[0]
                    while True:
                        try:
                            raw = ws.recv(timeout=1.0)
                        except TimeoutError:
                            if self._closed.is_set():  # left (the closing handshake hangs)
                                break
                            if self._outbox.stalled():  # the relay has stopped reading
                                abort(ws)
                                raise ConsultError("the relay does not read") from None
                            continue
                        try:
                            msg = loads(raw)
                            check_incoming(msg)
                        except Malformed:
                            self.dropped += 1  # a broken or hostile relay: ignore, go on
                            continue
                        self._receive(msg)
            except ssl.SSLCertVerificationError as exc:  # a certificate not trusted here
                why = exc.verify_message or exc.reason
                self._stop("refused", f"the relay's certificate is not trusted ({why})")
                return
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else None
                if code == CLOSE_EXPIRED:
                    self._stop("expired", "the consultation has ended or expired")
                    return
                if code == CLOSE_REFUSED:
                    self._stop("refused", exc.rcvd.reason if exc.rcvd else "")
                    return
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ValueError, ConsultError):
                pass
            finally:
                self.connected.clear()
                self._outbox.detach()
                self._ws = None
            if self._closed.is_set():
                break
            self.reconnects += 1
            self._set_status("reconnecting")
            self._closed.wait(delay)
            delay = min(self.backoff[1], delay * 2)
        self._set_status("closed")

    def _stop(self, status: str, detail: str) -> None:
        self._closed.set()
        self._outbox.stop()
        self.connected.clear()
        if self.audit is not None:
            self.audit.record(f"consult_{status}", detail, session=self.me.session_id)
        self._set_status(status, detail)

    def _receive(self, msg: dict[str, Any]) -> None:
        if msg.get("type") == "event":
            seq = int(msg["seq"])
            if msg.get("from") == self.me.participant:
                with self._lock:
                    self.pending.pop(str(msg.get("id", "")), None)
            if seq <= self.last_seq and msg.get("op") != "pointer":
                return  # already seen (a replay overlapping the live stream)
            if msg.get("op") != "pointer":
                self.last_seq = seq
            if msg.get("op") == "handover" and self.audit is not None:
                to = (msg.get("data") or {}).get("to", "")
                self.audit.record("consult_presenter", to, session=self.me.session_id)
        elif msg.get("type") == "error":
            with self._lock:
                self.pending.pop(str(msg.get("id", "")), None)
        self.on_event(msg)
