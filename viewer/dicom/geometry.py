"""Patient-space geometry: slice ordering along the normal, spacing analysis, affines, labels.

Conventions (DICOM PS3.3 C.7.6.2): patient coordinates are LPS in mm. Image Orientation (Patient)
gives the row direction ``r`` (along a row, increasing column index) then the column direction
``c`` (down a column, increasing row index). Pixel Spacing is (between rows, between columns).
Volume arrays are indexed ``[k, j, i]`` = (slice, row, column); the voxel at ``(i, j, k)`` lies at
``origin + i·Δcol·r + j·Δrow·c + k·step``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from viewer.dicom.i18n import translate
from viewer.dicom.model import FrameRef

#: Two slices closer than this along the normal are at the same position (mm).
SAME_POSITION_MM = 0.01
#: Relative deviation from the typical spacing above which spacing counts as non-uniform.
UNIFORM_TOLERANCE = 0.01
#: Angle between the slice step and the normal above which a stack counts as tilted (degrees).
TILT_TOLERANCE_DEG = 0.05


def normal_of(orientation: np.ndarray | tuple[float, ...]) -> np.ndarray:
    o = np.asarray(orientation, dtype=float)
    n = np.cross(o[:3], o[3:])
    return n / np.linalg.norm(n)


@dataclass(slots=True)
class StackPlan:
    """How the frames of one display set become a volume."""

    frames: list[FrameRef]  # sorted along the normal, duplicates removed
    row_dir: np.ndarray
    col_dir: np.ndarray
    normal: np.ndarray
    positions: np.ndarray  # (n, 3) LPS of each kept frame's first pixel
    distances: np.ndarray  # (n,) position · normal
    spacing: float  # typical (median) distance between neighbours along the normal, mm
    uniform: bool
    gaps: list[tuple[int, int]] = field(default_factory=list)  # (after index, missing count)
    duplicates: list[FrameRef] = field(default_factory=list)
    tilt_deg: float = 0.0
    step: np.ndarray | None = None  # typical step vector between neighbours (LPS)
    warnings: list[str] = field(default_factory=list)

    @property
    def tilted(self) -> bool:
        return self.tilt_deg > TILT_TOLERANCE_DEG


def plan_stack(frames: list[FrameRef]) -> StackPlan:
    """Sort frames along the slice normal and analyse the spacing.

    Sorting uses Image Position (Patient) projected on the normal, never Instance Number or file
    name. Frames at the same position are duplicates: the first (lowest instance number) is kept.
    """
    if not frames:
        raise ValueError("no frames to assemble")
    g0 = frames[0].geometry
    if g0.orientation is None or g0.position is None or g0.pixel_spacing is None:
        raise ValueError("frames have no plane geometry (position, orientation, spacing)")
    ori = np.asarray(g0.orientation, dtype=float)
    row_dir, col_dir = ori[:3], ori[3:]
    normal = normal_of(ori)
    pos = np.array([f.geometry.position for f in frames], dtype=float)
    dist = pos @ normal
    inst_no = np.array(
        [
            f.instance.instance_number if f.instance.instance_number is not None else 0
            for f in frames
        ]
    )
    order = np.lexsort((np.array([f.index for f in frames]), inst_no, dist))
    kept: list[int] = []
    dups: list[FrameRef] = []
    for idx in order:
        if kept and abs(dist[idx] - dist[kept[-1]]) < SAME_POSITION_MM:
            dups.append(frames[idx])
            continue
        kept.append(int(idx))
    sorted_frames = [frames[i] for i in kept]
    positions = pos[kept]
    distances = dist[kept]
    warnings: list[str] = []
    if dups:
        warnings.append(
            translate(
                "Volumes",
                "{0} frame(s) at the same position as another were left out (duplicates)",
            ).format(len(dups))
        )
    plan = StackPlan(
        frames=sorted_frames,
        row_dir=row_dir,
        col_dir=col_dir,
        normal=normal,
        positions=positions,
        distances=distances,
        spacing=0.0,
        uniform=True,
        duplicates=dups,
        warnings=warnings,
    )
    if len(kept) < 2:
        thick = g0.slice_thickness
        plan.spacing = float(thick) if thick and thick > 0 else 1.0
        plan.step = normal * plan.spacing
        return plan
    deltas = np.diff(distances)
    typical = float(np.median(deltas))
    plan.spacing = typical
    tol = max(SAME_POSITION_MM, UNIFORM_TOLERANCE * typical)
    plan.uniform = bool(np.all(np.abs(deltas - typical) <= tol))
    if not plan.uniform:
        for i, d in enumerate(deltas):
            missing = round(d / typical) - 1
            if missing >= 1 and abs(d - (missing + 1) * typical) <= max(tol, 0.1 * typical):
                plan.gaps.append((i, missing))
        if plan.gaps:
            total = sum(m for _, m in plan.gaps)
            where = ", ".join(
                translate("Volumes", "after slice {0}").format(i + 1) for i, _ in plan.gaps[:5]
            )
            warnings.append(
                translate(
                    "Volumes", "{0} slice(s) missing ({1}); volume resampled to {2} mm spacing"
                ).format(total, where, f"{typical:.3g}")
            )
        else:
            warnings.append(
                translate(
                    "Volumes",
                    "slice spacing is not uniform ({0}–{1} mm); volume resampled to {2} mm spacing",
                ).format(f"{deltas.min():.3g}", f"{deltas.max():.3g}", f"{typical:.3g}")
            )
    steps = np.diff(positions, axis=0)
    step = np.median(steps, axis=0)
    plan.step = step
    cosang = abs(float(step @ normal)) / max(float(np.linalg.norm(step)), 1e-12)
    plan.tilt_deg = float(np.degrees(np.arccos(min(1.0, cosang))))
    if plan.tilted:
        warnings.append(
            translate(
                "Volumes",
                "gantry/detector tilt of {0}° (slices stacked off the normal); "
                "volume resampled onto an orthogonal grid",
            ).format(f"{plan.tilt_deg:.2f}")
        )
    return plan


def affine(
    origin: np.ndarray,
    row_dir: np.ndarray,
    col_dir: np.ndarray,
    slice_step: np.ndarray,
    col_spacing: float,
    row_spacing: float,
) -> np.ndarray:
    """4×4 matrix mapping (i, j, k, 1) voxel indices to LPS patient coordinates."""
    m = np.eye(4)
    m[:3, 0] = np.asarray(row_dir) * col_spacing
    m[:3, 1] = np.asarray(col_dir) * row_spacing
    m[:3, 2] = np.asarray(slice_step)
    m[:3, 3] = origin
    return m


# --------------------------------------------------------------------------- orientation labels

_LABELS = {0: ("L", "R"), 1: ("P", "A"), 2: ("H", "F")}  # + direction, - direction in LPS


def direction_label(
    v: np.ndarray | tuple[float, ...], max_letters: int = 3, min_component: float = 0.25
) -> str:
    """Label of the patient direction a vector points to, e.g. ``L``, ``LP`` or ``AFL``.

    LPS: +x is the patient's left, +y posterior, +z head. Components are listed from the largest;
    components below ``min_component`` are left out (oblique images get several letters).
    """
    v = np.asarray(v, dtype=float)
    order = np.argsort(-np.abs(v))
    out = []
    for axis in order[:max_letters]:
        if abs(v[axis]) < min_component:
            break
        plus, minus = _LABELS[int(axis)]
        out.append(plus if v[axis] > 0 else minus)
    return "".join(out)


def edge_labels(orientation: tuple[float, ...] | np.ndarray) -> dict[str, str]:
    """Labels at the four edges of an image shown with row 0 at the top and column 0 at the left."""
    o = np.asarray(orientation, dtype=float)
    r, c = o[:3], o[3:]
    return {
        "right": direction_label(r),
        "left": direction_label(-r),
        "bottom": direction_label(c),
        "top": direction_label(-c),
    }
