"""The hospital's front-end server (前置机): a DICOMweb store on the hospital network that
prefetched studies land on, and that workstations ask before the provincial cloud."""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace
from pathlib import Path

import requests

from cloudclient.errors import CloudError
from cloudclient.national import ExamRecord

STOW_BATCH = 50


class FrontEnd:
    """The hospital's DICOMweb store (an Orthanc in tests and the demo)."""

    def __init__(
        self, dicomweb_root: str, user: str, password: str, verify: bool | str = True
    ) -> None:
        self.root = dicomweb_root.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (user, password)
        self.session.verify = verify
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.authorization = f"Basic {token}"

    def instance_count(self, study_uid: str) -> int:
        """Instances of a study the front-end holds (0 when it has none)."""
        r = self.session.get(
            f"{self.root}/studies",
            params={"StudyInstanceUID": study_uid, "includefield": "00201208"},
            headers={"Accept": "application/dicom+json"},
            timeout=30,
        )
        r.raise_for_status()
        items = r.json()
        if not items:
            return 0
        value = (items[0].get("00201208") or {}).get("Value") or [0]
        return int(value[0])

    def stow(self, files: list[Path]) -> None:
        """STOW-RS the files (in batches)."""
        for i in range(0, len(files), STOW_BATCH):
            boundary = uuid.uuid4().hex
            parts = []
            for f in files[i : i + STOW_BATCH]:
                parts.append(f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode())
                parts.append(f.read_bytes())
                parts.append(b"\r\n")
            parts.append(f"--{boundary}--\r\n".encode())
            r = self.session.post(
                f"{self.root}/studies",
                data=b"".join(parts),
                timeout=300,
                headers={
                    "Content-Type": f'multipart/related; type="application/dicom"; '
                    f"boundary={boundary}",
                    "Accept": "application/dicom+json",
                },
            )
            if r.status_code not in (200, 202):
                raise CloudError(f"the front-end refused the images (HTTP {r.status_code})")

    def as_record(self, record: ExamRecord) -> ExamRecord:
        """The same exam, served by the front-end."""
        return replace(record, dicomweb_root=self.root)
