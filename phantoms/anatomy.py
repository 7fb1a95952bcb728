"""Analytic phantoms: tissue values as functions of patient coordinates (LPS, mm).

Because each phantom is a function of position, any series geometry — axial, oblique, tilted, a
coarser PET grid — samples the same anatomy, and tests know exactly what must be where.

Coordinates: +x patient left, +y posterior, +z head. The body axis is the z axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------- CT (HU)

AIR = -1000.0
LUNG = -850.0
FAT = -100.0
MUSCLE = 50.0
BLOOD = 40.0
CONTRAST_VESSEL = 300.0
LIVER = 60.0
KIDNEY = 150.0
CANCELLOUS_BONE = 350.0
CORTICAL_BONE = 1200.0
NODULE = 30.0


@dataclass(frozen=True)
class Nodule:
    name: str
    center: tuple[float, float, float]  # LPS mm
    diameter: float  # mm


#: Lung nodules of known size and position (all inside a lung, away from its border).
NODULES: tuple[Nodule, ...] = (
    Nodule("RUL-6mm", (-80.0, -10.0, 120.0), 6.0),
    Nodule("LUL-10mm", (70.0, 20.0, 150.0), 10.0),
    Nodule("RLL-4mm", (-60.0, 30.0, 80.0), 4.0),
    Nodule("LLL-8mm", (85.0, 10.0, 60.0), 8.0),
)

# Structures, as (center, semi-axes) of ellipsoids or (x, y, radius, z-range) of z-cylinders
BODY_SEMI = (160.0, 110.0)  # elliptic cylinder, x and y semi-axes
FAT_LAYER = 12.0
RIGHT_LUNG = ((-75.0, 0.0, 110.0), (55.0, 75.0, 95.0))
LEFT_LUNG = ((75.0, 0.0, 110.0), (55.0, 75.0, 95.0))
HEART = ((20.0, -30.0, 45.0), (55.0, 45.0, 45.0))
LIVER_E = ((-60.0, 0.0, -45.0), (80.0, 70.0, 65.0))
KIDNEYS = (((-70.0, 55.0, -105.0), (25.0, 20.0, 50.0)), ((70.0, 55.0, -105.0), (25.0, 20.0, 50.0)))
AORTA = (20.0, 35.0, 12.0, (-170.0, 130.0))  # x, y, radius, z range
SPINE = (0.0, 75.0, 18.0)  # vertebral bodies: x, y, radius
SPINE_CORTEX = 2.5
DISC_PERIOD = 30.0
DISC_THICKNESS = 5.0


Box = tuple[np.ndarray, np.ndarray]


def _box(p: np.ndarray) -> Box:
    flat = p.reshape(-1, 3)
    return flat.min(axis=0), flat.max(axis=0)


def _in_ellipsoid(
    p: np.ndarray, center: tuple[float, ...], semi: tuple[float, ...], box: Box | None = None
) -> np.ndarray:
    c, s = np.asarray(center), np.asarray(semi)
    lo, hi = box if box is not None else _box(p)
    if np.any(hi < c - s) or np.any(lo > c + s):  # bounding boxes apart: nothing inside
        return np.zeros(p.shape[:-1], dtype=bool)
    d = (p - c) / s
    return np.einsum("...i,...i->...", d, d) <= 1.0


def ct_hu(p: np.ndarray) -> np.ndarray:
    """Noise-free HU at points ``p`` (..., 3)."""
    p = np.asarray(p, dtype=np.float64)
    box = _box(p)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    hu = np.full(x.shape, AIR)
    r_body = (x / BODY_SEMI[0]) ** 2 + (y / BODY_SEMI[1]) ** 2
    inner = (x / (BODY_SEMI[0] - FAT_LAYER)) ** 2 + (y / (BODY_SEMI[1] - FAT_LAYER)) ** 2
    hu[r_body <= 1.0] = FAT
    hu[inner <= 1.0] = MUSCLE
    # ribs: elliptic bands just inside the fat layer, chest only
    rib_out = (x / (BODY_SEMI[0] - FAT_LAYER - 2)) ** 2 + (y / (BODY_SEMI[1] - FAT_LAYER - 2)) ** 2
    rib_in = (x / (BODY_SEMI[0] - FAT_LAYER - 10)) ** 2 + (y / (BODY_SEMI[1] - FAT_LAYER - 10)) ** 2
    rib_z = (np.mod(z, 25.0) < 9.0) & (z > 10.0) & (z < 200.0)
    hu[(rib_out <= 1.0) & (rib_in > 1.0) & rib_z & (y > -60)] = CORTICAL_BONE
    for center, semi in (RIGHT_LUNG, LEFT_LUNG):
        hu[_in_ellipsoid(p, center, semi, box)] = LUNG
    hu[_in_ellipsoid(p, *HEART, box)] = BLOOD
    hu[_in_ellipsoid(p, *LIVER_E, box) & (z < 10.0)] = LIVER
    for center, semi in KIDNEYS:
        hu[_in_ellipsoid(p, center, semi, box)] = KIDNEY
    ax, ay, ar, (az0, az1) = AORTA
    hu[((x - ax) ** 2 + (y - ay) ** 2 <= ar**2) & (z >= az0) & (z <= az1)] = CONTRAST_VESSEL
    sx, sy, sr = SPINE
    rs2 = (x - sx) ** 2 + (y - sy) ** 2
    in_spine = rs2 <= sr**2
    disc = np.mod(z, DISC_PERIOD) < DISC_THICKNESS
    hu[in_spine] = CORTICAL_BONE
    hu[in_spine & (rs2 <= (sr - SPINE_CORTEX) ** 2)] = CANCELLOUS_BONE
    hu[in_spine & disc] = MUSCLE + 30
    for n in NODULES:
        hu[_in_ellipsoid(p, n.center, (n.diameter / 2,) * 3, box)] = NODULE
    return hu


#: Named probe points and the HU they must have (for tissue tests).
CT_TISSUE_PROBES: dict[str, tuple[tuple[float, float, float], float]] = {
    "air": ((0.0, -140.0, 0.0), AIR),
    "lung": ((-75.0, 40.0, 110.0), LUNG),
    "fat": ((0.0, -104.0, -150.0), FAT),
    "muscle": ((0.0, -80.0, -150.0), MUSCLE),
    "aorta (contrast)": ((20.0, 35.0, 20.0), CONTRAST_VESSEL),
    "liver": ((-60.0, 0.0, -45.0), LIVER),
    "kidney": ((70.0, 55.0, -105.0), KIDNEY),
    "vertebral body": ((0.0, 75.0, 16.0), CANCELLOUS_BONE),
    "heart": ((20.0, -30.0, 45.0), BLOOD),
}


# --------------------------------------------------------------------------- MR head (signal)

MR_HEAD_SEMI = (75.0, 95.0, 85.0)
MR_SCALP, MR_SKULL, MR_CSF, MR_GRAY, MR_WHITE = 700.0, 60.0, 250.0, 480.0, 620.0
MR_VENTRICLES = (((-12.0, 0.0, 10.0), (8.0, 28.0, 14.0)), ((12.0, 0.0, 10.0), (8.0, 28.0, 14.0)))


def mr_signal(p: np.ndarray) -> np.ndarray:
    """T1-like signal of a head phantom centred at the origin."""
    p = np.asarray(p, dtype=np.float64)
    box = _box(p)
    s = np.zeros(p.shape[:-1])
    a, b, c = MR_HEAD_SEMI
    for grow, value in (
        (0.0, MR_SCALP),
        (-5.0, MR_SKULL),
        (-11.0, MR_CSF),
        (-14.0, MR_GRAY),
        (-20.0, MR_WHITE),
    ):
        s[_in_ellipsoid(p, (0.0, 0.0, 0.0), (a + grow, b + grow, c + grow), box)] = value
    for center, semi in MR_VENTRICLES:
        s[_in_ellipsoid(p, center, semi, box)] = MR_CSF
    return s


# --------------------------------------------------------------------------- PET (Bq/ml)

PET_BACKGROUND = 5000.0
PET_HOT_NODULE = NODULES[1]  # the 10 mm nodule is FDG-avid


def pet_activity(p: np.ndarray) -> np.ndarray:
    """Activity concentration in Bq/ml, registered to the CT chest/abdomen phantom."""
    p = np.asarray(p, dtype=np.float64)
    box = _box(p)
    x, y = p[..., 0], p[..., 1]
    act = np.zeros(p.shape[:-1])
    act[(x / BODY_SEMI[0]) ** 2 + (y / BODY_SEMI[1]) ** 2 <= 1.0] = PET_BACKGROUND
    for center, semi in (RIGHT_LUNG, LEFT_LUNG):
        act[_in_ellipsoid(p, center, semi, box)] = PET_BACKGROUND * 0.2
    act[_in_ellipsoid(p, *HEART, box)] = PET_BACKGROUND * 4
    act[_in_ellipsoid(p, *LIVER_E, box) & (p[..., 2] < 10.0)] = PET_BACKGROUND * 2
    for center, semi in KIDNEYS:
        act[_in_ellipsoid(p, center, semi, box)] = PET_BACKGROUND * 6
    n = PET_HOT_NODULE
    # a hot spot larger than the nodule, as PET resolution would show it
    act[_in_ellipsoid(p, n.center, (n.diameter,) * 3, box)] = PET_BACKGROUND * 10
    return act
