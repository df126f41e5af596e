"""The sandbox's aiohttp application, assembled from its parts.

- `_wire`: the envelope, error answers and parameter reading;
- `_auth`: appKey and signature checks;
- `_faults`: injected faults and the middleware every service request passes;
- `_products`: the catalogue endpoints; `_orders_store`: orders as state, and their pushes;
  `_orders`: the trade endpoints (`_order_view`: an order as `get.buyerView` shows it);
- `_taobao`: Taobao/Tmall's searches, detail, purchase orders and pay; `_poizon`: Poizon's
  cursor-paged product list, detail and categories;
- `_control`: the `/_sandbox` control endpoints.

Service routes come from the SDK's endpoint table: each handler module maps endpoint names to
handlers, and each is registered at its row's method and path.
"""

from __future__ import annotations

from aiohttp import web

from .._endpoints import ENDPOINTS
from . import _orders, _poizon, _products, _taobao
from ._control import add_control_routes
from ._faults import make_middleware
from ._orders_store import install_pusher
from ._state import SandboxState
from ._wire import STATE_KEY, Handler

__all__ = ["STATE_KEY", "create_app", "service_handlers"]


def service_handlers() -> dict[str, Handler]:
    """Every service handler, by the name of its row in the endpoint table (read when an app is built)."""
    return {**_products.HANDLERS, **_orders.HANDLERS, **_taobao.HANDLERS, **_poizon.HANDLERS}


def create_app(state: SandboxState | None = None) -> web.Application:
    """The sandbox as an `aiohttp.web.Application` (run it with any aiohttp runner).

    ```python
    app = create_app(SandboxState(SandboxConfig(latency=0.05)))
    web.run_app(app, port=8080)
    ```

    """
    state = state or SandboxState()
    app = web.Application(middlewares=[make_middleware(state)], client_max_size=8 * 1024 * 1024)
    app[STATE_KEY] = state
    for name, handler in service_handlers().items():
        endpoint = ENDPOINTS[name]
        app.router.add_route(endpoint.method, endpoint.path, handler)
    install_pusher(app)
    add_control_routes(app)
    return app
