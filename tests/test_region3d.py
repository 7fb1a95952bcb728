"""The 3D region of an MPR ellipse (an ellipsoid) and its SUV statistics (Qt-free)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from viewer.dicom.measure import Measurement
from viewer.dicom.quantity import SuvScale
from viewer.dicom.volume import Volume
from viewer.state.mpr import MprModel
from viewer.state.region3d import ellipse_region, ellipsoid_mask


def _pet(factor: float = 0.002) -> Volume:
    arr = np.full((40, 50, 50), 1000, np.int16)
    arr[20, 25, 25] = 9000  # the hottest voxel, inside the region
    arr[20, 25, 2] = 20000  # hotter, but outside it
    vol = Volume(arr, np.zeros(3), (1.0, 1.0, 1.0), np.eye(3), "PT")
    vol.suv = SuvScale("BQML", "Bq/ml", {"bw": np.full(40, factor)})
    return vol


def _ellipse(model: MprModel, view: str, centre: np.ndarray, a: float, b: float):
    g = model.grid(view)
    cu, cv, _ = g.patient_to_uv(centre)
    model.add_measurement(view, Measurement("ellipse", []), [(cu - a, cv - b), (cu + a, cv + b)])
    return g, model.measurements[-1]


def test_a_circle_becomes_a_sphere_of_its_radius() -> None:
    vol = _pet()
    model = MprModel(vol)
    centre = np.asarray(vol.index_to_patient((25.0, 25.0, 20.0)))
    model.set_center(centre)
    for view in ("axial", "coronal", "sagittal"):
        g, pm = _ellipse(model, view, centre, 8.0, 8.0)
        mask = ellipsoid_mask(vol, g, pm)
        assert abs(int(mask.sum()) - 4 / 3 * math.pi * 8**3) < 0.05 * 4 / 3 * math.pi * 8**3
        k, j, i = np.nonzero(mask)
        for axis in (k, j, i):  # 8 mm each way around voxel (25, 25, 20)
            assert axis.max() - axis.min() == 16


def test_a_flat_ellipse_is_as_thick_as_its_smaller_half_axis() -> None:
    vol = _pet()
    model = MprModel(vol)
    centre = np.asarray(vol.index_to_patient((25.0, 25.0, 20.0)))
    model.set_center(centre)
    g, pm = _ellipse(model, "axial", centre, 12.0, 4.0)
    k, j, i = np.nonzero(ellipsoid_mask(vol, g, pm))
    assert (k.min(), k.max()) == (16, 24)  # ±4 mm across the plane
    assert i.max() - i.min() == 24 and j.max() - j.min() == 8


def test_suv_statistics_of_the_region() -> None:
    vol = _pet(0.002)
    model = MprModel(vol)
    centre = np.asarray(vol.index_to_patient((25.0, 25.0, 20.0)))
    model.set_center(centre)
    g, pm = _ellipse(model, "axial", centre, 10.0, 10.0)
    r = ellipse_region(vol, g, pm)
    assert r.label == "SUVbw" and r.stats.unit == "g/ml"
    assert r.stats.max == pytest.approx(9000 * 0.002)  # not the hotter voxel outside
    n = r.stats.voxels
    assert r.stats.mean == pytest.approx((1000 * (n - 1) + 9000) / n * 0.002)
    assert 2.0 < r.stats.peak < 18.0  # the 1 cm³ sphere around the hottest voxel
    assert r.volume_ml == pytest.approx(n / 1000)


def test_no_suv_is_refused_with_its_reason() -> None:
    vol = _pet()
    vol.suv = SuvScale("BQML", "Bq/ml", {}, reason="Patient's Weight (0010,1030) missing")
    model = MprModel(vol)
    g, pm = _ellipse(model, "axial", model.center, 5.0, 5.0)
    with pytest.raises(ValueError, match="0010,1030"):
        ellipse_region(vol, g, pm)
