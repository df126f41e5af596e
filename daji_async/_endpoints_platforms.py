"""The Taobao/Tmall and Poizon rows of the endpoint table (re-exported by `_endpoints`).

Each row says whether its path is confirmed by DAJI's wiki (`confirmed=True`, `source`
the page) or inferred (`confirmed=False`, `source` naming the public client code or the
menu it comes from); `DajiClient(endpoint_paths={...})` points any row elsewhere.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from . import _constants as C
from ._endpoint_spec import REGISTRY, Endpoint, PagingSpec, Param
from ._errors import PoizonOrderOutcomeUnknownError, TaobaoOrderOutcomeUnknownError, TaobaoPaymentOutcomeUnknownError
from ._validate import id_text, integer, joined_texts, language, name_text, positive_id, share_link, text, theme_id
from .models.poizon import PoizonBalance, PoizonCategory, PoizonOrder, PoizonSearchPage, PoizonSpu, PoizonSpuDetail
from .models.products import UploadResult
from .models.taobao import (
    TaobaoCreatedOrder,
    TaobaoDistributionInfo,
    TaobaoHotListType,
    TaobaoImageSearchPage,
    TaobaoItem,
    TaobaoItemDetail,
    TaobaoLogisticsPrice,
    TaobaoOrder,
    TaobaoPayAnswer,
    TaobaoPreview,
    TaobaoSearchPage,
    TaobaoTradeAnswer,
)

#: Parameter checks the declarations share (see `Param.check`).
OPTIONAL_NAME = partial(name_text, required=False)
OPTIONAL_LINE = partial(text, required=False, one_line=True)
NON_NEGATIVE = partial(integer, low=0)
#: Taobao's `language`: a language code, the client's `country` when not given.
LANGUAGE = Param("language", "language", language, required=False, default="country", doc="a language code")

#: Taobao's traffic searches (keyword, image V1, shop): `page_no` (1-based, as Taobao's open
#: platform counts) and `page_size` at most 20 (C: from client code); the answer counts
#: items (`total_count`), not pages; an item is identified by its `item_id`.
PAGING_TAOBAO = PagingSpec(
    page_param="page_no",
    size_param="page_size",
    first_page=1,
    max_size=C.TAOBAO_MAX_PAGE_SIZE,
    default_size=C.TAOBAO_MAX_PAGE_SIZE,
    items="items",
    total_pages=None,
    total_items="total_count",
    current_page="page_no",
    page_size="page_size",
    item_id="item_id",
)

#: Taobao image search V2.0: `pageNo` 0-based up to 499, `pageSize` 1..20 (C); `total` items.
PAGING_TAOBAO_IMAGE = PagingSpec(
    page_param="pageNo",
    size_param="pageSize",
    first_page=0,
    max_size=C.TAOBAO_MAX_PAGE_SIZE,
    default_size=C.TAOBAO_MAX_PAGE_SIZE,
    items="items",
    total_pages=None,
    total_items="total",
    current_page="page_no",
    page_size="page_size",
    item_id="item_id",
)

#: Poizon's product list: a `startId` cursor (C), left out of the first request; the next
#: cursor is the last SPU's `dwSpuId`; `pageSize` 1..50; SPUs identified by `dwSpuId`.
PAGING_POIZON = PagingSpec(
    style="cursor",
    page_param="startId",
    size_param="pageSize",
    first_page=None,
    max_size=C.POIZON_MAX_PAGE_SIZE,
    default_size=C.DEFAULT_PAGE_SIZE,
    items="items",
    total_pages=None,
    total_items="total",
    current_page=None,
    page_size=None,
    cursor_item="dw_spu_id",
    item_id="dw_spu_id",
)


# Taobao/Tmall (daji-wiki.md §3). Paths marked confirmed=False come from third-party client
# code only (C); DajiClient(endpoint_paths={...}) points any of them elsewhere.
TAOBAO_KEYWORD_SEARCH = Endpoint(
    "taobao.products.keyword_search",
    "GET",
    "/taobao/traffic/item/search",
    TaobaoSearchPage[TaobaoItem],
    paging=PAGING_TAOBAO,
    confirmed=False,
    platform="taobao",
    source="client code (wiki menu: keyword search, GET)",
    summary="Search Taobao/Tmall items by keyword, page_no/page_size <= 20",
    cache_ttl=C.CACHE_TTL_SEARCH,
    params=(
        Param("keyword", "keyword", text, doc="1..200 characters"),
        Param("sort", "sort", OPTIONAL_NAME, required=False, doc="passed as given"),
        Param("filter", "filter", joined_texts, required=False, doc="a text or texts, joined with ','"),
        LANGUAGE,
    ),
)
TAOBAO_IMAGE_SEARCH = Endpoint(
    "taobao.products.image_search",
    "GET",
    "/taobao/traffic/item/imgsearch",
    TaobaoSearchPage[TaobaoItem],
    paging=PAGING_TAOBAO,
    confirmed=False,
    platform="taobao",
    source="client code (wiki menu: Image search V1.0, GET)",
    summary="Image search V1.0: Taobao/Tmall items like an uploaded image (image_id)",
    cache_ttl=C.CACHE_TTL_SEARCH,
    call="taobao.products.image_search(image_id)",
)
TAOBAO_IMAGE_SEARCH_URL = Endpoint(
    "taobao.products.image_search_url",
    "GET",
    "/taobao/image-search/url",
    TaobaoImageSearchPage[TaobaoItem],
    paging=PAGING_TAOBAO_IMAGE,
    platform="taobao",
    source="wiki en api-310619961",
    summary="Image search V2.0: Taobao/Tmall items like a picture URL, pageNo 0-based",
    cache_ttl=C.CACHE_TTL_SEARCH,
    call="taobao.products.image_search(image_url=...)",
)
TAOBAO_SHOP_SEARCH = Endpoint(
    "taobao.products.shop_search",
    "GET",
    "/taobao/traffic/item/shop/search",
    TaobaoSearchPage[TaobaoItem],
    paging=PAGING_TAOBAO,
    confirmed=False,
    platform="taobao",
    source="client code (wiki menu: shop search, GET)",
    summary="List or search one Taobao/Tmall shop's items",
    cache_ttl=C.CACHE_TTL_SEARCH,
    params=(
        Param("shop_id", "shop_id", positive_id, doc="a positive id"),
        Param("keyword", "keyword", OPTIONAL_LINE, required=False, doc="one line of text"),
        LANGUAGE,
    ),
)
TAOBAO_DETAIL = Endpoint(
    "taobao.products.detail",
    "GET",
    "/taobao/traffic/item/get",
    TaobaoItemDetail,
    confirmed=False,
    platform="taobao",
    source="client code (wiki menu: Product details search, GET)",
    summary="The detail of one Taobao/Tmall item (SKUs, prices in fen)",
    cache_ttl=C.CACHE_TTL_DETAIL,
    params=(Param("item_id", "item_id", positive_id, doc="a positive id"), LANGUAGE),
)
TAOBAO_UPLOAD_IMAGE = Endpoint(
    "taobao.products.upload_image",
    "POST",
    "/taobao/upload/image",
    UploadResult,
    body="form",
    platform="taobao",
    source="wiki en api-216685825",
    summary="Upload an image (base64) for Taobao image search V1.0",
)
TAOBAO_UPLOAD_IMAGE_URL = Endpoint(
    "taobao.products.upload_image_url",
    "GET",
    "/taobao/upload/image",
    UploadResult,
    platform="taobao",
    source="wiki en api-216685825 (the GET mode takes pic_url only)",
    summary="Upload an image by picture URL (GET, pic_url only)",
    call="taobao.products.upload_image(url=...)",
)
TAOBAO_LOGISTICS_PRICE = Endpoint(
    "taobao.products.logistics_price",
    "GET",
    "/taobao/traffic/item/logisticPrice/get",
    TaobaoLogisticsPrice,
    confirmed=False,
    platform="taobao",
    source="client code (wiki menu: Product Logistics Price Get, GET)",
    summary="Domestic freight of a Taobao/Tmall item to an address, in fen",
)
TAOBAO_BUNKER = Endpoint(
    "taobao.products.distribution_info",
    "GET",
    "/taobao/product/get",
    TaobaoDistributionInfo,
    platform="taobao",
    source="wiki en api-202449555",
    summary="Product bunker (撞库): whether an item can be bought, and its mpId/mpSkuid",
    params=(Param("item_id", "item_id", positive_id, doc="a positive id"),),
)
TAOBAO_ORDER_PREVIEW = Endpoint(
    "taobao.orders.preview",
    "POST",
    "/taobao/purchase/order/render",
    TaobaoPreview,
    body="json",
    trade=True,
    platform="taobao",
    source="wiki en api-194164778, zh api-183099606",
    summary="Price a Taobao purchase order before creating it (render)",
)
TAOBAO_ORDER_CREATE = Endpoint(
    "taobao.orders.create",
    "POST",
    "/taobao/purchase/order/create",
    TaobaoCreatedOrder,
    body="json",
    safe=False,
    trade=True,
    outcome_unknown=TaobaoOrderOutcomeUnknownError,
    platform="taobao",
    source="wiki en api-194164780, zh api-183099796",
    summary="Create a Taobao purchase order; never retried",
    outcome_id="thirdOrderId",
)
TAOBAO_ORDER_CANCEL = Endpoint(
    "taobao.orders.cancel",
    "POST",
    "/taobao/purchase/order/asyn/cancel",
    TaobaoTradeAnswer,
    body="json",
    safe=False,
    trade=True,
    platform="taobao",
    source="wiki en api-194164781",
    summary="Ask to cancel a Taobao purchase order (asynchronous); never retried",
)
TAOBAO_ORDER_GET = Endpoint(
    "taobao.orders.get",
    "POST",
    "/taobao/purchase/order/query",
    TaobaoOrder,
    body="json",
    trade=True,
    confirmed=False,
    platform="taobao",
    source="client code (wiki menu: View order details, POST)",
    summary="A Taobao purchase order's status, lines and shipments",
    params=(Param("purchase_id", "purchase_id", id_text, doc="a positive id, sent as text"),),
)
TAOBAO_PAY = Endpoint(
    "taobao.payments.pay",
    "POST",
    "/taobao/purchase/order/batch/pay",
    TaobaoPayAnswer,
    body="json",
    safe=False,
    trade=True,
    outcome_unknown=TaobaoPaymentOutcomeUnknownError,
    platform="taobao",
    source="wiki en api-194164783",
    summary="Pay up to 10 Taobao purchase orders (Alipay balance, then bank card); never retried",
    outcome_id="purchaseOrderIdList",
)

# Taobao rows the newest zh menu (api-183099606) lists and the SDK added later (issue 24): the
# menu confirms the calls exist and their method (GET); paths and parameters are inferred.
TAOBAO_HOT_LIST_TYPES = Endpoint(
    "taobao.products.hot_list_types",
    "GET",
    "/taobao/traffic/getThemeDimList",
    list[TaobaoHotListType],
    confirmed=False,
    platform="taobao",
    source="client code (wiki zh menu: 榜单类型搜索 / en: Hot list type search, GET)",
    summary="Taobao hot-list (榜单) types: the themes hot_list_products takes",
    params=(Param("theme_type", "themeType", OPTIONAL_NAME, required=False, doc="a short text"),),
)
TAOBAO_HOT_LIST_PRODUCTS = Endpoint(
    "taobao.products.hot_list_products",
    "GET",
    "/taobao/traffic/getThemeDetail",
    TaobaoSearchPage[TaobaoItem],
    paging=PAGING_TAOBAO,
    confirmed=False,
    platform="taobao",
    source="client code (wiki zh menu: 榜单商品搜索 / en: List product search, GET)",
    summary="The items of one Taobao hot list (themeId), page_no/page_size <= 20",
    params=(Param("theme_id", "themeId", theme_id, doc="a positive int or a text id"),),
)
TAOBAO_DETAIL_BY_LINK = Endpoint(
    "taobao.products.detail_by_link",
    "GET",
    "/taobao/traffic/item/shortLink/get",
    TaobaoItemDetail,
    confirmed=False,
    platform="taobao",
    source="inferred (wiki zh menu: 商品详情搜索-支持短链, GET); path and parameter guessed, no public client",
    summary="The detail of one Taobao/Tmall item by its share (short) link",
    params=(Param("link", "short_link", share_link, doc="an http(s) URL"), LANGUAGE),
)

# Poizon (daji-wiki.md §9.1): en api-456883163 documents create & pay; search and detail are
# as several public clients call them; query, balance and category paths are inferred.
POIZON_SEARCH = Endpoint(
    "poizon.products.search",
    "GET",
    "/poizon/product/queryList",
    PoizonSearchPage[PoizonSpu],
    paging=PAGING_POIZON,
    confirmed=False,
    platform="poizon",
    source="client code, several independent clients (wiki en api-456883163 menu: Keyword Search, GET)",
    summary="Search Poizon products (SPUs) by brand or title, startId cursor paging",
    cache_ttl=C.CACHE_TTL_SEARCH,
    params=(
        Param("brand", "distBrandName", OPTIONAL_NAME, required=False, doc="a short text"),
        Param("title", "distSpuTitle", OPTIONAL_LINE, required=False, doc="one line of text (English title)"),
        Param("cn_title", "dwSpuTitle", OPTIONAL_LINE, required=False, doc="one line of text (Chinese title)"),
    ),
)
POIZON_DETAIL = Endpoint(
    "poizon.products.detail",
    "GET",
    "/poizon/product/queryDetail",
    PoizonSpuDetail,
    confirmed=False,
    platform="poizon",
    source="client code, several independent clients (wiki en api-456883163 menu: Product Detail, GET)",
    summary="The detail of one Poizon product (dwSpuId): SKUs and prices in fen",
    cache_ttl=C.CACHE_TTL_DETAIL,
    params=(
        Param("spu_id", "dwSpuId", positive_id, doc="a positive id"),
        Param("sku_id", "dwSkuId", positive_id, required=False, doc="a positive id"),
    ),
)
POIZON_CATEGORY = Endpoint(
    "poizon.categories.get",
    "GET",
    "/poizon/category/get",
    list[PoizonCategory],
    confirmed=False,
    platform="poizon",
    source="one client's endpoint map only; not in the wiki's Poizon menu (en api-456883163)",
    summary="Poizon's categories (the top level, or one category's children)",
    cache_ttl=C.CACHE_TTL_CATEGORIES,
    params=(Param("category_id", "categoryId", NON_NEGATIVE, required=False, doc="an int >= 0"),),
)
POIZON_ORDER_CREATE = Endpoint(
    "poizon.orders.create",
    "POST",
    "/poizon/order/createOrder",
    PoizonOrder,
    body="json",
    safe=False,
    outcome_unknown=PoizonOrderOutcomeUnknownError,
    platform="poizon",
    source="wiki en api-456883163 (Create order & Payment)",
    summary="Create a Poizon order and pay it from the prepaid balance (requestId is the key); never retried",
    outcome_id="requestId",
)
POIZON_ORDER_GET = Endpoint(
    "poizon.orders.get",
    "POST",
    "/poizon/order/queryOrderInfo",
    PoizonOrder,
    body="json",
    confirmed=False,
    platform="poizon",
    source="inferred (wiki en api-456883163 menu: Query Order Info, POST); path guessed from createOrder",
    summary="A Poizon order by its requestId (or distOrderNo)",
)
POIZON_BALANCE = Endpoint(
    "poizon.balance",
    "GET",
    "/poizon/order/queryBalance",
    PoizonBalance,
    confirmed=False,
    platform="poizon",
    source="inferred (wiki en api-456883163 menu: Balance Query, GET); path guessed",
    summary="The app's prepaid Poizon balance that create & pay draws down",
    call="poizon.balance()",
)

#: Every Taobao/Tmall and Poizon row (read from the registry; kept for code that imported it).
PLATFORM_ENDPOINTS: tuple[Endpoint[Any], ...] = tuple(row for row in REGISTRY.values() if row.platform != "1688")
