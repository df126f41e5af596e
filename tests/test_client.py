"""DajiClient configuration, lifecycle, raw requests, logging and secret redaction."""

from __future__ import annotations

import logging

import aiohttp
import pytest
from aiolimiter import AsyncLimiter

from daji_async import AiohttpTransport, BadRequestError, ConfigError, DajiClient, NotFoundError, StrictRateLimiter
from daji_async.sandbox import SandboxServer


def test_missing_credentials_name_the_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAJI_APP_KEY", raising=False)
    monkeypatch.delenv("DAJI_APP_SECRET", raising=False)
    with pytest.raises(ConfigError) as info:
        DajiClient()
    assert "DAJI_APP_KEY" in str(info.value)
    assert "DAJI_APP_SECRET" in str(info.value)
    with pytest.raises(ConfigError, match="DAJI_APP_SECRET"):
        DajiClient("key")


def test_configuration_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAJI_APP_KEY", "env-key")
    monkeypatch.setenv("DAJI_APP_SECRET", "env-secret")
    monkeypatch.setenv("DAJI_BASE_URL", "http://127.0.0.1:9/")
    client = DajiClient()
    assert client.app_key == "env-key"
    assert client.base_url == "http://127.0.0.1:9"
    explicit = DajiClient("a", "b", base_url="https://example.test")
    assert explicit.base_url == "https://example.test"


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAJI_BASE_URL", raising=False)
    assert DajiClient("a", "b").base_url == "https://openapi.dajisaas.com"


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"base_url": "ftp://x"}, "base_url"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_retries": -1}, "max_retries"),
        ({"timeout": 0}, "timeout"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"country": ""}, "country"),
        ({"endpoint_paths": {"nope": "/x"}}, "unknown endpoints"),
        ({"endpoint_paths": {"products.detail": "x"}}, "must start with '/'"),
    ],
)
def test_invalid_configuration(options: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        DajiClient("a", "b", **options)  # type: ignore[arg-type]


def test_repr_hides_the_secret() -> None:
    client = DajiClient("my-app-key", "TOP-SECRET-VALUE", rate_limit=5)
    text = repr(client)
    assert "TOP-SECRET-VALUE" not in text
    assert "my-app-key" not in text  # only a prefix of the key
    assert "5/s" in text


def test_rate_limit_forms() -> None:
    limiter = AsyncLimiter(7, 1)
    assert DajiClient("a", "b", rate_limit=limiter).rate_limiter is limiter
    assert DajiClient("a", "b").rate_limiter is None
    own = DajiClient("a", "b", rate_limit=10).rate_limiter
    assert isinstance(own, StrictRateLimiter)
    assert isinstance(own, AsyncLimiter)
    assert own.rate == 10
    assert own.max_rate / own.time_period == pytest.approx(10)


async def test_async_with_closes_own_session(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client() as client:
        await client.categories.get(0)
        transport = client.transport
        assert isinstance(transport, AiohttpTransport)
        session = transport.session
        assert not session.closed
    assert session.closed
    assert client.closed
    with pytest.raises(RuntimeError, match="closed"):
        await client.categories.get(0)
    await client.close()  # idempotent


async def test_session_is_created_lazily(daji_sandbox: SandboxServer) -> None:
    client = daji_sandbox.client()
    transport = client.transport
    assert isinstance(transport, AiohttpTransport)
    assert not transport.started
    await client.categories.get(0)
    assert transport.started
    await client.close()


async def test_user_session_is_used_and_never_closed(daji_sandbox: SandboxServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with daji_sandbox.client(session=session) as client:
            await client.categories.get(0)
            transport = client.transport
            assert isinstance(transport, AiohttpTransport)
            assert transport.session is session
        assert not session.closed
        # still usable by its owner
        async with session.get(daji_sandbox.base_url + "/_sandbox/stats") as response:
            assert (await response.json())["requests"] == 1


async def test_raw_request(daji_client: DajiClient) -> None:
    data = await daji_client.request("GET", "/alibaba/category/get", params={"categoryID": 0})
    assert isinstance(data, list)
    assert data[0]["categoryID"] == 0
    freight = await daji_client.request(
        "POST",
        "/alibaba/product/freightEstimate",
        json={
            "offerId": (await daji_client.products.keyword_search("背包")).items[0].offer_id,
            "toProvinceCode": "330000",
            "toCityCode": "330100",
            "toCountryCode": "330108",
            "totalNum": 2,
        },
    )
    assert "freight" in freight
    with pytest.raises(NotFoundError):
        await daji_client.request("GET", "/alibaba/upload/imageByUrl", params={"imageUrl": "x"})
    with pytest.raises(ValueError, match="start with"):
        await daji_client.request("GET", "no-slash")


async def test_send_secret_debug_mode(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client(send_secret=True) as client:
        assert (await client.categories.get(0))[0].category_id == 0


async def test_wrong_secret_is_a_bad_request_without_the_secret(daji_sandbox: SandboxServer) -> None:
    async with DajiClient(daji_sandbox.app_key, "WRONG-SECRET-123", base_url=daji_sandbox.base_url) as client:
        with pytest.raises(BadRequestError) as info:
            await client.categories.get(0)
    assert info.value.status == 400
    assert "签名错误" in info.value.message
    assert "WRONG-SECRET-123" not in str(info.value)
    assert "WRONG-SECRET-123" not in repr(info.value)


async def test_debug_log_one_line_per_attempt_without_secrets(
    daji_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    daji_sandbox.add_fault("status", status=503, times=1)
    caplog.set_level(logging.DEBUG, logger="daji_async")
    async with daji_sandbox.client(retry_policy=_fast()) as client:
        await client.categories.get(0)
    attempts = [r.getMessage() for r in caplog.records if "->" in r.getMessage()]
    assert len(attempts) == 2
    assert "GET /alibaba/category/get -> 503" in attempts[0]
    assert "attempt 1" in attempts[0]
    assert "GET /alibaba/category/get -> 200" in attempts[1]
    assert "attempt 2" in attempts[1]
    assert "traceId" in attempts[1]
    assert " ms " in attempts[1]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert daji_sandbox.app_secret not in everything
    assert "sign=" not in everything


def test_daji_log_env_turns_debug_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from daji_async import _logs

    logger = logging.getLogger("daji_async")
    before = (logger.level, list(logger.handlers))
    try:
        monkeypatch.setenv("DAJI_LOG", "debug")
        _logs.setup_from_env()
        assert logger.isEnabledFor(logging.DEBUG)
        assert any(getattr(h, "_daji_env", False) for h in logger.handlers)
        _logs.setup_from_env()  # no second handler
        assert sum(getattr(h, "_daji_env", False) for h in logger.handlers) == 1
    finally:
        logger.setLevel(before[0])
        logger.handlers[:] = before[1]


def _fast():  # type: ignore[no-untyped-def]
    from daji_async.sandbox.pytest_plugin import FAST_RETRIES

    return FAST_RETRIES
