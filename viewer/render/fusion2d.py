"""A fused overlay in a 2D viewport (e.g. PET over CT): the overlay volume resliced onto the base
slice's plane by patient geometry (and the fusion's transform), coloured by its own table over its
own window, transparent below a threshold with an opacity ramp above it."""

from __future__ import annotations

from typing import Any

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkLookupTable
from vtkmodules.vtkImagingCore import vtkImageReslice
from vtkmodules.vtkRenderingCore import vtkImageProperty, vtkImageSlice, vtkImageSliceMapper

from viewer.dicom.colormaps import fusion_defaults
from viewer.dicom.volume import Volume
from viewer.dicom.windows import display_values
from viewer.render.colorbar import overlay_table
from viewer.render.overlay import share_volume
from viewer.render.reslice import matrix4


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
    by patient geometry (and the fusion's transform), at the overlay's resolution (the texture
    is interpolated on screen), coloured by its own table over its own window."""

    def __init__(self, fusion: Any) -> None:
        self.volume: Volume = fusion.volume
        self.data, self.keep = share_volume(self.volume)
        self.display = display_values(self.volume)
        r = vtkImageReslice()
        r.SetInputData(self.data)
        # 3D output of one slice: a 2D output would drop the z origin (the base slice's depth)
        r.SetOutputDimensionality(3)
        r.SetInterpolationModeToLinear()
        r.SetBackgroundLevel(float(self.volume.array.min()))
        r.AutoCropOutputOff()
        self.reslice = r
        self.mapper = vtkImageSliceMapper()
        self.mapper.SetInputConnection(r.GetOutputPort())
        self.prop = vtkImageProperty()
        self.prop.SetInterpolationTypeToLinear()
        self.prop.UseLookupTableScalarRangeOn()
        self.lut = vtkLookupTable()
        self.prop.SetLookupTable(self.lut)
        self.slice = vtkImageSlice()
        self.slice.SetMapper(self.mapper)
        self.slice.SetProperty(self.prop)
        self._lut_key: tuple[Any, ...] = ()
        #: raw overlay value from which it is drawn (the threshold); below it, transparent
        self.visible_from = -np.inf

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
        plane = np.eye(4)
        plane[:3, 0], plane[:3, 1], plane[:3, 2], plane[:3, 3] = (
            g.row_dir,
            g.col_dir,
            g.normal,
            g.origin,
        )
        shift = np.eye(4)
        shift[2, 3] = -z
        vm = np.eye(4)
        vm[:3, :3] = self.volume.direction
        vm[:3, 3] = self.volume.origin
        self.reslice.SetResliceAxes(matrix4(np.linalg.inv(vm) @ transform @ plane @ shift))
        step = max(base_step, min(self.volume.spacing[:2]))
        self.reslice.SetOutputSpacing(step, step, 1.0)
        self.reslice.SetOutputOrigin(0.0, 0.0, z)
        self.reslice.SetOutputExtent(
            0, int(np.ceil(extent_mm[0] / step)), 0, int(np.ceil(extent_mm[1] / step)), 0, 0
        )
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
        self.prop.SetOpacity(float(fusion.opacity))

    def crop(self) -> bool:
        """Draw only the box where the overlay is not transparent (on a software renderer every
        blended screen pixel costs); False when nothing of it is visible on this slice."""
        self.reslice.Update()
        out = self.reslice.GetOutput()
        nx, ny, _ = out.GetDimensions()
        values = numpy_support.vtk_to_numpy(out.GetPointData().GetScalars()).reshape(ny, nx)
        rows = np.flatnonzero((values > self.visible_from).any(axis=1))
        if rows.size == 0:
            return False
        cols = np.flatnonzero((values[rows[0] : rows[-1] + 1] > self.visible_from).any(axis=0))
        i0, i1 = max(0, int(cols[0]) - 1), min(nx - 1, int(cols[-1]) + 1)
        j0, j1 = max(0, int(rows[0]) - 1), min(ny - 1, int(rows[-1]) + 1)
        self.mapper.CroppingOn()
        self.mapper.SetCroppingRegion(i0, i1, j0, j1, 0, 0)
        return True
