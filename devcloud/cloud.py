"""Start and stop the whole development cloud: two provincial Orthancs, their gateways and the
national service, all on loopback. State (ports, credentials, the index database, Orthanc storage,
the test CA) lives in one folder; ``state.json`` there tells clients and tests where everything is.

Every web endpoint (national service, consultation relay, gateways) speaks TLS only, with a
certificate from the devcloud's own test CA (``state.json``'s ``ca_file``); the Orthancs stay on
loopback http behind the gateways.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from devcloud import gateway, national, tls
from devcloud.faults import FaultState
from devcloud.orgs import ORGS
from devcloud.orthanc import OrthancServer, free_port
from devcloud.store import Store

#: The two provinces the development cloud plays: GB/T 2260 code → names.
PROVINCES = {"35": ("福建省", "Fujian"), "32": ("江苏省", "Jiangsu")}
DEFAULT_CLIENT = "ws-demo"
DEFAULT_HOSPITAL = "云影演示医院 Yunying Demo Hospital"
#: the demo workstation's doctors (licence number, name): only they may use assisted authorization
DEFAULT_DOCTORS = (
    ("110350200000001", "Dr. Test"),
    ("110350200000002", "Dr. Li (Radiology)"),
    ("110350200000003", "Dr. County"),
)
#: relay frames above this are refused by the web server itself (the relay's own limit is lower)
WS_MAX_SIZE = 256 * 1024


class _ThreadedServer:
    """A uvicorn server in a background thread."""

    def __init__(self, app: Any, port: int, certfile: Path) -> None:
        self.port = port
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            timeout_keep_alive=30,
            ssl_certfile=str(certfile),
            ws_max_size=WS_MAX_SIZE,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name=f"uvicorn-{port}")

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"web server on port {self.port} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class DevCloud:
    """The whole development cloud on this machine: the national service, one Orthanc and gateway
    per province, the hospital front-end, their TLS files, state folder and index store."""

    state_dir: Path
    settings: national.Settings = field(default_factory=national.Settings)
    national_port: int = 0
    admin_key: str = ""
    client_id: str = DEFAULT_CLIENT
    client_secret: str = ""
    orthancs: dict[str, OrthancServer] = field(default_factory=dict)
    gateway_ports: dict[str, int] = field(default_factory=dict)
    faults: dict[str, FaultState] = field(default_factory=dict)
    store: Store | None = None
    frontend: OrthancServer | None = None
    ca_file: Path | None = None
    _servers: list[_ThreadedServer] = field(default_factory=list)

    @property
    def national_url(self) -> str:
        return f"https://127.0.0.1:{self.national_port}"

    def gateway_url(self, province: str) -> str:
        return f"https://127.0.0.1:{self.gateway_ports[province]}"

    def dicomweb_roots(self) -> dict[str, str]:
        return {p: f"{self.gateway_url(p)}/dicom-web" for p in self.gateway_ports}

    def start(self) -> DevCloud:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        previous = self._previous_state()
        self.admin_key = self.admin_key or previous.get("admin_key") or secrets.token_urlsafe(24)
        self.client_secret = (
            self.client_secret or previous.get("client_secret") or secrets.token_urlsafe(24)
        )
        files = tls.setup(self.state_dir)
        self.ca_file = files.ca_file
        self.store = Store(self.state_dir / "index.sqlite")
        # the demo workstation reads for the seeded hospitals (a regional imaging centre): it may
        # open their exams by index code; any other workstation needs the patient's consent
        self.store.add_client(
            self.client_id,
            self.client_secret,
            DEFAULT_HOSPITAL,
            assisted=True,
            orgs=[o.uscc for o in ORGS.values()],
            doctors=dict(DEFAULT_DOCTORS),
        )
        try:
            for prov in PROVINCES:
                orth = OrthancServer(
                    name=f"prov{prov}",
                    folder=self.state_dir / f"orthanc-{prov}",
                    port=free_port(),
                    user=f"gw{prov}",
                    password=previous.get("orthanc_passwords", {}).get(prov)
                    or secrets.token_urlsafe(16),
                )
                orth.start()
                self.orthancs[prov] = orth
            # the hospital's front-end server (前置机): its own DICOMweb store, for prefetch
            self.frontend = OrthancServer(
                name="frontend",
                folder=self.state_dir / "orthanc-frontend",
                port=free_port(),
                user="hospital",
                password=previous.get("frontend_password") or secrets.token_urlsafe(16),
            )
            self.frontend.start()
            self.national_port = self.national_port or free_port()
            app = national.create_app(
                self.store,
                self.settings,
                lambda: self.national_url,
                self.dicomweb_roots,
                self.admin_key,
            )
            servers = [_ThreadedServer(app, self.national_port, files.server_pem)]
            for prov, orth in self.orthancs.items():
                self.faults[prov] = FaultState()
                self.gateway_ports[prov] = free_port()
                gw = gateway.create_app(self.store, orth, prov, self.admin_key, self.faults[prov])
                servers.append(_ThreadedServer(gw, self.gateway_ports[prov], files.server_pem))
            for s in servers:
                s.start()
                self._servers.append(s)
        except BaseException:
            self.stop()
            raise
        self.write_state()
        return self

    def stop(self) -> None:
        for s in self._servers:
            s.stop()
        self._servers.clear()
        for orth in self.orthancs.values():
            orth.stop()
        if self.frontend is not None:
            self.frontend.stop()

    def __enter__(self) -> DevCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _previous_state(self) -> dict[str, Any]:
        path = self.state_dir / "state.json"
        if path.exists():
            try:
                data: dict[str, Any] = json.loads(path.read_text())
                return data
            except ValueError:
                return {}
        return {}

    def state(self) -> dict[str, Any]:
        return {
            "national_url": self.national_url,
            "gateways": {p: self.gateway_url(p) for p in self.gateway_ports},
            "dicomweb_roots": self.dicomweb_roots(),
            "ca_file": str(self.ca_file) if self.ca_file else None,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "admin_key": self.admin_key,
            "orthancs": {p: {"url": o.url, "user": o.user} for p, o in self.orthancs.items()},
            "orthanc_passwords": {p: o.password for p, o in self.orthancs.items()},
            "frontend": {"dicomweb": self.frontend.dicomweb, "user": self.frontend.user}
            if self.frontend
            else None,
            "frontend_password": self.frontend.password if self.frontend else None,
            "pid": os.getpid(),
        }

    def write_state(self) -> None:
        path = self.state_dir / "state.json"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(self.state(), f, indent=1)
        os.replace(tmp, path)


def load_state(state_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(state_dir) / "state.json").read_text())
    return data
