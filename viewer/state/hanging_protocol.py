"""The data of hanging protocols (see :mod:`viewer.state.hanging` for what they do): the exams
and series as protocols see them, and protocols parsed from their JSON form with errors that
name the file and the field."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import resources
from viewer.dicom.model import SeriesInfo, StudyInfo

PROTOCOL_DIR = resources.path("hanging")

# --------------------------------------------------------------------------- what is hung


def orientation_of(series: SeriesInfo) -> str:
    """``axial``, ``coronal``, ``sagittal``, ``oblique`` from the image plane; '' without one."""
    o = series.orientation
    if o is None:
        return ""
    n = np.cross(o[:3], o[3:])
    a = np.abs(n) / (np.linalg.norm(n) or 1.0)
    if a.max() < 0.8:
        return "oblique"
    return ("sagittal", "coronal", "axial")[int(a.argmax())]


@dataclass(frozen=True)
class SeriesView:
    """What protocols look at in a series."""

    key: str  # SeriesInfo.key
    modality: str
    description: str
    orientation: str
    images: int
    number: int | None = None

    @classmethod
    def of(cls, s: SeriesInfo) -> SeriesView:
        return cls(
            s.key, s.modality, s.description, orientation_of(s), len(s.frames), s.series_number
        )


@dataclass(frozen=True)
class ExamView:
    """What protocols look at in an exam (see :meth:`of` for a scanned study)."""

    study_uid: str
    modalities: tuple[str, ...]
    body_part: str
    description: str
    date: str
    series: tuple[SeriesView, ...]

    @classmethod
    def of(cls, st: StudyInfo) -> ExamView:
        parts = [i.body_part for s in st.series for i in s.instances[:1] if i.body_part]
        return cls(
            st.study_uid,
            tuple(st.modalities),
            (parts[0] if parts else "").upper(),
            st.description,
            st.date,
            tuple(SeriesView.of(s) for s in st.series if s.frames),
        )


# --------------------------------------------------------------------------- protocols


class ProtocolError(ValueError):
    """A protocol file that cannot be used (the message names the file and the field)."""


def _regex(where: str, text: Any) -> re.Pattern[str] | None:
    if text in (None, ""):
        return None
    try:
        return re.compile(str(text), re.IGNORECASE)
    except re.error as exc:
        raise ProtocolError(f"{where}: bad regular expression {text!r}: {exc}") from None


def _upper_set(v: Any) -> frozenset[str]:
    if v in (None, "", "*"):
        return frozenset()
    return frozenset(str(x).upper() for x in (v if isinstance(v, list) else [v]))


@dataclass(frozen=True)
class SeriesRule:
    modality: frozenset[str] = frozenset()
    orientation: frozenset[str] = frozenset()
    description: re.Pattern[str] | None = None
    min_images: int = 1
    max_images: int | None = None

    @classmethod
    def parse(cls, where: str, d: dict[str, Any]) -> SeriesRule:
        return cls(
            _upper_set(d.get("modality")),
            frozenset(str(x).lower() for x in _upper_set(d.get("orientation"))),
            _regex(f"{where}.description", d.get("description")),
            int(d.get("min_images", 1)),
            int(d["max_images"]) if d.get("max_images") is not None else None,
        )

    def accepts(self, s: SeriesView) -> bool:
        return (
            (not self.modality or s.modality.upper() in self.modality)
            and (not self.orientation or s.orientation in self.orientation)
            and (self.description is None or bool(self.description.search(s.description)))
            and s.images >= self.min_images
            and (self.max_images is None or s.images <= self.max_images)
        )


@dataclass(frozen=True)
class ViewportSpec:
    exam: int
    rule: SeriesRule | None = None
    like: int | None = None
    same_as: int | None = None
    window: str | None = None
    colormap: str = "grey"
    invert: bool = False
    overlay: SeriesRule | None = None
    overlay_colormap: str = "hot"


@dataclass(frozen=True)
class Links:
    scroll: bool = True
    zoom: bool = True
    pan: bool = True
    window: bool = False

    def as_dict(self) -> dict[str, bool]:
        return {"scroll": self.scroll, "zoom": self.zoom, "pan": self.pan, "window": self.window}


@dataclass(frozen=True)
class Stage:
    name: str
    name_zh: str
    layout: tuple[int, int]
    viewports: tuple[ViewportSpec, ...]
    links: Links
    min_priors: int = 0

    @property
    def layout_name(self) -> str:
        return f"{self.layout[0]}x{self.layout[1]}"


@dataclass(frozen=True)
class Match:
    modality: frozenset[str] = frozenset()
    body_part: frozenset[str] = frozenset()
    study_description: re.Pattern[str] | None = None
    series: SeriesRule | None = None  # today's exam must have such a series
    min_priors: int = 0
    max_priors: int | None = None


@dataclass(frozen=True)
class Protocol:
    id: str
    name: str
    name_zh: str
    match: Match
    stages: tuple[Stage, ...]
    priority: int = 0
    source: str = ""  # the file it came from

    def title(self, language: str = "en") -> str:
        return self.name_zh if language.startswith("zh") and self.name_zh else self.name


def parse_protocol(d: dict[str, Any], source: str = "") -> Protocol:
    """A protocol from its JSON form; :class:`ProtocolError` names what is wrong."""
    where = source or str(d.get("id", "protocol"))
    try:
        m = d.get("match", {})
        match = Match(
            _upper_set(m.get("modality")),
            _upper_set(m.get("body_part")),
            _regex(f"{where}: match.study_description", m.get("study_description")),
            SeriesRule.parse(f"{where}: match.series", m["series"]) if m.get("series") else None,
            int(m.get("min_priors", 0)),
            int(m["max_priors"]) if m.get("max_priors") is not None else None,
        )
        stages = []
        for si, st in enumerate(d["stages"]):
            rows, cols = (int(x) for x in st["layout"])
            vps = []
            for vi, v in enumerate(st["viewports"]):
                at = f"{where}: stages[{si}].viewports[{vi}]"
                rule = SeriesRule.parse(at, v["series"]) if "series" in v else None
                like, same = v.get("like"), v.get("same_as")
                if (rule is None) == (like is None and same is None):
                    raise ProtocolError(f"{at}: give exactly one of series, like, same_as")
                for ref in (like, same):
                    if ref is not None and not 0 <= int(ref) < vi:
                        raise ProtocolError(f"{at}: like/same_as must name an earlier viewport")
                ov = v.get("overlay")
                vps.append(
                    ViewportSpec(
                        int(v.get("exam", 0)),
                        rule,
                        int(like) if like is not None else None,
                        int(same) if same is not None else None,
                        v.get("window"),
                        str(v.get("colormap", "grey")),
                        bool(v.get("invert", False)),
                        SeriesRule.parse(f"{at}.overlay", ov["series"]) if ov else None,
                        str(ov.get("colormap", "hot")) if ov else "hot",
                    )
                )
            if len(vps) > rows * cols:
                raise ProtocolError(f"{where}: stage {si} has more viewports than its layout")
            need = max([v.exam for v in vps] + [0])
            stages.append(
                Stage(
                    str(st.get("name", f"Stage {si + 1}")),
                    str(st.get("name_zh", "")),
                    (rows, cols),
                    tuple(vps),
                    Links(**{k: bool(x) for k, x in st.get("links", {}).items()}),
                    int(st.get("min_priors", need)),
                )
            )
        if not stages:
            raise ProtocolError(f"{where}: no stages")
        return Protocol(
            str(d["id"]),
            str(d.get("name", d["id"])),
            str(d.get("name_zh", "")),
            match,
            tuple(stages),
            int(d.get("priority", 0)),
            source,
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ProtocolError):
            raise
        raise ProtocolError(f"{where}: {type(exc).__name__}: {exc}") from None


def load_protocols(*folders: Path) -> list[Protocol]:
    """The protocols in ``resources/hanging`` and then in ``folders`` (a reader's own; one with
    the same id replaces the built-in)."""
    found: dict[str, Protocol] = {}
    for folder in (PROTOCOL_DIR, *folders):
        for f in sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else []:
            p = parse_protocol(json.loads(f.read_text(encoding="utf-8")), str(f))
            found[p.id] = p
    return list(found.values())
