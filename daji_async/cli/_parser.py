"""The `daji` command line: argparse parsers (the types of their options are in `_argtypes`).

Each subcommand takes only the options that mean something to it, so its `--help` lists
just those. Options that set up the connection and the output (`--sandbox`, `--json`...)
may also be given before the subcommand, as in `daji --sandbox search keyword 连衣裙`; one
given there that the subcommand does not take is a usage error. Every parse error is one
line on stderr and exit 2.

Commands are grouped by platform: the 1688 commands sit at the top level (`daji search`,
`daji product`...). A platform added later gets a group of its own (``daji taobao search
keyword ...``) built by a function like `add_1688_commands`: each leaf parser records
its handler and its platform with `set_defaults(handler=..., platform=...)`, and
`_commands.COMMANDS` maps the handler to the coroutine that runs it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from .. import _constants as C
from .._bulk import DEFAULT_BULK_CONCURRENCY
from .._version import __version__
from ..enums import Country, Filter
from ._argtypes import (  # the option types, importable from here as before
    DEFAULT_MAX_ITEMS as DEFAULT_MAX_ITEMS,
)
from ._argtypes import (
    EXIT_USAGE as EXIT_USAGE,
)
from ._argtypes import (
    MAX_ID as MAX_ID,
)
from ._argtypes import (
    RAW_PREFIX as RAW_PREFIX,
)
from ._argtypes import (
    SORT_ALIASES as SORT_ALIASES,
)
from ._argtypes import (
    UsageError as UsageError,
)
from ._argtypes import (
    category_id as category_id,
)
from ._argtypes import (
    country as country,
)
from ._argtypes import (
    filter_list as filter_list,
)
from ._argtypes import (
    filter_names as filter_names,
)
from ._argtypes import (
    max_items as max_items,
)
from ._argtypes import (
    offer_id as offer_id,
)
from ._argtypes import (
    output_file as output_file,
)
from ._argtypes import (
    page_size as page_size,
)
from ._argtypes import (
    page_size_up_to as page_size_up_to,
)
from ._argtypes import (
    port as port,
)
from ._argtypes import (
    positive_float as positive_float,
)
from ._argtypes import (
    positive_int as positive_int,
)
from ._argtypes import (
    price as price,
)
from ._argtypes import (
    sort_mapping as sort_mapping,
)
from ._argtypes import (
    sort_spec as sort_spec,
)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line naming the problem and where to look."""

    def error(self, message: str) -> NoReturn:
        """Print `<prog>: error: <message>; see '<prog> --help'` on stderr and exit 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")


# ------------------------------------------------------------------ option families


@dataclass(frozen=True)
class Family:
    """A set of options that go together; a subcommand takes the families that apply to it."""

    name: str
    #: argparse dests of its options, with the flag that names each in an error message.
    dests: tuple[tuple[str, str], ...]


CONNECTION = Family("connection", (("sandbox", "--sandbox"), ("timeout", "--timeout"), ("rate_limit", "--rate-limit")))
COUNTRY = Family("country", (("country", "--country"),))
QUIET = Family("quiet", (("quiet", "--quiet"),))
FORMAT = Family("format", (("format", "--json/--csv/--table"),))
#: Item lists only (searches and bulk): --parquet FILE beside the stdout formats.
ITEMS = Family("items", (("parquet", "--parquet"),))

#: Families that may be given before the subcommand, as well as after it.
GLOBAL = (CONNECTION, COUNTRY, QUIET, FORMAT)

#: Every option value the commands read, and its value when not given.
DEFAULTS: dict[str, object] = {
    "sandbox": False,
    "timeout": C.DEFAULT_TIMEOUT,
    "rate_limit": None,
    "country": C.DEFAULT_COUNTRY,
    "quiet": False,
    "format": None,
    "parquet": None,
    "failed": None,
}

_FORMATS = (
    ("--json", "json", "JSON lines: one item per line, streamed as pages arrive (the default when piped)"),
    ("--csv", "csv", "CSV with a header row"),
    ("--table", "table", "a readable table (the default on a terminal)"),
)


def add_families(parser: argparse.ArgumentParser, families: Sequence[Family]) -> None:
    """Add the options of `families`; defaults are SUPPRESS (filled in by `parse_args`).

    SUPPRESS keeps a value given before the subcommand from being overwritten by the
    subcommand's default, and tells an option given from one never given.
    """
    S = argparse.SUPPRESS
    if CONNECTION in families:
        group = parser.add_argument_group("connection")
        group.add_argument(
            "--sandbox",
            action="store_true",
            default=S,
            help="run against the embedded sandbox, started in-process: no credentials, no network",
        )
        group.add_argument(
            "--timeout",
            type=positive_float,
            default=S,
            metavar="SECONDS",
            help=f"seconds per request attempt (default: {C.DEFAULT_TIMEOUT:g})",
        )
        group.add_argument(
            "--rate-limit",
            type=positive_float,
            default=S,
            metavar="N",
            help="at most N requests per second (default: no limit)",
        )
    if COUNTRY in families or QUIET in families or FORMAT in families:
        group = parser.add_argument_group("output")
        if COUNTRY in families:
            group.add_argument(
                "--country",
                type=country,
                default=S,
                metavar="LANG",
                help=f"language of translated fields: {', '.join(c.value for c in Country)} "
                f"(default: {C.DEFAULT_COUNTRY}; {RAW_PREFIX}LANG for another)",
            )
        if QUIET in families:
            group.add_argument(
                "-q",
                "--quiet",
                action="store_true",
                default=S,
                help="no progress bar and no notes on stderr (errors are still shown)",
            )
        if FORMAT in families:
            formats = group.add_mutually_exclusive_group()
            for flag, name, text in _FORMATS:
                formats.add_argument(flag, dest="format", action="store_const", const=name, default=S, help=text)
            if ITEMS in families:
                formats.add_argument(
                    "--parquet",
                    type=output_file,
                    default=S,
                    metavar="FILE",
                    help="write the items to a Parquet file (ids as strings, prices as decimals); "
                    "needs pyarrow: pip install 'daji-async[parquet]'",
                )


def add_paging(parser: argparse.ArgumentParser, largest: int, *, per_input: bool = False) -> argparse._ArgumentGroup:
    """The `search` option group with the paging controls every searching subcommand takes:
    `--max-items`, `--max-pages` and `--page-size` (1..`largest`)."""
    group = parser.add_argument_group("search")
    group.add_argument(
        "--max-items",
        type=max_items,
        default=DEFAULT_MAX_ITEMS,
        metavar="N",
        help=f"stop after N items{' (per input in bulk)' if per_input else ''}; 'all' for every result "
        "(default: %(default)s)",
    )
    group.add_argument("--max-pages", type=positive_int, metavar="N", help="stop after N pages")
    group.add_argument(
        "--page-size",
        type=page_size if largest == C.MAX_PAGE_SIZE else page_size_up_to(largest),
        metavar="N",
        help=f"items per request, {C.MIN_PAGE_SIZE}..{largest} (default: {largest}, or --max-items when smaller)",
    )
    return group


def _add_search(parser: argparse.ArgumentParser) -> None:
    """Paging, filtering and sorting options of the 1688 searching subcommands."""
    group = add_paging(parser, C.MAX_PAGE_SIZE, per_input=True)
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
        type=filter_names,
        metavar="NAME[,NAME...]",
        help="service filters, repeatable or comma-separated, e.g. "
        f"{Filter.CERTIFIED_FACTORY.value},{Filter.SHIP_IN_48_HOURS.value},{Filter.IS_ONE_PSALE.value} "
        f"({RAW_PREFIX}NAME sends a name this command does not know)",
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
    group.add_argument(
        "--failed",
        type=output_file,
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="write the inputs that failed to FILE, one per line: the input of a retry",
    )


# ------------------------------------------------------------------ parsers

EXAMPLES = """\
examples:
  daji --sandbox search keyword 连衣裙 --max-items 200    try it: no credentials, no network
  daji search keyword 手机壳 --sort price:asc --filter certifiedFactory --csv > cases.csv
  daji search image shoe.jpg --max-items 40             a local file is uploaded first
  daji product 727920485853
  daji bulk keywords keywords.txt --max-items 50 --failed retry.txt > items.jsonl
  daji categories 1031910
  daji taobao search keyword 手机壳 --max-items 30 --json
  daji poizon search --brand Nike --csv > nike.csv
  daji sandbox --port 8080                              serve the sandbox to other programs
  daji crawl worker --redis redis://host:6379/0         one of many crawl workers (daji crawl --help)

each command's --help lists the options it takes; the connection and output options may
also be given before the command.
credentials come from DAJI_APP_KEY and DAJI_APP_SECRET (and DAJI_BASE_URL, if set).
output: a table on a terminal, JSON lines when piped; --json, --csv or --table to choose.
exit status: 0 done, 1 the service or network failed, 2 usage or configuration error, 130 interrupted.
"""

Subcommands = argparse._SubParsersAction  # the type argparse gives no public name


def leaf(
    group: Subcommands[Parser],
    name: str,
    help: str,
    *,
    handler: str,
    families: Sequence[Family],
    description: str | None = None,
    platform: str = "1688",
) -> Parser:
    """A subcommand that runs `handler`, with the options of `families`."""
    child = group.add_parser(
        name, help=help, description=description or help, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_families(child, families)
    child.set_defaults(handler=handler, platform=platform, families=tuple(families), prog=child.prog)
    return child


def node(group: Subcommands[Parser], name: str, help: str, dest: str, title: str) -> Subcommands[Parser]:
    """A subcommand that only groups others (`search`, `bulk`, later `taobao`).

    Given without one of its subcommands, it is a usage error that names them.
    """
    child = group.add_parser(name, help=help, description=help)
    children = child.add_subparsers(title=title, dest=dest, metavar=title.upper(), parser_class=Parser)
    child.set_defaults(prog=child.prog, children=children)
    return children


def add_1688_commands(commands: Subcommands[Parser]) -> None:
    """The 1688 commands: search, product, upload, bulk, categories."""
    searching = (CONNECTION, COUNTRY, QUIET, FORMAT, ITEMS)
    searches = node(commands, "search", "search offers by keyword or by image", "search_by", "by")
    keyword = leaf(
        searches,
        "keyword",
        "search offers by keyword",
        handler="search",
        families=searching,
        description="Search offers by keyword. The service matches Chinese keywords (连衣裙, 手机壳...).",
    )
    keyword.add_argument("text", metavar="TEXT", help="the keyword, in Chinese")
    _add_search(keyword)
    image = leaf(
        searches,
        "image",
        "search offers by image",
        handler="search",
        families=searching,
        description="Search offers by image: a 1688 image URL, a local JPG/PNG/WEBP file (uploaded first), "
        "or an image id from 'daji upload'.",
    )
    image.add_argument("image", metavar="URL_OR_FILE", help="image URL, local image file, or image id")
    image.add_argument("--region", metavar="X1,X2,Y1,Y2", help="search this part of the image (see the notes)")
    _add_search(image)

    product = leaf(
        commands,
        "product",
        "show one offer: prices, SKUs, shipping, seller",
        handler="product",
        families=(CONNECTION, COUNTRY, FORMAT),
    )
    product.add_argument("offer_id", type=offer_id, metavar="OFFER_ID", help="offer id, or a 1688 offer link")

    upload = leaf(
        commands,
        "upload",
        "upload an image; prints its image id for 'daji search image'",
        handler="upload",
        families=(CONNECTION, QUIET, FORMAT),
        description="Upload an image: a local JPG, PNG or WEBP file of at most 3 MB ('-' reads standard "
        "input), or the http(s) URL of a picture, which the service fetches itself. Prints the image id "
        "for 'daji search image'.",
    )
    upload.add_argument("file", metavar="FILE_OR_URL", help="an image file, '-' for standard input, or an image URL")

    bulks = node(commands, "bulk", "search many keywords or images at once", "bulk_of", "of")
    from ._pictures import add_bulk_input  # it imports this module: import on use

    for name, what in (("keywords", "one keyword per line"), ("images", "one picture, URL or image id per line")):
        child = leaf(
            bulks,
            name,
            f"search every input of FILE ({what})",
            handler="bulk",
            families=searching,
            description=f"Search every input of FILE ({what}; blank lines are skipped). '-' reads standard "
            "input. Inputs are read as the work goes, so FILE may be of any length. Every output row names "
            "the input it answers ('query'). A failed input is reported on stderr (and written to --failed "
            "FILE) and the others go on; the exit status is then 1.",
        )
        add_bulk_input(child, name)
        _add_search(child)
        _add_bulk(child)

    categories = leaf(
        commands,
        "categories",
        "show a category and its children (the root when no ID)",
        handler="categories",
        families=(CONNECTION, FORMAT),
    )
    categories.add_argument("category_id", type=category_id, nargs="?", default=0, metavar="ID", help="category id")


def build_parser() -> Parser:
    """The whole `daji` parser; `args.handler` names the coroutine to run."""
    parser = Parser(
        prog="daji",
        description="Search 1688.com, Taobao/Tmall and Poizon through the DAJI open API from the terminal.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"daji {__version__}")
    add_families(parser, GLOBAL)
    commands = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND", parser_class=Parser)
    add_1688_commands(commands)
    from ._platforms import add_platform_commands  # its handlers import this module: import on use

    add_platform_commands(commands)
    from ._crawl import add_crawl_commands

    add_crawl_commands(commands)

    sandbox = leaf(
        commands,
        "sandbox",
        "serve the sandbox (a fake DAJI service) until interrupted",
        handler="sandbox",
        families=(),
        platform="",
        description="Serve the sandbox, a faithful fake of the DAJI service, for other programs: point them at "
        "it with DAJI_BASE_URL and the sandbox's app key and secret (printed on start).",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    sandbox.add_argument("--port", type=port, default=8080, help="port to listen on; 0 picks a free one")
    sandbox.add_argument("--latency", type=float, default=0.0, metavar="SECONDS", help="seconds added to answers")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse `argv` (default: `sys.argv[1:]`); exits 2 with one line on a usage error."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error(
            "choose a command: search, product, upload, bulk, categories, taobao, poizon, call, crawl or sandbox"
        )
    prog = args.prog
    if not hasattr(args, "handler"):  # a group (``daji search``) without one of its commands
        _fail(prog, f"choose one of {' or '.join(args.children.choices)}")
    # an option given before the subcommand that the subcommand does not take
    for family in GLOBAL:
        if family not in args.families:
            for dest, flag in family.dests:
                if hasattr(args, dest):
                    _fail(prog, f"{flag} does not apply to this command")
    if getattr(args, "parquet", None) is not None and getattr(args, "format", None) is not None:
        _fail(prog, "--parquet writes a file instead of the output on stdout: drop --json, --csv or --table")
    for dest, value in DEFAULTS.items():
        if not hasattr(args, dest):
            setattr(args, dest, value)
    return args


def _fail(prog: str, message: str) -> NoReturn:
    print(f"{prog}: error: {message}; see '{prog} --help'", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)
