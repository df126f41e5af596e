"""Exact resume (issue 23, item 6): ``resume=paginator.resume_token`` continues a walk at the
item after the last one it yielded, with its page size, never repeating or skipping one,
on page-numbered (1688, Taobao) and cursor-paged (Poizon) searches, against the sandbox."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daji_async import DajiClient, Paginator
from daji_async.sandbox import SandboxServer

KEYWORD = "/alibaba/product/keywordQuery"
POIZON = "/poizon/product/queryList"
Open = Callable[[str | None, int | None], Paginator[Any, Any]]


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as sandbox:
        yield sandbox


def expected_ids(sandbox: SandboxServer, keyword: str) -> list[int]:
    total = sandbox.state.scenarios[keyword]
    return [o.offer_id for o in sandbox.state.catalogue.sample("scenario:" + keyword, total)][:2000]


async def walk_in_segments(open_walk: Open, cuts: list[int], stop_by: str, id_of: str) -> tuple[list[Any], int]:
    """Walk in segments, each cut after ``cut`` items, the next resumed from the last one's token.

    ``stop_by``: ``max_items`` (the cut is the walk's ``max_items``), ``pages`` (the same, walked
    with ``.pages()``) or ``break`` (no ``max_items``: the loop breaks after ``cut`` items).
    ``open_walk(token, max_items)`` opens a walk (the first one with token None). Returns the
    ids taken and the number of segments walked; the last segment runs to the end.
    """
    taken: list[Any] = []
    token: str | None = None
    for number, cut in enumerate([*cuts, None], 1):
        walk = open_walk(token, None if stop_by == "break" else cut)
        if stop_by == "pages":
            async for page in walk.pages():
                taken += [getattr(i, id_of) for i in getattr(page, walk.items_field)]
        else:
            count = 0
            async for item in walk:
                taken.append(getattr(item, id_of))
                count += 1
                if count == cut and stop_by == "break":
                    break
        token = walk.resume_token
        if token is None:
            return taken, number
        assert token.isascii() and token == token.strip()
    raise AssertionError("the last segment has no cut: it must run out")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    total=st.integers(0, 130),
    page_size=st.none() | st.integers(1, 50),
    cuts=st.lists(st.integers(1, 60), min_size=1, max_size=4),
    prefetch=st.integers(1, 4),
    stop_by=st.sampled_from(["max_items", "break", "pages"]),
)
def test_resume_continues_exactly_on_numbered_pages(
    shared_sandbox: SandboxServer, total: int, page_size: int | None, cuts: list[int], prefetch: int, stop_by: str
) -> None:
    keyword = f"续{total}"
    shared_sandbox.set_scenario(keyword, total)

    async def run() -> tuple[list[Any], int]:
        async with shared_sandbox.client() as client:
            search = client.products.keyword_search

            def open_walk(token: str | None, max_items: int | None) -> Paginator[Any, Any]:
                if token is None:
                    return search(keyword, page_size=page_size, max_items=max_items, prefetch=prefetch)
                return search(keyword, resume=token, max_items=max_items, prefetch=prefetch)  # no page size again

            return await walk_in_segments(open_walk, cuts, stop_by, "offer_id")

    taken, _ = asyncio.run(run())
    assert taken == expected_ids(shared_sandbox, keyword)  # every item once, in order


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    page_size=st.none() | st.integers(1, 50),
    cuts=st.lists(st.integers(1, 40), min_size=1, max_size=4),
    stop_by=st.sampled_from(["max_items", "break", "pages"]),
    brand=st.sampled_from(["Nike", "adidas"]),
)
def test_resume_continues_exactly_on_a_cursor(
    shared_sandbox: SandboxServer, page_size: int | None, cuts: list[int], stop_by: str, brand: str
) -> None:
    async def run() -> tuple[list[Any], list[Any], int]:
        async with shared_sandbox.client() as client:
            search = client.poizon.products.search
            everything = [s.dw_spu_id async for s in search(brand=brand, page_size=50)]

            def open_walk(token: str | None, max_items: int | None) -> Paginator[Any, Any]:
                if token is None:
                    return search(brand=brand, page_size=page_size, max_items=max_items)
                return search(brand=brand, resume=token, max_items=max_items)

            taken, segments = await walk_in_segments(open_walk, cuts, stop_by, "dw_spu_id")
            return everything, taken, segments

    everything, taken, _ = asyncio.run(run())
    assert len(everything) > 40
    assert taken == everything


async def test_a_mid_page_cut_resumes_at_the_next_item_with_one_request(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    daji_sandbox.set_scenario("切", 95)
    ids = expected_ids(daji_sandbox, "切")
    walk = daji_client.products.keyword_search("切", page_size=20, max_items=30)
    first = [i.offer_id async for i in walk]
    assert walk.next_page == 3  # page-granular: page 2's last ten items are not in it
    sent = len(daji_sandbox.requests)
    rest = daji_client.products.keyword_search("切", resume=walk.resume_token, max_items=10)
    assert [i.offer_id async for i in rest] == ids[30:40]
    assert first == ids[:30]
    assert len(daji_sandbox.requests) == sent + 1  # page 2 again, nothing else
    assert daji_sandbox.requests[-1].params["pageSize"] == "20"  # the size of the walk resumed
    assert rest.page_size == 20
    page = await daji_client.products.keyword_search("切", resume=rest.resume_token)
    assert [i.offer_id for i in page.items] == ids[40:60]  # await: the next page's items from the offset


async def test_the_token_is_none_once_exhausted_and_the_start_before_any_walk(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    daji_sandbox.set_scenario("尽", 25)
    walk = daji_client.products.keyword_search("尽", page_size=10)
    before = walk.resume_token
    assert [i async for i in walk] != []
    assert walk.resume_token is None
    again = daji_client.products.keyword_search("尽", resume=before)
    assert len([i async for i in again]) == 25


async def test_resume_and_page_conflict(daji_client: DajiClient) -> None:
    walk = daji_client.products.keyword_search("冲突", page_size=10)
    token = walk.resume_token
    assert token is not None
    with pytest.raises(ValueError, match="resume or page"):
        daji_client.products.keyword_search("冲突", resume=token, page=2)
    with pytest.raises(ValueError, match="conflicts with the resume token's page size 10"):
        daji_client.products.keyword_search("冲突", resume=token, page_size=20)
    daji_client.products.keyword_search("冲突", resume=token, page_size=10)  # the same size is no conflict


def _forge(fields: list[Any]) -> str:
    return "dj1." + base64.urlsafe_b64encode(msgspec.json.encode(fields)).rstrip(b"=").decode()


async def test_malformed_and_foreign_tokens_are_refused(daji_client: DajiClient) -> None:
    search = daji_client.products.keyword_search
    token = search("甲", page_size=10).resume_token
    assert token is not None
    name, digest, *_ = msgspec.json.decode(base64.urlsafe_b64decode(token[4:] + "=" * (-len(token[4:]) % 4)))
    cases: dict[str, Any] = {
        "not a daji_async resume token": "page=3",
        "version 7": "dj7." + token[4:],
        "malformed": token[:-6],
        "malformed ": "dj1.%%%%",
        "malformed  ": "dj1." + token[4:] + "!",
        "malformed   ": _forge([name, digest, 1, 10]),
        "offset 12 does not fit a page of 10": _forge([name, digest, 1, 10, 12]),
        "no page number": _forge([name, digest, None, 10, 0]),
    }
    for words, bad in cases.items():
        with pytest.raises(ValueError, match=words.strip()):
            search("甲", resume=bad)
    with pytest.raises(ValueError, match="other parameters"):
        search("乙", resume=token)  # another keyword's walk
    with pytest.raises(ValueError, match="not of"):
        daji_client.products.shop_search("seller-1", resume=token)  # another endpoint's walk
    poizon = daji_client.poizon.products.search(brand="Nike").resume_token
    with pytest.raises(ValueError, match="not of"):
        search("甲", resume=poizon)
    with pytest.raises(TypeError, match="resume must be a resume token"):
        search("甲", resume=b"dj1.x")  # type: ignore[arg-type]


async def test_taobao_search_resumes_too(daji_client: DajiClient) -> None:
    everything = [i.item_id async for i in daji_client.taobao.products.keyword_search("手机壳", max_items=50)]
    walk = daji_client.taobao.products.keyword_search("手机壳", page_size=20, max_items=13)
    first = [i.item_id async for i in walk]
    rest = daji_client.taobao.products.keyword_search("手机壳", resume=walk.resume_token, max_items=37)
    assert first + [i.item_id async for i in rest] == everything


async def _walks(client: DajiClient) -> dict[str, tuple[Callable[..., Paginator[Any, Any]], str]]:
    """Every other kind of paged call, by name: ``search(**paging)`` and its items' id field."""
    offer = (await client.products.keyword_search("连衣裙")).items[0].offer_id
    seller = (await client.products.detail(offer)).seller_open_id
    shop = (await client.taobao.products.keyword_search("手机壳")).items[0].shop_id
    assert seller is not None and shop is not None
    return {
        "1688 shop search": (lambda **kw: client.products.shop_search(seller, **kw), "offer_id"),
        "1688 image search": (
            lambda **kw: client.products.image_search("https://cbu01.alicdn.com/a.jpg", **kw),
            "offer_id",
        ),
        "taobao image search V2 (0-based pages)": (
            lambda **kw: client.taobao.products.image_search(image_url="https://img.alicdn.com/a.jpg", **kw),
            "item_id",
        ),
        "taobao shop search": (lambda **kw: client.taobao.products.shop_search(shop, **kw), "item_id"),
    }


async def test_every_kind_of_paged_call_resumes_to_the_item(daji_client: DajiClient) -> None:
    for name, (search, id_of) in (await _walks(daji_client)).items():
        everything = [getattr(i, id_of) async for i in search(page_size=5, max_items=23)]
        assert len(everything) > 7, name
        walk = search(page_size=5, max_items=7)
        first = [getattr(i, id_of) async for i in walk]
        rest = search(resume=walk.resume_token, max_items=len(everything) - 7)
        assert first + [getattr(i, id_of) async for i in rest] == everything, name


async def test_a_bulk_call_refuses_resume(daji_client: DajiClient) -> None:
    token = daji_client.products.keyword_search("甲").resume_token
    calls = [
        lambda: daji_client.bulk.keyword_search(["甲"], resume=token),
        lambda: daji_client.bulk.image_search(["https://cbu01.alicdn.com/a.jpg"], resume=token),
        lambda: daji_client.bulk.taobao.keyword_search(["甲"], resume=token),
        lambda: daji_client.bulk.taobao.image_search(["https://img.alicdn.com/a.jpg"], resume=token),
        lambda: daji_client.bulk.poizon.search(["Nike"], resume=token),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="resume= continues one walk"):
            call()
