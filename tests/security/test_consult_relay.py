"""Finding 5: the relay has limits. Messages are size- and rate-limited and checked against a
schema — an oversize or malformed one is refused, never relayed or replayed — and the workstation
drops what breaks the schema without harm; only its author (or the host) changes an annotation."""

from __future__ import annotations

import contextlib
import json
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.sync.server import serve

from cloudclient.consult import ConsultState, Membership
from cloudclient.consult_channel import ConsultChannel
from cloudclient.consultschema import MAX_MESSAGE
from tests.test_consult import REMOTE, ConsultClient, Peer, admitted, ca, wait
from tests.test_consult import host as host
from tests.test_consult import remote_secret as remote_secret


@pytest.fixture
def pair(devcloud, host, remote_secret):
    client, tok, record, _ = host
    inv, me_host = client.create(tok, record.study_uid, minutes=5)
    guest = ConsultClient(devcloud.national_url, REMOTE, remote_secret, verify=ca(devcloud))
    me_guest = admitted(guest, client, me_host, inv.code)
    a, b = Peer(me_host), Peer(me_guest)
    wait(lambda: len(a.state.participants) == 2, 30)
    yield a, b, me_host, me_guest
    a.channel.close()
    b.channel.close()


@contextlib.contextmanager
def raw(me: Membership, devcloud) -> Iterator[Any]:
    """A participant's socket without the client's checks (what a hostile peer can send)."""
    ctx = ssl.create_default_context(cafile=str(devcloud.ca_file))
    url = f"{me.ws_url}?{urlencode({'ticket': me.ticket})}"
    with connect(url, ssl=ctx, max_size=None) as ws:
        ws.send(json.dumps({"type": "hello", "last_seq": 1 << 40}))
        assert json.loads(ws.recv(timeout=5))["type"] == "welcome"
        yield ws


def replies(ws, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    out = []
    while len(out) < n:
        msg = json.loads(ws.recv(timeout=timeout))
        if msg.get("type") == "error":
            out.append(msg)
    return out


def annotation(key: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "series": "1.2.3", "index": 1, "kind": "probe", "points": [[1, 2]], **extra}


def test_oversize_and_malformed_messages_are_dropped_not_replayed(devcloud, pair) -> None:
    a, b, _me_host, me_guest = pair
    with raw(me_guest, devcloud) as ws:
        bad = [
            "not json",
            "[1, 2]",
            json.dumps({"type": "op", "op": "annotation.add", "data": {"key": "k", "points": "x"}}),
            '{"type": "op", "op": "pointer", "data": {"x": NaN, "y": 1}, "id": "n"}',
            json.dumps({"type": "op", "op": "annotation.add", "data": annotation("k", extra=1)}),
            json.dumps({"type": "op", "op": "exec", "data": {}}),
            json.dumps(
                {
                    "type": "op",
                    "op": "annotation.add",
                    "id": "big",
                    "data": annotation("big", text="x" * 100_000),
                }
            ),
        ]
        for text in bad:
            ws.send(text)
        errors = replies(ws, len(bad))
        assert all(e["message"].startswith("refused") for e in errors)
        assert errors[-1]["id"] == "big" and str(MAX_MESSAGE) in errors[-1]["message"]
        # a 2 MiB annotation: the web server ends that socket, nobody else notices
        huge = {
            "type": "op",
            "op": "annotation.add",
            "data": annotation("huge", text="x" * (2 << 20)),
        }
        ws.send(json.dumps(huge))
        with pytest.raises(ConnectionClosed):
            for _ in range(100):
                ws.recv(timeout=5)
        a.channel.send("annotation.add", annotation("p1:ok"))
        wait(lambda: "p1:ok" in b.state.annotations)
        time.sleep(0.3)
        for peer in (a, b):
            assert peer.channel.reconnects == 0 and peer.channel.connected.is_set()
            assert peer.state.dropped == 0 and set(peer.state.annotations) == {"p1:ok"}
        late = Peer(me_guest)  # a fresh connection replays the session: only what was accepted
        wait(lambda: "p1:ok" in late.state.annotations)
        assert set(late.state.annotations) == {"p1:ok"} and late.channel.reconnects == 0
        late.channel.close()


def test_a_flood_is_rate_limited(devcloud, pair) -> None:
    a, _b, _me_host, me_guest = pair
    with raw(me_guest, devcloud) as ws:
        n = 1000
        for i in range(n):
            ws.send(
                json.dumps(
                    {
                        "type": "op",
                        "op": "annotation.add",
                        "id": f"f{i}",
                        "data": annotation(f"f{i}"),
                    }
                )
            )
        got_errors = 0
        relayed = 0
        deadline = time.monotonic() + 20
        while relayed + got_errors < n and time.monotonic() < deadline:
            msg = json.loads(ws.recv(timeout=5))
            if msg.get("type") == "error":
                assert "slow down" in msg["message"]
                got_errors += 1
            elif msg.get("op") == "annotation.add":
                relayed += 1
        assert got_errors > 0 and relayed + got_errors == n
        wait(lambda: len(a.state.annotations) == relayed)


def test_only_the_author_or_the_host_changes_an_annotation(devcloud, pair) -> None:
    a, b, _me_host, me_guest = pair
    a.channel.send("annotation.add", annotation("p1:1"))
    wait(lambda: "p1:1" in b.state.annotations)
    with raw(me_guest, devcloud) as ws:
        for op, data in (
            ("annotation.edit", annotation("p1:1", text="mine now")),
            ("annotation.delete", {"key": "p1:1"}),
            ("annotation.add", annotation("p1:1", text="taken over")),
        ):
            ws.send(json.dumps({"type": "op", "op": op, "data": data, "id": op}))
        errors = replies(ws, 3)
        assert {e["id"] for e in errors} == {
            "annotation.edit",
            "annotation.delete",
            "annotation.add",
        }
        assert "p1:1" in a.state.annotations and "text" not in a.state.annotations["p1:1"]


# --------------------------------------------------------------------------- the workstation side


def test_the_state_drops_what_breaks_the_schema() -> None:
    st = ConsultState()
    st.apply(
        {
            "type": "welcome",
            "participant": "p2",
            "presenter": "p1",
            "participants": [{"id": "p1", "role": "host"}, {"id": "p2", "role": "guest"}],
        }
    )
    hostile = [
        {"type": "event", "seq": 1, "from": "p1", "op": "annotation.add", "data": {}},
        {"type": "event", "seq": "x", "from": "p1", "op": "view", "data": {"index": 1}},
        {"type": "event", "seq": 2, "from": "p1", "op": "annotation.add", "data": None},
        {"type": "event", "seq": 3, "from": "p1", "op": "view", "data": {"zoom": float("nan")}},
        {
            "type": "event",
            "seq": 4,
            "from": "p1",
            "op": "annotation.add",
            "data": {"key": "k", "points": [[1, 2]] * 10_000},
        },
        {"type": "event", "seq": 5, "from": "p1", "op": "pointer", "data": {"x": "1"}},
        {"type": "event", "seq": 6, "from": ["p1"], "op": "joined", "data": {}},
        {"type": "welcome"},
        {"type": "nonsense"},
    ]
    for msg in hostile:
        assert st.apply(msg) == ""
    assert st.dropped == len(hostile) and not st.annotations and not st.view
    # and the authorship rule holds on this side too
    st.apply(
        {"type": "event", "seq": 7, "from": "p1", "op": "annotation.add", "data": annotation("a")}
    )
    st.apply(
        {"type": "event", "seq": 8, "from": "p3", "op": "annotation.delete", "data": {"key": "a"}}
    )
    assert "a" in st.annotations
    st.apply({"type": "event", "seq": 9, "from": "p3", "op": "view", "data": {"index": 4}})
    assert not st.view  # only the presenter moves the view


def test_an_invalid_operation_is_never_sent(devcloud, pair) -> None:
    a, b, _me_host, _me_guest = pair
    before = len(b.events)
    msg_id = a.channel.send("annotation.add", annotation("p1:big", text="x" * (2 << 20)))
    assert msg_id == "" and not a.channel.pending
    assert any("not sent" in e for e in a.state.errors)
    assert a.channel.send("view", {"zoom": float("inf")}) == ""
    assert a.channel.send("annotation.add", {"key": "p1:x", "points": "nope"}) == ""
    assert a.channel.send("view", {"index": 3, "script": "x"}) == ""
    time.sleep(0.2)
    assert len(b.events) == before


def test_a_hostile_relay_cannot_break_the_channel() -> None:
    """A relay that sends garbage: the channel drops it and keeps going."""
    sent = threading.Event()

    def handler(conn) -> None:
        conn.recv()
        conn.send(
            json.dumps(
                {
                    "type": "welcome",
                    "participant": "p2",
                    "presenter": "p1",
                    "participants": [],
                    "seq": 0,
                }
            )
        )
        for text in (
            "garbage",
            "[]",
            json.dumps({"type": "event", "seq": 1, "op": "view"}),
            json.dumps(
                {
                    "type": "event",
                    "seq": 2,
                    "from": "p1",
                    "op": "annotation.add",
                    "data": {"key": 1},
                }
            ),
            "x" * (MAX_MESSAGE + 10),
        ):
            conn.send(text)
        conn.send(
            json.dumps(
                {
                    "type": "event",
                    "seq": 3,
                    "from": "p1",
                    "op": "annotation.add",
                    "data": annotation("good"),
                    "id": "",
                }
            )
        )
        sent.set()
        with contextlib.suppress(Exception):
            conn.recv(timeout=10)

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        me = Membership(
            "s", "p2", f"ws://127.0.0.1:{port}/consult/ws/s", secrets.token_hex(4), 0.0, "guest"
        )
        st = ConsultState()
        ch = ConsultChannel(me, st.apply).start()
        wait(lambda: "good" in st.annotations)
        assert ch.dropped == 5 and ch.reconnects == 0 and ch.connected.is_set()
        ch.close()
        server.shutdown()
