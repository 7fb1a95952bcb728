"""Read budgets: how much any one object may make us read, inflate or allocate.

Every reader checks these *before* it reads or allocates, so that a hostile or broken file is
refused with a reason instead of exhausting memory or time. The limits can be changed for a
session with :func:`set_limits` or, at start-up, with the environment variables
``YUNYING_MAX_FRAME_BYTES`` and ``YUNYING_MAX_SERIES_BYTES``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

GiB = 1024**3
MiB = 1024**2


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """What one object or series may cost. Sizes are bytes."""

    #: Largest declared decoded frame (rows × columns × samples × bytes per sample).
    max_frame_bytes: int = 1 * GiB
    #: Largest series (all its frames as loaded in memory).
    max_series_bytes: int = 4 * GiB
    #: Most frames one object may declare.
    max_frames: int = 100_000
    #: Most bytes read (or inflated) to find the end of one header.
    max_header_bytes: int = 64 * MiB
    #: Bytes read from the start of a file to decide whether it is DICOM at all.
    sniff_bytes: int = 4096
    #: Slack allowed beyond what a header says its pixels need (trailing padding, odd encoders).
    margin_bytes: int = 1 * MiB
    #: Compressed pixel data may be at most this many times its decoded size (plus the margin).
    max_compressed_ratio: float = 2.0

    def compressed_budget(self, native_bytes: int, frames: int) -> int:
        """Most encapsulated bytes accepted for pixels needing ``native_bytes`` when decoded."""
        return (
            int(native_bytes * self.max_compressed_ratio) + 64 * 1024 * frames + self.margin_bytes
        )


def _env_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


LIMITS = ReadLimits(
    max_frame_bytes=_env_int("YUNYING_MAX_FRAME_BYTES", 1 * GiB),
    max_series_bytes=_env_int("YUNYING_MAX_SERIES_BYTES", 4 * GiB),
)


def limits() -> ReadLimits:
    """The limits in force."""
    return LIMITS


def set_limits(**changes: Any) -> ReadLimits:
    """Change some limits for this process (e.g. ``set_limits(max_frame_bytes=256 * MiB)``);
    returns the previous ones so that a caller can restore them."""
    global LIMITS
    old = LIMITS
    LIMITS = replace(LIMITS, **changes)
    return old


def restore_limits(old: ReadLimits) -> None:
    global LIMITS
    LIMITS = old


def human_bytes(n: float) -> str:
    """``1.5 GiB``, ``300 MiB``, ``12 KiB``, ``17 bytes``."""
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"
