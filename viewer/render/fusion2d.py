"""A fused overlay in a 2D viewport (e.g. PET over CT): the overlay volume resliced onto the base
slice's plane by patient geometry (and the fusion's transform), coloured by its own table over its
own window, transparent below a threshold with an opacity ramp above it.

A plane along the overlay's slices and axes (PET/CT as acquired) over a grey base image is drawn
by the graphics pipeline in one pass (:mod:`viewer.render.fusion_quad`): a fused frame then costs
about what a plain one does. Any other is blended on the CPU into the base slice's colours and
the result drawn as the one textured image of the view: on a software renderer (Mesa llvmpipe)
every image drawn costs about 15 ns per screen pixel it covers, so a second, blended image in
front of the slice cost as much again as the base image over the overlay's area (1.3-1.7 x a
plain frame), while the blend costs a fraction of that. The overlay is blended into the coloured
base slice in place, only over the box where it can be visible, by Pillow's masked paste:
vtkImageBlend (a copy of the whole slice, then the box at nearly twice Pillow's cost per pixel)
took 0.67 ms against 0.51 ms a new slice of the 512 x 512 benchmark, on one thread."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkLookupTable
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkImagingCore import (
    vtkImageInterpolator,
    vtkImageMapToColors,
    vtkImageReslice,
    vtkImageResliceToColors,
)
from vtkmodules.vtkRenderingCore import vtkImageProperty, vtkImageSlice, vtkImageSliceMapper

from viewer.dicom.colormaps import fusion_defaults
from viewer.dicom.volume import Volume
from viewer.dicom.windows import display_values
from viewer.render.colorbar import lookup_table, overlay_table
from viewer.render.fusion_quad import FusedQuad, along_axes, slab
from viewer.render.fusion_threads import ThreadChoice, helper, paste_over
from viewer.render.overlay import share_volume

MAX_TEXTURE = 4096  # pixels a side: one texture on any current desktop OpenGL (3.2 promises 1024)


def fusion_style(fusion: Any, base_modality: str) -> tuple[str, float, float]:
    """(colour map, threshold, ramp) of a fusion; threshold and ramp from the pair's data
    defaults unless the fusion carries its own."""
    try:
        d = fusion_defaults(base_modality, fusion.volume.modality)
        threshold, ramp = d.threshold, d.ramp
    except ValueError:
        threshold, ramp = 0.0, 0.0
    t = getattr(fusion, "threshold", None)
    r = getattr(fusion, "ramp", None)
    return (
        str(fusion.colormap),
        threshold if t is None else float(t),
        ramp if r is None else float(r),
    )


class FusedLayer:
    """A fused overlay in a 2D viewport: the overlay volume resliced onto the base slice's plane
    by patient geometry (and the fusion's transform) at the base slice's pixels, only over the
    box where it can be visible (values interpolated, then coloured by its own table over its
    own window, as the MPR fusion does), blended over the base slice's window/level colours.
    The box of a plane parallel to the overlay's slices comes from the visible voxels of the two
    slices it lies between; of any other plane, from a first pass at the overlay's resolution.

    Owns that pipeline, the boxes seen (per plane and per overlay slice, bounded), ``slice``
    (the prop that shows the blended image) and ``quad`` (the one-pass drawing, where it can
    be); one of the two is shown in the base slice's place (:meth:`show`; the owner hides its
    own slice meanwhile)."""

    def __init__(self, fusion: Any) -> None:
        self.volume: Volume = fusion.volume
        self.data, self.keep = share_volume(self.volume)
        self.display = display_values(self.volume)
        vm = np.eye(4)
        vm[:3, :3] = self.volume.direction
        vm[:3, 3] = self.volume.origin
        #: patient LPS mm → the overlay's volume-space mm (its shared vtkImageData's world)
        self._from_patient = np.linalg.inv(vm)
        #: the plane at the overlay's resolution: where is it visible (not transparent)?
        self.reslice = self._reslice()
        #: the plane at the base slice's pixels over the box where it is visible, coloured in
        #: the same pass
        self.fine = self._reslice(vtkImageResliceToColors())
        # a plane along the overlay's axes is sampled separably; the sliding window does each
        # row's interpolation across slices and rows once for the run of pixels that share it
        # (the same values; a plane between two overlay slices costs as one on a slice)
        interpolator = vtkImageInterpolator()
        interpolator.SetInterpolationModeToLinear()
        interpolator.SlidingWindowOn()
        self.fine.SetInterpolator(interpolator)
        self.lut = vtkLookupTable()
        self.fine.SetLookupTable(self.lut)
        self.fine.SetOutputFormatToRGBA()
        # the base slice through its window/level (and colour map) table
        self.base_lut = vtkLookupTable()
        self.base_colors = vtkImageMapToColors()
        self.base_colors.SetLookupTable(self.base_lut)
        # RGBA (opaque): a texture of 4 bytes a pixel is loaded as it is, 3 bytes are converted
        self.base_colors.SetOutputFormatToRGBA()
        #: the base view's whole image (its slices over the base volume's memory): only the
        #: shown slice is coloured (the filter is asked for that slice alone)
        self._base_image: vtkImageData | None = None
        self.reslice.SetNumberOfThreads(1)  # a few thousand samples: threads cost more
        #: threads of the filters that run over the slice on every new slice, chosen by timing
        self.threads = ThreadChoice([self.base_colors, self.fine])
        #: the base slice's colours for the quad (RGBA; not blended into, unlike the CPU's)
        self.quad_colors = vtkImageMapToColors()
        self.quad_colors.SetLookupTable(self.base_lut)
        self.quad_colors.SetOutputFormatToRGBA()
        self.quad_colors.SetNumberOfThreads(1)
        #: the shown slice blended (its extent and spacing; its scalars: the coloured slice,
        #: blended in place)
        self.image = vtkImageData()
        self._grey = True  # a grey base image (coloured by base_colors); else RGB, copied
        self._own = np.zeros((0, 0, 4), np.uint8)  # the copy of an RGB slice
        self._own_scalars: Any = None
        self._slice_extent = (0, -1, 0, -1, 0, 0)  # the shown slice in the base image's pixels
        self._box_px = (0, -1, 0, -1)  # the overlay's box in it (x0, x1, y0, y1, inclusive)
        #: what the shown image holds (base and overlay generation times, slice, box)
        self._done: tuple[Any, ...] = ()
        #: when the base colours (``base_colors``' output) were last blended into, in place:
        #: while their update time is that, they hold an overlay and are coloured again first
        self._blended_into = -1
        self._ready = False  # a slice placed with a visible box: there is something to blend
        self.index = -1  # the base image's slice placed (show_slice)
        self.mapper = vtkImageSliceMapper()
        self.mapper.SetInputData(self.image)
        self.mapper.SetOrientationToZ()
        self.mapper.SliceAtFocalPointOff()
        self.mapper.SliceFacesCameraOff()
        self.prop = vtkImageProperty()
        self.prop.SetInterpolationTypeToLinear()
        self.prop.SetColorWindow(255.0)  # already colours: shown as they are
        self.prop.SetColorLevel(127.5)
        self.slice = vtkImageSlice()
        self.slice.SetMapper(self.mapper)
        self.slice.SetProperty(self.prop)
        #: the same drawn by the graphics pipeline in one pass, where it can be
        #: (:mod:`viewer.render.fusion_quad`); ``gpu`` False: always blended here
        self.quad = FusedQuad()
        self.gpu = True
        self.on_gpu = False  # the shown slice is the quad's
        self.props = (self.slice, self.quad.actor)  # (the owner adds both; one is visible)
        self._shown = False
        self._lut_key: tuple[Any, ...] = ()
        self._base_key: tuple[Any, ...] = ()
        #: the box of the plane (mm: x0, x1, y0, y1) out of which the overlay is transparent
        self._box = (0.0, 0.0, 0.0, 0.0)
        self._step = 1.0
        self._plane = np.eye(4)  # the plane's (x, y, depth) mm → the overlay's volume space mm
        self._depth = 0.0
        self._extent = (0.0, 0.0)
        #: the reslice axes (one matrix, refilled per slice) and patient → overlay volume space
        #: through the fusion's transform (kept while the transform does not change)
        self._axes = vtkMatrix4x4()
        self._to_volume: tuple[bytes, np.ndarray, np.ndarray, np.ndarray] = (
            b"",
            np.eye(4),
            np.eye(4),
            np.zeros(3),
        )
        #: the box of each plane seen (key: the plane, its extent and the threshold), so that
        #: scrolling back over slices seen costs nothing; bounded
        self._boxes: dict[tuple[Any, ...], tuple[float, float, float, float] | None] = {}
        #: the box of each overlay slice's visible voxels (key: slice, threshold); bounded
        self._slice_boxes: dict[tuple[int, float], tuple[int, int, int, int] | None] = {}
        self._plane_key: tuple[Any, ...] = ()
        #: raw overlay value from which it is drawn (the threshold); below it, transparent
        self.visible_from = -np.inf

    def _reslice(self, r: Any = None) -> Any:
        r = r or vtkImageReslice()
        r.SetInputData(self.data)
        # 3D output of one slice: a 2D output would drop the z origin (the base slice's depth)
        r.SetOutputDimensionality(3)
        r.SetInterpolationModeToLinear()
        r.SetBackgroundLevel(float(self.volume.array.min()))  # transparent (below the window)
        r.AutoCropOutputOff()
        return r

    def place(
        self,
        g: Any,
        z: float,
        extent_mm: tuple[float, float],
        base_step: float,
        transform: np.ndarray,
    ) -> bool:
        """Sample the base slice's plane (``g``: its SliceGeometry; drawn at world depth ``z``,
        covering ``extent_mm``); False when the base slice has no patient geometry."""
        if g.origin is None or g.row_dir is None or g.col_dir is None:
            return False
        row, col = np.asarray(g.row_dir, float), np.asarray(g.col_dir, float)
        key = transform.tobytes() + row.tobytes() + col.tobytes()
        if key != self._to_volume[0]:
            # patient → overlay volume space, and the plane's axes (row, column, normal) there:
            # they stay while scrolling, only the plane's origin moves
            to_volume = self._from_patient @ transform
            plane = np.eye(4)
            plane[:3, 0], plane[:3, 1], plane[:3, 2] = row, col, g.normal
            self._to_volume = (key, to_volume, to_volume @ plane, plane[:3, 2].copy())
        _, to_volume, axes, normal = self._to_volume
        # the plane's origin: the base slice's pixel (0, 0), drawn at depth z
        axes = axes.copy()
        axes[:3, 3] += to_volume[:3, :3] @ (np.asarray(g.origin, float) - z * normal)
        self._axes.DeepCopy(axes.ravel().tolist())
        self.reslice.SetResliceAxes(self._axes)
        self.fine.SetResliceAxes(self._axes)
        step = max(base_step, min(self.volume.spacing[:2]))
        self._step = step
        nx, ny = int(np.ceil(extent_mm[0] / step)), int(np.ceil(extent_mm[1] / step))
        self.reslice.SetOutputSpacing(step, step, 1.0)
        self.reslice.SetOutputOrigin(0.0, 0.0, z)
        self.reslice.SetOutputExtent(0, nx, 0, ny, 0, 0)
        self._plane, self._depth, self._extent = axes, z, extent_mm
        self._plane_key = (axes.tobytes(), z, step, nx, ny, *extent_mm)
        return True

    def style(self, fusion: Any, base_modality: str) -> None:
        """Its table (window in the overlay's display unit: SUV for PET) and opacity."""
        cmap, threshold, ramp = fusion_style(fusion, base_modality)
        c, w = fusion.window
        f = self.display.typical_factor or 1.0
        # the opacity as vtkImageBlend takes it: in 256ths
        o = int(256 * min(max(float(fusion.opacity), 0.0), 1.0) + 0.5)
        key = (cmap, c, w, f, threshold, ramp, o)
        if key != self._lut_key:
            self._lut_key = key
            low, high = (c - w / 2) / f, (c + w / 2) / f
            overlay_table(cmap, low, high, threshold, ramp, self.lut)
            _scale_alpha(self.lut, o)
            self.quad.set_table(self.lut)
            self.visible_from = low + max(0.0, threshold) * (high - low)

    def crop(self) -> bool:
        """Blend only the box where the overlay is not transparent; False when nothing of it is
        visible on this slice."""
        key = (*self._plane_key, self.visible_from)
        if key not in self._boxes:
            if len(self._boxes) >= 4096:  # (a few hundred kB at most)
                self._boxes.clear()
            self._boxes[key] = self._visible_box()
        box = self._boxes[key]
        self._ready = box is not None
        if box is None:
            return False
        self._box = box
        return True

    def _visible_box(self) -> tuple[float, float, float, float] | None:
        """The box of the plane (mm) out of which the overlay is transparent, within the plane's
        extent; None when it is transparent all over."""
        a, (ex, ey), sz = self._plane, self._extent, self.volume.spacing[2]
        # the overlay's slice (index, fractional) at the plane's corners
        k = a[2, 2] * self._depth + a[2, 3]
        ks = [(k + a[2, 0] * x + a[2, 1] * y) / sz for x in (0.0, ex) for y in (0.0, ey)]
        # (nearly) parallel to its slices, the usual PET/CT: from the few slices it crosses
        parallel = max(ks) - min(ks) <= 2.0
        box = self._slab_box(min(ks), max(ks)) if parallel else self._coarse_box()
        if box is None:
            return None
        x0, x1, y0, y1 = box
        x0, y0 = max(x0, 0.0), max(y0, 0.0)
        x1, y1 = min(x1, self._extent[0]), min(y1, self._extent[1])
        return (x0, x1, y0, y1) if x0 <= x1 and y0 <= y1 else None

    def _slab_box(self, k_lo: float, k_hi: float) -> tuple[float, float, float, float] | None:
        """A plane (nearly) parallel to the overlay's slices, between slice positions ``k_lo``
        and ``k_hi``, is interpolated from the few slices around: visible at most over their
        visible voxels' box and one voxel around it (a value interpolated above the threshold
        has a voxel above it among its eight); no sampling."""
        a, sx, sy, _ = self._plane, *self.volume.spacing
        n = self.volume.array.shape[0]
        if k_hi < -1.0 or k_lo > n:  # (VTK samples half a voxel beyond the edge slices)
            return None
        first, last = max(int(np.floor(k_lo)), 0), min(int(np.floor(k_hi)) + 1, n - 1)
        boxes = [b for kk in range(first, last + 1) if (b := self._slice_box(kk))]
        if not boxes:
            return None
        i0, j0 = min(b[0] for b in boxes) - 1, min(b[2] for b in boxes) - 1
        i1, j1 = max(b[1] for b in boxes) + 1, max(b[3] for b in boxes) + 1
        # the box's corners (overlay volume mm) → the plane's x, y (mm): solve the plane's 2×2
        (a00, a01), (a10, a11) = a[:2, :2].tolist()
        det = a00 * a11 - a01 * a10
        cx, cy = (a[:2, 2] * self._depth + a[:2, 3]).tolist()
        xs, ys = [], []
        for i in (i0, i1):
            for j in (j0, j1):
                u, v = i * sx - cx, j * sy - cy
                xs.append((a11 * u - a01 * v) / det)
                ys.append((a00 * v - a10 * u) / det)
        return (min(xs), max(xs), min(ys), max(ys))

    def _slice_box(self, k: int) -> tuple[int, int, int, int] | None:
        """The box (i0, i1, j0, j1) of overlay slice ``k``'s voxels above the threshold."""
        key = (k, self.visible_from)
        if key not in self._slice_boxes:
            if len(self._slice_boxes) >= 16384:
                self._slice_boxes.clear()
            self._slice_boxes[key] = _box_above(self.volume.array[k], self.visible_from)
        return self._slice_boxes[key]

    def _coarse_box(self) -> tuple[float, float, float, float] | None:
        """Any other plane: sampled at the overlay's resolution first, the box of the samples
        above the threshold and one more on each side."""
        self.reslice.Update()
        out = self.reslice.GetOutput()
        nx, ny, _ = out.GetDimensions()
        values = numpy_support.vtk_to_numpy(out.GetPointData().GetScalars()).reshape(ny, nx)
        box = _box_above(values, self.visible_from)
        if box is None:
            return None
        i0, i1, j0, j1 = box
        s = self._step
        return ((i0 - 1) * s, (i1 + 1) * s, (j0 - 1) * s, (j1 + 1) * s)

    def show_slice(self, image: vtkImageData, index: int) -> None:
        """Slice ``index`` of the base view's whole image (origin 0, the base's spacing; shared,
        not copied) with the overlay sampled at its pixels over the box where it is visible
        (:meth:`crop`); :meth:`update` blends it."""
        if image is not self._base_image:
            self._base_image = image
            self.base_colors.SetInputData(image)
            self.quad_colors.SetInputData(image)
            # (a colour image's slice is copied as it is, into a buffer of ours: the blend must
            # not write into the image)
            self._grey = image.GetNumberOfScalarComponents() == 1
            self._done = ()
        cols, rows, _ = image.GetDimensions()
        sx, sy, sz = image.GetSpacing()
        self.index = index
        self._slice_extent = (0, cols - 1, 0, rows - 1, index, index)
        self.image.SetExtent(*self._slice_extent)
        self.image.SetSpacing(sx, sy, sz)
        self.mapper.SetSliceNumber(index)
        self.fine.SetOutputSpacing(sx, sy, sz)
        self.fine.SetOutputOrigin(0.0, 0.0, 0.0)
        # the box in base pixels, one more on each side, on the slice (depth index · spacing)
        x0, x1, y0, y1 = self._box
        self._box_px = (
            max(0, int(np.floor(x0 / sx)) - 1),
            min(cols - 1, int(np.ceil(x1 / sx)) + 1),
            max(0, int(np.floor(y0 / sy)) - 1),
            min(rows - 1, int(np.ceil(y1 / sy)) + 1),
        )
        self.fine.SetOutputExtent(*self._box_px, index, index)

    def set_interpolation(self, kind: int) -> None:
        """The base view's interpolation (a VTK interpolation type) for the fused slice too."""
        self.prop.SetInterpolationType(kind)
        self.quad.set_interpolation(kind != 0)  # (VTK_NEAREST_INTERPOLATION)

    def show(self, shown: bool) -> None:
        """Show the fused slice in the base slice's place (the quad or the blended image, as
        :meth:`update` chose), or neither."""
        self._shown = shown
        self.slice.SetVisibility(shown and not self.on_gpu)
        self.quad.actor.SetVisibility(shown and self.on_gpu)

    def quad_failed(self) -> bool:
        """After a render: True (once) when the quad was to be drawn and its shader never ran
        (a driver that cannot compile it); from then on the slice is blended on the CPU, the
        caller renders again."""
        if not (self.on_gpu and self.quad.actor.GetVisibility()) or self.quad.drawn:
            return False
        self.gpu = False
        self.update()
        return True

    def update(self) -> None:
        """Colour, sample and blend the shown slice now (the render then finds it done): by the
        graphics pipeline where it can (:meth:`_on_quad`), else here on the threads that have
        done it fastest lately; nothing when nothing changed."""
        if not self._ready or self._base_image is None:
            return
        on_gpu = self.gpu and self._on_quad()
        if on_gpu != self.on_gpu:
            self.on_gpu = on_gpu
            self.show(self._shown)
        if not on_gpu:
            self.threads.run(self._blend)

    def _on_quad(self) -> bool:
        """The shown slice on the quad, when its plane is parallel to the overlay's slices and
        along its axes and the base image is grey; False (blended here) otherwise."""
        image = self._base_image
        if not self._grey or image is None or not along_axes(self._plane):
            return False
        ext = self._slice_extent
        if not (1 <= ext[1] < MAX_TEXTURE and 1 <= ext[3] < MAX_TEXTURE):
            return False  # (a line: no area; larger than any texture: VTK would shrink it)
        self.quad_colors.UpdateExtent(ext)
        base = self.quad_colors.GetOutput()
        key = ("quad", base.GetUpdateTime(), self.data.GetMTime(), self._plane_key, ext)
        if key == self._done:
            return True
        self._done = key
        sx, sy, _ = image.GetSpacing()
        size = (ext[1] + 1, ext[3] + 1)
        plane, at = slab(self.volume, self._plane, self._depth, size, (sx, sy))
        self.quad.show(base.GetPointData().GetScalars(), size, (sx, sy), self._depth, plane, at)
        return True

    def _blend(self) -> bool:
        """The base slice's colours with the overlay blended over its box, in place; False when
        the shown image already holds them."""
        ext, image = self._slice_extent, self._base_image
        assert image is not None
        base = self.base_colors.GetOutput()
        if self._grey:
            self.base_colors.UpdateExtent(ext)
        self.fine.Update()
        over = self.fine.GetOutput()
        made = base.GetUpdateTime() if self._grey else image.GetMTime()
        key = (made, over.GetUpdateTime(), ext, self._box_px)
        if key == self._done:
            return False
        if self._grey and made == self._blended_into:
            # the coloured slice already holds an overlay: coloured again (only the overlay or
            # its box changed: its opacity, window, the plane; or the quad showed meanwhile)
            self.base_colors.Modified()
            self.base_colors.UpdateExtent(ext)
            key = (base.GetUpdateTime(), *key[1:])
        self._done = key
        if self._grey:
            self._blended_into = key[0]
        rows, cols = ext[3] + 1, ext[1] + 1
        if self._grey:  # the slice's colours, blended where they are (no copy)
            scalars = base.GetPointData().GetScalars()
            rgba = numpy_support.vtk_to_numpy(scalars).reshape(rows, cols, 4)
        else:  # a colour image's slice, copied
            colours = numpy_support.vtk_to_numpy(image.GetPointData().GetScalars())
            colours = colours.reshape(-1, rows, cols, colours.shape[-1])[ext[4]]
            if self._own.shape[:2] != (rows, cols):
                self._own = np.full((rows, cols, 4), 255, np.uint8)
                self._own_scalars = numpy_support.numpy_to_vtk(self._own.reshape(-1, 4))
            self._own[..., :3] = colours[..., :3]
            rgba, scalars = self._own, self._own_scalars
        if self.image.GetPointData().GetScalars() is not scalars:
            self.image.GetPointData().SetScalars(scalars)
        x0, x1, y0, y1 = self._box_px
        w, h = x1 - x0 + 1, y1 - y0 + 1
        colours = numpy_support.vtk_to_numpy(over.GetPointData().GetScalars())
        if w > 0 and h > 0 and colours.shape == (w * h, 4):
            canvas = Image.frombuffer("RGBA", (cols, rows), rgba, "raw", "RGBA", 0, 1)
            # on two threads (as the filters now run): the bottom rows on the other one
            split = h // 2 if self.threads.now == 2 and h >= 32 else h
            bottom = None
            if split < h:
                rest = Image.frombuffer(
                    "RGBA", (w, h - split), colours[split * w :], "raw", "RGBA", 0, 1
                )
                bottom = helper().submit(paste_over, canvas, rest, x0, y0 + split)
            top = Image.frombuffer("RGBA", (w, split), colours[: split * w], "raw", "RGBA", 0, 1)
            try:
                paste_over(canvas, top, x0, y0)
            finally:  # never leave the helper writing into a buffer VTK may reallocate
                if bottom is not None:
                    bottom.result()
            rgba[y0 : y1 + 1, x0 : x1 + 1, 3] = 255  # (the paste blended alpha too)
        scalars.Modified()
        self.image.Modified()
        return True

    def set_window(self, table: tuple[str, bool] | None, low: float, high: float) -> None:
        """Colour the base slice as the base view does: through ``table`` (colour map, inverted)
        or grey, over ``[low, high]`` (the base property's window/level); :meth:`update` blends
        it again."""
        key = (table, low, high)
        if key != self._base_key:
            self._base_key = key
            self.base_lut.DeepCopy(lookup_table(*(table or ("grey", False))))
            self.base_lut.SetTableRange(low, max(high, low + 1e-6))


def _scale_alpha(lut: vtkLookupTable, o: int) -> None:
    """Each alpha ``a`` of a table (its above-range colour's too) made round(a · o / 256): the
    overlay blended with weight a · o / 65280, as vtkImageBlend weighs an RGBA input of
    opacity o / 256, within half a grey level. (In the table, not by its Alpha: that costs a
    multiplication per pixel each time the overlay is coloured.)"""
    n = lut.GetNumberOfTableValues()
    table = numpy_support.vtk_to_numpy(lut.GetTable())[:n].astype(int)
    for i, (r, g, b, a) in enumerate(table.tolist()):
        lut.SetTableValue(i, r / 255, g / 255, b / 255, ((a * o + 128) >> 8) / 255)
    r, g, b, a = lut.GetAboveRangeColor()
    lut.SetAboveRangeColor(r, g, b, ((round(a * 255) * o + 128) >> 8) / 255)


def _box_above(values: np.ndarray, level: float) -> tuple[int, int, int, int] | None:
    """(i0, i1, j0, j1): the columns and rows of a 2D array's values above ``level``; None when
    there is none."""
    rows = np.flatnonzero((values > level).any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero((values[rows[0] : rows[-1] + 1] > level).any(axis=0))
    return (int(cols[0]), int(cols[-1]), int(rows[0]), int(rows[-1]))
