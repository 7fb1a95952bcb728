"""One workstation window per user: a second launch hands its request to the running one."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app.launch import LaunchError, LaunchRequest


def hand_over(name: str, requests: list[LaunchRequest], timeout_ms: int = 1500) -> bool:
    """Send the requests to a running instance; False when there is none."""
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(timeout_ms):
        return False
    payload = "".join(r.to_json() + "\n" for r in requests) or "\n"
    sock.write(payload.encode())
    sock.flush()
    sock.waitForBytesWritten(timeout_ms)
    sock.disconnectFromServer()
    if sock.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        sock.waitForDisconnected(timeout_ms)
    return True


class SingleInstance(QObject):
    """Listens for later launches; ``received`` carries each request (or an empty activation)."""

    received = Signal(object)  # LaunchRequest | None (None: just bring the window forward)
    refused = Signal(str)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._connection)
        self._buffers: dict[int, bytes] = {}

    def listen(self) -> bool:
        if not self.server.listen(self.name):
            QLocalServer.removeServer(self.name)  # a stale socket from a crashed instance
            return bool(self.server.listen(self.name))
        return True

    def _connection(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(lambda s=sock: self._done(s))

    def _read(self, sock: QLocalSocket) -> None:
        data = bytes(sock.readAll().data())
        key = id(sock)
        self._buffers[key] = self._buffers.get(key, b"") + data
        if len(self._buffers[key]) > 65536:  # a launch request is small; refuse floods
            self._buffers.pop(key, None)
            sock.abort()

    def _done(self, sock: QLocalSocket) -> None:
        data = self._buffers.pop(id(sock), b"") + bytes(sock.readAll().data())
        lines = [x for x in data.decode("utf-8", "replace").splitlines() if x.strip()]
        if not lines:
            self.received.emit(None)
        for line in lines:
            try:
                self.received.emit(LaunchRequest.from_json(line))
            except (LaunchError, ValueError) as exc:
                self.refused.emit(str(exc))
        sock.deleteLater()
