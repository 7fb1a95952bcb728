"""Pictures and films of what the reader sees: PNG/JPEG of a frame at full resolution (with or
without the measurements drawn), and MP4 of a series or cine loop (PyAV).

Grey values follow the viewer's linear window (VTK's window/level: ``(v - (c - w/2)) / w × 255``,
truncated, as ``vtkImageMapToWindowLevelColors`` computes it), so a PNG holds the grey levels the
viewport shows for that window.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image, ImageDraw

from viewer.dicom.findings.model import Finding
from viewer.dicom.findings.values import label_for

OVERLAY_RGB = (255, 220, 0)


def windowed(values: np.ndarray, window: tuple[float, float], invert: bool = False) -> np.ndarray:
    """Modality values → uint8 grey through a linear window (centre, width)."""
    c, w = float(window[0]), max(float(window[1]), 1e-6)
    out = (values.astype(np.float64) - (c - w / 2)) / w * 255.0
    grey = np.clip(np.floor(out), 0, 255).astype(np.uint8)  # as VTK's window/level truncates
    return 255 - grey if invert else grey


def draw_overlays(grey: np.ndarray, findings: Sequence[Finding]) -> np.ndarray:
    """An RGB copy of ``grey`` (or RGB) with the findings drawn in image pixels."""
    rgb = grey if grey.ndim == 3 else np.repeat(grey[:, :, None], 3, axis=2)
    img = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    for f in findings:
        m = f.measurement
        p = [(float(x), float(y)) for x, y in m.points]
        if m.kind in ("length", "arrow") and len(p) >= 2:
            d.line(p[:2], fill=OVERLAY_RGB, width=1)
        elif m.kind == "angle" and len(p) >= 3:
            d.line(p[:3], fill=OVERLAY_RGB, width=1)
        elif m.kind in ("ellipse", "rectangle") and len(p) >= 2:
            box = (
                min(p[0][0], p[1][0]),
                min(p[0][1], p[1][1]),
                max(p[0][0], p[1][0]),
                max(p[0][1], p[1][1]),
            )
            (d.ellipse if m.kind == "ellipse" else d.rectangle)(box, outline=OVERLAY_RGB)
        elif m.kind == "probe" and p:
            x, y = p[0]
            d.line([(x - 3, y), (x + 3, y)], fill=OVERLAY_RGB)
            d.line([(x, y - 3), (x, y + 3)], fill=OVERLAY_RGB)
        text = f.label or label_for(f.values, m.text)
        if text and p:
            d.text((p[-1][0] + 4, p[-1][1] + 4), text, fill=OVERLAY_RGB)
    return np.asarray(img)


def save_image(pixels: np.ndarray, path: str | os.PathLike[str], quality: int = 95) -> Path:
    """Write a uint8 grey or RGB frame as PNG or JPEG (by the suffix), via a temporary name."""
    path = Path(path)
    fmt = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path.name}: choose a .png, .jpg or .jpeg name")
    img = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8))
    tmp = _temp_beside(path)
    try:
        img.save(tmp, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _temp_beside(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    return Path(name)


def video_codec() -> str:
    """H.264 (libx264) when PyAV's FFmpeg has it, else MPEG-4 Part 2."""
    return "libx264" if "libx264" in av.codecs_available else "mpeg4"


class ExportCancelled(Exception):
    """The film was cancelled; nothing was left at the target."""


def write_mp4(
    frames: Iterable[np.ndarray],
    path: str | os.PathLike[str],
    fps: float = 10.0,
    *,
    total: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> int:
    """Encode uint8 grey or RGB frames (all of one size) as MP4; returns the frame count.

    Odd sizes are padded by one black row/column (yuv420p needs even sizes).
    """
    path = Path(path)
    tmp = _temp_beside(path.with_suffix(".mp4"))
    n = 0
    try:
        with av.open(str(tmp), "w", format="mp4") as container:
            stream: Any = None
            for frame in frames:
                if cancel is not None and cancel():
                    raise ExportCancelled("export cancelled")
                rgb = frame if frame.ndim == 3 else np.repeat(frame[:, :, None], 3, axis=2)
                h, w = rgb.shape[:2]
                rgb = np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)))
                if stream is None:
                    stream = container.add_stream(
                        video_codec(), rate=Fraction(fps).limit_denominator(1000)
                    )
                    stream.width, stream.height = rgb.shape[1], rgb.shape[0]
                    stream.pix_fmt = "yuv420p"
                    if stream.codec_context.name == "libx264":
                        stream.options = {"crf": "18", "preset": "medium"}
                    else:
                        stream.bit_rate = 8_000_000
                vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb, np.uint8), format="rgb24")
                for packet in stream.encode(vf):
                    container.mux(packet)
                n += 1
                if progress is not None:
                    progress(n, total or n, f"frame {n}")
            if stream is None:
                raise ValueError("no frame to write")
            for packet in stream.encode():
                container.mux(packet)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n


def series_frames(
    values: np.ndarray, window: tuple[float, float], invert: bool = False
) -> Iterable[np.ndarray]:
    """The windowed frames of a (n, rows, cols) series, one at a time."""
    for k in range(values.shape[0]):
        yield windowed(values[k], window, invert)
