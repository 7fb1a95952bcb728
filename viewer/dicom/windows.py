"""The window a series opens with, the windows its files offer, and the unit its values are
shown in (no Qt, no VTK).

A series opens in its files' window: the *middle* image's first Window Center/Width (never an
edge slice's: an edge slice of an MR may say W 8 / L 4). :func:`file_windows` returns every value
of a multi-valued Window Center/Width and each VOI LUT of that image, for CT too. Without one, the
rules of ``resources/presets/window_rules.json`` choose by modality, display unit and body part
(head CT → brain, chest → mediastinum, PET in SUV → 0–5 SUV inverted grey …); with no rule, a
robust window from the data (1st–99th percentile).

Values are shown in a *display unit*: the modality value × a per-slice factor (1 unless a
provider says otherwise; the SUV module plugs PET's SUV factors in through
:func:`register_display_values`). Windows here are in that display unit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from struct import error as struct_error
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset

import resources
from viewer.dicom.i18n import translate
from viewer.dicom.model import FrameRef, SeriesInfo
from viewer.dicom.presets import WindowPreset, presets, robust_window
from viewer.dicom.volume import ImageStack, Volume

RULES_FILE = resources.path("presets", "window_rules.json")
#: Unit of the modality values when no provider knows better (PET's comes from Units).
MODALITY_UNIT = {"CT": "HU", "MR": "a.u.", "PT": "", "NM": "counts"}
PET_RAW_UNIT = {"BQML": "Bq/ml", "CNTS": "counts", "GML": "g/ml", "CM2ML": "cm²/ml"}
_HEADER_TAGS = [
    "Modality",
    "BodyPartExamined",
    "SeriesDescription",
    "StudyDescription",
    "Units",
    "WindowCenter",
    "WindowWidth",
    "WindowCenterWidthExplanation",
    "VOILUTFunction",
    "PixelRepresentation",
    "VOILUTSequence",
    "SharedFunctionalGroupsSequence",
    "PerFrameFunctionalGroupsSequence",
]

Image = Volume | ImageStack


@dataclass(frozen=True, eq=False)
class VoiLut:
    """A VOI LUT of the file (PS3.3 C.11.2): modality value ``first + i`` shows as grey
    ``out[i]`` (0 black … 1 white); values below ``first`` as ``out[0]``, above the last entry
    as ``out[-1]`` — pydicom's ``apply_voi`` semantics, a table, not a line."""

    first: float
    out: np.ndarray
    explanation: str = ""

    def __call__(self, values: np.ndarray | float) -> np.ndarray:
        """The grey (0–1) of modality values."""
        i = np.rint(np.asarray(values, dtype=np.float64) - self.first)
        return self.out[np.clip(i, 0, len(self.out) - 1).astype(np.int64)]

    @property
    def pair(self) -> tuple[float, float]:
        """(center, width) of the linear window spanning its input range."""
        n = len(self.out)
        return (self.first + n / 2, float(n))


def voi_lut(item: Dataset, signed: bool = False) -> VoiLut | None:
    """The table of one VOI LUT Sequence item (None when it cannot be read)."""
    from pydicom.pixels import apply_voi

    desc = item.get("LUTDescriptor")
    if not desc or len(desc) < 3 or "LUTData" not in item:
        return None
    n = int(desc[0]) or 65536
    raw_first = int(desc[1])
    first = raw_first - 65536 if raw_first >= 32768 and signed else raw_first
    bits = int(desc[2])
    holder = Dataset()
    holder.VOILUTSequence = [item]
    holder.set_original_encoding(False, True)  # LUT Data as OW: read little endian
    try:
        table = apply_voi(np.arange(raw_first, raw_first + n, dtype=np.int64), holder, 0)
    except (ValueError, TypeError, NotImplementedError, AttributeError, struct_error):
        return None
    if len(table) != n:
        return None
    out = np.asarray(table, dtype=np.float64) / float(2**bits - 1)
    text = str(item.get("LUTExplanation", "") or "").strip()
    return VoiLut(float(first), np.clip(out, 0.0, 1.0), text)


@dataclass(frozen=True, slots=True)
class Window:
    """A window in the display unit, with where it comes from ("file", "voi_lut", "rule",
    "auto") and a human explanation (the file's Window Center & Width Explanation, the rule…).
    A VOI LUT is a window spanning its input range that carries the table (``lut``): picked,
    the view shows the table (see :mod:`viewer.render.voi`); dragged, the window is linear."""

    center: float
    width: float
    explanation: str = ""
    source: str = "file"
    lut: VoiLut | None = field(default=None, compare=False)

    @property
    def pair(self) -> tuple[float, float]:
        return (self.center, self.width)

    @property
    def low(self) -> float:
        return self.center - self.width / 2

    @property
    def high(self) -> float:
        return self.center + self.width / 2


@dataclass(frozen=True, slots=True)
class OpeningDisplay:
    """How a series opens: its window and colour map (a resources/colormaps id)."""

    window: Window
    colormap: str = "grey"


# --------------------------------------------------------------------------- the middle image


def frame_refs(image: Image | SeriesInfo) -> list[FrameRef]:
    if isinstance(image, Volume):
        return list(image.slice_sources)
    if isinstance(image, ImageStack):
        return list(image.sources)
    return list(image.frames)


def middle_frame(image: Image | SeriesInfo, index: int | None = None) -> FrameRef | None:
    """The frame a series' window is read from: the middle one (or ``index``'s)."""
    refs = frame_refs(image)
    if not refs:
        return None
    k = len(refs) // 2 if index is None else max(0, min(index, len(refs) - 1))
    return refs[k]


_header_cache: dict[tuple[str, str], Dataset | None] = {}


def _header(fr: FrameRef) -> Dataset | None:
    """The header of a frame's file (pixel data not read), cached; None if unreadable."""
    inst = fr.instance
    key = (str(inst.ref), inst.sop_instance_uid)
    if key not in _header_cache:
        ds: Dataset | None
        try:
            with inst.ref.open() as f:
                ds = pydicom.dcmread(
                    f, stop_before_pixels=True, force=True, specific_tags=_HEADER_TAGS
                )
        except Exception:
            ds = None
        if len(_header_cache) > 256:
            _header_cache.clear()
        _header_cache[key] = ds
    return _header_cache[key]


def _floats(v: Any) -> list[float]:
    if v is None or v == "":
        return []
    vals = list(v) if isinstance(v, Sequence) and not isinstance(v, (str, bytes)) else [v]
    out = []
    for x in vals:
        try:
            f = float(x)
        except (TypeError, ValueError):
            return []
        if not math.isfinite(f):
            return []
        out.append(f)
    return out


def _texts(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, Sequence) and not isinstance(v, (str, bytes)):
        return [str(x) for x in v]
    return [str(v)]


def _voi_windows(item: Dataset, label: str, signed: bool = False) -> list[Window]:
    """The windows and VOI LUTs one dataset (or one functional group's FrameVOILUT item) holds."""
    out: list[Window] = []
    centers, widths = _floats(item.get("WindowCenter")), _floats(item.get("WindowWidth"))
    expl = _texts(item.get("WindowCenterWidthExplanation"))
    for n, (c, w) in enumerate(zip(centers, widths, strict=False)):
        if w <= 0:
            continue
        text = expl[n].strip() if n < len(expl) and expl[n].strip() else ""
        name = translate("Windows", "Window {0}").format(n + 1) if label == "Window" else label
        out.append(Window(c, w, text or name, "file"))
    for n, lut in enumerate(item.get("VOILUTSequence") or []):
        desc = lut.get("LUTDescriptor")
        if not desc or len(desc) < 2:
            continue
        entries = int(desc[0]) or 65536
        first = float(desc[1])
        if int(desc[1]) >= 32768 and signed:
            first -= 65536  # a signed first mapped value stored as US
        text = str(lut.get("LUTExplanation", "") or "").strip()
        table = voi_lut(lut, signed)
        out.append(
            Window(
                first + entries / 2, float(entries), text or f"VOI LUT {n + 1}", "voi_lut", table
            )
        )
    return out


def file_windows(image: Image | SeriesInfo, index: int | None = None) -> list[Window]:
    """Every window the middle image (or image ``index``) of a series carries: each value of a
    multi-valued Window Center/Width and each VOI LUT, in file order; for an enhanced
    multi-frame, the frame's Frame VOI LUT functional group. Windows are in modality units.

    When the file cannot be read again (a source gone), the scan's first value is used.
    """
    fr = middle_frame(image, index)
    if fr is None:
        return []
    ds = _header(fr)
    if ds is not None:
        signed = ds.get("PixelRepresentation", 0) == 1
        out: list[Window] = []
        per = ds.get("PerFrameFunctionalGroupsSequence")
        if per is not None and fr.index < len(per):
            for grp in (per[fr.index], *(ds.get("SharedFunctionalGroupsSequence") or [])):
                for item in grp.get("FrameVOILUTSequence") or []:
                    out += _voi_windows(item, "Window", signed)
                if out:
                    break
        if not out:
            out = _voi_windows(ds, "Window", signed)
        return out
    inst = fr.instance
    if inst.window_center is not None and inst.window_width:
        name = translate("Windows", "Window {0}").format(1)
        return [Window(inst.window_center, inst.window_width, name, "file")]
    return []


# --------------------------------------------------------------------------- display unit


@dataclass(frozen=True, slots=True)
class DisplayValues:
    """What values are shown in: ``unit`` and the per-slice factor turning a modality value into
    it (``factors`` None: 1). ``note`` says why it is not SUV, when that was refused."""

    unit: str
    factors: tuple[float, ...] | None = None
    note: str = ""
    detail: str = ""  # the physical unit behind a label: "g/ml" for SUVbw

    @property
    def title(self) -> str:
        """The unit as a colour bar's title: "SUVbw (g/ml)", "HU", "Bq/ml"; never empty."""
        if not self.unit:
            return translate("Units", "no unit")
        return f"{self.unit} ({self.detail})" if self.detail else self.unit

    def factor(self, k: int = 0) -> float:
        if not self.factors:
            return 1.0
        return self.factors[max(0, min(k, len(self.factors) - 1))]

    @property
    def typical_factor(self) -> float:
        """The median factor (for a view that crosses slices, e.g. an oblique MPR plane)."""
        return float(np.median(self.factors)) if self.factors else 1.0

    @property
    def is_suv(self) -> bool:
        return self.unit.upper().startswith("SUV")


DisplayProvider = Callable[[Image], DisplayValues | None]
_providers: list[DisplayProvider] = []


def register_display_values(fn: DisplayProvider) -> None:
    """Add a provider (e.g. PET's SUV) asked first by :func:`display_values`; one returning
    None passes."""
    if fn not in _providers:
        _providers.insert(0, fn)


def _from_attributes(image: Image) -> DisplayValues | None:
    """The display transform an image carries: PET's ``suv`` scale (SUV of the kind shown, or its
    raw unit and the reason SUV was refused), else ``display_unit`` / ``display_factors``."""
    suv = getattr(image, "suv", None)
    if suv is not None:
        if suv.available:
            suv_fs = tuple(float(f) for f in suv.slice_factors())
            return DisplayValues(str(suv.label), suv_fs, "", str(suv.unit))
        return DisplayValues(str(suv.raw_unit), None, str(suv.reason))
    unit = getattr(image, "display_unit", None)
    if not unit:
        return None
    factors = getattr(image, "display_factors", None)
    note = getattr(image, "display_note", "") or ""
    fs = tuple(float(f) for f in factors) if factors is not None and len(factors) else None
    return DisplayValues(str(unit), fs, str(note))


def display_values(image: Image) -> DisplayValues:
    """The unit (and per-slice factors) an image's values are shown in."""
    for fn in (*_providers, _from_attributes):
        dv = fn(image)
        if dv is not None:
            return dv
    modality = image.modality.upper()
    if modality == "PT":
        fr = middle_frame(image)
        ds = _header(fr) if fr is not None else None
        units = str(ds.get("Units", "") if ds is not None else "").strip().upper()
        return DisplayValues(PET_RAW_UNIT.get(units, units.lower()), None, "")
    return DisplayValues(MODALITY_UNIT.get(modality, ""))


# --------------------------------------------------------------------------- rules


@cache
def _rules() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return data


def _body_part(image: Image | SeriesInfo) -> tuple[str, str]:
    """(Body Part Examined, series + study description) of the middle image, upper case."""
    fr = middle_frame(image)
    if fr is None:
        return "", ""
    inst = fr.instance
    words = f"{inst.series_description} {inst.study_description}"
    return inst.body_part.strip().upper(), words.upper()


def _rule_for(modality: str, unit: str, body_part: str, words: str) -> dict[str, Any] | None:
    modality, body_part = modality.upper(), body_part.upper()
    for rule in _rules()["rules"]:
        if rule["modality"] != modality:
            continue
        if "unit" in rule and not unit.upper().startswith(rule["unit"].upper()):
            continue
        parts, keys = rule.get("body_parts"), rule.get("words")
        if parts or keys:
            hit = body_part in (parts or []) or any(k.upper() in words for k in keys or [])
            if not hit:
                continue
        return dict(rule)
    return None


def rule_window(
    modality: str, body_part: str = "", unit: str = "", description: str = ""
) -> tuple[Window | None, str]:
    """The rules' window and colour map for a series without a file window (window None when the
    rule leaves it to the data)."""
    rule = _rule_for(modality, unit, body_part, description.upper())
    if rule is None:
        return None, "grey"
    cmap = str(rule.get("colormap", "grey"))
    w = rule.get("window")
    why = str(rule.get("why", ""))
    if w is None:
        return None, cmap
    if isinstance(w, str):
        p = next((p for p in presets(modality.upper()) if p.id == w), None)
        if p is None:
            raise KeyError(f"window rule names preset {w!r}, not in window_presets.json")
        return Window(p.center, p.width, why or p.name, "rule"), cmap
    return Window(float(w[0]), float(w[1]), why, "rule"), cmap


def presets_for(modality: str, body_part: str = "", unit: str = "") -> list[WindowPreset]:
    """The presets offered for a modality and body part (none of brain on PET, none of lung on
    MR); SUV presets only when PET is shown in SUV. The user's edits are included."""
    offered = _rules()["offered"].get(modality.upper())
    if not offered:
        return []
    ids = offered.get(body_part.upper()) or offered.get("*", [])
    have = {p.id: p for p in presets(modality.upper())}
    out = [have[i] for i in ids if i in have]
    out += [p for p in have.values() if p.user and p.id not in ids]  # the user's own
    if modality.upper() == "PT":
        out = [p for p in out if p.unit == "" or unit.upper().startswith(p.unit.upper())]
    return out


# --------------------------------------------------------------------------- opening


def opening_display(image: Image, values: np.ndarray | None = None) -> OpeningDisplay:
    """The window and colour map a series opens with (see the module docstring)."""
    modality = image.modality.upper()
    if isinstance(image, ImageStack) and image.is_color:
        return OpeningDisplay(Window(127.5, 255.0, "colour image", "auto"))
    dv = display_values(image)
    body, words = _body_part(image)
    rule_w, cmap = rule_window(modality, body, dv.unit, words)
    if rule_w is not None and rule_w.source == "rule" and dv.is_suv:
        return OpeningDisplay(rule_w, cmap)  # PET in SUV: the configured SUV window
    k = len(frame_refs(image)) // 2
    f = dv.factor(k)
    found = file_windows(image)
    if found:
        fw = found[0]
        return OpeningDisplay(Window(fw.center * f, fw.width * f, fw.explanation, fw.source), cmap)
    if rule_w is not None:
        return OpeningDisplay(rule_w, cmap)
    if values is None:
        values = image.array[image.shape[0] // 2] if isinstance(image, Volume) else image.frames[k]
    c, width = robust_window(values)
    return OpeningDisplay(Window(c * f, width * f, "from the image's values", "auto"), cmap)


def opening_window(image: Image, values: np.ndarray | None = None) -> tuple[float, float]:
    """(center, width) a series opens with, in its display unit."""
    return opening_display(image, values).window.pair


def opening_colormap(image: Image) -> str:
    """The colour map a series opens with (the rules': inverted grey for PET/NM; else grey)."""
    if isinstance(image, ImageStack) and image.is_color:
        return "grey"
    body, words = _body_part(image)
    return rule_window(image.modality, body, display_values(image).unit, words)[1]


def fusion_window(overlay: Image) -> Window:
    """An overlay's opening window in its display unit: PET in SUV by the SUV rule (0–5 SUV),
    anything else as it would open on its own."""
    return opening_display(overlay).window
