"""Window/level presets (data in ``resources/presets``, the user's edits merged over them) and
automatic windows for any image.

The shipped presets are ``window_presets.json``; a user's edits (Settings) are saved as
``window_presets.json`` in the user config dir (platformdirs; ``YUNYING_CONFIG_DIR`` overrides)
and merged over the shipped ones by id: a user entry with a shipped id changes it, a new id adds
one, ``"removed": true`` hides one. Which presets a modality and body part offer, and the window a
series opens with, are in :mod:`viewer.dicom.windows`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

import resources

PRESETS_FILE = resources.path("presets", "window_presets.json")
USER_FILE_NAME = "window_presets.json"


@dataclass(frozen=True, slots=True)
class WindowPreset:
    id: str
    name: str
    name_zh: str
    center: float
    width: float
    unit: str = ""  # "" = the modality's own unit (HU for CT); "SUV" for PET shown in SUV
    user: bool = False  # added or changed by the user


def user_presets_path() -> Path:
    """Where the user's preset edits are saved."""
    from platformdirs import user_config_dir

    base = os.environ.get("YUNYING_CONFIG_DIR") or user_config_dir("yunying", appauthor=False)
    return Path(base) / USER_FILE_NAME


@cache
def _shipped() -> dict[str, list[dict[str, Any]]]:
    data = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def load_user_presets(path: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """The user's edits by modality ({} when there are none or the file is unreadable)."""
    p = path or user_presets_path()
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(k): [e for e in v if isinstance(e, dict) and "id" in e]
        for k, v in data.items()
        if isinstance(v, list) and not str(k).startswith("_")
    }


def save_user_presets(edits: dict[str, list[dict[str, Any]]], path: Path | None = None) -> Path:
    """Write the user's edits (atomically); every entry needs an id, and center/width numbers
    with width > 0 where given."""
    for modality, entries in edits.items():
        for e in entries:
            if "id" not in e:
                raise ValueError(f"{modality} preset without an id: {e}")
            if "width" in e and not float(e["width"]) > 0:
                raise ValueError(f"{modality} preset {e['id']}: width must be > 0")
            if "center" in e:
                float(e["center"])
    p = path or user_presets_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".presets-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(
            {"_comment": "window preset edits, merged over the shipped ones by id", **edits},
            f,
            ensure_ascii=False,
            indent=1,
        )
    os.replace(tmp, p)
    return p


def set_user_preset(modality: str, preset: WindowPreset, path: Path | None = None) -> None:
    """Add or change one preset in the user's file."""
    edits = load_user_presets(path)
    entry = {k: v for k, v in asdict(preset).items() if k != "user"}
    entries = [e for e in edits.get(modality, []) if e["id"] != preset.id]
    edits[modality] = [*entries, entry]
    save_user_presets(edits, path)


def remove_user_preset(modality: str, preset_id: str, path: Path | None = None) -> None:
    """Hide a preset (a shipped one stays hidden; a user's own is deleted)."""
    edits = load_user_presets(path)
    entries = [e for e in edits.get(modality, []) if e["id"] != preset_id]
    if any(p["id"] == preset_id for p in _shipped().get(modality, [])):
        entries.append({"id": preset_id, "removed": True})
    edits[modality] = entries
    save_user_presets(edits, path)


def _make(e: dict[str, Any], user: bool) -> WindowPreset:
    return WindowPreset(
        str(e["id"]),
        str(e.get("name", e["id"])),
        str(e.get("name_zh", e.get("name", e["id"]))),
        float(e["center"]),
        float(e["width"]),
        str(e.get("unit", "")),
        user,
    )


def presets(modality: str = "CT", path: Path | None = None) -> tuple[WindowPreset, ...]:
    """The presets of a modality: shipped, with the user's edits merged over them by id."""
    merged: dict[str, dict[str, Any]] = {e["id"]: dict(e) for e in _shipped().get(modality, [])}
    changed: set[str] = set()
    for e in load_user_presets(path).get(modality, []):
        if e.get("removed"):
            merged.pop(e["id"], None)
            continue
        base = merged.get(e["id"], {})
        candidate = {**base, **e}
        try:
            _make(candidate, True)
        except (KeyError, TypeError, ValueError):
            continue  # a broken user entry is ignored, the shipped one stays
        if float(candidate["width"]) <= 0:
            continue
        merged[e["id"]] = candidate
        changed.add(e["id"])
    return tuple(_make(e, e["id"] in changed) for e in merged.values())


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
    """A window from a file window (any modality, CT included) or the data. Prefer
    :func:`viewer.dicom.windows.opening_window`, which reads the middle image's window and
    applies the rules by body part."""
    if file_window is not None and file_window[1] > 0:
        return file_window
    if modality == "CT":
        p = preset("abdomen")
        return p.center, p.width
    return robust_window(values)
