"""A provincial gateway: DICOMweb (QIDO-RS, WADO-RS) forwarded to that province's Orthanc.

Every request needs a bearer token from the national service: 401 without a valid one, 403 for a
study of another patient or outside the token's scope. QIDO answers list only what the token may
see. Bodies are streamed through in chunks as they arrive (a series is never buffered here).
The archive's own error answers never pass through: the client gets a short error of the
gateway's own (404 stays 404, any other failure is 502). Served over TLS (see ``devcloud.cloud``).
"""

# FastAPI reads these annotations at run time: no "from __future__ import annotations" here.
import json
import re
import secrets
from collections.abc import Iterator
from typing import Annotated, Any

import requests
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from devcloud.auth import check_bearer
from devcloud.faults import Faults, FaultState
from devcloud.orthanc import OrthancServer
from devcloud.store import Store, Token

CHUNK = 1 << 22
STUDY_TAG = "0020000D"
QIDO_LEAVES = {"studies", "series", "instances"}
SEGMENT = re.compile(r"^[A-Za-z0-9.,]+$")
PASS_HEADERS = ("content-type", "content-length")


def archive_error(status: int) -> JSONResponse:
    """The gateway's own answer for an archive failure (the archive's body is never shown)."""
    if status == 404:
        return JSONResponse({"error": "not found in the provincial archive"}, status_code=404)
    return JSONResponse(
        {"error": "the provincial archive could not answer"},
        status_code=502,
        headers={"X-Archive-Status": str(status)},
    )


def create_app(
    store: Store, orthanc: OrthancServer, province: str, admin_key: str, faults: FaultState
) -> FastAPI:
    app = FastAPI(title=f"Yunying devcloud — provincial gateway {province}", version="1")
    upstream = requests.Session()
    upstream.auth = orthanc.auth
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32)
    upstream.mount("http://", adapter)

    def bearer(authorization: Annotated[str | None, Header()] = None) -> tuple[Token, str]:
        return check_bearer(store, authorization, f"gateway-{province}")

    def allowed(tok: Token, study_uid: str) -> bool:
        owner = store.record_owner(study_uid)
        return owner is not None and tok.may_see(study_uid, owner)

    def admin(x_devcloud_admin: Annotated[str | None, Header()] = None) -> None:
        if not x_devcloud_admin or not secrets.compare_digest(x_devcloud_admin, admin_key):
            raise HTTPException(403, "admin key required")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "province": province}

    @app.post("/_dev/faults", dependencies=[Depends(admin)])
    async def set_faults(request: Request) -> dict[str, Any]:
        try:
            f = Faults.from_json(await request.json())
        except (ValueError, TypeError) as exc:
            raise HTTPException(400, str(exc)) from None
        faults.set(f)
        return f.to_json()

    @app.delete("/_dev/faults", dependencies=[Depends(admin)])
    def clear_faults() -> dict[str, Any]:
        faults.clear()
        return Faults().to_json()

    @app.get("/dicom-web/{path:path}")
    def dicomweb(
        path: str, request: Request, auth: Annotated[tuple[Token, str], Depends(bearer)]
    ) -> Response:
        tok, raw_token = auth
        faults.latency()
        burst = faults.take_status()
        if burst is not None:
            status, retry_after = burst
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return JSONResponse({"error": "injected fault"}, status_code=status, headers=headers)
        parts = [p for p in path.split("/") if p]
        # only DICOMweb resources: UIDs and keywords, no dot segments that could climb out of
        # /dicom-web into the archive's own REST API; /series and /instances only as searches
        if (
            not parts
            or parts[0] not in QIDO_LEAVES
            or any(p in (".", "..") or not SEGMENT.match(p) for p in parts)
            or (parts[0] != "studies" and len(parts) > 1)
        ):
            raise HTTPException(404, "not a DICOMweb resource")
        if parts[0] == "studies" and len(parts) >= 2 and not allowed(tok, parts[1]):
            raise HTTPException(403, "this study is outside what the token may see")
        url = f"{orthanc.dicomweb}/{'/'.join(parts)}"
        if request.url.query:
            url += "?" + request.url.query  # raw: Orthanc does not percent-decode QIDO values
        headers = {"Accept": request.headers.get("accept", "*/*"), "Accept-Encoding": "identity"}
        is_qido = parts[-1] in QIDO_LEAVES
        try:
            up = upstream.get(url, headers=headers, stream=not is_qido, timeout=(5, 300))
        except requests.RequestException as exc:
            raise HTTPException(
                502, f"provincial archive unreachable ({type(exc).__name__})"
            ) from None
        if is_qido:
            if up.status_code != 200:
                return archive_error(up.status_code)
            items = [
                it
                for it in up.json()
                if allowed(tok, ((it.get(STUDY_TAG) or {}).get("Value") or [""])[0])
            ]
            return Response(json.dumps(items), media_type="application/dicom+json")
        if up.status_code != 200:
            up.close()
            return archive_error(up.status_code)
        out_headers = {k: v for k, v in up.headers.items() if k.lower() in PASS_HEADERS}

        def body() -> Iterator[bytes]:
            try:
                yield from faults.shape(
                    up.raw.stream(CHUNK, decode_content=False), lambda: store.expire(raw_token)
                )
            finally:  # a CutConnection from the faults drops the connection on purpose
                up.close()

        return StreamingResponse(body(), status_code=200, headers=out_headers)

    return app
