"""HTJ2K by OpenJPH (the faster decoder) only where it cannot show a wrong picture: a codestream
of HT code-blocks only (its CAP marker), whose tile-parts are whole, and which OpenJPH decoded
without reporting an error to Python's hooks. (The phantom series in every transfer syntax,
HTJ2K included, are checked bit for bit in tests/test_codecs.py.)"""

from __future__ import annotations

import struct
import sys
import threading

import imagecodecs
import numpy as np
import pytest

from viewer.dicom import codecs
from viewer.dicom.callback_errors import callback_errors
from viewer.dicom.codestream import check_tile_parts, ht_only, main_header
from viewer.dicom.model import PixelFormat
from viewer.dicom.syntaxes import DecodeError


def _image(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (np.abs(rng.normal(0, 150, (96, 80)).cumsum(axis=1)) % 4000).astype(np.int16)


def _px() -> PixelFormat:
    return PixelFormat(96, 80, 1, 16, 16, 1, "MONOCHROME2", 0)


def test_openjph_decodes_a_whole_ht_codestream_as_openjpeg_does(monkeypatch) -> None:
    img = _image()
    data = bytes(imagecodecs.htj2k_encode(img, level=0))
    assert ht_only(data)
    check_tile_parts(data)
    check_tile_parts(data + b"\0")  # (a DICOM fragment's pad byte)
    used = []
    real = imagecodecs.htj2k_decode
    monkeypatch.setattr(imagecodecs, "htj2k_decode", lambda d: used.append(1) or real(d))
    ours = codecs._htj2k(data, _px())
    assert used == [1]
    np.testing.assert_array_equal(ours, img)
    np.testing.assert_array_equal(ours, imagecodecs.jpeg2k_decode(data))


def test_a_cut_or_spliced_codestream_fails_before_openjph_sees_it() -> None:
    """OpenJPH returns a picture for a cut stream without a word (checked here, so that the
    check is still needed); every cut, and a block taken out of the middle, fails the check."""
    img = _image(2)
    data = bytes(imagecodecs.htj2k_encode(img, level=0))
    cut = data[: len(data) // 2]
    assert imagecodecs.htj2k_decode(cut).shape == img.shape  # (OpenJPH: a picture, wrong)
    first_sot = int.from_bytes(main_header(data)[b"\xff\x90"], "big")
    for n in [*range(first_sot, len(data) - 1, max(1, len(data) // 37)), len(data) - 1]:
        with pytest.raises(DecodeError):
            check_tile_parts(data[:n])
        with pytest.raises((DecodeError, imagecodecs.Jpeg2kError)):  # (a cut main header:
            codecs._htj2k(data[:n], _px())  # not HT-only as far as it shows, so OpenJPEG's)
    mid = len(data) // 2
    with pytest.raises(DecodeError, match=r"spliced|cut"):
        check_tile_parts(data[:mid] + data[mid + 40 :])
    for n in (0, 2, 3, 20):
        with pytest.raises(DecodeError):
            check_tile_parts(data[:n])
    # Psot 0: the last tile-part runs to the end marker
    b = bytearray(data)
    struct.pack_into(">I", b, first_sot + 6, 0)
    check_tile_parts(bytes(b))
    with pytest.raises(DecodeError, match="EOC"):
        check_tile_parts(bytes(b[:-2]))


def test_only_ht_only_codestreams_go_to_openjph(monkeypatch) -> None:
    img = _image(3)
    part1 = bytes(imagecodecs.jpeg2k_encode(img, level=0, codecformat="J2K"))  # no CAP
    assert not ht_only(part1)
    assert not ht_only(bytes(imagecodecs.jpeg2k_encode(img, level=0)))  # (in a JP2 box)
    ht = bytearray(imagecodecs.htj2k_encode(img, level=0))
    at = ht.find(b"\xff\x50")
    assert at > 0
    (pcap,) = struct.unpack_from(">I", ht, at + 4)
    assert pcap == 1 << 17  # Part 15 only: its Ccap15 follows
    struct.pack_into(">H", ht, at + 8, 0xC000 | struct.unpack_from(">H", ht, at + 8)[0])
    assert not ht_only(bytes(ht))  # MIXED code-blocks: not for a decoder of HT blocks only
    # lossy (the 9/7 wavelet: OpenJPH wraps an overshoot around where OpenJPEG clamps it)
    white = np.zeros((64, 64), np.uint8)
    white[:, 32:] = 255
    lossy = bytes(imagecodecs.htj2k_encode(white, level=0.02))
    assert not ht_only(lossy)
    # a region of interest (RGN) in the main header, which OpenJPH ignores
    plain = bytes(imagecodecs.htj2k_encode(img, level=0))
    sot = plain.find(b"\xff\x90")
    assert ht_only(plain) and not ht_only(
        plain[:sot] + b"\xff\x5e\x00\x05\x00\x00\x03" + plain[sot:]
    )
    monkeypatch.setattr(imagecodecs, "htj2k_decode", lambda d: pytest.fail("OpenJPH used"))
    np.testing.assert_array_equal(codecs._htj2k(part1, _px()), img)
    px8 = PixelFormat(64, 64, 1, 8, 8, 0, "MONOCHROME2", 0)
    shown = codecs._htj2k(lossy, px8)  # by OpenJPEG: clamped, the white stays white
    assert shown[:, 34:].min() > 200


def test_an_error_openjph_reports_to_the_hooks_fails_the_frame() -> None:
    """Corrupted code-block data that OpenJPH reports only to Python's hooks (found by trying
    corruptions until one is reported): our decoder raises for it, the hooks see nothing."""
    img = _image(4)
    data = bytes(imagecodecs.htj2k_encode(img, level=0))
    first_sot = int.from_bytes(main_header(data)[b"\xff\x90"], "big")
    rng = np.random.default_rng(7)
    reported = None
    for _ in range(400):
        b = bytearray(data)
        start = int(rng.integers(first_sot + 14, len(b) - 2))
        for i in range(start, len(b) - 2, int(rng.integers(1, 5))):
            b[i] = int(rng.integers(0, 256))
        with callback_errors() as errors:
            imagecodecs.htj2k_decode(bytes(b))
        if errors:
            reported = bytes(b)
            break
    assert reported is not None, "no corruption was reported in 400 tries"
    check_tile_parts(reported)  # (the tile-parts look whole: only OpenJPH's report tells)
    seen: list[object] = []
    saved = sys.unraisablehook, sys.excepthook
    sys.unraisablehook = lambda u: seen.append(u)
    sys.excepthook = lambda *a: seen.append(a)
    try:
        with pytest.raises(DecodeError, match="corrupt"):
            codecs._htj2k(reported, _px())
    finally:
        sys.unraisablehook, sys.excepthook = saved
    assert seen == []


def test_callback_errors_are_caught_for_the_decoding_thread_only() -> None:
    """Inside the block, errors this thread reports to the hooks are collected; another
    thread's still reach the hooks installed; afterwards the hooks are what they were."""
    before = sys.unraisablehook, sys.excepthook
    seen: list[object] = []
    sys.unraisablehook = lambda u: seen.append(("unraisable", u.exc_value))
    try:
        hooks = sys.unraisablehook, sys.excepthook

        class Boom:
            def __del__(self) -> None:
                raise RuntimeError("from a callback")

        def other() -> None:
            Boom()

        with callback_errors() as errors:
            Boom()  # this thread: collected
            t = threading.Thread(target=other)
            t.start()
            t.join()
        assert [str(e) for e in errors] == ["from a callback"]
        assert len(seen) == 1 and str(seen[0][1]) == "from a callback"  # the other thread's
        assert (sys.unraisablehook, sys.excepthook) == hooks
        with callback_errors() as outer:  # nested: the inner block's errors are the outer's too
            with callback_errors() as inner:
                Boom()
            Boom()
        assert len(inner) == 1 and len(outer) == 2
        with callback_errors() as errors:  # the hooks replaced during the call: a failure
            sys.unraisablehook = lambda u: None
        assert errors and "replaced" in str(errors[0])
        sys.unraisablehook = hooks[0]
    finally:
        sys.unraisablehook, sys.excepthook = before


@pytest.mark.parametrize("tiled", [False, True])
def test_mutated_streams_openjpeg_refuses_are_refused_too(tiled: bool) -> None:
    """Cut, flipped, overwritten and reordered codestreams (one tile, and 4 tiles): whatever
    OpenJPEG refuses, our HTJ2K decoding refuses too (it is never the weaker of the two; run
    over 6,000 such streams while writing it, none was)."""
    rng = np.random.default_rng(11 + tiled)
    img = (np.abs(rng.normal(0, 150, (128, 128)).cumsum(axis=1)) % 4000).astype(np.int16)
    px = PixelFormat(128, 128, 1, 16, 16, 1, "MONOCHROME2", 0)
    data = bytes(
        imagecodecs.htj2k_encode(img, level=0, tile=(64, 64))
        if tiled
        else imagecodecs.htj2k_encode(img, level=0)
    )
    sot = int.from_bytes(main_header(data)[b"\xff\x90"], "big")
    refused = 0
    for i in range(300):
        b = bytearray(data)
        kind = i % 4
        if kind == 0:  # cut
            b = b[: int(rng.integers(sot, len(b)))]
        elif kind == 1:  # scattered bytes
            for _ in range(int(rng.integers(1, 20))):
                b[int(rng.integers(sot, len(b)))] = int(rng.integers(0, 256))
        elif kind == 2:  # the tail overwritten
            for k in range(int(rng.integers(sot, len(b))), len(b), int(rng.integers(1, 6))):
                b[k] = int(rng.integers(0, 256))
        else:  # a block moved
            x, y = sorted(int(v) for v in rng.integers(sot, len(b), 2))
            b = b[:x] + b[y:] + b[x:y]
        try:
            imagecodecs.jpeg2k_decode(bytes(b))
        except Exception:  # (OpenJPEG refuses it: so must we)
            refused += 1
            # (any of these: the frame reader reports each as a corrupt frame)
            with pytest.raises((DecodeError, imagecodecs.Jpeg2kError, imagecodecs.Htj2kError)):
                codecs._htj2k(bytes(b), px)
    assert refused > 100


@pytest.mark.parametrize("kw", [{"tile": (32, 32)}, {"tile": (32, 32), "tilepart": 1, "tlm": True}])
def test_a_missing_tile_part_fails_where_both_decoders_show_a_picture(kw: dict) -> None:
    """Nine tiles (then each split into its resolution tile-parts, with a TLM marker): whole,
    the stream is taken; with a tile-part taken out the check refuses it, where, for a whole
    tile missing, OpenJPEG and OpenJPH both return a picture (one tile blank) without an
    error."""
    img = np.random.default_rng(0).integers(0, 4000, (96, 80)).astype(np.uint16)
    data = bytes(imagecodecs.htj2k_encode(img, level=0, **kw))
    assert ht_only(data) and check_tile_parts(data)
    starts = []
    pos = int.from_bytes(main_header(data)[b"\xff\x90"], "big")
    while data[pos : pos + 2] == b"\xff\x90":
        starts.append(pos)
        pos += struct.unpack_from(">I", data, pos + 6)[0]
    assert len(starts) >= 9
    for k in (1, len(starts) - 2):
        dropped = data[: starts[k]] + data[starts[k + 1] :]
        if "tilepart" not in kw:  # (a whole tile missing: both decoders show a picture)
            assert imagecodecs.jpeg2k_decode(dropped).shape == img.shape
            with callback_errors() as errors:
                assert imagecodecs.htj2k_decode(dropped).shape == img.shape
            assert errors == []
        with pytest.raises(DecodeError, match="tile"):
            check_tile_parts(dropped)
