"""Uncompressed frames read from their file straight into a volume's array.

:func:`read_native_into` is the uncompressed path of :func:`viewer.dicom.volume.load_series`:
one ``readinto`` per frame instead of bytes, a frame array and copies, with the same result as
:class:`viewer.dicom.codecs.FrameReader` (unused high bits cleared, or sign-extended) and the
same refusals (only plain files, frames within the limit, truncation reported).
"""

from __future__ import annotations

import io
import typing

import numpy as np

from viewer.dicom.codecs import has_fast_path, storage_dtype
from viewer.dicom.limits import limits
from viewer.dicom.model import FrameRef
from viewer.dicom.sources import open_regular
from viewer.dicom.syntaxes import EXPLICIT_LE, IMPLICIT_LE, DecodeError


def read_native_into(out: np.ndarray, fr: FrameRef) -> bool:
    """An uncompressed little-endian frame of a plain file read straight into ``out`` (no
    intermediate bytes, no copies), unused high bits then cleared as the decoder would;
    False when the frame is not such a frame (the reader decodes it)."""
    inst = fr.instance
    px = inst.pixel
    if (
        px is None
        or inst.ref.member is not None
        or inst.transfer_syntax_uid not in (IMPLICIT_LE, EXPLICIT_LE)
        or not has_fast_path(inst)
        or out.dtype != storage_dtype(px)
        or out.shape != (px.rows, px.columns)
        or not out.flags.c_contiguous
        or px.frame_bytes > limits().max_frame_bytes
    ):
        return False
    assert inst.pixel_data_offset is not None
    need = px.frame_bytes
    with open_regular(inst.ref.path) as f:
        f.seek(inst.pixel_data_offset + fr.index * need)
        got = typing.cast(io.BufferedReader, f).readinto(out.data.cast("B"))
    if got < need:
        raise DecodeError(f"frame truncated: {got} of {need} bytes present")
    shift = out.dtype.itemsize * 8 - px.bits_stored
    if shift > 0:
        if out.dtype.kind == "u":
            if int(out.max()) >> px.bits_stored:
                np.bitwise_and(out, (1 << px.bits_stored) - 1, out=out)
        else:
            np.left_shift(out, shift, out=out)
            np.right_shift(out, shift, out=out)
    return True
