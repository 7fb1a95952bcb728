"""Patient timeline: exams from the index, the cache, the front-end and local folders, merged by
study, matched by person code / Patient ID + issuer, name + birth date + sex only as *probable*."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cloudclient.catalog import StudyEntry
from cloudclient.indexcode import code_hash, format_code, make_uscc, person_hash
from cloudclient.national import ExamRecord
from phantoms import series as S
from viewer.dicom.scan import scan
from viewer.state.origin import Origin, nearest
from viewer.state.timeline import (
    Identity,
    Match,
    Sighting,
    build,
    from_catalog,
    from_index,
    from_qido,
    from_scan,
    match,
    subject_of,
)

PERSON = "1" * 18 + "00000042"  # 26 characters
OTHER_PERSON = "1" * 18 + "00000043"
FUJIAN = make_uscc("350100", "12345678")
JIANGSU = make_uscc("320100", "87654321")


def code(person: str, when: str, org: str = FUJIAN) -> str:
    return format_code(person, dt.datetime.fromisoformat(when), org).compact


def record(uid: str, when: str, person: str = PERSON, **kw: object) -> ExamRecord:
    fields: dict[str, object] = dict(
        code=code(person, when),
        exam_datetime=when,
        modality="CT",
        body_part="CHEST",
        description="CT chest",
        organisation="Fuzhou First Hospital",
        province="福建省",
        province_code="35",
        study_uid=uid,
        series_count=2,
        instance_count=300,
        size_bytes=150_000_000,
        dicomweb_root="https://fj.example/dicomweb",
    )
    fields.update(kw)
    return ExamRecord(**fields)  # type: ignore[arg-type]


def cached(
    uid: str,
    when: str,
    n: int,
    size: int,
    *,
    org: str = FUJIAN,
    person: str = PERSON,
    complete: bool = True,
) -> StudyEntry:
    """A catalog entry as the cache keeps it: hashes and facts of the code, never the code."""
    c = code(person, when, org)
    return StudyEntry(
        study_uid=uid,
        code_hash=code_hash(c),
        source="cloud",
        complete=complete,
        pinned=False,
        retain_until=0.0,
        last_access=0.0,
        instances=n,
        bytes=size,
        exam_time=when,
        division=org[2:8],
        person_hash=person_hash(c),
    )


def test_match_rules() -> None:
    zhang = Identity(PERSON, "P1", "HOSP-A", "Zhang^San=张^三", "19620314", "M")
    # person code decides, both ways, whatever the name says
    assert match(zhang, Identity(person_code=PERSON)) is Match.PERSON_CODE
    assert match(zhang, Identity(OTHER_PERSON, "P1", "HOSP-A", zhang.name, "19620314", "M")) is None
    # Patient ID needs its issuer on both sides
    assert match(zhang, Identity("", "P1", "hosp-a")) is Match.PATIENT_ID
    assert match(zhang, Identity("", "P1", "HOSP-B", zhang.name, "19620314", "M")) is None
    # ID without issuer is no evidence: falls to the demographics, which make it probable only
    assert match(zhang, Identity("", "P1", "", "ZHANG^SAN", "19620314", "M")) is Match.PROBABLE
    assert match(zhang, Identity("", "X9", "", "=张^三", "19620314", "M")) is Match.PROBABLE
    # the same name is not enough
    assert match(zhang, Identity("", "P7", "", "Zhang^San", "19751002", "M")) is None
    assert match(zhang, Identity("", "P7", "", "Zhang^San", "19620314", "F")) is None
    assert match(zhang, Identity("", "P7", "", "Zhang^San", "", "M")) is None


def test_merge_sources_sort_and_where(tmp_path: Path, memory_keyring: object) -> None:
    # a local folder holding the current exam (written, then scanned)
    patient = S.PatientSpec(patient_id="P1", institution="Xiamen Hospital")
    study = S.StudySpec(patient, key="tl-local", date="20261120", time="101500")
    spec = S.ct_chest(study, n_slices=3, matrix=16, pixel=20.0, spacing=10.0, noise_sd=0.0)
    S.write_series(spec, str(tmp_path / "local"), workers=1)
    local = from_scan(scan(tmp_path / "local").patients, issuer="HOSP-A")

    index = from_index(
        [
            record("2.25.1", "2025-03-01T09:00"),
            record(
                "2.25.2", "2024-07-15T14:30", organisation="Nanjing Drum Tower", province="江苏省"
            ),
            record("2.25.3", "2023-01-02T08:00", person=OTHER_PERSON),  # another person
        ]
    )
    cache = from_catalog(
        [
            cached("2.25.1", "2025-03-01T09:00", 300, 150_000_000),
            # cached, not in the index answer: the catalog still knows the date and province
            cached("2.25.4", "2022-05-05T10:10", 10, 5_000, org=JIANGSU),
            cached("2.25.5", "2021-01-01T00:00", 1, 1, complete=False),  # partial: not listed
            cached("2.25.6", "2021-02-02T00:00", 1, 1, person=OTHER_PERSON),
        ]
    )
    frontend = from_index([index[1].record], Origin.FRONTEND)  # type: ignore[list-item]
    scanned = scan(tmp_path / "local").patients[0]
    records = [s.record for s in index if s.record is not None and s.study_uid != "2.25.3"]
    subject = subject_of(scanned, records, issuer="HOSP-A", person_hash=person_hash)
    assert subject == Identity(
        PERSON,
        "P1",
        "HOSP-A",
        scanned.name,
        scanned.birth_date,
        scanned.sex,
        person_hash(code(PERSON, "2020-01-01T00:00")),  # the person segment only counts
    )
    with pytest.raises(ValueError, match="more than one person"):
        subject_of(scanned, [s.record for s in index if s.record is not None])
    tl = build(subject, [*local, *index, *cache, *frontend])

    assert [e.study_uid for e in tl.entries] == [
        spec.study.study_uid,
        "2.25.1",
        "2.25.2",
        "2.25.4",
    ]
    assert tl.excluded == 2  # the other person's exams (index and cache)
    cur = tl.entries[0]
    assert cur.where is Origin.LOCAL and cur.match is Match.PATIENT_ID
    assert cur.modalities == ("CT",) and cur.body_part == "CHEST"
    assert cur.hospital == "Xiamen Hospital" and cur.instances == 3
    assert cur.size_bytes is not None and cur.size_bytes > 3 * 16 * 16 * 2
    assert cur.when == "2026-11-20T10:15"
    e1 = tl.entry("2.25.1")
    assert e1.origins == {Origin.CACHE, Origin.CLOUD} and e1.where is Origin.CACHE
    assert e1.record is not None and e1.province == "福建省"
    e2 = tl.entry("2.25.2")
    assert e2.where is Origin.FRONTEND and e2.hospital == "Nanjing Drum Tower"
    e4 = tl.entry("2.25.4")
    assert e4.where is Origin.CACHE and e4.province == "江苏省" and e4.date == dt.date(2022, 5, 5)
    assert e4.modalities == () and e4.record is None
    assert all(e.match is not Match.PROBABLE for e in tl.entries)


def test_same_name_other_patient_never_merged_probable_flagged() -> None:
    subject = Identity("", "P1", "HOSP-A", "Zhang^San=张^三", "19620314", "M")
    qido = [
        {  # same person, known by ID + issuer at the front-end
            "0020000D": {"vr": "UI", "Value": ["2.25.10"]},
            "00100020": {"vr": "LO", "Value": ["P1"]},
            "00100021": {"vr": "LO", "Value": ["HOSP-A"]},
            "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Zhang^San"}]},
            "00080020": {"vr": "DA", "Value": ["20250110"]},
            "00080061": {"vr": "CS", "Value": ["CT", "PT"]},
            "00081030": {"vr": "LO", "Value": ["PET/CT WB"]},
            "00201208": {"vr": "IS", "Value": [420]},
        },
        {  # another Zhang San, another birth date: not shown at all
            "0020000D": {"vr": "UI", "Value": ["2.25.11"]},
            "00100020": {"vr": "LO", "Value": ["Q77"]},
            "00100010": {
                "vr": "PN",
                "Value": [{"Alphabetic": "Zhang^San", "Ideographic": "张^三"}],
            },
            "00100030": {"vr": "DA", "Value": ["19800101"]},
            "00100040": {"vr": "CS", "Value": ["M"]},
            "00080020": {"vr": "DA", "Value": ["20250601"]},
        },
        {  # the same name, birth date and sex, but another hospital's ID: probable
            "0020000D": {"vr": "UI", "Value": ["2.25.12"]},
            "00100020": {"vr": "LO", "Value": ["Z-555"]},
            "00100010": {"vr": "PN", "Value": [{"Ideographic": "张^三"}]},
            "00100030": {"vr": "DA", "Value": ["19620314"]},
            "00100040": {"vr": "CS", "Value": ["M"]},
            "00080020": {"vr": "DA", "Value": ["20240301"]},
        },
        {  # same ID, another issuer: another person
            "0020000D": {"vr": "UI", "Value": ["2.25.13"]},
            "00100020": {"vr": "LO", "Value": ["P1"]},
            "00100021": {"vr": "LO", "Value": ["HOSP-B"]},
            "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Zhang^San"}]},
            "00100030": {"vr": "DA", "Value": ["19620314"]},
            "00100040": {"vr": "CS", "Value": ["M"]},
            "00080020": {"vr": "DA", "Value": ["20230301"]},
        },
    ]
    tl = build(subject, from_qido(qido))
    assert [e.study_uid for e in tl.entries] == ["2.25.10", "2.25.12"]
    assert tl.excluded == 2
    assert [e.study_uid for e in tl.confirmed] == ["2.25.10"]
    assert [e.study_uid for e in tl.probable] == ["2.25.12"]
    first = tl.entries[0]
    assert first.modality == "CT\\PT" and first.instances == 420 and first.where is Origin.FRONTEND


def test_probable_sighting_of_a_confirmed_study_is_noted_not_hidden() -> None:
    subject = Identity("", "P1", "HOSP-A", "Li^Si", "19900101", "F")
    conf = Sighting("2.25.20", Origin.CACHE, Identity("", "P1", "HOSP-A"), when="2025-01-01")
    prob = Sighting("2.25.20", Origin.LOCAL, Identity("", "", "", "Li^Si", "19900101", "F"))
    tl = build(subject, [prob, conf])
    (entry,) = tl.entries
    assert entry.match is Match.PATIENT_ID and entry.origins == {Origin.LOCAL, Origin.CACHE}
    assert any("without a patient identifier" in n for n in tl.notes)


def test_nearest_origin() -> None:
    assert nearest({Origin.CLOUD, Origin.FRONTEND}) is Origin.FRONTEND
    assert nearest({Origin.CLOUD, Origin.LOCAL, Origin.CACHE}) is Origin.LOCAL
