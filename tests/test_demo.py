"""The demo command runs headless and writes a sane screenshot; the slice renderer is correct."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.helpers import assert_sane_image
from viewer.dicom.volume import Volume, load_series
from viewer.render.offscreen import render_plane
from viewer.state.mpr import MprModel

YELLOW = np.array([255, 217, 51])  # orientation label colour (1.0, 0.85, 0.2)


def _read_png(path: Path) -> np.ndarray:
    from vtkmodules.util import numpy_support
    from vtkmodules.vtkIOImage import vtkPNGReader

    r = vtkPNGReader()
    r.SetFileName(str(path))
    r.Update()
    img = r.GetOutput()
    w, h, _ = img.GetDimensions()
    arr = numpy_support.vtk_to_numpy(img.GetPointData().GetScalars())
    return arr.reshape(h, w, -1)[::-1]


def test_demo_command_writes_a_screenshot(tmp_path: Path, light_dir: Path) -> None:
    shot = tmp_path / "demo.png"
    env = dict(os.environ)
    env.pop("DISPLAY", None)  # must work without any display
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "viewer.render.demo",
            "--light",
            "--screenshot",
            str(shot),
            "--data-dir",
            str(light_dir.parent.parent),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert "CT volume" in run.stdout and "screenshot:" in run.stdout
    img = _read_png(shot)
    assert img.shape[0] >= 360 * 3 - 1 and img.shape[1] == 360 * 3
    assert_sane_image(img, min_std=10)
    ct_axial = img[:360, :360, :3].astype(int)
    # body in the centre is grey (soft tissue at W400/L40), air in the corners is black
    centre = ct_axial[150:210, 150:210]
    assert 60 < np.median(centre) < 200
    assert np.median(ct_axial[60:80, 30:50]) < 10
    # orientation letters are drawn in yellow near each edge
    yellow = np.all(np.abs(ct_axial - YELLOW) < 40, axis=-1)
    assert yellow[:30, 150:210].any() and yellow[-30:, 150:210].any()
    assert yellow[150:210, :30].any() and yellow[150:210, -30:].any()


def test_rendered_planes_keep_left_right_and_top_bottom(light_scan, light_specs) -> None:
    """A bright marker at the volume's first row and column (patient right-anterior) must appear
    top-left on the axial screen; the head is at the top of coronal and sagittal."""
    arr = np.zeros((16, 64, 64), dtype=np.int16)
    arr[:, :8, :8] = 1000
    vol = Volume(arr, np.zeros(3), (1.0, 1.0, 1.0), np.eye(3), "CT")
    frame = render_plane(vol, "axial", (500.0, 1000.0), (256, 256)).astype(int)
    grey = frame.mean(axis=-1)
    assert grey[12:30, 12:30].mean() > 200  # top-left of the image holds the marker
    assert grey[150:200, 150:200].mean() < 5
    ct = load_series(light_scan.find_series(light_specs["ct"].series_uid))
    assert isinstance(ct, Volume)
    m = MprModel(ct)
    assert m.edge_labels("coronal") == {"right": "L", "left": "R", "bottom": "F", "top": "H"}
    assert m.edge_labels("sagittal") == {"right": "P", "left": "A", "bottom": "F", "top": "H"}
    # head at the top of the coronal plane: its top row is the highest slice
    g = m.grid("coronal")
    top, bottom = g.pixel_to_patient(0, 0), g.pixel_to_patient(0, g.rows - 1)
    assert top[2] > bottom[2]
    assert abs(top[2] - ct.index_to_patient((0, 0, ct.shape[0] - 1))[2]) < g.spacing


def test_phantom_command_writes_a_study_in_the_chosen_syntax(tmp_path: Path) -> None:
    from phantoms.cli import main

    assert main([str(tmp_path), "--light", "--syntax", "jpegls"]) == 0
    from viewer.dicom.scan import scan

    res = scan(tmp_path)
    assert not res.problems and len(res.all_series()) == 5
    assert {i.transfer_syntax_uid for s in res.all_series() for i in s.instances} == {
        "1.2.840.10008.1.2.4.80"
    }


def test_workstation_opens_the_demo_headless_and_writes_a_screenshot(
    tmp_path: Path, light_dir: Path
) -> None:
    """What `./run.sh demo` runs without a display (here on the test X server)."""
    shot = tmp_path / "window.png"
    env = dict(
        os.environ, XDG_CONFIG_HOME=str(tmp_path), YUNYING_DATA_DIR=str(light_dir.parent.parent)
    )
    run = subprocess.run(
        [sys.executable, "-m", "app", "--demo", "--light", "--screenshot", str(shot)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    img = _read_png(shot)
    assert img.shape[0] >= 600 and img.shape[1] >= 900
    assert_sane_image(img, min_std=20)
    # the demo (CT and PET of one patient, an MR head as a prior) is hung by the PET/CT protocol:
    # CT, PET and the fusion side by side; each column right of the browser holds anatomy
    h, w = img.shape[:2]
    for x in (int(w * 0.32), int(w * 0.59), int(w * 0.86)):
        patch = img[h // 2 - 40 : h // 2 + 40, x - 40 : x + 40, :3].astype(int)
        assert patch.std() > 5 or patch.mean() > 20
    # the fused column is in colour (PET over CT), the CT column grey
    fused = img[h // 3 : 2 * h // 3, int(w * 0.76) : int(w * 0.96), :3].astype(int)
    ct = img[h // 3 : 2 * h // 3, int(w * 0.22) : int(w * 0.42), :3].astype(int)
    assert np.abs(fused[..., 0] - fused[..., 2]).mean() > 20
    assert np.abs(ct[..., 0] - ct[..., 2]).mean() < 3
