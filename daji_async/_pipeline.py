"""The one request pipeline: sign, concurrency bound, rate limit, send, decode, map errors, retry.

Every call (a single detail, a page of a search, bulk work) goes through `Pipeline._execute`:
the client-wide concurrency bound, then the rate limiter, then one attempt through the
transport (aiohttp by default, any object with an async `send` otherwise), then msgspec
decoding of the envelope, then error mapping, with retries around the whole for calls that are
safe to repeat. The pipeline is the same over every transport. `DajiClient` is a `Pipeline`
whose `__init__` (in `_client`) sets the attributes declared below.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, Union

import aiohttp
import msgspec

from . import _constants as C
from ._cache import ResponseCache
from ._endpoints import BodyKind, Endpoint, PageToken
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    DajiError,
    EventLoopError,
    OutcomeUnknownError,
    ResponseDecodeError,
)
from ._gate import ConcurrencyGate
from ._hooks import Hooks, rate_limit_wait
from ._logs import logger
from ._protocol import (
    Envelope,
    PagedQuery,
    Params,
    RetryPolicy,
    authenticate,
    canonical_pairs,
    decode_success,
    encode_query,
    envelope_decoder,
    json_body,
    make_api_error,
    parse_retry_after,
    read_error_body,
    redirect_error,
    retry_delay,
    sign,
    snippet_of,
    trade_result,
)
from ._ratelimit import (
    RateLimiter,
    RatePermit,
    StrictRateLimiter,
)
from ._redact import chain_shows_secret, clean_trace_id, redact_body, redact_text
from ._transport import Request, Response, Transport, request_sent
from ._validate import (
    retry_count,
)
from ._validate import timeout as check_timeout

T = TypeVar("T")

Timeout = Union[float, aiohttp.ClientTimeout]


class Shared:
    """What a client shares with its views: closed or not, and the event loop it belongs to."""

    __slots__ = ("closed", "loop")

    def __init__(self) -> None:
        self.closed = False
        self.loop: asyncio.AbstractEventLoop | None = None

    def bind_loop(self) -> None:
        """Bind to the running loop on first use; raise EventLoopError from any other loop."""
        running = asyncio.get_running_loop()
        first = self.loop
        if first is None:
            self.loop = running
            return
        state = "has ended" if first.is_closed() else "is still open"
        raise EventLoopError(
            "this DajiClient was first used in another event loop, which "
            + state
            + "; its session, connections and concurrency bound belong to that loop. Create the client "
            "inside the coroutine you pass to asyncio.run (async with DajiClient(...) as client: ...), "
            "one client per event loop"
        )


class Pipeline:
    """The request path of a client; the attributes are set by `DajiClient.__init__`."""

    app_key: str
    base_url: str
    send_secret: bool
    max_retries: int
    max_response_bytes: int
    retry_policy: RetryPolicy
    cache: ResponseCache | None
    _secret: str
    _masks: tuple[str, ...]
    _timeout: aiohttp.ClientTimeout
    _paths: dict[str, str]
    _limiter: RateLimiter | None
    _hold_until_sent: bool
    _hooks: Hooks | None
    _gate: ConcurrencyGate
    _shared: Shared
    _transport: Transport
    _decoders: dict[int, tuple[Any, msgspec.json.Decoder[Envelope[Any]]]]

    def endpoint_path(self, endpoint: Endpoint[Any]) -> str:
        """The path this client sends `endpoint` to (honouring `endpoint_paths`)."""
        return self._paths.get(endpoint.name, endpoint.path)

    # ------------------------------------------------------------------ the pipeline

    def _prepare(self, endpoint: Endpoint[Any], params: Params) -> Request:
        """Encode and sign a call once; every attempt sends the same bytes."""
        path = self.endpoint_path(endpoint)
        url = self.base_url + path
        kind: BodyKind = endpoint.body
        if kind == "json":
            body = json_body(params)
            body["appKey"] = self.app_key
            if self.send_secret:
                body["appSecret"] = self._secret
                signature = ""
            else:
                signature = body["sign"] = sign(canonical_pairs(body, repeat_lists=False), self._secret)
            return Request(
                endpoint.method,
                path,
                url,
                body=msgspec.json.encode(body),
                content_type="application/json",
                redact=(*self._masks, signature),
            )
        pairs = authenticate(canonical_pairs(params), self.app_key, self._secret, send_secret=self.send_secret)
        signature = "" if self.send_secret else pairs[-1][1]
        redact = (*self._masks, signature)
        if kind == "form":
            return Request(endpoint.method, path, url, form=pairs, redact=redact)
        return Request(endpoint.method, path, url + "?" + encode_query(pairs), redact=redact)

    def _pages(self, endpoint: Endpoint[Any], params: Params) -> Callable[[PageToken | None], Request]:
        """Requests for the pages of one walk: everything but the page (or cursor) is encoded once.

        `params` already carry the page size; the page parameter comes from the endpoint's
        paging spec. A None token (the first page of a cursor walk) leaves it out.
        """
        spec = endpoint.paging
        assert spec is not None, f"{endpoint.name} does not page"
        key = spec.page_param
        if endpoint.body != "query":
            return lambda token: self._prepare(endpoint, params if token is None else {**params, key: token})
        path = self.endpoint_path(endpoint)
        url = self.base_url + path + "?"
        query = PagedQuery(
            canonical_pairs(params), self.app_key, self._secret, send_secret=self.send_secret, page_key=key
        )
        return _SignedPages(self, endpoint, params, query, path, url)

    def _decoder(self, data_type: Any) -> msgspec.json.Decoder[Envelope[Any]]:
        entry = self._decoders.get(id(data_type))
        if entry is not None and entry[0] is data_type:
            return entry[1]
        decoder = envelope_decoder(data_type)
        self._decoders[id(data_type)] = (data_type, decoder)
        return decoder

    def _execute(
        self,
        endpoint: Endpoint[T],
        params: Params | None = None,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        safe: bool | None = None,
        request: Request | None = None,
    ) -> Coroutine[Any, Any, Envelope[T]]:
        """Send one call through the pipeline; awaiting it gives the decoded, successful envelope.

        `request` is an already signed request (pages of a walk); else `params` are
        encoded and signed here. The row's trade semantics apply here, once for every call:
        a `success: false` layer of a trade answer raises TradeError, and an unsafe call
        that got no readable answer raises the row's OutcomeUnknownError. (A plain function
        handing back the coroutine: most calls need no wrapper, so they pay no extra frame.)
        """
        if endpoint.outcome_unknown is None:
            return self._attempts(endpoint, params, timeout, max_retries, safe, request)
        return self._committing(endpoint, params, timeout, max_retries, safe, request)

    async def _committing(
        self,
        endpoint: Endpoint[T],
        params: Params | None,
        timeout: Timeout | None,
        max_retries: int | None,
        safe: bool | None,
        request: Request | None,
    ) -> Envelope[T]:
        """`_attempts` for a row with `outcome_unknown`: no readable answer raises it."""
        try:
            return await self._attempts(endpoint, params, timeout, max_retries, safe, request)
        except (APIConnectionError, ResponseDecodeError) as exc:
            raise self._outcome_unknown(endpoint, exc, params) from exc

    def _outcome_unknown(
        self, endpoint: Endpoint[Any], exc: APIConnectionError | ResponseDecodeError, params: Params | None
    ) -> DajiError:
        if isinstance(exc, OutcomeUnknownError) or endpoint.outcome_unknown is None:
            return exc
        path = self.endpoint_path(endpoint)
        error = endpoint.outcome_unknown.for_call(exc, method=endpoint.method, path=path, params=params or {})
        logger.info("%s %s: outcome unknown: %s", endpoint.method, path, error)
        return error

    async def _attempts(
        self,
        endpoint: Endpoint[T],
        params: Params | None,
        timeout: Timeout | None,
        max_retries: int | None,
        safe: bool | None,
        request: Request | None,
    ) -> Envelope[T]:
        """The retry loop around single attempts (see `_execute`)."""
        if max_retries is not None:
            retry_count("max_retries", max_retries)
        call_timeout = self._timeout if timeout is None else client_timeout(timeout)
        if request is None:
            request = self._prepare(endpoint, params or {})
        request.timeout = call_timeout
        data_type = endpoint.response
        entry = self._decoders.get(id(data_type))  # _decoder(), inline: once per request
        decoder = entry[1] if entry is not None and entry[0] is data_type else self._decoder(data_type)
        is_safe = endpoint.safe if safe is None else safe
        retries = (self.max_retries if max_retries is None else max_retries) if is_safe else 0
        # cache hook (1 of 2): a safe call's answer may already be known; a hit sends nothing
        cache, cache_key = self.cache, None
        if cache is not None and is_safe:
            cache_key = cache.key_for(endpoint.name, request.method, request.url, request.body, secret=self._secret)
            if cache_key is not None:
                cached = await cache.load(cache_key)
                if cached is not None:
                    hit = decode_success(
                        decoder, cached, status=200, method=request.method, path=request.path, redact=request.redact
                    )
                    if hit.trace_id is not None:  # an entry written before masking, or by another writer
                        hit.trace_id = clean_trace_id(hit.trace_id, request.redact)
                    if endpoint.trade and hit.data is not None:  # trade rows are not cacheable today; if one is
                        hit.data = trade_result(
                            hit.data, method=request.method, path=request.path, redact=request.redact
                        )
                    if self._hooks is not None:
                        await self._hooks.cached(endpoint, request, hit.trace_id)
                    return hit
        retry = 0
        debug = logger.isEnabledFor(logging.DEBUG)
        hooks = self._hooks
        while True:
            if hooks is not None:
                await hooks.before(endpoint, request, retry)
            started = time.perf_counter() if debug or hooks is not None else 0.0
            trace_id: str | None = None
            status = 0
            error: APIConnectionError | APIError | None = None
            try:
                response = await self._send(request)
                status, body = response.status, response.body
                if len(body) > self.max_response_bytes:  # any transport: the default one never reads past the cap
                    raise self._too_large(request, status)
                if 200 <= status < 300:
                    envelope = decode_success(
                        decoder, body, status=status, method=request.method, path=request.path, redact=request.redact
                    )
                    trace_id = envelope.trace_id
                    if trace_id is not None:  # an echo of the request in it is masked before anyone keeps it
                        trace_id = envelope.trace_id = clean_trace_id(trace_id, request.redact)
                    if endpoint.trade and envelope.data is not None:
                        envelope.data = trade_result(
                            envelope.data, method=request.method, path=request.path, redact=request.redact
                        )
                    if cache is not None and cache_key is not None and envelope.data is not None:  # cache hook (2 of 2)
                        # nothing cached carries a credential the answer echoed (the live value is as sent)
                        await cache.store(cache_key, redact_body(body, request.redact))
                    return envelope
                if 300 <= status < 400:
                    raise redirect_error(
                        status,
                        response.headers.get("Location"),
                        method=request.method,
                        path=request.path,
                        base_url=self.base_url,
                    )
                raise make_api_error(
                    status,
                    read_error_body(body),
                    method=request.method,
                    path=request.path,
                    reason=response.reason,
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                    snippet=snippet_of(body, request.redact),
                    redact=request.redact,
                )
            except APIError as exc:
                trace_id = exc.trace_id
                error = exc
            except APIConnectionError as exc:
                exc.attempts = retry + 1
                error = exc
            finally:
                if hooks is not None:
                    await hooks.after(endpoint, request, retry, started, status, trace_id, error or sys.exc_info()[1])
                if debug:
                    logger.debug(
                        "%s %s -> %s in %.1f ms (attempt %d, traceId %s)",
                        request.method,
                        request.path,
                        status or "no answer",
                        (time.perf_counter() - started) * 1000,
                        retry + 1,
                        trace_id and redact_text(trace_id, request.redact),
                    )
            delay = retry_delay(self.retry_policy, error, retry) if retry < retries else None
            if delay is None:
                raise error
            retry += 1
            logger.info(
                "%s %s: retry %d of %d in %.2f s after %s: %s",
                request.method,
                request.path,
                retry,
                retries,
                delay,
                type(error).__name__,
                error,
            )
            await asyncio.sleep(delay)

    def _too_large(self, request: Request, status: int) -> ResponseDecodeError:
        return ResponseDecodeError(
            f"{request.method} {request.path}: HTTP {status} body is over the {self.max_response_bytes:,}-byte "
            "response size cap (max_response_bytes)",
            status=status,
            path=request.path,
            method=request.method,
        )

    async def _call(
        self,
        endpoint: Endpoint[T],
        params: Params,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> T:
        """Like `_execute`, returning `data`; a success without data is a decode error."""
        envelope = await self._execute(endpoint, params, timeout=timeout, max_retries=max_retries)
        if envelope.data is None:
            path = self.endpoint_path(endpoint)
            error = ResponseDecodeError(
                f"{endpoint.method} {path}: the success envelope carries no data",
                status=200,
                path=path,
                method=endpoint.method,
            )
            raise self._outcome_unknown(endpoint, error, params)
        return envelope.data

    async def _send(self, request: Request) -> Response:
        """One attempt: a concurrency slot, the rate limiter, then the transport.

        The limiter is passed last, once a slot is held, so a request leaves the moment the
        limiter lets it go. Passed first, requests that then queued for a slot would leave in
        bursts whenever slots freed up, and a one-second window at the server could hold more
        than the rate (measured: 521 in one second at rate_limit=500 in a bulk run). A strict
        limiter over a transport that reports sends holds the request's place until it has
        left (a new connection first), so it is counted when it reaches the wire.

        Whatever the transport raises for a failure to get an answer becomes an
        `APIConnectionError` (`APITimeoutError` for timeouts), secrets masked.
        """
        shared = self._shared
        if shared.closed:
            raise RuntimeError("this DajiClient is closed; create a new one")
        if shared.loop is not asyncio.get_running_loop():
            shared.bind_loop()
        gate = self._gate
        if not gate.try_take():
            await gate.take()
        try:
            limiter = self._limiter
            permit: RatePermit | None = None
            if limiter is not None:
                started = time.perf_counter()
                if self._hold_until_sent:
                    assert isinstance(limiter, StrictRateLimiter)
                    permit = await limiter.hold()
                    token = request_sent.set(permit.sent)
                else:
                    await limiter.acquire()
                waited = time.perf_counter() - started
                if self._hooks is not None:
                    rate_limit_wait.set(waited)
                if waited > C.RATE_LIMIT_WAIT_LOG_SECONDS:
                    logger.info("%s %s: waited %.1f s for the rate limiter", request.method, request.path, waited)
            try:
                return await self._transport.send(request)
            except (APIConnectionError, APIError):
                raise
            except asyncio.TimeoutError:
                timeout = request.timeout or self._timeout
                raise APITimeoutError(
                    f"{request.method} {request.path}: no complete answer within {seconds(timeout)}",
                    method=request.method,
                    path=request.path,
                ) from None
            except (aiohttp.ClientError, OSError) as exc:
                text = f"{type(exc).__name__}: {exc}"
                clean = redact_text(text, request.redact)
                error = APIConnectionError(
                    f"{request.method} {request.path}: {clean}", method=request.method, path=request.path
                )
                # the cause's text (and its own chain) is in every formatted traceback: kept only when clean
                cause = exc if clean == text and not chain_shows_secret(exc, request.redact) else None
            finally:
                if permit is not None:
                    request_sent.reset(token)
                    permit.release()  # frees the place if the request never left
            # raised out of the handler: a cause that shows a credential is not even kept as the context
            raise error from cause
        finally:
            gate.release()


class _SignedPages:
    """The signed request of each page of one walk (`DajiClient._pages`).

    One slotted object per walk rather than a closure: a closure costs a cell per captured
    name, each one more object for the garbage collector to track (bulk makes one per input).
    """

    __slots__ = ("_client", "_endpoint", "_masks", "_method", "_params", "_path", "_query", "_url")

    def __init__(
        self, client: Pipeline, endpoint: Endpoint[Any], params: Params, query: PagedQuery, path: str, url: str
    ) -> None:
        self._client = client
        self._endpoint = endpoint
        self._params = params
        self._query = query
        self._method = endpoint.method
        self._path = path
        self._url = url
        self._masks = client._masks

    def __call__(self, token: PageToken | None) -> Request:
        if token is None:
            return self._client._prepare(self._endpoint, self._params)
        text, signature = self._query.for_page(token)
        return Request(self._method, self._path, self._url + text, redact=(*self._masks, signature))


def client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    """A finite, positive number of seconds (or a ClientTimeout whose limits are) as a ClientTimeout."""
    checked = check_timeout("timeout", timeout)
    return checked if isinstance(checked, aiohttp.ClientTimeout) else aiohttp.ClientTimeout(total=checked)


def seconds(timeout: aiohttp.ClientTimeout) -> str:
    return f"{timeout.total:g} s" if timeout.total else "the configured timeout"


__all__ = ["Pipeline", "Shared", "Timeout", "client_timeout"]
