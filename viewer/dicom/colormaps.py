"""Colour maps and fusion pairs, as data (``resources/colormaps/*.json``,
``resources/presets/fusion_pairs.json``); no VTK, no Qt.

A colour map is a list of control points (position 0–1 across the window, r, g, b 0–1) joined
linearly; :func:`table` samples it into an ``(n, 3)`` array that the renderers turn into a VTK
lookup table and the colour bar draws. Maps marked ``fusion`` are the ones offered for an
overlay: on them the highest values are the hottest in hue *and* in luminance, and the top is a
saturated colour, never white (a white top over grey anatomy reads as neutral).
"""

from __future__ import annotations

import colorsys
import json
from dataclasses import dataclass
from functools import cache

import numpy as np

import resources

COLORMAP_DIR = resources.path("colormaps")
FUSION_FILE = resources.path("presets", "fusion_pairs.json")
#: Older names kept working (the MPR fusion used to say "hot").
ALIASES = {"hot": "hot_iron", "gray": "grey", "inverted": "grey_inverted"}


@dataclass(frozen=True, slots=True)
class Colormap:
    """One colour map: its control points and whether it is offered for fused overlays."""

    id: str
    name: str
    name_zh: str
    points: tuple[tuple[float, float, float, float], ...]
    fusion: bool = False
    order: int = 100

    def table(self, n: int = 256) -> np.ndarray:
        """``n`` RGB colours (float, 0–1) sampled evenly from the bottom to the top."""
        return table(self, n)


def _load(path: str) -> Colormap:
    data = json.loads(resources.path("colormaps", path).read_text(encoding="utf-8"))
    pts = tuple((float(p[0]), float(p[1]), float(p[2]), float(p[3])) for p in data["points"])
    if len(pts) < 2 or [p[0] for p in pts] != sorted(p[0] for p in pts):
        raise ValueError(f"colour map {path}: at least two points, positions ascending")
    if pts[0][0] != 0.0 or pts[-1][0] != 1.0:
        raise ValueError(f"colour map {path}: points must span positions 0 to 1")
    if any(not 0.0 <= c <= 1.0 for p in pts for c in p[1:]):
        raise ValueError(f"colour map {path}: colours are 0..1")
    return Colormap(
        str(data["id"]),
        str(data["name"]),
        str(data.get("name_zh", data["name"])),
        pts,
        bool(data.get("fusion", False)),
        int(data.get("order", 100)),
    )


@cache
def colormaps() -> tuple[Colormap, ...]:
    """Every colour map shipped, in menu order."""
    maps = [_load(p.name) for p in sorted(COLORMAP_DIR.glob("*.json"))]
    return tuple(sorted(maps, key=lambda m: (m.order, m.id)))


def colormap(cmap_id: str) -> Colormap:
    key = ALIASES.get(cmap_id, cmap_id)
    for m in colormaps():
        if m.id == key:
            return m
    raise KeyError(f"no colour map {cmap_id!r}")


def fusion_colormaps() -> tuple[Colormap, ...]:
    return tuple(m for m in colormaps() if m.fusion)


@cache
def _table_cached(cmap_id: str, n: int) -> np.ndarray:
    m = colormap(cmap_id)
    pos = np.array([p[0] for p in m.points])
    t = np.linspace(0.0, 1.0, n)
    rgb = np.stack([np.interp(t, pos, [p[c] for p in m.points]) for c in (1, 2, 3)], axis=-1)
    rgb.setflags(write=False)
    return rgb


def table(cmap: Colormap | str, n: int = 256) -> np.ndarray:
    """``n`` RGB colours (0–1) from the bottom to the top of a colour map (read-only)."""
    return _table_cached(cmap if isinstance(cmap, str) else cmap.id, n)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance (Rec. 709 weights on linearised sRGB) of RGB values in 0–1."""
    c = np.asarray(rgb, float)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def hue_degrees(rgb: np.ndarray) -> np.ndarray:
    """Hue angle (0 red, 60 yellow, 120 green, 240 blue) of RGB values in 0–1."""
    flat = np.asarray(rgb, float).reshape(-1, 3)
    h = np.array([colorsys.rgb_to_hsv(*c)[0] * 360.0 for c in flat])
    return h.reshape(np.asarray(rgb).shape[:-1])


# --------------------------------------------------------------------------- fusion


@dataclass(frozen=True, slots=True)
class FusionDefaults:
    """How an overlay opens: its colour map, the threshold below which it is transparent and
    the opacity ramp above it (both as fractions of its window), its opacity."""

    colormap: str
    threshold: float
    ramp: float
    opacity: float


@cache
def _fusion_data() -> dict[str, object]:
    data: dict[str, object] = json.loads(FUSION_FILE.read_text(encoding="utf-8"))
    return data


def _norm(modality: str) -> str:
    m = modality.strip().upper()
    return {"PET": "PT", "SPECT": "NM", "ST": "NM"}.get(m, m)


def fusion_pairs(base_modality: str, overlay_modality: str) -> bool:
    """True when ``overlay_modality`` may be fused over ``base_modality`` (PET/NM/SPECT/MR over
    CT, PET/NM over MR…), from ``fusion_pairs.json``."""
    pairs = _fusion_data()["pairs"]
    assert isinstance(pairs, dict)
    return _norm(overlay_modality) in pairs.get(_norm(base_modality), {})


def fusion_defaults(base_modality: str, overlay_modality: str) -> FusionDefaults:
    """The overlay's opening colour map, threshold, ramp and opacity for a sensible pair;
    ``ValueError`` for a pair that is not offered."""
    if not fusion_pairs(base_modality, overlay_modality):
        raise ValueError(f"{overlay_modality} over {base_modality} is not a fusion offered")
    data = _fusion_data()
    pairs = data["pairs"]
    assert isinstance(pairs, dict)
    cmap = str(pairs[_norm(base_modality)][_norm(overlay_modality)])
    return FusionDefaults(
        colormap(cmap).id,
        float(data.get("threshold", 0.0)),  # type: ignore[arg-type]
        float(data.get("ramp", 0.1)),  # type: ignore[arg-type]
        float(data.get("opacity", 0.5)),  # type: ignore[arg-type]
    )


def overlay_alpha(n: int, threshold: float, ramp: float) -> np.ndarray:
    """Opacity (0–1) of ``n`` overlay colours spread over its window: 0 below ``threshold``
    (fraction of the window), rising linearly over ``ramp`` (fraction) to 1."""
    t = np.linspace(0.0, 1.0, n)
    if ramp <= 0:
        return (t >= threshold).astype(float) * (t > 0)
    a = np.clip((t - threshold) / ramp, 0.0, 1.0)
    a[t < threshold] = 0.0
    return a


def overlay_colormap(base_modality: str, overlay_modality: str) -> str:
    """The colour map an overlay opens with: the pair's (fusion_pairs.json), else hot iron for
    PET/NM and rainbow for anything else."""
    if fusion_pairs(base_modality, overlay_modality):
        return fusion_defaults(base_modality, overlay_modality).colormap
    return "hot_iron" if _norm(overlay_modality) in ("PT", "NM") else "rainbow"
