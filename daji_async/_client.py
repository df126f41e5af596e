"""DajiClient: configuration, lifecycle, views (`with_options`, `with_raw_response`) and `request()`.

The request pipeline every call goes through lives in `_pipeline` (`DajiClient` is a
`Pipeline`); the recording pipeline of raw views and their namespaces live in `_views`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from ssl import SSLContext
from types import EllipsisType, TracebackType
from typing import Any, Literal, TypeVar, overload

import aiohttp
import msgspec

from . import _constants as C
from ._bulk import Bulk
from ._cache import ResponseCache
from ._core import Core
from ._endpoints import ENDPOINTS, BodyKind, Endpoint
from ._errors import (
    ConfigError,
)
from ._gate import ConcurrencyGate
from ._hooks import EventHooks, make_hooks
from ._logs import logger, setup_from_env
from ._pipeline import Pipeline, Shared, Timeout, client_timeout
from ._protocol import (
    Envelope,
    Params,
    RetryPolicy,
)
from ._proxy import mask_proxy, resolve_proxy
from ._ratelimit import (
    RateLimitArg,
    RateLimiter,
    StrictRateLimiter,
    describe_rate_limit,
    resolve_rate_limit,
)
from ._raw import (
    RawResponse,
    ResponseMeta,
)
from ._redact import mask_url, redact_text, url_credentials
from ._transport import AiohttpTransport, Transport
from ._validate import country as check_country
from ._validate import (
    extra_params,
    integer,
    name_text,
    origin,
)
from ._version import __version__
from ._views import Alibaba, DajiClientWithRawResponse, RecordingPipeline
from .resources.categories import Categories
from .resources.offers import Offers
from .resources.orders import Orders
from .resources.payments import Payments
from .resources.poizon import Poizon
from .resources.products import CountryArg, Products
from .resources.taobao import Taobao

T = TypeVar("T")

setup_from_env()


class DajiClient(Pipeline):
    """An asyncio client of the DAJI open API: 1688, Taobao/Tmall and Poizon.

    ```python
    async with DajiClient() as client:          # DAJI_APP_KEY / DAJI_APP_SECRET from the env
        page = await client.products.keyword_search(keyword="连衣裙")
    ```

    Args:
        app_key: your app key; defaults to env `DAJI_APP_KEY`.
        app_secret: your app secret; defaults to env `DAJI_APP_SECRET`. Never sent, logged
            or shown (unless `send_secret=True`, which sends it in clear for debugging).
        base_url: defaults to env `DAJI_BASE_URL`, else `https://openapi.dajisaas.com`.
        country: language of translated fields for every call that takes `country`.
        rate_limit: requests per second (a float: at most that many in any one-second
            window), any object with an async `acquire()` used as given (an
            `aiolimiter.AsyncLimiter`, a `RedisRateLimiter` shared by many
            processes...), or None for no limit.
        max_concurrency: requests in flight at once across everything this client does;
            also the size of the connection pool.
        timeout: seconds per request attempt, or an `aiohttp.ClientTimeout`.
        max_retries: retries of safe (read-only) calls after the first attempt.
        session: an `aiohttp.ClientSession` for the default transport; it is never closed
            by the client.
        transport: any object with `async def send(request) -> Response` (see
            `daji_async.testing` for `MockTransport`); the
            default is an `AiohttpTransport`. A transport passed in is never
            closed by the client. Retries, rate limit, concurrency, decoding and error mapping
            are the same over every transport.
        send_secret: debug mode: send `appSecret` in clear instead of `sign`.
        retry_policy: backoff and which statuses are retried; see `RetryPolicy`.
        endpoint_paths: `{endpoint name: path}` to point an endpoint at another path,
            e.g. `{"orders.create": "/alibaba/trade/order/create"}`.
        cache: a `MemoryCache` or `RedisCache` for the
            answers of safe calls (details, categories, search pages); a hit sends nothing.
        max_response_bytes: the largest answer read, counted after decompression (16 MiB by
            default): a longer one raises `ResponseDecodeError` naming the cap, and
            nothing past the cap is buffered.
        proxy: an HTTP proxy for the default transport, `http://[user:password@]host:port`
            (credentials are sent as `Proxy-Authorization`). Without it, the environment's
            `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` for `base_url` apply, unless
            `NO_PROXY` names its host (read once, here; see `daji_async._proxy`).
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
    loop it raises `EventLoopError`; create the client inside the coroutine
    you pass to `asyncio.run` (`async with DajiClient() as client:`).

    Every argument is checked here (a `ConfigError`, which is also a ValueError,
    names the bad one). Signed requests never follow a redirect: a 3xx is an
    `APIError` naming the status and the `Location` host.
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
            self._timeout = client_timeout(timeout)
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
        """The response cache of safe calls (`client.cache.stats`), or None."""
        self._gate = ConcurrencyGate(max_concurrency)
        self._shared = Shared()
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
        core = Core.of(self)  # the resources' front door to this pipeline
        self.products: Products = Products(core)
        """Product search, detail, image upload and freight."""
        self.categories: Categories = Categories(core)
        """The 1688 category tree."""
        self.orders: Orders = Orders(core)
        """Preview, create, cancel, view and confirm receipt of orders (create/cancel never retried)."""
        self.payments: Payments = Payments(core)
        """Cashier links in batches, and password-free payment (never retried)."""
        self.bulk: Bulk = Bulk(self)
        """Thousands of searches or details at once, with bounded concurrency."""
        self.alibaba: Alibaba = Alibaba(self)
        """The 1688 calls under a platform name: `client.alibaba.products is client.products`."""
        self.taobao: Taobao = Taobao(core)
        """Taobao/Tmall: products (search, image search, detail, upload, freight), orders, payments."""
        self.poizon: Poizon = Poizon(core)
        """Poizon (得物): product search (startId cursor), detail and categories."""
        self.offers: Offers = Offers(self)
        """One search over 1688, Taobao/Tmall and Poizon at once, yielding `Offer`s."""

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> DajiClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the client's own transport and session (ones you passed in stay open). Idempotent.

        On a view from `with_options` this does nothing: the view shares its client's
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
        """True once `close` has been called (on the client a view was made from)."""
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
        `timeout` and `max_retries` replace the client's defaults for every call made
        through the view (per-call `timeout=` / `max_retries=` still win). The view
        shares the client's rate limiter unless `rate_limit` is given: a number (or any
        limiter, such as an `AsyncLimiter`) gives the view a limiter of its own, None no
        limit at all.
        `max_concurrency` stays the client's: the view's requests count against it. Closing
        a view does nothing; close the client.

        ```python
        patient = client.with_options(timeout=120, max_retries=6)
        detail = await patient.products.detail(727920485853)
        ```

        """
        view = self._view(type(self))
        try:
            if timeout is not None:
                view._timeout = client_timeout(timeout)
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
        """The same calls, each returning a `RawResponse` around its value.

        `.status`, `.headers` and `.trace_id` describe the answer that produced the
        value (`.answers` every answer, for calls made of several requests); `.parse()`
        returns the value the plain call returns. For a search, the first page.

        ```python
        raw = await client.with_raw_response.products.detail(727920485853)
        print(raw.status, raw.trace_id, raw.headers.get("Content-Type"))
        detail = raw.parse()
        ```

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

    def __repr__(self) -> str:
        key = self.app_key[:4] + "…" if len(self.app_key) > 4 else "…"
        limit = describe_rate_limit(self._limiter)
        return (
            f"DajiClient(app_key={key!r}, base_url={self.base_url!r}, country={self.country!r}, "
            f"rate_limit={limit}, max_concurrency={self.max_concurrency})"
        )

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
        """A signed call of any path the SDK does not wrap yet; returns the envelope's `data`.

        `params` go in the query string, `json` in a JSON body (signed like the service's
        other JSON calls). `safe` says whether retrying is harmless: it defaults to True for
        GET and False otherwise. The data comes back as plain JSON values (dicts, lists...).
        With `envelope=True` the whole `Envelope` comes back instead
        (`code`, `message`, `data`, `timestamp`, `trace_id`).

        ```python
        data = await client.request("GET", "/alibaba/upload/imageByUrl", params={"imageUrl": url})
        ```

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
            f"raw:{method} {path}",
            method,
            path,
            object,
            body=body,
            safe=method == "GET" if safe is None else safe,
            register=False,
        )
        answer = await self._execute(
            endpoint, json if json is not None else (params or {}), timeout=timeout, max_retries=max_retries
        )
        return answer if envelope else answer.data


class _RecordingClient(RecordingPipeline, DajiClient):
    """The client behind `with_raw_response`: notes each successful answer for the wrapper.

    Only views of this class pay for recording; the plain client's pipeline has no hook.
    """


__all__ = [
    "Alibaba",
    "DajiClient",
    "DajiClientWithRawResponse",
    "RawResponse",
    "ResponseMeta",
    "RetryPolicy",
    "Timeout",
]
