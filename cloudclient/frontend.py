"""The hospital's front-end server (前置机): a DICOMweb store on the hospital network that
prefetched studies land on, and that workstations ask before the provincial cloud."""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from cloudclient.errors import CloudError
from cloudclient.http import check_url, make_session, raise_for_status, request
from cloudclient.national import ExamRecord

STOW_BATCH = 50
#: what a patient's study list needs (QIDO includefield): date, time, modalities, description,
#: body part, institution, issuer of the Patient ID, instance count
STUDY_FIELDS = (
    *("00080020", "00080030", "00080061", "00081030"),
    *("00180015", "00080080", "00100021", "00201208"),
)


class FrontEnd:
    """The hospital's DICOMweb store (an Orthanc in tests and the demo): its root, the site
    credential and one HTTP session (no redirects; https unless on loopback)."""

    def __init__(
        self, dicomweb_root: str, user: str, password: str, verify: bool | str = True
    ) -> None:
        self.root = check_url(dicomweb_root, "the hospital front-end").rstrip("/")
        self.session = make_session(verify, auth=(user, password))
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.authorization = f"Basic {token}"

    def instance_count(self, study_uid: str) -> int:
        """Instances of a study the front-end holds (0 when it has none); unreachable or
        refusing → :class:`CloudError`."""
        r = request(
            self.session,
            "GET",
            f"{self.root}/studies",
            "the hospital front-end",
            params={"StudyInstanceUID": study_uid, "includefield": "00201208"},
            headers={"Accept": "application/dicom+json"},
            timeout=30,
        )
        raise_for_status(r, "the hospital front-end")
        items = r.json()
        if not items:
            return 0
        value = (items[0].get("00201208") or {}).get("Value") or [0]
        return int(value[0])

    def studies(self, patient_id: str, limit: int = 200) -> list[dict[str, Any]]:
        """Study-level QIDO-RS answers (DICOM JSON) of what the front-end holds for one Patient
        ID (at most ``limit``); unreachable or refusing → :class:`CloudError`."""
        if not patient_id:
            return []
        r = request(
            self.session,
            "GET",
            f"{self.root}/studies",
            "the hospital front-end",
            params=[
                ("PatientID", patient_id),
                ("limit", str(limit)),
                *(("includefield", tag) for tag in STUDY_FIELDS),
            ],
            headers={"Accept": "application/dicom+json"},
            timeout=30,
        )
        raise_for_status(r, "the hospital front-end")
        items = r.json() if r.content else []
        return [it for it in items if isinstance(it, dict)][:limit]

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
            r = request(
                self.session,
                "POST",
                f"{self.root}/studies",
                "the hospital front-end",
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
