"""Issue 17, finding 6 and the front-end redirect of finding 9: https for every host but this
machine's own, DICOMweb roots only from the configured allow-list, no redirects anywhere."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudclient.errors import UntrustedHost
from cloudclient.frontend import FrontEnd
from cloudclient.http import HostPolicy, check_url
from cloudclient.national import NationalClient
from cloudclient.retrieve import Retriever
from cloudclient.service import CloudConfig
from cloudclient.store import InstanceStore
from cloudclient.tokens import AccessToken
from tests.security.client_archive import HostileArchive


@pytest.mark.parametrize(
    "make",
    [
        lambda: NationalClient("http://national.example.cn", "ws", "secret"),
        lambda: FrontEnd("http://10.0.0.5/dicom-web", "user", "password"),
    ],
    ids=["national", "frontend"],
)
def test_plain_http_to_another_host_is_refused_before_anything_is_sent(make) -> None:
    with pytest.raises(UntrustedHost, match="only https is allowed"):
        make()


def test_loopback_may_use_plain_http_and_https_is_accepted() -> None:
    assert NationalClient("http://127.0.0.1:8000", "ws", "s").base_url.startswith("http://")
    assert NationalClient("https://national.example.cn", "ws", "s")
    assert FrontEnd("https://pacs.hospital.example/dicom-web", "u", "p")
    assert check_url("wss://relay.example.cn/ws", "the relay")
    with pytest.raises(UntrustedHost, match="only wss"):
        check_url("ws://relay.example.cn/ws", "the relay")
    with pytest.raises(UntrustedHost):
        check_url("ftp://relay.example.cn/", "the relay")


def test_dicomweb_roots_only_from_the_allow_list() -> None:
    prod = CloudConfig("https://national.example.cn", "ws", dicomweb_hosts=["pacs.fj.example.cn"])
    policy = prod.host_policy
    assert policy.check("https://pacs.fj.example.cn/dicom-web/") == (
        "https://pacs.fj.example.cn/dicom-web"
    )
    with pytest.raises(UntrustedHost, match="not among the allowed archives"):
        policy.check("https://evil.example.com/dicom-web")
    with pytest.raises(UntrustedHost, match="only https"):
        policy.check("http://pacs.fj.example.cn/dicom-web")
    with pytest.raises(UntrustedHost):  # a production configuration does not trust loopback
        policy.check("http://127.0.0.1:8042/dicom-web")
    dev = CloudConfig("https://127.0.0.1:8443", "ws")  # the development cloud on this machine
    assert dev.host_policy.check("https://127.0.0.1:9000/dicom-web")
    with pytest.raises(UntrustedHost):
        dev.host_policy.check("https://pacs.fj.example.cn/dicom-web")


@pytest.fixture
def archive() -> Iterator[HostileArchive]:
    a = HostileArchive(count=2)
    yield a
    a.close()


def test_an_index_naming_an_unlisted_host_gets_nothing(archive: HostileArchive, tmp_path) -> None:
    """The retriever checks the root against its policy before the first request: the archive
    (here on loopback, which a production policy does not allow) never sees the token."""
    tok = AccessToken("secret-token", time.time() + 60, "code")
    policy = HostPolicy.of(["pacs.fj.example.cn"], loopback=False)
    with pytest.raises(UntrustedHost, match="not among the allowed archives"):
        Retriever(InstanceStore(tmp_path), tok, policy=policy).fetch(archive.record())
    assert archive.hits == {}


class _Redirector(http.server.BaseHTTPRequestHandler):
    target = ""

    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET


def test_no_client_follows_a_redirect(archive: HostileArchive, tmp_path: Path) -> None:
    """The front-end and the national service redirect to another host: the clients stop with
    a clear error, and the other host sees no request (no credential)."""
    _Redirector.target = f"http://127.0.0.1:{archive.other.server_address[1]}/steal"
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        with pytest.raises(UntrustedHost, match="redirect"):
            FrontEnd(f"{base}/dicom-web", "site", "password").instance_count("1.2.3")
        with pytest.raises(UntrustedHost, match="redirect"):
            NationalClient(base, "ws", "secret").start_device_flow()
        with pytest.raises(UntrustedHost, match="redirect"):
            NationalClient(base, "ws", "secret").exams(
                AccessToken("secret-token", time.time() + 60, "code")
            )
    finally:
        srv.shutdown()
        srv.server_close()
    assert archive.elsewhere == []


def test_prefetch_and_service_retrievals_carry_the_configured_ca_bundle(tmp_path: Path) -> None:
    """One session factory: a service's retriever (the one prefetch uses too) has the
    configuration's CA bundle, allowed hosts and limits."""
    from cloudclient.service import CloudService

    cfg = CloudConfig(
        "https://national.example.cn",
        "ws",
        ca_bundle=str(tmp_path / "ca.pem"),
        cache_dir=str(tmp_path / "cache"),
        dicomweb_hosts=["pacs.fj.example.cn"],
        max_instance_mb=64,
    )
    svc = CloudService.__new__(CloudService)  # (no keyring needed to build a retriever)
    svc.config = cfg
    svc.store = InstanceStore(tmp_path / "cache")
    r = svc.retriever(AccessToken("t", time.time() + 60, "code"), store=svc.store)
    assert r.verify == str(tmp_path / "ca.pem")
    assert r.policy == cfg.host_policy and r.max_instance_bytes == 64 << 20
    src = Path(__file__).parents[2] / "cloudclient" / "prefetch.py"
    assert "Retriever(" not in src.read_text()  # prefetch builds no retriever of its own


def test_the_configured_ca_bundle_is_not_overridden_by_the_environment(
    tmp_path: Path, monkeypatch
) -> None:
    """``REQUESTS_CA_BUNDLE`` (set system-wide on many machines) must not replace the CA bundle
    the configuration names (plain requests sessions let it)."""
    from cloudclient.http import make_session

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    ca = str(tmp_path / "national-ca.pem")
    s = make_session(ca)
    assert s.merge_environment_settings("https://x.example", {}, None, None, None)["verify"] == ca
    # without a bundle of its own, the system's trust (the environment's) applies
    plain = make_session(True)
    got = plain.merge_environment_settings("https://x.example", {}, None, None, None)["verify"]
    assert got == "/etc/ssl/certs/ca-certificates.crt"
