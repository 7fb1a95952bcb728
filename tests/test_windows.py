"""The window a series opens with: its middle image's (never an edge slice's), every value of a
multi-valued window and the VOI LUT offered, rules by modality and body part as data, presets per
modality, the user's preset edits; PET in SUV opens 0-5 SUV inverted grey."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pydicom.dataset import Dataset

from phantoms import series as S
from tests.helpers import copy_series, small_ct
from viewer.dicom.presets import (
    WindowPreset,
    load_user_presets,
    presets,
    remove_user_preset,
    save_user_presets,
    set_user_preset,
)
from viewer.dicom.scan import scan
from viewer.dicom.volume import Volume, load_series
from viewer.dicom.windows import (
    RULES_FILE,
    display_values,
    file_windows,
    opening_display,
    opening_window,
    presets_for,
    rule_window,
)
from viewer.state.mpr import MprModel
from viewer.state.viewport import ViewportModel


def _series(tmp: Path, spec: S.SeriesSpec, edit=None) -> Volume:
    src = tmp / "src"
    S.write_series(spec, str(src), workers=1)
    folder = src
    if edit is not None:
        folder = tmp / "edited"
        copy_series(src, folder, edit)
    (series,) = scan(folder).all_series()
    vol = load_series(series)
    assert isinstance(vol, Volume)
    return vol


def _ct(n: int = 9, **kw: object) -> S.SeriesSpec:
    return small_ct("win", matrix=32, pixel=10.0, n_slices=n, spacing=10.0, **kw)  # type: ignore[arg-type]


def _z(ds: Dataset) -> float:
    return float(ds.ImagePositionPatient[2])


def test_a_series_opens_in_its_middle_images_window(tmp_path: Path) -> None:
    def edit(ds: Dataset, n: int) -> Dataset:
        ds.WindowCenter = f"{_z(ds):.0f}"  # every slice its own window: the centre says which
        ds.WindowWidth = "500"
        return ds

    vol = _series(tmp_path, _ct(), edit)
    zs = [float(fr.geometry.position[2]) for fr in vol.slice_sources]  # type: ignore[index]
    middle = zs[len(zs) // 2]
    assert middle not in (zs[0], zs[-1])
    assert opening_window(vol) == (pytest.approx(middle), 500.0)
    model = ViewportModel()
    model.set_image(vol)
    assert model.window == (pytest.approx(middle), 500.0)  # the viewport uses the rule
    assert MprModel(vol).window == (pytest.approx(middle), 500.0)  # and so does MPR


def test_every_value_of_a_multi_valued_window_and_the_voi_lut_are_offered(tmp_path: Path) -> None:
    def edit(ds: Dataset, n: int) -> Dataset:
        ds.WindowCenter = ["40", "-600"]
        ds.WindowWidth = ["400", "1500"]
        ds.WindowCenterWidthExplanation = ["SOFT TISSUE", "LUNG"]
        lut = Dataset()
        lut.add_new(0x00283002, "US", [2048, 0, 12])  # LUT Descriptor: 2048 entries from 0
        lut.LUTExplanation = "BONE LUT"
        lut.add_new(0x00283006, "OW", np.arange(0, 4096, 2, dtype="<u2").tobytes())
        ds.VOILUTSequence = [lut]
        return ds

    vol = _series(tmp_path, _ct(), edit)
    found = file_windows(vol)
    assert [(w.center, w.width, w.explanation, w.source) for w in found] == [
        (40.0, 400.0, "SOFT TISSUE", "file"),
        (-600.0, 1500.0, "LUNG", "file"),
        (1024.0, 2048.0, "BONE LUT", "voi_lut"),
    ]
    assert opening_window(vol) == (40.0, 400.0)  # the first value opens


@pytest.mark.parametrize(
    ("body_part", "description", "expected"),
    [
        ("HEAD", "", (40.0, 80.0)),  # head CT: brain
        ("", "CT HEAD W/O", (40.0, 80.0)),  # no body part: the description says head
        ("CHEST", "", (50.0, 350.0)),  # chest: mediastinum (lung offered)
        ("ABDOMEN", "", (40.0, 400.0)),
        ("KNEE", "", (400.0, 1800.0)),  # extremity: bone
    ],
)
def test_a_ct_without_a_window_opens_by_its_body_part(
    tmp_path: Path, body_part: str, description: str, expected: tuple[float, float]
) -> None:
    def edit(ds: Dataset, n: int) -> Dataset:
        del ds.WindowCenter
        del ds.WindowWidth
        ds.BodyPartExamined = body_part
        ds.SeriesDescription = description
        ds.StudyDescription = ""
        return ds

    vol = _series(tmp_path, _ct(5), edit)
    assert file_windows(vol) == []
    d = opening_display(vol)
    assert d.window.pair == expected and d.window.source == "rule"
    m = ViewportModel()
    m.set_image(vol)
    assert m.window == expected


def test_an_mr_edge_slice_window_is_not_used(tmp_path: Path) -> None:
    study = S.StudySpec(S.PatientSpec(), key="test-mr-edge")
    spec = S.mr_head(study, matrix=48, pixel=5.0, n_slices=7, spacing=5.0)

    def edge(ds: Dataset, n: int) -> Dataset:
        if n == 0:  # the first file is an edge slice (lowest z)
            ds.WindowCenter, ds.WindowWidth = "4", "8"
        return ds

    vol = _series(tmp_path, spec, edge)
    assert vol.window == (4.0, 8.0)  # the first sorted slice: what the volume used to open in
    assert opening_window(vol) == (450.0, 900.0)

    def only_edge(ds: Dataset, n: int) -> Dataset:
        if n == 0:
            ds.WindowCenter, ds.WindowWidth = "4", "8"
        else:
            del ds.WindowCenter
            del ds.WindowWidth
        return ds

    vol2 = _series(tmp_path / "b", spec, only_edge)
    c, w = opening_window(vol2)
    assert (c, w) != (4.0, 8.0) and w > 100  # a window from the data, not the edge slice's
    assert opening_display(vol2).window.source == "auto"


def test_presets_are_offered_by_modality_and_body_part() -> None:
    head = [p.id for p in presets_for("CT", "HEAD")]
    chest = [p.id for p in presets_for("CT", "CHEST")]
    assert "brain" in head and "lung" not in head
    assert {"lung", "mediastinum"} <= set(chest) and "stroke" not in chest
    assert {p.id for p in presets_for("CT", "")} >= {"brain", "lung", "bone"}
    assert presets_for("MR", "HEAD") == []  # no lung on MR
    pet_ids = [p.id for p in presets_for("PT", "CHEST", "SUVbw")]
    assert pet_ids and not {"brain", "lung"} & set(pet_ids)  # no brain on PET
    assert all(p.unit == "SUV" for p in presets_for("PT", "", "SUVbw"))
    assert presets_for("PT", "", "Bq/ml") == []  # SUV presets only when shown in SUV


def test_rules_are_data() -> None:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    pet = next(r for r in data["rules"] if r["modality"] == "PT" and r.get("unit") == "SUV")
    w, cmap = rule_window("PT", unit="SUVbw")
    assert w is not None and (w.low, w.high) == (0.0, 5.0) and w.pair == tuple(pet["window"])
    assert cmap == pet["colormap"] == "grey_inverted"
    assert rule_window("MR", "HEAD") == (None, "grey")


def test_pet_in_suv_opens_zero_to_five_inverted_grey(light_scan, light_specs) -> None:
    pet = load_series(light_scan.find_series(light_specs["pet"].series_uid))
    assert isinstance(pet, Volume)
    dv = display_values(pet)
    assert dv.is_suv and dv.unit == "SUVbw" and dv.factors and len(dv.factors) == pet.shape[0]
    d = opening_display(pet)
    assert (d.window.low, d.window.high) == (0.0, 5.0) and d.colormap == "grey_inverted"
    m = ViewportModel()
    m.set_image(pet)
    assert m.window == (2.5, 5.0)
    # without SUV (e.g. a missing weight) the values stay Bq/ml and the file's window is used
    raw = dataclasses.replace(pet, suv=None)
    dv_raw = display_values(raw)
    assert dv_raw.unit == "Bq/ml" and not dv_raw.is_suv
    d_raw = opening_display(raw)
    assert d_raw.window.pair == (10000.0, 20000.0) and d_raw.colormap == "grey_inverted"


def test_user_preset_edits_are_saved_and_merged(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("YUNYING_CONFIG_DIR", str(tmp_path / "cfg"))
    shipped = {p.id: p for p in presets("CT")}
    set_user_preset("CT", WindowPreset("lung", "Lung", "肺窗", -550.0, 1600.0))
    set_user_preset("CT", WindowPreset("sinus", "Sinus", "鼻窦窗", 300.0, 2500.0))
    remove_user_preset("CT", "stroke")
    assert (tmp_path / "cfg" / "window_presets.json").is_file()
    now = {p.id: p for p in presets("CT")}
    assert now["lung"].center == -550.0 and now["lung"].width == 1600.0 and now["lung"].user
    assert now["brain"] == shipped["brain"] and not now["brain"].user
    assert "stroke" not in now and now["sinus"].user
    assert "sinus" in [p.id for p in presets_for("CT", "HEAD")]  # the user's own is offered
    assert load_user_presets()["CT"][0]["id"] == "lung"
    with pytest.raises(ValueError):
        save_user_presets({"CT": [{"id": "bad", "center": 0, "width": 0}]})
    # a broken file falls back to the shipped presets
    (tmp_path / "cfg" / "window_presets.json").write_text("{not json", encoding="utf-8")
    assert {p.id: p for p in presets("CT")} == shipped


def test_a_file_that_cannot_be_read_again_falls_back_to_the_scan(tmp_path: Path) -> None:
    vol = _series(tmp_path, _ct(3))
    gone = replace(vol)
    for fr in gone.slice_sources:
        Path(str(fr.instance.ref)).unlink(missing_ok=True)
    # the middle instance's scanned first value (the files said 40/400)
    from viewer.dicom import windows

    windows._header_cache.clear()
    assert [w.pair for w in file_windows(gone)] == [(40.0, 400.0)]
    assert np.isfinite(opening_window(gone)).all()


def test_a_signed_voi_lut_first_value_is_read_as_signed(tmp_path: Path) -> None:
    src = tmp_path / "src"
    S.write_series(_ct(3), str(src), workers=1)

    def edit(ds: Dataset, n: int) -> Dataset:
        ds.PixelRepresentation = 1
        lut = Dataset()
        lut.add_new(0x00283002, "US", [4096, 65536 - 1024, 12])  # first mapped value -1024
        lut.add_new(0x00283006, "OW", np.zeros(4096, "<u2").tobytes())
        ds.VOILUTSequence = [lut]
        return ds

    copy_series(src, tmp_path / "signed", edit)
    (series,) = scan(tmp_path / "signed").all_series()
    lut_windows = [w for w in file_windows(series) if w.source == "voi_lut"]
    assert [w.pair for w in lut_windows] == [(-1024.0 + 2048.0, 4096.0)]
    assert lut_windows[0].explanation == "VOI LUT 1"


def test_an_enhanced_multi_frame_opens_in_its_middle_frames_voi(tmp_path: Path) -> None:
    import pydicom

    from phantoms.multi import enhanced_dynamic_mr

    path = enhanced_dynamic_mr(str(tmp_path / "src"))
    ds = pydicom.dcmread(path)
    for n, fg in enumerate(ds.PerFrameFunctionalGroupsSequence):
        voi = Dataset()
        voi.WindowCenter = str(100 + 10 * n)  # each frame its own window: the centre says which
        voi.WindowWidth = "50"
        voi.WindowCenterWidthExplanation = f"FRAME {n}"
        fg.FrameVOILUTSequence = [voi]
    out = tmp_path / "voi"
    out.mkdir()
    ds.save_as(out / "enhanced.dcm", enforce_file_format=True)
    (series,) = scan(out).all_series()
    vol = load_series(series)
    assert isinstance(vol, Volume)
    middle = vol.slice_sources[len(vol.slice_sources) // 2]
    assert middle.index not in (vol.slice_sources[0].index, vol.slice_sources[-1].index)
    (w,) = file_windows(vol)
    assert w.pair == (100.0 + 10 * middle.index, 50.0)
    assert w.explanation == f"FRAME {middle.index}"
    assert opening_window(vol) == w.pair
