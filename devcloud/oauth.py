"""What the national service's parts share: grant names, settings (with every limit), the OAuth
error and its JSON answer."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import JSONResponse

from devcloud.limits import Limiter, Limits

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SMS_GRANT = "urn:yunying:params:oauth:grant-type:sms-code"
ASSISTED_GRANT = "urn:yunying:params:oauth:grant-type:assisted"
INDEX_CODE_GRANT = "urn:yunying:params:oauth:grant-type:index-code"
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no look-alikes


@dataclass
class Settings:
    token_ttl: float = 1800.0
    code_token_ttl: float = 900.0
    device_ttl: float = 600.0
    device_interval: float = 5.0
    slow_down_increment: float = 5.0  # RFC 8628 §3.5
    sms_ttl: float = 300.0
    sms_attempts: int = 5  # wrong codes per SMS request
    #: a presenter gone this long (no connection) passes the presentation on
    consult_presenter_grace: float = 20.0
    # ---- lockouts: this many attempts within limit_window, then locked for lockout seconds
    limit_window: float = 600.0
    lockout: float = 900.0
    pin_attempts: int = 5  # wrong PINs per ID number
    pin_attempts_per_request: int = 3  # wrong PINs on one QR request (then it is void)
    phone_failures: int = 30  # wrong PINs from one phone (address)
    sms_sends: int = 5  # SMS codes sent per ID number
    sms_sends_per_client: int = 30  # SMS codes sent per workstation
    sms_wrong_per_patient: int = 10  # wrong SMS codes per patient, across requests
    grant_failures: int = 30  # failed grants of any kind per workstation
    code_attempts: int = 10  # index codes refused per workstation
    code_attempts_per_patient: int = 20  # index codes refused naming one person, from anywhere
    assisted_attempts: int = 5  # assisted grants refused per workstation and per ID number
    invite_attempts: int = 10  # wrong consultation invitations per workstation

    def limits(self) -> Limits:
        def lim(n: int) -> Limiter:
            return Limiter(n, self.limit_window, self.lockout)

        return Limits(
            pin_patient=lim(self.pin_attempts),
            pin_grant=lim(self.pin_attempts_per_request),
            phone_client=lim(self.phone_failures),
            sms_send_patient=lim(self.sms_sends),
            sms_send_client=lim(self.sms_sends_per_client),
            sms_code_patient=lim(self.sms_wrong_per_patient),
            grant_client=lim(self.grant_failures),
            code_client=lim(self.code_attempts),
            code_patient=lim(self.code_attempts_per_patient),
            assisted_client=lim(self.assisted_attempts),
            assisted_patient=lim(self.assisted_attempts),
            invite_client=lim(self.invite_attempts),
        )


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def oauth_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OAuthError)
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="yunying-devcloud"'
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers=headers,
    )
