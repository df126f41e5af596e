"""The sandbox's Poizon (得物) endpoints: product list (``startId`` cursor), detail, categories.

A small seeded catalogue of sneakers and streetwear SPUs, sorted by ``dwSpuId``. The list
pages with a cursor: without ``startId`` it starts at the first SPU; with one it answers
the SPUs whose id is greater (the cursor is the last id seen), ``pageSize`` at most 50.
``data`` is ``{total, spuList[]}``; prices are ints in fen.

:data:`HANDLERS` maps endpoint names to handlers; the app registers each at its row's path.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .._endpoints import PAGING_POIZON, POIZON_CATEGORY, POIZON_DETAIL, POIZON_SEARCH
from ._wire import STATE_KEY, BadParams, Handler, encode, ok, params_of, repeat_page

__all__ = ["BRANDS", "CATEGORIES", "HANDLERS", "PoizonCatalogue", "poizon_catalogue"]

BRANDS = ("Nike", "adidas", "New Balance", "Jordan", "李宁", "安踏", "ASICS", "Converse", "Vans", "PUMA")
#: category id -> (name, parent id); 0 is the root.
CATEGORIES: dict[int, tuple[str, int]] = {
    1: ("鞋类", 0),
    2: ("服装", 0),
    3: ("箱包", 0),
    11: ("运动鞋", 1),
    12: ("板鞋", 1),
    13: ("篮球鞋", 1),
    21: ("卫衣", 2),
    22: ("T恤", 2),
    31: ("双肩包", 3),
}
_MODELS = {11: "跑步鞋", 12: "板鞋", 13: "篮球鞋", 21: "连帽卫衣", 22: "短袖T恤", 31: "双肩包"}
_SHOE_SIZES = ("40", "40.5", "41", "42", "42.5", "43", "44")
_WEAR_SIZES = ("S", "M", "L", "XL")


@dataclass(frozen=True)
class Spu:
    """One Poizon product of the sandbox."""

    spu_id: int
    brand: str
    category_id: int
    title: str
    article_number: str
    min_price: int

    def json(self) -> dict[str, Any]:
        """As the list answers it (camelCase, price in fen)."""
        return {
            "dwSpuId": self.spu_id,
            "title": self.title,
            "brandName": self.brand,
            "categoryId": self.category_id,
            "categoryName": CATEGORIES[self.category_id][0],
            "articleNumber": self.article_number,
            "logoUrl": f"https://cdn.poizon.com/pro-img/origin-img/{self.spu_id}.jpg",
            "minPrice": self.min_price,
        }


class PoizonCatalogue:
    """The SPUs, sorted by id, with a per-brand index."""

    def __init__(self, seed: int = 1688, size: int = 600) -> None:
        rng = random.Random(seed * 31 + 7)
        ids = sorted(rng.sample(range(1_000_000, 9_000_000), size))
        leaves = sorted(_MODELS)
        self.spus: list[Spu] = []
        for spu_id in ids:
            brand = rng.choice(BRANDS)
            category = rng.choice(leaves)
            series = rng.randrange(1, 99)
            self.spus.append(
                Spu(
                    spu_id=spu_id,
                    brand=brand,
                    category_id=category,
                    title=f"{brand} {_MODELS[category]} {series}代",
                    article_number=f"{brand[:2].upper()}{rng.randrange(1000, 9999)}-{rng.randrange(100, 999)}",
                    min_price=rng.randrange(199, 2999) * 100,
                )
            )
        self.by_id = {s.spu_id: s for s in self.spus}

    def matching(self, brand: str | None, title: str | None) -> list[Spu]:
        """SPUs of ``brand`` (case-insensitive) whose title contains ``title``, in id order."""
        wanted = brand.casefold() if brand else None
        return [
            s
            for s in self.spus
            if (wanted is None or s.brand.casefold() == wanted)
            and (not title or title.casefold() in s.title.casefold())
        ]


_CATALOGUES: dict[int, PoizonCatalogue] = {}


def poizon_catalogue(seed: int) -> PoizonCatalogue:
    """The Poizon catalogue of a seed, built once per process."""
    found = _CATALOGUES.get(seed)
    if found is None:
        found = _CATALOGUES[seed] = PoizonCatalogue(seed)
    return found


def _catalogue(request: web.Request) -> PoizonCatalogue:
    return poizon_catalogue(request.app[STATE_KEY].config.seed)


async def query_list(request: web.Request) -> web.Response:
    """GET /poizon/product/queryList: SPUs after the startId cursor, filtered by brand and title."""
    params = params_of(request)
    spec = PAGING_POIZON
    size = params.integer(spec.size_param, required=True, low=spec.min_size, high=spec.max_size)
    assert size is not None
    start = params.integer(spec.page_param, low=0)
    spus = _catalogue(request).matching(params.text("distBrandName"), params.text("title"))
    # the cursor is the last id seen: start after it (repeat_page: ignore it, a cycle)
    begin = 0 if start is None or repeat_page.get() else bisect.bisect_right([s.spu_id for s in spus], start)
    page = spus[begin : begin + size]
    return ok(encode({"total": len(spus), "spuList": [s.json() for s in page]}))


async def query_detail(request: web.Request) -> web.Response:
    """GET /poizon/product/queryDetail: one SPU with its SKUs (fen)."""
    params = params_of(request)
    spu_id = params.integer("dwSpuId", required=True, low=1)
    spu = _catalogue(request).by_id.get(spu_id or 0)
    if spu is None:
        raise LookupError(f"商品不存在 (no SPU {spu_id})")
    rng = random.Random(spu.spu_id)
    sizes = _SHOE_SIZES if CATEGORIES[spu.category_id][1] == 1 else _WEAR_SIZES
    skus = [
        {
            "dwSkuId": spu.spu_id * 100 + i,
            "properties": f"尺码:{size}",
            "price": spu.min_price + rng.randrange(0, 40) * 100,
            "stock": rng.randrange(0, 50),
        }
        for i, size in enumerate(sizes)
    ]
    data = {**spu.json(), "images": [spu.json()["logoUrl"]], "skus": skus}
    return ok(encode(data))


async def category_get(request: web.Request) -> web.Response:
    """GET /poizon/category/get: the top categories, or one category's children."""
    params = params_of(request)
    parent = params.integer("categoryId", low=0) or 0
    if parent and parent not in CATEGORIES:
        raise BadParams(f"categoryId不存在 (no category {parent})")

    def node(cid: int) -> dict[str, Any]:
        name, up = CATEGORIES[cid]
        children = [node(c) for c, (_, p) in CATEGORIES.items() if p == cid]
        return {"categoryId": cid, "name": name, "parentId": up, "level": 1 if up == 0 else 2, "children": children}

    return ok(encode([node(c) for c, (_, p) in CATEGORIES.items() if p == parent]))


#: Endpoint name -> handler: the routes come from the endpoint table (see ``create_app``).
HANDLERS: dict[str, Handler] = {
    POIZON_SEARCH.name: query_list,
    POIZON_DETAIL.name: query_detail,
    POIZON_CATEGORY.name: category_get,
}
