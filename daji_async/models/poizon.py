"""Models of the Poizon (得物) endpoints (`client.poizon`).

Sources (`daji-wiki.md` §9.1):

- **Create order & Payment** (`POST /poizon/order/createOrder`) is documented on DAJI's wiki
  (en api-456883163, W): the request body and the answer ``{code, msg, data{requestId,
  customerOrderNo, distOrderNo, orderItems[...]}, status}`` are kept field for field
  (`PoizonOrder`, `PoizonOrderItem`). `realPayAmount` is **yuan text** (`"59.00"`); the
  request's `price` is an int in **fen** (5900 against `"59.00"`).
- Search and detail answers are read as several independent public clients read them (C):
  ``spuList[{dwSpuId, distSpuTitle, dwSpuTitle, distBrandName, authPrice (fen), image,
  baseImage[], distCategoryl1Name.. (sic, a lower-case L), sales}]`` and the detail's
  `skuList[{dwSkuId, distSkuId, minBidPrice (fen), barcode, skuLink, saleAttr[...]}]`.
  The older names the SDK read before (`title`, `brand_name`, `min_price`,
  `logo_url`, `skus`, `properties`, `price`) remain as read-only properties.
- Query Order Info and Balance Query answers are not captured: `PoizonOrder` is reused for
  the query (inferred) and `PoizonBalance` reads a balance under the names below (inferred).

Every field but the SPU's and SKU's ids is optional and unknown fields never break decoding.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Generic, Union

import msgspec

from ._lenient import IdText, LenientStruct, NullableList
from .offer import Offer, from_poizon_spu

__all__ = [
    "PoizonAddress",
    "PoizonBalance",
    "PoizonCategory",
    "PoizonOrder",
    "PoizonOrderItem",
    "PoizonSaleAttr",
    "PoizonSearchPage",
    "PoizonSku",
    "PoizonSpu",
    "PoizonSpuDetail",
]


class PoizonSpu(LenientStruct, rename="camel"):
    """One Poizon product (SPU) of a search, as public clients read it (C).

    `dw_spu_id` (`dwSpuId`) identifies it; `auth_price` is in **fen**;
    `dist_spu_title` is the English title, `dw_spu_title` the Chinese one.
    """

    dw_spu_id: int
    dist_spu_title: Union[str, None] = None
    dw_spu_title: Union[str, None] = None
    dist_brand_name: Union[str, None] = None
    auth_price: Union[int, None] = None
    image: Union[str, None] = None
    base_image: NullableList[str] = msgspec.field(default_factory=list)
    dist_category_l1_name: Union[str, None] = msgspec.field(name="distCategoryl1Name", default=None)
    dist_category_l2_name: Union[str, None] = msgspec.field(name="distCategoryl2Name", default=None)
    dist_category_l3_name: Union[str, None] = msgspec.field(name="distCategoryl3Name", default=None)
    sales: Union[int, None] = None
    article_number: Union[str, None] = None

    @property
    def title(self) -> str | None:
        """The English title, else the Chinese one."""
        return self.dist_spu_title or self.dw_spu_title

    @property
    def brand_name(self) -> str | None:
        """The brand (`distBrandName`)."""
        return self.dist_brand_name

    @property
    def category_name(self) -> str | None:
        """The most specific category name given (level 3, else 2, else 1)."""
        return self.dist_category_l3_name or self.dist_category_l2_name or self.dist_category_l1_name

    @property
    def min_price(self) -> int | None:
        """The price in fen (`authPrice`)."""
        return self.auth_price

    @property
    def logo_url(self) -> str | None:
        """The main image (`image`), else the first of `baseImage`."""
        return self.image or (self.base_image[0] if self.base_image else None)

    def to_offer(self) -> Offer:
        """This product as an `Offer`: `price` is `auth_price` (fen) / 100, exactly.

        On a `PoizonSpuDetail` without an `auth_price`, the lowest SKU `min_bid_price`.
        """
        return from_poizon_spu(self)


if TYPE_CHECKING:
    from typing_extensions import TypeVar

    #: The item type of a Poizon page: `PoizonSpu` unless the search's `item_type=` names another.
    PoizonSpuT = TypeVar("PoizonSpuT", default="PoizonSpu")
else:
    from typing import TypeVar

    PoizonSpuT = TypeVar("PoizonSpuT")


class PoizonSearchPage(msgspec.Struct, Generic[PoizonSpuT], rename="camel", gc=False):
    """One page of `/poizon/product/queryList`: `items` is the wire's `spuList`.

    Paging is a cursor: the next page starts after the last SPU's `dwSpuId` (sent as
    `startId`). `total` is the number of matching SPUs.
    """

    items: list[PoizonSpuT] = msgspec.field(name="spuList", default_factory=list)
    total: Union[int, None] = None
    trace_id: Union[str, None] = None

    def __len__(self) -> int:
        return len(self.items)


class PoizonSaleAttr(msgspec.Struct, rename="camel", gc=False):
    """One sale attribute of a SKU (`saleAttr[]`): e.g. `尺码` / `Size` = `42`."""

    cn_name: Union[str, None] = None
    en_name: Union[str, None] = None
    cn_value: Union[str, None] = None
    en_value: Union[str, None] = None
    level: Union[int, None] = None


class PoizonSku(LenientStruct, rename="camel"):
    """One SKU of a Poizon product (`skuList[]`, C): `min_bid_price` in **fen**.

    `dw_sku_id` is the id create takes as `dwSkuId`; `dist_sku_id` its `distSkuId`.
    """

    dw_sku_id: int
    dist_sku_id: Union[str, None] = None
    min_bid_price: Union[int, None] = None
    barcode: Union[str, None] = None
    sku_link: Union[str, None] = None
    sale_attr: NullableList[PoizonSaleAttr] = msgspec.field(default_factory=list)

    @property
    def properties(self) -> str | None:
        """The sale attributes as text, e.g. `颜色:白蓝;尺码:36` (None without any)."""
        parts = [f"{a.cn_name or a.en_name}:{a.cn_value or a.en_value}" for a in self.sale_attr]
        return ";".join(parts) or None

    @property
    def price(self) -> int | None:
        """The lowest bid in fen (`minBidPrice`)."""
        return self.min_bid_price


class PoizonSpuDetail(PoizonSpu):
    """The detail of one Poizon product (`/poizon/product/queryDetail?dwSpuId=`, C); prices in **fen**.

    `sku_list` is the wire's `skuList`; `skus` the same list (the name the SDK used before).
    """

    size_chart: Union[str, dict[str, object], list[object], None] = None
    sku_list: NullableList[PoizonSku] = msgspec.field(default_factory=list)

    @property
    def skus(self) -> list[PoizonSku]:
        """The SKUs (`skuList`)."""
        return self.sku_list

    @property
    def images(self) -> list[str]:
        """Every picture: `baseImage`, else the main `image`."""
        return list(self.base_image) or ([self.image] if self.image else [])


class PoizonCategory(LenientStruct, rename="camel"):
    """A Poizon category (`/poizon/category/get`, one client's endpoint map only, C).

    `parent_id` is 0 at the top level.
    """

    category_id: int
    name: Union[str, None] = None
    parent_id: Union[int, None] = None
    level: Union[int, None] = None
    children: NullableList[PoizonCategory] = msgspec.field(default_factory=list)


# --------------------------------------------------------------------------- orders (W: en api-456883163)


class PoizonAddress(msgspec.Struct, rename="camel", omit_defaults=True, kw_only=True):
    """Create's `shippingAddress` (W): the recipient, who must be in mainland China.

    Sent as `{name, email, phone, province, city, district, detailAddress}`.
    """

    name: str
    phone: str
    province: str
    city: str
    district: str
    detail_address: str
    email: Union[str, None] = None


class PoizonOrderItem(LenientStruct, rename="camel"):
    """One sub-order of a Poizon order (`orderItems[]`, W).

    `order_status` such as `PAID`; `real_pay_amount` is **yuan text** (`"59.00"`);
    `create_time`/`modify_time` epoch milliseconds.
    """

    _id_fields = ("dw_sku_id",)

    dist_sub_order_no: Union[str, None] = None
    order_status: Union[str, None] = None
    dist_sku_id: Union[str, None] = None
    dw_sku_id: IdText = ""
    quantity: Union[int, None] = None
    create_time: Union[int, None] = None
    modify_time: Union[int, None] = None
    real_pay_amount: Union[str, None] = None
    currency: Union[str, None] = None

    @property
    def real_pay_yuan(self) -> Decimal | None:
        """`real_pay_amount` as an exact Decimal of yuan (None when absent or not a number)."""
        if not self.real_pay_amount:
            return None
        try:
            return Decimal(self.real_pay_amount)
        except InvalidOperation:
            return None


class PoizonOrder(LenientStruct, rename="camel"):
    """What `poizon.orders.create` (W) and `poizon.orders.get` (inferred: the same shape) answer.

    `request_id` is the idempotency key the create carried; `customer_order_no`
    (`"OA00835379"`) and `dist_order_no` (`"913033-OA00835379"`) the order's numbers.
    """

    request_id: Union[str, None] = None
    customer_order_no: Union[str, None] = None
    dist_order_no: Union[str, None] = None
    order_items: NullableList[PoizonOrderItem] = msgspec.field(default_factory=list)


class PoizonBalance(msgspec.Struct, rename="camel", gc=False):
    """The app's prepaid Poizon balance (Balance Query, GET; answer not captured: inferred).

    `balance` is kept as sent (yuan text such as `"1000.00"`, as create's
    `realPayAmount` is, or a number); `yuan` reads it as an exact Decimal.
    """

    balance: Union[str, int, float, None] = None
    currency: Union[str, None] = None
    frozen_balance: Union[str, int, float, None] = None

    @property
    def yuan(self) -> Decimal | None:
        """The balance in yuan, exact (None when absent or not a number)."""
        if self.balance is None or isinstance(self.balance, bool):
            return None
        try:
            return Decimal(str(self.balance))
        except InvalidOperation:
            return None
