"""Models of the Taobao/Tmall endpoints (`client.taobao`).

What DAJI's wiki documents (`daji-wiki.md` §3) is kept exactly: the preview and create
request bodies, the cancel answer (``{code: "0", success, requestId, errorCode, TraceId,
errorMsg}`, its inner `code` a **string**, `"0"`` meaning success) and the pay body. The
wiki captured no answer of the search, detail, upload, preview, create, query and pay
calls: those Structs are inferred (snake_case wire names as the traffic API's parameters
are spelled, camelCase as the trade answers are), every field optional but the item's id,
and unknown fields never break decoding.

Money: every Taobao amount is an int in **fen** (分, 1/100 yuan): `purchase_amount` (stated
on the create page), line `price`, item and SKU prices (inferred from the create page's
`price: 100`). `fen_to_yuan` converts for display.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Generic, Union

import msgspec

from ._lenient import IdText, LenientStruct, NullableList
from .offer import Offer, from_taobao_detail, from_taobao_item

__all__ = [
    "TaobaoAddress",
    "TaobaoCreatedLine",
    "TaobaoCreatedOrder",
    "TaobaoCreatedPurchase",
    "TaobaoDistributionInfo",
    "TaobaoDistributionSku",
    "TaobaoHotListType",
    "TaobaoImageSearchPage",
    "TaobaoItem",
    "TaobaoItemDetail",
    "TaobaoLanguageInfo",
    "TaobaoLogisticsPrice",
    "TaobaoOrder",
    "TaobaoOrderLine",
    "TaobaoOrderLineStatus",
    "TaobaoPayAnswer",
    "TaobaoPayFailure",
    "TaobaoPreview",
    "TaobaoPreviewLine",
    "TaobaoRenderLine",
    "TaobaoSearchPage",
    "TaobaoSku",
    "TaobaoTradeAnswer",
]


# --------------------------------------------------------------------------- products

if TYPE_CHECKING:
    FenAmount = int
    PropertiesText = str
else:
    # TaoWorld's search (U) sends `price` as yuan text ("12.50"); others send fen ints. Both
    # decode; `_fen` turns the text into fen, so the field holds an int as its annotation says.
    FenAmount = Union[int, str]
    # TaoWorld's detail (U) sends SKU `properties` as a list; the SDK's text joins them.
    PropertiesText = Union[str, list[Any]]


def _fen(value: object) -> int | None:
    """A price as fen: an int as is, yuan text ("12.50") exactly times 100, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            fen = Decimal(value.strip()) * 100
        except InvalidOperation:
            return None
        return int(fen) if fen.is_finite() and fen == fen.to_integral_value() else None
    return None


def _properties_text(value: object) -> str | None:
    """SKU properties as `name:value;name:value` text, from text or from a list of pairs."""
    if value is None or isinstance(value, str):
        return value
    parts = []
    for prop in value if isinstance(value, list) else ():
        if isinstance(prop, dict):
            key = prop.get("prop_name") or prop.get("propName") or prop.get("name") or prop.get("prop_id")
            val = prop.get("value_name") or prop.get("valueName") or prop.get("value") or prop.get("value_id")
            parts.append(f"{key}:{val}")
        elif isinstance(prop, str):
            parts.append(prop)
    return ";".join(parts) or None


class TaobaoLanguageInfo(msgspec.Struct, gc=False):
    """An item's text in the requested `language` (TaoWorld's `multi_language_info`, U; inferred)."""

    language: Union[str, None] = None
    title: Union[str, None] = None
    main_image_url: Union[str, None] = None


if TYPE_CHECKING:
    LanguageInfo = TaobaoLanguageInfo
else:
    # one object as TaoWorld shows it; a list (one per language) is read too, its first entry kept
    LanguageInfo = Union[TaobaoLanguageInfo, list[TaobaoLanguageInfo]]


def _first_info(value: object) -> TaobaoLanguageInfo | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value if isinstance(value, TaobaoLanguageInfo) else None


class TaobaoItem(LenientStruct, gc=False):
    """One Taobao/Tmall search result (keyword, image or shop search; no wiki page: inferred).

    `price` and `promotion_price` are in **fen** (int); TaoWorld's yuan text (`"12.50"`,
    U) is read as 1250.

    Both spellings public sources show are read (§9.4): TaoWorld's snake_case (U:
    `item_id`, `main_image_url`, `shop_name`) and the camelCase a production client of
    DAJI reads (C: `itemId`, `mainImageUrl`, `shopName`, `shopId`); the `*_camel`
    fields hold the latter as it arrived and fill the snake_case ones when those are absent.
    Which one DAJI sends is not confirmed by any wiki page. `multi_language_info` (U; also
    `multiLanguageInfo`) holds the title in the requested `language` when sent.
    """

    _spellings = (
        ("item_id", "item_id_camel"),
        ("main_image_url", "main_image_url_camel"),
        ("shop_id", "shop_id_camel"),
        ("shop_name", "shop_name_camel"),
        ("promotion_price", "promotion_price_camel"),
        ("multi_language_info", "multi_language_info_camel"),
    )

    item_id: int = 0
    title: Union[str, None] = None
    main_image_url: Union[str, None] = None
    price: Union[FenAmount, None] = None
    promotion_price: Union[FenAmount, None] = None
    shop_id: Union[int, None] = None
    shop_name: Union[str, None] = None
    category_id: Union[int, None] = None
    sales: Union[int, None] = None
    is_tmall: Union[bool, None] = None
    item_id_camel: Union[int, None] = msgspec.field(name="itemId", default=None)
    main_image_url_camel: Union[str, None] = msgspec.field(name="mainImageUrl", default=None)
    shop_id_camel: Union[int, None] = msgspec.field(name="shopId", default=None)
    shop_name_camel: Union[str, None] = msgspec.field(name="shopName", default=None)
    promotion_price_camel: Union[FenAmount, None] = msgspec.field(name="promotionPrice", default=None)
    multi_language_info: Union[LanguageInfo, None] = None
    multi_language_info_camel: Union[LanguageInfo, None] = msgspec.field(name="multiLanguageInfo", default=None)

    def _normalize(self) -> None:
        self.multi_language_info = _first_info(self.multi_language_info)
        price: object = self.price
        if isinstance(price, str):
            self.price = _fen(price)
        promotion: object = self.promotion_price
        if isinstance(promotion, str):
            self.promotion_price = _fen(promotion)

    def to_offer(self) -> Offer:
        """This item as an `Offer`: `price` is the fen `price` / 100, exactly."""
        return from_taobao_item(self)


if TYPE_CHECKING:
    from typing_extensions import TypeVar

    #: The item type of a Taobao page: `TaobaoItem` unless a search's `item_type=` names another.
    TaobaoItemT = TypeVar("TaobaoItemT", default="TaobaoItem")
else:
    from typing import TypeVar

    TaobaoItemT = TypeVar("TaobaoItemT")


class TaobaoSearchPage(msgspec.Struct, Generic[TaobaoItemT], gc=False):
    """One page of a Taobao traffic search (`page_no`/`page_size`, at most 20 a page).

    `items` is the wire's `data` list; `total_count` the number of results. The SDK
    fills in `page_no` and `page_size` when the service leaves them out, and
    `trace_id` from the envelope.
    """

    items: list[TaobaoItemT] = msgspec.field(name="data", default_factory=list)
    total_count: Union[int, None] = None
    page_no: int = 0
    page_size: int = 0
    trace_id: Union[str, None] = None

    def __len__(self) -> int:
        return len(self.items)


class TaobaoImageSearchPage(msgspec.Struct, Generic[TaobaoItemT], rename="camel", gc=False):
    """One page of image search V2.0 (`GET /taobao/image-search/url`): `pageNo` is 0-based.

    `items` is the wire's `data` list, `total` the number of results.
    """

    items: list[TaobaoItemT] = msgspec.field(name="data", default_factory=list)
    total: Union[int, None] = None
    page_no: int = 0
    page_size: int = 0
    trace_id: Union[str, None] = None

    def __len__(self) -> int:
        return len(self.items)


class TaobaoSku(LenientStruct, gc=False):
    """One SKU of a Taobao item: `price` in **fen**; `properties` such as `颜色:黑色`.

    Read as `sku_id` (U) or `skuId` (C).
    """

    _spellings = (("sku_id", "sku_id_camel"),)

    sku_id: int = 0
    price: Union[FenAmount, None] = None
    quantity: Union[int, None] = None
    properties: Union[PropertiesText, None] = None
    sku_id_camel: Union[int, None] = msgspec.field(name="skuId", default=None)

    def _normalize(self) -> None:
        price: object = self.price
        if isinstance(price, str):
            self.price = _fen(price)
        properties: object = self.properties
        if isinstance(properties, list):
            self.properties = _properties_text(properties)


class TaobaoItemDetail(LenientStruct):
    """The detail of one Taobao/Tmall item (`GET /taobao/traffic/item/get`; shape inferred).

    Prices in **fen**. Read in TaoWorld's snake_case (U: `item_id`, `pic_urls`,
    `sku_list`) and in camelCase (C: `itemId`, `picUrls`, `skuList`); `skus` takes
    the SDK's own name, else `sku_list`, else `skuList`.
    """

    _spellings = (
        ("item_id", "item_id_camel"),
        ("skus", "sku_list"),
        ("skus", "sku_list_camel"),
        ("pic_urls", "pic_urls_camel"),
        ("main_image_url", "main_image_url_camel"),
        ("multi_language_info", "multi_language_info_camel"),
    )

    item_id: int = 0
    title: Union[str, None] = None
    main_image_url: Union[str, None] = None
    pic_urls: NullableList[str] = msgspec.field(default_factory=list)
    price: Union[int, None] = None
    promotion_price: Union[int, None] = None
    quantity: Union[int, None] = None
    shop_id: Union[int, None] = None
    shop_name: Union[str, None] = None
    category_id: Union[int, None] = None
    description: Union[str, None] = None
    skus: NullableList[TaobaoSku] = msgspec.field(default_factory=list)
    sku_list: NullableList[TaobaoSku] = msgspec.field(default_factory=list)
    sku_list_camel: NullableList[TaobaoSku] = msgspec.field(name="skuList", default_factory=list)
    item_id_camel: Union[int, None] = msgspec.field(name="itemId", default=None)
    pic_urls_camel: NullableList[str] = msgspec.field(name="picUrls", default_factory=list)
    main_image_url_camel: Union[str, None] = msgspec.field(name="mainImageUrl", default=None)
    multi_language_info: Union[LanguageInfo, None] = None
    multi_language_info_camel: Union[LanguageInfo, None] = msgspec.field(name="multiLanguageInfo", default=None)

    def _normalize(self) -> None:
        self.multi_language_info = _first_info(self.multi_language_info)

    def to_offer(self) -> Offer:
        """This item as an `Offer`: `price` is the fen `price` / 100, else the lowest SKU price."""
        return from_taobao_detail(self)


class TaobaoLogisticsPrice(LenientStruct, gc=False):
    """Domestic freight of a Taobao item (`/taobao/traffic/item/logisticPrice/get`; inferred).

    `post_fee` in **fen**; read as `post_fee` or `postFee` (a client's copy of the
    documentation example answers `{postFee, currency}`, C).
    """

    _spellings = (("post_fee", "post_fee_camel"),)

    item_id: Union[int, None] = None
    sku_id: Union[int, None] = None
    quantity: Union[int, None] = None
    post_fee: Union[int, None] = None
    free_shipping: Union[bool, None] = None
    currency: Union[str, None] = None
    post_fee_camel: Union[int, None] = msgspec.field(name="postFee", default=None)


class TaobaoHotListType(LenientStruct):
    """One Taobao hot-list (榜单) type (`/taobao/traffic/getThemeDimList`; no page: inferred).

    `theme_id` is what `hot_list_products` takes; read as `theme_id`/`themeId` and
    `name`/`theme_name`/`themeName`.
    """

    _spellings = (("theme_id", "theme_id_camel"), ("name", "theme_name"), ("name", "theme_name_camel"))

    theme_id: Union[int, str, None] = None
    name: Union[str, None] = None
    theme_type: Union[str, int, None] = None
    theme_id_camel: Union[int, str, None] = msgspec.field(name="themeId", default=None)
    theme_name: Union[str, None] = None
    theme_name_camel: Union[str, None] = msgspec.field(name="themeName", default=None)


class TaobaoDistributionSku(msgspec.Struct, rename="camel", gc=False):
    """One SKU of the bunker (撞库) answer: `mp_skuid` is the `sku_id` preview and create take."""

    mp_id: Union[int, None] = None
    mp_skuid: Union[int, None] = None
    sku_id: Union[int, None] = None
    quantity: Union[int, None] = None


class TaobaoDistributionInfo(msgspec.Struct, rename="camel", gc=False):
    """What the bunker (撞库, `GET /taobao/product/get`, wiki en api-202449555) answers.

    `item_type` is `HAVE_MATERIAL` or `WITHOUT_MATERIAL`; the SKUs' `mp_id` and
    `mp_skuid` are the `item_id` and `sku_id` of `TaobaoRenderLine` and
    `TaobaoOrderLine`.
    """

    item_type: Union[str, None] = None
    quantity: Union[int, None] = None
    sku_list: list[TaobaoDistributionSku] = msgspec.field(default_factory=list)


# --------------------------------------------------------------------------- order requests


class TaobaoAddress(msgspec.Struct, omit_defaults=True, kw_only=True):
    """A receiver or China-warehouse address of a Taobao order (keys as the wiki lists them).

    `state` and `district` are required on preview's `receiver_address`; the wiki asks
    for the **China warehouse** address there. `tax_id` is only sent with create's `receiver`.
    """

    name: str
    mobile_phone: Union[str, None] = None
    phone: Union[str, None] = None
    country: str = "CN"
    state: Union[str, None] = None
    city: Union[str, None] = None
    district: Union[str, None] = None
    address: Union[str, None] = None
    zip: Union[str, None] = None
    tax_id: Union[str, None] = None


class TaobaoRenderLine(msgspec.Struct, rename="camel"):
    """One line of a preview: the distribution ids from the bunker (`mpId`, `mpSkuid`) and a quantity.

    Encoded by the SDK into `render_item_List` as `{"itemId": .., "quantity": "1", "skuId": ..}`.
    """

    item_id: int
    sku_id: int
    quantity: int


class TaobaoOrderLine(msgspec.Struct, rename="camel", kw_only=True):
    """One line of a create call, encoded by the SDK into `order_line_list`.

    `price` is the unit price in **fen**; `order_line_no` your sub-order number (`"1"`,
    `"2"`... by default, in line order).
    """

    item_id: int
    sku_id: int
    quantity: int
    price: int
    title: Union[str, None] = None
    currency: str = "CNY"
    order_line_no: Union[str, None] = None


# --------------------------------------------------------------------------- trade answers


class TaobaoTradeAnswer(LenientStruct, rename="camel"):
    """Taobao's verdict inside a trade answer, as the wiki shows for cancel.

    `code` is a **string**: `"0"` is success, anything else a refusal (then
    `error_code`/`error_msg` say why). `success` is False when either the wire's
    `success` is false or `code` is not `"0"`; the SDK then raises
    `TradeError` with Taobao's code and message.
    """

    code: Union[str, None] = None
    success_flag: Union[bool, None] = msgspec.field(name="success", default=None)
    request_id: Union[str, None] = None
    error_code: Union[str, None] = None
    error_msg: Union[str, None] = None
    taobao_trace_id: Union[str, None] = msgspec.field(name="TraceId", default=None)

    @property
    def success(self) -> bool:
        """True unless Taobao said `success: false` or an inner `code` other than `"0"`."""
        if self.success_flag is False:
            return False
        return self.code is None or self.code == "0"

    @property
    def error_code_any(self) -> str | None:
        """Taobao's error code: `errorCode`, else the inner `code` when it is not `"0"`."""
        if self.error_code:
            return self.error_code
        return self.code if self.code not in (None, "0") else None

    @property
    def error_text(self) -> str | None:
        """Taobao's explanation (`errorMsg`); for a refusal without one, a line naming the inner code."""
        if self.error_msg or self.success:
            return self.error_msg
        return f"Taobao refused the call (inner code {self.code!r}, success {self.success_flag!r})"


class TaobaoPreviewLine(msgspec.Struct, rename="camel", gc=False):
    """One priced line of a preview (inferred): unit `price` and `post_fee` in **fen**."""

    item_id: Union[int, None] = None
    sku_id: Union[int, None] = None
    quantity: Union[int, None] = None
    price: Union[int, None] = None
    post_fee: Union[int, None] = None
    can_sell: Union[bool, None] = None
    message: Union[str, None] = None


class TaobaoPreview(TaobaoTradeAnswer):
    """What `taobao.orders.preview` answers (inferred; the wiki captured no answer).

    Amounts in **fen**: `total_amount` (goods and China-leg freight), `post_fee`.
    """

    total_amount: Union[int, None] = None
    post_fee: Union[int, None] = None
    currency: Union[str, None] = None
    lines: NullableList[TaobaoPreviewLine] = msgspec.field(default_factory=list)


class TaobaoCreatedLine(LenientStruct):
    """One sub-order of a created purchase (TaoWorld's `order_line_list[]`, snake_case; U, inferred)."""

    _id_fields = ("sub_purchase_order_id",)

    sub_purchase_order_id: IdText = ""
    item_id: Union[int, str, None] = None
    sku_id: Union[int, str, None] = None
    quantity: Union[int, str, None] = None
    order_line_no: Union[str, None] = None


class TaobaoCreatedPurchase(LenientStruct):
    """One purchase order of a create answer in TaoWorld's spelling (`order_list[]`; U, inferred)."""

    _id_fields = ("purchase_id",)

    purchase_id: IdText = ""
    supplier_nick: Union[str, None] = None
    estimate_amount: Union[int, str, None] = None
    order_line_list: NullableList[TaobaoCreatedLine] = msgspec.field(default_factory=list)


class TaobaoCreatedOrder(TaobaoTradeAnswer):
    """What `taobao.orders.create` answers (no wiki page shows it: inferred, both spellings read).

    `purchase_id` is the main purchase order id (digit text) that cancel, query and pay
    take; `third_order_id` the caller's purchase number the request carried (the SDK fills
    it in from the request when the answer leaves it out); `purchase_amount` in **fen**.

    Spellings read (the cancel page, en api-194164781, names create's ids `purchase_id` and
    `sub_purchase_order_id`; TaoWorld (U) answers `outer_purchase_id` and
    `order_list[{purchase_id, order_line_list[{sub_purchase_order_id}]}]`; the sandbox and
    a production client read camelCase): `purchaseId` / `purchase_id` /
    `order_list[0].purchase_id`; `thirdOrderId` / `outer_purchase_id`;
    `subPurchaseOrderIds` / `sub_purchase_order_id` (one id or a list) / the ids of
    `order_list[].order_line_list[]`. `taobao.orders.create` merges them; the fields
    named `*_snake` and `order_list` hold the other spellings as they arrived.
    """

    _id_fields = ("purchase_id",)
    _id_list_fields = ("sub_purchase_order_ids",)
    _spellings = (("purchase_id", "purchase_id_snake"), ("third_order_id", "outer_purchase_id"))

    purchase_id: IdText = ""
    third_order_id: Union[str, None] = None
    purchase_amount: Union[int, None] = None
    sub_purchase_order_ids: NullableList[IdText] = msgspec.field(default_factory=list)
    purchase_id_snake: Union[int, str, None] = msgspec.field(name="purchase_id", default=None)
    outer_purchase_id: Union[str, None] = msgspec.field(name="outer_purchase_id", default=None)
    sub_purchase_order_id_snake: Union[int, str, list[Union[int, str]], None] = msgspec.field(
        name="sub_purchase_order_id", default=None
    )
    payment_url: Union[str, None] = msgspec.field(name="payment_url", default=None)
    order_list: NullableList[TaobaoCreatedPurchase] = msgspec.field(name="order_list", default_factory=list)


class TaobaoOrderLineStatus(LenientStruct, rename="camel"):
    """One line of a queried order (inferred): its sub-order id, status and shipment; `price` in **fen**."""

    _id_fields = ("sub_purchase_order_id",)

    sub_purchase_order_id: IdText = ""
    item_id: Union[int, None] = None
    sku_id: Union[int, None] = None
    quantity: Union[int, None] = None
    price: Union[int, None] = None
    status: Union[str, None] = None
    logistic_company_name: Union[str, None] = None
    logistic_number: Union[str, None] = None


class TaobaoOrder(TaobaoTradeAnswer):
    """What `taobao.orders.get` answers (`/taobao/purchase/order/query`; inferred).

    `status` is the order status of the message page (`WAIT_BUYER_PAY`,
    `WAIT_SELLER_SEND_GOODS`, `WAIT_BUYER_CONFIRM_GOODS`, `TRADE_CLOSED`...);
    `purchase_amount` in **fen**; `cancel_requested` once an asynchronous cancel was accepted.
    """

    _id_fields = ("purchase_id",)
    _spellings = (("purchase_id", "purchase_id_snake"), ("third_order_id", "outer_purchase_id"))

    purchase_id: IdText = ""
    third_order_id: Union[str, None] = None
    status: Union[str, None] = None
    purchase_amount: Union[int, None] = None
    paid: Union[bool, None] = None
    cancel_requested: Union[bool, None] = None
    lines: NullableList[TaobaoOrderLineStatus] = msgspec.field(default_factory=list)
    purchase_id_snake: Union[int, str, None] = msgspec.field(name="purchase_id", default=None)
    outer_purchase_id: Union[str, None] = msgspec.field(name="outer_purchase_id", default=None)


class TaobaoPayFailure(LenientStruct):
    """One order a pay call could not pay, and why (TaoWorld's `pay_failed_results[]`; U, inferred)."""

    _id_fields = ("purchase_order_id",)
    _spellings = (("purchase_order_id", "purchase_order_id_camel"),)

    purchase_order_id: IdText = ""
    reason: Union[str, None] = None
    purchase_order_id_camel: Union[int, str, None] = msgspec.field(name="purchaseOrderId", default=None)


class TaobaoPayAnswer(TaobaoTradeAnswer):
    """What one `batch/pay` call answers (no wiki page shows it: inferred, both spellings read).

    Ids are held as text. Read: `paidOrderIds` / `failedOrderIds` (the sandbox's
    camelCase) and TaoWorld's (U) `will_pay_purchase_order_ids`,
    `pay_failure_purchase_order_ids` and `pay_failed_results[{purchase_order_id, reason}]`;
    `refused_ids` and `reasons` combine them.
    """

    _id_list_fields = ("paid_order_ids", "failed_order_ids", "will_pay_purchase_order_ids", "pay_failure_ids")
    _spellings = (("paid_order_ids", "will_pay_purchase_order_ids"), ("failed_order_ids", "pay_failure_ids"))

    paid_order_ids: NullableList[IdText] = msgspec.field(default_factory=list)
    failed_order_ids: NullableList[IdText] = msgspec.field(default_factory=list)
    will_pay_purchase_order_ids: NullableList[IdText] = msgspec.field(
        name="will_pay_purchase_order_ids", default_factory=list
    )
    pay_failure_ids: NullableList[IdText] = msgspec.field(name="pay_failure_purchase_order_ids", default_factory=list)
    pay_failed_results: NullableList[TaobaoPayFailure] = msgspec.field(name="pay_failed_results", default_factory=list)

    @property
    def refused_ids(self) -> set[str]:
        """Every order this answer reports as not paid (any spelling)."""
        return {*self.failed_order_ids, *self.pay_failure_ids, *(f.purchase_order_id for f in self.pay_failed_results)}

    @property
    def reasons(self) -> dict[str, str]:
        """The reason Taobao gave for each order it could not pay, where it gave one."""
        return {f.purchase_order_id: f.reason for f in self.pay_failed_results if f.reason}
