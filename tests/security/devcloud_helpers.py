"""Helpers of the devcloud and consultation security tests: a workstation of its own per test
(so that its lockouts touch no other test), a patient of its own, and the lockouts lifted after."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import requests

from devcloud.seed import id_check
from devcloud.store import sha


@dataclass(frozen=True)
class Workstation:
    client_id: str
    secret: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.client_id, self.secret)


def workstation(devcloud, hospital: str = "Elsewhere Hospital", **kw) -> Workstation:
    ws = Workstation(f"ws-{secrets.token_hex(4)}", secrets.token_urlsafe(16))
    devcloud.store.add_client(ws.client_id, ws.secret, hospital, assisted=True, **kw)
    return ws


@dataclass(frozen=True)
class Patient:
    psn: str
    name: str
    id_number: str
    phone: str
    pin: str


def patient(devcloud) -> Patient:
    """An insured person of this test only (no exams)."""
    r = secrets.randbelow
    first17 = f"350203{1950 + r(50)}{1 + r(12):02d}{1 + r(28):02d}{r(1000):03d}"
    while devcloud.store.patient(id_number=first17 + id_check(first17)) is not None:
        first17 = first17[:14] + f"{r(1000):03d}"
    p = Patient(
        psn=f"{secrets.randbelow(10**26):026d}",
        name="Test^Person=测^试",
        id_number=first17 + id_check(first17),
        phone=f"1390000{secrets.randbelow(10**4):04d}",
        pin=f"{secrets.randbelow(10**6):06d}",
    )
    devcloud.store.add_patient(p.psn, p.name, p.id_number, p.phone, p.pin, "19900101", "F")
    return p


def unknown_id(devcloud) -> str:
    while True:
        first17 = f"110101198{secrets.randbelow(10**8):08d}"[:17]
        idn = first17 + id_check(first17)
        if devcloud.store.patient(id_number=idn) is None:
            return idn


def admin(devcloud, path: str, **data: str) -> requests.Response:
    r = requests.post(
        f"{devcloud.national_url}{path}",
        data=data,
        headers={"X-Devcloud-Admin": devcloud.admin_key},
    )
    assert r.status_code == 200, r.text
    return r


def reset_limits(devcloud) -> None:
    admin(devcloud, "/_dev/limits/reset")


def token_row(devcloud, raw: str):
    return devcloud.store.query("SELECT * FROM tokens WHERE token_hash = ?", sha(raw))[0]


def sms_code(devcloud, phone: str) -> str:
    box = requests.get(
        f"{devcloud.national_url}/_dev/sms-outbox",
        params={"phone": phone},
        headers={"X-Devcloud-Admin": devcloud.admin_key},
    ).json()["messages"]
    return re.search(r"验证码 (\d{6})", box[-1]["text"]).group(1)
