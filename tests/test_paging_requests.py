"""What a walk costs in requests (issue 14): the page size chosen without ``page_size``, the
speculative first window of ``prefetch``, and the bound on requests wasted past the end.

Pure pipeline tests over MockTransport: every request is recorded, no socket, no timing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from daji_async import DajiClient, PaginationError
from daji_async.testing import MockTransport, Request, Response
from tests.conftest import settle


class Search:
    """A 1688-shaped keyword search of ``total`` offers; records the pages and sizes asked for.

    With ``gate`` set, every answer waits for it (so a test sees what was sent before any
    answer came back); ``empty_from`` answers an empty page from that page on (the service
    reporting more pages than it has); ``repeat`` answers that page with page 1's offers.
    """

    def __init__(self, total: int, *, gate: asyncio.Event | None = None, empty_from: int | None = None) -> None:
        self.total = total
        self.gate = gate
        self.empty_from = empty_from
        self.repeat: int | None = None
        self.asked: list[tuple[int, int]] = []  # (page, size) in the order sent
        self.answered: list[int] = []

    @property
    def pages(self) -> list[int]:
        return [page for page, _ in self.asked]

    @property
    def sizes(self) -> set[int]:
        return {size for _, size in self.asked}

    async def __call__(self, request: Request) -> Response:
        page, size = int(request.params["beginPage"]), int(request.params["pageSize"])
        self.asked.append((page, size))
        if self.gate is not None:
            await self.gate.wait()
        source = 1 if page == self.repeat else page
        start = (source - 1) * size
        stop = min(start + size, self.total)
        if self.empty_from is not None and page >= self.empty_from:
            stop = start
        offers = [{"offerId": 1000 + n, "subject": f"offer {n}"} for n in range(start, stop)]
        self.answered.append(page)
        data = {"data": offers, "totalRecords": self.total, "totalPage": -(-self.total // size), "currentPage": page}
        return Response(200, json={"code": 200, "message": "success", "data": data})


def client_for(search: Search) -> DajiClient:
    return DajiClient("key", "secret", transport=MockTransport(search), max_concurrency=64)


async def ids_of(paginator: Any) -> list[int]:
    return [item.offer_id async for item in paginator]


# --------------------------------------------------------------------------- the page size


@pytest.mark.parametrize(
    ("max_items", "requests", "size"),
    [(30, 1, 30), (50, 1, 50), (100, 2, 50), (250, 5, 50), (1, 1, 1), (51, 2, 50)],
)
async def test_without_page_size_max_items_takes_the_fewest_requests(max_items: int, requests: int, size: int) -> None:
    search = Search(5000)
    async with client_for(search) as client:
        paginator = client.products.keyword_search("连衣裙", max_items=max_items)
        assert paginator.page_size == size
        ids = await ids_of(paginator)
    assert ids == [1000 + n for n in range(max_items)]
    assert search.asked == [(page, size) for page in range(1, requests + 1)]


async def test_without_page_size_or_max_items_iterating_takes_the_largest_page() -> None:
    search = Search(180)
    async with client_for(search) as client:
        paginator = client.products.keyword_search("连衣裙")
        assert await ids_of(paginator) == [1000 + n for n in range(180)]
        assert paginator.page_size == 50  # what the walk used: resume with it
        assert paginator.next_page is None
    assert search.asked == [(1, 50), (2, 50), (3, 50), (4, 50)]


async def test_await_keeps_the_default_page_unless_max_items_is_smaller() -> None:
    search = Search(500)
    async with client_for(search) as client:
        page = await client.products.keyword_search("连衣裙")
        assert len(page.items) == 20
        page = await client.products.keyword_search("连衣裙", max_items=7)
        assert len(page.items) == 7
        page = await client.products.keyword_search("连衣裙", max_items=300)
        assert len(page.items) == 50
    assert search.asked == [(1, 20), (1, 7), (1, 50)]


async def test_an_explicit_page_size_is_always_kept() -> None:
    search = Search(500)
    async with client_for(search) as client:
        assert len(await ids_of(client.products.keyword_search("连衣裙", page_size=10, max_items=25))) == 25
        assert len(await ids_of(client.products.keyword_search("连衣裙", page_size=20, max_pages=2))) == 40
    assert search.asked == [(1, 10), (2, 10), (3, 10), (1, 20), (2, 20)]


async def test_resuming_with_the_walked_page_size_continues_exactly() -> None:
    search = Search(230)
    async with client_for(search) as client:
        first = client.products.keyword_search("连衣裙", max_pages=2)
        got = await ids_of(first)
        rest = client.products.keyword_search("连衣裙", page=first.next_page, page_size=first.page_size)
        got += await ids_of(rest)
    assert got == [1000 + n for n in range(230)]


# --------------------------------------------------------------------------- the first window


@pytest.mark.parametrize("prefetch", [2, 4, 8, 16])
async def test_the_first_window_goes_out_before_any_answer(prefetch: int) -> None:
    gate = asyncio.Event()
    search = Search(1000, gate=gate)
    async with client_for(search) as client:
        paginator = client.products.keyword_search("连衣裙", page_size=20, prefetch=prefetch, max_pages=20)
        walk = asyncio.ensure_future(ids_of(paginator))
        for _ in range(5):
            await asyncio.sleep(0)
        assert sorted(search.pages) == list(range(1, prefetch + 1))  # all of them, nothing answered yet
        assert search.answered == []
        gate.set()
        ids = await walk
    assert ids == [1000 + n for n in range(400)]
    assert sorted(search.pages) == list(range(1, 21))  # never past max_pages


async def test_pages_come_in_page_order_whatever_order_the_answers_come_in() -> None:
    search = Search(400)

    async def reversed_answers(request: Request) -> Response:
        page = int(request.params["beginPage"])
        for _ in range(20 - page):  # later pages answer first
            await asyncio.sleep(0)
        return await search(request)

    async with DajiClient("key", "secret", transport=MockTransport(reversed_answers)) as client:
        paginator = client.products.keyword_search("连衣裙", page_size=20, prefetch=8)
        pages = [page.current_page async for page in paginator.pages()]
    assert pages == list(range(1, 21))
    assert search.answered[:8] != sorted(search.answered[:8])  # the answers really came out of order


@pytest.mark.parametrize("prefetch", [2, 5, 8, 16])
@pytest.mark.parametrize("total", [0, 15, 20, 45, 100])
async def test_a_search_shorter_than_the_window_wastes_at_most_prefetch_minus_one(prefetch: int, total: int) -> None:
    search = Search(total)
    async with client_for(search) as client:
        paginator = client.products.keyword_search("连衣裙", page_size=20, prefetch=prefetch)
        assert await ids_of(paginator) == [1000 + n for n in range(total)]
        assert paginator.next_page is None
        assert await settle() == []
    needed = max(1, -(-total // 20))
    assert search.pages[:needed] == list(range(1, needed + 1))
    assert needed <= len(search.pages) <= needed + prefetch - 1
    assert len(set(search.pages)) == len(search.pages)  # no page asked for twice


@pytest.mark.parametrize("prefetch", [2, 8, 16])
@pytest.mark.parametrize(
    ("max_items", "page_size", "requests"), [(30, 10, 3), (35, 10, 4), (20, 20, 1), (250, None, 5)]
)
async def test_max_items_wastes_no_request(prefetch: int, max_items: int, page_size: int | None, requests: int) -> None:
    search = Search(5000)
    async with client_for(search) as client:
        paginator = client.products.keyword_search(
            "连衣裙", page_size=page_size, prefetch=prefetch, max_items=max_items
        )
        assert await ids_of(paginator) == [1000 + n for n in range(max_items)]
    assert search.pages == list(range(1, requests + 1))


@pytest.mark.parametrize("prefetch", [2, 8])
async def test_max_pages_and_a_later_start_bound_the_window(prefetch: int) -> None:
    search = Search(5000)
    async with client_for(search) as client:
        paginator = client.products.keyword_search("连衣裙", page=4, page_size=10, prefetch=prefetch, max_pages=3)
        assert await ids_of(paginator) == [1000 + n for n in range(30, 60)]
        assert paginator.next_page == 7
    assert search.pages == [4, 5, 6]


@pytest.mark.parametrize("prefetch", [1, 4])
async def test_an_empty_page_ends_the_walk_and_cancels_the_window(prefetch: int) -> None:
    search = Search(1000, empty_from=3)  # reports 50 pages of 20 but page 3 is empty
    async with client_for(search) as client:
        paginator = client.products.keyword_search("连衣裙", page_size=20, prefetch=prefetch)
        assert await ids_of(paginator) == [1000 + n for n in range(40)]
        assert paginator.next_page is None
        assert await settle() == []
    assert len(search.pages) <= 3 + prefetch - 1


async def test_the_repeat_guard_holds_inside_the_window() -> None:
    search = Search(1000)
    search.repeat = 3
    async with client_for(search) as client:
        paginator = client.products.keyword_search("连衣裙", page_size=20, prefetch=8)
        seen: list[int] = []
        with pytest.raises(PaginationError, match="page 3"):
            async for item in paginator:
                seen.append(item.offer_id)
        assert seen == [1000 + n for n in range(40)]
        assert paginator.next_page == 3
        assert await settle() == []


@pytest.mark.parametrize("how", ["break", "cancel"])
async def test_leaving_during_the_first_window_cancels_it(how: str) -> None:
    gate = asyncio.Event()
    search = Search(1000, gate=gate)
    async with client_for(search) as client:
        paginator = client.products.keyword_search("连衣裙", page_size=20, prefetch=8)
        if how == "cancel":
            walk = asyncio.ensure_future(ids_of(paginator))
            for _ in range(5):
                await asyncio.sleep(0)
            assert len(search.pages) == 8
            walk.cancel()
            with pytest.raises(asyncio.CancelledError):
                await walk
        else:
            pages = paginator.pages()
            first = asyncio.ensure_future(pages.__anext__())
            for _ in range(5):
                await asyncio.sleep(0)
            gate.set()
            assert (await first).current_page == 1
            await pages.aclose()
        assert await settle() == []
    assert search.pages == list(range(1, 9))  # the first window, and nothing after leaving
