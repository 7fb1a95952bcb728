"""Shared by the findings and export tests: a small CT on disk, its headers, its loaded image,
and a reader's work with every kind of measurement on it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

from phantoms import series as S
from tests.helpers import small_ct
from viewer.dicom.measure import Measurement
from viewer.dicom.scan import scan
from viewer.dicom.volume import Volume, load_series
from viewer.state.viewport import ViewportModel

ROOT = Path(__file__).resolve().parents[1]
#: Where the suite leaves sample objects for people to look at (git-ignored).
OBJECTS = ROOT / "out" / "objects"


def write_ct(folder: Path, *, name: str | None = None, n_slices: int = 5) -> list[Path]:
    """A small noise-free CT (64 × 64) of the default phantom patient (or ``name``)."""
    spec = small_ct(f"findings-{n_slices}", matrix=64, n_slices=n_slices)
    if name is not None:
        patient = replace(spec.study.patient, name=name)
        spec = replace(spec, study=replace(spec.study, patient=patient))
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(S.write_slice(spec, k, str(folder / f"ct{k:03d}.dcm"))) for k in range(n_slices)]


def headers(files: list[Path]) -> dict[str, Dataset]:
    out = {}
    for f in files:
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        out[str(ds.SOPInstanceUID)] = ds
    return out


def load(folder: Path) -> Volume:
    res = scan(folder)
    series = next(s for s in res.all_series() if s.frames)
    img = load_series(series, workers=1)
    assert isinstance(img, Volume)
    return img


def viewport_with_work(img: Volume) -> ViewportModel:
    """A viewport on ``img`` with a window, zoom, pan, rotation, flip and every measurement kind."""
    m = ViewportModel()
    m.set_image(img, index=2)
    m.set_window(-500.0, 1400.0)
    m.set_zoom(2.0)
    m.set_pan(12.0, -7.0)
    m.rotate(90)
    m.flip(horizontal=True)
    m.add_measurement(Measurement("length", [(10.0, 12.0), (40.5, 30.25)], 1))
    m.add_measurement(Measurement("angle", [(10.0, 40.0), (30.0, 30.0), (50.0, 45.0)], 1))
    m.add_measurement(Measurement("ellipse", [(20.0, 20.0), (40.0, 34.0)], 2))
    m.add_measurement(Measurement("rectangle", [(15.0, 10.0), (35.0, 25.0)], 2))
    m.add_measurement(Measurement("probe", [(32.0, 31.0)], 3))
    m.add_measurement(Measurement("arrow", [(30.0, 30.0), (50.0, 50.0)], 3, "nodule"))
    m.add_measurement(Measurement("text", [(5.0, 6.0)], 4, "右肺 note"))
    return m
