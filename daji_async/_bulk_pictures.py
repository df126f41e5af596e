"""The pipeline of `bulk.image_search` and `bulk.taobao.image_search`: upload, then search.

Every input runs in one worker of the bulk engine: the picture is prepared (a file read and
hashed off the event loop), its id is asked of `client.bulk.uploads` (which uploads it only
when no valid id is known, once however many workers want it), then it is searched. So the
first pictures are being searched while later ones upload, and uploads and searches share the
client's rate limit and `max_concurrency` like any other call.

A search by a remembered id (from memory, the cache, or another worker's upload) that the
service refuses as a bad request (`BadRequestError` or `NotFoundError`: the id may have
expired) uploads the picture again, once, and searches again.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import BadRequestError, NotFoundError
from ._pictures import Prepared, prepare

if TYPE_CHECKING:
    from ._bulk import BulkResult, Inputs, ProgressCallback
    from ._client import DajiClient
    from ._pagination import Paginator

T = TypeVar("T")

__all__ = ["PictureSearch", "picture_bulk"]


@dataclass(frozen=True, slots=True)
class PictureSearch:
    """One platform's calls, as the pipeline uses them.

    Attributes:
        platform: `"1688"` or `"taobao"` (the upload registry's namespace).
        by_url: a paginator over the search of a platform-hosted picture URL.
        by_id: a paginator over the search of an image id.
        upload_bytes: uploads picture bytes (POST) and returns the id.
        upload_url: uploads a picture URL (GET: the service fetches it) and returns the id.
    """

    platform: str
    by_url: Callable[[str], Paginator[Any, Any]]
    by_id: Callable[[str], Paginator[Any, Any]]
    upload_bytes: Callable[[bytes], Awaitable[str]]
    upload_url: Callable[[str], Awaitable[str]]


class _Counts:
    __slots__ = ("reused", "searches", "uploads")

    def __init__(self) -> None:
        self.uploads = self.reused = self.searches = 0

    def snapshot(self) -> dict[str, int]:
        return {"uploads": self.uploads, "reused": self.reused, "searches": self.searches}


def picture_bulk(
    client: DajiClient,
    calls: PictureSearch,
    images: Inputs[Any],
    *,
    concurrency: int,
    ordered: bool,
    progress: ProgressCallback | None,
) -> AsyncGenerator[BulkResult[Any, list[Any]], None]:
    """Search every picture of `images` with `calls`; one result per input, in the engine's rules."""
    from ._bulk import run_bulk  # _bulk imports this module

    uploads = client.bulk.uploads
    counts = _Counts()

    async def upload(picture: Prepared) -> str:
        if picture.data is not None:
            return await calls.upload_bytes(picture.data)
        assert picture.upload_url is not None
        return await calls.upload_url(picture.upload_url)

    async def collect(paginator: Paginator[Any, Any], result: BulkResult[Any, list[Any]]) -> None:
        counts.searches += 1
        try:
            result.value = await paginator._collect()
        finally:
            result.pages = paginator.pages_fetched

    async def search(query: Any, result: BulkResult[Any, list[Any]]) -> None:
        picture = await prepare(query, calls.platform)
        if picture.search_url is not None:
            return await collect(calls.by_url(picture.search_url), result)
        if picture.image_id is not None:
            result.image_id = picture.image_id
            return await collect(calls.by_id(picture.image_id), result)
        lease = await uploads.image_id(calls.platform, picture, upload)
        counts.uploads += lease.how == "uploaded"
        counts.reused += lease.how != "uploaded"
        result.image_id = lease.image_id
        try:
            await collect(calls.by_id(lease.image_id), result)
        except (BadRequestError, NotFoundError):
            if lease.how == "uploaded" or result.pages:  # a fresh id, or refused after pages came: a real error
                raise
            # the service no longer knows the remembered id: upload again, once, and search again
            lease = await uploads.image_id(calls.platform, picture, upload, stale=lease.generation)
            counts.uploads += lease.how == "uploaded"
            result.image_id = lease.image_id
            await collect(calls.by_id(lease.image_id), result)

    return run_bulk(images, search, concurrency=concurrency, ordered=ordered, progress=progress, counts=counts.snapshot)
