"""When a request reached the sandbox: stamped as its bytes are read, not when a handler runs.

The sandbox is the instrument the rate-limit tests and benchmarks read (`max_per_second`:
the most requests that arrived in any one-second window), so an arrival must be stamped as
close to the wire as the process can see it. aiohttp reads a connection's bytes in its
protocol's `data_received`, then hands the parsed request to a task that runs the
middleware some event-loop iterations later; on a loaded machine that is several, sometimes
twenty, milliseconds later, and requests read over a stretch of time get stamped together
when their handlers finally run, which squeezes more of them into one second than arrived in
it. `ArrivalStamp` wraps the protocol of each connection and notes the moment the
first bytes of a request are read; the middleware takes that stamp (`arrival_time`).

What it measures: the moment the sandbox's event loop read the first bytes of the request
from its socket. A stall of the whole sandbox process (the OS running something else, a
garbage collection) still delays that moment; `python -m daji_async.sandbox` therefore
freezes its start-up objects out of the garbage collector's full collections, which
otherwise paused it for about 30 ms. A server not started by `SandboxServer` or
`python -m daji_async.sandbox` (`create_app` under another aiohttp runner) stamps when
the middleware runs, as before.

Limits: an HTTP client that pipelines (sends a request before the previous answer) gets its
later requests stamped when the middleware runs; a request whose body the handler never read
(a POST refused or faulted before its body) may leave the remaining body's read time as the
stamp of the next request on that connection. Neither happens with the SDK's requests.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web


class ArrivalStamp(asyncio.Protocol):
    """A connection's protocol, wrapped: notes when a request's first bytes are read."""

    __slots__ = ("_inner", "_pending")

    def __init__(self, inner: asyncio.Protocol) -> None:
        self._inner = inner
        self._pending: float | None = None

    def take(self) -> float | None:
        """The read time of the request being handled (None: none noted), forgotten once taken."""
        pending, self._pending = self._pending, None
        return pending

    def data_received(self, data: bytes) -> None:
        if self._pending is None:
            self._pending = time.monotonic()
        self._inner.data_received(data)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._inner.connection_lost(exc)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


def arrival_time(request: web.BaseRequest) -> float:
    """When `request` arrived (`time.monotonic()`): its read time if stamped, else now."""
    transport = request.transport
    protocol = transport.get_protocol() if transport is not None else None
    if isinstance(protocol, ArrivalStamp):
        stamp = protocol.take()
        if stamp is not None:
            return stamp
    return time.monotonic()


def forget_arrival(request: web.BaseRequest) -> None:
    """Drop any stamp a request left (called when it is answered, so it cannot pass to the next)."""
    transport = request.transport
    protocol = transport.get_protocol() if transport is not None else None
    if isinstance(protocol, ArrivalStamp):
        protocol.take()


async def serve(
    runner: web.BaseRunner,
    host: str,
    port: int,
    *,
    tls: ssl.SSLContext | None = None,
    connected: Callable[[], None] | None = None,
) -> asyncio.AbstractServer:
    """Listen on `host:port` for a set-up `runner`, each connection's protocol stamped.

    `tls`: serve HTTPS with this server context. `connected` is called for every
    connection accepted. Close the returned server before `runner.cleanup()`.
    """
    server = runner.server
    if server is None:
        raise RuntimeError("call runner.setup() before serve()")
    factory: Callable[[], Any] = server

    def protocol() -> ArrivalStamp:
        if connected is not None:
            connected()
        return ArrivalStamp(factory())

    return await asyncio.get_running_loop().create_server(protocol, host, port, reuse_address=True, ssl=tls)
