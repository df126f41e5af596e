"""Exceptions raised by daji_async.

Everything the SDK raises on purpose derives from :class:`DajiError`::

    DajiError
    ├── ConfigError                 missing/invalid configuration
    ├── APIConnectionError          network failure, connection reset, DNS
    │   └── APITimeoutError
    ├── APIError                    the service answered with an error; .status, .code, .message, .trace_id
    │   ├── BadRequestError         HTTP 400, or envelope code for bad parameters / bad signature
    │   ├── AuthenticationError     HTTP 401/403, app not activated
    │   ├── NotFoundError           HTTP 404
    │   ├── RateLimitError          HTTP 429; .retry_after seconds or None
    │   └── ServerError             HTTP 5xx
    ├── ResponseDecodeError         a body that is not the documented JSON (truncated, HTML, wrong shape)
    └── PaginationError             the service's paging contradicts itself

Messages and ``repr`` never contain the app secret or a request signature: requests are
identified by method and path (the query string, which carries ``sign``, is never shown).
Invalid arguments that are caught before any request (a page size of 0, two image sources)
raise the built-in :class:`ValueError` or :class:`TypeError`, like any Python API.
"""

from __future__ import annotations

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "DajiError",
    "NotFoundError",
    "PaginationError",
    "RateLimitError",
    "ResponseDecodeError",
    "ServerError",
]


class DajiError(Exception):
    """Base class of every exception daji_async raises on purpose."""


class ConfigError(DajiError):
    """The client's configuration is missing or invalid (credentials, base URL, limits)."""


class APIConnectionError(DajiError):
    """The request never got a complete answer: refused or reset connection, DNS, a dropped body.

    ``method`` and ``path`` name the call; ``attempts`` is how many attempts were made.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "", attempts: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.attempts = attempts


class APITimeoutError(APIConnectionError):
    """An attempt took longer than its ``timeout`` (and no retry was left, or allowed)."""


class APIError(DajiError):
    """The service answered, and the answer is an error.

    Attributes:
        status: the HTTP status (200 when the error came inside a 200 envelope).
        code: the envelope ``code`` (an int) or a gateway error code such as
            ``"gw.APIACLDecline"``; None when the body carried none.
        message: the service's message, or a description of the HTTP error.
        trace_id: the service's ``traceId`` when it sent one: quote it to DAJI support.
        path: the endpoint path, e.g. ``/alibaba/product/keywordQuery``.
        method: the HTTP method.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | str | None = None,
        trace_id: str | None = None,
        path: str = "",
        method: str = "",
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.trace_id = trace_id
        self.path = path
        self.method = method
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [f"{self.method} {self.path}".strip(), f"HTTP {self.status}"]
        if self.code is not None and self.code != self.status:
            parts.append(f"code {self.code}")
        head = ", ".join(p for p in parts if p)
        tail = f" (traceId {self.trace_id})" if self.trace_id else ""
        return f"{head}: {self.message}{tail}"

    def __reduce__(self) -> tuple[object, ...]:
        # keyword-only constructors need help to pickle (multiprocessing, caches)
        return (_rebuild_api_error, (type(self), self.__dict__.copy()))


def _rebuild_api_error(cls: type[APIError], state: dict[str, object]) -> APIError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, err._render())
    return err


class BadRequestError(APIError):
    """HTTP 400, or an envelope code for bad parameters or a bad signature."""


class AuthenticationError(APIError):
    """HTTP 401/403, an unknown app key, or an app that DAJI has not activated yet."""


class NotFoundError(APIError):
    """HTTP 404: an unknown path, or a record that does not exist."""


class RateLimitError(APIError):
    """HTTP 429. ``retry_after`` is the server's ``Retry-After`` in seconds, or None."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | str | None = None,
        trace_id: str | None = None,
        path: str = "",
        method: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status, code=code, trace_id=trace_id, path=path, method=method)


class ServerError(APIError):
    """HTTP 5xx: the service failed; safe calls are retried before this is raised."""


class ResponseDecodeError(DajiError):
    """The body is not the documented JSON: truncated, an HTML error page, empty, or the wrong shape.

    ``status`` and ``path`` name the response; ``snippet`` is the start of the body.
    """

    def __init__(self, message: str, *, status: int, path: str, method: str = "", snippet: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.path = path
        self.method = method
        self.snippet = snippet


class PaginationError(DajiError):
    """The service's paging contradicts itself, e.g. it returned a page it had already returned.

    ``next_page`` is the page number the paginator would have asked for next.
    """

    def __init__(self, message: str, *, next_page: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.next_page = next_page
