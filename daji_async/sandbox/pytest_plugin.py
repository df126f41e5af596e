"""pytest fixtures for testing your own code against the sandbox.

Installing daji_async registers them with pytest (the `pytest11` entry point, module
`_daji_async_pytestplugin`, which imports nothing of the SDK until a test uses a fixture):

- `daji_sandbox`: a `SandboxServer` running on loopback in a
  background thread, fresh for each test: `.base_url`, `.app_key`, `.app_secret`,
  `.route(...)`, `.requests`, `.add_fault(...)`, `.reset()`, `.stats`, `.client(...)`.
- `daji_client`: a `DajiClient` pointed at `daji_sandbox` with short
  retry backoff; closed after the test. Needs pytest-asyncio (`pip install daji-async[test]`),
  in `auto` mode, or in `strict` mode (its default) with `@pytest.mark.asyncio` on tests.

```python
import pytest
from daji_async import DajiClient
from daji_async.sandbox import SandboxServer

@pytest.mark.asyncio  # not needed with asyncio_mode = "auto"
async def test_my_pricing(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.route("/alibaba/product/queryProductDetail").respond(data={"offerId": 1})
    detail = await daji_client.products.detail(1)
    assert daji_sandbox.requests[-1].params["offerId"] == "1"
```

"""

from __future__ import annotations

from _daji_async_pytestplugin import daji_sandbox

from .._protocol import RetryPolicy

#: Backoff used by the `daji_client` fixture, so retry tests take milliseconds.
FAST_RETRIES = RetryPolicy(base_delay=0.005, max_delay=0.02, retry_after_cap=5.0)

try:
    from _daji_async_pytestplugin import daji_client
except ImportError:  # pragma: no cover - daji_client needs pytest-asyncio
    __all__ = ["FAST_RETRIES", "daji_sandbox"]
else:
    __all__ = ["FAST_RETRIES", "daji_client", "daji_sandbox"]
