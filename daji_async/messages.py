"""1688 order messages: verify, parse and receive what the message service pushes.

1688 pushes each message as a form POST with two fields: ``message`` (JSON text) and
``_aop_signature``, the uppercase hex HMAC-SHA1 of ``"message" + message`` keyed by your app
secret. :func:`read_push` verifies the signature (constant-time) and parses the JSON into a
:class:`Message`: ``topic`` (a :class:`Topic`), ``msg_id``, ``gmt_born`` and, for order
topics, typed :class:`OrderMessageData`.

:class:`MessageReceiver` is a ready aiohttp endpoint. It rejects unsigned or forged pushes
(HTTP 403), answers at once, drops redeliveries of a ``msgId`` it has already accepted, and
hands every other message to your async callback, at most ``concurrency`` at a time; a
callback that raises is logged and the message is not handed over again::

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

How DAJI forwards 1688 messages is not documented; this module implements 1688's own push
format (the sandbox pushes the same).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import hmac
import logging
import os
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union

import msgspec
from aiohttp import web

from . import _constants as C
from ._errors import ConfigError, InvalidMessageError, MessageSignatureError
from .enums import StrEnum
from .models._lenient import IdText, LenientStruct

__all__ = [
    "ORDER_TOPICS",
    "SIGNATURE_FIELD",
    "Message",
    "MessageReceiver",
    "MessageStats",
    "OrderMessageData",
    "SubmitOutcome",
    "Topic",
    "aop_signature",
    "message_signature",
    "parse_message",
    "read_push",
    "verify_signature",
]

logger = logging.getLogger("daji_async.messages")

#: The form field that carries a pushed message's signature.
SIGNATURE_FIELD = "_aop_signature"
#: The form field that carries a pushed message's JSON.
MESSAGE_FIELD = "message"

#: Callbacks allowed to run at once, by default.
DEFAULT_CONCURRENCY = 8
#: Accepted messages waiting for a callback (or a consumer) before pushes get HTTP 503.
DEFAULT_MAX_PENDING = 1000
#: How many msgIds are remembered to drop redeliveries.
DEFAULT_REMEMBER = 100_000
#: Seconds ``close`` waits for accepted messages to be handled before cancelling callbacks.
DEFAULT_CLOSE_TIMEOUT = 10.0


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


class Message(msgspec.Struct, kw_only=True):
    """One pushed message, verified and parsed.

    Attributes:
        msg_id: 1688's unique id of the message (redeliveries repeat it).
        gmt_born: when 1688 created the message, in milliseconds since the epoch.
        topic: a :class:`Topic` member when known, else the plain string (the JSON ``type``).
        user_info: the member the message is about (``b2b-...``).
        biz_key: 1688's business key (often the order id), when sent.
        data: :class:`OrderMessageData` for order topics, else the JSON object as a dict.
        extra_info: 1688's extension field, as sent.
        raw: the ``message`` JSON text exactly as received (the signed text).
    """

    msg_id: int
    gmt_born: int
    topic: str
    user_info: Union[str, None] = None
    biz_key: Union[str, None] = None
    data: Union[OrderMessageData, dict[str, Any], None] = None
    extra_info: Union[str, dict[str, Any], None] = None
    raw: str = ""

    @property
    def order(self) -> OrderMessageData | None:
        """The order news of an order topic, else None."""
        return self.data if isinstance(self.data, OrderMessageData) else None

    @property
    def born(self) -> _dt.datetime:
        """``gmt_born`` as an aware UTC datetime."""
        return _dt.datetime.fromtimestamp(self.gmt_born / 1000, tz=_dt.timezone.utc)


class _Wire(msgspec.Struct, rename="camel"):
    msg_id: Union[int, str]
    type: str
    gmt_born: Union[int, None] = None
    user_info: Union[str, None] = None
    biz_key: Union[str, int, None] = None
    data: msgspec.Raw = msgspec.Raw(b"null")
    extra_info: Union[str, dict[str, Any], None] = None


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

    The hex digits may be in either case; an empty or missing signature never verifies.
    """
    if not signature:
        return False
    expected = message_signature(message, app_secret).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().upper().encode("utf-8"))


# --------------------------------------------------------------------------- parsing


def parse_message(message: str | bytes) -> Message:
    """Parse a message's JSON (the ``message`` field) into a :class:`Message`, without verifying.

    Raises :class:`~daji_async.InvalidMessageError` when it is not a 1688 message.
    Use :func:`read_push` for anything that arrived over the network.
    """
    text = message.decode("utf-8", "replace") if isinstance(message, (bytes, bytearray)) else message
    try:
        wire = _wire_decoder.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InvalidMessageError(f"not a 1688 message: {exc}") from None
    try:
        msg_id = int(wire.msg_id)
    except ValueError:
        raise InvalidMessageError(f"not a 1688 message: msgId must be a number, got {wire.msg_id!r}") from None
    topic: str = _TOPICS.get(wire.type, wire.type)
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


def _data(topic: str, raw: msgspec.Raw) -> OrderMessageData | dict[str, Any] | None:
    payload: bytes | str = bytes(raw)
    if payload.strip() in (b"", b"null"):
        return None
    try:
        if payload[:1] == b'"':  # data sent as a JSON string holding JSON
            payload = _any_decoder.decode(payload)
            assert isinstance(payload, str)
        if topic in ORDER_TOPICS:
            return _order_decoder.decode(payload)
        value = _any_decoder.decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InvalidMessageError(f"{topic} message has unreadable data: {exc}") from None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidMessageError(f"{topic} message data must be a JSON object, got {type(value).__name__}")
    return value


def read_push(form: Mapping[str, str], app_secret: str) -> Message:
    """Verify and parse one push (its form fields ``message`` and ``_aop_signature``).

    Raises :class:`~daji_async.MessageSignatureError` when the signature is missing or does
    not match, :class:`~daji_async.InvalidMessageError` when there is no readable message.

    ::

        form = await request.post()
        message = read_push({k: v for k, v in form.items() if isinstance(v, str)}, app_secret)
    """
    text = form.get(MESSAGE_FIELD)
    if not text:
        raise InvalidMessageError(f"the push has no {MESSAGE_FIELD!r} field")
    signature = form.get(SIGNATURE_FIELD)
    if not signature:
        raise MessageSignatureError(f"the push is unsigned (no {SIGNATURE_FIELD!r} field)")
    if not verify_signature(text, signature, app_secret):
        raise MessageSignatureError("the push's signature does not match: forged, or signed with another app secret")
    return parse_message(text)


# --------------------------------------------------------------------------- the receiver

Callback = Callable[[Message], Awaitable[object]]

#: What :meth:`MessageReceiver.submit` did with a message.
SubmitOutcome = Literal["accepted", "duplicate", "busy", "closed"]


@dataclass
class MessageStats:
    """What a :class:`MessageReceiver` has seen.

    ``accepted`` messages were new; ``duplicates`` repeated a msgId already accepted;
    ``rejected`` pushes were unsigned, forged or unreadable; ``busy`` were turned away (HTTP
    503) because ``max_pending`` messages were waiting. Of the accepted, ``processed`` went
    through the callback (or were taken by the stream) and ``failed`` callbacks raised.
    """

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
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
        concurrency: int = DEFAULT_CONCURRENCY,
        max_pending: int = DEFAULT_MAX_PENDING,
        remember: int = DEFAULT_REMEMBER,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ) -> None:
        secret = app_secret if app_secret is not None else os.environ.get(C.ENV_APP_SECRET)
        if not secret:
            raise ConfigError(
                f"MessageReceiver needs the app secret pushes are signed with: app_secret or env {C.ENV_APP_SECRET}"
            )
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be an async function, got {type(callback).__name__}")
        for name, value in (("concurrency", concurrency), ("max_pending", max_pending), ("remember", remember)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        self._secret = secret
        self._callback = callback
        self.concurrency = concurrency
        self.max_pending = max_pending
        self.remember = remember
        self.close_timeout = close_timeout
        self.stats = MessageStats()
        self._seen: OrderedDict[int, None] = OrderedDict()
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

    async def handle(self, request: web.Request) -> web.Response:
        """The aiohttp handler: ``app.router.add_post("/1688/messages", receiver.handle)``.

        Answers 200 for accepted and duplicate messages, 403 for unsigned or forged ones,
        400 for unreadable ones, 503 when busy or closed.
        """
        if self._closed:
            return web.Response(status=503, text="closed")
        try:
            form = await request.post()
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
        except (ValueError, UnicodeDecodeError):
            fields = {}
        try:
            message = read_push(fields, self._secret)
        except MessageSignatureError as exc:
            self.stats.rejected += 1
            logger.warning("rejected a push from %s: %s", request.remote, exc)
            return web.Response(status=403, text="bad signature")
        except InvalidMessageError as exc:
            self.stats.rejected += 1
            logger.warning("rejected a push from %s: %s", request.remote, exc)
            return web.Response(status=400, text="bad message")
        outcome = self.submit(message)
        if outcome in ("busy", "closed"):
            return web.Response(status=503, text=outcome)
        return web.Response(text="success")

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
        if message.msg_id in self._seen:
            self._seen.move_to_end(message.msg_id)
            self.stats.duplicates += 1
            logger.debug("dropped a redelivery of message %s (%s)", message.msg_id, message.topic)
            return "duplicate"
        if self._pending >= self.max_pending:
            self.stats.busy += 1
            logger.warning("turned message %s away: %d messages are waiting", message.msg_id, self._pending)
            return "busy"
        self._seen[message.msg_id] = None
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
