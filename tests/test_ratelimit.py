"""StrictRateLimiter: no one-second window above the rate, the first second included."""

from __future__ import annotations

import asyncio

import pytest

from daji_async import StrictRateLimiter


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
    assert limiter._sent.maxlen == 2  # at most 2 fit in any second when the rate is 2.5
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
    assert len(limiter._sent) == 1


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="positive"):
        StrictRateLimiter(0)
    with pytest.raises(ValueError, match="one request"):
        asyncio.run(StrictRateLimiter(1).acquire(2))
    assert "rate=3" in repr(StrictRateLimiter(3))
