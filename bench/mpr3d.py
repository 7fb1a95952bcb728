"""MPR, thick slab and volume rendering on the 512×512×500 CT at a 512×512 viewport.

    python -m bench.mpr3d [--slices 500] [--frames 30] [--mpr-frames 100] [--gpu] [--mpr-only]
                          [--stages]

Each figure is measured beside a bare VTK pipeline doing the same work in the same run:

* oblique MPR: our :class:`MprRenderer` (reslice of a double-oblique plane + render with
  crosshair, labels, scale bar) moving the plane each frame, against a bare ``vtkImageReslice``
  → ``vtkImageSliceMapper`` on the same plane and grid, seen by the same camera, the two timed
  frame by frame in turn; targets ≤ 50 ms and ≤ 1.1 × bare;
* 10 mm slab MIP, the same way; targets ≤ 80 ms and ≤ 1.05 × bare;
* volume rendering: interactive frames (rotating, coarse) target ≥ 10 frames/s on the CPU
  renderer, and the still, full-quality frame; against the bare mapper with the same settings;
* peak memory of a process holding 2D + three MPR views + 3D on the volume (a child process):
  target ≤ 1.5 × volume bytes + 400 MB; the same with shading on is reported beside it.

``--stages`` adds where an oblique frame's time goes, ours beside bare, each stage timed on its
own in turn frame by frame: our Python (model step, view update, overlays; the bare side's is
setting the reslice), the reslice ``Update`` and the ``Render`` (overlays, texture, draw).

The MPR figures take ``--mpr-frames`` frames each side (about 10 ms a frame: a hundred keep
the median steady when other work shares the machine); the rest take ``--frames``.

``--gpu`` runs the same on a real GPU through EGL (no X server) with the GPU ray-cast mapper:
that is the script for the GPU machine (``bench/gpu_mpr3d.sh``).
The last line is the JSON summary (``ours_s`` / ``anchor_s``: the oblique MPR frame times).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

SIZE = 512


def _window() -> Any:
    from bench.common import offscreen_window

    return offscreen_window(SIZE)


def _median_ms(step: Any, frames: int) -> float:
    from bench.common import median_frame_s

    return median_frame_s(step, frames, warmup=3) * 1000


def interleaved_ms(steps: list[Any], frames: int, warmup: int = 3) -> list[float]:
    """Median ms of each ``step(i)``, the steps taken in turn frame by frame, so that the load
    of a shared machine falls on each alike."""
    import statistics
    import time

    times: list[list[float]] = [[] for _ in steps]
    for i in range(warmup + frames):
        for step, out in zip(steps, times, strict=True):
            t0 = time.perf_counter()
            step(i)
            if i >= warmup:
                out.append(time.perf_counter() - t0)
    return [statistics.median(t) * 1000 for t in times]


def _volume(slices: int) -> Any:
    from bench.load_series import dataset
    from viewer.dicom.scan import scan
    from viewer.dicom.volume import Volume, load_series

    (series,) = scan(dataset(slices, "explicit")).all_series()
    vol = load_series(series)
    assert isinstance(vol, Volume)
    return vol


def _oblique_model(vol: Any) -> Any:
    from viewer.state.mpr import MprModel

    m = MprModel(vol)
    m.rotate("axial", 30.0)
    m.rotate("coronal", 20.0)  # double oblique
    return m


def mpr_frames(
    vol: Any, frames: int, slab_mm: float, stages: bool = False
) -> tuple[float, float, list[int], dict[str, float]]:
    """(ours ms, bare ms, output size, per-stage ms if asked) for moving a double-oblique plane
    one step per frame."""
    import vtkmodules.vtkRenderingOpenGL2  # noqa: F401
    from vtkmodules.vtkRenderingCore import (
        vtkImageProperty,
        vtkImageSlice,
        vtkImageSliceMapper,
        vtkRenderer,
    )

    from viewer.render.mpr_view import MprRenderer, configure_reslice, make_reslice, reslice_axes
    from viewer.render.slice_view import share_volume

    source = share_volume(vol)
    m = _oblique_model(vol)
    if slab_mm:
        m.set_slab("coronal", "mip", slab_mm)
    view = MprRenderer(_window(), m, "coronal", source)  # renders on every model change

    def our_step(i: int) -> None:
        m.scroll("coronal", 1 if i % 2 == 0 else -1)  # reslices and renders

    # bare VTK: the same plane, grid and slab seen by the same camera; nothing else on screen
    win = _window()
    ren = vtkRenderer()
    win.AddRenderer(ren)
    r = make_reslice(source[0], float(vol.array.min()))
    mapper = vtkImageSliceMapper()
    mapper.SetInputConnection(r.GetOutputPort())
    prop = vtkImageProperty()
    prop.SetColorWindow(400)
    prop.SetColorLevel(40)
    prop.SetInterpolationTypeToLinear()
    actor = vtkImageSlice()
    actor.SetMapper(mapper)
    actor.SetProperty(prop)
    ren.AddViewProp(actor)
    slab = m.slabs["coronal"]
    grids = []
    for sign in (1, -1):  # exactly the grids our view samples (screen resolution when coarser)
        m.scroll("coronal", sign)
        grids.append(view.grid)
    samples = slab.samples(m.spacing)
    # the plane fitted to the viewport as ours shows it (ResetCamera's perspective view of the
    # bounding sphere draws it smaller, which is cheaper on a software renderer and not the same
    # picture); scrolling keeps our camera still
    ren.GetActiveCamera().DeepCopy(view.renderer.GetActiveCamera())

    def bare_step_python(i: int) -> None:
        g = grids[i % 2]
        configure_reslice(r, g, reslice_axes(g, vol), slab.mode, samples, m.spacing)

    def bare_step(i: int) -> None:
        bare_step_python(i)
        win.Render()

    ours_ms, bare_ms = interleaved_ms([our_step, bare_step], frames)
    split = mpr_stages(view, m, bare_step_python, r, win, frames) if stages else {}
    view.can_render = False
    g = grids[0]
    return ours_ms, bare_ms, [g.cols, g.rows, samples], split


def mpr_stages(
    view: Any, m: Any, bare_python: Any, r: Any, win: Any, frames: int
) -> dict[str, float]:
    """Median ms of each stage of a frame, ours and bare, all six taken in turn."""

    def our_python(i: int) -> None:
        view.can_render = False
        m.scroll("coronal", 1 if i % 2 == 0 else -1)
        view.can_render = True

    steps = [our_python, lambda i: view.reslice.Update(), lambda i: view.window.Render()]
    steps += [bare_python, lambda i: r.Update(), lambda i: win.Render()]
    ms = interleaved_ms(steps, frames)
    names = ["python", "reslice_update", "render"]
    out = {f"ours_{n}_ms": round(t, 3) for n, t in zip(names, ms[:3], strict=True)}
    out.update({f"bare_{n}_ms": round(t, 3) for n, t in zip(names, ms[3:], strict=True)})
    return out


def vr_frames(vol: Any, frames: int, mapper: str) -> dict[str, Any]:
    """Interactive (rotating, coarse) and still frame times, ours beside the bare mapper."""
    import vtkmodules.vtkRenderingVolumeOpenGL2  # noqa: F401
    from vtkmodules.vtkRenderingCore import vtkRenderer, vtkVolume
    from vtkmodules.vtkRenderingVolume import (
        vtkFixedPointVolumeRayCastMapper,
        vtkGPUVolumeRayCastMapper,
    )

    from viewer.render.slice_view import share_volume
    from viewer.render.vr import VolumeRenderer

    source = share_volume(vol)
    ours = VolumeRenderer(_window(), vol, source, mapper=mapper)
    ours.set_interactive(True, render=False)
    inter = _median_ms(lambda i: ours.rotate(5.0, 0.0), frames)
    ours.set_interactive(False, render=False)
    still = _median_ms(lambda i: ours.rotate(5.0, 0.0), max(5, frames // 4))

    win = _window()
    ren = vtkRenderer()
    win.AddRenderer(ren)
    bare: Any = (
        vtkFixedPointVolumeRayCastMapper() if mapper == "cpu" else vtkGPUVolumeRayCastMapper()
    )
    bare.SetInputData(source[0])
    bare.SetAutoAdjustSampleDistances(0)
    actor = vtkVolume()
    actor.SetMapper(bare)
    actor.SetProperty(ours.prop)  # the same transfer function and lighting
    ren.AddVolume(actor)
    ren.ResetCamera()

    def bare_rotate(_i: int) -> None:
        ren.GetActiveCamera().Azimuth(5.0)
        win.Render()

    ours.set_interactive(True, render=False)  # the bare mapper gets exactly our settings
    bare.SetImageSampleDistance(ours.mapper.GetImageSampleDistance())
    bare.SetSampleDistance(ours.mapper.GetSampleDistance())
    bare_inter = _median_ms(bare_rotate, frames)
    ours.set_interactive(False, render=False)
    bare.SetImageSampleDistance(ours.mapper.GetImageSampleDistance())
    bare.SetSampleDistance(ours.mapper.GetSampleDistance())
    bare_still = _median_ms(bare_rotate, max(5, frames // 4))
    return {
        "interactive_ms": round(inter, 2),
        "interactive_fps": round(1000 / inter, 1),
        "bare_interactive_ms": round(bare_inter, 2),
        "still_ms": round(still, 2),
        "bare_still_ms": round(bare_still, 2),
        "mapper": ours.mapper_kind,
    }


def memory_child(slices: int, shading: bool, mapper: str) -> None:
    """Open 2D + MPR (3 views) + 3D on one volume, render, print the peak RSS."""
    from bench.common import peak_rss_mb
    from viewer.render.mpr_view import MprRenderer
    from viewer.render.slice_view import SliceRenderer, share_volume
    from viewer.render.vr import VolumeRenderer
    from viewer.state.mpr import VIEWS, MprModel
    from viewer.state.viewport import ViewportModel

    vol = _volume(slices)
    after_load = peak_rss_mb()
    vm = ViewportModel()
    two_d = SliceRenderer(_window(), vm)
    vm.set_image(vol)
    source = share_volume(vol)
    m = MprModel(vol)
    views = [MprRenderer(_window(), m, v, source) for v in VIEWS]
    m.set_slab("axial", "mip", 10.0)
    vr = VolumeRenderer(_window(), vol, source, mapper=mapper)
    vr.set_shading(shading)
    for _ in range(3):
        vr.rotate(10.0, 0.0)
        for v in views:
            v.render()
        two_d.render()
    print(
        json.dumps(
            {
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "after_load_mb": round(after_load, 1),
                "volume_mb": round(vol.array.nbytes / 2**20, 1),
            }
        )
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=500)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--mpr-frames", type=int, default=100, help="frames of each MPR figure")
    ap.add_argument("--gpu", action="store_true", help="EGL + GPU ray casting (GPU machine)")
    ap.add_argument("--memory-child", choices=["plain", "shaded"], help=argparse.SUPPRESS)
    ap.add_argument("--mpr-only", action="store_true", help="the oblique and slab MPR figures only")
    ap.add_argument("--stages", action="store_true", help="where an oblique MPR frame's time goes")
    args = ap.parse_args(argv)
    mapper = "gpu" if args.gpu else "cpu"
    if args.gpu:
        os.environ["VTK_DEFAULT_OPENGL_WINDOW"] = "vtkEGLRenderWindow"
    else:
        from bench.common import ensure_display
        from viewer.render.offscreen import configure_offscreen

        ensure_display()
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkOSOpenGLRenderWindow")
        configure_offscreen()
    if args.memory_child:
        memory_child(args.slices, args.memory_child == "shaded", mapper)
        return
    from bench.common import finish, run_child

    vol = _volume(args.slices)
    mpr_ms, mpr_bare, grid, stages = mpr_frames(vol, args.mpr_frames, 0.0, args.stages)
    slab_ms, slab_bare, slab_grid, _ = mpr_frames(vol, args.mpr_frames, 10.0)
    mpr = {
        "oblique_mpr": {
            "ours_ms": round(mpr_ms, 2),
            "bare_vtk_ms": round(mpr_bare, 2),
            "ratio": round(mpr_ms / mpr_bare, 3),
            "grid": grid,
            **({"stages": stages} if stages else {}),
        },
        "slab_mip_10mm": {
            "ours_ms": round(slab_ms, 2),
            "bare_vtk_ms": round(slab_bare, 2),
            "ratio": round(slab_ms / slab_bare, 3),
            "grid_and_samples": slab_grid,
        },
        "mpr_frames": args.mpr_frames,
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    anchor = "bare VTK: vtkImageReslice → vtkImageSliceMapper, same double-oblique plane and grid"
    if args.mpr_only:
        finish("mpr3d", mpr_ms / 1000, anchor, mpr_bare / 1000, **mpr)
        return
    vr = vr_frames(vol, args.frames, mapper)
    extra = ["--gpu"] if args.gpu else []
    mem = run_child("bench.mpr3d", "--slices", str(args.slices), "--memory-child", "plain", *extra)
    shaded = run_child(
        "bench.mpr3d", "--slices", str(args.slices), "--memory-child", "shaded", *extra
    )
    limit = 1.5 * mem["volume_mb"] + 400
    result: dict[str, Any] = {
        "renderer": "GPU (EGL)" if args.gpu else "CPU (Mesa llvmpipe, OSMesa)",
        "viewport_px": [SIZE, SIZE],
        "volume": list(vol.shape),
        **mpr,
        "volume_rendering": vr,
        "memory": {
            "peak_rss_mb": mem["peak_rss_mb"],
            "volume_mb": mem["volume_mb"],
            "limit_mb": round(limit, 1),
            "peak_rss_with_shading_mb": shaded["peak_rss_mb"],
        },
    }
    result["targets"] = {
        "oblique_mpr_le_50ms": mpr_ms <= 50,
        "oblique_mpr_le_1.1x_bare": mpr_ms <= 1.1 * mpr_bare,
        "slab_mip_10mm_le_80ms": slab_ms <= 80,
        "slab_mip_10mm_le_1.05x_bare": slab_ms <= 1.05 * slab_bare,
        "vr_interactive_ge_10fps": vr["interactive_fps"] >= 10,
        "peak_memory_within_limit": mem["peak_rss_mb"] <= limit,
    }
    print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
    finish("mpr3d", mpr_ms / 1000, anchor, mpr_bare / 1000, **result)


if __name__ == "__main__":
    main()
