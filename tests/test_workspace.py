"""The Workspace without a window: hanging, the loading queue, scroll sync, linked zoom/pan and
window, reference lines and opening a cloud study, on the real light phantom study."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from viewer.dicom.model import SeriesInfo
from viewer.state.observable import Observable
from viewer.state.origin import Origin
from viewer.state.viewport import ViewportEvent, ViewportModel
from viewer.state.workspace import (
    ImageShown,
    InlineLoader,
    OpenRequest,
    ReferenceLines,
    Remember,
    SeriesLoaded,
    Viewed,
    Workspace,
    WorkspaceEvent,
)


def make(layout: str = "1x2") -> tuple[Workspace, list[WorkspaceEvent]]:
    ws = Workspace(layout=layout)
    InlineLoader(ws)
    events: list[WorkspaceEvent] = []
    ws.events.subscribe(events.append)
    return ws, events


def key_of(ws: Workspace, description: str) -> str:
    return next(k for k, s in ws.series.items() if description in s.description)


def show(ws: Workspace, description: str, vp: ViewportModel) -> ViewportModel:
    ws.open_series(key_of(ws, description), vp)
    assert vp.image is ws.images[vp.series_key]
    return vp


@pytest.fixture
def pair(light_dir: Path) -> tuple[Workspace, ViewportModel, ViewportModel]:
    """Two viewports of the light study: the CT active on the left, the PET on the right."""
    ws, _ = make("1x2")
    ws.open_study(light_dir)
    ct, pet = ws.visible()
    show(ws, "Chest/Abdomen", ct)
    show(ws, "PET", pet)
    ws.set_active(ct)
    return ws, ct, pet


# --------------------------------------------------------------------------- observable


def test_listeners_may_unsubscribe_while_an_event_is_delivered() -> None:
    obs: Observable[int] = Observable()
    heard: list[tuple[str, int]] = []
    offs: dict[str, object] = {}

    def a(e: int) -> None:
        heard.append(("a", e))
        offs["a"]()  # type: ignore[operator]
        offs["b"]()  # type: ignore[operator]  (b is skipped in this very emission)

    offs["a"] = obs.subscribe(a)
    offs["b"] = obs.subscribe(lambda e: heard.append(("b", e)))
    obs.subscribe(lambda e: heard.append(("c", e)))
    obs.emit(1)
    obs.emit(2)
    assert heard == [("a", 1), ("c", 1), ("c", 2)]
    assert len(obs) == 1


def test_viewport_events_are_typed_and_can_be_unsubscribed(light_dir: Path) -> None:
    ws, _ = make("1x1")
    ws.open_study(light_dir)
    vp = ws.active
    assert vp is not None
    seen: list[ViewportEvent] = []
    off = vp.subscribe(seen.append)
    vp.set_index(vp.index + 1)
    vp.set_zoom(2.0)
    off()
    vp.set_index(vp.index + 1)
    assert seen == [ViewportEvent.INDEX, ViewportEvent.CAMERA]


# --------------------------------------------------------------------------- opening and hanging


def test_a_local_study_hangs_largest_first_and_is_remembered(light_dir: Path) -> None:
    ws, events = make("2x2")
    ws.open_study(light_dir)
    shown = [ws.series[vp.series_key].description for vp in ws.visible()]
    assert shown == [
        "PET WB FDG AC",
        "Chest/Abdomen 5mm",
        "Oblique reformat 2mm",
        "Chest tilt 15 deg",
    ]
    assert all(vp.image is ws.images[vp.series_key] for vp in ws.visible())
    assert [e.paths for e in events if isinstance(e, Remember)] == [(str(light_dir),)]
    assert set(ws.origins.values()) == {Origin.LOCAL}
    assert ws.active is ws.visible()[0] and not ws.pending()


def test_a_cloud_study_keeps_its_focus_in_the_active_viewport(light_dir: Path) -> None:
    """The series the doctor chose goes to the active viewport, the others fill the empty
    ones; a cache folder never enters Open Recent; the view is told (audit)."""
    ws, events = make("2x2")
    ws.set_active(ws.visible()[2])
    ws.open_study(light_dir)  # (to learn the UIDs) then a fresh workspace opens it from the cloud
    mr_uid = ws.series[key_of(ws, "T1 SE")].series_uid
    ws, events = make("2x2")
    active = ws.visible()[2]
    ws.set_active(active)
    record = {"study": "1.2.3", "code": "X"}
    ws.open_study(light_dir, focus=mr_uid, origin=Origin.CACHE, record=record)
    assert ws.series[active.series_key].description == "T1 SE axial 5mm"
    assert isinstance(active.image, type(ws.images[active.series_key]))
    others = [ws.series[vp.series_key].description for vp in ws.visible() if vp is not active]
    assert others == ["PET WB FDG AC", "Chest/Abdomen 5mm", "Oblique reformat 2mm"]
    assert not any(isinstance(e, Remember) for e in events)
    viewed = [e for e in events if isinstance(e, Viewed)]
    assert [(v.series_uid, v.request.record) for v in viewed] == [(mr_uid, record)]
    assert set(ws.origins.values()) == {Origin.CACHE}


def test_a_previewed_series_stays_where_it_is_when_the_study_arrives(light_dir: Path) -> None:
    ws, events = make("1x2")
    right = ws.visible()[1]
    ws.set_active(right)
    pet_file = _first_file_of(light_dir, "PT")
    record = ("study", 7)
    ws.preview(pet_file, record, Origin.CLOUD)
    assert right.image is not None and right.count == 1  # one image at once
    assert ws.visible()[0].image is None
    ws.open_study(light_dir, origin=Origin.CLOUD, record=record)
    assert ws.series[right.series_key].description == "PET WB FDG AC"
    assert right.count == 134 and right.image is ws.images[right.series_key]
    left = ws.visible()[0]
    assert ws.series[left.series_key].description == "Chest/Abdomen 5mm"
    assert [type(e) for e in events].count(Viewed) == 2  # the preview and the whole series
    assert any(isinstance(e, ImageShown) for e in events)
    assert not any(isinstance(e, Remember) for e in events)


def _first_file_of(folder: Path, modality: str) -> Path:
    import pydicom

    for f in sorted(folder.rglob("*.dcm")):
        if pydicom.dcmread(f, stop_before_pixels=True).Modality == modality:
            return f
    raise AssertionError(f"no {modality} file in {folder}")


class DeferredLoader:
    """Scans at once but keeps loads until :meth:`finish` (as the thread pool would)."""

    def __init__(self, ws: Workspace) -> None:
        self.inline = InlineLoader(ws)
        ws.loader = self
        self.loads: list[SeriesInfo] = []

    def scan(self, request: OpenRequest) -> None:
        self.inline.scan(request)

    def load(self, series: SeriesInfo) -> None:
        self.loads.append(series)

    def finish(self) -> None:
        while self.loads:
            self.inline.load(self.loads.pop(0))


def test_two_viewports_waiting_for_one_series_get_it_from_one_load(light_dir: Path) -> None:
    ws = Workspace(layout="1x3")
    loader = DeferredLoader(ws)
    events: list[WorkspaceEvent] = []
    ws.events.subscribe(events.append)
    ws.open_study(light_dir)  # three loads queued (PET, CT, oblique)
    loader.finish()
    a, b, _c = ws.visible()
    ws.set_layout("2x2")
    d = ws.visible()[3]
    key = key_of(ws, "T1 SE")
    ws.open_series(key, d)
    ws.open_series(key, a)
    assert [s.key for s in loader.loads] == [key]  # asked once
    assert ws.pending() and ws.waiting[key] == [d, a]
    loader.finish()
    assert d.image is a.image is ws.images[key] and d.count == 30
    assert not ws.pending()
    assert [e.key for e in events if isinstance(e, SeriesLoaded)][-1] == key
    # a viewport that was given another series meanwhile keeps that one
    key_ct = key_of(ws, "Chest/Abdomen")
    ws.images.pop(key_ct)
    ws.open_series(key_ct, b)
    ws.open_series(key, b)  # shown at once: already loaded
    loader.finish()
    assert b.image is ws.images[key]


# --------------------------------------------------------------------------- links


def test_scroll_sync_by_patient_position(pair) -> None:
    ws, ct, pet = pair
    for k in (10, 33, 70):
        ct.set_index(k)
        z_ct = ct.slice_position()[2]  # type: ignore[index]
        z_pet = pet.slice_position()[2]  # type: ignore[index]
        assert abs(z_ct - z_pet) <= 1.5  # the nearest PET slice (3 mm apart)
    before = ct.index
    pet.set_index(pet.index + 20)  # only the active viewport leads
    assert ct.index == before
    ws.set_links(scroll=False)
    before = pet.index
    ct.set_index(5)
    assert pet.index == before
    ws.set_links(scroll=True)
    pet.linked = False  # a viewport taken out of the links stays
    ct.set_index(40)
    assert pet.index == before


def test_other_frames_of_reference_do_not_follow(light_dir: Path) -> None:
    ws, _ = make("1x2")
    ws.open_study(light_dir)
    ct, mr = ws.visible()
    show(ws, "Chest/Abdomen", ct)
    show(ws, "T1 SE", mr)
    ws.set_active(ct)
    before = mr.index
    ct.set_index(3)
    assert mr.index == before
    assert ws.reference_lines() == ([], [])


def test_linked_zoom_pan_and_window(pair, light_dir: Path) -> None:
    ws, ct, pet = pair
    ct.set_zoom(2.0)
    assert pet.zoom == 1.0  # not linked by default
    ws.set_links(zoom_pan=True)
    ct.set_zoom(3.0)
    ct.set_pan(12.0, -4.0)
    assert pet.zoom == 3.0 and pet.pan == (12.0, -4.0)
    ws.set_links(window=True)
    pet_window = pet.window
    ct.set_window(-600, 1500)
    assert pet.window == pet_window  # a CT window means nothing on a PET
    ws.set_layout("1x3")
    obl = show(ws, "Oblique", ws.visible()[2])
    ws.set_active(ct)
    ct.set_window(50, 350)
    ct.set_invert(True)
    assert obl.window == (50.0, 350.0) and obl.invert
    ws.set_links(window=False)
    ct.set_window(40, 80)
    assert obl.window == (50.0, 350.0)


def test_reference_lines_lie_on_the_active_slice_plane(light_dir: Path) -> None:
    ws, events = make("1x2")
    ws.open_study(light_dir)
    ct, obl = ws.visible()
    show(ws, "Oblique", obl)
    show(ws, "Chest/Abdomen", ct)
    ws.set_active(ct)
    for k in (40, 60):
        ct.set_index(k)
        lines = ws.reference_lines()
        assert lines[0] == [] and len(lines[1]) == 1
        assert isinstance(events[-1], ReferenceLines) and events[-1].lines == lines
        g_ct = ct.geometry()
        g_obl = obl.geometry()
        pos = ct.slice_position()
        assert pos is not None and g_ct.normal is not None
        rows, cols = obl.pixels().shape[:2]
        for x, y in lines[1][0]:
            assert -1e-6 <= x <= cols - 1 + 1e-6 and -1e-6 <= y <= rows - 1 + 1e-6
            p = g_obl.pixel_to_patient(x, y)
            assert p is not None
            assert abs(float((p - pos) @ g_ct.normal)) < 1e-6  # on the CT's slice plane
    first = ws.reference_lines()[1][0]
    ct.set_index(70)
    assert not np.allclose(np.array(ws.reference_lines()[1][0]), np.array(first))
    ct.set_index(10)  # the CT slice no longer crosses the oblique's box
    assert ws.reference_lines()[1] == []
    ws.set_active(obl)  # now the oblique's plane is drawn on the CT
    assert ws.reference_lines()[1] == [] and len(ws.reference_lines()[0]) == 1
    ws.set_links(reference_lines=False)
    assert ws.reference_lines() == ([], [])
    assert isinstance(events[-1], ReferenceLines) and events[-1].lines == ([], [])
