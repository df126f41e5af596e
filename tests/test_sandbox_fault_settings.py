"""Fault settings the sandbox cannot serve are refused when they are made: ValueError in Python
(``Fault``, ``add_fault``, ``route().fault``, the config, ``lose_answer``), HTTP 400 from the
control endpoints, and nothing is installed. Valid edges still work."""

from __future__ import annotations

import math
from typing import Any

import aiohttp
import pytest

from daji_async.sandbox import Fault, SandboxConfig, SandboxServer, SandboxState
from daji_async.sandbox._orders_store import orders_store

KEYWORD = "/alibaba/product/keywordQuery"
PAY = "/alibaba/trade/pay/protocolPay/preparePay"

BAD_FAULTS: list[dict[str, Any]] = [
    {"kind": "status", "status": 99999},
    {"kind": "status", "status": -1},
    {"kind": "status", "status": "x"},
    {"kind": "status", "status": 600},
    {"kind": "status", "status": 99},
    {"kind": "status", "status": 503.0},
    {"kind": "status", "status": True},
    {"kind": "html", "status": 0},
    {"kind": "latency", "seconds": math.nan},
    {"kind": "latency", "seconds": math.inf},
    {"kind": "latency", "seconds": -math.inf},
    {"kind": "latency", "seconds": -0.5},
    {"kind": "latency", "seconds": 1e308},
    {"kind": "latency", "seconds": "0.5"},
    {"kind": "status", "probability": 7},
    {"kind": "status", "probability": -0.1},
    {"kind": "status", "probability": math.nan},
    {"kind": "status", "status": 429, "retry_after": math.nan},
    {"kind": "status", "status": 429, "retry_after": -1},
    {"kind": "status", "times": -1},
    {"kind": "status", "times": 1.5},
    {"kind": "envelope", "code": 10**30},
    {"kind": "envelope", "code": "500"},
    {"kind": "status", "path": "alibaba/no/slash"},
    {"kind": "status", "match": {"beginPage": 2}},
    {"kind": "status", "message": 5},
    {"kind": "no-such-kind"},
]
BAD_LOST_ANSWERS: list[dict[str, Any]] = [
    {"path": PAY, "kind": "latency", "seconds": math.nan},
    {"path": PAY, "kind": "latency", "seconds": 1e308},
    {"path": PAY, "kind": "latency", "seconds": math.inf},
    {"path": PAY, "kind": "latency", "seconds": -1},
    {"path": PAY, "kind": "latency", "seconds": "soon"},
    {"path": PAY, "kind": "reset", "times": 0},
    {"path": PAY, "kind": "reset", "times": "x"},
    {"path": PAY, "kind": "drop"},
    {"path": "no-slash", "kind": "reset"},
]


def shown(spec: dict[str, Any]) -> str:
    return ",".join(f"{k}={v!r}" for k, v in spec.items())[:50]


@pytest.mark.parametrize("spec", BAD_FAULTS, ids=shown)
def test_a_fault_it_cannot_serve_is_a_value_error(spec: dict[str, Any]) -> None:
    options = {k: v for k, v in spec.items() if k != "kind"}
    with pytest.raises(ValueError):
        Fault(spec["kind"], **options)
    sandbox = SandboxServer()
    with pytest.raises(ValueError):
        sandbox.add_fault(spec["kind"], **options)
    with pytest.raises(ValueError):
        sandbox.state.add_fault(spec)
    assert sandbox.state.faults == []
    route_options = {k: v for k, v in options.items() if k not in ("path", "match", "probability")}
    if route_options != options:
        return  # those belong to sandbox.route(...), which refuses them as a TypeError
    with pytest.raises(ValueError):
        sandbox.route(KEYWORD).fault(spec["kind"], **route_options)


@pytest.mark.parametrize("latency", [math.nan, math.inf, -1.0, 1e308, "0.1"])
def test_a_latency_it_cannot_serve_is_a_value_error(latency: Any) -> None:
    with pytest.raises(ValueError, match="latency"):
        SandboxConfig(latency=latency)
    with pytest.raises(ValueError, match="latency"):
        SandboxServer(latency=latency)
    config = SandboxConfig()
    config.latency = latency
    with pytest.raises(ValueError, match="latency"):
        SandboxState(config)


@pytest.mark.parametrize("spec", BAD_LOST_ANSWERS, ids=shown)
def test_a_lost_answer_it_cannot_serve_is_a_value_error(spec: dict[str, Any]) -> None:
    store = orders_store(SandboxState())
    options = {k: v for k, v in spec.items() if k not in ("path", "kind")}
    with pytest.raises(ValueError):
        store.lose_answer(spec["path"], spec["kind"], **options)
    assert store.lost_answers == []


def test_the_valid_edges_are_accepted() -> None:
    sandbox = SandboxServer()
    for status in (100, 429, 599):
        assert sandbox.add_fault("status", status=status).status == status
    assert sandbox.add_fault("latency", seconds=0).seconds == 0
    assert sandbox.add_fault("latency", seconds=86_400).seconds == 86_400
    assert sandbox.add_fault("status", probability=0).probability == 0
    assert sandbox.add_fault("status", probability=1).probability == 1
    assert sandbox.add_fault("envelope", code=-(2**63)).code == -(2**63)
    assert sandbox.add_fault("status", times=0).times == 0
    lost = orders_store(sandbox.state).lose_answer(PAY, "latency", seconds=0.5, times=None)
    assert (lost.seconds, lost.times) == (0.5, None)


async def post(sandbox: SandboxServer, path: str, body: Any) -> tuple[int, Any]:
    # allow_nan: Python's json writes NaN and Infinity, as a careless client would
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sandbox.base_url}{path}", json=body) as response,
    ):
        return response.status, await response.json()


async def test_the_control_endpoints_answer_400_and_install_nothing() -> None:
    async with SandboxServer() as sandbox:
        for spec in BAD_FAULTS:
            status, answer = await post(sandbox, "/_sandbox/faults", spec)
            assert status == 400, (spec, answer)
            assert isinstance(answer["error"], str)
            status, answer = await post(sandbox, "/_sandbox/faults", [{"kind": "reset", "times": 1}, spec])
            assert status == 400, (spec, answer)
        assert sandbox.state.faults == []  # a refused list installs none of its faults
        for spec in BAD_FAULTS:
            fault = {k: v for k, v in spec.items() if k not in ("path", "match", "probability")}
            if fault != spec:
                continue  # those belong to the route itself, not to its answers
            route = {"path": KEYWORD, "answers": [{"fault": fault, "times": 1}]}
            status, answer = await post(sandbox, "/_sandbox/routes", route)
            assert status == 400, (spec, answer)
        assert sandbox.state.routes == []
        for spec in BAD_LOST_ANSWERS:
            status, answer = await post(sandbox, "/_sandbox/orders/lose-answer", spec)
            assert status == 400, (spec, answer)
        assert orders_store(sandbox.state).lost_answers == []
        # and a service request still gets its normal answer: nothing half-installed strikes
        async with sandbox.client() as client:
            page = await client.products.keyword_search("连衣裙", page_size=10)
            assert page.items


async def test_a_status_fault_puts_a_valid_status_line_on_the_wire() -> None:
    async with SandboxServer() as sandbox:
        status, _ = await post(sandbox, "/_sandbox/faults", {"kind": "status", "status": 599, "times": 1})
        assert status == 200
        async with aiohttp.ClientSession() as session, session.get(f"{sandbox.base_url}{KEYWORD}") as response:
            assert response.status == 599
            assert (await response.json())["code"] == 599


@pytest.mark.parametrize("latency", ["nan", "inf", "-1"])
def test_the_sandbox_process_refuses_a_latency_it_cannot_serve(
    latency: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from daji_async.sandbox.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(["--port", "0", "--latency", latency])
    assert exited.value.code == 2
    assert "latency must be a number of seconds" in capsys.readouterr().err
