"""`client.offers` and `client.bulk.offers`: one search over 1688, Taobao/Tmall and Poizon at once.

Each platform's own search runs as a task of its own, through the client's usual calls, so
every request passes the client's rate limit, `max_concurrency`, retries and hooks like any
other. Their pages meet in one small queue: offers are yielded as each page arrives, in
whatever order the platforms answer, and a platform that is slow or fails holds nobody up.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence, Sized
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Union, overload

from .. import _constants as C
from .._pagination import Paginator
from .._validate import optional_integer, text
from ..models.offer import PLATFORMS, Offer, Platform

if TYPE_CHECKING:
    from .._bulk import BulkProgress, BulkResult, Inputs, ProgressCallback
    from .._client import DajiClient
    from .._pictures import Picture
    from .products import CountryArg

__all__ = ["BulkOffers", "OfferList", "Offers", "PlatformFailure", "platforms_of"]


@dataclass(frozen=True)
class PlatformFailure:
    """One platform's search failed: what `keyword_search(..., return_exceptions=True)` yields for it.

    Attributes:
        platform: the platform whose search failed.
        keyword: the keyword it searched for.
        error: the exception its search raised (a `DajiError` such as `ServerError`, as the
            platform's own search would raise it).
        offers: how many of its offers were yielded before it failed (its pages that did
            arrive are kept).
    """

    platform: Platform
    keyword: str
    error: Exception
    offers: int = 0


class OfferList(list[Offer]):
    """The offers one keyword found on every platform (a list), and the platforms that failed.

    `client.bulk.offers` gives one per keyword as `result.value` (so `result.items` too).

    Attributes:
        failures: one `PlatformFailure` per platform whose search failed (empty when none did).
    """

    failures: list[PlatformFailure]

    def __init__(self, offers: Iterable[Offer] = (), failures: Iterable[PlatformFailure] = ()) -> None:
        super().__init__(offers)
        self.failures = list(failures)


def platforms_of(platforms: object) -> tuple[Platform, ...]:
    """`platforms=` checked: a non-empty sequence of `"1688"`, `"taobao"` and `"poizon"`, each once."""
    if isinstance(platforms, str) or not isinstance(platforms, Sequence):
        raise TypeError(
            f"platforms must be a sequence such as ('1688', 'taobao', 'poizon'), got {type(platforms).__name__}"
        )
    chosen: list[Platform] = []
    for value in platforms:
        known = next((p for p in PLATFORMS if p == value), None)
        if known is None:
            raise ValueError(f"unknown platform {value!r}: choose among {', '.join(PLATFORMS)}")
        if known in chosen:
            raise ValueError(f"platform {value!r} is given twice")
        chosen.append(known)
    if not chosen:
        raise ValueError("platforms is empty: choose among " + ", ".join(PLATFORMS))
    return tuple(chosen)


def _has_cjk(keyword: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in keyword)


#: What the queue carries: (platform, a page of offers, None), or a platform's end: (platform, None,
#: its failure or None when it finished).
_Message = tuple[Platform, Union[list[Offer], None], Union[Exception, None]]


class Offers:
    """Searches over every platform at once: `client.offers`."""

    def __init__(self, client: DajiClient) -> None:
        self._client = client

    def _searches(
        self, keyword: str, platforms: tuple[Platform, ...], max_items: int | None, country: CountryArg | None
    ) -> list[tuple[Platform, Paginator[Any, Any]]]:
        """One paginator per platform (every argument checked, nothing sent)."""
        client = self._client
        searches: list[tuple[Platform, Paginator[Any, Any]]] = []
        for platform in platforms:
            if platform == "1688":
                options: dict[str, Any] = {"country": country} if country is not None else {}
                searches.append((platform, client.products.keyword_search(keyword, max_items=max_items, **options)))
            elif platform == "taobao":
                language = str(country) if country is not None else None
                taobao = client.taobao.products.keyword_search(keyword, language=language, max_items=max_items)
                searches.append((platform, taobao))
            else:
                # Poizon matches titles: the Chinese one (dwSpuTitle) for a Chinese keyword, else the English one
                chinese = _has_cjk(keyword)
                poizon = client.poizon.products.search(
                    cn_title=keyword if chinese else None, title=None if chinese else keyword, max_items=max_items
                )
                searches.append((platform, poizon))
        return searches

    @overload
    def keyword_search(
        self,
        keyword: str,
        *,
        platforms: Sequence[Platform] = ...,
        max_items: int | None = ...,
        country: CountryArg | None = ...,
        return_exceptions: Literal[False] = ...,
    ) -> AsyncGenerator[Offer, None]: ...

    @overload
    def keyword_search(
        self,
        keyword: str,
        *,
        platforms: Sequence[Platform] = ...,
        max_items: int | None = ...,
        country: CountryArg | None = ...,
        return_exceptions: Literal[True],
    ) -> AsyncGenerator[Offer | PlatformFailure, None]: ...

    def keyword_search(
        self,
        keyword: str,
        *,
        platforms: Sequence[Platform] = PLATFORMS,
        max_items: int | None = None,
        country: CountryArg | None = None,
        return_exceptions: bool = False,
    ) -> AsyncGenerator[Any, None]:
        """Search every platform for `keyword` at once: one async iterator of `Offer`.

        The platforms' searches (`products.keyword_search`, `taobao.products.keyword_search`,
        `poizon.products.search` by title) run concurrently, each under the client's rate
        limit and `max_concurrency`, and their offers are yielded as each page arrives (so
        the platforms' offers interleave). Arguments are checked now; nothing is sent until
        the first offer is asked for.

        A platform that fails does not lose the others' offers. By default its error is
        raised once the other platforms have finished (after their last offer; the first
        failure when several fail). With `return_exceptions=True` nothing is raised: a
        `PlatformFailure` is yielded in the failed platform's place, as soon as it fails.

        Leaving the loop early (`break`, an exception, cancellation) cancels every search
        still in flight; `contextlib.aclosing(...)` does so at once rather than when the
        iterator is collected.

        Args:
            keyword: what to search for (each platform matches Chinese keywords best); Poizon
                is searched by its Chinese title (`cn_title`) when the keyword has Chinese
                characters, else by its English title.
            platforms: which platforms to search, any of `"1688"`, `"taobao"`, `"poizon"`.
            max_items: at most this many offers **per platform** (None: every result).
            country: the language of 1688's translated fields and Taobao's `language`
                (default: the client's `country`).
            return_exceptions: yield a `PlatformFailure` for a failed platform instead of
                raising its error at the end.

        ```python
        async for offer in client.offers.keyword_search("手机壳", max_items=20):
            print(offer.platform, offer.price, offer.title, offer.url)
        ```
        """
        text("keyword", keyword, max_length=C.MAX_KEYWORD_LENGTH, one_line=True)
        chosen = platforms_of(platforms)
        optional_integer("max_items", max_items, low=0)
        if not isinstance(return_exceptions, bool):
            raise TypeError(f"return_exceptions must be True or False, got {type(return_exceptions).__name__}")
        searches = self._searches(keyword, chosen, max_items, country)
        return _merged(keyword, searches, return_exceptions)

    def image_search(
        self,
        picture: Picture,
        *,
        platforms: Sequence[Platform] = ("1688", "taobao"),
        max_items: int | None = None,
        return_exceptions: bool = False,
    ) -> AsyncGenerator[Any, None]:
        """Search 1688 and Taobao/Tmall for one picture at once: one async iterator of `Offer`.

        `picture` is anything `client.bulk.image_search` takes: a path, bytes, a binary file
        object, a URL or an image id. A file is read (and checked: JPG, PNG or WEBP, at most
        3 MB) once; each platform uploads it once (`client.bulk.uploads`) and searches by the
        id; a URL on a platform's own image hosts is searched directly. Each platform's
        offers are yielded when its search ends; a failing platform behaves as in
        `keyword_search` (its error raised at the end, or a `PlatformFailure` yielded with
        `return_exceptions=True`). Poizon has no image search.

        Args:
            picture: the picture to find.
            platforms: `"1688"` and/or `"taobao"`.
            max_items: at most this many offers **per platform** (None: every result).
            return_exceptions: yield a `PlatformFailure` for a failed platform instead of
                raising its error at the end.

        ```python
        async for offer in client.offers.image_search(Path("bag.jpg"), max_items=20):
            print(offer.platform, offer.price, offer.title)
        ```
        """
        from .._offers_pictures import image_offers  # it imports the bulk engine, which imports this module

        return image_offers(
            self._client, picture, platforms=platforms, max_items=max_items, return_exceptions=return_exceptions
        )


async def _merged(
    keyword: str, searches: list[tuple[Platform, Paginator[Any, Any]]], return_exceptions: bool
) -> AsyncGenerator[Any, None]:
    """Walk every search in a task of its own; yield their offers as pages arrive."""
    # a few pages waiting at most: a slow consumer pauses the searches instead of piling pages up
    queue: asyncio.Queue[_Message] = asyncio.Queue(maxsize=2 * len(searches))

    async def walk(platform: Platform, paginator: Paginator[Any, Any]) -> None:
        try:
            async with contextlib.aclosing(paginator.pages()) as pages:
                async for page in pages:
                    offers = [item.to_offer() for item in paginator_items(page)]
                    if offers:
                        await queue.put((platform, offers, None))
        except Exception as exc:
            await queue.put((platform, None, exc))
            return
        await queue.put((platform, None, None))

    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(walk(platform, paginator)) for platform, paginator in searches]
    counts: dict[Platform, int] = {platform: 0 for platform, _ in searches}
    failures: list[PlatformFailure] = []
    running = len(tasks)
    try:
        while running:
            platform, page, error = await queue.get()
            if page is not None:
                counts[platform] += len(page)
                for offer in page:
                    yield offer
                continue
            running -= 1
            if error is not None:
                failure = PlatformFailure(platform, keyword, error, counts[platform])
                failures.append(failure)
                if return_exceptions:
                    yield failure
        if failures and not return_exceptions:
            raise failures[0].error
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def paginator_items(page: Any) -> list[Any]:
    """The items of a page of any platform's search (every page type names them `items`)."""
    items: list[Any] = page.items
    return items


# ------------------------------------------------------------------ client.bulk.offers


class BulkOffers:
    """`client.bulk.offers(keywords, ...)`: `client.offers.keyword_search` for many keywords at once.

    Runs on the bulk engine (`client.bulk.map`): bounded concurrency and memory, one result
    per keyword, in finishing order (or input order with `ordered=True`).
    """

    def __init__(self, client: DajiClient) -> None:
        self._client = client

    def __call__(
        self,
        keywords: Inputs[str],
        *,
        platforms: Sequence[Platform] = PLATFORMS,
        max_items: int | None = None,
        country: CountryArg | None = None,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
    ) -> AsyncGenerator[BulkResult[str, OfferList], None]:
        """Search every platform for every keyword; one `BulkResult` per keyword.

        `result.value` (and `result.items`) is an `OfferList` of every offer the keyword
        found, on every platform that answered; `result.value.failures` lists the platforms
        that failed (`PlatformFailure`). When one did, `result.error` is its error (the
        first, when several did), as `keyword_search` would raise it, and the offers of the
        other platforms are still in `result.value`: a failing platform loses no one else's
        offers. `progress` counts such a keyword as failed. `max_items` caps each platform
        of each keyword; `concurrency` keywords are searched at once (each runs its
        platforms concurrently too), every request under the client's rate limit and
        `max_concurrency`. Arguments are checked before any keyword is read.

        ```python
        async for result in client.bulk.offers(["手机壳", "连衣裙"], max_items=20):
            cheapest = min((o for o in result.items if o.price is not None), key=lambda o: o.price)
            print(result.query, cheapest.platform, cheapest.price)
        ```
        """
        offers = self._client.offers
        offers.keyword_search("check", platforms=platforms, max_items=max_items, country=country)  # sends nothing
        if progress is not None and not callable(progress):
            raise TypeError(f"progress must be a function of BulkProgress, got {type(progress).__name__}")

        async def search(keyword: str) -> OfferList:
            found = OfferList()
            walk = offers.keyword_search(
                keyword, platforms=platforms, max_items=max_items, country=country, return_exceptions=True
            )
            async with contextlib.aclosing(walk) as each:
                async for offer in each:
                    if isinstance(offer, PlatformFailure):
                        found.failures.append(offer)
                    else:
                        found.append(offer)
            return found

        total = len(keywords) if isinstance(keywords, Sized) else None
        results = self._client.bulk.map(search, keywords, concurrency=concurrency, ordered=ordered)
        return _reported(results, progress, total)

    def image_search(
        self,
        pictures: Inputs[Picture],
        *,
        platforms: Sequence[Platform] = ("1688", "taobao"),
        max_items: int | None = None,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
    ) -> AsyncGenerator[BulkResult[Any, OfferList], None]:
        """`client.offers.image_search` for every picture; one `BulkResult` per picture.

        `result.value` (and `result.items`) is an `OfferList` of the offers both platforms
        found; when a platform failed, `result.error` is its error and the other platform's
        offers are still in `result.value` (`result.value.failures` names the failed ones).
        Each distinct picture is uploaded once per platform, across inputs and calls
        (`client.bulk.uploads`). A picture that cannot be sent (a missing file, bytes that
        are no image) is that input's error.

        ```python
        async for result in client.bulk.offers.image_search(sorted(Path("photos").glob("*.jpg"))):
            print(result.query, len(result.items), result.error)
        ```
        """
        from .._offers_pictures import bulk_image_offers  # it imports the bulk engine, which imports this module

        return bulk_image_offers(
            self._client,
            pictures,
            platforms=platforms,
            max_items=max_items,
            concurrency=concurrency,
            ordered=ordered,
            progress=progress,
        )


async def _reported(
    results: AsyncGenerator[BulkResult[str, OfferList], None],
    progress: Callable[[BulkProgress], Any] | None,
    total: int | None,
) -> AsyncGenerator[BulkResult[str, OfferList], None]:
    """Set each result's `error` from its failed platforms, then report progress and yield it."""
    from .._bulk import BulkProgress

    done = failed = 0
    async with contextlib.aclosing(results) as each:
        async for result in each:
            value = result.value
            if result.error is None and isinstance(value, OfferList) and value.failures:
                result.error = value.failures[0].error
            done += 1
            failed += result.error is not None
            if progress is not None:
                outcome = progress(BulkProgress(done, failed, total))
                if inspect.isawaitable(outcome):
                    await outcome
            yield result
