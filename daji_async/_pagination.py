"""The one paginator every paged endpoint returns, driven by the endpoint's `PagingSpec`.

`await` it for the first requested page, `async for` it for items across pages, or walk
`Paginator.pages`. Pages go through the client's pipeline (rate limit, concurrency
bound, retries and timeout apply to each). With `prefetch=N` (page-number paging) up to N
pages are in flight at once from the very first request: the first N pages go out together,
then each page taken frees a place for the next. Pages are still yielded in page order and
at most N are held. The window never reaches past a known last page (`max_pages`, the
page count a page reports) nor past the pages `max_items` needs, so a search shorter than
the window costs at most `N - 1` requests too many, and a capped one none.

Cursor paging cannot speculate: each page names the next, so its pages are fetched one
after another whatever `prefetch` says.

Without a `page_size` the paginator asks for the fewest requests: iterating takes the
largest page the endpoint allows, capped by `max_items`; `await` (one page) keeps the
endpoint's default size unless `max_items` is smaller.

After any iteration, `resume_token` says where it stopped, down to the item (see
`_resume`); `resume=token` continues exactly there. `next_page` is page-granular.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Generator, Iterator, Mapping
from operator import length_hint
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar

from . import _constants as C
from ._endpoints import PageToken, PagingSpec
from ._item_types import with_item_type
from ._resume import decode_token, encode_token, params_digest
from ._validate import integer, known_keys, optional_integer, optional_timeout, retry_count, text
from ._walk_rules import PageWalk, RepeatGuard, cancel_all
from .models.common import Page

if TYPE_CHECKING:
    from ._client import DajiClient, Timeout
    from ._endpoints import Endpoint
    from ._protocol import Envelope, ParamValue
    from ._transport import Request

T = TypeVar("T")
P = TypeVar("P")


class PagingOptions(TypedDict, total=False):
    """The controls every paged call takes, declared once (resources take them as `**paging`).

    Attributes:
        page: the first page to fetch (the endpoint's first page by default: 1 on 1688), or
            the cursor to start from on a cursor-paged endpoint.
        page_size: items per page, within the endpoint's bounds (1..50 on 1688). None: the
            fewest requests (iterating: the largest page allowed, capped by `max_items`;
            `await`: the endpoint's default size, capped by `max_items`).
        max_items: stop after this many items (None: no cap).
        max_pages: stop after this many pages (None: no cap).
        prefetch: pages in flight at once, from the first request on (1: one by one;
            cursor-paged endpoints always go one by one).
        timeout: seconds per request attempt for every page.
        max_retries: retries of each page.
        resume: a `resume_token` of an earlier walk of the same call: start at the item
            after the last one it yielded, with its page size (not with `page`).
    """

    page: PageToken | None
    page_size: int | None
    max_items: int | None
    max_pages: int | None
    prefetch: int
    timeout: Timeout | None
    max_retries: int | None
    resume: str | None


#: The names of `PagingOptions`, to split them from a call's own parameters.
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
    client: DajiClient,
    endpoint: Endpoint[P],
    params: dict[str, ParamValue],
    paging: Mapping[str, Any],
    item_type: type[Any] | None = None,
) -> Paginator[Any, Any]:
    """The walk a resource method returns: its row, its service parameters, the caller's `**paging`.

    `paging` is checked here (an unknown keyword is a TypeError, a bad value a ValueError),
    before anything is sent. `item_type` (a msgspec Struct declaring a subset of the
    endpoint's item fields) decodes the items into it instead of the SDK's item model.

    ```python
    def list(self, keyword: str, **paging: Unpack[PagingOptions]) -> Paginator[Page[Thing], Thing]:
        return paginate(self._client, THING_LIST, {"keyword": keyword}, paging)
    ```

    """
    known_keys(endpoint.name, paging, PAGING_OPTIONS)
    return Paginator(client, endpoint, params, item_type=item_type, **paging)


class Paginator(Generic[P, T]):
    """A lazy, resumable walk over a paged endpoint.

    ```python
    page = await client.products.keyword_search(keyword="连衣裙")            # first page
    async for item in client.products.keyword_search(keyword="连衣裙", max_items=200):
        ...
    async for page in client.products.keyword_search(keyword="连衣裙").pages():
        ...
    ```

    Each `async for` (or `pages` call) starts again from `page`. After an
    iteration ends, for any reason (`max_items`, `break`, an error), `resume_token`
    says exactly where: pass it as `resume=` to the same call to get the next item, never a
    repeat. `next_page` is page-granular: the first page (or cursor) the iteration did
    not start, so the rest of a page cut by `max_items` is not in it.

    Made with `item_type=Mine` (a msgspec Struct of some of the item's fields), the pages
    hold `Mine` items: the walk, its stop rules and its tokens are the same (see
    `_item_types`).
    """

    __slots__ = (
        "_after",
        "_at",
        "_auto_size",
        "_batch",
        "_client",
        "_endpoint",
        "_handing",
        "_max_retries",
        "_offset",
        "_page_len",
        "_params",
        "_requests",
        "_skip",
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
        resume: str | None = None,
        item_type: type[Any] | None = None,
    ) -> None:
        if item_type is not None:
            endpoint = with_item_type(endpoint, item_type)  # the same row, its pages holding item_type
        spec = endpoint.paging
        if spec is None:
            raise ValueError(f"{endpoint.name} is not a paged endpoint (its row has no paging spec)")
        skip = 0
        if resume is not None:
            if page is not None:
                raise ValueError("give resume or page, not both: the resume token carries the page")
            point = decode_token(resume, endpoint.name, params_digest(params))
            if page_size is not None and page_size != point.size:
                raise ValueError(
                    f"page_size={page_size!r} conflicts with the resume token's page size {point.size}: leave it out"
                )
            page, page_size, skip = point.page, point.size, point.offset
            if page is None and spec.style == "page":
                raise ValueError("resume token is malformed: no page number for a page-numbered walk")
        elif page is None:
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
        self._skip = skip  # items of the first page already yielded by the walk resumed
        self._rewind()

    def _rewind(self) -> None:
        """Point the resume state at the walk's start (before an iteration, and on a new paginator)."""
        self._at: PageToken | None = self.page  # the page holding the next item
        self._offset = self._skip  # that item's offset in its page (see _handing)
        #: `async for`: the iterator handing over the current page's items (its `_batch` of
        #: them from `_offset` on); how far it got is read only when resume_token is
        self._handing: Iterator[Any] | None = None
        self._batch = 0
        self._page_len: int | None = None  # that page's length, once fetched
        self._after: tuple[PageToken | None] | None = (self.page,)  # the page after it; None: no more pages

    @property
    def endpoint(self) -> Endpoint[P]:
        """The endpoint row this paginator walks."""
        return self._endpoint

    @property
    def resume_token(self) -> str | None:
        """Where the last iteration stopped, down to the item; None once the results are exhausted.

        An opaque, URL-safe string (the page or cursor, the page size and the offset of the
        next item in its page): `resume=token` on the same call (same parameters) yields
        exactly the next item, with the same page size, never a repeat nor a gap. Before any
        iteration it is this paginator's own start. A token made by another call, or a
        damaged one, is refused with a ValueError.

        ```python
        walk = client.products.keyword_search("连衣裙", max_items=70)
        first = [item async for item in walk]
        more = [item async for item in client.products.keyword_search("连衣裙", resume=walk.resume_token)]
        ```
        """
        at, offset = self._at, self._offset
        if self._handing is not None:
            offset += self._batch - length_hint(self._handing)  # the items handed over so far
        if self._page_len is not None and offset >= self._page_len:
            if self._after is None:
                return None
            at, offset = self._after[0], 0
        return encode_token(self._endpoint.name, params_digest(self._params), at, self.page_size, offset)

    @property
    def items_field(self) -> str:
        """The name of the attribute that holds a page's items (`"items"` on 1688 search pages)."""
        return self._spec.items

    def __repr__(self) -> str:
        return (
            f"Paginator({self._endpoint.name}, page={self.page!r}, page_size={self.page_size}, "
            f"max_items={self.max_items}, max_pages={self.max_pages}, prefetch={self.prefetch})"
        )

    def fetch_page(self, number: PageToken | None) -> Coroutine[Any, Any, P]:
        """Fetch one page by number (or cursor) through the client's pipeline (no paging state changes).

        `await paginator.fetch_page(3)`. The walk's pages share one signed template: only
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
        """`await paginator`: the first page, signed on its own (a template pays off from the second page)."""
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
        if self._skip:
            return self._resumed_page().__await__()
        return self._one_page().__await__()

    async def _resumed_page(self) -> P:
        """`await` on a resumed paginator: the page of the next item, without the items yielded before."""
        page = await self._one_page()
        del getattr(page, self._spec.items)[: self._skip]
        return page

    def __aiter__(self) -> AsyncIterator[T]:
        return self._walk(True)

    def pages(self) -> AsyncGenerator[P, None]:
        """Yield pages in order from `page`, honouring every stop rule and `prefetch`."""
        return self._walk(False)

    def _walk_size(self) -> int:
        """The page size of an iteration: without a `page_size` and a `max_items`, the largest allowed.

        Fewer, larger pages cost fewer requests (each is counted against the app's quota).
        `page_size` then reports the size walked, so `page=next_page` resumes with
        `page_size=paginator.page_size`.
        """
        if self._auto_size and self.max_items is None and self.page_size != self._spec.max_size:
            self.page_size = self._spec.max_size
            self._requests = None  # the page template carries the size
        return self.page_size

    async def _walk(self, flat: bool) -> AsyncGenerator[Any, None]:
        """The one paging loop: pages in order (`flat`: their items), every stop rule, `prefetch`.

        `async for`, `pages` and bulk (`_collect`) all walk here. Items are
        yielded from here directly (no generator of items over a generator of pages). Stop
        rules: an empty page; the last page (its reported page count, or a short page when
        the service reports none); `max_items`; `max_pages`; and the repeat-page guard,
        which raises. The resume state (`resume_token`) moves with every item yielded.
        """
        spec = self._spec
        start = self.page
        self.next_page = start
        self.pages_fetched = 0
        self._rewind()
        if self.max_items == 0:
            return
        size = self._walk_size()
        if spec.style == "cursor":
            async for taken in self._cursor_walk(flat):
                yield taken
            return
        assert isinstance(start, int)
        walk = PageWalk(self._endpoint.name, spec, start, self._skip, self.max_items, self.max_pages, self._final_page)
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
                    wanted = None if remaining is None else remaining + walk.skip
                    while (
                        len(window) < prefetch
                        and (last is None or upcoming <= last)
                        and (wanted is None or len(window) * size < wanted)
                    ):
                        window.append((upcoming, asyncio.ensure_future(self.fetch_page(upcoming))))
                        upcoming += 1
                    page = await window.popleft()[1]
                self.pages_fetched += 1
                items = walk.take(page, number)
                self.next_page = following = walk.next_page
                self._at, self._page_len = number, walk.count
                self._after = None if following is None else (following,)
                if window:
                    last = walk.last
                    while window and last is not None and window[-1][0] > last:  # past the end: not needed
                        window.pop()[1].cancel()
                if flat:
                    # nothing per item: resume_token counts what this iterator handed over
                    self._offset, self._batch = walk.base, len(items)
                    self._handing = handing = iter(items)
                    for item in handing:
                        yield item
                else:
                    self._offset, self._handing = walk.base + len(items), None
                    if items:
                        yield page
                if walk.stop:
                    return
                number += 1
        finally:
            if window:
                await cancel_all(window)

    async def _cursor_walk(self, flat: bool) -> AsyncGenerator[Any, None]:
        """The cursor-paged half of `_walk`: one page after another, each naming the next."""
        spec = self._spec
        guard = RepeatGuard(self._endpoint.name, spec)
        remaining = self.max_items
        skip = self._skip
        token: PageToken | None = self.page
        yielded = 0
        items_of = spec.items
        while True:
            page = await self.fetch_page(token)
            self.pages_fetched += 1
            items: list[Any] = getattr(page, items_of)
            guard.check(page, items, token)
            count = len(items)
            following = guard.next_cursor(page, items) if items else None
            self._at, self._page_len = token, count
            self._after = None if following is None else (following,)
            if not items:
                self.next_page = None
                return
            base, skip = skip, 0
            if base:
                del items[:base]
            if remaining is not None:
                if len(items) >= remaining:
                    if len(items) > remaining:
                        del items[remaining:]
                        following = guard.next_cursor(page, items) if items else token  # page-granular
                    remaining = 0
                else:
                    remaining -= len(items)
            yielded += 1
            self.next_page = following
            if flat:
                self._offset, self._batch = base, len(items)
                self._handing = handing = iter(items)
                for item in handing:
                    yield item
            else:
                self._offset, self._handing = base + len(items), None
                if items:
                    yield page
            if self._after is None or remaining == 0 or yielded == self.max_pages:
                return
            token = self._after[0]

    async def _collect(self) -> list[T]:
        """Every item of an iteration, in order, in one list: what `client.bulk` keeps per input.

        The same walk as `async for` (every stop rule, `next_page`,
        `resume_token`, `pages_fetched`).
        """
        collected: list[T] | None = None
        pages = self._walk(False)
        items_of = self._spec.items
        try:
            async for page in pages:
                if collected is None:
                    collected = getattr(page, items_of)  # the first page's own list: no copy
                else:
                    collected += getattr(page, items_of)
        except BaseException:
            await pages.aclose()  # pages still in flight are cancelled now, not when collected
            raise
        return [] if collected is None else collected

    def _final_page(self, page: P, count: int, asked: int) -> int | None:
        """The number of the last page, or None while unknown.

        From the answer's page count, else its item count; when the service gives neither, a
        page shorter than `page_size` (`count` items) is the last.
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


__all__ = ["PAGING_OPTIONS", "Page", "Paginator", "PagingOptions", "check_paging", "paginate"]
