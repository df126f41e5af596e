"""The sandbox's wire format: the service's envelope, its error answers, and how it reads parameters.

Shared by every handler module; imports nothing else of the sandbox but its state.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any

import msgspec
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .._endpoints import PAGING_1688, PagingSpec
from .._protocol import canonical_pairs, total_pages
from ._state import SandboxState

STATE_KEY: web.AppKey[SandboxState] = web.AppKey("daji_sandbox_state", SandboxState)
CONTROL_PREFIX = "/_sandbox"
OK_MESSAGE = "操作成功"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
encode = msgspec.json.Encoder().encode


class BadParams(Exception):
    """A parameter error, answered as an HTTP 400 envelope."""


# --------------------------------------------------------------------------- answers


def trace_id() -> str:
    """A fresh trace id, as the service puts in every envelope."""
    return os.urandom(6).hex()


def envelope_bytes(data_json: bytes) -> bytes:
    """A success envelope around already-encoded `data` (no re-encoding of cached pages)."""
    stamp = str(int(time.time() * 1000)).encode()
    return (
        b'{"code":200,"message":"'
        + OK_MESSAGE.encode()
        + b'","data":'
        + data_json
        + b',"timestamp":'
        + stamp
        + b',"traceId":"'
        + trace_id().encode()
        + b'"}'
    )


def ok(data_json: bytes) -> web.Response:
    """A success answer around already-encoded `data`."""
    return web.Response(body=envelope_bytes(data_json), content_type="application/json")


def error(http_status: int, code: int, message: str) -> web.Response:
    """An error envelope with the service's code and message."""
    body = {
        "code": code,
        "message": message,
        "data": None,
        "timestamp": int(time.time() * 1000),
        "traceId": trace_id(),
    }
    return web.Response(status=http_status, body=encode(body), content_type="application/json")


# --------------------------------------------------------------------------- parameters


class Params:
    """A request's parameters, from the query, a form or a JSON body, with typed getters."""

    def __init__(self, pairs: list[tuple[str, str]], values: dict[str, Any]) -> None:
        self.pairs = pairs
        self.values = values

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise BadParams(f"{name}不能为空 (parameter {name} is required)")
            return None
        return value if isinstance(value, str) else msgspec.json.encode(value).decode()

    def integer(
        self, name: str, *, required: bool = False, low: int | None = None, high: int | None = None
    ) -> int | None:
        raw = self.values.get(name)
        if raw is None or raw == "":
            if required:
                raise BadParams(f"{name}不能为空 (parameter {name} is required)")
            return None
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise BadParams(f"{name}格式不正确 (parameter {name} must be an integer, got {raw!r})") from None
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"{low}..{high}" if high is not None else f">= {low}"
            raise BadParams(f"{name}超出范围 (parameter {name} must be {span}, got {value})")
        return value

    def paging(self, spec: PagingSpec = PAGING_1688) -> tuple[int, int]:
        """The page number and page size of a page-numbered request, checked against `spec`."""
        assert isinstance(spec.first_page, int)
        page = self.integer(spec.page_param, required=True, low=spec.first_page)
        size = self.integer(spec.size_param, required=True, low=spec.min_size, high=spec.max_size)
        assert page is not None and size is not None
        return page, size


def page_json(
    items: list[Any], page: int, size: int, total: int, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A 1688 page object: `items` is this page's slice, `total` the number of all items."""
    data: dict[str, Any] = {
        "totalRecords": total,
        "totalPage": total_pages(total, size),
        "pageSize": size,
        "currentPage": page,
        "data": items,
    }
    if extra:
        data.update(extra)
    return data


#: The parameters of the request being handled (set by the middleware, per request task).
request_params: ContextVar[Params] = ContextVar("daji_sandbox_params")
#: Set by the `repeat_page` fault: paged handlers answer page 1.
repeat_page: ContextVar[bool] = ContextVar("daji_sandbox_repeat_page", default=False)


def params_of(request: web.Request) -> Params:
    """The verified parameters of the request being handled."""
    return request_params.get()


async def read_params(request: web.Request) -> Params:
    """Collect parameters the way the service reads them for this content type."""
    if request.method == "GET":
        pairs = list(request.query.items())
        return Params(pairs, first_values(pairs))
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = msgspec.json.decode(await request.read())
        except (msgspec.DecodeError, RecursionError):  # RecursionError: nested deeper than msgspec reads
            raise BadParams("请求体不是合法的JSON (body is not valid JSON)") from None
        if not isinstance(body, dict):
            raise BadParams("请求体必须是JSON对象 (body must be a JSON object)")
        try:
            pairs = canonical_pairs(body, repeat_lists=False)
        except (RecursionError, ValueError, TypeError) as exc:  # a value no wire text can carry
            raise BadParams(f"请求体无法读取 (body has an unreadable value: {type(exc).__name__})") from None
        return Params(pairs, body)
    try:
        form = await request.post()
    except (ValueError, LookupError, HttpProcessingError) as exc:
        # a multipart body without (or with a wrong) boundary, a line longer than aiohttp reads
        # (LineTooLong), bytes that are not in the declared charset, a charset nobody knows:
        # the client's error, answered as the service would
        raise BadParams(f"请求体格式不正确 (malformed {ctype or 'request'} body: {_reason(exc)})") from None
    pairs = [(k, v) for k, v in form.items() if isinstance(v, str)]
    pairs += list(request.query.items())
    return Params(pairs, first_values(pairs))


def _reason(exc: BaseException) -> str:
    """A short description of why a body could not be read (never the body itself)."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not {exc.encoding} text"
    return f"{type(exc).__name__}: {str(exc)[:120]}"


def first_values(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in pairs:
        values.setdefault(key, value)
    return values


class Dropped(Exception):
    """The connection was closed on purpose (a fault); nothing more to send."""
