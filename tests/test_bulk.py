"""Bulk searches against the sandbox with faults injected: isolated failures, lazy input,
ordering, bounds on requests in flight, the rate limit, and cancellation hygiene."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from daji_async import BulkProgress, BulkResult, DajiClient, ServerError
from daji_async.sandbox import SandboxServer
from daji_async.sandbox.pytest_plugin import FAST_RETRIES
from daji_async.testing import MockTransport, Request, Response
from tests.conftest import settle

KEYWORD = "/alibaba/product/keywordQuery"
WORDS = ["连衣裙", "手机壳", "运动鞋", "背包", "耳机", "水杯", "毛巾", "积木"]


async def test_keyword_search_every_input_gets_one_result(daji_client: DajiClient) -> None:
    results = [r async for r in daji_client.bulk.keyword_search(WORDS, max_items=30, concurrency=3)]
    assert sorted(r.query for r in results) == sorted(WORDS)
    assert sorted(r.index for r in results) == list(range(len(WORDS)))
    for result in results:
        assert result.error is None
        assert result.ok
        assert len(result.items) == 30
        assert result.value is result.items
        assert result.pages == 1  # no page_size: max_items=30 fits one page of 30
        assert all(result.query in (i.subject or "") for i in result.items)


async def test_one_failure_never_stops_the_others(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("status", status=500, match={"keyword": "手机壳"})
    daji_sandbox.add_fault("envelope", code=400, message="参数错误", match={"keyword": "耳机"})
    async with daji_sandbox.client(retry_policy=FAST_RETRIES, max_retries=1) as client:
        results = {r.query: r async for r in client.bulk.keyword_search([*WORDS, ""], max_items=5)}
    assert set(results) == {*WORDS, ""}
    assert isinstance(results["手机壳"].error, ServerError)
    assert results["手机壳"].items == []
    assert results["耳机"].error is not None
    assert isinstance(results[""].error, ValueError)  # bad input: its own result, no request
    assert all(results[w].ok and len(results[w].items) == 5 for w in WORDS if w not in ("手机壳", "耳机"))


async def test_ordered_results_follow_the_input(daji_sandbox: SandboxServer) -> None:
    # make early inputs slow so that completion order differs from input order
    daji_sandbox.add_fault("latency", seconds=0.15, match={"keyword": "连衣裙"})
    daji_sandbox.add_fault("latency", seconds=0.1, match={"keyword": "手机壳"})
    async with daji_sandbox.client() as client:
        unordered = [r.query async for r in client.bulk.keyword_search(WORDS, max_items=3, concurrency=8)]
        ordered = [r.query async for r in client.bulk.keyword_search(WORDS, max_items=3, concurrency=8, ordered=True)]
    assert ordered == WORDS
    assert unordered != WORDS
    assert sorted(unordered) == sorted(WORDS)


async def test_inputs_are_consumed_lazily(daji_client: DajiClient) -> None:
    pulled = 0

    def endless() -> Iterator[str]:
        nonlocal pulled
        while True:
            pulled += 1
            yield WORDS[pulled % len(WORDS)]

    seen = 0
    async for _ in daji_client.bulk.keyword_search(endless(), max_items=1, concurrency=4):
        seen += 1
        if seen == 10:
            break
    # at most 2 x concurrency inputs are taken beyond what was yielded
    assert pulled <= seen + 2 * 4 + 1
    assert await settle() == []


async def test_async_iterable_inputs_and_map(daji_client: DajiClient) -> None:
    async def words() -> AsyncIterator[str]:
        for word in WORDS[:4]:
            await asyncio.sleep(0)
            yield word

    results = [r async for r in daji_client.bulk.keyword_search(words(), max_items=2, ordered=True)]
    assert [r.query for r in results] == WORDS[:4]

    async def count(word: str) -> int:
        page = await daji_client.products.keyword_search(word, page_size=1)
        return page.total_records

    mapped = [r async for r in daji_client.bulk.map(count, WORDS[:3], concurrency=2, ordered=True)]
    assert [r.query for r in mapped] == WORDS[:3]
    assert all(isinstance(r.value, int) and r.value > 0 for r in mapped)


async def test_walk_collects_what_iterating_each_paginator_yields(daji_client: DajiClient) -> None:
    # one page at a time (a coroutine per input), a window of pages, and a cursor walk
    searches = {
        "one by one": lambda w: daji_client.products.keyword_search(w, page_size=7, max_items=30),
        "window": lambda w: daji_client.products.keyword_search(w, page_size=7, max_items=30, prefetch=3),
        "cursor": lambda w: daji_client.poizon.products.search(title=w, page_size=10, max_items=25),
    }
    for name, search in searches.items():
        results = [r async for r in daji_client.bulk.walk(search, WORDS[:3], concurrency=2, ordered=True)]
        for result in results:
            paginator = search(result.query)
            expected = [item async for item in paginator]
            assert result.ok and result.items == expected, name
            assert result.pages == paginator.pages_fetched, name
    not_a_walk = [r async for r in daji_client.bulk.walk(lambda w: [w], ["x"])]  # type: ignore[arg-type, return-value]
    assert isinstance(not_a_walk[0].error, TypeError) and "not a Paginator" in str(not_a_walk[0].error)


async def test_detail_and_image_search(daji_client: DajiClient) -> None:
    page = await daji_client.products.keyword_search("背包", page_size=5)
    ids = [i.offer_id for i in page.items] + [1]
    details = [r async for r in daji_client.bulk.detail(ids, ordered=True)]
    assert [r.query for r in details] == ids
    assert all(r.detail is not None and r.detail.offer_id == r.query for r in details[:-1])
    assert details[-1].error is not None
    assert details[-1].detail is None
    images = ["https://cbu01.alicdn.com/img/ibank/a.jpg", "1048608196202797156", 1048608196202797157]
    found = [r async for r in daji_client.bulk.image_search(images, max_items=7, ordered=True)]
    assert [r.query for r in found] == images
    assert all(r.ok and len(r.items) == 7 for r in found)


async def test_concurrency_bounds_queries_and_client_bounds_requests(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("latency", seconds=0.02)
    async with daji_sandbox.client(max_concurrency=5) as client:
        results = [r async for r in client.bulk.keyword_search(WORDS * 3, max_items=40, prefetch=2, concurrency=4)]
    assert len(results) == 24
    assert all(r.ok for r in results)
    # 4 queries x prefetch 2 could want 8 requests at once; max_concurrency holds them to 5
    assert daji_sandbox.stats["max_in_flight"] <= 5
    async with daji_sandbox.client(max_concurrency=32) as client:
        daji_sandbox.state.stats.max_in_flight = 0
        async for _ in client.bulk.keyword_search(WORDS * 3, max_items=20, concurrency=3):
            pass
    assert daji_sandbox.stats["max_in_flight"] <= 3


async def test_rate_limit_covers_all_bulk_work(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client(rate_limit=20) as client:
        started = time.monotonic()
        results = [r async for r in client.bulk.keyword_search(WORDS * 2, max_items=20, concurrency=16)]
        elapsed = time.monotonic() - started
    assert len(results) == 16
    requests = daji_sandbox.stats["requests"]
    assert requests == 16
    assert daji_sandbox.state.stats.max_in_window(1.0) <= 20
    assert elapsed >= (requests - 1) / 20 * 0.95


async def test_progress_callback(daji_client: DajiClient) -> None:
    seen: list[BulkProgress] = []
    async for _ in daji_client.bulk.keyword_search([*WORDS[:3], ""], max_items=1, progress=seen.append):
        pass
    assert [p.done for p in seen] == [1, 2, 3, 4]
    assert seen[-1] == BulkProgress(done=4, failed=1, total=4)

    async def async_progress(p: BulkProgress) -> None:
        seen.append(p)

    seen.clear()
    async for _ in daji_client.bulk.keyword_search(iter(WORDS[:2]), max_items=1, progress=async_progress):
        pass
    assert seen[-1] == BulkProgress(done=2, failed=0, total=None)


@pytest.mark.parametrize("how", ["break", "cancel"])
async def test_leaving_early_stops_all_work(daji_sandbox: SandboxServer, how: str) -> None:
    daji_sandbox.add_fault("latency", seconds=0.05)
    async with daji_sandbox.client() as client:

        async def consume() -> None:
            async for _ in client.bulk.keyword_search(WORDS * 50, max_items=60, concurrency=16, prefetch=2):
                if how == "break":
                    break

        if how == "cancel":
            task = asyncio.ensure_future(consume())
            await asyncio.sleep(0.08)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:
            await consume()
        assert await settle() == []
        # A request written just before the cancellation may still reach the server (a loaded
        # machine delays it): let the count settle first, then check nothing keeps running.
        count = -1
        for _ in range(40):
            if daji_sandbox.stats["requests"] == count:
                break
            count = daji_sandbox.stats["requests"]
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.15)
        assert daji_sandbox.stats["requests"] == count  # nothing keeps running
    assert daji_sandbox.stats["in_flight"] == 0


async def test_a_failing_input_source_is_raised(daji_client: DajiClient) -> None:
    def broken() -> Iterator[str]:
        yield "连衣裙"
        raise OSError("input file vanished")

    with pytest.raises(OSError, match="vanished"):
        async for _ in daji_client.bulk.keyword_search(broken(), max_items=1):
            pass
    assert await settle() == []


async def test_bad_arguments(daji_client: DajiClient) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        async for _ in daji_client.bulk.keyword_search(WORDS, concurrency=0):
            pass
    with pytest.raises(TypeError, match="iterable"):
        async for _ in daji_client.bulk.keyword_search("连衣裙"):  # type: ignore[arg-type]
            pass
    with pytest.raises(ValueError, match="page_size"):
        daji_client.bulk.keyword_search(WORDS, page_size=0)


def test_result_defaults() -> None:
    result: BulkResult[str, list[object]] = BulkResult(query="x", index=0)
    assert result.ok
    assert result.items == []
    assert result.detail is None


async def test_bulk_keyword_search_sends_what_keyword_search_sends() -> None:
    # bulk checks and encodes the search options once; each keyword's requests must be the
    # very ones products.keyword_search(keyword, **options) sends (same query, same order)
    seen: list[str] = []

    def answer(request: Request) -> Response:
        seen.append(request.url)
        return Response(200, json={"code": 200, "data": {"data": [], "totalPage": 1}})

    options: dict[str, Any] = {
        "filter": ["ksCiphertext", "certifiedFactory"],
        "sort": {"price": "asc"},
        "price_start": 10,
        "category_id": 1031910,
        "page_size": 20,
        "max_pages": 1,
    }
    async with DajiClient("key", "secret", transport=MockTransport(answer)) as client:
        words = ["连衣裙", "手机 壳"]
        results = [r async for r in client.bulk.keyword_search(words, ordered=True, concurrency=1, **options)]
        assert [(r.query, r.error, r.pages) for r in results] == [(w, None, 1) for w in words]
        bulk_urls, seen[:] = list(seen), []
        for word in words:
            [p async for p in client.products.keyword_search(word, **options).pages()]
        assert len(seen) == 2
        assert bulk_urls == seen


async def test_bulk_keyword_search_bad_keywords_get_keyword_search_errors() -> None:
    async with DajiClient("key", "secret", transport=MockTransport(lambda r: Response(500))) as client:
        results = [r async for r in client.bulk.keyword_search([None, "  ", "a\nb", 7], ordered=True)]  # type: ignore[list-item]
    errors = [type(r.error) for r in results]
    assert errors == [TypeError, ValueError, ValueError, TypeError]  # None is the wrong kind, like 7


@pytest.mark.parametrize("ordered", [False, True])
async def test_results_kept_by_the_caller_keep_every_item(daji_sandbox: SandboxServer, ordered: bool) -> None:
    # results (or their items lists) the caller keeps stay whole
    options: dict[str, Any] = {"page_size": 10, "max_pages": 3, "concurrency": 4, "ordered": ordered}
    async with daji_sandbox.client() as client:
        kept = [r async for r in client.bulk.keyword_search(WORDS * 3, **options)]
        lists = []
        async for result in client.bulk.keyword_search(WORDS * 3, **options):
            lists.append(result.items)  # only the list, not the result
    assert len(kept) == len(lists) == 3 * len(WORDS)
    for result in kept:
        assert result.ok and result.pages == 3 and len(result.items) == 30
    assert all(len(items) == 30 for items in lists)
