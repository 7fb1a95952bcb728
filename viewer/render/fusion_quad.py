"""A 2D fused slice drawn by the graphics pipeline in one pass: the base slice's colours (its
window/level and colour map, made as for the blended image) and the overlay's values on the
plane at the overlay's own resolution are textures of one quad (with the overlay's table); its
fragment shader
interpolates the overlay's *values* (bilinearly, in full precision), colours them by the
overlay's table over its window, transparent below it, and blends them over the base colour.

For a plane parallel to the overlay's slices and along its axes (PET/CT as acquired, the usual
case) the values on the plane are the two overlay slices it lies between, mixed by its depth:
bilinear filtering of those at the overlay's voxel centres is the trilinear interpolation the
blended image does at every base pixel. Any other plane, or a colour base image, is blended on
the CPU (:class:`viewer.render.fusion2d.FusedLayer`).

On a software renderer (Mesa llvmpipe) a quad with its own shader costs less per screen pixel
than a vtkImageSlice, so the fused frame costs about what a plain one does; the CPU blend cost
1.3-1.5 x (sampling, colouring and pasting 120 000 pixels on every new slice)."""

from __future__ import annotations

from typing import Any

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkCommand, vtkLookupTable
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkFiltersSources import vtkPlaneSource
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkTexture

# the quad's colour: the base texture at the base pixels' centres, the overlay's value at its
# voxels' (transparent beyond half a voxel out of its edges, as VTK's reslice), its table's
# entry (index as vtkLookupTable's: floor((v - lo) * n / (hi - lo)), clamped; below the
# window transparent, above it the table's above-range colour, kept after its n entries)
_SHADER = """
  vec2 tc = tcoordVCVSOutput;
  if (snap > 0.5) {  // nearest display: each screen pixel its base pixel's blend
    tc = floor(tc * (bdims - 1.0) + 0.5) / (bdims - 1.0);
  }
  vec4 b = texture(basetex, (0.5 + tc * (bdims - 1.0)) / bdims);
  vec2 at = ovoff + tc * ovscale;
  vec4 o = vec4(0.0);
  if (all(greaterThanEqual(at, vec2(-0.5))) && all(lessThanEqual(at, odims - 0.5))) {
    // bilinear in full precision (a texture unit's weights have a few bits only)
    vec2 c = clamp(at, vec2(0.0), odims - 1.0);
    vec2 f = floor(c);
    vec2 w = c - f;
    ivec2 i0 = ivec2(f);
    ivec2 i1 = min(i0 + 1, ivec2(odims) - 1);
    float v00 = texelFetch(ovtex, i0, 0).r;
    float v10 = texelFetch(ovtex, ivec2(i1.x, i0.y), 0).r;
    float v01 = texelFetch(ovtex, ivec2(i0.x, i1.y), 0).r;
    float v11 = texelFetch(ovtex, i1, 0).r;
    float v = vmin + mix(mix(v00, v10, w.x), mix(v01, v11, w.x), w.y) * vspan;
    if (v > hi) {  // (NaN: neither branch, transparent)
      o = texelFetch(luttex, ivec2(int(nlut), 0), 0);
    } else if (v >= lo) {
      float idx = clamp(floor((v - lo) * nlut / (hi - lo)), 0.0, nlut - 1.0);
      o = texelFetch(luttex, ivec2(int(idx), 0), 0);
    }
  }
  gl_FragData[0] = vec4(mix(b.rgb, o.rgb, o.a), 1.0);
"""


def _texture(image: vtkImageData, interpolate: bool) -> vtkTexture:
    tex = vtkTexture()
    tex.SetInputData(image)
    tex.SetInterpolate(interpolate)
    tex.RepeatOff()
    tex.EdgeClampOn()
    tex.SetColorModeToDirectScalars()
    return tex


class FusedQuad:
    """The quad (``actor``) that shows a fused slice in the base slice's place. Owns its plane,
    its three textures (base colours, the overlay's values on the plane normalised to their
    range, the overlay's table) and its shader's uniforms."""

    def __init__(self) -> None:
        self.plane = vtkPlaneSource()
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(self.plane.GetOutputPort())
        #: its shader has run (VTK announces each use of a compiled program; a driver that
        #: cannot compile it never does)
        self.drawn = False
        mapper.AddObserver(vtkCommand.UpdateShaderEvent, self._on_shader)
        self.actor = vtkActor()
        self.actor.SetMapper(mapper)
        self.actor.GetProperty().LightingOff()
        self.actor.PickableOff()
        self.base = vtkImageData()
        self.overlay = vtkImageData()
        self.table = vtkImageData()
        self.base_texture = _texture(self.base, True)
        prop = self.actor.GetProperty()
        prop.SetTexture("basetex", self.base_texture)
        prop.SetTexture("ovtex", _texture(self.overlay, False))
        prop.SetTexture("luttex", _texture(self.table, False))
        shaders = self.actor.GetShaderProperty()
        shaders.AddFragmentShaderReplacement("//VTK::TCoord::Impl", True, "", False)
        shaders.AddFragmentShaderReplacement("//VTK::Light::Impl", True, _SHADER, False)
        self.uniforms = shaders.GetFragmentCustomUniforms()
        self.uniforms.SetUniformf("snap", 0.0)
        self._plane_key: tuple[Any, ...] = ()

    def _on_shader(self, *_args: Any) -> None:
        self.drawn = True

    def set_interpolation(self, linear: bool) -> None:
        """Linear display (the base colours interpolated, the overlay's values at each screen
        pixel) or nearest (each screen pixel shows its base pixel's blend)."""
        self.base_texture.SetInterpolate(linear)
        self.uniforms.SetUniformf("snap", 0.0 if linear else 1.0)

    def set_table(self, lut: vtkLookupTable) -> None:
        """The overlay's table (its window is the table's range; below it transparent, above it
        its above-range colour, as :func:`viewer.render.colorbar.overlay_table` makes it)."""
        if not (lut.GetUseBelowRangeColor() and lut.GetUseAboveRangeColor()):
            raise ValueError("an overlay table has below- and above-range colours")
        n = lut.GetNumberOfTableValues()
        table = numpy_support.vtk_to_numpy(lut.GetTable())[:n]
        r, g, b, a = lut.GetAboveRangeColor()
        above = np.array([[round(r * 255), round(g * 255), round(b * 255), round(a * 255)]])
        rgba = np.ascontiguousarray(np.concatenate([table, above]).astype(np.uint8))
        self.table.SetDimensions(n + 1, 1, 1)
        self.table.GetPointData().SetScalars(numpy_support.numpy_to_vtk(rgba, deep=1))
        self.table.Modified()
        lo, hi = lut.GetTableRange()
        self.uniforms.SetUniformf("lo", lo)
        self.uniforms.SetUniformf("hi", hi)
        self.uniforms.SetUniformf("nlut", float(n))

    def show(
        self,
        colours: Any,
        size: tuple[int, int],
        spacing: tuple[float, float],
        depth: float,
        plane: np.ndarray,
        at: tuple[float, float, float, float],
    ) -> None:
        """The slice: ``colours`` (VTK RGBA scalars; ``size`` = columns × rows of ``spacing`` mm)
        drawn at ``depth``; ``plane`` (rows × columns of the overlay's values as float32, at its
        voxel centres: :func:`slab`) placed by ``at`` (x0, dx, y0, dy: the overlay voxel index at
        the first base pixel's centre and its change to the last one's)."""
        cols, rows = size
        sx, sy = spacing
        key = (cols, rows, sx, sy, depth)
        if key != self._plane_key:
            self._plane_key = key
            self.plane.SetOrigin(0.0, 0.0, depth)
            self.plane.SetPoint1((cols - 1) * sx, 0.0, depth)
            self.plane.SetPoint2(0.0, (rows - 1) * sy, depth)
        self.base.SetDimensions(cols, rows, 1)
        self.base.GetPointData().SetScalars(colours)
        self.base.Modified()
        ny, nx = plane.shape
        with np.errstate(all="ignore"):  # (NaN values stay NaN: transparent)
            low, high = float(np.nanmin(plane)), float(np.nanmax(plane))
        if not np.isfinite(low) or not np.isfinite(high):
            low, high = 0.0, 1.0
        span = max(high - low, 1e-12)
        normalised = (plane - np.float32(low)) / np.float32(span)
        self.uniforms.SetUniformf("vmin", low)
        self.uniforms.SetUniformf("vspan", span)
        self.overlay.SetDimensions(nx, ny, 1)
        values = numpy_support.numpy_to_vtk(normalised.ravel(), deep=1)
        self.overlay.GetPointData().SetScalars(values)
        self.overlay.Modified()
        x0, dx, y0, dy = at
        self.uniforms.SetUniform2f("bdims", [float(cols), float(rows)])
        self.uniforms.SetUniform2f("odims", [float(nx), float(ny)])
        self.uniforms.SetUniform2f("ovoff", [x0, y0])
        self.uniforms.SetUniform2f("ovscale", [dx, dy])


def along_axes(plane: np.ndarray) -> bool:
    """A plane (4 × 4: its x, y, depth mm → the overlay's volume mm) parallel to the overlay's
    slices and along its rows and columns (each either way)."""
    return bool(np.abs(np.abs(plane[:3, :3]) - np.eye(3)).max() <= 1e-6)


def slab(
    volume: Any,
    plane: np.ndarray,
    depth: float,
    size: tuple[int, int],
    spacing: tuple[float, float],
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The overlay's values on a plane :func:`along_axes` at ``depth``, at its voxel centres
    (the two slices around mixed by the plane's position, as trilinear interpolation does;
    NaN, drawn as nothing, beyond half a voxel out of its edge slices), and where the
    base pixels fall on them (the ``at`` of :meth:`FusedQuad.show`; ``size``: columns × rows
    of the base slice, ``spacing`` its pixel spacing)."""
    a, t = plane[:3, :3], plane[:3, 3]
    osx, osy, osz = volume.spacing
    values = volume.array
    n = values.shape[0]
    k = (a[2, 2] * depth + t[2]) / osz  # the overlay slice position of the plane
    if k < -0.5 or k > n - 0.5:
        out = np.full(values.shape[1:], np.nan, np.float32)
    else:
        k = min(max(k, 0.0), n - 1.0)
        k0 = int(np.floor(k))
        f = np.float32(k - k0)
        k1 = min(k0 + 1, n - 1)
        out = values[k0].astype(np.float32)
        if f > 0 and k1 != k0:
            out = out + f * (values[k1].astype(np.float32) - out)
    cols, rows = size
    sx, sy = spacing
    at = (t[0] / osx, a[0, 0] * (cols - 1) * sx / osx, t[1] / osy, a[1, 1] * (rows - 1) * sy / osy)
    return out, at
