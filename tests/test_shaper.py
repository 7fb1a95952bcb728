"""The benchmark's link-shaping proxy: bytes pass intact both ways, and the link's model holds.

Only lower bounds on time are checked (a busy machine can only make a transfer slower), never
an upper bound.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time

from bench.shaper import Link, Shaper


def _echo_server(payload: bytes) -> tuple[socket.socket, threading.Thread]:
    """A server that reads one line, then sends ``payload`` and the line back, and closes."""
    srv = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = srv.accept()
        with conn:
            line = b""
            while not line.endswith(b"\n"):
                line += conn.recv(100)
            conn.sendall(payload + line)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return srv, t


def _fetch(port: int, line: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(line)
        out = bytearray()
        while chunk := c.recv(1 << 16):
            out += chunk
    return bytes(out)


def test_link_serialises_chunks_at_its_rate() -> None:
    link = Link(bytes_per_s=1000.0)
    assert link.reserve(500, now=10.0) == 10.5
    assert link.reserve(500, now=10.1) == 11.0  # queued behind the first
    assert link.reserve(100, now=20.0) == 20.1  # an idle link starts now


def test_bytes_arrive_intact_and_no_faster_than_the_link() -> None:
    payload = os.urandom(1_000_000)
    srv, t = _echo_server(payload)
    with srv, Shaper(srv.getsockname(), mbit_per_s=20.0, rtt_s=0.05) as shaper:
        t0 = time.perf_counter()
        got = _fetch(shaper.port, b"hello\n")
        elapsed = time.perf_counter() - t0
        t.join(5)
    assert hashlib.sha256(got).digest() == hashlib.sha256(payload + b"hello\n").digest()
    # 8 Mbit at 20 Mbit/s is 0.4 s, plus the handshake (1 RTT) and the request/answer (1 RTT)
    assert elapsed >= 0.4 + 0.1 * 0.9
    assert shaper.bytes_down == len(payload) + 6


def test_a_small_exchange_costs_the_round_trips() -> None:
    srv, t = _echo_server(b"")
    with srv, Shaper(srv.getsockname(), mbit_per_s=1000.0, rtt_s=0.2) as shaper:
        t0 = time.perf_counter()
        assert _fetch(shaper.port, b"ping\n") == b"ping\n"
        elapsed = time.perf_counter() - t0
        t.join(5)
    assert elapsed >= 2 * 0.2 * 0.95  # handshake + request/answer
