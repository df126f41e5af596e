"""The sandbox: a faithful, stateful fake of the DAJI service, shipped with the SDK.

It verifies app keys and signatures like the service, validates parameters, pages through
a deterministic catalogue of thousands of offers, keeps uploads (and orders) as state, and
injects faults on demand. Run it in-process (`SandboxServer`), as a process
(`python -m daji_async.sandbox --port 8080`), or through the pytest fixtures
`daji_sandbox` and `daji_client`.

```python
from daji_async.sandbox import SandboxServer

async with SandboxServer() as sandbox, sandbox.client() as client:
    async for item in client.products.keyword_search("连衣裙", max_items=50):
        print(item.subject_trans)
```

"""

from ._app import create_app
from ._catalogue import Catalogue, Offer
from ._options import FaultOptions, SandboxOptions
from ._routes import Route, SandboxRequest
from ._server import SandboxServer
from ._state import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, Fault, SandboxConfig, SandboxState, Stats
from ._tls import SelfSignedTLS, self_signed_tls

__all__ = [
    "SANDBOX_APP_KEY",
    "SANDBOX_APP_SECRET",
    "Catalogue",
    "Fault",
    "FaultOptions",
    "Offer",
    "Route",
    "SandboxConfig",
    "SandboxOptions",
    "SandboxRequest",
    "SandboxServer",
    "SandboxState",
    "SelfSignedTLS",
    "Stats",
    "create_app",
    "self_signed_tls",
]
