"""Findings that persist: GSPS, TID 1500 SR, key objects and a Basic Text SR, written with
highdicom, valid for dciodvfy, and read back to the same measurements and view."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from tests.findings_helpers import OBJECTS, headers, load, viewport_with_work, write_ct
from tests.test_dciodvfy import dciodvfy_errors
from viewer.dicom.findings.catalog import list_findings
from viewer.dicom.findings.classes import GSPS_CLASS
from viewer.dicom.findings.kos import TITLES, read_kos, write_kos
from viewer.dicom.findings.model import (
    Finding,
    ImageRef,
    MeasuredValue,
    ReaderWork,
    area_from_view,
    dicom_transform,
    view_from_area,
    viewport_transform,
)
from viewer.dicom.findings.pstate import read_gsps, write_gsps
from viewer.dicom.findings.sr import (
    read_measurement_sr,
    read_text_sr,
    write_measurement_sr,
    write_text_sr,
)
from viewer.dicom.findings.values import values_for
from viewer.dicom.measure import Measurement, angle_deg, length_mm, roi_stats
from viewer.dicom.windows import DisplayValues, register_display_values
from viewer.state.findings import restore_viewport, work_from_viewport
from viewer.state.viewport import ViewportModel

AUTHOR = "Li^Hua=李^华"


@pytest.fixture(scope="module")
def ct(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("findings") / "ct"
    return folder, write_ct(folder)


def save(ds: Dataset, path: Path) -> Path:
    ds.save_as(path, enforce_file_format=True)
    return path


def keep(path: Path, name: str) -> None:
    """Leave a sample object in out/objects/ for people to look at."""
    OBJECTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, OBJECTS / name)


# --------------------------------------------------------------------------- view geometry


def test_dicom_transform_shows_what_the_viewport_shows() -> None:
    m = ViewportModel()
    for rot, fh, fv in itertools.product((0, 90, 180, 270), (False, True), (False, True)):
        m.rotation, m.flip_h, m.flip_v = rot, fh, fv
        want = m.screen_axes()
        m.rotation, m.flip_h, m.flip_v = viewport_transform(*dicom_transform(rot, fh, fv))
        assert m.screen_axes() == want, (rot, fh, fv)


def test_displayed_area_gives_back_zoom_and_pan() -> None:
    for rot, fh, fv in itertools.product((0, 90, 180, 270), (False, True), (False, True)):
        area = area_from_view(2.5, (11.0, -4.0), rot, fh, fv, (80, 100), (0.7, 0.9))
        assert area[2] - area[0] + 1 == pytest.approx(40.0)  # 100 columns at zoom 2.5
        zoom, pan = view_from_area(area, rot, fh, fv, (80, 100), (0.7, 0.9))
        assert zoom == pytest.approx(2.5)
        assert pan == pytest.approx((11.0, -4.0))


# --------------------------------------------------------------------------- GSPS


def test_gsps_round_trip_restores_measurements_and_view(ct, tmp_path: Path) -> None:
    folder, files = ct
    img = load(folder)
    model = viewport_with_work(img)
    work = work_from_viewport(model, author=AUTHOR, label="Chest review")
    assert work.study_uid == img.slice_sources[0].instance.study_uid
    path = save(write_gsps(work, headers(files)), tmp_path / "gsps.dcm")
    assert dciodvfy_errors(path) == []
    keep(path, "gsps.dcm")

    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == GSPS_CLASS
    assert str(ds.ContentCreatorName) == AUTHOR
    assert ds.Manufacturer == "Yunying"
    texts = [
        str(t.UnformattedTextValue)
        for a in ds.GraphicAnnotationSequence
        for t in a.get("TextObjectSequence", [])
    ]
    assert any("mm" in t for t in texts), texts  # the length is labelled with its unit

    back = read_gsps(ds)
    assert back.author == AUTHOR
    again = ViewportModel()
    again.set_image(img, index=2)
    restored = restore_viewport(again, back)
    assert restored.measurements == len(model.measurements)
    assert not restored.notes
    got = sorted((m.kind, m.index, m.points, m.text) for m in again.measurements)
    want = sorted((m.kind, m.index, m.points, m.text) for m in model.measurements)
    for g, w in zip(got, want, strict=True):
        assert g[:2] == w[:2] and g[3] == w[3]
        assert np.allclose(g[2], w[2], atol=1e-4), (g, w)
    assert again.window == pytest.approx(model.window)
    assert again.screen_axes() == model.screen_axes()
    # the displayed area is stored in whole pixels: zoom and pan within a pixel
    assert again.zoom == pytest.approx(model.zoom, rel=0.05)
    spacing = max(img.spacing[:2])
    assert np.allclose(again.pan, model.pan, atol=spacing)


def test_gsps_window_of_a_pet_in_suv_is_stored_in_modality_values(ct, tmp_path: Path) -> None:
    """The viewport shows PET in SUV; the GSPS keeps the window in the image's own values."""
    folder, files = ct
    img = load(folder)
    register_display_values(
        lambda image: (
            DisplayValues("SUVbw", (0.001,) * img.shape[0], "", "g/ml") if image is img else None
        )
    )
    model = ViewportModel()
    model.set_image(img, index=1)
    model.set_window(2.5, 5.0)  # SUV
    model.add_measurement(Measurement("ellipse", [(20.0, 20.0), (40.0, 34.0)], 1))
    work = work_from_viewport(model, author=AUTHOR)
    view = next(iter(work.views.values()))
    assert view.window == pytest.approx((2500.0, 5000.0))
    f = work.findings[0]
    suv = {v.name: v for v in f.values if v.name.startswith("SUV")}
    assert suv["SUVmax"].value == pytest.approx(
        max(v.value for v in f.values if v.name == "Maximum") * 0.001
    )
    assert suv["SUVmax"].unit == "{SUVbw}g/mL"
    gsps = write_gsps(work, headers(files))
    back = ViewportModel()
    back.set_image(img, index=1)
    restore_viewport(back, read_gsps(gsps))
    assert back.window == pytest.approx((2.5, 5.0))


def foreign_gsps(image: Dataset) -> Dataset:
    """A presentation state as another program writes it: raw pydicom, no tracking IDs, a text
    in DISPLAY units, a circle, a window, a displayed area and a 180° rotation."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = GSPS_CLASS
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    for kw in (
        "PatientName",
        "PatientID",
        "PatientBirthDate",
        "PatientSex",
        "StudyInstanceUID",
        "StudyDate",
        "StudyTime",
        "StudyID",
        "AccessionNumber",
        "ReferringPhysicianName",
        "SpecificCharacterSet",
    ):
        setattr(ds, kw, image.get(kw, ""))
    ds.Modality = "PR"
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 77
    ds.InstanceNumber = 1
    ds.Manufacturer = "Other Vendor"
    ds.ContentLabel = "OTHER"
    ds.ContentDescription = "from another viewer"
    ds.ContentCreatorName = "Smith^Jane"
    ds.PresentationCreationDate = "20250102"
    ds.PresentationCreationTime = "101500"
    ref = Dataset()
    ref.ReferencedSOPClassUID = image.SOPClassUID
    ref.ReferencedSOPInstanceUID = image.SOPInstanceUID
    series = Dataset()
    series.SeriesInstanceUID = image.SeriesInstanceUID
    series.ReferencedImageSequence = Sequence([ref])
    ds.ReferencedSeriesSequence = Sequence([series])
    layer = Dataset()
    layer.GraphicLayer = "VENDOR"
    layer.GraphicLayerOrder = 1
    ds.GraphicLayerSequence = Sequence([layer])
    circle = Dataset()
    circle.GraphicAnnotationUnits = "PIXEL"
    circle.GraphicDimensions = 2
    circle.NumberOfGraphicPoints = 2
    circle.GraphicData = [20.5, 20.5, 25.5, 20.5]
    circle.GraphicType = "CIRCLE"
    circle.GraphicFilled = "N"
    text = Dataset()
    text.AnchorPointAnnotationUnits = "DISPLAY"
    text.UnformattedTextValue = "vendor note"
    text.AnchorPoint = [0.25, 0.75]
    text.AnchorPointVisible = "N"
    ann = Dataset()
    ann.GraphicLayer = "VENDOR"
    ann.GraphicObjectSequence = Sequence([circle])
    ann.TextObjectSequence = Sequence([text])
    ds.GraphicAnnotationSequence = Sequence([ann])
    area = Dataset()
    area.DisplayedAreaTopLeftHandCorner = [17, 9]
    area.DisplayedAreaBottomRightHandCorner = [48, 40]
    area.PresentationSizeMode = "SCALE TO FIT"
    area.PresentationPixelAspectRatio = [1, 1]
    ds.DisplayedAreaSelectionSequence = Sequence([area])
    voi = Dataset()
    voi.WindowCenter = 60
    voi.WindowWidth = 350
    ds.SoftcopyVOILUTSequence = Sequence([voi])
    ds.ImageRotation = 180
    ds.ImageHorizontalFlip = "N"
    ds.PresentationLUTShape = "IDENTITY"
    return ds


def test_presentation_state_of_another_program_is_displayed(ct, tmp_path: Path) -> None:
    folder, files = ct
    img = load(folder)
    image = pydicom.dcmread(files[3], stop_before_pixels=True)
    ps = foreign_gsps(image)
    work = read_gsps(ps)
    assert work.author == "Smith^Jane"
    assert work.created == dt.datetime(2025, 1, 2, 10, 15)
    model = ViewportModel()
    model.set_image(img, index=0)
    restored = restore_viewport(model, work, index=3)
    assert model.window == (60.0, 350.0)
    assert (model.rotation, model.flip_h, model.flip_v) == (180, False, False)
    assert model.zoom == pytest.approx(2.0)  # 32 of 64 pixels shown
    assert restored.measurements == 0
    [(k, ann)] = restored.annotations
    assert k == 3
    assert [(g.type, g.points) for g in ann.graphics] == [("CIRCLE", [(20.0, 20.0), (25.0, 20.0)])]
    assert ann.texts[0].text == "vendor note" and ann.texts[0].units == "DISPLAY"
    assert ann.texts[0].anchor == (0.25, 0.75)


# --------------------------------------------------------------------------- SR


def test_measurement_sr_round_trip_keeps_values_units_and_positions(ct, tmp_path: Path) -> None:
    folder, files = ct
    img = load(folder)
    model = viewport_with_work(img)
    work = work_from_viewport(model, author=AUTHOR)
    path = save(
        write_measurement_sr(work.findings, headers(files), author=AUTHOR), tmp_path / "sr.dcm"
    )
    assert dciodvfy_errors(path) == []
    keep(path, "measurements-sr.dcm")
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.34"
    assert ds.ContentTemplateSequence[0].TemplateIdentifier == "1500"
    back = read_measurement_sr(ds)
    want = [
        f
        for f in work.findings
        if f.measurement.kind in ("length", "angle", "ellipse", "rectangle", "probe")
    ]
    assert len(back) == len(want)
    spacing = model.geometry(1).spacing
    for got, w in zip(back, want, strict=True):
        assert got.image.sop_instance_uid == w.image.sop_instance_uid
        assert got.measurement.kind == w.measurement.kind
        assert np.allclose(got.measurement.points, w.measurement.points, atol=1e-4)
        assert {(v.name, v.unit) for v in got.values} == {(v.name, v.unit) for v in w.values}
        for v in got.values:
            ref = next(x for x in w.values if x.name == v.name)
            assert v.value == pytest.approx(ref.value, rel=1e-6)
    length = next(f for f in back if f.measurement.kind == "length")
    p = length.measurement.points
    assert length.values[0].value == pytest.approx(length_mm(p[0], p[1], spacing))
    assert length.values[0].unit == "mm"
    angle = next(f for f in back if f.measurement.kind == "angle")
    assert angle.values[0].value == pytest.approx(angle_deg(*angle.measurement.points, spacing))
    ellipse = next(f for f in back if f.measurement.kind == "ellipse")
    stats = roi_stats("ellipse", *ellipse.measurement.points, model.pixels(2), spacing)
    assert stats is not None
    mean = next(v for v in ellipse.values if v.name == "Mean")
    assert (mean.value, mean.unit) == (pytest.approx(stats.mean), "[hnsf'U]")


def test_sr_carries_suv_with_its_concept_and_unit(ct) -> None:
    _folder, files = ct
    hdr = headers(files)
    ds = next(iter(hdr.values()))
    img = ImageRef(ds.SOPClassUID, ds.SOPInstanceUID)
    m = Measurement("ellipse", [(10.0, 10.0), (20.0, 16.0)])
    pixels = np.full((64, 64), 5000.0)
    values = values_for(m, pixels, (1.0, 1.0), "Bq/mL", suv_factor=0.0005)
    assert ("SUVmax", 2.5) in {(v.name, v.value) for v in values}
    sr = write_measurement_sr([Finding(img, m, values)], hdr, author=AUTHOR)
    nums = [it for it in _walk(sr) if it.get("ValueType") == "NUM"]
    suv = [it for it in nums if it.ConceptNameCodeSequence[0].CodeValue == "126401"]
    assert suv, "SUVbw (DCM 126401) measurements are in the report"
    assert {
        str(it.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0].CodeValue) for it in suv
    } == {"{SUVbw}g/mL"}
    # Bq/ml means and maxima have no standard concept here: left out, never mislabelled
    assert all(
        str(it.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0].CodeValue) != "Bq/mL"
        for it in nums
    )
    back = read_measurement_sr(sr)
    assert {(v.name, v.value) for v in back[0].values} >= {("SUVmax", 2.5), ("SUVmean", 2.5)}


def _walk(ds: Dataset):
    for it in ds.get("ContentSequence", []):
        yield it
        yield from _walk(it)


def test_consultation_opinion_is_a_basic_text_sr(ct, tmp_path: Path) -> None:
    _folder, files = ct
    evidence = list(headers(files).values())
    text = "右下肺小结节，建议 3 个月后复查。\nNodule RLL, follow up in 3 months."
    path = save(write_text_sr(text, evidence, author=AUTHOR), tmp_path / "opinion.dcm")
    assert dciodvfy_errors(path) == []
    keep(path, "opinion-basic-text-sr.dcm")
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.11"
    assert read_text_sr(ds) == (AUTHOR, text)
    with pytest.raises(ValueError):
        write_text_sr("  ", evidence, author=AUTHOR)
    with pytest.raises(ValueError):
        write_text_sr("text", evidence, author="")


# --------------------------------------------------------------------------- KOS


def test_key_images_are_a_key_object_selection_titled_from_cid_7010(ct, tmp_path: Path) -> None:
    folder, files = ct
    img = load(folder)
    model = viewport_with_work(img)
    work = work_from_viewport(model, author=AUTHOR, key_indices=[1, 3])
    path = save(
        write_kos(
            work.key_images,
            headers(files),
            author=AUTHOR,
            title="For Teaching",
            note="two key images",
        ),
        tmp_path / "kos.dcm",
    )
    assert dciodvfy_errors(path) == []
    keep(path, "key-objects.dcm")
    ds = pydicom.dcmread(path)
    assert ds.ConceptNameCodeSequence[0].CodeValue == "113004"  # For Teaching, CID 7010
    title, images, note, author = read_kos(ds)
    assert (title, note, author) == ("For Teaching", "two key images", AUTHOR)
    assert [i.sop_instance_uid for i in images] == [r.sop_instance_uid for r in work.key_images]
    assert "Of Interest" in TITLES and len(TITLES) > 20
    with pytest.raises(ValueError):
        write_kos(work.key_images, headers(files), author=AUTHOR, title="Nice pictures")


# --------------------------------------------------------------------------- catalog


def test_catalog_lists_ours_and_others_by_author_and_time(ct, tmp_path: Path) -> None:
    folder, files = ct
    study = tmp_path / "study"
    shutil.copytree(folder, study)
    img = load(folder)
    model = viewport_with_work(img)
    hdr = headers(files)
    t0 = dt.datetime(2026, 11, 20, 9, 0)
    work = work_from_viewport(model, author=AUTHOR, key_indices=[2], created=t0)
    save(write_gsps(work, hdr), study / "ps.dcm")
    save(
        write_measurement_sr(
            work.findings, hdr, author=AUTHOR, created=t0 + dt.timedelta(minutes=1)
        ),
        study / "sr.dcm",
    )
    save(
        write_kos(work.key_images, hdr, author=AUTHOR, created=t0 + dt.timedelta(minutes=2)),
        study / "kos.dcm",
    )
    save(foreign_gsps(pydicom.dcmread(files[0])), study / "other.dcm")
    objs = list_findings(study)
    assert [(o.kind, o.author, o.ours) for o in objs] == [
        ("Key Objects", AUTHOR, True),
        ("Comprehensive 3D SR", AUTHOR, True),
        ("GSPS", AUTHOR, True),
        ("GSPS", "Smith^Jane", False),
    ]
    assert objs[0].created == t0 + dt.timedelta(minutes=2)
    assert objs[2].label == "READING" and objs[3].label == "OTHER"
    assert set(objs[2].referenced) == set(hdr)
    assert list_findings(study, study_uid="1.2.3") == []


def test_work_refers_to_every_image_of_the_series(ct) -> None:
    folder, files = ct
    img = load(folder)
    work = work_from_viewport(viewport_with_work(img), author=AUTHOR)
    assert isinstance(work, ReaderWork)
    assert {r.sop_instance_uid for r in work.views} == set(headers(files))
    assert all(isinstance(v, MeasuredValue) for f in work.findings for v in f.values)


def test_work_on_a_reduced_resolution_volume_is_not_saved(ct) -> None:
    """While a cloud study arrives its volume may be a reduced copy: points in its pixels would
    land at a fraction of their place on the stored images, values would be low-pass."""
    import dataclasses

    from viewer.state.findings import NotSavable

    folder, _files = ct
    img = load(folder)
    reduced = dataclasses.replace(img, reduced_level=1)
    with pytest.raises(NotSavable, match="reduced resolution"):
        work_from_viewport(viewport_with_work(reduced), author=AUTHOR)


# --------------------------------------------------------------------------- save and reopen


def test_save_work_writes_each_object_and_open_findings_gives_it_back(ct, tmp_path: Path) -> None:
    from viewer.dicom.findings.store import dataset_bytes, load_sources, open_findings, save_work
    from viewer.dicom.sources import FileRef

    folder, files = ct
    img = load(folder)
    model = viewport_with_work(img)
    work = work_from_viewport(model, author=AUTHOR, key_indices=[2])
    work.key_title = "For Referring Provider"
    sources = load_sources(FileRef(str(f)) for f in files)
    saved = save_work(work, sources, tmp_path / "findings")
    assert set(saved.files) == {"gsps", "sr", "kos"} and not saved.skipped
    assert sorted(p.name for p in (tmp_path / "findings").iterdir()) == sorted(
        p.name for p in saved.files.values()
    )  # no temporary file left
    for p in saved.files.values():
        assert dciodvfy_errors(p) == []
    assert dataset_bytes(saved.datasets["gsps"])[128:132] == b"DICM"
    objs = {o.kind: o for o in list_findings(tmp_path / "findings")}
    ps = open_findings(objs["GSPS"])
    assert len(ps.findings) == len(model.measurements) and ps.author == AUTHOR
    sr = open_findings(objs["Comprehensive 3D SR"])
    assert {f.measurement.kind for f in sr.findings} == {
        "length",
        "angle",
        "ellipse",
        "rectangle",
        "probe",
    }
    ko = open_findings(objs["Key Objects"])
    assert ko.key_title == "For Referring Provider"
    assert [r.sop_instance_uid for r in ko.key_images] == [work.key_images[0].sop_instance_uid]

    no_values = work_from_viewport(model, author=AUTHOR)
    no_values.findings = [f for f in no_values.findings if f.measurement.kind == "text"]
    saved = save_work(no_values, sources, tmp_path / "notes")
    assert set(saved.files) == {"gsps"} and set(saved.skipped) == {"sr", "kos"}


def test_every_label_shows_its_unit() -> None:
    from viewer.dicom.findings.values import label_for

    vals = [
        MeasuredValue("Length", 12.345, "mm"),
        MeasuredValue("Area", 3.0, "{pixel}2"),
        MeasuredValue("Mean", 3.0, "1"),
        MeasuredValue("SUVmax", 2.456, "{SUVbw}g/mL"),
        MeasuredValue("Mean", -12.0, "[hnsf'U]"),
    ]
    assert label_for(vals).splitlines() == [
        "Length 12.3 mm",
        "Area 3.0 px²",
        "Mean 3.0 a.u.",
        "SUVmax 2.46 g/ml (SUVbw)",
        "Mean -12.0 HU",
    ]
    # without calibration, lengths are in pixels and say so
    [v] = values_for(Measurement("length", [(0.0, 0.0), (3.0, 4.0)]), None, None)
    assert (v.value, v.unit) == (5.0, "{pixel}")
