"""Models shared by every paged endpoint."""

from __future__ import annotations

from typing import Generic, TypeVar, Union

import msgspec

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T], rename="camel", gc=False):
    """One page of a paged search, decoded straight from the service's `data` object.

    `items` is the service's `data` list; `total_pages` its `totalPage`. When the
    service leaves `currentPage` out, the SDK fills in the page it asked for.
    `trace_id` is the envelope's `traceId` of the response that carried this page.
    """

    items: list[T] = msgspec.field(name="data", default_factory=list)
    total_records: int = 0
    total_pages: int = msgspec.field(name="totalPage", default=0)
    page_size: int = 0
    current_page: int = 0
    trace_id: Union[str, None] = None

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_next(self) -> bool:
        """True when the service says there are pages after this one."""
        return bool(self.items) and self.current_page < self.total_pages
