"""Exceptions raised by daji_async.

Everything the SDK raises on purpose derives from `DajiError`:

```python
DajiError
├── ConfigError                 missing/invalid configuration (also a ValueError)
├── EventLoopError              a client used from another event loop than its first (also a RuntimeError)
├── APIConnectionError          network failure, connection reset, DNS
│   ├── APITimeoutError
│   └── OutcomeUnknownError     create or pay got no readable answer: it may have taken effect
│       ├── OrderOutcomeUnknownError    .out_order_id: look the order up before creating again
│       ├── PaymentOutcomeUnknownError  .order_id: check the order's status before paying again
│       └── (Taobao and Poizon subclasses; PoizonOrderOutcomeUnknownError .request_id)
├── APIError                    the service answered with an error; .status, .code, .message, .trace_id
│   ├── BadRequestError         HTTP 400, or envelope code for bad parameters / bad signature
│   ├── AuthenticationError     HTTP 401/403, app not activated
│   ├── NotFoundError           HTTP 404
│   ├── RateLimitError          HTTP 429; .retry_after seconds or None
│   ├── ServerError             HTTP 5xx
│   └── TradeError              1688 refused a trade call: .code such as "ORDER_STATUS_ERROR"
├── ResponseDecodeError         a body that is not the documented JSON (truncated, HTML, wrong shape)
├── PaginationError             the service's paging contradicts itself
├── InvalidMessageError         a pushed order message that is malformed (also a ValueError)
│   └── MessageSignatureError   ... or unsigned, or signed with another secret
├── RedisUnavailableError       the shared rate limiter or cache cannot reach its Redis
└── RedisDataError              a value under the shared rate limiter's key is not one it wrote
```

DajiWarning (a UserWarning): something sent anyway that the service does not document

Messages and `repr` never contain the app secret or a request signature: requests are
identified by method and path (the query string, which carries `sign`, is never shown).
Invalid arguments that are caught before any request (a page size of 0, two image sources)
raise the built-in `ValueError` or `TypeError`, like any Python API.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "DajiError",
    "DajiWarning",
    "EventLoopError",
    "InvalidMessageError",
    "MessageSignatureError",
    "NotFoundError",
    "OrderOutcomeUnknownError",
    "OutcomeUnknownError",
    "PaginationError",
    "PaymentOutcomeUnknownError",
    "PoizonOrderOutcomeUnknownError",
    "RateLimitError",
    "RedisDataError",
    "RedisUnavailableError",
    "ResponseDecodeError",
    "ServerError",
    "TradeError",
]


class DajiError(Exception):
    """Base class of every exception daji_async raises on purpose."""


class ConfigError(DajiError, ValueError):
    """The client's configuration is missing or invalid (credentials, base URL, limits); also a ValueError."""


class EventLoopError(DajiError, RuntimeError):
    """A client was used from another event loop than the one of its first request.

    Its aiohttp session, connections and concurrency bound belong to that loop (typically
    one `asyncio.run` call that has ended). Create the client inside the coroutine each
    `asyncio.run` runs, `async with DajiClient() as client:`, one client per loop.
    """


class APIConnectionError(DajiError):
    """The request never got a complete answer: refused or reset connection, DNS, a dropped body.

    `method` and `path` name the call; `attempts` is how many attempts were made.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "", attempts: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.attempts = attempts


class APITimeoutError(APIConnectionError):
    """An attempt took longer than its `timeout` (and no retry was left, or allowed)."""


class APIError(DajiError):
    """The service answered, and the answer is an error.

    Attributes:
        status: the HTTP status (200 when the error came inside a 200 envelope).
        code: the envelope `code` (an int) or a gateway error code such as
            `"gw.APIACLDecline"`; None when the body carried none.
        message: the service's message, or a description of the HTTP error.
        trace_id: the service's `traceId` when it sent one: quote it to DAJI support.
        path: the endpoint path, e.g. `/alibaba/product/keywordQuery`.
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
    """HTTP 429. `retry_after` is the server's `Retry-After` in seconds, or None."""

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

    `status` and `path` name the response; `snippet` is the start of the body.
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

    `next_page` is the page number the paginator would have asked for next.
    """

    def __init__(self, message: str, *, next_page: int | str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.next_page = next_page


# --------------------------------------------------------------------------- orders, payment, messages


class OutcomeUnknownError(APIConnectionError):
    """A call that spends or commits (create, pay) got no readable answer.

    The request may have reached the service and taken effect, or not: a timeout, a lost
    connection or a garbled body says nothing either way. Such calls are never retried; find
    out what happened (`orders.get`) before repeating it. `timed_out` tells a timeout from
    a lost connection.
    """

    def __init__(
        self, message: str, *, method: str = "", path: str = "", attempts: int = 1, timed_out: bool = False
    ) -> None:
        super().__init__(message, method=method, path=path, attempts=attempts)
        self.timed_out = timed_out

    def __reduce__(self) -> tuple[object, ...]:
        # keyword-only constructors need help to pickle (multiprocessing, caches)
        return (_rebuild_outcome_unknown, (type(self), self.message, self.__dict__.copy()))

    @classmethod
    def for_call(cls, cause: DajiError, *, method: str, path: str, params: Mapping[str, object]) -> OutcomeUnknownError:
        """The error the pipeline raises when an unsafe call of this kind got no readable answer."""
        timed_out = isinstance(cause, APITimeoutError)
        return cls(
            f"{method} {path}: {_cause(cause)}; the outcome is unknown and the call may have taken effect",
            method=method,
            path=path,
            timed_out=timed_out,
        )


def _cause(cause: DajiError) -> str:
    return "timed out" if isinstance(cause, APITimeoutError) else f"got no readable answer ({cause})"


def _rebuild_outcome_unknown(
    cls: type[OutcomeUnknownError], message: str, state: dict[str, object]
) -> OutcomeUnknownError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class OrderOutcomeUnknownError(OutcomeUnknownError):
    """`orders.create` got no readable answer: the order may or may not exist.

    `out_order_id` is the id the request carried (generated when you gave none). Look the
    order up with `orders.get(out_order_id=...)`, or create again with the **same**
    `out_order_id`, never with a new one.
    """

    def __init__(
        self,
        message: str,
        *,
        out_order_id: str,
        method: str = "",
        path: str = "",
        attempts: int = 1,
        timed_out: bool = False,
    ) -> None:
        super().__init__(message, method=method, path=path, attempts=attempts, timed_out=timed_out)
        self.out_order_id = out_order_id

    @classmethod
    def for_call(
        cls, cause: DajiError, *, method: str, path: str, params: Mapping[str, object]
    ) -> OrderOutcomeUnknownError:
        """Create got no readable answer: name the `outOrderId` it carried."""
        out_id = str(params.get("thirdOrderId") or params.get("outOrderId") or "")
        return cls(
            f"{method} {path}: create {_cause(cause)}; the outcome is unknown and the order may exist. "
            f"Look it up with orders.get(out_order_id={out_id!r}) before creating it again, "
            "and never create it again under a new out_order_id",
            out_order_id=out_id,
            method=method,
            path=path,
            timed_out=isinstance(cause, APITimeoutError),
        )


class PaymentOutcomeUnknownError(OutcomeUnknownError):
    """`payments.pay` got no readable answer: the order may or may not have been paid.

    Check the order's status (`orders.get(order_id)`) before paying again: `waitbuyerpay`
    means unpaid; any later status means the money has gone. `op_request_id` is the pay
    request's id.
    """

    def __init__(
        self,
        message: str,
        *,
        order_id: int | str,
        op_request_id: str | None = None,
        method: str = "",
        path: str = "",
        attempts: int = 1,
        timed_out: bool = False,
    ) -> None:
        super().__init__(message, method=method, path=path, attempts=attempts, timed_out=timed_out)
        self.order_id = order_id
        self.op_request_id = op_request_id

    @classmethod
    def for_call(
        cls, cause: DajiError, *, method: str, path: str, params: Mapping[str, object]
    ) -> PaymentOutcomeUnknownError:
        """Pay got no readable answer: name the order and the pay request it carried."""
        order_id = params.get("orderId")
        request_id = params.get("opRequestId")
        oid = order_id if isinstance(order_id, (int, str)) else str(order_id)
        return cls(
            f"{method} {path}: pay of order {oid} {_cause(cause)}; the outcome is unknown and the order "
            f"may have been paid. Check its status first (orders.get({oid!r}).status: waitbuyerpay means "
            "unpaid); pay again only if unpaid, and at most 3 times in all, never in a loop",
            order_id=oid,
            op_request_id=request_id if isinstance(request_id, str) else None,
            method=method,
            path=path,
            timed_out=isinstance(cause, APITimeoutError),
        )


class TaobaoOrderOutcomeUnknownError(OrderOutcomeUnknownError):
    """`taobao.orders.create` got no readable answer: the purchase order may or may not exist.

    `third_order_id` (also `out_order_id`) is your purchase number the request carried
    (generated when you gave none). Look for it before creating again, and create again only
    with the **same** `third_order_id`, never a new one.
    """

    @property
    def third_order_id(self) -> str:
        """Your purchase number (`thirdOrderId`) the lost create carried."""
        return self.out_order_id

    @classmethod
    def for_call(
        cls, cause: DajiError, *, method: str, path: str, params: Mapping[str, object]
    ) -> TaobaoOrderOutcomeUnknownError:
        """Create got no readable answer: name the `thirdOrderId` it carried."""
        third = str(params.get("thirdOrderId") or "")
        return cls(
            f"{method} {path}: create {_cause(cause)}; the outcome is unknown and the purchase order may "
            f"exist. Find purchase number thirdOrderId={third!r} before creating it again, and never "
            "create it again under a new third_order_id",
            out_order_id=third,
            method=method,
            path=path,
            timed_out=isinstance(cause, APITimeoutError),
        )


class TaobaoPaymentOutcomeUnknownError(PaymentOutcomeUnknownError):
    """One batch of `taobao.payments.pay` got no readable answer: its orders may have been paid.

    `order_ids` are the purchase order ids of that batch (`order_id` joins them with
    commas). Query each (`taobao.orders.get`) before paying it again.
    """

    order_ids: tuple[str, ...] = ()

    @classmethod
    def for_call(
        cls, cause: DajiError, *, method: str, path: str, params: Mapping[str, object]
    ) -> TaobaoPaymentOutcomeUnknownError:
        """Pay got no readable answer: name every purchase order of the batch."""
        raw = params.get("purchaseOrderIdList")
        ids = tuple(str(i) for i in raw) if isinstance(raw, (list, tuple)) else ()
        joined = ",".join(ids)
        error = cls(
            f"{method} {path}: pay of purchase orders {joined} {_cause(cause)}; the outcome is unknown and "
            "they may have been paid. Query each (taobao.orders.get) before paying it again",
            order_id=joined,
            method=method,
            path=path,
            timed_out=isinstance(cause, APITimeoutError),
        )
        error.order_ids = ids
        return error


class TradeError(APIError):
    """The service answered, and 1688 refused the trade call.

    `code` is 1688's error code: `ORDER_STATUS_ERROR` (e.g. cancelling a paid order),
    `ORDER_NOT_EXIST`, `CLOSE_ORDER_TOO_FAST` (cancel within 10 s of creation), `400_3`
    (no permission), `"4003"` (order not found, on confirm receipt)...; `message` its
    explanation. `status` is the HTTP status. When DAJI wraps the refusal in an error
    envelope (confirm receipt: `code` 1009), `envelope_code` is DAJI's code and
    `error_info` 1688's own text; otherwise both are None.
    """

    envelope_code: object = None
    error_info: str | None = None


class InvalidMessageError(DajiError, ValueError):
    """A pushed order message that cannot be read: no `message` field, not JSON, wrong shape."""


class MessageSignatureError(InvalidMessageError):
    """A pushed message without `_dj_signature` (or `_aop_signature`), or that does not verify."""


class RedisUnavailableError(DajiError):
    """A `RedisRateLimiter` or `RedisCache` cannot reach Redis.

    Raised instead of sending a request that the shared quota could not account for (the
    limiter), or instead of spending quota behind the shared cache's back (the cache). Both
    can degrade instead: `RedisRateLimiter(..., fallback=share)` switches to a local limiter
    at that share of the rate, `RedisCache(..., ignore_errors=True)` treats errors as misses.
    The message names the Redis host, never its password. Also raised when a Redis call does not
    end within the object's `timeout`, when Redis refuses the command, and when the server at
    the URL does not speak the Redis protocol (an HTTP server, garbage).
    """


class RedisDataError(DajiError):
    """A value under a `RedisRateLimiter`'s key that the limiter did not write.

    A hash, a list or a string that is not a turn under the limiter's key means another program
    uses that key: the limiter refuses to overwrite it or to guess a budget from it (whatever
    `fallback` says). Give the limiter another `key=`, or delete the foreign value. Also
    raised when the server answers the limiter's script with something Redis would not send.
    A `RedisCache` never raises it: a foreign value under one of its keys is
    a miss. The message names the Redis host and the key, never a password.
    """


class PoizonOrderOutcomeUnknownError(OrderOutcomeUnknownError):
    """`poizon.orders.create` (create **and pay** at once) got no answer that proves anything.

    The order may exist and the prepaid balance may have been drawn down: a timeout, a lost
    connection, a gateway 5xx, an HTML page, an undecodable body or a success without a
    well-formed order number says nothing either way. `request_id` (also `out_order_id`)
    is the `requestId` the call carried: Poizon's idempotency key. Query the order with
    `poizon.orders.get(request_id=...)`, or create again with the **same** `request_id`
    (never a new one): the service treats it as the same order.
    """

    @property
    def request_id(self) -> str:
        """The `requestId` the lost create carried."""
        return self.out_order_id

    @classmethod
    def for_call(
        cls, cause: DajiError, *, method: str, path: str, params: Mapping[str, object]
    ) -> PoizonOrderOutcomeUnknownError:
        """Create got no answer that proves anything: name the `requestId` it carried."""
        request_id = str(params.get("requestId") or "")
        return cls(
            f"{method} {path}: create-and-pay {_cause(cause)}; the outcome is unknown: the order may exist "
            f"and the balance may have been drawn down. Query requestId={request_id!r} "
            "(poizon.orders.get) before creating it again, and only ever again with the same request_id",
            out_order_id=request_id,
            method=method,
            path=path,
            timed_out=isinstance(cause, APITimeoutError),
        )


class DajiWarning(UserWarning):
    """A warning of the SDK: for example a `country` the service does not document (sent anyway).

    Turn it into an error while testing: `filterwarnings = ["error::daji_async.DajiWarning"]` in
    pytest's configuration, or `warnings.simplefilter("error", DajiWarning)`.
    """
