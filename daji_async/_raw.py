"""Response metadata without changing return types: `client.with_raw_response`.

```python
raw = await client.with_raw_response.products.detail(727920485853)
raw.status, raw.trace_id, raw.headers["Content-Type"]
detail = raw.parse()                      # the ProductDetail the plain call returns
```

`client.with_raw_response` mirrors the client's resources; each of its methods takes the
plain method's arguments and returns a `RawResponse` around the plain method's value
(for a search: around the first page, what `await` of the search gives).

How it is recorded: the view's client is a recording subclass of `DajiClient` whose
pipeline notes each successful answer in a context variable that the wrapper set up for
that call. Calls made through the plain client never touch it: no copies, no checks.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, Generic, ParamSpec, TypeVar

from multidict import CIMultiDict, CIMultiDictProxy

from ._core import Resource
from ._redact import redact_text, shows_secret

T = TypeVar("T")
P = ParamSpec("P")


class ResponseMeta:
    """What one answer of the service said besides its data.

    Attributes:
        method: the request's HTTP method.
        path: the request's path.
        status: the HTTP status (2xx: only successful answers produce values).
        headers: the response headers (case-insensitive); when a header echoes a credential
            of the request (signature, app secret, proxy password), a copy with it masked.
        reason: the HTTP reason phrase.
        trace_id: the envelope's `traceId` (quote it to DAJI support), or None; an echo of a
            credential in it is masked.
        attempts: attempts the call took (1 when it was not retried; 0 when the value came
            without a request, from a response cache: status 200, no headers).
    """

    __slots__ = ("attempts", "headers", "method", "path", "reason", "status", "trace_id")

    def __init__(
        self,
        method: str,
        path: str,
        status: int,
        headers: Mapping[str, str],
        *,
        reason: str = "",
        trace_id: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.headers = headers
        self.reason = reason
        self.trace_id = trace_id
        self.attempts = attempts

    def __repr__(self) -> str:
        return (
            f"ResponseMeta({self.method} {self.path} -> {self.status}, trace_id={self.trace_id!r}, "
            f"attempts={self.attempts})"
        )


class RawResponse(Generic[T]):
    """A call's value with the metadata of the answer that produced it.

    `status`, `headers`, `trace_id`, `reason` and `attempts` are those of the last
    answer the call used (the only one for most calls); `answers` holds every answer,
    in the order they completed, for calls made of several requests (`payments.links`
    batches). `parse` returns the value.
    """

    __slots__ = ("_value", "answers")

    def __init__(self, value: T, answers: tuple[ResponseMeta, ...]) -> None:
        if not answers:
            raise ValueError("a RawResponse needs at least one answer")
        self._value = value
        #: The metadata of every answer the call used.
        self.answers = answers

    @property
    def status(self) -> int:
        """The HTTP status of the answer."""
        return self.answers[-1].status

    @property
    def headers(self) -> Mapping[str, str]:
        """The answer's headers (case-insensitive)."""
        return self.answers[-1].headers

    @property
    def trace_id(self) -> str | None:
        """The envelope's `traceId`, or None when the service sent none."""
        return self.answers[-1].trace_id

    @property
    def reason(self) -> str:
        """The HTTP reason phrase."""
        return self.answers[-1].reason

    @property
    def attempts(self) -> int:
        """Attempts the call took (retries included); 0 for a value from the response cache."""
        return self.answers[-1].attempts

    def parse(self) -> T:
        """The value the plain call returns (already decoded: this costs nothing)."""
        return self._value

    def __repr__(self) -> str:
        last = self.answers[-1]
        return f"RawResponse({last.method} {last.path} -> {last.status}, trace_id={last.trace_id!r})"


class Capture:
    """The answers noted for one wrapped call (set in `CAPTURE` by the wrapper)."""

    __slots__ = ("answers",)

    def __init__(self) -> None:
        self.answers: list[ResponseMeta] = []


class Slot:
    """The last response, attempt count and masked credentials of one pipeline call (set in `SLOT`)."""

    __slots__ = ("attempts", "redact", "response")

    def __init__(self) -> None:
        self.attempts = 0
        self.response: Any = None
        self.redact: tuple[str, ...] = ()


def clean_headers(headers: Mapping[str, str], secrets: Sequence[str]) -> Mapping[str, str]:
    """`headers` as they are, or a copy with every credential masked when one echoes the request.

    A header can only show a credential the service (or a proxy) echoed: the copy is made
    for those answers only.
    """
    if not any(shows_secret(f"{name}: {value}", secrets) for name, value in headers.items()):
        return headers
    clean: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.items():
        clean.add(redact_text(name, secrets), redact_text(value, secrets))
    return CIMultiDictProxy(clean)


#: The capture of the wrapped call running in this context, if any.
CAPTURE: ContextVar[Capture | None] = ContextVar("daji_raw_capture", default=None)
#: The pipeline call running in this context (recording clients only).
SLOT: ContextVar[Slot | None] = ContextVar("daji_raw_slot", default=None)


def raw_response_wrapper(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    """Wrap a method of a recording view so that it returns a `RawResponse`."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        capture = Capture()
        token = CAPTURE.set(capture)
        try:
            value = await method(*args, **kwargs)
        finally:
            CAPTURE.reset(token)
        return RawResponse(value, tuple(capture.answers))

    return call


class RawView:
    """A resource group's calls, each returning a `RawResponse` (searches: around their first page).

    Derived from the group itself: every public method of the group becomes a wrapped call
    with the same arguments and docstring, and every `Resource` attribute (a platform's
    `products`, `orders`...) a `RawView` of its own. Nothing is listed by hand, so a method
    added to a resource has its raw view at once.

    ```python
    raw = await client.with_raw_response.taobao.products.detail(item_id)
    print(raw.status, raw.trace_id)
    ```
    """

    def __init__(self, group: Resource) -> None:
        for name, member in vars(group).items():
            if not name.startswith("_") and isinstance(member, Resource):
                setattr(self, name, RawView(member))
        for name, _function in inspect.getmembers(type(group), inspect.isfunction):
            if not name.startswith("_"):
                setattr(self, name, raw_response_wrapper(getattr(group, name)))

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"no raw view of {name!r}")


#: The names the hand-kept raw classes had, kept for code that imported them.
ProductsWithRawResponse = CategoriesWithRawResponse = OrdersWithRawResponse = RawView
PaymentsWithRawResponse = TaobaoWithRawResponse = PoizonWithRawResponse = RawView


__all__ = [
    "CategoriesWithRawResponse",
    "OrdersWithRawResponse",
    "PaymentsWithRawResponse",
    "PoizonWithRawResponse",
    "ProductsWithRawResponse",
    "RawResponse",
    "RawView",
    "ResponseMeta",
    "TaobaoWithRawResponse",
    "raw_response_wrapper",
]
