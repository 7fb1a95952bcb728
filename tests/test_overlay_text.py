"""Overlay text of the views: :class:`TextQuad` draws exactly what ``vtkTextActor`` drew, and an
MPR scroll redraws only the location line (no new texture, nothing else touched)."""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkRenderWindow, vtkTextActor

from app import i18n
from phantoms.series import rotation
from viewer.dicom.volume import Volume
from viewer.render import overlay
from viewer.render.merged_text import MergedText
from viewer.render.mpr_view import MprRenderer
from viewer.render.overlay import (
    _PLACES,
    TEXT_COLOR,
    OverlayText,
    cjk_font,
    grab_window,
    outline_text,
)
from viewer.state.mpr import MprModel

BACKGROUND = (0.2, 0.3, 0.4)


def _window(w: int = 517, h: int = 389) -> tuple[vtkRenderWindow, vtkRenderer]:
    win = vtkRenderWindow()
    win.SetOffScreenRendering(1)
    win.SetSize(w, h)
    win.SetMultiSamples(0)
    ren = vtkRenderer()
    ren.SetBackground(*BACKGROUND)
    win.AddRenderer(ren)
    return win, ren


class ActorText:
    """The reference: one ``vtkTextActor`` per place, set up as overlay text was before."""

    def __init__(self, renderer: vtkRenderer, size: int, color: tuple[float, ...], bold: bool):
        self.renderer, self.style = renderer, (size, color, bold)
        self.actors: dict[int, vtkTextActor] = {}

    def SetText(self, i: int, text: str) -> None:
        a = self.actors.get(i)
        if a is None:
            size, color, bold = self.style
            x, y, jh, jv = _PLACES[i]
            a = self.actors[i] = vtkTextActor()
            prop = a.GetTextProperty()
            prop.SetFontSize(round(size * overlay.TEXT_SCALE[0]))
            prop.SetColor(*color)
            outline_text(prop)
            prop.SetBold(bold)
            prop.SetJustification(jh)
            prop.SetVerticalJustification(jv)
            coord = a.GetPositionCoordinate()
            coord.SetCoordinateSystemToNormalizedViewport()
            coord.SetValue(x, y)
            self.renderer.AddViewProp(a)
        a.SetVisibility(bool(text))
        prop = a.GetTextProperty()
        font = cjk_font() if not text.isascii() else None
        if font:
            prop.SetFontFamily(4)
            prop.SetFontFile(font)
        else:
            prop.SetFontFamilyToArial()
        a.SetInput(text)

    def rescale(self) -> None:
        for a in self.actors.values():
            a.GetTextProperty().SetFontSize(round(self.style[0] * overlay.TEXT_SCALE[0]))


STEPS = [
    {
        0: "Coronal (oblique)\nLoc: -12.34 mm",
        1: "W: 400 L: 40 HU",
        2: "张三 Zhang San\nM 64Y",
        3: "Fusion: PT",
        4: "P",
        5: "L",
        6: "R",
        7: "A",
    },
    {0: "Coronal (oblique)\nLoc: 7.10 mm\nMIP 10.0 mm", 2: "", 3: "融合: PT"},
    {0: "Coronal (oblique)\nLoc: 7.11 mm\nMIP 10.0 mm", 2: "CT", 5: "LP"},
]


@pytest.mark.parametrize("kind", [OverlayText, MergedText])
def test_text_quads_draw_what_vtk_text_actors_drew(kind: type) -> None:
    """Every place, multi-line, Chinese, right and centre justified, at an odd viewport size;
    after changes (longer, shorter, blank, Chinese ↔ ASCII), after the window's DPI changes (as
    Qt sets it when the window moves to a screen of another pixel ratio; no text changed), after
    a text size change and after the window is resized; one actor per place or all places in
    one."""
    frames = []
    for made in (ActorText, kind):
        win, ren = _window()
        corners = made(ren, 14, TEXT_COLOR, False)
        edges = made(ren, 18, (1.0, 0.85, 0.2), True)
        shots = []
        for step in STEPS:
            for i, text in step.items():
                (edges if i >= 4 else corners).SetText(i, text)
            shots.append(grab_window(win))
        for dpi in (144, 72):  # (moved to a HiDPI screen and back: no text changed)
            win.SetDPI(dpi)
            shots.append(grab_window(win))
        overlay.TEXT_SCALE[0] = 1.5
        try:
            corners.rescale()
            edges.rescale()
            shots.append(grab_window(win))
        finally:
            overlay.TEXT_SCALE[0] = 1.0
        win.SetSize(400, 301)
        shots.append(grab_window(win))
        frames.append(shots)
    for n, (ref, ours) in enumerate(zip(*frames, strict=True)):
        drawn = (ref != np.round(np.array(BACKGROUND) * 255)).any(axis=2).sum()
        assert drawn > 1500, f"step {n}: little text drawn"
        diff = np.abs(ref.astype(int) - ours.astype(int))
        assert diff.max() == 0, f"step {n}: {(diff.max(axis=2) > 0).sum()} pixels differ"


def _view() -> tuple[MprModel, MprRenderer]:
    vol = Volume(
        np.zeros((40, 48, 48), np.int16), np.zeros(3), (1.0, 1.0, 1.2), rotation(20, 10, 5)
    )
    vol.array[10:30, 10:30, 10:30] = 500
    vol.modality = "CT"
    m = MprModel(vol)
    m.rotate("axial", 30.0)
    m.rotate("coronal", 20.0)  # double oblique, as the benchmark
    win = vtkRenderWindow()
    win.SetOffScreenRendering(1)
    win.SetSize(320, 320)
    return m, MprRenderer(win, m, "coronal")


def _overlay_times(r: MprRenderer) -> dict[str, int]:
    out = {f"corner {i}": a.GetMTime() for i, a in r.corners._actors.items()}
    out["edges"] = r.edges.actor.GetMTime()
    out["edges' texture"] = r.edges.actor.GetTexture().GetMTime()
    out["edges' quads"] = r.edges._poly.GetMTime()
    out.update({f"scale {k}": a.GetMTime() for k, a in enumerate(r._scale)})
    out["crosshair"] = r.crosshair._points.GetMTime()
    out["texture of corner 0"] = r.corners._actors[0].GetTexture().GetMTime()
    return out


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_an_mpr_scroll_redraws_the_location_line_alone(qapp, lang: str) -> None:
    i18n.install(qapp, lang)
    try:
        m, r = _view()
        r.render()
        r.render()  # the scale bar's label (a vtkTextActor) marks itself once, when first built
        before = r.corners.GetText(0).splitlines()
        name, loc = ("Coronal (oblique)", "Loc") if lang == "en" else ("冠状位 (斜位)", "位置")
        assert before[0] == name and before[1].startswith(f"{loc}: ")
        wl, edges = r.corners.GetText(1), {i: r.edges.GetText(i) for i in (4, 5, 6, 7)}
        times = _overlay_times(r)
        for step in (1, 1, -3):
            m.scroll("coronal", step)
            r.render()
            lines = r.corners.GetText(0).splitlines()
            pos = float(m.center @ r.grid.normal)
            assert lines[0] == name and lines[1] == f"{loc}: {pos:.2f} mm"
            assert lines[1] != before[1]
            assert r.corners._actors[0].GetInput() == r.corners.GetText(0)  # what is drawn
            assert r.corners.GetText(1) == wl
            assert {i: r.edges.GetText(i) for i in (4, 5, 6, 7)} == edges
            now = _overlay_times(r)
            changed = sorted(k for k in times if now.get(k) != times[k])
            # the location's actor takes a new image into the texture it keeps; nothing else
            # is touched (no new texture, rectangle, scale bar, crosshair or label)
            assert changed in ([], ["corner 0"]), changed
            times, before = now, lines
        img = r.grab()
        assert img.shape == (320, 320, 3) and img.max() > 150
    finally:
        i18n.install(qapp, "en")


def test_the_location_is_never_shown_as_minus_zero() -> None:
    m, r = _view()
    g = r.grid
    m.set_center(m.center - g.normal * (float(m.center @ g.normal) + 0.001))
    assert f"{float(m.center @ r.grid.normal):.2f}" == "-0.00"  # the case
    assert r.corners.GetText(0).splitlines()[1] == "Loc: 0.00 mm"


def test_a_text_quad_gives_the_text_actors_bounding_box() -> None:
    win, ren = _window()
    ref, ours = ActorText(ren, 14, TEXT_COLOR, False), OverlayText(ren, 14, TEXT_COLOR)
    for i, text in ((1, "W: 400 L: 40 HU\nno SUV: no weight"), (4, "P"), (2, "张三\nCT")):
        ref.SetText(i, text)
        ours.SetText(i, text)
        win.Render()
        want, got = [0.0] * 4, [0.0] * 4
        ref.actors[i].GetBoundingBox(ren, want)
        ours._actors[i].GetBoundingBox(ren, got)
        assert got == want and want[1] - want[0] > 5, (text, got, want)


def test_the_lines_kept_while_scrolling_follow_slab_rotation_and_language(qapp) -> None:
    m, r = _view()
    m.set_slab("coronal", "mip", 10.0)
    lines = r.corners.GetText(0).splitlines()
    assert lines[0] == "Coronal (oblique)" and lines[2].startswith("MIP ")
    m.set_slab("coronal", "none", 0.0)
    assert len(r.corners.GetText(0).splitlines()) == 2
    labels = {i: r.edges.GetText(i) for i in (4, 5, 6, 7)}
    m.rotate("axial", 40.0)  # turns the coronal plane: its edges show other directions
    assert {i: r.edges.GetText(i) for i in (4, 5, 6, 7)} != labels
    i18n.install(qapp, "zh_CN")
    try:
        r.update()
        assert r.corners.GetText(0).splitlines()[0] == "冠状位 (斜位)"
    finally:
        i18n.install(qapp, "en")
    r.update()
    assert r.corners.GetText(0).splitlines()[0] == "Coronal (oblique)"


def test_location_line_never_shows_minus_zero() -> None:
    """2D and MPR both write the location with location_text: a plane a hair below 0 reads
    0.00 mm, a real negative keeps its sign."""
    from viewer.render.overlay import location_text

    assert location_text("Loc", -0.001) == "Loc: 0.00 mm"
    assert location_text("Loc", -1.006) == "Loc: -1.01 mm"
    assert location_text("位置", 12.3) == "位置: 12.30 mm"
