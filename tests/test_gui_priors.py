"""Priors in the real window: the Patient Timeline, Compare with Prior, hanging protocols applied
when a study opens (shown in the status bar, stepped with Ctrl+] / Ctrl+[), linking across exams
with its indicator and quality, the point-pair tool, and a screenshot of each default protocol in
both languages (``out/screenshots/hanging-<protocol>-<lang>.png``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import generate_uid
from PySide6.QtCore import Qt

from app.mainwindow import MainWindow
from phantoms.priors import SCENARIOS, write_history
from tests.test_gui import SCREENSHOTS, at, click, frame, shown_window, wait_loaded
from viewer.state.exams import Registering
from viewer.state.registration import LinkMethod

ISSUER = "HOSP-A"


def _rewrite(folder: Path, **values: str) -> None:
    for f in sorted(folder.rglob("*.dcm")) or sorted(p for p in folder.rglob("*") if p.is_file()):
        ds = pydicom.dcmread(f)
        for k, v in values.items():
            setattr(ds, k, v)
        if "PatientID" in values:  # another patient's study: new UIDs, no issuer
            del ds.IssuerOfPatientID
        ds.save_as(f)


def _another_patient_same_name(src: Path, dst: Path) -> None:
    """The prior's files as another patient's exam: same name, birth date and sex, another
    Patient ID and no issuer (a CD from elsewhere): only a *probable* match."""
    import shutil

    shutil.copytree(src, dst)
    study, series = generate_uid(), {}
    for f in sorted(p for p in dst.rglob("*") if p.is_file()):
        ds = pydicom.dcmread(f)
        ds.PatientID = "CD-0042"
        ds.StudyInstanceUID = study
        ds.SeriesInstanceUID = series.setdefault(ds.SeriesInstanceUID, generate_uid())
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.StudyDate = "20200315"
        if "IssuerOfPatientID" in ds:
            del ds.IssuerOfPatientID
        ds.save_as(f)


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("gui-histories")
    out = {}
    for s in SCENARIOS:
        folders = write_history(str(root / s), s)
        for f in folders.values():
            _rewrite(Path(f), IssuerOfPatientID=ISSUER)
        out[s] = folders
    other = root / "ct-chest-other"
    _another_patient_same_name(Path(out["ct-chest"]["prior"]), other)
    out["ct-chest"]["other"] = str(other)
    return out


def make_window(qtbot) -> MainWindow:
    return shown_window(qtbot)


def hung(qtbot, w: MainWindow, protocol: str) -> None:
    qtbot.waitUntil(
        lambda: (
            w.priors.exams.hanging is not None and w.priors.exams.hanging.protocol.id == protocol
        ),
        timeout=30000,
    )
    wait_loaded(qtbot, w)


def test_timeline_compare_with_prior_stages_and_linking(qtbot, histories) -> None:
    h = histories["ct-chest"]
    w = make_window(qtbot)
    try:
        w.open_paths([h["prior"], h["other"]])
        qtbot.waitUntil(lambda: w.priors.exams.current is not None, timeout=30000)
        w.open_paths([h["current"]])
        qtbot.waitUntil(
            lambda: (
                w.priors.exams.current is not None and w.priors.exams.current.date == "20261120"
            ),
            timeout=30000,
        )
        wait_loaded(qtbot, w)
        panel = w.priors.timeline.show_timeline()
        rows = [
            [panel.table.item(r, c).text() for c in range(panel.table.columnCount())]
            for r in range(panel.table.rowCount())
        ]
        assert len(rows) == 3, rows  # today's, its prior, and the same-name exam of another
        assert "today's" in rows[0][0]
        probable = [r for r in rows if r[8].startswith("probable")]
        assert len(probable) == 1 and probable[0][0].startswith("2020-03-15"), rows
        assert all(r[7] == "Local" and r[1] == "CT" and r[6].endswith("kB") for r in rows)
        assert "1 probable match(es), not merged" in panel.note.text()
        # Compare with Prior: the confirmed prior (never the probable one), beside today's
        busy_when_started: list[bool] = []
        w.priors.exams.events.subscribe(
            lambda e: (
                busy_when_started.append(w.priors.busy.isVisible())
                if isinstance(e, Registering)
                else None
            )
        )
        panel.compare_button.click()
        hung(qtbot, w, "ct-chest-prior")
        assert w.workspace.layout == "1x2" and w.acts["layout_1x2"].isChecked()
        ex = w.priors.exams
        assert [ex.exam_of(vp.series_key) for vp in w.workspace.visible()] == [0, 1]
        assert len(ex.priors) == 1 and ex.priors[0].date != "20200315"
        label = w.priors.protocol_label
        assert label.isVisible() and "CT chest with prior — Mediastinum (1/2)" in label.text()
        # the registration runs in the background with an indicator, then its quality shows
        qtbot.waitUntil(lambda: bool(ex.links), timeout=60000)
        text = w.priors.link_label.text()
        assert "consistency" in text and "mm" in text, text
        assert busy_when_started == [True]  # the indicator showed while it ran
        assert not w.priors.busy.isVisible()
        for vp in w.visible_viewports():
            img = frame(vp)
            assert img.std() > 10 and (img.mean(axis=2) > 30).mean() > 0.1
        # next / previous stage by keys
        left, right = w.workspace.visible()
        qtbot.keyClick(w, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
        assert "Lung (2/2)" in label.text()
        assert left.window == right.window and left.window[0] < -300  # a lung window
        qtbot.keyClick(w, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier)
        assert "Mediastinum (1/2)" in label.text()
        # linked scrolling across the exams (registration) moves the prior
        w.workspace.set_active(left)
        before = right.index
        left.set_index(max(0, left.index - 6))
        assert right.index != before
        # point-pair alignment: a click in today's exam, then in the prior
        w.priors.align_points()
        lw, rw = w.visible_viewports()
        click(qtbot, lw, at(lw, 64, 64))
        click(qtbot, rw, at(rw, 60, 70))
        link = ex.link_between(left, right)
        assert link is not None and link.method is LinkMethod.POINT_PAIR
        assert "point pair" in w.priors.link_label.text()
        assert np.linalg.norm(link.transform[:3, 3]) > 1.0
    finally:
        w.close()


def test_save_arrangement_as_protocol(qtbot, histories, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("YUNYING_CONFIG_DIR", str(tmp_path))
    h = histories["mr-brain"]
    w = make_window(qtbot)
    try:
        w.open_paths([h["current"], h["prior"]])
        hung(qtbot, w, "mr-brain-prior")
        path = w.priors.save_arrangement("My MR")
        assert path is not None and path.parent == tmp_path / "hanging" and path.is_file()
        assert "My MR" in w.statusBar().currentMessage()
        assert any(p.id == path.stem for p in w.priors.exams.protocols)
    finally:
        w.close()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_screenshots_of_each_default_protocol(qtbot, histories, scenario: str) -> None:
    h = histories[scenario]
    w = make_window(qtbot)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        w.open_paths([h["current"], h["prior"]])
        qtbot.waitUntil(lambda: w.priors.exams.hanging is not None, timeout=30000)
        wait_loaded(qtbot, w)
        protocol = w.priors.exams.hanging.protocol.id
        if protocol == "pet-ct":  # the third viewport: the CT with the PET fused over it
            third = w.visible_viewports()[2]
            qtbot.waitUntil(lambda: third.renderer.fusion is not None, timeout=30000)
            assert third.renderer.fusion.volume.modality == "PT"
            assert w.visible_viewports()[0].renderer.fusion is None
            pet = w.visible_viewports()[1]  # the PET in black on white (not inverted twice)
            assert pet.model.invert and pet.renderer.colormap == "grey"
        for lang in ("en", "zh_CN"):
            w.set_language(lang)
            qtbot.wait(50)
            text = w.priors.protocol_label.text()
            cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
            assert cjk == (lang == "zh_CN"), text
            for vp in w.visible_viewports():
                assert vp.model.image is not None
                assert frame(vp).std() > 5, (protocol, vp.model.info.get("series"))
            img = w.screenshot()
            assert img.save(str(SCREENSHOTS / f"hanging-{protocol}-{lang}.png"))
    finally:
        w.set_language("en")
        w.close()


def test_a_lone_exam_keeps_the_layout_and_is_offered_its_protocol(qtbot, histories) -> None:
    w = make_window(qtbot)
    try:
        w.set_layout("2x2")
        w.open_paths([histories["ct-head"]["current"]])
        qtbot.waitUntil(lambda: w.priors.exams.offered is not None, timeout=30000)
        wait_loaded(qtbot, w)
        assert w.workspace.layout == "2x2" and w.priors.exams.hanging is None
        label = w.priors.protocol_label
        assert "Protocol available: CT head" in label.text(), label.text()
        qtbot.keyClick(w, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
        hung(qtbot, w, "ct-head")
        assert w.workspace.layout == w.priors.exams.hanging.layout_name != "2x2"  # type: ignore[union-attr]
        assert label.text().startswith("Protocol: CT head")
    finally:
        w.close()


def test_compare_with_a_prior_from_another_province_through_the_cloud(
    qtbot, cloud_service, devcloud
) -> None:
    """Li Si: today's 2026 CT in Nanjing (fetched), her 2025 chest CT in Fuzhou only in the
    provincial cloud. With her authorization the timeline lists both from the national index
    and *Compare with Prior* fetches the 2025 one through the cloud client and hangs it."""
    from devcloud.seed import PATIENTS
    from tests.test_cloudclient import approve_on_phone

    svc = cloud_service
    flow = svc.start_qr()
    approve_on_phone(flow, PATIENTS[1])
    svc.finish_qr(flow)
    records = sorted(svc.exams(), key=lambda r: r.exam_datetime)
    assert [r.exam_datetime[:4] for r in records] == ["2025", "2026"]
    today = svc.fetch(records[1])
    w = make_window(qtbot)
    try:
        w.cloud_service = svc
        w.open_cloud_study(today.folder, records[1], "cloud")
        qtbot.waitUntil(lambda: w.priors.exams.current is not None, timeout=30000)
        wait_loaded(qtbot, w)
        panel = w.priors.timeline.show_timeline()

        def rows() -> list[list[str]]:
            t = panel.table
            return [
                [t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())
            ]

        qtbot.waitUntil(lambda: any(r[7] == "Cloud" for r in rows()), timeout=30000)
        got = rows()
        assert len(got) == 2, got
        assert got[0][0].startswith("2026-11-20") and "today's" in got[0][0]
        assert got[1][0].startswith("2025-03-14") and got[1][7] == "Cloud"
        assert got[1][5] and got[1][5] != got[0][5]  # another province
        assert all(r[8] == "confirmed" for r in got)  # by the national person code
        # her authorization withdrawn: the prior is not fetched; the Cloud panel asks again
        svc.forget()
        panel.compare_button.click()
        qtbot.waitUntil(
            lambda: w.cloud_dialog is not None and w.cloud_dialog.isVisible(), timeout=30000
        )
        assert "authorization is needed" in w.statusBar().currentMessage()
        assert w.priors.exams.priors == [] and not svc.cached(records[0].study_uid)
        w.cloud_dialog.hide()
        flow = svc.start_qr()
        approve_on_phone(flow, PATIENTS[1])
        svc.finish_qr(flow)
        panel.compare_button.click()
        qtbot.waitUntil(lambda: len(w.priors.exams.priors) == 1, timeout=60000)
        wait_loaded(qtbot, w)
        ex = w.priors.exams
        assert ex.priors[0].study_uid == records[0].study_uid
        assert ex.hanging is not None and ex.hanging.protocol.id.endswith("-prior")
        assert [ex.exam_of(vp.series_key) for vp in w.workspace.visible()] == [0, 1]
        assert svc.cached(records[0].study_uid)  # fetched into the workstation cache
    finally:
        w.close()
