"""The declarative table of the service's endpoints.

One row per endpoint: HTTP method, path, how parameters travel, the type of the envelope's
``data``, and whether the call is safe to retry. Resources look their row up here; the
client's request pipeline is the same for all of them. Adding an endpoint is a row and a
Struct, not a new code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

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
        paginated: True when the call pages with ``beginPage``/``pageSize``.
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
    paginated: bool = False
    confirmed: bool = True
    summary: str = ""


KEYWORD_SEARCH = Endpoint(
    "products.keyword_search",
    "GET",
    "/alibaba/product/keywordQuery",
    Page[ProductItem],
    paginated=True,
    summary="Search offers by (Chinese) keyword",
)
IMAGE_SEARCH = Endpoint(
    "products.image_search",
    "GET",
    "/alibaba/product/imageQuery",
    ImageSearchPage[ProductItem],
    paginated=True,
    summary="Search offers by image (1688 image URL or uploaded image id)",
)
SHOP_SEARCH = Endpoint(
    "products.shop_search",
    "GET",
    "/alibaba/product/shopQuery",
    ShopSearchPage[ProductItem],
    paginated=True,
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
    summary="Price an order before creating it (wiki en api-194164767, zh api-164891582)",
)
ORDER_CREATE = Endpoint(
    "orders.create",
    "POST",
    "/alibaba/trade/createCrossOrder",
    CreatedOrder,
    body="json",
    safe=False,
    summary="Create an order; never retried (wiki en api-194164768, zh api-164891583)",
)
ORDER_CANCEL = Endpoint(
    "orders.cancel",
    "POST",
    "/alibaba/trade/cancel",
    TradeAnswer,
    body="json",
    safe=False,
    summary="Cancel an unpaid order; never retried (wiki en api-194164769, zh api-164891584)",
)
ORDER_GET = Endpoint(
    "orders.get",
    "POST",
    "/alibaba/trade/get/buyerView",
    OrderDetail,
    body="json",
    summary="An order's details, buyer's view (wiki en api-194164770, zh api-164891585)",
)
ORDER_LIST = Endpoint(
    "orders.list",
    "POST",
    "/alibaba/trade/getBuyerOrderList",
    OrderListData,
    body="json",
    paginated=True,
    summary="The buyer's orders, paged by page/pageSize (wiki zh api-341849148)",
)
ORDER_CONFIRM_RECEIPT = Endpoint(
    "orders.confirm_receipt",
    "POST",
    "/alibaba/trade/receiveGoods/confirm",
    TradeAnswer,
    body="json",
    safe=False,  # releases the buyer's money to the seller: a money-moving call, never retried
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
