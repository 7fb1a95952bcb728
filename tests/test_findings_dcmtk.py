"""Our presentation states and reports as dcmtk (an independent implementation) sees them:
dcmpschk accepts the GSPS, dcmp2pgm renders its window, rotation and flip as the viewport shows
them, a GSPS made by dcmpsmk is read back, and dsrdump parses the SR, key objects and opinion."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image

from tests.findings_helpers import headers, load, viewport_with_work, write_ct
from viewer.dicom.export.images import windowed
from viewer.dicom.findings.kos import write_kos
from viewer.dicom.findings.pstate import read_gsps, write_gsps
from viewer.dicom.findings.sr import write_measurement_sr, write_text_sr
from viewer.state.findings import restore_viewport, work_from_viewport
from viewer.state.viewport import ViewportModel

TOOLS = {t: shutil.which(t) for t in ("dcmpschk", "dcmp2pgm", "dcmpsmk", "dsrdump")}
pytestmark = pytest.mark.skipif(
    not all(TOOLS.values()),
    reason="dcmtk is not installed (Debian package dcmtk: dcmpschk, dcmp2pgm, dcmpsmk, dsrdump)",
)


def _run(*args: str | Path) -> list[str]:
    """The error lines (``E:``) of a dcmtk tool, or its failure."""
    run = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=60)
    lines = (run.stdout + run.stderr).splitlines()
    errors = [ln for ln in lines if ln.startswith(("E:", "F:")) or "Test failed" in ln]
    if run.returncode != 0:
        errors.append(f"exit status {run.returncode}")
    return errors


@pytest.fixture(scope="module")
def ct(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    # dcmtk 3.6.7's VR check rejects non-ASCII values under ISO_IR 192 (a name such as
    # "Zhang^San=张^三"), valid DICOM though they are: the dcmtk checks use ASCII text
    folder = tmp_path_factory.mktemp("dcmtk") / "ct"
    return folder, write_ct(folder, name="Zhang^San")


def test_dcmpschk_accepts_our_presentation_state_and_catches_a_broken_one(
    ct, tmp_path: Path
) -> None:
    folder, files = ct
    model = viewport_with_work(load(folder))
    for m in model.measurements:  # dcmtk 3.6.7's VR check knows no UTF-8 (ISO_IR 192) text
        m.text = m.text and "note"
    work = work_from_viewport(model, author="Li^Hua")
    gsps = write_gsps(work, headers(files))
    gsps.save_as(tmp_path / "ps.dcm", enforce_file_format=True)
    assert _run(TOOLS["dcmpschk"], tmp_path / "ps.dcm") == []
    del gsps.DisplayedAreaSelectionSequence
    gsps.save_as(tmp_path / "broken.dcm", enforce_file_format=True)
    assert _run(TOOLS["dcmpschk"], tmp_path / "broken.dcm") != []


def _expected_screen(values: np.ndarray, model: ViewportModel) -> np.ndarray:
    """The slice as the viewport puts it on screen (square image): right/down axes applied."""
    (rx, ry), (dx, dy) = model.screen_axes()
    n = values.shape[0]
    out = np.empty_like(values)
    c = (n - 1) / 2
    for sy in range(n):
        for sx in range(n):
            x = round(c + (sx - c) * rx + (sy - c) * dx)
            y = round(c + (sx - c) * ry + (sy - c) * dy)
            out[sy, sx] = values[y, x]
    return out


@pytest.mark.parametrize(
    "rotation,flip_h,flip_v",
    [(90, True, False), (270, False, True), (180, True, False), (0, False, False)],
)
def test_dcmtk_renders_our_window_rotation_and_flip_as_the_viewport(
    ct, tmp_path: Path, rotation: int, flip_h: bool, flip_v: bool
) -> None:
    folder, files = ct
    img = load(folder)
    model = ViewportModel()
    model.set_image(img, index=2)
    model.set_window(-300.0, 1200.0)
    model.rotate(rotation)
    if flip_h:
        model.flip(horizontal=True)
    if flip_v:
        model.flip(horizontal=False)
    gsps = write_gsps(work_from_viewport(model, author="Li^Hua"), headers(files))
    gsps.save_as(tmp_path / "ps.dcm", enforce_file_format=True)
    assert _run(TOOLS["dcmp2pgm"], "-p", tmp_path / "ps.dcm", files[2], tmp_path / "o.pgm") == []
    shown = np.asarray(Image.open(tmp_path / "o.pgm")).astype(float)
    want = _expected_screen(windowed(img.array[2], model.window), model).astype(float)
    assert shown.shape == want.shape
    # dcmtk uses PS3.3's linear VOI ((c - 0.5), (w - 1)); the viewport VTK's: within 2 levels
    assert np.abs(shown - want).max() <= 2.0


def test_a_presentation_state_made_by_dcmpsmk_is_read(ct, tmp_path: Path) -> None:
    folder, files = ct
    ps = tmp_path / "dcmpsmk.dcm"
    assert _run(TOOLS["dcmpsmk"], files[1], ps) == []
    work = read_gsps(pydicom.dcmread(ps))
    img = load(folder)
    model = ViewportModel()
    model.set_image(img, index=4)
    model.set_window(0.0, 10.0)
    restored = restore_viewport(model, work, index=1)
    assert not restored.notes
    assert model.window == (40.0, 400.0)  # the image's own window, which dcmpsmk copies
    assert model.zoom == pytest.approx(1.0) and model.pan == pytest.approx((0.0, 0.0))
    assert (model.rotation, model.flip_h, model.flip_v) == (0, False, False)


def test_dsrdump_reads_our_reports(ct, tmp_path: Path) -> None:
    folder, files = ct
    hdr = headers(files)
    work = work_from_viewport(viewport_with_work(load(folder)), author="Li^Hua", key_indices=[2])
    objects = {
        "sr": write_measurement_sr(work.findings, hdr, author="Li^Hua"),
        "kos": write_kos(work.key_images, hdr, author="Li^Hua"),
        "text": write_text_sr("Nodule, follow up.", list(hdr.values()), author="Li^Hua"),
    }
    for name, ds in objects.items():
        path = tmp_path / f"{name}.dcm"
        ds.save_as(path, enforce_file_format=True)
        assert _run(TOOLS["dsrdump"], path) == [], name
    broken = objects["sr"]
    del broken.ContentSequence[0].ConceptNameCodeSequence
    broken.save_as(tmp_path / "broken.dcm", enforce_file_format=True)
    assert _run(TOOLS["dsrdump"], tmp_path / "broken.dcm") != []
