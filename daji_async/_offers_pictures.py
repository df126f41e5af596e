"""`client.offers.image_search` and `client.bulk.offers.image_search`: a picture on 1688 and Taobao at once.

A picture is anything `client.bulk.image_search` takes (a path, bytes, a binary file object, a
URL or an image id). A file is read once, here, and its bytes go to every platform, each of
which uploads it once (`client.bulk.uploads`: by content, per platform) and searches by the id;
a URL on a platform's own hosts is searched directly, any other URL is uploaded by URL. Each
platform runs as a task of its own; its offers are yielded when its search ends, so a slow
platform holds nobody up, and a failing one loses no one else's offers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Any, Union

from . import _constants as C
from ._bulk import BulkResult, Inputs, ProgressCallback, run_bulk
from ._pictures import Picture, prepare
from ._validate import optional_integer
from .models.offer import Offer, Platform
from .resources.offers import OfferList, PlatformFailure, platforms_of

if TYPE_CHECKING:
    from ._client import DajiClient

__all__ = ["IMAGE_PLATFORMS", "bulk_image_offers", "image_offers", "image_platforms", "load_picture"]

#: The platforms with an image search (Poizon has none).
IMAGE_PLATFORMS: tuple[Platform, ...] = ("1688", "taobao")

_Message = tuple[Platform, Union[list[Offer], None], Union[Exception, None]]


def image_platforms(platforms: object) -> tuple[Platform, ...]:
    """`platforms=` of an image search: `"1688"` and/or `"taobao"`, each once."""
    chosen = platforms_of(platforms)
    for platform in chosen:
        if platform not in IMAGE_PLATFORMS:
            raise ValueError(f"{platform} has no image search: choose among {', '.join(IMAGE_PLATFORMS)}")
    return chosen


def check_picture_kind(picture: object) -> None:
    """Refuse now what can never be a picture (None, a bool, a float...): a TypeError."""
    usable = isinstance(picture, (str, int, bytes, bytearray, memoryview)) or hasattr(picture, "read")
    if isinstance(picture, bool) or not (usable or hasattr(picture, "__fspath__")):
        raise TypeError(
            f"picture must be a path, bytes, a binary file object, a URL or an image id, got {type(picture).__name__}"
        )


async def load_picture(picture: object) -> Any:
    """The picture as every platform can take it: a file (path or file object) read once, as bytes.

    A URL or an image id is returned as it is. Raises what `client.bulk.image_search` would
    make that input's error (FileNotFoundError, ValueError, TypeError); nothing is sent.
    """
    if isinstance(picture, (bytes, bytearray, memoryview, int)):
        return picture
    prepared = await prepare(picture, "1688")  # reads a file, checks it (size, format); sends nothing
    return prepared.data if prepared.data is not None else picture


def image_offers(
    client: DajiClient,
    picture: Picture,
    *,
    platforms: Sequence[Platform] = IMAGE_PLATFORMS,
    max_items: int | None = None,
    return_exceptions: bool = False,
) -> AsyncGenerator[Any, None]:
    """Search 1688 and/or Taobao for one picture; yield `Offer`s (and `PlatformFailure`s)."""
    check_picture_kind(picture)
    chosen = image_platforms(platforms)
    optional_integer("max_items", max_items, low=0)
    if not isinstance(return_exceptions, bool):
        raise TypeError(f"return_exceptions must be True or False, got {type(return_exceptions).__name__}")
    return _merged(client, picture, chosen, max_items, return_exceptions)


async def _merged(
    client: DajiClient, picture: object, platforms: tuple[Platform, ...], max_items: int | None, return_exceptions: bool
) -> AsyncGenerator[Any, None]:
    loaded = await load_picture(picture)  # a bad file is the caller's error, raised once, before any platform
    queue: asyncio.Queue[_Message] = asyncio.Queue()

    async def walk(platform: Platform) -> None:
        search = client.bulk.image_search if platform == "1688" else client.bulk.taobao.image_search
        try:
            offers: list[Offer] = []
            async with contextlib.aclosing(search([loaded], max_items=max_items, concurrency=1)) as results:
                async for result in results:
                    if result.error is not None:
                        raise result.error
                    offers = [item.to_offer() for item in result.items]
        except Exception as exc:
            await queue.put((platform, None, exc))
            return
        await queue.put((platform, offers, None))

    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(walk(platform)) for platform in platforms]
    failures: list[PlatformFailure] = []
    shown = picture if isinstance(picture, str) else f"<{type(picture).__name__}>"
    try:
        for _ in tasks:
            platform, offers, error = await queue.get()
            if offers is not None:
                for offer in offers:
                    yield offer
                continue
            assert error is not None
            failure = PlatformFailure(platform, shown, error)
            failures.append(failure)
            if return_exceptions:
                yield failure
        if failures and not return_exceptions:
            raise failures[0].error
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def bulk_image_offers(
    client: DajiClient,
    pictures: Inputs[Picture],
    *,
    platforms: Sequence[Platform] = IMAGE_PLATFORMS,
    max_items: int | None = None,
    concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
    ordered: bool = False,
    progress: ProgressCallback | None = None,
) -> AsyncGenerator[BulkResult[Any, OfferList], None]:
    """`client.offers.image_search` for every picture; one `BulkResult` per picture (value: `OfferList`)."""
    chosen = image_platforms(platforms)
    optional_integer("max_items", max_items, low=0)

    async def call(picture: Any, result: BulkResult[Any, OfferList]) -> None:
        check_picture_kind(picture)
        found = OfferList()
        walk = _merged(client, picture, chosen, max_items, True)
        async with contextlib.aclosing(walk) as each:
            async for offer in each:
                if isinstance(offer, PlatformFailure):
                    found.failures.append(offer)
                else:
                    found.append(offer)
        result.value = found
        result.pages = 1
        if found.failures:  # the other platform's offers stay in value
            result.error = found.failures[0].error

    return run_bulk(pictures, call, concurrency=concurrency, ordered=ordered, progress=progress)
