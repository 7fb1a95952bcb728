"""Hanging, matching and linking in the Workspace, without a window: phantom patients with a
prior for each default protocol (``phantoms.priors.write_history``), opened as today's exam and
*Compare with prior*, hung by protocol, stepped through stages, linked across exams."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phantoms.priors import SCENARIOS, write_history
from viewer.dicom.presets import preset
from viewer.dicom.volume import Volume
from viewer.state.exams import Exams, Hung, Linked, Registering
from viewer.state.origin import Origin
from viewer.state.registration import LinkMethod, slice_centre
from viewer.state.workspace import InlineLoader, Remember, Workspace

EXPECTED = {  # scenario → protocol, layout, and (exam, series description) per viewport
    "ct-chest": ("ct-chest-prior", "1x2", [(0, "Chest 5mm"), (1, "Chest 5mm")]),
    "ct-abdomen": ("ct-abdomen-prior", "1x2", [(0, "Abdomen 5mm"), (1, "Abdomen 5mm")]),
    "ct-head": ("ct-head", "1x2", [(0, "Head 5mm"), (0, "Head 5mm")]),
    "mr-brain": ("mr-brain-prior", "1x2", [(0, "T2 TSE axial 5mm"), (1, "T2 TSE axial 5mm")]),
    "pet-ct": ("pet-ct", "1x3", [(0, "Chest 5mm"), (0, "PET WB FDG AC"), (0, "Chest 5mm")]),
    "cr-chest": (
        "cr-chest-pa-lat-prior",
        "2x2",
        [(0, "Chest PA"), (0, "Chest LAT"), (1, "Chest PA"), (1, "Chest LAT")],
    ),
    "mg": ("mg-four-views-prior", "2x2", [(0, "R CC"), (0, "L CC"), (0, "R MLO"), (0, "L MLO")]),
}


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("histories")
    return {s: write_history(str(root / s), s) for s in SCENARIOS}


def opened(folders: dict[str, str]) -> tuple[Workspace, Exams, list[object]]:
    ws = Workspace()
    InlineLoader(ws)
    exams = Exams(ws)
    seen: list[object] = []
    exams.events.subscribe(seen.append)
    ws.events.subscribe(seen.append)
    ws.open_study(folders["current"])
    ws.open_study(folders["prior"], origin=Origin.CACHE, prior=True)
    return ws, exams, seen


def shown(ws: Workspace, exams: Exams) -> list[tuple[int | None, str]]:
    return [
        (exams.exam_of(vp.series_key), ws.series[vp.series_key].description) for vp in ws.visible()
    ]


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_each_default_protocol_hangs_today_and_the_prior(
    histories: dict[str, dict[str, str]], scenario: str
) -> None:
    ws, exams, seen = opened(histories[scenario])
    protocol, layout, expected = EXPECTED[scenario]
    assert exams.hanging is not None and exams.hanging.protocol.id == protocol
    assert ws.layout == layout
    assert shown(ws, exams) == expected
    assert all(vp.image is not None for vp in ws.visible())
    assert [e.hanging.protocol.id for e in seen if isinstance(e, Hung)][-1] == protocol
    assert exams.title("en") and exams.title("zh_CN") != exams.title("en")
    # the prior is not offered in Open Recent (it may come from the cache)
    assert [e.paths for e in seen if isinstance(e, Remember)] == [(histories[scenario]["current"],)]
    # the protocol's window, applied after the image came in (a new image resets the window)
    h = exams.hanging
    for a, vp in zip(h.assignments, ws.visible(), strict=False):
        if a.window and not vp.is_color:
            p = preset(a.window, vp.modality)
            assert vp.window == (p.center, p.width), (a.viewport, a.window)
    # every stage these exams allow is shown, and the keys cycle back to the first
    titles = [exams.title()]
    for _ in range(len(h.stages()) - 1):
        exams.next_stage()
        titles.append(exams.title())
        assert exams.hanging.layout_name == ws.layout
        assert all(vp.image is not None for vp in ws.visible()), titles[-1]
    assert len(set(titles)) == len(h.stages())
    exams.next_stage()
    assert exams.title() == titles[0]
    exams.previous_stage()
    assert exams.title() == titles[-1]


def test_ct_chest_stages_change_window_and_links(histories: dict[str, dict[str, str]]) -> None:
    ws, exams, _ = opened(histories["ct-chest"])
    left, right = ws.visible()
    med = preset("mediastinum", "CT")
    assert left.window == right.window == (med.center, med.width)
    assert ws.links.scroll and ws.links.zoom_pan and ws.links.window
    exams.next_stage()  # Lung
    lung = preset("lung", "CT")
    assert left.window == right.window == (lung.center, lung.width)
    # linked zoom and window reach the prior's viewport
    ws.set_active(left)
    left.set_zoom(2.0)
    left.set_window(-500.0, 1200.0)
    assert right.zoom == 2.0 and right.window == (-500.0, 1200.0)


def test_registration_links_scrolling_and_reference_lines_across_exams(
    histories: dict[str, dict[str, str]],
) -> None:
    """The CT chest prior: moved 9/-7/14 mm and 2/-3/6° in its own frame, 6 mm slices."""
    from phantoms import series as S

    ws, exams, seen = opened(histories["ct-chest"])
    today, before = ws.visible()
    assert isinstance(today.image, Volume) and isinstance(before.image, Volume)
    assert today.frame_of_reference != before.frame_of_reference
    assert [e for e in seen if isinstance(e, Registering)], "a registration was started"
    (job,) = exams.jobs.values()
    assert job.wait(120)
    assert exams.registering() is False
    assert exams.deliver() == 1
    (linked,) = [e for e in seen if isinstance(e, Linked)]
    assert linked.link.method is LinkMethod.REGISTRATION
    assert "consistency" in linked.link.description and "mm" in linked.link.description
    # where today's anatomy lies in the prior: the phantom's own motion
    truth = np.eye(4)
    truth[:3, :3], truth[:3, 3] = S.rotation(2.0, -3.0, 6.0), (9.0, -7.0, 14.0)
    ws.set_active(today)
    checked = 0
    for k in (8, 14, 20):
        today.set_index(k)
        q = slice_centre(today.image, k) @ truth[:3, :3].T + truth[:3, 3]
        want = float(before.image.patient_to_index(q)[2])
        if -0.5 <= want <= before.count - 0.5:
            assert abs(before.index - want) <= 1.0, (k, before.index, want)
            checked += 1
    assert checked >= 2
    # reference lines across exams: none between the nearly parallel axial slices (a registration's
    # few degrees would draw a meaningless line); on a sagittal view of the prior, where today's
    # slice (carried by the link) crosses it
    today.set_index(14)
    assert ws.reference_lines()[1] == []
    pri = before.image
    sag = Volume(
        np.ascontiguousarray(pri.array.transpose(2, 0, 1)),  # k ← i: slices across x
        pri.origin,
        (pri.spacing[1], pri.spacing[2], pri.spacing[0]),
        pri.direction[:, [1, 2, 0]],
        "CT",
        "sagittal",
        pri.frame_of_reference_uid,
    )
    before.set_image(sag)
    line = ws.reference_lines()[1]
    assert len(line) == 1
    (_, y0), (_, y1) = line[0]
    # the axial plane at today's slice 14, in the prior's space: rows at that height
    z = (slice_centre(today.image, 14) @ truth[:3, :3].T + truth[:3, 3])[2]
    rows = [(z - sag.origin[2]) / sag.spacing[1]] * 2
    assert abs((y0 + y1) / 2 - rows[0]) <= 1.0, (line, rows)  # within a slice (6 mm)
    ws.link_table.remove(today.frame_of_reference)
    assert ws.reference_lines()[1] == []


def test_point_pair_alignment_replaces_the_link(histories: dict[str, dict[str, str]]) -> None:
    ws, exams, _ = opened(histories["ct-abdomen"])
    today, before = ws.visible()
    p = today.slice_position()
    assert p is not None
    link = exams.align_by_points(before, np.add(p, (9.0, -7.0, 14.0)), today, p)  # either order
    assert link.method is LinkMethod.POINT_PAIR
    assert np.allclose(link.transform[:3, 3], [9.0, -7.0, 14.0])
    # the registration finishing later does not overwrite the reader's alignment
    for job in list(exams.jobs.values()):
        job.wait(120)
    exams.deliver()
    assert exams.link_between(today, before) is link
    ws.set_active(today)
    today.set_index(today.index + 2)
    pos = today.slice_position()
    assert pos is not None
    assert before.index == before.index_nearest(np.add(pos, (9.0, -7.0, 14.0)))
    with pytest.raises(ValueError, match="frames of reference"):
        exams.align_by_points(today, p, today, p)


def test_without_a_prior_the_protocol_for_today_alone(
    histories: dict[str, dict[str, str]],
) -> None:
    # a CT head alone: its protocol is offered, the reader's layout kept until the stage key
    ws = Workspace(layout="2x2")
    InlineLoader(ws)
    exams = Exams(ws)
    ws.open_study(histories["ct-head"]["current"])
    assert exams.hanging is None and ws.layout == "2x2" and exams.priors == []
    assert exams.offered is not None and exams.offered.protocol.id == "ct-head"
    assert ws.visible()[0].image is not None  # largest series first
    exams.next_stage()
    assert exams.hanging is not None and exams.hanging.protocol.id == "ct-head"
    assert ws.layout == exams.hanging.layout_name and exams.offered is None
    # … or applied at once when asked to
    ws1 = Workspace(layout="2x2")
    InlineLoader(ws1)
    ex1 = Exams(ws1, apply_alone=True)
    ws1.open_study(histories["ct-head"]["current"])
    assert ex1.hanging is not None and ex1.hanging.protocol.id == "ct-head"
    assert ws1.layout == ex1.hanging.layout_name
    # a CT chest without prior: no protocol fits it alone; the Workspace hangs largest first
    ws2 = Workspace(layout="1x2")
    InlineLoader(ws2)
    ex2 = Exams(ws2)
    ws2.open_study(histories["ct-chest"]["current"])
    assert ex2.hanging is None and ex2.title() == "" and ws2.layout == "1x2"
    assert ws2.visible()[0].image is not None and ex2.exam_of(ws2.visible()[0].series_key) == 0


def test_another_patients_study_in_the_same_folder_is_no_prior(
    histories: dict[str, dict[str, str]],
) -> None:
    ws = Workspace()
    InlineLoader(ws)
    exams = Exams(ws)
    ws.open_study([histories["ct-chest"]["current"], histories["ct-abdomen"]["prior"]])
    assert exams.priors == []
    assert exams.hanging is None or exams.hanging.protocol.id != "ct-chest-prior"


def test_one_folder_with_both_exams_hangs_the_newer_as_today(tmp_path: Path) -> None:
    folders = write_history(str(tmp_path), "ct-chest")
    ws = Workspace()
    InlineLoader(ws)
    exams = Exams(ws)
    ws.open_study([folders["current"], folders["prior"]])
    assert exams.hanging is not None and exams.hanging.protocol.id == "ct-chest-prior"
    assert len(exams.priors) == 1
    assert exams.current is not None and exams.current.date >= exams.priors[0].date


def test_save_arrangement_round_trip(histories: dict[str, dict[str, str]], tmp_path: Path) -> None:
    from viewer.state.hanging import load_protocols, save_protocol

    ws, exams, _ = opened(histories["mr-brain"])
    left, _right = ws.visible()
    # the reader puts today's T1 on the left and keeps the prior on the right
    t1 = next(k for k, s in ws.series.items() if exams.exam_of(k) == 0 and "T1" in s.description)
    ws.open_series(t1, left)
    data = exams.arrangement("my-mr", "My MR")
    save_protocol(data, tmp_path)
    ws2 = Workspace()
    InlineLoader(ws2)
    ex2 = Exams(ws2, load_protocols(tmp_path))
    ws2.open_study(histories["mr-brain"]["current"])
    ws2.open_study(histories["mr-brain"]["prior"], prior=True)
    assert ex2.hanging is not None and ex2.hanging.protocol.id == "my-mr"
    assert ws2.series[ws2.visible()[0].series_key].description == ws.series[t1].description


def test_a_study_with_a_focus_series_keeps_the_workspace_hanging(
    histories: dict[str, dict[str, str]],
) -> None:
    from viewer.dicom.scan import scan

    ws = Workspace(layout="1x1")
    InlineLoader(ws)
    exams = Exams(ws)
    uid = next(
        s.series_uid
        for s in scan(histories["mr-brain"]["current"]).all_series()
        if "T1" in s.description
    )
    ws.open_study(histories["mr-brain"]["current"], focus=uid)
    assert exams.hanging is None
    assert ws.active is not None and ws.series_uid(ws.active) == uid
    assert exams.current is not None and exams.exam_of(ws.active.series_key) == 0
    # today's exam is known: a prior opened beside it is hung by protocol
    ws.open_study(histories["mr-brain"]["prior"], prior=True)
    assert exams.hanging is not None and exams.hanging.protocol.id == "mr-brain-prior"


def test_a_prior_scanned_before_todays_exam_waits_for_it(
    histories: dict[str, dict[str, str]],
) -> None:
    """Both opened at once, the prior's scan may come back first: it is not taken for today's."""
    ws = Workspace()
    InlineLoader(ws)
    exams = Exams(ws)
    ws.open_study(histories["ct-abdomen"]["prior"], prior=True)
    assert exams.current is None and exams.hanging is None
    assert all(vp.series_key == "" for vp in ws.visible())  # nothing hung yet
    ws.open_study(histories["ct-abdomen"]["current"])
    assert exams.hanging is not None and exams.hanging.protocol.id == "ct-abdomen-prior"
    assert [exams.exam_of(vp.series_key) for vp in ws.visible()] == [0, 1]
