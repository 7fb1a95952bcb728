"""What a viewport keeps when it goes on to show the same series at another in-plane
resolution (a reduced cloud volume refined, or loaded from the stored files in its place; see
:mod:`app.cloud_stream`): the view the reader set (:class:`View`: slice, window, invert, zoom,
pan, rotation, flips, the selected measurement), the measurements converted to the new pixels
by one :func:`rescaler` (the same patient mm; the undo steps go through it too), the SUV kind
shown, and, through :data:`Keeper` s, what the app holds beyond the viewport's model
(:func:`keep_view`: the 2D view's colour map, interpolation, colour bar, picked VOI LUT and a
measurement half drawn; :meth:`app.undo_link.UndoLink.carry`: the undo steps).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from viewer.dicom.measure import Measurement
from viewer.dicom.volume import ImageStack, Volume
from viewer.render.voi import picked_on
from viewer.state.viewport import ViewportModel

Image = Volume | ImageStack
#: measurements (a snapshot) → the same in another resolution's pixels (the same patient mm)
Rescale = Callable[[list[Measurement]], list[Measurement]]
#: called with a viewport about to show the same series at another resolution, before the swap;
#: it returns what puts back after the swap what it keeps beyond the model, called with the
#: measurements' :data:`Rescale` (None: the viewport did not take the new image)
Keeper = Callable[[ViewportModel], Callable[[Rescale | None], None]]


def same_grid(a: Image | None, b: Image) -> bool:
    """Two volumes of one series at different in-plane resolutions (same slices)."""
    return isinstance(a, Volume) and isinstance(b, Volume) and a.shape[0] == b.shape[0]


def keep_view(window: Any) -> Keeper:
    """A keeper of what a 2D viewport widget holds beyond its model (``window.grid_host`` finds
    the widget of a model): the display choices its renderer picks again for each new image
    (colour map, interpolation, colour bar, a VOI LUT picked: :mod:`viewer.render.voi`), a
    measurement half drawn (on its converted copy), a drag under way and the scale on the
    screen (mm per screen pixel: the zoom is relative to the picture's fit, and a reduced
    picture whose full width is not a multiple of 4 is a little wider than the full one). A
    fused overlay stays as it is (the renderer places it on the new image)."""

    def keep(vp: ViewportModel) -> Callable[[Rescale | None], None]:
        w = window.grid_host.widget_of(vp)
        if w is None:
            return lambda _rescale: None
        r = w.renderer
        cmap, interpolation, colorbar = r.colormap, r.interpolation, r.show_colorbar
        pan, scale = vp.pan, r.mm_per_screen_pixel()
        kept_voi = picked_on(r, vp.image)

        def back(rescale: Rescale | None) -> None:
            if rescale is None or w.model is not vp:
                return
            now = r.mm_per_screen_pixel()
            if scale > 0 and now > 0 and abs(now - scale) > 1e-9 * scale:
                vp.set_zoom(vp.zoom * now / scale)
            w.rescaled(rescale, (vp.pan[0] - pan[0], vp.pan[1] - pan[1]))
            if kept_voi:
                r.voi_image = vp.image
            if r.colormap != cmap:
                r.set_colormap(cmap)
            if r.interpolation != interpolation:
                r.set_interpolation(interpolation)
            if r.show_colorbar != colorbar:
                r.set_colorbar(colorbar)
            if kept_voi:
                vp.set_window(*vp.window)  # shown through the table again

        return back

    return keep


@dataclass
class View:
    """What the reader set in a viewport, carried from one resolution of a volume to another:
    slice, window, invert, zoom, pan, rotation, flips and measurements (their image points
    scaled to the new pixels, so that they lie at the same patient mm) and which is selected."""

    index: int
    window: tuple[float, float]
    invert: bool
    zoom: float
    pan: tuple[float, float]
    turn: tuple[int, bool, bool]  # rotation, horizontal and vertical flip
    measurements: list[Measurement]
    spacing: tuple[float, float]  # the in-plane pixel spacing the points are in
    middle: tuple[float, float]  # the image's middle (mm from the first pixel), the view's centre
    selected: int | None = None  # the id of the selected measurement


def _middle(img: Volume) -> tuple[float, float]:
    """Where a 2D view centres a slice at pan (0, 0): mm from the first pixel along its row and
    column (a reduced volume's last pixel falls short of the full volume's by a few mm)."""
    _, rows, cols = img.shape
    return (cols - 1) * float(img.spacing[0]) / 2, (rows - 1) * float(img.spacing[1]) / 2


def view_state(vp: ViewportModel) -> View:
    img = vp.image
    assert isinstance(img, Volume)
    sp = (float(img.spacing[0]), float(img.spacing[1]))
    turn = (vp.rotation, vp.flip_h, vp.flip_v)
    return View(
        vp.index, vp.window, vp.invert, vp.zoom, vp.pan, turn, vp.snapshot_measurements(), sp,
        _middle(img), vp.selected.id if vp.selected is not None else None,
    )  # fmt: skip


def rescaler(old: tuple[float, ...], new: tuple[float, ...]) -> Rescale:
    """Measurements on pixels of in-plane spacing ``old`` (column, row mm) → the same on
    pixels of spacing ``new`` (copies; the same patient mm: both grids start at one point)."""
    fx, fy = float(old[0]) / float(new[0]), float(old[1]) / float(new[1])

    def rescale(ms: list[Measurement]) -> list[Measurement]:
        out = copy.deepcopy(ms)
        for m in out:
            m.points = [(x * fx, y * fy) for x, y in m.points]
        return out

    return rescale


def carry_suv(old: Image | None, new: Image) -> None:
    """The SUV kind the reader picked (SUVlbm…) shown on the new image too, where it has it."""
    was, suv = getattr(old, "suv", None), getattr(new, "suv", None)
    if was is not None and suv is not None and was.kind in suv.factors:
        suv.set_kind(was.kind)


def restore(vp: ViewportModel, state: View, rescale: Rescale) -> None:
    img = vp.image
    assert isinstance(img, Volume)
    vp.set_index(state.index)
    vp.set_window(*state.window)
    vp.set_invert(state.invert)
    rotation, flip_h, flip_v = state.turn
    if rotation:
        vp.rotate(rotation)
    if flip_h:
        vp.flip(True)
    if flip_v:
        vp.flip(False)
    vp.set_zoom(state.zoom)
    # the same patient point in the view's centre: the pan makes up for the middle's move
    (rx, ry), (dx, dy) = vp.screen_axes()
    (x0, y0), (x1, y1) = state.middle, _middle(img)
    mx, my = x0 - x1, y0 - y1
    vp.set_pan(state.pan[0] + mx * rx + my * ry, state.pan[1] + mx * dx + my * dy)
    if state.measurements:
        vp.restore_measurements(rescale(state.measurements))
        vp.selected = next((m for m in vp.measurements if m.id == state.selected), None)
        if vp.selected is not None:
            vp.update_measurement(vp.selected)
