"""Opening a hostile case as the application does (scan, thumbnail, load every series) and
checking that the reader said what it must (see :mod:`tests.hostile_corpus`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.hostile_corpus import Case
from viewer.dicom.model import Problem
from viewer.dicom.volume import ImageStack, Volume


@dataclass
class Outcome:
    """What the reader said when a case was scanned and every series in it opened."""

    reported: list[Problem]
    good: Volume | ImageStack | None
    shown: set[str]  # every object shown in a loaded series (str of its FileRef)


def open_all(target: Path, good_uid: str, workers: int = 2) -> Outcome:
    """Scan ``target``, make each series' thumbnail and load it, as the application does."""
    from viewer.dicom.scan import scan
    from viewer.dicom.thumbs import thumbnail
    from viewer.dicom.volume import LoadError, load_series

    res = scan(target)
    reported = list(res.problems)
    good: Volume | ImageStack | None = None
    shown: set[str] = set()
    for s in res.all_series():
        if not s.frames:
            continue
        thumbnail(s)
        try:
            img = load_series(s, workers=workers)
        except LoadError as exc:
            reported += exc.problems or [Problem(str(s.frames[0]), str(exc))]
            continue
        reported += img.problems
        first = str(s.frames[0].instance.ref)
        reported += [Problem(first, w, "warning") for w in img.warnings]
        bad = {p.where for p in img.problems}
        shown |= {str(fr.instance.ref) for fr in s.frames if str(fr) not in bad}
        if s.series_uid == good_uid:
            good = img
    return Outcome(reported, good, shown)


def unmet(case: Case, outcome: Outcome) -> list[str]:
    """What the reader failed to say about ``case`` (empty when everything is reported)."""
    missing = []
    for e in case.expect:
        hit = any(
            e.where in p.where
            and e.reason.lower() in p.reason.lower()
            and p.reason
            and p.severity == e.severity
            for p in outcome.reported
        )
        if not hit:
            missing.append(f"{e.where}: [{e.severity}] …{e.reason}…")
    for f in case.bad:
        named = any(str(f) in p.where for p in outcome.reported) or any(
            s.startswith(str(f)) for s in outcome.shown
        )
        if not named:
            missing.append(f"{f}: neither shown nor reported (it disappeared)")
    return missing
