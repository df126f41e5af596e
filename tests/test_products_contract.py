"""The 1688 product calls checked against DAJI's documented contract, not against our sandbox.

Each expectation below is written from ``daji-wiki.md`` §2.1-§2.7 (the wiki pages named in the
endpoint table): method, path, where the parameters travel and their names and types. The SDK
runs over :class:`daji_async.testing.MockTransport`, so what is checked is exactly what would
leave the process; nothing here is imported from the SDK's endpoint table.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from daji_async import DajiClient
from daji_async.testing import MockTransport, Request, Response

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
EMPTY_PAGE = {"totalRecords": 0, "totalPage": 0, "pageSize": 20, "currentPage": 1, "data": []}


def recording(data: Any) -> tuple[MockTransport, list[Request]]:
    """A transport that answers every call with ``data`` in a success envelope, and the requests."""
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response(200, json={"code": 200, "message": "操作成功", "data": data, "traceId": "t"})

    return MockTransport(handler), seen


async def test_keyword_search_wire() -> None:  # §2.3, zh api-182690989
    transport, seen = recording(EMPTY_PAGE)
    async with DajiClient("key", "secret", transport=transport) as client:
        await client.products.keyword_search(
            "连衣裙",
            filter=["shipInToday", "ksCiphertext"],
            sort={"price": "asc"},
            price_start="10",
            category_id=1031910,
        )
    (request,) = seen
    assert (request.method, request.path) == ("GET", "/alibaba/product/keywordQuery")
    assert request.body is None  # a GET: everything in the query string
    params = request.params
    assert params["keyword"] == "连衣裙"
    assert str(params["beginPage"]) == "1" and str(params["pageSize"]) == "20"
    assert params["country"] == "en"  # required by the page
    assert params["filter"] == "shipInToday,ksCiphertext"  # comma-separated
    assert json.loads(str(params["sort"])) == {"price": "asc"}  # a JSON string
    assert params["priceStart"] == "10" and str(params["categoryId"]) == "1031910"
    assert params["appKey"] == "key" and "appSecret" not in params and params["sign"]


async def test_image_search_wire() -> None:  # §2.2, en api-194164764
    transport, seen = recording(EMPTY_PAGE)
    async with DajiClient("key", "secret", transport=transport) as client:
        await client.products.image_search(image_id="1048608196202797156", page=3, page_size=50)
        await client.products.image_search(image_url="https://cbu01.alicdn.com/img/ibank/a.jpg")
    by_id, by_url = seen
    assert (by_id.method, by_id.path) == ("GET", "/alibaba/product/imageQuery")
    assert by_id.params["imageId"] == "1048608196202797156"  # a string id, never a number
    assert str(by_id.params["beginPage"]) == "3" and str(by_id.params["pageSize"]) == "50"
    assert by_url.params["imageUrl"] == "https://cbu01.alicdn.com/img/ibank/a.jpg"


async def test_freight_estimate_wire() -> None:  # §2.6, zh api-218256628
    transport, seen = recording({"freight": "8.00"})
    async with DajiClient("key", "secret", transport=transport) as client:
        await client.products.estimate_freight(
            727920485853,
            to_province_code="330000",
            to_city_code="330100",
            to_country_code="330108",
            total_num=2,
            sku_numbers={5010987215283: 2},
        )
    (request,) = seen
    assert (request.method, request.path) == ("POST", "/alibaba/product/freightEstimate")
    assert request.content_type == "application/json" and request.body is not None
    body = json.loads(request.body)
    assert body["appKey"] == "key"
    assert body["offerId"] == 727920485853  # int on the page
    assert (body["toProvinceCode"], body["toCityCode"], body["toCountryCode"]) == ("330000", "330100", "330108")
    assert body["totalNum"] == 2
    (sku,) = body["logisticsSkuNumModels"]
    assert set(sku) == {"skuId", "number"} and sku["number"] == 2
    assert str(sku["skuId"]) == "5010987215283"


async def test_category_wire() -> None:  # §2.7, en api-310621288
    transport, seen = recording([{"categoryID": 0, "name": None, "level": None, "childCategorys": []}])
    async with DajiClient("key", "secret", transport=transport) as client:
        (root,) = await client.categories.get()
    (request,) = seen
    assert (request.method, request.path) == ("GET", "/alibaba/category/get")
    assert str(request.params["categoryID"]) == "0"  # 0 is the root
    assert root.category_id == 0


async def test_upload_wire() -> None:  # §2.1, en api-207114140 and zh api-207062632
    transport, seen = recording({"imageId": "1164408192156408878"})
    async with DajiClient("key", "secret", transport=transport) as client:
        image_id = await client.products.upload_image(PNG)
        by_url = await client.products.upload_image(url="https://img.alicdn.com/bao/uploaded/i3/x.jpg")
    posted, got = seen
    assert (posted.method, posted.path) == ("POST", "/alibaba/upload/image")
    assert base64.b64decode(str(posted.params["image_base64"])) == PNG
    assert (got.method, got.path) == ("GET", "/alibaba/upload/image")  # "Image upload By Get": pic_url only
    assert got.params["pic_url"] == "https://img.alicdn.com/bao/uploaded/i3/x.jpg"
    assert "image_base64" not in got.params
    assert image_id == by_url == "1164408192156408878"  # a string id
