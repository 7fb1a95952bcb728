"""3D: volume rendering with presets, clipping box and level of detail; isosurfaces and STL.

The renderer reads the same ``vtkImageData`` as the 2D and MPR views (the volume's own memory);
the volume is placed in patient space (LPS mm) by its direction and origin, so the camera's
"anterior" view shows the patient's left on the screen's right.

Mapper: on a real GPU ``vtkGPUVolumeRayCastMapper``; on a software OpenGL (Mesa llvmpipe, as on
CI and in remote desktops) ``vtkFixedPointVolumeRayCastMapper``, which is far faster there. The
software mapper needs gradient normals and magnitudes for shading (3 bytes per voxel, 1.5 × an
int16 volume), so it starts with shading off; one call turns it on.
While the user drags, frames render at half resolution with coarser samples; still frames at
full quality.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import vtkmodules.vtkRenderingOpenGL2
import vtkmodules.vtkRenderingVolumeOpenGL2  # noqa: F401
from vtkmodules.vtkCommonDataModel import vtkImageData, vtkPiecewiseFunction, vtkPolyData
from vtkmodules.vtkCommonTransforms import vtkTransform
from vtkmodules.vtkFiltersCore import (
    vtkFlyingEdges3D,
    vtkPolyDataNormals,
    vtkWindowedSincPolyDataFilter,
)
from vtkmodules.vtkFiltersGeneral import vtkTransformFilter
from vtkmodules.vtkIOGeometry import vtkSTLWriter
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkColorTransferFunction,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkRenderWindow,
    vtkVolume,
    vtkVolumeProperty,
)
from vtkmodules.vtkRenderingVolume import (
    vtkFixedPointVolumeRayCastMapper,
    vtkGPUVolumeRayCastMapper,
)

import resources
from viewer.dicom.i18n import pick, translate
from viewer.dicom.presets import default_window
from viewer.dicom.volume import Volume
from viewer.dicom.windows import display_values
from viewer.render.colorbar import format_value
from viewer.render.overlay import (
    TEXT_COLOR,
    OverlayText,
    grab_window,
    resolution_note,
    share_volume,
)
from viewer.render.reslice import matrix4, volume_matrix

PRESETS_FILE = resources.path("presets", "vr_presets.json")
SOFTWARE_GL = ("llvmpipe", "softpipe", "swrast", "software rasterizer", "swr")


@dataclass(frozen=True, slots=True)
class VrPreset:
    id: str
    name: str
    name_zh: str
    modality: str
    window: tuple[float, float]
    shade: bool
    ambient: float
    diffuse: float
    specular: float
    specular_power: float
    color: tuple[tuple[float, float, float, float], ...]
    opacity: tuple[tuple[float, float], ...]


@cache
def vr_presets() -> tuple[VrPreset, ...]:
    data = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
    return tuple(
        VrPreset(
            p["id"],
            p["name"],
            p["name_zh"],
            p["modality"],
            (float(p["window"][0]), float(p["window"][1])),
            bool(p["shade"]),
            float(p["ambient"]),
            float(p["diffuse"]),
            float(p["specular"]),
            float(p["specular_power"]),
            tuple((float(a), float(b), float(c), float(d)) for a, b, c, d in p["color"]),
            tuple((float(a), float(b)) for a, b in p["opacity"]),
        )
        for p in data["presets"]
    )


def vr_preset(preset_id: str) -> VrPreset:
    for p in vr_presets():
        if p.id == preset_id:
            return p
    raise KeyError(f"no volume rendering preset {preset_id!r}")


def default_preset(modality: str) -> VrPreset:
    return vr_preset("mr_default" if modality == "MR" else "ct_bone")


def is_software_gl(window: vtkRenderWindow) -> bool:
    """True when the OpenGL implementation is a CPU rasterizer (Mesa llvmpipe and friends)."""
    caps = (window.ReportCapabilities() or "").lower()
    return any(s in caps for s in SOFTWARE_GL)


class VolumeRenderer:
    """A 3D view of a volume in a render window."""

    def __init__(
        self,
        window: vtkRenderWindow,
        volume: Volume,
        source: tuple[vtkImageData, Any] | None = None,
        mapper: str = "auto",
    ) -> None:
        self.window = window
        self._volume = volume
        window.SetMultiSamples(0)
        self.renderer = vtkRenderer()
        self.renderer.SetBackground(0.0, 0.0, 0.0)
        window.AddRenderer(self.renderer)
        self.source, self._keep = source or share_volume(volume)
        mapper = os.environ.get("YUNYING_VR_MAPPER", mapper)
        if mapper == "auto":
            window.Render()  # a context, to ask what OpenGL this is
            mapper = "cpu" if is_software_gl(window) else "gpu"
        if mapper not in ("cpu", "gpu"):
            raise ValueError(f"unknown volume mapper {mapper!r}; use auto, cpu or gpu")
        self.mapper_kind = mapper
        self.mapper: Any = (
            vtkFixedPointVolumeRayCastMapper() if mapper == "cpu" else vtkGPUVolumeRayCastMapper()
        )
        self.mapper.SetInputData(self.source)
        self.mapper.SetAutoAdjustSampleDistances(0)
        self.color = vtkColorTransferFunction()
        self.opacity = vtkPiecewiseFunction()
        self.prop = vtkVolumeProperty()
        self.prop.SetColor(self.color)
        self.prop.SetScalarOpacity(self.opacity)
        self.prop.SetInterpolationTypeToLinear()
        self.actor = vtkVolume()
        self.actor.SetMapper(self.mapper)
        self.actor.SetProperty(self.prop)
        self.actor.SetUserMatrix(matrix4(volume_matrix(volume)))
        self.renderer.AddVolume(self.actor)
        self.text = OverlayText(self.renderer, 14, TEXT_COLOR)
        self.min_spacing = float(min(volume.spacing))
        self.interactive = False
        self.preset = default_preset(volume.modality)
        self.tf_window = self.preset.window
        self.shading = False
        self.clip_box: tuple[float, ...] | None = None
        self.surface: vtkActor | None = None
        #: MR/PET values have no fixed scale: presets are fitted to the data's window
        self.data_window: tuple[float, float] | None = None
        if volume.modality != "CT":
            k = volume.shape[0] // 2
            self.data_window = default_window(volume.modality, volume.window, volume.array[k])
        self.set_preset(self.preset.id, render=False)
        self.set_interactive(False, render=False)
        self.reset_camera(render=False)

    @property
    def volume(self) -> Volume:
        """The volume shown; set to a sibling sub-volume (same grid, memory swapped in the
        shared image) when the reader steps echo, b-value, phase…: the overlay follows."""
        return self._volume

    @volume.setter
    def volume(self, volume: Volume) -> None:
        self._volume = volume
        self._update_text()

    # ------------------------------------------------------------------ transfer function

    def set_preset(self, preset_id: str, render: bool = True) -> None:
        p = vr_preset(preset_id)
        self.preset = p
        self.tf_window = self.data_window or p.window
        self.prop.SetAmbient(p.ambient)
        self.prop.SetDiffuse(p.diffuse)
        self.prop.SetSpecular(p.specular)
        self.prop.SetSpecularPower(p.specular_power)
        # the GPU mapper shades for free; the software one only on request (memory, speed)
        self.set_shading(p.shade and self.mapper_kind == "gpu", render=False)
        self._apply_tf()
        if render:
            self.render()

    def set_tf_window(self, center: float, width: float, render: bool = True) -> None:
        """Move and stretch the preset's transfer function to a new (center, width)."""
        self.tf_window = (float(center), max(1.0, float(width)))
        self._apply_tf()
        if render:
            self.render()

    def tf_points(self) -> tuple[list[tuple[float, ...]], list[tuple[float, float]]]:
        """The preset's colour and opacity points mapped onto the current window."""
        c0, w0 = self.preset.window
        c, w = self.tf_window

        def f(v: float) -> float:
            return c + (v - c0) * w / w0

        return (
            [(f(v), r, g, b) for v, r, g, b in self.preset.color],
            [(f(v), a) for v, a in self.preset.opacity],
        )

    def _apply_tf(self) -> None:
        colors, opacities = self.tf_points()
        self.color.RemoveAllPoints()
        for v, r, g, b in colors:
            self.color.AddRGBPoint(v, r, g, b)
        self.opacity.RemoveAllPoints()
        for v, a in opacities:
            self.opacity.AddPoint(v, a)
        self._update_text()

    def set_shading(self, on: bool, render: bool = True) -> None:
        self.shading = bool(on)
        self.prop.SetShade(int(self.shading))
        self._update_text()
        if render:
            self.render()

    def _update_text(self) -> None:
        c, w = self.tf_window
        shade = translate("Overlay", "shaded") if self.shading else translate("Overlay", "unshaded")
        name = pick(self.preset.name, getattr(self.preset, "name_zh", ""))
        note = resolution_note(self.volume)
        dv = display_values(self.volume)  # the window is on the stored values: shown in the
        f = dv.typical_factor  # unit the 2D views use (SUV for a PET that has it)
        unit = f" {dv.unit}" if dv.unit else ""
        wl = f"W: {format_value(w * f)} L: {format_value(c * f)}{unit}"
        lines = [f"{name}  {wl}  {shade}"]
        vol = self.volume
        if vol.label and len(vol.subvolumes) > 1:  # which echo, b-value, phase… (as in MPR)
            lines.append(vol.label)
        if note:
            lines.append(note)
        self.text.SetText(0, "\n".join(lines))

    # ------------------------------------------------------------------ clipping

    def set_clip_box(self, box: tuple[float, ...] | None, render: bool = True) -> None:
        """Keep only (x0, x1, y0, y1, z0, z1) of volume-space mm (i·Δi, j·Δj, k·Δk); None = all."""
        self.clip_box = tuple(box) if box is not None else None
        if box is None:
            self.mapper.CroppingOff()
        else:
            self.mapper.CroppingOn()
            self.mapper.SetCroppingRegionPlanes(*box)
            self.mapper.SetCroppingRegionFlagsToSubVolume()
        if render:
            self.render()

    def bounds(self) -> tuple[float, ...]:
        """The whole volume in volume-space mm (x0, x1, y0, y1, z0, z1)."""
        return tuple(self.source.GetBounds())

    # ------------------------------------------------------------------ quality

    def set_interactive(self, on: bool, render: bool = True) -> None:
        """Coarse frames while moving, full quality when still."""
        self.interactive = bool(on)
        if on:
            self.mapper.SetImageSampleDistance(2.0)
            self.mapper.SetSampleDistance(max(2.0, 2 * self.min_spacing))
        else:
            self.mapper.SetImageSampleDistance(1.0)
            self.mapper.SetSampleDistance(self.min_spacing)
        if render:
            self.render()

    # ------------------------------------------------------------------ camera

    def reset_camera(self, view: str = "anterior", render: bool = True) -> None:
        """Look at the whole volume from a patient direction (anterior: the face towards us)."""
        directions = {
            "anterior": ((0, -1, 0), (0, 0, 1)),
            "posterior": ((0, 1, 0), (0, 0, 1)),
            "left": ((1, 0, 0), (0, 0, 1)),
            "right": ((-1, 0, 0), (0, 0, 1)),
            "superior": ((0, 0, 1), (0, -1, 0)),
            "inferior": ((0, 0, -1), (0, -1, 0)),
        }
        eye, up = directions[view]
        b = self.actor.GetBounds()
        center = np.array([(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2])
        radius = 0.5 * float(np.linalg.norm([b[1] - b[0], b[3] - b[2], b[5] - b[4]]))
        cam = self.renderer.GetActiveCamera()
        cam.SetFocalPoint(*center)
        cam.SetPosition(*(center + 4 * radius * np.asarray(eye, float)))
        cam.SetViewUp(*up)
        cam.SetViewAngle(30.0)
        self.renderer.ResetCamera(b)
        if render:
            self.render()

    def rotate(self, azimuth: float, elevation: float, render: bool = True) -> None:
        cam = self.renderer.GetActiveCamera()
        cam.Azimuth(azimuth)
        cam.Elevation(elevation)
        cam.OrthogonalizeViewUp()
        self.renderer.ResetCameraClippingRange()
        if render:
            self.render()

    def zoom(self, factor: float, render: bool = True) -> None:
        self.renderer.GetActiveCamera().Zoom(factor)
        self.renderer.ResetCameraClippingRange()
        if render:
            self.render()

    def pan(self, dx: float, dy: float, render: bool = True) -> None:
        """Move the view by a fraction of its height (right, up)."""
        cam = self.renderer.GetActiveCamera()
        fp, pos = np.array(cam.GetFocalPoint()), np.array(cam.GetPosition())
        up = np.array(cam.GetViewUp())
        dop = fp - pos
        dist = float(np.linalg.norm(dop))
        right = np.cross(dop / dist, up)
        h = 2 * dist * math.tan(math.radians(cam.GetViewAngle()) / 2)
        shift = (dx * right + dy * up) * h
        cam.SetFocalPoint(*(fp - shift))
        cam.SetPosition(*(pos - shift))
        if render:
            self.render()

    # ------------------------------------------------------------------ isosurface

    def isosurface(self, threshold: float, smoothing: int = 15) -> vtkPolyData:
        """The surface at ``threshold`` (e.g. 300 HU for bone), smoothed, in patient mm."""
        fe = vtkFlyingEdges3D()
        fe.SetInputData(self.source)
        fe.SetValue(0, float(threshold))
        fe.ComputeNormalsOff()
        fe.ComputeGradientsOff()
        last: Any = fe
        if smoothing > 0:
            sm = vtkWindowedSincPolyDataFilter()
            sm.SetInputConnection(fe.GetOutputPort())
            sm.SetNumberOfIterations(smoothing)
            sm.SetPassBand(0.1)
            sm.NormalizeCoordinatesOn()
            sm.BoundarySmoothingOff()
            sm.FeatureEdgeSmoothingOff()
            last = sm
        t = vtkTransform()
        t.SetMatrix(matrix4(volume_matrix(self.volume)))
        tf = vtkTransformFilter()
        tf.SetTransform(t)
        tf.SetInputConnection(last.GetOutputPort())
        normals = vtkPolyDataNormals()
        normals.SetInputConnection(tf.GetOutputPort())
        normals.ConsistencyOn()
        normals.SplittingOff()
        normals.Update()
        out = vtkPolyData()
        out.DeepCopy(normals.GetOutput())
        return out

    def show_surface(self, poly: vtkPolyData | None, render: bool = True) -> None:
        """Show a surface (patient mm) in the 3D view; None removes it."""
        if self.surface is not None:
            self.renderer.RemoveActor(self.surface)
            self.surface = None
        if poly is not None:
            mapper = vtkPolyDataMapper()
            mapper.SetInputData(poly)
            mapper.ScalarVisibilityOff()
            actor = vtkActor()
            actor.SetMapper(mapper)
            actor.GetProperty().SetColor(0.95, 0.9, 0.8)
            self.renderer.AddActor(actor)
            self.surface = actor
        if render:
            self.render()

    # ------------------------------------------------------------------ output

    def render(self) -> None:
        self.window.Render()

    def grab(self) -> np.ndarray:
        return grab_window(self.window)


def export_stl(poly: vtkPolyData, path: str | os.PathLike[str]) -> Path:
    """Write a surface as binary STL (patient mm), atomically: a failed write leaves no file."""
    path = Path(path)
    if poly.GetNumberOfPolys() == 0:
        raise ValueError("the surface is empty: no voxel reaches the threshold")
    tmp = path.with_name(path.name + ".part")
    w = vtkSTLWriter()
    w.SetFileName(str(tmp))
    w.SetInputData(poly)
    w.SetFileTypeToBinary()
    ok = w.Write()
    if not ok or not tmp.exists() or tmp.stat().st_size < 84:
        tmp.unlink(missing_ok=True)
        raise OSError(f"could not write {path}")
    os.replace(tmp, path)
    return path
