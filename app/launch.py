"""Launch requests: ``yunying CODE``, ``yunying PATH`` and ``yunying://open?…`` URLs (in the spirit
of IHE Invoke Image Display), and one instance per user that receives the requests of later
launches.

URLs are parsed strictly: scheme ``yunying``, action ``open``, only the ``code``, ``study`` and
``server`` parameters, each once, validated; anything else is refused with a message.
``yunying://consult?session=…&invite=…`` carries an invitation: it only ever opens the
confirmation of :mod:`app.consult_confirm` (who invites, for which patient and study, what would
leave this workstation); nothing joins, and no running consultation is left, before the reader
says so.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cloudclient.indexcode import IndexCodeError, parse

MAX_URL = 2048
_UID = re.compile(r"^[0-9]+(\.[0-9]+){1,63}$")
_ALLOWED = {"code", "study", "server"}
_SESSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_INVITE = re.compile(r"^[A-Z0-9]{8}$")


class LaunchError(ValueError):
    """A launch argument that is refused; the message says why."""


@dataclass(frozen=True)
class LaunchRequest:
    kind: str  # "code", "path", "study" or "consult" (value: the invitation link)
    value: str
    server: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LaunchRequest:
        data = json.loads(text)
        if set(data) != {"kind", "value", "server"} or data["kind"] not in (
            "code",
            "path",
            "study",
            "consult",
        ):
            raise LaunchError("malformed launch request")
        return cls(str(data["kind"]), str(data["value"]), str(data["server"]))


def _check_server(server: str) -> str:
    u = urlsplit(server)
    loopback = u.hostname in ("127.0.0.1", "localhost", "::1")
    if u.scheme != "https" and not (u.scheme == "http" and loopback):
        raise LaunchError("the server must be an https:// address")
    if not u.hostname or u.username or u.password or u.fragment:
        raise LaunchError("the server address is not acceptable")
    return server.rstrip("/")


def parse_url(url: str) -> LaunchRequest:
    if len(url) > MAX_URL:
        raise LaunchError("the link is too long")
    if any(ord(c) < 32 or c in "<>\"'`\\" for c in url):
        raise LaunchError("the link contains characters that are not allowed")
    u = urlsplit(url)
    if u.scheme != "yunying":
        raise LaunchError(f"not a yunying:// link ({u.scheme or 'no scheme'})")
    action = (u.netloc or u.path.lstrip("/")).rstrip("/")
    if action == "consult" and not u.fragment and u.path in ("", "/"):
        return _consult_link(u.query)
    if action != "open" or u.fragment or (u.netloc and u.path not in ("", "/")):
        raise LaunchError("only yunying://open?… and yunying://consult?… links are understood")
    params = parse_qs(u.query, keep_blank_values=True, strict_parsing=False)
    unknown = set(params) - _ALLOWED
    if unknown:
        raise LaunchError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    if any(len(v) != 1 for v in params.values()):
        raise LaunchError("a parameter is given more than once")
    one = {k: v[0] for k, v in params.items()}
    if "code" in one:
        if set(one) != {"code"}:
            raise LaunchError("a code link takes no other parameter")
        try:
            return LaunchRequest("code", parse(one["code"]).compact)
        except IndexCodeError as exc:
            raise LaunchError(f"invalid index code: {exc}") from None
    if "study" in one:
        if not _UID.match(one["study"]):
            raise LaunchError("study must be a Study Instance UID")
        return LaunchRequest("study", one["study"], _check_server(one.get("server", "")))
    raise LaunchError("the link names neither a code nor a study")


def _consult_link(query: str) -> LaunchRequest:
    """``yunying://consult?session=…&invite=…``: an invitation to a consultation."""
    params = parse_qs(query, keep_blank_values=True)
    if set(params) != {"session", "invite"} or any(len(v) != 1 for v in params.values()):
        raise LaunchError("a consultation link takes exactly a session and an invitation")
    session, invite = params["session"][0], params["invite"][0]
    if not _SESSION.match(session) or not _INVITE.match(invite):
        raise LaunchError("the consultation link is malformed")
    return LaunchRequest("consult", f"yunying://consult?session={session}&invite={invite}")


def parse_argument(arg: str) -> LaunchRequest:
    """What one command-line argument asks for: a URL, an index code or a path."""
    text = arg.strip()
    if text.lower().startswith("yunying:"):
        return parse_url(text)
    if len(re.sub(r"[\s\-]", "", text)) == 78 and not os.path.exists(text):
        try:
            return LaunchRequest("code", parse(text).compact)
        except IndexCodeError as exc:
            raise LaunchError(f"invalid index code: {exc}") from None
    path = Path(text).expanduser()
    if not path.exists():
        raise LaunchError(f"no such file or folder: {text}")
    return LaunchRequest("path", str(path.resolve()))


def instance_name() -> str:
    """The per-user name of the single-instance channel."""
    return os.environ.get("YUNYING_INSTANCE_NAME") or f"yunying-{os.getuid()}"
