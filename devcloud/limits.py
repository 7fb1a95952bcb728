"""Attempt counters and lockouts of the national service (in memory, thread-safe).

Each :class:`Limiter` counts events per key (an ID number, a client id, a device grant) in a
sliding window; once ``attempts`` are reached the key is locked for ``lockout`` seconds. Keys for
patients are their normalised ID numbers, known or not, so that a lockout does not tell a known
ID number from an unknown one.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Limiter:
    """``attempts`` events within ``window`` seconds lock a key for ``lockout`` seconds."""

    attempts: int
    window: float = 600.0
    lockout: float = 900.0
    _events: dict[str, list[float]] = field(default_factory=dict)
    _locked: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def locked_for(self, key: str) -> float:
        """Seconds this key stays locked (0: not locked)."""
        with self._lock:
            left = self._locked.get(key, 0.0) - time.monotonic()
            if left <= 0:
                self._locked.pop(key, None)
                return 0.0
            return left

    def hit(self, key: str) -> bool:
        """Count one event (none while locked); True if the key is now locked. Callers check
        :meth:`locked_for` first: ``attempts`` events are allowed, the next one is refused."""
        now = time.monotonic()
        with self._lock:
            if self._locked.get(key, 0.0) > now:
                return True
            recent = [t for t in self._events.get(key, []) if t > now - self.window]
            recent.append(now)
            if len(recent) >= self.attempts:
                self._locked[key] = now + self.lockout
                self._events.pop(key, None)
                return True
            self._events[key] = recent
            return False

    def left(self, key: str) -> int:
        """Events still allowed before the lockout."""
        now = time.monotonic()
        with self._lock:
            if self._locked.get(key, 0.0) > now:
                return 0
            recent = [t for t in self._events.get(key, []) if t > now - self.window]
            return max(0, self.attempts - len(recent))

    def clear(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._events.clear()
                self._locked.clear()
            else:
                self._events.pop(key, None)
                self._locked.pop(key, None)


def minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


@dataclass
class Limits:
    """Every limiter of the national service (see :class:`devcloud.national.Settings`)."""

    pin_patient: Limiter  # wrong ID number/PIN pairs, per ID number
    pin_grant: Limiter  # wrong answers on one QR request's page: then the request is void
    phone_client: Limiter  # wrong answers from one phone (remote address)
    sms_send_patient: Limiter  # SMS codes sent, per ID number
    sms_send_client: Limiter  # SMS codes sent, per workstation
    sms_code_patient: Limiter  # wrong SMS codes, per patient (across requests)
    grant_client: Limiter  # failed grants of any kind at the token endpoint, per workstation
    code_client: Limiter  # index codes refused, per workstation
    code_patient: Limiter  # index codes refused, per person the code names (never locks out
    # a workstation that may open the code: the storing organisation's, or one with consent)
    assisted_client: Limiter  # assisted grants refused, per workstation
    assisted_patient: Limiter  # assisted grants refused, per ID number
    invite_client: Limiter  # wrong consultation invitations, per workstation

    def clear(self) -> None:
        for lim in vars(self).values():
            lim.clear()
