"""The reader's findings wired to the window: save (Ctrl+S), key images (K), the reader's name,
the question on close, the findings of the open studies, the hospital and a consultation.

:class:`FindingsLink` turns each viewport's work into GSPS + TID 1500 SR + KOS through
:mod:`viewer.state.findings` and :mod:`viewer.dicom.findings.store`. Where they are kept:

- a study from the cloud (cache, front-end or cloud): in the workstation cache beside the study,
  recorded in the cache catalog (``InstanceStore.put``), so reopening it from the cache lists them;
- a local study: under :func:`findings_root` ``/<Study Instance UID>/`` (the study's own folder
  may be a read-only disc or a zip), listed with the study whenever it is open here.

The list, the dialog and reopening are :mod:`app.findings_dialog`; consultation opinions and
shared findings travel as ``finding`` operations of the consultation relay (the DICOM bytes,
base64, one small object a message).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from app import dialogs
from app.runner import Runner
from viewer.dicom.findings.catalog import FindingsObject, describe, list_findings
from viewer.dicom.model import ScanResult
from viewer.dicom.sources import FileRef
from viewer.state.findings import NotSavable, work_from_viewport
from viewer.state.origin import Origin
from viewer.state.viewport import ViewportEvent, ViewportModel
from viewer.state.workspace import LayoutChanged, Scanned, Workspace, WorkspaceEvent

if TYPE_CHECKING:  # (writing findings needs highdicom: imported when first saving)
    from viewer.dicom.findings import store as fstore

KEY_BADGE = "★"


translate = QCoreApplication.translate


def findings_root() -> Path:
    """Where findings of local studies are kept (``YUNYING_FINDINGS_DIR`` overrides)."""
    env = os.environ.get("YUNYING_FINDINGS_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("yunying", appauthor=False)) / "findings"


def _store() -> Any:
    """The findings writer module (it needs highdicom: imported when first used, not at start)."""
    from viewer.dicom.findings import store

    return store


class FindingsLink(QObject):
    """Owns the reader's unsaved-work flag, the key-image marks (series key → slice indices),
    the key-image title, the scans of the open studies and the findings objects written or
    received in this session."""

    changed = Signal()  # the list of findings objects changed

    def __init__(
        self,
        host: QWidget,
        workspace: Workspace,
        runner: Runner,
        cloud: Any,  # app.cloud_link.CloudLink
        consulting: Any,  # app.consult_link.ConsultLink
        widget_of: Any,  # ViewportModel → ViewportWidget | None
    ) -> None:
        super().__init__(host)
        self.host = host
        self.workspace = workspace
        self.runner = runner
        self.cloud = cloud
        self.consulting = consulting
        self.widget_of = widget_of
        self.settings = QSettings("Yunying", "Yunying")
        self.keys: dict[str, set[int]] = {}
        self.key_title = "Of Interest"
        self.dirty = False
        self.scans: list[tuple[Any, ScanResult]] = []  # (OpenRequest, result)
        self.paths: list[Path] = []  # findings objects written or received in this session
        self.sent: list[str] = []  # SOP Instance UIDs sent to the hospital
        self.annotations: dict[str, list[Any]] = {}  # series key → ExtraGraphics to draw
        self.pending: tuple[Any, str] | None = None  # (work, series key) to restore once loaded
        self._restoring = False
        self._watched: set[int] = set()
        self._off = [workspace.events.subscribe(self._on_workspace)]
        for vp in workspace.viewports:
            self.watch(vp)

    @classmethod
    def attach(cls, window: Any) -> FindingsLink:
        """The link of a main window (its workspace, runner, cloud and consultation links); it
        asks about unsaved work when the window is closed."""
        link = cls(
            window, window.workspace, window.runner, window.cloud, window.consulting,
            window.grid_host.widget_of,
        )  # fmt: skip
        window.installEventFilter(link)
        return link

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if obj is self.host and ev.type() == QEvent.Type.Close and not self.confirm_close():
            ev.ignore()
            return True
        return False

    # ------------------------------------------------------------------ the reader

    def reader(self) -> str:
        """The reader's name: Settings → Reader Name, else the cloud configuration's doctor."""
        name = str(self.settings.value("findings/reader", "") or "")
        if name:
            return name
        config: Any = getattr(self.cloud.service, "config", None)
        if config is not None and config.doctor:
            return str(config.doctor)
        try:
            from cloudclient.service import CloudConfig

            return CloudConfig.load().doctor
        except Exception:  # no cloud configured: no default name
            return ""

    def set_reader(self, name: str) -> None:
        self.settings.setValue("findings/reader", name.strip())

    def ask_reader(self) -> None:
        name, ok = QInputDialog.getText(
            self.host,
            translate("Findings", "Reader Name"),
            translate("Findings", "Your name, written into saved findings:"),
            text=self.reader(),
        )
        if ok:
            self.set_reader(name)

    # ------------------------------------------------------------------ watching the viewports

    def _on_workspace(self, ev: WorkspaceEvent) -> None:
        if isinstance(ev, Scanned):
            self.scans.append((ev.request, ev.result))
            self.changed.emit()
        elif isinstance(ev, LayoutChanged):
            for vp in self.workspace.viewports:
                self.watch(vp)

    def watch(self, vp: ViewportModel) -> None:
        if id(vp) not in self._watched:
            self._watched.add(id(vp))
            self._off.append(vp.subscribe(functools.partial(self._changed, vp)))

    def _changed(self, vp: ViewportModel, what: ViewportEvent) -> None:
        if what is ViewportEvent.MEASUREMENTS and not self._restoring:
            self.dirty = True
        elif what is ViewportEvent.IMAGE:
            p = self.pending
            loaded = p is not None and vp.image is not None and vp.series_key == p[1]
            if p is not None and loaded and self.workspace.images.get(p[1]) is vp.image:
                from app.findings_dialog import apply

                self.pending = None
                apply(self, vp, p[0])
                return
            self.show_extra(vp)

    def show_extra(self, vp: ViewportModel) -> None:
        """Key-image stars and other software's annotations of the series the viewport shows."""
        w = self.widget_of(vp)
        if w is None:
            return
        star = KEY_BADGE + " " + translate("Findings", "Key image")
        marks = {k: star for k in self.keys.get(vp.series_key, ())}
        w.renderer.set_extra(self.annotations.get(vp.series_key, []), marks)

    # ------------------------------------------------------------------ key images

    def toggle_key(self, vp: ViewportModel | None = None) -> bool:
        """Mark (or unmark) the active image as a key image; True when it is now marked."""
        vp = vp or self.workspace.active
        if vp is None or vp.image is None or not vp.series_key:
            return False
        marks = self.keys.setdefault(vp.series_key, set())
        on = vp.index not in marks
        (marks.add if on else marks.discard)(vp.index)
        self.dirty = True
        self.show_extra(vp)
        return on

    def set_key_title(self, title: str) -> None:
        from viewer.dicom.findings.kos import TITLES

        if title not in TITLES:
            raise ValueError(f"{title!r} is not a document title of CID 7010")
        self.key_title = title

    def ask_key_title(self) -> None:
        from app import i18n
        from app.key_titles import display_names
        from viewer.dicom.findings.kos import TITLES

        titles = list(TITLES)  # the saved meaning stays the standard's English
        names = display_names(TITLES, i18n.current())
        shown = [names[t] for t in titles]
        title, ok = QInputDialog.getItem(
            self.host,
            translate("Findings", "Key Image Title"),
            translate("Findings", "Title of the key images (DICOM CID 7010):"),
            shown,
            titles.index(self.key_title),
            False,
        )
        if ok and title in shown:
            self.set_key_title(titles[shown.index(title)])

    # ------------------------------------------------------------------ saving

    def request_of(self, key: str) -> Any:
        """The open request whose scan found the series ``key``."""
        for req, result in reversed(self.scans):
            if any(s.key == key for s in result.all_series()):
                return req
        return None

    def to_cache(self, key: str) -> Any:
        """The cloud service whose cache holds the series' study (None: a local study)."""
        req = self.request_of(key)
        origin = self.workspace.origin_of(key)
        remote = origin is not None and origin is not Origin.LOCAL
        if (req is not None and req.record is not None) or remote:
            return self.cloud.service
        return None

    def keep(self, datasets: list[Any], study_uid: str, service: Any) -> list[Path]:
        """Write objects where the study's findings live (cache + catalog, or the local folder)."""
        out: list[Path] = []
        if service is not None:
            from cloudclient.dicomheader import verify_instance

            for ds in datasets:
                data = _store().dataset_bytes(ds)
                out.append(service.store.put(data, verify_instance(data)))
        else:
            folder = findings_root() / study_uid
            for ds in datasets:
                out.append(_store()._write(ds, folder / f"{ds.SOPInstanceUID}.dcm"))
        self.paths += out
        return out

    def work_viewports(self) -> list[ViewportModel]:
        return [
            vp for vp in self.workspace.viewports
            if vp.image is not None and (vp.measurements or self.keys.get(vp.series_key))
        ]  # fmt: skip

    def save(self) -> list[fstore.Saved]:
        """*File → Save Findings* (Ctrl+S): every viewport with measurements or key images."""
        done: list[fstore.Saved] = []
        problems: list[str] = []
        seen: set[str] = set()
        for vp in self.work_viewports():
            if vp.series_key in seen:
                continue
            seen.add(vp.series_key)
            try:
                saved = self.save_viewport(vp)
            except (NotSavable, ValueError, OSError, KeyError) as exc:
                problems.append(str(exc))
                continue
            done.append(saved)
        if done and not problems:
            self.dirty = False
        n = sum(len(s.files) for s in done)
        msg = translate("Findings", "Findings saved: {0} object(s) by {1}").format(
            n, self.reader() or "—"
        )
        if problems:
            msg = translate("Findings", "Findings not saved: {0}").format("; ".join(problems))
        elif not done:
            msg = translate("Findings", "No measurements or key images to save")
        self._status(msg)
        if done:
            self.share([ds for s in done for ds in s.datasets.values()])
            self.changed.emit()
        return done

    def save_viewport(self, vp: ViewportModel) -> fstore.Saved:
        img = vp.image
        frames = getattr(img, "slice_sources", None) or getattr(img, "sources", None) or []
        work = work_from_viewport(
            vp, author=self.reader(), key_indices=self.keys.get(vp.series_key, ())
        )
        work.key_title = self.key_title
        sources = _store().load_sources(fr.instance.ref for fr in frames)
        service = self.to_cache(vp.series_key)
        with tempfile.TemporaryDirectory(prefix="yunying-findings-") as tmp:
            saved = _store().save_work(work, sources, Path(tmp))
            kept = self.keep(list(saved.datasets.values()), work.study_uid, service)
        saved.files = dict(zip(saved.datasets, kept, strict=True))
        return saved

    # ------------------------------------------------------------------ closing

    def confirm_close(self) -> bool:
        """Asked on close with unsaved work: Save / Discard / Cancel (False: stay open).

        Without dialogs (``YUNYING_DIALOGS=0``) the answer is ``YUNYING_CLOSE_ANSWER``
        (save, discard or cancel; default discard)."""
        if not self.dirty or not self.work_viewports():
            return True
        if dialogs.interactive():
            b = QMessageBox.StandardButton
            answer = QMessageBox.question(
                self.host,
                translate("Findings", "Unsaved Findings"),
                translate(
                    "Findings",
                    "Measurements or key images are not saved. Save them before closing?",
                ),
                b.Save | b.Discard | b.Cancel,
                b.Save,
            )
            choice = {b.Save: "save", b.Discard: "discard"}.get(answer, "cancel")
        else:
            choice = os.environ.get("YUNYING_CLOSE_ANSWER", "discard")
        if choice == "save":
            self.save()
            return not self.dirty
        return choice == "discard"

    # ------------------------------------------------------------------ the list

    def study_uids(self) -> set[str]:
        uids = set()
        for s in self.workspace.series.values():
            if s.frames:
                uids.add(s.frames[0].instance.study_uid)
        return uids

    def entries(self) -> list[FindingsObject]:
        """The findings objects of the open studies (ours and others'), newest first."""
        uids = self.study_uids()
        found: dict[str, FindingsObject] = {}
        for _req, result in self.scans:
            for obj in list_findings(result):
                if obj.study_uid in uids:
                    found.setdefault(obj.sop_instance_uid, obj)
        local = [findings_root() / u for u in uids if (findings_root() / u).is_dir()]
        if local:
            for obj in list_findings([str(p) for p in local]):
                found.setdefault(obj.sop_instance_uid, obj)
        for p in self.paths:
            if p.is_file():
                kept = describe(FileRef(str(p)))
                if kept is not None and kept.study_uid in uids:
                    found.setdefault(kept.sop_instance_uid, kept)
        out = list(found.values())
        out.sort(key=lambda o: o.created or dt.datetime.min, reverse=True)
        return out

    def show_dialog(self) -> Any:
        """*File → Open Findings…*: the list; choosing one restores it."""
        from app.findings_dialog import FindingsDialog

        dlg = getattr(self, "dialog", None)
        if dlg is None:
            dlg = self.dialog = FindingsDialog(self, self.host)
        dlg.refresh()
        dlg.show()
        dlg.raise_()
        return dlg

    # ------------------------------------------------------------------ the hospital

    def send_to_hospital(self) -> None:
        """*File → Send Findings to Hospital*: STOW-RS of our saved findings of the open
        studies to the configured front-end (on a worker; the outcome in the status bar)."""
        asked = self.study_uids()

        def then(_svc: Any) -> None:  # sent once the service is made, if still the same studies
            if self.study_uids() == asked:
                self.send_to_hospital()
            else:
                self._status(
                    translate("Findings", "Not sent: the open studies changed while connecting")
                )

        svc = self.cloud.ensure_service(then=then, key="send")
        if svc is None:
            return  # (being made: sent then; else the reason is in the status bar)
        fe = getattr(svc, "frontend", None)
        if fe is None:
            self._status(translate("Findings", "No hospital front-end is configured"))
            return
        if self.dirty and self.work_viewports():
            self.save()
        ours = [o for o in self.entries() if o.ours and o.ref.member is None]
        paths = [Path(o.ref.path) for o in ours if Path(o.ref.path).is_file()]
        if not paths:
            self._status(translate("Findings", "No saved findings to send"))
            return

        def done(_r: Any) -> None:
            self.sent += [o.sop_instance_uid for o in ours]
            self._status(
                translate("Findings", "Sent {0} findings object(s) to the hospital").format(
                    len(paths)
                )
            )

        def failed(exc: BaseException) -> None:
            self._status(translate("Findings", "Findings not sent: {0}").format(exc))

        self._status(translate("Findings", "Sending findings to the hospital…"))
        self.runner.submit(lambda: fe.stow(paths), done, failed, lane="net")

    # ------------------------------------------------------------------ consultation

    def share(self, datasets: list[Any]) -> int:
        from app import findings_consult

        return findings_consult.share(self, datasets)

    def write_opinion(self, text: str | None = None) -> Path | None:
        """*Consultation → Write Opinion…* (see :func:`app.findings_consult.write_opinion`)."""
        from app import findings_consult

        return findings_consult.write_opinion(self, text)

    def received(self, data: dict[str, Any]) -> Path | None:
        from app import findings_consult

        return findings_consult.received(self, data)

    # ------------------------------------------------------------------ export

    def study_paths(self) -> list[str]:
        """What the active viewport's study was opened from, and its local findings."""
        vp = self.workspace.active
        req = self.request_of(vp.series_key) if vp is not None and vp.series_key else None
        if req is None:
            return []
        paths = list(req.paths)
        s = self.workspace.series.get(vp.series_key) if vp is not None else None
        if s is not None and s.frames:
            local = findings_root() / s.frames[0].instance.study_uid
            if local.is_dir():
                paths.append(str(local))
        return paths

    def export(self) -> Any:
        """*File → Export…*"""
        from app.export_dialog import ExportDialog

        dlg = getattr(self, "export_dialog", None)
        if dlg is None:
            dlg = self.export_dialog = ExportDialog(self.host, self.runner, self.study_paths)
        dlg.viewport = self.workspace.active
        dlg.show()
        dlg.raise_()
        return dlg

    def copy_image(self) -> Any:
        """*Edit → Copy Image* (Ctrl+Shift+C)."""
        from app.export_dialog import copy_image

        vp = self.workspace.active
        w = self.widget_of(vp) if vp is not None and vp.image is not None else None
        return copy_image(w) if w is not None else None

    # ------------------------------------------------------------------ misc

    def _status(self, text: str) -> None:
        self.cloud.status(text, 20000)

    def close(self) -> None:
        for off in self._off:
            off()
        self._off.clear()
