"""`client.bulk`: many searches or details at once, with bounded concurrency and memory.

A fixed pool of `concurrency` workers pulls inputs lazily from any iterable or async
iterable; each input yields exactly one `BulkResult`, whether it succeeded or not.
At most `2 * concurrency` inputs are taken and not yet yielded at any moment, so memory
does not grow with the number of inputs (a generator of a million keywords is fine), and
`ordered=True` reorders within that same bound. Every request underneath still passes
the client's rate limit and `max_concurrency`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, Union, overload

from . import _constants as C
from ._bulk_inputs import keyword_input, no_resume
from ._bulk_pictures import PictureSearch, picture_bulk
from ._bulk_platforms import PoizonBulk, TaobaoBulk
from ._pagination import Paginator
from ._pictures import Picture, PictureUploads
from ._validate import integer
from .resources.offers import BulkOffers

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._client import DajiClient, Timeout
    from .models.products import ProductDetail, ProductItem
    from .resources.products import CountryArg, ImageSearchOptions, KeywordSearchOptions

Q = TypeVar("Q")
V = TypeVar("V")
I = TypeVar("I")  # noqa: E741
#: A caller's own item Struct (`item_type=`).
ItemT = TypeVar("ItemT")

#: Default number of queries in flight at once.
DEFAULT_BULK_CONCURRENCY = C.DEFAULT_BULK_CONCURRENCY


@dataclass(slots=True)
class BulkResult(Generic[Q, V]):
    """The outcome of one bulk input.

    The engine knows nothing of what was called: `value` is whatever the call returned
    (the list of items of a search, a detail, the result of your function in `map`).

    Attributes:
        query: the input this result answers (a keyword, an image, an offer id...).
        index: the input's position (0-based) in the input sequence.
        value: what the call returned; None on error.
        error: None, or the exception this input raised.
        pages: pages this input fetched successfully (walks of a paginator; 1 for a detail).
        image_id: the image id an image search searched by: the id the picture was uploaded
            as (now or earlier), or the id given as the input; None otherwise.
    """

    query: Q
    index: int
    value: V | None = None
    error: BaseException | None = None
    pages: int = 0
    image_id: str | None = None

    @property
    def ok(self) -> bool:
        """True when this input succeeded."""
        return self.error is None

    @property
    def items(self: BulkResult[Q, list[I]]) -> list[I]:
        """The items a search found (its `value`); empty on error.

        Typed by the platform's item: `list[ProductItem]` for `bulk.keyword_search`,
        `list[TaobaoItem]` for `bulk.taobao.keyword_search`, `list[PoizonSpu]` for
        `bulk.poizon.search`, the paginator's item type for `bulk.walk`. A result whose
        value is not a list (a detail, most `map` results) has no items for type checkers.
        """
        value = self.value
        return value if isinstance(value, list) else []

    @property
    def detail(self) -> V | None:
        """The value of a `bulk.detail` result (an alias of `value`, kept for compatibility)."""
        return self.value


class BulkProgress(NamedTuple):
    """Counts passed to a bulk `progress` callback after each result.

    Attributes:
        done: inputs finished (each yielded one result).
        failed: inputs that failed.
        total: inputs in all, when the inputs have a length; else None.
        uploads: pictures uploaded so far (image searches; 0 elsewhere).
        reused: pictures searched by an id uploaded earlier (memory, cache, or another worker).
        searches: image searches started so far (image searches; 0 elsewhere).
    """

    done: int
    failed: int
    total: int | None
    uploads: int = 0
    reused: int = 0
    searches: int = 0


ProgressCallback = Callable[[BulkProgress], Union[Awaitable[None], None]]
Inputs = Union[Iterable[Q], AsyncIterable[Q]]


class _Source(Generic[Q]):
    """Hands out `(index, input)` pairs to workers, one at a time, from any iterable."""

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
        #: True for a plain iterable: `take_sync` hands out inputs without awaiting.
        self.sync = self._sync is not None

    async def next(self) -> tuple[int, Q] | None:
        """The next `(index, input)`, or None once the inputs are exhausted."""
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

    def take_sync(self) -> tuple[int, Q] | None:
        """The next `(index, input)` of a plain iterable, or None once exhausted."""
        assert self._sync is not None
        return self._take_sync(self._sync)

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
    counts: Callable[[], dict[str, int]] | None = None,
) -> AsyncGenerator[BulkResult[Q, V], None]:
    """The engine of every bulk call: a fixed pool of workers over a lazy input source.

    `call(input, result)` fills `result` (value, items, pages) or raises; the engine
    records the exception in `result.error`. Leaving the loop early (break, exception,
    cancellation) cancels the workers and waits for them. `counts()` adds fields to each
    `BulkProgress` (uploads and searches of image searches).
    """
    integer("concurrency", concurrency, low=1)
    if not isinstance(ordered, bool):
        raise TypeError(f"ordered must be True or False, got {type(ordered).__name__}")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a function of BulkProgress, got {type(progress).__name__}")
    total = len(inputs) if isinstance(inputs, Sequence) or hasattr(inputs, "__len__") else None  # type: ignore[arg-type]
    source: _Source[Q] = _Source(inputs)
    loop = asyncio.get_running_loop()
    bound = 2 * concurrency  # inputs taken and not yet yielded
    finished: deque[BulkResult[Q, V]] = deque()
    parked: deque[asyncio.Future[None]] = deque()  # workers waiting for the bound to free up
    failure: list[BaseException] = []  # the input source's own failure
    consumer: asyncio.Future[None] | None = None  # set while the consumer sleeps
    taken = live = 0

    def wake() -> None:
        nonlocal consumer
        if consumer is not None:
            if not consumer.done():
                consumer.set_result(None)
            consumer = None

    async def worker() -> None:
        nonlocal taken, live
        try:
            while True:
                while taken >= bound:
                    slot = loop.create_future()
                    parked.append(slot)
                    await slot
                if source.sync:
                    next_input = source.take_sync()
                else:
                    next_input = await source.next()
                if next_input is None:
                    return
                taken += 1
                index, query = next_input
                result: BulkResult[Q, V] = BulkResult(query, index)
                try:
                    await call(query, result)
                except Exception as exc:
                    result.error = exc
                    result.value = None
                finished.append(result)
                wake()
        except Exception as exc:  # the input iterable itself failed: not an input's error
            failure.append(exc)
        finally:
            live -= 1
            wake()

    workers = [loop.create_task(worker()) for _ in range(concurrency)]
    live = len(workers)
    done = failed = 0
    waiting: dict[int, BulkResult[Q, V]] = {}
    next_index = 0
    ready: deque[BulkResult[Q, V]] = deque()  # popped as yielded: nothing here refers to a yielded result
    try:
        while True:
            if not finished:
                if failure:
                    raise failure[0]
                if not live:
                    return
                consumer = loop.create_future()
                await consumer
                continue
            result = finished.popleft()
            if ordered:
                waiting[result.index] = result
                while next_index in waiting:
                    ready.append(waiting.pop(next_index))
                    next_index += 1
            else:
                ready.append(result)
            while ready:
                result = ready.popleft()
                taken -= 1
                if parked:
                    slot = parked.popleft()
                    if not slot.done():
                        slot.set_result(None)
                done += 1
                failed += result.error is not None
                if progress is not None:
                    extra = counts() if counts is not None else {}
                    outcome = progress(BulkProgress(done, failed, total, **extra))
                    if inspect.isawaitable(outcome):
                        await outcome
                yield result
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


class Bulk:
    """Many searches or details at once: `client.bulk`.

    ```python
    async for result in client.bulk.keyword_search(["连衣裙", "手机壳"], max_items=100):
        if result.error:
            print(result.query, "failed:", result.error)
        else:
            print(result.query, len(result.items))
    ```

    """

    def __init__(self, client: DajiClient) -> None:
        self._client = client
        self.taobao: TaobaoBulk = TaobaoBulk(self, client)
        """Taobao/Tmall sugar: `keyword_search`, `image_search`, `detail`."""
        self.poizon: PoizonBulk = PoizonBulk(self, client)
        """Poizon sugar: `search` (one brand per input), `detail`."""
        self.uploads: PictureUploads = PictureUploads(client)
        """The ids of the pictures image searches uploaded, so each is uploaded once (`ttl`, `forget()`)."""
        self.offers: BulkOffers = BulkOffers(client)
        """`client.offers.keyword_search` for many keywords: `client.bulk.offers(keywords, ...)`."""

    def map(
        self,
        fn: Callable[[Q], Awaitable[V]],
        inputs: Inputs[Q],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
    ) -> AsyncGenerator[BulkResult[Q, V], None]:
        """Run `await fn(input)` for every input; `result.value` holds what it returned.

        ```python
        async def price(offer_id):
            return (await client.products.detail(offer_id)).product_sale_info

        async for result in client.bulk.map(price, offer_ids, concurrency=32):
            ...
        ```

        """

        async def call(query: Q, result: BulkResult[Q, V]) -> None:
            result.value = await fn(query)

        return run_bulk(inputs, call, concurrency=concurrency, ordered=ordered, progress=progress)

    def walk(
        self,
        search: Callable[[Q], Paginator[Any, I]],
        inputs: Inputs[Q],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
    ) -> AsyncGenerator[BulkResult[Q, list[I]], None]:
        """Walk `search(input)` (any call returning a paginator) for every input, collecting its items.

        `result.value` (and `result.items`) is the list of items; `result.pages` the
        pages fetched. This is `map` with a function that gathers one paginator (as
        one coroutine: see `Paginator._collect`); a `search` that returns anything else
        fails that input with a TypeError.

        ```python
        walks = client.bulk.walk(lambda s: client.products.shop_search(s, max_items=50), sellers)
        ```

        """

        async def call(query: Q, result: BulkResult[Q, list[I]]) -> None:
            paginator = search(query)
            if not isinstance(paginator, Paginator):
                raise TypeError(f"bulk.walk: search({query!r}) returned {type(paginator).__name__}, not a Paginator")
            result.value = await paginator._collect()
            result.pages = paginator.pages_fetched

        return run_bulk(inputs, call, concurrency=concurrency, ordered=ordered, progress=progress)

    @overload
    def keyword_search(
        self,
        keywords: Inputs[str],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: None = None,
        **search: Unpack[KeywordSearchOptions],
    ) -> AsyncGenerator[BulkResult[str, list[ProductItem]], None]: ...

    @overload
    def keyword_search(
        self,
        keywords: Inputs[str],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: type[ItemT],
        **search: Unpack[KeywordSearchOptions],
    ) -> AsyncGenerator[BulkResult[str, list[ItemT]], None]: ...

    def keyword_search(
        self,
        keywords: Inputs[str],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: type[Any] | None = None,
        **search: Unpack[KeywordSearchOptions],
    ) -> AsyncGenerator[BulkResult[str, list[Any]], None]:
        """Run `products.keyword_search(keyword, **search)` for every keyword.

        Every search argument is forwarded unchanged and applies to every keyword;
        `max_items`/`max_pages` cap each keyword (None fetches every page). Arguments are
        checked before anything is sent. A keyword that is not a non-blank one-line str of at
        most 200 characters (None, bytes, a bool, a float...) gets its own result with a
        TypeError or ValueError in `error`; nothing is sent for it.

        ```python
        async for result in client.bulk.keyword_search(["连衣裙", "手机壳"], max_items=100):
            print(result.query, result.error or len(result.items))
        ```

        """
        no_resume(search)
        products = self._client.products
        products.keyword_search("check", item_type=item_type, **search)  # validates every argument now
        return self.walk(
            lambda keyword: products.keyword_search(keyword_input(keyword), item_type=item_type, **search),
            keywords,
            concurrency=concurrency,
            ordered=ordered,
            progress=progress,
        )

    @overload
    def image_search(
        self,
        images: Inputs[Picture],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: None = None,
        **search: Unpack[ImageSearchOptions],
    ) -> AsyncGenerator[BulkResult[Any, list[ProductItem]], None]: ...

    @overload
    def image_search(
        self,
        images: Inputs[Picture],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: type[ItemT],
        **search: Unpack[ImageSearchOptions],
    ) -> AsyncGenerator[BulkResult[Any, list[ItemT]], None]: ...

    def image_search(
        self,
        images: Inputs[Picture],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: type[Any] | None = None,
        **search: Unpack[ImageSearchOptions],
    ) -> AsyncGenerator[BulkResult[Any, list[Any]], None]:
        """Run a 1688 image search for every picture, uploading each distinct picture once.

        A picture is any of: a local path (a `str` or a `Path`), `bytes`, a binary file
        object, a URL, or an image id (an int or a str of digits). A URL on 1688's own image
        hosts (alicdn.com, 1688.com) is searched directly; any other URL is uploaded by URL
        (the service fetches it); bytes, files and file objects are checked (JPG, PNG or WEBP
        of at most 3 MB) and uploaded by POST. Uploads are keyed by the SHA-256 of the bytes
        or by the URL and kept in `client.bulk.uploads` (and the client's `cache=`, if any),
        so a picture met again, in this call or a later one, is not uploaded again while its
        id is valid. Each input gets exactly one result: `result.query` is the input as given,
        `result.image_id` the id it was searched by.

        Every other search argument is forwarded unchanged to `products.image_search`. An
        input that is no picture (None, a bool, a float, a missing file, bytes that are not an
        image) gets its own result with the error in `error`; nothing is sent for it.

        ```python
        photos = sorted(Path("photos").glob("*.jpg"))
        async for result in client.bulk.image_search(photos, max_items=20, concurrency=8):
            print(result.query, result.image_id, result.error or len(result.items))
        ```
        """
        no_resume(search)
        products = self._client.products
        products.image_search("https://cbu01.alicdn.com/check.jpg", item_type=item_type, **search)  # validates now

        def by_id(image_id: str) -> Paginator[Any, Any]:
            options: ImageSearchOptions = {**search, "image_id": image_id}
            return products.image_search(item_type=item_type, **options)

        calls = PictureSearch(
            platform="1688",
            by_url=lambda url: products.image_search(url, item_type=item_type, **search),
            by_id=by_id,
            upload_bytes=lambda data: products.upload_image(data),
            upload_url=lambda url: products.upload_image(url=url),
        )
        return picture_bulk(self._client, calls, images, concurrency=concurrency, ordered=ordered, progress=progress)

    def detail(
        self,
        offer_ids: Inputs[int | str],
        *,
        concurrency: int = DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        country: CountryArg | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> AsyncGenerator[BulkResult[int | str, ProductDetail], None]:
        """Fetch the detail of every offer id; `result.value` holds it.

        ```python
        async for result in client.bulk.detail(offer_ids, concurrency=32, ordered=True):
            print(result.query, result.value and result.value.subject_trans)
        ```

        """
        detail = self._client.products.detail

        async def call(offer_id: int | str, result: BulkResult[int | str, ProductDetail]) -> None:
            result.pages = 1
            result.value = await detail(offer_id, country=country, timeout=timeout, max_retries=max_retries)

        return run_bulk(offer_ids, call, concurrency=concurrency, ordered=ordered, progress=progress)
