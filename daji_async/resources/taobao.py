"""`client.taobao`: Taobao/Tmall products, purchase orders and payment.

Same core as 1688: rows in the endpoint table, the one paginator, the client's pipeline
(rate limit, concurrency bound, retries of safe calls, error mapping). What differs is in
the rows and here:

- searches page with `page_no`/`page_size` (at most 20 a page); image search V2.0 by
  picture URL pages with a 0-based `pageNo`;
- preview and create take their lines as **JSON-encoded strings** on the wire
  (`render_item_List`, with a capital L, and `order_line_list`): the SDK takes typed
  lines (`TaobaoRenderLine`,
  `TaobaoOrderLine`) and encodes them;
- Taobao's inner result `code` is a string, `"0"` meaning success; any other code (or
  `success: false`) raises `TradeError` carrying it;
- money is in **fen** (int): `purchase_amount`, line prices, item prices;
- create, cancel and pay are never retried; create always carries a `thirdOrderId` (yours
  or generated) and a lost answer raises
  `TaobaoOrderOutcomeUnknownError` naming it; pay goes out in batches of
  at most 10 and every batch's outcome is reported (`TaobaoPayResult`).
"""

# mypy: disable-error-code="empty-body"
# (methods under @declared are signatures with a docstring: their body is written by the core)

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, Union, overload

import msgspec

from .. import _constants as C
from .._core import Resource
from .._declare import declared
from .._endpoints import (
    TAOBAO_BUNKER,
    TAOBAO_DETAIL,
    TAOBAO_DETAIL_BY_LINK,
    TAOBAO_HOT_LIST_PRODUCTS,
    TAOBAO_HOT_LIST_TYPES,
    TAOBAO_IMAGE_SEARCH,
    TAOBAO_IMAGE_SEARCH_URL,
    TAOBAO_KEYWORD_SEARCH,
    TAOBAO_LOGISTICS_PRICE,
    TAOBAO_SHOP_SEARCH,
    TAOBAO_UPLOAD_IMAGE,
    TAOBAO_UPLOAD_IMAGE_URL,
)
from .._pagination import Paginator, PagingOptions
from .._protocol import ParamValue
from .._validate import (
    digits,
    integer,
    language,
    name_text,
    positive_id,
)
from .._validate import (
    extra_params as check_extra_params,
)
from ..models.taobao import (
    TaobaoDistributionInfo,
    TaobaoHotListType,
    TaobaoItem,
    TaobaoItemDetail,
    TaobaoLogisticsPrice,
    TaobaoSearchPage,
)
from .products import ImageData, image_base64, picture_url
from .taobao_orders import (
    MAX_ORDER_LINES,
    PAY_BATCH,
    TaobaoOrders,
    encode_order_lines,
    encode_render_lines,
)
from .taobao_payments import TaobaoPayBatch, TaobaoPayments, TaobaoPayResult

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._client import Timeout
    from .._core import Core

#: A caller's own item Struct (`item_type=`).
ItemT = TypeVar("ItemT")

__all__ = [
    "MAX_ORDER_LINES",
    "PAY_BATCH",
    "Taobao",
    "TaobaoOrders",
    "TaobaoPayBatch",
    "TaobaoPayResult",
    "TaobaoPayments",
    "TaobaoProducts",
    "encode_order_lines",
    "encode_render_lines",
]

TextList = Union[Sequence[str], str, None]


# --------------------------------------------------------------------------- products


class TaobaoProducts(Resource):
    """Taobao/Tmall search, detail, image upload and freight: `client.taobao.products`."""

    def _language(self, given: str | None) -> str:
        return self._core.country if given is None else language("language", given)

    @overload
    def keyword_search(
        self,
        keyword: str,
        *,
        sort: str | None = None,
        filter: TextList = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage[TaobaoItem], TaobaoItem]: ...

    @overload
    def keyword_search(
        self,
        keyword: str,
        *,
        sort: str | None = None,
        filter: TextList = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: type[ItemT],
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage[ItemT], ItemT]: ...

    @declared(TAOBAO_KEYWORD_SEARCH)
    def keyword_search(
        self,
        keyword: str,
        *,
        sort: str | None = None,
        filter: TextList = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: type[Any] | None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage[Any], Any]:
        """Search Taobao/Tmall items by keyword (GET /taobao/traffic/item/search).

        Pages are `page_no` (1-based) and `page_size` (at most 20, the default).
        `sort` and `filter` are passed to the service as given (a sequence of filters is
        joined with ","); `language` defaults to the client's `country`.

        ```python
        async for item in client.taobao.products.keyword_search("手机壳", max_items=45):
            print(item.item_id, item.title, item.price)  # price in fen
        ```

        """

    @overload
    def image_search(
        self,
        image_id: str | int | None = None,
        *,
        image_url: str | None = None,
        category_id: int | None = None,
        crop: bool | None = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[Any, TaobaoItem]: ...

    @overload
    def image_search(
        self,
        image_id: str | int | None = None,
        *,
        image_url: str | None = None,
        category_id: int | None = None,
        crop: bool | None = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: type[ItemT],
        **paging: Unpack[PagingOptions],
    ) -> Paginator[Any, ItemT]: ...

    def image_search(
        self,
        image_id: str | int | None = None,
        *,
        image_url: str | None = None,
        category_id: int | None = None,
        crop: bool | None = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: type[Any] | None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[Any, Any]:
        """Search Taobao/Tmall items by image: V1.0 by `image_id`, V2.0 by `image_url`.

        Give exactly one:

        - `image_id` (from `upload_image`): image search V1.0,
          `GET /taobao/traffic/item/imgsearch` (`image_id`, `language`), pages of
          `TaobaoSearchPage` by `page_no` (1-based);
        - `image_url`: image search V2.0, `GET /taobao/image-search/url` (`picUrl`,
          optional `categoryId` such as 4 Shoes and `crop`), pages of
          `TaobaoImageSearchPage` by `pageNo`
          (**0-based**; the walk never asks beyond 499) and `pageSize` up to 20.

        ```python
        image_id = await client.taobao.products.upload_image(Path("shoe.jpg"))
        async for item in client.taobao.products.image_search(image_id, max_items=40): ...
        async for item in client.taobao.products.image_search(image_url=url, category_id=4): ...
        ```

        """
        if (image_id is None) == (image_url is None):
            raise ValueError("image_search needs exactly one of image_id (V1.0) or image_url (V2.0)")
        params: dict[str, ParamValue]
        if image_id is not None:
            if category_id is not None or crop is not None:
                raise ValueError("category_id and crop belong to image search V2.0 (image_url=), not image_id")
            params = {"image_id": digits("image_id", image_id), "language": self._language(language)}
            if check_extra_params("extra_params", extra_params):
                assert extra_params is not None
                params.update(extra_params)
            return self._core.walk(TAOBAO_IMAGE_SEARCH, params, paging, item_type)
        if crop is not None and not isinstance(crop, bool):
            raise TypeError(f"crop must be a bool, got {type(crop).__name__}")
        if language is not None:  # V2.0 documents no language: refuse it rather than drop it
            raise ValueError("language belongs to image search V1.0 (image_id), not image_url")
        # pageNo stops at 499: never ask beyond it, however many results the service counts
        first = paging.get("page")
        start = 0 if first is None else integer("page", first, low=0, high=C.TAOBAO_IMAGE_MAX_PAGE_NO)
        room = C.TAOBAO_IMAGE_MAX_PAGE_NO + 1 - start
        asked = paging.get("max_pages")
        if asked is None or (isinstance(asked, int) and not isinstance(asked, bool) and asked > room):
            paging = {**paging, "max_pages": room}
        params = {
            "picUrl": picture_url(image_url),
            "categoryId": integer("category_id", category_id, low=0) if category_id is not None else None,
            "crop": crop,
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        return self._core.walk(TAOBAO_IMAGE_SEARCH_URL, params, paging, item_type)

    @overload
    def shop_search(
        self,
        shop_id: int | str,
        *,
        keyword: str | None = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage[TaobaoItem], TaobaoItem]: ...

    @overload
    def shop_search(
        self,
        shop_id: int | str,
        *,
        keyword: str | None = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: type[ItemT],
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage[ItemT], ItemT]: ...

    @declared(TAOBAO_SHOP_SEARCH)
    def shop_search(
        self,
        shop_id: int | str,
        *,
        keyword: str | None = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: type[Any] | None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage[Any], Any]:
        """List (or search within) one shop's items (GET /taobao/traffic/item/shop/search).

        `shop_id` is `TaobaoItem.shop_id`.

        ```python
        async for item in client.taobao.products.shop_search(item.shop_id, max_items=100): ...
        ```

        """

    @declared(TAOBAO_DETAIL)
    async def detail(
        self,
        item_id: int | str,
        *,
        language: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TaobaoItemDetail:
        """The detail of one Taobao/Tmall item (GET /taobao/traffic/item/get); prices in fen.

        ```python
        detail = await client.taobao.products.detail(703446760426)
        for sku in detail.skus:
            print(sku.sku_id, sku.properties, sku.price)
        ```

        """

    @declared(TAOBAO_DETAIL_BY_LINK)
    async def detail_by_link(
        self,
        link: str,
        *,
        language: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TaobaoItemDetail:
        """The detail of one item by its share (short) link, e.g. `https://m.tb.cn/h.abc`.

        Inferred: the newest zh menu lists 商品详情搜索-支持短链 (GET); no page or public
        client shows its path, so both the path (`/taobao/traffic/item/shortLink/get`) and
        the parameter (`short_link`) are guesses, marked so in the endpoint table; point the
        row elsewhere with `DajiClient(endpoint_paths={"taobao.products.detail_by_link": ...})`.

        ```python
        detail = await client.taobao.products.detail_by_link("https://m.tb.cn/h.5CqJ9Zx")
        ```
        """

    @declared(TAOBAO_HOT_LIST_TYPES)
    async def hot_list_types(
        self,
        *,
        theme_type: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> list[TaobaoHotListType]:
        """The hot-list (榜单) types (GET /taobao/traffic/getThemeDimList; inferred).

        The menu (zh 榜单类型搜索, en Hot list type search, GET) confirms the call; the path and
        the optional `themeType` come from public client code (C).

        ```python
        for theme in await client.taobao.products.hot_list_types():
            print(theme.theme_id, theme.name)
        ```
        """

    @overload
    def hot_list_products(
        self,
        theme_id: int | str,
        *,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage[TaobaoItem], TaobaoItem]: ...

    @overload
    def hot_list_products(
        self,
        theme_id: int | str,
        *,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: type[ItemT],
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage[ItemT], ItemT]: ...

    @declared(TAOBAO_HOT_LIST_PRODUCTS)
    def hot_list_products(
        self,
        theme_id: int | str,
        *,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: type[Any] | None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage[Any], Any]:
        """The items of one hot list (GET /taobao/traffic/getThemeDetail; inferred).

        The menu (zh 榜单商品搜索, en List product search, GET) confirms the call; the path,
        `themeId` and `page_no`/`page_size` paging come from public client code (C).

        ```python
        async for item in client.taobao.products.hot_list_products(theme.theme_id, max_items=40):
            print(item.item_id, item.title)
        ```
        """

    @declared(TAOBAO_BUNKER)
    async def distribution_info(
        self, item_id: int | str, *, timeout: Timeout | None = None, max_retries: int | None = None
    ) -> TaobaoDistributionInfo:
        """The product bunker (撞库, GET /taobao/product/get): can the item be bought, and its
        distribution ids (`sku_list[].mp_id`/`mp_skuid`, the ids preview and create take).

        ```python
        info = await client.taobao.products.distribution_info(703446760426)
        line = TaobaoRenderLine(info.sku_list[0].mp_id, info.sku_list[0].mp_skuid, 1)
        ```

        """

    async def upload_image(
        self,
        image: ImageData | None = None,
        *,
        url: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> str:
        """Upload an image for image search V1.0; returns its image id.

        `image` (bytes, a path, or base64 text; JPG, PNG or WEBP of at most 3 MB, checked
        before sending) goes by POST as `image_base64`; or give `url=` and the service
        fetches the picture (the GET mode, which takes `pic_url` only).

        ```python
        image_id = await client.taobao.products.upload_image(Path("bag.jpg"))
        image_id = await client.taobao.products.upload_image(url="https://img.alicdn.com/a.jpg")
        ```

        """
        if (image is None) == (url is None):
            raise ValueError("upload_image needs exactly one of image or url=")
        if url is not None:
            params: dict[str, ParamValue] = {"pic_url": picture_url(url)}
            answer = await self._core.call(TAOBAO_UPLOAD_IMAGE_URL, params, timeout=timeout, max_retries=max_retries)
            return answer.image_id
        assert image is not None
        if isinstance(image, os.PathLike):
            encoded = await asyncio.to_thread(image_base64, image)
        else:
            encoded = image_base64(image)
        result = await self._core.call(
            TAOBAO_UPLOAD_IMAGE, {"image_base64": encoded}, timeout=timeout, max_retries=max_retries
        )
        return result.image_id

    async def logistics_price(
        self,
        item_id: int | str,
        *,
        sku_id: int | str | None = None,
        quantity: int | None = None,
        state: str | None = None,
        city: str | None = None,
        district: str | None = None,
        country: str = "中国",
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TaobaoLogisticsPrice:
        """Domestic freight of an item to an address inside China, in **fen**
        (GET /taobao/traffic/item/logisticPrice/get; inferred).

        As a public client reproduces the documentation example (`daji-wiki.md` §9.4, C):
        `item_id` and `address_info`, one JSON **string** holding ``{country, state, city,
        district}` (`country` `"中国"` unless given). `sku_id` and `quantity`` are not in
        that example: they are sent only when you give them.

        ```python
        freight = await client.taobao.products.logistics_price(703446760426, state="浙江省", city="杭州市")
        print(freight.post_fee)  # fen
        ```
        """
        address = {
            "country": name_text("country", country),
            "state": name_text("state", state, required=False),
            "city": name_text("city", city, required=False),
            "district": name_text("district", district, required=False),
        }
        params: dict[str, ParamValue] = {
            "item_id": positive_id("item_id", item_id),
            "address_info": msgspec.json.encode({k: v for k, v in address.items() if v is not None}).decode(),
            "sku_id": positive_id("sku_id", sku_id) if sku_id is not None else None,
            "quantity": integer("quantity", quantity, low=1) if quantity is not None else None,
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        return await self._core.call(TAOBAO_LOGISTICS_PRICE, params, timeout=timeout, max_retries=max_retries)


# --------------------------------------------------------------------------- the namespace


class Taobao(Resource):
    """Everything Taobao/Tmall: `client.taobao.products`, `.orders` and `.payments`."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.products: TaobaoProducts = TaobaoProducts(core)
        """Search (keyword, image V1/V2, shop), detail, bunker, image upload, freight."""
        self.orders: TaobaoOrders = TaobaoOrders(core)
        """Preview (render), create, cancel (asynchronous) and query purchase orders."""
        self.payments: TaobaoPayments = TaobaoPayments(core)
        """Pay purchase orders, in batches of at most 10."""
