"""The argument checks every public call uses, declared once.

Each raises a ValueError (or TypeError for a value of the wrong kind) that names the
argument, before anything is sent. `bool` is never accepted where an int is meant, and an
error message never echoes a long argument whole.
"""

from __future__ import annotations

import difflib
import json
import math
import warnings
from collections.abc import Collection, Mapping, Sequence
from typing import Any, get_args
from urllib.parse import urlsplit

import aiohttp

from . import _constants as C
from ._errors import DajiWarning
from .enums import CountryCode, FilterName, OrderStatusName, Raw, SortDirection, SortField

#: The documented value sets, from the `Literal` types of `enums` (one source of truth; a test
#: holds them equal to the enums' values).
FILTERS: tuple[str, ...] = get_args(FilterName)
SORT_FIELDS: tuple[str, ...] = get_args(SortField)
SORT_DIRECTIONS: tuple[str, ...] = get_args(SortDirection)
ORDER_STATUSES: tuple[str, ...] = get_args(OrderStatusName)
COUNTRIES: tuple[str, ...] = get_args(CountryCode)


def integer(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int:
    """`value` as an int within `[low, high]`, else ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int{_bounds(low, high)}, got {_show(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be an int{_bounds(low, high)}, got {_show(value)}")
    return value


def optional_integer(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int | None:
    """Like `integer`, allowing None."""
    if value is None:
        return None
    try:
        return integer(name, value, low=low, high=high)
    except ValueError:
        raise ValueError(f"{name} must be None or an int{_bounds(low, high)}, got {_show(value)}") from None


def is_positive_number(value: object) -> bool:
    """True for an int or float above zero (and not a bool, not NaN)."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value > 0


def positive_seconds(name: str, value: object) -> float:
    """A finite number of seconds above zero, else ValueError naming `name`."""
    if not is_positive_number(value) or not math.isfinite(value):  # type: ignore[arg-type]
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {_show(value)}")
    return float(value)  # type: ignore[arg-type]


def timeout(name: str, value: object) -> float | aiohttp.ClientTimeout:
    """A timeout: finite seconds > 0, or an `aiohttp.ClientTimeout` whose set limits are."""
    if isinstance(value, aiohttp.ClientTimeout):
        for field in ("total", "connect", "sock_read", "sock_connect"):
            limit = getattr(value, field)
            if limit is not None and not (is_positive_number(limit) and math.isfinite(limit)):
                raise ValueError(f"{name}.{field} must be None or a finite number of seconds > 0, got {limit!r}")
        return value
    if not is_positive_number(value) or not math.isfinite(value):  # type: ignore[arg-type]
        raise ValueError(
            f"{name} must be a finite number of seconds > 0 or an aiohttp.ClientTimeout, got {_show(value)}"
        )
    return float(value)  # type: ignore[arg-type]


def optional_timeout(name: str, value: object) -> float | aiohttp.ClientTimeout | None:
    """Like `timeout`, allowing None (the client's own)."""
    return None if value is None else timeout(name, value)


def retry_count(name: str, value: object) -> int | None:
    """A per-call `max_retries`: None (the client's) or an int in `0..MAX_RETRIES_LIMIT`."""
    return optional_integer(name, value, low=0, high=C.MAX_RETRIES_LIMIT)


def positive_id(name: str, value: object, *, high: int = C.MAX_ID) -> int:
    """A positive numeric id (offer, order, category ids) given as an int or ASCII digit text.

    Only `0-9` count as digits (`int()` would also take `'1_000'`, spaces and other
    scripts' digits); the value must lie in `1..high` (the service's signed 64-bit range).
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"{name} must be an int or a str of digits, got {type(value).__name__}")
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()) or len(value) > C.MAX_ID_DIGITS:
            raise ValueError(f"{name} must be the decimal digits 0-9 of an id, got {_show(value)}")
        number = int(value)
    else:
        number = value
    if not 0 < number <= high:
        raise ValueError(f"{name} must be between 1 and {high}, got {_show(value)}")
    return number


def digits(name: str, value: object) -> str:
    """An id the service issues as digit text (image ids): a positive int or its ASCII digits."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"{name} must be a str of digits or an int, got {type(value).__name__}")
    text = value if isinstance(value, str) else str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > C.MAX_ID_DIGITS or int(text) <= 0:
        raise ValueError(f"{name} must be 1 to {C.MAX_ID_DIGITS} digits 0-9 (not all zero), got {_show(value)}")
    return text


def text(
    name: str, value: object, *, required: bool = True, max_length: int = C.MAX_TEXT_LENGTH, one_line: bool = False
) -> str | None:
    """A non-blank str of at most `max_length` characters (or None when not `required`).

    `one_line` also refuses control characters (CR, LF, NUL, ESC...): for ids, codes, URLs.
    TypeError for a value that is not a str, ValueError naming `name` otherwise.
    """
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty or blank")
    if len(value) > max_length:
        raise ValueError(f"{name} is {len(value):,} characters long; at most {max_length}")
    if one_line and _has_control(value):
        raise ValueError(f"{name} must not contain control characters, got {_show(value)}")
    return value


def name_text(name: str, value: object, *, required: bool = True) -> str | None:
    """A short one-line text: an id, a code, a language (at most `MAX_NAME_LENGTH` characters)."""
    return text(name, value, required=required, max_length=C.MAX_NAME_LENGTH, one_line=True)


def text_list(name: str, value: object, *, max_length: int = C.MAX_NAME_LENGTH) -> list[str] | None:
    """A str or a sequence of str (filters, member ids), each one line and non-blank; None passes."""
    if value is None:
        return None
    if isinstance(value, str):
        return [_checked(text(name, value, max_length=max_length, one_line=True))]
    if isinstance(value, (bytes, bytearray, memoryview, Mapping)) or not isinstance(value, (Sequence, Collection)):
        raise TypeError(f"{name} must be a str or a list of str, got {type(value).__name__}")
    return [_checked(text(f"{name}[{i}]", v, max_length=max_length, one_line=True)) for i, v in enumerate(value)]


def text_mapping(name: str, value: object) -> dict[str, str] | None:
    """A mapping of str to str (`sort={"price": "asc"}`); None passes."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of str to str such as {{'price': 'asc'}}, got {_kind(value)}")
    out: dict[str, str] = {}
    for key, item in value.items():
        out[_checked(name_text(f"{name} key", key))] = _checked(name_text(f"{name}[{key!r}]", item))
    return out


def language(name: str, value: object) -> str:
    """A language code such as `en`, `ru` or `zh-CN`."""
    code = _checked(name_text(name, value))
    head, _, tail = code.replace("_", "-").partition("-")
    if not (2 <= len(head) <= 3 and head.isascii() and head.isalpha()) or (
        tail and not (tail.isascii() and tail.isalnum() and len(tail) <= 8)
    ):
        raise ValueError(f"{name} must be a language code such as 'en' or 'ru', got {_show(code)}")
    return code


def country(name: str, value: object, *, stacklevel: int = 2) -> str:
    """A language code (see `language`); one the service does not document is sent with a `DajiWarning`.

    The set is open: the service may answer in more languages than its pages list (production
    clients send `"zh"`, accepted silently), so an unknown code is never refused; the warning
    names the closest documented one. A `Raw` value is not warned about. `stacklevel` counts
    from the caller (2: the caller's caller, where the warning points).
    """
    code = language(name, value)
    if code not in COUNTRIES and not isinstance(value, Raw):
        warnings.warn(
            f"{name} {_show(code)} is not a language the service documents; {_closest(code, COUNTRIES)}"
            f" (sent anyway; daji_async.Raw({code!r}) silences this warning)",
            DajiWarning,
            stacklevel=stacklevel + 1,
        )
    return code


def documented(name: str, value: object, allowed: Collection[str]) -> str:
    """`value` when `allowed` holds it (or it is a `Raw`), else a ValueError naming the closest allowed value.

    For the service's closed value sets (filters, sort fields and orders, order statuses): a
    typo would otherwise be sent and silently ignored by the service.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {_kind(value)}")
    if isinstance(value, Raw):
        return _checked(name_text(name, str(value)))
    if value in allowed:
        return str(value)  # a StrEnum member as its plain value
    raise ValueError(
        f"{name} {_show(value)} is not a value the service documents; {_closest(value, allowed)}"
        f" (daji_async.Raw({value[:40]!r}) sends a value added after this release as it is)"
    )


def filter_text(value: object) -> str:
    """`filter=` as the service's comma-joined text, each name a documented one (or `Raw`)."""
    if isinstance(value, Raw):
        return _checked(text("filter", str(value), max_length=C.MAX_TEXT_LENGTH, one_line=True))
    if isinstance(value, str):  # "a,b" as one text: each name checked
        names: list[Any] = [name.strip() for name in value.split(",") if name.strip()]
    elif isinstance(value, (bytes, bytearray)) or not isinstance(value, Sequence):
        raise TypeError(f"filter must be a Filter, a filter name or a list of them, got {type(value).__name__}")
    else:
        names = list(value)
        text_list("filter", [str(name) if isinstance(name, str) else name for name in names])
    return ",".join(documented("filter", name, FILTERS) for name in names)


def sort_text(value: object) -> str:
    """`sort=` as compact JSON, each field and order a documented one (a `Raw` key is not checked)."""
    if isinstance(value, Raw):
        return _checked(text("sort", str(value), max_length=C.MAX_NAME_LENGTH, one_line=True))
    if isinstance(value, str):  # JSON text, as the service takes it: read it to check it
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(
                'sort text must be a JSON object such as \'{"price":"asc"}\''
                " (or daji_async.Raw(text) to send it as it is)"
            ) from None
    if not isinstance(value, Mapping):
        raise TypeError(f"sort must be a mapping such as {{'price': 'asc'}}, got {type(value).__name__}")
    fields: dict[str, str] = {}
    for key, order in value.items():
        if not isinstance(order, str):
            raise TypeError(f"sort[{key!r}] must be 'asc' or 'desc', got {type(order).__name__}")
        fields[documented("sort field", key, SORT_FIELDS)] = documented(f"sort[{key!r}] order", order, SORT_DIRECTIONS)
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def _closest(value: str, allowed: Collection[str]) -> str:
    by_lower = {item.lower(): item for item in allowed}
    lowered = value.lower()
    # "ascending" is far from "asc" for difflib, yet plainly meant it: a shared start counts first
    close = [item for item in by_lower if len(item) >= 2 and (lowered.startswith(item) or item.startswith(lowered))]
    close = close or difflib.get_close_matches(lowered, list(by_lower), n=1, cutoff=0.6)
    if close:
        return f"did you mean {by_lower[close[0]]!r}?"
    shown = ", ".join(list(allowed)[:12]) + (", ..." if len(allowed) > 12 else "")
    return f"documented: {shown}"


def web_url(name: str, value: object, *, max_length: int = C.MAX_PICTURE_URL) -> str:
    """An absolute http(s) URL (or a scheme-relative `//host/...`): no spaces, no control characters."""
    url = _checked(text(name, value, max_length=max_length, one_line=True))
    if any(c.isspace() for c in url):
        raise ValueError(f"{name} must not contain spaces, got {_show(url)}")
    try:
        parts = urlsplit("https:" + url if url.startswith("//") else url)
        parts.port  # noqa: B018  - a port out of range raises ValueError here
    except ValueError:
        raise ValueError(f"{name} is not a valid URL, got {_show(url)}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an absolute http(s) URL, got {_show(url)}")
    return url


def origin(name: str, value: object) -> str:
    """A service address: `http(s)://host[:port][/prefix]`; no credentials, query, fragment or controls."""
    url = _checked(text(name, value, max_length=C.MAX_PICTURE_URL, one_line=True))
    if any(c.isspace() for c in url):
        raise ValueError(f"{name} must not contain spaces, got {_show(url)}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(f"{name} must be http(s)://host[:port] with a port in 1..65535, got {_show(url)}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must start with http:// or https:// and name a host, got {_show(url)}")
    if port == 0:
        raise ValueError(f"{name} must have a port in 1..65535, got {_show(url)}")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise ValueError(f"{name} must not carry a query string or a fragment, got {_show(url)}")
    if "@" in parts.netloc:
        raise ValueError(f"{name} must not carry credentials (user:password@host)")
    return url


def finite_number(name: str, value: object, *, low: float = 0.0) -> float:
    """A finite int or float `>= low` (not a bool, not NaN or infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value < low:
        raise ValueError(f"{name} must be a finite number >= {low:g}, got {_show(value)}")
    return float(value)


def price(name: str, value: object) -> str | None:
    """A price in CNY: decimal text such as `"12.50"` or a finite number >= 0; None passes."""
    if value is None:
        return None
    if isinstance(value, str):
        shown = value.strip()
        ok = 0 < len(shown) <= 32 and shown.isascii() and shown.replace(".", "", 1).isdigit()
        if not ok:
            raise ValueError(f"{name} must be a decimal price such as '12.50', got {_show(value)}")
        return shown
    number = finite_number(name, value)
    return str(int(number)) if number.is_integer() else repr(number)


def extra_params(name: str, value: object) -> Mapping[str, Any] | None:
    """Parameters the SDK does not know yet: a mapping with str keys, none of them reserved.

    `appKey`, `appSecret` and `sign` (in any case) are the SDK's own: a ValueError, for a
    query string, a form and a JSON body alike.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of parameter names to values, got {_kind(value)}")
    for key in value:
        name_text(f"{name} key", key)
        if key.strip().lower() in _RESERVED:
            raise ValueError(f"{name} must not set {key!r}: appKey, appSecret and sign are set by the SDK")
    return value


def known_keys(call: str, given: Mapping[str, Any], allowed: Collection[str]) -> None:
    """TypeError for any keyword in `given` that `call` does not take (no silent drop, no guess sent)."""
    unknown = [key for key in given if key not in allowed]
    if unknown:
        raise TypeError(f"{call}() got unexpected keyword argument(s) {', '.join(sorted(unknown))}")


_RESERVED = frozenset(k.lower() for k in C.RESERVED_PARAMS)


def _checked(value: str | None) -> str:
    assert value is not None  # required=True never returns None
    return value


def _kind(value: object) -> str:
    return type(value).__name__


def _has_control(value: str) -> bool:
    # every character refused here is one str.isprintable() refuses too (C0, DEL and C1 are
    # Cc; U+2028/U+2029 are Zl/Zp): a printable text, nearly every one, skips the scan
    if value.isprintable():
        return False
    return any(ord(c) < 32 or 127 <= ord(c) < 160 or c in "\u2028\u2029" for c in value)


def _show(value: object) -> str:
    """A value for an error message: its repr, cut short (a 1 MiB argument is not echoed whole)."""
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _bounds(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f" between {low} and {high}"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


#: Longest share link `detail_by_link` sends (it travels in a query string).
MAX_SHARE_LINK = 2048


def share_link(name: str, value: object) -> str:
    """A share link: an http(s) URL of at most `MAX_SHARE_LINK` characters, one line, no spaces."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value.startswith(("https://", "http://")) or len(value) > MAX_SHARE_LINK:
        raise ValueError(f"{name} must be an http(s) URL of at most {MAX_SHARE_LINK} characters, got {value[:80]!r}")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{name} must not contain spaces or control characters")
    return value


def theme_id(name: str, value: object) -> str:
    """A hot-list id: a positive int or a str (themes are ids the service hands out)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"{name} must be an int or a str, got {type(value).__name__}")
    if isinstance(value, int) and value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return name_text(name, str(value)) or ""


def joined_texts(name: str, values: object) -> str | None:
    """A str or a sequence of str (filters) as the service's comma-joined text; None passes."""
    checked = text_list(name, values)
    return None if checked is None else ",".join(checked)


def id_text(name: str, value: object) -> str:
    """A positive id (an int or its ASCII digits, never a float) sent as text, as some pages type it."""
    if isinstance(value, float):
        raise TypeError(f"{name} must be an int or its digits as a str, not a float")
    return str(positive_id(name, value))


def root_or_id(name: str, value: object) -> int:
    """A category id where 0 means the root: 0, or a positive id."""
    if value == 0 and not isinstance(value, bool):
        return 0
    return positive_id(name, value)


__all__ = [
    "COUNTRIES",
    "FILTERS",
    "MAX_SHARE_LINK",
    "ORDER_STATUSES",
    "SORT_DIRECTIONS",
    "SORT_FIELDS",
    "country",
    "digits",
    "documented",
    "extra_params",
    "filter_text",
    "finite_number",
    "id_text",
    "integer",
    "is_positive_number",
    "joined_texts",
    "known_keys",
    "language",
    "name_text",
    "optional_integer",
    "optional_timeout",
    "origin",
    "positive_id",
    "positive_seconds",
    "price",
    "retry_count",
    "root_or_id",
    "share_link",
    "sort_text",
    "text",
    "text_list",
    "text_mapping",
    "theme_id",
    "timeout",
    "web_url",
]
