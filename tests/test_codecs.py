"""Every transfer syntax decodes to exactly the stored values, fast paths agree with pydicom."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.pixels import pixel_array

from phantoms import series as S
from tests.conftest import PYDICOM_TEST_FILES, corpus_file, corpus_files
from tests.helpers import small_ct
from viewer.dicom.codecs import FrameReader, decoder_name, has_fast_path
from viewer.dicom.scan import scan
from viewer.dicom.volume import ImageStack, LoadError, Volume, load_series

SYNTAXES = ["explicit", "j2k", "rle", "jpegls", "htj2k"]


@pytest.mark.parametrize("ts", SYNTAXES)
def test_generated_ct_in_every_transfer_syntax_is_bit_exact(tmp_path: Path, ts: str) -> None:
    spec = small_ct(f"ts-{ts}", noise=True, n_slices=12, transfer_syntax=ts)
    S.write_series(spec, str(tmp_path), workers=1)
    res = scan(tmp_path)
    assert not res.problems
    (series,) = res.all_series()
    inst = series.frames[0].instance
    assert inst.transfer_syntax_uid == str(S.TRANSFER_SYNTAXES[ts])
    assert has_fast_path(inst), decoder_name(inst.transfer_syntax_uid)
    vol = load_series(series)
    assert isinstance(vol, Volume) and vol.array.dtype == np.int16
    for k in range(spec.n_slices):
        np.testing.assert_array_equal(vol.array[k], spec.expected_slice(k))


@pytest.mark.parametrize("ts", SYNTAXES)
def test_signed_float_slope_pet_in_every_transfer_syntax(tmp_path: Path, ts: str) -> None:
    study = S.StudySpec(S.PatientSpec(), key=f"pet-{ts}")
    spec = replace(
        S.pet_body(study, transfer_syntax=ts, matrix=48, pixel=12.0, n_slices=10, spacing=30.0),
        key=f"pet-{ts}",
    )
    S.write_series(spec, str(tmp_path), workers=1)
    (series,) = scan(tmp_path).all_series()
    vol = load_series(series)
    assert isinstance(vol, Volume) and vol.array.dtype == np.float32
    for k in range(spec.n_slices):
        np.testing.assert_allclose(vol.array[k], spec.expected_slice(k), rtol=1e-6)


def _fast_path_instances():
    # one file at a time: many corpus variants share a SOP Instance UID, and a scan keeps one
    out = []
    for path in corpus_files():
        res = scan(path)
        out += [inst for s in res.all_series() for inst in s.instances if has_fast_path(inst)]
    return out


def test_fast_decoders_agree_with_pydicom_on_real_files() -> None:
    compared = 0
    syntaxes = set()
    for inst in _fast_path_instances():
        reader = FrameReader(inst)
        for index in range(min(inst.number_of_frames, 3)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    want = pixel_array(str(inst.ref.path), index=index)
                except Exception:
                    continue  # pydicom itself cannot decode it: nothing to compare against
            got = reader.frame(index)
            assert got.dtype == want.dtype, inst.ref
            np.testing.assert_array_equal(got, want, err_msg=str(inst.ref))
            compared += 1
            syntaxes.add(inst.transfer_syntax_uid)
    assert compared >= 40
    # native, JPEG 2000, JPEG-LS and RLE all took the fast path at least once
    assert {
        "1.2.840.10008.1.2",
        "1.2.840.10008.1.2.1",
        "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.80",
        "1.2.840.10008.1.2.5",
    } <= syntaxes


MR_SMALL_VARIANTS = [
    "MR_small_bigendian.dcm",
    "MR_small_expb.dcm",
    "MR_small_implicit.dcm",
    "MR_small_jp2klossless.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_RLE.dcm",
    "MR_small_padded.dcm",
]


@pytest.mark.parametrize("name", MR_SMALL_VARIANTS)
def test_real_transfer_syntax_variants_decode_identically(name: str) -> None:
    ref = load_series(scan(PYDICOM_TEST_FILES / "MR_small.dcm").all_series()[0])
    got = load_series(scan(PYDICOM_TEST_FILES / name).all_series()[0])
    assert isinstance(ref, ImageStack) and isinstance(got, ImageStack)
    np.testing.assert_array_equal(got.frames, ref.frames)


@pytest.mark.parametrize(
    "name,ts_name",
    [
        ("image_dfl.dcm", "Deflated Explicit VR Little Endian"),
        ("SC_rgb_jpeg_dcmtk.dcm", "JPEG Baseline (Process 1)"),
        ("JPGExtended.dcm", "JPEG Extended (Process 2 and 4)"),
        ("SC_rgb_rle.dcm", "RLE Lossless"),
        ("ExplVR_BigEnd.dcm", "Explicit VR Big Endian"),
        ("JPEG2000.dcm", "JPEG 2000 Image Compression"),
    ],
)
def test_other_transfer_syntaxes_decode_like_pydicom(name: str, ts_name: str) -> None:
    path = corpus_file(name)
    assert (
        pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID.name == ts_name
    )
    stack = load_series(scan(path).all_series()[0])
    assert isinstance(stack, (ImageStack, Volume))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = pydicom.dcmread(path).pixel_array
    got = stack.frames if isinstance(stack, ImageStack) else stack.array
    if got.ndim > want.ndim:
        got = got[0]
    if not (isinstance(stack, ImageStack) and stack.is_color):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        want = want * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
    np.testing.assert_array_equal(got, want)


def test_jpeg_lossless_from_pydicom_data() -> None:
    path = corpus_file("JPEG-LL.dcm")
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID.name.startswith("JPEG Lossless")
    stack = load_series(scan(path).all_series()[0])
    got = stack.frames[0] if isinstance(stack, ImageStack) else stack.array[0]
    want = ds.pixel_array * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
    np.testing.assert_array_equal(got, want)


def test_whole_corpus_loads_or_reports_every_failure() -> None:
    """Nothing in the real corpora crashes the loader: each file loads or is reported."""
    files = corpus_files()
    res = scan([str(p) for p in files])
    reported = {p.where for p in res.problems}
    assert res.files_seen >= len(files)  # a DICOMDIR adds the files it lists
    for p in res.problems:
        assert p.reason and p.where
    loaded = failed = 0
    for series in res.all_series():
        if not series.frames:
            continue
        try:
            img = load_series(series)
        except LoadError as exc:
            assert exc.problems and all(p.reason for p in exc.problems)
            failed += 1
            continue
        loaded += 1
        arr = img.array if isinstance(img, Volume) else img.frames
        assert arr.size > 0
        for p in img.problems:
            reported.add(p.where)
    assert loaded >= 60
    assert failed <= 3, failed  # the known-bad JPEG test files


@pytest.mark.parametrize("ts", ["j2k", "htj2k", "jpegls"])
def test_truncated_codestream_is_reported_not_shown(tmp_path: Path, ts: str) -> None:
    """A frame whose codestream was cut in half (inside a valid encapsulation) is reported with
    its file; the decoder never returns a picture for it (OpenJPH would, silently)."""
    from pydicom.encaps import encapsulate, generate_frames

    spec = small_ct(f"cut-{ts}", matrix=48, n_slices=5, noise=True, transfer_syntax=ts)
    S.write_series(spec, str(tmp_path), workers=1)
    victim = sorted(tmp_path.glob("*.dcm"))[2]
    ds = pydicom.dcmread(victim)
    (frame,) = list(generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([frame[: len(frame) // 2]])
    ds.save_as(victim, enforce_file_format=True)
    (series,) = scan(tmp_path).all_series()
    img = load_series(series, workers=1)
    assert [p.where for p in img.problems] == [str(victim)]
    assert img.problems[0].reason
