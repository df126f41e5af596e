"""`Offer`: one product of any platform in one shape, to compare prices across platforms.

Every platform's search and detail models have a `to_offer()` that builds one from the
platform's own item (pure: no I/O). The conversion, field by field:

Per field, 1688 (`ProductItem` / `ProductDetail`), Taobao/Tmall (`TaobaoItem` /
`TaobaoItemDetail`), Poizon (`PoizonSpu` / `PoizonSpuDetail`):

- `platform`: `"1688"`, `"taobao"`, `"poizon"`.
- `id`: `offer_id`, `item_id`, `dw_spu_id`, as text.
- `title`: 1688 `subject_trans`, else `subject`; Taobao `multi_language_info.title` (the
  title in the requested `language`), else `title`; Poizon `dist_spu_title`
  (English), else `dw_spu_title`.
- `price`: 1688 `price_info.price`, yuan text read as `Decimal(text)` (detail: the lowest SKU
  `price`, else the lowest quantity-break `price`); Taobao `price`, int fen, `fen / 100`
  exactly (detail: `price`, else the lowest SKU `price`); Poizon `auth_price`, int fen,
  `fen / 100` exactly (detail: `auth_price`, else the lowest SKU `min_bid_price`).
- `image_url`: 1688 `image_url` (detail: the first gallery image, else `white_image`); Taobao
  `main_image_url` (detail: that, else the first of `pic_urls`); Poizon `image`, else the
  first of `base_image`.
- `url`: `https://detail.1688.com/offer/{id}.html`, `https://item.taobao.com/item.htm?id={id}`
  (Taobao sends a Tmall item on to Tmall's page), `https://www.dewu.com/product-detail.html?spuId={id}`.
- `shop_name`: 1688 `company_name` (detail: None, it names the seller by `seller_open_id`
  only); Taobao `shop_name`; Poizon None (Poizon sells as itself; the brand is
  `raw.dist_brand_name`).
- `sales`: 1688 `month_sold`, sold in the last 30 days (detail: `sold_out` when it is a whole
  number); Taobao `sales` (detail: None); Poizon `sales`.

`price` is never a float: yuan text is read as written (`"34.5"` is `Decimal("34.5")`), fen
are divided by 100 exactly (`1250` is `Decimal("12.50")`). A price the item does not carry,
or carries as something that is not a finite number, is None; so is a Poizon price of 0 fen
(Poizon sends 0 for a product without a bid). `currency` is always `"CNY"`: every platform
prices in yuan. `raw` is the platform's own item, the very object `to_offer()` was called on.

The Poizon page URL is the one Poizon's own links use (`skuLink` in the detail answer is
`https://www.dewu.com/product-detail.html?spuId=...&skuId=...`); the others are the public
product pages of 1688 and Taobao.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal, Union

import msgspec

if TYPE_CHECKING:
    from .poizon import PoizonSpu, PoizonSpuDetail
    from .products import ProductDetail, ProductItem
    from .taobao import TaobaoItem, TaobaoItemDetail, TaobaoLanguageInfo

    OfferSource = Union[ProductItem, ProductDetail, TaobaoItem, TaobaoItemDetail, PoizonSpu, PoizonSpuDetail]
else:
    # the models import this module (their to_offer()): at run time, where msgspec reads the
    # annotations (msgspec.structs.fields, msgspec.inspect), raw is any object
    OfferSource = Any

__all__ = ["PLATFORMS", "Offer", "OfferSource", "Platform", "offer_url"]

Platform = Literal["1688", "taobao", "poizon"]
"""A platform an `Offer` comes from."""

#: Every platform, in the order searches list them.
PLATFORMS: tuple[Platform, ...] = ("1688", "taobao", "poizon")

_URLS: dict[str, str] = {
    "1688": "https://detail.1688.com/offer/{id}.html",
    "taobao": "https://item.taobao.com/item.htm?id={id}",
    "poizon": "https://www.dewu.com/product-detail.html?spuId={id}",
}


def offer_url(platform: Platform, id: str) -> str:
    """The public product page of an item: `offer_url("1688", "727920485853")`."""
    return _URLS[platform].format(id=id)


class Offer(msgspec.Struct, frozen=True, kw_only=True):
    """One product of 1688, Taobao/Tmall or Poizon, in one shape (see the module for each platform's source).

    Attributes:
        platform: `"1688"`, `"taobao"` or `"poizon"`.
        id: the platform's id of the product, as text (1688 `offer_id`, Taobao `item_id`,
            Poizon `dw_spu_id`).
        title: the translated title where the item has one, else the original.
        price: in yuan, an exact `Decimal` (never a float); None when the item carries none.
        currency: `"CNY"`.
        image_url: the main picture, or None.
        url: the product's public page (https).
        shop_name: the seller's shop or company, or None where the platform names none.
        sales: units sold as the platform counts them (1688: the last 30 days), or None.
        raw: the platform's own item, untouched (`ProductItem`, `TaobaoItem`, `PoizonSpu`,
            or their detail models).
    """

    platform: Platform
    id: str
    title: Union[str, None]
    price: Union[Decimal, None]
    currency: Literal["CNY"] = "CNY"
    image_url: Union[str, None] = None
    url: str
    shop_name: Union[str, None] = None
    sales: Union[int, None] = None
    raw: OfferSource


# ------------------------------------------------------------------ conversions (pure)


def yuan_text(text: object) -> Decimal | None:
    """Yuan as the service writes them (`"34.50"`), exactly; None for anything else."""
    if not isinstance(text, str):
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def fen(value: object, *, zero_is_none: bool = False) -> Decimal | None:
    """Int fen as exact yuan (`1250` is `Decimal("12.50")`); None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if zero_is_none and value <= 0:
        return None
    return Decimal(value).scaleb(-2)


def lowest(prices: Iterable[Decimal | None]) -> Decimal | None:
    """The lowest of the prices that are there (None when none is)."""
    present = [p for p in prices if p is not None]
    return min(present) if present else None


def count(value: object) -> int | None:
    """A count sent as an int, or as text of a whole number (1688's `soldOut`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def from_1688_item(item: ProductItem) -> Offer:
    """`ProductItem.to_offer()`."""
    ident = str(item.offer_id)
    return Offer(
        platform="1688",
        id=ident,
        title=item.subject_trans or item.subject,
        price=yuan_text(item.price_info.price) if item.price_info is not None else None,
        image_url=item.image_url,
        url=offer_url("1688", ident),
        shop_name=item.company_name,
        sales=item.month_sold,
        raw=item,
    )


def from_1688_detail(detail: ProductDetail) -> Offer:
    """`ProductDetail.to_offer()`."""
    ident = str(detail.offer_id)
    price = lowest(yuan_text(sku.price) for sku in detail.product_sku_infos)
    if price is None and detail.product_sale_info is not None:
        price = lowest(yuan_text(r.price) for r in detail.product_sale_info.price_range_list)
    gallery = detail.product_image
    image = (gallery.images[0] if gallery.images else gallery.white_image) if gallery is not None else None
    return Offer(
        platform="1688",
        id=ident,
        title=detail.subject_trans or detail.subject,
        price=price,
        image_url=image,
        url=offer_url("1688", ident),
        shop_name=None,
        sales=count(detail.sold_out),
        raw=detail,
    )


def _translated(info: TaobaoLanguageInfo | None) -> str | None:
    return info.title if info is not None else None


def from_taobao_item(item: TaobaoItem) -> Offer:
    """`TaobaoItem.to_offer()`."""
    ident = str(item.item_id)
    return Offer(
        platform="taobao",
        id=ident,
        title=_translated(item.multi_language_info) or item.title,
        price=fen(item.price),
        image_url=item.main_image_url,
        url=offer_url("taobao", ident),
        shop_name=item.shop_name,
        sales=item.sales,
        raw=item,
    )


def from_taobao_detail(detail: TaobaoItemDetail) -> Offer:
    """`TaobaoItemDetail.to_offer()`."""
    ident = str(detail.item_id)
    price = fen(detail.price)
    if price is None:
        price = lowest(fen(sku.price) for sku in detail.skus)
    return Offer(
        platform="taobao",
        id=ident,
        title=_translated(detail.multi_language_info) or detail.title,
        price=price,
        image_url=detail.main_image_url or (detail.pic_urls[0] if detail.pic_urls else None),
        url=offer_url("taobao", ident),
        shop_name=detail.shop_name,
        sales=None,
        raw=detail,
    )


def from_poizon_spu(spu: PoizonSpu) -> Offer:
    """`PoizonSpu.to_offer()` (and `PoizonSpuDetail.to_offer()`, which adds the SKUs' prices)."""
    from .poizon import PoizonSpuDetail  # the detail subclasses the search item: decided at run time

    ident = str(spu.dw_spu_id)
    price = fen(spu.auth_price, zero_is_none=True)
    if price is None and isinstance(spu, PoizonSpuDetail):
        price = lowest(fen(sku.min_bid_price, zero_is_none=True) for sku in spu.sku_list)
    return Offer(
        platform="poizon",
        id=ident,
        title=spu.dist_spu_title or spu.dw_spu_title,
        price=price,
        image_url=spu.image or (spu.base_image[0] if spu.base_image else None),
        url=offer_url("poizon", ident),
        shop_name=None,
        sales=spu.sales,
        raw=spu,
    )
