"""Placing measurement labels so they do not overlap (plain Python: no VTK, no Qt).

A greedy placer: labels are placed one by one (in the given order, the selected one first if the
caller wishes) at the first of a few candidate spots around their anchor that overlaps neither a
label already placed nor the viewport's edge; when every spot overlaps, the one overlapping least
is taken, and if that still overlaps, the label is pushed down (or up) past what it overlaps.
Coordinates are screen pixels with y *up* (VTK display coordinates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

GAP = 4.0


@dataclass(frozen=True, slots=True)
class Box:
    """A label's rectangle: lower-left corner (x, y), width, height."""

    x: float
    y: float
    w: float
    h: float

    def overlap(self, other: Box) -> float:
        dx = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        dy = min(self.y + self.h, other.y + other.h) - max(self.y, other.y)
        return dx * dy if dx > 0 and dy > 0 else 0.0

    def outside(self, width: float, height: float) -> float:
        """Area of the box that lies outside a ``width`` × ``height`` viewport."""
        inside_w = max(0.0, min(self.x + self.w, width) - max(self.x, 0.0))
        inside_h = max(0.0, min(self.y + self.h, height) - max(self.y, 0.0))
        return self.w * self.h - inside_w * inside_h


def _candidates(ax: float, ay: float, w: float, h: float) -> list[Box]:
    """Spots around an anchor: below-right first (where labels always went), then the others."""
    return [
        Box(ax + GAP, ay - GAP - h, w, h),  # right, below
        Box(ax + GAP, ay + GAP, w, h),  # right, above
        Box(ax - GAP - w, ay - GAP - h, w, h),  # left, below
        Box(ax - GAP - w, ay + GAP, w, h),  # left, above
        Box(ax + GAP, ay - h / 2, w, h),  # right, centred
        Box(ax - GAP - w, ay - h / 2, w, h),  # left, centred
        Box(ax - w / 2, ay + 2 * GAP, w, h),  # above, centred
        Box(ax - w / 2, ay - 2 * GAP - h, w, h),  # below, centred
    ]


def place_labels(
    anchors: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    viewport: tuple[float, float],
    avoid: Sequence[Box] = (),
) -> list[Box]:
    """A box for each label (anchor point, (width, height)), none overlapping another when there
    is room; ``avoid`` are boxes already taken (e.g. corner text)."""
    vw, vh = viewport
    placed: list[Box] = list(avoid)
    out: list[Box] = []
    for (ax, ay), (w, h) in zip(anchors, sizes, strict=True):
        best, best_cost = None, float("inf")
        for box in _candidates(ax, ay, w, h):
            cost = sum(box.overlap(p) for p in placed) + 4 * box.outside(vw, vh)
            if cost < best_cost:
                best, best_cost = box, cost
            if cost == 0:
                break
        assert best is not None
        if best_cost > 0:
            best = _slide(best, placed, vh)
        placed.append(best)
        out.append(best)
    return out


def _slide(box: Box, placed: list[Box], height: float) -> Box:
    """Move a box down (then up) past the boxes it overlaps until it is free or hits the edge."""
    for direction in (-1.0, 1.0):
        b = box
        for _ in range(len(placed) + 1):
            hits = [p for p in placed if b.overlap(p) > 0]
            if not hits:
                return b
            if direction < 0:
                y = min(p.y for p in hits) - b.h - 1
            else:
                y = max(p.y + p.h for p in hits) + 1
            b = Box(b.x, y, b.w, b.h)
            if b.y < 0 or b.y + b.h > height:
                break
    return box
