"""`daji crawl {enqueue,worker,status,export,retry-failed} --redis URL`: a crawl on arq (`daji_async.crawl`).

```python
daji crawl enqueue --redis redis://host:6379/0 keywords.txt --max-pages 2
daji crawl worker --redis redis://host:6379/0 --rate-limit 50      # on every machine
daji crawl status --redis redis://host:6379/0 --json
daji crawl export --redis redis://host:6379/0 items.parquet
daji crawl retry-failed --redis redis://host:6379/0
```

Every subcommand takes `--name` (default `default`) so that several crawls share a Redis.
The export is one row per stored item: the input first (`keyword`, `image` or
`detail_id`; `input` when a crawl mixes kinds), then the item's fields by their snake_case
attribute names (nested ones as dotted columns in CSV and Parquet).
"""

from __future__ import annotations

import argparse
import asyncio
import decimal
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import msgspec
import msgspec.inspect as mi

from ._output import PRICE_PRECISION, PRICE_SCALE, Format, cell, column_kind, csv_text, load_pyarrow, safe_text
from ._parser import QUIET, Parser, Subcommands, UsageError, leaf, max_items, node, positive_float, positive_int
from ._progress import Messages

__all__ = ["COMMANDS", "add_crawl_commands"]

#: Requests per second for all workers together when --rate-limit is not given.
DEFAULT_CRAWL_RATE = 50.0

#: The input column of the export, by kind.
INPUT_COLUMNS = {"keyword": "keyword", "image": "image", "detail": "detail_id"}

#: Export formats by file suffix.
SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


# ------------------------------------------------------------------ parsers


def add_crawl_commands(commands: Subcommands[Parser]) -> None:
    """`daji crawl {enqueue,worker,status,export,retry-failed}`."""
    crawl = node(commands, "crawl", "crawls over many workers on Redis (arq)", "crawl_command", "command")

    def sub(name: str, help: str, description: str) -> Parser:
        child = leaf(
            crawl, name, help, handler="crawl_" + name, families=(QUIET,), description=description, platform=""
        )
        child.add_argument("--redis", required=True, metavar="URL", help="the crawl's Redis (redis://host:6379/0)")
        child.add_argument("--name", default="default", help="the crawl's name (default: %(default)s)")
        return child

    enqueue = sub(
        "enqueue",
        "queue one job per distinct input line",
        "Queue one job per distinct line of FILE ('-': standard input): repeated lines are queued once, "
        "blank lines skipped, inputs queued or done already left alone.",
    )
    enqueue.add_argument("file", metavar="FILE", help="inputs, one per line (keywords, image URLs or ids)")
    enqueue.add_argument("--kind", choices=("keyword", "image", "detail"), default="keyword")
    enqueue.add_argument("--platform", choices=("1688", "taobao", "poizon"), default="1688")
    enqueue.add_argument("--page-size", type=positive_int, metavar="N", help="items per page")
    enqueue.add_argument("--max-items", type=max_items, metavar="N", help="items per input at most (default: all)")
    enqueue.add_argument("--max-pages", type=positive_int, metavar="N", help="pages per input at most")

    worker = sub(
        "worker",
        "run the crawl's jobs until SIGTERM",
        "Run the crawl's jobs with a client from DAJI_APP_KEY, DAJI_APP_SECRET (and DAJI_BASE_URL); every "
        "worker on every machine shares one rate through Redis. SIGTERM finishes the jobs in hand and exits.",
    )
    worker.add_argument(
        "--rate-limit",
        dest="crawl_rate",
        type=positive_float,
        default=DEFAULT_CRAWL_RATE,
        metavar="R",
        help="requests per second for all workers together (default: %(default)g)",
    )
    worker.add_argument("--concurrency", type=positive_int, default=8, metavar="N", help="inputs at once (default 8)")
    worker.add_argument(
        "--lease",
        type=positive_float,
        default=30.0,
        metavar="SECONDS",
        help="a dead worker's jobs run again after this (default: %(default)g; renewed while a job runs)",
    )
    worker.add_argument(
        "--job-timeout",
        type=positive_float,
        default=600.0,
        metavar="SECONDS",
        help="an input taking longer is recorded as failed (default: %(default)g)",
    )
    worker.add_argument("--burst", action="store_true", help="exit once the queue is empty")

    status = sub("status", "show the crawl's progress", "Done, pending, running and failed inputs, items, requests.")
    status.add_argument("--json", dest="status_json", action="store_true", help="one JSON object")
    status.add_argument("--errors", type=int, default=20, metavar="N", help="failed inputs to show (default 20)")
    status.add_argument(
        "--watch",
        type=positive_float,
        metavar="SECONDS",
        help="redraw every SECONDS until nothing is pending or running",
    )

    export = sub("export", "write every stored item once", "Write every stored item once, with its input.")
    export.add_argument("out", metavar="OUT", help="the file to write ('-': standard output, jsonl or csv)")
    export.add_argument(
        "--format", dest="export_format", choices=("jsonl", "csv", "parquet"), help="default: from OUT's suffix"
    )
    sub("retry-failed", "queue the failed inputs again", "Queue again every input that failed (or was given up).")


# ------------------------------------------------------------------ handlers


def open_crawl(args: argparse.Namespace) -> Any:
    """The `Crawl` the arguments name (a usage error when the `crawl` extra is missing)."""
    try:
        from ..crawl import Crawl
    except ImportError as exc:  # pragma: no cover - the package itself needs nothing optional
        raise UsageError(f"daji crawl needs the crawl extra: pip install 'daji-async[crawl]' ({exc})") from None
    return Crawl(args.redis, args.name)


async def enqueue(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji crawl enqueue`."""
    options = {"page_size": args.page_size, "max_items": args.max_items, "max_pages": args.max_pages}
    with _Lines(args.file) as lines:
        async with open_crawl(args) as crawl:
            done = await crawl.enqueue(lines, kind=args.kind, platform=args.platform, **options)
    messages.note(f"queued {done.added}, already known {done.already}, blank lines skipped {done.blank}")
    return 0


async def worker(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji crawl worker`."""
    async with open_crawl(args) as crawl:
        messages.note(f"crawl {args.name}: worker at {args.crawl_rate:g} requests/s shared, {args.concurrency} at once")
        jobs = await crawl.run_worker(
            rate_limit=args.crawl_rate,
            concurrency=args.concurrency,
            lease=args.lease,
            job_timeout=args.job_timeout,
            burst=args.burst,
        )
    messages.note(f"crawl {args.name}: worker stopped after {jobs} inputs")
    return 0


async def status(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji crawl status`."""
    async with open_crawl(args) as crawl:
        state = await crawl.status(errors=max(0, args.errors))
        if args.status_json:
            sys.stdout.write(json.dumps(state.to_dict(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
            return 0
        from rich.live import Live

        from ._output import stdout_console

        console = stdout_console()
        if args.watch is None or not (state.pending or state.running):
            console.print(_status_view(state))
            return 0
        with Live(_status_view(state), console=console, auto_refresh=False) as live:
            while state.pending or state.running:
                await asyncio.sleep(args.watch)
                state = await crawl.status(errors=max(0, args.errors))
                live.update(_status_view(state), refresh=True)
    return 0


def _status_view(state: Any) -> Any:
    """A progress bar of the inputs finished, and the counts below it."""
    from rich.console import Group
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
    from rich.table import Table

    bar = Progress(TextColumn(f"crawl {state.name}"), BarColumn(), TaskProgressColumn(), TextColumn("{task.fields[n]}"))
    bar.add_task("", total=max(state.inputs, 1), completed=state.done + state.failed, n=f"{state.done}/{state.inputs}")
    table = Table.grid(padding=(0, 2))
    rate = "-" if state.rate is None else f"{state.rate:.1f}/s"
    for label, value in (
        ("done", state.done),
        ("pending", state.pending),
        ("running", state.running),
        ("failed", state.failed),
        ("lost", state.lost),
        ("items stored", state.items),
        ("requests spent", state.requests),
        ("achieved rate", rate),
    ):
        table.add_row(label, str(value))
    for value, error in state.errors.items():
        table.add_row(safe_text(f"failed: {value}"), safe_text(error))
    return Group(bar.get_renderable(), table)


async def retry_failed(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji crawl retry-failed`."""
    async with open_crawl(args) as crawl:
        again = await crawl.retry_failed()
    messages.note(f"queued again: {again}")
    return 0


async def export(args: argparse.Namespace, fmt: Format, messages: Messages) -> int:
    """`daji crawl export`."""
    kind = args.export_format or SUFFIXES.get(Path(args.out).suffix.lower(), "jsonl")
    if kind == "parquet" and args.out == "-":
        raise UsageError("parquet needs a file: give OUT a name")
    async with open_crawl(args) as crawl:
        from ..crawl import MODELS

        shapes = await crawl.shapes()
        kinds = {k for k, _ in shapes}
        input_column = INPUT_COLUMNS[next(iter(kinds))] if len(kinds) == 1 else "input"
        leaves = _union([_leaves(MODELS[shape]) for shape in sorted(shapes)])
        writer = _writer(kind, args.out, input_column, leaves)
        rows = 0
        try:
            async for result in crawl.results():
                writer.write(result.input, result.items)
                rows += len(result.items)
        finally:
            writer.close()
    messages.note(f"exported {rows} items to {args.out}")
    return 0


COMMANDS = {
    "crawl_enqueue": enqueue,
    "crawl_worker": worker,
    "crawl_status": status,
    "crawl_export": export,
    "crawl_retry-failed": retry_failed,
}


# ------------------------------------------------------------------ inputs and export


class _Lines:
    """The lines of a file ('-': standard input), as a context manager; a usage error when unreadable."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stream: IO[str] | None = None

    def __enter__(self) -> Iterator[str]:
        if self.name == "-":
            return iter(sys.stdin)
        try:
            self.stream = open(self.name, encoding="utf-8-sig")
        except OSError as exc:
            raise UsageError(f"cannot read {self.name}: {exc.strerror or exc}") from None
        return iter(self.stream)

    def __exit__(self, *exc: object) -> None:
        if self.stream is not None:
            self.stream.close()


#: A leaf of a model: its attribute path, its wire path (what `column_kind` reads), its type.
Leaf = tuple[tuple[str, ...], tuple[str, ...], mi.Type]


def _leaves(cls: type[msgspec.Struct]) -> list[Leaf]:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    return _walk(info, (), ())


def _walk(info: mi.StructType, names: tuple[str, ...], wire: tuple[str, ...]) -> list[Leaf]:
    found: list[Leaf] = []
    for field in info.fields:
        inner = _struct(field.type)
        path, encoded = (*names, field.name), (*wire, field.encode_name)
        found.extend(_walk(inner, path, encoded) if inner is not None else [(path, encoded, field.type)])
    return found


def _struct(kind: mi.Type) -> mi.StructType | None:
    if isinstance(kind, mi.StructType):
        return kind
    if isinstance(kind, mi.UnionType):
        structs = [t for t in kind.types if isinstance(t, mi.StructType)]
        if len(structs) == 1 and all(isinstance(t, (mi.StructType, mi.NoneType)) for t in kind.types):
            return structs[0]
    return None


def _union(groups: list[list[Leaf]]) -> list[Leaf]:
    """The leaves of several models, each path once; a path typed differently by two is JSON text."""
    merged: dict[tuple[str, ...], Leaf] = {}
    for group in groups:
        for path, wire, kind in group:
            if path not in merged:
                merged[path] = (path, wire, kind)
            elif column_kind(merged[path][1], merged[path][2]) != column_kind(wire, kind):
                merged[path] = (path, wire, mi.AnyType())
    return list(merged.values())


def _value(item: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        item = item.get(key) if isinstance(item, dict) else None
    return item


class _Writer:
    def write(self, value: str, items: list[Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _Stream(_Writer):
    """JSON lines or CSV, to a file or stdout."""

    def __init__(self, kind: str, out: str, input_column: str, leaves: list[Leaf]) -> None:
        self.kind, self.input_column, self.paths = kind, input_column, [p for p, _, _ in leaves]
        try:
            self.stream = sys.stdout.buffer if out == "-" else open(out, "wb")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
        self.encoder = msgspec.json.Encoder()
        if kind == "csv":
            self.stream.write(csv_text([[input_column, *(".".join(p) for p in self.paths)]]))

    def write(self, value: str, items: list[Any]) -> None:
        if self.kind == "csv":
            self.stream.write(csv_text([value, *(cell(_value(item, p)) for p in self.paths)] for item in items))
        else:
            self.stream.write(
                b"".join(self.encoder.encode({self.input_column: value, **item}) + b"\n" for item in items)
            )

    def close(self) -> None:
        self.stream.flush()
        if self.stream is not sys.stdout.buffer:
            self.stream.close()


class _Parquet(_Writer):
    """Parquet, typed as `daji search --parquet` types its columns (ids text, prices decimal)."""

    def __init__(self, out: str, input_column: str, leaves: list[Leaf]) -> None:
        pa, pq = load_pyarrow()
        self.pa = pa
        self.kinds = [column_kind(wire, kind) for _, wire, kind in leaves]
        self.paths = [path for path, _, _ in leaves]
        types = {"id": pa.string(), "price": pa.decimal128(PRICE_PRECISION, PRICE_SCALE), "int": pa.int64()}
        types |= {"float": pa.float64(), "bool": pa.bool_(), "str": pa.string(), "strs": pa.list_(pa.string())}
        types["json"] = pa.string()
        fields = [pa.field(input_column, pa.string())]
        fields += [pa.field(".".join(p), types[k]) for p, k in zip(self.paths, self.kinds, strict=True)]
        self.schema = pa.schema(fields)
        self.columns: list[list[Any]] = [[] for _ in fields]
        self.encoder = msgspec.json.Encoder()
        try:
            self.writer = pq.ParquetWriter(out, self.schema)
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {getattr(exc, 'strerror', None) or exc}") from None

    def _convert(self, kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind == "id":
            return str(value)
        if kind == "price":
            try:
                number = decimal.Decimal(str(value).strip()).quantize(decimal.Decimal(1).scaleb(-PRICE_SCALE))
            except (decimal.InvalidOperation, ValueError):
                return None
            return number if number.is_finite() and abs(number) < 10 ** (PRICE_PRECISION - PRICE_SCALE) else None
        if kind == "json":
            return self.encoder.encode(value).decode()
        return value

    def write(self, value: str, items: list[Any]) -> None:
        for item in items:
            self.columns[0].append(value)
            for column, kind, path in zip(self.columns[1:], self.kinds, self.paths, strict=True):
                column.append(self._convert(kind, _value(item, path)))
        if len(self.columns[0]) >= 10_000:
            self._flush()

    def _flush(self) -> None:
        if self.columns[0]:
            arrays = [self.pa.array(c, type=f.type) for c, f in zip(self.columns, self.schema, strict=True)]
            self.writer.write_table(self.pa.Table.from_arrays(arrays, schema=self.schema))
            self.columns = [[] for _ in self.columns]

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self.writer.close()


def _writer(kind: str, out: str, input_column: str, leaves: list[Leaf]) -> _Writer:
    if kind == "parquet":
        return _Parquet(out, input_column, leaves)
    return _Stream(kind, out, input_column, leaves)
