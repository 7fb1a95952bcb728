"""Workstation credentials, access tokens and local keys, kept only in the OS keyring.

Nothing here is ever written to a file or a log. A token record holds the bearer token, its
expiry and scope; an expired token is dropped and reported as "authorize again". The local keys
(random, made on first use) key the hashes that stand for index codes on disk
(:func:`keyed_digest`) and the audit log's chain (see :mod:`cloudclient.audit`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass
from enum import StrEnum

import keyring
import keyring.errors

SERVICE = "yunying-cloud"


class KeyringUnavailable(RuntimeError):
    pass


class Scope(StrEnum):
    """What a token covers."""

    PATIENT = "patient"  # the patient's exams (QR, SMS, assisted)
    CODE = "code"  # the exams one index code names
    FRONTEND = "frontend"  # none: the hospital front-end takes the site's own credential


@dataclass(frozen=True)
class AccessToken:
    """A bearer token, its expiry and scope (never shown in a repr)."""

    access_token: str
    expires_at: float
    scope: str  # a Scope value
    label: str = ""  # what the token is for, shown in the UI (e.g. patient's masked name)

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at - 5

    @property
    def seconds_left(self) -> int:
        return max(0, int(self.expires_at - time.time()))

    def __repr__(self) -> str:  # never print the secret
        return f"AccessToken(scope={self.scope!r}, expires_in={self.seconds_left}s)"


def _get(name: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, name)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"the OS keyring is not available ({exc})") from None


def _set(name: str, value: str) -> None:
    try:
        keyring.set_password(SERVICE, name, value)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"the OS keyring is not available ({exc})") from None


def _delete(name: str) -> None:
    try:
        keyring.delete_password(SERVICE, name)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"the OS keyring is not available ({exc})") from None


def save_client_secret(client_id: str, secret: str) -> None:
    _set(f"client:{client_id}", secret)


def client_secret(client_id: str) -> str | None:
    return _get(f"client:{client_id}")


def save_token(key: str, token: AccessToken) -> None:
    _set(f"token:{key}", json.dumps(asdict(token)))


def load_token(key: str) -> AccessToken | None:
    """The stored token for ``key``; an expired one is removed and None returned."""
    raw = _get(f"token:{key}")
    if not raw:
        return None
    try:
        tok = AccessToken(**json.loads(raw))
    except (ValueError, TypeError):
        _delete(f"token:{key}")
        return None
    if tok.expired:
        _delete(f"token:{key}")
        return None
    return tok


def forget_token(key: str) -> None:
    _delete(f"token:{key}")


def save_frontend_password(user: str, password: str) -> None:
    _set(f"frontend:{user}", password)


def frontend_password(user: str) -> str | None:
    return _get(f"frontend:{user}")


def local_key(name: str) -> bytes:
    """A 32-byte key of this workstation kept in the keyring (made on first use)."""
    raw = _get(f"key:{name}")
    if not raw:
        raw = base64.b64encode(secrets.token_bytes(32)).decode()
        _set(f"key:{name}", raw)
    return base64.b64decode(raw)


def keyed_digest(purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under this workstation's keyring-held key (hex, 32 characters):
    what stands for a secret on disk (an index code), comparable but not reversible or
    guessable without the key."""
    mac = hmac.new(local_key("digest"), f"{purpose}\0{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def get_value(name: str) -> str | None:
    """A non-secret value kept beside the secrets (e.g. the audit chain's anchor)."""
    return _get(f"value:{name}")


def set_value(name: str, value: str) -> None:
    _set(f"value:{name}", value)


def delete_value(name: str) -> None:
    _delete(f"value:{name}")
