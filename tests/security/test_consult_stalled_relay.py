"""A relay that stops reading must not hang the workstation: sending (from the GUI thread) never
waits on the relay, the stalled connection is dropped and made again with what was not
acknowledged sent first, and leaving the session returns.

The relay here is websockets' sans-I/O server protocol over a plain socket, so that it can
really stop reading (a threaded websockets server goes on reading into memory)."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import threading
import time

import pytest
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

from cloudclient import consult_outbox
from cloudclient.consult import Membership
from cloudclient.consult_channel import ConsultChannel
from tests.test_consult import wait

WELCOME = json.dumps(
    {"type": "welcome", "participant": "p2", "presenter": "p1", "participants": [], "seq": 0}
)


class Relay:
    """Accepts connections on loopback; each is welcomed after its hello. The first then reads
    nothing more (its receive buffer kept small); later ones read every text message into
    ``received``."""

    def __init__(self, hold_handshake: bool = False) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # (inherited)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.received: list[dict] = []
        self.hellos = 0
        self.stop = threading.Event()
        #: the opening handshake is answered once this is set
        self.handshake = threading.Event()
        if not hold_handshake:
            self.handshake.set()
        self._socks: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                sock, _ = self.listener.accept()
                self._socks.append(sock)
                n, self.connections = self.connections, self.connections + 1
                threading.Thread(target=self._serve, args=(sock, n), daemon=True).start()

    def _events(self, sock: socket.socket, proto: ServerProtocol) -> list:
        while not (events := proto.events_received()):
            data = sock.recv(65536)
            if not data:
                raise EOFError
            proto.receive_data(data)
        return events

    def _send(self, sock: socket.socket, proto: ServerProtocol) -> None:
        for data in proto.data_to_send():
            sock.sendall(data)

    def _serve(self, sock: socket.socket, n: int) -> None:
        proto = ServerProtocol(max_size=2**20)
        with contextlib.suppress(OSError, EOFError):
            (request,) = self._events(sock, proto)
            assert isinstance(request, Request)
            self.handshake.wait(30)
            proto.send_response(proto.accept(request))
            self._send(sock, proto)
            hello = self._events(sock, proto)
            if not any(isinstance(e, Frame) and e.opcode is Opcode.TEXT for e in hello):
                return  # (closed without a word)
            self.hellos += 1
            proto.send_text(WELCOME.encode())
            self._send(sock, proto)
            if n == 0:
                self.stop.wait(60)  # reads nothing more
                return
            while not self.stop.is_set():  # (every text: resends may come twice)
                for ev in self._events(sock, proto):
                    if isinstance(ev, Frame) and ev.opcode is Opcode.TEXT:
                        self.received.append(json.loads(bytes(ev.data)))

    def close(self) -> None:
        self.stop.set()
        self.listener.close()
        for s in self._socks:
            with contextlib.suppress(OSError):
                s.close()


def test_a_relay_that_stops_reading_never_blocks_the_sender(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The relay welcomes the workstation, then reads nothing more: 400 findings of 59 kB
    (24 MB, far beyond the sockets' buffers) after 200 pointer moves are sent. Every send returns;
    the live pointer moves beyond a few dozen queued are dropped; the connection is dropped once
    a write has been unfinished for the stall time (1 s here; 15 s in use, plus the write's
    size at 8 kbit/s); on the next
    connection the 400 unacknowledged findings arrive again, first and in order. Then leaving
    returns at once, though the relay never answers the closing handshake."""
    monkeypatch.setattr(consult_outbox, "STALL_S", 1.0)
    monkeypatch.setattr(consult_outbox, "SLOW_BPS", 1e9)  # (in use: 15 s + size at 8 kbit/s)
    relay = Relay()
    me = Membership(
        "s", "p2", f"ws://127.0.0.1:{relay.port}/consult/ws/s", secrets.token_hex(4), 0.0, "guest"
    )
    ch = ConsultChannel(me, lambda _m: None, backoff=(0.05, 0.2)).start()
    try:
        wait(ch.connected.is_set)
        ids: list[str] = []

        def send_all() -> None:
            for i in range(200):  # (first: while the connection surely stands)
                ch.send("pointer", {"x": float(i), "y": 0.0})
            for i in range(400):
                ids.append(ch.send("finding", {"key": f"k{i}", "dicom": "A" * 59_000}))

        sender = threading.Thread(target=send_all, daemon=True)
        sender.start()
        sender.join(20)
        assert not sender.is_alive(), "a send waited on a relay that does not read"
        assert all(ids) and len(ch.pending) == 400
        assert ch._outbox.dropped > 0  # live moves beyond the queue's limit: dropped
        wait(lambda: relay.connections >= 2 and ch.connected.is_set(), timeout=30)
        assert ch.reconnects >= 1
        findings = lambda: list(  # noqa: E731  (each once: a resend may come twice)
            dict.fromkeys(m["id"] for m in relay.received if m["op"] == "finding")
        )
        wait(lambda: len(findings()) >= 400, timeout=60)
        assert findings() == ids  # resent first, in order
    finally:
        t0 = time.monotonic()
        ch.close()  # (this relay never answers the closing handshake)
        left = time.monotonic() - t0
        relay.close()
    assert left < 5  # leaving does not wait on the relay
    wait(lambda: ch.status == "closed", timeout=10)


def test_leaving_while_connecting_never_connects_after() -> None:
    """The reader is connecting (the relay holds its opening handshake) when the reader leaves:
    leaving returns, and when the handshake completes the channel says nothing to the relay (no
    hello) and ends: it would otherwise stay in the session after leaving."""
    relay = Relay(hold_handshake=True)
    me = Membership(
        "s", "p2", f"ws://127.0.0.1:{relay.port}/consult/ws/s", secrets.token_hex(4), 0.0, "guest"
    )
    ch = ConsultChannel(me, lambda _m: None).start()
    try:
        wait(lambda: relay.connections >= 1)
        t0 = time.monotonic()
        ch.close()
        assert time.monotonic() - t0 < 5  # leaving does not wait for the connection
        relay.handshake.set()
        wait(lambda: ch.status == "closed", timeout=20)
        assert relay.hellos == 0 and not ch.connected.is_set() and relay.connections == 1
    finally:
        relay.close()


def test_a_slow_link_that_still_reads_is_given_the_time_for_its_write() -> None:
    """A write is taken for stalled after the stall time plus its size at 8 kbit/s: a 64 KiB
    message over a link that still reads at 1 kB/s is not dropped, a small one is soon."""
    box = consult_outbox.Outbox()
    stall = consult_outbox.STALL_S
    box._busy_since, box._busy_bytes = 100.0, 64 * 1024
    assert not box.stalled(now=100.0 + stall + 60.0)  # (64 KiB at 1 kB/s: 64 s)
    assert box.stalled(now=100.0 + stall + 65.0)
    box._busy_bytes = 100
    assert not box.stalled(now=100.0 + stall - 0.1) and box.stalled(now=100.0 + stall + 0.2)
    box._busy_since = None
    assert not box.stalled(now=1e9)  # (no write in progress)
