"""Orders and payment against the sandbox over loopback: the whole buy flow, the sandbox's
order rules, and the never-retry rules of create, pay and cancel under injected faults."""

from __future__ import annotations

import asyncio
import pickle
import re
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import aiohttp
import msgspec
import pytest
import pytest_asyncio
from aiohttp import web

from daji_async import (
    ENDPOINTS,
    Address,
    BadRequestError,
    CancelReason,
    CargoLine,
    CreatedOrder,
    DajiClient,
    NotFoundError,
    OrderDetail,
    OrderOutcomeUnknownError,
    OrderStatus,
    PaymentOutcomeUnknownError,
    RateLimitError,
    ServerError,
    TradeError,
    fen_to_yuan,
    parse_1688_time,
    yuan_to_fen,
)
from daji_async._endpoints import ORDER_CREATE, PAYMENT_PAY
from daji_async._protocol import trade_result
from daji_async.messages import Message, MessageReceiver, Topic
from daji_async.sandbox import SandboxServer
from daji_async.sandbox._orders_store import orders_store

CREATE = ENDPOINTS["orders.create"].path
PAY = ENDPOINTS["payments.pay"].path
CANCEL = ENDPOINTS["orders.cancel"].path
LINKS = ENDPOINTS["payments.links"].path

ADDRESS = Address(
    full_name="张三",
    mobile="13800000000",
    province_text="浙江省",
    city_text="杭州市",
    area_text="余杭区",
    town_text="五常街道",
    address="文一西路969号",
    post_code="311121",
)


# --------------------------------------------------------------------------- helpers


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy (sandbox work runs in its own thread)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def control(sandbox: SandboxServer, method: str, path: str, json: Any = None) -> tuple[int, Any]:
    if json is None and method != "GET":
        json = {}  # control writes must be JSON (the sandbox refuses cross-site form posts)
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{sandbox.base_url}/_sandbox/orders{path}", json=json) as response,
    ):
        return response.status, await response.json()


async def sandbox_orders(sandbox: SandboxServer) -> dict[str, Any]:
    """The sandbox's orders, payments and messages, read over its control endpoint."""
    status, body = await control(sandbox, "GET", "")
    assert status == 200
    return body  # type: ignore[no-any-return]


def one_psale_offers(sandbox: SandboxServer) -> list[int]:
    """Offers sold from one piece (so any quantity >= 1 is a valid order)."""
    return [o.offer_id for o in sandbox.state.catalogue.offers if o.one_psale]


async def cargo_line(client: DajiClient, offer_id: int, quantity: int = 2, sku: int = 0) -> CargoLine:
    """A cargo line for one SKU of an offer, with the spec id the detail endpoint shows."""
    detail = await client.products.detail(offer_id)
    spec_id = detail.product_sku_infos[sku].spec_id
    assert spec_id
    return CargoLine(offer_id, spec_id, quantity)


async def new_order(client: DajiClient, sandbox: SandboxServer, index: int = 0) -> CreatedOrder:
    line = await cargo_line(client, one_psale_offers(sandbox)[index])
    return await client.orders.create(ADDRESS, [line])


class Inbox:
    """A webhook on the test's loop that records every message the sandbox pushes."""

    def __init__(self, secret: str) -> None:
        self.messages: list[Message] = []
        self.receiver = MessageReceiver(self._on_message, app_secret=secret)

    async def _on_message(self, message: Message) -> None:
        self.messages.append(message)

    def topics(self, order_id: str) -> list[str]:
        return [m.topic for m in self.messages if m.order and m.order.order_id == order_id]


@pytest_asyncio.fixture
async def inbox(daji_sandbox: SandboxServer) -> AsyncIterator[Inbox]:
    box = Inbox(daji_sandbox.app_secret)
    app = web.Application()
    app.add_subapp("/hooks/1688", box.receiver.app())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    status, _ = await control(daji_sandbox, "POST", "/webhook", {"url": f"http://127.0.0.1:{port}/hooks/1688"})
    assert status == 200
    try:
        yield box
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------------- the buy flow


async def test_whole_buy_flow(daji_client: DajiClient, daji_sandbox: SandboxServer, inbox: Inbox) -> None:
    offer_id = one_psale_offers(daji_sandbox)[0]
    detail = await daji_client.products.detail(offer_id)
    sku = detail.product_sku_infos[0]
    assert sku.spec_id and sku.price
    cargo = [CargoLine(offer_id, sku.spec_id, 3)]

    preview = await daji_client.orders.preview(ADDRESS, cargo)
    [result] = preview.results
    goods_fen = yuan_to_fen(sku.price) * 3
    assert result.sum_payment_no_carriage == goods_fen  # priced from the catalogue, in fen
    assert result.sum_payment == goods_fen + (result.sum_carriage or 0)
    assert preview.total_payment == result.sum_payment
    [line] = result.cargo_list
    assert (line.spec_id, line.final_unit_price) == (sku.spec_id, Decimal(sku.price))  # yuan
    assert line.amount == fen_to_yuan(goods_fen)
    assert result.trade_mode_name_list

    order = await daji_client.orders.create(ADDRESS, cargo, message="please pack well")
    assert isinstance(order.order_id, str)
    assert re.fullmatch(r"[0-9a-f]{32}", order.out_order_id or "")  # generated, and returned
    assert order.total_success_amount == result.sum_payment
    assert order.account_period is None and order.failed_offer_list == []  # documented nulls
    order_id = order.order_id

    viewed = await daji_client.orders.get(order_id)
    assert viewed.status == OrderStatus.WAIT_BUYER_PAY
    assert viewed.order_id == order_id
    assert viewed.base_info is not None
    assert yuan_to_fen(viewed.base_info.total_amount or 0) == order.total_success_amount  # yuan here
    assert viewed.base_info.out_order_id == order.out_order_id
    assert viewed.base_info.remark == "please pack well"
    [item] = viewed.product_items
    assert (item.spec_id, item.sku_id, item.quantity) == (sku.spec_id, sku.sku_id, 3)
    assert parse_1688_time(viewed.base_info.create_time) is not None

    links = await daji_client.payments.links([order_id])
    assert links.ok
    assert links.url_for(order_id)

    paid = await daji_client.payments.pay(order_id)
    assert paid.pay_success is True
    assert paid.pay_channel == "chengE"
    assert (await daji_client.orders.get(order_id)).status == OrderStatus.WAIT_SELLER_SEND

    status, body = await control(daji_sandbox, "POST", f"/{order_id}/send")
    assert (status, body["status"]) == (200, "waitbuyerreceive")
    shipped = await daji_client.orders.get(order_id)
    assert shipped.status == OrderStatus.WAIT_BUYER_RECEIVE
    assert shipped.native_logistics is not None
    assert shipped.native_logistics.logistics_items[0].logistics_bill_no

    await daji_client.orders.confirm_receipt(order_id)  # every entry
    done = await daji_client.orders.get(out_order_id=order.out_order_id)
    assert done.status == OrderStatus.SUCCESS

    expected = [
        Topic.ORDER_BUYER_VIEW_BUYER_MAKE,
        Topic.ORDER_BUYER_VIEW_ORDER_PAY,
        Topic.ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS,
        Topic.ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS,
        Topic.ORDER_BUYER_VIEW_ORDER_SUCCESS,
    ]
    await eventually(lambda: len(inbox.topics(order_id)) == len(expected))
    assert inbox.topics(order_id) == expected
    statuses = [m.order.current_status for m in inbox.messages if m.order]
    assert statuses == ["waitbuyerpay", "waitsellersend", "waitbuyerreceive", "confirm_goods", "success"]
    assert inbox.receiver.stats.rejected == 0
    snapshot = await sandbox_orders(daji_sandbox)
    assert [o["payments"] for o in snapshot["orders"]] == [1]


async def test_preview_splits_by_supplier(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    offers = daji_sandbox.state.catalogue.offers
    first = next(o for o in offers if o.one_psale)
    other = next(o for o in offers if o.one_psale and o.seller != first.seller)
    cargo = [await cargo_line(daji_client, first.offer_id, 1), await cargo_line(daji_client, other.offer_id, 60)]
    preview = await daji_client.orders.preview(ADDRESS, cargo)
    assert len(preview.results) == 2
    assert preview.total_payment == sum(r.sum_payment or 0 for r in preview.results)
    # one supplier per order: create refuses mixed cargo
    with pytest.raises(BadRequestError, match="supplier"):
        await daji_client.orders.create(ADDRESS, cargo)


async def test_cargo_is_checked_against_the_catalogue(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    offer_id = one_psale_offers(daji_sandbox)[0]
    with pytest.raises(BadRequestError, match="specId"):
        await daji_client.orders.preview(ADDRESS, [CargoLine(offer_id, "0" * 32, 1)])
    with pytest.raises(BadRequestError, match="no offer"):
        await daji_client.orders.preview(ADDRESS, [CargoLine(123456, "0" * 32, 1)])
    with pytest.raises(BadRequestError, match="specId"):
        await daji_client.orders.create(ADDRESS, [CargoLine(offer_id, None, 1)])
    multi = next(o for o in daji_sandbox.state.catalogue.offers if not o.one_psale)
    with pytest.raises(BadRequestError, match="at least 2"):
        await daji_client.orders.preview(ADDRESS, [await cargo_line(daji_client, multi.offer_id, 1)])
    assert (await sandbox_orders(daji_sandbox))["orders"] == []


async def test_arguments_are_checked_before_sending(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    line = CargoLine(1, "a", 1)
    with pytest.raises(ValueError, match="cargo is empty"):
        await daji_client.orders.create(ADDRESS, [])
    with pytest.raises(ValueError, match="at most 100"):
        await daji_client.orders.create(ADDRESS, [line] * 101)
    with pytest.raises(ValueError, match=r"cargo\[0\]\.quantity"):
        await daji_client.orders.create(ADDRESS, [CargoLine(1, "a", 0)])
    with pytest.raises(ValueError, match="mobile or phone"):
        await daji_client.orders.create(Address(full_name="x", address="y"), [line])
    with pytest.raises(TypeError, match="Address"):
        await daji_client.orders.create("somewhere", [line])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="list of CargoLine"):
        await daji_client.orders.create(ADDRESS, line)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="out_order_id"):
        await daji_client.orders.create(ADDRESS, [line], out_order_id="has spaces")
    with pytest.raises(TypeError, match="order_id must be a str or an int, not a float"):
        await daji_client.payments.pay(2257164624870311973.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="order_id must be between 1"):
        await daji_client.payments.pay(0)
    with pytest.raises(ValueError, match="order_id must be the decimal digits"):
        await daji_client.orders.cancel("1_000")
    with pytest.raises(ValueError, match="exactly one of order_id or out_order_id"):
        await daji_client.orders.get()
    with pytest.raises(ValueError, match="batch_size"):
        await daji_client.payments.links([1], batch_size=31)
    assert daji_sandbox.stats["requests"] == 0


async def test_mappings_and_tuples_are_accepted(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    line = await cargo_line(daji_client, one_psale_offers(daji_sandbox)[0])
    preview = await daji_client.orders.preview(
        {"full_name": "李四", "phone": "0571-1234567", "address": "某路1号"}, [(line.offer_id, line.spec_id, 1)]
    )
    assert preview.results[0].cargo_list[0].quantity == 1


# --------------------------------------------------------------------------- create: out_order_id, never retried


async def test_same_out_order_id_is_the_same_order(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    line = await cargo_line(daji_client, one_psale_offers(daji_sandbox)[0])
    first = await daji_client.orders.create(ADDRESS, [line], out_order_id="shop-order-1001")
    again = await daji_client.orders.create(ADDRESS, [line], out_order_id="shop-order-1001")
    assert first.order_id == again.order_id
    assert again.out_order_id == "shop-order-1001"
    other = await daji_client.orders.create(ADDRESS, [line])
    assert other.order_id != first.order_id
    assert len((await sandbox_orders(daji_sandbox))["orders"]) == 2
    found = await daji_client.orders.get(out_order_id="shop-order-1001")
    assert found.order_id == first.order_id


@pytest.mark.parametrize("lost", ["latency", "reset"])
async def test_create_answer_lost_after_the_order_exists(daji_sandbox: SandboxServer, lost: str) -> None:
    async with daji_sandbox.client(max_retries=5) as client:
        line = await cargo_line(client, one_psale_offers(daji_sandbox)[0])
        # the sandbox creates the order, then the answer never arrives
        status, _ = await control(daji_sandbox, "POST", "/lose-answer", {"path": CREATE, "kind": lost, "seconds": 0.5})
        assert status == 200
        with pytest.raises(OrderOutcomeUnknownError) as caught:
            await client.orders.create(ADDRESS, [line], timeout=0.15)
        err = caught.value
        assert err.timed_out is (lost == "latency")
        assert re.fullmatch(r"[0-9a-f]{32}", err.out_order_id)
        assert "outcome is unknown" in str(err)
        assert f"orders.get(out_order_id={err.out_order_id!r})" in str(err)
        assert daji_sandbox.stats["by_path"][CREATE] == 1  # sent once, never retried
        # the safe way: look the order up by the out_order_id the error carries
        found = await client.orders.get(out_order_id=err.out_order_id)
        assert found.status == OrderStatus.WAIT_BUYER_PAY
        # and creating again with the same out_order_id does not buy twice
        again = await client.orders.create(ADDRESS, [line], out_order_id=err.out_order_id)
        assert again.order_id == found.order_id
    assert len((await sandbox_orders(daji_sandbox))["orders"]) == 1


async def test_create_timeout_before_the_service_read_it(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client(max_retries=5) as client:
        line = await cargo_line(client, one_psale_offers(daji_sandbox)[0])
        daji_sandbox.add_fault("latency", seconds=0.3, path=CREATE, times=1)
        with pytest.raises(OrderOutcomeUnknownError) as caught:
            await client.orders.create(ADDRESS, [line], timeout=0.1)
        out_id = caught.value.out_order_id
        assert caught.value.timed_out
        await asyncio.sleep(0.4)  # the sandbox gave up on the request: no order
        with pytest.raises(TradeError) as missing:
            await client.orders.get(out_order_id=out_id)
        assert missing.value.code == "ORDER_NOT_EXIST"
        created = await client.orders.create(ADDRESS, [line], out_order_id=out_id)  # now safe to create
        assert created.out_order_id == out_id
    assert daji_sandbox.stats["by_path"][CREATE] == 2
    assert len((await sandbox_orders(daji_sandbox))["orders"]) == 1


@pytest.mark.parametrize(
    ("fault", "options", "error"),
    [
        ("status", {"status": 503}, ServerError),
        ("status", {"status": 500}, ServerError),
        ("status", {"status": 429}, RateLimitError),
        ("drop", {}, OrderOutcomeUnknownError),
        ("reset", {}, OrderOutcomeUnknownError),
        ("truncate", {}, OrderOutcomeUnknownError),
    ],
)
async def test_create_is_never_retried(
    daji_sandbox: SandboxServer, fault: str, options: dict[str, Any], error: type[Exception]
) -> None:
    async with daji_sandbox.client(max_retries=5) as client:
        line = await cargo_line(client, one_psale_offers(daji_sandbox)[0])
        daji_sandbox.add_fault(fault, path=CREATE, times=1, **options)  # type: ignore[arg-type]
        with pytest.raises(error) as caught:
            await client.orders.create(ADDRESS, [line], out_order_id="retry-test-1", max_retries=5)
        if isinstance(caught.value, OrderOutcomeUnknownError):
            assert caught.value.out_order_id == "retry-test-1"
            assert not caught.value.timed_out
        assert daji_sandbox.stats["by_path"][CREATE] == 1
        assert (await sandbox_orders(daji_sandbox))["orders"] == []  # the fault hit before the order
        created = await client.orders.create(ADDRESS, [line], out_order_id="retry-test-1")
        assert created.order_id
    assert len((await sandbox_orders(daji_sandbox))["orders"]) == 1


# --------------------------------------------------------------------------- pay: never twice


@pytest.mark.parametrize("lost", ["latency", "reset"])
async def test_pay_answer_lost_says_outcome_unknown_and_money_moves_once(
    daji_sandbox: SandboxServer, lost: str
) -> None:
    async with daji_sandbox.client(max_retries=5) as client:
        order = await new_order(client, daji_sandbox)
        assert isinstance(order.order_id, str)
        orders_store(daji_sandbox.state).lose_answer(PAY, lost, seconds=0.5)  # type: ignore[arg-type]
        with pytest.raises(PaymentOutcomeUnknownError) as caught:
            await client.payments.pay(order.order_id, timeout=0.15)
        err = caught.value
        assert err.timed_out is (lost == "latency")
        assert err.order_id == order.order_id
        assert "the outcome is unknown" in str(err)
        assert "Check its status first" in str(err) and "at most 3 times" in str(err)
        assert daji_sandbox.stats["by_path"][PAY] == 1  # never retried
        # the safe way: look before paying again; here it went through
        assert (await client.orders.get(order.order_id)).status == OrderStatus.WAIT_SELLER_SEND
        # even a careless second pay is refused by the service, not paid twice
        with pytest.raises(TradeError) as refused:
            await client.payments.pay(order.order_id)
        assert refused.value.code == "ORDER_STATUS_ERROR"
    assert len((await sandbox_orders(daji_sandbox))["payments"]) == 1


@pytest.mark.parametrize(
    ("fault", "options", "error"),
    [
        ("status", {"status": 503}, ServerError),
        ("status", {"status": 502}, ServerError),
        ("drop", {}, PaymentOutcomeUnknownError),
        ("reset", {}, PaymentOutcomeUnknownError),
        ("truncate", {}, PaymentOutcomeUnknownError),
        ("html", {}, PaymentOutcomeUnknownError),
    ],
)
async def test_pay_is_never_retried(
    daji_sandbox: SandboxServer, fault: str, options: dict[str, Any], error: type[Exception]
) -> None:
    async with daji_sandbox.client(max_retries=5) as client:
        order = await new_order(client, daji_sandbox)
        assert isinstance(order.order_id, str)
        daji_sandbox.add_fault(fault, path=PAY, times=1, **options)  # type: ignore[arg-type]
        with pytest.raises(error):
            await client.payments.pay(order.order_id, max_retries=5)
        assert daji_sandbox.stats["by_path"][PAY] == 1
        assert (await client.orders.get(order.order_id)).status == OrderStatus.WAIT_BUYER_PAY
        await client.payments.pay(order.order_id)
        assert (await client.orders.get(order.order_id)).status == OrderStatus.WAIT_SELLER_SEND
    assert len((await sandbox_orders(daji_sandbox))["payments"]) == 1


async def test_pay_sends_only_the_order_id_and_refuses_a_second_payment(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    order = await new_order(daji_client, daji_sandbox)
    assert order.order_id
    first = await daji_client.payments.pay(order.order_id)
    assert first.pay_success is True and first.pay_channel == "chengE"  # ChengE credit first
    with pytest.raises(TradeError, match="not waitbuyerpay"):
        await daji_client.payments.pay(order.order_id)
    assert len((await sandbox_orders(daji_sandbox))["payments"]) == 1
    with pytest.raises(TradeError) as missing:
        await daji_client.payments.pay(42)
    assert missing.value.code == "ORDER_NOT_EXIST"


# --------------------------------------------------------------------------- cancel, view, confirm


async def test_cancel_only_unpaid_orders(daji_client: DajiClient, daji_sandbox: SandboxServer, inbox: Inbox) -> None:
    unpaid = await new_order(daji_client, daji_sandbox)
    paid = await new_order(daji_client, daji_sandbox, 1)
    assert isinstance(unpaid.order_id, str) and isinstance(paid.order_id, str)
    await daji_client.payments.pay(paid.order_id)

    answer = await daji_client.orders.cancel(unpaid.order_id, CancelReason.OTHER, remark="changed my mind")
    assert answer.success is True
    viewed = await daji_client.orders.get(unpaid.order_id)
    assert viewed.status == OrderStatus.CANCEL
    assert viewed.base_info and viewed.base_info.close_reason == "other"

    for order_id in (paid.order_id, unpaid.order_id):  # paid, and already cancelled
        with pytest.raises(TradeError) as caught:
            await daji_client.orders.cancel(order_id)
        assert caught.value.code == "ORDER_STATUS_ERROR"
        assert caught.value.status == 200
    with pytest.raises(TradeError) as missing:
        await daji_client.orders.cancel(99)
    assert missing.value.code == "ORDER_NOT_EXIST"
    with pytest.raises(BadRequestError, match="cancelReason"):
        await daji_client.orders.cancel(unpaid.order_id, "because")
    await eventually(lambda: Topic.ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE in inbox.topics(unpaid.order_id))  # type: ignore[arg-type]


async def test_cancel_too_fast_and_never_retried(daji_sandbox: SandboxServer) -> None:
    orders_store(daji_sandbox.state).cancel_min_age = 10.0  # 1688's rule, off by default
    async with daji_sandbox.client(max_retries=5) as client:
        order = await new_order(client, daji_sandbox)
        assert isinstance(order.order_id, str)
        with pytest.raises(TradeError) as caught:
            await client.orders.cancel(order.order_id)
        assert caught.value.code == "CLOSE_ORDER_TOO_FAST"
        orders_store(daji_sandbox.state).cancel_min_age = 0.0
        daji_sandbox.add_fault("status", status=503, path=CANCEL, times=1)
        with pytest.raises(ServerError):
            await client.orders.cancel(order.order_id, max_retries=5)
        assert daji_sandbox.stats["by_path"][CANCEL] == 2
        await client.orders.cancel(order.order_id)


async def test_confirm_receipt_is_never_retried(daji_sandbox: SandboxServer) -> None:
    confirm = ENDPOINTS["orders.confirm_receipt"].path
    async with daji_sandbox.client(max_retries=5) as client:
        order = await new_order(client, daji_sandbox)
        await client.payments.pay(order.order_id or "")
        status, _ = await control(daji_sandbox, "POST", f"/{order.order_id}/send")
        assert status == 200
        daji_sandbox.add_fault("status", status=503, path=confirm, times=1)
        with pytest.raises(ServerError):
            await client.orders.confirm_receipt(order.order_id or "", max_retries=5)
        assert daji_sandbox.stats["by_path"][confirm] == 1  # sent once: it releases the money
        assert (await client.orders.get(order.order_id or "")).status == OrderStatus.WAIT_BUYER_RECEIVE
        await client.orders.confirm_receipt(order.order_id or "")
        assert (await client.orders.get(order.order_id or "")).status == OrderStatus.SUCCESS


async def test_get_unknown_order(daji_client: DajiClient) -> None:
    with pytest.raises(TradeError) as caught:
        await daji_client.orders.get(12345)
    assert caught.value.code == "ORDER_NOT_EXIST"
    assert "ORDER_NOT_EXIST" in str(caught.value)


async def test_confirm_receipt_rules(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    for offer_id in one_psale_offers(daji_sandbox):
        if len((await daji_client.products.detail(offer_id)).product_sku_infos) > 1:
            break
    lines = [await cargo_line(daji_client, offer_id, 1, sku) for sku in (0, 1)]
    order = await daji_client.orders.create(ADDRESS, lines)
    assert isinstance(order.order_id, str)
    entries = (await daji_client.orders.get(order.order_id)).entry_ids
    assert len(entries) == 2
    with pytest.raises(TradeError) as early:  # not shipped yet
        await daji_client.orders.confirm_receipt(order.order_id, entries)
    assert early.value.code == "ORDER_STATUS_ERROR"
    await daji_client.payments.pay(order.order_id)
    assert (await control(daji_sandbox, "POST", f"/{order.order_id}/send"))[0] == 200
    assert (await control(daji_sandbox, "POST", f"/{order.order_id}/send"))[0] == 409
    with pytest.raises(BadRequestError, match="no entries"):
        await daji_client.orders.confirm_receipt(order.order_id, [1])
    await daji_client.orders.confirm_receipt(order.order_id, entries[:1])
    assert (await daji_client.orders.get(order.order_id)).status == OrderStatus.WAIT_BUYER_RECEIVE
    await daji_client.orders.confirm_receipt(order.order_id, [str(entries[1])])
    assert (await daji_client.orders.get(order.order_id)).status == OrderStatus.SUCCESS


# --------------------------------------------------------------------------- payment links


async def test_payment_links_split_in_batches_with_failures_per_order(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    orders = [await new_order(daji_client, daji_sandbox, i) for i in range(3)]
    ids = [o.order_id for o in orders]
    assert all(isinstance(i, str) for i in ids)
    await daji_client.payments.pay(ids[2])  # paid: no link any more
    unknown = [str(i) for i in range(1, 58)]  # orders that do not exist
    result = await daji_client.payments.links([*ids, *unknown, ids[0]], batch_size=30)  # duplicate asked once
    assert daji_sandbox.stats["by_path"][LINKS] == 2  # 60 orders: 30 + 30
    assert result.url_for(ids[0]) and result.url_for(ids[1])
    assert result.url_for(ids[0]) == result.url_for(ids[1])  # one cashier for the batch
    assert result.url_for(ids[2]) is None
    assert sorted(result.failed_order_ids) == sorted([ids[2], *unknown])
    assert not result.ok
    failures = {f.order_id: f for f in result.failures}
    assert failures[ids[2]].message and failures[ids[2]].error is None  # refused within a good batch
    # a batch where nothing is payable fails as a whole, every order reported with 1688's code
    assert all(failures[i].code == "ORDER_STATUS_ERROR" for i in unknown[27:])


async def test_payment_links_failed_batch_and_retries(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    ids = [(await new_order(daji_client, daji_sandbox, i)).order_id for i in range(4)]
    # links are read-only: a 503 is retried
    daji_sandbox.add_fault("status", status=503, path=LINKS, times=1)
    result = await daji_client.payments.links(ids, batch_size=2)  # type: ignore[arg-type]
    assert result.ok and len(result.links) == 2
    assert daji_sandbox.stats["by_path"][LINKS] == 3
    # a batch the service refuses outright: its orders fail, the other batch still gets a link
    daji_sandbox.add_fault("envelope", code=500, message="业务处理失败", path=LINKS, times=1)
    result = await daji_client.payments.links(ids, batch_size=2)  # type: ignore[arg-type]
    assert len(result.links) == 1 and len(result.failures) == 2
    assert all(f.error is not None and "业务处理失败" in str(f.error) for f in result.failures)
    assert sorted([*result.failed_order_ids, *result.links[0].order_ids]) == sorted(ids)  # type: ignore[type-var]


# --------------------------------------------------------------------------- configuration and the table


def test_endpoint_rows() -> None:
    names = [
        "orders.preview",
        "orders.create",
        "orders.cancel",
        "orders.get",
        "orders.confirm_receipt",
        "payments.links",
        "payments.pay",
    ]
    for name in names:
        endpoint = ENDPOINTS[name]
        assert endpoint.confirmed and "api-" in endpoint.summary  # documented, with its source page
        assert endpoint.safe is (
            name not in ("orders.create", "orders.cancel", "orders.confirm_receipt", "payments.pay")
        )
    assert ENDPOINTS["payments.links"].method == "GET"
    assert all(ENDPOINTS[n].method == "POST" and ENDPOINTS[n].body == "json" for n in names if n != "payments.links")


async def test_endpoint_paths_point_a_row_elsewhere(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client(endpoint_paths={"orders.create": "/alibaba/trade/moved"}) as client:
        line = await cargo_line(client, one_psale_offers(daji_sandbox)[0])
        with pytest.raises(NotFoundError):  # the sandbox serves the documented path only
            await client.orders.create(ADDRESS, [line])
        assert client.endpoint_path(ORDER_CREATE) == "/alibaba/trade/moved"
        assert client.endpoint_path(PAYMENT_PAY) == PAY


async def test_create_sends_a_signed_json_body(daji_sandbox: SandboxServer) -> None:
    # debug mode (appSecret in clear) and signed mode both reach the same order logic
    async with daji_sandbox.client(send_secret=True) as client:
        order = await new_order(client, daji_sandbox)
    assert order.order_id


# --------------------------------------------------------------------------- pure: decoding and money


def test_answers_are_read_wrapped_or_unwrapped() -> None:
    path = "/x"
    wrapped = msgspec.json.decode(
        b'{"success":true,"code":"200","result":{"orderId":"31","totalSuccessAmount":1250,"postFee":500}}',
        type=CreatedOrder,
    )
    flat = msgspec.json.decode(b'{"orderId":31,"totalSuccessAmount":1250,"postFee":500}', type=CreatedOrder)
    for answer in (wrapped, flat):
        inner = trade_result(answer, method=ORDER_CREATE.method, path=path)
        assert (str(inner.order_id), inner.total_success_amount) == ("31", 1250)
    refused = msgspec.json.decode(
        b'{"result":{"success":false,"code":"ORDER_STATUS_ERROR","message":"no"}}', type=CreatedOrder
    )
    with pytest.raises(TradeError) as caught:
        trade_result(refused, method=ORDER_CREATE.method, path=path)
    assert (caught.value.code, caught.value.message, caught.value.path) == ("ORDER_STATUS_ERROR", "no", path)


def test_money_and_times() -> None:
    assert fen_to_yuan(1250) == Decimal("12.50")
    assert yuan_to_fen("12.5") == 1250
    assert yuan_to_fen(Decimal("0.015")) == 2
    with pytest.raises(TypeError):
        yuan_to_fen(12.5)  # type: ignore[arg-type]
    when = parse_1688_time("20180614101942000+0800")
    assert when is not None and when.isoformat() == "2018-06-14T10:19:42+08:00"
    assert parse_1688_time("2018-06-14 10:19:42") == when
    assert parse_1688_time(None) is None
    with pytest.raises(ValueError, match="1688 time"):
        parse_1688_time("yesterday")
    # amounts in yuan decode exactly from JSON numbers
    detail = msgspec.json.decode(b'{"baseInfo":{"totalAmount":83.5,"discount":10}}', type=OrderDetail)
    assert detail.base_info and detail.base_info.total_amount == Decimal("83.5")


def test_outcome_unknown_errors_pickle() -> None:
    err = PaymentOutcomeUnknownError("pay timed out", order_id=7, op_request_id="r", path="/p", timed_out=True)
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), str(back), back.order_id, back.timed_out) == (
        PaymentOutcomeUnknownError,
        "pay timed out",
        7,
        True,
    )
    err2 = OrderOutcomeUnknownError("create timed out", out_order_id="o")
    assert pickle.loads(pickle.dumps(err2)).out_order_id == "o"


async def test_a_create_answer_without_order_id_is_an_unknown_outcome(daji_sandbox: SandboxServer) -> None:
    # point create at a JSON endpoint that succeeds with other data: no order id to read
    freight = "/alibaba/product/freightEstimate"
    async with daji_sandbox.client(endpoint_paths={"orders.create": freight}) as client:
        offer_id = one_psale_offers(daji_sandbox)[0]
        line = await cargo_line(client, offer_id)
        codes = {"offerId": offer_id, "toProvinceCode": "330000", "toCityCode": "330100", "toCountryCode": "330108"}
        with pytest.raises(OrderOutcomeUnknownError, match="without a readable order id") as caught:
            await client.orders.create(ADDRESS, [line], out_order_id="odd-1", extra_params={**codes, "totalNum": 1})
        assert caught.value.out_order_id == "odd-1"


# --------------------------------------------------------------------------- the order list


async def test_order_list_pages_like_the_searches(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    created = [await new_order(daji_client, daji_sandbox, i % 3) for i in range(5)]
    newest_first = [o.order_id for o in reversed(created)]
    assert all(isinstance(i, str) for i in newest_first)

    first = await daji_client.orders.list(page_size=2)  # await: one page
    assert [o.order_id for o in first.items] == newest_first[:2] and first.current_page == 1
    assert first.has_next  # a full page, no total from the service: maybe more

    pages = [p async for p in daji_client.orders.list(page_size=2).pages()]
    assert [p.current_page for p in pages] == [1, 2, 3]
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert pages[-1].total_pages == 3  # a short page is the last

    walked = [o.order_id async for o in daji_client.orders.list(page_size=2, prefetch=3)]
    assert walked == newest_first  # in page order, each once, with pages in flight at once
    capped = [o.order_id async for o in daji_client.orders.list(page_size=2, max_items=3)]
    assert capped == newest_first[:3]
    again = await daji_client.orders.list(page=3, page_size=2)
    assert [o.order_id for o in again.items] == newest_first[4:]

    # filters: status and the caller's order id (orders.get uses the same filter)
    await daji_client.payments.pay(created[0].order_id or "")
    paid = await daji_client.orders.list(status=OrderStatus.WAIT_SELLER_SEND)
    assert [o.order_id for o in paid.items] == [created[0].order_id]
    mine = created[1].out_order_id or ""
    assert [o.order_id for o in (await daji_client.orders.list(out_order_id=mine)).items] == [created[1].order_id]
    assert (await daji_client.orders.get(out_order_id=mine)).order_id == created[1].order_id
    with pytest.raises(TradeError) as missing:
        await daji_client.orders.get(out_order_id="never-created")
    assert missing.value.code == "ORDER_NOT_EXIST"
    with pytest.raises(ValueError, match="page_size"):
        daji_client.orders.list(page_size=0)
    with pytest.raises(ValueError, match="created_from is after created_to"):
        later = parse_1688_time("20250702211113000+0800")
        earlier = parse_1688_time("20250701000000000+0800")
        assert later and earlier
        daji_client.orders.list(created_from=later, created_to=earlier)
