"""Order messages: verify, parse and receive what DAJI's message service pushes.

DAJI pushes each message as a form POST (not JSON) with two fields (wiki en doc-7744081, zh
doc-5787639, en doc-7744084): ``message`` (JSON text) and ``_dj_signature``, made with
HMAC-SHA1. DAJI shows the exact signed string only as an image, so the default verifier uses
the construction of 1688's own push, which DAJI relays: HMAC-SHA1 keyed by the app secret over
``"message" + message``, in hex (either case) or base64; ``_aop_signature`` (1688's field) is
accepted too. If DAJI's real pushes turn out to sign differently, pass your own
``verifier=`` to :func:`read_push` or :class:`MessageReceiver`.

:func:`read_push` verifies (constant-time) and parses the JSON into a :class:`Message`: 1688
messages (``msgId``, ``gmtBorn``, ``type``; order topics carry typed
:class:`OrderMessageData`) and the Taobao message types of DAJI's "Message Type" page
(``message_type`` 3, order status: :class:`TaobaoOrderStatusData`; 8, price change:
:class:`TaobaoPriceChangeData`).

**Order is not guaranteed** (DAJI says so): re-read the order (``client.orders.get``) before
acting on a message.

:class:`MessageReceiver` is a ready aiohttp endpoint. It rejects unsigned or forged pushes
(HTTP 403), malformed requests of any kind with a 4xx (never a 5xx), and pushes older than its
freshness window (24 hours by default); it answers at once, drops redeliveries it has already
accepted, and hands every other message to your async callback, at most ``concurrency`` at a
time; a callback that raises is logged and the message is not handed over again::

    from aiohttp import web
    from daji_async.messages import Message, MessageReceiver, Topic

    async def on_message(message: Message) -> None:
        if message.topic == Topic.ORDER_BUYER_VIEW_ORDER_PAY and message.order:
            print("paid:", message.order.order_id)

    receiver = MessageReceiver(on_message, app_secret="...")
    app = web.Application()
    app.add_subapp("/1688/messages", receiver.app())      # POST /1688/messages
    web.run_app(app, port=8080)

Or, without a callback, consume the messages as a stream::

    receiver = MessageReceiver(app_secret="...")
    app.router.add_post("/1688/messages", receiver.handle)
    async for message in receiver:                         # until receiver.close()
        ...

:meth:`MessageReceiver.serve` runs the receiver on its own server, with a time limit on
reading a request's headers (slow clients cannot hold connections open).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import codecs
import datetime as _dt
import hashlib
import hmac
import logging
import os
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Union
from urllib.parse import parse_qsl

import msgspec
from aiohttp import web

from . import _constants as C
from ._errors import ConfigError, InvalidMessageError, MessageSignatureError
from ._validate import integer, positive_seconds
from .enums import StrEnum
from .models._lenient import IdText, LenientStruct, NullableList

__all__ = [
    "DJ_SIGNATURE_FIELD",
    "ORDER_TOPICS",
    "SIGNATURE_FIELD",
    "Message",
    "MessageReceiver",
    "MessageStats",
    "OrderMessageData",
    "ReceiverServer",
    "SubmitOutcome",
    "TaobaoOrderStatusData",
    "TaobaoPrice",
    "TaobaoPriceChangeData",
    "TaobaoPriceLine",
    "TaobaoSkuStatus",
    "Topic",
    "Verifier",
    "aop_signature",
    "message_signature",
    "parse_message",
    "read_push",
    "verify_signature",
]

logger = logging.getLogger("daji_async.messages")

#: The form field that carries DAJI's signature of a pushed message (HMAC-SHA1).
DJ_SIGNATURE_FIELD = "_dj_signature"
#: 1688's own signature field, accepted too.
SIGNATURE_FIELD = "_aop_signature"
#: The signature fields tried, in order.
SIGNATURE_FIELDS = (DJ_SIGNATURE_FIELD, SIGNATURE_FIELD)
#: The form field that carries a pushed message's JSON.
MESSAGE_FIELD = "message"

#: Defaults of :class:`MessageReceiver` (see ``_constants``).
DEFAULT_CONCURRENCY = C.MESSAGE_CONCURRENCY
DEFAULT_MAX_PENDING = C.MESSAGE_MAX_PENDING
DEFAULT_REMEMBER = C.MESSAGE_REMEMBER
DEFAULT_CLOSE_TIMEOUT = C.MESSAGE_CLOSE_TIMEOUT
DEFAULT_MAX_AGE = C.MESSAGE_MAX_AGE
DEFAULT_MAX_SKEW = C.MESSAGE_MAX_SKEW
DEFAULT_HEADER_TIMEOUT = C.MESSAGE_HEADER_TIMEOUT
DEFAULT_BODY_TIMEOUT = C.MESSAGE_BODY_TIMEOUT
MAX_PUSH_BYTES = C.MESSAGE_MAX_PUSH_BYTES


class Topic(StrEnum):
    """Message topics (the ``type`` of a pushed message), from 1688's topic table.

    Messages of topics not listed here still arrive, with ``topic`` as the plain string.
    ``COMFIRM`` is 1688's spelling.
    """

    ORDER_BUYER_VIEW_BUYER_MAKE = "ORDER_BUYER_VIEW_BUYER_MAKE"
    ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY = "ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
    ORDER_BUYER_VIEW_ORDER_PAY = "ORDER_BUYER_VIEW_ORDER_PAY"
    ORDER_BUYER_VIEW_ORDER_STEP_PAY = "ORDER_BUYER_VIEW_ORDER_STEP_PAY"
    ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS = "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS"
    ORDER_BUYER_VIEW_PART_PART_SENDGOODS = "ORDER_BUYER_VIEW_PART_PART_SENDGOODS"
    ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS = "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS"
    ORDER_BUYER_VIEW_ORDER_SUCCESS = "ORDER_BUYER_VIEW_ORDER_SUCCESS"
    ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE = "ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE"
    ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE = "ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE"
    ORDER_BUYER_VIEW_ORDER_BOPS_CLOSE = "ORDER_BUYER_VIEW_ORDER_BOPS_CLOSE"
    ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"
    ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES = "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES"
    ORDER_BUYER_VIEW_MODIFY_MEMO = "ORDER_BUYER_VIEW_MODIFY_MEMO"
    ORDER_BATCH_PAY = "ORDER_BATCH_PAY"
    LOGISTICS_BUYER_VIEW_TRACE = "LOGISTICS_BUYER_VIEW_TRACE"
    LOGISTICS_MAIL_NO_CHANGE = "LOGISTICS_MAIL_NO_CHANGE"
    PRODUCT_INVENTORY_CHANGE = "PRODUCT_INVENTORY_CHANGE"
    #: Taobao ``message_type`` 3: a purchase order's status changed (:class:`TaobaoOrderStatusData`).
    TAOBAO_ORDER_STATUS = "TAOBAO_ORDER_STATUS"
    #: Taobao ``message_type`` 8: a purchase order's price changed (:class:`TaobaoPriceChangeData`).
    TAOBAO_PRICE_CHANGE = "TAOBAO_PRICE_CHANGE"


#: Topics whose ``data`` is one order's news (:class:`OrderMessageData`).
ORDER_TOPICS: frozenset[str] = frozenset(t.value for t in Topic if t.value.startswith("ORDER_BUYER_VIEW_"))

_TOPICS: dict[str, Topic] = {t.value: t for t in Topic}


class OrderMessageData(LenientStruct, rename="camel"):
    """The ``data`` of an order topic: which order, and its status now.

    ``current_status`` is an :class:`~daji_async.OrderStatus` value. ``refund_action`` and
    ``operator`` (buyer, seller, system) come with refund topics. ``msg_send_time`` is 1688
    text (``parse_1688_time`` reads it). ``order_id`` is held as ``str`` like every order id.
    """

    _id_fields = ("order_id",)

    order_id: IdText
    current_status: Union[str, None] = None
    buyer_member_id: Union[str, None] = None
    seller_member_id: Union[str, None] = None
    msg_send_time: Union[str, None] = None
    refund_action: Union[str, None] = None
    operator: Union[str, None] = None


class TaobaoSkuStatus(LenientStruct):
    """One line of a Taobao order-status message: the SKU, its status and its shipment.

    ``order_line_no`` is your sub-order number, held as ``str``."""

    _id_fields = ("order_line_no",)

    item_id: Union[int, str, None] = None
    sku_id: Union[int, str, None] = None
    order_line_no: Union[IdText, None] = None
    status: Union[str, None] = None
    logistic_company_name: Union[str, None] = None
    logistic_number: Union[str, None] = None


class TaobaoOrderStatusData(LenientStruct):
    """``data`` of Taobao ``message_type`` 3 (order status update), as DAJI's page lists it.

    ``status`` is printed there as ``BULIDING`` (sic, creating), ``WAIT_BUYER_P…`` (pending
    payment), ``WAIT_SELLER_SEND_GOODS``, ``WAIT_BUYER_CONFIRM_GOODS`` (dispatched) or
    ``TRADE_CLOSED``. ``purchase_id`` is held as ``str``; ``business_time`` is in ms.
    """

    _id_fields = ("purchase_id",)

    purchase_id: Union[IdText, None] = None
    outer_purchase_id: Union[str, None] = None
    status: Union[str, None] = None
    business_time: Union[int, None] = None
    seller_id: Union[int, str, None] = None
    sku_list: NullableList[TaobaoSkuStatus] = msgspec.field(default_factory=list)


class TaobaoPrice(msgspec.Struct, rename="camel"):
    """The fees of a Taobao price-change message (the page does not state the unit)."""

    purchase_currency: Union[str, None] = None
    purchase_total_fee: Union[Decimal, None] = None
    purchase_product_fee: Union[Decimal, None] = None
    purchase_product_unit_fee: Union[Decimal, None] = None
    purchase_shipping_fee: Union[Decimal, None] = None


class TaobaoPriceLine(LenientStruct, rename="camel"):
    """One order line of a Taobao price-change message (``purchase_order_line_id`` as ``str``)."""

    _id_fields = ("purchase_order_line_id",)

    purchase_order_line_id: Union[IdText, None] = None
    sales_order_line_id_list: NullableList[str] = msgspec.field(default_factory=list)
    purchase_order_item_price_dto: Union[TaobaoPrice, None] = msgspec.field(
        name="purchaseOrderItemPriceDTO", default=None
    )
    features: Union[dict[str, Any], None] = None


class TaobaoPriceChangeData(LenientStruct, rename="camel"):
    """``data`` of Taobao ``message_type`` 8 (purchase price change), as DAJI's page lists it."""

    _id_fields = ("purchase_order_id",)

    purchase_order_id: Union[IdText, None] = None
    sales_order_id: Union[str, None] = None
    sales_seller_id: Union[int, str, None] = None
    purchase_market: Union[str, None] = None
    purchase_order_price_dto: Union[TaobaoPrice, None] = msgspec.field(name="purchaseOrderPriceDTO", default=None)
    purchase_order_line_price_change_message_dto_list: NullableList[TaobaoPriceLine] = msgspec.field(
        name="purchaseOrderLinePriceChangeMessageDTOList", default_factory=list
    )
    features: Union[dict[str, Any], None] = None


MessageData = Union[OrderMessageData, TaobaoOrderStatusData, TaobaoPriceChangeData, dict[str, Any], None]


class Message(msgspec.Struct, kw_only=True):
    """One pushed message, verified and parsed.

    Attributes:
        msg_id: 1688's unique id of the message (redeliveries repeat it); None for Taobao
            messages, which carry none.
        gmt_born: when the message was made, in milliseconds since the epoch (a Taobao
            message's ``timestamp`` is in seconds and is converted); 0 when not sent.
        topic: a :class:`Topic` member when known, else the plain string (the JSON ``type``).
        user_info: the member the message is about (``b2b-...``); a Taobao message's ``seller_id``.
        biz_key: 1688's business key (often the order id), when sent.
        data: :class:`OrderMessageData` for 1688 order topics, :class:`TaobaoOrderStatusData`
            or :class:`TaobaoPriceChangeData` for Taobao types 3 and 8, else the JSON object.
        extra_info: 1688's extension field, as sent (a Taobao message's ``site``).
        raw: the ``message`` JSON text exactly as received (the signed text).
    """

    msg_id: Union[int, None] = None
    gmt_born: int = 0
    topic: str
    user_info: Union[str, None] = None
    biz_key: Union[str, None] = None
    data: MessageData = None
    extra_info: Union[str, dict[str, Any], None] = None
    raw: str = ""

    @property
    def key(self) -> str:
        """What identifies the message for dedupe: its ``msgId``, else a digest of its text."""
        if self.msg_id is not None:
            return f"id:{self.msg_id}"
        return "sha1:" + hashlib.sha1(self.raw.encode()).hexdigest()

    @property
    def order(self) -> OrderMessageData | None:
        """The order news of an order topic, else None."""
        return self.data if isinstance(self.data, OrderMessageData) else None

    @property
    def born(self) -> _dt.datetime:
        """``gmt_born`` as an aware UTC datetime."""
        return _dt.datetime.fromtimestamp(self.gmt_born / 1000, tz=_dt.timezone.utc)


class _Wire(msgspec.Struct, rename="camel"):
    msg_id: Union[int, str, None] = None
    type: Union[str, None] = None
    gmt_born: Union[int, None] = None
    user_info: Union[str, None] = None
    biz_key: Union[str, int, None] = None
    data: msgspec.Raw = msgspec.Raw(b"null")
    extra_info: Union[str, dict[str, Any], None] = None
    # Taobao's shape (DAJI's "Message Type" page)
    message_type: Union[int, None] = msgspec.field(name="message_type", default=None)
    seller_id: Union[str, int, None] = msgspec.field(name="seller_id", default=None)
    timestamp: Union[int, None] = None
    site: Union[str, None] = None


_TAOBAO_TOPICS = {3: Topic.TAOBAO_ORDER_STATUS, 8: Topic.TAOBAO_PRICE_CHANGE}
_TAOBAO_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    Topic.TAOBAO_ORDER_STATUS: msgspec.json.Decoder(TaobaoOrderStatusData),
    Topic.TAOBAO_PRICE_CHANGE: msgspec.json.Decoder(TaobaoPriceChangeData),
}
_wire_decoder = msgspec.json.Decoder(_Wire)
_order_decoder = msgspec.json.Decoder(OrderMessageData)
_any_decoder = msgspec.json.Decoder()


# --------------------------------------------------------------------------- signature


def aop_signature(url_path: str, params: Mapping[str, str], app_secret: str) -> str:
    """1688's ``_aop_signature``: uppercase hex HMAC-SHA1 of ``url_path`` + sorted ``key+value``.

    >>> aop_signature("param2/1/system/currentTime/1000000", {"b": "2", "a": "1"}, "test123")
    '33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88'
    """
    factor = url_path + "".join(k + v for k, v in sorted(params.items()))
    return hmac.new(app_secret.encode(), factor.encode(), hashlib.sha1).hexdigest().upper()


def message_signature(message: str, app_secret: str) -> str:
    """The ``_aop_signature`` of a pushed ``message`` text: HMAC-SHA1 of ``"message" + message``."""
    return aop_signature("", {MESSAGE_FIELD: message}, app_secret)


def verify_signature(message: str, signature: str | None, app_secret: str) -> bool:
    """True when ``signature`` signs ``message`` with ``app_secret`` (constant-time compare).

    The signature is HMAC-SHA1 keyed by the app secret over ``"message" + message`` (1688's
    push construction; DAJI's exact one is not readable on its page), in hex of either case
    or in base64. An empty or missing signature never verifies.
    """
    if not signature or not isinstance(signature, str):
        return False
    digest = hmac.new(app_secret.encode(), (MESSAGE_FIELD + message).encode(), hashlib.sha1).digest()
    given = signature.strip()
    as_hex = hmac.compare_digest(digest.hex().upper().encode("ascii"), given.upper().encode("utf-8"))
    try:
        decoded = base64.b64decode(given.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        decoded = b""
    return as_hex | hmac.compare_digest(digest, decoded)


#: A push verifier: given the push's form fields, True when the push is genuine.
Verifier = Callable[[Mapping[str, str]], bool]


def default_verifier(app_secret: str) -> Verifier:
    """The verifier :func:`read_push` uses with an app secret: ``_dj_signature`` (or
    ``_aop_signature``) must sign the ``message`` field (see :func:`verify_signature`)."""

    def verify(form: Mapping[str, str]) -> bool:
        text = form.get(MESSAGE_FIELD) or ""
        return any(verify_signature(text, form.get(name), app_secret) for name in SIGNATURE_FIELDS)

    return verify


# --------------------------------------------------------------------------- parsing


def parse_message(message: str | bytes) -> Message:
    """Parse a message's JSON (the ``message`` field) into a :class:`Message`, without verifying.

    Raises :class:`~daji_async.InvalidMessageError` when it is not a 1688 message.
    Use :func:`read_push` for anything that arrived over the network.
    """
    text = message.decode("utf-8", "replace") if isinstance(message, (bytes, bytearray)) else message
    try:
        wire = _wire_decoder.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise InvalidMessageError(f"not a 1688 or Taobao message: {exc}") from None
    if wire.type is None and wire.message_type is not None:
        topic = _TAOBAO_TOPICS.get(wire.message_type, f"TAOBAO_{wire.message_type}")
        return Message(
            gmt_born=(wire.timestamp or 0) * 1000,
            topic=topic,
            user_info=None if wire.seller_id is None else str(wire.seller_id),
            data=_data(topic, wire.data),
            extra_info=wire.site,
            raw=text,
        )
    if wire.type is None or wire.msg_id is None:
        raise InvalidMessageError("not a 1688 or Taobao message: no type with a msgId, and no message_type")
    try:
        msg_id = int(wire.msg_id) if isinstance(wire.msg_id, int) or wire.msg_id.isascii() else -1
    except ValueError:
        msg_id = -1
    if msg_id < 0:
        raise InvalidMessageError(f"not a 1688 message: msgId must be a number, got {str(wire.msg_id)[:40]!r}")
    topic = _TOPICS.get(wire.type, wire.type)
    return Message(
        msg_id=msg_id,
        gmt_born=wire.gmt_born or 0,
        topic=topic,
        user_info=wire.user_info,
        biz_key=None if wire.biz_key is None else str(wire.biz_key),
        data=_data(topic, wire.data),
        extra_info=wire.extra_info,
        raw=text,
    )


def _data(topic: str, raw: msgspec.Raw) -> MessageData:
    payload: bytes | str = bytes(raw)
    if payload.strip() in (b"", b"null"):
        return None
    try:
        if payload[:1] == b'"':  # data sent as a JSON string holding JSON
            inner = _any_decoder.decode(payload)
            if not isinstance(inner, str):
                raise InvalidMessageError(f"{topic} message data is not JSON text")
            payload = inner
        if topic in ORDER_TOPICS:
            return _order_decoder.decode(payload)
        typed = _TAOBAO_DECODERS.get(topic)
        if typed is not None:
            data: TaobaoOrderStatusData | TaobaoPriceChangeData = typed.decode(payload)
            return data
        value = _any_decoder.decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise InvalidMessageError(f"{topic} message has unreadable data: {exc}") from None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidMessageError(f"{topic} message data must be a JSON object, got {type(value).__name__}")
    return value


def read_push(form: Mapping[str, str], app_secret: str | None = None, *, verifier: Verifier | None = None) -> Message:
    """Verify and parse one push (its form fields ``message`` and ``_dj_signature``).

    With ``app_secret``, the default verifier (:func:`verify_signature` over
    ``_dj_signature`` or ``_aop_signature``); with ``verifier``, your function of the form
    fields instead. Raises :class:`~daji_async.MessageSignatureError` when the push is
    unsigned or does not verify, :class:`~daji_async.InvalidMessageError` when there is no
    readable message.

    ::

        form = await request.post()
        message = read_push({k: v for k, v in form.items() if isinstance(v, str)}, app_secret)
    """
    custom = verifier is not None
    if verifier is None:
        if not app_secret:
            raise ValueError("read_push needs the app_secret pushes are signed with, or a verifier")
        verifier = default_verifier(app_secret)
    text = form.get(MESSAGE_FIELD)
    if not text:
        raise InvalidMessageError(f"the push has no {MESSAGE_FIELD!r} field")
    if not custom and not any(form.get(name) for name in SIGNATURE_FIELDS):
        raise MessageSignatureError(f"the push is unsigned (no {DJ_SIGNATURE_FIELD!r} field)")
    if not verifier(form):
        raise MessageSignatureError("the push's signature does not match: forged, or signed with another app secret")
    return parse_message(text)


# --------------------------------------------------------------------------- the receiver

Callback = Callable[[Message], Awaitable[object]]

#: What :meth:`MessageReceiver.submit` did with a message.
SubmitOutcome = Literal["accepted", "duplicate", "busy", "closed"]


@dataclass
class MessageStats:
    """What a :class:`MessageReceiver` has seen.

    ``accepted`` messages were new; ``duplicates`` repeated a message already accepted;
    ``rejected`` pushes were unsigned, forged, unreadable or malformed requests (any 4xx but
    stale); ``stale`` were genuine but outside the freshness window (older than ``max_age``,
    or too far in the future); ``busy`` were turned away (HTTP 503) because ``max_pending``
    messages were waiting. Of the accepted, ``processed`` went through the callback (or were
    taken by the stream) and ``failed`` callbacks raised.
    """

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    stale: int = 0
    busy: int = 0
    processed: int = 0
    failed: int = 0


class _Closed:
    """Marks the end of the stream."""


_CLOSED = _Closed()


class MessageReceiver:
    """An aiohttp endpoint for 1688 pushes: verify, answer, deduplicate, hand over.

    Args:
        callback: ``async def callback(message)``, called once per new message, at most
            ``concurrency`` at a time. Without one, iterate the receiver instead
            (``async for message in receiver``).
        app_secret: the secret pushes are signed with; defaults to env ``DAJI_APP_SECRET``.
        verifier: your own check of a push's form fields (``verifier(form) -> bool``), for
            whatever DAJI's real pushes turn out to sign; then no app secret is needed.
        max_age: seconds; a push whose own time (``gmtBorn``, a Taobao ``timestamp``) is older
            is refused (HTTP 410, ``stats.stale``) even if its id was never seen or has left
            the dedupe window. None turns the check off. Messages without a time are accepted.
        max_skew: seconds a message's time may lie in the future (clock skew).
        body_timeout: seconds a client may take to send a request's body (HTTP 408 after).
        header_timeout: seconds a client may take to send a request's headers; applies to
            :meth:`serve`, the receiver's own server (a handler mounted in your application
            reads nothing before its headers: configure your server for that).
        concurrency: callbacks running at once.
        max_pending: accepted messages waiting for the callback or the consumer; beyond it a
            push is answered HTTP 503 (and not remembered), so the sender delivers it later.
        remember: how many recent msgIds are kept to recognise redeliveries.
        close_timeout: seconds :meth:`close` lets waiting messages finish.

    Delivery is at most once per msgId: a message is remembered when it is accepted, before
    the callback runs, and the push is answered HTTP 200 at once. A callback that raises is
    logged (logger ``daji_async.messages``) and counted in ``stats.failed``; a redelivery of
    that msgId is still a duplicate. Keep anything you must not lose (a queue, a table)
    inside the callback, or re-read the order with ``client.orders.get``.

    ::

        receiver = MessageReceiver(on_message, app_secret=secret, concurrency=4)
        app.add_subapp("/1688/messages", receiver.app())
    """

    def __init__(
        self,
        callback: Callback | None = None,
        *,
        app_secret: str | None = None,
        verifier: Verifier | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_pending: int = DEFAULT_MAX_PENDING,
        remember: int = DEFAULT_REMEMBER,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        max_age: float | None = DEFAULT_MAX_AGE,
        max_skew: float = DEFAULT_MAX_SKEW,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    ) -> None:
        secret = app_secret if app_secret is not None else os.environ.get(C.ENV_APP_SECRET)
        if verifier is not None and not callable(verifier):
            raise TypeError(f"verifier must be a function of the form fields, got {type(verifier).__name__}")
        if not secret and verifier is None:
            raise ConfigError(
                "MessageReceiver needs the app secret pushes are signed with "
                f"(app_secret or env {C.ENV_APP_SECRET}), or a verifier"
            )
        for name, seconds in (
            ("max_skew", max_skew),
            ("body_timeout", body_timeout),
            ("header_timeout", header_timeout),
            ("max_age", max_age if max_age is not None else 1.0),
        ):
            positive_seconds(name, seconds)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be an async function, got {type(callback).__name__}")
        for name, value in (("concurrency", concurrency), ("max_pending", max_pending), ("remember", remember)):
            integer(name, value, low=1)
        self._verifier: Verifier = verifier if verifier is not None else default_verifier(secret or "")
        self._callback = callback
        self.max_age = max_age
        self.max_skew = max_skew
        self.body_timeout = body_timeout
        self.header_timeout = header_timeout
        self.concurrency = concurrency
        self.max_pending = max_pending
        self.remember = remember
        self.close_timeout = close_timeout
        self.stats = MessageStats()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._queue: asyncio.Queue[Message | _Closed] = asyncio.Queue()
        self._pending = 0
        self._workers: list[asyncio.Task[None]] = []
        self._closed = False

    def __repr__(self) -> str:
        mode = "callback" if self._callback is not None else "stream"
        return f"MessageReceiver({mode}, concurrency={self.concurrency}, pending={self._pending})"

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._closed

    @property
    def pending(self) -> int:
        """Accepted messages not yet handled by the callback (or taken by the stream)."""
        return self._pending

    # ---------------------------------------------------------------- HTTP

    async def handle(self, request: web.BaseRequest) -> web.Response:
        """The aiohttp handler: ``app.router.add_post("/1688/messages", receiver.handle)``.

        Answers 200 for accepted and duplicate messages; 403 for unsigned or forged ones; 400
        for anything malformed (no form, an unknown charset, bad bytes, not a message); 408
        when the body does not arrive within ``body_timeout``; 413 when it is too large; 410
        for a genuine push outside the freshness window; 503 when busy or closed. Never 5xx
        for what a client sends.
        """
        if self._closed:
            return web.Response(status=503, text="closed")
        try:
            fields = await asyncio.wait_for(self._read_form(request), timeout=self.body_timeout)
        except asyncio.TimeoutError:
            return self._reject(request, 408, f"the body did not arrive within {self.body_timeout:g} s")
        except web.HTTPRequestEntityTooLarge:
            return self._reject(request, 413, "the body is too large")
        except Exception as exc:  # a client's malformed request is its error, never ours (no 5xx)
            return self._reject(request, 400, f"unreadable form ({type(exc).__name__}: {exc})")
        try:
            message = read_push(fields, verifier=self._verifier)
        except MessageSignatureError as exc:
            return self._reject(request, 403, str(exc), text="bad signature")
        except InvalidMessageError as exc:
            return self._reject(request, 400, str(exc), text="bad message")
        if not self.fresh(message):
            self.stats.stale += 1
            logger.warning(
                "refused message %s (%s) from %s: made %s, outside the freshness window",
                message.key,
                message.topic,
                request.remote,
                message.born.isoformat(),
            )
            return web.Response(status=410, text="stale message")
        outcome = self.submit(message)
        if outcome in ("busy", "closed"):
            return web.Response(status=503, text=outcome)
        return web.Response(text="success")

    async def _read_form(self, request: web.BaseRequest) -> dict[str, str]:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await request.content.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_PUSH_BYTES:
                raise web.HTTPRequestEntityTooLarge(max_size=MAX_PUSH_BYTES, actual_size=size)
            chunks.append(chunk)
        body = b"".join(chunks)
        if request.content_type != "application/x-www-form-urlencoded":
            raise ValueError(f"expected a form (application/x-www-form-urlencoded), got {request.content_type!r}")
        charset = request.charset or "utf-8"
        codecs.lookup(charset)  # LookupError for an unknown charset: a 400, not a 500
        text = body.decode(charset)  # UnicodeDecodeError for bad bytes: a 400
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=100))

    def _reject(self, request: web.BaseRequest, status: int, why: str, *, text: str = "") -> web.Response:
        self.stats.rejected += 1
        logger.warning("rejected a push from %s (HTTP %d): %s", request.remote, status, why[:300])
        return web.Response(status=status, text=text or "bad request")

    def fresh(self, message: Message, *, now: float | None = None) -> bool:
        """True when ``message`` is inside the freshness window (or carries no time)."""
        if self.max_age is None or not message.gmt_born:
            return True
        current = time.time() if now is None else now
        born = message.gmt_born / 1000
        return current - self.max_age <= born <= current + self.max_skew

    async def serve(self, host: str = "127.0.0.1", port: int = 0, *, path: str = "/") -> ReceiverServer:
        """Run the receiver on its own HTTP server; returns it (``.url``, ``await .close()``).

        Besides what :meth:`handle` does, this server closes a connection whose request
        headers have not all arrived within ``header_timeout`` seconds, and answers one push
        per connection, so slow or idle clients cannot hold connections open.

        ::

            server = await receiver.serve("0.0.0.0", 8080, path="/1688/messages")
            ...
            await server.close()
        """
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        timers: dict[asyncio.BaseTransport, asyncio.TimerHandle] = {}

        async def dispatch(request: web.BaseRequest) -> web.StreamResponse:
            timer = timers.pop(request.transport, None) if request.transport is not None else None
            if timer is not None:
                timer.cancel()  # the headers are in
            if request.path != path:
                response = web.Response(status=404, text="not found")
            elif request.method != "POST":
                response = web.Response(status=405, text="POST only", headers={"Allow": "POST"})
            else:
                response = await self.handle(request)
            response.force_close()
            return response

        low = web.Server(dispatch, access_log=None)
        loop = asyncio.get_running_loop()
        header_timeout = self.header_timeout
        stats = self.stats

        def guarded() -> asyncio.Protocol:
            return _HeaderDeadline(low(), header_timeout, timers, stats)

        server = await loop.create_server(guarded, host, port)
        bound = server.sockets[0].getsockname()
        return ReceiverServer(self, server, low, f"http://{bound[0]}:{bound[1]}{path}")

    def app(self) -> web.Application:
        """A sub-application that receives pushes at its root; add it with ``add_subapp``.

        ``app.add_subapp("/1688/messages", receiver.app())`` receives ``POST /1688/messages``.
        The receiver is closed (waiting messages handled) when the application shuts down.
        """
        sub = web.Application()
        sub.router.add_post("", self.handle)
        sub.router.add_post("/", self.handle)

        async def close_receiver(_: web.Application) -> None:
            await self.close()

        sub.on_shutdown.append(close_receiver)
        return sub

    # ---------------------------------------------------------------- the queue

    def submit(self, message: Message) -> SubmitOutcome:
        """Hand over a verified message (for pushes received some other way than :meth:`handle`).

        Returns ``"accepted"`` (new, queued), ``"duplicate"`` (msgId already accepted),
        ``"busy"`` (``max_pending`` reached; not remembered) or ``"closed"``.
        """
        if self._closed:
            return "closed"
        key = message.key
        if key in self._seen:
            self._seen.move_to_end(key)
            self.stats.duplicates += 1
            logger.debug("dropped a redelivery of message %s (%s)", key, message.topic)
            return "duplicate"
        if self._pending >= self.max_pending:
            self.stats.busy += 1
            logger.warning("turned message %s away: %d messages are waiting", key, self._pending)
            return "busy"
        self._seen[key] = None
        if len(self._seen) > self.remember:
            self._seen.popitem(last=False)
        self.stats.accepted += 1
        self._pending += 1
        self._queue.put_nowait(message)
        if self._callback is not None and not self._workers:
            self._workers = [
                asyncio.create_task(self._work(self._callback), name=f"daji-messages-{i}")
                for i in range(self.concurrency)
            ]
        return "accepted"

    async def _work(self, callback: Callback) -> None:
        while True:
            message = await self._queue.get()
            try:
                if isinstance(message, _Closed):
                    return
                await callback(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.stats.failed += 1
                logger.exception(
                    "the message callback failed for message %s (%s); it will not be handed over again",
                    getattr(message, "msg_id", "?"),
                    getattr(message, "topic", "?"),
                )
            else:
                self.stats.processed += 1
            finally:
                if not isinstance(message, _Closed):
                    self._pending -= 1
                self._queue.task_done()

    async def join(self) -> None:
        """Wait until every accepted message has been handled (callback) or taken (stream)."""
        await self._queue.join()

    # ---------------------------------------------------------------- the stream

    def __aiter__(self) -> AsyncIterator[Message]:
        """``async for message in receiver``: each new message once, until :meth:`close`."""
        if self._callback is not None:
            raise TypeError(
                "this MessageReceiver hands messages to its callback; create one without a callback to iterate"
            )
        return self._stream()

    async def _stream(self) -> AsyncIterator[Message]:
        while True:
            message = await self._queue.get()
            self._queue.task_done()
            if isinstance(message, _Closed):
                self._queue.put_nowait(message)  # let other consumers stop too
                return
            self._pending -= 1
            self.stats.processed += 1
            yield message

    # ---------------------------------------------------------------- shutdown

    async def close(self) -> None:
        """Stop accepting pushes (HTTP 503 from now on) and finish what was accepted.

        With a callback: waits up to ``close_timeout`` seconds for waiting messages, then
        cancels the callbacks still running. Without one: ends every ``async for`` once the
        messages already accepted have been taken. Idempotent.
        """
        if self._closed:
            return
        self._closed = True
        if self._callback is None:
            self._queue.put_nowait(_CLOSED)
            return
        workers, self._workers = self._workers, []
        if not workers:
            return
        for _ in workers:
            self._queue.put_nowait(_CLOSED)
        _, running = await asyncio.wait(workers, timeout=self.close_timeout)
        if running:
            logger.warning(
                "closing the message receiver: cancelling %d callbacks still running after %g s",
                len(running),
                self.close_timeout,
            )
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)


class _HeaderDeadline(asyncio.Protocol):
    """Wraps aiohttp's protocol: closes the connection if no request head arrives in time."""

    def __init__(
        self,
        inner: asyncio.Protocol,
        timeout: float,
        timers: dict[asyncio.BaseTransport, asyncio.TimerHandle],
        stats: MessageStats,
    ) -> None:
        self._inner = inner
        self._timeout = timeout
        self._timers = timers
        self._stats = stats
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._timers[transport] = asyncio.get_running_loop().call_later(self._timeout, self._expire)
        self._inner.connection_made(transport)

    def _expire(self) -> None:
        transport = self._transport
        if transport is not None and self._timers.pop(transport, None) is not None:
            self._stats.rejected += 1
            logger.warning("closed a connection that sent no complete request head within %g s", self._timeout)
            transport.close()

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            timer = self._timers.pop(self._transport, None)
            if timer is not None:
                timer.cancel()
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


@dataclass
class ReceiverServer:
    """A :class:`MessageReceiver` on its own server (from :meth:`MessageReceiver.serve`)."""

    receiver: MessageReceiver
    server: asyncio.AbstractServer
    handler: web.Server
    url: str

    async def close(self) -> None:
        """Stop listening, close the receiver (finishing accepted messages) and the connections."""
        self.server.close()
        await self.receiver.close()
        await self.handler.shutdown(1.0)
        await self.server.wait_closed()

    async def __aenter__(self) -> ReceiverServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
