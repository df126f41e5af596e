"""The Taobao/Tmall and Poizon rows of the endpoint table (re-exported by ``_endpoints``).

Each row says whether its path is confirmed by DAJI's wiki (``confirmed=True``, ``source``
the page) or inferred (``confirmed=False``, ``source`` naming the public client code or the
menu it comes from); ``DajiClient(endpoint_paths={...})`` points any row elsewhere.
"""

from __future__ import annotations

from typing import Any

from . import _constants as C
from ._endpoint_spec import Endpoint, PagingSpec
from ._errors import PoizonOrderOutcomeUnknownError, TaobaoOrderOutcomeUnknownError, TaobaoPaymentOutcomeUnknownError
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

#: Taobao's traffic searches (keyword, image V1, shop): ``page_no`` (1-based, as Taobao's open
#: platform counts) and ``page_size`` at most 20 (C: from client code); the answer counts
#: items (``total_count``), not pages; an item is identified by its ``item_id``.
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

#: Taobao image search V2.0: ``pageNo`` 0-based up to 499, ``pageSize`` 1..20 (C); ``total`` items.
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

#: Poizon's product list: a ``startId`` cursor (C), left out of the first request; the next
#: cursor is the last SPU's ``dwSpuId``; ``pageSize`` 1..50; SPUs identified by ``dwSpuId``.
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
)

#: Every Taobao/Tmall and Poizon row, in table order.
PLATFORM_ENDPOINTS: tuple[Endpoint[Any], ...] = (
    TAOBAO_KEYWORD_SEARCH,
    TAOBAO_IMAGE_SEARCH,
    TAOBAO_IMAGE_SEARCH_URL,
    TAOBAO_SHOP_SEARCH,
    TAOBAO_DETAIL,
    TAOBAO_UPLOAD_IMAGE,
    TAOBAO_UPLOAD_IMAGE_URL,
    TAOBAO_LOGISTICS_PRICE,
    TAOBAO_BUNKER,
    TAOBAO_ORDER_PREVIEW,
    TAOBAO_ORDER_CREATE,
    TAOBAO_ORDER_CANCEL,
    TAOBAO_ORDER_GET,
    TAOBAO_PAY,
    TAOBAO_HOT_LIST_TYPES,
    TAOBAO_HOT_LIST_PRODUCTS,
    TAOBAO_DETAIL_BY_LINK,
    POIZON_SEARCH,
    POIZON_DETAIL,
    POIZON_CATEGORY,
    POIZON_ORDER_CREATE,
    POIZON_ORDER_GET,
    POIZON_BALANCE,
)
