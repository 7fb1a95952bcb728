"""A layout's shared volume image refined in place: the same series at another resolution.

The MPR / 3D layout's views all read one ``vtkImageData`` over the volume's memory
(:func:`viewer.render.overlay.share_volume`). When a reduced-resolution preview (a JPEG 2000
reduced level, :mod:`viewer.dicom.progressive`) is replaced by the full volume, that image takes
the full volume's dimensions, spacing and memory (no copy), so every pipeline reading it — the
reslices of the three planes and the 3D mapper — shows the full volume without being rebuilt.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonDataModel import vtkImageData

from viewer.dicom.i18n import translate
from viewer.dicom.volume import Volume


def same_place(vol: Volume, shown: Volume) -> bool:
    """Whether two volumes lie at one place in the patient (first voxel and axes), whatever
    their grids: a volume and its reduced-resolution preview do."""
    return bool(
        np.allclose(vol.origin, shown.origin, atol=1e-3)
        and np.allclose(vol.direction, shown.direction, atol=1e-6)
    )


def refine_shared(data: vtkImageData, vol: Volume, shown: Volume) -> Any:
    """Make ``data`` (a :func:`share_volume` image of ``shown``) read ``vol``'s memory, with
    ``vol``'s dimensions and spacing. Returns what must stay alive with it; ``ValueError`` if
    ``vol`` lies elsewhere in the patient (origin or axes) or is not contiguous."""
    if not same_place(vol, shown):
        raise ValueError(translate("Volumes", "the refined volume lies elsewhere in the patient"))
    arr = vol.array
    if not arr.flags.c_contiguous:
        raise ValueError("the volume array must be C-contiguous to be shared with VTK")
    flat = arr.reshape(-1)
    vtk_arr = numpy_support.numpy_to_vtk(flat, deep=False)
    data.SetDimensions(arr.shape[2], arr.shape[1], arr.shape[0])
    data.SetSpacing(*vol.spacing)
    data.SetOrigin(0, 0, 0)
    data.GetPointData().SetScalars(vtk_arr)
    data.Modified()
    return (arr, flat, vtk_arr)
