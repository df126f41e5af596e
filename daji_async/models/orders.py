"""Order and payment models: what you send (address, cargo, invoice) and what comes back.

Money: the service mixes units, and every amount below says which one it is.

- **fen** (分, 1/100 yuan) as an `int`: the preview's `sum_payment`, `sum_carriage`,
  `sum_payment_no_carriage`, `discount_fee`, `additional_fee` and
  `PayChannelInfo.amount_limit`; create's `total_success_amount` and `post_fee`; the order's
  `OrderBaseInfo.discount`.
- **yuan** (元) as a `decimal.Decimal` (exact, decoded from the service's JSON number or
  string without float rounding): the preview's cargo `amount` and `final_unit_price`; the
  order's `total_amount`, `shipping_fee`, `sum_product_payment`, `refund` and every
  product line's `price` and `item_amount`.

`fen_to_yuan` and `yuan_to_fen` convert exactly. 1688 times are text such as
`20180614101942000+0800`; `parse_1688_time` reads them.

Trade answers carry 1688's own `success` flag and error fields (`TradeAnswer`); the SDK
raises `TradeError` when `success` is false, so a value you get back is a
success.

Order, sub-order and entry ids are `str` in every model (`Id`), and a `null` where a
list is expected reads as `[]` (see `daji_async.models._lenient`): every documented
example answer decodes.
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Union

import msgspec

from ..enums import OrderStatus
from ._lenient import IdText, LenientStruct, NullableList

__all__ = [
    "Address",
    "CargoLine",
    "CreatedOrder",
    "CreatedOrderItem",
    "FailedOffer",
    "Invoice",
    "LogisticsItem",
    "NativeLogistics",
    "OrderBaseInfo",
    "OrderContact",
    "OrderDetail",
    "OrderListData",
    "OrderPreview",
    "OrderPreviewResult",
    "OrderProductItem",
    "PayChannelInfo",
    "PayResult",
    "PayUrlAnswer",
    "PreviewCargo",
    "SkuItemDesc",
    "TradeAnswer",
    "TradeTerm",
    "fen_to_yuan",
    "parse_1688_time",
    "yuan_to_fen",
]

Id = IdText
"""Order, sub-order and entry ids: 1688 sends them as numbers or numeric strings; models hold
them as `str` (19 digits do not survive a float, and DAJI's own rendered examples lose them)."""

_CENT = Decimal("0.01")


def fen_to_yuan(fen: int) -> Decimal:
    """Fen (分) as exact yuan: `fen_to_yuan(1250) == Decimal("12.50")`."""
    return (Decimal(fen) / 100).quantize(_CENT)


def yuan_to_fen(yuan: Decimal | str | int) -> int:
    """Yuan (a Decimal, a decimal string or an int) as fen, rounded half up to the fen.

    `yuan_to_fen("12.5") == 1250`. Floats are refused (TypeError): they cannot hold most
    prices exactly; pass `str(value)` if you really have one.
    """
    if isinstance(yuan, float):
        raise TypeError("yuan_to_fen takes a Decimal, a decimal string or an int, not a float")
    if isinstance(yuan, bool) or not isinstance(yuan, (Decimal, str, int)):
        raise TypeError(f"yuan_to_fen takes a Decimal, a decimal string or an int, not {type(yuan).__name__}")
    value = Decimal(yuan) if not isinstance(yuan, Decimal) else yuan
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {yuan!r}")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_1688_time(text: str | None) -> _dt.datetime | None:
    """A 1688 time (`20180614101942000+0800`, or `2018-06-14 10:19:42`) as an aware datetime.

    Times without an offset are China time (+08:00). Returns None for None or empty text;
    raises ValueError for text in neither form.
    """
    if not text:
        return None
    china = _dt.timezone(_dt.timedelta(hours=8))
    if len(text) >= 17 and text[:17].isdigit():
        base = _dt.datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(microsecond=int(text[14:17]) * 1000)
        offset = text[17:]
        if not offset:
            return base.replace(tzinfo=china)
        sign = -1 if offset[0] == "-" else 1
        digits = offset.lstrip("+-")
        if len(digits) != 4 or not digits.isdigit():
            raise ValueError(f"not a 1688 time: {text!r}")
        delta = _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return base.replace(tzinfo=_dt.timezone(sign * delta))
    try:
        return _dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=china)
    except ValueError:
        raise ValueError(f"not a 1688 time: {text!r}") from None


# --------------------------------------------------------------------------- what you send


class Address(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """Where the goods go (1688 `addressParam`).

    Give `full_name`, `mobile` (or `phone`) and `address` plus the region, as texts
    (`province_text`, `city_text`, `area_text`, `town_text`) or as a `district_code`;
    or only the `address_id` of an address saved on the 1688 account.

    ```python
    Address(full_name="张三", mobile="13800000000", province_text="浙江省", city_text="杭州市",
            area_text="余杭区", town_text="五常街道", address="文一西路969号", post_code="311121")
    ```

    """

    full_name: Union[str, None] = None
    mobile: Union[str, None] = None
    phone: Union[str, None] = None
    post_code: Union[str, None] = None
    province_text: Union[str, None] = None
    city_text: Union[str, None] = None
    area_text: Union[str, None] = None
    town_text: Union[str, None] = None
    address: Union[str, None] = None
    district_code: Union[str, None] = None
    address_id: Union[int, None] = None


class CargoLine(msgspec.Struct, rename="camel", omit_defaults=True):
    """One line of an order (1688 `cargoParamList` entry): which SKU, how many.

    `spec_id` is `SkuInfo.spec_id` from `client.products.detail`; None for an offer
    without SKUs. `quantity` is in the offer's selling unit.

    ```python
    CargoLine(727920485853, "b266e0726506185beaf205cbae88530d", 2)
    ```

    """

    offer_id: int
    spec_id: Union[str, None]
    quantity: Union[int, float]
    open_offer_id: Union[str, None] = None
    out_member_id: Union[str, None] = None


class Invoice(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """An invoice request (1688 `invoiceParam`). `invoice_type`: 0 ordinary, 1 VAT.

    DAJI's create page does not document `invoiceParam`, so the SDK does not send it by
    itself; pass `extra_params={"invoiceParam": msgspec.to_builtins(invoice)}` if DAJI
    confirms it takes one."""

    invoice_type: int
    company_name: Union[str, None] = None
    taxpayer_identifier: Union[str, None] = None
    bank_and_account: Union[str, None] = None
    full_name: Union[str, None] = None
    mobile: Union[str, None] = None
    phone: Union[str, None] = None
    post_code: Union[str, None] = None
    province_text: Union[str, None] = None
    city_text: Union[str, None] = None
    area_text: Union[str, None] = None
    town_text: Union[str, None] = None
    address: Union[str, None] = None
    local_invoice_id: Union[int, None] = None


# --------------------------------------------------------------------------- 1688's answer flags


class TradeAnswer(LenientStruct, rename="camel"):
    """1688's own verdict inside a trade answer.

    1688 spells its error fields differently per API (`errorMsg`, `errorMessage`,
    `erroMsg`, `errorInfo`...); `error_text` reads whichever is set. Some answers
    nest the verdict in `result` (confirm receipt, pay); the SDK reads every layer and
    raises `TradeError` when one says `success` is false.
    """

    success: Union[bool, None] = None
    code: Union[str, int, None] = None
    message: Union[str, None] = None
    error_code: Union[str, int, None] = None
    error_msg: Union[str, None] = None
    error_message: Union[str, None] = None
    erro_msg: Union[str, None] = None
    error_info: Union[str, None] = None
    result: Union[TradeAnswer, None] = None

    @property
    def error_text(self) -> str | None:
        """The error explanation, from whichever of 1688's error fields carries one."""
        for text in (self.error_message, self.error_msg, self.erro_msg, self.error_info):
            if text:
                return text
        return self.message if self.success is False else None

    @property
    def error_code_any(self) -> str | int | None:
        """The error code, from `errorCode` or (pay and create answers) `code`."""
        if self.error_code not in (None, ""):
            return self.error_code
        return self.code if self.success is False else None


# --------------------------------------------------------------------------- preview


class PreviewCargo(msgspec.Struct, rename="camel"):
    """One priced line of a preview. `amount` and `final_unit_price` are in **yuan**."""

    offer_id: Union[int, str, None] = None
    spec_id: Union[str, None] = None
    sku_id: Union[int, None] = None
    amount: Union[Decimal, None] = None
    final_unit_price: Union[Decimal, None] = None
    quantity: Union[Decimal, None] = None


class PayChannelInfo(msgspec.Struct, rename="camel"):
    """A payment channel the order may use; `amount_limit` is in **fen**."""

    name: Union[str, None] = None
    amount_limit: Union[int, None] = None


class OrderPreviewResult(LenientStruct, rename="camel"):
    """The preview of one supplier's order (1688 splits cargo by supplier).

    Amounts in **fen**: `sum_payment` (to pay, freight included), `sum_carriage`
    (freight), `sum_payment_no_carriage`, `discount_fee`, `additional_fee`.
    `trade_mode_name_list` holds the `trade_type` values create accepts; an empty list
    means this cargo cannot be ordered through the API.
    """

    sum_payment: Union[int, None] = None
    sum_carriage: Union[int, None] = None
    sum_payment_no_carriage: Union[int, None] = None
    discount_fee: Union[int, None] = None
    additional_fee: Union[int, None] = None
    flow_flag: Union[str, None] = None
    trade_mode_name_list: NullableList[str] = msgspec.field(default_factory=list)
    cargo_list: NullableList[PreviewCargo] = msgspec.field(default_factory=list)
    pay_channel_infos: NullableList[PayChannelInfo] = msgspec.field(default_factory=list)
    status: Union[bool, None] = None
    message: Union[str, None] = None


class OrderPreview(TradeAnswer):
    """What `orders.preview` answers: one result per supplier (`results`).

    `total_payment` sums `sum_payment` over the results, in **fen**.

    ```python
    preview = await client.orders.preview(address, cargo)
    print(fen_to_yuan(preview.total_payment), preview.results[0].trade_mode_name_list)
    ```

    """

    results: NullableList[OrderPreviewResult] = msgspec.field(name="orderPreviewResuslt", default_factory=list)

    @property
    def total_payment(self) -> int:
        """What the previewed orders cost altogether, freight included, in fen."""
        return sum(r.sum_payment or 0 for r in self.results)


# --------------------------------------------------------------------------- create


class FailedOffer(msgspec.Struct, rename="camel"):
    """A cargo line 1688 could not order, and why. `offer_id` is an int or (as 1688 sometimes
    sends it) a numeric string."""

    offer_id: Union[int, str, None] = None
    spec_id: Union[str, None] = None
    error_code: Union[str, None] = None
    error_message: Union[str, None] = None


class CreatedOrderItem(LenientStruct, rename="camel"):
    """One of several orders created at once (more than 50 SKUs, or other splits)."""

    _id_fields = ("order_id",)
    order_id: Union[Id, None] = None
    total_success_amount: Union[int, None] = None
    post_fee: Union[int, None] = None


class CreatedOrder(TradeAnswer):
    """What `orders.create` answers.

    `order_id` is the new order (a `str` of 19 digits); `out_order_id` the
    `thirdOrderId` your request carried (given, or generated by the SDK): keep it, it finds
    the order again. `total_success_amount` and `post_fee` are in **fen**
    (`total_success_amount` is null when the purchase was split into several orders).
    `failed_offer_list` names lines that were not ordered (`null` reads as `[]`);
    `account_period` is null or 1688's account-period object, kept as decoded.
    """

    _id_fields = ("order_id",)

    order_id: Union[Id, None] = None
    total_success_amount: Union[int, None] = None
    post_fee: Union[int, None] = None
    account_period: Union[dict[str, Any], str, int, None] = None
    failed_offer_list: NullableList[FailedOffer] = msgspec.field(default_factory=list)
    order_list: NullableList[CreatedOrderItem] = msgspec.field(default_factory=list)
    out_order_id: Union[str, None] = msgspec.field(name="thirdOrderId", default=None)
    result: Union[CreatedOrder, None] = None


# --------------------------------------------------------------------------- view details


class OrderContact(msgspec.Struct, rename="camel"):
    """A buyer's or seller's contact on an order."""

    name: Union[str, None] = None
    phone: Union[str, None] = None
    mobile: Union[str, None] = None
    email: Union[str, None] = None
    company_name: Union[str, None] = None
    im_in_platform: Union[str, None] = None


class OrderBaseInfo(LenientStruct, rename="camel"):
    """An order's header.

    `status` is an `OrderStatus` value. Amounts in **yuan** (Decimal):
    `total_amount` (to pay: products + freight), `shipping_fee`, `sum_product_payment`,
    `refund`; in **fen**: `discount`. Times are 1688 text (`parse_1688_time`).
    """

    _id_fields = ("id",)

    id: Union[Id, None] = None
    id_of_str: Union[str, None] = None
    status: Union[str, None] = None
    total_amount: Union[Decimal, None] = None
    shipping_fee: Union[Decimal, None] = None
    sum_product_payment: Union[Decimal, None] = None
    refund: Union[Decimal, None] = None
    discount: Union[int, None] = None
    create_time: Union[str, None] = None
    pay_time: Union[str, None] = None
    modify_time: Union[str, None] = None
    all_delivered_time: Union[str, None] = None
    receiving_time: Union[str, None] = None
    complete_time: Union[str, None] = None
    buyer_id: Union[str, None] = msgspec.field(name="buyerID", default=None)
    seller_id: Union[str, None] = msgspec.field(name="sellerID", default=None)
    buyer_login_id: Union[str, None] = None
    seller_login_id: Union[str, None] = None
    buyer_contact: Union[OrderContact, None] = None
    seller_contact: Union[OrderContact, None] = None
    trade_type: Union[str, None] = None
    trade_type_code: Union[str, None] = None
    business_type: Union[str, None] = None
    close_reason: Union[str, None] = None
    close_remark: Union[str, None] = None
    close_operate_type: Union[str, None] = None
    remark: Union[str, None] = None
    refund_status: Union[str, None] = None
    out_order_id: Union[str, None] = None
    flow_template_code: Union[str, None] = None
    pay_channel_list: NullableList[str] = msgspec.field(default_factory=list)


class SkuItemDesc(msgspec.Struct, rename="camel"):
    """One SKU attribute of an ordered line (colour: black...)."""

    name: Union[str, None] = None
    value: Union[str, None] = None


class OrderProductItem(LenientStruct, rename="camel"):
    """One ordered line (an order entry). `sub_item_id` is the entry id that
    `orders.confirm_receipt` takes (1688's `subItemID`, held as `str`). `price` and
    `item_amount` are in **yuan**."""

    _id_fields = ("sub_item_id",)

    name: Union[str, None] = None
    product_id: Union[int, None] = msgspec.field(name="productID", default=None)
    sku_id: Union[int, None] = msgspec.field(name="skuID", default=None)
    spec_id: Union[str, None] = None
    quantity: Union[Decimal, None] = None
    unit: Union[str, None] = None
    price: Union[Decimal, None] = None
    item_amount: Union[Decimal, None] = None
    refund: Union[Decimal, None] = None
    sub_item_id: Union[Id, None] = msgspec.field(name="subItemID", default=None)
    sub_item_id_string: Union[str, None] = msgspec.field(name="subItemIDString", default=None)
    status: Union[str, None] = None
    status_str: Union[str, None] = None
    logistics_status: Union[int, None] = None
    product_img_url: NullableList[str] = msgspec.field(default_factory=list)
    sku_infos: NullableList[SkuItemDesc] = msgspec.field(default_factory=list)

    @property
    def entry_id(self) -> str | None:
        """The order entry id (`sub_item_id`, or its string form), as text."""
        if self.sub_item_id:
            return self.sub_item_id
        text = self.sub_item_id_string
        return text if text and text.isdigit() else None


class LogisticsItem(msgspec.Struct, rename="camel"):
    """One shipment of an order: carrier and tracking number."""

    id: Union[int, None] = None
    logistics_code: Union[str, None] = None
    logistics_bill_no: Union[str, None] = None
    logistics_company_id: Union[Id, None] = None
    logistics_company_name: Union[str, None] = None
    status: Union[str, None] = None
    delivered_time: Union[str, None] = None
    sub_item_ids: Union[str, None] = None


class NativeLogistics(LenientStruct, rename="camel"):
    """The delivery address of the order and its shipments inside China."""

    contact_person: Union[str, None] = None
    mobile: Union[str, None] = None
    telephone: Union[str, None] = None
    province: Union[str, None] = None
    city: Union[str, None] = None
    area: Union[str, None] = None
    town: Union[str, None] = None
    address: Union[str, None] = None
    zip: Union[str, None] = None
    area_code: Union[str, None] = None
    logistics_items: NullableList[LogisticsItem] = msgspec.field(default_factory=list)


class TradeTerm(msgspec.Struct, rename="camel"):
    """A payment term: `pay_status` ("1" unpaid, "2" paid...), `phas_amount` in **yuan**."""

    pay_status: Union[str, None] = None
    pay_time: Union[str, None] = None
    pay_way: Union[str, None] = None
    pay_way_desc: Union[str, None] = None
    phas_amount: Union[Decimal, None] = None


class OrderDetail(TradeAnswer):
    """What `orders.get` answers: header, lines, delivery and payment terms.

    ```python
    order = await client.orders.get(order_id)
    if order.status == OrderStatus.WAIT_BUYER_PAY: ...
    entry_ids = order.entry_ids
    ```

    """

    base_info: Union[OrderBaseInfo, None] = None
    product_items: NullableList[OrderProductItem] = msgspec.field(default_factory=list)
    native_logistics: Union[NativeLogistics, None] = None
    trade_terms: NullableList[TradeTerm] = msgspec.field(default_factory=list)
    result: Union[OrderDetail, None] = None

    @property
    def order_id(self) -> str | None:
        """The order's id (`base_info.id`, or `id_of_str`), as text."""
        info = self.base_info
        if info is None:
            return None
        if info.id_of_str and info.id_of_str.isdigit():
            return info.id_of_str  # exact even where a renderer rounded ``id``
        return info.id or None

    @property
    def status(self) -> OrderStatus | str | None:
        """The order's status: an `OrderStatus` member for every status the
        SDK knows; a status 1688 adds later comes as its plain text rather than being lost."""
        raw = self.base_info.status if self.base_info else None
        if raw is None:
            return None
        try:
            return OrderStatus(raw)
        except ValueError:
            return raw

    @property
    def entry_ids(self) -> list[str]:
        """The ids of the order's entries (lines), for `orders.confirm_receipt`."""
        return [e for e in (item.entry_id for item in self.product_items) if e is not None]


class OrderListData(LenientStruct, rename="camel"):
    """One page of the order list: `items` (the service's `result`) holds orders shaped like
    the buyer view.

    The contract does not say whether a total comes back; `total_record` is read when it
    does (1688's own list answers `totalRecord`). The paginator fills in `current_page`,
    `page_size` and `trace_id`, and `total_pages` once it is known (from the total, or
    from a short page, which is the last); a full page without a total leaves it None.
    """

    items: NullableList[OrderDetail] = msgspec.field(name="result", default_factory=list)
    total_record: Union[int, None] = None
    total_records: Union[int, None] = None
    total_pages: Union[int, None] = None
    page_size: int = 0
    current_page: int = 0
    trace_id: Union[str, None] = None

    @property
    def result(self) -> list[OrderDetail]:
        """The orders, by the service's name for them (the same list as `items`)."""
        return self.items

    @property
    def total(self) -> int | None:
        """The number of orders matching, when the service says (`totalRecord`), else None."""
        return self.total_record if self.total_record is not None else self.total_records

    @property
    def has_next(self) -> bool:
        """True when pages may follow this one (always, for a full page without a total)."""
        return bool(self.items) and (self.total_pages is None or self.current_page < self.total_pages)

    def __len__(self) -> int:
        return len(self.items)


# --------------------------------------------------------------------------- payment


class PayUrlAnswer(TradeAnswer):
    """1688's answer for one batch of payment links: a cashier URL, and orders it refused.

    DAJI documents `erroMsg` (sic) as the error field; `error_text` reads it."""

    _id_list_fields = ("pay_failure_order_list",)

    pay_url: Union[str, None] = None
    pay_failure_order_list: NullableList[Id] = msgspec.field(default_factory=list)


class PayResult(TradeAnswer):
    """What `payments.pay` answers (DAJI did not capture the shape; 1688's is read).

    `pay_success` True: paid. False: not paid *as far as this answer knows*; check the
    order's status before paying again. `pay_channel` is the channel 1688 used.
    """

    pay_channel: Union[str, None] = None
    pay_success: Union[bool, None] = None
    result: Union[PayResult, None] = None
