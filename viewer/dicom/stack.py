"""Series without 3D geometry (radiographs, cine, secondary captures, palette colour) as an
:class:`~viewer.dicom.volume.ImageStack` of 2D frames in instance order."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from viewer.dicom.codecs import read_dataset, storage_dtype
from viewer.dicom.decode import decode_frames_into, drop_failed, output_dtype, progress_counter
from viewer.dicom.i18n import translate
from viewer.dicom.images import ImageStack, LoadError, ProgressFn, is_volumetric
from viewer.dicom.model import FrameRef, Problem, SeriesInfo
from viewer.dicom.quantity import suv_scale


def load_stack(
    series: SeriesInfo,
    *,
    workers: int | None,
    progress: ProgressFn | None,
    on_first: Callable[[np.ndarray, int], None] | None,
) -> ImageStack:
    frames = sorted(
        series.frames,
        key=lambda f: (f.instance.instance_number or 0, f.instance.sop_instance_uid, f.index),
    )
    inst0 = frames[0].instance
    px = inst0.pixel
    assert px is not None
    if px.photometric == "PALETTE COLOR":
        return _load_palette(series, frames)
    is_color = px.samples_per_pixel > 1
    plan_notes: list[str] = []
    if is_volumetric(series):
        plan_notes.append(
            translate(
                "Volumes", "slices too few or too irregular for a 3D volume; shown as 2D images"
            )
        )
    if is_color:
        shape: tuple[int, ...] = (len(frames), px.rows, px.columns, 3)
        dtype = np.dtype(np.uint8) if px.bits_allocated == 8 else storage_dtype(px)
        rescale = False
    else:
        shape = (len(frames), px.rows, px.columns)
        dtype = output_dtype(frames)
        rescale = True
    arr = np.empty(shape, dtype=dtype)
    tick = progress_counter(len(frames), progress)

    def on_frame(n: int) -> None:
        if n == 0 and on_first is not None:
            on_first(arr[0], 0)
        if tick is not None:
            tick(n)

    failures = decode_frames_into(
        arr, frames, workers=workers, first=0, on_frame=on_frame, rescale=rescale
    )
    problems, keep = drop_failed(failures, len(frames))
    if keep is not None:
        arr = arr[keep]
        frames = [frames[n] for n in keep]
    window = None
    if inst0.window_center is not None and inst0.window_width is not None:
        window = (inst0.window_center, inst0.window_width)
    spacing = frames[0].geometry.pixel_spacing
    stack = ImageStack(
        frames=arr,
        pixel_spacing=spacing,
        modality=series.modality,
        series_uid=series.series_uid,
        window=window,
        is_color=is_color,
        sources=frames,
        problems=problems,
        warnings=list(series.notes) + plan_notes,
    )
    if not is_color:
        stack.suv = suv_scale(stack.modality, stack.sources, stack.warnings)
    return stack


def _load_palette(series: SeriesInfo, frames: list[FrameRef]) -> ImageStack:
    """PALETTE COLOR images become RGB through their colour lookup tables."""
    from pydicom.pixels import apply_color_lut

    out: list[np.ndarray] = []
    problems: list[Problem] = []
    kept: list[FrameRef] = []
    for fr in frames:
        try:
            ds = read_dataset(fr.instance)
            pal = ds.pixel_array
            if fr.instance.number_of_frames > 1:
                pal = pal[fr.index]
            rgb = apply_color_lut(pal, ds)
        except Exception as exc:
            why = translate("Problems", "palette colour image cannot be decoded ({0})")
            problems.append(Problem(str(fr), why.format(exc)))
            continue
        out.append(rgb)
        kept.append(fr)
    if not out:
        raise LoadError(translate("Volumes", "no palette colour image could be decoded"), problems)
    rgb_arr = np.stack(out)
    if rgb_arr.dtype != np.uint8:
        rgb_arr = (rgb_arr >> 8).astype(np.uint8) if rgb_arr.dtype == np.uint16 else rgb_arr
    return ImageStack(
        frames=rgb_arr,
        pixel_spacing=kept[0].geometry.pixel_spacing,
        modality=series.modality,
        series_uid=series.series_uid,
        is_color=True,
        sources=kept,
        problems=problems,
        warnings=list(series.notes),
    )
