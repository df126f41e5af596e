"""``item_type=`` (issue 27, item 1): every paged search and its bulk form decode items straight
into the caller's msgspec Struct, with every stop rule, the repeat-page guard and resume tokens
working as they do with the SDK's own items, against the sandbox over loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Union

import msgspec
import pytest

from daji_async import DajiClient, Page, PaginationError, Paginator
from daji_async.sandbox import SandboxServer
from tests.conftest import settle

KEYWORD = "/alibaba/product/keywordQuery"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


class Offer(msgspec.Struct, rename="camel"):
    """A narrow 1688 item: the id and one more field, camelCase on the wire like ProductItem."""

    offer_id: int
    subject: Union[str, None] = None


class OfferTitle(msgspec.Struct, rename="camel"):
    """A narrow 1688 item without the id the repeat-page guard would use."""

    subject: Union[str, None] = None


class RenamedOffer(msgspec.Struct):
    """The id under another attribute name, the wire name given per field."""

    ident: int = msgspec.field(name="offerId")


class TaobaoLine(msgspec.Struct):
    """A narrow Taobao item: snake_case on the wire like TaobaoItem."""

    item_id: int = 0
    title: Union[str, None] = None


class Spu(msgspec.Struct, rename="camel"):
    """A narrow Poizon SPU (its id carries the next page's cursor)."""

    dw_spu_id: int
    auth_price: Union[int, None] = None


#: a seller of the sandbox's catalogue (set with the sandbox), for the shop search
SELLER: list[str] = []


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        server.set_scenario("窄", 95)
        SELLER[:] = [server.state.catalogue.sample("scenario:窄", 1)[0].seller_open_id]
        yield server


@pytest.fixture
async def client(sandbox: SandboxServer) -> Any:
    async with sandbox.client() as opened:
        yield opened


#: (a search taking ``**kwargs``, the narrow type, the attribute of the id on the SDK's item and on the narrow one)
Search = Callable[..., Paginator[Any, Any]]
CASES: dict[str, tuple[Callable[[DajiClient], Search], type[msgspec.Struct], str, str]] = {
    "1688 keyword": (lambda c: lambda **k: c.products.keyword_search("窄", **k), Offer, "offer_id", "offer_id"),
    "1688 keyword, renamed id": (
        lambda c: lambda **k: c.products.keyword_search("窄", **k),
        RenamedOffer,
        "offer_id",
        "ident",
    ),
    "1688 image": (
        lambda c: lambda **k: c.products.image_search("https://cbu01.alicdn.com/img/ibank/a.jpg", **k),
        Offer,
        "offer_id",
        "offer_id",
    ),
    "1688 shop": (lambda c: lambda **k: c.products.shop_search(SELLER[0], **k), Offer, "offer_id", "offer_id"),
    "taobao keyword": (
        lambda c: lambda **k: c.taobao.products.keyword_search("手机壳", **k),
        TaobaoLine,
        "item_id",
        "item_id",
    ),
    "taobao image v2": (
        lambda c: lambda **k: c.taobao.products.image_search(image_url="https://img.alicdn.com/a.jpg", **k),
        TaobaoLine,
        "item_id",
        "item_id",
    ),
    "taobao hot list": (
        lambda c: lambda **k: c.taobao.products.hot_list_products(101, **k),
        TaobaoLine,
        "item_id",
        "item_id",
    ),
    "poizon search": (lambda c: lambda **k: c.poizon.products.search(brand="Nike", **k), Spu, "dw_spu_id", "dw_spu_id"),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(
    "controls",
    [{"max_items": 23, "page_size": 10}, {"max_pages": 2, "page_size": 5}, {"max_items": 7}, {"prefetch": 3}],
    ids=["max_items", "max_pages", "auto-size", "prefetch"],
)
async def test_narrow_items_follow_the_same_walk_as_the_sdk_items(
    client: DajiClient, case: str, controls: dict[str, Any]
) -> None:
    opener, narrow, sdk_id, narrow_id = CASES[case]
    search = opener(client)
    full = search(**controls)
    mine = search(item_type=narrow, **controls)
    expected = [getattr(item, sdk_id) async for item in full]
    got = [item async for item in mine]
    assert got and all(type(item) is narrow for item in got)
    assert [getattr(item, narrow_id) for item in got] == expected
    assert (mine.pages_fetched, mine.next_page, mine.resume_token) == (
        full.pages_fetched,
        full.next_page,
        full.resume_token,
    )
    pages = [page async for page in search(item_type=narrow, **controls).pages()]
    assert [getattr(i, narrow_id) for p in pages for i in getattr(p, mine.items_field)] == expected


async def test_await_gives_a_page_of_the_narrow_items(client: DajiClient) -> None:
    page = await client.products.keyword_search("窄", page=2, page_size=20, item_type=Offer)
    full = await client.products.keyword_search("窄", page=2, page_size=20)
    assert isinstance(page, Page) and all(type(item) is Offer for item in page.items)
    assert [i.offer_id for i in page.items] == [i.offer_id for i in full.items]
    assert [i.subject for i in page.items] == [i.subject for i in full.items]
    assert (page.total_pages, page.current_page, page.trace_id is not None) == (5, 2, True)


async def test_the_walk_ends_on_the_last_page_without_extra_requests(
    client: DajiClient, sandbox: SandboxServer
) -> None:
    before = sandbox.stats["by_path"].get(KEYWORD, 0)
    walk = client.products.keyword_search("窄", page_size=20, item_type=OfferTitle)
    titles = [item.subject async for item in walk]
    assert len(titles) == 95 and walk.next_page is None and walk.resume_token is None
    assert sandbox.stats["by_path"][KEYWORD] - before == 5


@pytest.mark.parametrize("narrow", [Offer, OfferTitle, RenamedOffer])
@pytest.mark.parametrize("prefetch", [1, 4])
async def test_the_repeat_page_guard_stops_a_narrow_walk(
    sandbox: SandboxServer, narrow: type[msgspec.Struct], prefetch: int
) -> None:
    # OfferTitle has no offer_id: the guard then tells pages apart by their content's digest
    sandbox.set_scenario("循环窄", 100)
    sandbox.add_fault("repeat_page", path=KEYWORD, match={"beginPage": "3", "keyword": "循环窄"})
    try:
        async with sandbox.client() as client:
            walk = client.products.keyword_search("循环窄", page_size=10, prefetch=prefetch, item_type=narrow)
            seen: list[Any] = []
            with pytest.raises(PaginationError, match="page 3"):
                async for item in walk:
                    seen.append(item)
            results = [r async for r in client.bulk.keyword_search(["循环窄"], page_size=10, item_type=narrow)]
        assert len(seen) == 20 and walk.next_page == 3
        assert isinstance(results[0].error, PaginationError)
        assert await settle() == []
    finally:
        sandbox.clear_faults()


async def test_a_poizon_cursor_that_comes_back_stops_a_narrow_walk(sandbox: SandboxServer) -> None:
    sandbox.add_fault("repeat_page", path="/poizon/product/queryList", match={"distBrandName": "Nike"})
    try:
        async with sandbox.client() as client:
            walk = client.poizon.products.search(brand="Nike", page_size=10, item_type=Spu)
            with pytest.raises(PaginationError):
                async for _ in walk:
                    pass
    finally:
        sandbox.clear_faults()


@pytest.mark.parametrize(("first_type", "then_type"), [(Offer, Offer), (None, Offer), (Offer, None)])
async def test_resume_tokens_continue_exactly_across_item_types(
    client: DajiClient, first_type: type[Offer] | None, then_type: type[Offer] | None
) -> None:
    everything = [i.offer_id async for i in client.products.keyword_search("窄", page_size=20)]
    first = client.products.keyword_search("窄", page_size=20, max_items=27, item_type=first_type)
    head = [i.offer_id async for i in first]
    rest = client.products.keyword_search("窄", resume=first.resume_token, item_type=then_type)
    tail = [i.offer_id async for i in rest]
    assert head + tail == everything


async def test_bulk_forms_decode_into_the_callers_struct(client: DajiClient) -> None:
    words = ["窄", "手机壳"]
    full = {r.query: [i.offer_id for i in r.items] async for r in client.bulk.keyword_search(words, max_items=30)}
    narrow = [r async for r in client.bulk.keyword_search(words, max_items=30, item_type=Offer)]
    assert {r.query: [i.offer_id for i in r.items] for r in narrow} == full
    assert all(type(i) is Offer for r in narrow for i in r.items)
    url = "https://cbu01.alicdn.com/img/ibank/a.jpg"
    [image] = [r async for r in client.bulk.image_search([url], max_items=12, item_type=OfferTitle)]
    assert len(image.items) == 12 and all(type(i) is OfferTitle for i in image.items)
    [taobao] = [r async for r in client.bulk.taobao.keyword_search(["手机壳"], max_items=25, item_type=TaobaoLine)]
    full_taobao = [i.item_id async for i in client.taobao.products.keyword_search("手机壳", max_items=25)]
    assert [i.item_id for i in taobao.items] == full_taobao
    [spus] = [r async for r in client.bulk.poizon.search(["Nike"], max_items=25, page_size=10, item_type=Spu)]
    full_spus = [i.dw_spu_id async for i in client.poizon.products.search(brand="Nike", max_items=25)]
    assert [i.dw_spu_id for i in spus.items] == full_spus and spus.pages == 3
    image_id = await client.taobao.products.upload_image(PNG)
    by_id = [r async for r in client.bulk.taobao.image_search([image_id], max_items=5, item_type=TaobaoLine)]
    assert by_id[0].error is None and all(type(i) is TaobaoLine for i in by_id[0].items)


class NoRename(msgspec.Struct):
    offer_id: int  # ProductItem's wire name is offerId: forgot rename="camel"


class NoCursor(msgspec.Struct, rename="camel"):
    auth_price: Union[int, None] = None


class NotAStruct:
    offer_id: int


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda c: c.products.keyword_search("窄", item_type=NoRename),
            ValueError,
            r"offer_id \(wire name 'offer_id'\)",
        ),
        (lambda c: c.products.keyword_search("窄", item_type=NotAStruct), TypeError, "msgspec.Struct"),
        (lambda c: c.products.keyword_search("窄", item_type=Offer(1)), TypeError, "msgspec.Struct"),
        (lambda c: c.taobao.products.keyword_search("a", item_type=Offer), ValueError, "are not fields of TaobaoItem"),
        (lambda c: c.poizon.products.search(brand="Nike", item_type=NoCursor), ValueError, "must keep dw_spu_id"),
        (lambda c: c.bulk.keyword_search(["a"], item_type=NoRename), ValueError, "not a field of ProductItem"),
        (lambda c: c.bulk.poizon.search(["Nike"], item_type=NoCursor), ValueError, "dwSpuId"),
    ],
)
async def test_a_bad_item_type_is_refused_before_anything_is_sent(
    client: DajiClient, sandbox: SandboxServer, call: Callable[[DajiClient], object], error: type, message: str
) -> None:
    before = sandbox.stats["requests"]
    with pytest.raises(error, match=message):
        call(client)
    assert sandbox.stats["requests"] == before
