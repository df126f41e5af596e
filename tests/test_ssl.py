"""``DajiClient(ssl=...)`` (issue 27, item 2): the default transport verifies the service's
certificate by default, trusts a private CA given as an ``ssl.SSLContext`` (through its own
session or a borrowed one), turns verification off with ``ssl=False``, and keeps honouring
``SSL_CERT_FILE`` from the environment, against a self-signed TLS sandbox on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from daji_async import APIConnectionError, ConfigError, DajiClient
from daji_async.sandbox import SandboxServer, SelfSignedTLS, self_signed_tls
from daji_async.testing import MockTransport

#: what a failed certificate check says (OpenSSL's words)
UNVERIFIED = r"certificate verify failed|CERTIFICATE_VERIFY_FAILED"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> SelfSignedTLS:
    return self_signed_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def sandbox(tls: SelfSignedTLS) -> Iterator[SandboxServer]:
    with SandboxServer(tls=tls.server_context()) as server:
        yield server


def test_the_tls_sandbox_serves_https(sandbox: SandboxServer) -> None:
    assert sandbox.base_url.startswith("https://127.0.0.1:")


async def test_a_context_that_trusts_the_certificate_reaches_the_service(
    sandbox: SandboxServer, tls: SelfSignedTLS
) -> None:
    sandbox.reset()
    async with sandbox.client(ssl=tls.client_context(), max_concurrency=4) as client:
        ids = [i.offer_id async for i in client.products.keyword_search("连衣裙", page_size=5, max_items=60)]
        results = [r async for r in client.bulk.keyword_search([f"手机壳{n}" for n in range(20)], concurrency=4)]
    assert len(ids) == 60 and all(r.error is None for r in results)
    # keep-alive: 12 + 20 requests over at most 4 connections, one handshake each
    assert sandbox.stats["requests"] >= 32
    assert 1 <= sandbox.stats["connections"] <= 4


async def test_the_default_verifies_and_refuses_an_unknown_certificate(sandbox: SandboxServer) -> None:
    async with sandbox.client(max_retries=0) as client:
        with pytest.raises(APIConnectionError, match=UNVERIFIED):
            await client.products.keyword_search("连衣裙")


async def test_ssl_false_turns_verification_off(sandbox: SandboxServer) -> None:
    async with sandbox.client(ssl=False) as client:
        page = await client.products.keyword_search("连衣裙", page_size=3)
    assert len(page.items) == 3


async def test_a_borrowed_session_gets_the_context_with_each_request(
    sandbox: SandboxServer, tls: SelfSignedTLS
) -> None:
    async with aiohttp.ClientSession() as session:
        async with sandbox.client(session=session, ssl=tls.client_context()) as client:
            page = await client.products.keyword_search("连衣裙", page_size=3)
        assert len(page.items) == 3
        async with sandbox.client(session=session, max_retries=0) as client:
            with pytest.raises(APIConnectionError, match=UNVERIFIED):
                await client.products.keyword_search("连衣裙")


@pytest.mark.parametrize("trusted", [True, False])
def test_ssl_cert_file_in_the_environment_still_applies(
    sandbox: SandboxServer, tls: SelfSignedTLS, trusted: bool
) -> None:
    script = textwrap.dedent(
        f"""
        import asyncio
        from daji_async import APIConnectionError, DajiClient

        async def main():
            async with DajiClient({sandbox.app_key!r}, {sandbox.app_secret!r}, base_url={sandbox.base_url!r},
                                  trust_env=False, max_retries=0) as client:
                try:
                    page = await client.products.keyword_search("连衣裙", page_size=2)
                except APIConnectionError as exc:
                    print("refused", exc)
                else:
                    print("items", len(page.items))

        asyncio.run(main())
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    if trusted:
        env["SSL_CERT_FILE"] = str(tls.certfile)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    assert done.stdout.split()[0] == ("items" if trusted else "refused"), done.stdout + done.stderr
    if trusted:
        assert done.stdout.split()[1] == "2"


@pytest.mark.parametrize("value", ["yes", 1, None, Path("cert.pem")])
def test_a_bad_ssl_value_is_a_config_error(value: object) -> None:
    with pytest.raises(ConfigError, match=r"ssl must be True, False or an ssl\.SSLContext"):
        DajiClient("key", "secret", ssl=value)  # type: ignore[arg-type]


def test_ssl_with_a_transport_of_ones_own_is_refused(tls: SelfSignedTLS) -> None:
    transport = MockTransport(lambda request: {"code": 200, "data": {}})
    with pytest.raises(ConfigError, match="ssl applies to the default aiohttp transport"):
        DajiClient("key", "secret", transport=transport, ssl=tls.client_context())
    with pytest.raises(ConfigError, match="ssl applies"):
        DajiClient("key", "secret", transport=transport, ssl=False)
    DajiClient("key", "secret", transport=transport, ssl=True)  # the default: nothing to refuse
