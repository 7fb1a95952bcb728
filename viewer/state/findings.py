"""Between a viewport and the DICOM findings objects: the reader's work out of a
:class:`ViewportModel` (to save as GSPS, SR, KOS), and back into one (to reopen).

Qt-free. Windows are kept in modality values in DICOM; the viewport shows PET in SUV, so its window
is divided by the slice's SUV factor on the way out and multiplied on the way back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from viewer.dicom.findings.model import (
    Annotation,
    Finding,
    ImageRef,
    ImageView,
    ReaderWork,
    area_from_view,
    dicom_transform,
    view_from_area,
    viewport_transform,
)
from viewer.dicom.findings.values import MODALITY_UNITS, label_for, values_for
from viewer.dicom.i18n import translate
from viewer.dicom.measure import Measurement
from viewer.dicom.volume import ImageStack, Volume
from viewer.dicom.windows import display_values
from viewer.state.viewport import ViewportModel


class NotSavable(ValueError):
    """The viewport's images cannot be referenced (e.g. a resampled or derived image)."""


def image_refs(model: ViewportModel) -> list[ImageRef]:
    """The DICOM frame behind every slice index of the viewport."""
    img = model.image
    if isinstance(img, Volume):
        if img.reduced_level:  # points and values are on a low-pass copy of the images
            raise NotSavable("shown at reduced resolution while the study arrives: save it refined")
        if img.resampled or len(img.slice_sources) != img.shape[0]:
            raise NotSavable("this volume was resampled: its slices are not the stored images")
        frames = img.slice_sources
    elif isinstance(img, ImageStack) and img.sources:
        frames = img.sources
    else:
        raise NotSavable("these images were made here and have no DICOM object to refer to")
    return [
        ImageRef(
            fr.instance.sop_class_uid,
            fr.instance.sop_instance_uid,
            fr.index + 1,
            fr.instance.series_uid,
        )
        for fr in frames
    ]


def _factor(model: ViewportModel, k: int) -> float:
    assert model.image is not None
    dv = display_values(model.image)
    return dv.factor(k) if dv.is_suv else 1.0


def _suv_unit(model: ViewportModel) -> str | None:
    assert model.image is not None
    dv = display_values(model.image)
    if not dv.is_suv:
        return None
    kind = dv.unit.replace(" ", "")  # "SUVbw"
    return f"{{{kind}}}{(dv.detail or 'g/ml').replace('ml', 'mL')}"


@dataclass(slots=True)
class Restored:
    """What reopening put back, and what the viewport has no place for."""

    measurements: int = 0
    annotations: list[tuple[int, Annotation]] = field(default_factory=list)  # (index, graphics)
    notes: list[str] = field(default_factory=list)


def work_from_viewport(
    model: ViewportModel,
    *,
    author: str,
    key_indices: Iterable[int] = (),
    label: str = "READING",
    created: dt.datetime | None = None,
) -> ReaderWork:
    """The reader's work on the viewport's series: view on every image, measurements with
    values and units (SUV where the PET supports it), key images."""
    if model.image is None:
        raise NotSavable("no image")
    refs = image_refs(model)
    rows, cols = model.pixels(0).shape[:2]
    rot, flip = dicom_transform(model.rotation, model.flip_h, model.flip_v)
    work = ReaderWork(
        study_uid="",
        series_uid=refs[0].series_uid,
        author=author,
        label=label,
        rotation=rot,
        flip=flip,
        created=created or dt.datetime.now().replace(microsecond=0),
    )
    if isinstance(model.image, Volume) and model.image.slice_sources:
        work.study_uid = model.image.slice_sources[0].instance.study_uid
    elif isinstance(model.image, ImageStack) and model.image.sources:
        work.study_uid = model.image.sources[0].instance.study_uid
    unit = MODALITY_UNITS.get(model.modality, "1")
    suv_unit = _suv_unit(model)
    for k, ref in enumerate(refs):
        g = model.geometry(k)
        area = area_from_view(
            model.zoom,
            model.pan,
            model.rotation,
            model.flip_h,
            model.flip_v,
            (rows, cols),
            g.spacing,
        )
        f = _factor(model, k)
        window = None
        if not model.is_color:
            window = (model.window[0] / f, model.window[1] / f)
        work.views[ref] = ImageView(window, area)
    for m in model.measurements:
        if not m.complete or not 0 <= m.index < len(refs):
            continue
        k = m.index
        values = values_for(
            m,
            None if model.is_color else model.pixels(k),
            model.geometry(k).spacing,
            unit,
            suv_factor=_factor(model, k) if suv_unit else None,
            suv_unit=suv_unit or "",
        )
        work.findings.append(Finding(refs[k], m, values, label_for(values, m.text)))
    work.key_images = [refs[k] for k in sorted(set(key_indices)) if 0 <= k < len(refs)]
    return work


def restore_viewport(model: ViewportModel, work: ReaderWork, index: int | None = None) -> Restored:
    """Put a saved view and its measurements back on the viewport (same series loaded)."""
    out = Restored()
    refs = image_refs(model)
    where = {(r.sop_instance_uid, r.frame): k for k, r in enumerate(refs)}
    by_uid = {r.sop_instance_uid: k for k, r in enumerate(refs)}

    def index_of(r: ImageRef) -> int | None:
        k = where.get((r.sop_instance_uid, r.frame))
        return k if k is not None else by_uid.get(r.sop_instance_uid)

    rot, fh, fv = viewport_transform(work.rotation, work.flip)
    model.rotation, model.flip_h, model.flip_v = rot, fh, fv
    k0 = model.index if index is None else index
    shown = [(index_of(r), v) for r, v in work.views.items()]
    shown = [(k, v) for k, v in shown if k is not None]
    if not shown and work.views:
        out.notes.append(
            translate("Findings", "the presentation state refers to none of these images")
        )
    view = next((v for k, v in shown if k == k0), shown[0][1] if shown else None)
    if view is not None:
        if view.window is not None and not model.is_color:
            factor = _factor(model, k0)
            model.set_window(view.window[0] * factor, view.window[1] * factor)
        if view.area is not None:
            rows, cols = model.pixels(k0).shape[:2]
            zoom, pan = view_from_area(
                view.area, rot, fh, fv, (rows, cols), model.geometry(k0).spacing
            )
            model.set_zoom(zoom)
            model.set_pan(*pan)
    for f in work.findings:
        k = index_of(f.image)
        if k is None:
            out.notes.append(
                translate("Findings", "a {0} refers to an image not in this series").format(
                    f.measurement.kind
                )
            )
            continue
        m = Measurement(f.measurement.kind, list(f.measurement.points), k, f.measurement.text)
        model.add_measurement(m)
        out.measurements += 1
    for a in work.annotations:
        k = index_of(a.image)
        if k is not None:
            out.annotations.append((k, a))
    model.update_measurement()
    return out
