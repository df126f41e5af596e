"""Testing your own code against the sandbox with the SDK's pytest fixtures.

Installing daji_async registers two fixtures: ``daji_sandbox`` (a fresh sandbox for each test)
and ``daji_client`` (a ``DajiClient`` pointed at it, with millisecond retry backoff). The
``daji_client`` fixture is async, so pytest-asyncio must run these tests: the module-level mark
below works in pytest-asyncio's default *strict* mode and in *auto* mode alike.

    pip install 'daji-async[test]'      # pytest, pytest-asyncio
    python -m pytest examples/testing
"""

from __future__ import annotations

import pytest
from repricer import cheapest, price_of

from daji_async import DajiClient, ServerError
from daji_async.sandbox import SandboxServer

pytestmark = pytest.mark.asyncio


async def test_finds_the_cheapest_offer(daji_client: DajiClient) -> None:
    best = await cheapest(daji_client, "连衣裙")
    assert best is not None
    prices = [price_of(item) async for item in daji_client.products.keyword_search("连衣裙", max_items=100)]
    assert price_of(best) == min(p for p in prices if p is not None)


async def test_nothing_found(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.set_scenario("无结果", 0)  # this keyword now finds no offer at all
    assert await cheapest(daji_client, "无结果") is None


async def test_survives_a_flaky_service(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("status", status=503, times=2)  # two failures, then the client's retry succeeds
    assert await cheapest(daji_client, "手机壳") is not None
    assert daji_sandbox.stats["by_status"]["503"] == 2


async def test_gives_up_when_the_service_stays_down(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("status", status=503)  # every request, until the test ends
    with pytest.raises(ServerError):
        await cheapest(daji_client, "手机壳")
