"""``bench.cloud_wan`` stays runnable on tiny data and ends with its JSON line (timings are
not asserted: they are the benchmark's to report)."""

from __future__ import annotations

import os

import pytest

from tests.conftest import _orthanc_available
from tests.test_bench import run_bench


def test_cloud_wan_benchmark_prints_its_summary_line() -> None:
    if not _orthanc_available():
        if os.environ.get("CI"):
            pytest.fail("Orthanc must be installed in CI (./run.sh installs it)")
        pytest.skip("Orthanc is not installed")
    last = run_bench("cloud_wan", "--slices", "6", "--links", "400,100", "--syntaxes", "j2k,htj2k")
    assert set(last["cases"]) == {"j2k@400", "htj2k@400", "j2k@100", "htj2k@100"}
    assert last["ours_s"] == last["cases"]["j2k@400"]["full_volume_s"]
    for name, row in last["cases"].items():
        assert row["images"] == 6 and row["volume_equals_load_series"], name
        assert 0 < row["first_image_s"] <= row["mpr_usable_s"] <= row["full_volume_s"], name
        assert row["transfer_s"] <= row["full_volume_s"], name
        assert row["mpr_reduced_level"] == 2, name  # both syntaxes refine from a reduced level
        # the link limit is what the bytes received need at that bandwidth
        mbit = row["link_mbit"]
        assert row["link_limit_s"] == pytest.approx(row["bytes"] * 8 / (mbit * 1e6), abs=1e-3)
        assert row["curl_s"] > 0 and row["dicomweb_client_s"] > 0
        cpu = row["cpu_s"]  # where the CPU went: decoding, receiving, gateway, proxy, others
        assert {"decode", "receive_and_rest", "gateway", "shaper", "others"} <= set(cpu), name
        # (6 images: a few clock ticks each, so a share may round to 0)
        assert min(cpu["decode"], cpu["receive_and_rest"], cpu["gateway"], cpu["shaper"]) >= 0
        assert cpu["decode"] + cpu["receive_and_rest"] > 0, name
        assert cpu["capacity"] == pytest.approx(os.cpu_count() * row["full_volume_s"], abs=0.1)
        assert row["dicomweb_client_then_decode_s"] == pytest.approx(
            row["dicomweb_client_s"] + row["decode_2core_s"], abs=2e-3
        )
    assert set(last["cases"]["j2k@100"]["targets"]) == {"full_le_1.1x_link_limit"}
