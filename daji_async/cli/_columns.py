"""Flattening models into columns: dotted wire-name paths, cells, CSV text (for CSV, Parquet, crawl exports)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
import msgspec.inspect as mi

from ..models.products import ProductItem

_encoder = msgspec.json.Encoder()

#: What a spreadsheet reads as the start of a formula (OWASP's list: = + - @ tab CR).
_FORMULA_START = frozenset("=+-@\t\r")
#: A plain number (a spreadsheet reads it as that number, never as a formula).
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_safe(value: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula: `'` before `=`, `+`, `-`, `@`, tab, CR.

    Plain numbers are left alone (`-5` and `+3.5` stay numbers): a spreadsheet reads them
    as numbers, and no formula can hide in one.
    """
    if value and value[0] in _FORMULA_START and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


# ------------------------------------------------------------------ flattening for CSV


def struct_columns(cls: type[msgspec.Struct]) -> list[tuple[str, ...]]:
    """Every leaf field of a Struct as a path of wire names; nested Structs are walked."""
    return [path for path, _ in struct_leaves(cls)]


def struct_leaves(cls: type[msgspec.Struct]) -> list[tuple[tuple[str, ...], mi.Type]]:
    """Every leaf field of a Struct: its path of wire names and its type."""
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    return _leaves(info, ())


def _leaves(info: mi.StructType, prefix: tuple[str, ...]) -> list[tuple[tuple[str, ...], mi.Type]]:
    leaves: list[tuple[tuple[str, ...], mi.Type]] = []
    for field in info.fields:
        path = (*prefix, field.encode_name)
        inner = _struct_of(field.type)
        leaves.extend(_leaves(inner, path) if inner is not None else [(path, field.type)])
    return leaves


def _struct_of(kind: mi.Type) -> mi.StructType | None:
    """The Struct of `Struct` or `Struct | None`; None for anything else."""
    if isinstance(kind, mi.StructType):
        return kind
    if isinstance(kind, mi.UnionType):
        structs = [t for t in kind.types if isinstance(t, mi.StructType)]
        others = [t for t in kind.types if not isinstance(t, (mi.StructType, mi.NoneType))]
        if len(structs) == 1 and not others:
            return structs[0]
    return None


def cell(value: Any) -> str:
    """One CSV cell: '' for null, true/false, lists of scalars joined with ';', else JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return ";".join(str(v) for v in value)
    return _encoder.encode(value).decode()


def flat_values(obj: msgspec.Struct, paths: Sequence[tuple[str, ...]]) -> list[Any]:
    """The values of `obj` at `paths` (see `struct_columns`), None where absent."""
    data = msgspec.to_builtins(obj)
    row = []
    for path in paths:
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        row.append(value)
    return row


def flat_row(obj: msgspec.Struct, paths: Sequence[tuple[str, ...]]) -> list[str]:
    """The CSV cells of `obj` for the columns `paths` (see `struct_columns`)."""
    return [cell(value) for value in flat_values(obj, paths)]


def csv_text(rows: Iterable[Sequence[str]]) -> bytes:
    """Rows as CSV (`\\n` line ends), UTF-8 encoded, every cell made safe (`csv_safe`)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([csv_safe(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


ITEM_LEAVES = struct_leaves(ProductItem)
ITEM_COLUMNS = [path for path, _ in ITEM_LEAVES]
