"""``client.with_options(...)`` views, and a client used from a second event loop."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiolimiter import AsyncLimiter

from daji_async import APITimeoutError, ConfigError, DajiClient, DajiError, EventLoopError, StrictRateLimiter
from daji_async.sandbox import SandboxServer
from daji_async.sandbox.pytest_plugin import FAST_RETRIES as FAST
from daji_async.testing import MockTransport, Request, Response


def category_answer(request: Request) -> Response:
    return Response(200, json={"code": 200, "data": [{"categoryID": 1, "chineseName": "服装"}]})


async def test_a_view_shares_the_session_and_the_concurrency_bound(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client(max_concurrency=2) as client:
        view = client.with_options(timeout=5, max_retries=0)
        assert view is not client
        assert view.transport is client.transport
        daji_sandbox.add_fault("latency", seconds=0.2)
        await asyncio.gather(*(c.categories.get(0) for c in (client, view, client, view)))
        await view.categories.get(0)
        assert daji_sandbox.stats["max_in_flight"] == 2  # both count against max_concurrency=2
        assert client.transport.session is view.transport.session  # type: ignore[attr-defined]
    assert view.closed  # closing the client closes what its views share
    with pytest.raises(RuntimeError, match="closed"):
        await view.categories.get(0)


async def test_view_timeout_and_max_retries_apply_to_its_calls_only(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client(max_retries=3, retry_policy=FAST) as client:
        impatient = client.with_options(timeout=0.1, max_retries=0)
        daji_sandbox.add_fault("latency", seconds=0.5, times=1)
        with pytest.raises(APITimeoutError, match=r"0\.1 s"):
            await impatient.categories.get(0)
        daji_sandbox.add_fault("status", status=503, times=2)
        await client.categories.get(0)  # the client still retries (3 left)
        daji_sandbox.add_fault("status", status=503, times=1)
        with pytest.raises(DajiError):
            await impatient.categories.get(0)  # the view does not
        assert client.max_retries == 3 and impatient.max_retries == 0
        # a per-call override still wins over the view's default
        daji_sandbox.add_fault("status", status=503, times=1)
        await impatient.categories.get(0, max_retries=1)


async def test_rate_limit_shared_unless_given() -> None:
    transport = MockTransport(category_answer)
    async with DajiClient("key", "secret", transport=transport, rate_limit=1000) as client:
        assert client.with_options(timeout=3).rate_limiter is client.rate_limiter
        own = client.with_options(rate_limit=5)
        assert isinstance(own.rate_limiter, StrictRateLimiter) and own.rate_limiter is not client.rate_limiter
        assert client.with_options(rate_limit=None).rate_limiter is None
        limiter = AsyncLimiter(10, 1)
        assert client.with_options(rate_limit=limiter).rate_limiter is limiter
        started = time.perf_counter()
        await asyncio.gather(*(own.categories.get(0) for _ in range(6)))  # 5/s: the 6th waits a second
        assert time.perf_counter() - started >= 0.9
    assert len(transport.requests) == 6


def test_every_resource_of_a_view_calls_through_the_view() -> None:
    """Resources (and platform groups of resources) are made again for a view in _attach_resources:
    one created elsewhere would call through the parent client, with the parent's options."""
    client = DajiClient("key", "secret", transport=MockTransport(category_answer))
    view = client.with_options(timeout=3)
    found = 0
    for name, value in vars(view).items():
        if name.startswith("_"):
            continue  # _view_of is the parent client itself
        for obj in (value, *getattr(value, "__dict__", {}).values()):
            if hasattr(obj, "_client"):
                found += 1
                assert obj._client is view, obj
    assert found >= 5


def test_view_options_are_checked() -> None:
    client = DajiClient("key", "secret", transport=MockTransport(category_answer))
    with pytest.raises(ConfigError, match="max_retries"):
        client.with_options(max_retries=-1)
    with pytest.raises(ConfigError, match="timeout"):
        client.with_options(timeout=0)
    with pytest.raises(ConfigError, match="rate_limit"):
        client.with_options(rate_limit=-2)


async def test_closing_a_view_leaves_the_client_open(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client() as client:
        async with client.with_options(timeout=5) as view:
            await view.categories.get(0)
        assert not client.closed and not view.closed
        await client.categories.get(0)
        nested = view.with_options(max_retries=1)
        assert nested.transport is client.transport and nested._view_of is client
    assert nested.closed


def test_a_client_reused_by_a_second_asyncio_run_says_what_to_do() -> None:
    client = DajiClient("key", "the-secret", transport=MockTransport(category_answer))
    asyncio.run(client.categories.get(0))
    with pytest.raises(EventLoopError) as caught:
        asyncio.run(client.categories.get(0))
    message = str(caught.value)
    assert "another event loop, which has ended" in message
    assert "inside the coroutine you pass to asyncio.run" in message
    assert isinstance(caught.value, DajiError) and isinstance(caught.value, RuntimeError)
    assert "the-secret" not in message


def test_an_aiohttp_client_used_from_another_loop_raises_event_loop_error(daji_sandbox: SandboxServer) -> None:
    """Over aiohttp this used to be a raw ``RuntimeError: Event loop is closed`` (or a hang)."""
    client = daji_sandbox.client()
    first = asyncio.new_event_loop()
    try:
        first.run_until_complete(client.categories.get(0))  # the session and a connection live in `first`
        with pytest.raises(EventLoopError, match="another event loop, which is still open"):
            asyncio.run(client.categories.get(0))
        first.run_until_complete(client.close())
    finally:
        first.close()
    assert daji_sandbox.stats["requests"] == 1


def test_views_belong_to_their_clients_loop_too() -> None:
    client = DajiClient("key", "secret", transport=MockTransport(category_answer))
    asyncio.run(client.categories.get(0))
    with pytest.raises(EventLoopError):
        asyncio.run(client.with_options(timeout=3).categories.get(0))


def test_one_client_per_asyncio_run_works(daji_sandbox: SandboxServer) -> None:
    async def once() -> int:
        async with daji_sandbox.client() as client:
            return len(await client.categories.get(0))

    assert asyncio.run(once()) == asyncio.run(once())
