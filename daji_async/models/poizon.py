"""Models of the Poizon (得物) endpoints (``client.poizon``).

No Poizon page is in DAJI's archived wiki (``daji-wiki.md`` §4): the paths, the ``startId``
cursor and ``data{total, spuList[]}`` come from third-party clients, the rest is inferred.
Every field but the SPU's id is optional and unknown fields never break decoding. Prices
are ints in **fen** (inferred: Poizon's own APIs count in fen).
"""

from __future__ import annotations

from typing import Union

import msgspec

from ._lenient import LenientStruct, NullableList

__all__ = ["PoizonCategory", "PoizonSearchPage", "PoizonSku", "PoizonSpu", "PoizonSpuDetail"]


class PoizonSpu(msgspec.Struct, rename="camel", gc=False):
    """One Poizon product (SPU) of a search. ``dw_spu_id`` (``dwSpuId``) identifies it;
    ``min_price`` is in **fen**."""

    dw_spu_id: int
    title: Union[str, None] = None
    brand_name: Union[str, None] = None
    category_id: Union[int, None] = None
    category_name: Union[str, None] = None
    article_number: Union[str, None] = None
    logo_url: Union[str, None] = None
    min_price: Union[int, None] = None


class PoizonSearchPage(msgspec.Struct, rename="camel", gc=False):
    """One page of ``/poizon/product/queryList``: ``items`` is the wire's ``spuList``.

    Paging is a cursor: the next page starts after the last SPU's ``dwSpuId`` (sent as
    ``startId``). ``total`` is the number of matching SPUs.
    """

    items: list[PoizonSpu] = msgspec.field(name="spuList", default_factory=list)
    total: Union[int, None] = None
    trace_id: Union[str, None] = None

    def __len__(self) -> int:
        return len(self.items)


class PoizonSku(msgspec.Struct, rename="camel", gc=False):
    """One SKU of a Poizon product: ``properties`` such as ``尺码:42``; ``price`` in **fen**."""

    dw_sku_id: int
    properties: Union[str, None] = None
    price: Union[int, None] = None
    stock: Union[int, None] = None


class PoizonSpuDetail(LenientStruct, rename="camel"):
    """The detail of one Poizon product (``/poizon/product/queryDetail?dwSpuId=``); prices in **fen**."""

    dw_spu_id: int
    title: Union[str, None] = None
    brand_name: Union[str, None] = None
    category_id: Union[int, None] = None
    category_name: Union[str, None] = None
    article_number: Union[str, None] = None
    logo_url: Union[str, None] = None
    images: NullableList[str] = msgspec.field(default_factory=list)
    skus: NullableList[PoizonSku] = msgspec.field(default_factory=list)


class PoizonCategory(LenientStruct, rename="camel"):
    """A Poizon category (``/poizon/category/get``): ``parent_id`` 0 at the top level."""

    category_id: int
    name: Union[str, None] = None
    parent_id: Union[int, None] = None
    level: Union[int, None] = None
    children: NullableList[PoizonCategory] = msgspec.field(default_factory=list)
