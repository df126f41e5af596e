"""The sandbox's Poizon (得物) endpoints: product list (`startId` cursor), detail, categories,
create & pay, order query and balance.

A small seeded catalogue of sneakers and streetwear SPUs, sorted by `dwSpuId`, and a few
dresses, phone cases and earphones titled like the 1688 and Taobao items (`连衣裙`,
`手机壳`, `耳机`), so that one keyword finds offers on every platform. The list
pages with a cursor: without `startId` it starts at the first SPU; with one it answers
the SPUs whose id is greater (the cursor is the last id seen), `pageSize` at most 50.
`data` is `{total, spuList[]}` with the names public clients read (`distSpuTitle`,
`authPrice`, `distCategoryl1Name`...); prices are ints in fen.

Orders (en api-456883163): create pays at once from a prepaid balance
(`state.extensions["poizon"]`, `INITIAL_BALANCE` fen until reset) and is idempotent on
`requestId`; a price below the SKU's lowest bid or a balance too small is refused in
Poizon's envelope `{code, msg, data, status}` (HTTP 200). Lost answers
(`orders_store(state).lose_answer(path)`) work on create as on the other money calls.

`HANDLERS` maps endpoint names to handlers; the app registers each at its row's path.
"""

from __future__ import annotations

import bisect
import random
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .._endpoints import (
    PAGING_POIZON,
    POIZON_BALANCE,
    POIZON_CATEGORY,
    POIZON_DETAIL,
    POIZON_ORDER_CREATE,
    POIZON_ORDER_GET,
    POIZON_SEARCH,
)
from ._orders_store import orders_store
from ._state import SandboxState
from ._wire import STATE_KEY, BadParams, Dropped, Handler, encode, ok, params_of, repeat_page

__all__ = [
    "BRANDS",
    "CATEGORIES",
    "HANDLERS",
    "INITIAL_BALANCE",
    "PoizonCatalogue",
    "PoizonStore",
    "poizon_catalogue",
    "poizon_store",
]

#: The prepaid balance of a fresh sandbox, in fen (10,000.00 yuan).
INITIAL_BALANCE = 1_000_000
#: `state.extensions` key of the Poizon orders and balance.
EXTENSION = "poizon"

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
    4: ("数码", 0),
    23: ("连衣裙", 2),
    41: ("手机壳", 4),
    42: ("耳机", 4),
}
_MODELS = {11: "跑步鞋", 12: "板鞋", 13: "篮球鞋", 21: "连帽卫衣", 22: "短袖T恤", 31: "双肩包"}
#: SPUs named like the 1688 and Taobao catalogues' products (连衣裙, 手机壳...), so that one Chinese
#: keyword finds offers on all three platforms: category -> (their brands, how many, title words).
_SHARED: dict[int, tuple[tuple[str, ...], int, str]] = {
    23: (("UR", "MO&Co.", "太平鸟"), 30, "连衣裙"),
    41: (("CASETiFY", "犀牛盾", "Apple"), 30, "手机壳"),
    42: (("Sony", "漫步者"), 20, "耳机"),
}
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
        """As the list answers it, in the names public clients read (price in fen)."""
        parent = CATEGORIES[self.category_id][1]
        image = f"https://cdn.poizon.com/pro-img/origin-img/{self.spu_id}.jpg"
        return {
            "dwSpuId": self.spu_id,
            "distSpuTitle": self.title,
            "dwSpuTitle": self.title,
            "distBrandName": self.brand,
            "authPrice": self.min_price,
            "image": image,
            "baseImage": [image],
            "distCategoryl1Name": CATEGORIES[parent][0] if parent else CATEGORIES[self.category_id][0],
            "distCategoryl2Name": CATEGORIES[self.category_id][0],
            "distCategoryl3Name": None,
            "sales": self.spu_id % 997,
            "articleNumber": self.article_number,
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
        # after every other SPU (ids from 9,000,000), from a generator of their own: the SPUs above
        # stay what they were; prices in whole fen (not whole yuan), so conversions are exercised
        shared = random.Random(seed * 31 + 11)
        extra_ids = iter(sorted(shared.sample(range(9_000_000, 9_999_999), sum(n for _, n, _ in _SHARED.values()))))
        for category, (brands, count, noun) in _SHARED.items():
            for _ in range(count):
                brand = shared.choice(brands)
                self.spus.append(
                    Spu(
                        spu_id=next(extra_ids),
                        brand=brand,
                        category_id=category,
                        title=f"{brand} {noun} {shared.randrange(1, 99)}款",
                        article_number=f"{shared.randrange(1000, 9999)}-{shared.randrange(100, 999)}",
                        min_price=shared.randrange(2_990, 89_900),
                    )
                )
        self.spus.sort(key=lambda s: s.spu_id)
        self.by_id = {s.spu_id: s for s in self.spus}

    def matching(self, brand: str | None, title: str | None) -> list[Spu]:
        """SPUs of `brand` (case-insensitive) whose title contains `title`, in id order."""
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
    title = params.text("distSpuTitle") or params.text("dwSpuTitle")
    spus = _catalogue(request).matching(params.text("distBrandName"), title)
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
    data = {**spu.json(), "sizeChart": None, "skuList": skus_of(spu)}
    return ok(encode(data))


def skus_of(spu: Spu) -> list[dict[str, Any]]:
    """The SKUs of an SPU as the detail answers them (`minBidPrice` in fen, `saleAttr`)."""
    rng = random.Random(spu.spu_id)
    sizes = _SHOE_SIZES if CATEGORIES[spu.category_id][1] == 1 else _WEAR_SIZES
    return [
        {
            "dwSkuId": spu.spu_id * 100 + i,
            "distSkuId": f"d{spu.spu_id}-{i}",
            "minBidPrice": spu.min_price + rng.randrange(0, 40) * 100,
            "barcode": f"69{spu.spu_id:08d}{i:02d}",
            "skuLink": f"https://www.dewu.com/product-detail.html?spuId={spu.spu_id}&skuId={spu.spu_id * 100 + i}",
            "saleAttr": [{"cnName": "尺码", "enName": "Size", "cnValue": size, "enValue": size, "level": 1}],
        }
        for i, size in enumerate(sizes)
    ]


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


# --------------------------------------------------------------------------- orders and balance


@dataclass
class PoizonStore:
    """The prepaid balance (fen) and every order of one sandbox (until reset)."""

    balance: int = INITIAL_BALANCE
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the requestId of every create call, in arrival order (repeats included)
    create_calls: list[str] = field(default_factory=list)


def poizon_store(state: SandboxState) -> PoizonStore:
    """The Poizon store of a sandbox state (created on first use, dropped by `reset`)."""
    store = state.extensions.get(EXTENSION)
    if not isinstance(store, PoizonStore):
        store = state.extensions[EXTENSION] = PoizonStore()
    return store


def poizon_answer(data: Any, *, code: int = 200, msg: str = "success") -> web.Response:
    """Poizon's envelope, as en api-456883163 shows it: `{code, msg, data, status}` (no traceId)."""
    body = {"code": code, "msg": msg, "data": data, "status": code}
    return web.Response(body=encode(body), content_type="application/json")


def _id_text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.isdigit():
        raise BadParams(f"{name}格式不正确 ({name} must be a string of digits, got {value!r})")
    return value


async def create_order(request: web.Request) -> web.Response:
    """POST /poizon/order/createOrder: create and pay from the balance, idempotent on requestId."""
    state, params = request.app[STATE_KEY], params_of(request)
    store = poizon_store(state)
    request_id = params.text("requestId", required=True)
    assert request_id is not None
    address = params.values.get("shippingAddress")
    if not isinstance(address, dict):
        raise BadParams("shippingAddress不能为空 (shippingAddress must be an object)")
    for key in ("name", "phone", "province", "city", "district", "detailAddress"):
        if not address.get(key):
            raise BadParams(f"shippingAddress.{key}不能为空 (shippingAddress.{key} is required)")
    product = params.values.get("product")
    if not isinstance(product, dict):
        raise BadParams("product不能为空 (product must be an object)")
    spu_id = int(_id_text(product.get("dwSpuId"), "product.dwSpuId"))
    sku_id = _id_text(product.get("dwSkuId"), "product.dwSkuId")
    quantity, price = product.get("quantity"), product.get("price")
    for name, value in (("quantity", quantity), ("price", price)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise BadParams(f"product.{name}格式不正确 (product.{name} must be a positive integer)")
    assert isinstance(quantity, int) and isinstance(price, int)
    store.create_calls.append(request_id)
    existing = store.orders.get(request_id)
    if existing is not None:  # the same requestId again: the same order, never a second payment
        return await _respond(request, existing)
    spu = _catalogue(request).by_id.get(spu_id)
    sku = next((s for s in skus_of(spu) if str(s["dwSkuId"]) == sku_id), None) if spu else None
    if sku is None:
        return poizon_answer(None, code=500, msg=f"商品不存在 (no SKU {sku_id} of SPU {spu_id})")
    if price < sku["minBidPrice"]:
        return poizon_answer(
            None, code=500, msg=f"价格已变动 (price {price} is below the lowest bid {sku['minBidPrice']} fen)"
        )
    total = price * quantity
    if total > store.balance:
        return poizon_answer(None, code=500, msg=f"余额不足 (insufficient balance: {store.balance} fen < {total} fen)")
    store.balance -= total
    now = int(time.time() * 1000)
    number = f"OA{len(store.orders) + 835379:08d}"
    order = {
        "requestId": request_id,
        "customerOrderNo": number,
        "distOrderNo": f"913033-{number}",
        "orderItems": [
            {
                "distSubOrderNo": f"913033-{number}-1",
                "orderStatus": "PAID",
                "distSkuId": product.get("distSkuId") or sku["distSkuId"],
                "dwSkuId": sku_id,
                "quantity": quantity,
                "createTime": now,
                "modifyTime": now,
                "realPayAmount": f"{total // 100}.{total % 100:02d}",
                "currency": "CNY",
            }
        ],
    }
    store.orders[request_id] = order
    return await _respond(request, order)


async def _respond(request: web.Request, order: dict[str, Any]) -> web.Response:
    """Answer create, unless a lost answer was asked for (after acting on the call)."""
    store = orders_store(request.app[STATE_KEY])
    for lost in store.lost_answers:
        if lost.path != request.path or (lost.times is not None and lost.hits >= lost.times):
            continue
        lost.hits += 1
        if request.transport is not None:
            request.transport.close()
        raise Dropped
    return poizon_answer(order)


async def query_order(request: web.Request) -> web.Response:
    """POST /poizon/order/queryOrderInfo (path inferred): an order by requestId or distOrderNo."""
    store = poizon_store(request.app[STATE_KEY])
    params = params_of(request)
    request_id, number = params.text("requestId"), params.text("distOrderNo")
    if not request_id and not number:
        raise BadParams("requestId和distOrderNo不能同时为空 (requestId or distOrderNo is required)")
    found = store.orders.get(request_id or "") or next(
        (o for o in store.orders.values() if number and o["distOrderNo"] == number), None
    )
    if found is None:
        return poizon_answer(None, code=500, msg="订单不存在 (no such order)")
    return poizon_answer(found)


async def query_balance(request: web.Request) -> web.Response:
    """GET /poizon/order/queryBalance (path inferred): the prepaid balance, as yuan text."""
    balance = poizon_store(request.app[STATE_KEY]).balance
    return poizon_answer({"balance": f"{balance // 100}.{balance % 100:02d}", "currency": "CNY"})


#: Endpoint name -> handler: the routes come from the endpoint table (see `create_app`).
HANDLERS: dict[str, Handler] = {
    POIZON_SEARCH.name: query_list,
    POIZON_DETAIL.name: query_detail,
    POIZON_CATEGORY.name: category_get,
    POIZON_ORDER_CREATE.name: create_order,
    POIZON_ORDER_GET.name: query_order,
    POIZON_BALANCE.name: query_balance,
}
