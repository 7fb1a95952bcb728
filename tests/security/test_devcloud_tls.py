"""Finding 6 (server side): the devcloud speaks TLS on every endpoint, with its own test CA kept in
its state folder; a certificate from another CA, or for another name, fails closed."""

from __future__ import annotations

import http.server
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import trustme

from cloudclient.consult import Membership
from cloudclient.consult_channel import ConsultChannel
from cloudclient.errors import CloudError
from cloudclient.national import NationalClient
from devcloud import tls


def test_every_endpoint_is_https_and_plain_http_is_not_served(devcloud) -> None:
    urls = [devcloud.national_url, *(devcloud.gateway_url(p) for p in devcloud.gateway_ports)]
    for url in urls:
        assert url.startswith("https://127.0.0.1:")
        r = requests.get(f"{url}/health", verify=str(devcloud.ca_file))
        assert r.status_code == 200
        with pytest.raises(requests.ConnectionError):  # plain http on the same port: no answer
            requests.get(url.replace("https://", "http://") + "/health", timeout=5)
    state = (devcloud.state_dir / "state.json").read_text()
    assert str(devcloud.ca_file) in state
    meta = requests.get(f"{devcloud.national_url}/.well-known/oauth-authorization-server").json()
    assert meta["token_endpoint"].startswith("https://")


def test_the_test_ca_is_kept_and_private(tmp_path: Path) -> None:
    first = tls.setup(tmp_path)
    ca_pem = first.ca_file.read_bytes()
    again = tls.setup(tmp_path)  # `python -m devcloud up` again: the clients' CA still holds
    assert again.ca_file.read_bytes() == ca_pem
    for f in ("ca.key", "server.pem"):
        assert oct((tmp_path / "tls" / f).stat().st_mode)[-3:] == "600"
    ctx = ssl.create_default_context(cafile=str(again.ca_file))
    ctx.load_cert_chain(str(again.server_pem))  # key and chain belong together


class _Server:
    """A TLS web server on loopback with a given certificate (the impostor)."""

    def __init__(self, cert: trustme.LeafCert) -> None:
        self.kind = ""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(ctx)
        handler = http.server.SimpleHTTPRequestHandler
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(params=["other CA", "wrong name"])
def impostor(request, devcloud) -> Iterator[_Server]:
    if request.param == "other CA":
        cert = trustme.CA().issue_cert("127.0.0.1", "localhost")
    else:  # the right CA, but a certificate for another host
        ca = tls.load_or_make_ca(devcloud.state_dir / "tls")
        cert = ca.issue_cert("national.example.org")
    server = _Server(cert)
    server.kind = request.param
    yield server
    server.close()


def test_a_wrong_certificate_fails_closed(devcloud, impostor) -> None:
    url = f"https://127.0.0.1:{impostor.port}"
    client = NationalClient(
        url, devcloud.client_id, devcloud.client_secret, verify=str(devcloud.ca_file)
    )
    # the error says what was wrong with the certificate
    said = "not trusted" if impostor.kind == "other CA" else "names another host"
    with pytest.raises(CloudError, match=said):
        client.code_token(devcloud.records[0]["code"])
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url, verify=str(devcloud.ca_file))
    # the relay: the channel stops, saying why, and never connects
    me = Membership("s", "p2", f"wss://127.0.0.1:{impostor.port}/consult/ws/s", "t", 0.0, "guest")
    me.verify = str(devcloud.ca_file)
    statuses: list[tuple[str, str]] = []
    ch = ConsultChannel(me, lambda _m: None, lambda s, d: statuses.append((s, d))).start()
    deadline = time.monotonic() + 10
    while not statuses and time.monotonic() < deadline:
        time.sleep(0.02)
    ch.close()
    assert statuses and statuses[0][0] == "refused", statuses
    assert "certificate" in statuses[0][1]
    assert not ch.connected.is_set()


def test_the_relay_is_wss_and_plain_ws_elsewhere_is_refused(devcloud) -> None:
    me = Membership("s", "p2", "ws://relay.example.org/consult/ws/s", "t", 0.0, "guest")
    statuses: list[tuple[str, str]] = []
    ch = ConsultChannel(me, lambda _m: None, lambda s, d: statuses.append((s, d))).start()
    ch._thread.join(5)
    assert statuses[0][0] == "refused" and "wss" in statuses[0][1]
