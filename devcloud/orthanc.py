"""A real Orthanc with the DICOMweb plugin, run as a child process on loopback.

No GDCM plugin (it crashes when transcoding): clients ask for ``transfer-syntax=*`` and decode.
Orthanc has no bind-address option, so remote access is off and every request needs credentials.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

DICOMWEB_PLUGIN_DIRS = ("/usr/share/orthanc/plugins", "/usr/lib/orthanc")


def find_orthanc() -> str:
    exe = shutil.which("Orthanc") or (
        "/usr/sbin/Orthanc" if os.path.exists("/usr/sbin/Orthanc") else None
    )
    if exe is None:
        raise RuntimeError(
            "Orthanc is not installed (Debian: apt-get install orthanc orthanc-dicomweb)"
        )
    return exe


def find_dicomweb_plugin() -> str:
    for d in DICOMWEB_PLUGIN_DIRS:
        for name in ("libOrthancDicomWeb.so", "libOrthancDicomWeb.so.1.7"):
            p = Path(d) / name
            if p.exists():
                return str(p)
    raise RuntimeError(
        "the Orthanc DICOMweb plugin is not installed (apt-get install orthanc-dicomweb)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class OrthancServer:
    """One Orthanc process of the development cloud: its folder, port, credentials and process."""

    name: str
    folder: Path
    port: int
    user: str
    password: str
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dicomweb(self) -> str:
        return f"{self.url}/dicom-web"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    def config(self) -> dict[str, object]:
        storage = str(self.folder / "storage")
        return {
            "Name": self.name,
            "StorageDirectory": storage,
            "IndexDirectory": storage,
            "HttpPort": self.port,
            "DicomServerEnabled": False,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": True,
            "RegisteredUsers": {self.user: self.password},
            "Plugins": [find_dicomweb_plugin()],
            "DicomWeb": {
                "Enable": True,
                "Root": "/dicom-web/",
                "EnableWado": False,
                "StudiesMetadata": "Full",
                "SeriesMetadata": "Full",
            },
            "StorageCompression": False,
            "HttpCompressionEnabled": False,
            "SaveJobs": False,
            "HttpThreadsCount": 16,
            "StableAge": 1,
        }

    def start(self, timeout: float = 20.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        cfg = self.folder / "orthanc.json"
        cfg.write_text(json.dumps(self.config(), indent=1))
        log = open(self.folder / "orthanc.log", "ab")  # noqa: SIM115 - kept for the process
        self.process = subprocess.Popen(
            [find_orthanc(), str(cfg)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Orthanc {self.name} exited; see {self.folder}/orthanc.log")
            try:
                if requests.get(f"{self.url}/system", auth=self.auth, timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Orthanc {self.name} did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def upload(self, files: Iterable[Path | str], workers: int = 4) -> int:
        """POST each DICOM file to /instances; returns how many were stored."""
        session = requests.Session()
        session.auth = self.auth

        def one(path: Path | str) -> bool:
            with open(path, "rb") as f:
                r = session.post(
                    f"{self.url}/instances",
                    data=f.read(),
                    headers={"Content-Type": "application/dicom"},
                    timeout=60,
                )
            r.raise_for_status()
            return True

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return sum(pool.map(one, list(files)))

    def statistics(self) -> dict[str, object]:
        r = requests.get(f"{self.url}/statistics", auth=self.auth, timeout=10)
        r.raise_for_status()
        result: dict[str, object] = r.json()
        return result
