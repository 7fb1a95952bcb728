"""A layout's shared volume image refined in place: the same series at another resolution.

The MPR / 3D layout's views all read one ``vtkImageData`` over the volume's memory
(:func:`viewer.render.overlay.share_volume`). When a reduced-resolution preview (a JPEG 2000
reduced level, :mod:`viewer.dicom.progressive`) is replaced by the full volume, that image takes
the full volume's dimensions, spacing and memory (no copy), so every pipeline reading it — the
reslices of the three planes and the 3D mapper — shows the full volume without being rebuilt.
"""

from __future__ import annotations

from typing import Any

from vtkmodules.vtkCommonDataModel import vtkImageData

from viewer.dicom.i18n import translate
from viewer.dicom.volume import Volume
from viewer.render.overlay import read_volume


def refine_shared(data: vtkImageData, vol: Volume, shown: Volume) -> Any:
    """Make ``data`` (a :func:`~viewer.render.overlay.share_volume` image of ``shown``) read
    ``vol``'s memory, with ``vol``'s dimensions and spacing. Returns what must stay alive with
    it; ``ValueError`` if ``vol`` lies elsewhere in the patient (origin or axes) or is not
    contiguous."""
    if not vol.same_place(shown):
        raise ValueError(translate("Volumes", "the refined volume lies elsewhere in the patient"))
    return read_volume(data, vol)
