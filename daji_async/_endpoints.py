"""The declarative table of the service's endpoints.

One row per endpoint: HTTP method, path, how parameters travel, the type of the envelope's
``data``, whether the call is safe to retry, and for paged endpoints a :class:`PagingSpec`
saying how pages are asked for and read. The client's pipeline and its one generic
:class:`~daji_async.Paginator` read these rows; resources only map arguments to parameters;
the sandbox registers its routes from the same rows. Adding an endpoint is a row, a Struct,
a short resource method and a sandbox handler (see CONTRIBUTING.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, Union

from . import _constants as C
from ._errors import (
    OrderOutcomeUnknownError,
    OutcomeUnknownError,
    PaymentOutcomeUnknownError,
    TaobaoOrderOutcomeUnknownError,
    TaobaoPaymentOutcomeUnknownError,
)
from .models.common import Page
from .models.orders import (
    CreatedOrder,
    OrderDetail,
    OrderListData,
    OrderPreview,
    PayResult,
    PayUrlAnswer,
    TradeAnswer,
)
from .models.poizon import PoizonCategory, PoizonSearchPage, PoizonSpuDetail
from .models.products import (
    Category,
    FreightEstimate,
    ImageSearchPage,
    ProductDetail,
    ProductItem,
    ShopSearchPage,
    UploadResult,
)
from .models.taobao import (
    TaobaoCreatedOrder,
    TaobaoDistributionInfo,
    TaobaoImageSearchPage,
    TaobaoItemDetail,
    TaobaoLogisticsPrice,
    TaobaoOrder,
    TaobaoPayAnswer,
    TaobaoPreview,
    TaobaoSearchPage,
    TaobaoTradeAnswer,
)

T = TypeVar("T")

#: How parameters travel: query string, JSON body, or multipart form.
BodyKind = Literal["query", "json", "form"]

#: A page number (page-number paging) or a cursor (cursor paging).
PageToken = Union[int, str]


@dataclass(frozen=True)
class PagingSpec:
    """How one endpoint pages: the request side and where things live in the decoded answer.

    Attribute names on the answer side are attributes of the endpoint's decoded ``data``
    Struct (which maps them to the wire's names), so the paginator never parses JSON itself.

    Attributes:
        style: ``"page"`` (page numbers) or ``"cursor"`` (the answer hands out the next cursor).
        page_param: the parameter carrying the page number or cursor (``beginPage``,
            ``page_no``, ``startId``).
        size_param: the parameter carrying the page size (``pageSize``, ``page_size``).
        first_page: the number of the first page (1 or 0); for cursor paging, the cursor of the
            first page, or None to leave ``page_param`` out of the first request.
        min_size, max_size, default_size: the page size bounds and default.
        items: the attribute holding the page's items.
        total_pages: the attribute holding the number of pages, or None.
        total_items: the attribute holding the number of items (pages are then counted from
            it and the page size when ``total_pages`` is None), or None.
        current_page: the attribute where the service reports the page number; filled in with
            the requested number when the service leaves it out. None when there is none.
        page_size: the attribute reporting the page size (filled in likewise), or None.
        trace_id: the attribute that receives the envelope's ``traceId``, or None.
        next_cursor: cursor paging: the attribute holding the next page's cursor ...
        cursor_item: ... or the item attribute whose value on a page's last item is the next
            cursor (when the service's cursor is "the last id seen").
        item_id: the item attribute that identifies an item, for the repeat-page guard; None
            when items carry no identity (the guard then compares the items' encoded bytes).
    """

    style: Literal["page", "cursor"] = "page"
    page_param: str = "beginPage"
    size_param: str = "pageSize"
    first_page: PageToken | None = 1
    min_size: int = C.MIN_PAGE_SIZE
    max_size: int = C.MAX_PAGE_SIZE
    default_size: int = C.DEFAULT_PAGE_SIZE
    items: str = "items"
    total_pages: str | None = "total_pages"
    total_items: str | None = "total_records"
    current_page: str | None = "current_page"
    page_size: str | None = "page_size"
    trace_id: str | None = "trace_id"
    next_cursor: str | None = None
    cursor_item: str | None = None
    item_id: str | None = None

    def __post_init__(self) -> None:
        if self.style == "cursor" and (self.next_cursor is None) == (self.cursor_item is None):
            raise ValueError("cursor paging needs exactly one of next_cursor or cursor_item")
        if self.style == "page" and not isinstance(self.first_page, int):
            raise ValueError("page-number paging needs an int first_page (0 or 1)")
        if not 1 <= self.min_size <= self.default_size <= self.max_size:
            raise ValueError("page sizes must satisfy 1 <= min_size <= default_size <= max_size")


#: 1688's paging: ``beginPage`` (1-based) and ``pageSize`` 1..50; ``data`` holds the items and
#: ``totalPage`` the number of pages; an offer is identified by its ``offerId``.
PAGING_1688 = PagingSpec(item_id="offer_id")

#: The 1688 order list: ``page``/``pageSize`` in the JSON body, orders in ``data.result``; the
#: service may send no total (then a short page is the last); an order is identified by its id.
PAGING_ORDER_LIST = PagingSpec(page_param="page", total_items="total", item_id="order_id")

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


@dataclass(frozen=True)
class Endpoint(Generic[T]):
    """One endpoint of the service.

    Attributes:
        name: stable key, e.g. ``"products.keyword_search"``; ``DajiClient(endpoint_paths=...)``
            uses it to point an endpoint at another path.
        method: HTTP method.
        path: the service path.
        response: the type ``data`` decodes into.
        body: how parameters travel (``query``, ``json`` or ``form``).
        safe: True when repeating the call cannot cause a second effect (retried on
            transient errors); False for create, pay and cancel (never retried).
        paging: how the endpoint pages, or None for a single call.
        trade: True when ``data`` is a 1688 trade answer (``success``/``result`` layers): the
            pipeline raises :class:`~daji_async.TradeError` where a layer says ``success: false``
            and hands back the innermost layer.
        outcome_unknown: for unsafe calls that commit or spend, the
            :class:`~daji_async.OutcomeUnknownError` subclass the pipeline raises when the call
            got no readable answer (timeout, lost connection, garbled body).
        confirmed: True when the path is confirmed by the service's own documents (DAJI's
            wiki), False when it is inferred (from third-party client code or the service's
            naming pattern); ``source`` says which.
        platform: ``"1688"``, ``"taobao"`` or ``"poizon"``.
        source: where the path comes from (a wiki page id, or "client code").
        summary: one line for docs and the CLI.
    """

    name: str
    method: str
    path: str
    response: type[T]
    body: BodyKind = "query"
    safe: bool = True
    paging: PagingSpec | None = None
    trade: bool = False
    outcome_unknown: type[OutcomeUnknownError] | None = None
    confirmed: bool = True
    summary: str = ""
    platform: str = "1688"
    source: str = ""

    @property
    def paginated(self) -> bool:
        """True when the endpoint pages (it has a :class:`PagingSpec`)."""
        return self.paging is not None


KEYWORD_SEARCH = Endpoint(
    "products.keyword_search",
    "GET",
    "/alibaba/product/keywordQuery",
    Page[ProductItem],
    paging=PAGING_1688,
    summary="Search offers by (Chinese) keyword",
)
IMAGE_SEARCH = Endpoint(
    "products.image_search",
    "GET",
    "/alibaba/product/imageQuery",
    ImageSearchPage[ProductItem],
    paging=PAGING_1688,
    summary="Search offers by image (1688 image URL or uploaded image id)",
)
SHOP_SEARCH = Endpoint(
    "products.shop_search",
    "GET",
    "/alibaba/product/shopQuery",
    ShopSearchPage[ProductItem],
    paging=PAGING_1688,
    summary="List or search one seller's offers",
)
PRODUCT_DETAIL = Endpoint(
    "products.detail",
    "GET",
    "/alibaba/product/queryProductDetail",
    ProductDetail,
    summary="Full detail of one offer (SKUs, attributes, prices, shipping)",
)
UPLOAD_IMAGE = Endpoint(
    "products.upload_image",
    "POST",
    "/alibaba/upload/image",
    UploadResult,
    body="form",
    summary="Upload an image (base64, multipart) to get an image id for image search",
)
UPLOAD_IMAGE_URL = Endpoint(
    "products.upload_image_url",
    "GET",
    "/alibaba/upload/image",
    UploadResult,
    confirmed=False,
    summary="Upload an image by URL (GET, pic_url only): inferred from the menu's 'Image upload By Get' "
    "and the Taobao upload page (wiki en api-216685825)",
)
FREIGHT_ESTIMATE = Endpoint(
    "products.estimate_freight",
    "POST",
    "/alibaba/product/freightEstimate",
    FreightEstimate,
    body="json",
    summary="Estimate domestic freight for a quantity of an offer",
)
CATEGORY_GET = Endpoint(
    "categories.get",
    "GET",
    "/alibaba/category/get",
    list[Category],
    summary="A category and its children (0 is the root)",
)


# Orders and payment: every row below is documented on DAJI's wiki (daji-wiki.md §2.8-§2.15;
# the source page is in each summary). DajiClient(endpoint_paths={...}) still points a row
# elsewhere if DAJI moves a path.
ORDER_PREVIEW = Endpoint(
    "orders.preview",
    "POST",
    "/alibaba/createOrder/preview",
    OrderPreview,
    body="json",
    trade=True,
    summary="Price an order before creating it (wiki en api-194164767, zh api-164891582)",
)
ORDER_CREATE = Endpoint(
    "orders.create",
    "POST",
    "/alibaba/trade/createCrossOrder",
    CreatedOrder,
    body="json",
    safe=False,
    trade=True,
    outcome_unknown=OrderOutcomeUnknownError,
    summary="Create an order; never retried (wiki en api-194164768, zh api-164891583)",
)
ORDER_CANCEL = Endpoint(
    "orders.cancel",
    "POST",
    "/alibaba/trade/cancel",
    TradeAnswer,
    body="json",
    safe=False,
    trade=True,
    summary="Cancel an unpaid order; never retried (wiki en api-194164769, zh api-164891584)",
)
ORDER_GET = Endpoint(
    "orders.get",
    "POST",
    "/alibaba/trade/get/buyerView",
    OrderDetail,
    body="json",
    trade=True,
    summary="An order's details, buyer's view (wiki en api-194164770, zh api-164891585)",
)
ORDER_LIST = Endpoint(
    "orders.list",
    "POST",
    "/alibaba/trade/getBuyerOrderList",
    OrderListData,
    body="json",
    paging=PAGING_ORDER_LIST,
    summary="The buyer's orders, paged by page/pageSize (wiki zh api-341849148)",
)
ORDER_CONFIRM_RECEIPT = Endpoint(
    "orders.confirm_receipt",
    "POST",
    "/alibaba/trade/receiveGoods/confirm",
    TradeAnswer,
    body="json",
    safe=False,  # releases the buyer's money to the seller: a money-moving call, never retried
    trade=True,
    summary="Confirm receipt of an order's entries; never retried (wiki en api-194164772)",
)
PAYMENT_LINKS = Endpoint(
    "payments.links",
    "GET",
    "/alibaba/alipay/url/get",
    PayUrlAnswer,
    summary="Cashier links for up to 30 orders per call (wiki en api-194164773)",
)
PAYMENT_PAY = Endpoint(
    "payments.pay",
    "POST",
    "/alibaba/trade/pay/protocolPay/preparePay",
    PayResult,
    body="json",
    safe=False,
    trade=True,
    outcome_unknown=PaymentOutcomeUnknownError,
    summary="Password-free payment of an order; never retried (wiki en api-194164774, zh api-194158434)",
)


# Taobao/Tmall (daji-wiki.md §3). Paths marked confirmed=False come from third-party client
# code only (C); DajiClient(endpoint_paths={...}) points any of them elsewhere.
TAOBAO_KEYWORD_SEARCH = Endpoint(
    "taobao.products.keyword_search",
    "GET",
    "/taobao/traffic/item/search",
    TaobaoSearchPage,
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
    TaobaoSearchPage,
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
    TaobaoImageSearchPage,
    paging=PAGING_TAOBAO_IMAGE,
    platform="taobao",
    source="wiki en api-310619961",
    summary="Image search V2.0: Taobao/Tmall items like a picture URL, pageNo 0-based",
)
TAOBAO_SHOP_SEARCH = Endpoint(
    "taobao.products.shop_search",
    "GET",
    "/taobao/traffic/item/shop/search",
    TaobaoSearchPage,
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
    source="wiki en api-194164780, zh api-183099796, api-456883163",
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

# Poizon (daji-wiki.md §4): no Poizon page is in the archived wiki; every path is from client code.
POIZON_SEARCH = Endpoint(
    "poizon.products.search",
    "GET",
    "/poizon/product/queryList",
    PoizonSearchPage,
    paging=PAGING_POIZON,
    confirmed=False,
    platform="poizon",
    source="client code",
    summary="Search Poizon products (SPUs) by brand or title, startId cursor paging",
)
POIZON_DETAIL = Endpoint(
    "poizon.products.detail",
    "GET",
    "/poizon/product/queryDetail",
    PoizonSpuDetail,
    confirmed=False,
    platform="poizon",
    source="client code",
    summary="The detail of one Poizon product (dwSpuId): SKUs and prices in fen",
)
POIZON_CATEGORY = Endpoint(
    "poizon.categories.get",
    "GET",
    "/poizon/category/get",
    list[PoizonCategory],
    confirmed=False,
    platform="poizon",
    source="client code",
    summary="Poizon's categories (the top level, or one category's children)",
)

#: Every endpoint the SDK wraps, by name.
ENDPOINTS: dict[str, Endpoint[Any]] = {
    e.name: e
    for e in (
        KEYWORD_SEARCH,
        IMAGE_SEARCH,
        SHOP_SEARCH,
        PRODUCT_DETAIL,
        UPLOAD_IMAGE,
        UPLOAD_IMAGE_URL,
        FREIGHT_ESTIMATE,
        CATEGORY_GET,
        ORDER_PREVIEW,
        ORDER_CREATE,
        ORDER_CANCEL,
        ORDER_GET,
        ORDER_LIST,
        ORDER_CONFIRM_RECEIPT,
        PAYMENT_LINKS,
        PAYMENT_PAY,
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
        POIZON_SEARCH,
        POIZON_DETAIL,
        POIZON_CATEGORY,
    )
}
