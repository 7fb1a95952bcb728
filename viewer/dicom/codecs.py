"""Frame decoding, chosen per transfer syntax.

A small registry maps transfer syntax UIDs to fast decoders (numpy views for native data,
imagecodecs for JPEG 2000 / HTJ2K / JPEG-LS — they release the GIL, so threads use every core —
and pylibjpeg-rle for RLE). Everything else, and every colour image, goes through pydicom's own
pixel pipeline (with the pylibjpeg plugins), which is the reference the fast paths are tested
against.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pydicom
from pydicom import encaps
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID

from viewer.dicom.codestream import check_codestream
from viewer.dicom.limits import human_bytes, limits
from viewer.dicom.model import FrameRef, InstanceInfo, PixelFormat
from viewer.dicom.syntaxes import (
    DEFLATED,
    EXPLICIT_BE,
    EXPLICIT_LE,
    HTJ2K_ANY,
    HTJ2K_LOSSLESS,
    HTJ2K_LOSSLESS_RPCL,
    IMPLICIT_LE,
    JPEG2000_LOSSLESS,
    JPEG2000_LOSSY,
    JPEGLS_LOSSLESS,
    JPEGLS_NEAR_LOSSLESS,
    RLE_LOSSLESS,
    DecodeError,
)


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
    JPEG2000_LOSSY: _imagecodecs_j2k,
    # HTJ2K by OpenJPEG: OpenJPH (imagecodecs.htj2k_decode, 1.5 x faster) returns a picture
    # for a cut stream, reports a corrupt one only to Python's error hooks, wraps a lossy
    # overshoot around and ignores a region of interest. Guarded (lossless plain HT streams
    # only, whole tile-parts, the hooks' reports caught, an OpenJPEG parse at a reduced level)
    # it was 1.2 x faster, and still showed 1 in about 1,500 mutated streams OpenJPEG refuses:
    # tried on 30 November 2026 and dropped - it must not decide alone
    HTJ2K_LOSSLESS: _imagecodecs_j2k,
    HTJ2K_LOSSLESS_RPCL: _imagecodecs_j2k,
    HTJ2K_ANY: _imagecodecs_j2k,
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
    if ts in _NATIVE or ts == DEFLATED:
        return inst.pixel_data_length is not None
    return ts in _FAST_COMPRESSED and inst.pixel_data_length is None


def _encapsulated(inst: InstanceInfo) -> bool:
    return (
        inst.pixel_data_offset is not None
        and inst.pixel_data_length is None
        and inst.transfer_syntax_uid not in _NATIVE
        and inst.transfer_syntax_uid not in (DEFLATED, EXPLICIT_BE)
    )


class _FailedFrames:
    """Frames that failed to decode, remembered so that no codec is tried twice on the same
    frame (the thumbnail, then the load, would otherwise both pay for a hostile stream)."""

    def __init__(self, capacity: int = 4096) -> None:
        self._lock = threading.Lock()
        self._failed: OrderedDict[tuple[str, int | None, int], str] = OrderedDict()
        self._capacity = capacity

    def get(self, key: tuple[str, int | None, int]) -> str | None:
        with self._lock:
            return self._failed.get(key)

    def add(self, key: tuple[str, int | None, int], reason: str) -> None:
        with self._lock:
            self._failed[key] = reason
            while len(self._failed) > self._capacity:
                self._failed.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._failed.clear()


FAILED_FRAMES = _FailedFrames()


def check_series_budget(frames: list[FrameRef], itemsize: int | None = None) -> None:
    """Refuse, before any allocation, a series whose frames would need more memory than the
    limit (``itemsize``: bytes per sample as loaded; the stored size when not given)."""
    total = 0
    for fr in frames:
        px = fr.instance.pixel
        if px is None:
            continue
        size = itemsize or max(1, px.bits_allocated // 8)
        g = fr.geometry
        if itemsize is None and not (
            float(g.rescale_slope).is_integer() and float(g.rescale_intercept).is_integer()
        ):
            size = max(size, 4)  # loaded as float32
        total += px.rows * px.columns * px.samples_per_pixel * size
    lim = limits()
    if total > lim.max_series_bytes:
        raise DecodeError(
            f"the series needs {human_bytes(total)} in memory, more than the "
            f"{human_bytes(lim.max_series_bytes)} allowed"
        )


class FrameReader:
    """Decodes the frames of one instance; reads the object's bytes at most once, and never
    more of them than its header justifies (see :mod:`viewer.dicom.limits`)."""

    def __init__(self, inst: InstanceInfo) -> None:
        self.inst = inst
        self._fragments: list[bytes] | None = None
        self._native: bytes | None = None  # all native pixel bytes (zip members, deflate)
        self._lock = threading.Lock()

    def frame(self, index: int) -> np.ndarray:
        """Stored values of frame ``index`` (no rescale), shape (rows, cols[, samples])."""
        inst = self.inst
        if inst.pixel is None:
            raise DecodeError("object has no pixel data")
        if not 0 <= index < inst.number_of_frames:
            raise DecodeError(f"frame {index} out of range (object has {inst.number_of_frames})")
        key = (str(inst.ref), inst.file_size, index)
        failed = FAILED_FRAMES.get(key)
        if failed is not None:
            raise DecodeError(failed)
        try:
            return self._frame(index)
        except DecodeError as exc:
            FAILED_FRAMES.add(key, str(exc))
            raise
        except (OSError, EOFError) as exc:  # a file gone or changed: not remembered
            raise DecodeError(f"cannot read pixels ({_short(exc)})") from None
        except Exception as exc:  # a damaged zip member, a parser's surprise: reported
            reason = f"cannot read pixels ({_short(exc)})"
            FAILED_FRAMES.add(key, reason)
            raise DecodeError(reason) from None

    def _frame(self, index: int) -> np.ndarray:
        inst = self.inst
        px = inst.pixel
        assert px is not None
        if px.frame_bytes > limits().max_frame_bytes:
            raise DecodeError(f"frame of {human_bytes(px.frame_bytes)} is over the limit")
        ts = inst.transfer_syntax_uid
        if has_fast_path(inst) and (ts in _NATIVE or ts == DEFLATED):
            return decode_native(self._native_frame(index), px)
        if _encapsulated(inst):
            try:
                data = self._compressed_frame(index)
            except DecodeError:
                data = None  # odd encapsulation: pydicom may still know how to read it
            if data is not None:
                check_codestream(data, ts, px)  # before any decoder sees it
                if has_fast_path(inst):
                    try:
                        arr = _FAST_COMPRESSED[ts](data, px)
                        return _check_shape(_fix_bits(arr, px), px)
                    except BaseException as exc:  # Rust codecs panic with a BaseException
                        _reraise_interrupts(exc)
                        # the codec has seen this frame: no second codec on the same stream
                        raise DecodeError(f"compressed frame is corrupt ({_short(exc)})") from None
        return self._pydicom_frame(index)

    def codestream(self, index: int) -> bytes:
        """The compressed bytes of frame ``index`` of an encapsulated object, their declared
        size checked against the header (for a decoder of its own, e.g. a reduced level)."""
        inst = self.inst
        if inst.pixel is None or not _encapsulated(inst):
            raise DecodeError("not an encapsulated (compressed) image")
        data = self._compressed_frame(index)
        check_codestream(data, inst.transfer_syntax_uid, inst.pixel)
        return data

    def _native_frame(self, index: int) -> bytes:
        inst = self.inst
        px = inst.pixel
        assert px is not None and inst.pixel_data_offset is not None
        size = px.frame_bytes
        if inst.ref.member is None and inst.transfer_syntax_uid != DEFLATED:
            return inst.ref.read_range(inst.pixel_data_offset + index * size, size)
        # a zip member or a deflated object: inflated once, only as far as the pixels need
        with self._lock:
            if self._native is None:
                need = size * inst.number_of_frames
                if inst.transfer_syntax_uid == DEFLATED:
                    self._native = _inflate_pixels(inst, need)
                elif inst.number_of_frames == 1:
                    return inst.ref.read_range(inst.pixel_data_offset, size)
                else:
                    self._native = inst.ref.read_range(inst.pixel_data_offset, need)
            return self._native[index * size : (index + 1) * size]

    def _compressed_frame(self, index: int) -> bytes:
        inst = self.inst
        with self._lock:
            if self._fragments is None:
                self._fragments = _read_fragments(inst)
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
        check_read_budget(inst)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                if inst.transfer_syntax_uid == DEFLATED or not inst.has_meta:
                    # the whole dataset parsed (bounded by read_dataset), then decoded once
                    arr = read_dataset(inst).pixel_array
                    if inst.number_of_frames > 1:
                        arr = arr[index]
                else:
                    with inst.ref.open() as f:
                        arr = pixel_array(f, index=index)
            except BaseException as exc:
                _reraise_interrupts(exc)
                raise DecodeError(f"pixel data cannot be decoded ({_short(exc)})") from None
        return _check_shape(arr, px)


def _read_fragments(inst: InstanceInfo) -> list[bytes]:
    px = inst.pixel
    assert px is not None and inst.pixel_data_offset is not None
    lim = limits()
    available = inst.ref.size() - inst.pixel_data_offset
    budget = lim.compressed_budget(px.frame_bytes * inst.number_of_frames, inst.number_of_frames)
    if available > budget:
        raise DecodeError(
            f"compressed pixel data is {human_bytes(available)}, more than the "
            f"{human_bytes(budget)} its {inst.number_of_frames} frame(s) can need"
        )
    raw = inst.ref.read_range(inst.pixel_data_offset, available)
    try:
        return list(encaps.generate_frames(raw, number_of_frames=inst.number_of_frames))
    except Exception as exc:
        raise DecodeError(f"encapsulated pixel data is corrupt ({_short(exc)})") from None


def _inflate_pixels(inst: InstanceInfo, need: int) -> bytes:
    """The native pixel bytes of a deflated object: inflated up to the pixel data and no
    further than the image needs."""
    from viewer.dicom.header import HeaderError, inflate

    assert inst.pixel_data_offset is not None and inst.dataset_offset is not None
    try:
        with inst.ref.open() as f:
            body, _complete = inflate(
                f, inst.dataset_offset, inst.pixel_data_offset + need + limits().margin_bytes
            )
    except HeaderError as exc:
        raise DecodeError(str(exc)) from None
    data = body[inst.pixel_data_offset : inst.pixel_data_offset + need]
    if len(data) < need:
        raise DecodeError(f"deflated pixel data truncated: {len(data)} of {need} bytes present")
    return data


def check_read_budget(inst: InstanceInfo) -> None:
    """Refuse to hand an object to a whole-dataset reader when its pixel data (as declared or
    as present) is far more than its header says the image needs."""
    px = inst.pixel
    if px is None:
        return
    lim = limits()
    need = px.frame_bytes * inst.number_of_frames
    if need > lim.max_series_bytes or px.frame_bytes > lim.max_frame_bytes:
        raise DecodeError(f"image of {human_bytes(need)} is over the limit")
    if inst.transfer_syntax_uid == DEFLATED:
        return  # read_dataset inflates within a budget
    size = inst.file_size if inst.file_size is not None else inst.ref.size()
    if inst.pixel_data_length is not None:
        present = inst.pixel_data_length
        budget = need + lim.margin_bytes
    else:
        present = size - (inst.pixel_data_offset or 0)
        budget = lim.compressed_budget(need, inst.number_of_frames)
    if present > budget:
        raise DecodeError(
            f"pixel data is {human_bytes(present)}, more than the {human_bytes(budget)} "
            "the image can need: not read whole"
        )


def read_dataset(inst: InstanceInfo) -> Dataset:
    """The whole dataset, with a transfer syntax even when the file has no meta header; read
    within the budget its header justifies (a deflated one inflated only that far)."""
    check_read_budget(inst)
    if inst.transfer_syntax_uid == DEFLATED:
        return _read_deflated_dataset(inst)
    with inst.ref.open() as f:
        ds = pydicom.dcmread(f, force=True)
    if "TransferSyntaxUID" not in getattr(ds, "file_meta", Dataset()):
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = UID(inst.transfer_syntax_uid)
    return ds


def _read_deflated_dataset(inst: InstanceInfo) -> Dataset:
    import io

    from pydicom.filereader import read_dataset as parse

    from viewer.dicom.header import HeaderError, inflate

    px = inst.pixel
    assert inst.dataset_offset is not None
    need = px.frame_bytes * inst.number_of_frames if px is not None else 0
    limit = (inst.pixel_data_offset or limits().max_header_bytes) + need + limits().margin_bytes
    try:
        with inst.ref.open() as f:
            body, _complete = inflate(f, inst.dataset_offset, limit)
    except HeaderError as exc:
        raise DecodeError(str(exc)) from None
    ds = parse(io.BytesIO(body), False, True)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = UID(EXPLICIT_LE)
    ds.set_original_encoding(False, True, None)
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
