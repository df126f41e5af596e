"""The sandbox's order endpoints: preview, create, cancel, list, view, confirm receipt, payment links, pay.

Every call is served at the path, with the body keys and answer shape, that DAJI's wiki
documents (`daji-wiki.md` §2.8-§2.15), misspellings included (`orderPreviewResuslt`,
`erroMsg`). Orders are state (`state.extensions["orders"]`, forgotten on reset). Preview
and create price cargo from the catalogue: `specId` must be one that
`/alibaba/product/queryProductDetail` lists for the offer. Create honours `thirdOrderId`
(the same id answers with the same order: the sandbox's own rule, so that a caller who lost
an answer can safely repeat it). Statuses move as on 1688:

    waitbuyerpay --pay--> waitsellersend --send (control)--> waitbuyerreceive
                 --confirm receipt--> confirm_goods --> success
    waitbuyerpay --cancel--> cancel          (any other status: ORDER_STATUS_ERROR)

Every change is pushed as a signed message the way DAJI delivers (form fields `message` and
`_dj_signature`, HMAC-SHA1 as in 1688's push) to `SandboxConfig.webhook_url`, in order,
retried a few times when the webhook does not answer 2xx (the store and the pusher live in
`_orders_store`; this module holds the handlers, registered from the endpoint table).

Controls (served by `_control`, no auth, under `/_sandbox/orders`):

- `GET /_sandbox/orders`: orders, payments, pushed messages and delivery attempts.
- `POST /_sandbox/orders/{orderId}/send`: the seller ships (`waitsellersend` only).
- `POST /_sandbox/orders/webhook` `{"url": ...}`: where messages go (null: nowhere).
- `POST /_sandbox/orders/redeliver` `{"msgId": ...}`: push a message again (a duplicate
  delivery); without `msgId`, every message so far.
- `POST /_sandbox/orders/lose-answer` ``{"path": ..., "kind": "reset"|"latency", "seconds": 1,
  "times": 1}`: act on the next call to `path``, then lose its answer (see
  `OrderStore.lose_answer`). The generic faults strike *before* the sandbox reads a
  request; this one strikes *after* the order changed, the case where money moved and the
  caller cannot know.

Business errors come back as 1688 does: HTTP 200, envelope code 200, and `data` with
`success: false` and `errorCode` (`ORDER_STATUS_ERROR`, `ORDER_NOT_EXIST`,
`CLOSE_ORDER_TOO_FAST`; `PAY_AMOUNT_MISMATCH` is the sandbox's own). Malformed requests
(a missing address, an unknown offer or specId) are HTTP 400.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web

from .._endpoints import (
    ORDER_CANCEL,
    ORDER_CONFIRM_RECEIPT,
    ORDER_CREATE,
    ORDER_GET,
    ORDER_LIST,
    ORDER_PREVIEW,
    PAYMENT_LINKS,
    PAYMENT_PAY,
)
from ..enums import OrderStatus
from ..messages import Topic
from ..models.orders import yuan_to_fen
from ._catalogue import Offer
from ._order_view import order_view
from ._orders_store import (
    CANCEL_REASONS,
    CONFIRM_FAILED_CODE,
    FLOWS,
    MAX_CARGO_LINES,
    MAX_LINK_BATCH,
    ORDER_NOT_EXIST,
    ORDER_STATUS_ERROR,
    PAY_CHANNELS,
    TRADE_MODES,
    Entry,
    OrderStore,
    SandboxOrder,
    emit,
    next_entry_id,
    now_1688,
    orders_store,
    respond,
    yuan_number,
)
from ._products import detail_json
from ._state import SandboxState
from ._wire import STATE_KEY, BadParams, Handler, Params, encode, ok, params_of, trace_id

__all__ = ["HANDLERS", "order_view"]

# --------------------------------------------------------------------------- parameters


def _json(params: Params, name: str) -> Any:
    """A structured parameter: JSON in a JSON body, or JSON text in a query or form."""
    value = params.values.get(name)
    if isinstance(value, str):
        try:
            return msgspec.json.decode(value)
        except msgspec.DecodeError:
            raise BadParams(f"{name}格式不正确 (parameter {name} must be JSON)") from None
    return value


def _id(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise BadParams(f"{name}格式不正确 (parameter {name} must be a number)")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadParams(f"{name}格式不正确 (parameter {name} must be a number, got {value!r})") from None
    if number <= 0:
        raise BadParams(f"{name}格式不正确 (parameter {name} must be positive)")
    return number


def _address(params: Params) -> dict[str, Any]:
    address = _json(params, "addressParam")
    if not isinstance(address, dict):
        raise BadParams("addressParam不能为空 (parameter addressParam is required, a JSON object)")
    if address.get("addressId") is None:
        for name in ("fullName", "address"):
            if not address.get(name):
                raise BadParams(f"addressParam.{name}不能为空 (the address needs {name})")
        if not (address.get("mobile") or address.get("phone")):
            raise BadParams("addressParam.mobile不能为空 (the address needs a mobile or phone)")
    return address


@dataclass
class _Line:
    offer: Offer
    spec_id: str
    sku_id: int
    quantity: int
    unit_fen: int
    attributes: list[tuple[str, str]]


def _detail(state: SandboxState, offer: Offer) -> dict[str, Any]:
    """The offer's detail as `queryProductDetail` serves it: its SKUs and their spec ids."""
    detail: dict[str, Any] = state.results.get_or(
        ("order-detail", offer.offer_id), lambda: detail_json(state, offer, "en")
    )
    return detail


def _cargo(state: SandboxState, params: Params) -> list[_Line]:
    """Check the cargo against the catalogue and price it (SKU price, in fen)."""
    cargo = _json(params, "cargoParamList")
    if not isinstance(cargo, list) or not cargo:
        raise BadParams("cargoParamList不能为空 (parameter cargoParamList is required, a non-empty list)")
    if len(cargo) > MAX_CARGO_LINES:
        raise BadParams(f"cargoParamList超过{MAX_CARGO_LINES}个 (at most {MAX_CARGO_LINES} lines per order)")
    lines: list[_Line] = []
    per_offer: dict[int, int] = {}
    minimums: dict[int, int] = {}
    for i, raw in enumerate(cargo):
        if not isinstance(raw, dict):
            raise BadParams(f"cargoParamList[{i}]格式不正确 (each line is a JSON object)")
        offer_id = _id(raw.get("offerId"), f"cargoParamList[{i}].offerId")
        offer = state.catalogue.by_id.get(offer_id)
        if offer is None:
            raise BadParams(f"商品不存在 (cargoParamList[{i}]: no offer {offer_id})")
        quantity = raw.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or quantity <= 0:
            raise BadParams(f"cargoParamList[{i}].quantity格式不正确 (quantity must be a number > 0)")
        if quantity != int(quantity):
            raise BadParams(f"cargoParamList[{i}].quantity格式不正确 (this offer sells whole pieces)")
        detail = _detail(state, offer)
        minimums[offer_id] = detail["minOrderQuantity"]
        skus = {s["specId"]: s for s in detail["productSkuInfos"]}
        spec_id = raw.get("specId")
        if not spec_id:
            raise BadParams(f"cargoParamList[{i}].specId不能为空 (offer {offer_id} has SKUs: give a specId)")
        sku = skus.get(spec_id)
        if sku is None:
            raise BadParams(f"规格不存在 (cargoParamList[{i}]: offer {offer_id} has no specId {spec_id!r})")
        if int(quantity) > sku["amountOnSale"]:
            raise BadParams(f"库存不足 (cargoParamList[{i}]: only {sku['amountOnSale']} on sale)")
        attributes = [(a["attributeName"], a["value"]) for a in sku["skuAttributes"]]
        lines.append(_Line(offer, spec_id, sku["skuId"], int(quantity), yuan_to_fen(sku["price"]), attributes))
        per_offer[offer_id] = per_offer.get(offer_id, 0) + int(quantity)
    for offer_id, total in per_offer.items():
        minimum = minimums[offer_id]
        if total < minimum:
            raise BadParams(f"未达到起批量 (offer {offer_id} sells at least {minimum} pieces per order)")
    return lines


def _carriage(seller: int, lines: list[_Line]) -> int:
    """Freight of one supplier's order, in fen: free from 500 yuan of goods."""
    goods = sum(line.unit_fen * line.quantity for line in lines)
    if goods >= 50_000:
        return 0
    pieces = sum(line.quantity for line in lines)
    return 500 + seller % 5 * 100 + 200 * ((pieces - 1) // 10)


def _by_seller(lines: list[_Line]) -> dict[int, list[_Line]]:
    groups: dict[int, list[_Line]] = {}
    for line in lines:
        groups.setdefault(line.offer.seller, []).append(line)
    return groups


def _flow(params: Params) -> str | None:
    flow = params.text("flow")
    if flow is not None and flow not in FLOWS:
        raise BadParams(f"flow格式不正确 (flow must be one of {', '.join(FLOWS)}, got {flow!r})")
    return flow


def _failure(code: str, message: str, *, key: str = "errorMessage") -> dict[str, Any]:
    return {"success": False, "errorCode": code, key: message}


def _find(store: OrderStore, params: Params, name: str = "orderId") -> SandboxOrder | None:
    raw = params.values.get(name)
    if raw is None or raw == "":
        raise BadParams(f"{name}不能为空 (parameter {name} is required)")
    return store.orders.get(_id(raw, name))


# --------------------------------------------------------------------------- handlers


async def preview(request: web.Request) -> web.Response:
    """1688 `createOrder.preview`: price the cargo from the catalogue, one result per supplier."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    _address(params)
    lines = _cargo(state, params)
    flow = _flow(params) or "general"
    results = []
    for seller, group in _by_seller(lines).items():
        goods = sum(line.unit_fen * line.quantity for line in group)
        carriage = _carriage(seller, group)
        results.append(
            {
                "sumPayment": goods + carriage,
                "sumCarriage": carriage,
                "sumPaymentNoCarriage": goods,
                "discountFee": 0,
                "additionalFee": 0,
                "flowFlag": flow,
                "tradeModeNameList": TRADE_MODES,
                "status": True,
                "cargoList": [
                    {
                        "offerId": line.offer.offer_id,
                        "specId": line.spec_id,
                        "skuId": line.sku_id,
                        "quantity": line.quantity,
                        "amount": yuan_number(line.unit_fen * line.quantity),
                        "finalUnitPrice": yuan_number(line.unit_fen),
                    }
                    for line in group
                ],
                "payChannelInfos": [{"name": n, "amountLimit": limit} for n, limit in PAY_CHANNELS.items()],
                "shopPromotionList": [],
            }
        )
    return await respond(request, store, {"success": True, "orderPreviewResuslt": results})


async def create(request: web.Request) -> web.Response:
    """1688 `createCrossOrder`: one supplier's order; the same `outOrderId` is the same order."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    out_id = params.text("thirdOrderId", required=True)
    assert out_id is not None
    if out_id in store.by_out_id:
        # the same thirdOrderId is the same order: answer as the first time, create nothing
        return await respond(request, store, store.orders[store.by_out_id[out_id]].create_answer)
    if params.values.get("message") is None:
        raise BadParams("message不能为空 (parameter message is required)")
    params.text("isvBizType", required=True)
    params.text("flow", required=True)
    address = _address(params)
    lines = _cargo(state, params)
    flow = _flow(params) or "general"
    groups = _by_seller(lines)
    if len(groups) > 1:
        raise BadParams(
            f"一个订单只能包含一个供应商的商品 (cargo from {len(groups)} suppliers: create one order per supplier)"
        )
    trade_type = None
    (seller, group), *_ = groups.items()
    order = SandboxOrder(
        order_id=store.new_order_id(),
        out_order_id=out_id,
        seller=seller,
        seller_open_id=group[0].offer.seller_open_id,
        address=address,
        entries=[
            Entry(next_entry_id(), ln.offer, ln.spec_id, ln.sku_id, ln.quantity, ln.unit_fen, ln.attributes)
            for ln in group
        ],
        carriage_fen=_carriage(seller, group),
        flow=flow,
        trade_type=trade_type,
        remark=params.text("message"),
        created=time.monotonic(),
        create_time=now_1688(),
    )
    order.modify_time = order.create_time
    # the documented answer: flat, orderId a string, accountPeriod and failedOfferList null
    order.create_answer = {
        "totalSuccessAmount": order.total_fen,
        "orderId": str(order.order_id),
        "success": True,
        "code": None,
        "message": None,
        "accountPeriod": None,
        "failedOfferList": None,
    }
    store.orders[order.order_id] = order
    store.by_out_id[out_id] = order.order_id
    emit(request, store, order, Topic.ORDER_BUYER_VIEW_BUYER_MAKE)
    return await respond(request, store, order.create_answer)


async def cancel(request: web.Request) -> web.Response:
    """1688 `trade.cancel`: unpaid orders only (`ORDER_STATUS_ERROR` otherwise)."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    if params.text("webSite", required=True) != "1688":
        raise BadParams("webSite格式不正确 (webSite must be 1688)")
    reason = params.text("cancelReason", required=True)
    if reason not in CANCEL_REASONS:
        raise BadParams(f"cancelReason格式不正确 (cancelReason must be one of {', '.join(CANCEL_REASONS)})")
    order = _find(store, params)
    if order is None:
        return await respond(request, store, _failure(ORDER_NOT_EXIST, "订单不存在 (no such order)"))
    if order.status != OrderStatus.WAIT_BUYER_PAY:
        return ok(
            encode(
                _failure(
                    ORDER_STATUS_ERROR,
                    f"订单状态不允许取消 (only unpaid orders can be cancelled; this one is {order.status})",
                )
            )
        )
    if time.monotonic() - order.created < store.cancel_min_age:
        return await respond(
            request, store, _failure("CLOSE_ORDER_TOO_FAST", "关闭订单太快 (cancel within 10 s of creation)")
        )
    order.set_status(OrderStatus.CANCEL)
    order.close_reason = reason
    order.close_remark = params.text("remark")
    emit(request, store, order, Topic.ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE)
    return await respond(request, store, {"success": True})


async def get(request: web.Request) -> web.Response:
    """`get/buyerView`: an order by `orderId`; `data` is the order itself (no `result` wrapper)."""
    state, params = request.app[STATE_KEY], params_of(request)
    if params.text("webSite", required=True) != "1688":
        raise BadParams("webSite格式不正确 (webSite must be 1688)")
    store = orders_store(state)
    order = _find(store, params)
    if order is None:
        return await respond(request, store, _failure(ORDER_NOT_EXIST, "订单不存在 (no such order)"))
    return await respond(request, store, order_view(order))


_TIME_1688 = re.compile(r"[0-9]{17}\+0800")


def _window_bound(params: Params, name: str) -> str | None:
    text = params.text(name)
    if text is not None and not _TIME_1688.fullmatch(text):
        raise BadParams(f"{name}格式不正确 ({name} must look like 20250702211113000+0800)")
    return text


async def order_list(request: web.Request) -> web.Response:
    """`getBuyerOrderList`: the buyer's orders, newest first, filtered and paged by `page`/`pageSize`.

    `data.result` is the page's orders shaped like the buyer view; no total is sent (the
    contract does not show one).
    """
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    start, end = _window_bound(params, "createStartTime"), _window_bound(params, "createEndTime")
    status, out_id, name = params.text("orderStatus"), params.text("outOrderId"), params.text("productName")
    page = params.integer("page", low=1) or 1
    size = params.integer("pageSize", low=1) or 20
    chosen = [
        o
        for o in reversed(list(store.orders.values()))
        if (start is None or o.create_time[:17] >= start[:17])
        and (end is None or o.create_time[:17] <= end[:17])
        and (status is None or o.status == status)
        and (out_id is None or o.out_order_id == out_id)
        and (name is None or any(name in e.offer.subject for e in o.entries))
    ]
    window = chosen[(page - 1) * size : page * size]
    return await respond(request, store, {"result": [order_view(o) for o in window]})


def _id_list(params: Params, name: str) -> list[int]:
    """An id list: repeated keys, comma lists or JSON arrays (query), or a JSON array (body)."""
    value = params.values.get(name)
    raw: list[Any] = []
    if isinstance(value, list):
        raw = value
    else:
        for key, text in params.pairs:
            if key != name:
                continue
            text = text.strip()
            if text.startswith("["):
                decoded = _json(Params([], {name: text}), name)
                raw.extend(decoded if isinstance(decoded, list) else [decoded])
            else:
                raw.extend(t for t in text.split(",") if t.strip())
    if not raw:
        raise BadParams(f"{name}不能为空 (parameter {name} is required)")
    return [_id(v, name) for v in raw]


async def confirm_receipt(request: web.Request) -> web.Response:
    """1688 `receivegoods.confirm`: shipped orders only; all entries confirmed ends the trade."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    order = _find(store, params)
    if order is None:
        # the page's own example: envelope code 1009, 1688's verdict in data.result
        body = {
            "code": CONFIRM_FAILED_CODE,
            "message": "买家确认收货失败",
            "data": {"result": {"success": False, "errorInfo": "订单信息不存在,请核对后重试", "errorCode": "4003"}},
            "timestamp": int(time.time() * 1000),
            "traceId": trace_id(),
        }
        return web.Response(body=encode(body), content_type="application/json")
    entry_ids = _id_list(params, "orderEntryIds")
    entries: dict[int, Entry] = {e.entry_id: e for e in order.entries}
    unknown = [e for e in entry_ids if e not in entries]
    if unknown:
        raise BadParams(f"orderEntryIds不正确 (order {order.order_id} has no entries {unknown})")
    if order.status != OrderStatus.WAIT_BUYER_RECEIVE:
        message = f"订单状态不允许确认收货 (only shipped orders can be confirmed; this one is {order.status})"
        return await respond(request, store, {"result": _failure(ORDER_STATUS_ERROR, message, key="errorInfo")})
    for entry_id in entry_ids:
        entries[entry_id].confirmed = True
    if all(e.confirmed for e in order.entries):
        order.receiving_time = now_1688()
        order.set_status(OrderStatus.CONFIRM_GOODS)
        emit(request, store, order, Topic.ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS)
        order.complete_time = now_1688()
        order.set_status(OrderStatus.SUCCESS)
        emit(request, store, order, Topic.ORDER_BUYER_VIEW_ORDER_SUCCESS)
    return await respond(request, store, {"result": {"success": True}})


async def payment_links(request: web.Request) -> web.Response:
    """1688 `alipay.url.get`: one cashier URL for the payable orders, the rest listed as failures."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    order_ids = list(dict.fromkeys(_id_list(params, "orderIdList")))
    if len(order_ids) > MAX_LINK_BATCH:
        raise BadParams(f"orderIdList最多{MAX_LINK_BATCH}个 (at most {MAX_LINK_BATCH} orders per request)")
    payable = [o for o in order_ids if o in store.orders and store.orders[o].status == OrderStatus.WAIT_BUYER_PAY]
    refused = [o for o in order_ids if o not in payable]
    if not payable:
        answer = {
            "success": False,
            "errorCode": ORDER_STATUS_ERROR,
            "erroMsg": "没有可支付的订单 (no order in the list can be paid)",
            "payFailureOrderList": refused,
        }
        return await respond(request, store, answer)
    if len(payable) == 1:
        url = f"https://trade.sandbox.invalid/order/cashier.htm?orderId={payable[0]}"
    else:
        url = "https://cashier.alipay.sandbox.invalid/batch?orderIds=" + ",".join(map(str, payable))
    return await respond(request, store, {"success": True, "payUrl": url, "payFailureOrderList": refused})


async def pay(request: web.Request) -> web.Response:
    """`protocolPay/preparePay`: pays an unpaid order (body `{orderId}`), ChengE credit first, then Alipay."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    order = _find(store, params)

    async def refuse(code: str, message: str) -> web.Response:
        return await respond(request, store, {"result": {"success": False, "code": code, "message": message}})

    if order is None:
        return await refuse(ORDER_NOT_EXIST, "订单不存在 (no such order)")
    if order.status != OrderStatus.WAIT_BUYER_PAY:
        return await refuse(ORDER_STATUS_ERROR, f"订单状态不是待付款 (the order is {order.status}, not waitbuyerpay)")
    channel = next((c for c, limit in PAY_CHANNELS.items() if order.total_fen <= limit), None)
    if channel is None:
        return await refuse("PAY_AMOUNT_LIMIT", "超过支付渠道限额 (no password-free channel covers this amount)")
    order.pay_time = now_1688()
    order.pay_channel = channel
    order.set_status(OrderStatus.WAIT_SELLER_SEND)
    store.payments.append({"orderId": order.order_id, "amountFen": order.total_fen, "payChannel": channel})
    answer = {
        "result": {
            "success": True,
            "code": "200",
            "message": "成功",
            "result": {"payChannel": channel, "paySuccess": True},
        }
    }
    emit(request, store, order, Topic.ORDER_BUYER_VIEW_ORDER_PAY)
    return await respond(request, store, answer)


#: Endpoint name -> handler: the routes come from the endpoint table (see `create_app`).
HANDLERS: dict[str, Handler] = {
    ORDER_PREVIEW.name: preview,
    ORDER_CREATE.name: create,
    ORDER_CANCEL.name: cancel,
    ORDER_GET.name: get,
    ORDER_LIST.name: order_list,
    ORDER_CONFIRM_RECEIPT.name: confirm_receipt,
    PAYMENT_LINKS.name: payment_links,
    PAYMENT_PAY.name: pay,
}
