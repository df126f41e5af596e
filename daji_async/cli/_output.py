"""What `daji` prints on stdout: JSON lines, CSV, or a table.

- `json`: one JSON object per line, encoded by msgspec with the service's own field names
  (`offerId`, `subjectTrans`, `priceInfo`...), written and flushed page by page.
  Bulk rows carry the input they answer as a leading `"query"` field.
- `csv`: a header row, then one row per item. Nested objects become dotted columns
  (`priceInfo.price`), lists are joined with `;`, booleans are `true`/`false`. The
  columns come from the models, so the header is the same whatever the data.
- `table`: a rich table for people, printed when the work is done (or interrupted).
- `parquet`: a Parquet file (`--parquet FILE`, see `ParquetWriter`).

Text from the service is untrusted: in tables (and every message on stderr) control
characters are shown escaped (`printable`), so a title cannot retitle the terminal or
clear the screen. JSON escapes them anyway. In CSV, a cell that a spreadsheet would read as a
formula is neutralised (`csv_safe`).

Data goes to stdout and nothing else does: notes and progress use stderr.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any, BinaryIO, Literal

import msgspec
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..models.products import Category, ProductDetail, ProductItem, SkuInfo
from ._columns import (
    ITEM_COLUMNS,
    ITEM_LEAVES,
    cell,
    csv_safe,
    csv_text,
    flat_row,
    flat_values,
    struct_columns,
    struct_leaves,
)
from ._parquet import PARQUET_ROW_GROUP, PRICE_PRECISION, PRICE_SCALE, ParquetWriter, column_kind, load_pyarrow

__all__ = [
    "ITEM_COLUMNS",
    "ITEM_LEAVES",
    "PARQUET_ROW_GROUP",
    "PRICE_PRECISION",
    "PRICE_SCALE",
    "ParquetWriter",
    "cell",
    "column_kind",
    "csv_safe",
    "csv_text",
    "flat_row",
    "flat_values",
    "load_pyarrow",
    "struct_columns",
    "struct_leaves",
]

Format = Literal["table", "json", "csv"]

_FORMATS: dict[str, Format] = {"table": "table", "json": "json", "csv": "csv"}

_encoder = msgspec.json.Encoder()

#: Short labels of `seller_identities` for the table's Tags column.
_IDENTITY_LABELS = {"super_factory": "factory", "powerful_merchants": "powerful", "tp_member": "TP"}


def choose_format(requested: str | None, stdout: Any = None) -> Format:
    """The format asked for, else a table on a terminal and JSON lines anywhere else."""
    if requested is not None:
        return _FORMATS[requested]
    stream = stdout if stdout is not None else sys.stdout
    return "table" if stream.isatty() else "json"


class Sink:
    """Bytes to stdout, flushed after every write so that pipes see pages as they arrive."""

    def __init__(self, stream: BinaryIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout.buffer

    def write(self, data: bytes) -> None:
        """Write and flush (a closed pipe raises BrokenPipeError, handled by `main`)."""
        if data:
            self._stream.write(data)
            self._stream.flush()


# ------------------------------------------------------------------ untrusted text

#: C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional overrides and
#: isolates (which can make text read differently from what it is).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with control characters shown as escapes (`\\x1b`, `\\n`, `\\u202e`).

    ```python
    printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    ```

    """
    return _CONTROLS.sub(_escape, text)


def safe_text(text: str, **options: Any) -> Text:
    """A rich `Text` of untrusted text, its control characters escaped (`printable`)."""
    return Text(printable(text), **options)


def stdout_console() -> Console:
    """The console that tables are printed to (stdout; plain text when not a terminal)."""
    return Console(file=sys.stdout, highlight=False, emoji=False)


# ------------------------------------------------------------------ search and bulk items


class ItemsOutput:
    """Product items of searches, in the chosen format; bulk rows also name their query.

    ```python
    out = ItemsOutput("json", query_column=False)
    async for page in paginator.pages():
        out.write(page.items)
    out.finish()
    ```

    """

    def __init__(
        self, fmt: Format, *, query_column: bool, sink: Sink | None = None, parquet: str | None = None
    ) -> None:
        self.fmt = fmt
        self.query_column = query_column
        self.sink = sink or Sink()
        self.count = 0
        self._rows: list[tuple[str | None, ProductItem]] = []
        #: with `parquet`, the items go to that file and nothing to stdout
        self.parquet = ParquetWriter(parquet, query_column=query_column) if parquet is not None else None
        if fmt == "csv" and self.parquet is None:
            header = [".".join(path) for path in ITEM_COLUMNS]
            self.sink.write(csv_text([["query", *header] if query_column else header]))

    def write(self, items: Sequence[ProductItem], query: str | None = None) -> None:
        """Output a page (or a bulk result) of items: streamed for json/csv, kept for the table."""
        self.count += len(items)
        if not items:
            return
        if self.parquet is not None:
            self.parquet.write(items, query)
        elif self.fmt == "json":
            if self.query_column:
                prefix = b'{"query":' + _encoder.encode(query) + b","
                self.sink.write(b"".join(prefix + _encoder.encode(item)[1:] + b"\n" for item in items))
            else:
                self.sink.write(_encoder.encode_lines(items))
        elif self.fmt == "csv":
            lead = [query or ""] if self.query_column else []
            self.sink.write(csv_text([*lead, *flat_row(item, ITEM_COLUMNS)] for item in items))
        else:
            self._rows.extend((query, item) for item in items)

    def finish(self, console: Console | None = None) -> None:
        """Close the Parquet file, or print the table (table format only, when there is a row).

        Called once the work ends, and also when it stops early (a failure, Ctrl-C), so that
        what was fetched is shown or kept.
        """
        if self.parquet is not None:
            parquet, self.parquet = self.parquet, None
            parquet.close()
            return
        if self.fmt == "table" and self._rows:
            rows, self._rows = self._rows, []
            console = console or stdout_console()
            console.print(items_table(rows, query_column=self.query_column, width=console.width))


def items_table(rows: Sequence[tuple[str | None, ProductItem]], *, query_column: bool, width: int) -> Table:
    """Items as a table that fits `width`: fewer columns on narrow terminals."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    if query_column:
        table.add_column("Query", style="magenta", no_wrap=True, overflow="ellipsis", max_width=16)
    table.add_column("Offer ID", style="cyan", no_wrap=True)
    # the title is the one column that gives way on a narrow terminal: it is cut, never wrapped
    table.add_column("Title", min_width=12)
    table.add_column("Price ¥", justify="right", style="green", no_wrap=True)
    table.add_column("Sold/mo", justify="right", no_wrap=True)
    wide, wider = width >= 100, width >= 120
    if wide:
        table.add_column("Repurchase", justify="right", no_wrap=True)
    if wider:
        table.add_column("Tags", style="yellow", no_wrap=True)
    for number, (query, item) in enumerate(rows, 1):
        cells = [safe_text(str(number))]
        if query_column:
            cells.append(safe_text(query or ""))
        cells += [
            safe_text(str(item.offer_id)),
            safe_text(item.subject_trans or item.subject or "", no_wrap=True, overflow="ellipsis"),
            safe_text(item.price_info.price or "" if item.price_info else ""),
            safe_text("" if item.month_sold is None else f"{item.month_sold:,}"),
        ]
        if wide:
            cells.append(safe_text(item.repurchase_rate or ""))
        if wider:
            cells.append(safe_text(" ".join(_tags(item))))
        table.add_row(*cells)
    return table


def _tags(item: ProductItem) -> list[str]:
    tags = [_IDENTITY_LABELS.get(identity, identity) for identity in item.seller_identities]
    if item.is_jxhy:
        tags.append("jxhy")
    if item.is_one_psale:
        tags.append("1pc")
    return tags


# ------------------------------------------------------------------ one product

SKU_HEADER = [
    "offerId",
    "subjectTrans",
    "skuId",
    "specId",
    "attributes",
    "price",
    "consignPrice",
    "promotionPrice",
    "jxhyPrice",
    "amountOnSale",
]


def sku_attributes(sku: SkuInfo) -> str:
    """`Color: Black; Size: M`: translated names and values where the service gives them."""
    parts = []
    for attribute in sku.sku_attributes:
        name = attribute.attribute_name_trans or attribute.attribute_name or ""
        value = attribute.value_trans or attribute.value or ""
        parts.append(f"{name}: {value}" if name else value)
    return "; ".join(parts)


def write_detail(fmt: Format, detail: ProductDetail, sink: Sink | None = None) -> None:
    """One product: JSON (the whole detail), CSV (one row per SKU), or a readable sheet."""
    sink = sink or Sink()
    if fmt == "json":
        sink.write(_encoder.encode(detail) + b"\n")
        return
    if fmt == "csv":
        head = [str(detail.offer_id), detail.subject_trans or detail.subject or ""]
        rows = [
            [
                *head,
                cell(sku.sku_id),
                cell(sku.spec_id),
                sku_attributes(sku),
                cell(sku.price),
                cell(sku.consign_price),
                cell(sku.promotion_price),
                cell(sku.jxhy_price),
                cell(sku.amount_on_sale),
            ]
            for sku in detail.product_sku_infos
        ] or [[*head, *[""] * (len(SKU_HEADER) - 2)]]
        sink.write(csv_text([SKU_HEADER, *rows]))
        return
    stdout_console().print(detail_view(detail))


def detail_view(detail: ProductDetail) -> Group:
    """A product as a key/value sheet followed by its SKU table."""
    sheet = Table.grid(padding=(0, 2))
    sheet.add_column(style="bold", no_wrap=True)
    sheet.add_column()

    def row(name: str, value: object) -> None:
        if value not in (None, "", []):
            sheet.add_row(name, safe_text(str(value)))

    row("Offer", detail.offer_id)
    row("Title", detail.subject_trans)
    if detail.subject != detail.subject_trans:
        row("", detail.subject)
    row("Category", " ".join(str(p) for p in (detail.category_id, detail.category_name) if p))
    sale = detail.product_sale_info
    if sale is not None:
        unit = sale.unit_info and (sale.unit_info.trans_unit or sale.unit_info.unit)
        row("Prices", "   ".join(f"{r.start_quantity}+ ¥{r.price}" for r in sale.price_range_list if r.price))
        row("Stock", f"{sale.amount_on_sale:,} {unit or ''}".strip() if sale.amount_on_sale is not None else None)
    row("Min. order", detail.min_order_quantity)
    shipping = detail.product_shipping_info
    if shipping is not None:
        row("Ships from", shipping.send_goods_address_text)
        row("Weight", f"{shipping.weight} kg" if shipping.weight is not None else None)
    row("Seller", detail.seller_open_id)
    seller = detail.seller_data_info
    if seller is not None:
        row("Service score", seller.composite_service_score)
    row("Status", detail.status)
    row("Link", f"https://detail.1688.com/offer/{detail.offer_id}.html")
    parts: list[Any] = [sheet]
    if detail.product_sku_infos:
        skus = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
        skus.add_column("SKU ID", style="cyan", no_wrap=True)
        skus.add_column("Attributes")
        skus.add_column("Price ¥", justify="right", style="green", no_wrap=True)
        skus.add_column("Stock", justify="right", no_wrap=True)
        for sku in detail.product_sku_infos:
            stock = "" if sku.amount_on_sale is None else f"{sku.amount_on_sale:,}"
            attributes = safe_text(sku_attributes(sku))
            skus.add_row(safe_text(cell(sku.sku_id)), attributes, safe_text(sku.price or ""), safe_text(stock))
        parts += [Text(""), skus]
    return Group(*parts)


# ------------------------------------------------------------------ upload and categories


def write_upload(fmt: Format, file: str, image_id: str, sink: Sink | None = None) -> None:
    """The id of an uploaded image (`{"file", "imageId"}` in JSON and CSV)."""
    sink = sink or Sink()
    if fmt == "json":
        sink.write(_encoder.encode({"file": file, "imageId": image_id}) + b"\n")
    elif fmt == "csv":
        sink.write(csv_text([["file", "imageId"], [file, image_id]]))
    else:
        sheet = Table.grid(padding=(0, 2))
        sheet.add_column(style="bold")
        sheet.add_column(style="cyan")
        sheet.add_row("File", safe_text(file))
        sheet.add_row("Image ID", safe_text(image_id))
        stdout_console().print(sheet)


CATEGORY_HEADER = ["parentId", "parentName", "id", "name", "isLeaf", "categoryType"]


def write_categories(fmt: Format, categories: Sequence[Category], sink: Sink | None = None) -> None:
    """Categories: JSON lines of the service's objects, CSV rows of children, or tables."""
    sink = sink or Sink()
    if fmt == "json":
        sink.write(_encoder.encode_lines(categories))
        return
    if fmt == "csv":
        rows = [
            [
                str(c.category_id),
                c.name or "",
                str(child.id),
                child.name or "",
                cell(child.is_leaf),
                cell(child.category_type),
            ]
            for c in categories
            for child in c.child_categorys
        ]
        sink.write(csv_text([CATEGORY_HEADER, *rows]))
        return
    console = stdout_console()
    for category in categories:
        heading = Text.assemble((str(category.category_id), "cyan"), " ", (printable(category.name or ""), "bold"))
        parents = [str(p) for p in category.parent_ids if p]
        if parents:
            heading.append(printable(f"   parents {' › '.join(parents)}"), style="dim")
        console.print(heading)
        if not category.child_categorys:
            console.print(Text("no children: a leaf category", style="dim"))
            continue
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
        table.add_column("ID", style="cyan", no_wrap=True)
        table.add_column("Name")
        table.add_column("Leaf", justify="center")
        for child in category.child_categorys:
            table.add_row(safe_text(str(child.id)), safe_text(child.name or ""), "yes" if child.is_leaf else "")
        console.print(table)
