"""Typed reading of header values for quantification: text, numbers, private elements by
creator, and DICOM DA / TM / DT values as ``datetime`` (lenient, never raising)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from pydicom.dataset import Dataset


def text_of(ds: Dataset, kw: str) -> str:
    v = ds.get(kw)
    if v is None:
        return ""
    if isinstance(v, Sequence) and not isinstance(v, str):
        return "\\".join(str(x) for x in v).strip().upper()
    return str(v).strip().upper()


def first_value(ds: Dataset, kw: str) -> Any:
    """The element's value, or its first value when multi-valued; None when absent or empty."""
    v = ds.get(kw)
    if v is None or v == "":
        return None
    if isinstance(v, Sequence) and not isinstance(v, str):
        if not v:
            return None
        v = v[0]
    return v


def float_of(ds: Dataset, kw: str) -> float | None:
    """The (first) value as a finite float; None when absent, not a number or not finite."""
    v = first_value(ds, kw)
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def private_float(ds: Dataset, group: int, creator: str, offset: int) -> float | None:
    try:
        block = ds.private_block(group, creator)
        elem = block[offset]
    except KeyError:
        return None
    v = elem.value
    if isinstance(v, bytes):  # implicit VR without a dictionary entry: DS/FL bytes
        try:
            return float(v.decode("ascii").strip("\x00 "))
        except (UnicodeDecodeError, ValueError):
            if len(v) == 8:
                return float(np.frombuffer(v, "<f8")[0])
            if len(v) == 4:
                return float(np.frombuffer(v, "<f4")[0])
            return None
    try:
        f = float(v[0] if isinstance(v, Sequence) and not isinstance(v, str) else v)
    except (TypeError, ValueError, IndexError):
        return None
    return f if math.isfinite(f) else None


def private_text(ds: Dataset, group: int, creator: str, offset: int) -> str:
    try:
        v = ds.private_block(group, creator)[offset].value
    except KeyError:
        return ""
    if isinstance(v, bytes):
        v = v.decode("ascii", "replace")
    return str(v).strip("\x00 ")


def parse_time(tm: str) -> timedelta | None:
    """A DICOM TM (``HH``, ``HHMM``, ``HHMMSS``, ``HHMMSS.ffffff``, or with colons)."""
    tm = tm.strip().replace(":", "")
    if not tm:
        return None
    main, _, frac = tm.partition(".")
    if not main.isdigit() or len(main) not in (2, 4, 6):
        return None
    h = int(main[0:2])
    m = int(main[2:4]) if len(main) >= 4 else 0
    s = int(main[4:6]) if len(main) >= 6 else 0
    f = float("0." + frac) if frac.isdigit() else 0.0
    if h > 23 or m > 59 or s > 60:
        return None
    return timedelta(hours=h, minutes=m, seconds=s + f)


def parse_date(da: str) -> datetime | None:
    da = da.strip().replace("-", "").replace(".", "")
    if len(da) != 8 or not da.isdigit():
        return None
    try:
        return datetime(int(da[:4]), int(da[4:6]), int(da[6:8]))
    except ValueError:
        return None


def parse_datetime(dt: str) -> datetime | None:
    """A DICOM DT ``YYYYMMDDHHMMSS.ffffff`` (time parts optional; a UTC offset is ignored)."""
    dt = dt.strip()
    for sign in "+-":
        if sign in dt[8:]:
            dt = dt[: 8 + dt[8:].index(sign)]
    day = parse_date(dt[:8])
    if day is None:
        return None
    rest = dt[8:]
    if not rest:
        return day
    t = parse_time(rest)
    return None if t is None else day + t


def date_time(ds: Dataset, date_kw: str, time_kw: str) -> datetime | None:
    day = parse_date(str(ds.get(date_kw, "") or ""))
    t = parse_time(str(ds.get(time_kw, "") or ""))
    if day is None or t is None:
        return None
    return day + t
