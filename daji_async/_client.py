"""DajiClient: configuration, the transport, and the one request pipeline.

Every call (a single detail, a page of a search, bulk work) goes through
:meth:`DajiClient._execute`: the client-wide concurrency bound, then the rate limiter, then
one attempt through the transport (aiohttp by default, any object with an async ``send``
otherwise), then msgspec decoding of the envelope, then error mapping, with retries around
the whole for calls that are safe to repeat. The pipeline is the same over every transport.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
import time
from collections.abc import Callable, Coroutine, Mapping
from ssl import SSLContext
from types import EllipsisType, MappingProxyType, TracebackType
from typing import Any, Literal, TypeVar, Union, overload

import aiohttp
import msgspec

from . import _constants as C
from ._bulk import Bulk
from ._cache import ResponseCache
from ._endpoints import ENDPOINTS, BodyKind, Endpoint, PageToken
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigError,
    DajiError,
    EventLoopError,
    OutcomeUnknownError,
    ResponseDecodeError,
)
from ._gate import ConcurrencyGate
from ._hooks import EventHooks, make_hooks, rate_limit_wait
from ._logs import logger, setup_from_env
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
from ._proxy import mask_proxy, resolve_proxy
from ._ratelimit import (
    RateLimitArg,
    RateLimiter,
    RatePermit,
    StrictRateLimiter,
    describe_rate_limit,
    resolve_rate_limit,
)
from ._raw import (
    CAPTURE,
    SLOT,
    CategoriesWithRawResponse,
    OrdersWithRawResponse,
    PaymentsWithRawResponse,
    PoizonWithRawResponse,
    ProductsWithRawResponse,
    RawResponse,
    ResponseMeta,
    Slot,
    TaobaoWithRawResponse,
    clean_headers,
    raw_response_wrapper,
)
from ._redact import chain_shows_secret, clean_trace_id, mask_url, redact_body, redact_text, url_credentials
from ._transport import AiohttpTransport, Request, Response, Transport, request_sent
from ._validate import country as check_country
from ._validate import (
    extra_params,
    integer,
    name_text,
    origin,
    retry_count,
)
from ._validate import timeout as check_timeout
from ._version import __version__
from .resources.categories import Categories
from .resources.orders import Orders
from .resources.payments import Payments
from .resources.poizon import Poizon
from .resources.products import CountryArg, Products
from .resources.taobao import Taobao

T = TypeVar("T")

Timeout = Union[float, aiohttp.ClientTimeout]

setup_from_env()


class _Shared:
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


class DajiClient:
    """An asyncio client of the DAJI open API: 1688, Taobao/Tmall and Poizon.

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
        session: an ``aiohttp.ClientSession`` for the default transport; it is never closed
            by the client.
        transport: any object with ``async def send(request) -> Response`` (see
            :mod:`daji_async.testing` for :class:`~daji_async.testing.MockTransport`); the
            default is an :class:`~daji_async.AiohttpTransport`. A transport passed in is never
            closed by the client. Retries, rate limit, concurrency, decoding and error mapping
            are the same over every transport.
        send_secret: debug mode: send ``appSecret`` in clear instead of ``sign``.
        retry_policy: backoff and which statuses are retried; see :class:`RetryPolicy`.
        endpoint_paths: ``{endpoint name: path}`` to point an endpoint at another path,
            e.g. ``{"orders.create": "/alibaba/trade/order/create"}``.
        cache: a :class:`~daji_async.MemoryCache` or :class:`~daji_async.RedisCache` for the
            answers of safe calls (details, categories, search pages); a hit sends nothing.
        max_response_bytes: the largest answer read, counted after decompression (16 MiB by
            default): a longer one raises :class:`ResponseDecodeError` naming the cap, and
            nothing past the cap is buffered.
        proxy: an HTTP proxy for the default transport, ``http://[user:password@]host:port``
            (credentials are sent as ``Proxy-Authorization``). Without it, the environment's
            ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` for ``base_url`` apply, unless
            ``NO_PROXY`` names its host (read once, here; see :mod:`daji_async._proxy`).
        trust_env: False ignores the environment's proxy variables.
        event_hooks: `{"request": [...], "response": [...]}`: sync or async callables called
            before and after every attempt with a redacted view of it (see `EventHooks`).
        ssl: how the default transport checks the service's TLS certificate: True (the
            default) verifies it against the system's certificate authorities (the
            environment's `SSL_CERT_FILE` / `SSL_CERT_DIR` apply, read when aiohttp is
            imported); an `ssl.SSLContext` uses that context (a private CA, a TLS-inspecting
            proxy's root, client certificates); False **turns verification off** (anyone on
            the path can then read and change every request, signature included: for a local
            test server only).

    One client belongs to one event loop: the loop of its first request. Used from another
    loop it raises :class:`~daji_async.EventLoopError`; create the client inside the coroutine
    you pass to ``asyncio.run`` (``async with DajiClient() as client:``).

    Every argument is checked here (a :class:`ConfigError`, which is also a ValueError,
    names the bad one). Signed requests never follow a redirect: a 3xx is an
    :class:`APIError` naming the status and the ``Location`` host.
    """

    def __init__(
        self,
        app_key: str | None = None,
        app_secret: str | None = None,
        *,
        base_url: str | None = None,
        country: CountryArg = "en",
        rate_limit: RateLimitArg = None,
        max_concurrency: int = C.DEFAULT_MAX_CONCURRENCY,
        timeout: Timeout = C.DEFAULT_TIMEOUT,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        session: aiohttp.ClientSession | None = None,
        send_secret: bool = False,
        retry_policy: RetryPolicy | None = None,
        endpoint_paths: Mapping[str, str] | None = None,
        cache: ResponseCache | None = None,
        transport: Transport | None = None,
        max_response_bytes: int = C.MAX_RESPONSE_BYTES,
        proxy: str | None = None,
        trust_env: bool = True,
        event_hooks: EventHooks | None = None,
        ssl: SSLContext | bool = True,
    ) -> None:
        setup_from_env()  # DAJI_LOG may have been set after import
        app_key = app_key if app_key is not None else os.environ.get(C.ENV_APP_KEY)
        app_secret = app_secret if app_secret is not None else os.environ.get(C.ENV_APP_SECRET)
        for name, value in (("app_key", app_key), ("app_secret", app_secret)):
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"{name} must be a str, got {type(value).__name__}")
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
        base = base_url if base_url is not None else (os.environ.get(C.ENV_BASE_URL) or C.DEFAULT_BASE_URL)
        try:
            name_text("app_key", app_key)
            if len(app_secret) > C.MAX_NAME_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in app_secret):
                # never echo the secret, even in part
                raise ValueError(
                    f"app_secret must be at most {C.MAX_NAME_LENGTH} characters, without control characters"
                )
            if "@" in base:  # a message about the URL shows it with its password masked
                origin("base_url", mask_url(base))
            origin("base_url", base)
            integer("max_concurrency", max_concurrency, low=1)
            integer("max_retries", max_retries, low=0, high=C.MAX_RETRIES_LIMIT)
            integer("max_response_bytes", max_response_bytes, low=1)
            if not isinstance(send_secret, bool):
                raise TypeError(f"send_secret must be True or False, got {type(send_secret).__name__}")
            if not isinstance(trust_env, bool):
                raise TypeError(f"trust_env must be True or False, got {type(trust_env).__name__}")
            if not isinstance(ssl, (bool, SSLContext)):
                raise TypeError(f"ssl must be True, False or an ssl.SSLContext, got {type(ssl).__name__}")
        except (TypeError, ValueError) as exc:
            raise ConfigError(redact_text(str(exc), (app_secret, *url_credentials(base)))) from None
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise ConfigError(f"session must be an aiohttp.ClientSession, got {type(session).__name__}")
        if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
            raise ConfigError(f"retry_policy must be a daji_async.RetryPolicy, got {type(retry_policy).__name__}")
        if transport is not None and session is not None:
            raise ConfigError("pass session (for the default aiohttp transport) or transport, not both")
        if transport is not None and proxy is not None:
            raise ConfigError("proxy applies to the default aiohttp transport; configure a transport you pass yourself")
        if transport is not None and ssl is not True:
            raise ConfigError("ssl applies to the default aiohttp transport; configure a transport you pass yourself")
        if transport is not None and not callable(getattr(transport, "send", None)):
            raise ConfigError(f"transport must have an async send(request) method, got {type(transport).__name__}")
        try:
            check_country("country", country)
        except (TypeError, ValueError):
            raise ConfigError(f"country must be a language code such as 'en', got {country!r}") from None
        if endpoint_paths:
            unknown = sorted(set(endpoint_paths) - set(ENDPOINTS))
            if unknown:
                raise ConfigError(f"endpoint_paths names unknown endpoints {unknown}; known: {sorted(ENDPOINTS)}")
            for name, path in endpoint_paths.items():
                try:
                    name_text(f"endpoint_paths[{name!r}]", path)
                except (TypeError, ValueError) as exc:
                    raise ConfigError(str(exc)) from None
                if not path.startswith("/") or any(c in path for c in "?# "):
                    raise ConfigError(f"endpoint_paths[{name!r}] must be a path (it must start with '/'), got {path!r}")

        self.app_key = app_key
        self._secret = app_secret
        #: Credentials masked (by value) in every message: the app secret, and the proxy's once known.
        self._masks: tuple[str, ...] = (app_secret,)
        self.base_url = base.rstrip("/")
        self.country = country
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.send_secret = send_secret
        self.retry_policy = retry_policy or RetryPolicy()
        self.max_response_bytes = max_response_bytes
        try:
            self._timeout = _client_timeout(timeout)
        except (TypeError, ValueError) as exc:
            raise ConfigError(str(exc)) from None
        self._paths: dict[str, str] = dict(endpoint_paths or {})
        self.event_hooks = event_hooks  # the setter checks them
        self._limiter = resolve_rate_limit(rate_limit, app_key=app_key)
        if cache is not None and not isinstance(cache, ResponseCache):
            raise ConfigError(
                f"cache must be a daji_async.MemoryCache or RedisCache (or None), got {type(cache).__name__}"
            )
        self.cache: ResponseCache | None = cache
        """The response cache of safe calls (``client.cache.stats``), or None."""
        self._gate = ConcurrencyGate(max_concurrency)
        self._shared = _Shared()
        self._headers = {"User-Agent": f"{C.USER_AGENT_PREFIX}/{__version__}"}
        self._owns_transport = transport is None
        if transport is None:
            chosen = resolve_proxy(self.base_url, proxy, trust_env=trust_env)
            if chosen is not None:
                self._masks = (app_secret, *url_credentials(chosen))
                logger.debug("%s: requests go through the proxy %s", self.base_url, mask_proxy(chosen))
            transport = AiohttpTransport(
                session,
                pool_size=max_concurrency,
                timeout=self._timeout,
                headers=self._headers,
                max_response_bytes=max_response_bytes,
                proxy=chosen,
                ssl=ssl,
            )
        self._transport: Transport = transport
        # by id() of the response type (a typing alias hashes in Python, on every call); each
        # entry keeps its type alive, so an id is never reused while its entry exists
        self._decoders: dict[int, tuple[Any, msgspec.json.Decoder[Envelope[Any]]]] = {}
        # a strict limiter counts a request when the transport says it left (connection set-up
        # included), not when it was let through; other limiters and transports as they are
        self._hold_until_sent = self._holds_until_sent()
        self._attach_resources()

    def _holds_until_sent(self) -> bool:
        """Whether the limiter holds a place until the transport reports the request left."""
        return isinstance(self._limiter, StrictRateLimiter) and bool(getattr(self._transport, "reports_sent", False))

    def _attach_resources(self) -> None:
        """Create the resource groups, bound to this client (or to a view of it)."""
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
        self.alibaba: Alibaba = Alibaba(self)
        """The 1688 calls under a platform name: ``client.alibaba.products is client.products``."""
        self.taobao: Taobao = Taobao(self)
        """Taobao/Tmall: products (search, image search, detail, upload, freight), orders, payments."""
        self.poizon: Poizon = Poizon(self)
        """Poizon (得物): product search (startId cursor), detail and categories."""

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> DajiClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the client's own transport and session (ones you passed in stay open). Idempotent.

        On a view from :meth:`with_options` this does nothing: the view shares its client's
        session, which the client closes.
        """
        if self._view_of is not None or self._shared.closed:
            return
        self._shared.closed = True
        if self._owns_transport:
            aclose = getattr(self._transport, "aclose", None)
            if aclose is not None:
                await aclose()

    @property
    def transport(self) -> Transport:
        """The transport every request goes through."""
        return self._transport

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called (on the client a view was made from)."""
        return self._shared.closed

    # ------------------------------------------------------------------ views

    _view_of: DajiClient | None = None

    def with_options(
        self,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        rate_limit: RateLimitArg | EllipsisType = ...,
    ) -> DajiClient:
        """A view of this client with other defaults, sharing its session and concurrency bound.

        Cheap (no new session, no new connection pool): make one per task if you like.
        ``timeout`` and ``max_retries`` replace the client's defaults for every call made
        through the view (per-call ``timeout=`` / ``max_retries=`` still win). The view
        shares the client's rate limiter unless ``rate_limit`` is given: a number (or any
        limiter, such as an ``AsyncLimiter``) gives the view a limiter of its own, None no
        limit at all.
        ``max_concurrency`` stays the client's: the view's requests count against it. Closing
        a view does nothing; close the client.

        ::

            patient = client.with_options(timeout=120, max_retries=6)
            detail = await patient.products.detail(727920485853)
        """
        view = self._view(type(self))
        try:
            if timeout is not None:
                view._timeout = _client_timeout(timeout)
            if max_retries is not None:
                view.max_retries = integer("max_retries", max_retries, low=0, high=C.MAX_RETRIES_LIMIT)
        except (TypeError, ValueError) as exc:
            raise ConfigError(str(exc)) from None
        if rate_limit is not ...:
            view._limiter = resolve_rate_limit(rate_limit, app_key=self.app_key)
            view._hold_until_sent = view._holds_until_sent()
        return view

    def _view(self, cls: type[DajiClient]) -> DajiClient:
        """A copy sharing the transport, concurrency bound, decoders and lifecycle; own resources."""
        view = cls.__new__(cls)
        view.__dict__.update(self.__dict__)
        view.__dict__.pop("with_raw_response", None)
        view._owns_transport = False
        view._view_of = self._view_of or self
        view._attach_resources()
        return view

    @functools.cached_property
    def with_raw_response(self) -> DajiClientWithRawResponse:
        """The same calls, each returning a :class:`~daji_async.RawResponse` around its value.

        ``.status``, ``.headers`` and ``.trace_id`` describe the answer that produced the
        value (``.answers`` every answer, for calls made of several requests); ``.parse()``
        returns the value the plain call returns. For a search, the first page.

        ::

            raw = await client.with_raw_response.products.detail(727920485853)
            print(raw.status, raw.trace_id, raw.headers.get("Content-Type"))
            detail = raw.parse()

        Calls made without it pay nothing for it.
        """
        return DajiClientWithRawResponse(self._view(_RecordingClient))

    @property
    def event_hooks(self) -> EventHooks:
        """The hooks called around every attempt (a copy); assign a new dict to replace them.

        Views made by `with_options` keep the hooks their client had when they were made.
        """
        return self._hooks.as_dict() if self._hooks is not None else {"request": [], "response": []}

    @event_hooks.setter
    def event_hooks(self, hooks: EventHooks | None) -> None:
        try:
            self._hooks = make_hooks(hooks)
        except (TypeError, ValueError) as exc:
            raise ConfigError(str(exc)) from None

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

        ``params`` already carry the page size; the page parameter comes from the endpoint's
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

        ``request`` is an already signed request (pages of a walk); else ``params`` are
        encoded and signed here. The row's trade semantics apply here, once for every call:
        a ``success: false`` layer of a trade answer raises TradeError, and an unsafe call
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
        """:meth:`_attempts` for a row with ``outcome_unknown``: no readable answer raises it."""
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
        """The retry loop around single attempts (see :meth:`_execute`)."""
        if max_retries is not None:
            retry_count("max_retries", max_retries)
        call_timeout = self._timeout if timeout is None else _client_timeout(timeout)
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
        """Like :meth:`_execute`, returning ``data``; a success without data is a decode error."""
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
        :class:`APIConnectionError` (:class:`APITimeoutError` for timeouts), secrets masked.
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
                    f"{request.method} {request.path}: no complete answer within {_seconds(timeout)}",
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

    # ------------------------------------------------------------------ raw calls

    @overload
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
        envelope: Literal[False] = False,
    ) -> Any: ...

    @overload
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
        envelope: Literal[True],
    ) -> Envelope[Any]: ...

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
        envelope: bool = False,
    ) -> Any:
        """A signed call of any path the SDK does not wrap yet; returns the envelope's ``data``.

        ``params`` go in the query string, ``json`` in a JSON body (signed like the service's
        other JSON calls). ``safe`` says whether retrying is harmless: it defaults to True for
        GET and False otherwise. The data comes back as plain JSON values (dicts, lists...).
        With ``envelope=True`` the whole :class:`~daji_async.Envelope` comes back instead
        (``code``, ``message``, ``data``, ``timestamp``, ``trace_id``).

        ::

            data = await client.request("GET", "/alibaba/upload/imageByUrl", params={"imageUrl": url})
        """
        name_text("method", method)
        name_text("path", path)
        if not path.startswith("/") or path.startswith("//") or "?" in path or "#" in path or " " in path:
            raise ValueError(f"path must start with '/' (a path such as '/alibaba/category/get'), got {path!r}")
        method = method.upper()
        if method not in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            raise ValueError(f"method must be GET or POST (or PUT, DELETE, PATCH), got {method!r}")
        extra_params("params", params)
        extra_params("json", json)
        if safe is not None and not isinstance(safe, bool):
            raise TypeError(f"safe must be True, False or None, got {type(safe).__name__}")
        if params is not None and json is not None and method != "GET":
            raise ValueError("pass params or json, not both")
        body: BodyKind = "json" if json is not None else "query"
        endpoint: Endpoint[Any] = Endpoint(
            f"raw:{method} {path}", method, path, object, body=body, safe=method == "GET" if safe is None else safe
        )
        answer = await self._execute(
            endpoint, json if json is not None else (params or {}), timeout=timeout, max_retries=max_retries
        )
        return answer if envelope else answer.data


_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class _RecordingClient(DajiClient):
    """The client behind ``with_raw_response``: notes each successful answer for the wrapper.

    Only views of this class pay for recording; the plain client's pipeline has no hook.
    """

    async def _execute(
        self,
        endpoint: Endpoint[T],
        params: Params | None = None,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        safe: bool | None = None,
        request: Request | None = None,
    ) -> Envelope[T]:
        capture = CAPTURE.get()
        if capture is None:
            return await super()._execute(
                endpoint, params, timeout=timeout, max_retries=max_retries, safe=safe, request=request
            )
        slot = Slot()
        token = SLOT.set(slot)
        try:
            answer = await super()._execute(
                endpoint, params, timeout=timeout, max_retries=max_retries, safe=safe, request=request
            )
        finally:
            SLOT.reset(token)
        response: Response | None = slot.response
        path = self.endpoint_path(endpoint)
        if response is None:  # answered without a request (a response cache): no HTTP answer to show
            meta = ResponseMeta(endpoint.method, path, 200, _NO_HEADERS, trace_id=answer.trace_id, attempts=0)
        else:
            meta = ResponseMeta(
                endpoint.method,
                path,
                response.status,
                clean_headers(response.headers, slot.redact),
                reason=redact_text(response.reason, slot.redact),
                trace_id=answer.trace_id,
                attempts=slot.attempts,
            )
        capture.answers.append(meta)
        return answer

    async def _send(self, request: Request) -> Response:
        slot = SLOT.get()
        if slot is None:
            return await super()._send(request)
        slot.attempts += 1
        slot.redact = request.redact
        response = await super()._send(request)
        slot.response = response
        return response


class DajiClientWithRawResponse:
    """``client.with_raw_response``: the client's calls, each returning a :class:`RawResponse`.

    ::

        raw = await client.with_raw_response.products.detail(727920485853)
        print(raw.status, raw.trace_id)
        detail = raw.parse()
        page = (await client.with_raw_response.products.keyword_search("连衣裙")).parse()
        envelope = (await client.with_raw_response.request("GET", "/alibaba/category/get",
                                                           params={"categoryID": 0}, envelope=True)).parse()
    """

    def __init__(self, client: DajiClient) -> None:
        self.products = ProductsWithRawResponse(client.products)
        """Product calls returning :class:`RawResponse` (searches: around their first page)."""
        self.categories = CategoriesWithRawResponse(client.categories)
        """Category calls returning :class:`RawResponse`."""
        self.orders = OrdersWithRawResponse(client.orders)
        """Order calls returning :class:`RawResponse`."""
        self.payments = PaymentsWithRawResponse(client.payments)
        """Payment calls returning :class:`RawResponse`."""
        self.request = raw_response_wrapper(client.request)
        """:meth:`DajiClient.request` returning :class:`RawResponse`."""
        self.alibaba = self
        """The 1688 calls under their platform's name (``raw.alibaba.products is raw.products``)."""
        self.taobao = TaobaoWithRawResponse(client.taobao)
        """Taobao/Tmall calls returning :class:`RawResponse`."""
        self.poizon = PoizonWithRawResponse(client.poizon)
        """Poizon calls returning :class:`RawResponse`."""


class Alibaba:
    """The 1688 calls under their platform's name, beside ``client.taobao`` and ``client.poizon``.

    The same objects as the client's top-level attributes: ``client.alibaba.products is
    client.products``, so every 1688 example keeps working either way.
    """

    def __init__(self, client: DajiClient) -> None:
        self.products: Products = client.products
        """1688 product search, detail, image upload and freight (``client.products``)."""
        self.categories: Categories = client.categories
        """The 1688 category tree (``client.categories``)."""
        self.orders: Orders = client.orders
        """1688 orders (``client.orders``)."""
        self.payments: Payments = client.payments
        """1688 payment links and password-free payment (``client.payments``)."""


class _SignedPages:
    """The signed request of each page of one walk (:meth:`DajiClient._pages`).

    One slotted object per walk rather than a closure: a closure costs a cell per captured
    name, each one more object for the garbage collector to track (bulk makes one per input).
    """

    __slots__ = ("_client", "_endpoint", "_masks", "_method", "_params", "_path", "_query", "_url")

    def __init__(
        self, client: DajiClient, endpoint: Endpoint[Any], params: Params, query: PagedQuery, path: str, url: str
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


def _client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    """A finite, positive number of seconds (or a ClientTimeout whose limits are) as a ClientTimeout."""
    checked = check_timeout("timeout", timeout)
    return checked if isinstance(checked, aiohttp.ClientTimeout) else aiohttp.ClientTimeout(total=checked)


def _seconds(timeout: aiohttp.ClientTimeout) -> str:
    return f"{timeout.total:g} s" if timeout.total else "the configured timeout"


__all__ = [
    "Alibaba",
    "DajiClient",
    "DajiClientWithRawResponse",
    "RawResponse",
    "ResponseMeta",
    "RetryPolicy",
    "Timeout",
]
