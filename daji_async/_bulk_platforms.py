"""Bulk sugar for Taobao/Tmall and Poizon: `client.bulk.taobao` and `client.bulk.poizon`.

Thin wrappers over the generic engine's public calls (`Bulk.walk` for searches, `Bulk.map` for details):
every input yields exactly one result, failures stay per input, memory stays bounded by
`concurrency`, and every request shares the client's rate limit and `max_concurrency`.
Arguments are checked (by building one walk, which sends nothing) before any input is read;
each input is checked on its own (see `_bulk_inputs`): None, bytes, a bool, a float, a blank
or over-long string is that input's TypeError or ValueError, and nothing is sent for it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, Union, overload

from . import _constants as C
from ._bulk_inputs import brand_input, keyword_input, no_resume
from ._bulk_pictures import PictureSearch, picture_bulk
from ._pagination import PagingOptions
from ._protocol import ParamValue

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._bulk import Bulk, BulkResult, Inputs, ProgressCallback
    from ._client import DajiClient, Timeout
    from ._pictures import Picture
    from .models.poizon import PoizonSpu, PoizonSpuDetail
    from .models.taobao import TaobaoItem, TaobaoItemDetail

#: A caller's own item Struct (`item_type=`).
ItemT = TypeVar("ItemT")

__all__ = ["PoizonBulk", "PoizonSearchOptions", "TaobaoBulk", "TaobaoImageSearchOptions", "TaobaoKeywordSearchOptions"]


class TaobaoKeywordSearchOptions(PagingOptions, total=False):
    """What `bulk.taobao.keyword_search` passes to every `taobao.products.keyword_search`."""

    sort: str | None
    filter: Union[Sequence[str], str, None]
    language: str | None
    extra_params: Mapping[str, ParamValue] | None


class TaobaoImageSearchOptions(PagingOptions, total=False):
    """What `bulk.taobao.image_search` passes to every `taobao.products.image_search`."""

    category_id: int | None
    crop: bool | None
    language: str | None
    extra_params: Mapping[str, ParamValue] | None


class PoizonSearchOptions(PagingOptions, total=False):
    """What `bulk.poizon.search` passes to every `poizon.products.search` (one brand per input)."""

    title: str | None
    extra_params: Mapping[str, ParamValue] | None


class TaobaoBulk:
    """Many Taobao/Tmall searches or details at once: `client.bulk.taobao`.

    ```python
    async for result in client.bulk.taobao.keyword_search(["手机壳", "数据线"], max_items=40):
        print(result.query, result.error or len(result.items))
    ```

    """

    def __init__(self, bulk: Bulk, client: DajiClient) -> None:
        self._bulk = bulk
        self._client = client

    @overload
    def keyword_search(
        self,
        keywords: Inputs[str],
        *,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: None = None,
        **search: Unpack[TaobaoKeywordSearchOptions],
    ) -> AsyncGenerator[BulkResult[str, list[TaobaoItem]], None]: ...

    @overload
    def keyword_search(
        self,
        keywords: Inputs[str],
        *,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: type[ItemT],
        **search: Unpack[TaobaoKeywordSearchOptions],
    ) -> AsyncGenerator[BulkResult[str, list[ItemT]], None]: ...

    def keyword_search(
        self,
        keywords: Inputs[str],
        *,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: type[Any] | None = None,
        **search: Unpack[TaobaoKeywordSearchOptions],
    ) -> AsyncGenerator[BulkResult[str, list[Any]], None]:
        """Run `taobao.products.keyword_search(keyword, **search)` for every keyword.

        `search` takes the search's keywords (`sort`, `filter`, `language`,
        `max_items`, `page_size`...), applied to every keyword.
        """
        no_resume(search)
        products = self._client.taobao.products
        products.keyword_search("check", item_type=item_type, **search)  # validates every argument now
        return self._bulk.walk(
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
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: None = None,
        **search: Unpack[TaobaoImageSearchOptions],
    ) -> AsyncGenerator[BulkResult[Any, list[TaobaoItem]], None]: ...

    @overload
    def image_search(
        self,
        images: Inputs[Picture],
        *,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: type[ItemT],
        **search: Unpack[TaobaoImageSearchOptions],
    ) -> AsyncGenerator[BulkResult[Any, list[ItemT]], None]: ...

    def image_search(
        self,
        images: Inputs[Picture],
        *,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: type[Any] | None = None,
        **search: Unpack[TaobaoImageSearchOptions],
    ) -> AsyncGenerator[BulkResult[Any, list[Any]], None]:
        """A Taobao/Tmall image search for every picture, uploading each distinct picture once.

        Pictures are as for `client.bulk.image_search`: a path, bytes, a binary file object, a
        URL or an image id. A URL on Taobao's image hosts (alicdn.com, taobaocdn.com,
        tbcdn.cn, taobao.com, tmall.com) is searched by URL (image search V2.0); an image id,
        and every other picture once uploaded (bytes by POST, another URL by URL), by id
        (V1.0). `language` applies to V1.0 searches, `category_id` and `crop` to V2.0 ones:
        an input searched the other way gets that ValueError as its own result.
        """
        no_resume(search)
        products = self._client.taobao.products
        if search.get("category_id") is not None or search.get("crop") is not None:
            products.image_search(
                image_url="https://img.alicdn.com/check.jpg", item_type=item_type, **search
            )  # validates now
        else:
            products.image_search("1", item_type=item_type, **search)  # validates now, sends nothing

        calls = PictureSearch(
            platform="taobao",
            by_url=lambda url: products.image_search(image_url=url, item_type=item_type, **search),
            by_id=lambda image_id: products.image_search(image_id, item_type=item_type, **search),
            upload_bytes=lambda data: products.upload_image(data),
            upload_url=lambda url: products.upload_image(url=url),
        )
        return picture_bulk(self._client, calls, images, concurrency=concurrency, ordered=ordered, progress=progress)

    def detail(
        self,
        item_ids: Inputs[int | str],
        *,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        language: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> AsyncGenerator[BulkResult[int | str, TaobaoItemDetail], None]:
        """The detail of every item id; `result.value` holds it."""
        detail = self._client.taobao.products.detail

        async def one(item_id: int | str) -> TaobaoItemDetail:
            return await detail(item_id, language=language, timeout=timeout, max_retries=max_retries)

        return self._bulk.map(one, item_ids, concurrency=concurrency, ordered=ordered, progress=progress)


class PoizonBulk:
    """Many Poizon searches or details at once: `client.bulk.poizon`.

    ```python
    async for result in client.bulk.poizon.search(["Nike", "adidas"], max_items=100):
        print(result.query, result.error or len(result.items))
    ```

    """

    def __init__(self, bulk: Bulk, client: DajiClient) -> None:
        self._bulk = bulk
        self._client = client

    @overload
    def search(
        self,
        brands: Inputs[str],
        *,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: None = None,
        **search: Unpack[PoizonSearchOptions],
    ) -> AsyncGenerator[BulkResult[str, list[PoizonSpu]], None]: ...

    @overload
    def search(
        self,
        brands: Inputs[str],
        *,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: type[ItemT],
        **search: Unpack[PoizonSearchOptions],
    ) -> AsyncGenerator[BulkResult[str, list[ItemT]], None]: ...

    def search(
        self,
        brands: Inputs[str],
        *,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        item_type: type[Any] | None = None,
        **search: Unpack[PoizonSearchOptions],
    ) -> AsyncGenerator[BulkResult[str, list[Any]], None]:
        """Run `poizon.products.search(brand=brand, **search)` for every brand (`title`,
        `max_items`, `page_size`... apply to each)."""
        no_resume(search)
        products = self._client.poizon.products
        products.search(brand="check", item_type=item_type, **search)  # validates every argument now
        return self._bulk.walk(
            # brand_input refuses None: a search without a brand is the whole catalogue
            lambda brand: products.search(brand=brand_input(brand), item_type=item_type, **search),
            brands,
            concurrency=concurrency,
            ordered=ordered,
            progress=progress,
        )

    def detail(
        self,
        spu_ids: Inputs[int | str],
        *,
        concurrency: int = C.DEFAULT_BULK_CONCURRENCY,
        ordered: bool = False,
        progress: ProgressCallback | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> AsyncGenerator[BulkResult[int | str, PoizonSpuDetail], None]:
        """The detail of every SPU id; `result.value` holds it."""
        detail = self._client.poizon.products.detail

        async def one(spu_id: int | str) -> PoizonSpuDetail:
            return await detail(spu_id, timeout=timeout, max_retries=max_retries)

        return self._bulk.map(one, spu_ids, concurrency=concurrency, ordered=ordered, progress=progress)
