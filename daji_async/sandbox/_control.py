"""The sandbox's control endpoints under `/_sandbox`: reset, faults, routes, requests, scenarios, stats, info, orders.

`/_sandbox/uploads` counts image uploads (`GET`) and expires every uploaded id (`DELETE`).

Routes: `GET` lists them, `POST` adds one (see `Route.from_dict`), `DELETE`
removes all. Requests: `GET /_sandbox/requests` lists the requests received (method,
path, params, status), `DELETE` forgets them.

They take no credentials, so they refuse what a web page could send them from another site
(a cross-site form POST, or a page whose DNS name was rebound to 127.0.0.1): every control
request must name the sandbox in its `Host` (an IP address, `localhost` or one of
`SandboxConfig.control_hosts`), carry no foreign `Origin`, and every POST must be
`Content-Type: application/json` (a type no HTML form can send, and that `fetch` cannot
send to another site without a preflight the sandbox never grants). Refusals are 403 or 415
with a JSON `{"error": ...}`.

Orders (no auth, under `/_sandbox/orders`): `GET` the store's snapshot; ``POST
{orderId}/send` (the seller ships); `POST webhook` `{"url": ...}`; `POST redeliver``
`{"msgId": ...}`; `POST lose-answer` `{"path", "kind", "seconds", "times"}` (see
`lose_answer`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from ..enums import OrderStatus
from ..messages import Topic
from ._catalogue import NOUNS
from ._orders_store import PUSHER_KEY, emit, now_1688, orders_store
from ._routes import Route
from ._state import Fault
from ._wire import CONTROL_PREFIX, STATE_KEY


class BadBody(Exception):
    """A control request's body that is not JSON: answered HTTP 400 with `{"error": ...}`."""


async def json_body(request: web.Request) -> Any:
    """The JSON of a control request's body, or `BadBody` (never a 500 for what a client sends)."""
    try:
        return await request.json()
    except (ValueError, LookupError, RecursionError) as exc:
        # not JSON, not in its declared charset (or an unknown one), or nested deeper than the
        # decoder goes
        raise BadBody(f"the body must be JSON: {type(exc).__name__}: {str(exc)[:200]}") from None


async def control_reset(request: web.Request) -> web.Response:
    request.app[STATE_KEY].reset()
    return web.json_response({"ok": True})


async def control_faults(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if request.method == "POST":
        body = await json_body(request)
        specs = body if isinstance(body, list) else [body]
        try:
            # every fault is checked before any is installed: a refused list installs nothing
            made = [Fault(**spec) if isinstance(spec, dict) else Fault(spec) for spec in specs]
        except (TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        for fault in made:
            state.add_fault(fault)
    elif request.method == "DELETE":
        state.clear_faults()
    return web.json_response([f.to_dict() for f in state.faults])


async def control_routes(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if request.method == "POST":
        body = await json_body(request)
        try:
            if not isinstance(body, dict):
                raise TypeError("expected a route object")
            state.add_route(Route.from_dict(body))
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": f"bad route: {exc}"}, status=400)
    elif request.method == "DELETE":
        state.clear_routes()
    return web.json_response([route.to_dict() for route in state.routes])


async def control_requests(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if request.method == "DELETE":
        state.requests.clear()
    return web.json_response([received.to_dict() for received in list(state.requests)])


async def control_scenarios(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if request.method == "POST":
        body = await json_body(request)
        try:
            state.set_scenario(str(body["keyword"]), int(body["total"]))
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": f"expected {{keyword, total}}: {exc}"}, status=400)
    return web.json_response(state.scenarios)


async def control_uploads(request: web.Request) -> web.Response:
    """`GET /_sandbox/uploads`: the upload count and ids kept; `DELETE` expires every id."""
    state = request.app[STATE_KEY]
    expired = state.expire_uploads() if request.method == "DELETE" else 0
    return web.json_response({"count": state.upload_count, "kept": len(state.uploads), "expired": expired})


async def control_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE_KEY].stats.snapshot())


async def control_info(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    return web.json_response(
        {
            "app_key": state.config.app_key,
            "offers": len(state.catalogue.offers),
            "keywords": [zh for zh, _, _ in NOUNS],
            "sellers": sorted(state.catalogue.by_seller)[:10],
        }
    )


async def control_orders(request: web.Request) -> web.Response:
    """`GET /_sandbox/orders`: the store's snapshot."""
    return web.json_response(orders_store(request.app[STATE_KEY]).snapshot())


async def control_send(request: web.Request) -> web.Response:
    """`POST /_sandbox/orders/{orderId}/send`: the seller ships a paid order."""
    store = orders_store(request.app[STATE_KEY])
    try:
        order = store.orders.get(int(request.match_info["order_id"]))
    except ValueError:
        order = None
    if order is None:
        return web.json_response({"error": "no such order"}, status=404)
    if order.status != OrderStatus.WAIT_SELLER_SEND:
        return web.json_response(
            {"error": f"only paid orders (waitsellersend) ship; this is {order.status}"}, status=409
        )
    order.delivered_time = now_1688()
    order.logistics_bill_no = f"ZT{order.order_id % 10**12:012d}"
    order.set_status(OrderStatus.WAIT_BUYER_RECEIVE)
    emit(request, store, order, Topic.ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS)
    return web.json_response({"orderId": order.order_id, "status": order.status})


async def control_webhook(request: web.Request) -> web.Response:
    """`POST /_sandbox/orders/webhook`: set (or clear) where messages are pushed."""
    state = request.app[STATE_KEY]
    body = await json_body(request)
    url = body.get("url") if isinstance(body, dict) else None
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        return web.json_response({"error": "url must be an http(s) URL or null"}, status=400)
    state.config.webhook_url = url
    return web.json_response({"url": url})


async def control_redeliver(request: web.Request) -> web.Response:
    """`POST /_sandbox/orders/redeliver`: push one message (or all) again."""
    store = orders_store(request.app[STATE_KEY])
    body = await json_body(request) if request.can_read_body else {}
    msg_id = body.get("msgId") if isinstance(body, dict) else None
    chosen = [m for m in store.messages if msg_id is None or m.msg_id == msg_id]
    if msg_id is not None and not chosen:
        return web.json_response({"error": f"no message {msg_id}"}, status=404)
    pusher = request.app[PUSHER_KEY]
    for message in chosen:
        pusher.push(store, message)
    return web.json_response({"redelivered": [m.msg_id for m in chosen]})


async def control_lose_answer(request: web.Request) -> web.Response:
    """`POST /_sandbox/orders/lose-answer`: see `OrderStore.lose_answer`."""
    store = orders_store(request.app[STATE_KEY])
    body = await json_body(request)
    try:
        lost = store.lose_answer(
            str(body["path"]),
            body.get("kind", "reset"),
            seconds=body.get("seconds", 1.0),
            times=body.get("times", 1),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return web.json_response({"error": f"expected {{path, kind, seconds, times}}: {exc}"}, status=400)
    return web.json_response({"path": lost.path, "kind": lost.kind, "seconds": lost.seconds, "times": lost.times})


ControlHandler = Callable[[web.Request], Awaitable[web.Response]]

#: The one state-changing method a page on another site can send without a CORS preflight
#: (a form, or `fetch` with a "simple" content type): it must carry a JSON content type.
_WRITES = frozenset({"POST"})


def cross_site_refusal(request: web.Request) -> web.Response | None:
    """The answer refusing a control request a foreign web page could have sent, or None to serve it."""
    host = request.headers.get("Host", "")
    try:
        name = urlsplit("//" + host).hostname or ""
    except ValueError:
        name = ""
    if not _trusted_host(name, request.app[STATE_KEY].config.control_hosts):
        return web.json_response(
            {"error": f"control endpoints answer only to an IP address, localhost or control_hosts; Host is {host!r}"},
            status=403,
        )
    origin = request.headers.get("Origin")
    if origin is not None and _netloc(origin) != host.lower():
        return web.json_response({"error": f"cross-site control request refused (Origin {origin!r})"}, status=403)
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return web.json_response({"error": "cross-site control request refused (Sec-Fetch-Site)"}, status=403)
    if request.method in _WRITES and request.content_type != "application/json":
        return web.json_response(
            {"error": f"control requests that change state must be application/json, not {request.content_type!r}"},
            status=415,
        )
    return None


def _trusted_host(name: str, extra: tuple[str, ...]) -> bool:
    if not name:
        return False
    if name == "localhost" or name in extra:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _netloc(url: str) -> str:
    try:
        return urlsplit(url).netloc.lower()
    except ValueError:
        return ""


def guarded(handler: ControlHandler) -> ControlHandler:
    """`handler`, served only when `cross_site_refusal` finds nothing to refuse."""

    async def guard(request: web.Request) -> web.Response:
        refusal = cross_site_refusal(request)
        if refusal is not None:
            return refusal
        try:
            return await handler(request)
        except BadBody as exc:
            return web.json_response({"error": str(exc)}, status=400)
        except web.HTTPClientError as exc:  # aiohttp refused the body (413: over client_max_size)
            return web.json_response({"error": f"{exc.reason}: {exc.text}"[:300]}, status=exc.status)

    guard.__name__ = guard.__qualname__ = handler.__name__
    guard.__doc__ = handler.__doc__
    return guard


def add_control_routes(app: web.Application) -> None:
    """Register the control endpoints (the orders' ones under `/_sandbox/orders`), each guarded."""
    app.router.add_post(CONTROL_PREFIX + "/reset", guarded(control_reset))
    app.router.add_route("*", CONTROL_PREFIX + "/faults", guarded(control_faults))
    app.router.add_get(CONTROL_PREFIX + "/stats", guarded(control_stats))
    app.router.add_route("*", CONTROL_PREFIX + "/uploads", guarded(control_uploads))
    app.router.add_route("*", CONTROL_PREFIX + "/routes", guarded(control_routes))
    app.router.add_route("*", CONTROL_PREFIX + "/requests", guarded(control_requests))
    app.router.add_route("*", CONTROL_PREFIX + "/scenarios", guarded(control_scenarios))
    app.router.add_get(CONTROL_PREFIX + "/info", guarded(control_info))
    base = CONTROL_PREFIX + "/orders"
    app.router.add_get(base, guarded(control_orders))
    app.router.add_post(base + "/webhook", guarded(control_webhook))
    app.router.add_post(base + "/redeliver", guarded(control_redeliver))
    app.router.add_post(base + "/lose-answer", guarded(control_lose_answer))
    app.router.add_post(base + "/{order_id}/send", guarded(control_send))
