"""Relevant priors from the rules in resources/priors/rules.json, and the retrieval plan."""

from __future__ import annotations

from cloudclient.national import ExamRecord
from viewer.dicom.model import StudyInfo
from viewer.state.origin import Origin
from viewer.state.priors import PriorRules, most_relevant, plan_retrieval, relevant_priors
from viewer.state.timeline import Identity, Sighting, Timeline, TimelineEntry, build

ME = Identity("", "P1", "HOSP-A", "Wang^Wu", "19500505", "F")


def _record(uid: str) -> ExamRecord:
    return ExamRecord(
        "C" * 78, "2024-01-01T00:00", "CT", "CHEST", "", "H", "福建省", "35", uid, 1, 1, 1, "x"
    )


def sight(
    uid: str,
    when: str,
    mods: str,
    body: str = "",
    desc: str = "",
    origin: Origin = Origin.CLOUD,
    ident: Identity = ME,
) -> Sighting:
    return Sighting(
        uid,
        origin,
        ident,
        when=when,
        modalities=tuple(mods.split("\\")),
        body_part=body,
        description=desc,
        record=_record(uid) if origin in (Origin.CLOUD, Origin.FRONTEND) else None,
        study=StudyInfo(uid, when[:10].replace("-", ""), "", desc, "")
        if origin is Origin.LOCAL
        else None,
    )


def timeline(*s: Sighting) -> Timeline:
    return build(ME, s)


def uids(found: list) -> list[str]:
    return [r.exam.study_uid for r in found]


def test_regions_from_body_part_and_description() -> None:
    rules = PriorRules.load()
    tl = timeline(
        sight("a", "2026-01-01", "CT", "CHEST"),
        sight("b", "2026-01-01", "CT", "", "CT Chest/Abdomen with contrast"),
        sight("c", "2026-01-01", "CT\\PT", "WHOLEBODY"),
        sight("d", "2026-01-01", "MR", "", "头颅MRI平扫"),
    )
    assert rules.regions_of(tl.entry("a")) == {"CHEST"}
    assert rules.regions_of(tl.entry("b")) == {"CHEST", "ABDOMEN"}
    assert {"CHEST", "ABDOMEN", "HEAD"} <= rules.regions_of(tl.entry("c"))
    assert rules.regions_of(tl.entry("d")) == {"HEAD"}


def test_ct_chest_prefers_recent_same_region_and_respects_years() -> None:
    tl = timeline(
        sight("cur", "2026-11-20", "CT", "CHEST", origin=Origin.LOCAL),
        sight("ct-2025", "2025-11-01", "CT", "CHEST"),
        sight("ct-2024", "2024-06-01", "CT", "CHEST", origin=Origin.CACHE),
        sight("ct-2019", "2019-06-01", "CT", "CHEST"),  # 7 years: beyond the 5-year window
        sight("ct-head", "2026-05-01", "CT", "HEAD"),  # another region
        sight("mr-chest", "2026-05-01", "MR", "CHEST"),  # MR: 2-year rule, lower score
        sight("pet-ct", "2025-12-01", "CT\\PT", "WHOLEBODY"),  # shares CT and the chest
        sight("future", "2026-12-01", "CT", "CHEST"),  # after the current exam: not a prior
    )
    cur = tl.entry("cur")
    found = relevant_priors(cur, tl.entries)
    # the PET/CT is more recent than ct-2024, but plain CTs match the current modalities exactly
    assert uids(found) == ["ct-2025", "ct-2024", "pet-ct", "mr-chest"]
    assert found[0].rule.name == "same modality and region"
    assert found[-1].rule.name == "CT with MR of the same region"
    best = most_relevant(cur, tl.entries)
    assert best is not None and best.exam.study_uid == "ct-2025"
    assert 1.0 < found[0].years < 1.1


def test_pet_ct_with_ct_and_mammography_any_region() -> None:
    tl = timeline(
        sight("pet", "2026-11-20", "PT", "WHOLEBODY"),
        sight("ct", "2025-01-01", "CT", "CHEST"),
        sight("pet-old", "2022-01-01", "PT", "WHOLEBODY"),  # > 3 y but same modality: 5 y rule
        sight("mg", "2026-11-20", "MG", ""),
        sight("mg-2018", "2018-01-01", "MG", "BREAST"),  # 8.9 years: the MG rule allows 10
        sight("mg-2015", "2015-01-01", "MG", "BREAST"),
    )
    found = relevant_priors(tl.entry("pet"), tl.entries)
    assert uids(found) == ["pet-old", "ct"]
    assert found[1].rule.name == "PET/CT with CT"
    mg = relevant_priors(tl.entry("mg"), tl.entries)
    assert uids(mg) == ["mg-2018"]


def test_probable_matches_are_not_picked_unless_confirmed() -> None:
    other_id = Identity("", "Z9", "", "Wang^Wu", "19500505", "F")  # probable only
    tl = timeline(
        sight("cur", "2026-11-20", "CT", "CHEST", origin=Origin.LOCAL),
        sight("prob", "2026-01-01", "CT", "CHEST", ident=other_id),
        sight("old", "2023-01-01", "CT", "CHEST"),
    )
    assert tl.entry("prob").probable
    assert uids(relevant_priors(tl.entry("cur"), tl.entries)) == ["old"]
    got = relevant_priors(tl.entry("cur"), tl.entries, include_probable=True)
    assert uids(got) == ["prob", "old"]


def test_retrieval_plan_local_else_cache_frontend_cloud() -> None:
    tl = timeline(
        sight("loc", "2026-01-01", "CT", "CHEST", origin=Origin.LOCAL),
        sight("loc", "2026-01-01", "CT", "CHEST", origin=Origin.CLOUD),
        sight("cl", "2025-01-01", "CT", "CHEST"),
        sight("fe", "2024-01-01", "CT", "CHEST", origin=Origin.FRONTEND),
        sight("ca", "2023-01-01", "CT", "CHEST", origin=Origin.CACHE),
    )
    loc = plan_retrieval(tl.entry("loc"))
    assert loc.steps == (Origin.LOCAL,) and loc.local is not None and not loc.needs_authorization
    cl = plan_retrieval(tl.entry("cl"))
    assert cl.steps == (Origin.CACHE, Origin.FRONTEND, Origin.CLOUD)
    assert cl.record is not None and cl.needs_authorization
    assert cl.describe() == "cache → frontend → cloud"
    ca = plan_retrieval(tl.entry("ca"))  # cached only, no index record: the cache or nothing
    assert ca.steps == (Origin.CACHE,) and ca.record is None and not ca.needs_authorization


def test_entry_type_is_what_rules_see() -> None:
    e = timeline(sight("x", "2026-01-01", "CT", "CHEST")).entry("x")
    assert isinstance(e, TimelineEntry) and e.modalities == ("CT",)


def test_compare_with_prior_through_the_cloud_client(cloud_service, devcloud) -> None:
    """The national index → the timeline → the most relevant prior → fetched from the
    provincial cloud with the patient's authorization; then the cache has it; both hang."""
    from cloudclient.indexcode import parse, person_hash
    from devcloud.seed import PATIENTS
    from viewer.dicom.scan import scan
    from viewer.state.hanging import ExamView, choose, load_protocols
    from viewer.state.priors import execute
    from viewer.state.timeline import from_catalog, from_index

    svc = cloud_service
    p = PATIENTS[1]
    svc.assisted(p.id_number, p.name, "comparison with prior")
    records = svc.exams()
    subject = Identity(
        person_code=parse(records[0].code).person, person_hash=person_hash(records[0].code)
    )

    def cache_entries() -> list:
        return [e for e in map(svc.catalog.lookup, svc.catalog.studies()) if e is not None]

    tl = build(
        subject, from_index(records, person_hash=person_hash) + from_catalog(cache_entries())
    )
    current = tl.entries[0]
    assert current.when.startswith("2026-11-20") and current.where is Origin.CLOUD
    best = most_relevant(current, tl.entries)
    assert best is not None and best.exam.when.startswith("2025-03-14")  # type: ignore[attr-defined]
    plan = plan_retrieval(best.exam)  # type: ignore[arg-type]
    assert plan.steps == (Origin.CACHE, Origin.FRONTEND, Origin.CLOUD) and plan.needs_authorization
    got = execute(plan, svc)
    assert got.origin is Origin.CLOUD and len(got.files) == plan.record.instance_count  # type: ignore[union-attr]

    tl2 = build(
        subject, from_index(records, person_hash=person_hash) + from_catalog(cache_entries())
    )
    prior = tl2.entry(best.exam.study_uid)
    assert prior.where is Origin.CACHE and prior.origins == {Origin.CACHE, Origin.CLOUD}
    again = execute(plan_retrieval(prior), svc)
    assert again.origin is Origin.CACHE and sorted(again.files) == sorted(got.files)

    today = execute(plan_retrieval(current), svc)
    exams = [ExamView.of(scan(r.files).patients[0].studies[0]) for r in (today, again)]
    hung = choose(load_protocols(), exams)
    assert hung.protocol.id == "ct-chest-prior"
    assert [a.exam for a in hung.assignments] == [0, 1]
    assert all(a.series is not None for a in hung.assignments)


def test_relevant_records_for_the_prefetch() -> None:
    """The same rules on bare index records (what the hospital prefetch has)."""
    from dataclasses import replace

    from cloudclient.priorrules import relevant_records

    base = _record("x")

    def rec(uid: str, when: str, mod: str, body: str) -> ExamRecord:
        return replace(base, study_uid=uid, exam_datetime=when, modality=mod, body_part=body)

    records = [
        rec("mr", "2025-05-01T10:00:00", "MR", "HEAD"),
        rec("now", "2026-11-20T08:45:00", "CT", "CHEST"),
        rec("pet", "2024-02-01T09:00:00", "CT\\PT", "WHOLEBODY"),
        rec("ct", "2025-03-14T16:20:00", "CT", "CHEST"),
        rec("old", "2019-01-01T09:00:00", "CT", "CHEST"),
    ]
    assert [r.study_uid for r in relevant_records(records)] == ["ct", "pet"]
    mr = records[0]
    # before the MR head: only the PET/CT's CT covers the head (the MR-with-CT rule, 2 years)
    assert [r.study_uid for r in relevant_records(records, mr)] == ["pet"]
    assert relevant_records([]) == []
