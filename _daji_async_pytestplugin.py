"""daji_async's pytest plugin: the ``daji_sandbox`` and ``daji_client`` fixtures.

pytest loads this module (the ``pytest11`` entry point) in every run of every project whose
environment has daji_async installed, so it sits outside the package, as hypothesis's plugin
does, and imports nothing of the SDK (nor aiohttp) until a test asks for one of its
fixtures: loading it costs pytest alone, which is loaded already. The fixtures are documented
in :mod:`daji_async.sandbox.pytest_plugin`.

- ``daji_sandbox``: a fresh :class:`~daji_async.sandbox.SandboxServer` on 127.0.0.1, served
  from a background thread (usable from any event loop, and from sync tests), stopped after
  the test.
- ``daji_client``: a :class:`~daji_async.DajiClient` for ``daji_sandbox`` with millisecond
  retry backoff, closed after the test. An async fixture of pytest-asyncio: it works in its
  ``strict`` mode (mark your tests ``@pytest.mark.asyncio``) and ``auto`` mode.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from daji_async import DajiClient
    from daji_async.sandbox import SandboxServer


@pytest.fixture
def daji_sandbox() -> Iterator[SandboxServer]:
    """A fresh sandbox server on 127.0.0.1 for one test (``.base_url``, ``.route()``, ``.requests``...)."""
    from daji_async.sandbox import SandboxServer

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
    async def daji_client(daji_sandbox: SandboxServer) -> AsyncIterator[DajiClient]:
        """A DajiClient for ``daji_sandbox`` with millisecond retry backoff, closed after the test."""
        from daji_async.sandbox.pytest_plugin import FAST_RETRIES

        client = daji_sandbox.client(retry_policy=FAST_RETRIES)
        try:
            yield client
        finally:
            await client.close()
