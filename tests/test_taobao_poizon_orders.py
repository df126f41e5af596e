"""Poizon create & pay, order query and balance; Poizon's envelope; both spellings of Taobao answers;
hot lists and detail by short link. Against the sandbox over loopback, and a MockTransport
for answers the sandbox does not give (wiki facts: ``daji-wiki.md`` §9)."""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from daji_async import (
    APIError,
    DajiClient,
    PoizonAddress,
    PoizonOrder,
    PoizonOrderOutcomeUnknownError,
    TaobaoAddress,
    TaobaoOrderLine,
    TaobaoRenderLine,
    new_poizon_request_id,
)
from daji_async.sandbox import SandboxServer
from daji_async.testing import MockTransport, Request, Response

DATA = Path(__file__).parent / "data"
ADDRESS = PoizonAddress(
    name="张三", phone="18888888888", province="上海", city="上海市", district="闵行区", detail_address="中华路29弄01室"
)
WAREHOUSE = TaobaoAddress(
    name="杭州仓", mobile_phone="13800000000", state="浙江省", city="杭州市", district="余杭区", address="文一西路1号"
)
CREATE = "/poizon/order/createOrder"
#: Every path the two buys may use, and the top-level keys of each (§9.1, §9.2; C/I rows as marked in the table).
DOCUMENTED: dict[str, set[str]] = {
    "/poizon/product/queryList": {"startId", "pageSize", "distBrandName", "distSpuTitle", "dwSpuTitle"},
    "/poizon/product/queryDetail": {"dwSpuId", "dwSkuId"},
    "/poizon/order/queryBalance": set(),
    CREATE: {"requestId", "shippingAddress", "product"},
    "/poizon/order/queryOrderInfo": {"requestId", "distOrderNo"},
    "/taobao/product/get": {"item_id"},
    "/taobao/traffic/item/search": {"keyword", "page_no", "page_size", "language", "sort", "filter"},
    "/taobao/purchase/order/render": {
        "need_supplychain_service",
        "receiver_address",
        "warehouse_address",
        "render_item_List",
    },
    "/taobao/purchase/order/create": {
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
    },
    "/taobao/purchase/order/batch/pay": {"purchaseOrderIdList"},
    "/taobao/purchase/order/asyn/cancel": {
        "purchase_id",
        "sub_purchase_orderId_list",
        "cancel_reason",
        "cancel_remark",
    },
}
AUTH = {"appKey", "appSecret", "sign"}


def sent_only_documented(sandbox: SandboxServer) -> list[str]:
    paths = []
    for request in sandbox.requests:
        assert request.path in DOCUMENTED, request.path
        keys = {k for k, _ in request.params.items()} if hasattr(request.params, "items") else set(request.params)
        top = {k.split(".")[0].split("[")[0] for k in keys} - AUTH
        assert top <= DOCUMENTED[request.path], (request.path, top - DOCUMENTED[request.path])
        paths.append(request.path)
    return paths


# --------------------------------------------------------------------------- the Poizon buy


async def test_poizon_buy_against_the_sandbox(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    poizon = daji_client.poizon
    spus = [spu async for spu in poizon.products.search(brand="Nike", max_items=3)]
    assert spus and all(spu.dist_brand_name == "Nike" and spu.auth_price for spu in spus)
    detail = await poizon.products.detail(spus[0].dw_spu_id)
    sku = detail.sku_list[0]
    assert sku.min_bid_price and sku.sale_attr and sku.properties == f"尺码:{sku.sale_attr[0].cn_value}"
    before = await poizon.balance()
    assert before.yuan == Decimal("10000.00")
    request_id = new_poizon_request_id()
    order = await poizon.orders.create(
        spu_id=detail.dw_spu_id, sku_id=sku.dw_sku_id, price=sku.min_bid_price, quantity=2,
        shipping_address=ADDRESS, request_id=request_id,
    )  # fmt: skip
    assert isinstance(order, PoizonOrder) and order.request_id == request_id and order.dist_order_no
    (item,) = order.order_items
    assert item.order_status == "PAID" and item.dw_sku_id == str(sku.dw_sku_id)
    assert item.real_pay_yuan == Decimal(sku.min_bid_price * 2) / 100
    after = await poizon.balance()
    assert before.yuan is not None and after.yuan == before.yuan - Decimal(sku.min_bid_price * 2) / 100
    # the same requestId again is the same order: the balance is drawn down once
    again = await poizon.orders.create(
        spu_id=detail.dw_spu_id, sku_id=sku.dw_sku_id, price=sku.min_bid_price, quantity=2,
        shipping_address=ADDRESS, request_id=request_id,
    )  # fmt: skip
    assert again.dist_order_no == order.dist_order_no and (await poizon.balance()).yuan == after.yuan
    queried = await poizon.orders.get(request_id=request_id)
    assert queried.dist_order_no == order.dist_order_no
    assert (await poizon.orders.get(dist_order_no=order.dist_order_no or "")).request_id == request_id
    paths = sent_only_documented(daji_sandbox)
    assert paths.count(CREATE) == 2 and "/poizon/order/queryBalance" in paths


async def test_poizon_refusals_carry_poizons_msg(daji_client: DajiClient) -> None:
    poizon = daji_client.poizon
    spu = (await poizon.products.search(brand="adidas", page_size=1)).items[0]
    sku = (await poizon.products.detail(spu.dw_spu_id)).sku_list[0]
    assert sku.min_bid_price is not None
    before = await poizon.balance()
    with pytest.raises(APIError, match="余额不足") as refused:  # 999 pairs cost more than the balance
        await poizon.orders.create(
            spu_id=spu.dw_spu_id, sku_id=sku.dw_sku_id, price=sku.min_bid_price, quantity=999,
            shipping_address=ADDRESS,
        )  # fmt: skip
    assert "HTTP 200" in str(refused.value) and "status 500" in str(refused.value)  # msg and status kept
    with pytest.raises(APIError, match="价格已变动"):
        await poizon.orders.create(
            spu_id=spu.dw_spu_id, sku_id=sku.dw_sku_id, price=sku.min_bid_price - 1, shipping_address=ADDRESS
        )
    assert (await poizon.balance()).yuan == before.yuan  # nothing was spent


# --------------------------------------------------------------------------- Poizon money rules (MockTransport)


def poizon_ok(data: Any) -> Response:
    return Response(200, json={"code": 200, "msg": "success", "data": data, "status": 200})


def create_args(**extra: Any) -> dict[str, Any]:
    return {"spu_id": 4329499, "sku_id": "620516702", "price": 5900, "shipping_address": ADDRESS, **extra}


@pytest.mark.parametrize(
    "answer",
    [
        lambda request: (_ for _ in ()).throw(asyncio.TimeoutError()),
        lambda request: Response(502, body=b"<html>502 Bad Gateway</html>", headers={"Content-Type": "text/html"}),
        lambda request: Response(504, json={"code": 504, "msg": "Gateway Time-out"}),
        lambda request: Response(200, body=b'{"code":200,"msg":"success","data":{"requ'),
        lambda request: poizon_ok({"requestId": request.params["requestId"]}),  # no order number
        lambda request: poizon_ok({"customerOrderNo": "", "distOrderNo": "  "}),
        lambda request: poizon_ok(None),
    ],
    ids=["timeout", "html-502", "json-504", "truncated", "no-order-number", "blank-numbers", "no-data"],
)
async def test_poizon_create_without_a_proving_answer_is_unknown_and_names_the_request_id(answer: Any) -> None:
    sent: list[str] = []

    def handler(request: Request) -> Response:
        sent.append(request.params["requestId"])
        result: Response = answer(request)
        return result

    async with DajiClient("key", "secret", transport=MockTransport(handler), max_retries=5) as client:
        with pytest.raises(PoizonOrderOutcomeUnknownError) as info:
            await client.poizon.orders.create(**create_args(request_id="REQ202501011003"))
    assert sent == ["REQ202501011003"]  # sent once, never retried
    assert info.value.request_id == "REQ202501011003" and "REQ202501011003" in str(info.value)


async def test_a_generated_request_id_is_logged_before_sending(caplog: pytest.LogCaptureFixture) -> None:
    logged_first: list[bool] = []

    def handler(request: Request) -> Response:
        logged_first.append(any(request.params["requestId"] in r.getMessage() for r in caplog.records))
        raise ConnectionResetError("peer went away")

    caplog.set_level(logging.INFO, logger="daji_async")
    async with DajiClient("key", "secret", transport=MockTransport(handler)) as client:
        with pytest.raises(PoizonOrderOutcomeUnknownError) as info:
            await client.poizon.orders.create(**create_args())
    assert logged_first == [True] and info.value.request_id.startswith("REQ")


async def test_poizon_create_sends_the_documented_body() -> None:
    documented = json.loads((DATA / "poizon_create_order_request.json").read_text(encoding="utf-8"))
    bodies: list[dict[str, Any]] = []

    def handler(request: Request) -> Response:
        assert (request.method, request.path) == ("POST", CREATE)
        bodies.append(dict(request.params))
        return Response(200, body=(DATA / "poizon_create_order_success.json").read_bytes())

    address = PoizonAddress(email="XXX@XXX.com", **{k: getattr(ADDRESS, k) for k in (
        "name", "phone", "province", "city", "district", "detail_address")})  # fmt: skip
    async with DajiClient("key", "secret", transport=MockTransport(handler)) as client:
        order = await client.poizon.orders.create(
            spu_id=4329499, sku_id=620516702, price=5900, shipping_address=address, request_id="REQ202501011003"
        )
    (body,) = bodies
    for key in ("requestId", "shippingAddress", "product"):  # en api-456883163, value for value
        assert body[key] == documented[key], key
    assert isinstance(body["product"]["dwSpuId"], str) and isinstance(body["product"]["price"], int)
    assert order.customer_order_no == "OA00835379" and order.order_items[0].real_pay_yuan == Decimal("59.00")


async def test_bad_poizon_arguments_are_refused_before_sending() -> None:
    sent: list[str] = []
    transport = MockTransport(lambda request: sent.append(request.path) or poizon_ok({}))  # type: ignore[func-returns-value]
    async with DajiClient("key", "secret", transport=transport) as client:
        orders = client.poizon.orders
        with pytest.raises(ValueError, match="price must be an int"):
            await orders.create(**create_args(price=59.0))
        with pytest.raises(ValueError, match="quantity"):
            await orders.create(**create_args(quantity=0))
        with pytest.raises(ValueError, match="request_id"):
            await orders.create(**create_args(request_id="REQ 1"))
        with pytest.raises(ValueError, match="spu_id"):
            await orders.create(**create_args(spu_id="abc"))
        with pytest.raises(TypeError, match="sku_id"):
            await orders.create(**create_args(sku_id=1.5))
        with pytest.raises(TypeError, match="shipping_address"):
            await orders.create(**create_args(shipping_address={"name": "张三"}))
        with pytest.raises(ValueError, match="detail_address"):
            await orders.create(
                **create_args(shipping_address={**msgspec.structs.asdict(ADDRESS), "detail_address": " "})
            )
        with pytest.raises(ValueError, match="exactly one"):
            await orders.get()
        with pytest.raises(ValueError, match="link"):
            await client.taobao.products.detail_by_link("m.tb.cn/h.1")
    assert sent == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"code": 500, "msg": "余额不足", "data": None, "status": 500}),
        (500, {"code": 500, "msg": "余额不足", "data": None, "status": 500}),
        (200, {"code": 400, "msg": "余额不足", "status": 400, "data": {"spuList": "not a list"}}),
    ],
)
async def test_poizons_msg_reaches_every_errors_text(status: int, body: dict[str, Any]) -> None:
    async with DajiClient("key", "secret", transport=MockTransport(lambda r: Response(status, json=body))) as client:
        with pytest.raises(APIError, match="余额不足"):
            await client.poizon.products.detail(1)
        with pytest.raises(APIError, match="余额不足"):
            await client.poizon.balance()


# --------------------------------------------------------------------------- the Taobao buy


async def test_taobao_buy_against_the_sandbox_sends_only_documented_requests(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    taobao = daji_client.taobao
    item = (await taobao.products.keyword_search("背包", page_size=2)).items[0]
    info = await taobao.products.distribution_info(item.item_id)
    mp = info.sku_list[0]
    assert mp.mp_id and mp.mp_skuid
    preview = await taobao.orders.preview(
        [TaobaoRenderLine(item_id=mp.mp_id, sku_id=mp.mp_skuid, quantity=1)], receiver_address=WAREHOUSE
    )
    price = preview.lines[0].price
    assert price is not None and preview.total_amount
    line = TaobaoOrderLine(item_id=mp.mp_id, sku_id=mp.mp_skuid, quantity=1, price=price)
    args: dict[str, Any] = {"receiver": WAREHOUSE, "warehouse_address": WAREHOUSE, "order_source": "lazada"}
    first = await taobao.orders.create([line], purchase_amount=preview.total_amount, **args)
    second = await taobao.orders.create([line], purchase_amount=preview.total_amount, **args)
    paid = await taobao.payments.pay([first.purchase_id])
    assert paid.ok and paid.paid_order_ids == [first.purchase_id]
    answer = await taobao.orders.cancel(second.purchase_id, reason="缺货")
    assert answer.success
    paths = sent_only_documented(daji_sandbox)
    assert paths.count("/taobao/purchase/order/create") == 2 and paths.count("/taobao/purchase/order/asyn/cancel") == 1


# --------------------------------------------------------------------------- both spellings


TAOBAO_ANSWERS: dict[str, dict[str, Any]] = {
    # spelling -> (search data, detail data, create data, pay data, freight data)
    "snake (TaoWorld, U)": {
        "search": {"page_no": 1, "page_size": 20, "data": [{"item_id": 703446760426, "main_image_url": "u",
                                                            "shop_name": "店", "price": "19.90"}]},
        "detail": {"item_id": 703446760426, "pic_urls": ["p"], "sku_list": [{"sku_id": 5, "price": 100,
                   "properties": [{"prop_name": "颜色", "value_name": "黑"}]}]},
        "create": {"outer_purchase_id": "FY-9", "order_list": [{"purchase_id": 200049962700, "order_line_list": [
            {"sub_purchase_order_id": 200049962701}]}]},
        "pay": {"will_pay_purchase_order_ids": [200049962700], "pay_failure_purchase_order_ids": []},
        "freight": {"post_fee": 600, "currency": "CNY"},
    },
    "snake (cancel page's names)": {
        "search": {"data": [{"item_id": 703446760426, "main_image_url": "u", "shop_name": "店", "price": 1990}]},
        "detail": {"item_id": 703446760426, "pic_urls": ["p"], "sku_list": [{"sku_id": 5, "price": 100}]},
        "create": {"purchase_id": "200049962700", "sub_purchase_order_id": ["200049962701"], "thirdOrderId": "FY-9"},
        "pay": {"paidOrderIds": [200049962700]},
        "freight": {"post_fee": 600, "currency": "CNY"},
    },
    "camel (production client, C)": {
        "search": {"data": [{"itemId": 703446760426, "mainImageUrl": "u", "shopName": "店", "price": 1990}]},
        "detail": {"itemId": 703446760426, "picUrls": ["p"], "skuList": [{"skuId": 5, "price": 100}]},
        "create": {"code": "0", "success": True, "purchaseId": 200049962700, "subPurchaseOrderIds": [200049962701]},
        "pay": {"paidOrderIds": [200049962700], "failedOrderIds": []},
        "freight": {"postFee": 600, "currency": "CNY"},
    },
}  # fmt: skip


@pytest.mark.parametrize("spelling", list(TAOBAO_ANSWERS))
async def test_taobao_answers_decode_in_each_spelling(spelling: str) -> None:
    answers = TAOBAO_ANSWERS[spelling]
    by_path = {
        "/taobao/traffic/item/search": answers["search"],
        "/taobao/traffic/item/get": answers["detail"],
        "/taobao/purchase/order/create": answers["create"],
        "/taobao/purchase/order/batch/pay": answers["pay"],
        "/taobao/traffic/item/logisticPrice/get": answers["freight"],
    }
    transport = MockTransport(lambda r: Response(200, json={"code": 200, "message": "ok", "data": by_path[r.path]}))
    line = TaobaoOrderLine(item_id=1, sku_id=2, quantity=1, price=100)
    async with DajiClient("key", "secret", transport=transport) as client:
        page = await client.taobao.products.keyword_search("包")
        detail = await client.taobao.products.detail(703446760426)
        created = await client.taobao.orders.create(
            [line], receiver=WAREHOUSE, warehouse_address=WAREHOUSE, purchase_amount=100, order_source="lazada",
            third_order_id="FY-9",
        )  # fmt: skip
        paid = await client.taobao.payments.pay([created.purchase_id])
        freight = await client.taobao.products.logistics_price(703446760426)
    (item,) = page.items
    assert (item.item_id, item.main_image_url, item.shop_name) == (703446760426, "u", "店")
    assert item.price == 1990  # fen, whether sent as 1990 or as TaoWorld's yuan text "19.90"
    assert detail.item_id == 703446760426 and detail.pic_urls == ["p"] and detail.skus[0].sku_id == 5
    if "TaoWorld" in spelling:  # TaoWorld's SKU properties come as a list of name/value pairs
        assert detail.skus[0].properties == "颜色:黑"
    assert created.purchase_id == "200049962700" and created.sub_purchase_order_ids == ["200049962701"]
    assert created.third_order_id == "FY-9"
    assert paid.ok and paid.paid_order_ids == ["200049962700"]
    assert freight.post_fee == 600 and freight.currency == "CNY"


# --------------------------------------------------------------------------- hot lists and short links


async def test_hot_lists_and_detail_by_short_link_against_the_sandbox(daji_client: DajiClient) -> None:
    products = daji_client.taobao.products
    themes = await products.hot_list_types()
    assert themes and all(t.theme_id and t.name for t in themes)
    hot = [item async for item in products.hot_list_products(themes[0].theme_id or 0, max_items=25)]
    assert len(hot) == 25 and len({i.item_id for i in hot}) == 25
    detail = await products.detail_by_link(f"https://m.tb.cn/h.{hot[0].item_id}")
    assert detail.item_id == hot[0].item_id and detail.skus


# --------------------------------------------------------------------------- raw views and pickling


async def test_raw_views_cover_the_new_calls(daji_client: DajiClient) -> None:
    raw = daji_client.with_raw_response
    balance = await raw.poizon.balance()
    assert balance.status == 200 and balance.parse().yuan == Decimal("10000.00")
    themes = await raw.taobao.products.hot_list_types()
    assert themes.status == 200 and themes.parse()
    spu = (await daji_client.poizon.products.search(brand="PUMA", page_size=1)).items[0]
    sku = (await daji_client.poizon.products.detail(spu.dw_spu_id)).sku_list[0]
    created = await raw.poizon.orders.create(
        spu_id=spu.dw_spu_id, sku_id=sku.dw_sku_id, price=sku.min_bid_price or 1, shipping_address=ADDRESS
    )
    assert created.status == 200 and created.parse().order_items[0].order_status == "PAID"


def test_a_pickled_poizon_outcome_keeps_its_request_id() -> None:
    import pickle

    from daji_async import APIConnectionError

    error = PoizonOrderOutcomeUnknownError.for_call(
        APIConnectionError("connection reset"), method="POST", path=CREATE, params={"requestId": "REQ-7"}
    )
    clone = pickle.loads(pickle.dumps(error))
    assert clone.request_id == "REQ-7" and str(clone) == str(error)


async def test_a_lost_create_answer_is_unknown_and_the_same_request_id_finds_the_one_order(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    import aiohttp

    poizon = daji_client.poizon
    spu = (await poizon.products.search(brand="Jordan", page_size=1)).items[0]
    sku = (await poizon.products.detail(spu.dw_spu_id)).sku_list[0]
    price = sku.min_bid_price or 1
    before = (await poizon.balance()).yuan
    async with aiohttp.ClientSession() as http:  # the sandbox acts on the create, then drops the answer
        url = f"{daji_sandbox.base_url}/_sandbox/orders/lose-answer"
        async with http.post(url, json={"path": CREATE, "times": 1}) as lost:
            assert lost.status == 200
    args = {"spu_id": spu.dw_spu_id, "sku_id": sku.dw_sku_id, "price": price, "shipping_address": ADDRESS}
    with pytest.raises(PoizonOrderOutcomeUnknownError) as info:
        await poizon.orders.create(**args, request_id="REQ-LOST-1")
    assert info.value.request_id == "REQ-LOST-1"
    assert [r.path for r in daji_sandbox.requests].count(CREATE) == 1  # never retried
    found = await poizon.orders.get(request_id="REQ-LOST-1")  # it was made, and paid
    again = await poizon.orders.create(**args, request_id="REQ-LOST-1")  # same key: the same order
    assert again.dist_order_no == found.dist_order_no
    assert before is not None and (await poizon.balance()).yuan == before - Decimal(price) / 100  # paid once
