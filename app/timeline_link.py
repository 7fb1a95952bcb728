"""The Patient Timeline and *Compare with Prior* in the main window.

:class:`TimelineLink` remembers the patients of every study scanned in this session (local
folders, and studies from the workstation cache), and — when the cloud is configured — asks on a
network thread for the national index (once the patient has authorized) and the cache catalog.
From these it builds today's patient's timeline (:mod:`viewer.state.timeline`: matched by person
code, else Patient ID + issuer; name + birth date + sex only as a *probable* match, never merged)
and shows it in a dock (:class:`app.timeline_panel.TimelinePanel`).

*Compare with Prior* takes the selected exam, else the most relevant prior by the rules
(:mod:`viewer.state.priors`), and opens it beside today's: a local study as it is, else fetched
through the cloud client (cache → front-end → cloud, with the patient's authorization; when that
is missing or expired the Cloud panel opens to ask the patient again).
"""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMessageBox

from app import dialogs
from app.timeline_panel import TimelinePanel
from viewer.dicom.model import PatientInfo, StudyInfo
from viewer.state.exams import Exams
from viewer.state.origin import Origin
from viewer.state.priors import Retrieved, execute, most_relevant, plan_retrieval
from viewer.state.timeline import (
    Sighting,
    Timeline,
    TimelineEntry,
    build,
    from_catalog,
    from_index,
    from_qido,
    from_scan,
    subject_of,
)
from viewer.state.workspace import Scanned, WorkspaceEvent


def issuer_of(study: StudyInfo) -> str:
    """The Issuer of Patient ID of a study's first file ('' when absent or unreadable): local
    scans do not read it, and without it a Patient ID names nobody outside its hospital."""
    import pydicom

    inst = next((i for se in study.series for i in se.instances), None)
    if inst is None or inst.ref.member is not None:
        return ""
    try:
        ds = pydicom.dcmread(inst.ref.path, stop_before_pixels=True, specific_tags=[0x00100021])
    except (OSError, ValueError, pydicom.errors.InvalidDicomError):
        return ""
    return str(ds.get("IssuerOfPatientID", "") or "").strip()


def study_paths(study: StudyInfo) -> list[str]:
    """The files (or archives) a scanned study was read from."""
    seen: dict[str, None] = {}
    for se in study.series:
        for inst in se.instances + se.non_image:
            seen.setdefault(str(inst.ref.path), None)
    return list(seen)


class TimelineLink(QObject):
    """Owns the Patient Timeline dock, the patients scanned this session, what the cloud said
    (index records and cache entries) and the retrieval of a prior."""

    def __init__(self, window: Any, exams: Exams) -> None:
        super().__init__(window)
        self.window = window
        self.exams = exams
        self.workspace = exams.ws
        #: each study scanned this session: its patient, where it was read from, its issuer
        self.scanned: list[tuple[PatientInfo, Origin, str]] = []
        self.records: list[Any] = []  # national index records (ExamRecord)
        self.cloud: list[Sighting] = []
        self.cloud_note = ""
        self.timeline: Timeline | None = None
        self.dock: QDockWidget | None = None
        self.panel: TimelinePanel | None = None
        self._off = self.workspace.events.subscribe(self._on_workspace)

    def _on_workspace(self, ev: WorkspaceEvent) -> None:
        if isinstance(ev, Scanned) and not ev.request.preview:
            origin = Origin.LOCAL if ev.request.origin is Origin.LOCAL else Origin.CACHE
            known = {(p.patient_id, p.studies[0].study_uid) for p, _, _ in self.scanned}
            for p in ev.result.patients:
                for st in p.studies:
                    if (p.patient_id, st.study_uid) not in known:
                        one = PatientInfo(p.patient_id, p.name, p.birth_date, p.sex, [st])
                        self.scanned.append((one, origin, issuer_of(st)))
            if self.panel is not None and self.dock is not None and self.dock.isVisible():
                self.refresh()

    # ------------------------------------------------------------------ building

    def patient(self) -> tuple[PatientInfo, str] | None:
        """Today's patient (the one whose study is hung as today's)."""
        cur = self.exams.current
        if cur is None:
            return None
        for p, _, issuer in self.scanned:
            if p.studies[0].study_uid == cur.study_uid:
                return p, issuer
        return None

    def build(self) -> Timeline | None:
        today = self.patient()
        if today is None:
            return None
        from cloudclient.indexcode import person_hash

        p, issuer = today
        try:
            subject = subject_of(p, self.records, issuer=issuer, person_hash=person_hash)
        except ValueError as exc:  # index records of more than one person
            self.cloud_note = str(exc)
            subject = subject_of(p, issuer=issuer)
        sightings: list[Sighting] = list(self.cloud)
        for q, origin, their_issuer in self.scanned:
            sightings += from_scan([q], origin, issuer=their_issuer)
        self.timeline = build(subject, sightings)
        return self.timeline

    def refresh(self) -> None:
        """Rebuild from what is known now; ask the cloud (if configured) on a network thread."""
        self._show()
        svc = getattr(self.window.cloud, "service", None)
        if svc is not None:
            today = self.patient()
            pid = today[0].patient_id if today is not None else ""
            self.window.runner.submit(
                lambda: self._ask_cloud(svc, pid),
                self._cloud_answered,
                self._cloud_failed,
                lane="net",
            )

    @staticmethod
    def _ask_cloud(svc: Any, patient_id: str = "") -> tuple[list[Any], list[Sighting], str]:
        from cloudclient.errors import CloudError
        from cloudclient.indexcode import person_hash

        note = ""
        try:
            records = svc.exams()
        except CloudError as exc:  # no authorization (or expired): the index is not asked
            records, note = [], str(exc)
        found = from_index(records, person_hash=person_hash)
        frontend: Any = getattr(svc, "frontend", None)
        for r in records if frontend is not None else []:
            try:  # the hospital front-end holds the whole study: a nearer copy
                whole = frontend.instance_count(r.study_uid) >= max(1, r.instance_count)
            except CloudError:
                break  # the front-end is down: the index and the cache still answer
            if whole:
                found += from_index([r], Origin.FRONTEND, person_hash=person_hash)
        # what the front-end holds for this Patient ID (prefetched or sent there); when it is
        # down, the index and the cache still answer
        with contextlib.suppress(CloudError):
            if frontend is not None:
                found += from_qido(frontend.studies(patient_id), Origin.FRONTEND)
        entries = [svc.catalog.lookup(u) for u in svc.catalog.studies()]
        found += from_catalog(e for e in entries if e is not None)
        return records, found, note

    def _cloud_answered(self, answer: tuple[list[Any], list[Sighting], str]) -> None:
        self.records, self.cloud, self.cloud_note = answer
        self._show()

    def _cloud_failed(self, exc: BaseException) -> None:
        self.cloud_note = f"{type(exc).__name__}: {exc}"
        self._show()

    def _show(self) -> None:
        tl = self.build()
        if self.panel is not None:
            cur = self.exams.current.study_uid if self.exams.current is not None else ""
            notes = (
                (
                    QCoreApplication.translate("Timeline", "National index: {0}").format(
                        self.cloud_note
                    ),
                )
                if self.cloud_note
                else ()
            )
            if tl is None:
                notes = (
                    QCoreApplication.translate(
                        "Timeline", "Open a study to see its patient's timeline"
                    ),
                )
            self.panel.set_timeline(tl, cur, notes)

    def show_timeline(self) -> TimelinePanel:
        """*View → Patient Timeline*."""
        if self.panel is None or self.dock is None:
            self.panel = TimelinePanel(self.window)
            self.panel.compare.connect(self.compare_with_prior)
            self.panel.open_entry.connect(lambda e: self.open_entry(e, prior=False))
            self.panel.refresh.connect(self.refresh)
            self.dock = QDockWidget(self.window)
            self.dock.setObjectName("timelineDock")
            self.dock.setWidget(self.panel)
            self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.retranslate()
        self.dock.show()
        self.dock.raise_()
        self.refresh()
        return self.panel

    def retranslate(self) -> None:
        if self.dock is not None and self.panel is not None:
            self.dock.setWindowTitle(QCoreApplication.translate("Timeline", "Patient Timeline"))
            self.panel.retranslate()
            self._show()

    # ------------------------------------------------------------------ compare with prior

    def _status(self, text: str, ms: int = 20000) -> None:
        self.window.statusBar().showMessage(text, ms)

    def relevant_prior(self) -> TimelineEntry | None:
        tl = self.build()
        cur = self.exams.current
        if tl is None or cur is None:
            return None
        try:
            today = tl.entry(cur.study_uid)
        except KeyError:
            return None
        shown = {st.study_uid for st in self.exams.priors}
        rel = most_relevant(today, [e for e in tl.entries if e.study_uid not in shown])
        return rel.exam if rel is not None else None  # type: ignore[return-value]

    def compare_with_prior(self, entry: TimelineEntry | None = None) -> bool:
        """*Compare with Prior*: the given exam, else the most relevant prior, beside today's."""
        if self.exams.current is None:
            self._status(QCoreApplication.translate("Timeline", "Open today's study first"))
            return False
        if entry is None:
            entry = self.relevant_prior()
            if entry is None:
                self._status(
                    QCoreApplication.translate(
                        "Timeline", "No relevant prior of this patient was found"
                    )
                )
                return False
        return self.open_entry(entry, prior=True)

    def open_entry(self, entry: TimelineEntry, prior: bool) -> bool:
        if entry.probable and not self._confirm(entry):
            self._status(
                QCoreApplication.translate(
                    "Timeline", "Not opened: a probable match must be confirmed by the reader"
                )
            )
            return False
        plan = plan_retrieval(entry)
        if plan.local is not None:
            self.workspace.open_study(study_paths(plan.local), origin=Origin.LOCAL, prior=prior)
            return True
        cloud = self.window.cloud
        if cloud.service is None:  # (made first, off the GUI thread; then fetched)
            current = self.exams.current

            def then(svc: Any) -> None:  # fetched once it is made, if still beside that study
                if self.exams.current is current:
                    self._fetch(plan, svc, prior)
                else:
                    self._status(
                        QCoreApplication.translate(
                            "Timeline", "Not fetched: today's study changed while connecting"
                        )
                    )

            cloud.ensure_service(then=then, key="prior")
            return bool(cloud.connecting)
        self._fetch(plan, cloud.service, prior)
        return True

    def _fetch(self, plan: Any, svc: Any, prior: bool) -> None:
        self._status(
            QCoreApplication.translate("Timeline", "Fetching the prior ({0})…").format(
                plan.describe()
            ),
            60000,
        )

        def opened(r: Retrieved) -> None:
            files = [str(f) for f in r.files] or (study_paths(r.local) if r.local else [])
            self.workspace.open_study(files, origin=r.origin, prior=prior)

        self.window.runner.submit(
            lambda: execute(plan, svc), opened, self._fetch_failed, lane="net"
        )

    def _confirm(self, entry: TimelineEntry) -> bool:
        if not dialogs.interactive():
            return False
        answer = QMessageBox.question(
            self.window,
            QCoreApplication.translate("Timeline", "Probable match"),
            QCoreApplication.translate(
                "Timeline",
                "This exam matches today's patient only by name, birth date and sex ({0}). "
                "Open it as this patient's?",
            ).format(entry.identity.name),
        )
        return answer == QMessageBox.StandardButton.Yes

    def _fetch_failed(self, exc: BaseException) -> None:
        from cloudclient.errors import ReauthorizationRequired

        if isinstance(exc, ReauthorizationRequired):
            self._status(
                QCoreApplication.translate(
                    "Timeline", "The patient's authorization is needed to fetch the prior"
                ),
                30000,
            )
            self.window.open_cloud()
            return
        self._status(
            QCoreApplication.translate("Timeline", "Cannot fetch the prior: {0}").format(exc), 30000
        )

    def close(self) -> None:
        self._off()
