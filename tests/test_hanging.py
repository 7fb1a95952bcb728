"""Hanging protocols on the model: for each default protocol, which series goes where; stages;
the protocol in use; saving an arrangement as a protocol."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phantoms import series as S
from viewer.dicom.presets import presets
from viewer.dicom.scan import scan
from viewer.state.hanging import (
    Arranged,
    ExamView,
    Links,
    ProtocolError,
    SeriesView,
    choose,
    load_protocols,
    parse_protocol,
    protocol_from_arrangement,
    save_protocol,
)

PROTOCOLS = load_protocols()


def sv(key: str, modality: str, desc: str, orient: str = "axial", n: int = 200) -> SeriesView:
    return SeriesView(key, modality, desc, orient, n)


def exam(
    uid: str, mods: str, body: str, desc: str, *series: SeriesView, date: str = "20261120"
) -> ExamView:
    return ExamView(uid, tuple(mods.split("\\")), body, desc, date, series)


def where(h: object) -> list[tuple[int, str] | None]:
    return h.series_keys()  # type: ignore[attr-defined]


def ct_chest(uid: str, date: str) -> ExamView:
    return exam(
        uid,
        "CT",
        "CHEST",
        "CT chest",
        sv(f"{uid}-scout", "CT", "Topogram", "coronal", 1),
        sv(f"{uid}-thin", "CT", "Chest 1.25mm", n=300),
        sv(f"{uid}-thick", "CT", "Chest 5mm", n=60),
        sv(f"{uid}-cor", "CT", "Chest coronal MPR", "coronal", 120),
        date=date,
    )


def test_default_set_is_present_and_valid() -> None:
    ids = {p.id for p in PROTOCOLS}
    assert {
        "ct-chest-prior",
        "ct-abdomen-prior",
        "ct-head",
        "mr-brain-prior",
        "pet-ct",
        "cr-chest-pa-lat-prior",
        "mg-four-views-prior",
    } <= ids
    ct_windows = {p.id for p in presets("CT")}
    for p in PROTOCOLS:
        assert p.name and p.name_zh, p.id
        for st in p.stages:
            assert len(st.viewports) <= st.layout[0] * st.layout[1]
            for v in st.viewports:
                assert v.window is None or v.window in ct_windows, (p.id, v.window)
                assert v.colormap in ("grey", "hot", "rainbow")


def test_ct_chest_with_prior() -> None:
    h = choose(PROTOCOLS, [ct_chest("cur", "20261120"), ct_chest("pri", "20251103")])
    assert h.protocol.id == "ct-chest-prior"
    assert h.layout_name == "1x2" and h.links.scroll and h.links.window
    assert where(h) == [(0, "cur-thin"), (1, "pri-thin")]  # most images; the scout never
    assert [a.window for a in h.assignments] == ["mediastinum", "mediastinum"]
    assert h.title() == "CT chest with prior — Mediastinum (1/3)"
    assert h.title("zh_CN") == "胸部CT对比前片 — 纵隔窗 (1/3)"
    lung = h.next()
    assert [a.window for a in lung.assignments] == ["lung", "lung"]
    cor = lung.next()
    assert where(cor) == [(0, "cur-cor"), (1, "pri-cor")]
    assert cor.next().stage == 0 and h.previous().stage == 2
    # no coronal series today: the coronal stage is skipped
    axial_only = exam("c2", "CT", "CHEST", "CT chest", ct_chest("x", "20261120").series[1])
    h2 = choose(PROTOCOLS, [axial_only, ct_chest("pri", "20251103")])
    assert h2.stages() == [0, 1] and h2.next().next().stage == 0
    # without a prior, no "with prior" protocol: today's largest series alone
    alone = choose(PROTOCOLS, [ct_chest("cur", "20261120")])
    assert alone.protocol.id == "default" and where(alone) == [(0, "cur-thin")]


def test_prior_series_chosen_like_todays() -> None:
    cur = exam("c", "CT", "CHEST", "CT chest", sv("c-thin", "CT", "Lung 1mm", n=300))
    pri = exam(
        "p",
        "CT",
        "CHEST",
        "CT chest",
        sv("p-sag", "CT", "Lung 1mm sagittal", "sagittal", 400),  # more images, other plane
        sv("p-soft", "CT", "Soft tissue 3mm", n=100),
        sv("p-lung", "CT", "Lung 1mm", n=250),
    )
    h = choose(PROTOCOLS, [cur, pri])
    assert where(h) == [(0, "c-thin"), (1, "p-lung")]


def test_ct_abdomen_with_prior() -> None:
    def abd(uid: str) -> ExamView:
        return exam(uid, "CT", "ABDOMEN", "CT Abdomen/Pelvis", sv(f"{uid}-ax", "CT", "Abd 3mm"))

    h = choose(PROTOCOLS, [abd("c"), abd("p")])
    assert h.protocol.id == "ct-abdomen-prior"
    assert where(h) == [(0, "c-ax"), (1, "p-ax")]
    assert [a.window for a in h.assignments] == ["abdomen", "abdomen"]
    assert [a.window for a in h.next().assignments] == ["liver", "liver"]


def test_ct_head_stages_skip_the_prior_stage_without_a_prior() -> None:
    head = exam("c", "CT", "HEAD", "CT Head plain", sv("c-ax", "CT", "Head 5mm", n=30))
    h = choose(PROTOCOLS, [head])
    assert h.protocol.id == "ct-head" and h.layout_name == "1x2"
    assert where(h) == [(0, "c-ax"), (0, "c-ax")]
    assert [a.window for a in h.assignments] == ["brain", "bone"]
    assert h.stages() == [0, 1] and h.next().next().stage == 0
    prior = exam("p", "CT", "HEAD", "CT Head", sv("p-ax", "CT", "Head 5mm", n=32))
    with_prior = choose(PROTOCOLS, [head, prior])
    assert with_prior.protocol.id == "ct-head" and with_prior.stages() == [0, 1, 2]
    assert where(with_prior.previous()) == [(0, "c-ax"), (1, "p-ax")]


def test_mr_brain_with_prior() -> None:
    def mr(uid: str) -> ExamView:
        return exam(
            uid,
            "MR",
            "BRAIN",
            "MR Brain",
            sv(f"{uid}-t1", "MR", "T1 SE axial", n=24),
            sv(f"{uid}-t2", "MR", "T2 TSE axial", n=24),
            sv(f"{uid}-flair-cor", "MR", "FLAIR coronal", "coronal", 24),
            sv(f"{uid}-dwi", "MR", "DWI b1000", n=48),
        )

    h = choose(PROTOCOLS, [mr("c"), mr("p")])
    assert h.protocol.id == "mr-brain-prior" and not h.links.window
    assert where(h) == [(0, "c-t2"), (1, "p-t2")]
    assert where(h.next()) == [(0, "c-t1"), (1, "p-t1")]
    assert where(h.next().next()) == [(0, "c-dwi"), (1, "p-dwi")]


def test_pet_ct_fusion_and_prior_stage() -> None:
    def petct(uid: str) -> ExamView:
        return exam(
            uid,
            "CT\\PT",
            "WHOLEBODY",
            "PET/CT WB",
            sv(f"{uid}-ct", "CT", "CT WB 3mm", n=300),
            sv(f"{uid}-pet", "PT", "PET WB AC", n=134),
            sv(f"{uid}-nac", "PT", "PET WB NAC", n=100),
        )

    h = choose(PROTOCOLS, [petct("c")])
    assert h.protocol.id == "pet-ct" and h.layout_name == "1x3"
    assert where(h) == [(0, "c-ct"), (0, "c-pet"), (0, "c-ct")]
    ct, pet, fused = h.assignments
    assert pet.invert and pet.colormap == "grey" and ct.window == "mediastinum"
    assert fused.overlay is not None and fused.overlay.key == "c-pet"
    assert fused.overlay_colormap == "hot"
    assert h.stages() == [0]
    # a PET/CT of the chest with a prior is still hung as a PET/CT, not as a CT chest
    chest = exam("c", "CT\\PT", "CHEST", "PET/CT chest", *petct("c").series)
    assert choose(PROTOCOLS, [chest, petct("p")]).protocol.id == "pet-ct"
    h2 = choose(PROTOCOLS, [petct("c"), petct("p")])
    assert where(h2.next()) == [(0, "c-pet"), (1, "p-pet")]


def test_chest_radiograph_pa_lateral_with_prior() -> None:
    def cr(uid: str, pa: str, lat: str) -> ExamView:
        return exam(
            uid, "DX", "CHEST", "Chest 2 views", sv(f"{uid}-l", "DX", lat, "", 1),
            sv(f"{uid}-p", "DX", pa, "", 1),
        )  # fmt: skip

    h = choose(PROTOCOLS, [cr("c", "Chest PA", "Chest LAT"), cr("p", "胸部后前位", "胸部侧位")])
    assert h.protocol.id == "cr-chest-pa-lat-prior" and h.layout_name == "2x2"
    assert where(h) == [(0, "c-p"), (0, "c-l"), (1, "p-p"), (1, "p-l")]
    assert not h.links.scroll


def test_mammography_four_views_with_priors() -> None:
    def mg(uid: str) -> ExamView:
        views = ("L MLO", "R CC", "RMLO", "LCC")
        return exam(
            uid, "MG", "BREAST", "Screening mammography",
            *(sv(f"{uid}-{v.replace(' ', '')}", "MG", v, "", 1) for v in views),
        )  # fmt: skip

    today = choose(PROTOCOLS, [mg("c")])
    assert today.protocol.id == "mg-four-views-prior" and today.stages() == [0]
    assert where(today) == [(0, "c-RCC"), (0, "c-LCC"), (0, "c-RMLO"), (0, "c-LMLO")]
    h = choose(PROTOCOLS, [mg("c"), mg("p")])
    assert h.stages() == [0, 1, 2]
    assert where(h.next()) == [(0, "c-RCC"), (0, "c-LCC"), (1, "p-RCC"), (1, "p-LCC")]
    assert where(h.previous()) == [(0, "c-RMLO"), (0, "c-LMLO"), (1, "p-RMLO"), (1, "p-LMLO")]


def test_missing_series_leaves_the_viewport_empty_with_a_note() -> None:
    cur = ct_chest("cur", "20261120")
    pri = exam("p", "CT", "CHEST", "CT chest", sv("p-ax", "CT", "Chest 5mm", n=60))
    cor = choose(PROTOCOLS, [cur, pri]).previous()  # the coronal stage
    assert where(cor) == [(0, "cur-cor"), None]  # the prior has no coronal reformat
    assert cor.assignments[1].note


def test_exam_view_from_a_scan(tmp_path: Path) -> None:
    study = S.StudySpec(S.PatientSpec(), key="hang-scan", description="CT Chest")
    spec = S.ct_chest(study, n_slices=24, matrix=16, pixel=20.0, spacing=8.0, noise_sd=0.0)
    S.write_series(spec, str(tmp_path / "ct"), workers=1)
    (st,) = scan(tmp_path / "ct").patients[0].studies
    ev = ExamView.of(st)
    assert ev.body_part == "CHEST" and ev.modalities == ("CT",)
    assert [(s.orientation, s.images) for s in ev.series] == [("axial", 24)]
    h = choose(PROTOCOLS, [ev, ev])
    assert h.protocol.id == "ct-chest-prior"


def test_save_arrangement_as_protocol(tmp_path: Path) -> None:
    cur, pri = ct_chest("cur", "20261120"), ct_chest("pri", "20251103")
    thin, cor = cur.series[1], cur.series[3]
    arrangement = [
        Arranged(0, thin, "lung"),
        Arranged(0, cor, "lung"),
        Arranged(1, pri.series[1], "lung"),
        Arranged(0, thin, "bone"),
    ]
    data = protocol_from_arrangement(
        "my-chest", "My chest", [cur, pri], (2, 2), arrangement, Links(window=True)
    )
    path = save_protocol(data, tmp_path / "mine")
    assert json.loads(path.read_text(encoding="utf-8"))["id"] == "my-chest"
    mine = load_protocols(tmp_path / "mine")
    # on other exams of the same kind, the reader's protocol hangs the same way
    other_cur, other_pri = ct_chest("x", "20270101"), ct_chest("y", "20260101")
    h = choose(mine, [other_cur, other_pri])
    assert h.protocol.id == "my-chest" and h.layout_name == "2x2"
    assert where(h) == [(0, "x-thin"), (0, "x-cor"), (1, "y-thin"), (0, "x-thin")]
    assert [a.window for a in h.assignments] == ["lung", "lung", "lung", "bone"]
    assert h.links.window
    with pytest.raises(ValueError):
        protocol_from_arrangement("x", "x", [cur], (1, 1), [None])
    with pytest.raises(ProtocolError):
        save_protocol({**data, "id": "../escape"}, tmp_path)


def test_bad_protocols_are_refused_with_the_place() -> None:
    base = {"id": "bad", "stages": [{"layout": [1, 1], "viewports": [{"series": {}}]}]}
    parse_protocol(base)
    with pytest.raises(ProtocolError, match="description"):
        parse_protocol(
            {
                **base,
                "stages": [{"layout": [1, 1], "viewports": [{"series": {"description": "("}}]}],
            }
        )
    with pytest.raises(ProtocolError, match="exactly one"):
        parse_protocol({**base, "stages": [{"layout": [1, 1], "viewports": [{"exam": 0}]}]})
    with pytest.raises(ProtocolError, match="more viewports"):
        parse_protocol(
            {**base, "stages": [{"layout": [1, 1], "viewports": [{"series": {}}, {"same_as": 0}]}]}
        )
    with pytest.raises(ProtocolError, match="earlier viewport"):
        parse_protocol({**base, "stages": [{"layout": [1, 2], "viewports": [{"like": 0}]}]})


def test_a_series_is_used_once_per_exam_and_stage_unless_same_as() -> None:
    two = parse_protocol(
        {
            "id": "two",
            "match": {"modality": "CT"},
            "stages": [
                {
                    "layout": [1, 3],
                    "viewports": [
                        {"series": {"modality": "CT", "orientation": "axial"}},
                        {"series": {"modality": "CT", "orientation": "axial"}},
                        {"same_as": 0, "window": "bone"},
                    ],
                }
            ],
        }
    )
    h = choose([two], [ct_chest("c", "20261120")])
    assert where(h) == [(0, "c-thin"), (0, "c-thick"), (0, "c-thin")]


EXPECTED = {  # scenario → protocol, and (exam, series description) per viewport of stage 1
    "ct-chest": ("ct-chest-prior", [(0, "Chest 5mm"), (1, "Chest 5mm")]),
    "ct-abdomen": ("ct-abdomen-prior", [(0, "Abdomen 5mm"), (1, "Abdomen 5mm")]),
    "ct-head": ("ct-head", [(0, "Head 5mm"), (0, "Head 5mm")]),
    "mr-brain": ("mr-brain-prior", [(0, "T2 TSE axial 5mm"), (1, "T2 TSE axial 5mm")]),
    "pet-ct": ("pet-ct", [(0, "Chest 5mm"), (0, "PET WB FDG AC"), (0, "Chest 5mm")]),
    "cr-chest": (
        "cr-chest-pa-lat-prior",
        [(0, "Chest PA"), (0, "Chest LAT"), (1, "Chest PA"), (1, "Chest LAT")],
    ),
    "mg": ("mg-four-views-prior", [(0, "R CC"), (0, "L CC"), (0, "R MLO"), (0, "L MLO")]),
}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_each_default_protocol_on_phantom_files(tmp_path: Path, scenario: str) -> None:
    """Today's exam and its prior written as DICOM files, scanned, hung."""
    from phantoms.priors import write_history

    folders = write_history(str(tmp_path), scenario)
    exams = [ExamView.of(scan(folders[k]).patients[0].studies[0]) for k in ("current", "prior")]
    assert exams[0].study_uid != exams[1].study_uid
    h = choose(PROTOCOLS, exams)
    protocol, expected = EXPECTED[scenario]
    assert h.protocol.id == protocol
    got = [(a.exam, a.series.description) if a.series is not None else None for a in h.assignments]
    assert got == expected
    for stage in h.stages():  # every stage these exams allow fills every viewport
        assert all(a.series is not None for a in _stage(h, stage).assignments), stage


def _stage(h, stage: int):  # type: ignore[no-untyped-def]
    from viewer.state.hanging import hang

    return hang(h.protocol, h.exams, stage)
