"""The paginator: first page, items, pages, stop rules, cycles, prefetch, retries, resume
and cancellation hygiene, against the sandbox over loopback."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daji_async import APITimeoutError, DajiClient, PaginationError, Paginator, ServerError
from daji_async.sandbox import SandboxServer
from daji_async.sandbox.pytest_plugin import FAST_RETRIES
from tests.conftest import settle

KEYWORD = "/alibaba/product/keywordQuery"


def expected_ids(sandbox: SandboxServer, keyword: str) -> list[int]:
    total = sandbox.state.scenarios[keyword]
    return [o.offer_id for o in sandbox.state.catalogue.sample("scenario:" + keyword, total)][:2000]


async def test_await_gives_the_requested_page(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.set_scenario("场景", 95)
    ids = expected_ids(daji_sandbox, "场景")
    page = await daji_client.products.keyword_search("场景", page=3, page_size=20)
    assert page.current_page == 3
    assert [i.offer_id for i in page.items] == ids[40:60]
    assert (page.total_records, page.total_pages) == (95, 5)


async def test_items_across_pages_in_order_exactly_once(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.set_scenario("场景", 95)
    ids = [i.offer_id async for i in daji_client.products.keyword_search("场景", page_size=20)]
    assert ids == expected_ids(daji_sandbox, "场景")
    assert daji_sandbox.stats["by_path"][KEYWORD] == 5


async def test_pages_and_controls(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.set_scenario("场景", 95)
    paginator = daji_client.products.keyword_search("场景", page_size=10, page=2, max_pages=3)
    pages = [p async for p in paginator.pages()]
    assert [p.current_page for p in pages] == [2, 3, 4]
    assert paginator.next_page == 5
    trimmed = daji_client.products.keyword_search("场景", page_size=10, max_items=25)
    pages = [p async for p in trimmed.pages()]
    assert [len(p.items) for p in pages] == [10, 10, 5]
    assert trimmed.next_page == 4
    everything = daji_client.products.keyword_search("场景", page_size=50)
    assert len([i async for i in everything]) == 95
    assert everything.next_page is None


async def test_empty_results_stop_at_once(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.set_scenario("无", 0)
    paginator = daji_client.products.keyword_search("无")
    assert [i async for i in paginator] == []
    assert daji_sandbox.stats["by_path"][KEYWORD] == 1
    assert paginator.next_page is None
    assert [i async for i in daji_client.products.keyword_search("无", max_items=0)] == []


async def test_stops_on_an_empty_page_even_if_total_pages_says_more(daji_sandbox: SandboxServer) -> None:
    # the service reports ~2000 results and 101 pages of 20, but page 101 is empty
    daji_sandbox.set_scenario("很多", 5000)
    daji_sandbox.state.config.result_cap = 2010
    async with daji_sandbox.client() as client:
        paginator = client.products.keyword_search("很多", page=100, page_size=20)
        first = await paginator
        assert first.total_pages == 101
        ids = [i.offer_id async for i in paginator]
    assert len(ids) == 30
    assert paginator.next_page is None


@pytest.mark.parametrize("prefetch", [1, 4])
async def test_a_repeated_page_raises_instead_of_looping(daji_sandbox: SandboxServer, prefetch: int) -> None:
    daji_sandbox.set_scenario("循环", 100)
    daji_sandbox.add_fault("repeat_page", path=KEYWORD, match={"beginPage": "3"})
    async with daji_sandbox.client() as client:
        paginator = client.products.keyword_search("循环", page_size=10, prefetch=prefetch)
        seen: list[int] = []
        with pytest.raises(PaginationError, match="page 3") as info:
            async for item in paginator:
                seen.append(item.offer_id)
    assert len(seen) == 20
    assert info.value.next_page == 3
    assert paginator.next_page == 3
    assert await settle() == []


@pytest.mark.parametrize("prefetch", [1, 4])
async def test_a_repeated_page_fails_a_bulk_input_the_same_way(daji_sandbox: SandboxServer, prefetch: int) -> None:
    # bulk walks each input through the same walk as async for: the same guard, the same error
    daji_sandbox.set_scenario("循环", 100)
    daji_sandbox.add_fault("repeat_page", path=KEYWORD, match={"beginPage": "3"})
    async with daji_sandbox.client() as client:
        results = [r async for r in client.bulk.keyword_search(["循环"], page_size=10, prefetch=prefetch)]
    [result] = results
    assert isinstance(result.error, PaginationError) and "page 3" in str(result.error)
    assert result.error.next_page == 3 and result.value is None
    assert await settle() == []


async def test_prefetch_keeps_order_and_bounds_pages_in_flight(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.set_scenario("预取", 200)
    daji_sandbox.add_fault("latency", seconds=0.03)
    async with daji_sandbox.client(max_concurrency=32) as client:
        ids = [i.offer_id async for i in client.products.keyword_search("预取", page_size=10, prefetch=4)]
    assert ids == expected_ids(daji_sandbox, "预取")
    assert daji_sandbox.stats["max_in_flight"] == 4
    assert daji_sandbox.stats["by_path"][KEYWORD] == 20


async def test_prefetch_does_not_fetch_past_max_items(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.set_scenario("预取", 200)
    async with daji_sandbox.client() as client:
        ids = [i.offer_id async for i in client.products.keyword_search("预取", page_size=10, prefetch=8, max_items=35)]
    assert len(ids) == 35
    assert daji_sandbox.stats["by_path"][KEYWORD] <= 5


async def test_each_page_is_retried(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.set_scenario("重试", 50)
    daji_sandbox.add_fault("status", status=503, times=1, match={"beginPage": "2"})
    daji_sandbox.add_fault("drop", times=1, match={"beginPage": "4"})
    async with daji_sandbox.client(retry_policy=FAST_RETRIES) as client:
        ids = [i.offer_id async for i in client.products.keyword_search("重试", page_size=10, prefetch=2)]
    assert ids == expected_ids(daji_sandbox, "重试")
    assert daji_sandbox.stats["by_path"][KEYWORD] == 7


async def test_a_failing_page_ends_iteration_and_can_be_resumed(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.set_scenario("恢复", 50)
    daji_sandbox.add_fault("status", status=500, match={"beginPage": "3"}, times=3)
    async with daji_sandbox.client(retry_policy=FAST_RETRIES, max_retries=2) as client:
        paginator = client.products.keyword_search("恢复", page_size=10, prefetch=3)
        got: list[int] = []
        with pytest.raises(ServerError):
            async for item in paginator:
                got.append(item.offer_id)
        assert paginator.next_page == 3
        resumed = client.products.keyword_search("恢复", page_size=10, page=paginator.next_page)
        got += [i.offer_id async for i in resumed]
    assert got == expected_ids(daji_sandbox, "恢复")
    assert await settle() == []


async def test_timeout_and_country_apply_to_every_page(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.set_scenario("语言", 30)
    async with daji_sandbox.client(country="ko") as client:
        pages = [p async for p in client.products.keyword_search("语言", page_size=10).pages()]
        assert all(re.search("[가-힣]", i.subject_trans or "") for p in pages for i in p.items)
        daji_sandbox.add_fault("latency", seconds=0.3, match={"beginPage": "2"})
        with pytest.raises(APITimeoutError):
            async for _ in client.products.keyword_search("语言", page_size=10, timeout=0.1, max_retries=0):
                pass


@pytest.mark.parametrize("how", ["break", "exception", "cancel"])
async def test_leaving_early_cancels_pages_in_flight(daji_sandbox: SandboxServer, how: str) -> None:
    daji_sandbox.set_scenario("离开", 500)
    daji_sandbox.add_fault("latency", seconds=0.05)
    async with daji_sandbox.client() as client:

        async def consume() -> int:
            count = 0
            async for _ in client.products.keyword_search("离开", page_size=10, prefetch=8):
                count += 1
                if count == 15:
                    if how == "break":
                        break
                    if how == "exception":
                        raise KeyError("stop")
            return count

        if how == "cancel":
            task = asyncio.ensure_future(consume())
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        elif how == "exception":
            with pytest.raises(KeyError):
                await consume()
        else:
            assert await consume() == 15
        assert await settle() == []
        await asyncio.sleep(0.1)
    assert daji_sandbox.stats["in_flight"] == 0


# --------------------------------------------------------------------------- property


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as sandbox:
        yield sandbox


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    total=st.integers(0, 160),
    page_size=st.integers(1, 50),
    start=st.integers(1, 6),
    max_items=st.none() | st.integers(0, 200),
    max_pages=st.none() | st.integers(1, 5),
    prefetch=st.integers(1, 6),
)
def test_every_item_exactly_once_in_order(
    shared_sandbox: SandboxServer,
    total: int,
    page_size: int,
    start: int,
    max_items: int | None,
    max_pages: int | None,
    prefetch: int,
) -> None:
    keyword = f"性质{total}"
    shared_sandbox.set_scenario(keyword, total)
    expected = expected_ids(shared_sandbox, keyword)[(start - 1) * page_size :]
    if max_pages is not None:
        expected = expected[: max_pages * page_size]
    if max_items is not None:
        expected = expected[:max_items]

    async def run() -> tuple[list[int], list[int], tuple[object, int], tuple[object, int]]:
        async with shared_sandbox.client() as client:
            options = {"page": start, "page_size": page_size, "max_items": max_items, "max_pages": max_pages}
            walked = client.products.keyword_search(keyword, prefetch=prefetch, **options)  # type: ignore[arg-type]
            items = [i.offer_id async for i in walked]
            # what bulk keeps per input: the same walk, every item in one list
            made: list[Paginator[Any, Any]] = []

            def search(word: str) -> Paginator[Any, Any]:
                made.append(client.products.keyword_search(word, prefetch=prefetch, **options))  # type: ignore[arg-type]
                return made[-1]

            [result] = [r async for r in client.bulk.walk(search, [keyword])]
            assert result.error is None
            gathered = [i.offer_id for i in result.items]
            [collected] = made
            assert result.pages == collected.pages_fetched
            return (
                items,
                gathered,
                (walked.next_page, walked.pages_fetched),
                (collected.next_page, collected.pages_fetched),
            )

    items, gathered, walked_state, collected_state = asyncio.run(run())
    assert items == gathered == expected
    assert walked_state == collected_state
