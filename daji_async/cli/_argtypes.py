"""The types of the `daji` command's options: each turns one argument's text into a checked value.

A bad value raises `argparse.ArgumentTypeError` (or `UsageError`) with one line naming the
problem; the parsers (`_parser`) use these as `type=`.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import cast

from .. import _constants as C
from ..enums import Country, Filter, Raw, Sort, StrEnum
from ..resources.products import FilterValue, SortKey, SortOrderArg

#: Exit status of a usage error (argparse's own convention).
EXIT_USAGE = 2

#: Items per search (per input, in bulk) when --max-items is not given.
DEFAULT_MAX_ITEMS = 100

#: Friendly names accepted by --sort, beside the service's own field names.
SORT_ALIASES = {
    "price": Sort.PRICE.value,
    "sold": Sort.MONTH_SOLD.value,
    "month_sold": Sort.MONTH_SOLD.value,
    "monthsold": Sort.MONTH_SOLD.value,
    "repurchase": Sort.REPURCHASE_RATE.value,
    "repurchase_rate": Sort.REPURCHASE_RATE.value,
    "repurchaserate": Sort.REPURCHASE_RATE.value,
}

#: Prefix that sends a --sort, --filter or --country value the command does not know, as given.
RAW_PREFIX = "raw:"

#: Largest id the service takes (a signed 64-bit integer).
MAX_ID = 2**63 - 1

_OFFER_URL = re.compile(r"offer/(\d+)")
_ASCII_DIGITS = re.compile(r"[0-9]+")


class UsageError(Exception):
    """The command was used wrongly (bad option value, unreadable input file): exit 2."""


# ------------------------------------------------------------------ option types


def positive_int(text: str) -> int:
    """An int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """A float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def port(text: str) -> int:
    """A TCP port, 0..65535 (0 picks a free one); anything else is a usage error, not a crash."""
    if not (text.strip().isascii() and text.strip().isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"expected a port between 0 and 65535, got {text!r}")
    return int(text)


def max_items(text: str) -> int | None:
    """`--max-items`: a number >= 1, or `all` for every result (None)."""
    if text.strip().lower() in ("all", "none", "unlimited"):
        return None
    return positive_int(text)


def page_size_up_to(largest: int) -> Callable[[str], int]:
    """The `--page-size` type of an endpoint whose pages hold at most `largest` items."""

    def page_size(text: str) -> int:
        value = positive_int(text)
        if value > largest:
            raise argparse.ArgumentTypeError(f"expected {C.MIN_PAGE_SIZE}..{largest}, got {value}")
        return value

    page_size.__name__ = f"page size {C.MIN_PAGE_SIZE}..{largest}"
    return page_size


#: `--page-size` of the 1688 searches: the service's bounds, 1..50.
page_size = page_size_up_to(C.MAX_PAGE_SIZE)


def price(text: str) -> str:
    """A decimal price in CNY, kept as the text given (prices are never floats on the wire)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a price such as 12.50, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a price >= 0, got {text}")
    return text.strip()


def _id(text: str, what: str, *, minimum: int) -> int:
    """Plain ASCII digits (not `1_000` nor other scripts' digits) within the service's range."""
    if not _ASCII_DIGITS.fullmatch(text) or not minimum <= int(text) <= MAX_ID:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return int(text)


def offer_id(text: str) -> int:
    """An offer id, or a 1688 offer link (`https://detail.1688.com/offer/<id>.html`)."""
    match = _OFFER_URL.search(text)
    return _id(match.group(1) if match else text.strip(), "an offer id (a number) or a 1688 offer link", minimum=1)


def category_id(text: str) -> int:
    """A category id, >= 0 (0 is the root)."""
    return _id(text.strip(), "a category id (a number >= 0)", minimum=0)


def _choose(kind: str, text: str, known: dict[str, str], shown: Sequence[str]) -> str:
    """The service value of `text` among `known` (keys lower-case), or a did-you-mean error.

    `raw:VALUE` passes VALUE through unchecked: the SDK sends values it does not know as they
    are, so a value the service added after this release can still be used on purpose.
    """
    if text.lower().startswith(RAW_PREFIX):
        value = text[len(RAW_PREFIX) :].strip()
        if not value:
            raise argparse.ArgumentTypeError(f"expected a {kind} after {RAW_PREFIX!r}, got {text!r}")
        return Raw(value)  # the SDK checks documented values too; Raw tells it this one is meant
    found = known.get(text.lower())
    if found is not None:
        return found
    close = difflib.get_close_matches(text.lower(), list(known), n=1, cutoff=0.6)
    hint = f"did you mean {known[close[0]]}?" if close else f"choose from {', '.join(shown)}"
    raise argparse.ArgumentTypeError(f"unknown {kind} {text!r}; {hint} (or {RAW_PREFIX}{text} to send it unchecked)")


def _vocabulary(members: Iterable[StrEnum], aliases: dict[str, str] | None = None) -> dict[str, str]:
    """Lower-cased values, member names (`ship_in_48_hours`) and aliases -> service values."""
    known: dict[str, str] = {}
    for member in members:
        known[member.value.lower()] = member.value
        known[member.name.lower()] = member.value
    for alias, value in (aliases or {}).items():
        known[alias.lower()] = value
    return known


_SORT_FIELDS = _vocabulary(Sort, SORT_ALIASES)
_FILTERS = _vocabulary(Filter)
_COUNTRIES = _vocabulary(Country, {"zh": "zh"})  # "zh": production clients send it (the SDK takes it)


def country(text: str) -> str:
    """`--country`: a language the service translates into (`raw:xx` for another)."""
    return _choose("language", text.strip(), _COUNTRIES, [c.value for c in Country])


def sort_spec(text: str) -> tuple[SortKey, SortOrderArg]:
    """`FIELD[:asc|desc]` -> `(service field, order)`; `raw:FIELD[:order]` for another field."""
    text = text.strip()
    raw = text.lower().startswith(RAW_PREFIX)
    field, _, order = (text[len(RAW_PREFIX) :] if raw else text).partition(":")
    field, order = field.strip(), (order.strip().lower() or "asc")
    if not field:
        raise argparse.ArgumentTypeError(f"expected FIELD[:asc|desc] such as price:asc, got {text!r}")
    if order not in ("asc", "desc"):
        raise argparse.ArgumentTypeError(f"sort order must be asc or desc, got {order!r} in {text!r}")
    chosen = Raw(field) if raw else _choose("sort field", field, _SORT_FIELDS, ["price", "sold", "repurchase"])
    return cast("SortKey", chosen), cast("SortOrderArg", order)


def filter_names(text: str) -> list[FilterValue]:
    """One `--filter` value: names, comma-separated, each checked (`raw:NAME` for another)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected a filter name, got {text!r}")
    return [cast("FilterValue", _choose("filter", name, _FILTERS, [f.value for f in Filter])) for name in names]


def filter_list(values: Sequence[Sequence[FilterValue]] | None) -> list[FilterValue] | None:
    """Repeated `--filter` values (each a list of names) as one list without repeats, or None."""
    names = list(dict.fromkeys(name for value in values or () for name in value))
    return names or None


def sort_mapping(values: Sequence[tuple[SortKey, SortOrderArg]] | None) -> dict[SortKey, SortOrderArg] | None:
    """Repeated `--sort` values as the mapping the SDK takes, in the order given."""
    return dict(values) if values else None


def output_file(text: str) -> str:
    """A file to write (`--parquet`, `--failed`): a name, never `-` (stdout is for the data)."""
    if text.strip() in ("", "-"):
        raise argparse.ArgumentTypeError("expected a file name (stdout is not an option here)")
    return text


__all__ = [
    "DEFAULT_MAX_ITEMS",
    "EXIT_USAGE",
    "MAX_ID",
    "RAW_PREFIX",
    "SORT_ALIASES",
    "UsageError",
    "category_id",
    "country",
    "filter_list",
    "filter_names",
    "max_items",
    "offer_id",
    "output_file",
    "page_size",
    "page_size_up_to",
    "port",
    "positive_float",
    "positive_int",
    "price",
    "sort_mapping",
    "sort_spec",
]
