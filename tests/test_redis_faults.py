"""Redis faults, against real servers the tests start: typed, bounded in time, never obeyed blindly.

- a Redis URL at an HTTP server (the sandbox) or at a loopback server speaking garbage raises a
  `DajiError` (`RedisUnavailableError`), never a redis-py exception;
- a value of another type under the cache's key is a miss (the cache keeps working), under the
  limiter's key a `RedisDataError` (and the value is left alone);
- a frozen Redis (``SIGSTOP``) fails 32 concurrent limiter acquires and 32 concurrent cached
  calls within the documented bound (``timeout``, 3 s by default), not one after another;
- the limiter hands out no wait longer than ``max_wait`` and resets a turn stored far ahead;
- `RedisCache` owns its namespace (``clear()`` deletes only its entries) and authenticates its
  entries: a forged or corrupted entry is a miss, another app secret never reads them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis.asyncio

import daji_async._constants as C
from daji_async import (
    BadRequestError,
    ConfigError,
    DajiClient,
    DajiError,
    RedisCache,
    RedisDataError,
    RedisRateLimiter,
    RedisUnavailableError,
)
from daji_async.sandbox import SandboxServer
from tests.redis_server import RedisServer
from tests.test_redis import offer_ids

DETAIL = "/alibaba/product/queryProductDetail"

#: The bound the docs promise for all callers together against a frozen Redis (default timeout).
FROZEN_BOUND = 5.0


def sent(sandbox: SandboxServer, path: str = DETAIL) -> int:
    return int(sandbox.stats["by_path"].get(path, 0))


@contextlib.asynccontextmanager
async def fake_redis(reply: bytes | None) -> AsyncIterator[str]:
    """A loopback TCP server that answers every read with ``reply`` (None: never answers): host:port."""
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        try:
            while await reader.read(4096):
                if reply is not None:
                    writer.write(reply)
                    await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


@contextlib.contextmanager
def frozen(server: RedisServer) -> Iterator[None]:
    """The redis-server process stopped (SIGSTOP): connections accepted, nothing answered."""
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(server.process.pid, signal.SIGCONT)


async def entry_keys(r: Any, prefix: str = "daji:cache:") -> set[bytes]:
    return {key async for key in r.scan_iter(match=prefix + "*")}


# ---------------------------------------------------------------- servers that are not Redis

GARBAGE = [
    pytest.param(b"\x00\xff\xfe\x07 not redis \x01\r\n", id="binary-garbage"),
    pytest.param(b"?what\r\n", id="unknown-type-byte"),
    pytest.param(b":1\r\n", id="an-integer-to-everything"),
    pytest.param(b"*1\r\n*1\r\n:5\r\n", id="nested-arrays"),
]


async def test_http_server_at_the_redis_url_is_a_daji_error(daji_sandbox: SandboxServer) -> None:
    url = "redis://" + daji_sandbox.base_url.split("://", 1)[1].rstrip("/") + "/0"
    async with RedisRateLimiter(url, 10, key="t:k", timeout=2) as limiter:
        with pytest.raises(RedisUnavailableError, match="cannot be reached") as caught:
            await limiter.acquire()
    assert isinstance(caught.value, DajiError)
    async with RedisCache(url, timeout=2) as cache, daji_sandbox.client(cache=cache) as client:
        with pytest.raises(RedisUnavailableError):
            await client.products.detail(offer_ids(daji_sandbox, 1)[0])
    assert sent(daji_sandbox) == 0


@pytest.mark.parametrize("reply", GARBAGE)
async def test_a_server_speaking_garbage_is_a_daji_error(reply: bytes, daji_sandbox: SandboxServer) -> None:
    async with fake_redis(reply) as where:
        for url in (f"redis://{where}/0", f"redis://:pa55word@{where}/0"):
            async with RedisRateLimiter(url, 10, key="t:k", timeout=1) as limiter:
                with pytest.raises(DajiError) as caught:
                    await limiter.acquire()
            assert isinstance(caught.value, (RedisUnavailableError, RedisDataError))
            assert "pa55word" not in str(caught.value)
            cache = RedisCache(url, timeout=1, ignore_errors=True)
            async with cache, daji_sandbox.client(cache=cache) as client:
                offer_id = offer_ids(daji_sandbox, 1)[0]
                detail = await client.products.detail(offer_id)  # degraded to a miss: the service answers
                assert detail.offer_id == offer_id
            async with RedisCache(url, timeout=1) as strict:
                with pytest.raises(DajiError):
                    await strict.clear()


async def test_a_silent_server_fails_within_the_timeout() -> None:
    async with fake_redis(None) as where, RedisRateLimiter(f"redis://{where}/0", 10, key="t:k", timeout=0.5) as limiter:
        started = time.monotonic()
        with pytest.raises(RedisUnavailableError, match="cannot be reached"):
            await limiter.acquire()
        assert time.monotonic() - started < 2.0


# ---------------------------------------------------------------- foreign values under our keys


@pytest.mark.parametrize("kind", ["hash", "list", "set"])
async def test_a_foreign_value_under_the_cache_key_is_a_miss(
    kind: str, redis_url: str, daji_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with (
        RedisCache(redis_url) as cache,
        daji_sandbox.client(cache=cache) as client,
        redis.asyncio.from_url(redis_url) as r,
    ):
        await client.products.detail(offer_id)
        (key,) = await entry_keys(r)
        await r.delete(key)
        if kind == "hash":
            await r.hset(key, mapping={"a": "1"})
        elif kind == "list":
            await r.rpush(key, "a", "b")
        else:
            await r.sadd(key, "a")
        again = await client.products.detail(offer_id)  # a miss: sent again
        assert again.offer_id == offer_id
        assert sent(daji_sandbox) == 2
        assert cache.stats.rejected == 1
        assert "another type" in caplog.text
        assert await r.type(key) == b"string"  # the answer replaced the foreign value
        await client.products.detail(offer_id)  # and is served from then on
        assert sent(daji_sandbox) == 2
        assert cache.stats.hits == 1


@pytest.mark.parametrize("fallback", [None, 0.5])
@pytest.mark.parametrize("kind", ["hash", "list", "word"])
async def test_a_foreign_value_under_the_limiter_key_is_a_redis_data_error(
    kind: str, fallback: float | None, redis_url: str
) -> None:
    async with (
        RedisRateLimiter(redis_url, 10, key="app:quota", fallback=fallback) as limiter,
        redis.asyncio.from_url(redis_url) as r,
    ):
        if kind == "hash":
            await r.hset("app:quota", mapping={"owner": "someone else"})
        elif kind == "list":
            await r.rpush("app:quota", "x")
        else:
            await r.set("app:quota", "not a number")
        before = await r.dump("app:quota")
        with pytest.raises(RedisDataError, match="app:quota") as caught:
            await limiter.acquire()
        assert isinstance(caught.value, DajiError) and not isinstance(caught.value, RedisUnavailableError)
        assert await r.dump("app:quota") == before  # left alone
        assert not limiter.fallback_active  # not an outage: the fallback does not hide it


# ---------------------------------------------------------------- a frozen Redis


async def test_a_frozen_redis_fails_32_limiter_acquires_within_the_bound(redis_server: RedisServer) -> None:
    with RedisServer() as server:
        async with RedisRateLimiter(server.url, 1000, key="t:frozen") as limiter:
            assert limiter.timeout == C.REDIS_TIMEOUT
            await limiter.acquire()  # a pooled connection exists; the other 31 will connect anew
            with frozen(server):
                started = time.monotonic()
                results = await asyncio.gather(*(limiter.acquire() for _ in range(32)), return_exceptions=True)
                elapsed = time.monotonic() - started
            assert all(isinstance(result, RedisUnavailableError) for result in results), results
            assert elapsed < FROZEN_BOUND, elapsed
            await asyncio.wait_for(limiter.acquire(), FROZEN_BOUND)  # thawed: working again


async def test_a_frozen_redis_fails_32_cached_calls_within_the_bound(
    redis_server: RedisServer, daji_sandbox: SandboxServer
) -> None:
    ids = offer_ids(daji_sandbox, 33)
    with RedisServer() as server:
        async with RedisCache(server.url) as cache, daji_sandbox.client(cache=cache) as client:
            await client.products.detail(ids[0])
            with frozen(server):
                started = time.monotonic()
                results = await asyncio.gather(*(client.products.detail(i) for i in ids[1:]), return_exceptions=True)
                elapsed = time.monotonic() - started
            assert all(isinstance(result, RedisUnavailableError) for result in results), results
            assert elapsed < FROZEN_BOUND, elapsed
            assert sent(daji_sandbox) == 1  # nothing sent behind the shared cache's back
            assert (await asyncio.wait_for(client.products.detail(ids[0]), FROZEN_BOUND)).offer_id == ids[0]


async def test_a_frozen_redis_is_a_miss_within_the_bound_with_ignore_errors(
    redis_server: RedisServer, daji_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    ids = offer_ids(daji_sandbox, 33)
    with RedisServer() as server:
        cache = RedisCache(server.url, ignore_errors=True)
        async with cache, daji_sandbox.client(cache=cache) as client:
            await client.products.detail(ids[0])
            with frozen(server):
                started = time.monotonic()
                details = await asyncio.gather(*(client.products.detail(i) for i in ids[1:]))
                elapsed = time.monotonic() - started
            assert [d.offer_id for d in details] == ids[1:]
            assert elapsed < FROZEN_BOUND, elapsed
            assert sent(daji_sandbox) == 33
            assert cache.stats.errors >= 32
            warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "RedisCache" in r.getMessage()]
            assert len(warnings) == 1  # one warning, not one per call


# ---------------------------------------------------------------- the limiter's cap


async def redis_now_us(r: Any) -> int:
    seconds, micros = await r.time()
    return int(seconds) * 1_000_000 + int(micros)


@pytest.mark.parametrize("ahead", [2 * 86_400.0, 3_650 * 86_400.0, 1e300])
async def test_a_turn_days_ahead_is_reset_not_slept_on(
    ahead: float, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with RedisRateLimiter(redis_url, 10, key="t:jump") as limiter, redis.asyncio.from_url(redis_url) as r:
        now = await redis_now_us(r)
        await r.set("t:jump", f"{now + ahead * 1_000_000:.0f}")
        started = time.monotonic()
        await asyncio.wait_for(limiter.acquire(), 2.0)
        assert time.monotonic() - started < 1.0
        assert "ahead of Redis's clock" in caplog.text and "reset" in caplog.text
        free = int(await r.get("t:jump"))
        assert free - await redis_now_us(r) < 1_000_000  # the budget runs from now again


async def test_a_turn_within_max_wait_is_kept(redis_url: str) -> None:
    async with (
        RedisRateLimiter(redis_url, 10, key="t:near", max_wait=2.0) as limiter,
        redis.asyncio.from_url(redis_url) as r,
    ):
        await r.set("t:near", f"{await redis_now_us(r) + 300_000:.0f}")
        started = time.monotonic()
        await limiter.acquire()
        assert 0.25 <= time.monotonic() - started < 1.0  # booked turns are honoured


async def test_no_wait_longer_than_max_wait_is_handed_out(redis_url: str) -> None:
    """Rate 0.5/s: the second turn is 2.06 s away, beyond max_wait=1: not booked until it is near."""
    async with (
        RedisRateLimiter(redis_url, 0.5, key="t:cap", max_wait=1.0) as first,
        RedisRateLimiter(redis_url, 0.5, key="t:cap", max_wait=1.0) as second,
        redis.asyncio.from_url(redis_url) as r,
    ):
        assert first.max_wait == 1.0
        await first.acquire()
        booked = await r.get("t:cap")
        started = time.monotonic()
        waiting = asyncio.ensure_future(second.acquire())
        await asyncio.sleep(0.5)
        assert await r.get("t:cap") == booked  # asked, was told to come back: nothing booked
        await waiting
        assert 1.8 <= time.monotonic() - started < 3.0  # and it still got its turn in order
        assert int(await r.get("t:cap")) > int(booked)


@pytest.mark.parametrize(
    ("options", "problem"),
    [({"max_wait": 0}, "max_wait"), ({"max_wait": float("inf")}, "max_wait"), ({"timeout": -1}, "timeout")],
)
def test_bad_bounds_are_config_errors(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        RedisRateLimiter("redis://127.0.0.1:6379/0", 10, **options)
    if "timeout" in options:
        with pytest.raises(ConfigError, match=problem):
            RedisCache("redis://127.0.0.1:6379/0", **options)


# ---------------------------------------------------------------- the cache's namespace


UNRELATED = {
    b"app_sessions": b"keep",
    b"apple": b"keep",
    b"app:sessions": b"keep",
    b"app:products.detail:notes": b"keep",
    b"daji:ratelimit:abc": b"123",
    b"daji:cache:notes": b"keep",
    b"other": b"keep",
}


@pytest.mark.parametrize("prefix", ["app", "app:", "daji:cache:"])
async def test_clear_deletes_only_the_cache_entries(prefix: str, redis_url: str, daji_sandbox: SandboxServer) -> None:
    ids = offer_ids(daji_sandbox, 2)
    async with (
        RedisCache(redis_url, prefix=prefix) as cache,
        daji_sandbox.client(cache=cache) as client,
        redis.asyncio.from_url(redis_url) as r,
    ):
        await r.mset(UNRELATED)
        for offer_id in ids:
            await client.products.detail(offer_id)
        namespace = prefix.rstrip(":") + ":"
        assert cache.prefix == namespace
        entries = await entry_keys(r, namespace + "products.detail:") - set(UNRELATED)
        assert len(entries) == 2
        await cache.clear()
        assert not await entry_keys(r, namespace + "products.detail:") - set(UNRELATED)
        assert {key: await r.get(key) for key in UNRELATED} == UNRELATED  # every unrelated key survives
        await client.products.detail(ids[0])  # and the cache still works
        assert sent(daji_sandbox) == 3


@pytest.mark.parametrize("prefix", ["", ":", "::"])
def test_an_empty_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(ConfigError, match="prefix must name a namespace"):
        RedisCache("redis://127.0.0.1:6379/0", prefix=prefix)


# ---------------------------------------------------------------- authenticated entries


async def test_a_forged_entry_is_a_miss_never_an_answer(
    redis_url: str, daji_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A well-formed answer for offer B written under offer A's key is not served for A."""
    a, b = offer_ids(daji_sandbox, 2)
    async with (
        RedisCache(redis_url) as cache,
        daji_sandbox.client(cache=cache) as client,
        redis.asyncio.from_url(redis_url) as r,
    ):
        await client.products.detail(a)
        (key_a,) = await entry_keys(r)
        await client.products.detail(b)
        (key_b,) = await entry_keys(r) - {key_a}
        await r.set(key_a, await r.get(key_b), px=60_000)
        detail = await client.products.detail(a)
        assert detail.offer_id == a  # not offer b's answer
        assert sent(daji_sandbox) == 3  # a miss: the call went to the service
        assert cache.stats.rejected == 1
        assert "integrity check" in caplog.text


def corrupt(value: bytes, how: str) -> bytes:
    if how == "flipped-byte":
        middle = len(value) // 2
        return value[:middle] + bytes([value[middle] ^ 0x01]) + value[middle + 1 :]
    if how == "truncated":
        return value[: len(value) - 10]
    if how == "empty":
        return b""
    if how == "plain-json":  # a bare, well-formed answer, as an older version stored it
        return b'{"code":200,"message":"ok","data":{"offerId":1}}'
    return b"\xff\xfe\x00garbage"


@pytest.mark.parametrize("how", ["flipped-byte", "truncated", "empty", "plain-json", "garbage"])
@pytest.mark.parametrize("decode_responses", [False, True])
async def test_a_corrupted_entry_is_a_miss_never_an_error(
    how: str, decode_responses: bool, redis_url: str, daji_sandbox: SandboxServer
) -> None:
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with (
        redis.asyncio.from_url(redis_url, decode_responses=decode_responses) as shared,
        redis.asyncio.from_url(redis_url) as r,
    ):
        cache = RedisCache(shared)
        async with daji_sandbox.client(cache=cache) as client:
            first = await client.products.detail(offer_id)
            (key,) = await entry_keys(r)
            await r.set(key, corrupt(await r.get(key), how), px=60_000)
            again = await client.products.detail(offer_id)  # no ResponseDecodeError, no wrong answer
            assert again == first
            assert sent(daji_sandbox) == 2
            assert cache.stats.rejected == 1
            await client.products.detail(offer_id)  # the fresh answer replaced it
            assert sent(daji_sandbox) == 2


async def test_another_secret_never_reads_the_entries(redis_url: str, daji_sandbox: SandboxServer) -> None:
    """Two processes, one app key: the one with a wrong secret gets the service's refusal, not a hit."""
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with (
        RedisCache(redis_url) as mine,
        RedisCache(redis_url) as theirs,
        daji_sandbox.client(cache=mine) as client,
        DajiClient(
            daji_sandbox.app_key, "not-the-secret", base_url=daji_sandbox.base_url, trust_env=False, cache=theirs
        ) as impostor,
        redis.asyncio.from_url(redis_url) as r,
    ):
        await client.products.detail(offer_id)
        with pytest.raises(BadRequestError, match="signature"):
            await impostor.products.detail(offer_id)
        assert theirs.stats.hits == 0
        assert sent(daji_sandbox) == 2
        # the secret is in no key and no value
        secret = daji_sandbox.app_secret.encode()
        for key in await entry_keys(r, ""):
            assert secret not in key and secret not in (await r.get(key) or b"")
        # the same secret in another process (another cache object) does read them
        async with RedisCache(redis_url) as again, daji_sandbox.client(cache=again) as other:
            await other.products.detail(offer_id)
            assert again.stats.hits == 1
        assert sent(daji_sandbox) == 2
