"""``client.bulk``: many searches or details at once, with bounded concurrency and memory.

A fixed pool of ``concurrency`` workers pulls inputs lazily from any iterable or async
iterable; each input yields exactly one :class:`BulkResult`, whether it succeeded or not.
At most ``2 * concurrency`` inputs are taken and not yet yielded at any moment, so memory
does not grow with the number of inputs (a generator of a million keywords is fine), and
``ordered=True`` reorders within that same bound. Every request underneath still passes
the client's rate limit and ``max_concurrency``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, Union

from . import _constants as C
from ._pagination import Paginator, check_paging
from .models.products import ProductDetail, ProductItem

if TYPE_CHECKING:
    from ._client import DajiClient, Timeout
    from ._protocol import ParamValue
    from .resources.products import FilterArg, SortArg

Q = TypeVar("Q")
V = TypeVar("V")

#: Default number of queries in flight at once.
DEFAULT_BULK_CONCURRENCY = 16


@dataclass
class BulkResult(Generic[Q, V]):
    """The outcome of one bulk input.

    Attributes:
        query: the input this result answers (a keyword, an image, an offer id...).
        index: the input's position (0-based) in the input sequence.
        items: the items found (searches); empty on error.
        value: what the call returned: the items list (searches), the detail (``detail``),
            or the function's result (``map``); None on error.
        error: None, or the exception this input raised.
        pages: pages this input fetched successfully (searches; 1 for a detail).
    """

    query: Q
    index: int
    value: V | None = None
    error: BaseException | None = None
    items: list[ProductItem] = field(default_factory=list)
    pages: int = 0

    @property
    def ok(self) -> bool:
        """True when this input succeeded."""
        return self.error is None

    @property
    def detail(self) -> ProductDetail | None:
        """The product detail, for ``bulk.detail`` results."""
        return self.value if isinstance(self.value, ProductDetail) else None


class BulkProgress(NamedTuple):
    """Counts passed to a bulk ``progress`` callback after each result."""

    done: int
    failed: int
    total: int | None


ProgressCallback = Callable[[BulkProgress], Union[Awaitable[None], None]]
Inputs = Union[Iterable[Q], AsyncIterable[Q]]


class _Done:
    __slots__ = ()


_DONE = _Done()


class _SourceFailed:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Source(Generic[Q]):
    """Hands out ``(index, input)`` pairs to workers, one at a time, from any iterable."""

    def __init__(self, inputs: Inputs[Q]) -> None:
        self._sync: Iterator[Q] | None = None
        self._async: AsyncIterator[Q] | None = None
        if isinstance(inputs, AsyncIterable):
            self._async = inputs.__aiter__()
        elif isinstance(inputs, Iterable) and not isinstance(inputs, (str, bytes, Mapping)):
            self._sync = iter(inputs)
        else:
            raise TypeError(f"bulk inputs must be an iterable or async iterable of inputs, not {type(inputs).__name__}")
        self._lock = asyncio.Lock()
        self._index = 0
        self.exhausted = False

    async def next(self) -> tuple[int, Q] | None:
        """The next ``(index, input)``, or None once the inputs are exhausted."""
        if self._sync is not None:
            # next() on a plain iterator cannot be interleaved with another worker's: no lock
            return self._take_sync(self._sync)
        async with self._lock:
            if self.exhausted:
                return None
            assert self._async is not None
            try:
                item = await self._async.__anext__()
            except StopAsyncIteration:
                self.exhausted = True
                return None
            except BaseException:
                self.exhausted = True
                raise
            return self._numbered(item)

    def _take_sync(self, inputs: Iterator[Q]) -> tuple[int, Q] | None:
        if self.exhausted:
            return None
        try:
            item = next(inputs)
        except StopIteration:
            self.exhausted = True
            return None
        except BaseException:
            self.exhausted = True
            raise
        return self._numbered(item)

    def _numbered(self, item: Q) -> tuple[int, Q]:
        index = self._index
        self._index += 1
        return index, item


async def run_bulk(
    inputs: Inputs[Q],
    call: Callable[[Q, BulkResult[Q, V]], Awaitable[None]],
    *,
    concurrency: int,
    ordered: bool,
    progress: ProgressCallback | None,
) -> AsyncGenerator[BulkResult[Q, V], None]:
    """The engine of every bulk call: a fixed pool of workers over a lazy input source.

    ``call(input, result)`` fills ``result`` (value, items, pages) or raises; the engine
    records the exception in ``result.error``. Leaving the loop early (break, exception,
    cancellation) cancels the workers and waits for them.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
    total = len(inputs) if isinstance(inputs, Sequence) or hasattr(inputs, "__len__") else None  # type: ignore[arg-type]
    source: _Source[Q] = _Source(inputs)
    credits = asyncio.Semaphore(2 * concurrency)  # inputs taken but not yet yielded
    queue: asyncio.Queue[BulkResult[Q, V] | _Done | _SourceFailed] = asyncio.Queue()

    async def worker() -> None:
        try:
            while True:
                await credits.acquire()
                try:
                    taken = await source.next()
                except Exception as exc:  # the input iterable itself failed: not an input's error
                    credits.release()
                    queue.put_nowait(_SourceFailed(exc))
                    return
                if taken is None:
                    credits.release()
                    return
                index, query = taken
                result: BulkResult[Q, V] = BulkResult(query=query, index=index)
                try:
                    await call(query, result)
                except Exception as exc:
                    result.error = exc
                    result.value = None
                    result.items = []
                queue.put_nowait(result)
        finally:
            queue.put_nowait(_DONE)

    workers = [asyncio.ensure_future(worker()) for _ in range(concurrency)]
    live = len(workers)
    done = failed = 0
    waiting: dict[int, BulkResult[Q, V]] = {}
    next_index = 0
    try:
        while live:
            message = await queue.get()
            if isinstance(message, _Done):
                live -= 1
                continue
            if isinstance(message, _SourceFailed):
                raise message.error
            if ordered:
                waiting[message.index] = message
                ready = []
                while next_index in waiting:
                    ready.append(waiting.pop(next_index))
                    next_index += 1
            else:
                ready = [message]
            for result in ready:
                credits.release()
                done += 1
                failed += result.error is not None
                if progress is not None:
                    outcome = progress(BulkProgress(done, failed, total))
                    if inspect.isawaitable(outcome):
                        await outcome
                yield result
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


class Bulk:
    """Many searches or details at once: ``client.bulk``.

    ::

        async for result in client.bulk.keyword_search(["连衣裙", "手机壳"], max_items=100):
            if result.error:
                print(result.query, "failed:", result.error)
            else:
                print(result.query, len(result.items))
    """

    def __init__(self, client: DajiClient) -> None:
        self._client = client

    def map(
        self,
        fn: Callable[[Q], Awaitable[V]],
        inputs: Inputs[Q],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
    ) -> AsyncGenerator[BulkResult[Q, V], None]:
        """Run ``await fn(input)`` for every input; ``result.value`` holds what it returned.

        ::

            async def price(offer_id):
                return (await client.products.detail(offer_id)).product_sale_info

            async for result in client.bulk.map(price, offer_ids, concurrency=32):
                ...
        """

        async def call(query: Q, result: BulkResult[Q, V]) -> None:
            result.value = await fn(query)

        return run_bulk(inputs, call, concurrency=concurrency, ordered=ordered, progress=progress)

    def keyword_search(
        self,
        keywords: Inputs[str],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        max_items: int | None = None,
        max_pages: int | None = None,
        page_size: int = C.DEFAULT_PAGE_SIZE,
        prefetch: int = 1,
        filter: FilterArg = None,
        sort: SortArg = None,
        country: str | None = None,
        price_start: str | float | None = None,
        price_end: str | float | None = None,
        category_id: int | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> AsyncGenerator[BulkResult[str, list[ProductItem]], None]:
        """Run a keyword search for every keyword; each result holds that keyword's items.

        The search parameters apply to every keyword. ``max_items``/``max_pages`` cap each
        keyword (None fetches every page).
        """
        check_paging(1, page_size, max_items, max_pages, prefetch)
        search = self._client.products.keyword_search

        def paginate(keyword: str) -> Paginator[Any, ProductItem]:
            return search(
                keyword,
                filter=filter,
                sort=sort,
                country=country,
                price_start=price_start,
                price_end=price_end,
                category_id=category_id,
                extra_params=extra_params,
                page_size=page_size,
                max_items=max_items,
                max_pages=max_pages,
                prefetch=prefetch,
                timeout=timeout,
                max_retries=max_retries,
            )

        return run_bulk(keywords, _collect(paginate), concurrency=concurrency, ordered=ordered, progress=progress)

    def image_search(
        self,
        images: Inputs[str | int],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        max_items: int | None = None,
        max_pages: int | None = None,
        page_size: int = C.DEFAULT_PAGE_SIZE,
        prefetch: int = 1,
        filter: FilterArg = None,
        sort: SortArg = None,
        country: str | None = None,
        price_start: str | float | None = None,
        price_end: str | float | None = None,
        category_id: int | None = None,
        keyword: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> AsyncGenerator[BulkResult[str | int, list[ProductItem]], None]:
        """Run an image search for every image: an image URL (``http...``) or an image id.

        ::

            async for result in client.bulk.image_search(urls, max_items=40, concurrency=16):
                ...
        """
        check_paging(1, page_size, max_items, max_pages, prefetch)
        search = self._client.products.image_search

        def paginate(image: str | int) -> Paginator[Any, ProductItem]:
            text = str(image).strip()
            is_url = text.startswith(("http://", "https://", "//"))
            return search(
                text if is_url else None,
                image_id=None if is_url else text,
                filter=filter,
                sort=sort,
                country=country,
                price_start=price_start,
                price_end=price_end,
                category_id=category_id,
                keyword=keyword,
                extra_params=extra_params,
                page_size=page_size,
                max_items=max_items,
                max_pages=max_pages,
                prefetch=prefetch,
                timeout=timeout,
                max_retries=max_retries,
            )

        return run_bulk(images, _collect(paginate), concurrency=concurrency, ordered=ordered, progress=progress)

    def detail(
        self,
        offer_ids: Inputs[int | str],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        country: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> AsyncGenerator[BulkResult[int | str, ProductDetail], None]:
        """Fetch the detail of every offer id; ``result.detail`` holds it.

        ::

            async for result in client.bulk.detail(offer_ids, concurrency=32, ordered=True):
                print(result.query, result.detail and result.detail.subject_trans)
        """
        detail = self._client.products.detail

        async def call(offer_id: int | str, result: BulkResult[int | str, ProductDetail]) -> None:
            result.pages = 1
            result.value = await detail(offer_id, country=country, timeout=timeout, max_retries=max_retries)

        return run_bulk(offer_ids, call, concurrency=concurrency, ordered=ordered, progress=progress)


def _collect(
    paginate: Callable[[Q], Paginator[Any, ProductItem]],
) -> Callable[[Q, BulkResult[Q, list[ProductItem]]], Awaitable[None]]:
    """A bulk call that gathers every item of one search into its result."""

    async def call(query: Q, result: BulkResult[Q, list[ProductItem]]) -> None:
        paginator = paginate(query)
        items: list[ProductItem] = []
        try:
            async with aclosing(paginator.pages()) as pages:
                async for page in pages:
                    items.extend(page.items)
        finally:
            result.pages = paginator.pages_fetched
        result.items = items
        result.value = items

    return call
