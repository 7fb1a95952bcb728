"""Window/level presets (data in ``resources/presets``) and automatic windows for any image.

CT uses the named presets; other modalities use the file's own VOI window when it has one, else a
robust window from the histogram (the 1st to 99th percentile of the pixels), so a stray hot pixel
cannot wash the image out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np

import resources

PRESETS_FILE = resources.path("presets", "window_presets.json")


@dataclass(frozen=True, slots=True)
class WindowPreset:
    id: str
    name: str
    name_zh: str
    center: float
    width: float


@cache
def presets(modality: str = "CT") -> tuple[WindowPreset, ...]:
    data = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
    return tuple(
        WindowPreset(p["id"], p["name"], p["name_zh"], float(p["center"]), float(p["width"]))
        for p in data.get(modality, [])
    )


def preset(preset_id: str, modality: str = "CT") -> WindowPreset:
    for p in presets(modality):
        if p.id == preset_id:
            return p
    raise KeyError(f"no {modality} window preset {preset_id!r}")


def robust_window(values: np.ndarray, low: float = 1.0, high: float = 99.0) -> tuple[float, float]:
    """(center, width) spanning the ``low``–``high`` percentiles of ``values`` (a sample is used
    for large arrays)."""
    flat = np.asarray(values).ravel()
    if flat.size > 1_000_000:
        flat = flat[:: flat.size // 1_000_000 + 1]
    lo, hi = np.percentile(flat, [low, high])
    if hi <= lo:
        hi = lo + 1.0
    return float((lo + hi) / 2), float(hi - lo)


def default_window(
    modality: str, file_window: tuple[float, float] | None, values: np.ndarray
) -> tuple[float, float]:
    """The window a series opens with."""
    if modality == "CT":
        p = preset("abdomen")
        return p.center, p.width
    if file_window is not None and file_window[1] > 0:
        return file_window
    return robust_window(values)
