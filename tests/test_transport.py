"""The transport seam and ``daji_async.testing.MockTransport``: the whole pipeline (signing,
retries, rate limit, concurrency, decoding, error mapping) in memory, with no socket."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import aiohttp
import pytest
from aiolimiter import AsyncLimiter

from daji_async import (
    Address,
    APIConnectionError,
    APITimeoutError,
    CargoLine,
    ConfigError,
    DajiClient,
    NotFoundError,
    OrderOutcomeUnknownError,
    PaymentOutcomeUnknownError,
    RateLimitError,
    Raw,
    ServerError,
    TradeError,
)
from daji_async._protocol import sign
from daji_async.sandbox.pytest_plugin import FAST_RETRIES
from daji_async.testing import MockTransport, Request, Response

KEYWORD = "/alibaba/product/keywordQuery"
SECRET = "mock-secret"


def search_handler(total: int, *, fail_first: dict[int, int] | None = None) -> Any:
    """A fake keyword search of ``total`` offers; page n fails with 503 ``fail_first[n]`` times."""
    failures = dict(fail_first or {})

    def handler(request: Request) -> Response:
        assert request.path == KEYWORD
        page, size = int(request.params["beginPage"]), int(request.params["pageSize"])
        if failures.get(page, 0) > 0:
            failures[page] -= 1
            return Response(503, body="<html>busy</html>", headers={"Retry-After": "0"})
        start = (page - 1) * size
        items = [{"offerId": 10_000 + n, "subjectTrans": f"offer {n}"} for n in range(start, min(start + size, total))]
        data = {"data": items, "totalRecords": total, "totalPage": -(-total // size), "currentPage": page}
        return Response(200, json={"code": 200, "message": "success", "data": data, "traceId": f"t{page}"})

    return handler


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to open a connection while the test runs."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(asyncio.BaseEventLoop, "create_connection", refuse)


async def test_30_page_walk_with_prefetch_and_a_retried_503_opens_no_socket(no_sockets: None) -> None:
    transport = MockTransport(search_handler(600, fail_first={7: 1}))
    async with DajiClient("key", SECRET, transport=transport, retry_policy=FAST_RETRIES) as client:
        paginator = client.products.keyword_search("连衣裙", page_size=20, prefetch=4)
        ids = [item.offer_id async for item in paginator]
    assert ids == [10_000 + n for n in range(600)]
    pages = [int(r.params["beginPage"]) for r in transport.requests]
    assert sorted(pages) == sorted([*range(1, 31), 7])  # page 7 twice: the 503 and its retry
    assert paginator.next_page is None
    assert client.transport is transport


async def test_handler_sees_every_signed_parameter() -> None:
    transport = MockTransport(search_handler(5))
    async with DajiClient("key", SECRET, transport=transport) as client:
        await client.products.keyword_search(
            "连衣裙", filter=[Raw("a"), Raw("b")], out_member_id=["m1", "m2"], page_size=5, country="ru"
        )
    params = transport.requests[0].params
    assert params["keyword"] == "连衣裙"
    assert params["filter"] == "a,b"
    assert params["outMemberId"] == ["m1", "m2"]
    assert params["country"] == "ru"
    assert (params["beginPage"], params["pageSize"], params["appKey"]) == ("1", "5", "key")
    pairs = [
        (k, v) for k, value in params.items() if k != "sign" for v in (value if isinstance(value, list) else [value])
    ]
    assert params["sign"] == sign(pairs, SECRET)
    assert SECRET not in repr(transport.requests[0])


async def test_json_body_parameters_are_visible() -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response(200, json={"code": 200, "data": {"freight": "8.00"}})

    async with DajiClient("key", SECRET, transport=MockTransport(handler)) as client:
        await client.products.estimate_freight(
            727920485853, to_province_code="330000", to_city_code="330100", to_country_code="330108", total_num=2
        )
    request = seen[0]
    assert (request.method, request.path) == ("POST", "/alibaba/product/freightEstimate")
    assert request.params["offerId"] == 727920485853
    assert request.params["totalNum"] == 2
    assert request.params["appKey"] == "key" and request.params["sign"]
    assert request.headers == {"Content-Type": "application/json"}


async def test_async_handler_and_error_mapping() -> None:
    answers = iter([Response(404, json={"code": 404, "message": "no such offer", "traceId": "x1"})])

    async def handler(request: Request) -> Response:
        await asyncio.sleep(0)
        return next(answers)

    async with DajiClient("key", SECRET, transport=MockTransport(handler)) as client:
        with pytest.raises(NotFoundError, match="no such offer") as info:
            await client.products.detail(1)
    assert info.value.trace_id == "x1"


async def test_rate_limit_answer_is_retried_honouring_retry_after() -> None:
    answers = [
        Response(429, json={"code": 429, "message": "slow down"}, headers={"retry-after": "0.01"}),
        Response(200, json={"code": 200, "data": [{"categoryID": 0, "name": "root"}]}),
    ]
    transport = MockTransport(lambda request: answers.pop(0))
    async with DajiClient("key", SECRET, transport=transport, retry_policy=FAST_RETRIES) as client:
        [root] = await client.categories.get(0)
    assert root.name == "root"
    assert len(transport.requests) == 2


async def test_unsafe_calls_are_not_retried_over_any_transport() -> None:
    transport = MockTransport(lambda request: Response(503, body=b"busy"))
    async with DajiClient("key", SECRET, transport=transport, retry_policy=FAST_RETRIES, max_retries=4) as client:
        with pytest.raises(ServerError):
            await client.request("POST", "/alibaba/trade/anything", json={"x": 1})
        assert len(transport.requests) == 1
        with pytest.raises(RateLimitError):
            transport.handler = lambda request: Response(429, json={"code": 429, "message": "no"})
            await client.request("POST", "/alibaba/trade/anything", json={"x": 1})
    assert len(transport.requests) == 2


async def test_transport_failures_become_connection_errors_and_are_retried() -> None:
    calls = 0

    def handler(request: Request) -> Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionResetError(f"reset while sending {request.url}")  # the URL carries the sign
        return Response(200, json={"code": 200, "data": [{"categoryID": 0}]})

    async with DajiClient("key", SECRET, transport=MockTransport(handler), retry_policy=FAST_RETRIES) as client:
        assert await client.categories.get(0)
    assert calls == 2

    def always_reset(request: Request) -> Response:
        raise ConnectionResetError(f"reset while sending {request.url}")

    async with DajiClient("key", SECRET, transport=MockTransport(always_reset), retry_policy=FAST_RETRIES) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.categories.get(0)
    assert info.value.attempts == 4
    assert "sign=" in str(info.value) and "***" in str(info.value) and SECRET not in str(info.value)


async def test_timeout_applies_to_an_async_handler() -> None:
    async def slow(request: Request) -> Response:
        await asyncio.sleep(5)
        raise AssertionError("not reached")

    async with DajiClient("key", SECRET, transport=MockTransport(slow), timeout=0.05, max_retries=0) as client:
        with pytest.raises(APITimeoutError):
            await client.categories.get(0)


async def test_max_concurrency_bounds_requests_in_flight_over_a_mock() -> None:
    in_flight = peak = 0

    async def handler(request: Request) -> Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return Response(200, json={"code": 200, "data": {"offerId": int(request.params["offerId"])}})

    async with DajiClient("key", SECRET, transport=MockTransport(handler), max_concurrency=3) as client:
        details = await asyncio.gather(*(client.products.detail(n) for n in range(1, 21)))
    assert [d.offer_id for d in details] == list(range(1, 21))
    assert peak == 3


async def test_rate_limit_passes_every_request_of_any_transport() -> None:
    acquired = 0

    limiter = AsyncLimiter(1000, 1)
    original = limiter.acquire

    async def counted(amount: float = 1) -> None:
        nonlocal acquired
        acquired += 1
        await original(amount)

    limiter.acquire = counted  # type: ignore[method-assign]
    transport = MockTransport(search_handler(100))
    async with DajiClient("key", SECRET, transport=transport, rate_limit=limiter) as client:
        assert len([i async for i in client.products.keyword_search("x", page_size=10, prefetch=3)]) == 100
    assert acquired == len(transport.requests) == 10


def test_response_and_configuration_checks() -> None:
    assert Response(200, json={"a": 1}).body == b'{"a":1}'
    assert Response(200, body="é").body == "é".encode()
    assert Response(503, headers={"Retry-After": "3"}).headers["retry-after"] == "3"
    with pytest.raises(ValueError, match="status"):
        Response(42)
    with pytest.raises(ValueError, match="json or body"):
        Response(200, json={}, body=b"")
    with pytest.raises(TypeError, match="handler"):
        MockTransport("not callable")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="send"):
        DajiClient("key", SECRET, transport=object())  # type: ignore[arg-type]


async def test_handler_must_return_a_response() -> None:
    async with DajiClient("key", SECRET, transport=MockTransport(lambda r: {"code": 200}), max_retries=0) as client:  # type: ignore[arg-type,return-value]
        with pytest.raises(TypeError, match="Response"):
            await client.categories.get(0)


async def test_bulk_search_sugar_forwards_every_search_argument() -> None:
    transport = MockTransport(search_handler(30))
    async with DajiClient("key", SECRET, transport=transport) as client:
        results = [
            r
            async for r in client.bulk.keyword_search(
                ["连衣裙", "手机壳"],
                out_member_id="member-1",
                region_opp="opp",
                product_collection_id="pc-9",
                sn_id="sn-3",
                sort={"price": "asc"},
                page_size=10,
                max_items=15,
                ordered=True,
            )
        ]
    assert [(r.query, len(r.items), r.pages, r.error) for r in results] == [
        ("连衣裙", 15, 2, None),
        ("手机壳", 15, 2, None),
    ]
    for request in transport.requests:
        params = request.params
        assert (params["outMemberId"], params["regionOpp"], params["productCollectionId"], params["snId"]) == (
            "member-1",
            "opp",
            "pc-9",
            "sn-3",
        )
        assert params["sort"] == '{"price":"asc"}'
    with pytest.raises(TypeError, match="max_item"):
        client.bulk.keyword_search(["x"], max_item=3)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="page_size"):
        client.bulk.image_search(["https://cbu01.alicdn.com/a.jpg"], page_size=0)


async def test_bulk_map_carries_whatever_the_call_returns() -> None:
    transport = MockTransport(
        lambda r: Response(200, json={"code": 200, "data": {"offerId": int(r.params["offerId"])}})
    )
    async with DajiClient("key", SECRET, transport=transport) as client:

        async def twice(offer_id: int) -> tuple[int, int]:
            detail = await client.products.detail(offer_id)
            return detail.offer_id, detail.offer_id * 2

        results = [r async for r in client.bulk.map(twice, range(1, 6), ordered=True)]
    assert [r.value for r in results] == [(n, 2 * n) for n in range(1, 6)]
    assert all(r.items == [] and r.error is None for r in results)


TRADE_ADDRESS = Address(
    full_name="张三", mobile="13800000000", province_text="浙江省", city_text="杭州市", address="文一西路"
)
TRADE_CARGO = [CargoLine(727920485853, "b266e0726506185beaf205cbae88530d", 1)]


async def test_trade_semantics_come_from_the_row_over_any_transport() -> None:
    refused = {"code": 200, "data": {"success": False, "errorCode": "ORDER_STATUS_ERROR", "errorMessage": "paid"}}
    transport = MockTransport(lambda request: Response(200, json=refused))
    async with DajiClient("key", SECRET, transport=transport, max_retries=3) as client:
        with pytest.raises(TradeError, match="paid") as info:
            await client.orders.cancel("2257164624870311973")
    assert info.value.code == "ORDER_STATUS_ERROR"
    assert len(transport.requests) == 1


async def test_unsafe_calls_without_an_answer_raise_their_outcome_unknown_error_once() -> None:
    def lost(request: Request) -> Response:
        raise ConnectionResetError("the connection dropped after the request was sent")

    transport = MockTransport(lost)
    async with DajiClient("key", SECRET, transport=transport, max_retries=3) as client:
        with pytest.raises(OrderOutcomeUnknownError) as created:
            await client.orders.create(TRADE_ADDRESS, TRADE_CARGO, out_order_id="T-1")
        assert created.value.out_order_id == "T-1" and not created.value.timed_out
        assert "orders.get(out_order_id='T-1')" in str(created.value)
        with pytest.raises(PaymentOutcomeUnknownError) as paid:
            await client.payments.pay("2257164624870311973")
        assert paid.value.order_id == "2257164624870311973"
        transport.handler = lambda request: Response(200, body=b'{"code":200,"data":{"orderId"')  # cut short
        with pytest.raises(OrderOutcomeUnknownError):
            await client.orders.create(TRADE_ADDRESS, TRADE_CARGO, out_order_id="T-2")
    assert [r.path for r in transport.requests] == [
        "/alibaba/trade/createCrossOrder",
        "/alibaba/trade/pay/protocolPay/preparePay",
        "/alibaba/trade/createCrossOrder",
    ]
    assert transport.requests[0].params["thirdOrderId"] == "T-1"


async def test_the_default_transport_reports_sends_and_a_borrowed_session_does_not(
    daji_sandbox: Any,
) -> None:
    from daji_async._transport import AiohttpTransport

    async with daji_sandbox.client(rate_limit=50) as client:
        transport = client.transport
        assert isinstance(transport, AiohttpTransport)
        assert transport.reports_sent
        connector: Any = transport.session.connector
        assert connector.limit == client.max_concurrency and connector.limit_per_host == 0  # one host
        assert not connector.reporting  # nothing asked for a report yet: the plain connect, no extra frame
        await client.categories.get(0)
        await client.categories.get(0)
        assert connector.reporting  # the first request held until sent turned reports on
    # without a strict limiter nothing asks for reports: the connector never wraps connect
    async with daji_sandbox.client() as client:
        await client.categories.get(0)
        connector = client.transport.session.connector  # type: ignore[attr-defined]
        assert not connector.reporting
    # a borrowed session is never touched: its requests are counted when the limiter allows them
    async with aiohttp.ClientSession() as session, daji_sandbox.client(session=session, rate_limit=50) as client:
        assert not client.transport.reports_sent  # type: ignore[attr-defined]
        await client.categories.get(0)


@pytest.mark.parametrize(
    "options",
    [
        {"max_items": 75},
        {"page_size": 7, "max_pages": 3},
        {},  # no page size, no cap: the largest page
        {"sort": {"price": "asc"}, "price_start": 1.5, "max_items": 60, "country": "ko"},
    ],
)
@pytest.mark.parametrize("send_secret", [False, True])
async def test_bulk_keyword_searches_send_exactly_what_single_searches_send(
    options: dict[str, Any], send_secret: bool
) -> None:
    """Bulk sends, for each keyword, the bytes a single search sends."""
    keywords = ["连衣裙", "phone case", "a&b=c/d", "100% 棉"]
    bulk_transport, single_transport = MockTransport(search_handler(70)), MockTransport(search_handler(70))
    async with DajiClient("key", SECRET, transport=bulk_transport, send_secret=send_secret) as client:
        results = [r async for r in client.bulk.keyword_search(keywords, ordered=True, concurrency=1, **options)]
    assert [r.error for r in results] == [None] * len(keywords)
    async with DajiClient("key", SECRET, transport=single_transport, send_secret=send_secret) as client:
        for keyword in keywords:
            async for _ in client.products.keyword_search(keyword, **options).pages():
                pass
    sent = [(r.method, r.url, r.body) for r in bulk_transport.requests]
    assert sent == [(r.method, r.url, r.body) for r in single_transport.requests]
    assert len(sent) > len(keywords)  # more than one page each: the page slot of the template is exercised
    for request in bulk_transport.requests:
        params = request.params
        assert ("appSecret" in params) == send_secret and ("sign" in params) != send_secret
        if not send_secret:
            assert sign([(k, v) for k, v in params.items() if k != "sign"], SECRET) == params["sign"]
