"""Fusion of two volumes (e.g. PET on CT): geometry when they share a Frame of Reference, rigid
registration by mutual information (SimpleITK) when they do not.

Registration runs on coarse copies (about 4 mm voxels; the full volumes are never copied). Its
result is a transform from the base volume's patient space to the overlay's. The reported error
is the inverse-consistency of two independent registrations (base→overlay and overlay→base):
how far a point moves when mapped there and back, averaged over the overlap; it needs no ground
truth and grows when the optimiser did not find the same optimum from both sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from viewer.dicom.colormaps import overlay_colormap
from viewer.dicom.i18n import translate
from viewer.dicom.volume import Volume
from viewer.dicom.windows import fusion_window
from viewer.state.mpr import Fusion

if TYPE_CHECKING:  # (SimpleITK loads on the first registration, not at start-up)
    import SimpleITK as sitk

COARSE_MM = 4.0


@dataclass(frozen=True, slots=True)
class Registration:
    """The result of a rigid registration: the transform, how it ended and how consistent it is."""

    transform: np.ndarray  # 4×4, base patient → overlay patient (LPS mm)
    metric: float  # final Mattes mutual information (lower is better)
    iterations: int
    consistency_mm: float  # mean |B(A(p)) - p| over the overlap, see the module docstring
    stop: str

    @property
    def translation(self) -> np.ndarray:
        return self.transform[:3, 3]

    @property
    def rotation_deg(self) -> float:
        c = (np.trace(self.transform[:3, :3]) - 1) / 2
        return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def coarse_image(vol: Volume, target_mm: float = COARSE_MM) -> sitk.Image:
    """A float32 SimpleITK copy at roughly ``target_mm`` voxels (strided, then smoothed)."""
    import SimpleITK as sitk

    steps = [max(1, round(target_mm / s)) for s in vol.spacing]  # (i, j, k)
    arr = vol.array[:: steps[2], :: steps[1], :: steps[0]].astype(np.float32)
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing(tuple(float(s * n) for s, n in zip(vol.spacing, steps, strict=True)))
    img.SetOrigin(tuple(float(x) for x in vol.origin))
    img.SetDirection(tuple(float(x) for x in vol.direction.reshape(-1)))
    return img


def rigid_mi(
    fixed: sitk.Image,
    moving: sitk.Image,
    *,
    sampling: float = 0.25,
    iterations: int = 300,
    threads: int | None = None,
) -> tuple[np.ndarray, float, int, str]:
    """Rigid (Euler) registration of ``moving`` onto ``fixed`` by Mattes mutual information,
    two levels, starting where the scanners put them: (4×4 fixed → moving LPS matrix, metric,
    iterations, stop reason). ``threads`` None leaves ITK's default."""
    import SimpleITK as sitk

    init = sitk.CenteredTransformInitializer(
        fixed, moving, sitk.Euler3DTransform(), sitk.CenteredTransformInitializerFilter.GEOMETRY
    )
    # start from where the scanner put them (identity), keeping the initializer's centre
    tx = sitk.Euler3DTransform()
    tx.SetCenter(sitk.Euler3DTransform(init).GetCenter())
    reg = sitk.ImageRegistrationMethod()
    if threads is not None:
        reg.SetNumberOfThreads(threads)
    reg.SetMetricAsMattesMutualInformation(numberOfHistogramBins=40)
    reg.SetMetricSamplingStrategy(reg.RANDOM)
    reg.SetMetricSamplingPercentage(sampling, seed=7)
    reg.SetInterpolator(sitk.sitkLinear)
    reg.SetOptimizerAsRegularStepGradientDescent(
        learningRate=4.0, minStep=0.01, numberOfIterations=iterations, relaxationFactor=0.6
    )
    reg.SetOptimizerScalesFromPhysicalShift()
    reg.SetShrinkFactorsPerLevel([2, 1])
    reg.SetSmoothingSigmasPerLevel([1.0, 0.0])
    reg.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()
    reg.SetInitialTransform(tx, inPlace=True)
    reg.Execute(fixed, moving)
    r = np.array(tx.GetMatrix()).reshape(3, 3)
    c, t = np.array(tx.GetCenter()), np.array(tx.GetTranslation())
    m = np.eye(4)
    m[:3, :3], m[:3, 3] = r, c + t - r @ c
    return (
        m,
        float(reg.GetMetricValue()),
        int(reg.GetOptimizerIteration()),
        str(reg.GetOptimizerStopConditionDescription()),
    )


def register_rigid(base: Volume, overlay: Volume) -> Registration:
    fixed, moving = coarse_image(base), coarse_image(overlay)
    a, metric, iters, stop = rigid_mi(fixed, moving)
    b, _, _, _ = rigid_mi(moving, fixed)
    # sample the base volume's box (a coarse lattice) for the consistency estimate
    size = np.array(fixed.GetSize(), float)
    lattice = np.stack(
        np.meshgrid(*[np.linspace(0.2, 0.8, 5) * (n - 1) for n in size], indexing="ij"), -1
    ).reshape(-1, 3)
    pts = np.array([fixed.TransformContinuousIndexToPhysicalPoint(tuple(p)) for p in lattice])
    there = pts @ a[:3, :3].T + a[:3, 3]
    back = there @ b[:3, :3].T + b[:3, 3]
    consistency = float(np.linalg.norm(back - pts, axis=1).mean())
    return Registration(a, metric, iters, consistency, stop)


def fusion_for(base: Volume, overlay: Volume, opacity: float = 0.5) -> Fusion:
    """The overlay placed on the base: by geometry (same Frame of Reference) or registered."""
    window = fusion_window(overlay).pair  # in the overlay's display unit (SUV for PET in SUV)
    colormap = overlay_colormap(base.modality, overlay.modality)
    if (
        base.frame_of_reference_uid
        and base.frame_of_reference_uid == overlay.frame_of_reference_uid
    ):
        same = translate("Fusion", "same frame of reference")
        return Fusion(overlay, np.eye(4), colormap, opacity, window, same)
    reg = register_rigid(base, overlay)
    note = translate(
        "Fusion",
        "registered (mutual information): shift {0} mm, rotation {1}°, consistency {2} mm",
    ).format(
        np.round(reg.translation, 1).tolist(),
        f"{reg.rotation_deg:.1f}",
        f"{reg.consistency_mm:.1f}",
    )
    return Fusion(overlay, reg.transform, colormap, opacity, window, note)
