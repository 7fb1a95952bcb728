"""The patient timeline: one list of a patient's exams, from every place that knows of them.

Sightings of studies come from the national index (:func:`from_index`), the workstation cache
(:func:`from_catalog`), the hospital front-end (:func:`from_qido`, or :func:`from_index` with
``Origin.FRONTEND`` for index records the front-end holds) and local folders (:func:`from_scan`).
:func:`build` keeps those that belong to the subject and merges sightings of one study.

Whose exam is it (:func:`match`), strongest evidence first:

1. the national person code (人员管理码), when both sides know it (or both know its keyed hash,
   which is all the cache catalog keeps) — decisive either way;
2. Patient ID *and* Issuer of Patient ID, when both sides know both — decisive either way
   (a Patient ID alone names nobody outside its hospital);
3. name + birth date + sex, all three known and equal: a **probable** match only. Such exams are
   listed, flagged, and never merged with the subject's confirmed ones; the reader decides.

A sighting that fails a decisive test is someone else's exam, whatever its name says.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from cloudclient.catalog import StudyEntry
from cloudclient.indexcode import PROVINCES, IndexCodeError, parse
from cloudclient.national import ExamRecord
from viewer.dicom.model import PatientInfo, StudyInfo
from viewer.state.origin import Origin, nearest


class Match(Enum):
    """Why an exam is in the subject's timeline."""

    PERSON_CODE = "person code"
    PATIENT_ID = "patient ID and issuer"
    PROBABLE = "probable (name, birth date and sex)"

    @property
    def strength(self) -> int:
        return {Match.PERSON_CODE: 2, Match.PATIENT_ID: 2, Match.PROBABLE: 1}[self]


@dataclass(frozen=True, slots=True)
class Identity:
    """What a source says about whose exam it is; empty strings are unknown."""

    person_code: str = ""
    patient_id: str = ""
    issuer: str = ""
    name: str = ""  # DICOM PN, e.g. "Zhang^San=张^三"
    birth_date: str = ""  # YYYYMMDD
    sex: str = ""  # M, F, O
    #: a keyed hash of the person code (what the cache catalog keeps instead of the code)
    person_hash: str = ""

    def merged(self, other: Identity) -> Identity:
        """This identity with the parts it lacks taken from ``other``."""
        return Identity(*(a or b for a, b in zip(_fields(self), _fields(other), strict=True)))


def _fields(i: Identity) -> tuple[str, ...]:
    return (i.person_code, i.patient_id, i.issuer, i.name, i.birth_date, i.sex, i.person_hash)


def _name_groups(pn: str) -> set[str]:
    """Comparable forms of a person name: each non-empty PN group, upper case, no separators."""
    out = set()
    for g in pn.split("="):
        s = re.sub(r"[\s^,.'-]+", "", g).upper()
        if s:
            out.add(s)
    return out


def match(subject: Identity, other: Identity) -> Match | None:
    """Whether ``other`` is the subject (see the module docstring); None: not shown as theirs."""
    if subject.person_code and other.person_code:
        return Match.PERSON_CODE if subject.person_code == other.person_code else None
    if subject.person_hash and other.person_hash:
        return Match.PERSON_CODE if subject.person_hash == other.person_hash else None
    if subject.patient_id and subject.issuer and other.patient_id and other.issuer:
        same = (subject.patient_id.strip(), subject.issuer.strip().upper()) == (
            other.patient_id.strip(),
            other.issuer.strip().upper(),
        )
        return Match.PATIENT_ID if same else None
    demographics = (subject.birth_date, subject.sex, other.birth_date, other.sex)
    if (
        all(demographics)
        and subject.name
        and other.name
        and (
            subject.birth_date.strip() == other.birth_date.strip()
            and subject.sex.strip().upper() == other.sex.strip().upper()
            and _name_groups(subject.name) & _name_groups(other.name)
        )
    ):
        return Match.PROBABLE
    return None


@dataclass(frozen=True)
class Sighting:
    """One place's knowledge of one study."""

    study_uid: str
    origin: Origin
    identity: Identity
    when: str = ""  # ISO date or date-time; "" unknown
    modalities: tuple[str, ...] = ()
    body_part: str = ""
    description: str = ""
    hospital: str = ""
    province: str = ""
    size_bytes: int | None = None
    instances: int | None = None
    record: ExamRecord | None = None  # the national index record (needed to fetch it)
    study: StudyInfo | None = None  # the local scan of it


@dataclass(frozen=True)
class TimelineEntry:
    """One study of the subject, with every place it was seen."""

    study_uid: str
    match: Match
    sightings: tuple[Sighting, ...]

    def _first(self, attr: str) -> Any:
        for s in sorted(self.sightings, key=lambda s: s.origin.rank):
            v = getattr(s, attr)
            if v:
                return v
        return getattr(self.sightings[0], attr)

    @property
    def origins(self) -> frozenset[Origin]:
        return frozenset(s.origin for s in self.sightings)

    @property
    def where(self) -> Origin:
        """The nearest place that has it."""
        return nearest(self.origins)

    @property
    def probable(self) -> bool:
        return self.match is Match.PROBABLE

    @property
    def when(self) -> str:
        return str(self._first("when"))

    @property
    def date(self) -> dt.date | None:
        return _date(self.when)

    @property
    def modalities(self) -> tuple[str, ...]:
        mods: set[str] = set()
        for s in self.sightings:
            mods |= set(s.modalities)
        return tuple(sorted(mods))

    @property
    def modality(self) -> str:
        """Modalities for display, DICOM style (``CT\\PT``)."""
        return "\\".join(self.modalities)

    @property
    def body_part(self) -> str:
        return str(self._first("body_part"))

    @property
    def description(self) -> str:
        return str(self._first("description"))

    @property
    def hospital(self) -> str:
        return str(self._first("hospital"))

    @property
    def province(self) -> str:
        return str(self._first("province"))

    @property
    def size_bytes(self) -> int | None:
        sizes = [s.size_bytes for s in self.sightings if s.size_bytes]
        return max(sizes) if sizes else None

    @property
    def instances(self) -> int | None:
        counts = [s.instances for s in self.sightings if s.instances]
        return max(counts) if counts else None

    @property
    def record(self) -> ExamRecord | None:
        return next((s.record for s in self.sightings if s.record is not None), None)

    @property
    def study(self) -> StudyInfo | None:
        return next((s.study for s in self.sightings if s.study is not None), None)

    @property
    def identity(self) -> Identity:
        ident = Identity()
        for s in self.sightings:
            ident = ident.merged(s.identity)
        return ident


@dataclass
class Timeline:
    """The subject's exams, newest first (undated last). ``probable`` ones are flagged."""

    subject: Identity
    entries: list[TimelineEntry] = field(default_factory=list)
    #: sightings of other people's studies (not listed; counted so the reader knows)
    excluded: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def confirmed(self) -> list[TimelineEntry]:
        return [e for e in self.entries if not e.probable]

    @property
    def probable(self) -> list[TimelineEntry]:
        return [e for e in self.entries if e.probable]

    def entry(self, study_uid: str) -> TimelineEntry:
        for e in self.entries:
            if e.study_uid == study_uid:
                return e
        raise KeyError(f"study {study_uid} is not in this patient's timeline")


def _date(when: str) -> dt.date | None:
    digits = re.sub(r"\D", "", when)[:8]
    try:
        return dt.datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        return None


def _sort_key(e: TimelineEntry) -> tuple[str, str]:
    d = e.date
    assert d is not None
    t = re.sub(r"\D", "", e.when)[8:12]
    return d.isoformat(), t


def build(subject: Identity, sightings: Iterable[Sighting]) -> Timeline:
    """The subject's timeline from sightings of any origin (see the module docstring)."""
    tl = Timeline(subject)
    groups: dict[str, list[tuple[Sighting, Match]]] = {}
    for s in sightings:
        m = match(subject, s.identity)
        if m is None:
            tl.excluded += 1
            continue
        groups.setdefault(s.study_uid, []).append((s, m))
    for uid, found in groups.items():
        best = max((m for _, m in found), key=lambda m: m.strength)
        tl.entries.append(TimelineEntry(uid, best, tuple(s for s, _ in found)))
        kinds = {m for _, m in found}
        if Match.PROBABLE in kinds and best is not Match.PROBABLE:
            tl.notes.append(
                f"study {uid}: also seen without a patient identifier "
                f"({', '.join(sorted(s.origin.value for s, m in found if m is Match.PROBABLE))})"
            )
    dated = sorted((e for e in tl.entries if e.date is not None), key=_sort_key, reverse=True)
    tl.entries = dated + [e for e in tl.entries if e.date is None]
    if tl.excluded:
        tl.notes.append(f"{tl.excluded} sightings of other patients' studies are not shown")
    return tl


PersonHasher = Callable[[str], str]
"""An index code → the keyed hash of its person segment (``cloudclient.indexcode.person_hash``)."""


def subject_of(
    patient: PatientInfo | None = None,
    records: Sequence[ExamRecord] = (),
    *,
    issuer: str = "",
    person_hash: PersonHasher | None = None,
) -> Identity:
    """Whose timeline: the patient being read (a scanned :class:`PatientInfo`, with the Issuer
    of Patient ID when the caller knows it) and, once the patient has authorized, the person
    code of the national index records (all of one person: the token is the patient's)."""
    persons = {_person(r.code) for r in records} - {""}
    if len(persons) > 1:
        raise ValueError("the index records name more than one person; refusing to merge them")
    code = next((r.code for r in records if _person(r.code)), "")
    ident = Identity(
        person_code=persons.pop() if persons else "",
        person_hash=person_hash(code) if person_hash is not None and code else "",
    )
    if patient is not None:
        ident = ident.merged(
            Identity("", patient.patient_id, issuer, patient.name, patient.birth_date, patient.sex)
        )
    return ident


# --------------------------------------------------------------------------- adapters


def _province(division_code: str) -> str:
    p = PROVINCES.get(division_code[:2])
    return p[0] if p else ""


def _modalities(text: str) -> tuple[str, ...]:
    parts = re.split(r"[\\/,\s]+", text.upper())
    return tuple(sorted({p for p in parts if p}))


def _person(code: str) -> str:
    try:
        return parse(code).person
    except IndexCodeError:
        return ""


def from_index(
    records: Iterable[ExamRecord],
    origin: Origin = Origin.CLOUD,
    person_hash: PersonHasher | None = None,
) -> list[Sighting]:
    """National index records (the images in a provincial cloud, or the front-end's copy).
    With ``person_hash`` the sightings also carry the hash that matches cache entries."""
    return [
        Sighting(
            study_uid=r.study_uid,
            origin=origin,
            identity=Identity(
                person_code=_person(r.code),
                person_hash=person_hash(r.code) if person_hash is not None else "",
            ),
            when=r.exam_datetime,
            modalities=_modalities(r.modality),
            body_part=r.body_part.upper(),
            description=r.description,
            hospital=r.organisation,
            province=r.province,
            size_bytes=r.size_bytes or None,
            instances=r.instance_count or None,
            record=r,
        )
        for r in records
    ]


def from_catalog(entries: Iterable[StudyEntry]) -> list[Sighting]:
    """Complete studies in the workstation cache. The catalog keeps no index code, only a keyed
    hash of its person segment, the exam time and the storing organisation's division: the rest
    (modality, description, …) comes from other sightings of the study."""
    out = []
    for e in entries:
        if not e.complete:
            continue
        division = str(getattr(e, "division", ""))
        out.append(
            Sighting(
                e.study_uid,
                Origin.CACHE,
                Identity(person_hash=str(getattr(e, "person_hash", ""))),
                when=str(getattr(e, "exam_time", "")),
                province=_province(division) if division else "",
                size_bytes=e.bytes or None,
                instances=e.instances or None,
            )
        )
    return out


def _file_bytes(study: StudyInfo) -> int | None:
    total = 0
    for se in study.series:
        for inst in se.instances + se.non_image:
            if inst.ref.member is not None:
                return None
            try:
                total += os.stat(inst.ref.path).st_size
            except OSError:
                return None
    return total


def from_scan(
    patients: Iterable[PatientInfo], origin: Origin = Origin.LOCAL, issuer: str = ""
) -> list[Sighting]:
    """Studies found by a header scan of local folders. ``issuer``: the Issuer of Patient ID
    the folders' Patient IDs come from, when the caller knows it (the scan does not read it)."""
    out = []
    for p in patients:
        for st in p.studies:
            insts = [i for se in st.series for i in se.instances + se.non_image]
            first = insts[0] if insts else None
            out.append(
                Sighting(
                    st.study_uid,
                    origin,
                    Identity("", p.patient_id, issuer, p.name, p.birth_date, p.sex),
                    when=_dicom_when(st.date, st.time),
                    modalities=tuple(st.modalities),
                    body_part=(first.body_part if first else "").upper(),
                    description=st.description,
                    hospital=first.institution_name if first else "",
                    size_bytes=_file_bytes(st),
                    instances=len(insts) or None,
                    study=st,
                )
            )
    return out


def _dicom_when(date: str, time: str) -> str:
    d = _date(date)
    if d is None:
        return ""
    t = re.sub(r"\D", "", time)[:4]
    return f"{d.isoformat()}T{t[:2]}:{t[2:4]}" if len(t) == 4 else d.isoformat()


def _qido(item: Mapping[str, Any], tag: str) -> str:
    el = item.get(tag) or {}
    values = el.get("Value") or []
    if not values:
        return ""
    v = values[0]
    if isinstance(v, dict):  # PN: {"Alphabetic": …, "Ideographic": …}
        return "=".join(v.get(k, "") for k in ("Alphabetic", "Ideographic", "Phonetic")).rstrip("=")
    if tag == "00080061":
        return "\\".join(str(x) for x in values)
    return str(v)


def from_qido(
    items: Iterable[Mapping[str, Any]], origin: Origin = Origin.FRONTEND
) -> list[Sighting]:
    """Study-level QIDO-RS answers (DICOM JSON), e.g. the front-end's studies for a Patient ID."""
    out = []
    for it in items:
        uid = _qido(it, "0020000D")
        if not uid:
            continue
        n = _qido(it, "00201208")
        out.append(
            Sighting(
                uid,
                origin,
                Identity(
                    "",
                    _qido(it, "00100020"),
                    _qido(it, "00100021"),
                    _qido(it, "00100010"),
                    _qido(it, "00100030"),
                    _qido(it, "00100040"),
                ),
                when=_dicom_when(_qido(it, "00080020"), _qido(it, "00080030")),
                modalities=_modalities(_qido(it, "00080061")),
                body_part=_qido(it, "00180015").upper(),
                description=_qido(it, "00081030"),
                hospital=_qido(it, "00080080"),
                instances=int(n) if n.isdigit() else None,
            )
        )
    return out
