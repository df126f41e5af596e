"""The sandbox's control endpoints under ``/_sandbox``: reset, faults, scenarios, stats, info."""

from __future__ import annotations

from aiohttp import web

from ._catalogue import NOUNS
from ._wire import CONTROL_PREFIX, STATE_KEY


async def control_reset(request: web.Request) -> web.Response:
    request.app[STATE_KEY].reset()
    return web.json_response({"ok": True})


async def control_faults(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if request.method == "POST":
        body = await request.json()
        specs = body if isinstance(body, list) else [body]
        try:
            for spec in specs:
                state.add_fault(spec)
        except (TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
    elif request.method == "DELETE":
        state.clear_faults()
    return web.json_response([f.to_dict() for f in state.faults])


async def control_scenarios(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if request.method == "POST":
        body = await request.json()
        try:
            state.set_scenario(str(body["keyword"]), int(body["total"]))
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": f"expected {{keyword, total}}: {exc}"}, status=400)
    return web.json_response(state.scenarios)


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


def add_control_routes(app: web.Application) -> None:
    """Register the control endpoints."""
    app.router.add_post(CONTROL_PREFIX + "/reset", control_reset)
    app.router.add_route("*", CONTROL_PREFIX + "/faults", control_faults)
    app.router.add_get(CONTROL_PREFIX + "/stats", control_stats)
    app.router.add_route("*", CONTROL_PREFIX + "/scenarios", control_scenarios)
    app.router.add_get(CONTROL_PREFIX + "/info", control_info)
