"""The sandbox itself: the service's auth rules, parameter validation, paging arithmetic,
control endpoints, the process entry point and the pytest fixtures."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import aiohttp
import pytest

from daji_async import DajiClient
from daji_async._protocol import authenticate, canonical_pairs, encode_query
from daji_async.sandbox import SandboxConfig, SandboxServer, SandboxState
from daji_async.sandbox._catalogue import Catalogue

KEYWORD = "/alibaba/product/keywordQuery"


def signed_url(sandbox: SandboxServer, path: str, params: dict[str, object], **auth: bool) -> str:
    pairs = authenticate(canonical_pairs(params), sandbox.app_key, sandbox.app_secret, **auth)  # type: ignore[arg-type]
    return f"{sandbox.base_url}{path}?{encode_query(pairs)}"


async def get(url: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json(content_type=None)


SEARCH = {"keyword": "连衣裙", "beginPage": 1, "pageSize": 20, "country": "en"}


async def test_signature_rules(daji_sandbox: SandboxServer) -> None:
    status, body = await get(signed_url(daji_sandbox, KEYWORD, SEARCH))
    assert status == 200
    assert body["code"] == 200
    assert body["message"] == "操作成功"
    assert isinstance(body["traceId"], str)
    assert isinstance(body["timestamp"], int)
    # the documented recipe by hand: sorted raw values, &secret=, MD5, upper hex
    text = "&".join(f"{k}={v}" for k, v in sorted({**SEARCH, "appKey": daji_sandbox.app_key}.items()))
    manual = hashlib.md5(f"{text}&secret={daji_sandbox.app_secret}".encode()).hexdigest().upper()
    query = "&".join(f"{k}={quote(str(v))}" for k, v in {**SEARCH, "appKey": daji_sandbox.app_key}.items())
    assert (await get(f"{daji_sandbox.base_url}{KEYWORD}?{query}&sign={manual}"))[0] == 200
    assert (await get(f"{daji_sandbox.base_url}{KEYWORD}?{query}&sign={manual.lower()}"))[0] == 400
    tampered = signed_url(daji_sandbox, KEYWORD, SEARCH).replace("pageSize=20", "pageSize=21")
    status, body = await get(tampered)
    assert (status, body["code"]) == (400, 400)
    assert "签名" in str(body["message"])
    status, body = await get(f"{daji_sandbox.base_url}{KEYWORD}?{query}")
    assert status == 400
    assert "sign" in str(body["message"])
    assert (await get(signed_url(daji_sandbox, KEYWORD, SEARCH, send_secret=True)))[0] == 200
    wrong_secret = signed_url(daji_sandbox, KEYWORD, SEARCH, send_secret=True).replace("appSecret=", "appSecret=x")
    assert (await get(wrong_secret))[0] == 400


async def test_empty_strings_are_signed(daji_sandbox: SandboxServer) -> None:
    status, _ = await get(signed_url(daji_sandbox, KEYWORD, {**SEARCH, "filter": "", "sort": ""}))
    assert status == 200


async def test_unknown_path_is_404_before_auth(daji_sandbox: SandboxServer) -> None:
    status, body = await get(f"{daji_sandbox.base_url}/alibaba/product/unknown")
    assert status == 404
    assert body["message"] == "No message available"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"pageSize": 0}, "pageSize"),
        ({"pageSize": 51}, "pageSize"),
        ({"pageSize": "x"}, "pageSize"),
        ({"beginPage": 0}, "beginPage"),
        ({"country": None}, "country"),
        ({"keyword": None}, "keyword"),
        ({"sort": "{price"}, "sort"),
        ({"priceStart": "cheap"}, "priceStart"),
    ],
)
async def test_parameter_validation(daji_sandbox: SandboxServer, change: dict[str, object], fragment: str) -> None:
    status, body = await get(signed_url(daji_sandbox, KEYWORD, {**SEARCH, **change}))
    assert (status, body["code"]) == (400, 400)
    assert fragment in str(body["message"])


@pytest.mark.parametrize(("total", "size", "pages"), [(0, 20, 0), (1, 20, 1), (40, 20, 2), (41, 20, 3), (95, 50, 2)])
async def test_paging_arithmetic(daji_sandbox: SandboxServer, total: int, size: int, pages: int) -> None:
    daji_sandbox.set_scenario("算术", total)
    _, body = await get(signed_url(daji_sandbox, KEYWORD, {**SEARCH, "keyword": "算术", "pageSize": size}))
    data = body["data"]
    assert isinstance(data, dict)
    assert (data["totalRecords"], data["totalPage"], data["pageSize"]) == (total, pages, size)
    assert len(data["data"]) == min(size, total)
    beyond = await get(
        signed_url(daji_sandbox, KEYWORD, {**SEARCH, "keyword": "算术", "pageSize": size, "beginPage": pages + 1})
    )
    assert beyond[1]["data"]["data"] == []  # type: ignore[index]


async def test_control_endpoints(daji_sandbox: SandboxServer) -> None:
    base = daji_sandbox.base_url + "/_sandbox"
    async with aiohttp.ClientSession() as session:
        async with session.post(base + "/faults", json={"kind": "status", "status": 503, "times": 1}) as r:
            assert r.status == 200
            assert (await r.json())[0]["status"] == 503
        async with session.post(base + "/faults", json={"kind": "explode"}) as r:
            assert r.status == 400
        async with session.post(base + "/scenarios", json={"keyword": "控制", "total": 7}) as r:
            assert (await r.json()) == {"控制": 7}
        async with DajiClient(daji_sandbox.app_key, daji_sandbox.app_secret, base_url=daji_sandbox.base_url) as c:
            page = await c.products.keyword_search("控制")  # retried past the 503
            assert page.total_records == 7
        async with session.get(base + "/stats") as r:
            stats = await r.json()
        assert stats["requests"] == 2
        assert stats["by_status"] == {"503": 1, "200": 1}
        async with session.delete(base + "/faults") as r:
            assert await r.json() == []
        async with session.post(base + "/reset", json={}) as r:  # control writes are JSON
            assert r.status == 200
        async with session.get(base + "/stats") as r:
            assert (await r.json())["requests"] == 0
        async with session.get(base + "/info") as r:
            info = await r.json()
        assert "连衣裙" in info["keywords"]


def test_catalogue_is_deterministic() -> None:
    a, b = Catalogue(seed=7, size=300), Catalogue(seed=7, size=300)
    assert [o.offer_id for o in a.offers] == [o.offer_id for o in b.offers]
    assert [o.subject for o in a.offers] == [o.subject for o in b.offers]
    assert Catalogue(seed=8, size=300).offers[0].offer_id != a.offers[0].offer_id
    assert len({o.offer_id for o in a.offers}) == 300


def test_catalogue_looks_like_1688() -> None:
    state = SandboxState(SandboxConfig())
    offers = state.catalogue.offers
    assert len(offers) >= 5000
    assert sum(o.jxhy for o in offers) / len(offers) == pytest.approx(0.35, abs=0.05)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in o.subject) for o in offers[:100])
    assert {o.subject_trans("fr") for o in offers[:50]} != {o.subject_trans("en") for o in offers[:50]}
    assert offers[0].subject_trans("th") == offers[0].subject_trans("en")  # untranslated languages fall back


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_runs_as_a_process() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "daji_async.sandbox", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                async with aiohttp.ClientSession() as session, session.get(base + "/_sandbox/info") as r:
                    if r.status == 200:
                        break
            except aiohttp.ClientError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
        from daji_async.sandbox import SANDBOX_APP_KEY, SANDBOX_APP_SECRET

        async with DajiClient(SANDBOX_APP_KEY, SANDBOX_APP_SECRET, base_url=base) as client:
            assert (await client.products.keyword_search("连衣裙")).items
    finally:
        process.terminate()
        process.communicate(timeout=10)


async def test_in_loop_server_and_options() -> None:
    async with SandboxServer(latency=0.05, app_key="k2", app_secret="s2") as sandbox:
        assert sandbox.app_key == "k2"
        async with sandbox.client() as client:
            started = time.monotonic()
            await client.categories.get(0)
            assert time.monotonic() - started >= 0.05
    with pytest.raises(TypeError, match="unknown sandbox option"):
        SandboxServer(bogus=1)


def test_plugin_fixtures_work_for_users(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("")
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.asyncio

        async def test_search(daji_client, daji_sandbox):
            page = await daji_client.products.keyword_search("连衣裙")
            assert page.items
            daji_sandbox.add_fault("status", status=503, times=1)
            assert await daji_client.categories.get(0)
            assert daji_sandbox.stats["requests"] == 3
        """
    )
    result = pytester.runpytest_subprocess("-p", "asyncio", "-q")
    result.assert_outcomes(passed=1)
