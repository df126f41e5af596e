"""The sandbox's arrival stamps: when a request's bytes were read, not when its handler ran.

``max_per_second`` is the instrument the rate-limit tests and benchmarks read; a stamp taken
late (the event loop busy between reading a request and running its middleware) squeezes
requests read over a stretch of time into one moment and over-counts a one-second window.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web

from daji_async.sandbox import SandboxServer, SandboxState, create_app
from daji_async.sandbox._arrivals import ArrivalStamp
from daji_async.sandbox._state import Stats


class _Inner(asyncio.Protocol):
    def __init__(self) -> None:
        self.data: list[bytes] = []

    def data_received(self, data: bytes) -> None:
        self.data.append(data)


def test_stamp_is_the_first_read_of_a_request_and_is_taken_once(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([10.0, 11.0, 12.0])
    monkeypatch.setattr(time, "monotonic", lambda: next(clock))
    inner = _Inner()
    stamp = ArrivalStamp(inner)
    assert stamp.take() is None
    stamp.data_received(b"GET / HTTP/1.1\r\n")
    stamp.data_received(b"Host: x\r\n\r\n")  # the rest of the same request: the stamp stays
    assert inner.data == [b"GET / HTTP/1.1\r\n", b"Host: x\r\n\r\n"]
    assert stamp.take() == 10.0
    assert stamp.take() is None
    stamp.data_received(b"GET /next HTTP/1.1\r\n\r\n")
    assert stamp.take() == 11.0


def test_stats_count_the_given_arrival_times() -> None:
    stats = Stats()
    for at in (0.0, 0.5, 0.99, 1.0, 1.98):
        stats.begin("/p", arrived=at)
    assert stats.max_in_window(1.0) == 3  # 0.0, 0.5, 0.99 (half-open: 1.0 starts a new second)
    assert stats.per_second() == [3, 2]
    stats.begin("/p")  # no stamp: now
    assert stats.arrivals[-1] > 1.98


async def test_a_request_is_stamped_when_read_not_when_its_handler_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The event loop blocked between the read and the middleware does not move the stamp."""
    pause = 0.3
    read = ArrivalStamp.data_received

    def read_then_block(self: ArrivalStamp, data: bytes) -> None:
        read(self, data)
        # runs after aiohttp has queued the request, before its middleware runs
        asyncio.get_running_loop().call_soon(time.sleep, pause)

    monkeypatch.setattr(ArrivalStamp, "data_received", read_then_block)
    async with SandboxServer() as sandbox:
        reader, writer = await asyncio.open_connection(sandbox.host, sandbox.port)
        try:
            sent = time.monotonic()
            writer.write(b"GET /alibaba/product/keywordQuery HTTP/1.1\r\nHost: sandbox\r\n\r\n")
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            answered = time.monotonic()
        finally:
            writer.close()
        assert head.startswith(b"HTTP/1.1 400")  # unsigned: refused, but counted
        assert answered - sent >= pause
        (arrived,) = sandbox.state.stats.arrivals
        assert sent <= arrived < sent + pause / 2


async def test_control_requests_leave_no_stamp_for_the_next_request() -> None:
    async with SandboxServer() as sandbox:
        reader, writer = await asyncio.open_connection(sandbox.host, sandbox.port)
        try:
            writer.write(b"GET /_sandbox/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))[15:])
            await reader.readexactly(length)
            await asyncio.sleep(0.2)
            sent = time.monotonic()
            writer.write(b"GET /alibaba/product/keywordQuery HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            await reader.readuntil(b"\r\n\r\n")
        finally:
            writer.close()
        (arrived,) = sandbox.state.stats.arrivals
        assert arrived >= sent


async def test_an_app_under_another_runner_stamps_in_the_middleware() -> None:
    """``create_app`` served by a plain aiohttp site: no read stamps, counted when the middleware runs."""
    state = SandboxState()
    runner = web.AppRunner(create_app(state))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sent = time.monotonic()
        writer.write(b"GET /alibaba/product/keywordQuery HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert (await reader.read()).startswith(b"HTTP/1.1 400")
        writer.close()
    finally:
        await runner.cleanup()
    (arrived,) = state.stats.arrivals
    assert sent <= arrived <= time.monotonic()
