"""The transfer syntaxes the reader tells apart (pydicom's UIDs under short names, grouped by how
they are decoded), and :class:`DecodeError`, what every decoding step raises.

The vocabulary the decoding modules (:mod:`~viewer.dicom.codecs`, :mod:`~viewer.dicom.codestream`,
:mod:`~viewer.dicom.direct`, :mod:`~viewer.dicom.progressive`) share, so they need not import
each other for it.
"""

from __future__ import annotations

from pydicom.uid import (
    HTJ2K,
    JPEG2000,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    HTJ2KLossless,
    HTJ2KLosslessRPCL,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)

IMPLICIT_LE = str(ImplicitVRLittleEndian)
EXPLICIT_LE = str(ExplicitVRLittleEndian)
EXPLICIT_BE = str(ExplicitVRBigEndian)
DEFLATED = str(DeflatedExplicitVRLittleEndian)
RLE_LOSSLESS = str(RLELossless)
JPEG2000_LOSSLESS = str(JPEG2000Lossless)
JPEG2000_LOSSY = str(JPEG2000)
HTJ2K_LOSSLESS = str(HTJ2KLossless)
HTJ2K_LOSSLESS_RPCL = str(HTJ2KLosslessRPCL)
HTJ2K_ANY = str(HTJ2K)
JPEGLS_LOSSLESS = str(JPEGLSLossless)
JPEGLS_NEAR_LOSSLESS = str(JPEGLSNearLossless)

#: not compressed (Deflated is compressed as a whole file, not per frame)
UNCOMPRESSED = frozenset({IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE, DEFLATED})
#: JPEG 2000 Part 1 and Part 15 (HTJ2K): one codestream per frame with a SIZ header
J2K_SYNTAXES = frozenset({JPEG2000_LOSSLESS, JPEG2000_LOSSY})
HTJ2K_SYNTAXES = frozenset({HTJ2K_LOSSLESS, HTJ2K_LOSSLESS_RPCL, HTJ2K_ANY})
J2K_FAMILY = J2K_SYNTAXES | HTJ2K_SYNTAXES


class DecodeError(ValueError):
    """A frame could not be decoded; the message says why."""
