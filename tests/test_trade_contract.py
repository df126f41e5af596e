"""The trade calls checked against DAJI's contract as written here, not against the SDK's table.

The oracle below (paths, methods, body keys and id types) is copied by hand from
``daji-wiki.md`` §2.8-§2.15; nothing in it is imported from ``daji_async._endpoints``. Two
kinds of test use it:

- a loopback server of this module that knows only the documented paths and answers with the
  documented example answers kept verbatim under ``tests/data/``: the SDK must send the
  documented requests and decode the documented answers;
- the buy flow against the sandbox, through a recording proxy: every request the SDK makes
  on the way must be a documented one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest
import pytest_asyncio
from aiohttp import web

from daji_async import Address, CargoLine, DajiClient, OrderStatus, TradeError
from daji_async.models.products import ProductDetail, ProductItem
from daji_async.sandbox import SandboxServer

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
#: where the buy flow lives now that the README is a short front door: a block of the orders
#: page, and the script of examples/
ORDERS_PAGE = ROOT / "docs" / "1688" / "orders.md"
BUY_FLOW_SCRIPT = ROOT / "examples" / "buy_flow.py"
AUTH = {"appKey", "sign", "appSecret"}

# --------------------------------------------------------------------------- the oracle (daji-wiki.md)

#: call -> (method, path, documented body or query keys, keys that must be there)
CONTRACT: dict[str, tuple[str, str, frozenset[str], frozenset[str]]] = {
    "preview": (
        "POST",
        "/alibaba/createOrder/preview",
        frozenset({"flow", "addressParam", "cargoParamList"}),
        frozenset({"addressParam", "cargoParamList"}),
    ),
    "create": (
        "POST",
        "/alibaba/trade/createCrossOrder",
        frozenset({"thirdOrderId", "flow", "message", "isvBizType", "addressParam", "cargoParamList"}),
        frozenset({"thirdOrderId", "flow", "message", "isvBizType", "addressParam", "cargoParamList"}),
    ),
    "cancel": (
        "POST",
        "/alibaba/trade/cancel",
        frozenset({"webSite", "orderId", "cancelReason", "remark"}),
        frozenset({"webSite", "orderId", "cancelReason", "remark"}),
    ),
    "view": (
        "POST",
        "/alibaba/trade/get/buyerView",
        frozenset({"webSite", "orderId"}),
        frozenset({"webSite", "orderId"}),
    ),
    "list": (
        "POST",
        "/alibaba/trade/getBuyerOrderList",
        frozenset({"createStartTime", "createEndTime", "orderStatus", "outOrderId", "productName", "page", "pageSize"}),
        frozenset({"page", "pageSize"}),
    ),
    "confirm": (
        "POST",
        "/alibaba/trade/receiveGoods/confirm",
        frozenset({"orderId", "orderEntryIds"}),
        frozenset({"orderId", "orderEntryIds"}),
    ),
    "links": ("GET", "/alibaba/alipay/url/get", frozenset({"orderIdList"}), frozenset({"orderIdList"})),
    "pay": (
        "POST",
        "/alibaba/trade/pay/protocolPay/preparePay",
        frozenset({"orderId"}),
        frozenset({"orderId"}),
    ),
    "upload_url": ("GET", "/alibaba/upload/image", frozenset({"pic_url"}), frozenset({"pic_url"})),
}
#: the documented address keys (§2.8, §2.9)
ADDRESS_KEYS = {
    "fullName",
    "mobile",
    "phone",
    "postCode",
    "cityText",
    "provinceText",
    "areaText",
    "townText",
    "address",
    "districtCode",
}
BY_ROUTE = {(method, path): name for name, (method, path, _, _) in CONTRACT.items()}
TIME_1688 = re.compile(r"[0-9]{17}\+0800")

ADDRESS = Address(
    full_name="张三",
    mobile="13800000000",
    phone="0571-88888888",
    post_code="311121",
    province_text="浙江省",
    city_text="杭州市",
    area_text="余杭区",
    town_text="五常街道",
    address="文一西路969号",
    district_code="330110",
)


@dataclass
class Sent:
    """One request as it crossed the wire."""

    call: str | None
    method: str
    path: str
    params: dict[str, Any]


def check_wire(sent: Sent) -> None:
    """Assert one request matches the contract: path, method, keys and id types."""
    assert sent.call is not None, f"{sent.method} {sent.path} is not a documented trade call"
    method, path, documented, required = CONTRACT[sent.call]
    assert (sent.method, sent.path) == (method, path)
    keys = set(sent.params) - AUTH
    assert keys <= documented, f"{sent.call} sends undocumented keys {sorted(keys - documented)}"
    assert required <= keys, f"{sent.call} leaves out {sorted(required - keys)}"
    assert "appKey" in sent.params and ("sign" in sent.params or "appSecret" in sent.params)
    body = sent.params
    if "orderId" in body:
        assert isinstance(body["orderId"], str) and body["orderId"].isdigit()  # a 19-digit id is text
    if "orderEntryIds" in body:
        assert body["orderEntryIds"] and all(isinstance(e, str) and e.isdigit() for e in body["orderEntryIds"])
    if "cargoParamList" in body:
        for line in body["cargoParamList"]:
            assert isinstance(line["offerId"], int) and isinstance(line["quantity"], int)
            assert isinstance(line["specId"], str)
            assert set(line) <= {"offerId", "specId", "quantity"}
    if "addressParam" in body:
        assert set(body["addressParam"]) <= ADDRESS_KEYS
    if sent.call == "create":
        assert body["isvBizType"] == "cross" and body["flow"] == "general"
        assert isinstance(body["thirdOrderId"], str) and body["thirdOrderId"]
    if sent.call in ("cancel", "view"):
        assert body["webSite"] == "1688"
    if sent.call == "list":
        for key in ("createStartTime", "createEndTime"):
            if key in body:
                assert TIME_1688.fullmatch(body[key]), body[key]
        assert isinstance(body["page"], int) and isinstance(body["pageSize"], int)
    if sent.call == "links":
        ids = body["orderIdList"].split(",")
        assert 1 <= len(ids) <= 30 and all(i.isdigit() for i in ids)


async def read_sent(request: web.Request) -> Sent:
    """What a request carried: the query of a GET, the JSON object of a POST."""
    params: dict[str, Any]
    if request.method == "GET":
        params = dict(request.query)
    else:
        assert request.content_type == "application/json"
        params = json.loads(await request.read())
    return Sent(BY_ROUTE.get((request.method, request.path)), request.method, request.path, params)


# --------------------------------------------------------------------------- a server of documented answers


def answer(name: str) -> bytes:
    return (DATA / name).read_bytes()


@dataclass
class Documented:
    """A loopback server that serves only documented paths, with documented example answers."""

    answers: dict[str, bytes] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    base_url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        sent = await read_sent(request)
        self.sent.append(sent)
        if sent.call is None or sent.call not in self.answers:
            return web.json_response({"code": 404, "message": "Not Found"}, status=404)
        return web.Response(body=self.answers[sent.call], content_type="application/json")


@pytest_asyncio.fixture
async def documented() -> AsyncIterator[Documented]:
    server = Documented(
        answers={
            "preview": answer("trade_preview.json"),
            "create": answer("trade_create_success.json"),
            "cancel": answer("trade_cancel_success.json"),
            "view": answer("trade_buyer_view.json"),
            "list": answer("trade_order_list.json"),
            "confirm": answer("trade_confirm_receipt_failure.json"),
            "links": answer("trade_payment_links.json"),
            "upload_url": answer("upload_image_success.json"),
        }
    )
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.base_url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


def documented_client(server: Documented) -> DajiClient:
    return DajiClient("demoKey", "demoSecret", base_url=server.base_url, max_retries=0)


CARGO = [CargoLine(727920485853, "b266e0726506185beaf205cbae88530d", 1)]


async def test_create_on_the_documented_success_returns_its_order_id(documented: Documented) -> None:
    async with documented_client(documented) as client:
        order = await client.orders.create(ADDRESS, CARGO, out_order_id="T20240708002", message="请尽快发货")
    assert order.order_id == "2257164624870311973"  # a success, never an unknown outcome
    assert order.out_order_id == "T20240708002"
    assert order.total_success_amount == 1196  # fen
    assert order.account_period is None and order.failed_offer_list == []
    [sent] = documented.sent
    check_wire(sent)
    assert sent.params["thirdOrderId"] == "T20240708002" and sent.params["message"] == "请尽快发货"


async def test_every_documented_call_sends_the_documented_request(documented: Documented) -> None:
    order_id = "2257164624870311973"
    async with documented_client(documented) as client:
        preview = await client.orders.preview(ADDRESS, CARGO)
        cancelled = await client.orders.cancel(order_id, remark="不要了")
        viewed = await client.orders.get(int(order_id))  # an int argument goes out as text
        links = await client.payments.links([order_id])
        listed = await client.orders.list(
            created_from=dt.datetime(2025, 7, 2, 21, 11, 13, tzinfo=dt.timezone(dt.timedelta(hours=8))),
            created_to=dt.datetime(2025, 7, 3, tzinfo=dt.timezone.utc),
            status=OrderStatus.SUCCESS,
            out_order_id="T20240708002",
            product_name="收纳盒",
            page_size=1,
        )
        image_id = await client.products.upload_image(url="https://img.alicdn.com/bao/uploaded/i3/a.jpg")
        with pytest.raises(TradeError) as refused:
            await client.orders.confirm_receipt(order_id, ["2257164624870312000"])
    for sent in documented.sent:
        check_wire(sent)
    calls = [s.call for s in documented.sent]
    assert calls == ["preview", "cancel", "view", "links", "list", "upload_url", "confirm"]
    by_call = {s.call: s for s in documented.sent}
    # the creation window in 1688's format, China time
    assert by_call["list"].params["createStartTime"] == "20250702211113000+0800"
    assert by_call["list"].params["createEndTime"] == "20250703080000000+0800"
    assert by_call["list"].params["orderStatus"] == "success"
    assert by_call["cancel"].params == {**by_call["cancel"].params, "cancelReason": "buyerCancel", "remark": "不要了"}
    assert by_call["upload_url"].params["pic_url"] == "https://img.alicdn.com/bao/uploaded/i3/a.jpg"
    assert "image_base64" not in by_call["upload_url"].params

    # the documented answers decode
    [result] = preview.results  # from the misspelt orderPreviewResuslt
    assert (result.sum_payment, result.sum_carriage, result.sum_payment_no_carriage) == (1671, 350, 1321)
    assert result.trade_mode_name_list == ["assureTrade"] and result.discount_fee is None
    assert str(result.cargo_list[0].amount) == "13.21"
    assert cancelled.success is True
    assert viewed.entry_ids == ["2257164624870312000"]  # as rendered; text, never a float
    assert viewed.native_logistics is not None and viewed.native_logistics.logistics_items == []
    assert viewed.product_items[0].status == "cancel"
    assert links.ok and links.url_for(order_id)
    [listed_order] = listed.items
    assert listed_order.order_id == order_id and listed_order.product_items == []
    assert image_id == "1164408192156408878"
    # 1688's nested verdict on the confirm-receipt page: code 1009 around errorCode "4003"
    error = refused.value
    assert error.code == "4003" and error.envelope_code == 1009
    assert error.error_info == "订单信息不存在,请核对后重试"
    assert "订单信息不存在" in str(error)


async def test_get_by_out_order_id_uses_the_list_filter(documented: Documented) -> None:
    async with documented_client(documented) as client:
        found = await client.orders.get(out_order_id="T20240708002")
    assert found.order_id == "2257164624870311973"
    [sent] = documented.sent
    check_wire(sent)
    assert sent.call == "list" and sent.params["outOrderId"] == "T20240708002"


async def test_ids_are_checked_before_anything_is_sent(documented: Documented) -> None:
    async with documented_client(documented) as client:
        with pytest.raises(TypeError, match="order_id"):
            await client.orders.cancel(2257164624870311973.0)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="order_id"):
            await client.payments.pay(True)
        with pytest.raises(ValueError, match="order_id"):
            await client.orders.get("٣٤٥")  # Arabic-Indic digits int() would accept
        with pytest.raises(ValueError, match="order_id"):
            await client.orders.get(str(2**63))
        with pytest.raises(TypeError, match=r"order_entry_ids\[\]"):
            await client.orders.confirm_receipt("1", [1.0])  # type: ignore[list-item]
        with pytest.raises(TypeError, match="order_ids"):
            await client.payments.links([2257164624870311973.0])  # type: ignore[list-item]
        with pytest.raises(ValueError, match="batch_size"):
            await client.payments.links(["1"], batch_size=31)
        with pytest.raises(ValueError, match="timezone-aware"):
            client.orders.list(created_from=dt.datetime(2025, 1, 1))
        with pytest.raises(TypeError, match="created_to"):
            client.orders.list(created_to="20250101")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="exactly one of image or url"):
            await client.products.upload_image()
        with pytest.raises(ValueError, match="http"):
            await client.products.upload_image(url="ftp://example.com/a.jpg")
        with pytest.raises(ValueError, match="spaces"):
            await client.products.upload_image(url="https://example.com/a b.jpg")
        with pytest.raises(ValueError, match=r"cargo\[0\]\.quantity"):
            await client.orders.create(ADDRESS, [CargoLine(1, "a", float("inf"))])
    assert documented.sent == []


# --------------------------------------------------------------------------- pure decoding


def test_documented_answers_decode_with_the_nullable_rules() -> None:
    from daji_async._protocol import Envelope
    from daji_async.models.orders import CreatedOrder

    created = msgspec.json.decode(answer("trade_create_success.json"), type=Envelope[CreatedOrder]).data
    assert created is not None and created.order_id == "2257164624870311973"
    # accountPeriod may be an object; failedOfferList[].offerId may be text; a null list is empty
    other = msgspec.json.decode(
        b'{"orderId":2257164624870311973,"accountPeriod":{"tapType":1},'
        b'"failedOfferList":[{"offerId":"727920485853","errorCode":"x"}],"orderList":null}',
        type=CreatedOrder,
    )
    assert other.order_id == "2257164624870311973"  # an exact int becomes exact text
    assert other.account_period == {"tapType": 1}
    assert other.failed_offer_list[0].offer_id == "727920485853" and other.order_list == []
    from daji_async.models.orders import PayUrlAnswer

    refused = msgspec.json.decode(
        b'{"payFailureOrderList":[2257164624870311973,"2257164624870311974"]}', type=PayUrlAnswer
    )
    assert refused.pay_failure_order_list == ["2257164624870311973", "2257164624870311974"]
    # products too: null lists read as empty lists
    item = msgspec.json.decode(b'{"offerId":1,"sellerIdentities":null,"offerIdentities":null}', type=ProductItem)
    assert item.seller_identities == [] and item.offer_identities == []
    detail = msgspec.json.decode(
        b'{"offerId":1,"productSkuInfos":null,"productAttribute":null,"tagInfoList":null,'
        b'"productImage":{"images":null},"productSaleInfo":{"priceRangeList":null}}',
        type=ProductDetail,
    )
    assert detail.product_sku_infos == [] and detail.product_attribute == [] and detail.tag_info_list == []
    assert detail.product_image is not None and detail.product_image.images == []
    assert detail.product_sale_info is not None and detail.product_sale_info.price_range_list == []


# --------------------------------------------------------------------------- the sandbox, through a recording proxy


@dataclass
class Proxy:
    """Forwards to the sandbox and records every request on the way."""

    target: str
    sent: list[Sent] = field(default_factory=list)
    base_url: str = ""
    session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if request.path.startswith(("/alibaba/trade", "/alibaba/createOrder", "/alibaba/alipay")):
            self.sent.append(await read_sent(request))
        assert self.session is not None
        async with self.session.request(
            request.method,
            self.target + request.path_qs,
            data=body,
            headers={"Content-Type": request.headers.get("Content-Type", "application/octet-stream")},
        ) as upstream:
            return web.Response(status=upstream.status, body=await upstream.read(), content_type=upstream.content_type)


@pytest_asyncio.fixture
async def proxy(daji_sandbox: SandboxServer) -> AsyncIterator[Proxy]:
    recorder = Proxy(daji_sandbox.base_url)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorder.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    recorder.base_url = f"http://{host}:{port}"
    recorder.session = aiohttp.ClientSession()
    try:
        yield recorder
    finally:
        await recorder.session.close()
        await runner.cleanup()


async def first_cargo(client: DajiClient, sandbox: SandboxServer, index: int) -> list[CargoLine]:
    offer_id = [o.offer_id for o in sandbox.state.catalogue.offers if o.one_psale][index]
    detail = await client.products.detail(offer_id)
    spec_id = detail.product_sku_infos[0].spec_id
    assert spec_id
    return [CargoLine(offer_id, spec_id, 2)]


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(200):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def test_buy_flow_against_the_sandbox_sends_only_documented_requests(
    daji_sandbox: SandboxServer, proxy: Proxy
) -> None:
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    async with DajiClient(daji_sandbox.app_key, daji_sandbox.app_secret, base_url=proxy.base_url) as client:
        cargo = await first_cargo(client, daji_sandbox, 0)
        preview = await client.orders.preview(ADDRESS, cargo)
        assert preview.total_payment > 0
        order = await client.orders.create(ADDRESS, cargo, out_order_id="my-shop-1001")
        assert isinstance(order.order_id, str) and len(order.order_id) == 19
        viewed = await client.orders.get(order.order_id)
        assert viewed.status == OrderStatus.WAIT_BUYER_PAY and viewed.order_id == order.order_id
        links = await client.payments.links([order.order_id])
        assert links.url_for(order.order_id)
        paid = await client.payments.pay(order.order_id)
        assert paid.pay_success is True
        async with aiohttp.ClientSession() as http:
            url = f"{daji_sandbox.base_url}/_sandbox/orders/{order.order_id}/send"
            async with http.post(url, json={}) as shipped:  # control writes are JSON
                assert shipped.status == 200
        confirmed = await client.orders.confirm_receipt(order.order_id)
        assert confirmed.success is not False
        assert (await client.orders.get(order.order_id)).status == OrderStatus.SUCCESS

        second = await client.orders.create(ADDRESS, await first_cargo(client, daji_sandbox, 1))
        cancelled = await client.orders.cancel(second.order_id or "", remark="changed my mind")
        assert cancelled.success is True
        assert (await client.orders.get(second.order_id or "")).status == OrderStatus.CANCEL

        # the order list finds the orders by creation window and by the caller's order id
        after = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
        window = [o.order_id async for o in client.orders.list(created_from=before, created_to=after, page_size=1)]
        assert sorted(window) == sorted([order.order_id, second.order_id])
        mine = await client.orders.list(out_order_id="my-shop-1001")
        assert [o.order_id for o in mine.items] == [order.order_id]
        assert (await client.orders.get(out_order_id="my-shop-1001")).order_id == order.order_id
        cancelled_only = await client.orders.list(status=OrderStatus.CANCEL)
        assert [o.order_id for o in cancelled_only.items] == [second.order_id]
        earlier = await client.orders.list(created_to=before)
        assert earlier.items == []

        # an unknown order on confirm receipt: the page's own 1009 / "4003" answer
        with pytest.raises(TradeError) as refused:
            await client.orders.confirm_receipt("3180000000000000001", ["1"])
        assert refused.value.code == "4003" and refused.value.envelope_code == 1009

    calls = {s.call for s in proxy.sent}
    assert calls == {"preview", "create", "view", "links", "pay", "confirm", "cancel", "list"}
    for sent in proxy.sent:
        check_wire(sent)


# --------------------------------------------------------------------------- the documented buy flow type-checks


def test_documented_buy_flow_type_checks_under_mypy_strict(tmp_path: Path) -> None:
    """The orders page's buy flow and examples/buy_flow.py pass ``mypy --strict`` against the SDK."""
    blocks = re.findall(r"```python\n(.*?)```", ORDERS_PAGE.read_text(encoding="utf-8"), flags=re.S)
    [flow] = [b for b in blocks if "async def create_once" in b]
    source = tmp_path / "docs_buy_flow.py"
    source.write_text(flow, encoding="utf-8")
    assert "async def create_once" in BUY_FLOW_SCRIPT.read_text(encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--follow-imports=silent",
            str(source),
            str(BUY_FLOW_SCRIPT),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 source files" in done.stdout, done.stdout


async def test_upload_by_url_against_the_sandbox(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    url = "https://cbu01.alicdn.com/img/ibank/O1CN01zEkk4m1ruzEhY7QF1_!!2207950555692-0-cib.jpg"
    image_id = await daji_client.products.upload_image(url=url)
    assert image_id.isdigit() and await daji_client.products.upload_image(url=url) == image_id
    page = await daji_client.products.image_search(image_id=image_id)
    assert page.items
    # the sandbox's GET mode takes pic_url only, as the Taobao page says of its GET mode
    async with aiohttp.ClientSession() as http:
        query = {"appKey": daji_sandbox.app_key, "appSecret": daji_sandbox.app_secret, "image_base64": "AAAA"}
        async with http.get(f"{daji_sandbox.base_url}/alibaba/upload/image", params=query) as response:
            assert response.status == 400 and "pic_url" in await response.text()


# --------------------------------------------------------------------------- §9.3 freight, re-read


async def test_freight_sends_sku_ids_as_strings_and_always_the_required_sku_models() -> None:
    """§9.3 (zh api-218256628): ``logisticsSkuNumModels`` is required (必需), an array of
    ``{skuId: string (ex "4829152353068"), number: integer}``; ``offerId`` and ``totalNum`` integers."""
    from daji_async.testing import MockTransport, Request, Response

    bodies: list[dict[str, Any]] = []

    def answer(request: Request) -> Response:
        assert (request.method, request.path) == ("POST", "/alibaba/product/freightEstimate")
        bodies.append(dict(request.params))
        return Response(200, json={"code": 200, "message": "操作成功", "data": {"freight": "8.00"}})

    codes = {"to_province_code": "330000", "to_city_code": "330100", "to_country_code": "330108"}
    async with DajiClient("key", "secret", transport=MockTransport(answer)) as client:
        await client.products.estimate_freight(727920485853, total_num=2, sku_numbers={4829152353068: 2}, **codes)
        await client.products.estimate_freight("727920485853", total_num=3, **codes)
    with_skus, without = bodies
    assert with_skus["logisticsSkuNumModels"] == [{"skuId": "4829152353068", "number": 2}]  # a string id
    assert with_skus["offerId"] == 727920485853 and with_skus["totalNum"] == 2  # integers
    assert "logisticsSkuNumModels" in without and without["logisticsSkuNumModels"] == []  # required: always sent
    assert without["offerId"] == 727920485853 and without["totalNum"] == 3
