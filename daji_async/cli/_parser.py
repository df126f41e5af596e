"""The ``daji`` command line: argparse parsers and the types of their options.

Options that set up the connection and the output (``--sandbox``, ``--json``...) are
accepted before or after the subcommand; search options (``--max-items``, ``--sort``...)
belong to the subcommands that search. Every parse error is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import _constants as C
from .._bulk import DEFAULT_BULK_CONCURRENCY
from .._version import __version__
from ..enums import Country, Filter, Sort

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

_OFFER_URL = re.compile(r"offer/(\d+)")


class UsageError(Exception):
    """The command was used wrongly (bad option value, unreadable input file): exit 2."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line naming the problem and where to look."""

    def error(self, message: str) -> NoReturn:
        """Print ``<prog>: error: <message>; see '<prog> --help'`` on stderr and exit 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")


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


def max_items(text: str) -> int | None:
    """``--max-items``: a number >= 1, or ``all`` for every result (None)."""
    if text.strip().lower() in ("all", "none", "unlimited"):
        return None
    return positive_int(text)


def page_size(text: str) -> int:
    """``--page-size``: the service's bounds, 1..50."""
    value = positive_int(text)
    if value > C.MAX_PAGE_SIZE:
        raise argparse.ArgumentTypeError(f"expected {C.MIN_PAGE_SIZE}..{C.MAX_PAGE_SIZE}, got {value}")
    return value


def price(text: str) -> str:
    """A decimal price in CNY, kept as the text given (prices are never floats on the wire)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a price such as 12.50, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a price >= 0, got {text}")
    return text.strip()


def offer_id(text: str) -> int:
    """An offer id, or a 1688 offer link (``https://detail.1688.com/offer/<id>.html``)."""
    match = _OFFER_URL.search(text)
    digits = match.group(1) if match else text.strip()
    if not digits.isdigit() or int(digits) < 1:
        raise argparse.ArgumentTypeError(f"expected an offer id (a number) or a 1688 offer link, got {text!r}")
    return int(digits)


def category_id(text: str) -> int:
    """A category id, >= 0 (0 is the root)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a category id (a number), got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a category id >= 0, got {value}")
    return value


def sort_spec(text: str) -> tuple[str, str]:
    """``FIELD[:asc|desc]`` → ``(service field, order)``; unknown fields pass through."""
    field, _, order = text.partition(":")
    field, order = field.strip(), (order.strip().lower() or "asc")
    if not field:
        raise argparse.ArgumentTypeError(f"expected FIELD[:asc|desc] such as price:asc, got {text!r}")
    if order not in ("asc", "desc"):
        raise argparse.ArgumentTypeError(f"sort order must be asc or desc, got {order!r} in {text!r}")
    return SORT_ALIASES.get(field.lower(), field), order


def filter_list(values: Sequence[str] | None) -> list[str] | None:
    """Repeated ``--filter`` values, each maybe a comma list, as one list (None when absent)."""
    if not values:
        return None
    names = [name.strip() for value in values for name in value.split(",")]
    return [name for name in names if name] or None


def sort_mapping(values: Sequence[tuple[str, str]] | None) -> dict[str, str] | None:
    """Repeated ``--sort`` values as the mapping the SDK takes, in the order given."""
    return dict(values) if values else None


# ------------------------------------------------------------------ parsers

EXAMPLES = """\
examples:
  daji --sandbox search keyword 连衣裙 --max-items 200    try it: no credentials, no network
  daji search keyword 手机壳 --sort price:asc --filter certifiedFactory --csv > cases.csv
  daji search image shoe.jpg --max-items 40             a local file is uploaded first
  daji product 727920485853
  daji bulk keywords keywords.txt --max-items 50 > items.jsonl
  daji categories 1031910
  daji sandbox --port 8080                              serve the sandbox to other programs

credentials come from DAJI_APP_KEY and DAJI_APP_SECRET (and DAJI_BASE_URL, if set).
output: a table on a terminal, JSON lines when piped; --json, --csv or --table to choose.
exit status: 0 done, 1 the service or network failed, 2 usage or configuration error, 130 interrupted.
"""


def _add_common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options valid before and after the subcommand.

    Below the top level their default is SUPPRESS, so that a value given before the
    subcommand is not overwritten by the subcommand's default.
    """

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    group = parser.add_argument_group("connection and output")
    group.add_argument(
        "--sandbox",
        action="store_true",
        default=default(False),
        help="run against the embedded sandbox, started in-process: no credentials, no network",
    )
    group.add_argument(
        "--country",
        default=default(C.DEFAULT_COUNTRY),
        metavar="LANG",
        help=f"language of translated fields: {', '.join(c.value for c in Country)} (default: {C.DEFAULT_COUNTRY})",
    )
    group.add_argument(
        "--timeout",
        type=positive_float,
        default=default(C.DEFAULT_TIMEOUT),
        metavar="SECONDS",
        help=f"seconds per request attempt (default: {C.DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--rate-limit",
        type=positive_float,
        default=default(None),
        metavar="N",
        help="at most N requests per second (default: no limit)",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default(False),
        help="no progress bar and no notes on stderr (errors are still shown)",
    )
    formats = group.add_mutually_exclusive_group()
    for flag, name, text in (
        ("--json", "json", "JSON lines: one item per line, streamed as pages arrive (the default when piped)"),
        ("--csv", "csv", "CSV with a header row"),
        ("--table", "table", "a readable table (the default on a terminal)"),
    ):
        formats.add_argument(flag, dest="format", action="store_const", const=name, default=default(None), help=text)


def _add_search(parser: argparse.ArgumentParser) -> None:
    """Paging, filtering and sorting options of the searching subcommands."""
    group = parser.add_argument_group("search")
    group.add_argument(
        "--max-items",
        type=max_items,
        default=DEFAULT_MAX_ITEMS,
        metavar="N",
        help="stop after N items (per input in bulk); 'all' for every result (default: %(default)s)",
    )
    group.add_argument("--max-pages", type=positive_int, metavar="N", help="stop after N pages")
    group.add_argument(
        "--page-size",
        type=page_size,
        metavar="N",
        help=f"items per request, 1..{C.MAX_PAGE_SIZE} (default: {C.MAX_PAGE_SIZE}, or --max-items when smaller)",
    )
    group.add_argument(
        "--prefetch",
        type=positive_int,
        default=1,
        metavar="N",
        help="pages fetched concurrently once the first page tells how many there are (default: %(default)s)",
    )
    group.add_argument(
        "--filter",
        action="append",
        metavar="NAME[,NAME...]",
        help="service filters, repeatable or comma-separated, e.g. "
        f"{Filter.CERTIFIED_FACTORY.value},{Filter.SHIP_IN_48_HOURS.value},{Filter.IS_ONE_PSALE.value}",
    )
    group.add_argument(
        "--sort",
        action="append",
        type=sort_spec,
        metavar="FIELD[:asc|desc]",
        help="sort by price, sold (monthSold) or repurchase (rePurchaseRate), e.g. price:asc; repeatable",
    )
    group.add_argument("--price-min", type=price, metavar="CNY", help="lowest price, in yuan")
    group.add_argument("--price-max", type=price, metavar="CNY", help="highest price, in yuan")
    group.add_argument("--category", type=category_id, metavar="ID", help="only offers of this category")


def _add_bulk(parser: argparse.ArgumentParser) -> None:
    """Options of the bulk subcommands."""
    group = parser.add_argument_group("bulk")
    group.add_argument(
        "--concurrency",
        type=positive_int,
        default=DEFAULT_BULK_CONCURRENCY,
        metavar="N",
        help="inputs searched at once (default: %(default)s)",
    )
    group.add_argument("--ordered", action="store_true", help="print results in input order (default: as they finish)")


def build_parser() -> Parser:
    """The whole ``daji`` parser; ``args.command`` names the subcommand to run."""
    parser = Parser(
        prog="daji",
        description="Search 1688.com through the DAJI open API from the terminal.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"daji {__version__}")
    _add_common(parser, top=True)
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND", parser_class=Parser)

    def sub(group: argparse._SubParsersAction[Parser], name: str, help: str, description: str | None = None) -> Parser:
        child = group.add_parser(
            name, help=help, description=description or help, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        _add_common(child, top=False)
        return child

    search = sub(commands, "search", "search offers by keyword or by image")
    searches = search.add_subparsers(title="searches", dest="search_by", metavar="BY", parser_class=Parser)
    keyword = sub(
        searches,
        "keyword",
        "search offers by keyword",
        "Search offers by keyword. The service matches Chinese keywords (连衣裙, 手机壳...).",
    )
    keyword.add_argument("text", metavar="TEXT", help="the keyword, in Chinese")
    _add_search(keyword)
    image = sub(
        searches,
        "image",
        "search offers by image",
        "Search offers by image: a 1688 image URL, a local JPG/PNG/WEBP file (uploaded first), "
        "or an image id from 'daji upload'.",
    )
    image.add_argument("image", metavar="URL_OR_FILE", help="image URL, local image file, or image id")
    image.add_argument("--region", metavar="X1,X2,Y1,Y2", help="search this part of the image (see the notes)")
    _add_search(image)

    product = sub(commands, "product", "show one offer: prices, SKUs, shipping, seller")
    product.add_argument("offer_id", type=offer_id, metavar="OFFER_ID", help="offer id, or a 1688 offer link")

    upload = sub(commands, "upload", "upload an image; prints its image id for 'daji search image'")
    upload.add_argument("file", metavar="FILE", help="a JPG, PNG or WEBP file of at most 3 MB")

    bulk = sub(commands, "bulk", "search many keywords or images at once")
    bulks = bulk.add_subparsers(title="bulk searches", dest="bulk_of", metavar="OF", parser_class=Parser)
    for name, what in (("keywords", "one keyword per line"), ("images", "one image URL or image id per line")):
        child = sub(
            bulks,
            name,
            f"search every input of FILE ({what})",
            f"Search every input of FILE ({what}; blank lines are skipped). '-' reads standard input. "
            "Inputs are read as the work goes, so FILE may be of any length. Every output row names "
            "the input it answers ('query'). A failed input is reported on stderr and the others go on; "
            "the exit status is then 1.",
        )
        child.add_argument("file", metavar="FILE", help="input file, or '-' for standard input")
        _add_search(child)
        _add_bulk(child)

    categories = sub(commands, "categories", "show a category and its children (the root when no ID)")
    categories.add_argument("category_id", type=category_id, nargs="?", default=0, metavar="ID", help="category id")

    sandbox = sub(
        commands,
        "sandbox",
        "serve the sandbox (a fake DAJI service) until interrupted",
        "Serve the sandbox, a faithful fake of the DAJI service, for other programs: point them at it "
        "with DAJI_BASE_URL and the sandbox's app key and secret (printed on start).",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    sandbox.add_argument("--port", type=int, default=8080, help="port to listen on; 0 picks a free one")
    sandbox.add_argument("--latency", type=float, default=0.0, metavar="SECONDS", help="seconds added to answers")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv`` (default: ``sys.argv[1:]``); exits 2 with one line on a usage error."""
    parser = build_parser()
    args = parser.parse_args(argv)
    nested = {"search": ("search_by", "keyword or image"), "bulk": ("bulk_of", "keywords or images")}
    if args.command is None:
        parser.error("choose a command: search, product, upload, bulk, categories or sandbox")
    if args.command in nested:
        dest, choices = nested[args.command]
        if getattr(args, dest) is None:
            print(
                f"daji {args.command}: error: say what to search by: {choices}; see 'daji {args.command} --help'",
                file=sys.stderr,
            )
            raise SystemExit(EXIT_USAGE)
    return args
