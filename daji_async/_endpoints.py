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
from .models.orders import CreatedOrder, OrderDetail, OrderPreview, PayResult, PayUrlAnswer, TradeAnswer
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


# Orders and payment: DAJI's paths for these are not public. They follow the service's naming
# (its Taobao side has /taobao/purchase/order/{render,create,asyn/cancel,query}; a third-party
# map names /alibaba/trade/order/preview and .../confirmReceipt), so confirmed=False: correct
# them with DajiClient(endpoint_paths={...}) without waiting for a release.
ORDER_PREVIEW = Endpoint(
    "orders.preview",
    "POST",
    "/alibaba/trade/order/preview",
    OrderPreview,
    body="json",
    confirmed=False,
    summary="Price an order before creating it (1688 alibaba.createOrder.preview)",
)
ORDER_CREATE = Endpoint(
    "orders.create",
    "POST",
    "/alibaba/trade/order/create",
    CreatedOrder,
    body="json",
    safe=False,
    confirmed=False,
    summary="Create an order (1688 alibaba.trade.createCrossOrder); never retried",
)
ORDER_CANCEL = Endpoint(
    "orders.cancel",
    "POST",
    "/alibaba/trade/order/cancel",
    TradeAnswer,
    body="json",
    safe=False,
    confirmed=False,
    summary="Cancel an unpaid order (1688 alibaba.trade.cancel); never retried",
)
ORDER_GET = Endpoint(
    "orders.get",
    "POST",
    "/alibaba/trade/order/query",
    OrderDetail,
    body="json",
    confirmed=False,
    summary="An order's details, buyer's view (1688 alibaba.trade.get.buyerView)",
)
ORDER_CONFIRM_RECEIPT = Endpoint(
    "orders.confirm_receipt",
    "POST",
    "/alibaba/trade/order/confirmReceipt",
    TradeAnswer,
    body="json",
    safe=False,  # releases the buyer's money to the seller: a money-moving call, never retried
    confirmed=False,
    summary="Confirm receipt of an order's entries (1688 trade.receivegoods.confirm); never retried",
)
PAYMENT_LINKS = Endpoint(
    "payments.links",
    "GET",
    "/alibaba/trade/pay/url",
    PayUrlAnswer,
    confirmed=False,
    summary="Cashier links for up to 100 orders (1688 alibaba.alipay.url.get)",
)
PAYMENT_PAY = Endpoint(
    "payments.pay",
    "POST",
    "/alibaba/trade/pay/protocolPay",
    PayResult,
    body="json",
    safe=False,
    confirmed=False,
    summary="Password-free payment of an order (1688 protocolPay.preparePay); never retried",
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
        FREIGHT_ESTIMATE,
        CATEGORY_GET,
        ORDER_PREVIEW,
        ORDER_CREATE,
        ORDER_CANCEL,
        ORDER_GET,
        ORDER_CONFIRM_RECEIPT,
        PAYMENT_LINKS,
        PAYMENT_PAY,
    )
}
