"""`daji offers KEYWORD`: one search over 1688, Taobao/Tmall and Poizon, in one set of columns.

```python
daji --sandbox offers 手机壳 --max-items 10 --json
daji offers 连衣裙 --platforms 1688,taobao --sort price --csv > dresses.csv
daji offers 手机壳 --max-items all --parquet cases.parquet
```

Every row has the same keys whatever its platform (`platform`, `id`, `title`, `price`,
`currency`, `image_url`, `url`, `shop_name`, `sales`), snake_case in JSON and CSV,
prices in **yuan** (exact: decimal text in JSON and CSV, `decimal(18, 4)` in Parquet). Rows
stream as pages arrive, unless `--sort` asks for them sorted (then they come at the end).
A platform that fails is reported on stderr, the others' rows are still printed, and the
exit status is 1.
"""

from __future__ import annotations

import argparse
import difflib
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import msgspec
from rich import box
from rich.table import Table

from .._errors import DajiError
from ..models.offer import PLATFORMS, Offer, Platform
from ..resources.offers import PlatformFailure
from ._commands import Command, arguments_checked_by_the_sdk, describe, open_client
from ._output import (
    PRICE_PRECISION,
    PRICE_SCALE,
    Format,
    Sink,
    csv_text,
    load_pyarrow,
    safe_text,
    stdout_console,
)
from ._parser import (
    CONNECTION,
    COUNTRY,
    DEFAULT_MAX_ITEMS,
    FORMAT,
    ITEMS,
    QUIET,
    Parser,
    Subcommands,
    UsageError,
    leaf,
    max_items,
)
from ._progress import Messages, ProgressBar

__all__ = ["COLUMNS", "COMMANDS", "add_offers_command", "offer_row"]

#: The columns of every row, whatever the platform (`raw`, the platform's own item, is left out).
COLUMNS = ("platform", "id", "title", "price", "currency", "image_url", "url", "shop_name", "sales")
#: What `--sort` takes; `-` before a key sorts descending.
SORT_KEYS = ("price", "sales", "title", "platform")

_encoder = msgspec.json.Encoder()


# ------------------------------------------------------------------ options


def platform_list(text: str) -> tuple[Platform, ...]:
    """`--platforms 1688,taobao`: platforms, comma-separated, each known and given once."""
    chosen: list[Platform] = []
    for name in (part.strip().lower() for part in text.split(",")):
        known = next((p for p in PLATFORMS if p == name), None)
        if known is None:
            close = difflib.get_close_matches(name, PLATFORMS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise argparse.ArgumentTypeError(f"unknown platform {name!r}{hint}: choose among {', '.join(PLATFORMS)}")
        if known not in chosen:
            chosen.append(known)
    return tuple(chosen)


def sort_key(text: str) -> str:
    """`--sort price` (ascending), `--sort=-price` or `--sort price:desc` (descending).

    The key is one of `SORT_KEYS`; the result is `key` or `-key`.
    """
    name, _, order = text.strip().lower().partition(":")
    descending = name.startswith("-")
    name = name.removeprefix("-")
    if name not in SORT_KEYS or order not in ("", "asc", "desc") or (descending and order):
        keys = ", ".join(SORT_KEYS)
        raise argparse.ArgumentTypeError(f"unknown sort {text!r}: one of {keys}, as KEY, KEY:desc or -KEY")
    return f"-{name}" if descending or order == "desc" else name


def add_offers_command(commands: Subcommands[Parser]) -> None:
    """`daji offers KEYWORD [--platforms ...] [--max-items N] [--sort KEY]`."""
    command = leaf(
        commands,
        "offers",
        "search 1688, Taobao/Tmall and Poizon at once: one set of columns, prices in yuan",
        handler="offers",
        families=(CONNECTION, COUNTRY, QUIET, FORMAT, ITEMS),
        platform="",
        description="Search every platform for KEYWORD at once and print the offers in one set of columns "
        f"({', '.join(COLUMNS)}), prices in yuan. Rows stream as pages arrive unless --sort is given. A "
        "platform that fails is reported on stderr and the others' offers are still printed (exit status 1).",
    )
    command.add_argument("keyword", metavar="KEYWORD", nargs="?", help="the keyword, in Chinese (手机壳, 连衣裙...)")
    group = command.add_argument_group("offers")
    group.add_argument(
        "--image",
        metavar="PICTURE",
        help="search 1688 and Taobao by a picture instead of KEYWORD: a local JPG/PNG/WEBP file, a URL or an image id",
    )
    group.add_argument(
        "--platforms",
        type=platform_list,
        default=PLATFORMS,
        metavar="P[,P...]",
        help=f"platforms to search, comma-separated (default: {','.join(PLATFORMS)})",
    )
    group.add_argument(
        "--max-items",
        type=max_items,
        default=DEFAULT_MAX_ITEMS,
        metavar="N",
        help="stop after N offers per platform; 'all' for every result (default: %(default)s)",
    )
    group.add_argument(
        "--sort",
        type=sort_key,
        metavar="KEY",
        help="sort the rows by price, sales, title or platform: KEY ascending, KEY:desc or --sort=-KEY "
        "descending (rows without a value last)",
    )


# ------------------------------------------------------------------ output


def offer_row(offer: Offer) -> dict[str, Any]:
    """One offer as a row of `COLUMNS` (the price as exact decimal text, or None)."""
    return {
        "platform": offer.platform,
        "id": offer.id,
        "title": offer.title,
        "price": None if offer.price is None else str(offer.price),
        "currency": offer.currency,
        "image_url": offer.image_url,
        "url": offer.url,
        "shop_name": offer.shop_name,
        "sales": offer.sales,
    }


def sorted_offers(offers: Sequence[Offer], key: str) -> list[Offer]:
    """`offers` sorted by `key` (`-key`: descending); offers without a value come last either way."""
    name = key.lstrip("-")
    descending = key.startswith("-")
    present = [o for o in offers if getattr(o, name) is not None]
    missing = [o for o in offers if getattr(o, name) is None]
    return sorted(present, key=lambda o: getattr(o, name), reverse=descending) + missing


class OffersOutput:
    """Offers as JSON lines, CSV, a table or a Parquet file; streamed except for the table and Parquet."""

    def __init__(self, fmt: Format, *, parquet: str | None = None, sink: Sink | None = None) -> None:
        self.fmt = fmt
        self.sink = sink or Sink()
        self.count = 0
        self._rows: list[Offer] = []
        self._parquet = parquet
        if parquet is not None:
            self._pa, self._pq = load_pyarrow()
        elif fmt == "csv":
            self.sink.write(csv_text([list(COLUMNS)]))

    def write(self, offers: Sequence[Offer]) -> None:
        """Output offers (kept for the end: the table, and Parquet, which is written once)."""
        self.count += len(offers)
        if not offers:
            return
        if self._parquet is None and self.fmt == "json":
            self.sink.write(b"".join(_encoder.encode(offer_row(o)) + b"\n" for o in offers))
        elif self._parquet is None and self.fmt == "csv":
            self.sink.write(csv_text([_cell(offer_row(o)[c]) for c in COLUMNS] for o in offers))
        else:
            self._rows.extend(offers)

    def finish(self) -> None:
        """Write the Parquet file or print the table (what was kept); idempotent."""
        rows, self._rows = self._rows, []
        if self._parquet is not None:
            path, self._parquet = self._parquet, None
            self._write_parquet(path, rows)
        elif self.fmt == "table" and rows:
            stdout_console().print(offers_table(rows))

    def _write_parquet(self, path: str, rows: Sequence[Offer]) -> None:
        pa, pq = self._pa, self._pq
        price = pa.decimal128(PRICE_PRECISION, PRICE_SCALE)
        quantum = Decimal(1).scaleb(-PRICE_SCALE)
        schema = pa.schema(
            [
                pa.field(name, price if name == "price" else pa.int64() if name == "sales" else pa.string())
                for name in COLUMNS
            ]
        )
        columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
        for offer in rows:
            for name in COLUMNS:
                value = getattr(offer, name)
                if name == "price" and value is not None:
                    value = value.quantize(quantum)
                columns[name].append(value)
        table = pa.Table.from_arrays([pa.array(columns[f.name], type=f.type) for f in schema], schema=schema)
        try:
            pq.write_table(table, path)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def offers_table(rows: Sequence[Offer]) -> Table:
    """Offers as a table: platform, id, title, price in yuan, sales, shop."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("Platform", style="magenta", no_wrap=True)
    table.add_column("ID", style="cyan", no_wrap=True)
    table.add_column("Title", min_width=12)
    table.add_column("Price ¥", justify="right", style="green", no_wrap=True)
    table.add_column("Sales", justify="right", no_wrap=True)
    table.add_column("Shop", overflow="ellipsis", max_width=20)
    for offer in rows:
        table.add_row(
            safe_text(offer.platform),
            safe_text(offer.id),
            safe_text(offer.title or "", no_wrap=True, overflow="ellipsis"),
            safe_text(_cell(offer.price)),
            safe_text("" if offer.sales is None else f"{offer.sales:,}"),
            safe_text(offer.shop_name or ""),
        )
    return table


# ------------------------------------------------------------------ the command


async def offers(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji offers KEYWORD` / `daji offers --image PICTURE`."""
    if (args.keyword is None) == (args.image is None):
        raise UsageError("give KEYWORD or --image PICTURE (one of them)")
    keyword = (args.keyword or args.image).strip()
    if not keyword:
        raise UsageError("the keyword is empty")
    if args.image is not None:
        picture = await picture_argument(args)  # read once: a bad file is a usage error
    out = OffersOutput(fmt, parquet=args.parquet)
    kept: list[Offer] = []
    failures: list[PlatformFailure] = []
    counts = dict.fromkeys(args.platforms, 0)
    started = time.perf_counter()
    async with open_client(args) as client:
        with arguments_checked_by_the_sdk():
            if args.image is not None:
                # Poizon has no image search: not asked for, it is left out, not an error
                platforms: tuple[Platform, ...] = ("1688", "taobao") if args.platforms == PLATFORMS else args.platforms
                counts = dict.fromkeys(platforms, 0)
                search = client.offers.image_search(
                    picture, platforms=platforms, max_items=args.max_items, return_exceptions=True
                )
            else:
                search = client.offers.keyword_search(
                    keyword, platforms=args.platforms, max_items=args.max_items, return_exceptions=True
                )
        try:
            with ProgressBar(messages, keyword, unit="offers") as bar:
                async for found in search:
                    if isinstance(found, PlatformFailure):
                        failures.append(found)
                        messages.error(f"daji: {found.platform} failed: {_reason(found.error)}")
                        continue
                    counts[found.platform] += 1
                    if args.sort:
                        kept.append(found)
                    else:
                        out.write([found])
                    bar.advance(items=1)
        except BaseException:
            out.write(sorted_offers(kept, args.sort) if args.sort else [])
            out.finish()  # what arrived before an interrupt is still shown (or kept in the file)
            raise
        finally:
            await search.aclose()
    if args.sort:
        out.write(sorted_offers(kept, args.sort))
    out.finish()
    per_platform = ", ".join(f"{platform} {count:,}" for platform, count in counts.items())
    messages.note(f"{out.count:,} offers for {keyword} ({per_platform}) · {time.perf_counter() - started:.2f} s")
    if failures:
        failed = ", ".join(f.platform for f in failures)
        messages.error(f"daji: {len(failures)} of {len(counts)} platforms failed ({failed}); the others' offers shown")
        return 1
    return 0


async def picture_argument(args: argparse.Namespace) -> Any:
    """`--image`'s picture: a file read (and checked) once, or the URL or image id as given."""
    from .._offers_pictures import load_picture

    try:
        return await load_picture(args.image)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"--image: {exc}") from None


def _reason(error: Exception) -> str:
    return describe(error) if isinstance(error, DajiError) else f"{type(error).__name__}: {error}"


#: What the `offers` leaf's `handler` runs.
COMMANDS: dict[str, Command] = {"offers": offers}
