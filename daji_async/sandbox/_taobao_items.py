"""The sandbox's Taobao/Tmall item endpoints: searches, detail (by id or share link), hot lists,
bunker and freight (split from `_taobao`, which registers them with the purchase orders).

Items are the catalogue's offers seen through Taobao: the same Chinese titles, 12-digit
`item_id` ints, prices as ints in fen, a `shop_id` per seller.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import msgspec
from aiohttp import web

from .. import _constants as C
from .._endpoints import PAGING_TAOBAO, PAGING_TAOBAO_IMAGE, PagingSpec
from ._catalogue import COLORS, SIZES, Offer
from ._state import SandboxState
from ._wire import STATE_KEY, BadParams, Params, encode, ok, params_of, repeat_page

#: Shops are the catalogue's sellers, numbered from here.
SHOP_BASE = 100_000
#: The bunker's `mpId` of an item is its id plus this (16 digits, like the wiki's example).
MP_BASE = 2_000_000_000_000_000
#: Image search V2.0's documented `categoryId` values.
IMAGE_CATEGORIES = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22, 88888888})

# --------------------------------------------------------------------------- items


def item_json(offer: Offer) -> dict[str, Any]:
    """One search result as the sandbox's Taobao sends it (snake_case, prices in fen)."""
    return {
        "item_id": offer.offer_id,
        "title": offer.subject,
        "main_image_url": f"https://img.alicdn.com/imgextra/i1/{offer.seller}/O1CN01{offer.image_key}.jpg",
        "price": offer.price_fen,
        "promotion_price": offer.price_fen * 9 // 10 if offer.jxhy else None,
        "shop_id": SHOP_BASE + offer.seller,
        "shop_name": f"沙盒{offer.seller}号店",
        "category_id": offer.category_id,
        "sales": offer.month_sold,
        "is_tmall": "super_factory" in offer.identities,
    }


def _paging(params: Params, spec: PagingSpec) -> tuple[int, int]:
    """The page and size asked for, checked against the row's spec (the first page under `repeat_page`)."""
    page, size = params.paging(spec)
    assert isinstance(spec.first_page, int)
    return (spec.first_page if repeat_page.get() else page), size


def _slice(state: SandboxState, offers: list[Offer], page: int, size: int, spec: PagingSpec) -> tuple[list[Any], int]:
    """Page `page` (numbered as `spec` numbers them) of `offers` as Taobao items, and the capped total."""
    assert isinstance(spec.first_page, int)
    total = min(len(offers), state.config.result_cap)
    start = (page - spec.first_page) * size
    return [item_json(o) for o in offers[start : min(start + size, total)]], total


def _search_answer(state: SandboxState, offers: list[Offer], params: Params) -> web.Response:
    page, size = _paging(params, PAGING_TAOBAO)
    items, total = _slice(state, offers, page, size, PAGING_TAOBAO)
    return ok(encode({"page_no": page, "page_size": size, "total_count": total, "data": items}))


def _sort(offers: list[Offer], sort: str | None) -> list[Offer]:
    if sort in ("price_asc", "price_desc"):
        return sorted(offers, key=lambda o: o.price_fen, reverse=sort == "price_desc")
    if sort == "sales_desc":
        return sorted(offers, key=lambda o: o.month_sold, reverse=True)
    return offers  # other values pass, as the service lets unknown sorts through


async def keyword_search(request: web.Request) -> web.Response:
    """GET /taobao/traffic/item/search: the offers a keyword names, paged by page_no/page_size."""
    state, params = request.app[STATE_KEY], params_of(request)
    keyword = params.text("keyword", required=True)
    assert keyword is not None
    offers = state.results.get_or(("tb-kw", keyword), lambda: state.catalogue.keyword_matches(keyword))
    return _search_answer(state, _sort(offers, params.text("sort")), params)


def _image_offers(state: SandboxState, source: str) -> list[Offer]:
    digest = int.from_bytes(hashlib.sha256(source.encode()).digest()[:4], "big")
    offers: list[Offer] = state.results.get_or(
        ("tb-img", source), lambda: state.catalogue.sample(source, 40 + digest % 300)
    )
    return offers


async def image_search(request: web.Request) -> web.Response:
    """GET /taobao/traffic/item/imgsearch (V1.0): a stable selection for an uploaded image id."""
    state, params = request.app[STATE_KEY], params_of(request)
    image_id = params.text("image_id", required=True)
    assert image_id is not None
    if image_id not in state.uploads and not image_id.isdigit():
        raise BadParams(f"image_id不存在 (unknown image_id {image_id!r})")
    state.check_image_id(image_id)
    return _search_answer(state, _image_offers(state, "tb-id:" + image_id), params)


async def image_search_url(request: web.Request) -> web.Response:
    """GET /taobao/image-search/url (V2.0): a stable selection for a picture URL, pageNo from 0."""
    state, params = request.app[STATE_KEY], params_of(request)
    url = params.text("picUrl", required=True)
    assert url is not None
    if not url.startswith(("http://", "https://")):
        raise BadParams("picUrl格式不正确 (picUrl must be an http(s) URL)")
    category = params.integer("categoryId")
    if category is not None and category not in IMAGE_CATEGORIES:
        raise BadParams(f"categoryId不支持 (categoryId {category} is not one of the documented values)")
    crop = params.text("crop")
    if crop not in (None, "true", "false"):
        raise BadParams(f"crop格式不正确 (crop must be true or false, got {crop!r})")
    page, size = _paging(params, PAGING_TAOBAO_IMAGE)
    if page > C.TAOBAO_IMAGE_MAX_PAGE_NO:
        raise BadParams(f"pageNo超出范围 (pageNo must be 0..{C.TAOBAO_IMAGE_MAX_PAGE_NO})")
    offers = _image_offers(state, f"tb-url:{url}|{category}|{crop}")
    items, total = _slice(state, offers, page, size, PAGING_TAOBAO_IMAGE)
    return ok(encode({"pageNo": page, "pageSize": size, "total": total, "data": items}))


async def shop_search(request: web.Request) -> web.Response:
    """GET /taobao/traffic/item/shop/search: one shop's items (the catalogue's seller)."""
    state, params = request.app[STATE_KEY], params_of(request)
    shop_id = params.integer("shop_id", required=True, low=1)
    assert shop_id is not None
    keyword = params.text("keyword")
    seller = shop_id - SHOP_BASE
    offers = [o for o in state.catalogue.offers if o.seller == seller and (not keyword or keyword in o.subject)]
    return _search_answer(state, offers, params)


def item_of(state: SandboxState, params: Params, name: str = "item_id") -> Offer:
    """The catalogue offer a Taobao `item_id` names (404 when none)."""
    item_id = params.integer(name, required=True, low=1)
    offer = state.catalogue.by_id.get(item_id or 0)
    if offer is None:
        raise LookupError(f"商品不存在 (no item {item_id})")
    return offer


def skus_of(state: SandboxState, offer: Offer) -> list[dict[str, Any]]:
    """An item's SKUs, generated deterministically (sku ids 13 digits, prices in fen)."""
    rng = state.catalogue.detail_rng(offer)
    skus = []
    for color_zh, _ in rng.sample(COLORS, rng.randint(1, 3)):
        for size in SIZES[: rng.randint(1, 3)]:
            skus.append(
                {
                    "sku_id": rng.randrange(3_000_000_000_000, 6_000_000_000_000),
                    "price": offer.price_fen + rng.randrange(0, 300),
                    "quantity": rng.randrange(0, 5000),
                    "properties": f"颜色:{color_zh};尺码:{size}",
                }
            )
    return skus


async def detail(request: web.Request) -> web.Response:
    """GET /taobao/traffic/item/get: an item with its SKUs (fen)."""
    state, params = request.app[STATE_KEY], params_of(request)
    offer = item_of(state, params)
    return ok(encode(_detail_json(state, offer)))


def _detail_json(state: SandboxState, offer: Offer) -> dict[str, Any]:
    skus = skus_of(state, offer)
    return {
        **item_json(offer),
        "pic_urls": [item_json(offer)["main_image_url"]],
        "quantity": sum(s["quantity"] for s in skus),
        "description": f"<p>{offer.subject}</p>",
        "skus": skus,
    }


async def detail_by_link(request: web.Request) -> web.Response:
    """GET (inferred path): an item by a share link ending in its id (`https://m.tb.cn/h.<id>`)."""
    state, params = request.app[STATE_KEY], params_of(request)
    link = params.text("short_link", required=True)
    assert link is not None
    digits = re.search(r"(\d{6,19})\D*$", link)
    offer = state.catalogue.by_id.get(int(digits.group(1))) if digits else None
    if offer is None:
        raise LookupError(f"商品不存在 (no item behind {link[:80]!r})")
    return ok(encode(_detail_json(state, offer)))


#: The sandbox's hot lists (榜单): theme id -> (name, theme type).
THEMES = {101: ("热销榜", "hot"), 102: ("好价榜", "goodPrice"), 103: ("新品榜", "new")}


async def hot_list_types(request: web.Request) -> web.Response:
    """GET /taobao/traffic/getThemeDimList (inferred): the hot lists, optionally of one themeType."""
    wanted = params_of(request).text("themeType")
    themes = [
        {"theme_id": tid, "name": name, "theme_type": kind}
        for tid, (name, kind) in THEMES.items()
        if wanted is None or kind == wanted
    ]
    return ok(encode(themes))


async def hot_list_products(request: web.Request) -> web.Response:
    """GET /taobao/traffic/getThemeDetail (inferred): one hot list's items, paged like the searches."""
    state, params = request.app[STATE_KEY], params_of(request)
    theme = params.integer("themeId", required=True, low=1)
    if theme not in THEMES:
        raise BadParams(f"themeId不存在 (no hot list {theme})")
    assert theme is not None
    offers = sorted(state.catalogue.by_id.values(), key=lambda o: (o.month_sold * theme) % 1009, reverse=True)
    return _search_answer(state, offers, params)


async def bunker(request: web.Request) -> web.Response:
    """GET /taobao/product/get: the item's distribution ids (mpId, mpSkuid), as the wiki's bunker answers."""
    state, params = request.app[STATE_KEY], params_of(request)
    offer = item_of(state, params)
    skus = skus_of(state, offer)
    data = {
        "itemType": "HAVE_MATERIAL" if offer.one_psale else "WITHOUT_MATERIAL",
        "quantity": sum(s["quantity"] for s in skus),
        "skuList": [
            {"mpId": MP_BASE + offer.offer_id, "mpSkuid": s["sku_id"], "skuId": s["sku_id"], "quantity": s["quantity"]}
            for s in skus
        ],
    }
    return ok(encode(data))


async def logistics_price(request: web.Request) -> web.Response:
    """GET /taobao/traffic/item/logisticPrice/get: domestic freight in fen (free from 99 yuan, remote x3)."""
    state, params = request.app[STATE_KEY], params_of(request)
    offer = item_of(state, params)
    quantity = params.integer("quantity", low=1) or 1
    raw = params.text("address_info", required=True)  # one JSON string (a client's copy of the doc example)
    try:
        address = msgspec.json.decode(raw or "")
    except msgspec.DecodeError:
        raise BadParams("address_info格式不正确 (address_info must be a JSON object encoded as a string)") from None
    if not isinstance(address, dict):
        raise BadParams("address_info格式不正确 (address_info must be a JSON object encoded as a string)")
    remote = address.get("state") in ("西藏自治区", "新疆维吾尔自治区")
    free = offer.price_fen * quantity >= 9900 and not remote
    fee = 0 if free else (600 + 200 * (quantity - 1)) * (3 if remote else 1)
    data = {
        "item_id": offer.offer_id,
        "sku_id": params.integer("sku_id"),
        "quantity": quantity,
        "post_fee": fee,
        "free_shipping": fee == 0,
    }
    return ok(encode(data))
