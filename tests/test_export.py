"""Exports: PS3.15 Annex E de-identification checked attribute by attribute, a medium (folder or
zip) with a DICOMDIR that validates, nothing left behind when cancelled, PNG and MP4."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import av
import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.dataset import Dataset

from tests.findings_helpers import OBJECTS, headers, load, viewport_with_work, write_ct
from tests.test_dciodvfy import dciodvfy_errors
from viewer.dicom.export.anonymize import Anonymizer, Options
from viewer.dicom.export.images import (
    draw_overlays,
    save_image,
    series_frames,
    windowed,
    write_mp4,
)
from viewer.dicom.export.media import ExportCancelled, export_objects, export_study, study_refs
from viewer.dicom.findings.kos import write_kos
from viewer.dicom.findings.pstate import read_gsps, write_gsps
from viewer.dicom.findings.sr import read_text_sr, write_measurement_sr, write_text_sr
from viewer.dicom.sources import FileRef
from viewer.state.findings import restore_viewport, work_from_viewport
from viewer.state.viewport import ViewportModel

#: The phantom patient's identifiers (phantoms.series.PatientSpec) as they could appear in bytes.
IDENTIFIERS = [b"Zhang", "张".encode(), "三".encode(), b"YY20260001", b"19620314"]
AUTHOR = "Li^Hua"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CT with our GSPS, SR, key objects and an opinion that names the patient."""
    root = tmp_path_factory.mktemp("export") / "study"
    files = write_ct(root / "ct")
    hdr = headers(files)
    img = load(root / "ct")
    work = work_from_viewport(viewport_with_work(img), author=AUTHOR, key_indices=[1, 2])
    (root / "findings").mkdir()
    write_gsps(work, hdr).save_as(root / "findings" / "ps.dcm", enforce_file_format=True)
    write_measurement_sr(work.findings, hdr, author=AUTHOR).save_as(
        root / "findings" / "sr.dcm", enforce_file_format=True
    )
    write_kos(work.key_images, hdr, author=AUTHOR).save_as(
        root / "findings" / "kos.dcm", enforce_file_format=True
    )
    opinion = "Zhang San (YY20260001, born 1962-03-14): nodule, follow up."
    write_text_sr(opinion, list(hdr.values()), author=AUTHOR).save_as(
        root / "findings" / "opinion.dcm", enforce_file_format=True
    )
    return root


# --------------------------------------------------------------------------- the profile
# Table E.1-1 row by row: tests/test_deid_profile.py. Here: the objects of a study, as exported.


def _no_identifier(value: object) -> bool:
    text = str(value).lower()
    return not any(s in text for s in ("zhang", "张", "yy20260001", "19620314"))


def _elements(ds: Dataset):
    for elem in ds:
        yield elem
        if elem.VR == "SQ":
            for item in elem.value:
                yield from _elements(item)


def test_burned_in_annotation_is_warned(study: Path) -> None:
    ds = pydicom.dcmread(sorted((study / "ct").glob("*.dcm"))[0])
    ds.BurnedInAnnotation = "YES"
    anon = Anonymizer()
    anon.anonymize(ds)
    assert len(anon.warnings) == 1 and "Burned In Annotation" in anon.warnings[0]
    ds.BurnedInAnnotation = "NO"
    anon.anonymize(ds)
    assert len(anon.warnings) == 1


# --------------------------------------------------------------------------- the medium


def _zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_anonymized_medium_with_dicomdir_keeps_findings_consistent(
    study: Path, tmp_path: Path
) -> None:
    originals = [pydicom.dcmread(r.path, stop_before_pixels=True) for r in study_refs(study)]
    # every instance UID in the originals (tracking UIDs, frames of reference … included)
    old_uids = {
        str(e.value)
        for ds in originals
        for e in _elements(ds)
        if e.VR == "UI" and e.value and pydicom.uid.UID(str(e.value)).name == str(e.value)
    }
    assert len(old_uids) > 20
    seen: list[tuple[int, int]] = []
    res = export_study(
        study,
        tmp_path / "medium.zip",
        anonymize=True,
        dicomdir=True,
        as_zip=True,
        progress=lambda d, t, _w: seen.append((d, t)),
    )
    assert res.objects == 9 and res.warnings == []
    assert seen[-1][0] == seen[-1][1]  # progress reached its total
    members = _zip_members(res.path)
    assert "DICOMDIR" in members and len(members) == 10
    for name, data in members.items():
        leaked = [s for s in IDENTIFIERS if s in data]
        assert not leaked, (name, leaked)
        assert not [u for u in old_uids if u.encode() in data], name

    # the folder form, validated and read back
    folder = tmp_path / "medium"
    anon = Anonymizer()
    export_study(study, folder, dicomdir=True, anonymizer=anon)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for f in files:
        assert dciodvfy_errors(f) == [], f
    objs = [pydicom.dcmread(f) for f in files if f.name != "DICOMDIR"]
    assert len({str(o.StudyInstanceUID) for o in objs}) == 1
    images = {str(o.SOPInstanceUID) for o in objs if o.Modality == "CT"}
    assert len(images) == 5
    for o in objs:
        refs = {str(e.value) for e in _elements(o) if e.keyword == "ReferencedSOPInstanceUID"}
        if o.Modality in ("PR", "SR", "KO"):
            assert refs and refs <= images, o.Modality
    opinion = next(o for o in objs if o.SOPClassUID.endswith(".88.11"))
    author, text = read_text_sr(opinion)
    assert "nodule, follow up" in text and _no_identifier(text)
    assert author == "ANONYMOUS"
    # the anonymized presentation state still restores the measurements on the anonymized images
    gsps = next(o for o in objs if o.Modality == "PR")
    img = load(folder)
    model = ViewportModel()
    model.set_image(img)
    restored = restore_viewport(model, read_gsps(gsps))
    assert restored.measurements == 7 and not restored.notes
    # and the DICOMDIR lists every object
    fs = pydicom.fileset.FileSet(pydicom.dcmread(folder / "DICOMDIR"))
    assert len(fs) == 9
    if shutil.which("dcentvfy"):
        import subprocess

        run = subprocess.run(
            ["dcentvfy", *[str(f) for f in files if f.name != "DICOMDIR"]],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert not [ln for ln in (run.stdout + run.stderr).splitlines() if ln.startswith("Error")]
    target = OBJECTS / "anonymized-study"
    shutil.rmtree(target, ignore_errors=True)
    OBJECTS.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder, target)


@pytest.mark.parametrize(
    "opts",
    [
        Options(
            dates="remove",
            clean_descriptors=False,
            clean_graphics=False,
            clean_structured_content=False,
        ),
        Options(dates="modified", shift_days=-400),
    ],
    ids=["basic-profile-only", "modified-dates"],
)
def test_every_option_set_gives_valid_objects(study: Path, tmp_path: Path, opts: Options) -> None:
    """The compound codes (X/Z, X/D, Z/D, X/Z/D) are resolved so that the objects stay valid:
    with dates removed, descriptors and SR content given dummies, every object passes dciodvfy."""
    folder = tmp_path / "medium"
    anon = Anonymizer(opts)
    export_study(study, folder, dicomdir=True, anonymizer=anon)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert len(files) == 10
    for f in files:
        assert dciodvfy_errors(f) == [], f
        data = f.read_bytes()
        assert not [s for s in IDENTIFIERS if s in data], f
    objs = [pydicom.dcmread(f) for f in files if f.name != "DICOMDIR"]
    assert {o.LongitudinalTemporalInformationModified for o in objs} == {
        "REMOVED" if opts.dates == "remove" else "MODIFIED"
    }


def _listing(d: Path) -> set[str]:
    return {p.name for p in d.iterdir()}


@pytest.mark.parametrize("as_zip", [False, True])
def test_a_cancelled_export_leaves_nothing(study: Path, tmp_path: Path, as_zip: bool) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    before = _listing(dest)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 3

    out = dest / ("m.zip" if as_zip else "m")
    with pytest.raises(ExportCancelled):
        export_study(study, out, anonymize=True, dicomdir=True, as_zip=as_zip, cancel=cancel)
    assert _listing(dest) == before


def test_a_failed_export_leaves_nothing_and_a_full_target_is_refused(
    study: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    (tmp_path / "junk.dcm").write_bytes(b"not dicom at all")
    refs = [*study_refs(study), FileRef(str(tmp_path / "junk.dcm"))]
    with pytest.raises(Exception):  # noqa: B017 - whatever pydicom raises, nothing is left
        export_objects(refs, dest / "m", dicomdir=True)
    assert _listing(dest) == set()
    (dest / "full").mkdir()
    (dest / "full" / "x").write_text("x")
    with pytest.raises(FileExistsError):
        export_study(study, dest / "full")


def test_cli_export(study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from viewer.dicom.cli import main

    out = tmp_path / "cli.zip"
    assert main(["export", "--anonymize", "--dicomdir", "--zip", str(study), str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["objects"] == 9 and report["anonymized"] and report["dicomdir"]
    members = _zip_members(out)
    assert "DICOMDIR" in members
    assert not [n for n, d in members.items() if any(s in d for s in IDENTIFIERS)]
    assert main(["export", str(study / "ct"), str(tmp_path / "plain")]) == 0
    capsys.readouterr()
    plain = sorted((tmp_path / "plain").iterdir())
    assert len(plain) == 5 and pydicom.dcmread(plain[0]).PatientID == "YY20260001"
    assert main(["export", str(study), str(tmp_path / "plain")]) == 1  # exists: refused


# --------------------------------------------------------------------------- pictures and films


def _vtk_window_level(values: np.ndarray, window: tuple[float, float]) -> np.ndarray:
    from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
    from vtkmodules.vtkCommonDataModel import vtkImageData
    from vtkmodules.vtkImagingColor import vtkImageMapToWindowLevelColors

    data = vtkImageData()
    data.SetDimensions(values.shape[1], values.shape[0], 1)
    data.GetPointData().SetScalars(numpy_to_vtk(np.ascontiguousarray(values).ravel(), deep=True))
    f = vtkImageMapToWindowLevelColors()
    f.SetInputData(data)
    f.SetLevel(window[0])
    f.SetWindow(window[1])
    f.SetOutputFormatToLuminance()
    f.Update()
    out = vtk_to_numpy(f.GetOutput().GetPointData().GetScalars())
    return out.reshape(values.shape)


def test_png_holds_the_windowed_frame_at_full_resolution(study: Path, tmp_path: Path) -> None:
    img = load(study / "ct")
    values = img.array[2]
    grey = windowed(values, (40.0, 400.0))
    assert grey.shape == values.shape and grey.dtype == np.uint8
    # the viewer's linear window: c - w/2 → 0, c + w/2 → 255
    probe = np.array([-160.0, 40.0, 240.0, -1000.0, 3000.0])
    assert windowed(probe, (40.0, 400.0)).tolist() == [0, 127, 255, 0, 255]
    # VTK's window/level (what the viewport draws), not PS3.3's (c - 0.5, w - 1) form
    assert windowed(np.array([-1.0, 0.0, 0.5, 1.0]), (0.0, 2.0)).tolist() == [0, 127, 191, 255]
    # and the same grey levels as VTK's window/level filter, on this slice and three windows
    for window in ((40.0, 400.0), (-600.0, 1500.0), (10.5, 33.3)):
        vtk_grey = _vtk_window_level(values, window)
        assert np.abs(vtk_grey.astype(int) - windowed(values, window)).max() <= 1
        assert (vtk_grey == windowed(values, window)).mean() > 0.99
    path = save_image(grey, tmp_path / "slice.png")
    back = np.asarray(Image.open(path))
    assert np.array_equal(back, grey)
    jpg = np.asarray(Image.open(save_image(grey, tmp_path / "slice.jpg"))).astype(float)
    assert np.abs(jpg - grey).mean() < 3.0
    model = viewport_with_work(img)
    work = work_from_viewport(model, author=AUTHOR)
    on_slice = [f for f in work.findings if f.measurement.index == 2]
    drawn = draw_overlays(grey, on_slice)
    assert drawn.shape == (*grey.shape, 3)
    changed = np.any(drawn != grey[:, :, None], axis=2)
    assert changed.any()
    rect = next(f for f in on_slice if f.measurement.kind == "rectangle").measurement.points
    x0, y0 = (round(v) for v in rect[0])
    assert tuple(drawn[y0, x0 + 5]) == (255, 220, 0)  # on the rectangle's top edge
    assert not changed[60:, :5].any()  # far from every finding
    OBJECTS.mkdir(parents=True, exist_ok=True)
    save_image(drawn, OBJECTS / "ct-slice-with-measurements.png")
    with pytest.raises(ValueError):
        save_image(grey, tmp_path / "slice.bmp")


def test_mp4_of_a_series_decodes_to_the_same_frames(study: Path, tmp_path: Path) -> None:
    img = load(study / "ct")
    n = img.shape[0]
    out = tmp_path / "series.mp4"
    done: list[int] = []
    assert (
        write_mp4(
            series_frames(img.array, (40.0, 400.0)),
            out,
            fps=5,
            total=n,
            progress=lambda d, _t, _w: done.append(d),
        )
        == n
    )
    assert done == list(range(1, n + 1))
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="gray") for f in c.decode(video=0)]
    assert len(frames) == n
    assert frames[0].shape == img.array.shape[1:]
    want = windowed(img.array[n // 2], (40.0, 400.0)).astype(float)
    assert np.abs(frames[n // 2].astype(float) - want).mean() < 6.0
    OBJECTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, OBJECTS / "ct-series.mp4")
    # cancelled: nothing at the target, no temporary file beside it
    with pytest.raises(Exception, match="cancelled"):
        write_mp4(series_frames(img.array, (40.0, 400.0)), tmp_path / "c.mp4", cancel=lambda: True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["series.mp4"]
