"""A link-shaping TCP proxy for benchmarks: a provincial link on loopback.

    python -m bench.shaper --upstream 127.0.0.1:8042 --mbit 100 --rtt-ms 30

This machine's kernel has no netem, so the link is modelled here, between the client and a
server, at the TCP level (TLS passes through untouched):

* latency: every byte arrives one-way delay (half the round trip) after it was sent, in each
  direction; opening a connection costs one round trip (the TCP handshake);
* bandwidth: one token bucket per direction, shared by all connections (a link, not a per-flow
  limit): a chunk leaves when the link has carried everything queued before it;
* flow control: at most ``window`` bytes in flight per connection and direction (a TCP window),
  so a fast server is slowed down instead of being buffered whole in the proxy.

:class:`Shaper` runs the proxy on its own event loop thread; ``python -m bench.shaper`` runs it
as a process (a benchmark keeps it out of the client's interpreter) and prints its port.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
import time
from dataclasses import dataclass

CHUNK = 64 * 1024


@dataclass
class Link:
    """One direction of the shaped link: its rate and when it is next free (shared by all
    connections going that way)."""

    bytes_per_s: float
    free_at: float = 0.0

    def reserve(self, n: int, now: float) -> float:
        """Queue ``n`` bytes on the link; the time their last byte has been sent."""
        start = max(now, self.free_at)
        self.free_at = start + n / self.bytes_per_s
        return self.free_at


class Shaper:
    """A shaping proxy from a local port to ``upstream``: owns the listening socket, the two
    :class:`Link` directions and the event loop thread that pumps every connection."""

    def __init__(
        self,
        upstream: tuple[str, int],
        mbit_per_s: float,
        rtt_s: float,
        window: int = 4 * 1024 * 1024,
    ) -> None:
        self.upstream = upstream
        self.delay = rtt_s / 2
        self.rtt = rtt_s
        self.window = window
        self.down = Link(mbit_per_s * 1e6 / 8)  # server → client
        self.up = Link(mbit_per_s * 1e6 / 8)  # client → server
        self.port = 0
        self.bytes_down = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._server: asyncio.base_events.Server | None = None

    # ------------------------------------------------------------------ life cycle

    def start(self) -> Shaper:
        self._thread = threading.Thread(target=self._run, name="shaper", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("the shaping proxy did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(5)
            if loop.is_running():  # a connection that would not end: stop the loop anyway
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    async def _shutdown(self) -> None:
        """Close the listener, cancel every connection's pumps, then end the loop."""
        if self._server is not None:
            self._server.close()
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        asyncio.get_running_loop().stop()

    def __enter__(self) -> Shaper:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = loop.run_until_complete(
            asyncio.start_server(self._accept, "127.0.0.1", 0, limit=CHUNK)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._started.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            loop.close()

    # ------------------------------------------------------------------ pumping

    async def _accept(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(self.rtt)  # the handshake's round trip
        try:
            s_reader, s_writer = await asyncio.open_connection(*self.upstream, limit=CHUNK)
        except OSError:
            c_writer.close()
            return
        await asyncio.gather(
            self._pump(c_reader, s_writer, self.up, False),
            self._pump(s_reader, c_writer, self.down, True),
            return_exceptions=True,
        )

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        link: Link,
        downstream: bool,
    ) -> None:
        """Read from one side, deliver to the other when the link has carried it and the delay
        has passed; reading stops while a window's worth is in flight."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        in_flight = 0
        room = asyncio.Event()
        room.set()

        async def deliver() -> None:
            nonlocal in_flight
            while True:
                item = await queue.get()
                if item is None:
                    break
                due, data = item
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
                in_flight -= len(data)
                if downstream:
                    self.bytes_down += len(data)
                if in_flight < self.window:
                    room.set()
            with contextlib.suppress(OSError):
                if writer.can_write_eof():
                    writer.write_eof()

        task = asyncio.ensure_future(deliver())
        try:
            while True:
                await room.wait()
                data = await reader.read(CHUNK)
                if not data:
                    break
                sent = link.reserve(len(data), loop.time())
                in_flight += len(data)
                if in_flight >= self.window:
                    room.clear()
                queue.put_nowait((sent + self.delay, data))
        except OSError:
            pass
        finally:
            queue.put_nowait(None)
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await task


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="HOST:PORT of the server")
    ap.add_argument("--mbit", type=float, required=True, help="link bandwidth, Mbit/s")
    ap.add_argument("--rtt-ms", type=float, default=30.0, help="round trip, ms")
    args = ap.parse_args(argv)
    host, _, port = args.upstream.rpartition(":")
    shaper = Shaper((host, int(port)), args.mbit, args.rtt_ms / 1000).start()
    print(shaper.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        shaper.stop()
        sys.exit(0)


if __name__ == "__main__":
    main()
