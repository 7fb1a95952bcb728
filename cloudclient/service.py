"""The cloud client as one object: configuration, authorization, exam lists, retrieval, audit.

The configuration file holds no secret: the workstation's client secret and every access token
live in the OS keyring. Every authorization, exam list, retrieval (and, through :meth:`viewed`,
every view) is written to the audit log — index codes only as their keyed hash. DICOMweb roots
named by the index are used only when their host is in ``dicomweb_hosts`` (or, in a development
configuration whose national service is on this machine, on loopback).
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from cloudclient import tokens
from cloudclient.audit import AuditLog
from cloudclient.catalog import Catalog
from cloudclient.consult import ConsultClient
from cloudclient.errors import CloudError, InvalidInstance, ReauthorizationRequired
from cloudclient.frontend import FrontEnd
from cloudclient.http import HostPolicy, is_loopback
from cloudclient.indexcode import IndexCodeError, code_hash, parse, person_hash
from cloudclient.national import DeviceFlow, ExamRecord, NationalClient, SmsRequest
from cloudclient.order import InstanceRef, choose_series, done, load_order, middle, walk
from cloudclient.retrieve import (
    FetchResult,
    InstanceFn,
    ProgressFn,
    Retriever,
    SeriesFn,
    Source,
)
from cloudclient.store import InstanceStore, code_hashes, verify_instance
from cloudclient.tokens import AccessToken

PATIENT_KEY = "patient"


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(os.environ.get("YUNYING_CONFIG_DIR") or user_config_dir("yunying", appauthor=False))


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(os.environ.get("YUNYING_CLOUD_DATA") or user_data_dir("yunying", appauthor=False))


@dataclass
class CloudConfig:
    """The workstation's cloud settings (``cloud.json``; no secret in it)."""

    national_url: str
    client_id: str
    workstation: str = ""
    doctor: str = ""
    ca_bundle: str = ""  # extra CA certificates to trust (verification is always on)
    cache_dir: str = ""
    cache_quota_gb: float = 0.0  # 0: no quota
    frontend_url: str = ""  # the hospital front-end's DICOMweb root (password in the keyring)
    frontend_user: str = ""
    #: hosts (``host`` or ``host:port``) whose DICOMweb roots may receive the patient's token
    dicomweb_hosts: list[str] = field(default_factory=list)
    #: the largest single image accepted (also never more than the study the index announced)
    max_instance_mb: float = 2048.0
    #: an overall limit for one request (seconds); the study's own grows with its size
    request_deadline_s: float = 600.0

    @property
    def host_policy(self) -> HostPolicy:
        """The allowed DICOMweb hosts; loopback only when the national service is itself on
        this machine (the development cloud)."""
        dev = is_loopback(urlsplit(self.national_url).hostname or "")
        return HostPolicy.of(self.dicomweb_hosts, loopback=dev)

    @property
    def verify(self) -> bool | str:
        return self.ca_bundle or True

    @classmethod
    def load(cls, path: Path | None = None) -> CloudConfig:
        p = path or config_dir() / "cloud.json"
        if not p.exists():
            raise CloudError(
                f"the cloud client is not configured ({p} is missing); run 'yunying-cloud setup'"
            )
        return cls(**json.loads(p.read_text()))

    def save(self, path: Path | None = None) -> Path:
        p = path or config_dir() / "cloud.json"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(asdict(self), indent=1))
        return p


class AuthMethod(StrEnum):
    """How the patient authorized (written to the audit log)."""

    QR = "qr"
    SMS = "sms"
    ASSISTED = "assisted"


def code_facts(code: str) -> tuple[str, str, str, str]:
    """What the catalog keeps of an index code: (keyed hash, exam time, division, keyed hash of
    the person segment)."""
    try:
        parsed = parse(code)
        when, division = parsed.exam_time.isoformat(timespec="minutes"), parsed.division
    except IndexCodeError:
        when, division = "", ""
    return code_hash(code), when, division, person_hash(code)


class _CachedStudy:
    """The retrieval order's source for a study complete in the cache (everything at hand)."""

    def __init__(self, store: InstanceStore, study: str, files: list[Path]) -> None:
        self.store, self.study = store, study
        self.by_series: dict[str, list[Path]] = {}
        for f in files:
            self.by_series.setdefault(f.parent.name, []).append(f)
        manifest = store.manifest(study) or {}
        listed, numbers = manifest.get("series"), manifest.get("numbers")
        self.listed: dict[str, list[str]] = listed if isinstance(listed, dict) else {}
        self.numbers: dict[str, list[int | None]] = numbers if isinstance(numbers, dict) else {}

    def middle_image(self, series: str) -> Future[Path | None]:
        sops, numbers = self.listed.get(series), self.numbers.get(series)
        if sops and numbers and len(numbers) == len(sops):
            # the manifest lists each series in display order, with the instance numbers
            refs = [
                InstanceRef(sop, number, (float(i),))
                for i, (sop, number) in enumerate(zip(sops, numbers, strict=True))
            ]
        else:  # an older manifest: the headers say
            refs = []
            for f in self.by_series.get(series, []):
                try:
                    h = verify_instance(f.read_bytes())
                except InvalidInstance:
                    continue
                refs.append(InstanceRef(h.sop_uid, h.number, h.position))
        ref = middle(refs)
        return done(self.store.path(self.study, series, ref.sop) if ref else None)

    def series(self, series: str) -> Future[None]:
        return done(None)


class CloudService:
    """The cloud client of one workstation: its configuration, national client, cache (catalog
    and store), hospital front-end and audit log; where every retrieval goes through."""

    def __init__(self, config: CloudConfig) -> None:
        self.config = config
        secret = tokens.client_secret(config.client_id)
        if not secret:
            raise CloudError(
                "this workstation's client secret is not in the OS keyring; run "
                "'yunying-cloud setup'"
            )
        self.national = NationalClient(
            config.national_url, config.client_id, secret, verify=config.verify
        )
        self._secret = secret  # (for the consultation service: read from the keyring once)
        cache = Path(config.cache_dir) if config.cache_dir else data_dir() / "cache"
        quota = int(config.cache_quota_gb * 2**30) if config.cache_quota_gb else None
        self.catalog = Catalog(cache, quota, code_facts)
        if self.catalog.recovered:  # the last session ended without closing: check the disk
            self.catalog.repair()
        self.store = InstanceStore(cache, self.catalog)
        self.frontend: FrontEnd | None = None
        if config.frontend_url:
            password = tokens.frontend_password(config.frontend_user) or ""
            self.frontend = FrontEnd(
                config.frontend_url, config.frontend_user, password, verify=config.verify
            )
        self.audit = AuditLog(
            cache.parent / "audit.jsonl", config.workstation or socket.gethostname(), config.doctor
        )

    # ------------------------------------------------------------------ authorization

    def start_qr(self) -> DeviceFlow:
        return self.national.start_device_flow(self.config.doctor)

    def finish_qr(self, flow: DeviceFlow, **kw: object) -> AccessToken:
        try:
            tok = self.national.poll_device(flow, **kw)  # type: ignore[arg-type]
        except CloudError as exc:
            self.audit.record(
                "authorize", f"refused: {type(exc).__name__}", method=AuthMethod.QR.value
            )
            raise
        return self._keep(tok, AuthMethod.QR)

    def send_sms(self, id_number: str) -> SmsRequest:
        return self.national.send_sms(id_number)

    def finish_sms(self, request: SmsRequest, code: str) -> AccessToken:
        try:
            tok = self.national.sms_token(request, code)
        except CloudError as exc:
            self.audit.record(
                "authorize", f"refused: {type(exc).__name__}", method=AuthMethod.SMS.value
            )
            raise
        return self._keep(tok, AuthMethod.SMS)

    def assisted(self, id_number: str, name: str, reason: str) -> AccessToken:
        tok = self.national.assisted_token(id_number, name, self.config.doctor or "unknown", reason)
        return self._keep(tok, AuthMethod.ASSISTED)

    def _keep(self, tok: AccessToken, method: AuthMethod) -> AccessToken:
        tokens.save_token(PATIENT_KEY, tok)
        self.audit.record("authorize", "granted", method=method.value, expires_in=tok.seconds_left)
        return tok

    def patient_token(self) -> AccessToken:
        tok = tokens.load_token(PATIENT_KEY)
        if tok is None:
            raise ReauthorizationRequired(
                "no valid patient authorization: ask the patient to "
                "scan the QR code or give an SMS code"
            )
        return tok

    def forget(self) -> None:
        tok = tokens.load_token(PATIENT_KEY)
        if tok is not None:
            self.national.revoke(tok)
        tokens.forget_token(PATIENT_KEY)

    # ------------------------------------------------------------------ index

    def exams(self) -> list[ExamRecord]:
        tok = self.patient_token()
        try:
            recs = self.national.exams(tok)
        except ReauthorizationRequired:
            tokens.forget_token(PATIENT_KEY)
            raise
        self.audit.record("list_exams", "ok", count=len(recs))
        return recs

    def open_code(self, code: str) -> tuple[AccessToken, list[ExamRecord]]:
        """A token for one index code and the exams it names."""
        try:
            # the patient's authorization, when this workstation holds one, narrowed to the code
            tok = self.national.code_token(code, tokens.load_token(PATIENT_KEY))
            recs = self.national.exams(tok)
        except CloudError as exc:
            self.audit.record("lookup_code", f"refused: {exc}", code=code)
            raise
        self.audit.record(
            "lookup_code",
            "ok",
            code=recs[0].code if recs else code,
            studies=[r.study_uid for r in recs],
        )
        return tok, recs

    # ------------------------------------------------------------------ retrieval

    def fetch(
        self,
        record: ExamRecord,
        token: AccessToken | None = None,
        *,
        series: str | None = None,
        progress: ProgressFn | None = None,
        on_first: Callable[[Path], None] | None = None,
        workers: int = 4,
        on_series: SeriesFn | None = None,
        on_instance: InstanceFn | None = None,
    ) -> FetchResult:
        """The study, from the first place that has it whole: this workstation's cache, the
        hospital front-end (前置机), else the provincial cloud. ``result.source`` says which.
        Cache and network follow the same retrieval order (:mod:`cloudclient.order`);
        ``on_series`` / ``on_instance`` are the Retriever's (not called for a cached study)."""
        cached = self._from_cache(record, series, on_first)
        if cached is not None:
            return cached
        source, target, auth = Source.CLOUD, record, None
        if self.frontend is not None:
            try:
                if self.frontend.instance_count(record.study_uid) >= record.instance_count:
                    source, target = Source.FRONTEND, self.frontend.as_record(record)
                    auth = self.frontend.authorization
            except CloudError:
                pass  # the front-end is down: go to the provincial cloud
        tok = token or (
            self.patient_token()
            if source is Source.CLOUD
            else AccessToken("", time.time() + 60, tokens.Scope.FRONTEND)
        )
        retriever = self.retriever(tok, workers=workers, authorization=auth)
        if source is Source.FRONTEND:  # the configured front-end, not a host the index named
            retriever.policy = HostPolicy.of([urlsplit(target.dicomweb_root).netloc], True)
        try:
            result = retriever.fetch(
                target,
                series=series,
                progress=progress,
                on_first=on_first,
                on_series=on_series,
                on_instance=on_instance,
            )
        except CloudError as exc:
            self.audit.record(
                "retrieve",
                f"failed: {type(exc).__name__}: {exc}",
                code=record.code,
                study=record.study_uid,
                source=source.value,
            )
            if isinstance(exc, ReauthorizationRequired) and token is None:
                tokens.forget_token(PATIENT_KEY)
            raise
        result.source = source
        self.audit.record(
            "retrieve",
            "complete",
            code=record.code,
            study=record.study_uid,
            source=source.value,
            instances=result.instances,
            fetched=result.fetched,
            bytes=result.bytes,
        )
        for evicted in self.catalog.enforce_quota(keep={record.study_uid}):
            self.audit.record("evict", "quota", study=evicted)
        return result

    def retriever(
        self,
        token: AccessToken,
        *,
        workers: int = 4,
        authorization: str | None = None,
        store: InstanceStore | None = None,
    ) -> Retriever:
        """A retriever into this cache (or ``store``) with this configuration's TLS, allowed
        hosts and limits."""
        return Retriever(
            store or self.store,
            token,
            verify=self.config.verify,
            workers=workers,
            authorization=authorization,
            policy=self.config.host_policy,
            max_instance_bytes=int(self.config.max_instance_mb * 2**20),
            request_deadline=self.config.request_deadline_s,
            code_hasher=code_hashes,
        )

    def _from_cache(
        self, record: ExamRecord, series: str | None, on_first: Callable[[Path], None] | None
    ) -> FetchResult | None:
        files = self.catalog.files(record.study_uid)
        if not files or len(files) < record.instance_count:
            return None
        t0 = time.perf_counter()
        study = _CachedStudy(self.store, record.study_uid, files)
        counts = {se: len(fs) for se, fs in study.by_series.items()}
        chosen = choose_series(counts, series)
        first_future, _ = walk(load_order(), chosen, list(counts), study)
        first = first_future.result() if first_future is not None else None
        if on_first is not None and first is not None:
            on_first(first)
        self.audit.record(
            "retrieve",
            "complete",
            code=record.code,
            study=record.study_uid,
            source=Source.CACHE.value,
            instances=len(files),
            fetched=0,
        )
        return FetchResult(
            record.study_uid,
            self.store.study_dir(record.study_uid),
            len(files),
            0,
            0,
            time.perf_counter() - t0,
            first,
            0.0,
            source=Source.CACHE,
        )

    def cached(self, study_uid: str) -> list[Path]:
        """The files of a study already complete in this workstation's cache (else [])."""
        return self.catalog.files(study_uid)

    def consult_client(self) -> ConsultClient:
        """A client of the consultation service with this workstation's credentials."""
        return ConsultClient(
            self.config.national_url,
            self.config.client_id,
            self._secret,
            verify=self.config.verify,
            audit=self.audit,
        )

    def close(self) -> None:
        """Close the cache catalog cleanly (the next start then needs no repair)."""
        self.catalog.close()

    def viewed(self, study_uid: str, series_uid: str = "", code: str = "") -> None:
        self.audit.record("view", "shown", study=study_uid, series=series_uid, code=code)
