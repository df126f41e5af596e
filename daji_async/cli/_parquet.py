"""Items into a Parquet file (`daji ... --parquet FILE`): typed columns, exact decimal prices."""

from __future__ import annotations

import decimal
import importlib
from collections.abc import Sequence
from typing import Any

import msgspec
import msgspec.inspect as mi

from ..models.products import ProductItem
from ._columns import ITEM_COLUMNS, ITEM_LEAVES, flat_values
from ._parser import UsageError

_encoder = msgspec.json.Encoder()

# ------------------------------------------------------------------ Parquet

#: Prices in Parquet: exact decimals, CNY to a hundredth of a fen (a value with more places
#: is rounded half to even; one that is not a number is null).
PRICE_PRECISION, PRICE_SCALE = 18, 4
_PRICE_QUANTUM = decimal.Decimal(1).scaleb(-PRICE_SCALE)
_PRICE_LIMIT = decimal.Decimal(10) ** (PRICE_PRECISION - PRICE_SCALE)

#: Rows gathered before they are written as one row group (bounds memory on long runs).
PARQUET_ROW_GROUP = 10_000


def _unwrap(kind: mi.Type) -> mi.Type:
    """`T` of `T | None`."""
    if isinstance(kind, mi.UnionType):
        others = [t for t in kind.types if not isinstance(t, mi.NoneType)]
        if len(others) == 1:
            return others[0]
    return kind


def column_kind(path: tuple[str, ...], kind: mi.Type) -> str:
    """How a leaf is stored in Parquet: `id`, `price`, `int`, `float`, `bool`, `str`, `strs` or `json`.

    Ids (`...Id`) are strings, whatever the service sends: they are labels, and 19-digit
    ones do not survive a float. Prices (decimal strings) are decimals, never floats.
    """
    name, kind = path[-1], _unwrap(kind)
    if name.endswith(("Id", "ID")) and isinstance(kind, (mi.IntType, mi.StrType)):
        return "id"
    if "price" in name.lower() and isinstance(kind, mi.StrType):
        return "price"
    simple = {mi.IntType: "int", mi.FloatType: "float", mi.BoolType: "bool", mi.StrType: "str"}
    for type_, label in simple.items():
        if isinstance(kind, type_):
            return label
    if isinstance(kind, mi.ListType) and isinstance(_unwrap(kind.item_type), mi.StrType):
        return "strs"
    return "json"


def _price(value: Any) -> decimal.Decimal | None:
    try:
        number = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    number = number.quantize(_PRICE_QUANTUM, rounding=decimal.ROUND_HALF_EVEN)
    return number if abs(number) < _PRICE_LIMIT else None


def _convert(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "id":
        return str(value)
    if kind == "price":
        return _price(value)
    if kind == "json":
        return _encoder.encode(value).decode()
    return value


def load_pyarrow() -> tuple[Any, Any]:
    """`pyarrow` and `pyarrow.parquet`; a usage error naming the extra when pyarrow is missing."""
    try:
        return importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise UsageError("--parquet needs pyarrow: pip install 'daji-async[parquet]'") from None


class ParquetWriter:
    """Items into a Parquet file, one row group per `PARQUET_ROW_GROUP` rows.

    The columns are the CSV's (dotted names such as `priceInfo.price`), typed: ids are
    strings, prices `decimal(18, 4)`, counts int64, flags bool, lists of names lists of
    strings, anything else JSON text. `close` writes what is buffered and the footer,
    so a run that stops early (an error, Ctrl-C) still leaves a readable file.
    """

    def __init__(self, path: str, *, query_column: bool) -> None:
        pa, pq = load_pyarrow()
        self._pa = pa
        self.path = path
        self._kinds = [column_kind(p, t) for p, t in ITEM_LEAVES]
        types = {
            "id": pa.string(),
            "price": pa.decimal128(PRICE_PRECISION, PRICE_SCALE),
            "int": pa.int64(),
            "float": pa.float64(),
            "bool": pa.bool_(),
            "str": pa.string(),
            "strs": pa.list_(pa.string()),
            "json": pa.string(),
        }
        fields = [pa.field(".".join(p), types[k]) for (p, _), k in zip(ITEM_LEAVES, self._kinds, strict=True)]
        if query_column:
            fields.insert(0, pa.field("query", pa.string()))
        self.query_column = query_column
        self.schema = pa.schema(fields)
        self._columns: list[list[Any]] = [[] for _ in fields]
        self._buffered = 0
        try:
            self._writer: Any = pq.ParquetWriter(path, self.schema)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from None

    def write(self, items: Sequence[ProductItem], query: str | None = None) -> None:
        """Buffer `items`; a full row group goes to the file."""
        lead = 1 if self.query_column else 0
        for item in items:
            if lead:
                self._columns[0].append(query)
            values = flat_values(item, ITEM_COLUMNS)
            for column, kind, value in zip(self._columns[lead:], self._kinds, values, strict=True):
                column.append(_convert(kind, value))
        self._buffered += len(items)
        if self._buffered >= PARQUET_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._buffered:
            pa = self._pa
            pairs = zip(self._columns, self.schema, strict=True)
            arrays = [pa.array(column, type=field.type) for column, field in pairs]
            self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
            self._columns = [[] for _ in self._columns]
            self._buffered = 0

    def close(self) -> None:
        """Write the rows still buffered and the footer."""
        try:
            self._flush()
        finally:
            self._writer.close()
