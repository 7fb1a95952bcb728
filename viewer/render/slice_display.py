"""The display choices of a 2D viewport beyond its model: colour map, interpolation, colour bar
and a fused overlay (a mixin of :class:`viewer.render.slice_view.SliceRenderer`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from vtkmodules.vtkRenderingCore import vtkImageProperty, vtkImageSlice, vtkRenderer

from viewer.dicom.windows import DisplayValues
from viewer.render.colorbar import ColorBar
from viewer.render.fusion2d import FusedLayer, fusion_style
from viewer.state.viewport import ViewportModel


class SliceDisplay:
    """Colour map, interpolation ("linear" by default, "nearest" as an option), colour bar
    (automatic: shown for a colour map or a fused overlay) and fusion of a 2D viewport."""

    model: ViewportModel
    renderer: vtkRenderer
    prop: vtkImageProperty
    slice: vtkImageSlice
    colorbar: ColorBar
    display: DisplayValues
    colormap: str
    interpolation: str
    show_colorbar: bool | None
    fusion: Any
    _fused: FusedLayer | None
    _lut_key: tuple[str, bool] | None
    shape: tuple[int, ...]
    spacing: tuple[float, float, float]
    _image_data: Any  # the whole image (vtkImageData), shared with the numpy array

    def _set_window(self, render: bool = True) -> None:
        raise NotImplementedError

    def _update_text(self) -> None:
        raise NotImplementedError

    def render(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ colour, interpolation

    def set_colormap(self, cmap_id: str) -> None:
        """Show the image through a colour map of resources/colormaps (``KeyError`` if none)."""
        from viewer.dicom.colormaps import colormap

        self.colormap = colormap(cmap_id).id
        self._set_window()

    def set_interpolation(self, mode: str) -> None:
        """ "linear" (smooth when zoomed) or "nearest" (each pixel a block)."""
        if mode not in ("linear", "nearest"):
            raise ValueError(f"interpolation is linear or nearest, not {mode!r}")
        self.interpolation = mode
        if mode == "linear":
            self.prop.SetInterpolationTypeToLinear()
        else:
            self.prop.SetInterpolationTypeToNearest()
        if self._fused is not None:
            self._fused.set_interpolation(self.prop.GetInterpolationType())
        self.render()

    def set_colorbar(self, on: bool | None) -> None:
        """Force the colour bar on or off (None: automatic)."""
        self.show_colorbar = on
        self._update_colorbar()
        self.render()

    def _update_colorbar(self) -> None:
        m = self.model
        on = m.image is not None and not m.is_color
        if on and self.show_colorbar is not None:
            on = self.show_colorbar
        elif on:
            on = self.colormap != "grey" or self._fused is not None
        self.colorbar.show(on)
        if not on:
            return
        if self._fused is not None:
            cmap, _, _ = fusion_style(self.fusion, m.modality)
            c, w = self.fusion.window
            self.colorbar.update(cmap, False, c - w / 2, c + w / 2, self._fused.display.title)
        else:
            c, w = m.window
            self.colorbar.update(self.colormap, m.invert, c - w / 2, c + w / 2, self.display.title)

    # ------------------------------------------------------------------ fusion

    def set_fusion(self, fusion: Any) -> None:
        """Fuse an overlay (a Fusion: volume, transform base→overlay patient, colormap, opacity,
        window in the overlay's display unit; optional threshold and ramp as fractions of that
        window) over the base slice; None removes it."""
        old = self._fused
        if old is not None and (fusion is None or old.volume is not fusion.volume):
            for prop in old.props:
                self.renderer.RemoveViewProp(prop)
            self.slice.SetVisibility(True)
            self._fused = None
        if fusion is not None and self._fused is None:
            # the base slice and the overlay blended into one image shown in the slice's place
            # (a second image in front, or a vtkImageStack, costs per screen pixel again)
            self._fused = FusedLayer(fusion)
            self._fused.set_interpolation(self.prop.GetInterpolationType())
            for prop in self._fused.props:
                self.renderer.AddViewProp(prop)
        self.fusion = fusion
        if self._fused is not None:
            self._update_fusion()
        self._update_colorbar()
        self._update_text()
        self.render()

    def _update_fusion(self) -> None:
        layer, m = self._fused, self.model
        if layer is None or m.image is None:
            return
        extent = ((self.shape[2] - 1) * self.spacing[0], (self.shape[1] - 1) * self.spacing[1])
        ok = layer.place(
            m.geometry(),
            m.index * self.spacing[2],
            extent,
            min(self.spacing[:2]),
            np.asarray(self.fusion.transform, float),
        )
        layer.style(self.fusion, m.modality)
        shown = ok and layer.crop()
        if shown:
            layer.show_slice(self._image_data, m.index)
            self._fused_window()  # (blends the slice)
        layer.show(shown)
        self.slice.SetVisibility(not shown)

    def _fused_window(self) -> None:
        """The base slice's colours in the blended image follow the view's window and map (the
        shown slice blended again now)."""
        if self._fused is not None:
            w = self.prop.GetColorWindow()
            lo = self.prop.GetColorLevel() - w / 2
            self._fused.set_window(self._lut_key, lo, lo + w)
            if self._fused.index == self.model.index:  # (else it is placed on the new one next)
                self._fused.update()

    def shown_pixels(self) -> np.ndarray:
        raise NotImplementedError
