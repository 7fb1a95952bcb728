"""The MPR / 3D layout in the main window: opened on the active viewport's volume (the other
loaded volumes offered for fusion), closed back to the 2D grid, curved MPRs in their own window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QStackedWidget, QVBoxLayout, QWidget

from app.mpr import MprPanel
from app.viewport import ViewportWidget
from viewer.dicom.colormaps import fusion_pairs
from viewer.dicom.volume import Volume
from viewer.dicom.windows import display_values
from viewer.render.overlay import swap_volume
from viewer.render.refine import refine_shared
from viewer.render.voi import picked_on
from viewer.state.workspace import Workspace


class MprLink(QObject):
    """Owns the MPR panel while it is open (and the last curved MPR window)."""

    def __init__(self, window: Any, labels: Callable[[], dict[str, str]]) -> None:
        """``window``: the main window (its workspace, stack, grid, MPR action, status bar)."""
        super().__init__(window)
        self.host: QWidget = window
        self.workspace: Workspace = window.workspace
        self.stack: QStackedWidget = window.stack
        self.grid: QWidget = window.grid_host
        self.action: QAction = window.acts["mpr"]
        self.labels = labels
        self.status: Callable[[str, int], None] = window.statusBar().showMessage
        self.panel: MprPanel | None = None
        self.curved_dialog: QDialog | None = None
        self.opened: list[Callable[[MprPanel], Any]] = []  # called with each new panel
        self.closed: list[Callable[[MprPanel], Any]] = []  # called with each panel that closes

    def toggle(self, on: bool | None = None) -> MprPanel | None:
        """Show the active viewport's volume as MPR + 3D (or go back to the 2D layout)."""
        on = self.panel is None if on is None or not isinstance(on, bool) else on
        if not on:
            self.close()
            return None
        ws = self.workspace
        vol = ws.active.image if ws.active is not None else None
        if not isinstance(vol, Volume):
            self.action.setChecked(False)
            self.status(
                QCoreApplication.translate(
                    "MainWindow", "MPR and 3D need a volume: open a CT, MR or PET series first."
                ),
                8000,
            )
            return None
        self.close()
        others = {
            f"{img.modality} {ws.series[k].description}".strip(): img
            for k, img in ws.images.items()
            if isinstance(img, Volume)
            and img is not vol
            and k in ws.series
            and fusion_pairs(vol.modality, img.modality)  # only sensible pairs (PET over CT…)
        }
        self.panel = MprPanel(vol, others, self.labels(), self.stack)
        self.panel.curved_ready.connect(self._show_curved)
        for fn in self.opened:
            fn(self.panel)
        self.stack.addWidget(self.panel)
        self.stack.setCurrentWidget(self.panel)
        self.action.setChecked(True)
        return self.panel

    def step_subvolume(self, step: int) -> Volume | None:
        """The next (or previous) echo, b-value, phase… of the open layout's series in the three
        planes and the 3D view, at the same crosshair, planes, window and measurements (the
        sub-volumes share one grid; the views read one image whose memory is swapped)."""
        panel = self.panel
        if panel is None:
            return None
        vol = panel.model.volume
        if len(vol.subvolumes) < 2:
            return None
        new = vol.sibling(step)
        if not self._share(panel, swap_volume, new):
            return None
        panel.model.volume = new
        shown = display_values(new)  # its own SUV factors (a dynamic PET's phase)
        for view in panel.views.values():
            view.renderer.display = shown
            view.renderer.update()
        panel.vr.renderer.volume = new  # its overlay names the sub-volume shown
        base = panel.info.get("series_base")
        if base is not None:  # the patient overlay's series line too, as in 2D ("#1 … · Echo 2")
            panel.info["series"] = f"{base} · {new.label}" if new.label else base
        panel.show_patient()  # renders every view, the 3D one included
        return new

    def refine(self, full: Volume) -> bool:
        """The open layout's reduced-resolution volume refined: ``full`` (the same series at
        full resolution) is swapped in place, so the views are not rebuilt; crosshair, planes,
        slabs, window (a VOI LUT picked included), measurements and each view's centre and mm
        per screen pixel stay.
        False when no layout shows a reduced volume that ``full`` refines."""
        panel = self.panel
        if (
            panel is None
            or not panel.model.volume.reduced_level
            or not isinstance(full, Volume)
            or full.reduced_level
        ):
            return False
        if not self._share(panel, refine_shared, full):
            return False
        views = [v.renderer for v in panel.views.values()]
        mm_px = {r.view: r.display_spacing() for r in views}
        old = panel.model.volume
        voi = [r for r in views if picked_on(r, old)]  # a VOI LUT picked on it: kept
        for r in views:  # one frame per view, once all is in place
            r.can_render = False
        try:
            panel.model.swap_volume(full)
            for r in voi:
                r.voi_image = full
            for r in views:  # the fit changed with the box: keep the mm per screen pixel
                r.display = display_values(full)
                zoom = panel.model.zoom[r.view] * r.display_spacing() / mm_px[r.view]
                panel.model.set_zoom(r.view, zoom)
        finally:
            for r in views:
                r.can_render = True
        for r in views:
            r.update()
        vr = panel.vr.renderer
        vr.volume = full
        vr.min_spacing = float(min(full.spacing))
        vr.set_interactive(vr.interactive, render=False)
        vr.set_shading(vr.shading)  # its text (no longer reduced) and a frame
        return True

    def _share(
        self, panel: MprPanel, swap: Callable[[Any, Volume, Volume], Any], new: Volume
    ) -> bool:
        """The image every view of the layout reads made to read ``new``'s memory by ``swap``
        (:func:`swap_volume`, :func:`refine_shared`), what must stay alive with it kept in
        ``panel.source``; False, said in the status bar, when ``new`` does not fit."""
        data, _ = panel.source
        try:
            keep = swap(data, new, panel.model.volume)
        except ValueError as e:
            self.status(str(e), 8000)
            return False
        panel.source = (data, keep)
        return True

    def close(self) -> None:
        panel = self.panel
        if panel is not None:
            panel.finalize()
            self.stack.removeWidget(panel)
            panel.deleteLater()
            self.panel = None
        self.stack.setCurrentWidget(self.grid)
        self.action.setChecked(False)
        if panel is not None:
            for fn in self.closed:  # the 2D grid is shown again
                fn(panel)

    def _show_curved(self, s: Any) -> None:
        """The straightened image in its own window, measurable like any 2D image."""
        assert self.panel is not None
        dlg = QDialog(self.host)
        dlg.setWindowTitle(
            QCoreApplication.translate("MainWindow", "Curved MPR ({0:.0f} mm)").format(s.length_mm)
        )
        lay = QVBoxLayout(dlg)
        vp = ViewportWidget(dlg, self.labels())
        lay.addWidget(vp)
        dlg.resize(900, 500)
        vp.model.set_image(self.panel.curved_stack(s))
        vp.model.set_window(*self.panel.model.window)
        dlg.finished.connect(lambda _r: vp.finalize())
        self.curved_dialog = dlg
        dlg.show()
