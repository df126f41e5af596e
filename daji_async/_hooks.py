"""Event hooks: callables a client calls around every attempt, with a redacted, typed view.

`DajiClient(event_hooks={"request": [...], "response": [...]})` takes sync or async
callables. Each request hook gets a [RequestEvent][daji_async.RequestEvent] before every
attempt leaves; each response hook gets a [ResponseEvent][daji_async.ResponseEvent] when the
attempt ends, however it ends (an answer, an error, a timeout, a cancellation, or a hit in the
response cache). The events never carry the app key, the app secret, the signature or the URL
(whose query string carries them): parameters come without `appKey`, `sign` and `appSecret`.

A hook that raises fails the call with its exception (as httpx does): the attempt is not
retried, and a response hook's exception replaces the error the attempt ended with (which it
keeps as `__context__`). Hooks run in the task making the call, one after another, in order.

A client without hooks pays nothing for them: the pipeline checks one attribute per attempt.
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Optional, TypedDict

import msgspec

from ._redact import redact_text

if TYPE_CHECKING:
    from ._endpoints import Endpoint
    from ._transport import Request

#: The parameters no hook ever sees: the app key, the app secret (debug mode) and the signature.
HIDDEN_PARAMS = frozenset({"appKey", "appSecret", "sign"})

#: Seconds the current attempt waited for the rate limiter; set by the pipeline only when the
#: client has hooks (one attempt at a time runs in a task, so a context variable is enough).
rate_limit_wait: ContextVar[float] = ContextVar("daji_rate_limit_wait", default=0.0)

#: The exception the caller was handling when the attempt began (a call made in an `except`
#: block): `sys.exc_info()` shows it in the pipeline's `finally` too, and it is not the attempt's.
_handled: ContextVar[BaseException | None] = ContextVar("daji_handled", default=None)


class RequestEvent(msgspec.Struct, frozen=True, kw_only=True):
    """What a request hook sees of one attempt, before it is sent.

    Attributes:
        platform: `"1688"`, `"taobao"` or `"poizon"`.
        endpoint: the endpoint's name, e.g. `"products.keyword_search"` (`"raw:GET /path"` for
            `client.request(...)`).
        method: the HTTP method, e.g. `"GET"`.
        path: the service path, e.g. `"/alibaba/product/keywordQuery"` (never the URL: its
            query string carries the signature).
        page: the page number (or cursor) a paged endpoint asks for; None for other calls and
            for the first page of a cursor walk.
        attempt: 1 for the first attempt, 2 for the first retry, and so on.
        params: the parameters sent, as the service reads them (query and form values are
            strings), without `appKey`, `sign` and `appSecret`. Read-only.
    """

    platform: str
    endpoint: str
    method: str
    path: str
    page: int | str | None
    attempt: int
    params: Mapping[str, Any]

    @property
    def retries(self) -> int:
        """Retries before this attempt: `attempt - 1`."""
        return self.attempt - 1


class ResponseEvent(RequestEvent, frozen=True, kw_only=True):
    """What a response hook sees of one attempt, once it has ended.

    Every field of [RequestEvent][daji_async.RequestEvent], and:

    Attributes:
        status: the HTTP status of the answer; None when there was none (a timeout, a
            dropped connection, a cancelled attempt). 200 for an answer from the cache.
        elapsed: seconds from the start of the attempt to its end, the rate-limit wait included.
        trace_id: the service's `traceId` for a decoded answer (or an error envelope that
            carries one), else None.
        from_cache: True when the client's response cache answered and nothing was sent.
        rate_limit_wait: seconds this attempt waited for the rate limiter.
        error: what the attempt ended with when it failed (an `APIError`, an
            `APIConnectionError`, a `ResponseDecodeError`, an `asyncio.CancelledError`...), or
            None on success. Its message is masked like every error of the SDK.
    """

    status: int | None
    elapsed: float
    trace_id: str | None
    from_cache: bool
    rate_limit_wait: float
    error: BaseException | None


#: A request hook: called with a [RequestEvent][daji_async.RequestEvent]; may return an awaitable.
RequestHook = Callable[[RequestEvent], Optional[Awaitable[object]]]
#: A response hook: called with a [ResponseEvent][daji_async.ResponseEvent]; may return an awaitable.
ResponseHook = Callable[[ResponseEvent], Optional[Awaitable[object]]]


class EventHooks(TypedDict, total=False):
    """The `event_hooks` argument of [DajiClient][daji_async.DajiClient]: both keys optional.

    Attributes:
        request: callables (sync or async) called with a
            [RequestEvent][daji_async.RequestEvent] before every attempt.
        response: callables (sync or async) called with a
            [ResponseEvent][daji_async.ResponseEvent] when every attempt ends.
    """

    request: Sequence[RequestHook]
    response: Sequence[ResponseHook]


class Hooks:
    """A client's hooks, checked once; the pipeline calls `before` and `after` around each attempt."""

    __slots__ = ("request", "response")

    def __init__(self, request: tuple[RequestHook, ...], response: tuple[ResponseHook, ...]) -> None:
        self.request = request
        self.response = response

    def as_dict(self) -> EventHooks:
        return {"request": list(self.request), "response": list(self.response)}

    async def before(self, endpoint: Endpoint[Any], request: Request, retry: int) -> None:
        """Run the request hooks for attempt `retry + 1`."""
        rate_limit_wait.set(0.0)
        _handled.set(sys.exc_info()[1])
        if self.request:
            event = RequestEvent(**_fields(endpoint, request, retry))
            for hook in self.request:
                await _run(hook, event)

    async def after(
        self,
        endpoint: Endpoint[Any],
        request: Request,
        retry: int,
        started: float,
        status: int,
        trace_id: str | None,
        error: BaseException | None,
    ) -> None:
        """Run the response hooks for attempt `retry + 1`; `status` 0 means no answer."""
        if not self.response:
            return
        elapsed = time.perf_counter() - started
        if error is not None and error is _handled.get():  # the caller's, not this attempt's
            error = None
        event = ResponseEvent(
            **_fields(endpoint, request, retry),
            status=status or None,
            elapsed=elapsed,
            trace_id=trace_id and redact_text(trace_id, request.redact),
            from_cache=False,
            rate_limit_wait=rate_limit_wait.get(),
            error=error,
        )
        for hook in self.response:
            await _run(hook, event)

    async def cached(self, endpoint: Endpoint[Any], request: Request, trace_id: str | None) -> None:
        """A cache hit: the request hooks, then the response hooks with `from_cache=True`."""
        started = time.perf_counter()
        await self.before(endpoint, request, 0)
        if not self.response:
            return
        event = ResponseEvent(
            **_fields(endpoint, request, 0),
            status=200,
            elapsed=time.perf_counter() - started,
            trace_id=trace_id and redact_text(trace_id, request.redact),
            from_cache=True,
            rate_limit_wait=0.0,
            error=None,
        )
        for hook in self.response:
            await _run(hook, event)


def make_hooks(event_hooks: Mapping[str, object] | None) -> Hooks | None:
    """Check `event_hooks`; None when there is no hook at all (the pipeline then skips them).

    Raises:
        TypeError: not a mapping, a value that is not a list of callables.
        ValueError: a key other than `"request"` and `"response"`.
    """
    if event_hooks is None:
        return None
    if not isinstance(event_hooks, Mapping):
        raise TypeError(f"event_hooks must be a dict such as {{'request': [...]}}, got {type(event_hooks).__name__}")
    unknown = sorted(str(key) for key in event_hooks if key not in ("request", "response"))
    if unknown:
        raise ValueError(f"event_hooks takes the keys 'request' and 'response', got {unknown}")
    found: dict[str, tuple[Callable[..., Any], ...]] = {}
    for key in ("request", "response"):
        hooks = event_hooks.get(key, ())
        if isinstance(hooks, (str, bytes)) or callable(hooks) or not isinstance(hooks, Iterable):
            raise TypeError(f"event_hooks[{key!r}] must be a list of callables, got {type(hooks).__name__}")
        found[key] = tuple(hooks)
        for hook in found[key]:
            if not callable(hook):
                raise TypeError(f"event_hooks[{key!r}] holds {type(hook).__name__}, which is not callable")
    if not found["request"] and not found["response"]:
        return None
    return Hooks(found["request"], found["response"])


async def _run(hook: Callable[[Any], Any], event: RequestEvent) -> None:
    result = hook(event)
    if inspect.isawaitable(result):
        await result


def _fields(endpoint: Endpoint[Any], request: Request, retry: int) -> dict[str, Any]:
    params = _public(request.params, request.redact)
    paging = endpoint.paging
    page: Any = None
    if paging is not None:
        page = params.get(paging.page_param)
        if isinstance(page, str) and paging.style == "page" and page.isdigit():
            page = int(page)
    return {
        "platform": _platform(endpoint, request.path),
        "endpoint": endpoint.name,
        "method": request.method,
        "path": request.path,
        "page": page,
        "attempt": retry + 1,
        "params": MappingProxyType(params),
    }


def _platform(endpoint: Endpoint[Any], path: str) -> str:
    if endpoint.name.startswith("raw:"):  # client.request(): the path says which platform
        for platform in ("taobao", "poizon"):
            if path.startswith(f"/{platform}/"):
                return platform
        return "1688"
    return endpoint.platform


def _public(params: Mapping[str, Any], secrets: Sequence[str]) -> dict[str, Any]:
    """The parameters without the credentials, any text showing a secret masked."""
    return {key: _masked(value, secrets) for key, value in params.items() if key not in HIDDEN_PARAMS}


def _masked(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets) if any(secret and secret in value for secret in secrets) else value
    if isinstance(value, dict):
        return {key: _masked(item, secrets) for key, item in value.items() if key not in HIDDEN_PARAMS}
    if isinstance(value, list):
        return [_masked(item, secrets) for item in value]
    return value


__all__ = ["EventHooks", "RequestEvent", "RequestHook", "ResponseEvent", "ResponseHook"]
