"""Parsing pushes: a message's JSON into a `Message`, and reading a verified push."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Union

import msgspec

from .._errors import InvalidMessageError, MessageSignatureError
from ._models import (
    _TOPICS,
    ORDER_TOPICS,
    Message,
    MessageData,
    OrderMessageData,
    TaobaoOrderStatusData,
    TaobaoPriceChangeData,
    Topic,
)
from ._signatures import DJ_SIGNATURE_FIELD, MESSAGE_FIELD, SIGNATURE_FIELDS, Verifier, default_verifier

__all__ = ["parse_message", "read_push"]


#: The last millisecond a datetime can hold (9999-12-31T23:59:59.999Z): a message's time
#: beyond it, or before 1970, is impossible, and refused as malformed rather than carried on
#: to fail wherever the time is read (the freshness check, `Message.born`, a log line).
MAX_EPOCH_MS = 253_402_300_799_999
_EpochMs = Annotated[int, msgspec.Meta(ge=0, le=MAX_EPOCH_MS)]
_EpochSeconds = Annotated[int, msgspec.Meta(ge=0, le=MAX_EPOCH_MS // 1000)]


class _Wire(msgspec.Struct, rename="camel"):
    msg_id: Union[int, str, None] = None
    type: Union[str, None] = None
    gmt_born: Union[_EpochMs, None] = None
    user_info: Union[str, None] = None
    biz_key: Union[str, int, None] = None
    data: msgspec.Raw = msgspec.Raw(b"null")
    extra_info: Union[str, dict[str, Any], None] = None
    # Taobao's shape (DAJI's "Message Type" page)
    message_type: Union[int, None] = msgspec.field(name="message_type", default=None)
    seller_id: Union[str, int, None] = msgspec.field(name="seller_id", default=None)
    timestamp: Union[_EpochSeconds, None] = None
    site: Union[str, None] = None


_TAOBAO_TOPICS = {3: Topic.TAOBAO_ORDER_STATUS, 8: Topic.TAOBAO_PRICE_CHANGE}
_TAOBAO_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    Topic.TAOBAO_ORDER_STATUS: msgspec.json.Decoder(TaobaoOrderStatusData),
    Topic.TAOBAO_PRICE_CHANGE: msgspec.json.Decoder(TaobaoPriceChangeData),
}
_wire_decoder = msgspec.json.Decoder(_Wire)
_order_decoder = msgspec.json.Decoder(OrderMessageData)
_any_decoder = msgspec.json.Decoder()


def parse_message(message: str | bytes) -> Message:
    """Parse a message's JSON (the `message` field) into a `Message`, without verifying.

    Raises `InvalidMessageError` when it is not a 1688 or Taobao message,
    or when its time (`gmtBorn`, a Taobao `timestamp`) is impossible: before 1970, after
    year 9999, or not an integer. Use `read_push` for anything that arrived over the network.
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
    """Verify and parse one push (its form fields `message` and `_dj_signature`).

    With `app_secret`, the default verifier (`verify_signature` over
    `_dj_signature` or `_aop_signature`); with `verifier`, your function of the form
    fields instead. Raises `MessageSignatureError` when the push is
    unsigned or does not verify, `InvalidMessageError` when there is no
    readable message.

    ```python
    form = await request.post()
    message = read_push({k: v for k, v in form.items() if isinstance(v, str)}, app_secret)
    ```

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
