"""The sandbox's fault injection and the middleware every service request passes.

The middleware counts the request (arrived when its bytes were read, see `_arrivals`), reads
its parameters and records it (`sandbox.requests`), applies latency and any matching fault,
verifies the parameters (auth), then answers from the first matching route
(`sandbox.route(...)`) or calls the handler, mapping its exceptions to answers.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from ._arrivals import arrival_time, forget_arrival
from ._auth import check_auth
from ._routes import SandboxRequest
from ._state import Fault, SandboxState
from ._wire import (
    CONTROL_PREFIX,
    BadParams,
    Dropped,
    Handler,
    Params,
    encode,
    envelope_bytes,
    error,
    read_params,
    repeat_page,
    request_params,
)


async def apply_fault(request: web.Request, fault: Fault) -> web.StreamResponse | None:
    """Answer a request with an injected fault, or return None to answer it normally."""
    kind = fault.kind
    if kind == "repeat_page":
        repeat_page.set(True)
        return None
    if kind == "status":
        status = fault.status or 500
        default = "请求过于频繁 (too many requests)" if status == 429 else "系统繁忙 (service busy)"
        response = error(status, status, fault.message or default)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        return response
    if kind == "envelope":
        return error(200, fault.code, fault.message or "业务处理失败 (business error)")
    if kind == "html":
        page = (
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>Bad Gateway</h1></center></body></html>"
        )
        return web.Response(status=fault.status or 200, text=page, content_type="text/html")
    if kind == "empty":
        return web.Response(status=200, body=b"", content_type="application/json")
    if kind == "truncate":
        full = envelope_bytes(b'{"totalRecords":1,"totalPage":1,"pageSize":1,"currentPage":1,"data":[{"offerId":1}]}')
        return web.Response(status=200, body=full[: len(full) // 2], content_type="application/json")
    if kind in ("drop", "reset"):
        transport = request.transport
        if kind == "drop":
            body = envelope_bytes(b'{"data":[]}') * 4
            stream = web.StreamResponse(status=200)
            stream.content_type = "application/json"
            stream.content_length = len(body)
            await stream.prepare(request)
            await stream.write(body[: len(body) // 2])
        if transport is not None:
            transport.close()
        raise Dropped
    return None


def make_middleware(state: SandboxState) -> Any:
    """The middleware of every service path (control paths pass straight through)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            forget_arrival(request)
            return await handler(request)
        stats = state.stats
        stats.begin(request.path, arrival_time(request))
        status = 0
        recorded: SandboxRequest | None = None
        try:
            recorded = SandboxRequest(request.method, request.path, request.query)
            state.requests.append(recorded)
            unmatched = request.match_info.http_exception
            if isinstance(unmatched, web.HTTPException):
                # unknown path or method: Spring Boot's default error body, before any auth
                body = {
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime()),
                    "status": unmatched.status,
                    "error": unmatched.reason,
                    "message": "No message available",
                    "path": request.path,
                }
                status = unmatched.status
                return web.Response(status=status, body=encode(body), content_type="application/json")
            delay, fault = state.take_faults(request.path, request.query)
            if delay > 0:
                await asyncio.sleep(delay)
            if fault is not None:
                if request.method != "GET" and fault.kind != "repeat_page":
                    await record_body(request, recorded)
                answered = await apply_fault(request, fault)
                if answered is not None:
                    status = answered.status
                    return answered
            try:
                params = await read_params(request)
                recorded.fill(params, json=request.content_type == "application/json")
                request_params.set(params)
                denied = check_auth(state, params)
                if denied is not None:
                    status = denied.status
                    return denied
                routed = await answer_from_routes(request, state, params, recorded)
                response = routed if routed is not None else await handler(request)
            except BadParams as exc:
                response = error(400, 400, str(exc))
            except web.HTTPClientError as exc:  # aiohttp refused the body (413: over client_max_size)
                response = error(exc.status, exc.status, f"{exc.reason} ({exc.text or 'request refused'})")
            except LookupError as exc:
                response = error(404, 404, str(exc.args[0]) if exc.args else "记录不存在")
            status = response.status
            return response
        except Dropped:
            status = 0
            raise asyncio.CancelledError from None
        finally:
            stats.end(status)
            forget_arrival(request)
            if recorded is not None:
                recorded.status = status

    return middleware


async def record_body(request: web.Request, recorded: SandboxRequest) -> None:
    """Read a faulted request's body for `sandbox.requests` only (after any latency, as before)."""
    try:
        params = await read_params(request)
    except (BadParams, OSError, web.HTTPException, ValueError, LookupError):
        return  # unreadable: the record keeps the query parameters
    recorded.fill(params, json=request.content_type == "application/json")


async def answer_from_routes(
    request: web.Request, state: SandboxState, params: Params, recorded: SandboxRequest
) -> web.StreamResponse | None:
    """The answer of the first route matching this request, or None to answer as usual.

    A route's `latency` fault waits and then lets the route's next answer (or the handler)
    answer; its `repeat_page` fault makes the handler answer page 1.
    """
    for route in state.routes:
        answer = route.take(request.method, request.path, params.values, recorded)
        while answer is not None:
            if answer.fault is None:
                return answer.response()
            if answer.fault.kind != "latency":
                return await apply_fault(request, answer.fault)
            await asyncio.sleep(answer.fault.seconds)
            answer = route.take(request.method, request.path, params.values, recorded, after=answer)
        # a route that did not match, or only waited, leaves the request to the next route
    return None
