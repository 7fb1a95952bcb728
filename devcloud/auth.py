"""Bearer-token checks shared by the national service and the provincial gateways (a delegated
token is refused once the one it came from is revoked or expired)."""

# FastAPI exceptions only: no "from __future__ import annotations" needed here.
import time

from fastapi import HTTPException

from devcloud.store import Store, Token


def check_bearer(store: Store, authorization: str | None, realm: str) -> tuple[Token, str]:
    """The valid token named by an ``Authorization: Bearer`` header, and the raw token; else 401
    with the RFC 6750 ``WWW-Authenticate`` challenge."""
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(
            401,
            "a bearer token is required",
            headers={"WWW-Authenticate": f'Bearer realm="{realm}"'},
        )
    raw = authorization[7:]
    tok = store.token(raw)
    if tok is None or not store.alive(tok):
        why = (
            "unknown"
            if tok is None
            else "revoked"
            if tok.revoked
            else "expired"
            if tok.expires < time.time()
            else "delegation ended"  # the patient's authorization it came from was withdrawn
        )
        raise HTTPException(
            401,
            f"token {why}; authorize again",
            headers={
                "WWW-Authenticate": f'Bearer realm="{realm}", error="invalid_token", '
                f'error_description="{why}"'
            },
        )
    return tok, raw
