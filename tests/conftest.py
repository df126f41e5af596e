"""Shared helpers. The ``daji_sandbox`` and ``daji_client`` fixtures come from the SDK's own
pytest plugin (``_daji_async_pytestplugin``, the pytest11 entry point), the same ones users get."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest

from daji_async.sandbox.pytest_plugin import FAST_RETRIES
from tests.redis_server import RedisServer, in_ci, missing_redis

#: Proxy variables a developer's or CI's environment may set. Clients built with DajiClient(...)
#: honour them, and no proxy reaches the sandbox on 127.0.0.1; tests that need them set them.
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def fast_retries():  # type: ignore[no-untyped-def]
    return FAST_RETRIES


async def settle(seconds: float = 1.0) -> list[asyncio.Task[object]]:
    """Let cancelled work finish; return the tasks still pending besides the current one.

    Unwinding cancelled requests (aiohttp closing their connections, a generator closed by
    the event loop's finalizer after a ``break``) takes a few loop iterations; a task that is
    still pending after ``seconds`` has leaked.
    """
    current = asyncio.current_task()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    for _ in range(5):
        await asyncio.sleep(0)
    while True:
        await asyncio.sleep(0.01)
        pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        if not pending or loop.time() >= deadline:
            return pending


# ---------------------------------------------------------------- a real Redis (tests/redis_server.py)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the session; skipped without one locally, a failure in CI."""
    reason = missing_redis()
    if reason is not None:
        if in_ci():
            pytest.fail(f"the Redis tests must run in CI, but {reason}")
        pytest.skip(reason)
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test."""
    redis_server.flush()
    return redis_server.url


def close_private_loop(loop: asyncio.AbstractEventLoop, stop: Callable[[], Awaitable[object]]) -> None:
    """Stop a test's own server on its private `loop`, then close the loop as `asyncio.run` would.

    `stop()` closes the client session and the server; connection handlers still winding down
    are cancelled and awaited before the loop closes, so no socket is left for the collector.
    """

    async def finish() -> None:
        left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)

    loop.run_until_complete(stop())
    loop.run_until_complete(finish())
    loop.close()
