"""Frame decoding, chosen per transfer syntax.

A small registry maps transfer syntax UIDs to fast decoders (numpy views for native data,
imagecodecs for JPEG 2000 / HTJ2K / JPEG-LS — they release the GIL, so threads use every core —
and pylibjpeg-rle for RLE). Everything else, and every colour image, goes through pydicom's own
pixel pipeline (with the pylibjpeg plugins), which is the reference the fast paths are tested
against.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pydicom
from pydicom import encaps
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID

from viewer.dicom.model import InstanceInfo, PixelFormat

IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
JPEG2000_LOSSLESS = "1.2.840.10008.1.2.4.90"
JPEG2000 = "1.2.840.10008.1.2.4.91"
HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201"
HTJ2K_LOSSLESS_RPCL = "1.2.840.10008.1.2.4.202"
HTJ2K = "1.2.840.10008.1.2.4.203"
JPEGLS_LOSSLESS = "1.2.840.10008.1.2.4.80"
JPEGLS_NEAR_LOSSLESS = "1.2.840.10008.1.2.4.81"


class DecodeError(ValueError):
    """A frame could not be decoded; the message says why."""


def storage_dtype(px: PixelFormat) -> np.dtype[Any]:
    if px.bits_allocated == 1:
        return np.dtype(np.uint8)
    kind = "i" if px.pixel_representation == 1 else "u"
    return np.dtype(f"<{kind}{px.bits_allocated // 8}")


def _fix_bits(arr: np.ndarray, px: PixelFormat) -> np.ndarray:
    """Give the decoded frame the dataset's dtype and ignore unused high bits (as pydicom does)."""
    want = storage_dtype(px)
    if arr.dtype != want:
        arr = arr.view(want) if arr.dtype.itemsize == want.itemsize else arr.astype(want)
    shift = want.itemsize * 8 - px.bits_stored
    if shift > 0 and px.bits_allocated > 1:
        if not arr.flags.writeable:
            arr = arr.copy()
        np.left_shift(arr, shift, out=arr)
        np.right_shift(arr, shift, out=arr)
    return arr


def _check_shape(arr: np.ndarray, px: PixelFormat) -> np.ndarray:
    if arr.shape[:2] != (px.rows, px.columns):
        raise DecodeError(
            f"decoded frame is {arr.shape[1] if arr.ndim > 1 else '?'}×{arr.shape[0]}, "
            f"header says {px.columns}×{px.rows}"
        )
    return arr


# --------------------------------------------------------------------------- native


def decode_native(buf: bytes | memoryview, px: PixelFormat) -> np.ndarray:
    """One little-endian native grayscale frame (bytes of exactly one frame)."""
    need = px.frame_bytes
    if len(buf) < need:
        raise DecodeError(f"frame truncated: {len(buf)} of {need} bytes present")
    arr = np.frombuffer(buf, dtype=storage_dtype(px), count=px.rows * px.columns)
    return _fix_bits(arr.reshape(px.rows, px.columns), px)


# --------------------------------------------------------------------------- compressed


def _imagecodecs_j2k(data: bytes, px: PixelFormat) -> np.ndarray:
    import imagecodecs

    return imagecodecs.jpeg2k_decode(data, numthreads=1)


def _imagecodecs_jls(data: bytes, px: PixelFormat) -> np.ndarray:
    import imagecodecs

    return imagecodecs.jpegls_decode(data)


def _rle(data: bytes, px: PixelFormat) -> np.ndarray:
    from rle.utils import decode_frame

    out = decode_frame(data, px.rows * px.columns, px.bits_allocated, "<")
    return np.frombuffer(out, dtype=storage_dtype(px)).reshape(px.rows, px.columns)


_FAST_COMPRESSED: dict[str, Callable[[bytes, PixelFormat], np.ndarray]] = {
    JPEG2000_LOSSLESS: _imagecodecs_j2k,
    JPEG2000: _imagecodecs_j2k,
    HTJ2K_LOSSLESS: _imagecodecs_j2k,
    HTJ2K_LOSSLESS_RPCL: _imagecodecs_j2k,
    HTJ2K: _imagecodecs_j2k,
    JPEGLS_LOSSLESS: _imagecodecs_jls,
    JPEGLS_NEAR_LOSSLESS: _imagecodecs_jls,
    RLE_LOSSLESS: _rle,
}
_NATIVE = {IMPLICIT_LE, EXPLICIT_LE}


def has_fast_path(inst: InstanceInfo) -> bool:
    px = inst.pixel
    if px is None or px.samples_per_pixel != 1 or px.bits_allocated not in (8, 16, 32):
        return False
    if inst.pixel_data_offset is None:
        return False
    ts = inst.transfer_syntax_uid
    if ts in _NATIVE:
        return inst.pixel_data_length is not None
    return ts in _FAST_COMPRESSED and inst.pixel_data_length is None


class FrameReader:
    """Decodes the frames of one instance; reads the object's bytes at most once."""

    def __init__(self, inst: InstanceInfo) -> None:
        self.inst = inst
        self._fragments: list[bytes] | None = None

    def frame(self, index: int) -> np.ndarray:
        """Stored values of frame ``index`` (no rescale), shape (rows, cols[, samples])."""
        inst = self.inst
        px = inst.pixel
        if px is None:
            raise DecodeError("object has no pixel data")
        if not 0 <= index < inst.number_of_frames:
            raise DecodeError(f"frame {index} out of range (object has {inst.number_of_frames})")
        if has_fast_path(inst):
            assert inst.pixel_data_offset is not None
            if inst.transfer_syntax_uid in _NATIVE:
                size = px.frame_bytes
                buf = inst.ref.read_range(inst.pixel_data_offset + index * size, size)
                return decode_native(buf, px)
            try:
                data = self._compressed_frame(index)
                arr = _FAST_COMPRESSED[inst.transfer_syntax_uid](data, px)
                return _check_shape(_fix_bits(arr, px), px)
            except BaseException as exc:  # Rust codecs panic with a BaseException subclass
                _reraise_interrupts(exc)
                fast_error = exc
            # odd encapsulation that pydicom knows how to handle? else report the fast error
            try:
                return self._pydicom_frame(index)
            except DecodeError:
                raise DecodeError(f"compressed frame is corrupt ({_short(fast_error)})") from None
        return self._pydicom_frame(index)

    def _compressed_frame(self, index: int) -> bytes:
        inst = self.inst
        if self._fragments is None:
            assert inst.pixel_data_offset is not None
            size = inst.ref.size() - inst.pixel_data_offset
            raw = inst.ref.read_range(inst.pixel_data_offset, size)
            try:
                self._fragments = list(
                    encaps.generate_frames(raw, number_of_frames=inst.number_of_frames)
                )
            except Exception as exc:
                raise DecodeError(f"encapsulated pixel data is corrupt ({_short(exc)})") from None
        if index >= len(self._fragments):
            raise DecodeError(
                f"encapsulated pixel data holds {len(self._fragments)} frames, "
                f"header says {inst.number_of_frames}"
            )
        return self._fragments[index]

    def _pydicom_frame(self, index: int) -> np.ndarray:
        from pydicom.pixels import pixel_array

        inst = self.inst
        px = inst.pixel
        assert px is not None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with inst.ref.open() as f:
                    arr = pixel_array(f, index=index)
            except BaseException as first_exc:
                _reraise_interrupts(first_exc)
                # files that need the whole dataset parsed (deflate, a wrong transfer syntax)
                try:
                    arr = read_dataset(inst).pixel_array
                    if inst.number_of_frames > 1:
                        arr = arr[index]
                except BaseException as exc:
                    _reraise_interrupts(exc)
                    raise DecodeError(f"pixel data cannot be decoded ({_short(exc)})") from None
        return _check_shape(arr, px)


def read_dataset(inst: InstanceInfo) -> Dataset:
    """The whole dataset, with a transfer syntax even when the file has no meta header."""
    with inst.ref.open() as f:
        ds = pydicom.dcmread(f, force=True)
    if "TransferSyntaxUID" not in getattr(ds, "file_meta", Dataset()):
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = UID(inst.transfer_syntax_uid)
    return ds


def decoder_name(transfer_syntax_uid: str) -> str:
    """Human-readable name of the decoder used for a transfer syntax (for reports/benchmarks)."""
    if transfer_syntax_uid in _NATIVE:
        return "numpy (native)"
    fn = _FAST_COMPRESSED.get(transfer_syntax_uid)
    if fn is _imagecodecs_j2k:
        return "imagecodecs/OpenJPEG"
    if fn is _imagecodecs_jls:
        return "imagecodecs/CharLS"
    if fn is _rle:
        return "pylibjpeg-rle"
    return f"pydicom ({UID(transfer_syntax_uid).name})"


def _reraise_interrupts(exc: BaseException) -> None:
    """Decoder failures (even a codec's panic) become reports; a user's Ctrl-C does not."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:160]}" if text else type(exc).__name__
