"""daji_async: the asyncio SDK for the DAJI open API (1688.com, Taobao/Tmall and Poizon).

::

    import asyncio
    from daji_async import DajiClient

    async def main() -> None:
        async with DajiClient() as client:  # DAJI_APP_KEY / DAJI_APP_SECRET from the environment
            async for item in client.products.keyword_search("连衣裙", max_items=100):
                print(item.offer_id, item.subject_trans, item.price_info and item.price_info.price)

    asyncio.run(main())
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
    EventLoopError,
    InvalidMessageError,
    MessageSignatureError,
    NotFoundError,
    OrderOutcomeUnknownError,
    OutcomeUnknownError,
    PaginationError,
    PaymentOutcomeUnknownError,
    RateLimitError,
    RedisUnavailableError,
    ResponseDecodeError,
    ServerError,
    TaobaoOrderOutcomeUnknownError,
    TaobaoPaymentOutcomeUnknownError,
    TradeError,
)
from ._hooks import EventHooks, RequestEvent, RequestHook, ResponseEvent, ResponseHook
from ._pagination import Paginator, PagingOptions
from ._protocol import Envelope, RetryPolicy
from ._ratelimit import RateLimiter, StrictRateLimiter
from ._raw import RawResponse, ResponseMeta
from ._redis_limiter import RedisRateLimiter
from ._transport import AiohttpTransport, Transport
from ._version import __version__
from .enums import (
    CancelReason,
    Country,
    Filter,
    OfferIdentity,
    OrderFlow,
    OrderStatus,
    PayChannel,
    SellerIdentity,
    Sort,
    SortOrder,
    TradeType,
)
from .models.common import Page
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
from .models.poizon import PoizonCategory, PoizonSearchPage, PoizonSku, PoizonSpu, PoizonSpuDetail
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
    TaobaoItem,
    TaobaoItemDetail,
    TaobaoOrder,
    TaobaoOrderLine,
    TaobaoPreview,
    TaobaoRenderLine,
    TaobaoSearchPage,
    TaobaoTradeAnswer,
)
from .resources.payments import PaymentFailure, PaymentLink, PaymentLinks
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
    "ConfigError",
    "Country",
    "CreatedOrder",
    "DajiClient",
    "DajiClientWithRawResponse",
    "DajiError",
    "Endpoint",
    "Envelope",
    "EventHooks",
    "EventLoopError",
    "Filter",
    "FreightEstimate",
    "ImageSearchPage",
    "InvalidMessageError",
    "Invoice",
    "LogisticsSkuNum",
    "MemoryCache",
    "MessageSignatureError",
    "NotFoundError",
    "OfferIdentity",
    "OrderBaseInfo",
    "OrderDetail",
    "OrderFlow",
    "OrderOutcomeUnknownError",
    "OrderPreview",
    "OrderPreviewResult",
    "OrderProductItem",
    "OrderStatus",
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
    "PoizonCategory",
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
    "RawResponse",
    "RedisCache",
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
    "SortOrder",
    "StrictRateLimiter",
    "TaobaoAddress",
    "TaobaoCreatedOrder",
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
    "parse_1688_time",
    "yuan_to_fen",
]
