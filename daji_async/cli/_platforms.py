"""The `daji taobao ...` and `daji poizon ...` commands: parsers, handlers and their output.

```python
daji --sandbox taobao search keyword 手机壳 --max-items 30 --json
daji taobao search image shoe.jpg              a local file is uploaded first (V1.0 by image id)
daji taobao search image https://img.alicdn.com/a.jpg --category 4     V2.0 by picture URL
daji taobao detail 703446760426
daji taobao upload bag.jpg
daji poizon search --brand Nike --max-items 200 --csv > nike.csv
daji poizon detail 1070990
```

Output is the same as the 1688 commands': JSON lines of the service's own objects (streamed
page by page), CSV with a header from the model (nested fields as dotted columns), or a
table on a terminal; progress on stderr; exit 0, 1 (service or network), 2 (usage), 130.
Prices are shown as the service sends them: Taobao and Poizon count in **fen**.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import msgspec.inspect
from rich import box
from rich.table import Table

from .. import _constants as C
from .._client import DajiClient
from .._pagination import Paginator
from ..models.orders import fen_to_yuan
from ..models.poizon import PoizonAddress, PoizonSpu, PoizonSpuDetail
from ..models.taobao import TaobaoItem, TaobaoItemDetail
from ..resources.poizon import new_request_id
from ._commands import (
    Command,
    arguments_checked_by_the_sdk,
    image_source,
    is_url,
    open_client,
    read_stdin_image,
    require_file,
)
from ._derived import add_derived_commands
from ._offers import COMMANDS as OFFERS_COMMANDS
from ._offers import add_offers_command
from ._output import Format, Sink, csv_text, flat_row, safe_text, stdout_console, struct_columns, write_upload
from ._parser import (
    CONNECTION,
    COUNTRY,
    FORMAT,
    QUIET,
    Parser,
    Subcommands,
    UsageError,
    add_paging,
    category_id,
    leaf,
    node,
)
from ._progress import Messages, ProgressBar

__all__ = ["COMMANDS", "add_platform_commands"]

_encoder = msgspec.json.Encoder()


# ------------------------------------------------------------------ option types


def platform_id(text: str) -> int:
    """A positive numeric id (item id, SPU id) in plain ASCII digits."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or int(value) < 1 or int(value) > 2**63 - 1:
        raise argparse.ArgumentTypeError(f"expected an id (a positive number), got {text!r}")
    return int(value)


# ------------------------------------------------------------------ parsers


def add_platform_commands(commands: Subcommands[Parser]) -> None:
    """`daji taobao {search keyword|search image|detail|upload}` and `daji poizon {search|detail}`."""
    searching = (CONNECTION, COUNTRY, QUIET, FORMAT)
    taobao = node(commands, "taobao", "Taobao/Tmall: search, item detail, image upload", "taobao_command", "command")
    searches = node(taobao, "search", "search Taobao/Tmall items by keyword or by image", "search_by", "by")
    keyword = leaf(
        searches,
        "keyword",
        "search Taobao/Tmall items by keyword",
        handler="taobao_search",
        families=searching,
        platform="taobao",
        description="Search Taobao/Tmall items by keyword (20 a page at most). Prices are in fen.",
    )
    keyword.add_argument("text", metavar="TEXT", help="the keyword, e.g. 手机壳")
    group = add_paging(keyword, C.TAOBAO_MAX_PAGE_SIZE)
    group.add_argument("--sort", metavar="SORT", help="the service's sort value, sent as given (e.g. price_asc)")
    group.add_argument("--filter", action="append", metavar="NAME", help="a service filter, sent as given; repeatable")
    image = leaf(
        searches,
        "image",
        "search Taobao/Tmall items by image",
        handler="taobao_search",
        families=searching,
        platform="taobao",
        description="Search Taobao/Tmall items by image: a picture URL (image search V2.0), a local "
        "JPG/PNG/WEBP file (uploaded first, then image search V1.0 by its id), or an image id from "
        "'daji taobao upload'.",
    )
    image.add_argument("image", metavar="URL_OR_FILE", help="picture URL, local image file, or image id")
    group = add_paging(image, C.TAOBAO_MAX_PAGE_SIZE)
    group.add_argument(
        "--category", type=category_id, metavar="ID", help="V2.0 (URL) only: 0 Tops ... 4 Shoes ... 88888888 Others"
    )
    group.add_argument("--crop", action="store_true", default=None, help="V2.0 (URL) only: crop to the main subject")

    detail = leaf(
        taobao,
        "detail",
        "show one Taobao/Tmall item: SKUs and prices (fen)",
        handler="taobao_detail",
        families=(CONNECTION, COUNTRY, FORMAT),
        platform="taobao",
    )
    detail.add_argument("item_id", type=platform_id, metavar="ITEM_ID", help="the Taobao/Tmall item id")

    upload = leaf(
        taobao,
        "upload",
        "upload an image; prints its image id for 'daji taobao search image'",
        handler="taobao_upload",
        families=(CONNECTION, QUIET, FORMAT),
        platform="taobao",
        description="Upload an image for Taobao image search: a local JPG, PNG or WEBP file of at most 3 MB "
        "('-' reads standard input), or an http(s) picture URL the service fetches itself.",
    )
    upload.add_argument("file", metavar="FILE_OR_URL", help="an image file, '-' for standard input, or a URL")

    poizon = node(commands, "poizon", "Poizon (得物): product search and detail", "poizon_command", "command")
    search = leaf(
        poizon,
        "search",
        "search Poizon products by brand and/or title",
        handler="poizon_search",
        families=(CONNECTION, QUIET, FORMAT),
        platform="poizon",
        description="Search Poizon products (SPUs) by brand and/or title; pages follow the service's "
        "startId cursor to the end (or --max-items). Prices are in fen.",
    )
    search.add_argument("--brand", metavar="NAME", help="brand name, e.g. Nike")
    search.add_argument("--title", metavar="TEXT", help="words of the product title")
    add_paging(search, C.POIZON_MAX_PAGE_SIZE)
    spu = leaf(
        poizon,
        "detail",
        "show one Poizon product: SKUs and prices (fen)",
        handler="poizon_detail",
        families=(CONNECTION, FORMAT),
        platform="poizon",
    )
    spu.add_argument("spu_id", type=platform_id, metavar="SPU_ID", help="the product's dwSpuId")
    leaf(
        poizon,
        "balance",
        "show the prepaid balance Poizon orders are paid from",
        handler="poizon_balance",
        families=(CONNECTION, FORMAT),
        platform="poizon",
    )
    orders = node(poizon, "order", "Poizon orders: create & pay, query", "poizon_order", "action")
    create = leaf(
        orders,
        "create",
        "create a Poizon order and pay it from the prepaid balance (sent once, never retried)",
        handler="poizon_order_create",
        families=(CONNECTION, QUIET, FORMAT),
        platform="poizon",
        description="Create an order for one SKU and pay it at once from the prepaid balance "
        "(POST /poizon/order/createOrder). The --request-id is the idempotency key: give your own, or "
        "one is generated and printed before anything is sent; after an unknown outcome, query it or "
        "create again with the same id, never a new one. The price is per unit, in fen.",
    )
    create.add_argument("--spu", type=platform_id, required=True, metavar="ID", help="the product's dwSpuId")
    create.add_argument("--sku", type=platform_id, required=True, metavar="ID", help="the SKU's dwSkuId")
    create.add_argument("--price", type=platform_id, required=True, metavar="FEN", help="unit price in fen")
    create.add_argument("--quantity", type=platform_id, default=1, metavar="N", help="units (default 1)")
    create.add_argument("--request-id", metavar="ID", help="the idempotency key (generated when left out)")
    for flag, text_help in (
        ("--name", "recipient's name"),
        ("--phone", "recipient's phone"),
        ("--province", "province, e.g. 上海"),
        ("--city", "city, e.g. 上海市"),
        ("--district", "district, e.g. 闵行区"),
        ("--address", "street address (detailAddress)"),
    ):
        create.add_argument(flag, required=True, metavar="TEXT", help=text_help)
    create.add_argument("--email", metavar="TEXT", help="recipient's email (optional)")
    query = leaf(
        orders,
        "get",
        "show a Poizon order by its request id or distOrderNo",
        handler="poizon_order_get",
        families=(CONNECTION, FORMAT),
        platform="poizon",
    )
    which = query.add_mutually_exclusive_group(required=True)
    which.add_argument("--request-id", metavar="ID", help="the requestId create carried")
    which.add_argument("--dist-order-no", metavar="NO", help="the order's distOrderNo")
    add_derived_commands(commands)
    add_offers_command(commands)  # ``daji offers``: every platform at once (cli/_offers.py)


# ------------------------------------------------------------------ output

#: The table columns of each item type: header, attribute, right-aligned.
_TABLE_COLUMNS: dict[type[msgspec.Struct], list[tuple[str, str, bool]]] = {
    TaobaoItem: [
        ("Item ID", "item_id", False),
        ("Title", "title", False),
        ("Price ¥", "price", True),
        ("Sales", "sales", True),
        ("Shop", "shop_name", False),
    ],
    PoizonSpu: [
        ("SPU ID", "dw_spu_id", False),
        ("Title", "title", False),
        ("Brand", "brand_name", False),
        ("Article", "article_number", False),
        ("From ¥", "min_price", True),
    ],
}
_FEN = {"price", "min_price", "promotion_price"}


#: Columns a derived table shows when the model has no columns of its own above.
DERIVED_TABLE_WIDTH = 6


def table_columns(kind: type[msgspec.Struct]) -> list[tuple[str, str, bool]]:
    """A table's columns read from an item model: its first plain (text or number) fields."""
    columns: list[tuple[str, str, bool]] = []
    info = msgspec.inspect.type_info(kind)
    assert isinstance(info, msgspec.inspect.StructType), kind
    for field in info.fields:
        inner = field.type
        if isinstance(inner, msgspec.inspect.UnionType):
            inner = next((t for t in inner.types if not isinstance(t, msgspec.inspect.NoneType)), inner)
        if isinstance(inner, (msgspec.inspect.StrType, msgspec.inspect.IntType, msgspec.inspect.FloatType)):
            numeric = not isinstance(inner, msgspec.inspect.StrType)
            columns.append((field.name.replace("_", " ").capitalize(), field.name, numeric))
        if len(columns) == DERIVED_TABLE_WIDTH:
            break
    return columns


def _shown(attribute: str, value: Any) -> str:
    if value is None:
        return ""
    if attribute in _FEN and isinstance(value, int):
        return str(fen_to_yuan(value))  # a table is for people: yuan; JSON and CSV keep the wire's fen
    return str(value)


class RecordsOutput:
    """Items of one platform in the chosen format: JSON lines and CSV streamed, the table at the end."""

    def __init__(self, fmt: Format, kind: type[msgspec.Struct], sink: Sink | None = None) -> None:
        self.fmt = fmt
        self.kind = kind
        self.sink = sink or Sink()
        self.count = 0
        self.columns = struct_columns(kind)
        self._rows: list[msgspec.Struct] = []
        if fmt == "csv":
            self.sink.write(csv_text([[".".join(path) for path in self.columns]]))

    def write(self, items: Sequence[msgspec.Struct]) -> None:
        """Output one page of items."""
        self.count += len(items)
        if not items:
            return
        if self.fmt == "json":
            self.sink.write(_encoder.encode_lines(items))
        elif self.fmt == "csv":
            self.sink.write(csv_text(flat_row(item, self.columns) for item in items))
        else:
            self._rows.extend(items)

    def finish(self) -> None:
        """Print the table (table format only, when there is a row)."""
        if self.fmt != "table" or not self._rows:
            return
        rows, self._rows = self._rows, []
        table = Table(box=box.SIMPLE_HEAD, header_style="bold")
        spec = _TABLE_COLUMNS.get(self.kind) or table_columns(self.kind)
        for header, _, right in spec:
            table.add_column(header, justify="right" if right else "left", overflow="fold")
        for row in rows:
            table.add_row(*(safe_text(_shown(attr, getattr(row, attr))) for _, attr, _ in spec))
        stdout_console().print(table)


def write_record_detail(fmt: Format, detail: TaobaoItemDetail | PoizonSpuDetail, sink: Sink | None = None) -> None:
    """One item's detail: a JSON line, CSV rows (one per SKU, the item's fields first), or tables."""
    sink = sink or Sink()
    if fmt == "json":
        sink.write(_encoder.encode(detail) + b"\n")
        return
    skus: Sequence[msgspec.Struct] = detail.skus
    if fmt == "csv":
        sku_type = type(skus[0]) if skus else None
        head = ["id", "title"]
        sku_columns = struct_columns(sku_type) if sku_type is not None else []
        ident = str(detail.item_id if isinstance(detail, TaobaoItemDetail) else detail.dw_spu_id)
        rows = [[ident, detail.title or "", *flat_row(sku, sku_columns)] for sku in skus] or [
            [ident, detail.title or ""]
        ]
        sink.write(csv_text([[*head, *(".".join(p) for p in sku_columns)], *rows]))
        return
    console = stdout_console()
    sheet = Table.grid(padding=(0, 2))
    sheet.add_column(style="bold")
    sheet.add_column()
    for name in ("item_id", "dw_spu_id", "title", "brand_name", "shop_name", "category_name", "price"):
        if hasattr(detail, name) and getattr(detail, name) is not None:
            sheet.add_row(name.replace("_", " ").capitalize(), safe_text(_shown(name, getattr(detail, name))))
    console.print(sheet)
    if skus:
        table = Table(box=box.SIMPLE_HEAD, header_style="bold")
        for header in ("SKU", "Properties", "Price ¥"):
            table.add_column(header, justify="right" if header.startswith("Price") else "left")
        for sku in skus:
            sku_id = getattr(sku, "sku_id", None) or getattr(sku, "dw_sku_id", None)
            table.add_row(
                safe_text(str(sku_id)),
                safe_text(getattr(sku, "properties", None) or ""),
                safe_text(_shown("price", getattr(sku, "price", None))),
            )
        console.print(table)


# ------------------------------------------------------------------ commands


def _paging(args: argparse.Namespace, largest: int) -> dict[str, Any]:
    wanted = args.max_items if args.max_items is not None else largest
    return {
        "page_size": args.page_size or min(largest, wanted),
        "max_items": args.max_items,
        "max_pages": args.max_pages,
    }


async def _walk(
    paginator: Paginator[Any, Any], out: RecordsOutput, messages: Messages, label: str, items_of: str = "items"
) -> None:
    """Stream every page of `paginator` to `out`, with a progress bar and a closing note."""
    started = time.perf_counter()
    total: int | None = None
    try:
        with ProgressBar(messages, label, unit="pages") as bar:
            pages = paginator.pages()
            try:
                async for page in pages:
                    if total is None:
                        total = getattr(page, "total_count", None) or getattr(page, "total", None)
                        if total is not None and paginator.max_items is not None:
                            bar.total(-(-min(total, paginator.max_items) // paginator.page_size) or 1)
                    found = getattr(page, items_of)
                    out.write(found)
                    bar.advance(items=len(found))
            finally:
                await pages.aclose()
    except BaseException:
        out.finish()  # show what arrived before the failure or the interrupt
        raise
    out.finish()
    if out.count == 0:
        messages.note(f"no results for {label}")
        return
    pages_fetched = paginator.pages_fetched
    of = f" of {total:,}" if total is not None else ""
    messages.note(
        f"{out.count:,}{of} results for {label} · {pages_fetched} page{'s' * (pages_fetched != 1)} · "
        f"{time.perf_counter() - started:.2f} s"
    )


async def _upload(client: DajiClient, file: str) -> str:
    if is_url(file):
        with arguments_checked_by_the_sdk():
            return await client.taobao.products.upload_image(url=file)
    image: Path | bytes = await read_stdin_image() if file == "-" else Path(file)
    try:
        with arguments_checked_by_the_sdk():
            return await client.taobao.products.upload_image(image)
    except OSError as exc:
        raise UsageError(f"{file}: {exc.strerror or exc}") from None
    except UsageError as exc:
        raise UsageError(f"{'standard input' if file == '-' else file}: {exc}") from None


async def taobao_search(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji taobao search keyword TEXT` / `daji taobao search image URL_OR_FILE`."""
    paging = _paging(args, C.TAOBAO_MAX_PAGE_SIZE)
    by_image = args.search_by == "image"
    if not by_image and not args.text.strip():
        raise UsageError("the keyword is empty")
    source = image_source(args.image) if by_image else ("keyword", args.text)
    if by_image and source[0] != "url" and (args.category is not None or args.crop):
        raise UsageError("--category and --crop apply to a picture URL (image search V2.0) only")
    out = RecordsOutput(fmt, TaobaoItem)
    async with open_client(args) as client:
        products = client.taobao.products
        paginator: Paginator[Any, TaobaoItem]
        if by_image:
            kind, value = source
            if kind == "file":
                value = await _upload(client, source[1])
                messages.note(f"uploaded {source[1]}: image id {value}")
            with arguments_checked_by_the_sdk():
                if kind == "url":
                    paginator = products.image_search(
                        image_url=value, category_id=args.category, crop=args.crop, **paging
                    )
                else:
                    paginator = products.image_search(value, **paging)
        else:
            with arguments_checked_by_the_sdk():
                paginator = products.keyword_search(args.text, sort=args.sort, filter=args.filter, **paging)
        await _walk(paginator, out, messages, source[1])
    return 0


async def taobao_detail(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji taobao detail ITEM_ID`."""
    async with open_client(args) as client:
        detail = await client.taobao.products.detail(args.item_id)
    write_record_detail(fmt, detail)
    return 0


async def taobao_upload(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji taobao upload FILE_OR_URL`: prints the image id."""
    if not is_url(args.file) and args.file != "-":
        require_file(args.file)
    async with open_client(args) as client:
        image_id = await _upload(client, args.file)
    write_upload(fmt, args.file, image_id)
    messages.note(f"search it with: daji taobao search image {image_id}")
    return 0


async def poizon_search(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji poizon search [--brand NAME] [--title TEXT]`."""
    if not (args.brand or args.title):
        raise UsageError("give --brand and/or --title")
    out = RecordsOutput(fmt, PoizonSpu)
    label = " ".join(x for x in (args.brand, args.title) if x)
    async with open_client(args) as client:
        with arguments_checked_by_the_sdk():
            paginator = client.poizon.products.search(
                brand=args.brand, title=args.title, **_paging(args, C.POIZON_MAX_PAGE_SIZE)
            )
        await _walk(paginator, out, messages, label)
    return 0


async def poizon_detail(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji poizon detail SPU_ID`."""
    async with open_client(args) as client:
        detail = await client.poizon.products.detail(args.spu_id)
    write_record_detail(fmt, detail)
    return 0


def write_object(fmt: Format, value: msgspec.Struct, sink: Sink | None = None) -> None:
    """One answer object: a JSON line, a CSV header and row, or a two-column sheet of its set fields."""
    sink = sink or Sink()
    if fmt == "json":
        sink.write(_encoder.encode(value) + b"\n")
        return
    columns = struct_columns(type(value))
    if fmt == "csv":
        sink.write(csv_text([[".".join(path) for path in columns], flat_row(value, columns)]))
        return
    sheet = Table.grid(padding=(0, 2))
    sheet.add_column(style="bold")
    sheet.add_column()
    for path, cell in zip(columns, flat_row(value, columns), strict=True):
        if cell not in ("", None):
            sheet.add_row(safe_text(".".join(path)), safe_text(str(cell)))
    stdout_console().print(sheet)


async def poizon_balance(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji poizon balance`."""
    async with open_client(args) as client:
        balance = await client.poizon.balance()
    write_object(fmt, balance)
    return 0


async def poizon_order_create(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji poizon order create --spu ID --sku ID --price FEN ...`: sent once."""
    request_id = args.request_id or new_request_id()
    address = PoizonAddress(
        name=args.name, phone=args.phone, province=args.province, city=args.city, district=args.district,
        detail_address=args.address, email=args.email,
    )  # fmt: skip
    if args.request_id is None:  # a generated key is printed before sending: after a lost answer it finds the order
        messages.warn(f"requestId {request_id} (keep it: after a lost answer it finds this order)")
    async with open_client(args) as client:
        with arguments_checked_by_the_sdk():
            call = client.poizon.orders.create(
                spu_id=args.spu, sku_id=args.sku, price=args.price, quantity=args.quantity,
                shipping_address=address, request_id=request_id,
            )  # fmt: skip
            order = await call
    write_object(fmt, order)
    return 0


async def poizon_order_get(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji poizon order get --request-id ID | --dist-order-no NO`."""
    async with open_client(args) as client:
        with arguments_checked_by_the_sdk():
            call = client.poizon.orders.get(request_id=args.request_id, dist_order_no=args.dist_order_no)
            order = await call
    write_object(fmt, order)
    return 0


#: What each platform leaf's `handler` runs.
COMMANDS: dict[str, Command] = {
    "taobao_search": taobao_search,
    "taobao_detail": taobao_detail,
    "taobao_upload": taobao_upload,
    "poizon_search": poizon_search,
    "poizon_detail": poizon_detail,
    "poizon_balance": poizon_balance,
    "poizon_order_create": poizon_order_create,
    "poizon_order_get": poizon_order_get,
    **OFFERS_COMMANDS,
}
