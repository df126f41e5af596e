"""DajiClient: configuration, the aiohttp session, and the one request pipeline.

Every call (a single detail, a page of a search, bulk work) goes through
:meth:`DajiClient._execute`: the client-wide concurrency bound, then the rate limiter, then
one attempt with its timeout, then msgspec decoding of the envelope, then error mapping, with
retries around the whole for calls that are safe to repeat.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, Union

import aiohttp
import msgspec

from . import _constants as C
from ._cache import ResponseCache
from ._endpoints import ENDPOINTS, BodyKind, Endpoint
from ._errors import APIConnectionError, APIError, APITimeoutError, ConfigError, ResponseDecodeError
from ._logs import logger, setup_from_env
from ._protocol import (
    Envelope,
    PagedQuery,
    Pairs,
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
    redact_text,
    retry_delay,
    sign,
    snippet_of,
)
from ._ratelimit import RateLimitArg, RateLimiter, describe_rate_limit, resolve_rate_limit
from ._version import __version__

if TYPE_CHECKING:
    from ._bulk import Bulk
    from .resources.categories import Categories
    from .resources.orders import Orders
    from .resources.payments import Payments
    from .resources.products import Products

T = TypeVar("T")

Timeout = Union[float, aiohttp.ClientTimeout]

setup_from_env()


class _Prepared:
    """A signed request, built once per call and sent once per attempt."""

    __slots__ = ("body", "content_type", "form", "method", "path", "redact", "url")

    def __init__(
        self,
        method: str,
        path: str,
        url: str,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        form: Pairs | None = None,
        redact: tuple[str, ...] = (),
    ) -> None:
        self.method = method
        self.path = path
        self.url = url
        self.body = body
        self.content_type = content_type
        self.form = form
        self.redact = redact


class DajiClient:
    """An asyncio client of the DAJI open API (1688 product search, detail, orders).

    ::

        async with DajiClient() as client:          # DAJI_APP_KEY / DAJI_APP_SECRET from the env
            page = await client.products.keyword_search(keyword="连衣裙")

    Args:
        app_key: your app key; defaults to env ``DAJI_APP_KEY``.
        app_secret: your app secret; defaults to env ``DAJI_APP_SECRET``. Never sent, logged
            or shown (unless ``send_secret=True``, which sends it in clear for debugging).
        base_url: defaults to env ``DAJI_BASE_URL``, else ``https://openapi.dajisaas.com``.
        country: language of translated fields for every call that takes ``country``.
        rate_limit: requests per second (a float: at most that many in any one-second
            window), any object with an async ``acquire()`` used as given (an
            ``aiolimiter.AsyncLimiter``, a :class:`~daji_async.RedisRateLimiter` shared by many
            processes...), or None for no limit.
        max_concurrency: requests in flight at once across everything this client does;
            also the size of the connection pool.
        timeout: seconds per request attempt, or an ``aiohttp.ClientTimeout``.
        max_retries: retries of safe (read-only) calls after the first attempt.
        session: an ``aiohttp.ClientSession`` to use; it is never closed by the client.
        send_secret: debug mode: send ``appSecret`` in clear instead of ``sign``.
        retry_policy: backoff and which statuses are retried; see :class:`RetryPolicy`.
        endpoint_paths: ``{endpoint name: path}`` to point an endpoint at another path,
            e.g. ``{"orders.create": "/alibaba/trade/order/create"}``.
        cache: a :class:`~daji_async.MemoryCache` or :class:`~daji_async.RedisCache` for the
            answers of safe calls (details, categories, search pages); a hit sends nothing.
    """

    def __init__(
        self,
        app_key: str | None = None,
        app_secret: str | None = None,
        *,
        base_url: str | None = None,
        country: str = C.DEFAULT_COUNTRY,
        rate_limit: RateLimitArg = None,
        max_concurrency: int = C.DEFAULT_MAX_CONCURRENCY,
        timeout: Timeout = C.DEFAULT_TIMEOUT,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        session: aiohttp.ClientSession | None = None,
        send_secret: bool = False,
        retry_policy: RetryPolicy | None = None,
        endpoint_paths: Mapping[str, str] | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        setup_from_env()  # DAJI_LOG may have been set after import
        app_key = app_key if app_key is not None else os.environ.get(C.ENV_APP_KEY)
        app_secret = app_secret if app_secret is not None else os.environ.get(C.ENV_APP_SECRET)
        missing = []
        if not app_key:
            missing.append(f"app_key (or env {C.ENV_APP_KEY})")
        if not app_secret:
            missing.append(f"app_secret (or env {C.ENV_APP_SECRET})")
        if missing:
            raise ConfigError(
                "missing DAJI credentials: " + " and ".join(missing) + f"; set {C.ENV_APP_KEY} and {C.ENV_APP_SECRET}"
            )
        assert app_key is not None and app_secret is not None
        base = base_url or os.environ.get(C.ENV_BASE_URL) or C.DEFAULT_BASE_URL
        if not base.startswith(("http://", "https://")):
            raise ConfigError(f"base_url must start with http:// or https://, got {base!r}")
        if not isinstance(max_concurrency, int) or isinstance(max_concurrency, bool) or max_concurrency < 1:
            raise ConfigError(f"max_concurrency must be an int >= 1, got {max_concurrency!r}")
        if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
            raise ConfigError(f"max_retries must be an int >= 0, got {max_retries!r}")
        if not country or not isinstance(country, str):
            raise ConfigError(f"country must be a language code such as 'en', got {country!r}")
        if endpoint_paths:
            unknown = sorted(set(endpoint_paths) - set(ENDPOINTS))
            if unknown:
                raise ConfigError(f"endpoint_paths names unknown endpoints {unknown}; known: {sorted(ENDPOINTS)}")
            for name, path in endpoint_paths.items():
                if not path.startswith("/"):
                    raise ConfigError(f"endpoint_paths[{name!r}] must start with '/', got {path!r}")

        self.app_key = app_key
        self._secret = app_secret
        self.base_url = base.rstrip("/")
        self.country = country
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.send_secret = send_secret
        self.retry_policy = retry_policy or RetryPolicy()
        self._timeout = _client_timeout(timeout)
        self._paths: dict[str, str] = dict(endpoint_paths or {})
        self._limiter = resolve_rate_limit(rate_limit, app_key=app_key)
        if cache is not None and not isinstance(cache, ResponseCache):
            raise ConfigError(
                f"cache must be a daji_async.MemoryCache or RedisCache (or None), got {type(cache).__name__}"
            )
        self.cache: ResponseCache | None = cache
        """The response cache of safe calls (``client.cache.stats``), or None."""
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._headers = {"User-Agent": f"{C.USER_AGENT_PREFIX}/{__version__}"}

        from ._bulk import Bulk
        from .resources.categories import Categories
        from .resources.orders import Orders
        from .resources.payments import Payments
        from .resources.products import Products

        self.products: Products = Products(self)
        """Product search, detail, image upload and freight."""
        self.categories: Categories = Categories(self)
        """The 1688 category tree."""
        self.orders: Orders = Orders(self)
        """Preview, create, cancel, view and confirm receipt of orders (create/cancel never retried)."""
        self.payments: Payments = Payments(self)
        """Cashier links in batches, and password-free payment (never retried)."""
        self.bulk: Bulk = Bulk(self)
        """Thousands of searches or details at once, with bounded concurrency."""

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> DajiClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the client's own session (a session you passed in stays open). Idempotent."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._closed

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The limiter every request passes, or None when unlimited."""
        return self._limiter

    def endpoint_path(self, endpoint: Endpoint[Any]) -> str:
        """The path this client sends ``endpoint`` to (honouring ``endpoint_paths``)."""
        return self._paths.get(endpoint.name, endpoint.path)

    def __repr__(self) -> str:
        key = self.app_key[:4] + "…" if len(self.app_key) > 4 else "…"
        limit = describe_rate_limit(self._limiter)
        return (
            f"DajiClient(app_key={key!r}, base_url={self.base_url!r}, country={self.country!r}, "
            f"rate_limit={limit}, max_concurrency={self.max_concurrency})"
        )

    def _session_now(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this DajiClient is closed; create a new one")
        session = self._session
        if session is None:
            connector = aiohttp.TCPConnector(
                limit=self.max_concurrency, limit_per_host=self.max_concurrency, ttl_dns_cache=300
            )
            session = self._session = aiohttp.ClientSession(
                connector=connector, headers=self._headers, timeout=self._timeout
            )
        return session

    # ------------------------------------------------------------------ the pipeline

    def _prepare(self, endpoint: Endpoint[Any], params: Params) -> _Prepared:
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
            return _Prepared(
                endpoint.method,
                path,
                url,
                body=msgspec.json.encode(body),
                content_type="application/json",
                redact=(self._secret, signature),
            )
        pairs = authenticate(canonical_pairs(params), self.app_key, self._secret, send_secret=self.send_secret)
        signature = "" if self.send_secret else pairs[-1][1]
        redact = (self._secret, signature)
        if kind == "form":
            return _Prepared(endpoint.method, path, url, form=pairs, redact=redact)
        return _Prepared(endpoint.method, path, url + "?" + encode_query(pairs), redact=redact)

    def _pages(self, endpoint: Endpoint[Any], params: Params) -> Callable[[int], _Prepared]:
        """Requests for the pages of one search: everything but ``beginPage`` is encoded once."""
        if endpoint.body != "query":
            return lambda number: self._prepare(endpoint, {**params, "beginPage": number})
        path = self.endpoint_path(endpoint)
        url = self.base_url + path + "?"
        query = PagedQuery(canonical_pairs(params), self.app_key, self._secret, send_secret=self.send_secret)
        method, secret = endpoint.method, self._secret

        def page(number: int) -> _Prepared:
            text, signature = query.for_page(number)
            return _Prepared(method, path, url + text, redact=(secret, signature))

        return page

    async def _execute(
        self,
        endpoint: Endpoint[T],
        params: Params | None = None,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        safe: bool | None = None,
        prepared: _Prepared | None = None,
    ) -> Envelope[T]:
        """Send one call through the pipeline and return its decoded, successful envelope.

        ``prepared`` is an already signed request (pages of a search); else ``params`` are
        encoded and signed here.
        """
        if prepared is None:
            prepared = self._prepare(endpoint, params or {})
        decoder = envelope_decoder(endpoint.response)
        client_timeout = self._timeout if timeout is None else _client_timeout(timeout)
        is_safe = endpoint.safe if safe is None else safe
        retries = (self.max_retries if max_retries is None else max_retries) if is_safe else 0
        # cache hook (1 of 2): a safe call's answer may already be known; a hit sends nothing
        cache, cache_key = self.cache, None
        if cache is not None and is_safe:
            cache_key = cache.key_for(endpoint.name, prepared.method, prepared.url, prepared.body)
            if cache_key is not None:
                cached = await cache.load(cache_key)
                if cached is not None:
                    return decode_success(
                        decoder, cached, status=200, method=prepared.method, path=prepared.path, redact=prepared.redact
                    )
        retry = 0
        while True:
            started = time.perf_counter()
            trace_id: str | None = None
            status = 0
            error: APIConnectionError | APIError
            try:
                status, body, reason, retry_after = await self._attempt(prepared, client_timeout)
                if 200 <= status < 300:
                    envelope = decode_success(
                        decoder, body, status=status, method=prepared.method, path=prepared.path, redact=prepared.redact
                    )
                    trace_id = envelope.trace_id
                    if cache is not None and cache_key is not None and envelope.data is not None:  # cache hook (2 of 2)
                        await cache.store(cache_key, body)
                    return envelope
                raise make_api_error(
                    status,
                    read_error_body(body),
                    method=prepared.method,
                    path=prepared.path,
                    reason=reason,
                    retry_after=parse_retry_after(retry_after),
                    snippet=snippet_of(body, prepared.redact),
                )
            except APIError as exc:
                trace_id = exc.trace_id
                error = exc
            except APIConnectionError as exc:
                exc.attempts = retry + 1
                error = exc
            finally:
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug(
                        "%s %s -> %s in %.1f ms (attempt %d, traceId %s)",
                        prepared.method,
                        prepared.path,
                        status or "no answer",
                        (time.perf_counter() - started) * 1000,
                        retry + 1,
                        trace_id,
                    )
            delay = retry_delay(self.retry_policy, error, retry) if retry < retries else None
            if delay is None:
                raise error
            retry += 1
            logger.debug(
                "%s %s: retry %d of %d in %.0f ms after %s",
                prepared.method,
                prepared.path,
                retry,
                retries,
                delay * 1000,
                type(error).__name__,
            )
            await asyncio.sleep(delay)

    async def _call(
        self,
        endpoint: Endpoint[T],
        params: Params,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> T:
        """Like :meth:`_execute`, returning ``data``; a success without data is a decode error."""
        envelope = await self._execute(endpoint, params, timeout=timeout, max_retries=max_retries)
        if envelope.data is None:
            path = self.endpoint_path(endpoint)
            raise ResponseDecodeError(
                f"{endpoint.method} {path}: the success envelope carries no data",
                status=200,
                path=path,
                method=endpoint.method,
            )
        return envelope.data

    async def _attempt(self, prepared: _Prepared, timeout: aiohttp.ClientTimeout) -> tuple[int, bytes, str, str | None]:
        """One attempt: a concurrency slot, the rate limiter, send, read the whole body.

        The limiter is passed last, once a slot is held, so a request leaves the moment the
        limiter lets it go. Passed first, requests that then queued for a slot would leave in
        bursts whenever slots freed up, and a one-second window at the server could hold more
        than the rate (measured: 521 in one second at rate_limit=500 in a bulk run).

        Returns the status, the body, the reason phrase and the ``Retry-After`` header.
        """
        async with self._semaphore:
            if self._limiter is not None:
                await self._limiter.acquire()
            session = self._session_now()
            try:
                data: Any = prepared.body
                if prepared.form is not None:
                    form = aiohttp.FormData()
                    for key, value in prepared.form:
                        form.add_field(key, value)
                    data = form
                headers = None if self._owns_session else self._headers
                if prepared.content_type is not None:
                    headers = {**(headers or {}), "Content-Type": prepared.content_type}
                async with session.request(
                    prepared.method, prepared.url, data=data, headers=headers, timeout=timeout
                ) as response:
                    body = await response.read()
                    return response.status, body, response.reason or "", response.headers.get("Retry-After")
            except asyncio.TimeoutError:
                raise APITimeoutError(
                    f"{prepared.method} {prepared.path}: no complete answer within {_seconds(timeout)}",
                    method=prepared.method,
                    path=prepared.path,
                ) from None
            except aiohttp.ClientError as exc:
                text = f"{type(exc).__name__}: {exc}"
                clean = redact_text(text, prepared.redact)
                error = APIConnectionError(
                    f"{prepared.method} {prepared.path}: {clean}", method=prepared.method, path=prepared.path
                )
                if clean == text:
                    raise error from exc
                raise error from None

    # ------------------------------------------------------------------ raw calls

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Params | None = None,
        safe: bool | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> Any:
        """A signed call of any path the SDK does not wrap yet; returns the envelope's ``data``.

        ``params`` go in the query string, ``json`` in a JSON body (signed like the service's
        other JSON calls). ``safe`` says whether retrying is harmless: it defaults to True for
        GET and False otherwise. The data comes back as plain JSON values (dicts, lists...).

        ::

            data = await client.request("GET", "/alibaba/upload/imageByUrl", params={"imageUrl": url})
        """
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        method = method.upper()
        if params is not None and json is not None and method != "GET":
            raise ValueError("pass params or json, not both")
        body: BodyKind = "json" if json is not None else "query"
        endpoint: Endpoint[Any] = Endpoint(
            f"raw:{method} {path}", method, path, object, body=body, safe=method == "GET" if safe is None else safe
        )
        envelope = await self._execute(
            endpoint, json if json is not None else (params or {}), timeout=timeout, max_retries=max_retries
        )
        return envelope.data


def _client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    if isinstance(timeout, aiohttp.ClientTimeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ConfigError(f"timeout must be a positive number of seconds or an aiohttp.ClientTimeout, got {timeout!r}")
    return aiohttp.ClientTimeout(total=float(timeout))


def _seconds(timeout: aiohttp.ClientTimeout) -> str:
    return f"{timeout.total:g} s" if timeout.total else "the configured timeout"


__all__ = ["DajiClient", "RetryPolicy"]
