"""The sandbox's orders: preview, create, cancel, list, view, confirm receipt, payment links, pay.

Every call is served at the path, with the body keys and answer shape, that DAJI's wiki
documents (``daji-wiki.md`` §2.8-§2.15), misspellings included (``orderPreviewResuslt``,
``erroMsg``). Orders are state (``state.extensions["orders"]``, forgotten on reset). Preview
and create price cargo from the catalogue: ``specId`` must be one that
``/alibaba/product/queryProductDetail`` lists for the offer. Create honours ``thirdOrderId``
(the same id answers with the same order: the sandbox's own rule, so that a caller who lost
an answer can safely repeat it). Statuses move as on 1688:

    waitbuyerpay --pay--> waitsellersend --send (control)--> waitbuyerreceive
                 --confirm receipt--> confirm_goods --> success
    waitbuyerpay --cancel--> cancel          (any other status: ORDER_STATUS_ERROR)

Every change is pushed as a signed message the way DAJI delivers (form fields ``message`` and
``_dj_signature``, HMAC-SHA1 as in 1688's push) to ``SandboxConfig.webhook_url``, in order,
retried a few times when the webhook does not answer 2xx.

Controls (no auth, under ``/_sandbox/orders``):

- ``GET /_sandbox/orders``: orders, payments, pushed messages and delivery attempts.
- ``POST /_sandbox/orders/{orderId}/send``: the seller ships (``waitsellersend`` only).
- ``POST /_sandbox/orders/webhook`` ``{"url": ...}``: where messages go (null: nowhere).
- ``POST /_sandbox/orders/redeliver`` ``{"msgId": ...}``: push a message again (a duplicate
  delivery); without ``msgId``, every message so far.
- ``POST /_sandbox/orders/lose-answer`` ``{"path": ..., "kind": "reset"|"latency", "seconds": 1,
  "times": 1}``: act on the next call to ``path``, then lose its answer (see
  :meth:`OrderStore.lose_answer`). The generic faults strike *before* the sandbox reads a
  request; this one strikes *after* the order changed, the case where money moved and the
  caller cannot know.

Business errors come back as 1688 does: HTTP 200, envelope code 200, and ``data`` with
``success: false`` and ``errorCode`` (``ORDER_STATUS_ERROR``, ``ORDER_NOT_EXIST``,
``CLOSE_ORDER_TOO_FAST``; ``PAY_AMOUNT_MISMATCH`` is the sandbox's own). Malformed requests
(a missing address, an unknown offer or specId) are HTTP 400.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
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
from ..messages import DJ_SIGNATURE_FIELD, MESSAGE_FIELD, Topic, message_signature
from ._app import CONTROL_PREFIX, STATE_KEY, BadParams, Params, _Dropped, detail_json, ok, params_of
from ._catalogue import Offer
from ._state import SandboxState

__all__ = ["MAX_CARGO_LINES", "OrderStore", "SandboxOrder", "add_order_routes", "orders_store"]

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode

#: ``state.extensions`` key of the order store.
EXTENSION = "orders"
#: 1688's limits.
MAX_CARGO_LINES = 100
MAX_LINK_BATCH = 30
#: What confirm receipt answers for an unknown order (documented on the page).
CONFIRM_FAILED_CODE = 1009
#: The sandbox buyer (the app's 1688 account).
BUYER_MEMBER_ID = "b2b-2210000000000sandbox"
BUYER_LOGIN_ID = "sandbox-buyer"
#: Webhook delivery: attempts per message, first backoff (doubles), timeout per attempt.
PUSH_ATTEMPTS = 4
PUSH_BACKOFF = 0.05
PUSH_TIMEOUT = 5.0
#: Orders pay with these; preview lists them with their limits (fen).
PAY_CHANNELS = {"chengE": 100_000_00, "alipay": 500_000_00}
TRADE_MODES = ["assureTrade", "alipay"]
CANCEL_REASONS = ("buyerCancel", "sellerGoodsLack", "other")
ORDER_STATUS_ERROR = "ORDER_STATUS_ERROR"
ORDER_NOT_EXIST = "ORDER_NOT_EXIST"

_CHINA = _dt.timezone(_dt.timedelta(hours=8))
# message ids stay unique across resets and sandboxes of one process (receivers dedupe on them)
_MSG_IDS = itertools.count(int(time.time() * 1000) * 1000)
_ENTRY_IDS = itertools.count(5_012_000_000_000)


def _now_1688() -> str:
    now = _dt.datetime.now(_CHINA)
    return now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}+0800"


def _yuan(fen: int) -> float:
    """Fen as the JSON number of yuan 1688 sends (a double)."""
    return round(fen / 100, 2)


def _fen(price: str) -> int:
    whole, _, cents = price.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


# --------------------------------------------------------------------------- state


@dataclass
class Entry:
    """One order line (an order entry, 1688's ``subItemId``)."""

    entry_id: int
    offer: Offer
    spec_id: str
    sku_id: int
    quantity: int
    unit_fen: int
    attributes: list[tuple[str, str]]
    status: str = "waitbuyerpay"
    confirmed: bool = False

    @property
    def amount_fen(self) -> int:
        """What the line costs, in fen."""
        return self.unit_fen * self.quantity


@dataclass
class SandboxOrder:
    """One order of the sandbox."""

    order_id: int
    out_order_id: str | None
    seller: int
    seller_open_id: str
    address: dict[str, Any]
    entries: list[Entry]
    carriage_fen: int
    flow: str
    trade_type: str | None
    remark: str | None
    created: float
    create_time: str
    status: str = "waitbuyerpay"
    pay_time: str | None = None
    pay_channel: str | None = None
    delivered_time: str | None = None
    receiving_time: str | None = None
    complete_time: str | None = None
    modify_time: str | None = None
    close_reason: str | None = None
    close_remark: str | None = None
    logistics_bill_no: str | None = None
    create_answer: dict[str, Any] = field(default_factory=dict)

    @property
    def goods_fen(self) -> int:
        """What the goods cost, without freight, in fen."""
        return sum(e.amount_fen for e in self.entries)

    @property
    def total_fen(self) -> int:
        """What the order costs, freight included, in fen."""
        return self.goods_fen + self.carriage_fen

    def set_status(self, status: str) -> None:
        """Move the order and every entry to ``status``."""
        self.status = status
        self.modify_time = _now_1688()
        for entry in self.entries:
            entry.status = status


@dataclass
class SentMessage:
    """A message the sandbox produced (and pushes to the webhook)."""

    msg_id: int
    topic: str
    order_id: int
    status: str
    text: str


@dataclass
class LostAnswer:
    """Lose the answers of ``times`` calls to ``path`` after acting on them.

    ``reset`` closes the connection instead of answering; ``latency`` answers after
    ``seconds`` (a client with a shorter timeout gives up first).
    """

    path: str
    kind: Literal["reset", "latency"] = "reset"
    seconds: float = 1.0
    times: int | None = 1
    hits: int = 0


@dataclass
class OrderStore:
    """Every order, payment and message of one sandbox (until reset).

    ``cancel_min_age``: seconds after creation before cancel is allowed (1688: 10, answering
    ``CLOSE_ORDER_TOO_FAST`` before); 0 by default so tests run fast.
    """

    orders: dict[int, SandboxOrder] = field(default_factory=dict)
    by_out_id: dict[str, int] = field(default_factory=dict)
    payments: list[dict[str, Any]] = field(default_factory=list)
    pay_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: list[SentMessage] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    cancel_min_age: float = 0.0
    lost_answers: list[LostAnswer] = field(default_factory=list)
    next_order: int = 1

    def lose_answer(
        self, path: str, kind: Literal["reset", "latency"] = "reset", *, seconds: float = 1.0, times: int | None = 1
    ) -> LostAnswer:
        """Act on the next call(s) to ``path`` (create, pay...), then lose the answer.

        ``store.lose_answer("/alibaba/trade/pay/protocolPay/preparePay", "latency", seconds=0.5)``: the
        order is paid, and a client with a shorter timeout never hears of it.
        """
        if kind not in ("reset", "latency"):
            raise ValueError(f"kind must be 'reset' or 'latency', got {kind!r}")
        lost = LostAnswer(path, kind, seconds, times)
        self.lost_answers.append(lost)
        return lost

    def new_order_id(self) -> int:
        """A fresh 19-digit order id, like 1688's."""
        order_id = 3_180_000_000_000_000_000 + self.next_order * 7919
        self.next_order += 1
        return order_id

    def payments_of(self, order_id: int | str) -> list[dict[str, Any]]:
        """The successful payments of one order (a paid order has exactly one)."""
        return [p for p in self.payments if p["orderId"] == int(order_id)]

    def snapshot(self) -> dict[str, Any]:
        """Orders, payments, messages and deliveries as JSON-ready values (``GET /_sandbox/orders``)."""
        return {
            "orders": [
                {
                    "orderId": str(o.order_id),
                    "outOrderId": o.out_order_id,
                    "status": o.status,
                    "totalFen": o.total_fen,
                    "entryIds": [str(e.entry_id) for e in o.entries],
                    "payments": len(self.payments_of(o.order_id)),
                }
                for o in self.orders.values()
            ],
            "payments": [{**p, "orderId": str(p["orderId"])} for p in self.payments],
            "messages": [
                {"msgId": m.msg_id, "type": m.topic, "orderId": str(m.order_id), "currentStatus": m.status}
                for m in self.messages
            ],
            "deliveries": list(self.deliveries),
        }


def orders_store(state: SandboxState) -> OrderStore:
    """The order store of a sandbox state (created on first use, dropped by ``reset``)."""
    store = state.extensions.get(EXTENSION)
    if not isinstance(store, OrderStore):
        store = state.extensions[EXTENSION] = OrderStore()
    return store


# --------------------------------------------------------------------------- pushes


class Pusher:
    """Delivers messages to the webhook one at a time, in order, with a few retries."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._queue: asyncio.Queue[tuple[OrderStore, SentMessage]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def push(self, store: OrderStore, message: SentMessage) -> None:
        """Queue ``message`` for the webhook (call from the sandbox's event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="daji-sandbox-pusher")
        self._queue.put_nowait((store, message))

    async def _run(self) -> None:
        while True:
            store, message = await self._queue.get()
            url = self.state.config.webhook_url
            if not url:
                continue
            try:
                await self._deliver(store, url, message)
            except Exception as exc:  # a bad URL must not stop later pushes
                store.deliveries.append({"msgId": message.msg_id, "url": url, "error": repr(exc)})

    async def _deliver(self, store: OrderStore, url: str, message: SentMessage) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PUSH_TIMEOUT))
        form = {
            MESSAGE_FIELD: message.text,
            DJ_SIGNATURE_FIELD: message_signature(message.text, self.state.config.app_secret),
        }
        for attempt in range(PUSH_ATTEMPTS):
            record: dict[str, Any] = {"msgId": message.msg_id, "attempt": attempt + 1, "url": url}
            try:
                async with self._session.post(url, data=form) as response:
                    await response.read()
                    record["status"] = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                record["error"] = f"{type(exc).__name__}: {exc}"
            store.deliveries.append(record)
            if 200 <= record.get("status", 0) < 300:
                return
            await asyncio.sleep(PUSH_BACKOFF * 2**attempt)

    async def close(self) -> None:
        """Stop delivering and close the HTTP session (the application's cleanup)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        session, self._session = self._session, None
        if session is not None:
            await session.close()


PUSHER_KEY: web.AppKey[Pusher] = web.AppKey("daji_sandbox_pusher", Pusher)


def _emit(request: web.Request, store: OrderStore, order: SandboxOrder, topic: Topic) -> None:
    """Record a state change as a 1688 message and push it."""
    msg_id = next(_MSG_IDS)
    body = {
        "msgId": msg_id,
        "gmtBorn": int(time.time() * 1000),
        "type": topic.value,
        "userInfo": BUYER_MEMBER_ID,
        "bizKey": str(order.order_id),
        "data": {
            "orderId": order.order_id,
            "currentStatus": order.status,
            "buyerMemberId": BUYER_MEMBER_ID,
            "sellerMemberId": _seller_member_id(order.seller),
            "msgSendTime": _dt.datetime.now(_CHINA).strftime("%Y-%m-%d %H:%M:%S"),
        },
        "extraInfo": None,
    }
    message = SentMessage(msg_id, topic.value, order.order_id, order.status, _encode(body).decode())
    store.messages.append(message)
    request.app[PUSHER_KEY].push(store, message)


def _seller_member_id(seller: int) -> str:
    return f"b2b-{2200000000000 + seller}"


async def _answer(request: web.Request, store: OrderStore, body: dict[str, Any]) -> web.Response:
    """Answer an order call, unless a lost answer was asked for (after acting on the call)."""
    for lost in store.lost_answers:
        if lost.path != request.path or (lost.times is not None and lost.hits >= lost.times):
            continue
        lost.hits += 1
        if lost.kind == "latency":
            await asyncio.sleep(lost.seconds)
            break
        if request.transport is not None:
            request.transport.close()
        raise _Dropped
    return ok(_encode(body))


# --------------------------------------------------------------------------- parameters


def _json(params: Params, name: str) -> Any:
    """A structured parameter: JSON in a JSON body, or JSON text in a query or form."""
    value = params.values.get(name)
    if isinstance(value, str):
        try:
            return _decode(value)
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
    """The offer's detail as ``queryProductDetail`` serves it: its SKUs and their spec ids."""
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
        lines.append(_Line(offer, spec_id, sku["skuId"], int(quantity), _fen(sku["price"]), attributes))
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
    allowed = ("general", "fenxiao", "paired", "repurchase", "boutiquefenxiao", "boutiquepifa", "saleproxy")
    if flow is not None and flow not in allowed:
        raise BadParams(f"flow格式不正确 (flow must be one of {', '.join(allowed)}, got {flow!r})")
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
    """1688 ``createOrder.preview``: price the cargo from the catalogue, one result per supplier."""
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
                        "amount": _yuan(line.unit_fen * line.quantity),
                        "finalUnitPrice": _yuan(line.unit_fen),
                    }
                    for line in group
                ],
                "payChannelInfos": [{"name": n, "amountLimit": limit} for n, limit in PAY_CHANNELS.items()],
                "shopPromotionList": [],
            }
        )
    return await _answer(request, store, {"success": True, "orderPreviewResuslt": results})


async def create(request: web.Request) -> web.Response:
    """1688 ``createCrossOrder``: one supplier's order; the same ``outOrderId`` is the same order."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    out_id = params.text("thirdOrderId", required=True)
    assert out_id is not None
    if out_id in store.by_out_id:
        # the same thirdOrderId is the same order: answer as the first time, create nothing
        return await _answer(request, store, store.orders[store.by_out_id[out_id]].create_answer)
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
            Entry(next(_ENTRY_IDS), ln.offer, ln.spec_id, ln.sku_id, ln.quantity, ln.unit_fen, ln.attributes)
            for ln in group
        ],
        carriage_fen=_carriage(seller, group),
        flow=flow,
        trade_type=trade_type,
        remark=params.text("message"),
        created=time.monotonic(),
        create_time=_now_1688(),
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
    _emit(request, store, order, Topic.ORDER_BUYER_VIEW_BUYER_MAKE)
    return await _answer(request, store, order.create_answer)


async def cancel(request: web.Request) -> web.Response:
    """1688 ``trade.cancel``: unpaid orders only (``ORDER_STATUS_ERROR`` otherwise)."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    if params.text("webSite", required=True) != "1688":
        raise BadParams("webSite格式不正确 (webSite must be 1688)")
    reason = params.text("cancelReason", required=True)
    if reason not in CANCEL_REASONS:
        raise BadParams(f"cancelReason格式不正确 (cancelReason must be one of {', '.join(CANCEL_REASONS)})")
    order = _find(store, params)
    if order is None:
        return await _answer(request, store, _failure(ORDER_NOT_EXIST, "订单不存在 (no such order)"))
    if order.status != "waitbuyerpay":
        return ok(
            _encode(
                _failure(
                    ORDER_STATUS_ERROR,
                    f"订单状态不允许取消 (only unpaid orders can be cancelled; this one is {order.status})",
                )
            )
        )
    if time.monotonic() - order.created < store.cancel_min_age:
        return await _answer(
            request, store, _failure("CLOSE_ORDER_TOO_FAST", "关闭订单太快 (cancel within 10 s of creation)")
        )
    order.set_status("cancel")
    order.close_reason = reason
    order.close_remark = params.text("remark")
    _emit(request, store, order, Topic.ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE)
    return await _answer(request, store, {"success": True})


def order_view(order: SandboxOrder) -> dict[str, Any]:
    """An order as 1688's ``get.buyerView`` result (amounts in yuan, discount in fen)."""
    address = order.address
    base = {
        "id": order.order_id,
        "idOfStr": str(order.order_id),
        "status": order.status,
        "totalAmount": _yuan(order.total_fen),
        "shippingFee": _yuan(order.carriage_fen),
        "sumProductPayment": _yuan(order.goods_fen),
        "discount": 0,
        "refund": 0,
        "createTime": order.create_time,
        "modifyTime": order.modify_time,
        "payTime": order.pay_time,
        "allDeliveredTime": order.delivered_time,
        "receivingTime": order.receiving_time,
        "completeTime": order.complete_time,
        "buyerID": BUYER_MEMBER_ID,
        "sellerID": _seller_member_id(order.seller),
        "buyerLoginId": BUYER_LOGIN_ID,
        "sellerLoginId": f"sandbox-seller-{order.seller}",
        "buyerContact": {"name": address.get("fullName"), "mobile": address.get("mobile")},
        "sellerContact": {"name": f"Seller {order.seller}", "companyName": f"Sandbox Supplier {order.seller}"},
        "tradeType": "50060",
        "tradeTypeCode": order.trade_type or "assureTrade",
        "businessType": "cb",
        "closeReason": order.close_reason,
        "closeRemark": order.close_remark,
        "remark": order.remark,
        "outOrderId": order.out_order_id,
        "flowTemplateCode": order.flow,
        "payChannelList": ["支付宝"] if order.pay_time else [],
    }
    items = [
        {
            "name": e.offer.subject,
            "productID": e.offer.offer_id,
            "skuID": e.sku_id,
            "specId": e.spec_id,
            "quantity": e.quantity,
            "unit": "件",
            "price": _yuan(e.unit_fen),
            "itemAmount": _yuan(e.amount_fen),
            "refund": 0,
            "subItemID": e.entry_id,
            "subItemIDString": str(e.entry_id),
            "status": e.status,
            "statusStr": e.status,
            "logisticsStatus": 3 if e.confirmed else (2 if order.delivered_time else 1),
            "productImgUrl": [],
            "skuInfos": [{"name": n, "value": v} for n, v in e.attributes],
        }
        for e in order.entries
    ]
    logistics_items = []
    if order.logistics_bill_no:
        logistics_items.append(
            {
                "id": order.order_id % 10**9,
                "logisticsCode": "BX" + str(order.order_id)[-8:],
                "logisticsBillNo": order.logistics_bill_no,
                "logisticsCompanyId": 2,
                "logisticsCompanyName": "中通快递",
                "status": "alreadysend",
                "deliveredTime": order.delivered_time,
                "subItemIds": ",".join(str(e.entry_id) for e in order.entries),
            }
        )
    return {
        "baseInfo": base,
        "productItems": items,
        "nativeLogistics": {
            "contactPerson": address.get("fullName"),
            "mobile": address.get("mobile"),
            "telephone": address.get("phone"),
            "province": address.get("provinceText"),
            "city": address.get("cityText"),
            "area": address.get("areaText"),
            "town": address.get("townText"),
            "address": address.get("address"),
            "zip": address.get("postCode"),
            "areaCode": address.get("districtCode"),
            "logisticsItems": logistics_items,
        },
        "tradeTerms": [
            {
                "payStatus": "2" if order.pay_time else ("8" if order.status == "cancel" else "1"),
                "payTime": order.pay_time,
                "payWay": "1",
                "payWayDesc": "支付宝",
                "phasAmount": _yuan(order.total_fen),
            }
        ],
    }


async def get(request: web.Request) -> web.Response:
    """``get/buyerView``: an order by ``orderId``; ``data`` is the order itself (no ``result`` wrapper)."""
    state, params = request.app[STATE_KEY], params_of(request)
    if params.text("webSite", required=True) != "1688":
        raise BadParams("webSite格式不正确 (webSite must be 1688)")
    store = orders_store(state)
    order = _find(store, params)
    if order is None:
        return await _answer(request, store, _failure(ORDER_NOT_EXIST, "订单不存在 (no such order)"))
    return await _answer(request, store, order_view(order))


_TIME_1688 = re.compile(r"[0-9]{17}\+0800")


def _window_bound(params: Params, name: str) -> str | None:
    text = params.text(name)
    if text is not None and not _TIME_1688.fullmatch(text):
        raise BadParams(f"{name}格式不正确 ({name} must look like 20250702211113000+0800)")
    return text


async def order_list(request: web.Request) -> web.Response:
    """``getBuyerOrderList``: the buyer's orders, newest first, filtered and paged by ``page``/``pageSize``.

    ``data.result`` is the page's orders shaped like the buyer view; no total is sent (the
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
    return await _answer(request, store, {"result": [order_view(o) for o in window]})


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
    """1688 ``receivegoods.confirm``: shipped orders only; all entries confirmed ends the trade."""
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
            "traceId": f"{next(_MSG_IDS):x}"[-12:],
        }
        return web.Response(body=_encode(body), content_type="application/json")
    entry_ids = _id_list(params, "orderEntryIds")
    entries: dict[int, Entry] = {e.entry_id: e for e in order.entries}
    unknown = [e for e in entry_ids if e not in entries]
    if unknown:
        raise BadParams(f"orderEntryIds不正确 (order {order.order_id} has no entries {unknown})")
    if order.status != "waitbuyerreceive":
        message = f"订单状态不允许确认收货 (only shipped orders can be confirmed; this one is {order.status})"
        return await _answer(request, store, {"result": _failure(ORDER_STATUS_ERROR, message, key="errorInfo")})
    for entry_id in entry_ids:
        entries[entry_id].confirmed = True
    if all(e.confirmed for e in order.entries):
        order.receiving_time = _now_1688()
        order.set_status("confirm_goods")
        _emit(request, store, order, Topic.ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS)
        order.complete_time = _now_1688()
        order.set_status("success")
        _emit(request, store, order, Topic.ORDER_BUYER_VIEW_ORDER_SUCCESS)
    return await _answer(request, store, {"result": {"success": True}})


async def payment_links(request: web.Request) -> web.Response:
    """1688 ``alipay.url.get``: one cashier URL for the payable orders, the rest listed as failures."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    order_ids = list(dict.fromkeys(_id_list(params, "orderIdList")))
    if len(order_ids) > MAX_LINK_BATCH:
        raise BadParams(f"orderIdList最多{MAX_LINK_BATCH}个 (at most {MAX_LINK_BATCH} orders per request)")
    payable = [o for o in order_ids if o in store.orders and store.orders[o].status == "waitbuyerpay"]
    refused = [o for o in order_ids if o not in payable]
    if not payable:
        answer = {
            "success": False,
            "errorCode": ORDER_STATUS_ERROR,
            "erroMsg": "没有可支付的订单 (no order in the list can be paid)",
            "payFailureOrderList": refused,
        }
        return await _answer(request, store, answer)
    if len(payable) == 1:
        url = f"https://trade.sandbox.invalid/order/cashier.htm?orderId={payable[0]}"
    else:
        url = "https://cashier.alipay.sandbox.invalid/batch?orderIds=" + ",".join(map(str, payable))
    return await _answer(request, store, {"success": True, "payUrl": url, "payFailureOrderList": refused})


async def pay(request: web.Request) -> web.Response:
    """``protocolPay/preparePay``: pays an unpaid order (body ``{orderId}``), ChengE credit first, then Alipay."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = orders_store(state)
    order = _find(store, params)

    async def refuse(code: str, message: str) -> web.Response:
        return await _answer(request, store, {"result": {"success": False, "code": code, "message": message}})

    if order is None:
        return await refuse(ORDER_NOT_EXIST, "订单不存在 (no such order)")
    if order.status != "waitbuyerpay":
        return await refuse(ORDER_STATUS_ERROR, f"订单状态不是待付款 (the order is {order.status}, not waitbuyerpay)")
    channel = next((c for c, limit in PAY_CHANNELS.items() if order.total_fen <= limit), None)
    if channel is None:
        return await refuse("PAY_AMOUNT_LIMIT", "超过支付渠道限额 (no password-free channel covers this amount)")
    order.pay_time = _now_1688()
    order.pay_channel = channel
    order.set_status("waitsellersend")
    store.payments.append({"orderId": order.order_id, "amountFen": order.total_fen, "payChannel": channel})
    answer = {
        "result": {
            "success": True,
            "code": "200",
            "message": "成功",
            "result": {"payChannel": channel, "paySuccess": True},
        }
    }
    _emit(request, store, order, Topic.ORDER_BUYER_VIEW_ORDER_PAY)
    return await _answer(request, store, answer)


# --------------------------------------------------------------------------- controls


async def control_orders(request: web.Request) -> web.Response:
    """``GET /_sandbox/orders``: the store's snapshot."""
    return web.json_response(orders_store(request.app[STATE_KEY]).snapshot())


async def control_send(request: web.Request) -> web.Response:
    """``POST /_sandbox/orders/{orderId}/send``: the seller ships a paid order."""
    store = orders_store(request.app[STATE_KEY])
    try:
        order = store.orders.get(int(request.match_info["order_id"]))
    except ValueError:
        order = None
    if order is None:
        return web.json_response({"error": "no such order"}, status=404)
    if order.status != "waitsellersend":
        return web.json_response(
            {"error": f"only paid orders (waitsellersend) ship; this is {order.status}"}, status=409
        )
    order.delivered_time = _now_1688()
    order.logistics_bill_no = f"ZT{order.order_id % 10**12:012d}"
    order.set_status("waitbuyerreceive")
    _emit(request, store, order, Topic.ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS)
    return web.json_response({"orderId": order.order_id, "status": order.status})


async def control_webhook(request: web.Request) -> web.Response:
    """``POST /_sandbox/orders/webhook``: set (or clear) where messages are pushed."""
    state = request.app[STATE_KEY]
    body = await request.json()
    url = body.get("url") if isinstance(body, dict) else None
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        return web.json_response({"error": "url must be an http(s) URL or null"}, status=400)
    state.config.webhook_url = url
    return web.json_response({"url": url})


async def control_redeliver(request: web.Request) -> web.Response:
    """``POST /_sandbox/orders/redeliver``: push one message (or all) again."""
    store = orders_store(request.app[STATE_KEY])
    body = await request.json() if request.can_read_body else {}
    msg_id = body.get("msgId") if isinstance(body, dict) else None
    chosen = [m for m in store.messages if msg_id is None or m.msg_id == msg_id]
    if msg_id is not None and not chosen:
        return web.json_response({"error": f"no message {msg_id}"}, status=404)
    pusher = request.app[PUSHER_KEY]
    for message in chosen:
        pusher.push(store, message)
    return web.json_response({"redelivered": [m.msg_id for m in chosen]})


async def control_lose_answer(request: web.Request) -> web.Response:
    """``POST /_sandbox/orders/lose-answer``: see :meth:`OrderStore.lose_answer`."""
    store = orders_store(request.app[STATE_KEY])
    body = await request.json()
    try:
        lost = store.lose_answer(
            str(body["path"]),
            body.get("kind", "reset"),
            seconds=float(body.get("seconds", 1.0)),
            times=body.get("times", 1),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return web.json_response({"error": f"expected {{path, kind, seconds, times}}: {exc}"}, status=400)
    return web.json_response({"path": lost.path, "kind": lost.kind, "seconds": lost.seconds, "times": lost.times})


def add_order_routes(app: web.Application) -> None:
    """Serve the order endpoints (at the SDK's default paths) and their controls on ``app``."""
    pusher = Pusher(app[STATE_KEY])
    app[PUSHER_KEY] = pusher
    for endpoint, handler in (
        (ORDER_PREVIEW, preview),
        (ORDER_CREATE, create),
        (ORDER_CANCEL, cancel),
        (ORDER_GET, get),
        (ORDER_LIST, order_list),
        (ORDER_CONFIRM_RECEIPT, confirm_receipt),
        (PAYMENT_LINKS, payment_links),
        (PAYMENT_PAY, pay),
    ):
        app.router.add_route(endpoint.method, endpoint.path, handler)
    base = CONTROL_PREFIX + "/orders"
    app.router.add_get(base, control_orders)
    app.router.add_post(base + "/webhook", control_webhook)
    app.router.add_post(base + "/redeliver", control_redeliver)
    app.router.add_post(base + "/lose-answer", control_lose_answer)
    app.router.add_post(base + "/{order_id}/send", control_send)

    async def close_pusher(_: web.Application) -> None:
        await pusher.close()

    app.on_cleanup.append(close_pusher)
