"""The writing side of a consultation channel: its messages go to the relay from a thread of
their own, so that a relay that stops reading never blocks the caller (the GUI thread).

With websockets' threaded client a send writes to the socket while holding the connection's
lock: to a relay that does not read, the write waits for room in full TCP buffers, and with it
everything else on that connection (receiving, keepalive pings, closing). The channel's reader
asks :meth:`Outbox.stalled` while it waits for messages and drops a connection with a write
unfinished after :data:`STALL_S` plus its size at :data:`SLOW_BPS` (a slow link still reading is
given that long; it then reconnects and resends what is unacknowledged).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque
from typing import Any

#: a write to the relay that has not finished after this long (plus its size at SLOW_BPS): the
#: relay is not reading
STALL_S = 15.0
#: the slowest link still taken for one that reads (bytes a second; 8 kbit/s)
SLOW_BPS = 1024.0
#: live-only messages (pointer moves) queued at most; more are dropped, as while disconnected
LIVE_LIMIT = 64


class Outbox:
    """Owns the queue of texts for the current connection and the thread that writes them in
    order. Texts queued for a connection that has gone are dropped (what must arrive is resent
    by the channel on the next connection, first). ``dropped`` counts live-only texts dropped
    because the queue was full."""

    def __init__(self, name: str = "consult-send") -> None:
        self._cond = threading.Condition()
        self._queue: deque[tuple[int, str, bool]] = deque()  # (connection, text, live only)
        self._ws: Any = None
        self._connection = 0  # increases with every connection attached or detached
        self._live = 0  # live-only texts queued
        self._closed = False
        self._busy_since: float | None = None  # when the write in progress began
        self._busy_bytes = 0  # its size
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)

    def start(self) -> None:
        self._thread.start()

    def attach(self, ws: Any, first: list[str]) -> None:
        """Write to ``ws`` from now on, ``first`` before anything queued after."""
        with self._cond:
            self._connection += 1
            self._ws = ws
            self._queue.clear()
            self._live = 0
            self._queue.extend((self._connection, t, False) for t in first)
            self._cond.notify()

    def detach(self) -> None:
        """The connection has gone: nothing more is written to it."""
        with self._cond:
            self._connection += 1
            self._ws = None
            self._queue.clear()
            self._live = 0

    def put(self, text: str, live_only: bool = False) -> bool:
        """Queue ``text`` for the current connection (never waits); False when there is none,
        or for a live-only text when :data:`LIVE_LIMIT` of them wait already."""
        with self._cond:
            if self._ws is None or self._closed:
                return False
            if live_only:
                if self._live >= LIVE_LIMIT:
                    self.dropped += 1
                    return False
                self._live += 1
            self._queue.append((self._connection, text, live_only))
            self._cond.notify()
            return True

    def stalled(self, now: float | None = None) -> bool:
        """Whether a write has been in progress for :data:`STALL_S` plus its size at
        :data:`SLOW_BPS` or more."""
        since, size = self._busy_since, self._busy_bytes
        now = time.monotonic() if now is None else now
        return since is not None and now - since >= STALL_S + size / SLOW_BPS

    def busy_s(self) -> float:
        """How long the write in progress has taken so far (0 when none)."""
        since = self._busy_since
        return 0.0 if since is None else time.monotonic() - since

    def stop(self) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                connection, text, live_only = self._queue.popleft()
                if live_only:
                    self._live -= 1
                if connection != self._connection or self._ws is None:
                    continue
                ws = self._ws
                self._busy_bytes = len(text)
                self._busy_since = time.monotonic()
            try:
                ws.send(text)
            except Exception:  # (ConnectionClosed, OSError…: the writer never dies of one)
                pass  # the reader sees the connection end, reconnects and resends
            finally:
                self._busy_since = None


def abort(ws: Any) -> None:
    """End a connection at once, without the closing handshake: a write or read blocked on it
    (a relay that does not read) returns with an error."""
    sock = getattr(ws, "socket", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
