"""A fused overlay in a 2D viewport (e.g. PET over CT): the overlay volume resliced onto the base
slice's plane by patient geometry (and the fusion's transform), coloured by its own table over its
own window, transparent below a threshold with an opacity ramp above it.

The overlay is blended into the base slice's colours on the CPU and the result drawn as the one
textured image of the view: on a software renderer (Mesa llvmpipe) every image drawn costs about
15 ns per screen pixel it covers, so a second, blended image in front of the slice cost as much
again as the base image over the overlay's area (1.3-1.7 x a plain frame), while the blend costs
a fraction of that."""

from __future__ import annotations

from typing import Any

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkLookupTable
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkImagingCore import (
    vtkImageBlend,
    vtkImageMapToColors,
    vtkImageReslice,
    vtkImageResliceToColors,
)
from vtkmodules.vtkRenderingCore import vtkImageProperty, vtkImageSlice, vtkImageSliceMapper

from viewer.dicom.colormaps import fusion_defaults
from viewer.dicom.volume import Volume
from viewer.dicom.windows import display_values
from viewer.render.colorbar import lookup_table, overlay_table
from viewer.render.overlay import share_volume


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
    by patient geometry (and the fusion's transform): first at the overlay's resolution, to find
    the box where it is not transparent, then at the base slice's pixels over that box (values
    interpolated, then coloured by its own table over its own window, as the MPR fusion does),
    blended over the base slice's window/level colours.

    Owns that pipeline and ``slice``, the prop that shows the blended image in the base slice's
    place (the owner hides its own slice while this one is shown)."""

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
        self.lut = vtkLookupTable()
        self.fine.SetLookupTable(self.lut)
        self.fine.SetOutputFormatToRGBA()
        # the base slice through its window/level (and colour map) table
        self.base_lut = vtkLookupTable()
        self.base_colors = vtkImageMapToColors()
        self.base_colors.SetLookupTable(self.base_lut)
        # RGBA (opaque): a texture of 4 bytes a pixel is loaded as it is, 3 bytes are converted
        self.base_colors.SetOutputFormatToRGBA()
        self._base_data = vtkImageData()  # the shown slice, over the base volume's memory
        self.base_colors.SetInputData(self._base_data)
        self.blend = vtkImageBlend()
        self.blend.AddInputConnection(self.base_colors.GetOutputPort())
        self.blend.AddInputConnection(self.fine.GetOutputPort())
        # one thread each: these run every frame over a slice at most, where starting and joining
        # threads (VTK's default, its SMP back end being sequential) costs more than it saves,
        # the more so on a loaded machine
        for f in (self.reslice, self.fine, self.base_colors, self.blend):
            f.SetNumberOfThreads(1)
        self.mapper = vtkImageSliceMapper()
        self.mapper.SetInputConnection(self.blend.GetOutputPort())
        self.prop = vtkImageProperty()
        self.prop.SetInterpolationTypeToLinear()
        self.prop.SetColorWindow(255.0)  # already colours: shown as they are
        self.prop.SetColorLevel(127.5)
        self.slice = vtkImageSlice()
        self.slice.SetMapper(self.mapper)
        self.slice.SetProperty(self.prop)
        self._lut_key: tuple[Any, ...] = ()
        self._base_key: tuple[Any, ...] = ()
        self._base: tuple[Any, ...] = ()  # the base pixels VTK shares
        self._box = (0, 0, 0, 0)  # overlay texels (i0, i1, j0, j1) where it is not transparent
        self._step = 1.0
        #: the reslice axes (one matrix, refilled per slice) and patient → overlay volume space
        #: through the fusion's transform (kept while the transform does not change)
        self._axes = vtkMatrix4x4()
        self._to_volume: tuple[bytes, np.ndarray] = (b"", np.eye(4))
        #: the box of each plane seen (key: the coarse plane's axes, extent and threshold), so
        #: that scrolling back over slices seen skips the coarse pass; bounded
        self._boxes: dict[tuple[Any, ...], tuple[int, int, int, int] | None] = {}
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
        key = transform.tobytes()
        if key != self._to_volume[0]:
            self._to_volume = (key, self._from_patient @ transform)
        # plane (row, column, normal, origin; the origin at depth z) → overlay volume space
        plane = np.empty((4, 4))
        plane[:3, 0], plane[:3, 1], plane[:3, 2] = g.row_dir, g.col_dir, g.normal
        plane[:3, 3] = np.asarray(g.origin, float) - z * np.asarray(g.normal, float)
        plane[3] = (0.0, 0.0, 0.0, 1.0)
        axes = self._to_volume[1] @ plane
        self._axes.DeepCopy(axes.ravel().tolist())
        self.reslice.SetResliceAxes(self._axes)
        self.fine.SetResliceAxes(self._axes)
        step = max(base_step, min(self.volume.spacing[:2]))
        self._step = step
        nx, ny = int(np.ceil(extent_mm[0] / step)), int(np.ceil(extent_mm[1] / step))
        self.reslice.SetOutputSpacing(step, step, 1.0)
        self.reslice.SetOutputOrigin(0.0, 0.0, z)
        self.reslice.SetOutputExtent(0, nx, 0, ny, 0, 0)
        self._plane_key = (axes.tobytes(), z, step, nx, ny)
        return True

    def style(self, fusion: Any, base_modality: str) -> None:
        """Its table (window in the overlay's display unit: SUV for PET) and opacity."""
        cmap, threshold, ramp = fusion_style(fusion, base_modality)
        c, w = fusion.window
        f = self.display.typical_factor or 1.0
        key = (cmap, c, w, f, threshold, ramp)
        if key != self._lut_key:
            self._lut_key = key
            low, high = (c - w / 2) / f, (c + w / 2) / f
            overlay_table(cmap, low, high, threshold, ramp, self.lut)
            self.visible_from = low + max(0.0, threshold) * (high - low)
        self.blend.SetOpacity(1, float(fusion.opacity))

    def crop(self) -> bool:
        """Blend only the box where the overlay is not transparent; False when nothing of it is
        visible on this slice."""
        key = (*self._plane_key, self.visible_from)
        if key not in self._boxes:
            if len(self._boxes) >= 4096:  # (a few hundred kB at most)
                self._boxes.clear()
            self._boxes[key] = self._visible_box()
        box = self._boxes[key]
        if box is None:
            return False
        self._box = box
        return True

    def _visible_box(self) -> tuple[int, int, int, int] | None:
        """The coarse plane's box (overlay texels, one more on each side) where it is visible."""
        self.reslice.Update()
        out = self.reslice.GetOutput()
        nx, ny, _ = out.GetDimensions()
        values = numpy_support.vtk_to_numpy(out.GetPointData().GetScalars()).reshape(ny, nx)
        rows = np.flatnonzero((values > self.visible_from).any(axis=1))
        if rows.size == 0:
            return None
        cols = np.flatnonzero((values[rows[0] : rows[-1] + 1] > self.visible_from).any(axis=0))
        return (int(cols[0]) - 1, int(cols[-1]) + 1, int(rows[0]) - 1, int(rows[-1]) + 1)

    def show_slice(self, pixels: np.ndarray, spacing: tuple[float, float, float], z: float) -> None:
        """The base slice (``pixels``: rows × cols, shared, not copied) at world depth ``z``; the
        overlay is sampled at its pixels over the box where it is visible (:meth:`crop`)."""
        rows, cols = pixels.shape[:2]
        comps = pixels.shape[2] if pixels.ndim == 3 else 1
        flat = pixels.reshape(-1, comps) if comps > 1 else pixels.reshape(-1)
        data = self._base_data
        data.SetDimensions(cols, rows, 1)
        data.SetSpacing(spacing[0], spacing[1], 1.0)
        data.SetOrigin(0.0, 0.0, z)
        data.GetPointData().SetScalars(numpy_support.numpy_to_vtk(flat, deep=False))
        data.Modified()
        self._base = (pixels, flat)
        # colour (RGB) images pass through as they are
        self.base_colors.SetLookupTable(self.base_lut if comps == 1 else None)
        self.fine.SetOutputSpacing(spacing[0], spacing[1], 1.0)
        self.fine.SetOutputOrigin(0.0, 0.0, z)
        # the box in base pixels, one more on each side for the interpolation
        i0, i1, j0, j1 = self._box
        sx, sy = self._step / spacing[0], self._step / spacing[1]
        self.fine.SetOutputExtent(
            max(0, int(np.floor(i0 * sx)) - 1),
            min(cols - 1, int(np.ceil(i1 * sx)) + 1),
            max(0, int(np.floor(j0 * sy)) - 1),
            min(rows - 1, int(np.ceil(j1 * sy)) + 1),
            0,
            0,
        )

    def set_window(self, table: tuple[str, bool] | None, low: float, high: float) -> None:
        """Colour the base slice as the base view does: through ``table`` (colour map, inverted)
        or grey, over ``[low, high]`` (the base property's window/level)."""
        key = (table, low, high)
        if key != self._base_key:
            self._base_key = key
            self.base_lut.DeepCopy(lookup_table(*(table or ("grey", False))))
            self.base_lut.SetTableRange(low, max(high, low + 1e-6))
