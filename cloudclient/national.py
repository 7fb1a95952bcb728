"""Client of the national service: patient authorization (OAuth 2.0) and the exam index.

* QR: the RFC 8628 device grant. :meth:`NationalClient.start_device_flow` returns what to show
  (``verification_uri_complete`` as a QR code, the user code, the expiry); :meth:`poll_device`
  waits, honouring ``interval`` and ``slow_down``, until the patient answers or the code expires.
* SMS: :meth:`send_sms` then :meth:`sms_token`.
* Doctor-assisted: :meth:`assisted_token`.
* An index code alone: :meth:`code_token` (a token for that code's exams only).

Its HTTP goes through :mod:`cloudclient.http`: TLS verified (``verify=True`` or a CA bundle path;
no switch turns it off), https required for any host but loopback, no redirects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from cloudclient.errors import (
    AuthorizationDenied,
    AuthorizationExpired,
    CloudError,
    NotFound,
)
from cloudclient.http import check_url, make_session, raise_for_status, request
from cloudclient.indexcode import parse
from cloudclient.tokens import AccessToken

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SMS_GRANT = "urn:yunying:params:oauth:grant-type:sms-code"
ASSISTED_GRANT = "urn:yunying:params:oauth:grant-type:assisted"
INDEX_CODE_GRANT = "urn:yunying:params:oauth:grant-type:index-code"


@dataclass(frozen=True)
class DeviceFlow:
    """A started QR authorization (RFC 8628): what to show, and the code to poll with."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_at: float
    interval: float

    def __repr__(self) -> str:
        return f"DeviceFlow(user_code={self.user_code!r})"

    @property
    def seconds_left(self) -> int:
        return max(0, int(self.expires_at - time.time()))


@dataclass(frozen=True)
class SmsRequest:
    """An SMS code sent to the patient's phone, awaiting the code they read out."""

    request_id: str
    phone_hint: str
    expires_at: float


@dataclass(frozen=True)
class ExamRecord:
    """One index record: an exam somewhere in a provincial cloud."""

    code: str
    exam_datetime: str
    modality: str
    body_part: str
    description: str
    organisation: str
    province: str
    province_code: str
    study_uid: str
    series_count: int
    instance_count: int
    size_bytes: int
    dicomweb_root: str

    @classmethod
    def from_json(cls, r: dict[str, Any]) -> ExamRecord:
        org = r.get("organisation", {})
        return cls(
            code=r["code"],
            exam_datetime=r["exam_datetime"],
            modality=r.get("modality", ""),
            body_part=r.get("body_part", ""),
            description=r.get("description", ""),
            organisation=org.get("name", ""),
            province=org.get("province", ""),
            province_code=org.get("province_code", ""),
            study_uid=r["study_instance_uid"],
            series_count=int(r.get("series_count", 0)),
            instance_count=int(r.get("instance_count", 0)),
            size_bytes=int(r.get("size_bytes", 0)),
            dicomweb_root=r["dicomweb_root"],
        )


class NationalClient:
    """The national service as seen from this workstation: its URL, the workstation's
    credentials and one HTTP session (authorization grants, the exam index, consultation)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        verify: bool | str = True,
        timeout: float = 30.0,
    ) -> None:
        self.session = make_session(verify)  # (refuses verify=False)
        self.base_url = check_url(base_url, "the national service").rstrip("/")
        self._auth = (client_id, client_secret)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"NationalClient({self.base_url!r}, client_id={self._auth[0]!r})"

    # ------------------------------------------------------------------ plumbing

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        """A form POST to the national service with this workstation's credentials (no
        redirects followed); unreachable → :class:`CloudError`."""
        return request(
            self.session,
            "POST",
            f"{self.base_url}{path}",
            "the national service",
            data=data,
            auth=self._auth,
            timeout=self.timeout,
        )

    @staticmethod
    def _oauth_error(r: requests.Response) -> tuple[str, str]:
        try:
            body = r.json()
            return str(body.get("error", "")), str(body.get("error_description", ""))
        except ValueError:
            return "", r.text[:200]

    def _token(self, r: requests.Response, label_from: str = "") -> AccessToken:
        if r.status_code == 401:
            raise CloudError("this workstation's credentials were refused by the national service")
        if r.status_code != 200:
            error, desc = self._oauth_error(r)
            if error == "access_denied":
                raise AuthorizationDenied("the patient refused the request")
            if error == "expired_token":
                raise AuthorizationExpired(desc or "the request expired; start again")
            if error in ("invalid_grant", "invalid_request"):
                raise AuthorizationDenied(desc or "the authorization was not accepted")
            raise CloudError(f"authorization failed: {error} {desc}".strip())
        body = r.json()
        label = ""
        patient = body.get("patient")
        if isinstance(patient, dict):
            label = mask_name(str(patient.get("name", "")))
        return AccessToken(
            body["access_token"],
            time.time() + float(body["expires_in"]),
            body.get("scope", ""),
            label or label_from,
        )

    # ------------------------------------------------------------------ QR (RFC 8628)

    def start_device_flow(self, doctor: str = "") -> DeviceFlow:
        r = self.post("/oauth/device_authorization", {"scope": "patient", "doctor": doctor})
        if r.status_code != 200:
            error, desc = self._oauth_error(r)
            raise CloudError(f"cannot start the QR authorization: {error} {desc}".strip())
        b = r.json()
        return DeviceFlow(
            b["device_code"],
            b["user_code"],
            b["verification_uri"],
            b.get("verification_uri_complete", b["verification_uri"]),
            time.time() + float(b["expires_in"]),
            float(b.get("interval", 5)),
        )

    def poll_device(
        self,
        flow: DeviceFlow,
        *,
        sleep: Callable[[float], None] = time.sleep,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> AccessToken:
        """Poll until the patient answers (RFC 8628 §3.4–3.5); raises on deny/expiry/cancel."""
        interval = flow.interval
        while True:
            if cancelled():
                raise AuthorizationDenied("cancelled")
            if time.time() >= flow.expires_at:
                raise AuthorizationExpired("the QR code expired before the patient answered")
            sleep(interval)
            r = self.post(
                "/oauth/token", {"grant_type": DEVICE_GRANT, "device_code": flow.device_code}
            )
            if r.status_code == 200:
                return self._token(r)
            error, _desc = self._oauth_error(r)
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval += 5  # RFC 8628 §3.5: the server asks for 5 s more
                continue
            return self._token(r)  # raises the right error

    # ------------------------------------------------------------------ SMS, assisted, code

    def send_sms(self, id_number: str) -> SmsRequest:
        r = self.post("/sms/send", {"id_number": id_number})
        if r.status_code == 404:
            raise NotFound("no insured person with this ID number")
        if r.status_code != 200:
            error, desc = self._oauth_error(r)
            raise CloudError(f"cannot send the SMS code: {error} {desc}".strip())
        b = r.json()
        return SmsRequest(
            b["request_id"], b.get("phone_hint", ""), time.time() + float(b["expires_in"])
        )

    def sms_token(self, request: SmsRequest, code: str) -> AccessToken:
        return self._token(
            self.post(
                "/oauth/token",
                {"grant_type": SMS_GRANT, "request_id": request.request_id, "code": code.strip()},
            )
        )

    def assisted_token(self, id_number: str, name: str, doctor: str, reason: str) -> AccessToken:
        return self._token(
            self.post(
                "/oauth/token",
                {
                    "grant_type": ASSISTED_GRANT,
                    "id_number": id_number,
                    "name": name,
                    "doctor": doctor,
                    "reason": reason,
                },
            )
        )

    def code_token(self, code: str, subject: AccessToken | None = None) -> AccessToken:
        """A token for the exams one index code names. A code is not a credential: the national
        service grants it to the storing organisation's workstations, or with the patient's own
        authorization (``subject``, which the code then only narrows)."""
        compact = parse(code).compact  # a wrong code fails here, naming the segment
        form = {"grant_type": INDEX_CODE_GRANT, "index_code": compact}
        if subject is not None:
            form["subject_token"] = subject.access_token
        return self._token(self.post("/oauth/token", form), "code")  # (the label shown)

    def revoke(self, token: AccessToken) -> None:
        self.post("/oauth/revoke", {"token": token.access_token})

    # ------------------------------------------------------------------ index

    def exams(self, token: AccessToken, code: str | None = None) -> list[ExamRecord]:
        params = {"code": parse(code).compact} if code else {}
        r = request(
            self.session,
            "GET",
            f"{self.base_url}/index/records",
            "the national index",
            params=params,
            headers={"Authorization": f"Bearer {token.access_token}"},
            timeout=self.timeout,
        )
        raise_for_status(r, "the national index")
        return [ExamRecord.from_json(x) for x in r.json()["records"]]


def mask_name(dicom_name: str) -> str:
    """A name for screens, masked as Chinese services do (``张*``, ``Z*** San``)."""
    groups = dicom_name.split("=")
    ideo = "".join(groups[1].split("^")) if len(groups) > 1 else ""
    if ideo:
        return ideo[0] + "*" * (len(ideo) - 1)
    parts = [p for p in groups[0].split("^") if p]
    return " ".join(p[0] + "*" * (len(p) - 1) for p in parts)
