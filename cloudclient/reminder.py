"""Duplicate-exam reminder (重复检查提醒): the patient's similar recent exams, before a new one.

An exam is similar when it has the intended modality (a PET/CT counts for CT and for PT) and the
same body part, and lies within the modality's window (``resources/presets``, configurable).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import resources
from cloudclient.national import ExamRecord

WINDOWS_FILE = resources.path("presets", "duplicate_exam_windows.json")


def windows(path: Path | None = None) -> tuple[dict[str, int], int]:
    data = json.loads((path or WINDOWS_FILE).read_text(encoding="utf-8"))
    return {k.upper(): int(v) for k, v in data["days"].items()}, int(data["default_days"])


def similar_exams(
    records: list[ExamRecord],
    modality: str,
    body_part: str,
    today: dt.date | None = None,
    days: dict[str, int] | None = None,
    default_days: int | None = None,
) -> list[ExamRecord]:
    """The records similar to an intended exam, newest first."""
    if days is None or default_days is None:
        file_days, file_default = windows()
        days = days if days is not None else file_days
        default_days = default_days if default_days is not None else file_default
    modality = modality.strip().upper()
    body = body_part.strip().upper()
    limit = days.get(modality, default_days)
    today = today or dt.date.today()
    out = []
    for r in records:
        modalities = {m.strip().upper() for m in r.modality.replace("/", "\\").split("\\")}
        if modality not in modalities or (body and r.body_part.strip().upper() != body):
            continue
        when = dt.datetime.fromisoformat(r.exam_datetime).date()
        if 0 <= (today - when).days <= limit:
            out.append(r)
    out.sort(key=lambda r: r.exam_datetime, reverse=True)
    return out
