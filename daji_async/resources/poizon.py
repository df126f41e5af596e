"""``client.poizon``: Poizon (得物) product search, detail and categories.

No Poizon page is in DAJI's archived wiki: the paths (``/poizon/product/queryList``,
``/poizon/product/queryDetail``, ``/poizon/category/get``) and the ``startId`` cursor come
from third-party clients, so their rows are marked ``confirmed=False`` and
``DajiClient(endpoint_paths=...)`` can point them elsewhere. The search pages with a
cursor through the same paginator as every other search: ``async for``, ``max_items``,
``.pages()``, and ``paginator.next_page`` (the cursor to resume from, as ``page=``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._endpoints import POIZON_CATEGORY, POIZON_DETAIL, POIZON_SEARCH
from .._pagination import Paginator, PagingOptions, paginate
from .._protocol import ParamValue
from .._validate import extra_params as check_extra_params
from .._validate import integer, name_text, positive_id, text
from ..models.poizon import PoizonCategory, PoizonSearchPage, PoizonSpu, PoizonSpuDetail

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._client import DajiClient, Timeout

__all__ = ["Poizon", "PoizonCategories", "PoizonProducts"]


class PoizonProducts:
    """Poizon product search and detail: ``client.poizon.products``."""

    def __init__(self, client: DajiClient) -> None:
        self._client = client

    def search(
        self,
        *,
        brand: str | None = None,
        title: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[PoizonSearchPage, PoizonSpu]:
        """Search Poizon products (GET /poizon/product/queryList), by brand and/or title.

        ``brand`` is sent as ``distBrandName``, ``title`` as ``title`` (inferred). Paging is
        a cursor: the first request names none, each next one sends the last SPU's id as
        ``startId``; ``page_size`` 1..50 (default 20). Resume a walk with
        ``page=paginator.next_page``.

        ::

            async for spu in client.poizon.products.search(brand="Nike", max_items=200):
                print(spu.dw_spu_id, spu.title, spu.min_price)  # fen
        """
        params: dict[str, ParamValue] = {
            "distBrandName": name_text("brand", brand, required=False),
            "title": text("title", title, required=False, one_line=True),
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        return paginate(self._client, POIZON_SEARCH, params, paging)

    async def detail(
        self, spu_id: int | str, *, timeout: Timeout | None = None, max_retries: int | None = None
    ) -> PoizonSpuDetail:
        """The detail of one Poizon product (GET /poizon/product/queryDetail?dwSpuId=...).

        ::

            detail = await client.poizon.products.detail(spu.dw_spu_id)
            for sku in detail.skus:
                print(sku.dw_sku_id, sku.properties, sku.price)  # fen
        """
        params: dict[str, ParamValue] = {"dwSpuId": positive_id("spu_id", spu_id)}
        return await self._client._call(POIZON_DETAIL, params, timeout=timeout, max_retries=max_retries)


class PoizonCategories:
    """Poizon's categories: ``client.poizon.categories``."""

    def __init__(self, client: DajiClient) -> None:
        self._client = client

    async def get(
        self, category_id: int | None = None, *, timeout: Timeout | None = None, max_retries: int | None = None
    ) -> list[PoizonCategory]:
        """The top-level categories (no ``category_id``), or one category's children
        (GET /poizon/category/get; the ``categoryId`` parameter is inferred).

        ::

            for category in await client.poizon.categories.get():
                print(category.category_id, category.name)
        """
        params: dict[str, ParamValue] = {
            "categoryId": integer("category_id", category_id, low=0) if category_id is not None else None
        }
        return await self._client._call(POIZON_CATEGORY, params, timeout=timeout, max_retries=max_retries)


class Poizon:
    """Everything Poizon: ``client.poizon.products`` and ``client.poizon.categories``."""

    def __init__(self, client: DajiClient) -> None:
        self.products: PoizonProducts = PoizonProducts(client)
        """Product search (startId cursor) and detail."""
        self.categories: PoizonCategories = PoizonCategories(client)
        """Poizon's category tree."""
