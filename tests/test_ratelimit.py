"""StrictRateLimiter: no one-second window above the rate, the first second included."""

from __future__ import annotations

import asyncio

import pytest

from daji_async import APIConnectionError, DajiClient, StrictRateLimiter
from daji_async import _constants as C
from daji_async._transport import request_sent
from daji_async.testing import MockTransport, Request, Response


def most_in_any_second(times: list[float]) -> int:
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.parametrize(("rate", "count", "workers"), [(5, 12, 3), (50, 120, 16), (400, 900, 32)])
async def test_window_never_exceeds_the_rate(rate: float, count: int, workers: int) -> None:
    limiter = StrictRateLimiter(rate)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def worker() -> None:
        while len(times) < count:
            async with limiter:
                times.append(loop.time())

    await asyncio.gather(*(worker() for _ in range(workers)))
    assert most_in_any_second(times) <= rate
    assert times == sorted(times)


async def test_fractional_and_slow_rates() -> None:
    limiter = StrictRateLimiter(2.5)
    loop = asyncio.get_running_loop()
    times = []
    for _ in range(3):
        await limiter.acquire()
        times.append(loop.time())
    assert times[1] - times[0] < 0.6  # spaced by 1/2.5 s...
    assert times[2] - times[0] >= 1.0  # ...but at most 2 fit in any second when the rate is 2.5
    slow = StrictRateLimiter(0.5)
    assert slow.has_capacity()
    await slow.acquire()
    assert not slow.has_capacity()


async def test_cancelled_waiter_takes_no_slot() -> None:
    limiter = StrictRateLimiter(2)
    await limiter.acquire()
    waiter = asyncio.ensure_future(limiter.acquire())
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    started = asyncio.get_running_loop().time()
    await limiter.acquire()  # the second place of the window is still free: only the spacing waits
    assert asyncio.get_running_loop().time() - started < 0.6


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="positive"):
        StrictRateLimiter(0)
    with pytest.raises(ValueError, match="one request"):
        asyncio.run(StrictRateLimiter(1).acquire(2))
    assert "rate=3" in repr(StrictRateLimiter(3))


# --------------------------------------------------------------------------- counted when sent


async def test_a_held_place_counts_until_it_is_sent_or_released() -> None:
    limiter = StrictRateLimiter(1)  # room for one send in any second
    permit = await limiter.hold()
    assert not limiter.has_capacity()  # the unsent request fills the window: nothing else fits
    waiting = asyncio.ensure_future(limiter.acquire())
    await asyncio.sleep(1.2)
    assert not waiting.done()  # a held place counts however long it stays unsent
    permit.release()  # never sent (the connection failed): the place is free again
    await asyncio.wait_for(waiting, 0.5)
    two = StrictRateLimiter(2)
    permit = await two.hold()
    permit.sent()
    permit.sent()  # only the first call counts
    permit.release()  # after sent(): nothing to give back
    started = asyncio.get_running_loop().time()
    await two.acquire()  # one send logged, not two (or a release): the second place is free
    assert asyncio.get_running_loop().time() - started < 0.6


async def test_the_log_holds_send_times_not_permission_times() -> None:
    limiter = StrictRateLimiter(1)
    permit = await limiter.hold()
    await asyncio.sleep(0.05)  # the request opens a connection first
    loop = asyncio.get_running_loop()
    before = loop.time()
    permit.sent()
    await limiter.acquire()  # the window runs from the send, not from the permission
    assert loop.time() >= before + 1.0 + C.RATE_WINDOW_MARGIN


class LateFirstSends:
    """A transport that reports sends, whose first ``cold`` requests leave late (a connection opens)."""

    reports_sent = True

    def __init__(self, cold: int, delay: float) -> None:
        self.cold = cold
        self.delay = delay
        self.sent_at: list[float] = []
        self.started = 0

    async def send(self, request: Request) -> Response:
        self.started += 1
        if self.started <= self.cold:
            await asyncio.sleep(self.delay)
        hook = request_sent.get()
        if hook is not None:  # the client asks to be told
            hook()
        self.sent_at.append(asyncio.get_running_loop().time())
        return Response(200, json={"code": 200, "data": {"offerId": 1}})


async def test_late_sends_never_bunch_into_a_window_above_the_rate() -> None:
    # the first request leaves 0.3 s after it was let through; counted when allowed, the
    # one-second window starting at its arrival would hold 21 requests at rate 20
    transport = LateFirstSends(cold=1, delay=0.3)
    async with DajiClient("key", "secret", transport=transport, rate_limit=20, max_concurrency=8) as client:
        await asyncio.gather(*(client.request("GET", "/x", params={"n": n}) for n in range(30)))
        assert isinstance(client.rate_limiter, StrictRateLimiter)
    times = sorted(transport.sent_at)
    assert len(times) == 30
    assert most_in_any_second(times) <= 20


async def test_a_request_that_fails_before_leaving_gives_its_place_back() -> None:
    class Refused:
        reports_sent = True

        async def send(self, request: Request) -> Response:
            raise ConnectionRefusedError("nobody listens")

    async with DajiClient("key", "secret", transport=Refused(), rate_limit=5, max_retries=0) as client:
        with pytest.raises(APIConnectionError):
            await client.request("GET", "/x")
        limiter = client.rate_limiter
        assert isinstance(limiter, StrictRateLimiter)
        for _ in range(5):  # nothing reached the service: all 5 places are free (a kept one would block)
            await asyncio.wait_for(limiter.acquire(), 1.0)


async def test_only_transports_that_report_sends_hold_places() -> None:
    async with DajiClient("key", "secret", rate_limit=5) as client:
        assert getattr(client.transport, "reports_sent", False)  # the default transport reports sends
    async with DajiClient("key", "secret", transport=MockTransport(lambda r: Response(200)), rate_limit=5) as client:
        assert not getattr(client.transport, "reports_sent", False)  # counted when allowed, as before
    assert request_sent.get() is None
