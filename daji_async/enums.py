"""The service's documented enumerations, as string constants.

Each class is a `str` enum: pass a member or a plain string anywhere the SDK takes one.

    from daji_async import Filter, Sort
    await client.products.keyword_search(keyword="连衣裙", filter=[Filter.CERTIFIED_FACTORY],
                                          sort={Sort.PRICE: "asc"})

Beside each enum, a `Literal` type of the same values (`FilterName`, `SortField`,
`SortDirection`, `CountryCode`, `OrderStatusName`) types the search options, so a
misspelt value fails the type checker; at run time a value outside a closed set (filters,
sort fields and orders, order statuses) raises a ValueError naming the closest documented one,
and an unknown `country` warns (a `DajiWarning`). A value the service adds after this
release is sent as given when wrapped in `Raw`: `filter=[Raw("newFilter")]`.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Literal

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10

    class StrEnum(str, Enum):
        """A str enum whose `str()` and `format()` give the value (as 3.11's StrEnum)."""

        __str__ = str.__str__
        __format__ = str.__format__  # type: ignore[assignment]


__all__ = [
    "CancelReason",
    "Country",
    "CountryCode",
    "Filter",
    "FilterName",
    "OfferIdentity",
    "OrderFlow",
    "OrderStatus",
    "OrderStatusName",
    "PayChannel",
    "Raw",
    "SellerIdentity",
    "Sort",
    "SortDirection",
    "SortField",
    "SortOrder",
    "StrEnum",
    "TradeType",
]


class Raw(str):
    """A value sent exactly as given, unchecked: the escape hatch for values added after this release.

    The SDK checks documented values (filters, sort fields and orders, order statuses) and
    refuses a typo with a did-you-mean; a `Raw` value skips that check (and the type
    checker accepts it where a documented value is expected):

        await client.products.keyword_search("连衣裙", filter=[Filter.NEW_7, Raw("newFilter2027")])
        await client.products.keyword_search("连衣裙", sort={Raw("newSortField"): "desc"})
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Raw({str.__repr__(self)})"


class Country(StrEnum):
    """Languages of translated fields (the `country` parameter)."""

    EN = "en"
    RU = "ru"
    VI = "vi"
    JA = "ja"
    KO = "ko"
    FR = "fr"
    PT = "pt"
    ES = "es"
    TH = "th"
    ID = "id"
    AR = "ar"


CountryCode = Literal["en", "ru", "vi", "ja", "ko", "fr", "pt", "es", "th", "id", "ar", "zh"]
"""The documented languages (`Country`'s values), and `"zh"`: production clients send it and the
service answers, so the SDK accepts it without a warning. Another code is sent too, with a
`DajiWarning` naming the closest of these."""


class Sort(StrEnum):
    """Fields to sort search results by: `sort={Sort.PRICE: SortOrder.ASC}`."""

    PRICE = "price"
    MONTH_SOLD = "monthSold"
    REPURCHASE_RATE = "rePurchaseRate"  # the service's spelling, capital P


SortField = Literal["price", "monthSold", "rePurchaseRate"]
"""`Sort`'s values as a type: the keys `sort=` takes."""


class SortOrder(StrEnum):
    """Sort direction."""

    ASC = "asc"
    DESC = "desc"


SortDirection = Literal["asc", "desc"]
"""`SortOrder`'s values as a type: the values `sort=` takes."""


class Filter(StrEnum):
    """Search filters (joined with "," on the wire); another value needs `Raw` (see the module)."""

    # fulfilment and seller service
    TOTAL_EP_SCORE_LV1 = "totalEpScoreLv1"
    TOTAL_EP_SCORE_LV2 = "totalEpScoreLv2"
    TOTAL_EP_SCORE_LV3 = "totalEpScoreLv3"
    TOTAL_EP_SCORE_LV4 = "totalEpScoreLv4"
    CERTIFIED_FACTORY = "certifiedFactory"
    GET_RATE_24H_LV1 = "getRate24HLv1"
    GET_RATE_24H_LV2 = "getRate24HLv2"
    GET_RATE_24H_LV3 = "getRate24HLv3"
    GET_RATE_48H_LV1 = "getRate48HLv1"
    GET_RATE_48H_LV2 = "getRate48HLv2"
    GET_RATE_48H_LV3 = "getRate48HLv3"
    SHIP_IN_TODAY = "shipInToday"
    SHIP_IN_24_HOURS = "shipIn24Hours"
    SHIP_IN_48_HOURS = "shipIn48Hours"
    NO_REASON_7D_RETURN = "noReason7DReturn"
    # product
    IS_ONE_PSALE = "isOnePsale"
    IS_ONE_PSALE_FREE_POST = "isOnePsaleFreePost"
    NEW_7 = "new7"
    NEW_30 = "new30"
    SELECTION_1688 = "1688Selection"
    IS_QQYX = "isQqyx"
    JXHY = "jxhy"
    IS_SELECT = "isSelect"
    # quality refund rate
    QRR_0 = "qrr0"
    QRR_1 = "qrr1"
    QRR_5 = "qrr5"
    QRR_10 = "qrr10"
    # regional lines (opaque: sources disagree on their meaning)
    JPFL = "JPFL"
    USFL = "USFL"
    KRFL = "KRFL"
    VNFL = "VNFL"
    SAFL = "SAFL"
    RUFL = "RUFL"
    KZFL = "KZFL"
    HKFL = "HKFL"
    MOFL = "MOFL"
    TWFL = "TWFL"
    # used by the wiki's own keyword-search examples; its meaning is not documented
    KS_CIPHERTEXT = "ksCiphertext"


FilterName = Literal[
    "totalEpScoreLv1",
    "totalEpScoreLv2",
    "totalEpScoreLv3",
    "totalEpScoreLv4",
    "certifiedFactory",
    "getRate24HLv1",
    "getRate24HLv2",
    "getRate24HLv3",
    "getRate48HLv1",
    "getRate48HLv2",
    "getRate48HLv3",
    "shipInToday",
    "shipIn24Hours",
    "shipIn48Hours",
    "noReason7DReturn",
    "isOnePsale",
    "isOnePsaleFreePost",
    "new7",
    "new30",
    "1688Selection",
    "isQqyx",
    "jxhy",
    "isSelect",
    "qrr0",
    "qrr1",
    "qrr5",
    "qrr10",
    "JPFL",
    "USFL",
    "KRFL",
    "VNFL",
    "SAFL",
    "RUFL",
    "KZFL",
    "HKFL",
    "MOFL",
    "TWFL",
    "ksCiphertext",
]
"""`Filter`'s values as a type: the names `filter=` takes."""


class SellerIdentity(StrEnum):
    """Values of `ProductItem.seller_identities`."""

    SUPER_FACTORY = "super_factory"
    POWERFUL_MERCHANTS = "powerful_merchants"
    TP_MEMBER = "tp_member"


class OfferIdentity(StrEnum):
    """Values of `offer_identities`."""

    YX = "yx"
    SELECT = "select"


class CancelReason(StrEnum):
    """Why an order is cancelled (`orders.cancel(reason=...)`)."""

    BUYER_CANCEL = "buyerCancel"
    SELLER_GOODS_LACK = "sellerGoodsLack"
    OTHER = "other"


class OrderStatus(StrEnum):
    """An order's status (`OrderBaseInfo.status`, `OrderMessageData.current_status`).

    A bought order moves `WAIT_BUYER_PAY` -> (pay) `WAIT_SELLER_SEND` -> (the seller
    ships) `WAIT_BUYER_RECEIVE` -> (confirm receipt) `CONFIRM_GOODS` -> `SUCCESS`. Only
    `WAIT_BUYER_PAY` orders can be cancelled (`CANCEL`); `TERMINATED` ends a trade that
    was paid.
    """

    WAIT_BUYER_PAY = "waitbuyerpay"
    WAIT_SELLER_SEND = "waitsellersend"
    WAIT_BUYER_RECEIVE = "waitbuyerreceive"
    CONFIRM_GOODS = "confirm_goods"
    SUCCESS = "success"
    CANCEL = "cancel"
    TERMINATED = "terminated"


OrderStatusName = Literal[
    "waitbuyerpay", "waitsellersend", "waitbuyerreceive", "confirm_goods", "success", "cancel", "terminated"
]
"""`OrderStatus`'s values as a type (`orders.list(status=...)`)."""


class OrderFlow(StrEnum):
    """How an order is placed (`flow` of preview and create); empty lets 1688 choose."""

    GENERAL = "general"
    FENXIAO = "fenxiao"
    PAIRED = "paired"
    REPURCHASE = "repurchase"
    BOUTIQUE_FENXIAO = "boutiquefenxiao"
    BOUTIQUE_PIFA = "boutiquepifa"
    SALEPROXY = "saleproxy"


class TradeType(StrEnum):
    """How an order is paid (`trade_type` of create); take it from the preview's
    `trade_mode_name_list`."""

    ASSURE_TRADE = "assureTrade"
    ALIPAY = "alipay"
    PERIOD = "period"
    CREDIT_BUY = "creditBuy"
    BANK = "bank"


class PayChannel(StrEnum):
    """Channel of a password-free payment (`payments.pay(pay_channel=...)`)."""

    ALIPAY = "alipay"
    SHEGOU = "shegou"
