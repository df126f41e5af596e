"""The request pipeline against the sandbox over loopback: every error class, every retry
rule, timeouts, concurrency bounds and the rate limit."""

from __future__ import annotations

import asyncio
import time

import pytest

from daji_async import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    DajiClient,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    RetryPolicy,
    ServerError,
)
from daji_async._endpoints import CATEGORY_GET
from daji_async.sandbox import SandboxServer
from daji_async.sandbox.pytest_plugin import FAST_RETRIES

CATEGORY = "/alibaba/category/get"


def requests_to(sandbox: SandboxServer, path: str = CATEGORY) -> int:
    return int(sandbox.stats["by_path"].get(path, 0))


@pytest.mark.parametrize(
    ("fault", "cls"),
    [
        ({"kind": "status", "status": 500}, ServerError),
        ({"kind": "status", "status": 503}, ServerError),
        ({"kind": "status", "status": 429}, RateLimitError),
        ({"kind": "envelope", "code": 400, "message": "参数错误"}, BadRequestError),
        ({"kind": "envelope", "code": 1009, "message": "业务错误"}, APIError),
        ({"kind": "html", "status": 200}, ResponseDecodeError),
        ({"kind": "html", "status": 502}, ServerError),
        ({"kind": "truncate"}, ResponseDecodeError),
        ({"kind": "empty"}, ResponseDecodeError),
        ({"kind": "drop"}, APIConnectionError),
    ],
)
async def test_error_classes(daji_sandbox: SandboxServer, fault: dict[str, object], cls: type[Exception]) -> None:
    daji_sandbox.add_fault(fault)  # type: ignore[arg-type]
    async with daji_sandbox.client(max_retries=0) as client:
        with pytest.raises(cls) as info:
            await client.categories.get(0)
    assert type(info.value) is cls
    err = info.value
    assert CATEGORY in str(err)
    assert getattr(err, "path", None) == CATEGORY
    if isinstance(err, APIError):
        assert err.status in (200, 429, 500, 502, 503)
        assert err.message
        if fault["kind"] in ("status", "envelope"):
            assert err.trace_id  # the sandbox's error envelopes carry one


async def test_not_found_and_bad_params(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    with pytest.raises(NotFoundError) as info:
        await daji_client.products.detail(1)
    assert info.value.status == 404
    with pytest.raises(NotFoundError):
        await daji_client.request("GET", "/alibaba/product/nothingHere")
    with pytest.raises(BadRequestError, match="pageSize"):
        await daji_client.request(
            "GET",
            "/alibaba/product/keywordQuery",
            params={"keyword": "x", "beginPage": 1, "pageSize": 51, "country": "en"},
        )
    with pytest.raises(BadRequestError, match="country"):
        await daji_client.request(
            "GET", "/alibaba/product/keywordQuery", params={"keyword": "x", "beginPage": 1, "pageSize": 5}
        )
    with pytest.raises(BadRequestError, match="beginPage"):
        await daji_client.request(
            "GET",
            "/alibaba/product/keywordQuery",
            params={"keyword": "x", "beginPage": 0, "pageSize": 5, "country": "en"},
        )


async def test_unknown_and_inactive_app_keys(daji_sandbox: SandboxServer) -> None:
    async with DajiClient("nobody", "s", base_url=daji_sandbox.base_url) as client:
        with pytest.raises(BadRequestError, match="appKey"):
            await client.categories.get(0)
    daji_sandbox.state.config.inactive_app_keys = ("dormant",)
    async with DajiClient("dormant", "s", base_url=daji_sandbox.base_url) as client:
        with pytest.raises(AuthenticationError, match="激活"):
            await client.categories.get(0)


async def test_retries_5xx_then_succeeds(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("status", status=503, times=2)
    async with daji_sandbox.client(retry_policy=FAST_RETRIES, max_retries=3) as client:
        await client.categories.get(0)
    assert requests_to(daji_sandbox) == 3


async def test_gives_up_after_max_retries(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("status", status=500)
    async with daji_sandbox.client(retry_policy=FAST_RETRIES, max_retries=2) as client:
        with pytest.raises(ServerError):
            await client.categories.get(0)
        assert requests_to(daji_sandbox) == 3
        with pytest.raises(ServerError):
            await client.categories.get(0, max_retries=0)  # per-call override
        assert requests_to(daji_sandbox) == 4


async def test_retries_connection_drops(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("drop", times=2)
    async with daji_sandbox.client(retry_policy=FAST_RETRIES) as client:
        assert await client.categories.get(0)
    daji_sandbox.add_fault("drop")
    async with daji_sandbox.client(retry_policy=FAST_RETRIES, max_retries=1) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.categories.get(0)
    assert info.value.attempts == 2


async def test_retry_after_is_honoured(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("status", status=429, retry_after=0.3, times=1)
    async with daji_sandbox.client(retry_policy=FAST_RETRIES) as client:
        started = time.monotonic()
        await client.categories.get(0)
        elapsed = time.monotonic() - started
    assert elapsed >= 0.3
    assert requests_to(daji_sandbox) == 2


async def test_retry_after_beyond_the_cap_is_not_waited_for(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("status", status=429, retry_after=120)
    policy = RetryPolicy(base_delay=0.001, max_delay=0.001, retry_after_cap=1.0)
    async with daji_sandbox.client(retry_policy=policy) as client:
        started = time.monotonic()
        with pytest.raises(RateLimitError) as info:
            await client.categories.get(0)
        assert time.monotonic() - started < 1.0
    assert info.value.retry_after == 120
    assert requests_to(daji_sandbox) == 1


async def test_envelope_and_client_errors_are_not_retried(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("envelope", code=500, message="业务失败")
    async with daji_sandbox.client(retry_policy=FAST_RETRIES) as client:
        with pytest.raises(ServerError):
            await client.categories.get(0)
        assert requests_to(daji_sandbox) == 1
        daji_sandbox.clear_faults()
        with pytest.raises(NotFoundError):
            await client.categories.get(999)
        assert requests_to(daji_sandbox) == 2


@pytest.mark.parametrize(
    ("fault", "cls"),
    [
        ({"kind": "status", "status": 503}, ServerError),
        ({"kind": "status", "status": 429, "retry_after": 0.01}, RateLimitError),
        ({"kind": "drop"}, APIConnectionError),
        ({"kind": "latency", "seconds": 0.3}, APITimeoutError),
    ],
)
async def test_unsafe_calls_are_never_retried(
    daji_sandbox: SandboxServer, fault: dict[str, object], cls: type[Exception]
) -> None:
    daji_sandbox.add_fault({**fault, "times": 1})  # type: ignore[arg-type]
    async with daji_sandbox.client(retry_policy=FAST_RETRIES, max_retries=5, timeout=0.1) as client:
        with pytest.raises(cls):
            await client.request("GET", CATEGORY_GET.path, params={"categoryID": 0}, safe=False, max_retries=5)
    await asyncio.sleep(0.3)
    assert requests_to(daji_sandbox) == 1


async def test_timeout_per_attempt_and_per_call(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("latency", seconds=0.5)
    async with daji_sandbox.client(retry_policy=FAST_RETRIES, timeout=0.1, max_retries=1) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            await client.categories.get(0)
        assert time.monotonic() - started < 0.45
        assert info.value.attempts == 2
        assert "0.1 s" in str(info.value)
        assert await client.categories.get(0, timeout=2.0)  # per-call override


async def test_secret_and_signature_never_in_errors(daji_sandbox: SandboxServer) -> None:
    secret = daji_sandbox.app_secret
    for fault in ({"kind": "status", "status": 500}, {"kind": "drop"}, {"kind": "html"}, {"kind": "truncate"}):
        daji_sandbox.clear_faults()
        daji_sandbox.add_fault(fault)  # type: ignore[arg-type]
        async with daji_sandbox.client(max_retries=0) as client:
            with pytest.raises(Exception) as info:
                await client.categories.get(0)
        text = f"{info.value!s} {info.value!r} {info.value.__cause__!r}"
        assert secret not in text
        assert "sign=" not in text
    async with DajiClient("k", secret, base_url="http://127.0.0.1:1", max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info2:
            await client.categories.get(0)
    assert secret not in str(info2.value)
    assert "sign=" not in str(info2.value)


async def test_max_concurrency_bounds_requests_in_flight(daji_sandbox: SandboxServer) -> None:
    daji_sandbox.add_fault("latency", seconds=0.05)
    async with daji_sandbox.client(max_concurrency=4) as client:
        await asyncio.gather(*(client.categories.get(0) for _ in range(24)))
    stats = daji_sandbox.stats
    assert stats["requests"] == 24
    assert stats["max_in_flight"] == 4


async def test_rate_limit_holds_in_the_first_second(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client(rate_limit=10) as client:
        started = time.monotonic()
        done: list[float] = []

        async def call() -> None:
            await client.categories.get(0)
            done.append(time.monotonic() - started)

        tasks = [asyncio.ensure_future(call()) for _ in range(30)]
        await asyncio.sleep(1.0)
        in_first_second = len(done)
        await asyncio.gather(*tasks)
    # aiolimiter's default bucket would let 19 through here; the client's allows at most 10
    assert in_first_second <= 10
    # at the server, arrivals carry network jitter (the first request also opens the
    # connection): allow 20 ms of it
    assert daji_sandbox.state.stats.max_in_window(0.98) <= 10


async def test_shared_limiter_object_is_used_as_given(daji_sandbox: SandboxServer) -> None:
    from aiolimiter import AsyncLimiter

    limiter = AsyncLimiter(1, 0.05)
    async with daji_sandbox.client(rate_limit=limiter) as a, daji_sandbox.client(rate_limit=limiter) as b:
        started = time.monotonic()
        await asyncio.gather(*(c.categories.get(0) for c in (a, b) for _ in range(5)))
        assert time.monotonic() - started >= 0.4
