"""The sandbox's order store: orders as state, their money, and the messages pushed about them.

Orders live in `state.extensions["orders"]` (forgotten on reset). Every change is pushed as a
signed message the way DAJI delivers (form fields `message` and `_dj_signature`) to
`SandboxConfig.webhook_url`, in order, retried a few times when the webhook does not answer
2xx. Money is kept in fen and shown with the SDK's own conversions; statuses, reasons, flows
and trade modes are the SDK's enums.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from aiohttp import web

from .._validate import optional_integer
from ..enums import CancelReason, OrderFlow, OrderStatus, PayChannel, TradeType
from ..messages import DJ_SIGNATURE_FIELD, MESSAGE_FIELD, Topic, message_signature
from ..models.orders import fen_to_yuan
from ._catalogue import Offer
from ._state import SandboxState, seconds_setting
from ._wire import STATE_KEY, Dropped, encode, ok

__all__ = ["MAX_CARGO_LINES", "PUSHER_KEY", "OrderStore", "Pusher", "SandboxOrder", "install_pusher", "orders_store"]

#: `state.extensions` key of the order store.
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
#: ("chengE", 诚e赊, is 1688's credit channel; the SDK's PayChannel does not name it.)
PAY_CHANNELS: dict[str, int] = {"chengE": 100_000_00, PayChannel.ALIPAY: 500_000_00}
TRADE_MODES: list[str] = [TradeType.ASSURE_TRADE, TradeType.ALIPAY]
CANCEL_REASONS: tuple[str, ...] = tuple(CancelReason)
FLOWS: tuple[str, ...] = tuple(OrderFlow)
ORDER_STATUS_ERROR = "ORDER_STATUS_ERROR"
ORDER_NOT_EXIST = "ORDER_NOT_EXIST"

CHINA = _dt.timezone(_dt.timedelta(hours=8))
# message ids stay unique across resets and sandboxes of one process (receivers dedupe on them)
_MSG_IDS = itertools.count(int(time.time() * 1000) * 1000)
_ENTRY_IDS = itertools.count(5_012_000_000_000)


def next_entry_id() -> int:
    """A fresh sub-order (entry) id, unique in this process."""
    return next(_ENTRY_IDS)


def now_1688() -> str:
    now = _dt.datetime.now(CHINA)
    return now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}+0800"


def yuan_number(fen: int) -> float:
    """Fen as the JSON number of yuan 1688 sends (a double), by the SDK's own conversion."""
    return float(fen_to_yuan(fen))


# --------------------------------------------------------------------------- state


@dataclass
class Entry:
    """One order line (an order entry, 1688's `subItemId`)."""

    entry_id: int
    offer: Offer
    spec_id: str
    sku_id: int
    quantity: int
    unit_fen: int
    attributes: list[tuple[str, str]]
    status: str = OrderStatus.WAIT_BUYER_PAY
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
    status: str = OrderStatus.WAIT_BUYER_PAY
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
        """Move the order and every entry to `status`."""
        self.status = status
        self.modify_time = now_1688()
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
    """Lose the answers of `times` calls to `path` after acting on them.

    `reset` closes the connection instead of answering; `latency` answers after
    `seconds` (a client with a shorter timeout gives up first).
    """

    path: str
    kind: Literal["reset", "latency"] = "reset"
    seconds: float = 1.0
    times: int | None = 1
    hits: int = 0


@dataclass
class OrderStore:
    """Every order, payment and message of one sandbox (until reset).

    `cancel_min_age`: seconds after creation before cancel is allowed (1688: 10, answering
    `CLOSE_ORDER_TOO_FAST` before); 0 by default so tests run fast.
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
        """Act on the next call(s) to `path` (create, pay...), then lose the answer.

        `store.lose_answer("/alibaba/trade/pay/protocolPay/preparePay", "latency", seconds=0.5)`: the
        order is paid, and a client with a shorter timeout never hears of it. ValueError for a
        kind other than `reset`/`latency`, `seconds` outside 0..86400 (NaN, infinite,
        negative) or `times` that is not None or an int >= 1.
        """
        if kind not in ("reset", "latency"):
            raise ValueError(f"kind must be 'reset' or 'latency', got {str(kind)[:40]!r}")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {str(path)[:40]!r}")
        seconds = seconds_setting("seconds", seconds)
        optional_integer("times", times, low=1)
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
        """Orders, payments, messages and deliveries as JSON-ready values (`GET /_sandbox/orders`)."""
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
    """The order store of a sandbox state (created on first use, dropped by `reset`)."""
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
        """Queue `message` for the webhook (call from the sandbox's event loop)."""
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


def emit(request: web.Request, store: OrderStore, order: SandboxOrder, topic: Topic) -> None:
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
            "sellerMemberId": seller_member_id(order.seller),
            "msgSendTime": _dt.datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
        },
        "extraInfo": None,
    }
    message = SentMessage(msg_id, topic.value, order.order_id, order.status, encode(body).decode())
    store.messages.append(message)
    request.app[PUSHER_KEY].push(store, message)


def seller_member_id(seller: int) -> str:
    return f"b2b-{2200000000000 + seller}"


async def respond(request: web.Request, store: OrderStore, body: dict[str, Any]) -> web.Response:
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
        raise Dropped
    return ok(encode(body))


def install_pusher(app: web.Application) -> None:
    """Give `app` its webhook pusher, closed with the application."""
    pusher = Pusher(app[STATE_KEY])
    app[PUSHER_KEY] = pusher

    async def close_pusher(_: web.Application) -> None:
        await pusher.close()

    app.on_cleanup.append(close_pusher)
