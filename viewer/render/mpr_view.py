"""VTK pipeline of one MPR view, driven by an :class:`MprModel` (Qt-free).

``vtkImageReslice`` samples the plane (or the thick slab: MIP, MinIP or mean over samples along
the normal) straight from the volume's shared ``vtkImageData``; the three views and the 3D view
all read the same memory. The resliced image lives in the plane's own millimetres (u right,
v down), so crosshair, measurements and the scale bar are drawn in true mm. A fused overlay is
resliced onto the same grid through its own geometry (and the registration transform).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL backend)
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkImagingCore import vtkImageReslice
from vtkmodules.vtkRenderingCore import (
    vtkImageProperty,
    vtkImageSlice,
    vtkImageSliceMapper,
    vtkRenderer,
    vtkRenderWindow,
)
from vtkmodules.vtkRenderingImage import vtkImageStack

from viewer.dicom.i18n import QT_TRANSLATE_NOOP, language, translate
from viewer.dicom.measure import Measurement, describe
from viewer.dicom.windows import DisplayValues, VoiLut, display_values, opening_colormap
from viewer.render import voi
from viewer.render.colorbar import ColorBar, lookup_table, overlay_table
from viewer.render.crosshair import Crosshair
from viewer.render.fusion2d import fusion_style
from viewer.render.measure_labels import place_measurement_labels, world_labels
from viewer.render.merged_text import MergedText
from viewer.render.overlay import (
    MEASURE_COLOR,
    TEXT_COLOR,
    OverlayText,
    display_to_world,
    grab_window,
    location_text,
    measurement_actors,
    resolution_note,
    scale_bar_actors,
    share_volume,
    style_text,
    window_text,
)
from viewer.render.reslice import colormap as colormap
from viewer.render.reslice import configure_reslice as configure_reslice
from viewer.render.reslice import make_reslice as make_reslice
from viewer.render.reslice import matrix4 as matrix4
from viewer.render.reslice import reslice_axes as reslice_axes
from viewer.render.reslice import volume_matrix as volume_matrix
from viewer.state.mpr import VIEWS, MprChange, MprEvent, MprModel, PlaneGrid

_PER_VIEW = (MprChange.CAMERA, MprChange.SLAB, MprChange.MEASUREMENTS)

#: Crosshair colour of each plane (as in 3D Slicer: red axial, green coronal, yellow sagittal).
PLANE_COLORS = {"axial": (1.0, 0.3, 0.3), "coronal": (0.3, 0.9, 0.3), "sagittal": (1.0, 0.9, 0.2)}
VIEW_NAMES = {
    "axial": QT_TRANSLATE_NOOP("Overlay", "Axial"),
    "coronal": QT_TRANSLATE_NOOP("Overlay", "Coronal"),
    "sagittal": QT_TRANSLATE_NOOP("Overlay", "Sagittal"),
}
SLAB_NAMES = {"mip": "MIP", "minip": "MinIP", "mean": QT_TRANSLATE_NOOP("Overlay", "Avg")}


class MprRenderer:
    """One MPR view (axial, coronal or sagittal plane of the model) in a render window."""

    def __init__(
        self,
        window: vtkRenderWindow,
        model: MprModel,
        view: str,
        source: tuple[vtkImageData, Any] | None = None,
        labels: dict[str, str] | None = None,
    ) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}")
        self.window = window
        self.model = model
        self.view = view
        self.labels = labels or {}
        #: a VOI LUT the reader picked and the volume it was picked on (:mod:`viewer.render.voi`)
        self.voi_lut: VoiLut | None = None
        self.voi_image: Any = None
        window.SetMultiSamples(0)
        self.renderer = vtkRenderer()
        self.renderer.SetBackground(0, 0, 0)
        window.AddRenderer(self.renderer)
        self.source, self._keep = source or share_volume(model.volume)
        self.background = float(model.volume.array.min())
        self.reslice = make_reslice(self.source, self.background)
        self.mapper = vtkImageSliceMapper()
        self.mapper.SetInputConnection(self.reslice.GetOutputPort())
        self.prop = vtkImageProperty()
        self.prop.SetInterpolationTypeToLinear()
        self.slice = vtkImageSlice()
        self.slice.SetMapper(self.mapper)
        self.slice.SetProperty(self.prop)
        self.stack = vtkImageStack()
        self.stack.AddImage(self.slice)
        self.renderer.AddViewProp(self.stack)
        self._fusion: tuple[vtkImageReslice, vtkImageSlice, Any] | None = None
        self.corners = OverlayText(self.renderer, 14, TEXT_COLOR)
        # the orientation labels change only when the planes turn: one actor draws all four
        self.edges = MergedText(self.renderer, 18, (1.0, 0.85, 0.2), bold=True)
        self.crosshair = Crosshair(self.renderer)
        self._scale: list[Any] = []
        self._measure: list[Any] = []
        self._labels: list[Any] = []
        self.can_render = True
        #: values shown in (SUV for PET in SUV: one factor for a plane that may cross slices)
        self.display: DisplayValues = display_values(model.volume)
        self._fusion_display: DisplayValues | None = None
        #: colour map (resources/colormaps id) and invert of this view; None table = plain grey
        self.colormap = opening_colormap(model.volume)
        self.invert = False
        self._lut_key: tuple[str, bool] | None = None
        self._overlay_key: tuple[Any, ...] = ()
        self.interpolation = "linear"
        #: None: a colour bar when the map is not plain grey or an overlay is fused; else forced
        self.show_colorbar: bool | None = None
        self.colorbar = ColorBar(self.renderer, style_text)
        self.grid = model.grid(view)
        self._camera_state: tuple[float, ...] | None = None
        self._orientation_cache: tuple[bytes, Any] | None = None
        self._crosshair_key: tuple[Any, ...] = ()
        #: the corner lines around the location, kept while their inputs stay
        self._text_key: tuple[Any, ...] = ()
        self._text_lines: tuple[str, str, str] = ("", "", "")
        model.subscribe(self._on_change)
        self.update(render=False)

    # ------------------------------------------------------------------ model → pipeline

    def _on_change(self, ev: MprEvent) -> None:
        what = ev.kind
        if ev.view and ev.view != self.view and what in _PER_VIEW:
            return
        if what is MprChange.VOLUME:  # another resolution: the box (extent) may differ
            self._orientation_cache = None
        if what is MprChange.WINDOW:
            self._set_window()
            self.render()
        elif what is MprChange.MEASUREMENTS:
            self._update_measurements()
            self.render()
        else:
            self.update(moved=what is MprChange.CENTER)

    def _oriented(self) -> tuple[tuple[float, float, float, float], dict[str, str], Any, bool]:
        """What depends only on the planes' orientation: this view's extent, edge labels, the
        other planes' crosshair directions and whether it is oblique (kept while scrolling)."""
        m = self.model
        key = m.orientation.tobytes()
        if self._orientation_cache is None or self._orientation_cache[0] != key:
            rotated = not np.allclose(m.orientation, np.eye(3))
            found = (m.extent(self.view), m.edge_labels(self.view), m.crosshair(self.view), rotated)
            self._orientation_cache = (key, found)
        return self._orientation_cache[1]

    def display_spacing(self) -> float:
        """mm per screen pixel at the current zoom (the plane fitted to the view at zoom 1)."""
        umin, umax, vmin, vmax = self._oriented()[0]
        vw, vh = self.window.GetSize()
        aspect = vw / vh if vh else 1.0
        scale = max((vmax - vmin) / 2, (umax - umin) / (2 * aspect)) * 1.02
        return 2 * scale / self.model.zoom[self.view] / max(vh, 1)

    def update(self, render: bool = True, moved: bool = False) -> None:
        """Reslice for the model's current plane, slab and fusion; redraw the overlays.
        ``moved``: only the crosshair centre moved, so the window and the camera stay."""
        m = self.model
        px = self.display_spacing()
        # sample at screen resolution when zoomed out (in 0.05 mm steps, so small zoom changes
        # keep the grid), at the voxel spacing when zoomed in
        g = m.grid(self.view, math.ceil(px / 0.05 - 1e-9) * 0.05 if px > m.spacing else 0.0)
        self.grid = g
        slab = m.slabs[self.view]
        configure_reslice(
            self.reslice,
            g,
            reslice_axes(g, m.volume),
            slab.mode,
            slab.samples(m.spacing),
            m.spacing,
        )
        self._update_fusion(g)
        if not moved:
            self._set_window()
            self._set_camera()
        self._update_crosshair()
        self._update_text()
        self._update_measurements()
        if render:
            self.render()

    def _update_fusion(self, g: PlaneGrid) -> None:
        f = self.model.fusion
        if f is None:
            if self._fusion is not None:
                self.stack.RemoveImage(self._fusion[1])
                self._fusion = None
            return
        if self._fusion is None or self._fusion[2][0] is not f.volume:
            if self._fusion is not None:
                self.stack.RemoveImage(self._fusion[1])
            data, keep = share_volume(f.volume)
            r = make_reslice(data, float(f.volume.array.min()))
            mapper = vtkImageSliceMapper()
            mapper.SetInputConnection(r.GetOutputPort())
            prop = vtkImageProperty()
            prop.SetInterpolationTypeToLinear()
            prop.SetLayerNumber(1)
            prop.UseLookupTableScalarRangeOn()
            s = vtkImageSlice()
            s.SetMapper(mapper)
            s.SetProperty(prop)
            self.stack.AddImage(s)
            self._fusion = (r, s, (f.volume, data, keep))
        r, s, _ = self._fusion
        slab = self.model.slabs[self.view]
        configure_reslice(
            r,
            g,
            reslice_axes(g, f.volume, f.transform),
            slab.mode,
            slab.samples(self.model.spacing),
            self.model.spacing,
        )
        if self._fusion_display is None or self._overlay_key[:1] != (id(f.volume),):
            self._fusion_display = display_values(f.volume)
        cmap, threshold, ramp = fusion_style(f, self.model.volume.modality)
        c, w = f.window  # in the overlay's display unit (SUV for PET in SUV)
        k = self._fusion_display.typical_factor or 1.0
        key = (id(f.volume), cmap, c, w, k, threshold, ramp)
        if key != self._overlay_key:
            self._overlay_key = key
            s.GetProperty().SetLookupTable(
                overlay_table(cmap, (c - w / 2) / k, (c + w / 2) / k, threshold, ramp)
            )
        s.GetProperty().SetOpacity(f.opacity)

    def _set_window(self) -> None:
        c, w = self.model.window  # in the display unit
        f = self.display.typical_factor or 1.0
        self.prop.SetColorWindow(w / f)
        self.prop.SetColorLevel(c / f)
        key = None if self.colormap == "grey" and not self.invert else (self.colormap, self.invert)
        if key != self._lut_key:
            self._lut_key = key
            self.prop.SetLookupTable(None if key is None else lookup_table(*key))
            self.prop.UseLookupTableScalarRangeOff()
        self.voi_label = voi.apply(self, (c, w), f, self.invert)  # a picked VOI LUT: its table
        self._text_window()
        self._update_colorbar()

    # ------------------------------------------------------------------ colour, interpolation

    def set_colormap(self, cmap_id: str, invert: bool | None = None) -> None:
        """Show this view through a colour map of resources/colormaps (``KeyError`` if none)."""
        from viewer.dicom.colormaps import colormap as find

        self.colormap = find(cmap_id).id
        if invert is not None:
            self.invert = invert
        self._set_window()
        self.render()

    def set_invert(self, on: bool) -> None:
        self.invert = on
        self._set_window()
        self.render()

    def set_interpolation(self, mode: str) -> None:
        """ "linear" (default) or "nearest" display interpolation of the resliced plane."""
        if mode not in ("linear", "nearest"):
            raise ValueError(f"interpolation is linear or nearest, not {mode!r}")
        self.interpolation = mode
        if mode == "linear":
            self.prop.SetInterpolationTypeToLinear()
        else:
            self.prop.SetInterpolationTypeToNearest()
        self.render()

    def set_colorbar(self, on: bool | None) -> None:
        self.show_colorbar = on
        self._update_colorbar()
        self.render()

    def _update_colorbar(self) -> None:
        f = self.model.fusion
        on = self.colormap != "grey" or f is not None
        if self.show_colorbar is not None:
            on = self.show_colorbar
        self.colorbar.show(on)
        if not on:
            return
        if f is not None:
            cmap, _, _ = fusion_style(f, self.model.volume.modality)
            c, w = f.window
            title = (self._fusion_display or display_values(f.volume)).title
            self.colorbar.update(cmap, False, c - w / 2, c + w / 2, title)
        else:
            c, w = self.model.window
            self.colorbar.update(
                self.colormap, self.invert, c - w / 2, c + w / 2, self.display.title
            )

    def _set_camera(self) -> None:
        umin, umax, vmin, vmax = self._oriented()[0]
        du, dv = self.model.pan[self.view]
        fu, fv = (umin + umax) / 2 + du, (vmin + vmax) / 2 + dv
        cam = self.renderer.GetActiveCamera()
        _, vh = self.window.GetSize()
        state = (fu, fv, self.display_spacing(), vh)
        if state == self._camera_state:
            return
        self._camera_state = state
        cam.ParallelProjectionOn()
        cam.SetFocalPoint(fu, fv, 0.0)
        cam.SetPosition(fu, fv, -1000.0)
        cam.SetViewUp(0.0, -1.0, 0.0)
        cam.SetClippingRange(1.0, 2000.0)
        cam.SetParallelScale(state[2] * max(vh, 1) / 2)
        place_measurement_labels(self.renderer, self._labels)
        for a in self._scale:
            self.renderer.RemoveViewProp(a)
        self._scale = scale_bar_actors(self.window, self.mm_per_screen_pixel(), self.corners)
        for a in self._scale:
            self.renderer.AddViewProp(a)

    def on_resize(self) -> None:
        self.update(render=False)

    def mm_per_screen_pixel(self) -> float:
        _, vh = self.window.GetSize()
        return 2 * self.renderer.GetActiveCamera().GetParallelScale() / max(vh, 1)

    # ------------------------------------------------------------------ overlays

    def _update_crosshair(self) -> None:
        """Two half-lines per other plane, leaving the centre itself visible (one actor, made
        once; only its points move, and only when the centre moves within the plane)."""
        g = self.grid
        u, v, _ = g.patient_to_uv(self.model.center)
        half = (g.cols + g.rows) * g.spacing
        gap = 12.0 * g.spacing
        key = (u, v, half, gap, self.model.orientation.tobytes())
        if key == self._crosshair_key:
            return  # scrolling along the normal leaves the centre where it is on the plane
        self._crosshair_key = key
        segments = []
        for other, d in self._oriented()[2]:
            du, dv = float(d @ g.row), float(d @ g.col)
            for sign in (1.0, -1.0):
                a = (u + sign * gap * du, v + sign * gap * dv, -0.1)
                b = (u + sign * half * du, v + sign * half * dv, -0.1)
                segments.append((PLANE_COLORS[other], a, b))
        self.crosshair.set(segments)

    def _update_text(self) -> None:
        m = self.model
        slab = m.slabs[self.view]
        n = slab.samples(m.spacing)
        rotated = self._oriented()[3]
        fusion = m.fusion.volume.modality if m.fusion is not None else None
        vol = m.volume
        key: tuple[Any, ...] = (m.orientation.tobytes(), slab.mode, n, id(vol), vol.label)
        key += (len(vol.subvolumes), vol.reduced_level, vol.refining, fusion, language())
        if key != self._text_key:  # what does not change while scrolling, made once
            self._text_key = key
            name = translate("Overlay", VIEW_NAMES[self.view])
            oblique = translate("Overlay", "oblique")  # (words outside f-strings: lupdate)
            extra: list[str] = []
            if n > 1:
                span = (n - 1) * m.spacing
                slab_name = translate("Overlay", SLAB_NAMES[slab.mode])
                extra.append(f"{slab_name} {span:.1f} mm")
            if m.volume.label and len(m.volume.subvolumes) > 1:  # which echo, b-value, phase…
                extra.append(m.volume.label)
            if note := resolution_note(m.volume):
                extra.append(note)
            word = translate("Overlay", "Fusion")
            fused = f"{word}: {fusion}" if fusion else ""
            first = f"{name} ({oblique})" if rotated else name
            self._text_lines = (first, "".join(f"\n{line}" for line in extra), fused)
            lab = self._oriented()[1]
            for i, side in ((4, "bottom"), (5, "right"), (6, "left"), (7, "top")):
                self.edges.SetText(i, lab[side])
        first, after, fused = self._text_lines
        loc = location_text(translate("Overlay", "Loc"), m.center @ self.grid.normal)
        self.corners.SetText(0, f"{first}\n{loc}{after}")
        self.corners.SetText(3, fused)

    def _text_window(self) -> None:
        c, w = self.model.window
        label = getattr(self, "voi_label", "")
        self.corners.SetText(1, window_text(c, w, self.display, label))  # why not SUV

    def display_plane(self) -> np.ndarray:
        """The plane's values in the display unit (SUV for PET in SUV)."""
        f = self.display.typical_factor
        values = self.plane_values()
        return values * f if f != 1.0 else values

    def plane_values(self) -> np.ndarray:
        """The resliced plane (rows, cols) in modality units (HU for CT), as now shown."""
        self.reslice.Update()
        out = self.reslice.GetOutput()
        arr = numpy_support.vtk_to_numpy(out.GetPointData().GetScalars())
        return arr.reshape(self.grid.rows, self.grid.cols)

    def _pixel_measurement(self, pm: Any) -> Measurement:
        pts = [self.grid.uv_to_pixel(u, v) for u, v in pm.points_uv]
        return Measurement(pm.measurement.kind, pts, text=pm.measurement.text)

    def _update_measurements(self) -> None:
        for a in self._measure:
            self.renderer.RemoveViewProp(a)
        self._measure = []
        self._labels = []
        if not self.model.measurements:
            return
        visible = self.model.visible_measurements(self.view)
        if not visible:
            return
        g = self.grid
        values = self.display_plane()
        unit = self.display.unit

        def world(x: float, y: float) -> tuple[float, float, float]:
            return (g.u0 + x * g.spacing, g.v0 + y * g.spacing, -0.2)

        for pm in visible:
            meas = self._pixel_measurement(pm)
            self._measure += measurement_actors(
                meas, world, values, (g.spacing, g.spacing), unit, MEASURE_COLOR
            )
        for a in self._measure:
            self.renderer.AddViewProp(a)
        self._labels = world_labels(self._measure)
        place_measurement_labels(self.renderer, self._labels)

    def describe(self, pm: Any) -> str:
        """The label a measurement on this view shows (mm from the plane's true spacing)."""
        g = self.grid
        return describe(
            self._pixel_measurement(pm),
            self.display_plane(),
            (g.spacing, g.spacing),
            self.display.unit,
        )

    # ------------------------------------------------------------------ coordinates

    def display_to_uv(self, x: float, y: float) -> tuple[float, float]:
        return display_to_world(self.renderer, x, y)

    def uv_to_display(self, u: float, v: float) -> tuple[float, float]:
        r = self.renderer
        r.SetWorldPoint(u, v, 0.0, 1.0)
        r.WorldToDisplay()
        x, y, _ = r.GetDisplayPoint()
        return x, y

    # ------------------------------------------------------------------ output

    def render(self) -> None:
        if self.can_render:
            self.window.Render()

    def grab(self) -> np.ndarray:
        return grab_window(self.window, render=self.can_render)
