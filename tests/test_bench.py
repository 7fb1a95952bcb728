"""Benchmarks stay runnable: each ends with the agreed JSON line (timings are not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_bench(name: str, *args: str) -> dict:
    """Run ``python -m bench.NAME`` on small data; its last line parsed (the agreed JSON)."""
    run = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    last = json.loads(run.stdout.strip().splitlines()[-1])
    assert last["benchmark"] == name
    assert last["ratio"] == round(last["ours_s"] / last["anchor_s"], 3)
    return last


def test_load_series_benchmark_prints_its_summary_line() -> None:
    last = run_bench("load_series", "--slices", "24", "--repeat", "1")
    assert last["benchmark"] == "load_series"
    for key in ("ours_s", "anchor", "anchor_s", "ratio"):
        assert key in last
    assert last["ratio"] == round(last["ours_s"] / last["anchor_s"], 3)
    for ts in ("explicit", "j2k"):
        row = last[ts]
        assert row["volume_mb"] > 0 and row["peak_rss_mb"] > 0
    assert set(last["targets"]) == {
        "full_volume_not_slower_than_simpleitk_uncompressed",
        "j2k_uses_every_core_1.7x",
        "first_image_le_0.2s",
        "peak_memory_within_limit",
        "uncompressed_le_0.7_simpleitk",
        "j2k_le_0.6_simpleitk",
    }


def test_viewport_benchmark_prints_its_summary_line() -> None:
    last = run_bench("viewport", "--slices", "24", "--frames", "10")
    assert last["benchmark"] == "viewport"
    assert last["ratio"] == round(last["ours_s"] / last["anchor_s"], 3)
    assert last["window_level"]["ours_ms"] > 0 and last["scroll"]["bare_vtk_ms"] > 0
    assert last["app"]["launch_to_window_shown_s"] > 0
    assert last["app"]["demo_open_to_first_image_s"] > 0
    assert set(last["targets"]) == {
        "frame_le_1.2x_bare_vtk",
        "at_least_30_fps",
        "colour_map_within_10pct",
        "fused_le_1.3x_plain",
        "start_le_0.8s",
        "demo_first_image_le_1s",
    }
    assert last["colour_map_hot_iron"]["ratio_to_grey"][0] > 0
    assert last["fused_2d"]["ratio_to_plain"][0] > 0


def test_cloud_fetch_benchmark_prints_its_summary_line() -> None:
    last = run_bench("cloud_fetch", "--slices", "24", "--repeat", "1")
    assert last["benchmark"] == "cloud_fetch" and last["instances_verified"] == 24
    assert last["ratio"] == round(last["ours_s"] / last["anchor_s"], 3)
    assert last["dicomweb_client_one_by_one_s"] > 0 and last["first_image_s"] > 0
    assert set(last["targets"]) == {"throughput_ge_0.8_curl", "first_image_le_1s"}


def test_cache_benchmark_prints_its_summary_line() -> None:
    last = run_bench("cache", "--slices", "24", "--instances", "20000", "--repeat", "2")
    assert last["catalog_instances"] == 20000 and last["study_lookup_ms"] > 0
    assert set(last["targets"]) == {"overhead_le_5_percent", "lookup_le_5ms", "startup_le_1s"}


def test_mpr3d_benchmark_prints_its_summary_line() -> None:
    last = run_bench("mpr3d", "--slices", "24", "--frames", "3", "--mpr-frames", "3")
    assert last["oblique_mpr"]["ours_ms"] > 0 and last["oblique_mpr"]["bare_vtk_ms"] > 0
    assert last["slab_mip_10mm"]["grid_and_samples"][2] > 1  # a real slab
    vr = last["volume_rendering"]
    assert vr["interactive_ms"] > 0 and vr["still_ms"] > 0 and vr["mapper"] == "cpu"
    assert last["memory"]["peak_rss_mb"] > last["memory"]["volume_mb"] > 0
    assert set(last["targets"]) == {
        "oblique_mpr_le_50ms",
        "oblique_mpr_le_1.1x_bare",
        "slab_mip_10mm_le_80ms",
        "slab_mip_10mm_le_1.05x_bare",
        "vr_interactive_ge_10fps",
        "peak_memory_within_limit",
    }


def test_consult_benchmark_prints_its_summary_line() -> None:
    last = run_bench("consult", "--changes", "5")
    assert last["changes"] == 5 and last["ours_median_ms"] > last["bare_relay_median_ms"] > 0
    assert last["presenter_own_render_median_ms"] > 0
    assert set(last["targets"]) == {"latency_le_200ms"}
