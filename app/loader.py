"""Scanning sources and loading series for the Workspace, on the application's Runner."""

from __future__ import annotations

import traceback

import numpy as np

from app.runner import Runner
from viewer.dicom.model import ScanResult, SeriesInfo
from viewer.dicom.scan import scan
from viewer.dicom.thumbs import THUMB, thumbnail  # noqa: F401  (moved to viewer.dicom.thumbs)
from viewer.dicom.volume import ImageStack, LoadError, Volume, load_series
from viewer.state.workspace import OpenRequest, Workspace


def load_failed(workspace: Workspace, key: str, exc: BaseException) -> None:
    """Why a series could not be loaded, to the Workspace: a :class:`LoadError` with its first
    problems, anything else by its type (its traceback printed)."""
    if isinstance(exc, LoadError):
        detail = "; ".join(str(p) for p in exc.problems[:3])
        workspace.failed(key, f"{exc} {detail}".strip())
    else:
        traceback.print_exception(exc)
        workspace.failed(key, f"{type(exc).__name__}: {exc}")


class Loader:
    """The Workspace's loader in the application: scans and loads on the :class:`Runner`'s
    "load" lane; results go back to the Workspace on the GUI thread."""

    def __init__(self, workspace: Workspace, runner: Runner) -> None:
        self.workspace = workspace
        self.runner = runner
        workspace.loader = self

    def scan(self, request: OpenRequest) -> None:
        ws = self.workspace
        if request.preview:

            def shown(r: tuple[SeriesInfo, Volume | ImageStack] | None) -> None:
                if r is not None:
                    ws.previewed(request, *r)

            self.runner.submit(lambda: _preview(request), shown, self._error)
            return

        def work() -> tuple[ScanResult, dict[str, np.ndarray | None]]:
            result = scan(list(request.paths))
            return result, {s.key: thumbnail(s) for s in result.all_series()}

        self.runner.submit(work, lambda r: ws.scanned(request, *r), self._error)

    def _error(self, exc: BaseException) -> None:
        traceback.print_exception(exc)
        self.workspace.failed("", f"{type(exc).__name__}: {exc}")

    def load(self, series: SeriesInfo) -> None:
        key = series.key
        ws, post = self.workspace, self.runner.post

        def first(arr: np.ndarray, k: int) -> None:
            copy = np.array(arr, copy=True)
            post(lambda: ws.first_image(key, copy, k))

        self.runner.submit(
            lambda: load_series(series, on_first=first),
            lambda img: ws.loaded(key, img),
            lambda exc: load_failed(ws, key, exc),
        )

    def wait(self, msecs: int = 60000) -> bool:
        return self.runner.wait(msecs)


def _preview(request: OpenRequest) -> tuple[SeriesInfo, Volume | ImageStack] | None:
    """The first series of a previewed file, scanned and decoded (off the GUI thread)."""
    found = [s for s in scan(list(request.paths)).all_series() if s.frames]
    return (found[0], load_series(found[0])) if found else None
