"""Linking a prior to today's exam: registration in the background (within a voxel on a shifted and
rotated prior with its own Frame of Reference and slice thickness), point pairs, linked scrolling
landing on the same anatomy."""

from __future__ import annotations

import numpy as np
import pytest

from phantoms import anatomy
from phantoms import priors as P
from phantoms import series as S
from viewer.dicom.volume import Volume
from viewer.state.registration import (
    BackgroundRegistration,
    ExamLink,
    LinkMethod,
    RegistrationState,
    link_exams,
    linked_index,
    point_pair,
    same_frame,
    slice_centre,
)

NODULE = anatomy.NODULES[1]  # LUL 10 mm at (70, 20, 150)


def volume(spec: S.SeriesSpec) -> Volume:
    arr, origin, direction = P.sample(spec, noise=True)
    step = float(np.linalg.norm(spec.step))
    spacing = (spec.pixel_spacing[1], spec.pixel_spacing[0], step)
    return Volume(
        arr, origin, spacing, direction, "CT", spec.series_uid, spec.frame_of_reference_uid
    )


@pytest.fixture(scope="module")
def exams() -> tuple[Volume, Volume, np.ndarray]:
    """Current CT (2.5 mm voxels) and a prior moved 9/-7/14 mm and 2/-3/6°, 4 mm slices."""
    study = S.StudySpec(S.PatientSpec(), key="reg-test")
    cur = S.ct_chest(study, n_slices=80, spacing=2.5, matrix=128, pixel=2.5)
    pri = P.ct_chest_prior(study, n_slices=50, spacing=4.0, matrix=128, pixel=2.5, z_top=210.0)
    assert pri.frame_of_reference_uid != cur.frame_of_reference_uid
    return volume(cur), volume(pri), P.truth(pri)


@pytest.fixture(scope="module")
def registered(exams: tuple[Volume, Volume, np.ndarray]) -> BackgroundRegistration:
    cur, pri, _ = exams
    done: list[BackgroundRegistration] = []
    job = link_exams(cur, pri, on_done=done.append)
    assert isinstance(job, BackgroundRegistration)  # another frame: registered, in background
    assert job.wait(120)
    assert done == [job] and job.state is RegistrationState.DONE, job.error
    return job


def test_registration_within_one_voxel(
    exams: tuple[Volume, Volume, np.ndarray], registered: BackgroundRegistration
) -> None:
    cur, _, truth = exams
    link = registered.link
    assert link is not None and link.method is LinkMethod.REGISTRATION
    # points spread over the chest, compared with where the motion really put them
    grid = [(i, j, k) for i in (30, 64, 98) for j in (35, 64, 93) for k in (10, 40, 70)]
    pts = cur.index_to_patient(np.array(grid, float))
    want = pts @ truth[:3, :3].T + truth[:3, 3]
    err = np.linalg.norm(link.map(pts) - want, axis=1)
    assert err.max() < min(cur.spacing), f"max error {err.max():.2f} mm"
    assert link.quality_mm is not None and link.quality_mm < 2.0
    assert "mm" in link.description and "consistency" in link.description
    assert not link.doubtful and "doubtful" not in link.description
    bad = ExamLink(link.transform, LinkMethod.REGISTRATION, 7.5)
    assert bad.doubtful and "doubtful" in bad.description


def test_linked_scrolling_lands_on_the_same_anatomy(
    exams: tuple[Volume, Volume, np.ndarray], registered: BackgroundRegistration
) -> None:
    cur, pri, truth = exams
    link = registered.link
    assert link is not None
    for k in range(5, 76, 10):
        q = slice_centre(cur, k) @ truth[:3, :3].T + truth[:3, 3]
        want = float(pri.patient_to_index(q)[2])
        got = linked_index(link, cur, k, pri)
        assert got is not None and abs(got - want) <= 1.0, (k, got, want)
    # following the 10 mm nodule (the cursor on it today): the linked prior slice shows it
    k_nod = round(float(cur.patient_to_index(NODULE.center)[2]))
    kp = linked_index(link, cur, k_nod, pri, at=NODULE.center)
    assert kp is not None
    q = NODULE.center @ truth[:3, :3].T + truth[:3, 3]  # where it really is in the prior
    assert abs(kp - float(pri.patient_to_index(q)[2])) <= 1.0
    i, j, _ = np.rint(pri.patient_to_index(link.map(NODULE.center))).astype(int)
    assert abs(float(pri.array[kp, j, i]) - anatomy.NODULE) < 60  # nodule, not lung (-850 HU)
    # beyond the prior's coverage: no slice, unless asked to clamp
    shifted = point_pair((0, 0, 0), (0, 0, 500))
    assert linked_index(shifted, cur, 0, pri) is None
    assert linked_index(shifted, cur, 0, pri, clamp=True) == pri.shape[0] - 1


def test_point_pair_alignment(exams: tuple[Volume, Volume, np.ndarray]) -> None:
    cur, pri, truth = exams
    clicked_prior = NODULE.center @ truth[:3, :3].T + truth[:3, 3]
    link = point_pair(NODULE.center, clicked_prior)
    assert link.method is LinkMethod.POINT_PAIR and link.quality_mm is None
    k_nod = round(float(cur.patient_to_index(NODULE.center)[2]))
    want = float(pri.patient_to_index(clicked_prior)[2])
    got = linked_index(link, cur, k_nod, pri)
    assert got is not None and abs(got - want) <= 1.0
    np.testing.assert_allclose(link.inverse().map(link.map((1.0, 2.0, 3.0))), (1.0, 2.0, 3.0))
    with pytest.raises(ValueError):
        point_pair((0, 0, np.nan), (0, 0, 0))


def test_same_frame_links_at_once(exams: tuple[Volume, Volume, np.ndarray]) -> None:
    cur, _, _ = exams
    link = link_exams(cur, cur)
    assert not isinstance(link, BackgroundRegistration)
    assert link.method is LinkMethod.SAME_FRAME and link.quality_mm == 0.0
    assert same_frame(cur, cur) is not None
    assert linked_index(link, cur, 17, cur) == 17


def test_failed_registration_is_reported_not_raised(
    exams: tuple[Volume, Volume, np.ndarray],
) -> None:
    cur, pri, _ = exams

    def broken(a: Volume, b: Volume) -> object:
        raise RuntimeError("optimizer diverged")

    job = BackgroundRegistration(cur, pri, register=broken).start()  # type: ignore[arg-type]
    assert job.wait(10)
    assert job.state is RegistrationState.FAILED and job.link is None
    assert "optimizer diverged" in job.error


def test_viewports_of_two_exams_scroll_together(
    exams: tuple[Volume, Volume, np.ndarray], registered: BackgroundRegistration
) -> None:
    from viewer.state.registration import LinkTable, follow_scroll_across
    from viewer.state.viewport import ViewportModel

    cur, pri, truth = exams
    assert registered.link is not None
    table = LinkTable()
    table.add(cur.frame_of_reference_uid, pri.frame_of_reference_uid, registered.link)
    today, before = ViewportModel(), ViewportModel()
    today.set_image(cur)
    before.set_image(pri)
    for k in (12, 40, 66):
        today.set_index(k)
        follow_scroll_across(today, [before], table)
        q = slice_centre(cur, k) @ truth[:3, :3].T + truth[:3, 3]
        assert abs(before.index - float(pri.patient_to_index(q)[2])) <= 1.0
    # and back: scrolling the prior moves today's exam (the inverse link)
    before.set_index(20)
    follow_scroll_across(before, [today], table)
    p = np.linalg.solve(truth[:3, :3], slice_centre(pri, 20) - truth[:3, 3])
    assert abs(today.index - float(cur.patient_to_index(p)[2])) <= 1.0
    # no link, no move
    lone = ViewportModel()
    lone.set_image(pri)
    lone.set_index(3)
    follow_scroll_across(today, [lone], LinkTable())
    assert lone.index == 3
