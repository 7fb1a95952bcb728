"""The VTK pipeline of a 2D viewport, driven by a :class:`ViewportModel` (Qt-free).

The whole series sits in one ``vtkImageData`` that shares the numpy array's memory (no copy);
``vtkImageSliceMapper`` shows one slice of it, and window/level is a property of the image slice,
so scrolling and windowing only change a number and re-render. Overlays (corner text, orientation
labels, a scale bar) and measurements are 2D actors on top (drawn with
:mod:`viewer.render.overlay`). The same class renders inside the Qt widget and offscreen (tests,
benchmarks, screenshots).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL backend)
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkRenderingCore import (
    vtkImageProperty,
    vtkImageSlice,
    vtkImageSliceMapper,
    vtkRenderer,
    vtkRenderWindow,
    vtkTextActor,
)

from viewer.dicom.i18n import translate
from viewer.dicom.volume import Volume
from viewer.dicom.windows import DisplayValues, display_values, opening_colormap
from viewer.render import voi
from viewer.render.colorbar import ColorBar, lookup_table
from viewer.render.fusion2d import FusedLayer
from viewer.render.measure_labels import place_measurement_labels, world_labels
from viewer.render.overlay import MEASURE_COLOR as MEASURE_COLOR
from viewer.render.overlay import SELECTED_COLOR as SELECTED_COLOR
from viewer.render.overlay import TEXT_COLOR as TEXT_COLOR
from viewer.render.overlay import OverlayText as OverlayText
from viewer.render.overlay import display_to_world as display_to_world
from viewer.render.overlay import grab_window as grab_window
from viewer.render.overlay import line_actor as line_actor
from viewer.render.overlay import location_text, resolution_note, window_text
from viewer.render.overlay import measurement_actors as measurement_actors
from viewer.render.overlay import scale_bar_actors as scale_bar_actors
from viewer.render.overlay import share_volume as share_volume
from viewer.render.overlay import style_text as style_text
from viewer.render.slice_display import SliceDisplay
from viewer.state.viewport import ViewportEvent, ViewportModel


class SliceRenderer(SliceDisplay):
    """Renders a :class:`ViewportModel` into a VTK render window.

    Besides the model it owns the display choices of this view: colour map (``set_colormap``),
    interpolation (``set_interpolation``: linear by default, nearest as an option), a colour bar,
    and a fused overlay (``set_fusion``).
    """

    def __init__(
        self, window: vtkRenderWindow, model: ViewportModel, labels: dict[str, str] | None = None
    ) -> None:
        self.window = window
        self.model = model
        self.labels = labels or {}
        window.SetMultiSamples(0)  # 4× MSAA costs ~18 ms a frame on llvmpipe, useless for images
        self.renderer = vtkRenderer()
        self.renderer.SetBackground(0, 0, 0)
        window.AddRenderer(self.renderer)
        self.mapper = vtkImageSliceMapper()
        self.mapper.SetOrientationToZ()
        self.mapper.SliceAtFocalPointOff()
        self.mapper.SliceFacesCameraOff()
        self.prop = vtkImageProperty()
        #: "linear" (default: smooth when zoomed) or "nearest" (the acquired pixels as blocks)
        self.interpolation = "linear"
        self.prop.SetInterpolationTypeToLinear()
        self.slice = vtkImageSlice()
        self.slice.SetMapper(self.mapper)
        self.slice.SetProperty(self.prop)  # added to the renderer once there is an image
        self.corners = OverlayText(self.renderer, 14, TEXT_COLOR)
        self.edges = OverlayText(self.renderer, 18, (1.0, 0.85, 0.2), bold=True)
        self._scale_actors: list[Any] = []
        self._measure_actors: list[Any] = []
        self._image_data: vtkImageData | None = None
        self._keep: Any = None  # the numpy array VTK shares
        self.reference_lines: list[tuple[tuple[float, float], tuple[float, float]]] = []
        #: False while the hosting widget is hidden or gone (rendering then could crash)
        self.can_render = True
        #: when set (by the hosting widget), :meth:`render` asks it to call :meth:`flush` soon
        #: and renders once however many changes came before (None: render at once)
        self.defer: Callable[[], None] | None = None
        self._pending = False
        self._shown_measurements: list[int] = []
        self.active = False
        #: colour map of the image (a resources/colormaps id); grey, not inverted, uses no table
        self.colormap = "grey"
        self._lut_key: tuple[str, bool] | None = None
        #: None: a colour bar when the map is not plain grey or an overlay is fused; else forced
        self.show_colorbar: bool | None = None
        self.colorbar = ColorBar(self.renderer, style_text)
        self.display = DisplayValues("")
        #: the fused overlay (a viewer.state.mpr.Fusion: volume, transform, colormap, opacity,
        #: window; optional threshold and ramp) and its pipeline
        self.fusion: Any = None
        self._fused: FusedLayer | None = None
        self._labels: list[tuple[vtkTextActor, tuple[float, ...]]] = []
        model.subscribe(self._on_change)
        if model.image is not None:
            self._set_image()

    # ------------------------------------------------------------------ model → pipeline

    def _on_change(self, what: ViewportEvent) -> None:
        if what is ViewportEvent.IMAGE:
            self._set_image()
        elif what is ViewportEvent.INDEX:
            self._set_slice()
        elif what is ViewportEvent.WINDOW:
            self._set_window()
        elif what is ViewportEvent.CAMERA:
            self._set_camera()
        elif what is ViewportEvent.MEASUREMENTS:
            self._update_measurements()

    def _set_image(self) -> None:
        m = self.model
        img = m.image
        assert img is not None
        if isinstance(img, Volume):
            arr = img.array
            spacing = (img.spacing[0], img.spacing[1], img.spacing[2])
        else:
            arr = img.frames
            sp = img.pixel_spacing or (1.0, 1.0)
            spacing = (sp[1], sp[0], 1.0)
        arr = np.ascontiguousarray(arr)
        comps = arr.shape[3] if arr.ndim == 4 else 1
        data = vtkImageData()
        data.SetDimensions(arr.shape[2], arr.shape[1], arr.shape[0])
        data.SetSpacing(*spacing)
        data.SetOrigin(0, 0, 0)
        flat = arr.reshape(-1, comps) if comps > 1 else arr.reshape(-1)
        vtk_arr = numpy_support.numpy_to_vtk(flat, deep=False)
        data.GetPointData().SetScalars(vtk_arr)
        self._keep = (arr, flat, vtk_arr)
        self._image_data = data
        self.mapper.SetInputData(data)
        if not self.renderer.HasViewProp(self.slice):
            self.renderer.AddViewProp(self.slice)
        self.spacing = spacing
        self.shape = arr.shape
        self.display = DisplayValues("") if m.is_color else display_values(img)
        self.colormap = "grey" if m.is_color else opening_colormap(img)
        if comps > 1:
            self.prop.SetColorWindow(255)
            self.prop.SetColorLevel(127.5)
        self._set_slice(render=False)
        self._set_window(render=False)
        self._set_camera(render=False)
        self._update_measurements(render=False)
        self.render()

    def _set_slice(self, render: bool = True) -> None:
        """Scrolling: a new slice number, the camera moved along with it, the slice text."""
        self.mapper.SetSliceNumber(self.model.index)
        if self._image_data is not None:
            cam = self.renderer.GetActiveCamera()
            z = self.model.index * self.spacing[2]
            fx, fy, fz = cam.GetFocalPoint()
            px, py, pz = cam.GetPosition()
            cam.SetFocalPoint(fx, fy, z)
            cam.SetPosition(px, py, pz + (z - fz))
            self._text_slice()
            if self.display.factors:
                self._set_window(render=False)  # this slice's own factor (PET: per-slice SUV)
            if self._fused is not None:
                self._update_fusion()
        shown = [m.id for m in self.model.visible_measurements()]
        if shown or self._shown_measurements:
            self._update_measurements(render=False)
        if getattr(self, "_extra", None):
            self._update_extra()
        if render:
            self.render()

    def _set_window(self, render: bool = True) -> None:
        m = self.model
        if m.is_color:
            return
        c, w = m.window  # in the display unit (SUV for PET in SUV)
        f = self.display.factor(m.index) or 1.0
        self.prop.SetColorWindow(w / f)
        self.prop.SetColorLevel(c / f)
        # only a colour map or an inverted display uses a table; plain grey stays on the fast path
        key = None if self.colormap == "grey" and not m.invert else (self.colormap, m.invert)
        if key != self._lut_key:
            self._lut_key = key
            self.prop.SetLookupTable(None if key is None else lookup_table(*key))
            self.prop.UseLookupTableScalarRangeOff()
        self.voi_label = voi.apply(self, (c, w), f, m.invert)  # a picked VOI LUT: its table
        if self._fused is not None:
            self._fused_window()
        if self._image_data is not None:
            self._text_window()
            self._update_colorbar()
        if render:
            self.render()

    def shown_pixels(self) -> np.ndarray:
        """The pixels of the slice shown now (shared with VTK, not copied)."""
        arr: np.ndarray = self._keep[0]
        return arr[self.model.index]

    # ------------------------------------------------------------------ camera

    def screen_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """World unit vectors of the screen's right and down."""
        (rx, ry), (dx, dy) = self.model.screen_axes()
        return np.array([rx, ry, 0.0]), np.array([dx, dy, 0.0])

    def _extent_mm(self) -> tuple[float, float]:
        """Displayed width and height of the slice in mm (after rotation)."""
        _, rows, cols = self.shape[:3]
        w, h = cols * self.spacing[0], rows * self.spacing[1]
        right, _ = self.screen_vectors()
        return (w, h) if abs(right[0]) > 0.5 else (h, w)

    def fit_scale(self) -> float:
        vw, vh = self.window.GetSize()
        aspect = vw / vh if vh else 1.0
        w, h = self._extent_mm()
        return max(h / 2, w / (2 * aspect)) * 1.02

    def _set_camera(self, render: bool = True) -> None:
        if self._image_data is None:
            return
        m = self.model
        _, rows, cols = self.shape[:3]
        cx = (cols - 1) * self.spacing[0] / 2
        cy = (rows - 1) * self.spacing[1] / 2
        cz = m.index * self.spacing[2]
        right, down = self.screen_vectors()
        up = -down
        dop = np.cross(up, right)
        focal = np.array([cx, cy, cz]) + m.pan[0] * right + m.pan[1] * down
        cam = self.renderer.GetActiveCamera()
        cam.ParallelProjectionOn()
        cam.SetFocalPoint(*focal)
        cam.SetPosition(*(focal - 1000.0 * dop))
        cam.SetViewUp(*up)
        cam.SetParallelScale(self.fit_scale() / m.zoom)
        cam.SetClippingRange(1.0, 2000.0)
        place_measurement_labels(self.renderer, self._labels)
        self._update_scale_bar()
        self._update_text()
        self._update_reference_lines()
        if render:
            self.render()

    def on_resize(self) -> None:
        """The window changed size: refit the camera (zoom stays relative to fit)."""
        if self._image_data is not None:
            self._set_camera(render=False)

    def zoom_percent(self) -> float:
        """Screen pixels per acquired pixel × 100 (100 % = 1:1; a reduced preview's too)."""
        _, vh = self.window.GetSize()
        scale = self.renderer.GetActiveCamera().GetParallelScale()
        return 100.0 * self.spacing[1] / self.model.reduction * vh / (2 * scale) if scale else 100.0

    def set_one_to_one(self) -> None:
        _, vh = self.window.GetSize()
        one = self.spacing[1] / self.model.reduction * vh / 2  # 1 acquired pixel : 1 screen pixel
        self.model.set_zoom(self.fit_scale() / one)

    # ------------------------------------------------------------------ coordinates

    def display_to_image(self, x: float, y: float) -> tuple[float, float]:
        """VTK display coordinates (origin bottom-left) → image (column, row)."""
        wx, wy = display_to_world(self.renderer, x, y)
        return wx / self.spacing[0], wy / self.spacing[1]

    def image_to_display(self, col: float, row: float) -> tuple[float, float]:
        r = self.renderer
        r.SetWorldPoint(
            col * self.spacing[0], row * self.spacing[1], self.model.index * self.spacing[2], 1.0
        )
        r.WorldToDisplay()
        x, y, _ = r.GetDisplayPoint()
        return x, y

    def mm_per_screen_pixel(self) -> float:
        _, vh = self.window.GetSize()
        return 2 * self.renderer.GetActiveCamera().GetParallelScale() / max(vh, 1)

    # ------------------------------------------------------------------ overlays

    def _update_text(self) -> None:
        """All overlay text (after a new image, camera or language)."""
        if self.model.image is None:
            return
        info = self.model.info
        left = ("patient_name", "patient_id", "sex_age", "study_date")
        self._set_text(self.corners, 2, "\n".join(x for k in left if (x := info.get(k, ""))))
        right = ("institution", "series", "modality")
        lines = [x for k in right if (x := info.get(k, ""))]
        if self._fused is not None:
            fusion = translate("Overlay", "Fusion")  # (words outside f-strings: lupdate reads them)
            lines.append(f"{fusion}: {self._fused.volume.modality}")
        self._set_text(self.corners, 3, "\n".join(lines))
        self._text_slice()
        self._text_window()
        lab = self.model.edge_labels()
        # vtkCornerAnnotation: 4 lower edge, 5 right edge, 6 left edge, 7 upper edge
        for i, key in ((4, "bottom"), (5, "right"), (6, "left"), (7, "top")):
            self._set_text(self.edges, i, lab[key])

    def _text_slice(self) -> None:
        m = self.model
        g = m.geometry()
        im, loc, thk = (
            translate("Overlay", "Im"),
            translate("Overlay", "Loc"),
            translate("Overlay", "Thk"),
        )
        lines = [f"{im}: {m.index + 1}/{m.count}"]
        pos = m.slice_position()
        if pos is not None and g.normal is not None:
            lines.append(location_text(loc, pos @ g.normal))
        if g.thickness:  # the acquired thickness; a resampled grid is marked as such
            word = translate("Overlay", "reconstructed")
            rec = f" ({word})" if g.reconstructed else ""
            lines.append(f"{thk}: {g.thickness:.2f} mm{rec}")
        if not m.calibrated:
            lines.append(translate("Overlay", "uncalibrated"))
        if note := resolution_note(m.image):
            lines.append(note)
        self._set_text(self.corners, 0, "\n".join(lines))

    def _text_window(self) -> None:
        m = self.model
        word = translate("Overlay", "Zoom")
        zoom = f"{word}: {self.zoom_percent():.0f}%"
        c, w = m.window
        wl = window_text(c, w, self.display, getattr(self, "voi_label", ""))  # why not SUV
        self._set_text(self.corners, 1, zoom if m.is_color else f"{wl}\n{zoom}")

    def _set_text(self, actor: OverlayText, i: int, text: str) -> None:
        actor.SetText(i, text)

    def _update_scale_bar(self) -> None:
        for a in self._scale_actors:
            self.renderer.RemoveViewProp(a)
        self._scale_actors = []
        if not self.model.calibrated:
            return
        self._scale_actors = scale_bar_actors(self.window, self.mm_per_screen_pixel(), self.corners)
        for a in self._scale_actors:
            self.renderer.AddViewProp(a)

    def _world(self, x: float, y: float) -> tuple[float, float, float]:
        return (x * self.spacing[0], y * self.spacing[1], self.model.index * self.spacing[2])

    def _update_measurements(self, render: bool = True) -> None:
        for a in self._measure_actors:
            self.renderer.RemoveViewProp(a)
        self._measure_actors = []
        m = self.model
        if m.image is None:
            return
        f = self.display.factor(m.index)
        values = None if m.is_color else (m.pixels() * f if f != 1.0 else m.pixels())
        spacing = m.geometry().spacing
        unit = self.display.unit
        visible = m.visible_measurements()
        self._shown_measurements = [meas.id for meas in visible]
        for meas in visible:
            color = SELECTED_COLOR if meas is m.selected else MEASURE_COLOR
            self._measure_actors += measurement_actors(
                meas, self._world, values, spacing, unit, color
            )
        for a in self._measure_actors:
            self.renderer.AddViewProp(a)
        self._labels = world_labels(self._measure_actors)
        place_measurement_labels(self.renderer, self._labels)
        self._update_reference_lines()
        if render:
            self.render()

    def set_pointer(self, point: tuple[float, float] | None, color: tuple[float, ...]) -> None:
        """A remote participant's pointer (image x, y) as a small cross; None hides it."""
        for a in getattr(self, "_pointer_actors", []):
            self.renderer.RemoveViewProp(a)
        self._pointer_actors: list[Any] = []
        if point is not None:
            x, y = point
            w = self._world
            self._pointer_actors = [
                line_actor([w(x - 6, y), w(x + 6, y)], color, width=2.0),
                line_actor([w(x, y - 6), w(x, y + 6)], color, width=2.0),
            ]
            for a in self._pointer_actors:
                self.renderer.AddViewProp(a)
        self.render()

    def set_extra(self, items: list[Any], badges: dict[int, str] | None = None) -> None:
        """Graphics that are not measurements (:class:`viewer.render.extra.ExtraGraphics`, e.g.
        another program's presentation state) and a badge line per slice (the key-image star)."""
        self._extra = (list(items), dict(badges or {}))
        self._update_extra()
        self.render()

    def _update_extra(self) -> None:
        from viewer.render.extra import badge_actor, extra_actors

        for a in getattr(self, "_extra_actors", []):
            self.renderer.RemoveViewProp(a)
        items: list[Any] = []
        badges: dict[int, str] = {}
        items, badges = getattr(self, "_extra", (items, badges))
        self._extra_actors: list[Any] = extra_actors(items, self.model.index, self._world)
        if badges.get(self.model.index):
            self._extra_actors.append(badge_actor(badges[self.model.index]))
        for a in self._extra_actors:
            self.renderer.AddViewProp(a)

    def set_reference_lines(
        self, lines: list[tuple[tuple[float, float], tuple[float, float]]]
    ) -> None:
        self.reference_lines = lines
        self._update_reference_lines()

    def _update_reference_lines(self) -> None:
        for a in getattr(self, "_ref_actors", []):
            self.renderer.RemoveViewProp(a)
        self._ref_actors = [
            line_actor([self._world(*p0), self._world(*p1)], (0.3, 0.7, 1.0), width=1.0)
            for p0, p1 in self.reference_lines
        ]
        for a in self._ref_actors:
            self.renderer.AddViewProp(a)

    # ------------------------------------------------------------------ output

    def render(self) -> None:
        if self.defer is None:
            self._render_now()
        elif not self._pending:
            self._pending = True
            self.defer()

    def flush(self) -> None:
        """The render :meth:`render` deferred (one for all the changes since)."""
        if self._pending:
            self._pending = False
            self._render_now()

    def _render_now(self) -> None:
        if self.model.image is not None and self.can_render:
            self.window.Render()
            if self._fused is not None and self._fused.quad_failed():
                self.window.Render()  # (the fused slice blended on the CPU instead)

    def grab(self) -> np.ndarray:
        """The frame as rendered now, RGB with rows from the top."""
        self._pending = self._pending and not self.can_render  # grabbing renders
        return grab_window(self.window, render=self.can_render)
