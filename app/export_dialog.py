"""*File → Export…*: the open study as an anonymized copy (folder or zip, with a DICOMDIR), the
active series as PNG/JPEG images at full resolution (with or without the measurements drawn) or
as an MP4 film; and *Edit → Copy Image* (the active view as shown, to the clipboard).

The export runs on the window's :class:`~app.runner.Runner` with progress and Cancel; every kind
writes under a temporary name beside the target and renames it into place at the end, so a
cancelled or failed export leaves nothing half written. :func:`export_images` and
:func:`export_movie` are the Qt-free parts (the study copy is
:func:`viewer.dicom.export.media.export_study`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.runner import Runner
from viewer.dicom.export import images as eimages
from viewer.dicom.export import media
from viewer.dicom.findings.model import Finding, ImageRef
from viewer.dicom.windows import display_values
from viewer.state.findings import NotSavable, work_from_viewport
from viewer.state.viewport import ViewportModel

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
CANCELLED = (media.ExportCancelled, eimages.ExportCancelled)


translate = QCoreApplication.translate


@dataclass
class SeriesShot:
    """What the images and the film need of a viewport, taken on the GUI thread."""

    values: list[np.ndarray]  # per slice, in the display unit (SUV for PET in SUV)
    window: tuple[float, float]
    invert: bool
    is_color: bool
    findings: list[Finding] = field(default_factory=list)


def shot_of(vp: ViewportModel) -> SeriesShot:
    assert vp.image is not None
    dv = display_values(vp.image)
    values = []
    for k in range(vp.count):
        px = vp.pixels(k)
        f = dv.factor(k) if dv.is_suv and not vp.is_color else 1.0
        values.append(px * f if f != 1.0 else px)
    try:
        findings = work_from_viewport(vp, author="").findings
    except NotSavable:  # an image made here: the measurements drawn without values
        none = ImageRef("", "")
        findings = [Finding(none, m, [], m.text) for m in vp.measurements if m.complete]
    return SeriesShot(values, tuple(vp.window), vp.invert, vp.is_color, findings)  # type: ignore[arg-type]


def _frame(shot: SeriesShot, k: int, overlays: bool) -> np.ndarray:
    v = shot.values[k]
    pic = v.astype(np.uint8) if shot.is_color else eimages.windowed(v, shot.window, shot.invert)
    if overlays:
        mine = [f for f in shot.findings if f.measurement.index == k]
        if mine:
            pic = eimages.draw_overlays(pic, mine)
    return pic


def export_images(
    shot: SeriesShot, out: Path, fmt: str = "png", overlays: bool = True,
    progress: Progress | None = None, cancel: Cancel | None = None,
) -> Path:  # fmt: skip
    """Every slice as ``out/image_0001.png`` (or .jpg) at full resolution; ``out`` appears
    only when all are written."""
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists already")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        n = len(shot.values)
        for k in range(n):
            if cancel is not None and cancel():
                raise media.ExportCancelled("export cancelled")
            eimages.save_image(_frame(shot, k, overlays), tmp / f"image_{k + 1:04d}.{fmt}")
            if progress is not None:
                progress(k + 1, n, f"image {k + 1}")
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def export_movie(
    shot: SeriesShot, out: Path, fps: float = 10.0, overlays: bool = False,
    progress: Progress | None = None, cancel: Cancel | None = None,
) -> Path:  # fmt: skip
    """The series as an MP4 film (written beside, renamed into place when whole)."""
    n = len(shot.values)
    frames = (_frame(shot, k, overlays) for k in range(n))
    eimages.write_mp4(frames, out, fps, total=n, progress=progress, cancel=cancel)
    return Path(out)


def copy_image(widget: Any) -> QImage:
    """*Edit → Copy Image* (Ctrl+Shift+C): the active view as shown, onto the clipboard."""
    rgb = np.ascontiguousarray(widget.renderer.grab(), dtype=np.uint8)
    h, w = rgb.shape[:2]
    img = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    QGuiApplication.clipboard().setImage(img)
    return img


MODES = ("copy", "images", "movie")


class ExportDialog(QDialog):
    """Owns the export choices, the export in flight (its cancel flag) and its progress."""

    def __init__(self, host: QWidget, runner: Runner, study_paths: Callable[[], list[str]]) -> None:
        super().__init__(host)
        self.setObjectName("exportDialog")
        self.host = host
        self.runner = runner
        self.study_paths = study_paths
        self.viewport: ViewportModel | None = None
        self.cancel_flag = threading.Event()
        self.busy = False
        self.result_text = ""
        self.results: list[str] = []  # messages of finished exports (tests read them)
        self.setWindowTitle(translate("Export", "Export"))
        self.mode = QComboBox(self)
        for text in (
            translate("Export", "Study copy (DICOM, with DICOMDIR)"),
            translate("Export", "Images of the series (PNG/JPEG)"),
            translate("Export", "Series as a film (MP4)"),
        ):
            self.mode.addItem(text)
        self.anonymize = QCheckBox(
            translate("Export", "Anonymize (DICOM PS3.15 Basic Profile)"), self
        )
        self.anonymize.setChecked(True)
        self.as_zip = QCheckBox(translate("Export", "As one zip file"), self)
        self.overlays = QCheckBox(translate("Export", "Draw the measurements"), self)
        self.overlays.setChecked(True)
        self.fmt = QComboBox(self)
        self.fmt.addItems(["png", "jpg"])
        self.fps = QSpinBox(self)
        self.fps.setRange(1, 60)
        self.fps.setValue(10)
        self.target = QLineEdit(self)
        browse = QPushButton(translate("Export", "Browse…"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.target)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow(translate("Export", "Export"), self.mode)
        form.addRow("", self.anonymize)
        form.addRow("", self.as_zip)
        form.addRow("", self.overlays)
        form.addRow(translate("Export", "Image format"), self.fmt)
        form.addRow(translate("Export", "Frames per second"), self.fps)
        form.addRow(translate("Export", "Save to"), row)
        self.progress = QProgressBar(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.start_button = QPushButton(translate("Export", "Export"), self)
        self.start_button.clicked.connect(lambda: self.start())
        self.cancel_button = QPushButton(translate("Export", "Cancel"), self)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addLayout(buttons)

    def _browse(self) -> None:
        mode = MODES[self.mode.currentIndex()]
        if mode == "movie":
            path, _ = QFileDialog.getSaveFileName(
                self, translate("Export", "Save Film"), "series.mp4", "MP4 (*.mp4)"
            )
        elif mode == "copy" and self.as_zip.isChecked():
            path, _ = QFileDialog.getSaveFileName(
                self, translate("Export", "Save Zip"), "study.zip", "Zip (*.zip)"
            )
        else:
            path = QFileDialog.getExistingDirectory(self, translate("Export", "Export Into Folder"))
            path = str(Path(path) / ("study" if mode == "copy" else "images")) if path else ""
        if path:
            self.target.setText(path)

    def start(self, mode: str | None = None, target: str | os.PathLike[str] | None = None) -> bool:
        """Start an export (on a worker); False when one is running or nothing can be exported."""
        if self.busy:
            return False
        mode = mode or MODES[self.mode.currentIndex()]
        out = Path(target if target is not None else self.target.text().strip())
        if not str(out) or str(out) == ".":
            self.status.setText(translate("Export", "Choose where to save the export"))
            return False
        self.cancel_flag.clear()
        cancel = self.cancel_flag.is_set
        if mode == "copy":
            paths = self.study_paths()
            if not paths:
                self.status.setText(translate("Export", "No study is open"))
                return False
            anon, as_zip = self.anonymize.isChecked(), self.as_zip.isChecked()

            def work() -> str:
                r = media.export_study(
                    paths, out, anonymize=anon, dicomdir=True, as_zip=as_zip,
                    progress=self._progress, cancel=cancel,
                )  # fmt: skip
                return " · ".join(
                    [translate("Export", "{0} objects exported").format(r.objects), *r.warnings]
                )
        else:
            vp = self.viewport
            if vp is None or vp.image is None:
                self.status.setText(translate("Export", "No image in the active viewport"))
                return False
            shot = shot_of(vp)
            overlays, fmt, fps = self.overlays.isChecked(), self.fmt.currentText(), self.fps.value()

            def work() -> str:
                if mode == "images":
                    export_images(shot, out, fmt, overlays, self._progress, cancel)
                    return translate("Export", "{0} images exported").format(len(shot.values))
                export_movie(shot, out, fps, overlays, self._progress, cancel)
                return translate("Export", "Film of {0} frames exported").format(len(shot.values))

        self.busy = True
        self.start_button.setEnabled(False)
        self.progress.setValue(0)
        self.status.setText(translate("Export", "Exporting…"))
        self.runner.submit(work, lambda msg: self._finished(f"{msg}: {out}"), self._failed)
        return True

    def _progress(self, done: int, total: int, what: str) -> None:
        self.runner.post(lambda: self._show_progress(done, total))

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _finished(self, text: str) -> None:
        self.busy = False
        self.start_button.setEnabled(True)
        self.result_text = text
        self.results.append(text)
        self.status.setText(text)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, CANCELLED):
            self._finished(translate("Export", "Export cancelled; nothing was written"))
        else:
            self._finished(translate("Export", "Export failed: {0}").format(exc))

    def cancel(self) -> None:
        """Cancel the export in flight (it stops between objects), or close the dialog."""
        if self.busy:
            self.cancel_flag.set()
            self.status.setText(translate("Export", "Cancelling…"))
        else:
            self.reject()
