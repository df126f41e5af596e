"""Shared helpers. The ``daji_sandbox`` and ``daji_client`` fixtures come from the SDK's own
pytest plugin (``_daji_async_pytestplugin``, the pytest11 entry point), the same ones users get."""

from __future__ import annotations

import asyncio

import pytest

from daji_async.sandbox.pytest_plugin import FAST_RETRIES

#: Proxy variables a developer's or CI's environment may set. Clients built with DajiClient(...)
#: honour them, and no proxy reaches the sandbox on 127.0.0.1; tests that need them set them.
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def fast_retries():  # type: ignore[no-untyped-def]
    return FAST_RETRIES


async def settle() -> list[asyncio.Task[object]]:
    """Let cancelled work finish; return the tasks still pending besides the current one."""
    for _ in range(5):
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done()]
