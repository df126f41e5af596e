"""The webhook receiver against correctly signed pushes with impossible times and shapes:
always a 4xx (or 2xx), never a 5xx, and the app secret in no log line. Over loopback, against
the receiver's own server."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daji_async import InvalidMessageError
from daji_async.messages import Message, MessageReceiver, ReceiverServer, Topic, message_signature, parse_message
from tests.conftest import close_private_loop

SECRET = "hostile-test-secret-7f3a"


class Records(logging.Handler):
    """Every log record of the SDK, formatted (the whole text a log file would hold)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Loopback:
    """A receiver on its own server, with a client session, driven from sync (hypothesis) tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.seen: list[Message] = []

        async def keep(message: Message) -> None:
            self.seen.append(message)

        async def start() -> tuple[ReceiverServer, aiohttp.ClientSession]:
            receiver = MessageReceiver(keep, app_secret=SECRET, max_pending=1_000_000)
            return await receiver.serve(), aiohttp.ClientSession()

        self.server, self.session = self.loop.run_until_complete(start())

    def post_text(self, text: str) -> tuple[int, str]:
        """POST ``text`` as a correctly signed push; the status and body of the answer."""
        form = {"message": text, "_dj_signature": message_signature(text, SECRET)}

        async def post() -> tuple[int, str]:
            async with self.session.post(self.server.url, data=form) as response:
                return response.status, await response.text()

        return self.loop.run_until_complete(post())

    def close(self) -> None:
        async def stop() -> None:
            await self.session.close()
            await asyncio.sleep(0.05)  # let the server see its connections close before it stops
            await self.server.close()

        close_private_loop(self.loop, stop)


@pytest.fixture(scope="module")
def loopback() -> Iterator[Loopback]:
    served = Loopback()
    try:
        yield served
    finally:
        served.close()


@pytest.fixture(scope="module")
def records() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("daji_async")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def text_of(body: dict[str, Any] | str) -> str:
    return body if isinstance(body, str) else json.dumps(body)


# Times that cannot be a message's time: beyond what a datetime holds, before 1970, not a number.
IMPOSSIBLE_1688 = [
    {"msgId": 1, "type": "ORDER_BUYER_VIEW_ORDER_PAY", "gmtBorn": 10**17},
    {"msgId": 2, "type": "ORDER_BUYER_VIEW_ORDER_PAY", "gmtBorn": -(10**17)},
    {"msgId": 3, "type": "ORDER_BUYER_VIEW_ORDER_PAY", "gmtBorn": 2**63 - 1},
    {"msgId": 4, "type": "ORDER_BUYER_VIEW_ORDER_PAY", "gmtBorn": 2**64},
    {"msgId": 5, "type": "X", "gmtBorn": -1},
    '{"msgId": 6, "type": "X", "gmtBorn": 1000000000000000000000000000000}',
    '{"msgId": 7, "type": "X", "gmtBorn": 1e30}',
    '{"msgId": 8, "type": "X", "gmtBorn": 1e17}',
    {"msgId": 9, "type": "X", "gmtBorn": "NaN"},
    {"msgId": 10, "type": "X", "gmtBorn": "Infinity"},
    '{"msgId": 11, "type": "X", "gmtBorn": NaN}',
    '{"msgId": 12, "type": "X", "gmtBorn": -Infinity}',
    {"msgId": 13, "type": "X", "gmtBorn": 253_402_300_800_000},  # year 10000
]
IMPOSSIBLE_TAOBAO = [
    {"message_type": 3, "timestamp": 10**15, "data": {"purchase_id": 1}},
    {"message_type": 8, "timestamp": -(10**15), "data": {}},
    {"message_type": 3, "timestamp": 2**63 - 1},
    {"message_type": 3, "timestamp": 253_402_300_800},  # year 10000, in seconds
    {"message_type": 3, "timestamp": "NaN"},
]


@pytest.mark.parametrize("body", IMPOSSIBLE_1688 + IMPOSSIBLE_TAOBAO, ids=lambda b: text_of(b)[:60])
def test_an_impossible_time_is_refused_as_malformed(loopback: Loopback, records: Records, body: Any) -> None:
    text = text_of(body)
    status, answer = loopback.post_text(text)
    assert status == 400, (status, answer)
    with pytest.raises(InvalidMessageError):
        parse_message(text)
    assert not any(SECRET in line for line in records.lines)


def test_the_last_possible_time_is_read() -> None:
    last = parse_message('{"msgId": 1, "type": "X", "gmtBorn": 253402300799999}')
    assert last.born.year == 9999
    taobao = parse_message('{"message_type": 3, "timestamp": 253402300799}')
    assert taobao.born.year == 9999


def test_a_stale_push_is_logged_with_its_time_and_answered_410(loopback: Loopback, records: Records) -> None:
    body = {"msgId": 77, "type": Topic.ORDER_BUYER_VIEW_ORDER_PAY, "gmtBorn": 1}  # 1970, long stale
    status, _ = loopback.post_text(json.dumps(body))
    assert status == 410
    assert any("1970-01-01T00:00:00.001000+00:00" in line for line in records.lines)


# --------------------------------------------------------------------------- every shape

FIELDS_1688 = ["msgId", "type", "gmtBorn", "userInfo", "bizKey", "data", "extraInfo"]
FIELDS_TAOBAO = ["message_type", "seller_id", "timestamp", "site", "data"]
DATA_FIELDS = [
    "orderId",
    "currentStatus",
    "buyerMemberId",
    "msgSendTime",
    "purchase_id",
    "status",
    "business_time",
    "sku_list",
    "order_line_no",
    "purchaseOrderId",
    "purchaseOrderPriceDTO",
    "purchaseTotalFee",
    "purchaseOrderLinePriceChangeMessageDTOList",
    "salesOrderLineIdList",
    "features",
]

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 10**15, 10**17, -(10**17), 2**63 - 1, 2**63, 2**64, 10**30, 253_402_300_799_999]),
    st.floats(allow_nan=False, allow_infinity=False),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    st.text(max_size=20),
    st.sampled_from(["NaN", "Infinity", "-1", "1e308", "", "3", "8", *[t.value for t in Topic]]),
)
json_values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(DATA_FIELDS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=20,
)
data_values = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(DATA_FIELDS), json_values, max_size=6),
    st.dictionaries(st.sampled_from(DATA_FIELDS), json_values, max_size=6).map(json.dumps),  # JSON in a string
)


def push_bodies() -> st.SearchStrategy[Any]:
    """A well-formed 1688 or Taobao push with some of its fields (or its data's) replaced by
    anything JSON can carry, or any JSON value at all."""
    now_ms = int(time.time() * 1000)
    order = {"orderId": 3180000000000007919, "currentStatus": "waitsellersend"}
    base_1688 = st.builds(
        lambda topic, msg_id: {"msgId": msg_id, "type": topic, "gmtBorn": now_ms, "userInfo": "b2b-1", "data": order},
        st.sampled_from([t.value for t in Topic]),
        st.integers(min_value=0, max_value=2**63),
    )
    base_taobao = st.sampled_from(
        [
            {
                "message_type": 3,
                "timestamp": now_ms // 1000,
                "seller_id": 1,
                "data": {"purchase_id": 1, "sku_list": []},
            },
            {"message_type": 8, "timestamp": now_ms // 1000, "site": "tb", "data": {"purchaseOrderId": 1}},
        ]
    )
    replaced = st.dictionaries(st.sampled_from(FIELDS_1688 + FIELDS_TAOBAO), json_values, min_size=1, max_size=3)
    replaced_data = st.dictionaries(st.sampled_from(DATA_FIELDS), json_values, min_size=1, max_size=3)

    def mix(base: dict[str, Any], fields: dict[str, Any], data: dict[str, Any] | None) -> dict[str, Any]:
        mixed = {**base, **fields}
        if data is not None and isinstance(mixed.get("data"), dict):
            mixed["data"] = {**mixed["data"], **data}
        return mixed

    bases = st.one_of(base_1688, base_taobao)
    hostile = st.builds(mix, bases, replaced, st.none() | replaced_data)
    # a time of any size or type in the field the push's kind reads it from
    timed = st.builds(
        lambda base, value: {**base, ("gmtBorn" if "msgId" in base else "timestamp"): value}, bases, json_values
    )
    timed_numbers = st.builds(
        lambda base, value: {**base, ("gmtBorn" if "msgId" in base else "timestamp"): value}, bases, numbers
    )
    return st.one_of(hostile, timed, timed_numbers, json_values)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=push_bodies())
def test_any_signed_push_is_answered_below_500(loopback: Loopback, records: Records, body: Any) -> None:
    text = msgspec.json.encode(body).decode()
    status, answer = loopback.post_text(text)
    assert status < 500, (status, answer, text[:300])
    if status == 200:
        parse_message(text).born.isoformat()  # whatever was accepted has a real time
    assert not any(SECRET in line for line in records.lines)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_any_signed_text_is_answered_below_500(loopback: Loopback, text: str) -> None:
    if not text:
        return  # an empty message field is "no message": covered by the 400s above
    status, answer = loopback.post_text(text)
    assert status < 500, (status, answer, text[:300])


@pytest.mark.parametrize(
    "text",
    [
        '{"msgId": 1, "type": "X", "data": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"message_type": 8, "data": {"features": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}}",
        '{"msgId": ' + "9" * 5000 + ', "type": "X"}',
        '{"msgId": 1, "type": "ORDER_BUYER_VIEW_ORDER_PAY", "data": {"orderId": ' + "9" * 5000 + "}}",
        '{"message_type": ' + "9" * 5000 + "}",
        '{"msgId": 1, "type": "ORDER_BUYER_VIEW_ORDER_PAY", "data": "[1, 2]"}',
        '{"msgId": 1, "type": "ORDER_BUYER_VIEW_ORDER_PAY", "data": "\\"nested\\""}',
    ],
    ids=["deep-data", "deep-features", "huge-msgid", "huge-order-id", "huge-type", "data-list-text", "data-text-text"],
)
def test_nested_garbage_is_a_400(loopback: Loopback, text: str) -> None:
    status, _ = loopback.post_text(text)
    assert status == 400


WRONG_TYPES: list[Any] = [None, True, 1.5, -1, 2**64, 10**30, "", "x" * 300, "NaN", [], [1, [2]], {}, {"a": {"b": []}}]
GOOD_1688 = {
    "msgId": 1,
    "type": "ORDER_BUYER_VIEW_ORDER_PAY",
    "gmtBorn": 1,
    "userInfo": "b2b-1",
    "bizKey": "3180000000000007919",
    "data": {"orderId": 3180000000000007919, "currentStatus": "waitsellersend"},
    "extraInfo": "x",
}
GOOD_TAOBAO_3 = {
    "message_type": 3,
    "seller_id": 1,
    "timestamp": 1,
    "site": "tb",
    "data": {"purchase_id": 1, "status": "TRADE_CLOSED", "business_time": 1, "sku_list": [{"item_id": 1}]},
}
GOOD_TAOBAO_8 = {
    "message_type": 8,
    "timestamp": 1,
    "data": {
        "purchaseOrderId": 1,
        "purchaseOrderPriceDTO": {"purchaseTotalFee": "1.00"},
        "purchaseOrderLinePriceChangeMessageDTOList": [{"purchaseOrderLineId": 1, "salesOrderLineIdList": ["a"]}],
        "features": {},
    },
}


def every_field_wrong() -> Iterator[tuple[str, dict[str, Any]]]:
    """Each good push with one field (top level, or in its data) set to each wrong value."""
    for label, good in (("1688", GOOD_1688), ("taobao3", GOOD_TAOBAO_3), ("taobao8", GOOD_TAOBAO_8)):
        for name in good:
            for value in WRONG_TYPES:
                yield f"{label}.{name}={str(value)[:12]}", {**good, name: value}
        for name in good["data"]:
            for value in WRONG_TYPES:
                yield f"{label}.data.{name}={str(value)[:12]}", {**good, "data": {**good["data"], name: value}}


def test_every_field_of_the_wrong_type_is_below_500(loopback: Loopback, records: Records) -> None:
    answered: dict[int, int] = {}
    for label, body in every_field_wrong():
        status, answer = loopback.post_text(json.dumps(body))
        assert status < 500, (label, status, answer)
        answered[status] = answered.get(status, 0) + 1
    assert answered.get(400, 0) > 50  # most wrong types are refused as malformed, not waved through
    assert not any(SECRET in line for line in records.lines)
