"""Series thumbnails: a small 8-bit picture of the middle frame, made within a memory budget.

The frame's declared size is checked before anything is decoded; the decoded stored values are
subsampled first and only the small picture is converted to floating point (a full-size float
copy of a large frame is never made).
"""

from __future__ import annotations

import numpy as np

from viewer.dicom.codecs import FrameReader
from viewer.dicom.limits import MiB
from viewer.dicom.model import SeriesInfo
from viewer.dicom.presets import robust_window

THUMB = 72
#: Frames larger than this (decoded) get no thumbnail: decoding them only for a 72-pixel
#: picture costs more than it is worth.
MAX_THUMB_SOURCE_BYTES = 256 * MiB


def thumbnail(series: SeriesInfo, size: int = THUMB) -> np.ndarray | None:
    """A small 8-bit picture of the series' middle frame (None if it cannot be decoded)."""
    if not series.frames:
        return None
    fr = sorted(series.frames, key=lambda f: (f.instance.instance_number or 0, f.index))[
        len(series.frames) // 2
    ]
    px = fr.instance.pixel
    if px is None or px.frame_bytes > MAX_THUMB_SOURCE_BYTES:
        return None
    try:
        stored = FrameReader(fr.instance).frame(fr.index)
    except Exception:
        return None
    step = max(1, max(stored.shape[:2]) // size)
    small = np.asarray(stored[::step, ::step], dtype=np.float32)
    if small.ndim == 3:
        small = small.mean(axis=2)
    g = fr.geometry
    small = small * np.float32(g.rescale_slope) + np.float32(g.rescale_intercept)
    if series.modality == "CT":
        c, w = 40.0, 400.0
    else:
        c, w = robust_window(small)
    w = w if w > 0 else 1.0
    return np.clip((small - (c - w / 2)) / w * 255, 0, 255).astype(np.uint8)
