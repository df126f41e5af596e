"""The response cache: in memory and on a real Redis, against the sandbox's own request counts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio

from daji_async import (
    BadRequestError,
    CargoLine,
    ConfigError,
    DajiClient,
    MemoryCache,
    NotFoundError,
    RedisCache,
    RedisUnavailableError,
    ServerError,
)
from daji_async._cache import cache_key
from daji_async.sandbox import SandboxServer
from daji_async.sandbox.pytest_plugin import FAST_RETRIES
from tests.redis_server import RedisServer, free_port
from tests.test_orders import ADDRESS
from tests.test_redis import offer_ids, run_workers

DETAIL = "/alibaba/product/queryProductDetail"
KEYWORD = "/alibaba/product/keywordQuery"
CATEGORY = "/alibaba/category/get"


def sent(sandbox: SandboxServer, path: str) -> int:
    """Requests that reached the sandbox at ``path``."""
    return int(sandbox.stats["by_path"].get(path, 0))


class CountingLimiter:
    def __init__(self) -> None:
        self.acquired = 0

    async def acquire(self) -> None:
        self.acquired += 1


# ---------------------------------------------------------------- in memory


async def test_a_detail_is_fetched_once(daji_sandbox: SandboxServer) -> None:
    cache = MemoryCache()
    limiter = CountingLimiter()
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with daji_sandbox.client(cache=cache, rate_limit=limiter) as client:
        first = await client.products.detail(offer_id)
        second = await client.products.detail(offer_id)
        assert client.cache is cache
    assert second == first and second is not first  # decoded afresh: callers may change their copy
    assert sent(daji_sandbox, DETAIL) == 1
    assert limiter.acquired == 1  # a hit spends no rate-limit token
    stats = cache.stats
    assert (stats.hits, stats.misses, stats.stores, stats.errors) == (1, 1, 1, 0)
    assert stats.hit_ratio == 0.5
    assert set(cache.stats_by_endpoint()) == {"products.detail"}
    cache.reset_stats()
    assert cache.stats.lookups == 0


async def test_search_pages_and_categories_are_cached_by_their_parameters(daji_sandbox: SandboxServer) -> None:
    cache = MemoryCache()
    async with daji_sandbox.client(cache=cache) as client:
        first = await client.products.keyword_search("连衣裙", page_size=10)
        again = await client.products.keyword_search("连衣裙", page_size=10)
        assert [i.offer_id for i in again.items] == [i.offer_id for i in first.items]
        assert sent(daji_sandbox, KEYWORD) == 1
        # another page, page size, language or keyword is another answer
        await client.products.keyword_search("连衣裙", page_size=10, page=2)
        await client.products.keyword_search("连衣裙", page_size=20)
        await client.products.keyword_search("连衣裙", page_size=10, country="es")
        await client.products.keyword_search("手机壳", page_size=10)
        assert sent(daji_sandbox, KEYWORD) == 5
        # walking pages with prefetch: each page is fetched once, the second walk sends nothing
        walked = [
            i.offer_id async for i in client.products.keyword_search("连衣裙", page_size=10, max_pages=4, prefetch=3)
        ]
        assert sent(daji_sandbox, KEYWORD) == 5 + 2  # pages 1 and 2 were cached already
        rewalked = [i.offer_id async for i in client.products.keyword_search("连衣裙", page_size=10, max_pages=4)]
        assert rewalked == walked and len(walked) == 40
        assert sent(daji_sandbox, KEYWORD) == 7
        root = await client.categories.get(0)
        assert await client.categories.get(0) == root
        assert sent(daji_sandbox, CATEGORY) == 1
    by_endpoint = cache.stats_by_endpoint()
    assert by_endpoint["categories.get"].hits == 1
    assert by_endpoint["products.keyword_search"].hits == 1 + 2 + 4


async def test_errors_are_never_stored(daji_sandbox: SandboxServer) -> None:
    cache = MemoryCache()
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with daji_sandbox.client(cache=cache, retry_policy=FAST_RETRIES, max_retries=0) as client:
        daji_sandbox.add_fault("status", status=503, path=DETAIL, times=1)
        with pytest.raises(ServerError):
            await client.products.detail(offer_id)
        daji_sandbox.add_fault("envelope", code=404, message="记录不存在", path=DETAIL, times=1)
        with pytest.raises(NotFoundError):
            await client.products.detail(offer_id)
        detail = await client.products.detail(offer_id)  # the third request: nothing was kept
        assert detail.offer_id == offer_id
        assert sent(daji_sandbox, DETAIL) == 3
        await client.products.detail(offer_id)
        assert sent(daji_sandbox, DETAIL) == 3
    assert cache.stats.stores == 1


async def test_trade_calls_and_unsafe_calls_are_never_cached(daji_sandbox: SandboxServer) -> None:
    cache = MemoryCache()
    async with daji_sandbox.client(cache=cache) as client:
        offer_id = (await client.products.keyword_search("水杯")).items[0].offer_id
        sku = (await client.products.detail(offer_id)).product_sku_infos[0]
        assert sku.spec_id
        cargo = [CargoLine(offer_id, sku.spec_id, 2)]
        for _ in range(2):
            await client.orders.preview(ADDRESS, cargo)
        order = await client.orders.create(ADDRESS, cargo)
        for _ in range(2):
            await client.orders.get(order.order_id)
        freight = {"to_province_code": "330000", "to_city_code": "330100", "to_country_code": "330108"}
        for _ in range(2):
            await client.products.estimate_freight(offer_id, total_num=2, **freight)
        # a raw call of a cacheable path is not cached either: only the SDK's own endpoints are
        for _ in range(2):
            await client.request("GET", DETAIL, params={"offerId": offer_id, "country": "en"})
        # safe=False on a raw call never reaches the cache
        assert cache.key_for("orders.create", "POST", "http://h/x") is None
    by_path = daji_sandbox.stats["by_path"]
    assert by_path["/alibaba/createOrder/preview"] == 2
    assert by_path["/alibaba/trade/createCrossOrder"] == 1
    assert by_path["/alibaba/trade/get/buyerView"] == 2
    assert by_path["/alibaba/product/freightEstimate"] == 2
    assert by_path[DETAIL] == 1 + 2
    assert set(cache.stats_by_endpoint()) == {"products.keyword_search", "products.detail"}


async def test_least_recently_used_is_dropped(daji_sandbox: SandboxServer) -> None:
    cache = MemoryCache(max_entries=2)
    a, b, c = offer_ids(daji_sandbox, 3)
    async with daji_sandbox.client(cache=cache) as client:
        for offer_id in (a, b, a, c):  # a was used after b: b goes when c comes
            await client.products.detail(offer_id)
        assert len(cache) == 2
        assert sent(daji_sandbox, DETAIL) == 3
        await client.products.detail(a)
        assert sent(daji_sandbox, DETAIL) == 3
        await client.products.detail(b)
        assert sent(daji_sandbox, DETAIL) == 4
        await cache.clear()
        await client.products.detail(a)
        assert sent(daji_sandbox, DETAIL) == 5


async def test_ttl_per_endpoint(daji_sandbox: SandboxServer) -> None:
    cache = MemoryCache(ttl={"products.detail": 0.05, "categories.get": None})
    assert cache.ttl_for("products.detail") == 0.05
    assert cache.ttl_for("categories.get") is None
    assert cache.ttl_for("products.keyword_search") == 900
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with daji_sandbox.client(cache=cache) as client:
        await client.products.detail(offer_id)
        await client.products.detail(offer_id)
        assert sent(daji_sandbox, DETAIL) == 1
        await asyncio.sleep(0.1)  # past the 0.05 s the detail is fresh for
        await client.products.detail(offer_id)
        assert sent(daji_sandbox, DETAIL) == 2
        await client.categories.get(0)
        await client.categories.get(0)
        assert sent(daji_sandbox, CATEGORY) == 2  # caching turned off for categories


def test_keys_describe_the_call_not_its_signature() -> None:
    url = "http://h/p?appKey=k&offerId=1&country=en&sign=0123ABCD"
    key = cache_key("products.detail", "GET", url)
    assert key.startswith("products.detail:")
    assert key == cache_key("products.detail", "GET", "http://h/p?country=en&offerId=1&appKey=k&sign=FFFF")
    assert key == cache_key("products.detail", "GET", "http://h/p?country=en&offerId=1&appKey=k&appSecret=s3cr3t")
    assert key != cache_key("products.detail", "GET", "http://h/p?appKey=k&offerId=2&country=en&sign=0123ABCD")
    assert key != cache_key("products.detail", "GET", "http://other/p?appKey=k&offerId=1&country=en")
    body = b'{"b":1,"a":2,"appSecret":"s3cr3t","sign":"XYZ"}'
    assert cache_key("x", "POST", "http://h/p", body) == cache_key("x", "POST", "http://h/p", b'{"a":2,"b":1}')


async def test_keys_never_hold_the_secret(daji_sandbox: SandboxServer) -> None:
    cache = MemoryCache()
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with daji_sandbox.client(cache=cache, send_secret=True) as client:
        await client.products.detail(offer_id)
    async with daji_sandbox.client(cache=cache) as client:
        await client.products.detail(offer_id)  # signed instead: the same call, the same key
    [key] = list(cache._entries)
    assert daji_sandbox.app_secret not in key
    assert sent(daji_sandbox, DETAIL) == 1


async def test_a_client_with_another_secret_never_reads_the_memory_cache(daji_sandbox: SandboxServer) -> None:
    """Entries are scoped by a key derived from the app secret: a wrong secret gets the service's refusal."""
    cache = MemoryCache()
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with daji_sandbox.client(cache=cache) as client:
        await client.products.detail(offer_id)
    impostor = DajiClient(
        daji_sandbox.app_key, "not-the-secret", base_url=daji_sandbox.base_url, trust_env=False, cache=cache
    )
    async with impostor:
        with pytest.raises(BadRequestError, match="signature"):
            await impostor.products.detail(offer_id)
    assert cache.stats.hits == 0
    assert sent(daji_sandbox, DETAIL) == 2


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: MemoryCache(ttl={"orders.get": 60}), "cannot be cached"),
        (lambda: MemoryCache(ttl={"products.detail": -1}), "positive number of seconds"),
        (lambda: MemoryCache(max_entries=0), "max_entries"),
        (lambda: RedisCache("localhost:6379"), "must start with redis://"),
        (lambda: RedisCache("redis://:pw@h:port"), "malformed Redis URL"),
        (lambda: DajiClient("a", "b", cache={}), "cache must be"),
    ],
)
def test_bad_cache_configuration_is_a_config_error(make: Any, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        make()


# ---------------------------------------------------------------- on Redis


def test_a_second_process_reads_the_first_ones_answer_from_redis(redis_url: str) -> None:
    with SandboxServer() as sandbox:
        ids = offer_ids(sandbox, 3)
        base = {"redis_url": redis_url, "cache": True, "base_url": sandbox.base_url}
        base |= {"app_key": sandbox.app_key, "app_secret": sandbox.app_secret}
        [first] = run_workers([{**base, "offer_ids": ids}])
        assert sandbox.stats["by_path"][DETAIL] == 3
        [second] = run_workers([{**base, "offer_ids": ids}])
        assert sandbox.stats["by_path"][DETAIL] == 3  # nothing more reached the sandbox
    assert first["cache"] == {"hits": 0, "misses": 3, "stores": 3}
    assert second["cache"] == {"hits": 3, "misses": 0, "stores": 0}
    assert second["titles"] == first["titles"] and all(first["titles"])


async def test_redis_cache_expires_with_the_endpoint_ttl(redis_url: str, daji_sandbox: SandboxServer) -> None:
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with (
        RedisCache(redis_url, ttl={"products.detail": 120}, prefix="t:") as cache,
        daji_sandbox.client(cache=cache) as client,
        redis.asyncio.from_url(redis_url) as r,
    ):
        await client.products.detail(offer_id)
        [key] = await r.keys("t:*")
        assert key.startswith(b"t:products.detail:")
        assert daji_sandbox.app_secret.encode() not in key
        assert 119_000 < await r.pttl(key) <= 120_000
        await cache.clear()
        assert await r.keys("t:*") == []


async def test_unreachable_redis_cache_raises_before_anything_is_sent(daji_sandbox: SandboxServer) -> None:
    offer_id = offer_ids(daji_sandbox, 1)[0]
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    async with RedisCache(url) as cache, daji_sandbox.client(cache=cache) as client:
        with pytest.raises(RedisUnavailableError, match=r"RedisCache: Redis at .* cannot be reached") as caught:
            await client.products.detail(offer_id)
        assert "hunter2" not in str(caught.value)
        assert "hunter2" not in repr(cache)
    assert daji_sandbox.stats["requests"] == 0


async def test_ignore_errors_carries_on_uncached(daji_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture) -> None:
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with (
        RedisCache(f"redis://127.0.0.1:{free_port()}/0", ignore_errors=True) as cache,
        daji_sandbox.client(cache=cache) as client,
    ):
        detail = await client.products.detail(offer_id)
        assert detail.offer_id == offer_id
    stats = cache.stats
    assert (stats.hits, stats.misses, stats.stores, stats.errors) == (0, 1, 0, 2)
    assert "cannot be reached" in caplog.text
    assert sent(daji_sandbox, DETAIL) == 1


async def test_one_redis_client_for_limiter_and_cache(redis_url: str, daji_sandbox: SandboxServer) -> None:
    from daji_async import RedisRateLimiter

    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with redis.asyncio.from_url(redis_url) as shared:
        limiter = RedisRateLimiter(shared, 20)
        cache = RedisCache(shared)
        async with daji_sandbox.client(cache=cache, rate_limit=limiter) as client:
            await client.products.detail(offer_id)
            await client.products.detail(offer_id)
        await limiter.aclose()
        await cache.aclose()
        assert await shared.ping()  # a client given to them stays open
        assert limiter.key is not None and await shared.exists(limiter.key)
    assert sent(daji_sandbox, DETAIL) == 1


async def test_redis_lost_before_the_answer_still_returns_it(
    redis_server: RedisServer, daji_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A Redis of its own (``redis_server`` only checks that one can run here), stopped mid-call."""
    offer_id = offer_ids(daji_sandbox, 1)[0]
    daji_sandbox.add_fault("latency", seconds=0.5, path=DETAIL)
    with RedisServer() as server:
        async with RedisCache(server.url) as cache, daji_sandbox.client(cache=cache) as client:
            call = asyncio.ensure_future(client.products.detail(offer_id))
            while daji_sandbox.stats["in_flight"] == 0:  # the lookup is done, the request is out
                await asyncio.sleep(0.01)
            server.stop()
            detail = await call  # paid for: returned, though it could not be stored
    assert detail.offer_id == offer_id
    stats = cache.stats
    assert (stats.hits, stats.misses, stats.stores, stats.errors) == (0, 1, 0, 1)
    assert "cache write skipped" in caplog.text


async def test_a_given_client_that_decodes_responses_works_too(redis_url: str, daji_sandbox: SandboxServer) -> None:
    offer_id = offer_ids(daji_sandbox, 1)[0]
    async with redis.asyncio.from_url(redis_url, decode_responses=True) as shared:
        cache = RedisCache(shared)
        async with daji_sandbox.client(cache=cache) as client:
            first = await client.products.detail(offer_id)
            assert await client.products.detail(offer_id) == first
    assert sent(daji_sandbox, DETAIL) == 1
    assert cache.stats.hits == 1
