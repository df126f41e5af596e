"""The stop rules of a walk and its guards against a service that repeats itself.

`PageWalk` keeps a page-number walk's stop rules; `RepeatGuard` guards a cursor
walk. Both fail with PaginationError rather than loop forever when pages or cursors come back.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import msgspec

from ._endpoints import PageToken, PagingSpec
from ._errors import PaginationError
from ._logs import logger

__all__ = ["PageWalk", "RepeatGuard", "cancel_all", "fingerprint", "repeated"]


class PageWalk:
    """The state of one page-number walk: its stop rules and its repeat-page guard.

    `take` checks each page as it arrives, in page order, and says whether the walk
    ends with it (`stop`). The walk fails with PaginationError when the service
    reports a page number it already returned, or a page's content equals an earlier
    page's (see `fingerprint`): a service that repeats itself would otherwise be
    walked forever.
    """

    __slots__ = (
        "_current",
        "_final_page",
        "_item_id",
        "_items",
        "_name",
        "_seen",
        "base",
        "count",
        "last",
        "next_page",
        "remaining",
        "skip",
        "stop",
    )

    def __init__(
        self,
        name: str,
        spec: PagingSpec,
        start: int,
        skip: int,
        max_items: int | None,
        max_pages: int | None,
        final_page: Callable[[Any, int, int], int | None],
    ) -> None:
        self._name = name
        self._final_page = final_page
        self._items = spec.items
        self._current = spec.current_page
        self._item_id = spec.item_id
        #: page numbers reported and page fingerprints (ints never equal tuples or digests)
        self._seen: set[Hashable] = set()
        #: the items still wanted (None: no cap)
        self.remaining = max_items
        #: the number of the last page to take, once known (`max_pages`, then the answers)
        self.last: int | None = None if max_pages is None else start + max_pages - 1
        #: True once the page just taken is the walk's last
        self.stop = False
        #: the first page the walk has not taken; None once the results are exhausted
        self.next_page: int | None = start
        #: items of the first page to leave out (a resumed walk yielded them before); 0 once taken
        self.skip = skip
        #: the offset in its page of the first item `take` returned, and the page's length
        self.base = self.count = 0

    def take(self, page: Any, asked: int) -> list[Any]:
        """Check the page asked for as `asked` and return its items (trimmed to `max_items`).

        An empty page ends the walk (`stop`); a resumed walk's first page may also come
        back empty when every item of it was yielded before. Updates `next_page`.
        """
        items: list[Any] = getattr(page, self._items)
        field = self._current
        reported = getattr(page, field) if field is not None else asked
        if reported != asked:
            if not isinstance(reported, int):
                reported = asked
            else:
                logger.debug("%s: asked for page %d, service reported %d", self._name, asked, reported)
        seen = self._seen
        if reported in seen:
            raise PaginationError(
                f"{self._name}: asked for page {asked} and the service answered with page "
                f"{reported} again; stopping instead of looping",
                next_page=asked,
            )
        self.count = count = len(items)  # before any trimming: a short page may be the last
        self.base = skip = self.skip
        if not items:
            self.next_page = None
            self.stop = True
            return items
        content = fingerprint(items, self._item_id)
        if content in seen:
            raise repeated(self._name, asked)
        seen.add(reported)
        seen.add(content)
        if skip:
            del items[:skip]
            self.skip = 0
        remaining = self.remaining
        if remaining is not None:
            if len(items) >= remaining:
                del items[remaining:]
                remaining = self.remaining = 0
            else:
                remaining = self.remaining = remaining - len(items)
        final = self._final_page(page, count, asked)
        last = self.last
        if final is not None and (last is None or final < last):
            last = self.last = final
        exhausted = final is not None and reported >= final
        self.next_page = None if exhausted else asked + 1
        self.stop = exhausted or remaining == 0 or (last is not None and asked >= last)
        return items


def fingerprint(items: Sequence[Any], item_id: str | None) -> Hashable:
    """What identifies a page's content.

    With item ids (the spec's `item_id`): the page's size and its first and last ids (two
    different pages of one walk never share both ends; a repeated page always does).
    Without: a digest of the encoded items, equal only for equal content. Never `id()`:
    freed objects reuse ids, which made long walks of id-less items fail for no reason.
    """
    if item_id is not None:
        first, last = getattr(items[0], item_id, None), getattr(items[-1], item_id, None)
        if first is not None and last is not None:
            return (len(items), first, last)
    return hashlib.blake2b(msgspec.json.encode(items), digest_size=16).digest()


def repeated(name: str, asked: PageToken | None) -> PaginationError:
    """The error for a page whose content an earlier page of the walk had (either kind of walk)."""
    return PaginationError(
        f"{name}: page {asked} repeats the items of an earlier page; stopping instead of looping",
        next_page=asked,
    )


class RepeatGuard:
    """Stops a cursor walk whose service repeats itself, instead of looping forever.

    The walk fails when a cursor comes back, or when a page's content equals an earlier
    page's (see `fingerprint`). Page-number walks are guarded by `PageWalk`.
    """

    __slots__ = ("_contents", "_item_id", "_name", "_spec", "_tokens")

    def __init__(self, name: str, spec: PagingSpec) -> None:
        self._name = name
        self._spec = spec
        self._item_id = spec.item_id
        self._tokens: set[PageToken] = set()
        self._contents: set[Hashable] = set()

    def check(self, page: Any, items: Sequence[Any], asked: PageToken | None) -> None:
        """Raise PaginationError if this page's content was seen before in this walk."""
        if asked is not None:
            self._tokens.add(asked)
        if items:
            content = fingerprint(items, self._item_id)
            if content in self._contents:
                raise repeated(self._name, asked)
            self._contents.add(content)

    def next_cursor(self, page: Any, items: Sequence[Any]) -> PageToken | None:
        """The cursor of the page after `page` (None at the end); a cursor seen before raises."""
        spec = self._spec
        if spec.next_cursor is not None:
            cursor = getattr(page, spec.next_cursor)
        else:
            assert spec.cursor_item is not None
            cursor = getattr(items[-1], spec.cursor_item) if items else None
        if cursor is None or cursor == "":
            return None
        if cursor in self._tokens:
            raise PaginationError(
                f"{self._name}: the service handed out cursor {cursor!r} again; stopping instead of looping",
                next_page=cursor,
            )
        return cursor  # type: ignore[no-any-return]


async def cancel_all(window: deque[tuple[int, asyncio.Task[Any]]]) -> None:
    """Cancel pages still in flight and wait for them, retrieving every outcome."""
    futures = [f for _, f in window]
    window.clear()
    for future in futures:
        future.cancel()
    if futures:
        await asyncio.wait(futures)
        for future in futures:
            if not future.cancelled():
                future.exception()  # mark as retrieved: no "exception never retrieved" warning
