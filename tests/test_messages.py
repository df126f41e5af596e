"""Order messages: the AOP signature, parsing, and the receiver over loopback (verification,
quick answers, deduplication, bounded concurrency, failing callbacks, the stream form), fed
by hand and by the sandbox's signed pushes."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import msgspec
import pytest
import pytest_asyncio
from aiohttp import web

from daji_async import Address, CargoLine, ConfigError, DajiClient, InvalidMessageError, MessageSignatureError
from daji_async.messages import (
    ORDER_TOPICS,
    Message,
    MessageReceiver,
    OrderMessageData,
    Topic,
    aop_signature,
    message_signature,
    parse_message,
    read_push,
    verify_signature,
)
from daji_async.sandbox import SandboxServer

SECRET = "sandbox-app-secret"


def message_text(msg_id: int, topic: str = "ORDER_BUYER_VIEW_ORDER_PAY", **data: Any) -> str:
    body = {
        "msgId": msg_id,
        "gmtBorn": int(time.time() * 1000),
        "type": topic,
        "userInfo": "b2b-221000000000",
        "data": {"orderId": 3180000000000007919, "currentStatus": "waitsellersend", **data},
    }
    return msgspec.json.encode(body).decode()


def push_form(msg_id: int, secret: str = SECRET, **data: Any) -> dict[str, str]:
    text = message_text(msg_id, **data)
    return {"message": text, "_dj_signature": message_signature(text, secret)}


# --------------------------------------------------------------------------- signature and parsing


def test_official_aop_vector() -> None:
    signature = aop_signature("param2/1/system/currentTime/1000000", {"b": "2", "a": "1"}, "test123")
    assert signature == "33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88"


def test_message_signature_is_hmac_sha1_of_message_field() -> None:
    import hashlib
    import hmac

    text = message_text(1)
    expected = hmac.new(SECRET.encode(), ("message" + text).encode(), hashlib.sha1).hexdigest().upper()
    assert message_signature(text, SECRET) == expected
    assert verify_signature(text, expected, SECRET)
    assert verify_signature(text, expected.lower(), SECRET)  # hex case does not matter
    assert not verify_signature(text, expected, "another-secret")
    assert not verify_signature(text.replace("waitsellersend", "success"), expected, SECRET)  # tampered
    assert not verify_signature(text, "", SECRET)
    assert not verify_signature(text, None, SECRET)
    assert not verify_signature(text, "签名" * 20, SECRET)  # non-ASCII: refused, no exception


def test_parse_order_message() -> None:
    text = message_text(77, buyerMemberId="b2b-1", msgSendTime="2024-01-02 03:04:05")  # once: it carries the time
    message = parse_message(text)
    assert message.msg_id == 77
    assert message.topic is Topic.ORDER_BUYER_VIEW_ORDER_PAY
    assert message.topic in ORDER_TOPICS
    assert isinstance(message.data, OrderMessageData)
    assert message.order is not None
    assert (message.order.order_id, message.order.current_status) == (
        "3180000000000007919",
        "waitsellersend",
    )  # str, exact
    assert message.order.buyer_member_id == "b2b-1"
    assert abs(message.born.timestamp() - time.time()) < 60
    assert message.raw == text


def test_parse_other_topics() -> None:
    inventory = parse_message(
        b'{"msgId":"9","gmtBorn":1,"type":"PRODUCT_INVENTORY_CHANGE","data":{"offerId":1,"skuId":2,"quantity":5}}'
    )
    assert inventory.msg_id == 9
    assert inventory.topic is Topic.PRODUCT_INVENTORY_CHANGE
    assert inventory.order is None
    assert inventory.data == {"offerId": 1, "skuId": 2, "quantity": 5}
    future = parse_message('{"msgId":10,"gmtBorn":1,"type":"SOME_NEW_TOPIC","data":"{\\"a\\":1}","extraInfo":"x"}')
    assert future.topic == "SOME_NEW_TOPIC"
    assert not isinstance(future.topic, Topic)
    assert future.data == {"a": 1}  # data sent as a JSON string
    assert future.extra_info == "x"
    empty = parse_message('{"msgId":11,"type":"ORDER_BATCH_PAY"}')
    assert (empty.data, empty.gmt_born) == (None, 0)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"type":"ORDER_BUYER_VIEW_ORDER_PAY"}',  # no msgId
        '{"msgId":"abc","type":"X"}',
        '{"msgId":1,"type":"ORDER_BUYER_VIEW_ORDER_PAY","data":{"currentStatus":"x"}}',  # no orderId
        '{"msgId":1,"type":"X","data":[1,2]}',
    ],
)
def test_parse_rejects_what_is_not_a_message(text: str) -> None:
    with pytest.raises(InvalidMessageError):
        parse_message(text)
    with pytest.raises(ValueError):  # InvalidMessageError is a ValueError too
        parse_message(text)


def test_read_push_verifies_before_parsing() -> None:
    assert read_push(push_form(1), SECRET).msg_id == 1
    with pytest.raises(MessageSignatureError, match="unsigned"):
        read_push({"message": message_text(1)}, SECRET)
    with pytest.raises(MessageSignatureError, match="does not match"):
        read_push(push_form(1, secret="forger"), SECRET)
    with pytest.raises(InvalidMessageError, match="no 'message'"):
        read_push({"_aop_signature": "AB"}, SECRET)
    # a forged body with a signature copied from a genuine message
    genuine = push_form(1)
    with pytest.raises(MessageSignatureError):
        read_push({**genuine, "message": message_text(1, currentStatus="success")}, SECRET)


def test_receiver_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAJI_APP_SECRET", raising=False)
    with pytest.raises(ConfigError, match="DAJI_APP_SECRET"):
        MessageReceiver()
    monkeypatch.setenv("DAJI_APP_SECRET", SECRET)
    assert MessageReceiver().closed is False
    with pytest.raises(ValueError, match="concurrency"):
        MessageReceiver(app_secret=SECRET, concurrency=0)


# --------------------------------------------------------------------------- the receiver over HTTP


Serve = Callable[[MessageReceiver], Awaitable[str]]


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Serve]:
    """Serve receivers on loopback (as sub-applications, as users mount them); yields their URLs."""
    runners: list[web.AppRunner] = []

    async def start(receiver: MessageReceiver) -> str:
        app = web.Application()
        app.add_subapp("/1688/messages", receiver.app())
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}/1688/messages"

    yield start
    for runner in runners:
        await runner.cleanup()


async def post(url: str, form: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        await response.read()
        return response.status


class Recorder:
    """A callback that records messages, and can be held or made to fail."""

    def __init__(self, fail_on: set[int] | None = None) -> None:
        self.seen: list[int] = []
        self.running = 0
        self.most_running = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_on = fail_on or set()

    async def __call__(self, message: Message) -> None:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            await self.gate.wait()
            self.seen.append(message.msg_id)
            if message.msg_id in self.fail_on:
                raise RuntimeError(f"cannot handle {message.msg_id}")
        finally:
            self.running -= 1


async def test_verified_messages_reach_the_callback_forged_ones_do_not(serve: Serve) -> None:
    recorder = Recorder()
    receiver = MessageReceiver(recorder, app_secret=SECRET)
    url = await serve(receiver)
    assert await post(url, push_form(1)) == 200
    assert await post(url, push_form(2, secret="forger")) == 403
    assert await post(url, {"message": message_text(3)}) == 403  # unsigned
    garbage = "{not json"
    assert await post(url, {"message": garbage, "_aop_signature": message_signature(garbage, SECRET)}) == 400
    assert await post(url, {}) == 400
    await receiver.join()
    assert recorder.seen == [1]
    assert (receiver.stats.accepted, receiver.stats.rejected, receiver.stats.processed) == (1, 4, 1)


async def test_duplicate_delivery_is_handled_once(serve: Serve) -> None:
    recorder = Recorder()
    receiver = MessageReceiver(recorder, app_secret=SECRET)
    url = await serve(receiver)
    form = push_form(5)
    statuses = await asyncio.gather(*(post(url, form) for _ in range(5)))
    assert statuses == [200] * 5  # the sender is told each time: no endless redelivery
    await receiver.join()
    assert recorder.seen == [5]
    assert (receiver.stats.accepted, receiver.stats.duplicates) == (1, 4)


async def test_failing_callback_is_logged_and_not_handed_over_twice(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(fail_on={7})
    receiver = MessageReceiver(recorder, app_secret=SECRET)
    url = await serve(receiver)
    with caplog.at_level(logging.ERROR, logger="daji_async.messages"):
        assert await post(url, push_form(7)) == 200
        await receiver.join()
        assert await post(url, push_form(7)) == 200  # redelivered: a duplicate
        assert await post(url, push_form(8)) == 200  # later messages still flow
        await receiver.join()
    assert recorder.seen == [7, 8]
    assert (receiver.stats.failed, receiver.stats.processed, receiver.stats.duplicates) == (1, 1, 1)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "7" in record.getMessage() and "not be handed over again" in record.getMessage()
    assert record.exc_info is not None


async def test_answers_quickly_with_bounded_concurrency(serve: Serve) -> None:
    recorder = Recorder()
    recorder.gate.clear()  # every callback blocks
    receiver = MessageReceiver(recorder, app_secret=SECRET, concurrency=2)
    url = await serve(receiver)
    started = time.monotonic()
    statuses = await asyncio.gather(*(post(url, push_form(100 + i)) for i in range(6)))
    assert statuses == [200] * 6
    assert time.monotonic() - started < 2.0  # answered although no callback has finished
    await asyncio.sleep(0.05)
    assert recorder.running == 2
    assert receiver.pending == 6
    recorder.gate.set()
    await receiver.join()
    assert sorted(recorder.seen) == [100 + i for i in range(6)]
    assert recorder.most_running == 2


async def test_busy_receiver_answers_503_and_takes_the_message_later(serve: Serve) -> None:
    recorder = Recorder()
    recorder.gate.clear()
    receiver = MessageReceiver(recorder, app_secret=SECRET, concurrency=1, max_pending=1)
    url = await serve(receiver)
    assert await post(url, push_form(1)) == 200
    assert await post(url, push_form(2)) == 503  # not remembered: the sender retries it later
    recorder.gate.set()
    await receiver.join()
    assert await post(url, push_form(2)) == 200
    await receiver.join()
    assert recorder.seen == [1, 2]
    assert receiver.stats.busy == 1


async def test_close_finishes_accepted_messages_then_refuses(serve: Serve) -> None:
    seen: list[int] = []

    async def slow(message: Message) -> None:
        await asyncio.sleep(0.05)
        seen.append(message.msg_id)

    receiver = MessageReceiver(slow, app_secret=SECRET, concurrency=2)
    url = await serve(receiver)
    for i in range(4):
        assert await post(url, push_form(i + 1)) == 200
    await receiver.close()
    assert sorted(seen) == [1, 2, 3, 4]
    assert await post(url, push_form(9)) == 503
    await receiver.close()  # idempotent


async def test_stream_form(serve: Serve) -> None:
    receiver = MessageReceiver(app_secret=SECRET)
    url = await serve(receiver)
    for msg_id in (1, 2, 2, 3):
        assert await post(url, push_form(msg_id)) == 200

    async def consume() -> list[int]:
        return [message.msg_id async for message in receiver]

    consumer = asyncio.create_task(consume())
    await receiver.join()
    await receiver.close()
    assert await asyncio.wait_for(consumer, 2) == [1, 2, 3]
    assert receiver.stats.duplicates == 1
    with pytest.raises(TypeError, match="callback"):
        MessageReceiver(Recorder(), app_secret=SECRET).__aiter__()


async def test_plain_handler_route(serve: Serve) -> None:
    # the handler alone, on a route of the user's own application
    recorder = Recorder()
    receiver = MessageReceiver(recorder, app_secret=SECRET)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        assert await post(f"http://127.0.0.1:{port}/hook", push_form(4)) == 200
        await receiver.join()
        assert recorder.seen == [4]
    finally:
        await receiver.close()
        await runner.cleanup()


# --------------------------------------------------------------------------- fed by the sandbox


ADDRESS = Address(full_name="张三", mobile="13800000000", address="文一西路969号")


async def create_order(client: DajiClient, sandbox: SandboxServer) -> int:
    offer = next(o for o in sandbox.state.catalogue.offers if o.one_psale)
    spec_id = (await client.products.detail(offer.offer_id)).product_sku_infos[0].spec_id
    order = await client.orders.create(ADDRESS, [CargoLine(offer.offer_id, spec_id, 1)])
    assert isinstance(order.order_id, str)
    return order.order_id


async def sandbox_control(sandbox: SandboxServer, path: str, json: Any = None) -> Any:
    async with aiohttp.ClientSession() as session:
        method = "GET" if json is None else "POST"
        async with session.request(method, f"{sandbox.base_url}/_sandbox/orders{path}", json=json) as response:
            assert response.status == 200
            return await response.json()


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_sandbox_pushes_are_verified_and_redelivery_is_a_duplicate(
    serve: Serve, daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    recorder = Recorder()
    receiver = MessageReceiver(recorder, app_secret=daji_sandbox.app_secret)
    url = await serve(receiver)
    await sandbox_control(daji_sandbox, "/webhook", {"url": url})
    order_id = await create_order(daji_client, daji_sandbox)
    await until(lambda: receiver.stats.processed == 1)
    [msg_id] = recorder.seen
    snapshot = await sandbox_control(daji_sandbox, "")
    assert snapshot["messages"][0]["msgId"] == msg_id
    assert snapshot["messages"][0]["orderId"] == order_id
    # the sandbox delivers the same message again, twice
    for _ in range(2):
        await sandbox_control(daji_sandbox, "/redeliver", {"msgId": msg_id})
    await until(lambda: receiver.stats.duplicates == 2)
    assert recorder.seen == [msg_id]


async def test_sandbox_retries_a_failing_webhook(
    serve: Serve, daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    recorder = Recorder()
    receiver = MessageReceiver(recorder, app_secret=daji_sandbox.app_secret)
    url = await serve(receiver)
    failures = [500]

    async def flaky(request: web.Request) -> web.StreamResponse:
        if failures:
            return web.Response(status=failures.pop())
        return await receiver.handle(request)

    app = web.Application()
    app.router.add_post("/flaky", flaky)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await sandbox_control(daji_sandbox, "/webhook", {"url": f"http://127.0.0.1:{port}/flaky"})
        await create_order(daji_client, daji_sandbox)
        await until(lambda: receiver.stats.processed == 1)
        deliveries = (await sandbox_control(daji_sandbox, ""))["deliveries"]
        assert [d.get("status") for d in deliveries] == [500, 200]
    finally:
        await runner.cleanup()
    assert url  # the sub-application stays mounted too


async def test_pushes_signed_with_another_secret_are_rejected(
    serve: Serve, daji_sandbox: SandboxServer, daji_client: DajiClient
) -> None:
    recorder = Recorder()
    receiver = MessageReceiver(recorder, app_secret="not-the-app-secret")
    url = await serve(receiver)
    await sandbox_control(daji_sandbox, "/webhook", {"url": url})
    await create_order(daji_client, daji_sandbox)
    await until(lambda: receiver.stats.rejected >= 1)
    assert recorder.seen == []
    deliveries = (await sandbox_control(daji_sandbox, ""))["deliveries"]
    assert deliveries[0]["status"] == 403


# --------------------------------------------------------------------------- DAJI's delivery, verifiers, Taobao


def test_dj_signature_and_the_accepted_encodings() -> None:
    import base64
    import hashlib
    import hmac as _hmac

    text = message_text(7)
    digest = _hmac.new(SECRET.encode(), ("message" + text).encode(), hashlib.sha1).digest()
    for signature in (digest.hex().upper(), digest.hex(), base64.b64encode(digest).decode()):
        for field in ("_dj_signature", "_aop_signature"):
            assert read_push({"message": text, field: signature}, SECRET).msg_id == 7
    with pytest.raises(MessageSignatureError):
        read_push({"message": text, "_dj_signature": base64.b64encode(b"x" * 20).decode()}, SECRET)
    with pytest.raises(MessageSignatureError, match="unsigned"):
        read_push({"message": text, "sign": digest.hex()}, SECRET)


def test_a_verifier_of_your_own() -> None:
    seen: list[dict[str, str]] = []

    def verifier(form: Any) -> bool:
        seen.append(dict(form))
        return form.get("token") == "s3cret"

    text = message_text(8)
    assert read_push({"message": text, "token": "s3cret"}, verifier=verifier).msg_id == 8
    with pytest.raises(MessageSignatureError):
        read_push({"message": text, "token": "nope"}, verifier=verifier)
    assert len(seen) == 2
    with pytest.raises(ValueError, match="app_secret"):
        read_push({"message": text})
    assert MessageReceiver(verifier=verifier).closed is False  # no secret needed then


TAOBAO_STATUS = {
    "seller_id": "2100000927014",
    "message_type": 3,
    "data": {
        "business_time": 1650939687000,
        "outer_purchase_id": "FY20220426002",
        "purchase_id": 200002638011,
        "seller_id": 2100000927014,
        "sku_list": [
            {
                "item_id": 656432162341,
                "logistic_company_name": "顺丰速运",
                "logistic_number": "SF1234567890",
                "order_line_no": "1",
                "sku_id": 4768943275434,
                "status": "WAIT_BUYER_CONFIRM_GOODS",
            }
        ],
        "status": "WAIT_BUYER_CONFIRM_GOODS",
    },
    "timestamp": 1650939687,
    "site": "taobao_hk",
}
TAOBAO_PRICE = {
    "seller_id": "2100000927014",
    "message_type": 8,
    "data": {
        "features": {},
        "salesOrderId": "500000-GSP2021031415594",
        "salesSellerId": 2100000927014,
        "purchaseMarket": "PANAMA",
        "purchaseOrderId": 200002638011,
        "purchaseOrderPriceDTO": {
            "purchaseCurrency": "CNY",
            "purchaseTotalFee": 1,
            "purchaseProductFee": 1,
            "purchaseShippingFee": 0,
        },
        "purchaseOrderLinePriceChangeMessageDTOList": [
            {
                "features": {},
                "salesOrderLineIdList": ["1"],
                "purchaseOrderLineId": 300001,
                "purchaseOrderItemPriceDTO": {
                    "purchaseCurrency": "CNY",
                    "purchaseTotalFee": 1,
                    "purchaseProductFee": 1,
                    "purchaseProductUnitFee": 1,
                    "purchaseShippingFee": 0,
                },
            }
        ],
    },
    "timestamp": 1650939687,
    "site": "taobao_hk",
}


def test_taobao_message_types_are_typed() -> None:
    from daji_async.messages import TaobaoOrderStatusData, TaobaoPriceChangeData

    status = parse_message(msgspec.json.encode(TAOBAO_STATUS))
    assert status.topic == Topic.TAOBAO_ORDER_STATUS and status.msg_id is None
    assert status.gmt_born == 1650939687 * 1000  # the page's timestamp is in seconds
    assert status.user_info == "2100000927014" and status.extra_info == "taobao_hk"
    assert isinstance(status.data, TaobaoOrderStatusData)
    assert status.data.purchase_id == "200002638011" and status.data.outer_purchase_id == "FY20220426002"
    assert status.data.sku_list[0].logistic_company_name == "顺丰速运"
    price = parse_message(msgspec.json.encode(TAOBAO_PRICE))
    assert price.topic == Topic.TAOBAO_PRICE_CHANGE
    assert isinstance(price.data, TaobaoPriceChangeData)
    assert price.data.purchase_order_id == "200002638011"
    assert price.data.purchase_order_price_dto is not None
    assert price.data.purchase_order_price_dto.purchase_total_fee == 1
    [line] = price.data.purchase_order_line_price_change_message_dto_list
    assert line.sales_order_line_id_list == ["1"]
    assert line.purchase_order_line_id == "300001" and status.data.sku_list[0].order_line_no == "1"
    # the same text is the same message; another text another one
    assert status.key == parse_message(msgspec.json.encode(TAOBAO_STATUS)).key != price.key
    other = parse_message(msgspec.json.encode({**TAOBAO_STATUS, "message_type": 5, "data": {"x": 1}}))
    assert other.topic == "TAOBAO_5" and other.data == {"x": 1}


# --------------------------------------------------------------------------- receiver hardening (issue 13)


def signed(text: str) -> dict[str, str]:
    return {"message": text, "_dj_signature": message_signature(text, SECRET)}


async def post_raw(url: str, body: bytes, content_type: str) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=io.BytesIO(body), headers={"Content-Type": content_type}) as response,
    ):
        await response.read()
        return response.status


async def test_malformed_requests_get_a_4xx_never_a_5xx(serve: Serve) -> None:
    receiver = MessageReceiver(Recorder(), app_secret=SECRET)
    url = await serve(receiver)
    form = "message=%7B%7D&_dj_signature=AB"
    cases = [
        (form.encode(), "application/x-www-form-urlencoded; charset=no-such-charset"),  # unknown charset
        (b"message=\xff\xfe&_dj_signature=AB", "application/x-www-form-urlencoded"),  # bad UTF-8
        (b'{"message": "{}"}', "application/json"),  # not a form
        (
            b"--x\r\nContent-Disposition: form-data; name=message\r\n\r\n{}\r\n--x--\r\n",
            "multipart/form-data; boundary=x",
        ),
        (b"", "application/x-www-form-urlencoded"),  # empty
        (b"%%%=%%%", "application/x-www-form-urlencoded"),
        ("&".join(f"k{i}=v" for i in range(500)).encode(), "application/x-www-form-urlencoded"),  # too many fields
    ]
    statuses = [await post_raw(url, body, ctype) for body, ctype in cases]
    assert all(400 <= s < 500 for s in statuses), statuses
    # signed, but not readable as a message: deep nesting, data that is a JSON string of a number
    deep = '{"msgId":1,"type":"ORDER_BUYER_VIEW_ORDER_PAY","data":' + "[" * 5000 + "]" * 5000 + "}"
    as_string = '{"msgId":2,"type":"ORDER_BUYER_VIEW_ORDER_PAY","data":"123"}'
    big_id = '{"msgId":"' + "9" * 5000 + '","type":"X"}'
    for text in (deep, as_string, big_id):
        assert await post(url, signed(text)) == 400
    too_big = b"message=" + b"x" * (2 * 1024 * 1024)
    assert await post_raw(url, too_big, "application/x-www-form-urlencoded") == 413
    assert receiver.stats.rejected == len(cases) + 4
    assert receiver.stats.accepted == 0


async def test_stale_pushes_are_refused_on_top_of_the_dedupe(serve: Serve) -> None:
    recorder = Recorder()
    receiver = MessageReceiver(recorder, app_secret=SECRET, remember=1)
    url = await serve(receiver)

    def aged(msg_id: int, seconds: float) -> dict[str, str]:
        body = json_message(msg_id, int((time.time() - seconds) * 1000))
        return signed(body)

    assert await post(url, aged(1, 23 * 3600)) == 200  # within the default 24 hours
    assert await post(url, aged(2, 25 * 3600)) == 410  # older: refused, counted
    assert await post(url, aged(3, -3600)) == 410  # an hour in the future: refused too
    assert receiver.stats.stale == 2
    # a genuine old push replayed after its id left the dedupe window is still refused
    old = aged(4, 25 * 3600)
    assert await post(url, aged(5, 0)) == 200  # pushes message 1 out of the window (remember=1)
    assert await post(url, old) == 410
    await receiver.join()
    assert recorder.seen == [1, 5]
    # configurable, and off with None
    assert MessageReceiver(app_secret=SECRET, max_age=60).fresh(parse_message(aged(6, 120)["message"])) is False
    assert MessageReceiver(app_secret=SECRET, max_age=None).fresh(parse_message(aged(6, 10**6)["message"]))
    with pytest.raises(ValueError, match="max_age"):
        MessageReceiver(app_secret=SECRET, max_age=float("nan"))


def json_message(msg_id: int, born_ms: int) -> str:
    body = {"msgId": msg_id, "gmtBorn": born_ms, "type": "ORDER_BUYER_VIEW_ORDER_PAY", "data": {"orderId": 1}}
    return msgspec.json.encode(body).decode()


async def test_a_body_that_never_arrives_gets_408(serve: Serve) -> None:
    receiver = MessageReceiver(Recorder(), app_secret=SECRET, body_timeout=0.2)
    url = await serve(receiver)
    host, port = url.split("//")[1].split("/")[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            b"POST /1688/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100\r\n\r\nmessage="
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    finally:
        writer.close()
    assert status_line.split()[1] == b"408"
    assert receiver.stats.rejected == 1


async def test_serve_closes_connections_that_never_finish_their_headers() -> None:
    recorder = Recorder()
    receiver = MessageReceiver(recorder, app_secret=SECRET, header_timeout=0.2)
    async with await receiver.serve(path="/hooks") as server:
        host, port = server.url.split("//")[1].split("/")[0].split(":")
        slow = []
        for _ in range(5):  # slowloris: a request head that never ends
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(b"POST /hooks HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            await writer.drain()
            slow.append((reader, writer))
        for reader, writer in slow:
            assert await asyncio.wait_for(reader.read(), timeout=10) == b""  # closed by the server
            writer.close()
        assert receiver.stats.rejected == 5
        # a well-behaved push still goes through, once per connection
        assert await post(server.url, signed(json_message(9, int(time.time() * 1000)))) == 200
        assert await post(server.url.replace("/hooks", "/other"), {}) == 404
        await receiver.join()
        assert recorder.seen == [9]
    assert receiver.closed
