"""The service's protocol as pure functions: no I/O, no event loop, no clock.

Signing, parameter encoding, envelope decoding, error mapping and retry decisions live here
so that they are tested without a network and shared by the client and the sandbox.
"""

from __future__ import annotations

import email.utils
import hashlib
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Generic, TypeVar, Union, cast
from urllib.parse import urlsplit

import msgspec

from . import _constants as C
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    TradeError,
)
from ._redact import redact_text
from ._validate import finite_number

T = TypeVar("T")

#: A value the SDK can put on the wire. None means "leave the parameter out".
Scalar = Union[str, int, float, bool]
ParamValue = Union[Scalar, None, Sequence[Any], Mapping[str, Any]]
Params = Mapping[str, ParamValue]
Pairs = list[tuple[str, str]]

_JSON_ENCODER = msgspec.json.Encoder()


# --------------------------------------------------------------------------- signing


def wire_value(value: object) -> str:
    """The text of one scalar as the service's Java side prints it.

    Booleans are `true`/`false`; mappings and sequences become compact JSON.
    """
    if isinstance(value, str):
        # str enums: their value, whatever their __str__ says
        return value if type(value) is str else str.__str__(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot send a non-finite number: {value!r}")
        # 10.0 -> "10", 12.5 -> "12.5": what a user typing a price means
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (Mapping, list, tuple)):
        return _JSON_ENCODER.encode(value).decode()
    raise TypeError(f"unsupported parameter value of type {type(value).__name__}")


def canonical_pairs(params: Params, *, repeat_lists: bool = True) -> Pairs:
    """Turn parameters into `(key, text)` pairs in the caller's order, dropping None.

    Empty strings are kept (the service keeps them). With `repeat_lists` a list or tuple
    gives one pair per element (query strings and forms); without it, a JSON text (bodies).
    """
    pairs: Pairs = []
    for key, value in params.items():
        if value is None:
            continue
        if repeat_lists and isinstance(value, (list, tuple)):
            pairs.extend((key, wire_value(v)) for v in value if v is not None)
        else:
            pairs.append((key, wire_value(value)))
    return pairs


def signing_string(pairs: Iterable[tuple[str, str]], secret: str) -> str:
    """The text that is hashed: pairs sorted by key, `k=v` joined by `&`, then `&secret=`.

    `sign` and `appSecret` are never part of it. Repeated keys keep their order.
    """
    kept = sorted([kv for kv in pairs if kv[0] not in _UNSIGNED], key=_key)
    body = "&".join([k + "=" + v for k, v in kept])
    return body + "&secret=" + secret if body else "secret=" + secret


_UNSIGNED = frozenset({"sign", "appSecret"})
_key = itemgetter(0)


def sign(pairs: Iterable[tuple[str, str]], secret: str) -> str:
    """DAJI's request signature: uppercase hex MD5 of `signing_string`.

    >>> sign([("appKey", "demoKey"), ("beginPage", "1"), ("country", "en"),
    ...       ("keyword", "连衣裙"), ("pageSize", "20")], "demoSecret")
    '69DD06C1D2FBBEE2224AC4EC8726E869'
    """
    return hashlib.md5(signing_string(pairs, secret).encode()).hexdigest().upper()


def authenticate(pairs: Pairs, app_key: str, app_secret: str, *, send_secret: bool = False) -> Pairs:
    """Add `appKey` and either `sign` or (debug mode) `appSecret` to encoded pairs."""
    out: Pairs = [("appKey", app_key)]
    out.extend(kv for kv in pairs if kv[0] not in ("appKey", "sign", "appSecret"))
    if send_secret:
        out.append(("appSecret", app_secret))
    else:
        out.append(("sign", sign(out, app_secret)))
    return out


class PagedQuery:
    """A signed query string whose only changing parameter is the page number (or cursor).

    Everything else is encoded, sorted and joined once; each page then costs one string join
    and one MD5. `for_page(n)` gives exactly what `authenticate` and
    `encode_query` would give for the same parameters plus `page_key=n`.
    """

    __slots__ = ("_head", "_key", "_query", "_secret_part", "_tail")

    def __init__(
        self, pairs: Pairs, app_key: str, app_secret: str, *, send_secret: bool = False, page_key: str = "beginPage"
    ) -> None:
        skip = ("appKey", "sign", "appSecret", page_key)
        fixed: Pairs = [("appKey", app_key), *[kv for kv in pairs if kv[0] not in skip]]
        self._key = page_key
        self._query = encode_query(fixed) + "&" + _quote(page_key) + "="
        self._secret_part = "&appSecret=" + _quote(app_secret) if send_secret else None
        ordered = sorted(fixed, key=_key)
        head = "&".join([k + "=" + v for k, v in ordered if k < page_key])
        tail = "&".join([k + "=" + v for k, v in ordered if k > page_key])
        self._head = (head + "&" if head else "") + page_key + "="
        self._tail = ("&" + tail if tail else "") + "&secret=" + app_secret

    def for_page(self, number: int | str) -> tuple[str, str]:
        """The query string for page (or cursor) `number` and its signature ("" in debug mode)."""
        if isinstance(number, str):
            page, quoted = number, _quote(number)
        else:
            page = quoted = str(number)  # digits need no quoting
        if self._secret_part is not None:
            return self._query + quoted + self._secret_part, ""
        signature = hashlib.md5((self._head + page + self._tail).encode()).hexdigest().upper()
        return self._query + quoted + "&sign=" + signature, signature


def encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Percent-encode pairs into a query string (UTF-8, every reserved byte escaped)."""
    return "&".join(
        [
            (k if k.isalnum() and k.isascii() else _quote(k)) + "=" + (v if v.isalnum() and v.isascii() else _quote(v))
            for k, v in pairs
        ]
    )


#: Each byte's form in a query string: the RFC 3986 unreserved bytes as they are, every other
#: byte percent-encoded (what `urllib.parse.quote(text, safe="")` gives), keyed by the code
#: point of the byte read as Latin-1, for `str.translate`.
_QUOTED_BYTES = {
    byte: chr(byte) if chr(byte).isascii() and (chr(byte).isalnum() or chr(byte) in "_.-~") else f"%{byte:02X}"
    for byte in range(256)
}


def _quote(text: str) -> str:
    # Most values are ASCII letters and digits (page numbers, signatures, ids) and need no
    # escaping; the rest (keywords, sort JSON) are quoted once per walk, in its PagedQuery,
    # through one translate of their UTF-8 bytes (a third of urllib's quote's time).
    if text.isalnum() and text.isascii():
        return text
    return text.encode().decode("latin-1").translate(_QUOTED_BYTES)


def json_body(params: Params) -> dict[str, Any]:
    """A JSON body's top-level object: None values dropped, nested values kept as they are."""
    return {k: v for k, v in params.items() if v is not None}


# --------------------------------------------------------------------------- decoding


class Envelope(msgspec.Struct, Generic[T], rename="camel"):
    """The service's answer around every payload: `{code, message, data, timestamp, traceId}`.

    Poizon's envelope carries its text under `msg` and adds a `status` (en api-456883163:
    `{code, msg, data, status}`); both are kept, and `text` is whichever text came.
    """

    code: int
    message: Union[str, None] = None
    data: Union[T, None] = None
    timestamp: Union[int, None] = None
    trace_id: Union[str, None] = None
    msg: Union[str, None] = None
    status: Union[int, str, None] = None

    @property
    def text(self) -> Union[str, None]:
        """The envelope's text: `message`, else Poizon's `msg`, with Poizon's `status` when sent."""
        text = self.message or self.msg
        if self.status is not None and text:
            return f"{text} (status {self.status})"
        return text


def envelope_decoder(data_type: Any) -> msgspec.json.Decoder[Envelope[Any]]:
    """A typed decoder for `Envelope[data_type]` (the client keeps one per response type)."""
    return cast("msgspec.json.Decoder[Envelope[Any]]", msgspec.json.Decoder(Envelope[data_type]))


@dataclass(frozen=True)
class ErrorInfo:
    """What a lenient read of an error body found (any of the shapes the service uses)."""

    code: int | str | None
    message: str | None
    trace_id: str | None


_MESSAGE_KEYS = ("message", "msg", "error_message", "errorMessage", "errorMsg", "detail", "error")
_CODE_KEYS = ("code", "error_code", "errorCode")
_TRACE_KEYS = ("traceId", "trace_id", "requestId", "request_id")


#: What decoding a hostile body can raise besides msgspec's own errors: bad UTF-8, nesting too deep.
UNREADABLE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


def lenient_json(body: bytes) -> Any:
    """The JSON value of `body`, or None when it is not valid JSON (bad UTF-8, too deep...)."""
    try:
        return msgspec.json.decode(body)
    except UNREADABLE:
        return None


def read_error_body(body: bytes) -> ErrorInfo | None:
    """Read code, message and trace id from a JSON error body, or None if it is not a JSON object.

    Covers the DAJI envelope, Spring Boot's default error body (`status`, `error`,
    `message`, `path`) and the 1688 gateway's `error_code`/`error_message`.
    """
    obj = lenient_json(body)
    if not isinstance(obj, dict):
        return None
    code: int | str | None = None
    for key in _CODE_KEYS:
        value = obj.get(key)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            code = value
            break
    message = None
    for key in _MESSAGE_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and value and value != "No message available":
            message = value
            break
    trace_id = None
    for key in _TRACE_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and value:
            trace_id = value
            break
    return ErrorInfo(code=code, message=message, trace_id=trace_id)


_GATEWAY_CLASSES: dict[str, type[APIError]] = {
    "gw.APIACLDecline": AuthenticationError,
    "gw.AppKeyNotAllowed": AuthenticationError,
    "gw.APIUnsupported": NotFoundError,
    "gw.SignatureMissing": BadRequestError,
    "gw.SignatureInvalid": BadRequestError,
    "gw.InvalidSignature": BadRequestError,
    "gw.AppKeyMissing": BadRequestError,
    "gw.ParamMissing": BadRequestError,
}


def error_class(status: int, code: int | str | None, message: str | None) -> type[APIError]:
    """Pick the APIError subclass for an HTTP status and an envelope or gateway code."""
    if message and C.NOT_ACTIVATED_MESSAGE in message:
        return AuthenticationError
    if isinstance(code, str):
        gateway = _GATEWAY_CLASSES.get(code)
        if gateway is not None:
            return gateway
        code = int(code) if code.isdigit() else None
    effective = status if status != 200 or code is None else code
    if effective == 400:
        return BadRequestError
    if effective in (401, 403):
        return AuthenticationError
    if effective == 404:
        return NotFoundError
    if effective == 429:
        return RateLimitError
    if 500 <= effective <= 599:
        return ServerError
    return APIError


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if now is None:
            import time

            now = time.time()
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def make_api_error(
    status: int,
    info: ErrorInfo | None,
    *,
    method: str,
    path: str,
    reason: str = "",
    retry_after: float | None = None,
    snippet: str = "",
    redact: Sequence[str] = (),
) -> APIError:
    """Build the APIError for a failed answer from its status and what its body said.

    Whatever the service wrote (message, code, trace id) is shown with `redact` (the app
    secret and the request's signature) masked, and any `sign=`/`appSecret=` it echoes.
    """
    code = info.code if info else None
    message = info.message if info and info.message else None
    if message is None:
        message = reason or f"HTTP {status}"
        if snippet:
            message = f"{message} (body: {snippet!r})"
    cls = error_class(status, code, message)
    message = redact_text(message, redact)
    if isinstance(code, str):
        code = redact_text(code, redact)
    trace_id = redact_text(info.trace_id, redact) if info and info.trace_id else None
    if cls is RateLimitError:
        return RateLimitError(
            message, status=status, code=code, trace_id=trace_id, path=path, method=method, retry_after=retry_after
        )
    return cls(message, status=status, code=code, trace_id=trace_id, path=path, method=method)


def snippet_of(body: bytes, redact: Sequence[str] = ()) -> str:
    """The start of a body as text, for error messages, with the given secrets masked.

    Masked before it is cut: a secret straddling the cut is not left half shown.
    """
    text = body[: C.BODY_SNIPPET_CHARS * 4 + 1024].decode("utf-8", "replace")
    return redact_text(text, redact)[: C.BODY_SNIPPET_CHARS]


def redirect_error(status: int, location: str | None, *, method: str, path: str, base_url: str = "") -> APIError:
    """The APIError for a 3xx answer: signed requests never follow a redirect.

    The message names the status and the host of `Location` (only its host: a redirect
    target may carry anything in its query).
    """
    host = ""
    if location:
        try:
            parts = urlsplit(location.strip())
            host = parts.hostname or ""
            if host and parts.port:
                host = f"{host}:{parts.port}"
        except ValueError:
            host = ""
    if not host:
        host = (urlsplit(base_url).netloc.rpartition("@")[2] if base_url else "") or "the same host"
        where = f"to {host} ({'a relative Location' if location else 'no Location header'})"
    else:
        where = f"to {host}"
    return APIError(
        f"HTTP {status} redirect {where} refused: signed requests never follow a redirect "
        "(check base_url; the request was sent to that host only)",
        status=status,
        path=path,
        method=method,
    )


def decode_success(
    decoder: msgspec.json.Decoder[Envelope[Any]],
    body: bytes,
    *,
    status: int,
    method: str,
    path: str,
    redact: Sequence[str] = (),
) -> Envelope[Any]:
    """Decode a 2xx body into its typed envelope, or raise the error it describes.

    An envelope whose `code` is not 200 raises the matching `APIError`; a body that is
    not the documented JSON raises `ResponseDecodeError` naming the path and status.
    """
    try:
        envelope = decoder.decode(body)
    except msgspec.ValidationError as exc:
        info = read_error_body(body)
        if info is not None and info.code is not None and info.code != C.SUCCESS_CODE:
            raise make_api_error(status, info, method=method, path=path, redact=redact) from None
        raise ResponseDecodeError(
            redact_text(f"{method} {path}: HTTP {status} body does not have the documented shape: {exc}", redact),
            status=status,
            path=path,
            method=method,
            snippet=snippet_of(body, redact),
        ) from None
    except UNREADABLE as exc:
        raise undecodable(body, exc, status=status, method=method, path=path, redact=redact) from None
    if envelope.code != C.SUCCESS_CODE:
        nested = nested_trade_error(body, status=status, method=method, path=path, redact=redact)
        if nested is not None:
            raise nested
        info = ErrorInfo(code=envelope.code, message=envelope.text, trace_id=envelope.trace_id)
        raise make_api_error(status, info, method=method, path=path, redact=redact)
    return envelope


_NESTED_TEXT_KEYS = ("errorInfo", "errorMessage", "errorMsg", "erroMsg", "message")


def nested_trade_error(
    body: bytes, *, status: int, method: str, path: str, redact: Sequence[str] = ()
) -> TradeError | None:
    """The `TradeError` for an error envelope that carries 1688's own verdict, else None.

    DAJI documents such answers on confirm receipt: ``{"code": 1009, "message": "买家确认收货失败",
    "data": {"result": {"success": false, "errorCode": "4003", "errorInfo": "..."}}}``. The
    error keeps 1688's code (`"4003"`) and text; DAJI's own code and message are kept in
    `envelope_code` / the message's prefix.
    """
    obj = lenient_json(body)
    if not isinstance(obj, dict):
        return None
    node: Any = obj.get("data")
    while isinstance(node, dict):
        code = node.get("errorCode")
        if node.get("success") is False or (code not in (None, "") and not isinstance(code, bool)):
            text = next((node[k] for k in _NESTED_TEXT_KEYS if isinstance(node.get(k), str) and node[k]), None)
            outer = obj.get("message") or obj.get("msg")
            message = "; ".join(t for t in (outer if isinstance(outer, str) else None, text) if t) or "1688 refused"
            trace = obj.get("traceId")
            if isinstance(code, str):
                code = redact_text(code, redact)
            error = TradeError(
                redact_text(message, redact),
                status=status,
                code=code if isinstance(code, (str, int)) and not isinstance(code, bool) else None,
                trace_id=redact_text(trace, redact) if isinstance(trace, str) else None,
                path=path,
                method=method,
            )
            error.envelope_code = obj.get("code")
            error.error_info = redact_text(text, redact) if text else text
            return error
        node = node.get("result")
    return None


def undecodable(
    body: bytes, exc: Exception, *, status: int, method: str, path: str, redact: Sequence[str] = ()
) -> ResponseDecodeError:
    """A ResponseDecodeError that says what kind of non-JSON body arrived."""
    stripped = body.lstrip()
    if not stripped:
        what = "an empty body"
    elif stripped[:1] == b"<":
        what = "HTML, not JSON"
    elif isinstance(exc, UnicodeDecodeError):
        what = f"text that is not valid UTF-8 (byte {exc.start})"
    elif isinstance(exc, RecursionError):
        what = "JSON nested too deep to read"
    elif stripped[:1] in (b"{", b"["):
        what = f"truncated or malformed JSON ({exc})"
    else:
        what = f"not JSON ({exc})"
    return ResponseDecodeError(
        redact_text(f"{method} {path}: HTTP {status} answered with {what}", redact),
        status=status,
        path=path,
        method=method,
        snippet=snippet_of(body, redact),
    )


# --------------------------------------------------------------------------- retries


@dataclass(frozen=True)
class RetryPolicy:
    """How safe calls are retried: exponential backoff with full jitter.

    Attempt `n` (0 for the first retry) sleeps `uniform(0, min(max_delay, base_delay * 2**n))`.
    A 429's `Retry-After` is waited for instead when it is at most `retry_after_cap`; a
    longer one is not waited for and the RateLimitError is raised at once.
    """

    base_delay: float = C.RETRY_BASE_DELAY
    max_delay: float = C.RETRY_MAX_DELAY
    retry_after_cap: float = C.RETRY_AFTER_CAP
    statuses: frozenset[int] = C.RETRY_STATUSES

    def __post_init__(self) -> None:
        for name in ("base_delay", "max_delay", "retry_after_cap"):
            finite_number(name, getattr(self, name))
        if not isinstance(self.statuses, frozenset) or not all(
            isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in self.statuses
        ):
            raise ValueError(f"statuses must be a frozenset of HTTP statuses (ints 100..599), got {self.statuses!r}")

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """Seconds to sleep before retry number `retry` (0-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2.0**retry))
        return (rng or random).uniform(0.0, ceiling)


def retry_delay(
    policy: RetryPolicy, error: BaseException, retry: int, rng: random.Random | None = None
) -> float | None:
    """Seconds to wait before retrying a *safe* call after `error`, or None to give up now.

    Connection errors and timeouts are retried; so are APIErrors whose HTTP status is in
    `policy.statuses`. An error inside an HTTP 200 envelope is the service's decision, not
    a transient failure, and is not retried; neither are decode errors.
    """
    from ._errors import APIConnectionError

    if isinstance(error, APIConnectionError):
        return policy.backoff(retry, rng)
    if isinstance(error, APIError) and error.status in policy.statuses:
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            if error.retry_after > policy.retry_after_cap:
                return None
            return error.retry_after
        return policy.backoff(retry, rng)
    return None


def total_pages(total_records: int, page_size: int) -> int:
    """How many pages `total_records` fill at `page_size` (the service's `totalPage`)."""
    return -(-total_records // page_size) if total_records > 0 else 0


def trade_result(data: Any, *, method: str, path: str, redact: Sequence[str] = ()) -> Any:
    """Walk a 1688 trade answer's nested `result` layers; raise TradeError where `success` is false.

    The service may hand 1688's answer over whole (`{success, result: {...}}`) or already
    unwrapped; both come out as the innermost layer that carries data.
    """
    node = data
    while True:
        if getattr(node, "success", None) is False:
            code = getattr(node, "error_code_any", None)
            message = getattr(node, "error_text", None) or "1688 refused the call without saying why"
            if isinstance(code, str):
                code = redact_text(code, redact)
            raise TradeError(redact_text(message, redact), status=200, code=code, path=path, method=method)
        inner = getattr(node, "result", None)
        if inner is None:
            return node
        node = inner
