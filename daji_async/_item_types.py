"""Pages decoded straight into the caller's own item Struct: `item_type=` on every paged search.

A search's items are most of what a page costs to decode. msgspec decodes into any Struct
and skips the fields a Struct does not declare without building them, so a caller who reads
two fields of an offer can ask for exactly those:

```python
class Offer(msgspec.Struct, rename="camel"):
    offer_id: int
    subject_trans: str | None = None

async for offer in client.products.keyword_search("连衣裙", item_type=Offer, max_items=200):
    print(offer.offer_id, offer.subject_trans)
```

The endpoint's row is derived once per (row, item type): the same row with the page type
holding the caller's items (`Page[Offer]`), and the paging spec's item attributes (the
repeat-page guard's id, a cursor walk's cursor) pointed at the caller's field with the same
wire name. Derived rows are kept, so a bulk call of many inputs derives once.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, TypeVar

import msgspec

from ._endpoint_spec import Endpoint

__all__ = ["with_item_type"]

P = TypeVar("P")

#: Derived rows by (id of the row, item type): each entry keeps its row alive, so an id is
#: never reused while its entry exists. Bounded: types made on the fly cannot grow it forever.
_DERIVED: dict[tuple[int, type[Any]], tuple[Endpoint[Any], Endpoint[Any]]] = {}
_MAX_DERIVED = 256


def with_item_type(endpoint: Endpoint[P], item_type: object) -> Endpoint[Any]:
    """The row `endpoint` with its pages' items decoded as `item_type` (checked, derived once).

    Raises:
        TypeError: `item_type` is not a msgspec Struct class, or the endpoint's pages are
            not generic in their items.
        ValueError: a field of `item_type` is not a documented field of the endpoint's item
            (its wire name, after the Struct's renaming, is not one the service sends), or a
            cursor walk's `item_type` lacks the field the next cursor is read from.
    """
    if not (isinstance(item_type, type) and issubclass(item_type, msgspec.Struct)):
        raise TypeError(f"item_type must be a msgspec.Struct class, got {item_type!r}")
    key = (id(endpoint), item_type)
    entry = _DERIVED.get(key)
    if entry is not None and entry[0] is endpoint:
        return entry[1]
    derived = _derive(endpoint, item_type)
    if len(_DERIVED) >= _MAX_DERIVED:
        _DERIVED.clear()
    _DERIVED[key] = (endpoint, derived)
    return derived


def _derive(endpoint: Endpoint[Any], item_type: type[msgspec.Struct]) -> Endpoint[Any]:
    spec = endpoint.paging
    origin, args = typing.get_origin(endpoint.response), typing.get_args(endpoint.response)
    if spec is None or origin is None or len(args) != 1:
        raise TypeError(f"{endpoint.name} takes no item_type: its answers are not pages of items")
    documented = args[0]
    if item_type is documented:
        return endpoint
    theirs = {field.name: field.encode_name for field in msgspec.structs.fields(documented)}
    wire_names = set(theirs.values())
    mine = {field.encode_name: field.name for field in msgspec.structs.fields(item_type)}
    unknown = [f"{name} (wire name {wire!r})" for wire, name in mine.items() if wire not in wire_names]
    if unknown:
        raise ValueError(
            f"item_type {item_type.__name__} for {endpoint.name}: {', '.join(unknown)} "
            f"{'is not a field' if len(unknown) == 1 else 'are not fields'} of {documented.__name__}; "
            "declare a subset of its fields with the same renaming (e.g. rename='camel' on 1688 items)"
        )

    def same_wire(attribute: str | None) -> str | None:
        """The caller's attribute carrying the documented `attribute`'s wire name, if any."""
        return None if attribute is None else mine.get(theirs[attribute])

    cursor_item = same_wire(spec.cursor_item)
    if spec.cursor_item is not None and cursor_item is None:
        raise ValueError(
            f"item_type {item_type.__name__} for {endpoint.name} must keep {spec.cursor_item} "
            f"(wire name {theirs[spec.cursor_item]!r}): the next page's cursor is read from the last item's"
        )
    # without the id field the repeat-page guard compares a digest of each page's items instead
    paging = dataclasses.replace(spec, item_id=same_wire(spec.item_id), cursor_item=cursor_item)
    # a view of the row for one item type, not a row of its own: it registers nowhere
    return dataclasses.replace(endpoint, response=origin[item_type], paging=paging, register=False)
