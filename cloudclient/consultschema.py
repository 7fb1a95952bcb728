"""The consultation relay's message schema, checked on both ends (the relay refuses, the
workstation drops): sizes, types, finite numbers, bounded lists. Pure functions, no I/O.

An operation is ``{"type": "op", "op": …, "data": {…}, "id": …}``; the relay answers with events
``{"type": "event", "seq": n, "from": participant, "op": …, "data": {…}, "id": …, "at": t}`` and
``welcome`` / ``error`` / ``join_request`` messages.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

#: the largest message either end sends or accepts (the web server's frame cap is higher)
MAX_MESSAGE = 64 * 1024
MAX_POINTS = 256
MAX_TEXT = 1000
#: a findings object shared in a consultation (GSPS, SR, KOS, an opinion), base64 of its bytes
MAX_SHARED = 60_000
CLIENT_OPS = frozenset(
    {
        "view",
        "pointer",
        "handover",
        "annotation.add",
        "annotation.edit",
        "annotation.delete",
        "finding",
    }
)
SERVER_OPS = frozenset({"joined", "left"})
_KEY = re.compile(r"^[A-Za-z0-9:_.\-]{1,64}$")
_WORD = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
_UID = re.compile(r"^[0-9A-Za-z.\-_]{0,128}$")
_B64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


class Malformed(ValueError):
    """A message that breaks the schema (it is dropped, never applied or relayed)."""


def _reject_constant(name: str) -> float:
    raise Malformed(f"{name} is not a number JSON allows")


def loads(text: str | bytes) -> dict[str, Any]:
    """One message: a JSON object of at most :data:`MAX_MESSAGE` bytes, no NaN or infinities."""
    if len(text) > MAX_MESSAGE:
        raise Malformed(f"message of {len(text)} bytes (at most {MAX_MESSAGE})")
    try:
        msg = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise Malformed(f"not JSON: {exc}") from None
    if not isinstance(msg, dict):
        raise Malformed("a message is a JSON object")
    return msg


def _num(v: Any, what: str, lo: float = -1e7, hi: float = 1e7) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise Malformed(f"{what} must be a number")
    if not lo <= v <= hi:
        raise Malformed(f"{what} out of range")
    return float(v)


def _int(v: Any, what: str, lo: int = 0, hi: int = 1_000_000) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise Malformed(f"{what} must be a whole number from {lo} to {hi}")
    return v


def _str(v: Any, what: str, pattern: re.Pattern[str] | None = None, most: int = 128) -> str:
    if not isinstance(v, str) or len(v) > most or (pattern is not None and not pattern.match(v)):
        raise Malformed(f"{what} is not a valid string")
    return v


def _vec(v: Any, what: str, n: int) -> None:
    if not isinstance(v, list) or len(v) != n:
        raise Malformed(f"{what} must be {n} numbers")
    for x in v:
        _num(x, what)


def _only(data: dict[str, Any], allowed: set[str], required: set[str], op: str) -> None:
    extra = set(data) - allowed
    if extra:
        raise Malformed(f"{op}: unknown fields {sorted(extra)[:5]}")
    missing = required - set(data)
    if missing:
        raise Malformed(f"{op}: missing {sorted(missing)}")


def check_data(op: str, data: Any) -> None:
    """Raise :class:`Malformed` unless ``data`` is a valid payload of a participant's ``op``."""
    if not isinstance(data, dict):
        raise Malformed(f"{op}: data must be an object")
    if op == "view":
        _only(data, {"series", "index", "window", "zoom", "pan", "crosshair"}, set(), op)
        if "series" in data:
            _str(data["series"], "series", _UID)
        if "index" in data:
            _int(data["index"], "index")
        if "window" in data:
            _vec(data["window"], "window", 2)
        if "zoom" in data:
            _num(data["zoom"], "zoom", 1e-3, 1e3)
        if "pan" in data:
            _vec(data["pan"], "pan", 2)
        if "crosshair" in data:
            _vec(data["crosshair"], "crosshair", 3)
    elif op == "pointer":
        _only(data, {"series", "x", "y"}, {"x", "y"}, op)
        _str(data.get("series", ""), "series", _UID)
        _num(data["x"], "x")
        _num(data["y"], "y")
    elif op == "handover":
        _only(data, {"to", "reason"}, {"to"}, op)
        _str(data["to"], "to", _WORD)
        _str(data.get("reason", ""), "reason", most=32)
    elif op in ("annotation.add", "annotation.edit"):
        _only(data, {"key", "series", "index", "kind", "points", "text"}, {"key", "points"}, op)
        _str(data["key"], "key", _KEY)
        _str(data.get("series", ""), "series", _UID)
        _int(data.get("index", 0), "index")
        _str(data.get("kind", "probe"), "kind", _WORD)
        _str(data.get("text", ""), "text", most=MAX_TEXT)
        pts = data["points"]
        if not isinstance(pts, list) or not 1 <= len(pts) <= MAX_POINTS:
            raise Malformed(f"points: 1 to {MAX_POINTS} points")
        for p in pts:
            _vec(p, "point", 2)
    elif op == "finding":
        _only(data, {"key", "dicom"}, {"key", "dicom"}, op)
        _str(data["key"], "key", _KEY)
        _str(data["dicom"], "dicom", _B64, most=MAX_SHARED)
    elif op == "annotation.delete":
        _only(data, {"key"}, {"key"}, op)
        _str(data["key"], "key", _KEY)
    else:
        raise Malformed(f"unknown op {op!r}")


def check_op(msg: dict[str, Any]) -> tuple[str, Any, str]:
    """(op, data, id) of a participant's operation, or :class:`Malformed`."""
    op = msg.get("op")
    if not isinstance(op, str):
        raise Malformed("op must be a string")
    msg_id = msg.get("id", "")
    _str(msg_id, "id", most=100)
    check_data(op, msg.get("data"))
    return op, msg["data"], msg_id


def _roster(v: Any) -> None:
    if not isinstance(v, list) or len(v) > 100:
        raise Malformed("participants must be a list")
    for p in v:
        if not isinstance(p, dict) or not all(isinstance(x, str) for x in p.values()):
            raise Malformed("a participant is an object of strings")
        _str(p.get("id"), "participant id", _WORD)


def check_incoming(msg: dict[str, Any]) -> None:
    """Raise :class:`Malformed` unless ``msg`` is a message a relay may send a participant."""
    kind = msg.get("type")
    if kind == "event":
        _int(msg.get("seq"), "seq", 1, 1 << 62)
        _str(msg.get("from"), "from", _WORD)
        _str(msg.get("id", ""), "id", most=100)
        op = msg.get("op")
        data = msg.get("data")
        if op in CLIENT_OPS:
            check_data(op, data)
        elif op in SERVER_OPS:
            if not isinstance(data, dict):
                raise Malformed(f"{op}: data must be an object")
            if "participants" in data:
                _roster(data["participants"])
        else:
            raise Malformed(f"unknown op {op!r}")
    elif kind == "welcome":
        _str(msg.get("participant"), "participant", _WORD)
        _str(msg.get("presenter"), "presenter", _WORD)
        _roster(msg.get("participants", []))
        _int(msg.get("seq", 0), "seq", 0, 1 << 62)
    elif kind == "error":
        _str(msg.get("message", ""), "message", most=MAX_TEXT)
        _str(msg.get("id", ""), "id", most=100)
    elif kind == "join_request":
        _str(msg.get("request"), "request", most=64)
        _str(msg.get("doctor", ""), "doctor", most=200)
        _str(msg.get("hospital", ""), "hospital", most=200)
    else:
        raise Malformed(f"unknown message type {kind!r}")
