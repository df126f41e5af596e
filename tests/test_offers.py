"""`Offer`, `to_offer()`, `client.offers.keyword_search` and `client.bulk.offers` (issue 25).

The searches run against the sandbox, which serves the same Chinese keywords on all three
platforms, each in its own units (1688 yuan text, Taobao and Poizon int fen). `to_offer()` is
pure: it is tested on decoded answers, without I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from daji_async import (
    BulkProgress,
    DajiClient,
    Offer,
    OfferList,
    PlatformFailure,
    PoizonSpu,
    PoizonSpuDetail,
    ProductDetail,
    ProductItem,
    ServerError,
    TaobaoItem,
    TaobaoItemDetail,
)
from daji_async.sandbox import SandboxServer
from tests.conftest import settle

KEYWORD_1688 = "/alibaba/product/keywordQuery"
TAOBAO_SEARCH = "/taobao/traffic/item/search"
POIZON_LIST = "/poizon/product/queryList"
DATA = Path(__file__).parent / "data"
FIELDS = ("platform", "id", "title", "price", "currency", "image_url", "url", "shop_name", "sales", "raw")


def by_platform(offers: list[Any]) -> dict[str, list[Offer]]:
    found: dict[str, list[Offer]] = {"1688": [], "taobao": [], "poizon": []}
    for offer in offers:
        found[offer.platform].append(offer)
    return found


# --------------------------------------------------------------------------- one search, every platform


async def test_keyword_search_yields_the_same_typed_offers_from_every_platform(daji_client: DajiClient) -> None:
    offers = [offer async for offer in daji_client.offers.keyword_search("手机壳", max_items=20)]
    found = by_platform(offers)
    assert {platform: len(items) for platform, items in found.items()} == {"1688": 20, "taobao": 20, "poizon": 20}
    for offer in offers:
        assert type(offer) is Offer and msgspec.structs.fields(offer)[-1].name == "raw"
        assert tuple(f.name for f in msgspec.structs.fields(offer)) == FIELDS
        assert isinstance(offer.id, str) and offer.id.isdigit()
        assert isinstance(offer.price, Decimal) and offer.price > 0 and offer.currency == "CNY"
        assert offer.url.startswith("https://") and offer.id in offer.url
        assert offer.title and "手机壳" in (offer.raw.title if offer.platform != "1688" else offer.raw.subject or "")
        assert isinstance(offer.sales, int)
    # each price read in its platform's own unit: 1688 yuan text, Taobao and Poizon int fen
    for offer in found["1688"]:
        assert isinstance(offer.raw, ProductItem) and offer.raw.price_info and offer.raw.price_info.price
        assert offer.price == Decimal(offer.raw.price_info.price)
        assert offer.title == offer.raw.subject_trans and offer.url == f"https://detail.1688.com/offer/{offer.id}.html"
    for offer in found["taobao"]:
        assert isinstance(offer.raw, TaobaoItem) and isinstance(offer.raw.price, int)
        assert offer.price == Decimal(offer.raw.price) / 100
        assert offer.shop_name == offer.raw.shop_name and offer.url == f"https://item.taobao.com/item.htm?id={offer.id}"
    for offer in found["poizon"]:
        assert isinstance(offer.raw, PoizonSpu) and isinstance(offer.raw.auth_price, int)
        assert offer.price == Decimal(offer.raw.auth_price) / 100
        assert offer.url == f"https://www.dewu.com/product-detail.html?spuId={offer.id}"
    # the same items the platforms' own searches find, in their order
    ali = [item async for item in daji_client.products.keyword_search("手机壳", max_items=20)]
    assert [o.raw for o in found["1688"]] == ali
    taobao = [item async for item in daji_client.taobao.products.keyword_search("手机壳", max_items=20)]
    assert [o.raw for o in found["taobao"]] == taobao
    poizon = [spu async for spu in daji_client.poizon.products.search(cn_title="手机壳", max_items=20)]
    assert [o.raw for o in found["poizon"]] == poizon


async def test_platforms_and_max_items_are_per_platform(daji_sandbox: SandboxServer, daji_client: DajiClient) -> None:
    offers = [o async for o in daji_client.offers.keyword_search("连衣裙", platforms=("taobao", "poizon"), max_items=7)]
    assert {p: len(items) for p, items in by_platform(offers).items()} == {"1688": 0, "taobao": 7, "poizon": 7}
    assert daji_sandbox.stats["by_path"].get(KEYWORD_1688, 0) == 0


async def test_offers_arrive_as_pages_arrive(daji_sandbox: SandboxServer, daji_client: DajiClient) -> None:
    daji_sandbox.add_fault("latency", seconds=0.6, path=POIZON_LIST)
    started = time.perf_counter()
    first: dict[str, float] = {}
    async for offer in daji_client.offers.keyword_search("手机壳", max_items=5):
        first.setdefault(offer.platform, time.perf_counter() - started)
    assert set(first) == {"1688", "taobao", "poizon"}
    # 1688 and Taobao were not held back by the slow platform
    assert first["1688"] < 0.5 and first["taobao"] < 0.5 <= first["poizon"]


async def test_arguments_are_checked_before_anything_is_sent(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    search = daji_client.offers.keyword_search
    with pytest.raises(ValueError, match="unknown platform 'amazon'"):
        search("手机壳", platforms=("1688", "amazon"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="platforms must be a sequence"):
        search("手机壳", platforms="1688")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="given twice"):
        search("手机壳", platforms=("taobao", "taobao"))
    with pytest.raises(ValueError, match="platforms is empty"):
        search("手机壳", platforms=())
    with pytest.raises(ValueError, match="max_items"):
        search("手机壳", max_items=-1)
    with pytest.raises(ValueError, match="keyword"):
        search("   ")
    with pytest.raises(ValueError, match="platform"):
        daji_client.bulk.offers(["手机壳"], platforms=("ebay",))  # type: ignore[arg-type]
    assert daji_sandbox.stats["requests"] == 0


# --------------------------------------------------------------------------- a platform that fails


async def test_a_failing_platform_is_raised_after_the_others_finish(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    daji_sandbox.add_fault("status", status=503, path=POIZON_LIST)
    offers: list[Offer] = []
    with pytest.raises(ServerError):
        async for offer in daji_client.offers.keyword_search("手机壳", max_items=20):
            offers.append(offer)
    # every offer of the platforms that answered came before the error
    assert {p: len(items) for p, items in by_platform(offers).items()} == {"1688": 20, "taobao": 20, "poizon": 0}


async def test_return_exceptions_yields_the_failure_in_the_platforms_place(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    daji_sandbox.add_fault("status", status=503, path=TAOBAO_SEARCH)
    results = [r async for r in daji_client.offers.keyword_search("连衣裙", max_items=10, return_exceptions=True)]
    failures = [r for r in results if isinstance(r, PlatformFailure)]
    offers = [r for r in results if isinstance(r, Offer)]
    assert len(failures) == 1 and len(offers) + 1 == len(results)
    (failure,) = failures
    assert failure.platform == "taobao" and failure.keyword == "连衣裙" and failure.offers == 0
    assert isinstance(failure.error, ServerError)
    assert {p: len(items) for p, items in by_platform(offers).items()} == {"1688": 10, "taobao": 0, "poizon": 10}


async def test_a_platform_failing_after_a_page_keeps_that_page(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    # Taobao's second page fails: its first 20 offers are kept, and the failure counts them
    daji_sandbox.add_fault("status", status=503, path=TAOBAO_SEARCH, match={"page_no": "2"})
    results = [
        r
        async for r in daji_client.offers.keyword_search(
            "手机壳", platforms=("taobao",), max_items=30, return_exceptions=True
        )
    ]
    assert [type(r) for r in results] == [Offer] * 20 + [PlatformFailure]
    assert results[-1].offers == 20


# --------------------------------------------------------------------------- leaving early


async def test_leaving_early_cancels_every_search_in_flight(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    daji_sandbox.add_fault("latency", seconds=4.0, path=POIZON_LIST)
    daji_sandbox.add_fault("latency", seconds=4.0, path=TAOBAO_SEARCH)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async for offer in daji_client.offers.keyword_search("手机壳", max_items=50):
            assert offer.platform == "1688"
            break
        assert not await settle(3.0), "a search was left running after the break"
        # with aclosing the searches are cancelled at once, not when the iterator is collected
        started = time.perf_counter()
        search = daji_client.offers.keyword_search("连衣裙", max_items=50)
        async with contextlib.aclosing(search) as offers:
            async for _ in offers:
                break
        assert time.perf_counter() - started < 2.0  # nobody waited for the slow platforms
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()] == []
    assert [str(w.message) for w in caught] == []


async def test_cancelling_the_consumer_cancels_the_searches(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    daji_sandbox.add_fault("latency", seconds=1.0)

    async def consume() -> None:
        async with contextlib.aclosing(daji_client.offers.keyword_search("手机壳")) as offers:
            async for _ in offers:
                pass

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not await settle(3.0)


# --------------------------------------------------------------------------- bulk


async def test_bulk_offers_one_result_per_keyword(daji_client: DajiClient) -> None:
    seen: list[BulkProgress] = []
    keywords = ["手机壳", "连衣裙", "耳机"]
    results = [
        r
        async for r in daji_client.bulk.offers(keywords, max_items=4, ordered=True, concurrency=2, progress=seen.append)
    ]
    assert [r.query for r in results] == keywords
    for result in results:
        assert result.ok and isinstance(result.value, OfferList) and result.value.failures == []
        assert result.items is result.value
        assert {p: len(items) for p, items in by_platform(result.items).items()} == {
            "1688": 4,
            "taobao": 4,
            "poizon": 4,
        }
    assert seen[-1] == BulkProgress(3, 0, 3)


async def test_bulk_offers_keeps_the_other_platforms_offers_of_a_failure(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    daji_sandbox.add_fault("status", status=503, path=POIZON_LIST, match={"dwSpuTitle": "连衣裙"})
    seen: list[BulkProgress] = []
    results = {
        r.query: r async for r in daji_client.bulk.offers(["手机壳", "连衣裙"], max_items=3, progress=seen.append)
    }
    assert results["手机壳"].ok and len(results["手机壳"].items) == 9
    failed = results["连衣裙"]
    assert isinstance(failed.error, ServerError) and not failed.ok
    assert isinstance(failed.value, OfferList) and [f.platform for f in failed.value.failures] == ["poizon"]
    assert {p: len(items) for p, items in by_platform(failed.items).items()} == {"1688": 3, "taobao": 3, "poizon": 0}
    assert seen[-1] == BulkProgress(2, 1, 2)


async def test_bulk_offers_stopped_early_leaves_nothing_running(
    daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    daji_sandbox.add_fault("latency", seconds=4.0, path=POIZON_LIST, match={"dwSpuTitle": "耳机"})
    async with contextlib.aclosing(daji_client.bulk.offers(["手机壳", "耳机"], max_items=2)) as results:
        async for result in results:
            assert result.query == "手机壳"
            break
    assert not await settle(3.0)


# --------------------------------------------------------------------------- to_offer (pure)


def test_to_offer_on_the_documented_1688_search_answer() -> None:
    """tests/data/image_search_example.json: the wiki's search answer (§2.3), decoded as the SDK does."""
    answer = json.loads((DATA / "image_search_example.json").read_text(encoding="utf-8"))
    items = msgspec.convert(answer["data"]["data"], list[ProductItem])
    first = items[0].to_offer()
    assert first == Offer(
        platform="1688",
        id="727920485853",
        title=items[0].subject_trans,
        price=Decimal("34.50"),
        image_url="https://cbu01.alicdn.com/O1CN01n1LVNC23jmxwE47az_!!2200710277292-0-cib.jpg",
        url="https://detail.1688.com/offer/727920485853.html",
        shop_name=None,
        sales=3911,
        raw=items[0],
    )
    assert first.raw is items[0]  # untouched: the very item
    for item, offer in zip(items, (i.to_offer() for i in items), strict=True):
        assert item.price_info is not None and item.price_info.price is not None
        assert offer.price == Decimal(item.price_info.price) and str(offer.price) == item.price_info.price  # exact


def test_to_offer_on_1688_details() -> None:
    detail = msgspec.json.decode(
        json.dumps(
            {
                "offerId": 727920485853,
                "subject": "直筒修身男士休闲裤",
                "productImage": {"images": ["https://cbu01.alicdn.com/a.jpg"], "whiteImage": "https://w.jpg"},
                "productSkuInfos": [{"skuId": 1, "price": "36.00"}, {"skuId": 2, "price": "34.5"}, {"skuId": 3}],
                "productSaleInfo": {"priceRangeList": [{"startQuantity": 1, "price": "30.00"}]},
                "soldOut": "2345",
            }
        ),
        type=ProductDetail,
    )
    offer = detail.to_offer()
    assert offer.price == Decimal("34.5") and offer.title == "直筒修身男士休闲裤"  # no translation: the original
    assert offer.image_url == "https://cbu01.alicdn.com/a.jpg" and offer.sales == 2345 and offer.raw is detail
    by_range = msgspec.convert(
        {"offerId": 1, "productSaleInfo": {"priceRangeList": [{"price": "9.90"}, {"price": "8.80"}]}}, ProductDetail
    )
    assert by_range.to_offer().price == Decimal("8.80") and by_range.to_offer().sales is None
    bare = msgspec.convert({"offerId": 1, "soldOut": "many"}, ProductDetail).to_offer()
    assert bare.price is None and bare.sales is None and bare.image_url is None


def test_to_offer_on_taobao_items_in_both_public_spellings() -> None:
    # §9.4: TaoWorld's snake_case with yuan text (U), the camelCase a production client reads (C)
    snake = msgspec.json.decode(
        '{"item_id": 703446760426, "title": "手机壳", "main_image_url": "https://img.alicdn.com/a.jpg",'
        ' "price": "12.50", "shop_name": "小店", "sales": 3}',
        type=TaobaoItem,
    )
    camel = msgspec.json.decode(
        '{"itemId": 703446760426, "title": "手机壳", "mainImageUrl": "https://img.alicdn.com/a.jpg",'
        ' "price": 1250, "shopName": "小店", "sales": 3}',
        type=TaobaoItem,
    )
    for item in (snake, camel):
        offer = item.to_offer()
        assert offer.price == Decimal("12.50") and offer.id == "703446760426" and offer.shop_name == "小店"
        assert offer.image_url == "https://img.alicdn.com/a.jpg" and offer.sales == 3
        assert offer.url == "https://item.taobao.com/item.htm?id=703446760426" and offer.raw is item
    assert snake.to_offer().title == "手机壳"  # no translation sent: the original
    # the title in the requested language (TaoWorld's multi_language_info, U), in either spelling
    translated = [
        {"item_id": 1, "title": "手机壳", "multi_language_info": {"language": "en", "title": "Phone case"}},
        {"itemId": 1, "title": "手机壳", "multiLanguageInfo": {"language": "en", "title": "Phone case"}},
        {"item_id": 1, "title": "手机壳", "multi_language_info": [{"language": "en", "title": "Phone case"}]},
    ]
    for raw in translated:
        assert msgspec.convert(raw, TaobaoItem).to_offer().title == "Phone case"
        assert msgspec.convert(raw, TaobaoItemDetail).to_offer().title == "Phone case"
    assert msgspec.convert({"item_id": 1, "price": 1}, TaobaoItem).to_offer().price == Decimal("0.01")
    assert msgspec.convert({"item_id": 1, "price": "abc"}, TaobaoItem).to_offer().price is None


def test_to_offer_on_taobao_details() -> None:
    detail = msgspec.json.decode(
        '{"item_id": 5, "title": "连衣裙", "pic_urls": ["https://img.alicdn.com/p.jpg"], "shop_name": "店",'
        ' "sku_list": [{"sku_id": 1, "price": 3990}, {"sku_id": 2, "price": 2990}]}',
        type=TaobaoItemDetail,
    )
    offer = detail.to_offer()
    assert offer.price == Decimal("29.90") and offer.image_url == "https://img.alicdn.com/p.jpg"
    assert offer.shop_name == "店" and offer.raw is detail
    priced = msgspec.convert({"item_id": 5, "price": 4590, "skus": [{"sku_id": 1, "price": 10}]}, TaobaoItemDetail)
    assert priced.to_offer().price == Decimal("45.90")  # the item's price wins over its SKUs'


def test_to_offer_on_poizon_products() -> None:
    # §9.1 (C): spuList items and the detail, prices in fen
    spu = msgspec.json.decode(
        '{"dwSpuId": 4329499, "distSpuTitle": "Nike Dunk Low", "dwSpuTitle": "耐克 Dunk Low",'
        ' "distBrandName": "Nike", "authPrice": 59900, "baseImage": ["https://cdn.poizon.com/b.jpg"], "sales": 12}',
        type=PoizonSpu,
    )
    offer = spu.to_offer()
    assert offer.price == Decimal("599.00") and offer.title == "Nike Dunk Low" and offer.shop_name is None
    assert offer.image_url == "https://cdn.poizon.com/b.jpg" and offer.sales == 12
    assert offer.url == "https://www.dewu.com/product-detail.html?spuId=4329499" and offer.raw is spu
    chinese = msgspec.convert({"dwSpuId": 1, "dwSpuTitle": "耐克", "authPrice": 0}, PoizonSpu).to_offer()
    assert chinese.title == "耐克" and chinese.price is None  # 0 fen: no bid
    detail = msgspec.json.decode(
        '{"dwSpuId": 4329499, "distSpuTitle": "Nike Dunk Low", "image": "https://cdn.poizon.com/i.jpg",'
        ' "skuList": [{"dwSkuId": 620516702, "minBidPrice": 5900}, {"dwSkuId": 620516703, "minBidPrice": 0},'
        ' {"dwSkuId": 620516704, "minBidPrice": 6150}]}',
        type=PoizonSpuDetail,
    )
    offer = detail.to_offer()
    assert offer.price == Decimal("59.00") and offer.image_url == "https://cdn.poizon.com/i.jpg" and offer.raw is detail


def test_offer_is_frozen_and_its_json_has_snake_case_keys() -> None:
    offer = msgspec.convert({"offerId": 1, "priceInfo": {"price": "1.00"}}, ProductItem).to_offer()
    with pytest.raises(AttributeError):
        offer.price = Decimal(0)  # type: ignore[misc]
    encoded = msgspec.json.decode(msgspec.json.encode(offer))
    assert list(encoded) == list(FIELDS) and encoded["price"] == "1.00"
