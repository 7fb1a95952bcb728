"""The development cloud's test certificate authority (made with trustme) and its server cert.

The CA is made once and kept in the state folder (``tls/ca.pem``, key ``tls/ca.key``, both 0600)
so that ``python -m devcloud up`` and the clients set up from it (``state.json``'s ``ca_file``)
agree across restarts. The server certificate (``tls/server.pem``: key and chain) names the
loopback addresses only and is issued again at each start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import trustme

#: what the server certificate is valid for: devcloud listens on loopback only
SERVER_NAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TlsFiles:
    ca_file: Path  # the CA certificate a client trusts
    server_pem: Path  # the server's key + certificate chain (uvicorn's ssl_certfile/keyfile)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def load_or_make_ca(folder: Path) -> trustme.CA:
    """The CA kept in ``folder`` (made there the first time)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    cert, key = folder / "ca.pem", folder / "ca.key"
    if cert.exists() and key.exists():
        return trustme.CA.from_pem(cert.read_bytes(), key.read_bytes())
    ca = trustme.CA(organization_name="Yunying devcloud test CA")
    _write_private(key, ca.private_key_pem.bytes())
    _write_private(cert, ca.cert_pem.bytes())
    return ca


def setup(state_dir: Path) -> TlsFiles:
    """The CA (kept) and a fresh server certificate for loopback, in ``state_dir/tls``."""
    folder = Path(state_dir) / "tls"
    ca = load_or_make_ca(folder)
    leaf = ca.issue_cert(*SERVER_NAMES, common_name="devcloud")
    server = folder / "server.pem"
    _write_private(
        server,
        leaf.private_key_pem.bytes() + b"".join(c.bytes() for c in leaf.cert_chain_pems),
    )
    return TlsFiles(folder / "ca.pem", server)
