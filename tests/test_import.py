"""Import sources (folders, DICOMDIR, zip) and image kinds (enhanced multi-frame, 2D, colour)."""

from __future__ import annotations

import copy
import shutil
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from phantoms import series as S
from tests.conftest import PYDICOM_TEST_FILES, corpus_file
from tests.helpers import small_ct
from viewer.dicom.scan import scan
from viewer.dicom.sources import close_archives
from viewer.dicom.volume import ImageStack, Volume, load_series


def test_folder_scan_is_recursive_and_groups_patient_study_series(
    tmp_path: Path, light_dir: Path
) -> None:
    shutil.copytree(light_dir / "ct", tmp_path / "a" / "b" / "c" / "ct")
    shutil.copytree(light_dir / "mr", tmp_path / "a" / "mr")
    (tmp_path / "a" / "notes.txt").write_text("not dicom")
    res = scan(tmp_path)
    assert [p.where for p in res.problems] == [str(tmp_path / "a" / "notes.txt")]
    assert "not a DICOM file" in res.problems[0].reason
    (patient,) = res.patients
    assert {st.description for st in patient.studies} == {
        "CT Chest/Abdomen with contrast",
        "MR Head",
    }
    counts = sorted(len(s.frames) for s in res.all_series())
    assert counts == [30, 80]


def test_dicomdir_lists_its_files() -> None:
    dicomdir = PYDICOM_TEST_FILES / "dicomdirtests" / "DICOMDIR"
    res = scan(dicomdir)
    from pydicom.fileset import FileSet

    fs = FileSet(pydicom.dcmread(dicomdir))
    assert res.files_seen == len(list(fs)) > 0
    assert len(res.patients) == len(fs.find_values("PatientID"))
    assert sum(len(s.frames) for s in res.all_series()) > 0


def test_zip_archive_scans_and_loads_like_the_folder(tmp_path: Path, light_dir: Path) -> None:
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted((light_dir / "ct").glob("*.dcm")):
            zf.write(f, f"STUDY/CT/{f.name}")
        zf.writestr("STUDY/readme.txt", "hello")
        zf.writestr("__MACOSX/._junk", "x")
    from_zip = scan(archive)
    from_dir = scan(light_dir / "ct")
    assert [p.where.endswith("readme.txt") for p in from_zip.problems] == [True]
    (zs,) = from_zip.all_series()
    (ds,) = from_dir.all_series()
    vz, vd = load_series(zs), load_series(ds)
    assert isinstance(vz, Volume) and isinstance(vd, Volume)
    np.testing.assert_array_equal(vz.array, vd.array)
    np.testing.assert_allclose(vz.affine, vd.affine)
    close_archives()


def test_corrupt_zip_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    res = scan(bad)
    assert len(res.problems) == 1 and "zip" in res.problems[0].reason


def _enhanced_ct(tmp_path: Path, order: list[int]) -> tuple[Path, S.SeriesSpec]:
    """An Enhanced CT built on the real eCT_Supplemental.dcm header, with phantom frames."""
    spec = small_ct("enh", n_slices=len(order), matrix=64, pixel=5.0, spacing=6.0)
    ds = pydicom.dcmread(corpus_file("eCT_Supplemental.dcm"))
    item0 = ds.PerFrameFunctionalGroupsSequence[0]
    frames = []
    per_frame = []
    for k in order:
        item = copy.deepcopy(item0)
        item.PlanePositionSequence[0].ImagePositionPatient = [float(v) for v in spec.position(k)]
        if "PixelValueTransformationSequence" in item:
            del item.PixelValueTransformationSequence
        per_frame.append(item)
        stored, _ = spec.stored_slice(k)
        frames.append(stored)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    shared = ds.SharedFunctionalGroupsSequence[0]
    shared.PlaneOrientationSequence[0].ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    shared.PixelMeasuresSequence[0].PixelSpacing = list(spec.pixel_spacing)
    shared.PixelMeasuresSequence[0].SliceThickness = spec.slice_thickness
    pvt = Dataset()
    pvt.RescaleIntercept = -1024
    pvt.RescaleSlope = 1
    pvt.RescaleType = "HU"
    shared.PixelValueTransformationSequence = Sequence([pvt])
    ds.NumberOfFrames = len(order)
    ds.Rows = ds.Columns = 64
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.PixelData = np.stack(frames).astype(np.uint16).tobytes()
    ds["PixelData"].VR = "OW"
    out = tmp_path / "enhanced.dcm"
    ds.save_as(out, enforce_file_format=True)
    return out, spec


def test_enhanced_multiframe_ct_uses_per_frame_functional_groups(tmp_path: Path) -> None:
    order = [5, 0, 9, 3, 1, 7, 2, 8, 4, 6]  # frames stored out of anatomical order
    path, spec = _enhanced_ct(tmp_path, order)
    (series,) = scan(path).all_series()
    vol = load_series(series)
    assert isinstance(vol, Volume) and vol.shape == (10, 64, 64)
    np.testing.assert_allclose(vol.origin, spec.first_position)
    assert vol.spacing == pytest.approx((5.0, 5.0, 6.0))
    for k in range(10):
        np.testing.assert_array_equal(vol.array[k], spec.expected_slice(k))


def test_real_enhanced_ct_geometry() -> None:
    path = corpus_file("eCT_Supplemental.dcm")
    (series,) = scan(path).all_series()
    positions = sorted(f.geometry.position[2] for f in series.frames)  # type: ignore[index]
    assert positions == [-159.0, -149.0]
    assert series.frames[0].geometry.pixel_spacing == (0.388672, 0.388672)


def test_radiograph_without_calibration_is_a_2d_image() -> None:
    (series,) = scan(corpus_file("RG1_UNCR.dcm")).all_series()
    inst = series.frames[0].instance
    assert inst.modality == "CR"
    assert series.frames[0].geometry.pixel_spacing is None  # 0\0 means "not calibrated"
    img = load_series(series)
    assert isinstance(img, ImageStack) and img.pixel_spacing is None
    assert img.frames.shape == (1, 1955, 1841)


def test_ultrasound_cine_ybr_jpeg_is_rgb() -> None:
    path = corpus_file("color3d_jpeg_baseline.dcm")
    (series,) = scan(path).all_series()
    img = load_series(series)
    assert isinstance(img, ImageStack) and img.is_color
    assert img.frames.shape == (120, 480, 640, 3) and img.frames.dtype == np.uint8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = pydicom.dcmread(path).pixel_array  # pydicom converts YBR to RGB
    np.testing.assert_array_equal(img.frames[[0, 60, 119]], want[[0, 60, 119]])


@pytest.mark.parametrize(
    "name",
    [
        "SC_rgb.dcm",
        "SC_rgb_2frame.dcm",
        "SC_ybr_full_uncompressed.dcm",
        "SC_rgb_rle.dcm",
        "SC_rgb_jpeg_gdcm.dcm",
    ],
)
def test_colour_images(name: str) -> None:
    path = corpus_file(name)
    img = load_series(scan(path).all_series()[0])
    assert isinstance(img, ImageStack) and img.is_color
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = pydicom.dcmread(path).pixel_array
    want = want if want.ndim == 4 else want[None]
    np.testing.assert_array_equal(img.frames, want)
    assert img.frames[..., 0].std() > 0


def test_palette_colour_becomes_rgb() -> None:
    img = load_series(scan(corpus_file("OT-PAL-8-face.dcm")).all_series()[0])
    assert isinstance(img, ImageStack) and img.is_color and img.frames.shape[-1] == 3
    assert img.frames.std() > 10


def _medium(tmp_path: Path, light_dir: Path) -> Path:
    from pydicom.fileset import FileSet

    fs = FileSet()
    for f in sorted((light_dir / "ct").glob("*.dcm"))[:6]:
        fs.add(str(f))
    fs.write(str(tmp_path / "cd"))
    return tmp_path / "cd"


def test_dicomdir_on_a_medium_mounted_in_lower_case_opens(tmp_path: Path, light_dir: Path) -> None:
    cd = _medium(tmp_path, light_dir)
    for path in sorted(cd.rglob("*"), key=lambda p: -len(p.parts)):  # deepest first
        if path.name != "DICOMDIR":
            path.rename(path.with_name(path.name.lower()))
    res = scan(cd / "DICOMDIR")
    assert not res.problems
    (series,) = res.all_series()
    assert len(series.frames) == 6


def test_dicomdir_with_missing_files_names_them_then_scans_its_folder(
    tmp_path: Path, light_dir: Path
) -> None:
    cd = _medium(tmp_path, light_dir)
    images = sorted(p for p in cd.rglob("*") if p.is_file() and p.name != "DICOMDIR")
    images[0].unlink()
    images[1].unlink()
    shutil.copy(sorted((light_dir / "mr").glob("*.dcm"))[0], cd / "LOOSE.dcm")
    res = scan(cd / "DICOMDIR")
    missing = sorted(p.where for p in res.problems if "but missing" in p.reason)
    assert missing == sorted(str(p) for p in images[:2])
    (summary,) = [p for p in res.problems if p.where == str(cd / "DICOMDIR")]
    assert "2 of the 6 files it lists are missing" in summary.reason
    assert "scanned instead" in summary.reason
    counts = sorted(len(s.frames) for s in res.all_series())
    assert counts == [1, 4]  # the four left, and the file the DICOMDIR does not list


def test_document_zip_is_skipped_with_one_note(tmp_path: Path, light_dir: Path) -> None:
    shutil.copytree(light_dir / "ct", tmp_path / "study")
    with zipfile.ZipFile(tmp_path / "study" / "dose.xlsx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        for k in range(16):
            zf.writestr(f"xl/worksheets/sheet{k}.xml", "<x/>")
    res = scan(tmp_path / "study")
    assert res.unreadable == []
    (note,) = res.problems
    assert note.where.endswith("dose.xlsx") and note.severity == "note"
    assert "Excel" in note.reason


def test_large_header_values_are_read_while_the_object_is_open(
    tmp_path: Path, light_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values over the defer size are skipped while parsing and read when used: per-frame
    functional groups, a DICOMDIR's records; a zip member too."""
    from viewer.dicom import header

    path, _spec = _enhanced_ct(tmp_path, [2, 0, 1, 3])
    archive = tmp_path / "enh.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(path, "ENH")
    dicomdir = PYDICOM_TEST_FILES / "dicomdirtests" / "DICOMDIR"
    normal = [scan(p) for p in (path, archive, dicomdir)]
    monkeypatch.setattr(header, "DEFER_BYTES", 16)
    deferred = [scan(p) for p in (path, archive, dicomdir)]
    for a, b in zip(normal, deferred, strict=True):
        assert b.problems == a.problems == []
        assert [len(s.frames) for s in b.all_series()] == [len(s.frames) for s in a.all_series()]
        assert [s.frames[0].geometry for s in b.all_series()] == [
            s.frames[0].geometry for s in a.all_series()
        ]
    close_archives()
