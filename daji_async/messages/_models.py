"""The shapes of pushed messages: topics, the typed `data` of each kind, and `Message`."""

from __future__ import annotations

import datetime as _dt
import hashlib
from decimal import Decimal
from typing import Any, Union

import msgspec

from ..enums import StrEnum
from ..models._lenient import IdText, LenientStruct, NullableList

__all__ = [
    "ORDER_TOPICS",
    "Message",
    "MessageData",
    "OrderMessageData",
    "TaobaoOrderStatusData",
    "TaobaoPrice",
    "TaobaoPriceChangeData",
    "TaobaoPriceLine",
    "TaobaoSkuStatus",
    "Topic",
]


class Topic(StrEnum):
    """Message topics (the `type` of a pushed message), from 1688's topic table.

    Messages of topics not listed here still arrive, with `topic` as the plain string.
    `COMFIRM` is 1688's spelling.
    """

    ORDER_BUYER_VIEW_BUYER_MAKE = "ORDER_BUYER_VIEW_BUYER_MAKE"
    ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY = "ORDER_BUYER_VIEW_ORDER_PRICE_MODIFY"
    ORDER_BUYER_VIEW_ORDER_PAY = "ORDER_BUYER_VIEW_ORDER_PAY"
    ORDER_BUYER_VIEW_ORDER_STEP_PAY = "ORDER_BUYER_VIEW_ORDER_STEP_PAY"
    ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS = "ORDER_BUYER_VIEW_ANNOUNCE_SENDGOODS"
    ORDER_BUYER_VIEW_PART_PART_SENDGOODS = "ORDER_BUYER_VIEW_PART_PART_SENDGOODS"
    ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS = "ORDER_BUYER_VIEW_ORDER_COMFIRM_RECEIVEGOODS"
    ORDER_BUYER_VIEW_ORDER_SUCCESS = "ORDER_BUYER_VIEW_ORDER_SUCCESS"
    ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE = "ORDER_BUYER_VIEW_ORDER_BUYER_CLOSE"
    ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE = "ORDER_BUYER_VIEW_ORDER_SELLER_CLOSE"
    ORDER_BUYER_VIEW_ORDER_BOPS_CLOSE = "ORDER_BUYER_VIEW_ORDER_BOPS_CLOSE"
    ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES = "ORDER_BUYER_VIEW_ORDER_BUYER_REFUND_IN_SALES"
    ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES = "ORDER_BUYER_VIEW_ORDER_REFUND_AFTER_SALES"
    ORDER_BUYER_VIEW_MODIFY_MEMO = "ORDER_BUYER_VIEW_MODIFY_MEMO"
    ORDER_BATCH_PAY = "ORDER_BATCH_PAY"
    LOGISTICS_BUYER_VIEW_TRACE = "LOGISTICS_BUYER_VIEW_TRACE"
    LOGISTICS_MAIL_NO_CHANGE = "LOGISTICS_MAIL_NO_CHANGE"
    PRODUCT_INVENTORY_CHANGE = "PRODUCT_INVENTORY_CHANGE"
    #: Taobao `message_type` 3: a purchase order's status changed (`TaobaoOrderStatusData`).
    TAOBAO_ORDER_STATUS = "TAOBAO_ORDER_STATUS"
    #: Taobao `message_type` 8: a purchase order's price changed (`TaobaoPriceChangeData`).
    TAOBAO_PRICE_CHANGE = "TAOBAO_PRICE_CHANGE"


#: Topics whose `data` is one order's news (`OrderMessageData`).
ORDER_TOPICS: frozenset[str] = frozenset(t.value for t in Topic if t.value.startswith("ORDER_BUYER_VIEW_"))

_TOPICS: dict[str, Topic] = {t.value: t for t in Topic}


class OrderMessageData(LenientStruct, rename="camel"):
    """The `data` of an order topic: which order, and its status now.

    `current_status` is an `OrderStatus` value. `refund_action` and
    `operator` (buyer, seller, system) come with refund topics. `msg_send_time` is 1688
    text (`parse_1688_time` reads it). `order_id` is held as `str` like every order id.
    """

    _id_fields = ("order_id",)

    order_id: IdText
    current_status: Union[str, None] = None
    buyer_member_id: Union[str, None] = None
    seller_member_id: Union[str, None] = None
    msg_send_time: Union[str, None] = None
    refund_action: Union[str, None] = None
    operator: Union[str, None] = None


class TaobaoSkuStatus(LenientStruct):
    """One line of a Taobao order-status message: the SKU, its status and its shipment.

    `order_line_no` is your sub-order number, held as `str`."""

    _id_fields = ("order_line_no",)

    item_id: Union[int, str, None] = None
    sku_id: Union[int, str, None] = None
    order_line_no: Union[IdText, None] = None
    status: Union[str, None] = None
    logistic_company_name: Union[str, None] = None
    logistic_number: Union[str, None] = None


class TaobaoOrderStatusData(LenientStruct):
    """`data` of Taobao `message_type` 3 (order status update), as DAJI's page lists it.

    `status` is printed there as `BULIDING` (sic, creating), `WAIT_BUYER_P…` (pending
    payment), `WAIT_SELLER_SEND_GOODS`, `WAIT_BUYER_CONFIRM_GOODS` (dispatched) or
    `TRADE_CLOSED`. `purchase_id` is held as `str`; `business_time` is in ms.
    """

    _id_fields = ("purchase_id",)

    purchase_id: Union[IdText, None] = None
    outer_purchase_id: Union[str, None] = None
    status: Union[str, None] = None
    business_time: Union[int, None] = None
    seller_id: Union[int, str, None] = None
    sku_list: NullableList[TaobaoSkuStatus] = msgspec.field(default_factory=list)


class TaobaoPrice(msgspec.Struct, rename="camel"):
    """The fees of a Taobao price-change message (the page does not state the unit)."""

    purchase_currency: Union[str, None] = None
    purchase_total_fee: Union[Decimal, None] = None
    purchase_product_fee: Union[Decimal, None] = None
    purchase_product_unit_fee: Union[Decimal, None] = None
    purchase_shipping_fee: Union[Decimal, None] = None


class TaobaoPriceLine(LenientStruct, rename="camel"):
    """One order line of a Taobao price-change message (`purchase_order_line_id` as `str`)."""

    _id_fields = ("purchase_order_line_id",)

    purchase_order_line_id: Union[IdText, None] = None
    sales_order_line_id_list: NullableList[str] = msgspec.field(default_factory=list)
    purchase_order_item_price_dto: Union[TaobaoPrice, None] = msgspec.field(
        name="purchaseOrderItemPriceDTO", default=None
    )
    features: Union[dict[str, Any], None] = None


class TaobaoPriceChangeData(LenientStruct, rename="camel"):
    """`data` of Taobao `message_type` 8 (purchase price change), as DAJI's page lists it."""

    _id_fields = ("purchase_order_id",)

    purchase_order_id: Union[IdText, None] = None
    sales_order_id: Union[str, None] = None
    sales_seller_id: Union[int, str, None] = None
    purchase_market: Union[str, None] = None
    purchase_order_price_dto: Union[TaobaoPrice, None] = msgspec.field(name="purchaseOrderPriceDTO", default=None)
    purchase_order_line_price_change_message_dto_list: NullableList[TaobaoPriceLine] = msgspec.field(
        name="purchaseOrderLinePriceChangeMessageDTOList", default_factory=list
    )
    features: Union[dict[str, Any], None] = None


MessageData = Union[OrderMessageData, TaobaoOrderStatusData, TaobaoPriceChangeData, dict[str, Any], None]


class Message(msgspec.Struct, kw_only=True):
    """One pushed message, verified and parsed.

    Attributes:
        msg_id: 1688's unique id of the message (redeliveries repeat it); None for Taobao
            messages, which carry none.
        gmt_born: when the message was made, in milliseconds since the epoch (a Taobao
            message's `timestamp` is in seconds and is converted); 0 when not sent. A parsed
            message's time lies between 1970 and the end of year 9999: any other is impossible,
            and the message is refused as malformed (`InvalidMessageError`, HTTP 400).
        topic: a `Topic` member when known, else the plain string (the JSON `type`).
        user_info: the member the message is about (`b2b-...`); a Taobao message's `seller_id`.
        biz_key: 1688's business key (often the order id), when sent.
        data: `OrderMessageData` for 1688 order topics, `TaobaoOrderStatusData`
            or `TaobaoPriceChangeData` for Taobao types 3 and 8, else the JSON object.
        extra_info: 1688's extension field, as sent (a Taobao message's `site`).
        raw: the `message` JSON text exactly as received (the signed text).
    """

    msg_id: Union[int, None] = None
    gmt_born: int = 0
    topic: str
    user_info: Union[str, None] = None
    biz_key: Union[str, None] = None
    data: MessageData = None
    extra_info: Union[str, dict[str, Any], None] = None
    raw: str = ""

    @property
    def key(self) -> str:
        """What identifies the message for dedupe: its `msgId`, else a digest of its text."""
        if self.msg_id is not None:
            return f"id:{self.msg_id}"
        return "sha1:" + hashlib.sha1(self.raw.encode()).hexdigest()

    @property
    def order(self) -> OrderMessageData | None:
        """The order news of an order topic, else None."""
        return self.data if isinstance(self.data, OrderMessageData) else None

    @property
    def born(self) -> _dt.datetime:
        """`gmt_born` as an aware UTC datetime."""
        return _dt.datetime.fromtimestamp(self.gmt_born / 1000, tz=_dt.timezone.utc)
