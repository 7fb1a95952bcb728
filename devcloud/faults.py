"""Fault injection for a gateway, switched on per run by tests (``POST /_dev/faults``).

* ``latency_ms``: added before every answer;
* ``bandwidth_bps``: the body is paced to this many bytes per second;
* ``cut_after_bytes`` / ``cut_responses``: the next ``cut_responses`` bodies are cut (the connection
  dropped) after this many bytes;
* ``status`` / ``status_count`` / ``retry_after``: the next requests are answered with this status
  (a burst of 503 or 429);
* ``expire_token_after_bytes``: the token in use expires once this many bytes of a body have gone
  (the body is then cut): a token that expires mid-transfer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from typing import Any


class CutConnection(Exception):
    """Raised inside a streamed body to drop the connection on purpose."""


@dataclass
class Faults:
    """Network faults a gateway injects on request (latency, bandwidth, cut transfers, error
    statuses, tokens expiring mid-transfer), for tests of the client's resilience."""

    latency_ms: float = 0.0
    bandwidth_bps: float = 0.0
    cut_after_bytes: int | None = None
    cut_responses: int = 0
    status: int | None = None
    status_count: int = 0
    retry_after: int | None = None
    expire_token_after_bytes: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Faults:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class FaultState:
    """The faults in force for one gateway, safe to use from many request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults = Faults()
        self.cuts_done = 0
        self.statuses_done = 0

    def set(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults

    def clear(self) -> None:
        self.set(Faults())

    def snapshot(self) -> Faults:
        with self._lock:
            return Faults(**asdict(self.faults))

    def take_status(self) -> tuple[int, int | None] | None:
        """A status to answer with instead of the real answer, if a burst is running."""
        with self._lock:
            f = self.faults
            if f.status and f.status_count > 0:
                f.status_count -= 1
                self.statuses_done += 1
                return f.status, f.retry_after
        return None

    def take_cut(self) -> int | None:
        with self._lock:
            f = self.faults
            if f.cut_after_bytes is not None and f.cut_responses > 0:
                f.cut_responses -= 1
                self.cuts_done += 1
                return f.cut_after_bytes
        return None

    def latency(self) -> None:
        ms = self.faults.latency_ms
        if ms > 0:
            time.sleep(ms / 1000)

    def shape(self, body: Iterator[bytes], expire_token: Callable[[], None]) -> Iterator[bytes]:
        """Apply bandwidth, cuts and token expiry to a streamed body."""
        f = self.snapshot()
        cut_at = self.take_cut()
        expire_at = f.expire_token_after_bytes
        limits = [x for x in (cut_at, expire_at) if x is not None]
        stop_at = min(limits) if limits else None
        sent = 0
        start = time.monotonic()
        for chunk in body:
            if stop_at is not None and sent + len(chunk) >= stop_at:
                part = chunk[: max(0, stop_at - sent)]
                if part:
                    yield part
                if expire_at is not None and stop_at == expire_at:
                    expire_token()
                raise CutConnection(f"fault injection: body cut after {stop_at} bytes")
            if f.bandwidth_bps > 0:
                # pace in slices so a cap holds within a chunk too
                for i in range(0, len(chunk), 65536):
                    piece = chunk[i : i + 65536]
                    sent += len(piece)
                    due = start + sent / f.bandwidth_bps
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    yield piece
            else:
                sent += len(chunk)
                yield chunk
