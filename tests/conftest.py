"""Shared helpers. The ``daji_sandbox`` and ``daji_client`` fixtures come from the SDK's own
pytest plugin (``daji_async.sandbox.pytest_plugin``), the same ones users get."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from daji_async.sandbox.pytest_plugin import FAST_RETRIES
from tests.redis_server import RedisServer, in_ci, missing_redis


@pytest.fixture
def fast_retries():  # type: ignore[no-untyped-def]
    return FAST_RETRIES


async def settle() -> list[asyncio.Task[object]]:
    """Let cancelled work finish; return the tasks still pending besides the current one."""
    for _ in range(5):
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done()]


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
