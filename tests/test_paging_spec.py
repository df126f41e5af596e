"""The generic paginator driven by a PagingSpec: 1688's beginPage, a 0-based page_no with only
a total count (Taobao's shape), a startId cursor (Poizon's shape), and the repeat-page guard for
items with and without ids. Pure pipeline tests over MockTransport: no socket."""

from __future__ import annotations

from typing import Any, Union

import msgspec
import pytest

from daji_async import DajiClient, PaginationError, Paginator
from daji_async._endpoints import Endpoint, PagingSpec
from daji_async.models.common import Page
from daji_async.testing import MockTransport, Request, Response


class Thing(msgspec.Struct, rename="camel"):
    """An item with no identity of its own."""

    name: str
    price: str


THINGS = Endpoint("test.things", "GET", "/test/things", Page[Thing], paging=PagingSpec(), register=False)


def envelope(data: Any) -> Response:
    return Response(200, json={"code": 200, "message": "success", "data": data})


def things_handler(total: int, size_seen: list[int] | None = None, *, repeat: int | None = None) -> Any:
    """A 1688-shaped list of ``total`` id-less things; page ``repeat`` answers with page 1's items."""

    def handler(request: Request) -> Response:
        page, size = int(request.params["beginPage"]), int(request.params["pageSize"])
        if size_seen is not None:
            size_seen.append(size)
        source = 1 if page == repeat else page
        start = (source - 1) * size
        items = [{"name": f"thing {n}", "price": f"{n % 7}.50"} for n in range(start, min(start + size, total))]
        return envelope({"data": items, "totalRecords": total, "totalPage": -(-total // size), "currentPage": page})

    return handler


def client_for(handler: Any) -> DajiClient:
    return DajiClient("key", "secret", transport=MockTransport(handler))


@pytest.mark.parametrize("prefetch", [1, 4])
async def test_2000_items_without_ids_walk_without_a_false_repeat(prefetch: int) -> None:
    async with client_for(things_handler(2000)) as client:
        paginator: Paginator[Page[Thing], Thing] = Paginator(
            client, THINGS, {"q": "all"}, page_size=20, prefetch=prefetch
        )
        names = [thing.name async for thing in paginator]
    assert names == [f"thing {n}" for n in range(2000)]
    assert paginator.pages_fetched == 100
    assert paginator.next_page is None


async def test_a_repeated_page_of_items_without_ids_is_caught() -> None:
    async with client_for(things_handler(200, repeat=4)) as client:
        paginator: Paginator[Page[Thing], Thing] = Paginator(client, THINGS, {}, page_size=20)
        seen: list[str] = []
        with pytest.raises(PaginationError, match="page 4 repeats") as info:
            async for thing in paginator:
                seen.append(thing.name)
    assert len(seen) == 60
    assert info.value.next_page == 4


async def test_a_bulk_walk_catches_the_same_repeat() -> None:
    async with client_for(things_handler(200, repeat=4)) as client:
        paginator: Paginator[Page[Thing], Thing] = Paginator(client, THINGS, {}, page_size=20)
        [result] = [r async for r in client.bulk.walk(lambda _: paginator, ["things"])]
    assert isinstance(result.error, PaginationError)
    assert "page 4 repeats" in str(result.error)
    assert result.error.next_page == 4 and paginator.next_page == 4 and paginator.pages_fetched == 4


async def test_a_repeated_page_of_items_with_ids_is_caught_by_id() -> None:
    async with client_for(_offers_handler(total=100, repeat=3)) as client:
        with pytest.raises(PaginationError, match="page 3 repeats"):
            [item async for item in client.products.keyword_search("x", page_size=10)]


def _offers_handler(total: int, repeat: int) -> Any:
    def handler(request: Request) -> Response:
        page, size = int(request.params["beginPage"]), int(request.params["pageSize"])
        source = 2 if page == repeat else page
        items = [{"offerId": n + 1} for n in range((source - 1) * size, min(source * size, total))]
        return envelope({"data": items, "totalRecords": total, "totalPage": -(-total // size), "currentPage": page})

    return handler


async def test_page_size_bounds_come_from_the_spec() -> None:
    async with client_for(things_handler(10)) as client:
        with pytest.raises(ValueError, match="page_size"):
            Paginator(client, THINGS, {}, page_size=51)
        with pytest.raises(ValueError, match="page"):
            Paginator(client, THINGS, {}, page=0)
        default: Paginator[Page[Thing], Thing] = Paginator(client, THINGS, {})
        assert (default.page, default.page_size) == (1, 20)


# --------------------------------------------------------------------------- Taobao's shape


class TaobaoItem(msgspec.Struct):
    item_id: int
    title: str


class TaobaoPage(msgspec.Struct):
    data: list[TaobaoItem] = msgspec.field(default_factory=list)
    total_count: Union[int, None] = None
    page_no: int = 0


TAOBAO_PAGING = PagingSpec(
    page_param="page_no",
    size_param="page_size",
    first_page=0,
    max_size=20,
    items="data",
    total_pages=None,
    total_items="total_count",
    current_page="page_no",
    page_size=None,
    trace_id=None,
    item_id="item_id",
)
TAOBAO_SEARCH = Endpoint(
    "test.taobao_search", "GET", "/taobao/traffic/item/search", TaobaoPage, paging=TAOBAO_PAGING, register=False
)


def taobao_handler(total: int, asked: list[int]) -> Any:
    def handler(request: Request) -> Response:
        page, size = int(request.params["page_no"]), int(request.params["page_size"])
        asked.append(page)
        items = [{"item_id": n, "title": f"t{n}"} for n in range(page * size, min((page + 1) * size, total))]
        return envelope({"data": items, "total_count": total, "page_no": page})

    return handler


@pytest.mark.parametrize("prefetch", [1, 3])
async def test_zero_based_page_numbers_with_only_a_total_count(prefetch: int) -> None:
    asked: list[int] = []
    async with client_for(taobao_handler(95, asked)) as client:
        paginator: Paginator[TaobaoPage, TaobaoItem] = Paginator(
            client, TAOBAO_SEARCH, {"keyword": "x"}, page_size=20, prefetch=prefetch
        )
        first = await paginator
        ids = [item.item_id async for item in paginator]
    assert first.page_no == 0 and len(first.data) == 20
    assert ids == list(range(95))
    assert sorted(asked) == [0, 0, 1, 2, 3, 4]  # the awaited first page, then the walk: no page 5
    with pytest.raises(ValueError, match="page_size"):
        Paginator(client, TAOBAO_SEARCH, {}, page_size=21)


async def test_zero_based_resume_and_caps() -> None:
    asked: list[int] = []
    async with client_for(taobao_handler(95, asked)) as client:
        capped: Paginator[TaobaoPage, TaobaoItem] = Paginator(client, TAOBAO_SEARCH, {}, page_size=10, max_pages=3)
        assert len([i async for i in capped]) == 30
        assert capped.next_page == 3
        rest: Paginator[TaobaoPage, TaobaoItem] = Paginator(
            client, TAOBAO_SEARCH, {}, page=capped.next_page, page_size=10
        )
        assert [i.item_id async for i in rest] == list(range(30, 95))


# --------------------------------------------------------------------------- Poizon's shape


class Spu(msgspec.Struct, rename="camel"):
    dw_spu_id: int
    title: str


class SpuPage(msgspec.Struct, rename="camel"):
    total: int = 0
    spu_list: list[Spu] = msgspec.field(default_factory=list)


POIZON_PAGING = PagingSpec(
    style="cursor",
    page_param="startId",
    first_page=None,
    items="spu_list",
    total_pages=None,
    total_items="total",
    current_page=None,
    page_size=None,
    trace_id=None,
    cursor_item="dw_spu_id",
    item_id="dw_spu_id",
)
POIZON_LIST = Endpoint(
    "test.poizon_list", "GET", "/poizon/product/queryList", SpuPage, paging=POIZON_PAGING, register=False
)


def poizon_handler(ids: list[int], asked: list[str | None]) -> Any:
    def handler(request: Request) -> Response:
        cursor = request.params.get("startId")
        asked.append(cursor)
        size = int(request.params["pageSize"])
        after = [i for i in ids if cursor is None or i > int(cursor)][:size]
        return envelope({"total": len(ids), "spuList": [{"dwSpuId": i, "title": f"spu {i}"} for i in after]})

    return handler


async def test_cursor_paging_from_the_last_id() -> None:
    ids = list(range(100, 1100, 10))  # 100 spus
    asked: list[str | None] = []
    async with client_for(poizon_handler(ids, asked)) as client:
        paginator: Paginator[SpuPage, Spu] = Paginator(client, POIZON_LIST, {"distBrandName": "Nike"}, page_size=30)
        got = [spu.dw_spu_id async for spu in paginator]
    assert got == ids
    assert asked == [None, "390", "690", "990", "1090"]  # the last request finds nothing: the end
    assert paginator.next_page is None


async def test_cursor_paging_caps_resume_and_prefetch_is_harmless() -> None:
    ids = list(range(1, 101))
    asked: list[str | None] = []
    async with client_for(poizon_handler(ids, asked)) as client:
        capped: Paginator[SpuPage, Spu] = Paginator(client, POIZON_LIST, {}, page_size=25, max_pages=2, prefetch=4)
        assert len([s async for s in capped]) == 50
        assert capped.next_page == 50
        rest: Paginator[SpuPage, Spu] = Paginator(client, POIZON_LIST, {}, page=capped.next_page, page_size=25)
        assert [s.dw_spu_id async for s in rest] == list(range(51, 101))
        some: Paginator[SpuPage, Spu] = Paginator(client, POIZON_LIST, {}, page_size=25, max_items=30)
        assert len([s async for s in some]) == 30


class Cursored(msgspec.Struct, rename="camel"):
    items: list[Thing] = msgspec.field(default_factory=list)
    next_start_id: Union[str, None] = None


CURSORED = Endpoint(
    "test.cursored",
    "GET",
    "/test/cursored",
    Cursored,
    paging=PagingSpec(
        style="cursor",
        page_param="startId",
        first_page="0",
        total_pages=None,
        total_items=None,
        current_page=None,
        page_size=None,
        trace_id=None,
        next_cursor="next_start_id",
    ),
    register=False,
)


async def test_a_cursor_handed_out_twice_raises() -> None:
    def handler(request: Request) -> Response:
        start = int(request.params["startId"])
        following = "20" if start >= 20 else str(start + 10)  # from 20 on, the cursor stops moving
        things = [{"name": f"n{start + k}", "price": "1"} for k in range(10)]
        return envelope({"items": things, "nextStartId": following})

    async with client_for(handler) as client:
        paginator: Paginator[Cursored, Thing] = Paginator(client, CURSORED, {}, page_size=10)
        with pytest.raises(PaginationError, match="cursor '20' again"):
            [t async for t in paginator]


def test_paging_spec_checks_itself() -> None:
    with pytest.raises(ValueError, match="cursor"):
        PagingSpec(style="cursor")
    with pytest.raises(ValueError, match="first_page"):
        PagingSpec(first_page=None)
    with pytest.raises(ValueError, match="sizes"):
        PagingSpec(min_size=5, default_size=2)
    with pytest.raises(ValueError, match="not a paged endpoint"):
        Paginator(
            DajiClient("k", "s", transport=MockTransport(things_handler(1))),
            Endpoint("x", "GET", "/x", int, register=False),
            {},
        )


class Listing(msgspec.Struct, rename="camel"):
    items: list[TaobaoItem] = msgspec.field(name="result", default_factory=list)
    total_pages: Union[int, None] = None
    current_page: int = 0

    @property
    def has_next(self) -> bool:
        return bool(self.items) and (self.total_pages is None or self.current_page < self.total_pages)


NO_TOTALS = Endpoint(
    "test.no_totals",
    "POST",
    "/test/list",
    Listing,
    body="json",
    paging=PagingSpec(page_param="page", total_items=None, page_size=None, trace_id=None, item_id="item_id"),
    register=False,
)


@pytest.mark.parametrize("prefetch", [1, 4])
@pytest.mark.parametrize(("total", "requests"), [(45, 3), (40, 3), (0, 1)])
async def test_without_totals_a_short_or_empty_page_ends_the_walk(total: int, requests: int, prefetch: int) -> None:
    asked: list[int] = []

    def handler(request: Request) -> Response:
        page, size = request.params["page"], request.params["pageSize"]
        asked.append(page)
        items = [{"item_id": n, "title": "t"} for n in range((page - 1) * size, min(page * size, total))]
        return envelope({"result": items})

    async with client_for(handler) as client:
        first = await Paginator(client, NO_TOTALS, {"status": "all"}, page_size=20)
        assert first.has_next == (total >= 20)  # a full page without a total: maybe more
        asked.clear()
        paginator: Paginator[Listing, TaobaoItem] = Paginator(client, NO_TOTALS, {}, page_size=20, prefetch=prefetch)
        pages = [page async for page in paginator.pages()]
    assert sum(len(p.items) for p in pages) == total
    # one by one: exactly the pages needed; a window speculates, wasting at most prefetch - 1
    assert asked[:requests] == list(range(1, requests + 1))
    assert requests <= len(asked) <= requests + prefetch - 1
    assert len(set(asked)) == len(asked)
    if total % 20:
        assert pages[-1].total_pages == pages[-1].current_page  # the short page said it is the last
