"""The paginator every search call returns.

``await`` it for the first requested page, ``async for`` it for items across pages, or walk
:meth:`Paginator.pages`. Pages go through the client's pipeline one by one (rate limit,
concurrency bound, retries and timeout apply to each); with ``prefetch=N`` up to N later
pages are in flight at once, still yielded in page order, and at most N are held.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import _constants as C
from ._errors import PaginationError
from ._logs import logger
from .models.common import Page

if TYPE_CHECKING:
    from ._client import DajiClient, Timeout, _Prepared
    from ._endpoints import Endpoint
    from ._protocol import ParamValue

T = TypeVar("T")
P = TypeVar("P", bound=Page[Any])


def check_paging(page: int, page_size: int, max_items: int | None, max_pages: int | None, prefetch: int) -> None:
    """Validate paging controls before any request, with a ValueError naming the bad one."""
    for name, value, low in (("page", page, 1), ("page_size", page_size, C.MIN_PAGE_SIZE), ("prefetch", prefetch, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if page_size > C.MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between {C.MIN_PAGE_SIZE} and {C.MAX_PAGE_SIZE}, got {page_size}")
    for name, cap, low in (("max_items", max_items, 0), ("max_pages", max_pages, 1)):
        if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < low):
            raise ValueError(f"{name} must be None or an int >= {low}, got {cap!r}")


def _fingerprint(items: list[Any]) -> Hashable:
    """What identifies a page's content: its size and its first and last offers.

    Two different pages of one search never share both ends; a repeated page always does.
    """
    first, last = items[0], items[-1]
    return (len(items), getattr(first, "offer_id", None) or id(first), getattr(last, "offer_id", None) or id(last))


class Paginator(Generic[P, T]):
    """A lazy, resumable walk over a paged search.

    ::

        page = await client.products.keyword_search(keyword="连衣裙")            # first page
        async for item in client.products.keyword_search(keyword="连衣裙", max_items=200):
            ...
        async for page in client.products.keyword_search(keyword="连衣裙").pages():
            ...

    Each ``async for`` (or :meth:`pages` call) starts again from ``page``. After an
    iteration ends, for any reason, :attr:`next_page` is the first page it did not yield
    (None once the results are exhausted): pass it as ``page=`` to resume.
    """

    def __init__(
        self,
        client: DajiClient,
        endpoint: Endpoint[P],
        params: dict[str, ParamValue],
        *,
        page: int = 1,
        page_size: int = C.DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
        max_pages: int | None = None,
        prefetch: int = 1,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> None:
        check_paging(page, page_size, max_items, max_pages, prefetch)
        self._client = client
        self._endpoint = endpoint
        self._params = params
        self.page = page
        self.page_size = page_size
        self.max_items = max_items
        self.max_pages = max_pages
        self.prefetch = prefetch
        self._timeout = timeout
        self._max_retries = max_retries
        #: The first page the last iteration did not yield; None once results are exhausted.
        self.next_page: int | None = page
        #: Pages fetched by the last iteration (including any page that was trimmed).
        self.pages_fetched = 0
        self._requests: Callable[[int], _Prepared] | None = None  # signed page requests, built once

    def __repr__(self) -> str:
        return (
            f"Paginator({self._endpoint.name}, page={self.page}, page_size={self.page_size}, "
            f"max_items={self.max_items}, max_pages={self.max_pages}, prefetch={self.prefetch})"
        )

    async def fetch_page(self, number: int) -> P:
        """Fetch one page by number through the client's pipeline (no paging state changes)."""
        requests = self._requests
        if requests is None:
            requests = self._requests = self._client._pages(
                self._endpoint, {**self._params, "pageSize": self.page_size}
            )
        envelope = await self._client._execute(
            self._endpoint, prepared=requests(number), timeout=self._timeout, max_retries=self._max_retries
        )
        data = envelope.data
        if data is None:
            data = self._endpoint.response()
        if not data.current_page:
            data.current_page = number
        if not data.page_size:
            data.page_size = self.page_size
        data.trace_id = envelope.trace_id
        return data

    def __await__(self) -> Generator[Any, None, P]:
        return self.fetch_page(self.page).__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncGenerator[T, None]:
        pages = self.pages()
        try:
            async for page in pages:
                for item in page.items:
                    yield item
        finally:
            await pages.aclose()

    async def pages(self) -> AsyncGenerator[P, None]:
        """Yield pages in order from ``page``, honouring every stop rule and ``prefetch``."""
        start = self.page
        self.next_page = start
        self.pages_fetched = 0
        remaining = self.max_items
        if remaining == 0:
            self.next_page = start
            return
        seen_numbers: set[int] = set()
        seen_content: set[Hashable] = set()
        window: deque[tuple[int, asyncio.Future[P]]] = deque()
        last: int | None = None  # the last page number worth asking for
        number = start
        try:
            page = await self.fetch_page(start)
            while True:
                self.pages_fetched += 1
                self._check_cycle(page, number, seen_numbers, seen_content)
                if not page.items:
                    self.next_page = None
                    return
                if remaining is not None and len(page.items) >= remaining:
                    del page.items[remaining:]
                    remaining = 0
                elif remaining is not None:
                    remaining -= len(page.items)
                exhausted = page.total_pages <= page.current_page
                limit = page.total_pages
                if self.max_pages is not None:
                    limit = min(limit, start + self.max_pages - 1)
                last = limit if last is None else min(last, limit)
                self.next_page = None if exhausted else number + 1
                yield page
                if exhausted or remaining == 0 or number >= last:
                    return
                if self.prefetch == 1:
                    number += 1
                    page = await self.fetch_page(number)
                else:
                    self._fill(window, number, last, remaining)
                    number, future = window.popleft()
                    page = await future
        finally:
            await _cancel_all(window)

    def _fill(
        self, window: deque[tuple[int, asyncio.Future[P]]], number: int, last: int, remaining: int | None
    ) -> None:
        """Keep up to ``prefetch`` pages after ``number`` in flight, only as many as can be used."""
        while window and window[-1][0] > last:
            window.pop()[1].cancel()
        upcoming = window[-1][0] + 1 if window else number + 1
        while len(window) < self.prefetch and upcoming <= last:
            if window and remaining is not None and len(window) * self.page_size >= remaining:
                break
            window.append((upcoming, asyncio.ensure_future(self.fetch_page(upcoming))))
            upcoming += 1

    def _check_cycle(self, page: P, number: int, numbers: set[int], contents: set[Hashable]) -> None:
        reported = page.current_page
        if reported in numbers:
            raise PaginationError(
                f"{self._endpoint.name}: asked for page {number} and the service answered with page "
                f"{reported} again; stopping instead of looping",
                next_page=number,
            )
        if page.items:
            fingerprint = _fingerprint(page.items)
            if fingerprint in contents:
                raise PaginationError(
                    f"{self._endpoint.name}: page {number} repeats the items of an earlier page; "
                    "stopping instead of looping",
                    next_page=number,
                )
            contents.add(fingerprint)
        if reported != number:
            logger.debug("%s: asked for page %d, service reported %d", self._endpoint.name, number, reported)
        numbers.add(reported)


async def _cancel_all(window: deque[tuple[int, asyncio.Future[Any]]]) -> None:
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


__all__ = ["Page", "Paginator", "check_paging"]
