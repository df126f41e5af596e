"""Product search, detail, upload, category and freight models.

Attributes are snake_case; on the wire they are the service's camelCase (`offer_id` is
`offerId`). Fields the service may omit or null default to None (or an empty list); fields
the service adds later are ignored. Prices are decimal strings, exactly as sent.

The Structs are declared `gc=False`: they never hold reference cycles, so the garbage
collector need not track them, which makes bulk decoding about a quarter cheaper (measured:
93 against 122 us per 50-item page while pages are being kept). Do not store objects that
refer back to a model on a model.

A `null` where a list is expected reads as an empty list (`._lenient`), so every list
field is a list after decoding.
"""

from __future__ import annotations

from typing import TypeVar, Union

import msgspec

from ._lenient import LenientStruct, NullableList
from .common import Page
from .offer import Offer, from_1688_detail, from_1688_item

T = TypeVar("T")

Number = Union[int, float]


class PriceInfo(msgspec.Struct, rename="camel", gc=False):
    """Prices of a search result, in CNY, as decimal strings.

    `jxhy_price`/`pf_jxhy_price` are the 精选货源 (selected supply) prices and are null
    for offers outside that programme.
    """

    price: Union[str, None] = None
    jxhy_price: Union[str, None] = None
    pf_jxhy_price: Union[str, None] = None
    consign_price: Union[str, None] = None
    promotion_price: Union[str, None] = None


class ProductItem(LenientStruct, rename="camel", gc=False):
    """One offer in keyword, image or shop search results."""

    offer_id: int
    subject: Union[str, None] = None
    subject_trans: Union[str, None] = None
    image_url: Union[str, None] = None
    price_info: Union[PriceInfo, None] = None
    is_jxhy: Union[bool, None] = None
    repurchase_rate: Union[str, None] = None
    month_sold: Union[int, None] = None
    trace_info: Union[str, None] = None
    is_one_psale: Union[bool, None] = None
    seller_identities: NullableList[str] = msgspec.field(default_factory=list)
    offer_identities: NullableList[str] = msgspec.field(default_factory=list)
    company_name: Union[str, None] = None
    white_image: Union[str, None] = None
    aigc_image_url: Union[str, None] = None
    top_category_id: Union[int, None] = None
    second_category_id: Union[int, None] = None
    third_category_id: Union[int, None] = None
    min_order_quantity: Union[int, None] = None
    is_select: Union[bool, None] = None
    create_date: Union[str, None] = None
    modify_date: Union[str, None] = None
    promotion_url: Union[str, None] = msgspec.field(name="promotionURL", default=None)

    def to_offer(self) -> Offer:
        """This offer as an `Offer`: `price` is `price_info.price` as an exact Decimal of yuan."""
        return from_1688_item(self)


class PicRegionInfo(msgspec.Struct, rename="camel", gc=False):
    """Where image search found subjects: `current_region` was searched; others may be."""

    current_region: Union[str, None] = None
    yolo_crop_region: Union[str, None] = None

    @property
    def regions(self) -> list[str]:
        """Every detected subject box (`yoloCropRegion` split on `;`), usable as `region=`."""
        if not self.yolo_crop_region:
            return []
        return [r for r in self.yolo_crop_region.split(";") if r]


class ImageSearchPage(Page[T]):
    """A page of image search results; `pic_region_info` tells which subject was searched."""

    pic_region_info: Union[PicRegionInfo, None] = None


class ShopSearchPage(Page[T]):
    """A page of one seller's offers."""

    seller_open_id: Union[str, None] = None


class ProductImage(LenientStruct, rename="camel", gc=False):
    """The offer's gallery."""

    images: NullableList[str] = msgspec.field(default_factory=list)
    white_image: Union[str, None] = None


class ProductAttribute(msgspec.Struct, rename="camel", gc=False):
    """One product attribute with its translation (`attribute_name_trans`, `value_trans`)."""

    attribute_id: Union[int, str, None] = None
    attribute_name: Union[str, None] = None
    attribute_name_trans: Union[str, None] = None
    value: Union[str, None] = None
    value_trans: Union[str, None] = None


class SkuAttribute(msgspec.Struct, rename="camel", gc=False):
    """One dimension of a SKU (colour, size...) and its value."""

    attribute_id: Union[int, str, None] = None
    attribute_name: Union[str, None] = None
    attribute_name_trans: Union[str, None] = None
    value: Union[str, None] = None
    value_trans: Union[str, None] = None
    sku_image_url: Union[str, None] = None


class SkuInfo(LenientStruct, rename="camel", gc=False):
    """One SKU. `spec_id` is the id an order's cargo line uses."""

    sku_id: Union[int, None] = None
    spec_id: Union[str, None] = None
    amount_on_sale: Union[int, None] = None
    price: Union[str, None] = None
    jxhy_price: Union[str, None] = None
    consign_price: Union[str, None] = None
    promotion_price: Union[str, None] = None
    sku_attributes: NullableList[SkuAttribute] = msgspec.field(default_factory=list)


class PriceRange(msgspec.Struct, rename="camel", gc=False):
    """A quantity break: `price` applies from `start_quantity` pieces."""

    start_quantity: Union[int, None] = None
    price: Union[str, None] = None
    promotion_price: Union[str, None] = None


class UnitInfo(msgspec.Struct, rename="camel", gc=False):
    """The selling unit (件, 个...) and its translation."""

    unit: Union[str, None] = None
    trans_unit: Union[str, None] = None


class SaleInfo(LenientStruct, rename="camel", gc=False):
    """Stock and price ranges. `quote_type`: 0 by SKU, 1 by quantity, 2 by SKU range."""

    amount_on_sale: Union[int, None] = None
    price_range_list: NullableList[PriceRange] = msgspec.field(default_factory=list)
    quote_type: Union[int, None] = None
    unit_info: Union[UnitInfo, None] = None


class SkuShippingDetail(msgspec.Struct, rename="camel", gc=False):
    """Per-SKU package size and weight."""

    sku_id: Union[int, None] = None
    weight: Union[Number, None] = None
    width: Union[Number, None] = None
    height: Union[Number, None] = None
    length: Union[Number, None] = None


class ShippingInfo(LenientStruct, rename="camel", gc=False):
    """Where the goods ship from and the package size: weight in kg, sizes in cm."""

    send_goods_address_text: Union[str, None] = None
    weight: Union[Number, None] = None
    width: Union[Number, None] = None
    height: Union[Number, None] = None
    length: Union[Number, None] = None
    sku_shipping_details: NullableList[SkuShippingDetail] = msgspec.field(default_factory=list)


class TagInfo(msgspec.Struct, rename="camel", gc=False):
    """A service tag of the offer, e.g. `isOnePsale` = True."""

    key: Union[str, None] = None
    value: Union[bool, None] = None


class SellerDataInfo(msgspec.Struct, rename="camel", gc=False):
    """The seller's service scores, as the service sends them (decimal strings)."""

    trade_medal_level: Union[str, None] = None
    composite_service_score: Union[str, None] = None
    logistics_experience_score: Union[str, None] = None
    dispute_complaint_score: Union[str, None] = None
    offer_experience_score: Union[str, None] = None
    consulting_experience_score: Union[str, None] = None
    after_sales_experience_score: Union[str, None] = None
    repeat_purchase_percent: Union[str, None] = None
    collect_30_day_within_48h_percent: Union[str, None] = msgspec.field(
        name="collect30DayWithin48HPercent", default=None
    )
    quality_refund_within_30_day: Union[str, None] = msgspec.field(name="qualityRefundWithin30Day", default=None)
    tp_year: Union[str, None] = None


class ProductDetail(LenientStruct, rename="camel", gc=False):
    """The full description of one offer: gallery, attributes, SKUs, prices, shipping, seller."""

    offer_id: int
    category_id: Union[int, None] = None
    category_name: Union[str, None] = None
    subject: Union[str, None] = None
    subject_trans: Union[str, None] = None
    description: Union[str, None] = None
    main_video: Union[str, None] = None
    detail_video: Union[str, None] = None
    product_image: Union[ProductImage, None] = None
    product_attribute: NullableList[ProductAttribute] = msgspec.field(default_factory=list)
    product_sku_infos: NullableList[SkuInfo] = msgspec.field(default_factory=list)
    product_sale_info: Union[SaleInfo, None] = None
    product_shipping_info: Union[ShippingInfo, None] = None
    seller_open_id: Union[str, None] = None
    min_order_quantity: Union[int, None] = None
    batch_number: Union[int, None] = None
    status: Union[str, None] = None
    tag_info_list: NullableList[TagInfo] = msgspec.field(default_factory=list)
    seller_data_info: Union[SellerDataInfo, None] = None
    sold_out: Union[str, None] = None
    trade_score: Union[str, None] = None
    offer_identities: NullableList[str] = msgspec.field(default_factory=list)
    top_category_id: Union[int, None] = None
    second_category_id: Union[int, None] = None
    third_category_id: Union[int, None] = None
    create_date: Union[str, None] = None
    is_jxhy: Union[bool, None] = None
    promotion_url: Union[str, None] = msgspec.field(name="promotionURL", default=None)

    def to_offer(self) -> Offer:
        """This offer as an `Offer`: `price` is the lowest SKU price, else the lowest quantity-break price."""
        return from_1688_detail(self)


class UploadResult(msgspec.Struct, rename="camel", gc=False):
    """What image upload answers: the id to pass as `image_search(image_id=...)`."""

    image_id: str


class ChildCategory(msgspec.Struct, rename="camel", gc=False):
    """A direct child of a category."""

    id: int
    name: Union[str, None] = None
    category_type: Union[str, None] = None
    is_leaf: Union[bool, None] = None


class Category(LenientStruct, rename="camel", gc=False):
    """A 1688 category and its direct children (`child_categorys`, the service's spelling)."""

    category_id: int = msgspec.field(name="categoryID")
    name: Union[str, None] = None
    level: Union[int, None] = None
    is_leaf: Union[bool, None] = None
    parent_ids: NullableList[int] = msgspec.field(name="parentIDs", default_factory=list)
    child_categorys: NullableList[ChildCategory] = msgspec.field(default_factory=list)


class FreightSkuInfo(msgspec.Struct, rename="camel", gc=False):
    """Per-SKU weight and size used by the freight estimate."""

    sku_id: Union[int, None] = None
    single_sku_weight: Union[Number, None] = None
    single_sku_width: Union[Number, None] = None
    single_sku_height: Union[Number, None] = None
    single_sku_length: Union[Number, None] = None


class FreightEstimate(LenientStruct, rename="camel", gc=False):
    """Domestic (China) freight for a quantity of an offer, in CNY as a decimal string."""

    offer_id: Union[int, None] = None
    freight: Union[str, None] = None
    template_id: Union[int, None] = None
    single_product_weight: Union[Number, None] = None
    single_product_width: Union[Number, None] = None
    single_product_height: Union[Number, None] = None
    single_product_length: Union[Number, None] = None
    template_type: Union[int, str, None] = None
    template_name: Union[str, None] = None
    sub_template_type: Union[int, str, None] = None
    sub_template_name: Union[str, None] = None
    first_fee: Union[str, Number, None] = None
    first_unit: Union[str, Number, None] = None
    next_fee: Union[str, Number, None] = None
    next_unit: Union[str, Number, None] = None
    discount: Union[str, Number, None] = None
    charge_type: Union[str, Number, None] = None
    free_postage: Union[bool, None] = None
    product_freight_sku_info_models: NullableList[FreightSkuInfo] = msgspec.field(default_factory=list)
    size_value_type: Union[str, Number, None] = None


class LogisticsSkuNum(msgspec.Struct, rename="camel", gc=False):
    """A SKU and how many of it, for a freight estimate."""

    sku_id: int
    number: int
