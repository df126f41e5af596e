"""Bulk on every platform refuses a bad input on its own (issue 22, item 6).

None, bytes, bools, floats and blank or over-long strings each get their own result with a
TypeError or ValueError naming the problem, nothing is sent for them, and the good inputs
run. A None among Poizon brands never becomes a search without a brand (the whole catalogue).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

import pytest

from daji_async import BulkResult, DajiClient
from daji_async.sandbox import SandboxServer

LONG = "x" * 300  # longer than any keyword (200) or brand (128) the SDK sends
BAD: list[tuple[object, type[Exception], str]] = [
    (None, TypeError, "NoneType"),
    (b"abc", TypeError, "bytes"),
    (True, TypeError, "bool"),
    (1.5, TypeError, "float"),
    ("", ValueError, "empty or blank"),
    ("   ", ValueError, "empty or blank"),
    (LONG, ValueError, "300 characters long"),
]
#: What image searches say instead, now that bytes and paths are pictures.
IMAGE_BAD: dict[object, tuple[type[Exception], str]] = {
    b"abc": (ValueError, "not a JPG, PNG or WEBP"),
    LONG: (OSError, "cannot read picture file"),  # a path: too long a name
}
BAD_IDS: list[tuple[object, type[Exception], str]] = [
    (None, TypeError, "NoneType"),
    (b"123", TypeError, "bytes"),
    (True, TypeError, "bool"),
    (1.5, TypeError, "float"),
    ("", ValueError, ""),
    ("   ", ValueError, ""),
    ("9" * 300, ValueError, ""),
]

Run = Callable[[DajiClient, list[Any]], AsyncGenerator[BulkResult[Any, Any], None]]

SEARCHES: dict[str, tuple[Run, object, str]] = {
    "1688 keyword": (lambda c, xs: c.bulk.keyword_search(xs, max_items=2), "连衣裙", "/alibaba/product/keywordQuery"),
    "1688 image": (
        lambda c, xs: c.bulk.image_search(xs, max_items=2),
        "https://cbu01.alicdn.com/a.jpg",
        "/alibaba/product/imageQuery",
    ),
    "taobao keyword": (
        lambda c, xs: c.bulk.taobao.keyword_search(xs, max_items=2),
        "手机壳",
        "/taobao/traffic/item/search",
    ),
    "taobao image": (
        lambda c, xs: c.bulk.taobao.image_search(xs, max_items=2),
        "https://img.alicdn.com/a.jpg",
        "/taobao/image-search/url",
    ),
    "poizon brand": (lambda c, xs: c.bulk.poizon.search(xs, max_items=2), "Nike", "/poizon/product/queryList"),
}
DETAILS: dict[str, Run] = {
    "1688 detail": lambda c, xs: c.bulk.detail(xs),
    "taobao detail": lambda c, xs: c.bulk.taobao.detail(xs),
    "poizon detail": lambda c, xs: c.bulk.poizon.detail(xs),
}


async def _results(run: Run, client: DajiClient, inputs: list[Any]) -> list[BulkResult[Any, Any]]:
    return [r async for r in run(client, inputs)]


@pytest.mark.parametrize("name", sorted(SEARCHES))
async def test_searches_refuse_each_bad_input_alone(name: str, daji_sandbox: SandboxServer) -> None:
    run, good, path = SEARCHES[name]
    inputs = [good, *(bad for bad, _, _ in BAD), good]
    async with daji_sandbox.client() as client:
        results = sorted(await _results(run, client, inputs), key=lambda r: r.index)
    assert [r.index for r in results] == list(range(len(inputs)))
    for result in (results[0], results[-1]):
        assert result.error is None, result.error
        assert len(result.items) == 2
    for result, (bad, kind, words) in zip(results[1:-1], BAD, strict=True):
        if "image" in name and bad in IMAGE_BAD:
            # image searches take any picture (issue 29): bytes that are no image, a path to no file
            kind, words = IMAGE_BAD[bad]  # type: ignore[index]
        assert type(result.error) is kind, (bad, result.error)
        assert words in str(result.error)
        assert "bulk" in str(result.error) or "picture" in str(result.error)  # names the input
        assert result.items == [] and result.pages == 0
    sent = [r for r in daji_sandbox.requests if r.path == path]
    assert len(sent) == 2  # one page for each good input, none for a bad one


@pytest.mark.parametrize("name", sorted(DETAILS))
async def test_details_refuse_each_bad_input_alone(name: str, daji_sandbox: SandboxServer) -> None:
    inputs = [bad for bad, _, _ in BAD_IDS]
    async with daji_sandbox.client() as client:
        results = sorted(await _results(DETAILS[name], client, inputs), key=lambda r: r.index)
    for result, (bad, kind, words) in zip(results, BAD_IDS, strict=True):
        assert type(result.error) is kind, (bad, result.error)
        assert words in str(result.error)
    assert daji_sandbox.requests == []


async def test_a_none_brand_is_never_an_unfiltered_crawl(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client() as client:
        results = [r async for r in client.bulk.poizon.search([None, "Nike"], ordered=True)]  # no max_items
    assert isinstance(results[0].error, TypeError)
    assert "brand" in str(results[0].error)
    assert results[1].ok and results[1].items
    searches = [r for r in daji_sandbox.requests if r.path == "/poizon/product/queryList"]
    assert searches
    assert all(r.params.get("distBrandName") == "Nike" for r in searches)


async def test_taobao_image_ids_and_urls_both_run(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client() as client:
        image_id = await client.taobao.products.upload_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        results = [
            r async for r in client.bulk.taobao.image_search([int(image_id), image_id], max_items=1, ordered=True)
        ]
    assert all(r.ok for r in results), [r.error for r in results]
