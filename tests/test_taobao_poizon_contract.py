"""Taobao/Tmall and Poizon calls checked against DAJI's contract as written here, not the SDK's table.

The oracle below (methods, paths, body and query keys, id types, limits) is copied by hand
from ``daji-wiki.md`` §3, §4 and §5.3; nothing in it is imported from
``daji_async._endpoints``. The SDK talks to a MockTransport that knows only these routes
(anything else is a 404), so every request the SDK makes must be a documented one with
documented keys. Documented example answers are kept verbatim under ``tests/data/`` and
decoded here (see ``tests/data/README.md`` for what each file fills in).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp import web

from daji_async import (
    ENDPOINTS,
    APIConnectionError,
    APIError,
    DajiClient,
    TaobaoOrderOutcomeUnknownError,
    TaobaoPaymentOutcomeUnknownError,
    TradeError,
)
from daji_async.messages import (
    Message,
    MessageReceiver,
    TaobaoOrderStatusData,
    TaobaoPriceChangeData,
    Topic,
    message_signature,
    parse_message,
)
from daji_async.models.taobao import TaobaoAddress, TaobaoOrderLine, TaobaoRenderLine, TaobaoTradeAnswer
from daji_async.testing import MockTransport, Request, Response

DATA = Path(__file__).parent / "data"
README = Path(__file__).resolve().parents[1] / "README.md"
AUTH = {"appKey", "sign", "appSecret"}

# --------------------------------------------------------------------------- the oracle (daji-wiki.md)

#: (method, path) -> the keys the wiki (or, for C paths, client code) names for that call
ROUTES: dict[tuple[str, str], frozenset[str]] = {
    # §3.1 upload: POST with image_base64 (or pic_url); GET with pic_url only
    ("POST", "/taobao/upload/image"): frozenset({"pic_url", "image_base64"}),
    ("GET", "/taobao/upload/image"): frozenset({"pic_url"}),
    # §3.2 image search V2.0; pageNo/pageSize from a client (C)
    ("GET", "/taobao/image-search/url"): frozenset({"picUrl", "categoryId", "crop", "pageNo", "pageSize"}),
    # §3.3 (C) searches and detail
    ("GET", "/taobao/traffic/item/imgsearch"): frozenset({"image_id", "language", "page_no", "page_size"}),
    ("GET", "/taobao/traffic/item/search"): frozenset(
        {"keyword", "page_no", "page_size", "sort", "filter", "language"}
    ),
    ("GET", "/taobao/traffic/item/shop/search"): frozenset({"shop_id", "keyword", "page_no", "page_size", "language"}),
    ("GET", "/taobao/traffic/item/get"): frozenset({"item_id", "language"}),
    # §9.4 (C, "as in the documentation example"): item_id and address_info (one JSON string);
    # sku_id and quantity only when the caller gives them (I)
    ("GET", "/taobao/traffic/item/logisticPrice/get"): frozenset({"item_id", "address_info", "sku_id", "quantity"}),
    # §3.4 bunker
    ("GET", "/taobao/product/get"): frozenset({"item_id"}),
    # §3.5 preview (render): note the capital L
    ("POST", "/taobao/purchase/order/render"): frozenset(
        {"need_supplychain_service", "receiver_address", "warehouse_address", "render_item_List"}
    ),
    # §3.6 create
    ("POST", "/taobao/purchase/order/create"): frozenset(
        {
            "thirdOrderId",
            "purchase_amount",
            "seller_order_number",
            "order_source",
            "order_line_list",
            "receiver",
            "warehouse_address_info",
            "channel_order_type",
            "support_partial_success",
            "order_remark",
            "need_supply_chain_service",
            "need_sys_retry",
        }
    ),
    # §3.7 asynchronous cancel
    ("POST", "/taobao/purchase/order/asyn/cancel"): frozenset(
        {"purchase_id", "sub_purchase_orderId_list", "cancel_reason", "cancel_remark"}
    ),
    # §3.8 query (C; params unknown)
    ("POST", "/taobao/purchase/order/query"): frozenset({"purchase_id"}),
    # §3.9 pay
    ("POST", "/taobao/purchase/order/batch/pay"): frozenset({"purchaseOrderIdList"}),
    # §9.2 newest zh menu (api-183099606): hot lists (paths and keys from client code, C) and
    # detail by short link (I: menu only, path and key guessed)
    ("GET", "/taobao/traffic/getThemeDimList"): frozenset({"themeType"}),
    ("GET", "/taobao/traffic/getThemeDetail"): frozenset({"themeId", "page_no", "page_size"}),
    ("GET", "/taobao/traffic/item/shortLink/get"): frozenset({"short_link", "language"}),
    # §9.1 Poizon search and detail as several public clients call them (C); no client sends `title`
    ("GET", "/poizon/product/queryList"): frozenset(
        {"startId", "pageSize", "distBrandName", "distSpuTitle", "dwSpuTitle"}
    ),
    ("GET", "/poizon/product/queryDetail"): frozenset({"dwSpuId", "dwSkuId", "dwDesignerId"}),
    ("GET", "/poizon/category/get"): frozenset({"categoryId"}),  # one client's map only (C)
    # §9.1 Create order & Payment (W, en api-456883163)
    ("POST", "/poizon/order/createOrder"): frozenset({"requestId", "shippingAddress", "product"}),
    # §9.1 Query Order Info (POST, W menu) and Balance Query (GET, W menu): paths not captured (I)
    ("POST", "/poizon/order/queryOrderInfo"): frozenset({"requestId", "distOrderNo"}),
    ("GET", "/poizon/order/queryBalance"): frozenset(),
}
#: §3.5/§3.6 address keys
ADDRESS_KEYS = {"country", "state", "city", "district", "address", "zip", "name", "phone", "mobile_phone"}
#: §3.6 order line keys
ORDER_LINE_KEYS = {"itemId", "orderLineNo", "quantity", "price", "currency", "title", "skuId"}
#: Paths only third-party client code shows (C): the SDK must mark them inferred.
INFERRED_PATHS = {
    "/taobao/traffic/item/imgsearch",
    "/taobao/traffic/item/search",
    "/taobao/traffic/item/shop/search",
    "/taobao/traffic/item/get",
    "/taobao/traffic/item/logisticPrice/get",
    "/taobao/purchase/order/query",
    "/taobao/traffic/getThemeDimList",
    "/taobao/traffic/getThemeDetail",
    "/taobao/traffic/item/shortLink/get",
    "/poizon/order/queryOrderInfo",
    "/poizon/order/queryBalance",
    "/poizon/product/queryList",
    "/poizon/product/queryDetail",
    "/poizon/category/get",
}
#: Paths DAJI's wiki documents (W).
WIKI_PATHS = {
    "/taobao/upload/image",
    "/taobao/image-search/url",
    "/taobao/product/get",
    "/taobao/purchase/order/render",
    "/taobao/purchase/order/create",
    "/taobao/purchase/order/asyn/cancel",
    "/taobao/purchase/order/batch/pay",
    "/poizon/order/createOrder",
}
TAOBAO_PAGE_SIZE_MAX = 20  # §3.3 page_size <= 20; §3.2 pageSize 1-20
PAY_BATCH_MAX = 10  # §3.9

ADDRESS = TaobaoAddress(
    name="杭州仓",
    mobile_phone="13800000000",
    state="浙江省",
    city="杭州市",
    district="余杭区",
    address="仓前街道文一西路1号",
    zip="311121",
)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def ok(data: Any) -> Response:
    return Response(200, json={"code": 200, "message": "操作成功", "data": data, "traceId": "abc123"})


def verdict(**extra: Any) -> dict[str, Any]:
    return {"code": "0", "success": True, "requestId": "r1", "errorCode": None, "errorMsg": None, **extra}


class Oracle:
    """A MockTransport handler that knows only the documented routes and checks every request."""

    def __init__(self, answer: Callable[[Request], Response] | None = None) -> None:
        self.answer = answer or (lambda request: ok({}))
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, request: Request) -> Response:
        keys = ROUTES.get((request.method, request.path))
        if keys is None:
            return Response(404, json={"status": 404, "error": "Not Found", "path": request.path})
        params = dict(request.params)
        unknown = set(params) - keys - AUTH
        assert not unknown, f"{request.method} {request.path} sent undocumented keys {sorted(unknown)}"
        assert "appKey" in params and ("sign" in params or "appSecret" in params)
        self.calls.append((request.method, request.path, {k: v for k, v in params.items() if k not in AUTH}))
        return self.answer(request)


def client_for(oracle: Oracle, **options: Any) -> DajiClient:
    return DajiClient("key", "secret", transport=MockTransport(oracle), **options)


# --------------------------------------------------------------------------- Taobao products


async def test_taobao_searches_go_to_the_documented_routes_with_documented_paging() -> None:
    def answer(request: Request) -> Response:
        if request.path == "/taobao/image-search/url":
            return ok({"data": [{"item_id": 7}], "total": 1, "pageNo": 0})
        return ok({"data": [{"item_id": 703446760426, "price": 1990}], "total_count": 1, "page_no": 1})

    oracle = Oracle(answer)
    async with client_for(oracle) as client:
        page = await client.taobao.products.keyword_search("手机壳")
        await client.taobao.products.image_search(1048608196202797156)
        await client.taobao.products.image_search(image_url="https://img.alicdn.com/a.jpg", category_id=4, crop=True)
        await client.taobao.products.shop_search(100123, keyword="壳")
        with pytest.raises(ValueError, match="page_size"):
            client.taobao.products.keyword_search("手机壳", page_size=TAOBAO_PAGE_SIZE_MAX + 1)
        with pytest.raises(ValueError, match="image_search needs exactly one"):
            client.taobao.products.image_search()
    assert page.items[0].item_id == 703446760426 and page.items[0].price == 1990
    (_, _, keyword), (_, _, by_id), (_, _, by_url), (_, _, shop) = oracle.calls
    assert keyword == {"keyword": "手机壳", "page_no": "1", "page_size": "20", "language": "en"}
    assert by_id == {"image_id": "1048608196202797156", "language": "en", "page_no": "1", "page_size": "20"}
    assert by_url == {"picUrl": "https://img.alicdn.com/a.jpg", "categoryId": "4", "crop": "true",
                      "pageNo": "0", "pageSize": "20"}  # fmt: skip
    assert shop["shop_id"] == "100123" and shop["keyword"] == "壳"
    assert len(oracle.calls) == 4  # the bad page size was refused before anything was sent


async def test_taobao_detail_upload_freight_and_bunker_requests() -> None:
    def answer(request: Request) -> Response:
        if request.path == "/taobao/upload/image":
            return ok({"imageId": "1048608196202797156"})
        if request.path == "/taobao/product/get":  # §3.4's documented answer keys
            return ok({"itemType": "HAVE_MATERIAL", "quantity": 9, "skuList": [{"mpId": 2048153758314474,
                       "mpSkuid": 3357413213162}]})  # fmt: skip
        return ok({"item_id": 703446760426})

    oracle = Oracle(answer)
    async with client_for(oracle) as client:
        detail = await client.taobao.products.detail("703446760426")
        assert await client.taobao.products.upload_image(JPEG) == "1048608196202797156"
        assert await client.taobao.products.upload_image(url="https://img.alicdn.com/a.jpg") == "1048608196202797156"
        await client.taobao.products.logistics_price(703446760426, quantity=3, state="浙江省")
        info = await client.taobao.products.distribution_info(703446760426)
        with pytest.raises(TypeError, match="item_id"):
            await client.taobao.products.detail(7.0)  # type: ignore[arg-type]
    assert detail.item_id == 703446760426
    assert info.item_type == "HAVE_MATERIAL" and info.sku_list[0].mp_skuid == 3357413213162
    methods = [(m, p) for m, p, _ in oracle.calls]
    assert methods == [
        ("GET", "/taobao/traffic/item/get"),
        ("POST", "/taobao/upload/image"),
        ("GET", "/taobao/upload/image"),
        ("GET", "/taobao/traffic/item/logisticPrice/get"),
        ("GET", "/taobao/product/get"),
    ]
    assert oracle.calls[1][2].keys() == {"image_base64"}
    assert oracle.calls[2][2] == {"pic_url": "https://img.alicdn.com/a.jpg"}  # the GET mode: pic_url only


# --------------------------------------------------------------------------- Taobao orders and pay


async def test_preview_sends_render_item_list_as_a_json_string() -> None:
    oracle = Oracle(lambda request: ok(verdict(totalAmount=2590, postFee=600)))
    async with client_for(oracle) as client:
        preview = await client.taobao.orders.preview(
            [TaobaoRenderLine(item_id=2048153758314474, sku_id=3357413213162, quantity=1)], receiver_address=ADDRESS
        )
    assert preview.total_amount == 2590
    ((method, path, body),) = oracle.calls
    assert (method, path) == ("POST", "/taobao/purchase/order/render")
    assert isinstance(body["render_item_List"], str)  # a JSON array encoded as a string, capital L
    assert json.loads(body["render_item_List"]) == [
        {"itemId": 2048153758314474, "quantity": "1", "skuId": 3357413213162}
    ]
    assert body["need_supplychain_service"] is False
    assert set(body["receiver_address"]) <= ADDRESS_KEYS and body["receiver_address"]["state"] == "浙江省"


async def test_create_sends_order_line_list_as_a_json_string_and_fen_amounts() -> None:
    oracle = Oracle(lambda request: ok(verdict(purchaseId=200049919063)))
    line = TaobaoOrderLine(item_id=2048153758314474, sku_id=3357413213162, quantity=3, price=100, title="手机壳")
    async with client_for(oracle) as client:
        created = await client.taobao.orders.create(
            [line],
            receiver=ADDRESS,
            warehouse_address=ADDRESS,
            order_source="lazada",
            purchase_amount=300,
            third_order_id="FY20220426002",
        )
        with pytest.raises(ValueError, match="purchase_amount"):
            await client.taobao.orders.create(
                [line], receiver=ADDRESS, warehouse_address=ADDRESS, order_source="lazada", purchase_amount=299
            )
        with pytest.raises(ValueError, match="purchase_amount"):
            await client.taobao.orders.create(
                [line],
                receiver=ADDRESS,
                warehouse_address=ADDRESS,
                order_source="lazada",
                purchase_amount=3.0,  # type: ignore[arg-type]
            )
    assert created.purchase_id == "200049919063" and created.third_order_id == "FY20220426002"
    ((method, path, body),) = oracle.calls
    assert (method, path) == ("POST", "/taobao/purchase/order/create")
    assert body["thirdOrderId"] == "FY20220426002"
    assert body["purchase_amount"] == 300 and isinstance(body["purchase_amount"], int)  # fen, an int
    assert isinstance(body["order_line_list"], str)
    (sent,) = json.loads(body["order_line_list"])
    assert set(sent) <= ORDER_LINE_KEYS
    assert sent == {"itemId": 2048153758314474, "orderLineNo": "1", "quantity": "3", "price": 100,
                    "currency": "CNY", "title": "手机壳", "skuId": 3357413213162}  # fmt: skip
    assert body["need_supply_chain_service"] is False and "need_supplychain_service" not in body  # §6 #10
    assert body["support_partial_success"] is False and body["need_sys_retry"] is False
    assert set(body["receiver"]) <= ADDRESS_KEYS | {"tax_id"}
    assert set(body["warehouse_address_info"]) <= ADDRESS_KEYS


async def test_cancel_body_keys_and_the_documented_answer() -> None:
    documented = (DATA / "taobao_cancel_success.json").read_bytes()
    oracle = Oracle(lambda request: Response(200, body=documented, headers={"Content-Type": "application/json"}))
    async with client_for(oracle) as client:
        answer = await client.taobao.orders.cancel(
            200049919063, sub_purchase_order_ids=[200049919064], reason="买家不想要了", remark="sandbox"
        )
    assert isinstance(answer, TaobaoTradeAnswer)
    assert answer.code == "0" and answer.success and answer.request_id == "2148ba0117238872"
    ((method, path, body),) = oracle.calls
    assert (method, path) == ("POST", "/taobao/purchase/order/asyn/cancel")
    assert body == {
        "purchase_id": "200049919063",  # §9.2: a string (en api-194164781)
        "sub_purchase_orderId_list": ["200049919064"],  # array of string
        "cancel_reason": "买家不想要了",
        "cancel_remark": "sandbox",
    }


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (
            {"code": "5001", "success": False, "errorCode": "ORDER_STATUS_ERROR", "errorMsg": "已支付"},
            "ORDER_STATUS_ERROR",
        ),
        ({"code": "5001", "errorMsg": "已支付"}, "5001"),  # a non-"0" string code alone is a refusal
        ({"code": "0", "success": False, "errorCode": None, "errorMsg": "拒绝"}, None),
    ],
)
async def test_inner_string_codes_map_to_trade_error(data: dict[str, Any], code: str | None) -> None:
    oracle = Oracle(lambda request: ok(data))
    async with client_for(oracle) as client:
        with pytest.raises(TradeError) as info:
            await client.taobao.orders.cancel(200049919063, reason="x")
    assert info.value.code == code
    assert len(oracle.calls) == 1  # never retried


async def test_pay_batches_ids_as_integers_at_most_ten_a_call() -> None:
    oracle = Oracle(lambda request: ok(verdict(paidOrderIds=request.params["purchaseOrderIdList"])))
    ids = [200049919063 + n for n in range(25)]
    async with client_for(oracle) as client:
        result = await client.taobao.payments.pay([str(i) for i in ids])
        with pytest.raises(ValueError, match="batch_size"):
            await client.taobao.payments.pay(ids, batch_size=PAY_BATCH_MAX + 1)
    bodies = [body for _, path, body in oracle.calls if path == "/taobao/purchase/order/batch/pay"]
    assert [len(b["purchaseOrderIdList"]) for b in bodies] == [10, 10, 5]
    assert all(isinstance(i, int) for b in bodies for i in b["purchaseOrderIdList"])
    assert [i for b in bodies for i in b["purchaseOrderIdList"]] == ids
    assert result.ok and result.paid_order_ids == [str(i) for i in ids]


async def test_money_calls_are_never_retried_and_lost_answers_name_the_purchase() -> None:
    sent: list[str] = []

    def answer(request: Request) -> Response:
        sent.append(request.path)
        if request.path.endswith("/create"):
            raise ConnectionResetError("peer went away")
        ids = request.params["purchaseOrderIdList"]
        if ids[0] == 200049919073:  # the second batch: no answer
            raise ConnectionResetError("peer went away")
        if ids[0] == 200049919083:  # the third batch: a server error
            return Response(500, json={"code": 500, "message": "系统繁忙"})
        return ok(verdict(paidOrderIds=ids[:-1], failedOrderIds=ids[-1:]))

    oracle = Oracle(answer)
    line = TaobaoOrderLine(item_id=1, sku_id=2, quantity=1, price=100)
    async with client_for(oracle, max_retries=5) as client:
        with pytest.raises(TaobaoOrderOutcomeUnknownError) as lost:
            await client.taobao.orders.create(
                [line],
                receiver=ADDRESS,
                warehouse_address=ADDRESS,
                order_source="lazada",
                purchase_amount=100,
                third_order_id="FY-1",
            )
        result = await client.taobao.payments.pay([200049919063 + n for n in range(25)])
    assert lost.value.third_order_id == lost.value.out_order_id == "FY-1" and "FY-1" in str(lost.value)
    assert sent.count("/taobao/purchase/order/create") == 1
    assert sent.count("/taobao/purchase/order/batch/pay") == 3  # one call per batch, none repeated
    first, second, third = result.batches
    assert first.answer is not None and result.refused_order_ids[0] == "200049919072"
    assert isinstance(second.error, TaobaoPaymentOutcomeUnknownError) and second.outcome_unknown
    assert second.error.order_ids == tuple(str(200049919073 + n) for n in range(10))
    # a 500 proves nothing about the money: unknown, not refused (issue 22)
    assert isinstance(third.error, TaobaoPaymentOutcomeUnknownError) and third.outcome_unknown
    assert result.unknown_order_ids == list(second.order_ids) + list(third.order_ids)
    # every order is accounted for exactly once
    every = result.paid_order_ids + result.refused_order_ids + result.unknown_order_ids
    assert sorted(every) == sorted(str(200049919063 + n) for n in range(25)) and not result.ok


# --------------------------------------------------------------------------- Poizon


async def test_poizon_cursor_walk_sends_start_id_from_the_last_spu() -> None:
    spus = list(range(1001, 1046))

    def answer(request: Request) -> Response:
        if request.path != "/poizon/product/queryList":
            return ok([] if request.path == "/poizon/category/get" else {"dwSpuId": 1001})
        start = int(request.params.get("startId", 0))
        size = int(request.params["pageSize"])
        page = [s for s in spus if s > start][:size]
        return ok({"total": len(spus), "spuList": [{"dwSpuId": s, "title": f"t{s}"} for s in page]})

    oracle = Oracle(answer)
    async with client_for(oracle) as client:
        seen = [spu.dw_spu_id async for spu in client.poizon.products.search(brand="Nike", page_size=20)]
        detail_oracle_calls = len(oracle.calls)
        await client.poizon.products.detail(1001)
        await client.poizon.categories.get()
    assert seen == spus
    queries = [q for _, path, q in oracle.calls[:detail_oracle_calls]]
    assert "startId" not in queries[0] and queries[0]["distBrandName"] == "Nike"
    assert [q.get("startId") for q in queries[1:]] == ["1020", "1040", "1045"]  # the last id seen
    assert oracle.calls[-2][1:] == ("/poizon/product/queryDetail", {"dwSpuId": "1001"})
    assert oracle.calls[-1][1] == "/poizon/category/get"


# --------------------------------------------------------------------------- status of every path


def test_every_platform_path_is_wrapped_with_its_status_and_in_the_readme() -> None:
    rows = {(e.method, e.path): e for e in ENDPOINTS.values() if e.path.startswith(("/taobao/", "/poizon/"))}
    assert set(rows) == set(ROUTES)  # every documented or client-code route, nothing else
    readme = README.read_text(encoding="utf-8")
    for (_, path), row in rows.items():
        assert row.confirmed is (path in WIKI_PATHS), path
        assert path in INFERRED_PATHS or path in WIKI_PATHS, path
        assert f"`{path}`" in readme, f"README's endpoint table lacks {path}"
        assert (row.safe is False) == path.endswith(("/create", "/cancel", "/pay", "/createOrder")), path


async def test_inferred_paths_can_be_pointed_elsewhere() -> None:
    moved = "/taobao/traffic/item/search/v2"

    def answer(request: Request) -> Response:
        assert request.path == moved
        return ok({"data": [], "total_count": 0})

    transport = MockTransport(answer)
    async with DajiClient(
        "key", "secret", transport=transport, endpoint_paths={"taobao.products.keyword_search": moved}
    ) as client:
        page = await client.taobao.products.keyword_search("手机壳")
    assert page.items == [] and transport.requests[0].path == moved


# --------------------------------------------------------------------------- §5.3 messages


def test_documented_taobao_messages_decode_into_typed_structs() -> None:
    status = parse_message((DATA / "taobao_message_order_status.json").read_bytes())
    assert status.topic == Topic.TAOBAO_ORDER_STATUS
    assert isinstance(status.data, TaobaoOrderStatusData)
    assert status.data.outer_purchase_id == "FY20220426002"
    assert status.gmt_born == 1650939687 * 1000  # the page's timestamp is in seconds
    assert status.user_info == "2100000927014" and status.extra_info == "taobao_hk"
    (sku,) = status.data.sku_list
    assert sku.order_line_no == "1" and sku.logistic_company_name == "顺丰速运"

    price = parse_message((DATA / "taobao_message_price_change.json").read_bytes())
    assert price.topic == Topic.TAOBAO_PRICE_CHANGE
    assert isinstance(price.data, TaobaoPriceChangeData)
    assert price.data.sales_order_id == "500000-GSP2021031415594" and price.data.purchase_market == "PANAMA"
    fees = price.data.purchase_order_price_dto
    assert fees is not None and (fees.purchase_total_fee, fees.purchase_shipping_fee) == (1, 0)


async def test_the_receiver_hands_over_taobao_messages_typed() -> None:
    secret = "sandbox-app-secret"
    received: list[Message] = []

    async def callback(message: Message) -> None:
        received.append(message)

    # the documented examples are from 2022: no max_age, or they would be refused as stale
    receiver = MessageReceiver(callback, app_secret=secret, max_age=None)
    runner = web.AppRunner(receiver.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            for name in ("taobao_message_order_status.json", "taobao_message_price_change.json"):
                text = (DATA / name).read_text(encoding="utf-8")
                form = {"message": text, "_dj_signature": message_signature(text, secret)}
                async with session.post(f"http://127.0.0.1:{port}/", data=form) as response:
                    assert response.status == 200
            forged = {"message": text, "_dj_signature": message_signature(text, "forger")}
            async with session.post(f"http://127.0.0.1:{port}/", data=forged) as response:
                assert response.status == 403
        await receiver.join()
    finally:
        await receiver.close()
        await runner.cleanup()
    assert [m.topic for m in received] == [Topic.TAOBAO_ORDER_STATUS, Topic.TAOBAO_PRICE_CHANGE]
    assert isinstance(received[0].data, TaobaoOrderStatusData)
    assert isinstance(received[1].data, TaobaoPriceChangeData)


def test_render_lines_are_checked_before_anything_is_sent() -> None:
    from daji_async.resources.taobao import encode_order_lines, encode_render_lines

    with pytest.raises(ValueError, match="empty"):
        encode_render_lines([])
    with pytest.raises(ValueError, match=r"lines\[0\]\.quantity"):
        encode_render_lines([TaobaoRenderLine(item_id=1, sku_id=2, quantity=0)])
    with pytest.raises(TypeError, match=r"lines\[0\]\.item_id"):
        encode_render_lines([TaobaoRenderLine(item_id=1.5, sku_id=2, quantity=1)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="repeats"):
        encode_order_lines(
            [
                TaobaoOrderLine(item_id=1, sku_id=2, quantity=1, price=1, order_line_no="1"),
                TaobaoOrderLine(item_id=1, sku_id=3, quantity=1, price=1, order_line_no="1"),
            ]
        )
    text, total = encode_order_lines([{"item_id": 1, "sku_id": 2, "quantity": 2, "price": 150}])
    assert total == 300 and msgspec.json.decode(text)[0]["orderLineNo"] == "1"


def test_pickled_pay_outcome_keeps_its_order_ids() -> None:
    import pickle

    error = TaobaoPaymentOutcomeUnknownError.for_call(
        APIConnectionError("connection reset"),
        method="POST",
        path="/taobao/purchase/order/batch/pay",
        params={"purchaseOrderIdList": [1, 2]},
    )
    clone = pickle.loads(pickle.dumps(error))
    assert clone.order_ids == ("1", "2") and clone.order_id == "1,2"


async def test_bad_arguments_are_refused_naming_the_argument_before_anything_is_sent() -> None:
    oracle = Oracle()
    line = TaobaoOrderLine(item_id=1, sku_id=2, quantity=1, price=100)
    async with client_for(oracle) as client:
        taobao, poizon = client.taobao, client.poizon
        with pytest.raises(TypeError, match="keyword"):
            taobao.products.keyword_search(None)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="keyword"):
            taobao.products.keyword_search("  ")
        with pytest.raises(TypeError, match="unexpected keyword"):
            taobao.products.keyword_search("x", pagesize=10)  # type: ignore[call-arg]
        with pytest.raises(ValueError, match="category_id and crop"):
            taobao.products.image_search(1, crop=True)
        with pytest.raises(TypeError, match="crop"):
            taobao.products.image_search(image_url="https://img.alicdn.com/a.jpg", crop="yes")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="url"):
            taobao.products.image_search(image_url="ftp://x/a.jpg")
        with pytest.raises(ValueError, match="quantity"):
            await taobao.products.logistics_price(1, quantity=0)
        with pytest.raises(TypeError, match="purchase_id"):
            await taobao.orders.get(2.0)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="reason"):
            await taobao.orders.cancel(1, reason="")
        with pytest.raises(TypeError, match="sub_purchase_order_ids"):
            await taobao.orders.cancel(1, sub_purchase_order_ids="12", reason="x")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"order_ids\[\]"):
            await taobao.payments.pay(["12", "abc"])
        with pytest.raises(TypeError, match="order_ids"):
            await taobao.payments.pay("200049919063")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="empty"):
            await taobao.payments.pay([])
        with pytest.raises(ValueError, match="third_order_id"):
            await taobao.orders.create(
                [line],
                receiver=ADDRESS,
                warehouse_address=ADDRESS,
                order_source="lazada",
                purchase_amount=100,
                third_order_id="a b",
            )
        with pytest.raises(TypeError, match="support_partial_success"):
            await taobao.orders.create(
                [line], receiver=ADDRESS, warehouse_address=ADDRESS, order_source="lazada", purchase_amount=100,
                support_partial_success="no",  # type: ignore[arg-type]
            )  # fmt: skip
        with pytest.raises(TypeError, match="lines"):
            await taobao.orders.preview(TaobaoRenderLine(1, 2, 1), receiver_address=ADDRESS)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="page_size"):
            poizon.products.search(brand="Nike", page_size=51)
        with pytest.raises(ValueError, match="page"):
            poizon.products.search(brand="Nike", page=1.5)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="spu_id"):
            await poizon.products.detail(None)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="category_id"):
            await poizon.categories.get(-1)
    assert oracle.calls == []


async def test_a_refusal_without_a_message_names_taobaos_code() -> None:
    oracle = Oracle(lambda request: ok({"code": "7", "success": False}))
    async with client_for(oracle) as client:
        with pytest.raises(TradeError, match="inner code '7'") as info:
            await client.taobao.orders.get(200049919063)
    assert info.value.code == "7" and "secret" not in str(info.value)


def test_image_search_v2_refuses_a_language_instead_of_dropping_it() -> None:
    client = DajiClient("key", "secret", transport=MockTransport(Oracle()))
    with pytest.raises(ValueError, match="language"):
        client.taobao.products.image_search(image_url="https://img.alicdn.com/a.jpg", language="en")


async def test_max_retries_does_not_make_money_calls_retry() -> None:
    def answer(request: Request) -> Response:
        return Response(503, json={"code": 503, "message": "busy"})

    oracle = Oracle(answer)
    line = TaobaoOrderLine(item_id=1, sku_id=2, quantity=1, price=100)
    async with client_for(oracle) as client:
        with pytest.raises(TaobaoOrderOutcomeUnknownError):  # a 503 proves nothing: unknown (issue 22)
            await client.taobao.orders.create(
                [line],
                receiver=ADDRESS,
                warehouse_address=ADDRESS,
                order_source="lazada",
                purchase_amount=100,
                max_retries=5,
            )
        with pytest.raises(APIError):
            await client.taobao.orders.cancel(1, reason="x", max_retries=5)
        result = await client.taobao.payments.pay([1, 2], max_retries=5)
    assert len(oracle.calls) == 3 and isinstance(result.errors[0], TaobaoPaymentOutcomeUnknownError)


async def test_the_project_validators_guard_the_platform_calls_too() -> None:
    oracle = Oracle()
    async with client_for(oracle) as client:
        with pytest.raises(ValueError, match="appKey, appSecret and sign"):
            client.taobao.products.keyword_search("x", extra_params={"sign": "forged"})
        with pytest.raises(ValueError, match="language"):
            client.taobao.products.keyword_search("x", language="english please")
        with pytest.raises(ValueError, match="control characters"):
            client.taobao.products.keyword_search("x", sort="price\r\nX-Injected: 1")
        with pytest.raises(ValueError, match="image_id"):
            client.taobao.products.image_search("１２３")  # full-width digits are not ASCII digits
        with pytest.raises(ValueError, match="appKey, appSecret and sign"):
            client.poizon.products.search(brand="Nike", extra_params={"appSecret": "x"})
        with pytest.raises(ValueError, match="order_remark"):
            await client.taobao.orders.create(
                [TaobaoOrderLine(item_id=1, sku_id=2, quantity=1, price=1)],
                receiver=ADDRESS, warehouse_address=ADDRESS, order_source="lazada", purchase_amount=1,
                order_remark="   ",
            )  # fmt: skip
    assert oracle.calls == []


# --------------------------------------------------------------------------- §9.2 newest page versions


async def test_create_always_sends_order_source_and_refuses_to_go_without_it() -> None:
    """§9.2, en api-194164780: every top-level field of create is required, ``order_source``
    included (ex ``lazada``); zh api-183099796 marks it optional: the stricter page wins."""
    oracle = Oracle(lambda request: ok(verdict(purchaseId=200049919063)))
    line = TaobaoOrderLine(item_id=2048153758314474, sku_id=3357413213162, quantity=1, price=100)
    async with client_for(oracle) as client:
        with pytest.raises(ValueError, match="order_source is required"):
            await client.taobao.orders.create([line], receiver=ADDRESS, warehouse_address=ADDRESS, purchase_amount=100)
        assert oracle.calls == []  # refused before anything was sent
        await client.taobao.orders.create(
            [line], receiver=ADDRESS, warehouse_address=ADDRESS, purchase_amount=100, order_source="lazada"
        )
    ((_, _, body),) = oracle.calls
    assert body["order_source"] == "lazada"
    assert body["seller_order_number"] == ""  # "may be empty", but sent
    for key in ("thirdOrderId", "purchase_amount", "order_line_list", "receiver"):
        assert key in body


async def test_cancel_sends_ids_as_strings_and_both_required_texts() -> None:
    """§9.2, en api-194164781: ``purchase_id`` a string (ex ``"200049962700"``),
    ``sub_purchase_orderId_list`` strings, ``cancel_reason`` and ``cancel_remark`` required."""
    oracle = Oracle(lambda request: ok(verdict()))
    async with client_for(oracle) as client:
        await client.taobao.orders.cancel(200049962700, sub_purchase_order_ids=[200049962701], reason="缺货")
        await client.taobao.orders.cancel("200049962700", reason="缺货", remark="客户取消")
        await client.taobao.orders.get(200049962700)
    (_, _, first), (_, _, second), (_, _, query) = oracle.calls
    assert first == {
        "purchase_id": "200049962700",
        "sub_purchase_orderId_list": ["200049962701"],
        "cancel_reason": "缺货",
        "cancel_remark": "缺货",  # required: without a remark the reason is sent
    }
    assert second["purchase_id"] == "200049962700" and second["cancel_remark"] == "客户取消"
    assert query == {"purchase_id": "200049962700"}  # the same field, typed as the cancel page types it


def test_create_row_no_longer_cites_the_poizon_page() -> None:
    """§9.1: en api-456883163 now holds the Poizon section; it must not be cited for Taobao create."""
    row = ENDPOINTS["taobao.orders.create"]
    assert "api-456883163" not in row.source and "api-194164780" in row.source


# --------------------------------------------------------------------------- §9.1 Poizon


async def test_poizon_search_and_detail_use_the_names_public_clients_use() -> None:
    """§9.1 (C, several clients): queryList sends ``distSpuTitle``/``dwSpuTitle``/``distBrandName``
    (never ``title``) and answers ``spuList[{dwSpuId, distSpuTitle, authPrice (fen), image,
    distCategoryl1Name (sic)...}]``; queryDetail answers ``skuList[{dwSkuId, minBidPrice, saleAttr}]``."""

    def answer(request: Request) -> Response:
        if request.path == "/poizon/product/queryList":
            return ok({"total": 984061, "spuList": [{"dwSpuId": 81971, "distSpuTitle": "Alexander McQueen Oversized",
                       "distBrandName": "Alexander McQueen", "authPrice": 604700, "image": "https://i/1.jpg",
                       "baseImage": ["https://i/1.jpg"], "distCategoryl1Name": "Shoes",
                       "distCategoryl3Name": "Casual Shoes", "sales": 0}]})  # fmt: skip
        return ok({"dwSpuId": 9042006, "dwSpuTitle": "Nike Cortez 经典", "distSpuTitle": "Nike Cortez",
                   "skuList": [{"dwSkuId": 654517365, "distSkuId": "e41632d8", "minBidPrice": 0,
                   "barcode": "197594916289", "saleAttr": [{"cnName": "尺码", "enName": "Size", "cnValue": "36",
                   "enValue": "36"}]}]})  # fmt: skip

    oracle = Oracle(answer)
    async with client_for(oracle) as client:
        page = await client.poizon.products.search(title="McQueen", cn_title="麦昆", brand="Alexander McQueen")
        detail = await client.poizon.products.detail(9042006, sku_id=654517365)
    (_, _, search), (_, _, got) = oracle.calls
    assert search == {"distSpuTitle": "McQueen", "dwSpuTitle": "麦昆", "distBrandName": "Alexander McQueen",
                      "pageSize": "20"}  # fmt: skip
    assert got == {"dwSpuId": "9042006", "dwSkuId": "654517365"}
    (spu,) = page.items
    assert (spu.dw_spu_id, spu.auth_price, spu.dist_category_l1_name) == (81971, 604700, "Shoes")
    assert spu.title == "Alexander McQueen Oversized" and spu.min_price == 604700 and spu.logo_url == "https://i/1.jpg"
    (sku,) = detail.sku_list
    assert sku.min_bid_price == 0 and sku.barcode == "197594916289" and sku.properties == "尺码:36"
    assert detail.title == "Nike Cortez" and detail.skus is detail.sku_list


async def test_poizon_create_matches_the_documented_example_and_its_answer_decodes() -> None:
    """§9.1, en api-456883163: ``POST /poizon/order/createOrder``, JSON body ``{requestId,
    shippingAddress{...}, product{dwSpuId "4329499", dwSkuId "620516702", distSpuId "", distSkuId "",
    quantity 1, price 5900}}``; the answer ``{code 200, msg "success", data{...}, status 200}``."""
    documented = json.loads((DATA / "poizon_create_order_request.json").read_text(encoding="utf-8"))
    answer = (DATA / "poizon_create_order_success.json").read_bytes()
    oracle = Oracle(lambda request: Response(200, body=answer, headers={"Content-Type": "application/json"}))
    shipping = documented["shippingAddress"]
    async with client_for(oracle) as client:
        order = await client.poizon.orders.create(
            spu_id="4329499", sku_id="620516702", price=5900, quantity=1, request_id="REQ202501011003",
            shipping_address={"name": shipping["name"], "email": shipping["email"], "phone": shipping["phone"],
                              "province": shipping["province"], "city": shipping["city"],
                              "district": shipping["district"], "detail_address": shipping["detailAddress"]},
        )  # fmt: skip
    ((method, path, body),) = oracle.calls
    assert (method, path) == ("POST", "/poizon/order/createOrder")
    assert body == {k: v for k, v in documented.items() if k not in AUTH}  # the page's body, value for value
    assert order.request_id == "REQ202501011003" and order.customer_order_no == "OA00835379"
    assert order.dist_order_no == "913033-OA00835379"
    (item,) = order.order_items
    assert item.order_status == "PAID" and item.dw_sku_id == "620516702" and item.real_pay_amount == "59.00"
    assert item.create_time == 1779172708157 and item.currency == "CNY"
    row = ENDPOINTS["poizon.orders.create"]
    assert row.confirmed and not row.safe and "api-456883163" in row.source


def test_poizon_rows_say_what_the_menu_shows() -> None:
    """§9.1: the Poizon menu has Keyword Search, Product Detail (GET), Create order & Payment,
    Query Order Info (POST) and Balance Query (GET); no category call (one client's map only)."""
    assert ENDPOINTS["poizon.orders.get"].method == "POST" and not ENDPOINTS["poizon.orders.get"].confirmed
    assert ENDPOINTS["poizon.balance"].method == "GET" and not ENDPOINTS["poizon.balance"].confirmed
    assert "not in the wiki's Poizon menu" in ENDPOINTS["poizon.categories.get"].source
    for name in ("taobao.products.hot_list_types", "taobao.products.hot_list_products"):
        assert ENDPOINTS[name].method == "GET" and not ENDPOINTS[name].confirmed  # §9.2 zh menu, GET
    assert ENDPOINTS["taobao.products.detail_by_link"].source.startswith("inferred")


async def test_logistics_price_sends_address_info_as_one_json_string() -> None:
    """§9.4 (C, a client's copy of the documentation example): ``item_id`` and ``address_info``,
    one string holding ``{country, city, district, state}`` (ex 中国/杭州市/余杭区/浙江省);
    the answer ``{postFee, currency}``."""
    oracle = Oracle(lambda request: ok({"postFee": 0, "currency": "CNY"}))
    async with client_for(oracle) as client:
        freight = await client.taobao.products.logistics_price(
            "703446760426", state="浙江省", city="杭州市", district="余杭区"
        )
    ((_, _, query),) = oracle.calls
    assert query.keys() == {"item_id", "address_info"}
    assert query["item_id"] == "703446760426"
    assert json.loads(query["address_info"]) == {"country": "中国", "city": "杭州市", "district": "余杭区",
                                                 "state": "浙江省"}  # fmt: skip
    assert freight.post_fee == 0 and freight.currency == "CNY"


async def test_preview_always_sends_the_warehouse_and_every_address_key() -> None:
    """§9.2, en api-194164778: every ``receiver_address`` sub-field (country, state, city,
    district, address, zip, name, phone, mobile_phone) and ``warehouse_address`` required
    (zh api-183099606 marks the warehouse optional: the stricter page wins)."""
    oracle = Oracle(lambda request: ok(verdict(totalAmount=100)))
    line = TaobaoRenderLine(item_id=2048153758314474, sku_id=3357413213162, quantity=1)
    no_city = TaobaoAddress(name="杭州仓", mobile_phone="13800000000", state="浙江省", district="余杭区", address="x")
    async with client_for(oracle) as client:
        await client.taobao.orders.preview([line], receiver_address=ADDRESS)
        with pytest.raises(TypeError, match=r"receiver_address\.city"):
            await client.taobao.orders.preview([line], receiver_address=no_city)
    ((_, _, body),) = oracle.calls
    assert set(body["receiver_address"]) == ADDRESS_KEYS  # every key, always
    assert body["warehouse_address"] == body["receiver_address"]  # required: the warehouse is the receiver
    assert body["receiver_address"]["phone"] == body["receiver_address"]["mobile_phone"] == "13800000000"
