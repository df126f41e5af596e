"""The transport seam: how one signed request reaches the service and its answer comes back.

The client's pipeline (concurrency slot, rate limiter, retries, decoding, error mapping) is
the same whatever carries the bytes; a transport only sends one `Request` and returns
one `Response`. `AiohttpTransport` is the default;
`daji_async.testing.MockTransport` answers from a function, in memory.

A transport is any object with:

```python
async def send(self, request: Request) -> Response: ...
```

and, optionally, `async def aclose(self) -> None` (called by `DajiClient.close()` for a
transport the client created itself), and `reports_sent = True` when it calls the callable
in `request_sent` (when one is set) the moment each request leaves: the client's rate
limiter then counts a request when it is sent rather than when it was allowed.

A transport that cannot get an answer raises `APIConnectionError` (or
`APITimeoutError`); the pipeline also maps `asyncio.TimeoutError`,
`OSError` and `aiohttp.ClientError` raised by any transport to those, with the app
secret and signature masked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from ssl import SSLContext
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, runtime_checkable
from urllib.parse import parse_qsl

import aiohttp
import msgspec
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from . import _constants as C
from ._errors import ResponseDecodeError
from ._proxy import check_proxy, mask_proxy
from ._validate import integer

if TYPE_CHECKING:
    from ._protocol import Pairs


#: Set by the client's pipeline around one attempt (in the attempt's own context) when its rate
#: limiter wants to know when the request leaves; a transport with `reports_sent` calls it then.
request_sent: ContextVar[Callable[[], None] | None] = ContextVar("daji_request_sent", default=None)


class Request:
    """One signed request, built once per call and sent once per attempt.

    Attributes:
        method: `"GET"` or `"POST"`.
        url: the full URL (the query string, signed, included for query calls).
        path: the service path, e.g. `"/alibaba/product/keywordQuery"`.
        body: the encoded JSON body, or None.
        form: `(name, value)` fields of a multipart form, or None.
        content_type: the body's content type, or None.
        timeout: the `aiohttp.ClientTimeout` for this attempt (a transport may read `.total`).
    """

    __slots__ = ("_params", "body", "content_type", "form", "method", "path", "redact", "timeout", "url")

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
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.url = url
        self.body = body
        self.content_type = content_type
        self.form = form
        self.redact = redact
        self.timeout = timeout
        self._params: dict[str, Any] | None = None

    @property
    def params(self) -> dict[str, Any]:
        """Every parameter sent, as the service reads it: query string, JSON body or form fields.

        Includes `appKey` and `sign` (or `appSecret` in debug mode). Query and form values
        are strings; a repeated key gives a list of strings. JSON values are as decoded.
        Computed on first access: the default transport never pays for it.
        """
        params = self._params
        if params is None:
            if self.body is not None:
                decoded = msgspec.json.decode(self.body)
                params = dict(decoded) if isinstance(decoded, dict) else {}
            else:
                pairs = self.form if self.form is not None else parse_qsl(self.url.partition("?")[2], True)
                params = {}
                for key, value in pairs:
                    if key in params:
                        known = params[key]
                        params[key] = [*known, value] if isinstance(known, list) else [known, value]
                    else:
                        params[key] = value
            self._params = params
        return params

    @property
    def headers(self) -> dict[str, str]:
        """Headers this request needs beyond the transport's own (its content type)."""
        return {"Content-Type": self.content_type} if self.content_type else {}

    def __repr__(self) -> str:
        # never the URL: its query string carries the signature
        return f"Request({self.method} {self.path})"


class Response:
    """An answer from the service (or from a fake of it).

    ```python
    Response(200, json={"code": 200, "data": {...}})
    Response(503, body=b"<html>busy</html>", headers={"Retry-After": "1"})
    ```

    Args:
        status: the HTTP status.
        json: a value to encode as the JSON body (instead of `body`).
        body: the raw body bytes (or text, encoded as UTF-8).
        headers: response headers (case-insensitive, e.g. `Retry-After`).
        reason: the HTTP reason phrase, used in error messages when the body says nothing.
    """

    __slots__ = ("body", "headers", "reason", "status")

    def __init__(
        self,
        status: int,
        *,
        json: Any = None,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        reason: str = "",
    ) -> None:
        integer("status", status, low=100, high=599)
        if json is not None and body is not None:
            raise ValueError("pass json or body, not both")
        self.status = status
        if json is not None:
            self.body = msgspec.json.encode(json)
        elif isinstance(body, str):
            self.body = body.encode()
        else:
            self.body = body or b""
        self.headers: Mapping[str, str] = (
            headers if isinstance(headers, (CIMultiDict, CIMultiDictProxy)) else CIMultiDict(headers or {})
        )
        self.reason = reason

    @classmethod
    def received(cls, status: int, body: bytes, headers: Mapping[str, str], reason: str) -> Response:
        """A response exactly as a transport read it (no checks, no copies: the hot path)."""
        response = cls.__new__(cls)
        response.status = status
        response.body = body
        response.headers = headers
        response.reason = reason
        return response

    def __repr__(self) -> str:
        return f"Response({self.status}, {len(self.body)} bytes)"


@runtime_checkable
class Transport(Protocol):
    """What `DajiClient(transport=...)` accepts: one async `send`."""

    async def send(self, request: Request) -> Response:
        """Send `request` once and return the whole answer (any status)."""
        ...


class _SendingConnector(aiohttp.TCPConnector):
    """A connector that tells `request_sent` when a connection is ready for a request.

    aiohttp writes the request at once on the connection `connect` returns (pooled, or
    just opened), so this is the moment the request leaves, connection set-up included.

    Reporting wraps every request's `connect` in one more coroutine, so it is off (the
    plain method is bound on the instance) until `start_reporting`, which the
    transport calls for the first request that wants its send reported: a client without a
    strict rate limit never pays for it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connect = super().connect  # type: ignore[method-assign]

    @property
    def reporting(self) -> bool:
        """True once sends are reported."""
        return "connect" not in self.__dict__

    def start_reporting(self) -> None:
        """Report every request's send from now on (the class's `connect` takes over)."""
        self.__dict__.pop("connect", None)

    async def connect(self, *args: Any, **kwargs: Any) -> Any:
        connection = await super().connect(*args, **kwargs)
        sent = request_sent.get()
        if sent is not None:
            sent()
        return connection


class AiohttpTransport:
    """The default transport: an `aiohttp.ClientSession`, created lazily.

    Args:
        session: a session to use; it is never closed by the transport. Without one, the
            transport creates its own on first use (a connection pool of `pool_size`) and
            closes it in `aclose`.
        pool_size: connections kept per host (the client passes its `max_concurrency`).
        timeout: the session's default timeout (each request also carries its own).
        headers: headers sent with every request (the client passes its User-Agent).
        proxy: an HTTP proxy URL every request goes through (`http://user:password@host:port`;
            credentials become `Proxy-Authorization`), or None to connect directly. The
            client resolves it from `DajiClient(proxy=...)` or the environment.
        max_response_bytes: the largest body read, counted after decompression: a longer one
            is a `ResponseDecodeError` naming the cap, and nothing past the
            cap is buffered.
        ssl: True verifies the server's certificate with the default context (the system's
            authorities; `SSL_CERT_FILE` applies), an `ssl.SSLContext` uses that context,
            False turns verification off. Set on the connector of a session of its own, passed
            with every request through a borrowed one.

    Redirects are never followed (a signed request goes to one host only): a 3xx comes back
    as it is, and the client turns it into an `APIError`.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        pool_size: int = C.DEFAULT_MAX_CONCURRENCY,
        timeout: aiohttp.ClientTimeout | None = None,
        headers: Mapping[str, str] | None = None,
        proxy: str | None = None,
        max_response_bytes: int = C.MAX_RESPONSE_BYTES,
        ssl: SSLContext | bool = True,
    ) -> None:
        self.max_response_bytes = integer("max_response_bytes", max_response_bytes, low=1)
        if not isinstance(ssl, (bool, SSLContext)):
            raise TypeError(f"ssl must be True, False or an ssl.SSLContext, got {type(ssl).__name__}")
        self._ssl = ssl
        # per request only through a borrowed session: an owned one has it on its connector
        self._request_ssl: SSLContext | bool = ssl if session is not None else True
        self._session = session
        self._proxy = check_proxy(proxy) if proxy is not None else None
        self._owns_session = session is None
        self._pool_size = pool_size
        self._timeout = timeout
        self._headers = dict(headers or {})
        self._closed = False
        #: True while the connector of an owned session does not report sends (until one is wanted)
        self._quiet = self._owns_session

    @property
    def proxy(self) -> str | None:
        """The proxy requests go through (its password masked), or None when direct."""
        return mask_proxy(self._proxy) if self._proxy is not None else None

    @property
    def reports_sent(self) -> bool:
        """True for a session of its own: its connector reports when each request leaves."""
        return self._owns_session

    @property
    def started(self) -> bool:
        """True once the session exists (it is created by the first request)."""
        return self._session is not None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session requests go through (created on first use)."""
        if self._closed:
            raise RuntimeError("this transport is closed; create a new client")
        session = self._session
        if session is None:
            # one host: the pool's limit is the per-host limit, no second count per request
            connector = _SendingConnector(limit=self._pool_size, ttl_dns_cache=C.DNS_CACHE_SECONDS, ssl=self._ssl)
            session = self._session = aiohttp.ClientSession(
                connector=connector, headers=self._headers, timeout=self._timeout or aiohttp.ClientTimeout()
            )
        return session

    async def send(self, request: Request) -> Response:
        """Send one request and read its whole body."""
        session = self._session
        if session is None:
            session = self.session  # created on first use (or the transport is closed: raises)
        if self._quiet and request_sent.get() is not None:
            self._quiet = False  # the first request whose send is to be reported: report from now on
            connector = session.connector
            if isinstance(connector, _SendingConnector):
                connector.start_reporting()
        data: Any = request.body
        # an owned session carries the User-Agent already; a borrowed one gets it per request
        headers = None if self._owns_session else self._headers
        if request.form is not None or request.content_type is not None:
            data, headers = self._payload(request, headers)
        timeout = request.timeout
        if timeout is None:
            timeout = self._timeout
        # the URL text is percent-encoded already (encode_query): parsed, never quoted again
        url = URL(request.url, encoded=True)
        async with session.request(
            request.method,
            url,
            data=data,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            proxy=self._proxy,
            ssl=self._request_ssl,
        ) as answer:
            declared, cap = answer.content_length, self.max_response_bytes
            if declared is not None and declared <= cap and "Content-Encoding" not in answer.headers:
                # a plain body of a declared length within the cap: aiohttp reads exactly that many bytes
                body = await answer.read()
            else:
                body = await read_capped(answer, request, cap)
            return Response.received(answer.status, body, answer.headers, answer.reason or "")

    @staticmethod
    def _payload(request: Request, headers: Mapping[str, str] | None) -> tuple[Any, dict[str, str] | None]:
        """The body (a multipart form's fields, or the encoded bytes) and the headers it needs."""
        data: Any = request.body
        if request.form is not None:
            form = aiohttp.FormData()
            for key, value in request.form:
                form.add_field(key, value)
            data = form
        merged = dict(headers) if headers else None
        if request.content_type is not None:
            merged = {**(merged or {}), "Content-Type": request.content_type}
        return data, merged

    async def aclose(self) -> None:
        """Close the session if this transport created it (a borrowed session stays open)."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()


async def read_capped(answer: aiohttp.ClientResponse, request: Request, cap: int) -> bytes:
    """The whole body of `answer`, or ResponseDecodeError once more than `cap` bytes arrive.

    aiohttp hands over the body decompressed, in chunks of bounded size, so what is counted is
    the decompressed size, and at most one chunk past the cap is ever held. A declared
    `Content-Length` over the cap (of a body that is not compressed) is refused before
    reading. The chunks are joined once, as `ClientResponse.read()` does: no extra copy.
    """
    declared = answer.content_length
    if declared is not None and declared > cap and not answer.headers.get("Content-Encoding"):
        too_large(answer, request, cap, f"Content-Length {declared:,}")
    content = answer.content
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await content.readany()
        if not chunk:
            break
        size += len(chunk)
        if size > cap:
            too_large(answer, request, cap, "counted after decompression")
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def too_large(answer: aiohttp.ClientResponse, request: Request, cap: int, what: str) -> NoReturn:
    """Drop the connection (the rest of the body is never read) and raise ResponseDecodeError naming the cap."""
    answer.close()
    raise ResponseDecodeError(
        f"{request.method} {request.path}: HTTP {answer.status} body is over the {cap:,}-byte "
        f"response size cap (max_response_bytes; {what}); nothing past the cap was read",
        status=answer.status,
        path=request.path,
        method=request.method,
    )


__all__ = ["AiohttpTransport", "Request", "Response", "Transport", "request_sent"]
