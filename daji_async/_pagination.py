"""The one paginator every paged endpoint returns, driven by the endpoint's :class:`PagingSpec`.

``await`` it for the first requested page, ``async for`` it for items across pages, or walk
:meth:`Paginator.pages`. Pages go through the client's pipeline (rate limit, concurrency
bound, retries and timeout apply to each). With ``prefetch=N`` (page-number paging) up to N
pages are in flight at once from the very first request: the first N pages go out together,
then each page taken frees a place for the next. Pages are still yielded in page order and
at most N are held. The window never reaches past a known last page (``max_pages``, the
page count a page reports) nor past the pages ``max_items`` needs, so a search shorter than
the window costs at most ``N - 1`` requests too many, and a capped one none.

Cursor paging cannot speculate: each page names the next, so its pages are fetched one
after another whatever ``prefetch`` says.

Without a ``page_size`` the paginator asks for the fewest requests: iterating takes the
largest page the endpoint allows, capped by ``max_items``; ``await`` (one page) keeps the
endpoint's default size unless ``max_items`` is smaller.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Generator, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar

import msgspec

from . import _constants as C
from ._endpoints import PageToken, PagingSpec
from ._errors import PaginationError
from ._logs import logger
from ._validate import integer, known_keys, optional_integer, optional_timeout, retry_count, text
from .models.common import Page

if TYPE_CHECKING:
    from ._client import DajiClient, Timeout
    from ._endpoints import Endpoint
    from ._protocol import Envelope, ParamValue
    from ._transport import Request

T = TypeVar("T")
P = TypeVar("P")


class PagingOptions(TypedDict, total=False):
    """The controls every paged call takes, declared once (resources take them as ``**paging``).

    Attributes:
        page: the first page to fetch (the endpoint's first page by default: 1 on 1688), or
            the cursor to start from on a cursor-paged endpoint.
        page_size: items per page, within the endpoint's bounds (1..50 on 1688). None: the
            fewest requests (iterating: the largest page allowed, capped by ``max_items``;
            ``await``: the endpoint's default size, capped by ``max_items``).
        max_items: stop after this many items (None: no cap).
        max_pages: stop after this many pages (None: no cap).
        prefetch: pages in flight at once, from the first request on (1: one by one;
            cursor-paged endpoints always go one by one).
        timeout: seconds per request attempt for every page.
        max_retries: retries of each page.
    """

    page: PageToken | None
    page_size: int | None
    max_items: int | None
    max_pages: int | None
    prefetch: int
    timeout: Timeout | None
    max_retries: int | None


#: The names of :class:`PagingOptions`, to split them from a call's own parameters.
PAGING_OPTIONS = frozenset(PagingOptions.__annotations__)


def check_paging(
    spec: PagingSpec,
    page: PageToken | None,
    page_size: int,
    max_items: int | None,
    max_pages: int | None,
    prefetch: int,
) -> None:
    """Validate paging controls before any request, with a ValueError naming the bad one."""
    if spec.style == "page":
        assert isinstance(spec.first_page, int)
        integer("page", page, low=spec.first_page, high=C.MAX_QUANTITY)
    elif page is not None and (isinstance(page, bool) or not isinstance(page, (int, str))):
        raise ValueError(f"page must be a cursor (str or int) or None, got {page!r}")
    elif isinstance(page, str):
        text("page", page, max_length=C.MAX_PICTURE_URL, one_line=True)
    integer("page_size", page_size, low=spec.min_size, high=spec.max_size)
    integer("prefetch", prefetch, low=1)
    optional_integer("max_items", max_items, low=0)
    optional_integer("max_pages", max_pages, low=1)


def paginate(
    client: DajiClient, endpoint: Endpoint[P], params: dict[str, ParamValue], paging: Mapping[str, Any]
) -> Paginator[P, Any]:
    """The walk a resource method returns: its row, its service parameters, the caller's ``**paging``.

    ``paging`` is checked here (an unknown keyword is a TypeError, a bad value a ValueError),
    before anything is sent.

    ::

        def list(self, keyword: str, **paging: Unpack[PagingOptions]) -> Paginator[Page[Thing], Thing]:
            return paginate(self._client, THING_LIST, {"keyword": keyword}, paging)
    """
    known_keys(endpoint.name, paging, PAGING_OPTIONS)
    return Paginator(client, endpoint, params, **paging)


class Paginator(Generic[P, T]):
    """A lazy, resumable walk over a paged endpoint.

    ::

        page = await client.products.keyword_search(keyword="连衣裙")            # first page
        async for item in client.products.keyword_search(keyword="连衣裙", max_items=200):
            ...
        async for page in client.products.keyword_search(keyword="连衣裙").pages():
            ...

    Each ``async for`` (or :meth:`pages` call) starts again from ``page``. After an
    iteration ends, for any reason, :attr:`next_page` is the first page (or cursor) it did
    not yield (None once the results are exhausted): pass it as ``page=`` to resume.
    """

    __slots__ = (
        "_auto_size",
        "_client",
        "_endpoint",
        "_max_retries",
        "_params",
        "_requests",
        "_spec",
        "_timeout",
        "max_items",
        "max_pages",
        "next_page",
        "page",
        "page_size",
        "pages_fetched",
        "prefetch",
    )

    def __init__(
        self,
        client: DajiClient,
        endpoint: Endpoint[P],
        params: dict[str, ParamValue],
        *,
        page: PageToken | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        max_pages: int | None = None,
        prefetch: int = 1,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> None:
        spec = endpoint.paging
        if spec is None:
            raise ValueError(f"{endpoint.name} is not a paged endpoint (its row has no paging spec)")
        if page is None:
            page = spec.first_page  # None only for a cursor walk whose first request names no cursor
        self._auto_size = page_size is None
        if page_size is None:
            page_size = spec.default_size
            if isinstance(max_items, int) and not isinstance(max_items, bool) and max_items > 0:
                page_size = max(spec.min_size, min(spec.max_size, max_items))  # one page when max_items fits
        check_paging(spec, page, page_size, max_items, max_pages, prefetch)
        optional_timeout("timeout", timeout)
        retry_count("max_retries", max_retries)
        self._client = client
        self._endpoint = endpoint
        self._spec = spec
        self._params = params
        self.page: PageToken | None = page
        self.page_size = page_size
        self.max_items = max_items
        self.max_pages = max_pages
        self.prefetch = prefetch
        self._timeout = timeout
        self._max_retries = max_retries
        #: The first page the last iteration did not yield; None once results are exhausted.
        self.next_page: PageToken | None = page
        #: Pages taken by the last iteration (including any page that was trimmed).
        self.pages_fetched = 0
        self._requests: Callable[[PageToken | None], Request] | None = None  # signed page requests, built once

    def _with_params(
        self, params: dict[str, ParamValue], requests: Callable[[PageToken | None], Request] | None = None
    ) -> Paginator[P, T]:
        """A new paginator with this one's (checked) paging options over other service parameters.

        Nothing is checked again: bulk calls check the options once, then make one paginator
        per input this way. ``requests`` is the new walk's page requests when the caller has
        them already (see ``DajiClient._keyed_pages``); they must be for ``params`` with this
        paginator's page size.
        """
        clone: Paginator[P, T] = object.__new__(Paginator)
        clone._auto_size = self._auto_size
        clone._client = self._client
        clone._endpoint = self._endpoint
        clone._spec = self._spec
        clone._params = params
        clone.page = clone.next_page = self.page
        clone.page_size = self.page_size
        clone.max_items = self.max_items
        clone.max_pages = self.max_pages
        clone.prefetch = self.prefetch
        clone._timeout = self._timeout
        clone._max_retries = self._max_retries
        clone.pages_fetched = 0
        clone._requests = requests
        return clone

    @property
    def endpoint(self) -> Endpoint[P]:
        """The endpoint row this paginator walks."""
        return self._endpoint

    @property
    def items_field(self) -> str:
        """The name of the attribute that holds a page's items (``"items"`` on 1688 search pages)."""
        return self._spec.items

    def __repr__(self) -> str:
        return (
            f"Paginator({self._endpoint.name}, page={self.page!r}, page_size={self.page_size}, "
            f"max_items={self.max_items}, max_pages={self.max_pages}, prefetch={self.prefetch})"
        )

    def fetch_page(self, number: PageToken | None) -> Coroutine[Any, Any, P]:
        """Fetch one page by number (or cursor) through the client's pipeline (no paging state changes).

        ``await paginator.fetch_page(3)``. The walk's pages share one signed template: only
        the page number changes from one request to the next.
        """
        requests = self._requests
        if requests is None:
            requests = self._page_requests()
        return self._fetched(number, requests(number))

    def _page_requests(self) -> Callable[[PageToken | None], Request]:
        """The walk's signed page requests (one template), made on first use and kept."""
        requests = self._requests = self._client._pages(self._endpoint, self._sized_params())
        return requests

    def _sized_params(self) -> dict[str, ParamValue]:
        """The call's parameters with the page size (every page's; the page itself is added per request)."""
        return {**self._params, self._spec.size_param: self.page_size}

    def _one_page(self) -> Coroutine[Any, Any, P]:
        """``await paginator``: the first page, signed on its own (a template pays off from the second page)."""
        params = self._sized_params()
        if self.page is not None:
            params[self._spec.page_param] = self.page
        return self._fetched(self.page, self._client._prepare(self._endpoint, params))

    async def _fetched(self, number: PageToken | None, request: Request) -> P:
        """Send one page's request and fill in what the service left out of its answer."""
        envelope = await self._client._execute(
            self._endpoint, request=request, timeout=self._timeout, max_retries=self._max_retries
        )
        return self._filled(envelope, number)

    def _filled(self, envelope: Envelope[P], number: PageToken | None) -> P:
        """The page of a decoded answer, with what the service left out of it filled in."""
        data = envelope.data
        if data is None:
            data = self._endpoint.response()
        spec = self._spec
        # the service leaves these out at times: fill in what was asked for
        if spec.current_page is not None and isinstance(number, int) and not getattr(data, spec.current_page):
            setattr(data, spec.current_page, number)
        if spec.page_size is not None and not getattr(data, spec.page_size):
            setattr(data, spec.page_size, self.page_size)
        if spec.trace_id is not None:
            setattr(data, spec.trace_id, envelope.trace_id)
        if spec.total_pages is not None and getattr(data, spec.total_pages) is None and isinstance(number, int):
            # no page count from the service: count it from the item total, or a short page is the last
            final = self._final_page(data, len(getattr(data, spec.items)), number)
            if final is not None:
                setattr(data, spec.total_pages, final - spec.first_page + 1)  # type: ignore[operator]
        return data

    def __await__(self) -> Generator[Any, None, P]:
        return self._one_page().__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._walk(True)

    def pages(self) -> AsyncGenerator[P, None]:
        """Yield pages in order from ``page``, honouring every stop rule and ``prefetch``."""
        return self._walk(False)

    def _walk_size(self) -> int:
        """The page size of an iteration: without a ``page_size`` and a ``max_items``, the largest allowed.

        Fewer, larger pages cost fewer requests (each is counted against the app's quota).
        ``page_size`` then reports the size walked, so ``page=next_page`` resumes with
        ``page_size=paginator.page_size``.
        """
        if self._auto_size and self.max_items is None and self.page_size != self._spec.max_size:
            self.page_size = self._spec.max_size
            self._requests = None  # the page template carries the size
        return self.page_size

    async def _walk(self, flat: bool) -> AsyncGenerator[Any, None]:
        """The one paging loop: pages in order (``flat``: their items), every stop rule, ``prefetch``.

        Items are yielded from here directly (no generator of items over a generator of
        pages). Stop rules: an empty page; the last page (its reported page count, or a
        short page when the service reports none); ``max_items``; ``max_pages``; and the
        repeat-page guard, which raises. A page-number walk keeps them in a :class:`_PageWalk`,
        which :meth:`_collect` shares.
        """
        spec = self._spec
        start = self.page
        self.next_page = start
        self.pages_fetched = 0
        if self.max_items == 0:
            return
        size = self._walk_size()
        items_of = spec.items
        if spec.style == "cursor":
            guard = _RepeatGuard(self._endpoint.name, spec)
            remaining = self.max_items
            token: PageToken | None = start
            yielded = 0
            while True:
                page = await self.fetch_page(token)
                self.pages_fetched += 1
                items: list[Any] = getattr(page, items_of)
                guard.check(page, items, token)
                if not items:
                    self.next_page = None
                    return
                if remaining is not None:
                    if len(items) >= remaining:
                        del items[remaining:]
                        remaining = 0
                    else:
                        remaining -= len(items)
                yielded += 1
                following = guard.next_cursor(page, items)
                self.next_page = following
                if flat:
                    for item in items:
                        yield item
                else:
                    yield page
                if following is None or remaining == 0 or yielded == self.max_pages:
                    return
                token = following
        assert isinstance(start, int)
        walk = _PageWalk(self, start)
        number = start  # the page taken next
        prefetch = self.prefetch
        requests = self._requests
        execute, endpoint, timeout, retries = self._client._execute, self._endpoint, self._timeout, self._max_retries
        window: deque[tuple[int, asyncio.Task[P]]] | None = None  # pages asked for, not yet taken, in order
        upcoming = start  # the next page number to ask for
        try:
            while True:
                if prefetch == 1:
                    # fetch_page(number), without its coroutine: one frame less per page
                    if requests is None:
                        requests = self._page_requests()
                    envelope = await execute(endpoint, request=requests(number), timeout=timeout, max_retries=retries)
                    page = self._filled(envelope, number)
                else:
                    if window is None:
                        window = deque()
                    # keep up to `prefetch` pages in flight, the first window included, but never
                    # past the last page known and never more than the items still wanted need
                    last, remaining = walk.last, walk.remaining
                    while (
                        len(window) < prefetch
                        and (last is None or upcoming <= last)
                        and (remaining is None or len(window) * size < remaining)
                    ):
                        window.append((upcoming, asyncio.ensure_future(self.fetch_page(upcoming))))
                        upcoming += 1
                    page = await window.popleft()[1]
                items = walk.take(page, number)
                if not items:
                    return
                if window:
                    last = walk.last
                    while window and last is not None and window[-1][0] > last:  # past the end: not needed
                        window.pop()[1].cancel()
                if flat:
                    for item in items:
                        yield item
                else:
                    yield page
                if walk.stop:
                    return
                number += 1
        finally:
            if window:
                await _cancel_all(window)

    async def _collect(self, each_page: Callable[[int], object] | None = None) -> list[T]:
        """Every item of an iteration, in order, in one list: what ``client.bulk`` keeps per input.

        The same walk as ``async for`` (every stop rule, :attr:`next_page`,
        :attr:`pages_fetched`), as one coroutine: a page-number walk one page at a time needs
        no async generator. ``each_page(count)`` is called as each page's ``count`` items
        are taken, before they are added (the bulk engine frees as many items of a worker's
        previous result then).
        """
        collected: list[T] = []
        spec = self._spec
        start = self.page
        if spec.style == "cursor" or self.prefetch != 1 or not isinstance(start, int):
            pages = self._walk(False)
            items_of = spec.items
            try:
                async for page in pages:
                    found = getattr(page, items_of)
                    if each_page is not None:
                        each_page(len(found))
                    collected += found
            except BaseException:
                await pages.aclose()  # pages still in flight are cancelled now, not when collected
                raise
            return collected
        self.next_page = start
        self.pages_fetched = 0
        if self.max_items == 0:
            return collected
        self._walk_size()
        walk = _PageWalk(self, start)
        requests = self._requests
        if requests is None:
            requests = self._page_requests()
        execute, endpoint, timeout, retries = self._client._execute, self._endpoint, self._timeout, self._max_retries
        number = start
        while True:
            envelope = await execute(endpoint, request=requests(number), timeout=timeout, max_retries=retries)
            items = walk.take(self._filled(envelope, number), number)
            if not items:
                return collected
            if each_page is not None:
                each_page(len(items))
            collected += items
            if walk.stop:
                return collected
            number += 1

    def _final_page(self, page: P, count: int, asked: int) -> int | None:
        """The number of the last page, or None while unknown.

        From the answer's page count, else its item count; when the service gives neither, a
        page shorter than ``page_size`` (``count`` items) is the last.
        """
        spec = self._spec
        pages: int | None = None
        if spec.total_pages is not None:
            pages = getattr(page, spec.total_pages)
            if pages is not None:  # the common case first
                return spec.first_page + pages - 1  # type: ignore[operator]  # an int: page-number paging
        if spec.total_items is not None:
            items = getattr(page, spec.total_items)
            if items is not None:
                pages = -(-items // self.page_size) if items > 0 else 0
        if pages is not None:
            return spec.first_page + pages - 1  # type: ignore[operator]
        if count < self.page_size:
            number = getattr(page, spec.current_page) if spec.current_page is not None else None
            return number if isinstance(number, int) and number else asked
        return None


class _PageWalk:
    """The state of one page-number walk: its stop rules and its repeat-page guard.

    :meth:`take` checks each page as it arrives, in page order, and says whether the walk
    ends with it (:attr:`stop`). The walk fails with PaginationError when the service
    reports a page number it already returned, or a page's content equals an earlier
    page's (see :func:`_fingerprint`): a service that repeats itself would otherwise be
    walked forever.
    """

    __slots__ = ("_current", "_item_id", "_items", "_paginator", "_seen", "last", "remaining", "stop")

    def __init__(self, paginator: Paginator[Any, Any], start: int) -> None:
        spec = paginator._spec
        self._paginator = paginator
        self._items = spec.items
        self._current = spec.current_page
        self._item_id = spec.item_id
        #: page numbers reported and page fingerprints (ints never equal tuples or digests)
        self._seen: set[Hashable] = set()
        #: the items still wanted (None: no cap)
        self.remaining = paginator.max_items
        #: the number of the last page to take, once known (``max_pages``, then the answers)
        self.last: int | None = None if paginator.max_pages is None else start + paginator.max_pages - 1
        #: True once the page just taken is the walk's last
        self.stop = False

    def take(self, page: Any, asked: int) -> list[Any]:
        """Check the page asked for as ``asked`` and return its items (trimmed to ``max_items``).

        An empty list ends the walk without a page to yield. Updates the paginator's
        :attr:`~Paginator.pages_fetched` and :attr:`~Paginator.next_page`.
        """
        paginator = self._paginator
        paginator.pages_fetched += 1
        items: list[Any] = getattr(page, self._items)
        field = self._current
        reported = getattr(page, field) if field is not None else asked
        if reported != asked:
            if not isinstance(reported, int):
                reported = asked
            else:
                logger.debug("%s: asked for page %d, service reported %d", paginator._endpoint.name, asked, reported)
        seen = self._seen
        if reported in seen:
            raise PaginationError(
                f"{paginator._endpoint.name}: asked for page {asked} and the service answered with page "
                f"{reported} again; stopping instead of looping",
                next_page=asked,
            )
        if not items:
            paginator.next_page = None
            self.stop = True
            return items
        content = _fingerprint(items, self._item_id)
        if content in seen:
            raise _repeated(paginator._endpoint.name, asked)
        seen.add(reported)
        seen.add(content)
        count = len(items)  # before any trimming: a short page may be the last
        remaining = self.remaining
        if remaining is not None:
            if count >= remaining:
                del items[remaining:]
                remaining = self.remaining = 0
            else:
                remaining = self.remaining = remaining - count
        final = paginator._final_page(page, count, asked)
        last = self.last
        if final is not None and (last is None or final < last):
            last = self.last = final
        exhausted = final is not None and reported >= final
        paginator.next_page = None if exhausted else asked + 1
        self.stop = exhausted or remaining == 0 or (last is not None and asked >= last)
        return items


def _fingerprint(items: Sequence[Any], item_id: str | None) -> Hashable:
    """What identifies a page's content.

    With item ids (the spec's ``item_id``): the page's size and its first and last ids (two
    different pages of one walk never share both ends; a repeated page always does).
    Without: a digest of the encoded items, equal only for equal content. Never ``id()``:
    freed objects reuse ids, which made long walks of id-less items fail for no reason.
    """
    if item_id is not None:
        first, last = getattr(items[0], item_id, None), getattr(items[-1], item_id, None)
        if first is not None and last is not None:
            return (len(items), first, last)
    return hashlib.blake2b(msgspec.json.encode(items), digest_size=16).digest()


def _repeated(name: str, asked: PageToken | None) -> PaginationError:
    """The error for a page whose content an earlier page of the walk had (either kind of walk)."""
    return PaginationError(
        f"{name}: page {asked} repeats the items of an earlier page; stopping instead of looping",
        next_page=asked,
    )


class _RepeatGuard:
    """Stops a cursor walk whose service repeats itself, instead of looping forever.

    The walk fails when a cursor comes back, or when a page's content equals an earlier
    page's (see :func:`_fingerprint`). Page-number walks are guarded by :class:`_PageWalk`.
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
            content = _fingerprint(items, self._item_id)
            if content in self._contents:
                raise _repeated(self._name, asked)
            self._contents.add(content)

    def next_cursor(self, page: Any, items: Sequence[Any]) -> PageToken | None:
        """The cursor of the page after ``page`` (None at the end); a cursor seen before raises."""
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


async def _cancel_all(window: deque[tuple[int, asyncio.Task[Any]]]) -> None:
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


__all__ = ["PAGING_OPTIONS", "Page", "Paginator", "PagingOptions", "check_paging", "paginate"]
