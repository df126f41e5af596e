"""`daji call NAME ...`: a subcommand for every declared search, detail and lookup, derived from its row.

```text
daji --sandbox call poizon.products.detail 1070990
daji --sandbox call taobao.products.keyword_search 手机壳 --max-items 30 --csv
daji call taobao.products.hot_list_types --theme-type 1
```

Nothing here is written per endpoint: the subcommands are the rows that have a method written
by the core (`daji_async._declare.DECLARED`). A required parameter is a positional argument, an
optional one a `--flag` named after its Python name (one that defaults to the client's
country is set by `--country`); the values are checked by the SDK itself
(a refusal is a usage error, exit 2). A paged row takes the paging options and streams its
items (JSON lines, CSV with columns from the item model, or a table whose columns are the item's
first fields, or the model's own columns where the platform commands define better ones).
"""

from __future__ import annotations

import argparse
from typing import Any

import msgspec
import msgspec.inspect as mi

from .._declare import DECLARED
from .._endpoint_spec import Endpoint, Param
from ._parser import CONNECTION, COUNTRY, FORMAT, QUIET, Parser, Subcommands, add_paging, leaf, node
from ._progress import Messages

__all__ = ["COMMANDS", "add_derived_commands", "item_type"]


def item_type(endpoint: Endpoint[Any]) -> type[msgspec.Struct] | None:
    """The Struct of one item of a paged row (read from its answer type), or None."""
    spec = endpoint.paging
    if spec is None:
        return None
    info = mi.type_info(endpoint.response)
    if not isinstance(info, mi.StructType):
        return None
    for field in info.fields:
        if field.name == spec.items and isinstance(field.type, mi.ListType):
            inner = field.type.item_type
            return inner.cls if isinstance(inner, mi.StructType) else None
    return None


def _flag(param: Param) -> str:
    return "--" + param.name.replace("_", "-")


def add_derived_commands(commands: Subcommands[Parser]) -> None:
    """`daji call NAME` for every row with a method the core wrote."""
    if not DECLARED:
        return
    group = node(commands, "call", "any declared search, detail or lookup, by its endpoint name", "call_name", "name")
    for name, method in sorted(DECLARED.items()):
        endpoint: Endpoint[Any] = method.endpoint  # type: ignore[attr-defined]
        paged = endpoint.paging is not None
        families = (CONNECTION, COUNTRY, QUIET, FORMAT) if paged else (CONNECTION, COUNTRY, FORMAT)
        summary = endpoint.summary or (method.__doc__ or name).strip().splitlines()[0]
        child = leaf(group, name, summary, handler="call_declared", families=families, platform=endpoint.platform)
        for param in endpoint.params:
            if param.default == "country":
                continue  # the client's country: --country sets it
            help_text = f"sent as {param.wire}" + (f"; {param.doc}" if param.doc else "")
            if param.required:
                child.add_argument(param.name, metavar=param.name.upper(), help=help_text)
            else:
                child.add_argument(_flag(param), dest=param.name, metavar=param.name.upper(), help=help_text)
        if paged:
            assert endpoint.paging is not None
            add_paging(child, endpoint.paging.max_size)
        child.set_defaults(endpoint=name)


def _value(text: str | None, annotation: str) -> Any:
    """The argument's text, as an int when the method takes an int and the text is one."""
    if text is not None and "int" in annotation and text.isascii() and text.isdigit():
        return int(text)
    return text


async def call_declared(args: argparse.Namespace, fmt: Any, messages: Messages) -> int:
    """Run the declared method `args.endpoint` names and print its answer."""
    from ._commands import arguments_checked_by_the_sdk, open_client
    from ._platforms import RecordsOutput, _paging, _walk, write_object

    method = DECLARED[args.endpoint]
    endpoint: Endpoint[Any] = method.endpoint  # type: ignore[attr-defined]
    annotations = method.__annotations__
    arguments = {
        p.name: _value(getattr(args, p.name, None), str(annotations.get(p.name, "")))
        for p in endpoint.params
        if p.default != "country"
    }
    async with open_client(args) as client:
        bound: Any = client
        for part in endpoint.name.split("."):
            bound = getattr(bound, part)
        if endpoint.paging is not None:
            kind = item_type(endpoint)
            assert kind is not None, f"{endpoint.name}: no item type"
            with arguments_checked_by_the_sdk():
                paginator = bound(**arguments, **_paging(args, endpoint.paging.max_size))
            out = RecordsOutput(fmt, kind)
            label = " ".join(str(v) for v in arguments.values() if v is not None) or endpoint.name
            await _walk(paginator, out, messages, label, items_of=endpoint.paging.items)
            return 0
        with arguments_checked_by_the_sdk():
            answer = await bound(**arguments)
    if isinstance(answer, list):
        if answer:
            out = RecordsOutput(fmt, type(answer[0]))
            out.write(answer)
            out.finish()
        return 0
    write_object(fmt, answer)
    return 0


COMMANDS = {"call_declared": call_declared}
