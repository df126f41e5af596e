"""pytest fixtures for testing your own code against the sandbox (registered via ``pytest11``).

- ``daji_sandbox``: a :class:`~daji_async.sandbox.SandboxServer` running on loopback in a
  background thread, fresh for each test: ``.base_url``, ``.app_key``, ``.app_secret``,
  ``.add_fault(...)``, ``.reset()``, ``.stats``, ``.client(...)``.
- ``daji_client``: a :class:`~daji_async.DajiClient` pointed at ``daji_sandbox`` with short
  retry backoff; closed after the test. Needs pytest-asyncio (``pip install daji-async[test]``).

::

    async def test_my_pricing(daji_client):
        page = await daji_client.products.keyword_search("连衣裙")
        assert page.items
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from .._protocol import RetryPolicy
from ._server import SandboxServer

#: Backoff used by the ``daji_client`` fixture, so retry tests take milliseconds.
FAST_RETRIES = RetryPolicy(base_delay=0.005, max_delay=0.02, retry_after_cap=5.0)


@pytest.fixture
def daji_sandbox() -> Iterator[SandboxServer]:
    """A fresh sandbox server on 127.0.0.1 for one test."""
    server = SandboxServer().start_in_thread()
    try:
        yield server
    finally:
        server.stop_thread()


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - daji_client needs pytest-asyncio
    pass
else:

    @pytest_asyncio.fixture
    async def daji_client(daji_sandbox: SandboxServer) -> AsyncIterator[Any]:
        """A DajiClient for ``daji_sandbox``, closed after the test."""
        client = daji_sandbox.client(retry_policy=FAST_RETRIES)
        try:
            yield client
        finally:
            await client.close()
