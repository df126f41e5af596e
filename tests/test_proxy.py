"""Proxies: the environment's variables by default, ``DajiClient(proxy=...)`` explicitly.

Tested against a forward proxy written here: an asyncio server on 127.0.0.1 that records
each request (its absolute-form target and Proxy-Authorization) and relays it to the
sandbox. The sandbox is on 127.0.0.1 too, and ``tests/conftest.py`` clears the environment's proxy variables
(``NO_PROXY`` included) before every test: neither the SDK nor aiohttp bypasses loopback on
their own, only ``NO_PROXY`` does.
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
import pytest

from daji_async import APIConnectionError, ConfigError, DajiClient
from daji_async.sandbox import SandboxServer


@dataclass
class Seen:
    method: str
    target: str
    proxy_authorization: str | None


@dataclass
class ForwardProxy:
    """A minimal HTTP/1.1 forward proxy (absolute-form requests, Content-Length bodies)."""

    seen: list[Seen] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.seen.append(Seen(method, target, headers.get("proxy-authorization")))
                parts = urlsplit(target)
                upstream_reader, upstream_writer = await asyncio.open_connection(parts.hostname, parts.port)
                forwarded = {k: v for k, v in headers.items() if not k.startswith("proxy-") and k != "connection"}
                forwarded["connection"] = "close"
                path = parts.path + ("?" + parts.query if parts.query else "")
                request = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in forwarded.items())
                upstream_writer.write(request.encode("latin-1") + b"\r\n" + body)
                await upstream_writer.drain()
                answer = await upstream_reader.read()  # the origin closes after one answer
                upstream_writer.close()
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def forward_proxy() -> AsyncIterator[ForwardProxy]:
    proxy = ForwardProxy()
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    proxy.port = server.sockets[0].getsockname()[1]
    try:
        yield proxy
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with SandboxServer() as server:
        yield server


def default_client(sandbox: SandboxServer, **options: object) -> DajiClient:
    """A client as a user makes one: not ``sandbox.client()``, which ignores the environment."""
    return DajiClient(sandbox.app_key, sandbox.app_secret, base_url=sandbox.base_url, **options)  # type: ignore[arg-type]


async def test_http_proxy_from_the_environment_routes_the_default_client(
    sandbox: SandboxServer, forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    async with default_client(sandbox) as client:
        assert client.transport.proxy == forward_proxy.url  # type: ignore[attr-defined]
        detail = await client.products.detail(sandbox.state.catalogue.offers[0].offer_id)
    assert detail.offer_id == sandbox.state.catalogue.offers[0].offer_id
    assert len(forward_proxy.seen) == 1
    seen = forward_proxy.seen[0]
    assert seen.method == "GET"
    assert seen.target.startswith(sandbox.base_url + "/alibaba/product/queryProductDetail?")
    assert seen.proxy_authorization is None
    assert sandbox.stats["requests"] == 1


async def test_lowercase_and_all_proxy_variables_count_too(
    sandbox: SandboxServer, forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("all_proxy", forward_proxy.url)
    async with default_client(sandbox) as client:
        await client.categories.get(0)
    assert [s.method for s in forward_proxy.seen] == ["GET"]


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost, 127.0.0.1", "*"])
async def test_no_proxy_naming_the_host_goes_direct(
    sandbox: SandboxServer, forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    async with default_client(sandbox) as client:
        assert client.transport.proxy is None  # type: ignore[attr-defined]
        await client.categories.get(0)
    assert forward_proxy.seen == []
    assert sandbox.stats["requests"] == 1


async def test_no_proxy_with_the_port(
    sandbox: SandboxServer, forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    monkeypatch.setenv("NO_PROXY", f"127.0.0.1:{sandbox.port}")
    async with default_client(sandbox) as client:
        await client.categories.get(0)
    assert forward_proxy.seen == []


async def test_the_https_variable_does_not_apply_to_an_http_base_url(
    sandbox: SandboxServer, forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", forward_proxy.url)
    async with default_client(sandbox) as client:
        await client.categories.get(0)
    assert forward_proxy.seen == []


async def test_trust_env_false_and_the_sandbox_client_ignore_the_environment(
    sandbox: SandboxServer, forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    async with default_client(sandbox, trust_env=False) as client:
        await client.categories.get(0)
    async with sandbox.client() as client:
        await client.categories.get(0)
    assert forward_proxy.seen == []
    assert sandbox.stats["requests"] == 2


async def test_explicit_proxy_with_credentials_sends_proxy_authorization(
    sandbox: SandboxServer, forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "*")  # the explicit proxy wins over the environment
    url = f"http://buyer:pa%3Ass@127.0.0.1:{forward_proxy.port}"
    async with sandbox.client(proxy=url) as client:
        assert client.transport.proxy == f"http://buyer:***@127.0.0.1:{forward_proxy.port}"  # type: ignore[attr-defined]
        page = await client.products.keyword_search("连衣裙", page_size=5)
        await client.products.estimate_freight(
            sandbox.state.catalogue.offers[0].offer_id,
            to_province_code="330000",
            to_city_code="330100",
            to_country_code="330108",
            total_num=1,
        )
    assert len(page.items) == 5
    assert [s.method for s in forward_proxy.seen] == ["GET", "POST"]
    expected = "Basic " + base64.b64encode(b"buyer:pa:ss").decode()
    assert {s.proxy_authorization for s in forward_proxy.seen} == {expected}


async def test_an_unreachable_proxy_is_a_connection_error_without_the_password(sandbox: SandboxServer) -> None:
    async with sandbox.client(proxy=f"http://user:hunter2@127.0.0.1:{free_port()}", max_retries=0) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.categories.get(0)
        assert "hunter2" not in repr(client)
    assert "hunter2" not in str(caught.value)


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("socks5://user:secret@127.0.0.1:1080", ["'socks5' scheme", "user:***@"]),
        ("", ["must be a proxy URL"]),
        ("http://:3128", ["names no host"]),
        ("http://127.0.0.1:port", ["not a valid proxy URL"]),
    ],
)
def test_unusable_proxies_are_config_errors(value: str, words: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        DajiClient("key", "secret", proxy=value)
    for word in words:
        assert word in str(caught.value)
    assert "secret@" not in str(caught.value)


def test_an_unusable_proxy_in_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "socks5://user:secret@127.0.0.1:1080")
    with pytest.raises(ConfigError, match="HTTPS_PROXY") as caught:
        DajiClient("key", "secret")
    assert "secret@" not in str(caught.value)


def test_a_proxy_without_scheme_means_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    client = DajiClient("key", "secret")
    assert client.transport.proxy == "http://proxy.example:3128"  # type: ignore[attr-defined]


def test_proxy_and_a_transport_of_your_own_do_not_mix() -> None:
    from daji_async.testing import MockTransport, Response

    transport = MockTransport(lambda request: Response(200, json={"code": 200, "data": []}))
    with pytest.raises(ConfigError, match="default aiohttp transport"):
        DajiClient("key", "secret", transport=transport, proxy="http://127.0.0.1:3128")


async def test_aiohttp_trust_env_proxies_loopback_too(
    sandbox: SandboxServer, forward_proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the SDK's resolution mirrors: aiohttp's trust_env has no implicit loopback bypass."""
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    async with aiohttp.ClientSession(trust_env=True) as session, session.get(sandbox.base_url + "/_sandbox/info"):
        pass
    assert [s.target for s in forward_proxy.seen] == [sandbox.base_url + "/_sandbox/info"]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with aiohttp.ClientSession(trust_env=True) as session, session.get(sandbox.base_url + "/_sandbox/info"):
        pass
    assert len(forward_proxy.seen) == 1
