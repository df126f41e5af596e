"""daji_async: the asyncio SDK for the DAJI open API (1688.com, Taobao/Tmall and Poizon).

```python
import asyncio
from daji_async import DajiClient

async def main() -> None:
    async with DajiClient() as client:  # DAJI_APP_KEY / DAJI_APP_SECRET from the environment
        async for item in client.products.keyword_search("连衣裙", max_items=100):
            print(item.offer_id, item.subject_trans, item.price_info and item.price_info.price)

asyncio.run(main())
```

"""

from ._bulk import Bulk, BulkProgress, BulkResult
from ._cache import CacheStats, MemoryCache, RedisCache, ResponseCache
from ._client import DajiClient, DajiClientWithRawResponse
from ._endpoints import ENDPOINTS, Endpoint, PagingSpec
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    DajiError,
    DajiWarning,
    EventLoopError,
    InvalidMessageError,
    MessageSignatureError,
    NotFoundError,
    OrderOutcomeUnknownError,
    OutcomeUnknownError,
    PaginationError,
    PaymentOutcomeUnknownError,
    PoizonOrderOutcomeUnknownError,
    RateLimitError,
    RedisDataError,
    RedisUnavailableError,
    ResponseDecodeError,
    ServerError,
    TaobaoOrderOutcomeUnknownError,
    TaobaoPaymentOutcomeUnknownError,
    TradeError,
)
from ._hooks import EventHooks, RequestEvent, RequestHook, ResponseEvent, ResponseHook
from ._options import ClientOptions
from ._pagination import Paginator, PagingOptions
from ._pictures import PictureUploads
from ._protocol import Envelope, RetryPolicy
from ._ratelimit import RateLimiter, StrictRateLimiter
from ._raw import RawResponse, ResponseMeta
from ._redis_limiter import RedisRateLimiter
from ._transport import AiohttpTransport, Transport
from ._version import __version__
from .enums import (
    CancelReason,
    Country,
    CountryCode,
    Filter,
    FilterName,
    OfferIdentity,
    OrderFlow,
    OrderStatus,
    OrderStatusName,
    PayChannel,
    Raw,
    SellerIdentity,
    Sort,
    SortDirection,
    SortField,
    SortOrder,
    TradeType,
)
from .models.common import Page
from .models.offer import Offer, Platform
from .models.orders import (
    Address,
    CargoLine,
    CreatedOrder,
    Invoice,
    OrderBaseInfo,
    OrderDetail,
    OrderPreview,
    OrderPreviewResult,
    OrderProductItem,
    PayResult,
    TradeAnswer,
    fen_to_yuan,
    parse_1688_time,
    yuan_to_fen,
)
from .models.poizon import (
    PoizonAddress,
    PoizonBalance,
    PoizonCategory,
    PoizonOrder,
    PoizonOrderItem,
    PoizonSearchPage,
    PoizonSku,
    PoizonSpu,
    PoizonSpuDetail,
)
from .models.products import (
    Category,
    ChildCategory,
    FreightEstimate,
    ImageSearchPage,
    LogisticsSkuNum,
    PicRegionInfo,
    PriceInfo,
    ProductAttribute,
    ProductDetail,
    ProductItem,
    ShopSearchPage,
    SkuAttribute,
    SkuInfo,
)
from .models.taobao import (
    TaobaoAddress,
    TaobaoCreatedOrder,
    TaobaoHotListType,
    TaobaoItem,
    TaobaoItemDetail,
    TaobaoOrder,
    TaobaoOrderLine,
    TaobaoPreview,
    TaobaoRenderLine,
    TaobaoSearchPage,
    TaobaoTradeAnswer,
)
from .resources.offers import OfferList, PlatformFailure
from .resources.payments import PaymentFailure, PaymentLink, PaymentLinks
from .resources.poizon import new_request_id as new_poizon_request_id
from .resources.taobao import TaobaoPayBatch, TaobaoPayResult

__all__ = [
    "ENDPOINTS",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "Address",
    "AiohttpTransport",
    "AuthenticationError",
    "BadRequestError",
    "Bulk",
    "BulkProgress",
    "BulkResult",
    "CacheStats",
    "CancelReason",
    "CargoLine",
    "Category",
    "ChildCategory",
    "ClientOptions",
    "ConfigError",
    "Country",
    "CountryCode",
    "CreatedOrder",
    "DajiClient",
    "DajiClientWithRawResponse",
    "DajiError",
    "DajiWarning",
    "Endpoint",
    "Envelope",
    "EventHooks",
    "EventLoopError",
    "Filter",
    "FilterName",
    "FreightEstimate",
    "ImageSearchPage",
    "InvalidMessageError",
    "Invoice",
    "LogisticsSkuNum",
    "MemoryCache",
    "MessageSignatureError",
    "NotFoundError",
    "Offer",
    "OfferIdentity",
    "OfferList",
    "OrderBaseInfo",
    "OrderDetail",
    "OrderFlow",
    "OrderOutcomeUnknownError",
    "OrderPreview",
    "OrderPreviewResult",
    "OrderProductItem",
    "OrderStatus",
    "OrderStatusName",
    "OutcomeUnknownError",
    "Page",
    "PaginationError",
    "Paginator",
    "PagingOptions",
    "PagingSpec",
    "PayChannel",
    "PayResult",
    "PaymentFailure",
    "PaymentLink",
    "PaymentLinks",
    "PaymentOutcomeUnknownError",
    "PicRegionInfo",
    "PictureUploads",
    "Platform",
    "PlatformFailure",
    "PoizonAddress",
    "PoizonBalance",
    "PoizonCategory",
    "PoizonOrder",
    "PoizonOrderItem",
    "PoizonOrderOutcomeUnknownError",
    "PoizonSearchPage",
    "PoizonSku",
    "PoizonSpu",
    "PoizonSpuDetail",
    "PriceInfo",
    "ProductAttribute",
    "ProductDetail",
    "ProductItem",
    "RateLimitError",
    "RateLimiter",
    "Raw",
    "RawResponse",
    "RedisCache",
    "RedisDataError",
    "RedisRateLimiter",
    "RedisUnavailableError",
    "RequestEvent",
    "RequestHook",
    "ResponseCache",
    "ResponseDecodeError",
    "ResponseEvent",
    "ResponseHook",
    "ResponseMeta",
    "RetryPolicy",
    "SellerIdentity",
    "ServerError",
    "ShopSearchPage",
    "SkuAttribute",
    "SkuInfo",
    "Sort",
    "SortDirection",
    "SortField",
    "SortOrder",
    "StrictRateLimiter",
    "TaobaoAddress",
    "TaobaoCreatedOrder",
    "TaobaoHotListType",
    "TaobaoItem",
    "TaobaoItemDetail",
    "TaobaoOrder",
    "TaobaoOrderLine",
    "TaobaoOrderOutcomeUnknownError",
    "TaobaoPayBatch",
    "TaobaoPayResult",
    "TaobaoPaymentOutcomeUnknownError",
    "TaobaoPreview",
    "TaobaoRenderLine",
    "TaobaoSearchPage",
    "TaobaoTradeAnswer",
    "TradeAnswer",
    "TradeError",
    "TradeType",
    "Transport",
    "__version__",
    "fen_to_yuan",
    "new_poizon_request_id",
    "parse_1688_time",
    "yuan_to_fen",
]

# Errors and warnings show their public path (daji_async.APIConnectionError, not
# daji_async._errors.APIConnectionError) in tracebacks and reprs; they are importable from here.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and issubclass(_obj, (DajiError, DajiWarning)):
        _obj.__module__ = __name__
del _name, _obj
