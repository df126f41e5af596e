"""The declarative table of the service's endpoints.

One row per endpoint: HTTP method, path, how parameters travel, the type of the envelope's
`data`, whether the call is safe to retry, and for paged endpoints a `PagingSpec`
saying how pages are asked for and read. The client's pipeline and its one generic
`Paginator` read these rows; resources only map arguments to parameters;
the sandbox registers its routes from the same rows. Adding an endpoint is a row, a Struct,
a short resource method and a sandbox handler (see CONTRIBUTING.md).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from . import _constants as C
from ._endpoint_spec import REGISTRY, BodyKind, Endpoint, PageToken, PagingSpec, Param
from ._endpoints_platforms import (  # the Taobao/Poizon rows, re-exported
    PAGING_POIZON,
    PAGING_TAOBAO,
    PAGING_TAOBAO_IMAGE,
    PLATFORM_ENDPOINTS,
    POIZON_BALANCE,
    POIZON_CATEGORY,
    POIZON_DETAIL,
    POIZON_ORDER_CREATE,
    POIZON_ORDER_GET,
    POIZON_SEARCH,
    TAOBAO_BUNKER,
    TAOBAO_DETAIL,
    TAOBAO_DETAIL_BY_LINK,
    TAOBAO_HOT_LIST_PRODUCTS,
    TAOBAO_HOT_LIST_TYPES,
    TAOBAO_IMAGE_SEARCH,
    TAOBAO_IMAGE_SEARCH_URL,
    TAOBAO_KEYWORD_SEARCH,
    TAOBAO_LOGISTICS_PRICE,
    TAOBAO_ORDER_CANCEL,
    TAOBAO_ORDER_CREATE,
    TAOBAO_ORDER_GET,
    TAOBAO_ORDER_PREVIEW,
    TAOBAO_PAY,
    TAOBAO_SHOP_SEARCH,
    TAOBAO_UPLOAD_IMAGE,
    TAOBAO_UPLOAD_IMAGE_URL,
)
from ._errors import OrderOutcomeUnknownError, PaymentOutcomeUnknownError
from ._validate import country, name_text, positive_id, root_or_id
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

__all__ = [
    "ENDPOINTS",
    "PAGING_POIZON",
    "PAGING_TAOBAO",
    "PAGING_TAOBAO_IMAGE",
    "PLATFORM_ENDPOINTS",
    "POIZON_BALANCE",
    "POIZON_CATEGORY",
    "POIZON_DETAIL",
    "POIZON_ORDER_CREATE",
    "POIZON_ORDER_GET",
    "POIZON_SEARCH",
    "TAOBAO_BUNKER",
    "TAOBAO_DETAIL",
    "TAOBAO_DETAIL_BY_LINK",
    "TAOBAO_HOT_LIST_PRODUCTS",
    "TAOBAO_HOT_LIST_TYPES",
    "TAOBAO_IMAGE_SEARCH",
    "TAOBAO_IMAGE_SEARCH_URL",
    "TAOBAO_KEYWORD_SEARCH",
    "TAOBAO_LOGISTICS_PRICE",
    "TAOBAO_ORDER_CANCEL",
    "TAOBAO_ORDER_CREATE",
    "TAOBAO_ORDER_GET",
    "TAOBAO_ORDER_PREVIEW",
    "TAOBAO_PAY",
    "TAOBAO_SHOP_SEARCH",
    "TAOBAO_UPLOAD_IMAGE",
    "TAOBAO_UPLOAD_IMAGE_URL",
    "BodyKind",
    "Endpoint",
    "PageToken",
    "PagingSpec",
]

#: 1688's paging: `beginPage` (1-based) and `pageSize` 1..50; `data` holds the items and
#: `totalPage` the number of pages; an offer is identified by its `offerId`.
PAGING_1688 = PagingSpec(item_id="offer_id")

#: The 1688 order list: `page`/`pageSize` in the JSON body, orders in `data.result`; the
#: service may send no total (then a short page is the last); an order is identified by its id.
PAGING_ORDER_LIST = PagingSpec(page_param="page", total_items="total", item_id="order_id")


KEYWORD_SEARCH = Endpoint(
    "products.keyword_search",
    "GET",
    "/alibaba/product/keywordQuery",
    Page[ProductItem],
    paging=PAGING_1688,
    summary="Search offers by (Chinese) keyword",
    cache_ttl=C.CACHE_TTL_SEARCH,
    source="wiki zh api-182690989",
)
IMAGE_SEARCH = Endpoint(
    "products.image_search",
    "GET",
    "/alibaba/product/imageQuery",
    ImageSearchPage[ProductItem],
    paging=PAGING_1688,
    summary="Search offers by image (1688 image URL or uploaded image id)",
    cache_ttl=C.CACHE_TTL_SEARCH,
    source="wiki en api-194164764",
)
SHOP_SEARCH = Endpoint(
    "products.shop_search",
    "GET",
    "/alibaba/product/shopQuery",
    ShopSearchPage[ProductItem],
    paging=PAGING_1688,
    summary="List or search one seller's offers",
    cache_ttl=C.CACHE_TTL_SEARCH,
    source="wiki menu; path from client code",
)
PRODUCT_DETAIL = Endpoint(
    "products.detail",
    "GET",
    "/alibaba/product/queryProductDetail",
    ProductDetail,
    summary="Full detail of one offer (SKUs, attributes, prices, shipping)",
    cache_ttl=C.CACHE_TTL_DETAIL,
    source="wiki menu; path from client code",
    params=(
        Param("offer_id", "offerId", positive_id, doc="a positive id"),
        Param("country", "country", country, required=False, default="country", doc="a language code"),
        Param("out_member_id", "outMemberId", partial(name_text, required=False), required=False, doc="a short text"),
    ),
)
UPLOAD_IMAGE = Endpoint(
    "products.upload_image",
    "POST",
    "/alibaba/upload/image",
    UploadResult,
    body="form",
    summary="Upload an image (base64, multipart) to get an image id for image search",
    source="wiki en api-207114140",
)
UPLOAD_IMAGE_URL = Endpoint(
    "products.upload_image_url",
    "GET",
    "/alibaba/upload/image",
    UploadResult,
    confirmed=False,
    summary="Upload an image by URL (GET, pic_url only): inferred from the menu's 'Image upload By Get' "
    "and the Taobao upload page (wiki en api-216685825)",
    source='wiki menu "Image upload By Get"; the Taobao page en api-216685825 says GET takes only `pic_url`',
    call="products.upload_image(url=...)",
)
FREIGHT_ESTIMATE = Endpoint(
    "products.estimate_freight",
    "POST",
    "/alibaba/product/freightEstimate",
    FreightEstimate,
    body="json",
    summary="Estimate domestic freight for a quantity of an offer",
    source="wiki zh api-218256628",
)
CATEGORY_GET = Endpoint(
    "categories.get",
    "GET",
    "/alibaba/category/get",
    list[Category],
    summary="A category and its children (0 is the root)",
    cache_ttl=C.CACHE_TTL_CATEGORIES,
    source="wiki en api-310621288",
    params=(Param("category_id", "categoryID", root_or_id, doc="0 (the root) or a positive id"),),
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
    source="wiki en api-194164767, zh api-164891582",
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
    source="wiki en api-194164768, zh api-164891583",
    outcome_id="thirdOrderId",
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
    source="wiki en api-194164769, zh api-164891584",
)
ORDER_GET = Endpoint(
    "orders.get",
    "POST",
    "/alibaba/trade/get/buyerView",
    OrderDetail,
    body="json",
    trade=True,
    summary="An order's details, buyer's view (wiki en api-194164770, zh api-164891585)",
    source="wiki en api-194164770, zh api-164891585",
)
ORDER_LIST = Endpoint(
    "orders.list",
    "POST",
    "/alibaba/trade/getBuyerOrderList",
    OrderListData,
    body="json",
    paging=PAGING_ORDER_LIST,
    summary="The buyer's orders, paged by page/pageSize (wiki zh api-341849148)",
    source="wiki zh api-341849148",
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
    source="wiki en api-194164772",
)
PAYMENT_LINKS = Endpoint(
    "payments.links",
    "GET",
    "/alibaba/alipay/url/get",
    PayUrlAnswer,
    summary="Cashier links for up to 30 orders per call (wiki en api-194164773)",
    source="wiki en api-194164773",
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
    source="wiki en api-194164774, zh api-194158434",
    outcome_id="orderId",
)


#: Every endpoint the SDK wraps, by name: the registry the rows above (and the Taobao/Poizon rows)
#: filled in as they were declared. There is no hand-kept list to add a row to.
ENDPOINTS: dict[str, Endpoint[Any]] = REGISTRY
