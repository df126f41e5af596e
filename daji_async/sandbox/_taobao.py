"""The sandbox's Taobao/Tmall endpoints: searches, detail, bunker, upload, freight, purchase orders, pay.

Items are the catalogue's offers seen through Taobao: the same Chinese titles, 12-digit
`item_id` ints, prices as ints in fen, a `shop_id` per seller. Searches page with the
rows' own paging specs (`page_no` 1-based and `page_size` <= 20; image search V2.0's
`pageNo` 0-based). Purchase orders live in `state.extensions["taobao"]` (forgotten on
reset) with 12-digit purchase ids; create is idempotent on `thirdOrderId`; pay takes at most
10 ids, as integers; Taobao's inner result `code` is a string, `"0"` on success. Every
status change (create, pay, cancel) is pushed as a Taobao `message_type` 3 to the sandbox's
webhook, signed and delivered like the 1688 messages. Lost
answers (`orders_store(state).lose_answer(path)`) work on create and pay as on 1688's.

`HANDLERS` maps endpoint names to handlers; the app registers each at its row's path.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import msgspec
from aiohttp import web

from .. import _constants as C
from .._endpoints import (
    TAOBAO_BUNKER,
    TAOBAO_DETAIL,
    TAOBAO_DETAIL_BY_LINK,
    TAOBAO_HOT_LIST_PRODUCTS,
    TAOBAO_HOT_LIST_TYPES,
    TAOBAO_IMAGE_SEARCH,
    TAOBAO_IMAGE_SEARCH_URL,
    TAOBAO_KEYWORD_SEARCH,
    TAOBAO_LOGISTICS_PRICE,
    TAOBAO_ORDER_CANCEL,
    TAOBAO_ORDER_CREATE,
    TAOBAO_ORDER_GET,
    TAOBAO_ORDER_PREVIEW,
    TAOBAO_PAY,
    TAOBAO_SHOP_SEARCH,
    TAOBAO_UPLOAD_IMAGE,
    TAOBAO_UPLOAD_IMAGE_URL,
)
from ..messages import Topic
from ._orders_store import PUSHER_KEY, SentMessage, orders_store, respond
from ._products import upload_image
from ._state import SandboxState
from ._taobao_items import (
    MP_BASE,
    bunker,
    detail,
    detail_by_link,
    hot_list_products,
    hot_list_types,
    image_search,
    image_search_url,
    keyword_search,
    logistics_price,
    shop_search,
    skus_of,
)
from ._wire import STATE_KEY, BadParams, Handler, Params, encode, ok, params_of, trace_id

__all__ = ["EXTENSION", "HANDLERS", "TaobaoStore", "taobao_store"]

#: `state.extensions` key of the Taobao purchase orders.
EXTENSION = "taobao"
#: Statuses of the message page (`BULIDING` sic is the page's spelling of "building").
WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
WAIT_SELLER_SEND_GOODS = "WAIT_SELLER_SEND_GOODS"
TRADE_CLOSED = "TRADE_CLOSED"

_REQUEST_IDS = itertools.count(int(time.time()))
# ids the sandbox records its Taobao pushes under (Taobao messages carry none of their own)
_PUSH_IDS = itertools.count(int(time.time() * 1000) * 1000 + 500_000)
#: The seller (distributor) id of the sandbox's Taobao messages, as the message page shows one.
SELLER_ID = 2100000927014
#: The `site` of the sandbox's Taobao messages (the page's example).
SITE = "taobao_hk"


# --------------------------------------------------------------------------- purchase orders


@dataclass
class TaobaoLine:
    """One line of a sandbox purchase order (its sub-order)."""

    sub_id: int
    item_id: int
    sku_id: int
    quantity: int
    price: int
    status: str = WAIT_BUYER_PAY


@dataclass
class TaobaoPurchase:
    """A sandbox purchase order; money in fen."""

    purchase_id: int
    third_order_id: str
    amount: int
    lines: list[TaobaoLine]
    status: str = WAIT_BUYER_PAY
    paid: bool = False
    cancel_requested: bool = False


@dataclass
class TaobaoStore:
    """Every Taobao purchase order and pay call of one sandbox (until reset)."""

    orders: dict[int, TaobaoPurchase] = field(default_factory=dict)
    by_third: dict[str, int] = field(default_factory=dict)
    #: the id lists of every pay call, in arrival order
    pay_calls: list[list[int]] = field(default_factory=list)
    next_id: int = 1

    def new_id(self) -> int:
        """A fresh 12-digit purchase id, like the wiki's `200049919063`."""
        value = 200_049_900_000 + self.next_id * 13
        self.next_id += 1
        return value


def taobao_store(state: SandboxState) -> TaobaoStore:
    """The Taobao store of a sandbox state (created on first use, dropped by `reset`)."""
    store = state.extensions.get(EXTENSION)
    if not isinstance(store, TaobaoStore):
        store = state.extensions[EXTENSION] = TaobaoStore()
    return store


def verdict(code: str = "0", error_code: str | None = None, error_msg: str | None = None) -> dict[str, Any]:
    """Taobao's verdict fields, as the cancel page shows them (`code` a string, `"0"` success)."""
    return {
        "code": code,
        "success": code == "0",
        "requestId": f"{next(_REQUEST_IDS):x}",
        "errorCode": error_code,
        "TraceId": trace_id(),
        "errorMsg": error_msg,
    }


def refuse(error_code: str, message: str) -> web.Response:
    """A refusal: envelope 200, inner `success: false` and a non-"0" code."""
    return ok(encode(verdict("1", error_code, message)))


def _json_text_list(params: Params, name: str) -> list[Any]:
    """A parameter that must be a JSON array *encoded as a string* (`render_item_List`...)."""
    raw = params.values.get(name)
    if raw is None or raw == "":
        raise BadParams(f"{name}不能为空 (parameter {name} is required)")
    if not isinstance(raw, str):
        raise BadParams(f"{name}必须是JSON字符串 (parameter {name} must be a JSON array encoded as a string)")
    try:
        lines = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise BadParams(f"{name}格式不正确 ({name} is not JSON)") from None
    if not isinstance(lines, list) or not lines or not all(isinstance(x, dict) for x in lines):
        raise BadParams(f"{name}格式不正确 ({name} must be a non-empty JSON array of objects)")
    return lines


def _address(params: Params, name: str, *, required: bool = True) -> dict[str, Any] | None:
    value = params.values.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise BadParams(f"{name}不能为空 (parameter {name} must be an object)")
    for key in ("state", "district"):
        if not value.get(key):
            raise BadParams(f"{name}.{key}不能为空 ({name}.{key} is required)")
    return value


def _int_field(line: dict[str, Any], key: str, where: str, *, low: int = 1) -> int:
    value = line.get(key)
    try:
        number = int(value) if not isinstance(value, bool) and isinstance(value, (int, str)) else None
    except ValueError:
        number = None
    if number is None or number < low:
        raise BadParams(f"{where}.{key}格式不正确 ({where}.{key} must be an integer >= {low}, got {value!r})")
    return number


def _sku_price(state: SandboxState, item_id: int, sku_id: int) -> int | None:
    offer = state.catalogue.by_id.get(item_id - MP_BASE if item_id > MP_BASE else item_id)
    if offer is None:
        return None
    for sku in skus_of(state, offer):
        if sku["sku_id"] == sku_id:
            return int(sku["price"])
    return None


async def render(request: web.Request) -> web.Response:
    """POST /taobao/purchase/order/render: price the lines of render_item_List (a JSON string)."""
    state, params = request.app[STATE_KEY], params_of(request)
    _address(params, "receiver_address")
    _address(params, "warehouse_address", required=False)
    lines = _json_text_list(params, "render_item_List")
    priced = []
    for i, line in enumerate(lines):
        item_id = _int_field(line, "itemId", f"render_item_List[{i}]")
        sku_id = _int_field(line, "skuId", f"render_item_List[{i}]")
        quantity = _int_field(line, "quantity", f"render_item_List[{i}]")
        price = _sku_price(state, item_id, sku_id)
        if price is None:
            return refuse("ITEM_NOT_FOUND", f"商品或SKU不存在 (no item {item_id} with sku {sku_id})")
        priced.append({"itemId": item_id, "skuId": sku_id, "quantity": quantity, "price": price, "canSell": True})
    goods = sum(p["price"] * p["quantity"] for p in priced)
    post_fee = 0 if goods >= 9900 else 600
    for p in priced:
        p["postFee"] = post_fee if p is priced[0] else 0
    data = {**verdict(), "totalAmount": goods + post_fee, "postFee": post_fee, "currency": "CNY", "lines": priced}
    return ok(encode(data))


def order_json(order: TaobaoPurchase) -> dict[str, Any]:
    """A purchase order as query answers it (ids as numbers, money in fen)."""
    return {
        **verdict(),
        "purchaseId": order.purchase_id,
        "thirdOrderId": order.third_order_id,
        "status": order.status,
        "purchaseAmount": order.amount,
        "paid": order.paid,
        "cancelRequested": order.cancel_requested,
        "lines": [
            {
                "subPurchaseOrderId": line.sub_id,
                "itemId": line.item_id,
                "skuId": line.sku_id,
                "quantity": line.quantity,
                "price": line.price,
                "status": line.status,
            }
            for line in order.lines
        ],
    }


async def create(request: web.Request) -> web.Response:
    """POST /taobao/purchase/order/create: a purchase order, idempotent on thirdOrderId."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = taobao_store(state)
    third = params.text("thirdOrderId", required=True)
    assert third is not None
    amount = params.values.get("purchase_amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise BadParams(f"purchase_amount格式不正确 (purchase_amount must be an integer number of fen, got {amount!r})")
    params.text("order_source", required=True)  # required on the newest en page (api-194164780)
    _address(params, "receiver")
    _address(params, "warehouse_address_info")
    raw_lines = _json_text_list(params, "order_line_list")
    existing = store.by_third.get(third)
    if existing is not None:  # the same purchase number again: the same order, never a second one
        order = store.orders[existing]
        body = {**verdict(), "purchaseId": order.purchase_id, "thirdOrderId": third, "purchaseAmount": order.amount}
        return await respond(request, orders_store(state), body)
    lines: list[TaobaoLine] = []
    for i, line in enumerate(raw_lines):
        where = f"order_line_list[{i}]"
        item_id, sku_id = _int_field(line, "itemId", where), _int_field(line, "skuId", where)
        quantity, price = _int_field(line, "quantity", where), _int_field(line, "price", where, low=0)
        if _sku_price(state, item_id, sku_id) is None:
            return refuse("ITEM_NOT_FOUND", f"商品或SKU不存在 (no item {item_id} with sku {sku_id})")
        lines.append(TaobaoLine(store.new_id(), item_id, sku_id, quantity, price))
    goods = sum(line.price * line.quantity for line in lines)
    if amount < goods:
        return refuse("PURCHASE_AMOUNT_ERROR", f"采购金额不足 (purchase_amount {amount} < lines total {goods} fen)")
    order = TaobaoPurchase(store.new_id(), third, amount, lines)
    store.orders[order.purchase_id] = order
    store.by_third[third] = order.purchase_id
    emit_status(request, order)
    body = {
        **verdict(),
        "purchaseId": order.purchase_id,
        "thirdOrderId": third,
        "purchaseAmount": amount,
        "subPurchaseOrderIds": [line.sub_id for line in lines],
    }
    return await respond(request, orders_store(state), body)


def emit_status(request: web.Request, order: TaobaoPurchase) -> None:
    """Push a Taobao `message_type` 3 (order status) about `order`, shaped as DAJI's page shows it."""
    body = {
        "seller_id": str(SELLER_ID),
        "message_type": 3,
        "data": {
            "business_time": int(time.time() * 1000),
            "outer_purchase_id": order.third_order_id,
            "purchase_id": order.purchase_id,
            "seller_id": SELLER_ID,
            "sku_list": [
                {
                    "item_id": line.item_id,
                    "logistic_company_name": None,
                    "logistic_number": None,
                    "order_line_no": str(number),
                    "sku_id": line.sku_id,
                    "status": line.status,
                }
                for number, line in enumerate(order.lines, 1)
            ],
            "status": order.status,
        },
        "timestamp": int(time.time()),
        "site": SITE,
    }
    store = orders_store(request.app[STATE_KEY])
    text = encode(body).decode()
    message = SentMessage(next(_PUSH_IDS), Topic.TAOBAO_ORDER_STATUS.value, order.purchase_id, order.status, text)
    store.messages.append(message)
    request.app[PUSHER_KEY].push(store, message)


def _purchase(store: TaobaoStore, params: Params) -> TaobaoPurchase | None:
    purchase_id = params.integer("purchase_id", required=True, low=1)
    return store.orders.get(purchase_id or 0)


async def cancel(request: web.Request) -> web.Response:
    """POST /taobao/purchase/order/asyn/cancel: accept a cancel of an unpaid order (or some sub-orders)."""
    state, params = request.app[STATE_KEY], params_of(request)
    subs = params.values.get("sub_purchase_orderId_list")
    if subs is not None and (not isinstance(subs, list) or not all(isinstance(s, str) for s in subs)):
        raise BadParams("sub_purchase_orderId_list格式不正确 (sub_purchase_orderId_list must be an array of strings)")
    params.text("cancel_reason", required=True)
    params.text("cancel_remark", required=True)  # both required (en api-194164781)
    if not isinstance(params.values.get("purchase_id"), str):
        raise BadParams("purchase_id格式不正确 (purchase_id must be a string)")
    order = _purchase(taobao_store(state), params)
    if order is None:
        return refuse("ORDER_NOT_EXIST", "采购单不存在 (no such purchase order)")
    if order.status != WAIT_BUYER_PAY:
        return refuse("ORDER_STATUS_ERROR", f"当前状态不能取消 (a {order.status} order cannot be cancelled)")
    chosen = {int(s) for s in subs or ()}
    unknown = chosen - {line.sub_id for line in order.lines}
    if unknown:
        return refuse("SUB_ORDER_NOT_EXIST", f"子采购单不存在 (no sub-orders {sorted(unknown)})")
    for line in order.lines:
        if not chosen or line.sub_id in chosen:
            line.status = TRADE_CLOSED
    order.cancel_requested = True
    if all(line.status == TRADE_CLOSED for line in order.lines):
        order.status = TRADE_CLOSED
    emit_status(request, order)
    return ok(encode(verdict()))


async def query(request: web.Request) -> web.Response:
    """POST /taobao/purchase/order/query: a purchase order's state."""
    state, params = request.app[STATE_KEY], params_of(request)
    order = _purchase(taobao_store(state), params)
    if order is None:
        return refuse("ORDER_NOT_EXIST", "采购单不存在 (no such purchase order)")
    return ok(encode(order_json(order)))


async def pay(request: web.Request) -> web.Response:
    """POST /taobao/purchase/order/batch/pay: pay up to 10 purchase orders given as integers."""
    state, params = request.app[STATE_KEY], params_of(request)
    ids = params.values.get("purchaseOrderIdList")
    if not isinstance(ids, list) or not ids:
        raise BadParams("purchaseOrderIdList不能为空 (purchaseOrderIdList must be a non-empty array)")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise BadParams("purchaseOrderIdList格式不正确 (purchaseOrderIdList must be an array of integers)")
    if len(ids) > C.TAOBAO_PAY_BATCH:
        raise BadParams(f"purchaseOrderIdList最多{C.TAOBAO_PAY_BATCH}个 (at most {C.TAOBAO_PAY_BATCH} ids per call)")
    store = taobao_store(state)
    store.pay_calls.append(list(ids))
    paid, failed = [], []
    for purchase_id in ids:
        order = store.orders.get(purchase_id)
        if order is None or order.status != WAIT_BUYER_PAY:
            failed.append(purchase_id)
            continue
        order.paid = True
        order.status = WAIT_SELLER_SEND_GOODS
        for line in order.lines:
            if line.status == WAIT_BUYER_PAY:
                line.status = WAIT_SELLER_SEND_GOODS
        paid.append(purchase_id)
        emit_status(request, order)
    return await respond(request, orders_store(state), {**verdict(), "paidOrderIds": paid, "failedOrderIds": failed})


#: Endpoint name -> handler: the routes come from the endpoint table (see `create_app`).
HANDLERS: dict[str, Handler] = {
    TAOBAO_KEYWORD_SEARCH.name: keyword_search,
    TAOBAO_IMAGE_SEARCH.name: image_search,
    TAOBAO_IMAGE_SEARCH_URL.name: image_search_url,
    TAOBAO_SHOP_SEARCH.name: shop_search,
    TAOBAO_DETAIL.name: detail,
    TAOBAO_BUNKER.name: bunker,
    TAOBAO_UPLOAD_IMAGE.name: upload_image,
    TAOBAO_UPLOAD_IMAGE_URL.name: upload_image,
    TAOBAO_LOGISTICS_PRICE.name: logistics_price,
    TAOBAO_ORDER_PREVIEW.name: render,
    TAOBAO_ORDER_CREATE.name: create,
    TAOBAO_ORDER_CANCEL.name: cancel,
    TAOBAO_ORDER_GET.name: query,
    TAOBAO_PAY.name: pay,
    TAOBAO_HOT_LIST_TYPES.name: hot_list_types,
    TAOBAO_HOT_LIST_PRODUCTS.name: hot_list_products,
    TAOBAO_DETAIL_BY_LINK.name: detail_by_link,
}
