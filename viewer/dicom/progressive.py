"""Resolution-progressive decoding of JPEG 2000 and HTJ2K frames: a reduced level first.

A JPEG 2000 codestream (Part 1 or Part 15, HTJ2K) holds its image as a wavelet pyramid: the
lowest resolution levels can be decoded without touching the detail bands, at a fraction of the
cost. :func:`decode_reduced` returns the stored values at ``1 / 2**level`` of the size in each
direction (sample ``n`` of the reduced image sits on full-resolution pixel ``n * 2**level``):

* JPEG 2000 and HTJ2K alike: OpenJPEG's resolution factor (``opj_set_decoded_resolution_factor``),
  called through ctypes on the libopenjp2 that imagecodecs ships, since imagecodecs'
  ``jpeg2k_decode`` takes no reduce argument. ctypes releases the interpreter lock during the
  call, so threads use every core. OpenJPEG, not the faster OpenJPH, for HTJ2K too: OpenJPH
  returns a picture for a truncated or corrupt codestream (as :mod:`viewer.dicom.codecs` notes);
  it serves (``htj2k_decode(skipres=level)``) only where no libopenjp2 can be loaded.

Whether a reduced level is worth its cost while a series arrives is :class:`Pace`'s rule.

Full-resolution decoding stays in :mod:`viewer.dicom.codecs`. Nothing here changes stored
bytes: it reads codestreams only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from viewer.dicom.syntaxes import HTJ2K_SYNTAXES, J2K_SYNTAXES

#: the reduced level decoded first: 1/4 of the size each way (a 512² CT slice at 128²)
DEFAULT_LEVEL = 2
#: a full volume predicted within this many seconds of the start needs no reduced pass (the
#: target for a volume usable in MPR is 2 s; the rest is the prediction's margin)
FULL_WITHIN_S = 1.5


class Pace:
    """The rule deciding, image by image while a series arrives, whether it is decoded at a
    reduced level first (its full decode queued behind) or in full at once; owns the timings
    the rule is judged on: the full decodes' durations and the arrivals' rate.

    A reduced level is decoded only when both hold:

    * the decoders fall behind: the full decodes waiting would take over ``catch_up_s`` on
      every worker (otherwise each image is decoded once, in full; a slow link, a fast codec);
    * the full volume would not be ready within ``full_within_s`` of the start anyway: the
      predicted end is later. It is when the last image arrives (arrivals left ÷ their rate so
      far), plus the full decodes still left then: those done meanwhile go at the pace seen
      (mean wall time per decode: the cores are shared with receiving), the rest at the pace
      their CPU time allows once the decoders have the cores (mean CPU time ÷ workers).
      A reduced pass that ends about when the full volume would costs CPU the full decodes
      need (HTJ2K at 1 Gbit/s: OpenJPEG's reduced level is about a tenth of its full decode,
      plus a second pass's work per image) and makes nothing usable sooner.

    Not thread-safe: its owner's lock guards it.
    """

    def __init__(
        self,
        workers: int,
        catch_up_s: float = 0.3,
        full_within_s: float = FULL_WITHIN_S,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.clock = clock  # (a test gives its own)
        self.workers = max(1, workers)
        self.catch_up_s = catch_up_s
        self.full_within_s = full_within_s
        self.start = clock()
        self._decode_s = 0.0  # seconds the timed full decodes took, together
        self._cpu_s = 0.0  # and the CPU seconds of their threads
        self._decodes = 0
        self._arrivals = 0
        self._first_arrival = 0.0

    def arrived(self) -> None:
        """One more image has arrived."""
        if not self._arrivals:
            self._first_arrival = self.clock()
        self._arrivals += 1

    def decoded(self, seconds: float, cpu_s: float | None = None) -> None:
        """One full decode took ``seconds`` (wall clock), ``cpu_s`` of its thread's CPU."""
        self._decodes += 1
        self._decode_s += seconds
        self._cpu_s += seconds if cpu_s is None else min(cpu_s, seconds)

    @property
    def mean_decode_s(self) -> float:
        return self._decode_s / self._decodes if self._decodes else 0.0

    def reduce(self, waiting: int, expected: int | None, decoded: int) -> bool:
        """Whether the image taken up now is decoded at a reduced level first: ``waiting``
        full decodes are queued or not yet taken up, ``decoded`` of ``expected`` are done."""
        mean = self.mean_decode_s
        if waiting * mean / self.workers <= self.catch_up_s:
            return False  # the decoders keep up
        return not self.full_soon(expected, decoded)

    def full_soon(self, expected: int | None, decoded: int) -> bool:
        """Whether the full volume is predicted within ``full_within_s`` of the start."""
        mean, n = self.mean_decode_s, self._arrivals
        if expected is None or not mean or n < 2:
            return False  # nothing to predict from yet
        now = self.clock()
        arrivals_s = max(0, expected - n) * (now - self._first_arrival) / (n - 1)
        left = max(0, expected - decoded)
        # while images arrive, decodes go at the pace seen (the cores shared with receiving);
        # after the last, at the pace their CPU time allows (the decoders alone)
        during = arrivals_s * self.workers / mean
        if left <= during:
            end = arrivals_s + mean  # the decoders keep up: the last image, then its decode
        else:
            end = arrivals_s + (left - during) * (self._cpu_s / self._decodes) / self.workers
        return now + end - self.start <= self.full_within_s


class ReducedDecodeError(ValueError):
    """A reduced level could not be decoded (the full decode is still tried by the caller)."""


def supports_reduced(transfer_syntax_uid: str) -> bool:
    """Whether frames of this transfer syntax can be decoded at a reduced level here."""
    if transfer_syntax_uid in HTJ2K_SYNTAXES:
        return _openjp2() is not None or _imagecodecs_has("htj2k_decode")
    if transfer_syntax_uid in J2K_SYNTAXES:
        return _openjp2() is not None
    return False


def reduced_shape(rows: int, columns: int, level: int) -> tuple[int, int]:
    """The size of resolution ``level`` below full (JPEG 2000 rounds up at each halving)."""
    f = 1 << level
    return -(-rows // f), -(-columns // f)


def decode_reduced(
    data: bytes, transfer_syntax_uid: str, level: int, bits_stored: int | None = None
) -> np.ndarray:
    """Stored values of one frame at reduced ``level`` (0: full resolution).

    The low-pass band of a reduced level may stray just outside the stored range (an air
    region at 0 undershoots to -1); with ``bits_stored`` given, an unsigned result is clamped
    to ``[0, 2**bits_stored - 1]`` (a decoder that wraps -1 to 65535 included).
    """
    if transfer_syntax_uid not in J2K_SYNTAXES | HTJ2K_SYNTAXES:
        raise ReducedDecodeError(f"{transfer_syntax_uid} has no resolution levels")
    if _openjp2() is None and transfer_syntax_uid in HTJ2K_SYNTAXES:
        import imagecodecs  # OpenJPH: only where OpenJPEG is missing (see the module note)

        try:
            arr = np.asarray(imagecodecs.htj2k_decode(data, skipres=level))
        except Exception as exc:
            raise ReducedDecodeError(f"HTJ2K reduced decode failed ({exc})") from None
        return _clamp_unsigned(arr, bits_stored) if level else arr
    return _openjp2_decode(data, level, bits_stored)


def _clamp_unsigned(arr: np.ndarray, bits_stored: int | None) -> np.ndarray:
    """Wrapped undershoots (values above the stored range of an unsigned image) back to 0."""
    if bits_stored is None or arr.dtype.kind != "u" or bits_stored >= arr.dtype.itemsize * 8:
        return arr
    top = (1 << bits_stored) - 1
    return np.where(arr > top, 0, arr).astype(arr.dtype, copy=False)


def _imagecodecs_has(name: str) -> bool:
    try:
        import imagecodecs
    except ImportError:
        return False
    codec = getattr(imagecodecs, name.split("_")[0].upper(), None)
    return hasattr(imagecodecs, name) and bool(getattr(codec, "available", True))


# --------------------------------------------------------------------------- OpenJPEG (ctypes)


class _ImageComp(ctypes.Structure):
    _fields_ = [
        ("dx", ctypes.c_uint32),
        ("dy", ctypes.c_uint32),
        ("w", ctypes.c_uint32),
        ("h", ctypes.c_uint32),
        ("x0", ctypes.c_uint32),
        ("y0", ctypes.c_uint32),
        ("prec", ctypes.c_uint32),
        ("bpp", ctypes.c_uint32),  # deprecated in 2.5, still in the layout
        ("sgnd", ctypes.c_uint32),
        ("resno_decoded", ctypes.c_uint32),
        ("factor", ctypes.c_uint32),
        ("data", ctypes.POINTER(ctypes.c_int32)),
        ("alpha", ctypes.c_uint16),
    ]


class _Image(ctypes.Structure):
    _fields_ = [
        ("x0", ctypes.c_uint32),
        ("y0", ctypes.c_uint32),
        ("x1", ctypes.c_uint32),
        ("y1", ctypes.c_uint32),
        ("numcomps", ctypes.c_uint32),
        ("color_space", ctypes.c_int),
        ("comps", ctypes.POINTER(_ImageComp)),
        ("icc_profile_buf", ctypes.c_void_p),
        ("icc_profile_len", ctypes.c_uint32),
    ]


_READ_FN = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
_SKIP_FN = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p)
_SEEK_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int64, ctypes.c_void_p)
_DPARAMS_BYTES = 1 << 14  # opj_dparameters_t is about 8.3 kB; filled by the library
_OPJ_CODEC_J2K = 0
_STREAM_CHUNK = 1 << 20

_lib_lock = threading.Lock()
_lib: list[Any] = []  # [] not looked for yet; [None] absent; [CDLL]


def _openjp2() -> Any:
    """libopenjp2 (the copy imagecodecs ships, else the system's), or None."""
    with _lib_lock:
        if _lib:
            return _lib[0]
        lib = None
        candidates: list[str] = []
        try:
            import imagecodecs

            libs = os.path.join(os.path.dirname(os.path.dirname(imagecodecs.__file__)))
            candidates += sorted(glob.glob(os.path.join(libs, "imagecodecs.libs", "libopenjp2*")))
        except ImportError:
            pass
        found = ctypes.util.find_library("openjp2")
        if found:
            candidates.append(found)
        for path in candidates:
            try:
                lib = _bind(ctypes.CDLL(path))
                break
            except (OSError, AttributeError):
                lib = None
        _lib.append(lib)
        return lib


def _bind(lib: Any) -> Any:
    vp, u32, b = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int
    sigs: dict[str, tuple[Any, list[Any]]] = {
        "opj_create_decompress": (vp, [ctypes.c_int]),
        "opj_set_default_decoder_parameters": (None, [vp]),
        "opj_setup_decoder": (b, [vp, vp]),
        "opj_stream_create": (vp, [ctypes.c_size_t, b]),
        "opj_stream_set_read_function": (None, [vp, _READ_FN]),
        "opj_stream_set_skip_function": (None, [vp, _SKIP_FN]),
        "opj_stream_set_seek_function": (None, [vp, _SEEK_FN]),
        "opj_stream_set_user_data": (None, [vp, vp, vp]),
        "opj_stream_set_user_data_length": (None, [vp, ctypes.c_uint64]),
        "opj_read_header": (b, [vp, vp, ctypes.POINTER(ctypes.POINTER(_Image))]),
        "opj_set_decoded_resolution_factor": (b, [vp, u32]),
        "opj_decode": (b, [vp, vp, ctypes.POINTER(_Image)]),
        "opj_end_decompress": (b, [vp, vp]),
        "opj_stream_destroy": (None, [vp]),
        "opj_destroy_codec": (None, [vp]),
        "opj_image_destroy": (None, [ctypes.POINTER(_Image)]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib


def _openjp2_decode(data: bytes, level: int, bits_stored: int | None = None) -> np.ndarray:
    """One-component codestream decoded by OpenJPEG at resolution factor ``level``."""
    lib = _openjp2()
    if lib is None:
        raise ReducedDecodeError("OpenJPEG is not available for reduced decoding")
    src = bytes(data)
    pos = [0]

    def read(buf: int, n: int, _user: int) -> int:
        left = len(src) - pos[0]
        if left <= 0:
            return ctypes.c_size_t(-1).value  # end of stream
        k = min(n, left)
        ctypes.memmove(buf, src[pos[0] : pos[0] + k], k)
        pos[0] += k
        return k

    def skip(n: int, _user: int) -> int:
        new = min(max(pos[0] + n, 0), len(src))
        moved = new - pos[0]
        pos[0] = new
        return moved

    def seek(n: int, _user: int) -> int:
        if not 0 <= n <= len(src):
            return 0
        pos[0] = n
        return 1

    read_cb, skip_cb, seek_cb = _READ_FN(read), _SKIP_FN(skip), _SEEK_FN(seek)
    codec = lib.opj_create_decompress(_OPJ_CODEC_J2K)
    stream = lib.opj_stream_create(_STREAM_CHUNK, 1)
    image = ctypes.POINTER(_Image)()
    try:
        params = ctypes.create_string_buffer(_DPARAMS_BYTES)
        lib.opj_set_default_decoder_parameters(params)
        if not lib.opj_setup_decoder(codec, params):
            raise ReducedDecodeError("OpenJPEG refused its decoder set-up")
        lib.opj_stream_set_read_function(stream, read_cb)
        lib.opj_stream_set_skip_function(stream, skip_cb)
        lib.opj_stream_set_seek_function(stream, seek_cb)
        lib.opj_stream_set_user_data_length(stream, len(src))
        if not lib.opj_read_header(stream, codec, ctypes.byref(image)):
            raise ReducedDecodeError("JPEG 2000 header unreadable")
        if level and not lib.opj_set_decoded_resolution_factor(codec, level):
            raise ReducedDecodeError(f"the codestream has fewer than {level} reduced levels")
        if not lib.opj_decode(codec, stream, image) or not lib.opj_end_decompress(codec, stream):
            raise ReducedDecodeError("JPEG 2000 codestream cannot be decoded")
        img = image.contents
        if img.numcomps != 1:
            raise ReducedDecodeError(f"{img.numcomps} components; reduced decoding is for grey")
        comp = img.comps[0]
        h, w = int(comp.h), int(comp.w)
        if not comp.data or h * w == 0:
            raise ReducedDecodeError("JPEG 2000 decoder returned no samples")
        values = np.ctypeslib.as_array(comp.data, shape=(h, w))
        size = 1 if comp.prec <= 8 else 2 if comp.prec <= 16 else 4
        dtype = np.dtype(f"{'i' if comp.sgnd else 'u'}{size}")
        if level:  # the low-pass band may stray outside the stored range: clamp, not wrap
            info = np.iinfo(dtype)
            lo, hi = int(info.min), int(info.max)
            if bits_stored is not None and not comp.sgnd:
                hi = min(hi, (1 << bits_stored) - 1)
            return np.clip(values, lo, hi).astype(dtype)
        return values.astype(dtype)
    finally:
        if image:
            lib.opj_image_destroy(image)
        lib.opj_stream_destroy(stream)
        lib.opj_destroy_codec(codec)
