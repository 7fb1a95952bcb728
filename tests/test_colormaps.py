"""Colour maps and fusion pairs as data; the label placer (no rendering, no Qt)."""

from __future__ import annotations

import colorsys
import itertools

import numpy as np
import pytest

from viewer.dicom.colormaps import (
    colormap,
    colormaps,
    fusion_colormaps,
    fusion_defaults,
    fusion_pairs,
    hue_degrees,
    luminance,
    overlay_alpha,
    overlay_colormap,
    table,
)
from viewer.render.labels import Box, place_labels


def test_the_maps_a_reader_expects_are_shipped_as_data() -> None:
    ids = [m.id for m in colormaps()]
    assert {"grey", "grey_inverted", "hot_iron", "pet", "rainbow"} <= set(ids)
    assert ids[:2] == ["grey", "grey_inverted"]  # menu order from the data
    for m in colormaps():
        assert m.name and m.name_zh
        t = m.table(256)
        assert t.shape == (256, 3) and t.min() >= 0 and t.max() <= 1
    assert colormap("hot").id == "hot_iron"  # the old MPR fusion name still works
    with pytest.raises(KeyError):
        colormap("nope")


def test_grey_and_inverted_grey() -> None:
    g, inv = table("grey", 5), table("grey_inverted", 5)
    assert np.allclose(g[:, 0], [0, 0.25, 0.5, 0.75, 1]) and np.allclose(g, g[:, :1])
    assert np.allclose(inv, g[::-1])


@pytest.mark.parametrize("cmap", [m.id for m in fusion_colormaps()])
def test_on_a_fusion_map_the_top_is_unmistakably_the_hottest(cmap: str) -> None:
    """Luminance rises with the value all the way, and the top is a saturated warm colour (not
    white: a white top over grey anatomy reads as neutral)."""
    t = table(cmap, 64)
    lum = luminance(t)
    assert np.all(np.diff(lum) > 0), f"{cmap}: luminance must rise with the value"
    h, s, v = colorsys.rgb_to_hsv(*t[-1])
    assert s > 0.9 and v > 0.9, f"{cmap}: top must be saturated and bright, not white"
    assert 30 <= h * 360 <= 70, f"{cmap}: top must be yellow"
    # the upper half moves from red towards yellow: hotter is yellower
    upper = hue_degrees(t[40:])
    assert np.all(np.diff(upper) >= -1e-6)


def test_hot_iron_and_pet_are_offered_for_fusion_grey_and_rainbow_are_not() -> None:
    ids = {m.id for m in fusion_colormaps()}
    assert {"hot_iron", "pet"} <= ids
    assert not ids & {"grey", "grey_inverted", "rainbow"}


def test_luminance_and_hue_helpers() -> None:
    assert luminance(np.array([1.0, 1.0, 1.0])) == pytest.approx(1.0)
    assert luminance(np.array([0.0, 0.0, 0.0])) == pytest.approx(0.0)
    assert hue_degrees(np.array([[1.0, 0, 0], [1, 1, 0], [0, 0, 1]])).tolist() == pytest.approx(
        [0, 60, 240]
    )


def test_only_sensible_fusion_pairs_are_offered() -> None:
    for overlay in ("PT", "PET", "NM", "SPECT", "MR"):
        assert fusion_pairs("CT", overlay)
    assert fusion_pairs("MR", "PT") and fusion_pairs("MR", "NM")
    for base, overlay in (("PT", "CT"), ("CT", "CT"), ("MR", "MR"), ("CT", "US"), ("PT", "MR")):
        assert not fusion_pairs(base, overlay), (base, overlay)
    d = fusion_defaults("CT", "PT")
    assert d.colormap == "hot_iron" and 0 <= d.threshold < 0.5 and 0 < d.ramp <= 1
    assert overlay_colormap("CT", "PT") == "hot_iron"
    with pytest.raises(ValueError):
        fusion_defaults("PT", "CT")


def test_overlay_is_transparent_below_its_threshold_then_ramps_up() -> None:
    a = overlay_alpha(101, 0.2, 0.3)
    t = np.linspace(0, 1, 101)
    assert np.all(a[t < 0.2] == 0)
    assert np.all(a[t >= 0.5 + 1e-9] == 1)
    mid = a[(t > 0.2) & (t < 0.5)]
    assert np.all(np.diff(mid) > 0) and mid.min() > 0 and mid.max() < 1
    hard = overlay_alpha(11, 0.5, 0.0)
    assert hard.tolist() == [0] * 5 + [1] * 6


# --------------------------------------------------------------------------- labels


def _overlaps(boxes: list[Box]) -> float:
    return sum(a.overlap(b) for a, b in itertools.combinations(boxes, 2))


def test_labels_of_nearby_measurements_do_not_overlap() -> None:
    anchors = [(200.0, 200.0), (205.0, 198.0), (203.0, 204.0), (198.0, 202.0)]
    sizes = [(110.0, 40.0)] * 4
    boxes = place_labels(anchors, sizes, (512, 512))
    assert _overlaps(boxes) == 0
    for (ax, ay), b in zip(anchors, boxes, strict=True):
        # each stays near its own anchor
        cx, cy = b.x + b.w / 2, b.y + b.h / 2
        assert abs(cx - ax) < 200 and abs(cy - ay) < 200


def test_a_lone_label_goes_right_below_its_anchor_and_stays_on_screen() -> None:
    (b,) = place_labels([(100.0, 300.0)], [(60.0, 20.0)], (512, 512))
    assert b.x > 100 and b.y + b.h < 300
    (edge,) = place_labels([(500.0, 10.0)], [(60.0, 20.0)], (512, 512))
    assert edge.outside(512, 512) == 0


def test_labels_avoid_boxes_already_taken() -> None:
    taken = Box(104.0, 56.0, 200.0, 40.0)  # exactly where the first choice would go
    (b,) = place_labels([(100.0, 100.0)], [(80.0, 40.0)], (512, 512), avoid=[taken])
    assert b.overlap(taken) == 0


def test_many_labels_on_one_point_still_do_not_overlap() -> None:
    boxes = place_labels([(256.0, 256.0)] * 10, [(90.0, 30.0)] * 10, (512, 512))
    assert _overlaps(boxes) == 0
