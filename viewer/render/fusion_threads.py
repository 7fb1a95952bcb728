"""The threads of the CPU blend of a 2D fused slice (:class:`viewer.render.fusion2d.FusedLayer`):
one or two, chosen by their measured time, and the helper thread that pastes half of the box."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_HELPER: ThreadPoolExecutor | None = None


def helper() -> ThreadPoolExecutor:
    """The one thread that pastes half of the overlay while the caller pastes the other half
    (Pillow lets go of the interpreter lock while it pastes)."""
    global _HELPER
    if _HELPER is None:
        _HELPER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fusion-paste")
    return _HELPER


def paste_over(canvas: Any, overlay: Any, x: int, y: int) -> None:
    """Blend an RGBA ``overlay`` into ``canvas`` (RGBA) at ``(x, y)``, in place, each pixel
    weighted by the overlay's alpha: out = round((canvas·(255 − a) + overlay·a) / 255) per byte.
    ``canvas`` maps memory shared with VTK (``Image.frombuffer``, read-only to Pillow's own
    methods, whose paste would copy it first), so its core image is pasted into directly."""
    w, h = overlay.size
    canvas.im.paste(overlay.im, (x, y, x + w, y + h), overlay.im)


_CPUS = os.cpu_count() or 1  # (asked once, not on every frame)


class ThreadChoice:
    """One thread or two for filters (and the paste) that each run over a slice on every frame,
    chosen by their measured time. Two take about a third off on an idle machine (the
    renderer's own threads wait meanwhile); on a busy one they cost far more than they save, VTK
    starting and joining its threads on every run (its SMP back end being sequential). Each
    choice keeps a moving average of its recent runs; one run in ``EXPLORE`` tries the other, so
    that the choice follows the machine's load."""

    EXPLORE = 20

    def __init__(self, filters: list[Any], clock: Any = time.perf_counter) -> None:
        self.filters = filters
        self.clock = clock
        self.best = 1
        self.now = 1  # the threads of the run in progress (or the last)
        self.cost: dict[int, float] = {}  # threads → moving average of a run's seconds
        self._runs = 0
        self._set(1)

    def _set(self, n: int) -> None:
        for f in self.filters:
            if f.GetNumberOfThreads() != n:  # (a change makes the filter run again)
                f.SetNumberOfThreads(n)

    def run(self, update: Any) -> None:
        """``update()`` (which runs the filters) on the chosen threads, timed; not counted when
        it returns False (it found nothing to do)."""
        self._runs += 1
        explore = _CPUS > 1 and self._runs % self.EXPLORE == 0
        n = 3 - self.best if explore else self.best
        self._set(n)
        self.now = n
        t0 = self.clock()
        if update() is False:
            self._runs -= 1
            return
        dt = self.clock() - t0
        old = self.cost.get(n)
        self.cost[n] = dt if old is None else 0.75 * old + 0.25 * dt
        self.best = min(self.cost, key=self.cost.__getitem__)
