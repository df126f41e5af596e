"""The client's concurrency bound (``ConcurrencyGate``): pure logic, no I/O, plus the client's use of it."""

from __future__ import annotations

import asyncio

import pytest

from daji_async import DajiClient
from daji_async._gate import ConcurrencyGate
from daji_async.testing import MockTransport, Request, Response


def test_free_places_are_taken_without_waiting() -> None:
    gate = ConcurrencyGate(2)
    assert gate.try_take() and gate.try_take()
    assert not gate.try_take()
    assert gate.in_use == 2
    gate.release()
    assert gate.in_use == 1
    assert gate.try_take()
    assert "in_use=2" in repr(gate)


async def test_waiters_get_places_first_come_first_served() -> None:
    gate = ConcurrencyGate(1)
    await gate.take()
    order: list[int] = []

    async def waiter(n: int) -> None:
        await gate.take()
        order.append(n)
        gate.release()

    tasks = [asyncio.create_task(waiter(n)) for n in range(5)]
    await asyncio.sleep(0)
    assert not gate.try_take()  # a newcomer never jumps the queue, even when a place frees
    gate.release()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]
    assert gate.in_use == 0


async def test_a_cancelled_waiter_gives_up_its_turn() -> None:
    gate = ConcurrencyGate(1)
    await gate.take()
    first = asyncio.create_task(gate.take())
    second = asyncio.create_task(gate.take())
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    gate.release()
    await second  # the place skips the cancelled waiter
    assert gate.in_use == 1
    gate.release()
    assert gate.in_use == 0


async def test_a_place_handed_to_a_task_being_cancelled_is_passed_on() -> None:
    gate = ConcurrencyGate(1)
    await gate.take()
    first = asyncio.create_task(gate.take())
    second = asyncio.create_task(gate.take())
    await asyncio.sleep(0)
    gate.release()  # hands the place to `first`...
    first.cancel()  # ...which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)  # the place went on to the next waiter, not lost
    assert gate.in_use == 1


async def test_the_client_never_has_more_than_max_concurrency_requests_in_flight() -> None:
    in_flight = most = 0

    async def handler(request: Request) -> Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return Response(200, json={"code": 200, "data": {"n": 1}})

    async with DajiClient("key", "secret", transport=MockTransport(handler), max_concurrency=3) as client:
        await asyncio.gather(*(client.request("GET", "/x", params={"n": n}) for n in range(20)))
        assert most == 3
        most = 0  # every place came back: a second burst gets all three again, and no more
        await asyncio.gather(*(client.request("GET", "/x", params={"n": n}) for n in range(20)))
    assert most == 3
