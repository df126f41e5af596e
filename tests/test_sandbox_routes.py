"""The sandbox as a test double: ``sandbox.requests`` and respx-style ``sandbox.route(...)``."""

from __future__ import annotations

import aiohttp
import pytest

from daji_async import (
    APIConnectionError,
    BadRequestError,
    DajiClient,
    PaginationError,
    ResponseDecodeError,
    ServerError,
)
from daji_async.sandbox import Route, SandboxRequest, SandboxServer

DETAIL = "/alibaba/product/queryProductDetail"


async def test_requests_are_recorded_with_every_parameter(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    await daji_client.products.keyword_search("连衣裙", page_size=5, out_member_id=["m1", "m2"])
    offer = daji_sandbox.state.catalogue.offers[0].offer_id
    await daji_client.products.estimate_freight(
        offer, to_province_code="330000", to_city_code="330100", to_country_code="330108", total_num=2
    )
    search, freight = daji_sandbox.requests
    assert isinstance(search, SandboxRequest)
    assert (search.method, search.path, search.status) == ("GET", "/alibaba/product/keywordQuery", 200)
    assert search.params["keyword"] == "连衣裙" and search.params["pageSize"] == "5"
    assert search.params["outMemberId"] == ["m1", "m2"]  # a repeated key: a list
    assert search.params["appKey"] == daji_sandbox.app_key and len(search.params["sign"]) == 32
    assert (freight.method, freight.path) == ("POST", "/alibaba/product/freightEstimate")
    assert freight.params["totalNum"] == 2  # a JSON body keeps its types
    assert repr(search) == "SandboxRequest(GET /alibaba/product/keywordQuery -> 200)"


async def test_requests_record_faults_and_unknown_paths(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("reset", times=1)
    daji_sandbox.add_fault("status", status=503, times=1)
    await daji_client.categories.get(0)
    with pytest.raises(Exception):  # noqa: B017 - any error: 404 paths answer Spring's body
        await daji_client.request("GET", "/alibaba/nothing/here")
    assert [r.status for r in daji_sandbox.requests] == [0, 503, 200, 404]
    assert daji_sandbox.requests[-1].path == "/alibaba/nothing/here"
    daji_sandbox.add_fault("status", status=500, path="/alibaba/product/freightEstimate")
    with pytest.raises(ServerError):  # a faulted POST: its JSON body is still recorded
        await daji_client.products.estimate_freight(
            1, to_province_code="330000", to_city_code="330100", to_country_code="330108", total_num=3
        )
    assert daji_sandbox.requests[-1].params["totalNum"] == 3
    daji_sandbox.reset()
    assert daji_sandbox.requests == []


async def test_a_route_answers_with_data_for_its_parameters_only(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    route = daji_sandbox.route(DETAIL, params={"offerId": 1}).respond(
        data={"offerId": 1, "subject": "测试", "subjectTrans": "canned"}
    )
    assert isinstance(route, Route) and not route.called
    canned = await daji_client.products.detail(1)
    assert canned.subject_trans == "canned"
    other = daji_sandbox.state.catalogue.offers[0].offer_id
    real = await daji_client.products.detail(other)  # other parameters: the sandbox as usual
    assert real.offer_id == other and real.subject_trans != "canned"
    assert route.call_count == 1 and route.called
    assert route.calls[0].params["offerId"] == "1"
    raw = await daji_client.with_raw_response.products.detail(1)
    assert raw.trace_id  # data= answers carry a fresh traceId, like the service


async def test_answers_in_order_with_times_then_back_to_normal(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    route = (
        daji_sandbox.route(DETAIL)
        .fault("status", status=503, times=2)
        .respond(data={"offerId": 7, "subjectTrans": "after two 503s"}, times=1)
    )
    detail = await daji_client.products.detail(7)  # retried twice, then the canned answer
    assert detail.subject_trans == "after two 503s"
    assert route.call_count == 3
    offer = daji_sandbox.state.catalogue.offers[1].offer_id
    assert (await daji_client.products.detail(offer)).offer_id == offer  # used up: normal answers
    assert route.call_count == 3


async def test_json_and_body_answers_reach_the_sdk_as_given(
    daji_client: DajiClient, daji_sandbox: SandboxServer
) -> None:
    daji_sandbox.route(DETAIL, params={"offerId": 2}).respond(
        json={"code": 400, "message": "参数错误 canned", "traceId": "abc"}
    )
    daji_sandbox.route(DETAIL, params={"offerId": 3}).respond(502, body="<html>gateway</html>", times=1)
    daji_sandbox.route(DETAIL, params={"offerId": 4}).respond(body=b'{"code":200,"data":', times=1)
    with pytest.raises(BadRequestError, match="canned") as bad:
        await daji_client.products.detail(2)
    assert bad.value.trace_id == "abc"
    with pytest.raises(ServerError):
        await daji_client.products.detail(3, max_retries=0)
    with pytest.raises(ResponseDecodeError):
        await daji_client.products.detail(4)


async def test_headers_and_status_of_a_canned_answer(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.route(DETAIL).respond(data={"offerId": 5}, headers={"X-Canned": "yes"})
    raw = await daji_client.with_raw_response.products.detail(5)
    assert raw.status == 200 and raw.headers["X-Canned"] == "yes"


async def test_route_faults_of_every_kind(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.route("/alibaba/category/get").fault("reset")
    with pytest.raises(APIConnectionError):
        await daji_client.categories.get(0, max_retries=1)
    daji_sandbox.clear_routes()
    route = daji_sandbox.route("/alibaba/product/keywordQuery", params={"beginPage": 2}).fault("repeat_page")
    with pytest.raises(PaginationError):
        [item async for item in daji_client.products.keyword_search("连衣裙", max_items=60)]
    assert route.call_count == 1
    slow = daji_sandbox.route("/alibaba/category/get").fault("latency", seconds=0.3)
    with pytest.raises(APIConnectionError):  # a timeout: the latency runs before the normal answer
        await daji_client.categories.get(0, timeout=0.1, max_retries=0)
    assert (await daji_client.categories.get(0)) and slow.call_count == 2


async def test_routes_answer_after_the_signature_check(daji_sandbox: SandboxServer) -> None:
    route = daji_sandbox.route(DETAIL).respond(data={"offerId": 1})
    async with DajiClient(daji_sandbox.app_key, "wrong-secret", base_url=daji_sandbox.base_url) as client:
        with pytest.raises(BadRequestError):
            await client.products.detail(1)
    assert not route.called


async def test_a_method_restricts_the_route(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    route = daji_sandbox.route(DETAIL, method="post").respond(data={"offerId": 1})
    assert route.method == "POST"
    await daji_client.products.detail(daji_sandbox.state.catalogue.offers[0].offer_id)
    assert not route.called


def test_route_arguments_are_checked(daji_sandbox: SandboxServer) -> None:
    with pytest.raises(ValueError, match="start with '/'"):
        daji_sandbox.route("alibaba/x")
    route = daji_sandbox.route(DETAIL)
    with pytest.raises(ValueError, match="one of data, json or body"):
        route.respond(data={}, json={})
    with pytest.raises(ValueError, match="times"):
        route.respond(data={}, times=0)
    with pytest.raises(ValueError, match="HTTP status"):
        route.respond(99)
    with pytest.raises(ValueError, match="unknown fault kind"):
        route.fault("explode")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="route's business"):
        route.fault("status", path="/other")


async def test_routes_and_requests_over_http(daji_sandbox: SandboxServer) -> None:
    """For a sandbox run as a process: POST /_sandbox/routes, GET /_sandbox/requests."""
    spec = {
        "path": DETAIL,
        "params": {"offerId": "9"},
        "answers": [
            {"fault": {"kind": "status", "status": 503}, "times": 1},
            {"status": 200, "data": {"offerId": 9, "subjectTrans": "over http"}},
        ],
    }
    control = daji_sandbox.base_url + "/_sandbox"
    async with aiohttp.ClientSession() as http:
        async with http.post(control + "/routes", json=spec) as answer:
            assert answer.status == 200
            [listed] = await answer.json()
        assert listed["path"] == DETAIL and len(listed["answers"]) == 2
        async with http.post(control + "/routes", json={"path": DETAIL, "answers": [{"colour": 1}]}) as answer:
            assert answer.status == 400 and "colour" in (await answer.json())["error"]
        async with daji_sandbox.client(retry_policy=_fast()) as client:
            assert (await client.products.detail(9)).subject_trans == "over http"
        async with http.get(control + "/requests") as answer:
            received = await answer.json()
        assert [(r["path"], r["status"], r["params"]["offerId"]) for r in received] == [
            (DETAIL, 503, "9"),
            (DETAIL, 200, "9"),
        ]
        async with http.delete(control + "/requests") as answer:
            assert await answer.json() == []
        async with http.delete(control + "/routes") as answer:
            assert await answer.json() == []
    assert daji_sandbox.requests == [] and daji_sandbox.state.routes == []


def test_recording_is_bounded() -> None:
    with SandboxServer(record_requests=3) as sandbox:

        async def run() -> None:
            async with sandbox.client() as client:
                for _ in range(5):
                    await client.categories.get(0)

        import asyncio

        asyncio.run(run())
        assert len(sandbox.requests) == 3 and sandbox.stats["requests"] == 5


def _fast():  # type: ignore[no-untyped-def]
    from daji_async.sandbox.pytest_plugin import FAST_RETRIES

    return FAST_RETRIES
