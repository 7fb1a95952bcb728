"""A file's VOI LUT shown as the table it is (PS3.3 C.11.2), not as a linear window.

When the reader picks a VOI LUT (Window menu), the view's ``voi_lut`` is set to it (and
``voi_image`` to the image it was picked on) and its model to the LUT's window
(:attr:`viewer.dicom.windows.VoiLut.pair`). While the view shows that image in that window,
:func:`apply` maps each modality value through the table — entry ``value − first``, clamped
at both ends — and then through the view's colour map (inverted if asked); a window drag,
another preset or another image makes the view linear again. Values shown in another unit
than the modality's (PET in SUV) keep the linear window. 2D and MPR views alike. The view's
colour bar is told the table too: its ticks are then the values the table maps to each level
(:func:`viewer.render.colorbar.voi_ticks`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkLookupTable

from viewer.dicom.colormaps import table
from viewer.dicom.i18n import translate
from viewer.dicom.windows import VoiLut


def voi_table(lut: VoiLut, cmap_id: str = "grey", invert: bool = False) -> vtkLookupTable:
    """One table entry per LUT entry: entry ``i`` covers modality values ``first + i ± ½``."""
    grey = 1.0 - lut.out if invert else lut.out
    base = table(cmap_id, 1024)
    idx = np.clip(np.rint(grey * (len(base) - 1)), 0, len(base) - 1).astype(np.int64)
    rgba = np.empty((len(grey), 4), dtype=np.uint8)
    rgba[:, :3] = np.rint(base[idx] * 255.0)
    rgba[:, 3] = 255
    t = vtkLookupTable()
    t.SetNumberOfTableValues(len(grey))
    t.SetTable(numpy_support.numpy_to_vtk(rgba, deep=True))
    n = len(grey)
    t.SetTableRange(lut.first - 0.5, lut.first + n - 0.5)  # clamped outside: first/last entry
    return t


def label(lut: VoiLut) -> str:
    """How the view says it shows a table: ``VOI LUT: <explanation>``."""
    return translate("Overlay", "VOI LUT: {0}").format(lut.explanation or "—")


def picked_on(view: Any, image: Any) -> bool:
    """Whether the reader picked a VOI LUT on ``view`` while it showed ``image`` (which a
    refined volume of the same series inherits: the table maps modality values, the same at
    every resolution)."""
    return getattr(view, "voi_lut", None) is not None and getattr(view, "voi_image", None) is image


def active(view: Any, window: tuple[float, float], factor: float) -> VoiLut | None:
    """The VOI LUT ``view`` shows now: its picked one while the window is that LUT's."""
    lut: VoiLut | None = getattr(view, "voi_lut", None)
    if lut is None or factor != 1.0 or getattr(view, "_fused", None) is not None:
        return None
    model = view.model
    shown = model.image if hasattr(model, "image") else getattr(model, "volume", None)
    if getattr(view, "voi_image", None) is not shown:
        return None  # picked on another image (before a new series or sub-volume)
    c, w = lut.pair
    if not (math.isclose(window[0], c, abs_tol=1e-6) and math.isclose(window[1], w, abs_tol=1e-6)):
        return None
    return lut


def apply(view: Any, window: tuple[float, float], factor: float, invert: bool) -> str:
    """Show ``view`` (a 2D renderer: ``prop``, ``colormap``, ``_lut_key``, ``colorbar``) through
    its VOI LUT when it is active, else restore its colour map's table; returns the overlay's
    label ("" for a linear window)."""
    lut = active(view, window, factor)
    bar = getattr(view, "colorbar", None)
    if bar is not None:  # its ticks: the table inverted, not the window's line
        bar.set_voi(lut)
    key = None if lut is None else (id(lut), view.colormap, invert)
    if key != getattr(view, "_voi_key", None):
        view._voi_key = key
        prop = view.prop
        if lut is not None:
            prop.SetLookupTable(voi_table(lut, view.colormap, invert))
            prop.UseLookupTableScalarRangeOn()
        else:
            from viewer.render.colorbar import lookup_table

            normal = view._lut_key
            prop.SetLookupTable(None if normal is None else lookup_table(*normal))
            prop.UseLookupTableScalarRangeOff()
    return "" if lut is None else label(lut)
