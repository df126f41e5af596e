"""Response metadata: ``client.with_raw_response`` and ``client.request(..., envelope=True)``."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from daji_async import (
    DajiClient,
    Envelope,
    MemoryCache,
    NotFoundError,
    Page,
    ProductDetail,
    ProductItem,
    RawResponse,
    ResponseMeta,
)
from daji_async._raw import CAPTURE, SLOT
from daji_async.resources.categories import Categories
from daji_async.resources.orders import Orders
from daji_async.resources.payments import Payments
from daji_async.resources.products import Products
from daji_async.sandbox import SandboxServer
from daji_async.testing import MockTransport, Request, Response


async def test_detail_with_its_status_headers_and_trace_id(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    offer_id = daji_sandbox.state.catalogue.offers[3].offer_id
    raw = await daji_client.with_raw_response.products.detail(offer_id)
    assert isinstance(raw, RawResponse)
    assert raw.status == 200 and raw.reason == "OK"
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.trace_id and len(raw.trace_id) == 12
    assert raw.attempts == 1
    detail = raw.parse()
    assert isinstance(detail, ProductDetail) and detail.offer_id == offer_id
    assert [a.path for a in raw.answers] == ["/alibaba/product/queryProductDetail"]
    assert "ResponseMeta(GET /alibaba/product/queryProductDetail -> 200" in repr(raw.answers[0])
    assert repr(raw).startswith("RawResponse(GET /alibaba/product/queryProductDetail -> 200")


async def test_the_answer_that_produced_the_value_after_retries(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    daji_sandbox.add_fault("status", status=503, times=2)
    raw = await daji_client.with_raw_response.categories.get(0)
    assert raw.status == 200 and raw.attempts == 3
    assert raw.parse()
    assert daji_sandbox.stats["by_status"] == {"503": 2, "200": 1}


async def test_a_search_gives_its_first_page(daji_client: DajiClient) -> None:
    raw = await daji_client.with_raw_response.products.keyword_search("连衣裙", page_size=7)
    page: Page[ProductItem] = raw.parse()
    assert len(page.items) == 7
    assert raw.trace_id == page.trace_id


async def test_payments_links_keeps_one_answer_per_batch(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    raw = await daji_client.with_raw_response.payments.links(["1", "2", "3"], batch_size=1)
    assert len(raw.answers) == 3
    assert all(a.status == 200 and a.path == "/alibaba/alipay/url/get" for a in raw.answers)
    assert len({a.trace_id for a in raw.answers}) == 3


async def test_errors_raise_as_usual_and_carry_their_own_metadata(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    daji_sandbox.add_fault("status", status=404, times=1)
    with pytest.raises(NotFoundError) as caught:
        await daji_client.with_raw_response.products.detail(1)
    assert caught.value.status == 404 and caught.value.trace_id


async def test_concurrent_raw_calls_keep_their_own_answers(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    ids = [o.offer_id for o in daji_sandbox.state.catalogue.offers[:8]]
    raws = await asyncio.gather(*(daji_client.with_raw_response.products.detail(i) for i in ids))
    assert [r.parse().offer_id for r in raws] == ids
    assert all(len(r.answers) == 1 for r in raws)
    assert len({r.trace_id for r in raws}) == 8


async def test_request_returns_the_whole_envelope_when_asked(daji_client: DajiClient) -> None:
    data = await daji_client.request("GET", "/alibaba/category/get", params={"categoryID": 0})
    envelope = await daji_client.request("GET", "/alibaba/category/get", params={"categoryID": 0}, envelope=True)
    assert isinstance(envelope, Envelope)
    assert envelope.code == 200 and envelope.trace_id and envelope.timestamp
    assert envelope.data == data
    raw = await daji_client.with_raw_response.request("GET", "/alibaba/category/get", params={"categoryID": 0})
    assert raw.status == 200 and raw.parse() == data


async def test_plain_calls_record_nothing() -> None:
    """The plain client's pipeline has no recording hook: no capture, no slot, no extra work."""
    seen: list[object] = []

    def handler(request: Request) -> Response:
        seen.append((CAPTURE.get(), SLOT.get()))
        return Response(200, json={"code": 200, "data": {"offerId": 1}})

    async with DajiClient("key", "secret", transport=MockTransport(handler)) as client:
        await client.products.detail(1)
        assert type(client)._execute is DajiClient._execute
        raw = await client.with_raw_response.products.detail(1)
        await client.products.detail(1)
    assert seen[0] == (None, None) and seen[2] == (None, None)
    assert raw.answers[0].headers.get("Content-Type") is None  # the mock's headers, as given


async def test_the_view_is_made_once_and_shares_the_client(daji_client: DajiClient) -> None:
    raw_view = daji_client.with_raw_response
    assert daji_client.with_raw_response is raw_view
    assert raw_view.products.detail.__doc__ == Products.detail.__doc__
    view = daji_client.with_options(timeout=3)
    assert view.with_raw_response is not raw_view  # a view gets its own, with its options


@pytest.mark.parametrize(
    ("resource", "raw_name"),
    [(Products, "products"), (Categories, "categories"), (Orders, "orders"), (Payments, "payments")],
)
def test_every_public_method_has_a_raw_counterpart(resource: type, raw_name: str) -> None:
    client = DajiClient("key", "secret", transport=MockTransport(lambda r: Response(500)))
    raw_group = getattr(client.with_raw_response, raw_name)
    public = {
        name
        for name, member in inspect.getmembers(resource, inspect.isfunction)
        if not name.startswith("_") and name != "__init__"
    }
    assert public == {name for name in vars(raw_group) if not name.startswith("_")}


def resource_groups(client: DajiClient) -> set[str]:
    """The client's attributes that are resources (``products``...) or hold some (a platform group)."""

    def is_resource(value: object) -> bool:
        return hasattr(value, "_client")

    return {
        name
        for name, value in vars(client).items()
        if name not in ("bulk", "offers")  # compositions of the resources' calls: no endpoint of their own
        and not name.startswith("_")
        and (is_resource(value) or any(is_resource(v) for v in getattr(value, "__dict__", {}).values()))
    }


def test_every_resource_group_of_the_client_has_a_raw_view() -> None:
    """A resource group added to the client later (another platform...) needs its raw view too."""
    client = DajiClient("key", "secret", transport=MockTransport(lambda r: Response(500)))
    groups = resource_groups(client)
    assert {"products", "categories", "orders", "payments"} <= groups
    assert groups <= set(vars(client.with_raw_response)), sorted(groups - set(vars(client.with_raw_response)))


def test_a_raw_response_needs_an_answer() -> None:
    with pytest.raises(ValueError, match="at least one answer"):
        RawResponse(1, ())
    meta = ResponseMeta("GET", "/x", 200, {}, trace_id="t")
    assert RawResponse("v", (meta,)).parse() == "v"


async def test_a_value_from_the_response_cache_has_zero_attempts(daji_sandbox: SandboxServer) -> None:
    """A cache hit sends nothing: its answer says so (attempts 0, status 200, no headers)."""
    async with daji_sandbox.client(cache=MemoryCache()) as client:
        sent = await client.with_raw_response.categories.get(0)
        cached = await client.with_raw_response.categories.get(0)
    assert (sent.attempts, sent.status) == (1, 200) and sent.headers
    assert (cached.status, cached.attempts, dict(cached.headers)) == (200, 0, {})
    assert cached.trace_id == sent.trace_id  # the stored envelope's
    assert cached.parse() == sent.parse()
    assert daji_sandbox.stats["requests"] == 1
