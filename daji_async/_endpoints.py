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
from ._errors import OrderOutcomeUnknownError, OutcomeUnknownError, PaymentOutcomeUnknownError
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
from .models.products import (
    Category,
    FreightEstimate,
    ImageSearchPage,
    ProductDetail,
    ProductItem,
    ShopSearchPage,
    UploadResult,
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
        confirmed: True when the path is confirmed by the service's own documents, False when
            it is inferred from the service's naming pattern.
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
    )
}
