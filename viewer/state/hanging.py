"""Hanging protocols as data: which series of today's exam and its priors goes in which viewport.

A protocol (``resources/hanging/*.json``, or the reader's own, saved with
:func:`protocol_from_arrangement`) has a ``match`` — modality, body part or study description
(regular expression), orientation, image count, number of priors — and ``stages`` (next/previous
keys step through them), each with a layout, viewports and links (scroll, zoom/pan, window).

A viewport names an exam (0 = today's, 1 = the most relevant prior, … — the caller orders the
priors, see :mod:`viewer.state.priors`) and how to pick its series: by rule (modality,
orientation, description regex, image count; the series with the most images wins, a series is
used once per exam and stage), ``like`` another viewport (the series of that exam most like the
one shown there: same modality and orientation, closest description) or ``same_as`` another
viewport (the same series, e.g. in another window). It gives the window preset id and the colour
map name, and optionally an overlay (fusion) series.

:func:`choose` returns the protocol in use and its first stage's :class:`Hanging` (the assignment
of series to viewports); everything here is plain data, no Qt and no pixels.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viewer.dicom.i18n import translate
from viewer.state.hanging_protocol import (
    PROTOCOL_DIR,
    ExamView,
    Links,
    Match,
    Protocol,
    ProtocolError,
    SeriesRule,
    SeriesView,
    Stage,
    ViewportSpec,
    load_protocols,
    orientation_of,
    parse_protocol,
)

__all__ = [
    "PROTOCOL_DIR",
    "Arranged",
    "Assignment",
    "ExamView",
    "Hanging",
    "Links",
    "Protocol",
    "ProtocolError",
    "SeriesView",
    "choose",
    "hang",
    "load_protocols",
    "orientation_of",
    "parse_protocol",
    "protocol_from_arrangement",
    "save_protocol",
    "score",
]

# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Assignment:
    """What one viewport shows (``series`` None: nothing fits; ``note`` says what was wanted)."""

    viewport: int
    exam: int | None
    series: SeriesView | None
    window: str | None = None
    colormap: str = "grey"
    invert: bool = False
    overlay: SeriesView | None = None
    overlay_colormap: str = "hot"
    note: str = ""


@dataclass(frozen=True)
class Hanging:
    """A protocol's stage applied to exams: the layout, links and viewport assignments."""

    protocol: Protocol
    stage: int
    exams: tuple[ExamView, ...] = field(repr=False)
    assignments: tuple[Assignment, ...]

    @property
    def layout(self) -> tuple[int, int]:
        return self.protocol.stages[self.stage].layout

    @property
    def layout_name(self) -> str:
        return self.protocol.stages[self.stage].layout_name

    @property
    def links(self) -> Links:
        return self.protocol.stages[self.stage].links

    def title(self, language: str = "en") -> str:
        """The protocol in use and the stage, for the status bar."""
        st = self.protocol.stages[self.stage]
        stage = st.name_zh if language.startswith("zh") and st.name_zh else st.name
        n = len(self.stages())
        return (
            f"{self.protocol.title(language)} — {stage} ({self.stages().index(self.stage) + 1}/{n})"
        )

    def stages(self) -> list[int]:
        """The stages these exams allow: a stage needing more priors than there are, or finding
        none of today's series (no coronal reformat, no diffusion…), is skipped."""
        priors = len(self.exams) - 1
        out = []
        for i, s in enumerate(self.protocol.stages):
            if s.min_priors > priors:
                continue
            if i == self.stage or _shows_today(hang(self.protocol, self.exams, i)):
                out.append(i)
        return out

    def next(self) -> Hanging:
        st = self.stages()
        return hang(self.protocol, self.exams, st[(st.index(self.stage) + 1) % len(st)])

    def previous(self) -> Hanging:
        st = self.stages()
        return hang(self.protocol, self.exams, st[(st.index(self.stage) - 1) % len(st)])

    def series_keys(self) -> list[tuple[int, str] | None]:
        """(exam, series key) per viewport, in viewport order."""
        return [
            (a.exam, a.series.key) if a.series is not None and a.exam is not None else None
            for a in self.assignments
        ]


def _shows_today(h: Hanging) -> bool:
    return any(a.series is not None and a.exam == 0 for a in h.assignments)


def _pick(rule: SeriesRule, exam: ExamView, used: set[str]) -> SeriesView | None:
    found = [s for s in exam.series if rule.accepts(s) and s.key not in used]
    if not found:
        return None
    return max(found, key=lambda s: (s.images, -(s.number or 0)))


def _like(target: SeriesView, exam: ExamView, used: set[str]) -> SeriesView | None:
    found = [
        s
        for s in exam.series
        if s.modality == target.modality and s.orientation == target.orientation
    ]
    if not found:
        return None

    def score(s: SeriesView) -> tuple[bool, float, int]:
        sim = difflib.SequenceMatcher(None, s.description.lower(), target.description.lower())
        return (s.key not in used, sim.ratio(), s.images)

    return max(found, key=score)


def hang(protocol: Protocol, exams: Sequence[ExamView], stage: int = 0) -> Hanging:
    """Assign series to the viewports of one stage (``exams[0]`` today's, then the priors)."""
    exams = tuple(exams)
    st = protocol.stages[stage]
    used: dict[int, set[str]] = {}
    out: list[Assignment] = []
    for i, v in enumerate(st.viewports):
        if v.exam >= len(exams):
            out.append(
                Assignment(
                    i,
                    None,
                    None,
                    v.window,
                    v.colormap,
                    v.invert,
                    note=translate("Hanging", "no prior {0}").format(v.exam),
                )
            )
            continue
        exam, taken = exams[v.exam], used.setdefault(v.exam, set())
        chosen: SeriesView | None = None
        if v.same_as is not None:
            chosen = out[v.same_as].series if out[v.same_as].exam == v.exam else None
        elif v.like is not None:
            target = out[v.like].series
            chosen = _like(target, exam, taken) if target is not None else None
        elif v.rule is not None:
            chosen = _pick(v.rule, exam, taken)
        overlay = _pick(v.overlay, exam, set()) if v.overlay is not None else None
        if chosen is not None:
            taken.add(chosen.key)
        out.append(
            Assignment(
                i,
                v.exam,
                chosen,
                v.window,
                v.colormap,
                v.invert,
                overlay,
                v.overlay_colormap,
                "" if chosen is not None else translate("Hanging", "no series fits this viewport"),
            )
        )
    return Hanging(protocol, stage, exams, tuple(out))


def score(protocol: Protocol, exams: Sequence[ExamView]) -> int | None:
    """How specifically ``protocol`` fits the exams (higher is better); None: it does not."""
    cur, m = exams[0], protocol.match
    priors = len(exams) - 1
    pts = 0
    if m.modality:
        if not set(cur.modalities) & m.modality:
            return None
        pts += 10 * len(m.modality & set(cur.modalities))
    if m.body_part or m.study_description is not None:
        by_part = bool(m.body_part) and cur.body_part.upper() in m.body_part
        by_text = m.study_description is not None and bool(
            m.study_description.search(cur.description)
        )
        if not (by_part or by_text):
            return None
        pts += 8
    if m.series is not None:
        if not any(m.series.accepts(s) for s in cur.series):
            return None
        pts += 4
    if priors < m.min_priors or (m.max_priors is not None and priors > m.max_priors):
        return None
    pts += 6 * m.min_priors
    first = hang(protocol, exams, 0)
    filled = sum(a.series is not None for a in first.assignments)
    if not _shows_today(first):
        return None
    return pts + filled


def default_protocol(exams: Sequence[ExamView]) -> Protocol:
    """When nothing matches: today's largest series, beside the same kind of series of the
    first prior when there is one."""
    vps = [ViewportSpec(0, SeriesRule())]
    if len(exams) > 1:
        vps.append(ViewportSpec(1, like=0))
    stage = Stage("Largest series", "最大序列", (1, len(vps)), tuple(vps), Links(), len(vps) - 1)
    return Protocol("default", "Default", "默认", Match(), (stage,), -1000, "built-in")


def choose(protocols: Iterable[Protocol], exams: Sequence[ExamView]) -> Hanging:
    """The first stage of the protocol for these exams: of those that fit, the highest
    ``priority`` (a reader's own protocols have 100), then the most specific fit (:func:`score`);
    the default when none fits."""
    if not exams:
        raise ValueError("nothing to hang: no exam")
    best: tuple[int, int, Protocol] | None = None
    for p in protocols:
        s = score(p, exams)
        if s is not None and (best is None or (p.priority, s) > best[:2]):
            best = (p.priority, s, p)
    proto = best[2] if best is not None else default_protocol(exams)
    return hang(proto, exams, 0)


# --------------------------------------------------------------------------- save arrangement


@dataclass(frozen=True)
class Arranged:
    """One viewport of the reader's arrangement: which exam's series, in which window/colours."""

    exam: int
    series: SeriesView
    window: str | None = None
    colormap: str = "grey"
    invert: bool = False


def protocol_from_arrangement(
    protocol_id: str,
    name: str,
    exams: Sequence[ExamView],
    layout: tuple[int, int],
    viewports: Sequence[Arranged | None],
    links: Links | None = None,
) -> dict[str, Any]:
    """A protocol (JSON form) that hangs exams like these the way they are hung now.

    Today's series are named by modality, orientation and exact description; a prior's series
    is ``like`` today's same series when one is shown, else named the same way."""
    cur = exams[0]
    vps: list[dict[str, Any]] = []
    shown_today: dict[str, int] = {}
    for a in viewports:
        if a is None:
            continue
        v: dict[str, Any] = {"exam": a.exam, "colormap": a.colormap}
        if a.window:
            v["window"] = a.window
        if a.invert:
            v["invert"] = True
        if a.exam == 0 and a.series.key in shown_today:
            v["same_as"] = shown_today[a.series.key]
        elif a.exam > 0 and (twin := _twin(a.series, exams[0], shown_today)) is not None:
            v["like"] = twin
        else:
            rule: dict[str, Any] = {"modality": a.series.modality}
            if a.series.orientation:
                rule["orientation"] = a.series.orientation
            if a.series.description:
                rule["description"] = f"^{re.escape(a.series.description)}$"
            v["series"] = rule
        if a.exam == 0:
            shown_today.setdefault(a.series.key, len(vps))
        vps.append(v)
    if not vps:
        raise ValueError("nothing is shown: there is no arrangement to save")
    match: dict[str, Any] = {
        "modality": list(cur.modalities),
        "min_priors": max(v["exam"] for v in vps),
    }
    if cur.body_part:
        match["body_part"] = [cur.body_part]
    return {
        "id": protocol_id,
        "name": name,
        "name_zh": name,
        "priority": 100,  # the reader's own wins a tie with a built-in
        "match": match,
        "stages": [
            {
                "name": name,
                "layout": list(layout),
                "viewports": vps,
                "links": (links or Links()).as_dict(),
            }
        ],
    }


def _twin(series: SeriesView, today: ExamView, shown: dict[str, int]) -> int | None:
    """The viewport showing today's series of the same kind (modality and orientation)."""
    for s in today.series:
        if s.key in shown and s.modality == series.modality and s.orientation == series.orientation:
            return shown[s.key]
    return None


def save_protocol(data: dict[str, Any], folder: Path) -> Path:
    """Write a protocol (checked by parsing it first) as ``folder/<id>.json``."""
    parse_protocol(data)
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", data["id"]):
        raise ProtocolError(f"protocol id {data['id']!r}: use letters, digits, '_', '-', '.'")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{data['id']}.json"
    tmp = target.with_suffix(".json.part")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(target)
    return target
