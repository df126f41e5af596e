"""The sandbox's catalogue endpoints: keyword, image and shop search, detail, upload, categories, freight.

`HANDLERS` maps endpoint names of the SDK's endpoint table to handlers; the app
registers each at the method and path of its row.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import Any

import msgspec
from aiohttp import web

from .. import _constants as C
from .._endpoints import (
    CATEGORY_GET,
    FREIGHT_ESTIMATE,
    IMAGE_SEARCH,
    KEYWORD_SEARCH,
    PRODUCT_DETAIL,
    SHOP_SEARCH,
    UPLOAD_IMAGE,
    UPLOAD_IMAGE_URL,
)
from ..enums import Filter, Sort
from ..resources.products import image_kind
from ._catalogue import (
    CATEGORIES,
    COLORS,
    NOUNS,
    PROVINCES,
    SIZES,
    Offer,
    categories_of,
    image_url,
    lang_index,
    yuan_text,
)
from ._state import SandboxState
from ._wire import STATE_KEY, BadParams, Handler, Params, encode, ok, page_json, params_of, repeat_page


def item_json(offer: Offer, country: str) -> dict[str, Any]:
    """One search result as the service sends it (cached per offer and language)."""
    cached = offer.cache.get(country)
    if cached is None:
        jxhy = yuan_text(max(offer.price_fen - offer.price_fen // 20, 1)) if offer.jxhy else None
        trace = f"object_id@{offer.offer_id}^object_type@offer^trace@sandbox^outMemberId@null"
        cached = offer.cache[country] = {
            "imageUrl": image_url(offer),
            "subject": offer.subject,
            "subjectTrans": offer.subject_trans(country),
            "priceInfo": {
                "price": offer.price,
                "jxhyPrice": jxhy,
                "pfJxhyPrice": jxhy and jxhy.rstrip("0").rstrip("."),
                "consignPrice": offer.price,
            },
            "offerId": offer.offer_id,
            "isJxhy": offer.jxhy,
            "repurchaseRate": f"{offer.repurchase}%",
            "monthSold": offer.month_sold,
            "traceInfo": trace.replace("@", "%40").replace("^", "%5E"),
            "isOnePsale": offer.one_psale,
            "sellerIdentities": list(offer.identities),
        }
    return cached


_FILTERS: dict[str, Callable[[Offer], bool]] = {
    Filter.IS_ONE_PSALE: lambda o: o.one_psale,
    Filter.CERTIFIED_FACTORY: lambda o: "super_factory" in o.identities,
    Filter.JXHY: lambda o: o.jxhy,
    Filter.SHIP_IN_48_HOURS: lambda o: o.ship_48h,
    Filter.SHIP_IN_24_HOURS: lambda o: o.ship_48h and o.offer_id % 2 == 0,
    Filter.NEW_7: lambda o: o.new_days < 7,
    Filter.NEW_30: lambda o: o.new_days < 30,
}

_SORTS: dict[str, Callable[[Offer], Any]] = {
    Sort.PRICE: lambda o: o.price_fen,
    Sort.MONTH_SOLD: lambda o: o.month_sold,
    Sort.REPURCHASE_RATE: lambda o: o.repurchase,
}


def refine(offers: list[Offer], params: Params) -> list[Offer]:
    """Apply filter, price range, category and sort as the service does (unknown filters pass)."""
    filters = [f for f in (params.text("filter") or "").split(",") if f]
    for name in filters:
        test = _FILTERS.get(name)
        if test is not None:
            offers = [o for o in offers if test(o)]
    low = _price_fen(params.text("priceStart"), "priceStart")
    high = _price_fen(params.text("priceEnd"), "priceEnd")
    if low is not None:
        offers = [o for o in offers if o.price_fen >= low]
    if high is not None:
        offers = [o for o in offers if o.price_fen <= high]
    category = params.integer("categoryId")
    if category is not None:
        offers = [
            o for o in offers if o.category_id == category or CATEGORIES.get(o.category_id, ("", "", -1))[2] == category
        ]
    sort_text = params.text("sort")
    if sort_text:
        try:
            sort = msgspec.json.decode(sort_text)
        except msgspec.DecodeError:
            raise BadParams(
                f'sort格式不正确 (sort must be JSON such as {{"price":"asc"}}, got {sort_text!r})'
            ) from None
        if not isinstance(sort, dict):
            raise BadParams("sort格式不正确 (sort must be a JSON object)")
        for field_name, order in reversed(list(sort.items())):
            key = _SORTS.get(field_name)
            if key is not None:
                offers = sorted(offers, key=key, reverse=str(order).lower() == "desc")
    return offers


def _price_fen(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    try:
        return round(float(text) * 100)
    except ValueError:
        raise BadParams(f"{name}格式不正确 (parameter {name} must be a decimal price, got {text!r})") from None


def page_answer(
    state: SandboxState,
    key: tuple[Any, ...],
    offers: list[Offer],
    page: int,
    size: int,
    country: str,
    extra: dict[str, Any] | None = None,
) -> web.Response:
    """Answer one page of a result list, from the cache of encoded pages when possible."""

    def build() -> bytes:
        total = min(len(offers), state.config.result_cap)
        start = (page - 1) * size
        items = [item_json(o, country) for o in offers[start : min(start + size, total)]]
        return encode(page_json(items, page, size, total, extra))

    return ok(state.bodies.get_or((key, page, size, country), build))


def _effective_page(request: web.Request, page: int) -> int:
    return 1 if repeat_page.get() else page


async def keyword_query(request: web.Request) -> web.Response:
    state, params = request.app[STATE_KEY], params_of(request)
    page, size = params.paging()
    country = params.text("country", required=True)
    keyword = params.text("keyword")
    category = params.integer("categoryId")
    if not keyword and category is None:
        raise BadParams("keyword不能为空 (parameter keyword is required)")
    key = ("kw", keyword, *(params.text(n) for n in ("filter", "sort", "priceStart", "priceEnd", "categoryId")))

    def compute() -> list[Offer]:
        if keyword in state.scenarios:
            base = state.catalogue.sample("scenario:" + keyword, state.scenarios[keyword])
        elif keyword:
            base = state.catalogue.keyword_matches(keyword)
        else:
            base = list(state.catalogue.offers)
        return refine(base, params)

    offers = state.results.get_or(key, compute)
    return page_answer(state, key, offers, _effective_page(request, page), size, country or "en")


def _is_1688_image(url: str) -> bool:
    host = url.split("//", 1)[-1].split("/", 1)[0].lower()
    return host.endswith(("alicdn.com", "1688.com"))


async def image_query(request: web.Request) -> web.Response:
    state, params = request.app[STATE_KEY], params_of(request)
    page, size = params.paging()
    country = params.text("country", required=True)
    image_id = params.text("imageId")
    url = params.text("imageUrl") or params.text("imageAddress")
    if image_id:  # the service: imageId wins when both are given
        if image_id not in state.uploads and not image_id.isdigit():
            raise BadParams(f"imageId不存在 (unknown imageId {image_id!r})")
        state.check_image_id(image_id)
        source = "id:" + image_id
        known = True
    elif url:
        source = "url:" + url
        known = _is_1688_image(url)
    else:
        raise BadParams("imageUrl和imageId不能同时为空 (imageUrl, imageAddress or imageId is required)")
    region = params.text("region")
    if region is not None:
        parts = region.split(",")
        if len(parts) != 4 or not all(p.strip().lstrip("-").isdigit() for p in parts):
            raise BadParams(f"region格式不正确 (region must be 'x1,x2,y1,y2', got {region!r})")
    keyword = params.text("keyword")
    key = (
        "img",
        source,
        region,
        keyword,
        *(params.text(n) for n in ("filter", "sort", "priceStart", "priceEnd", "categoryId")),
    )

    def compute() -> list[Offer]:
        if not known:
            return []  # "only 1688 image links are supported": other hosts find nothing here
        digest = int.from_bytes(hashlib.sha256(source.encode()).digest()[:4], "big")
        offers = state.catalogue.sample(f"{source}|{region}", 40 + digest % 700)
        if keyword:
            offers = [o for o in offers if keyword in o.subject]
        return refine(offers, params)

    offers = state.results.get_or(key, compute)
    boxes = "0,799,0,799;112,560,40,620;300,780,420,799"
    extra = {"picRegionInfo": {"currentRegion": region or "0,799,0,799", "yoloCropRegion": boxes}}
    return page_answer(state, key, offers, _effective_page(request, page), size, country or "en", extra)


async def shop_query(request: web.Request) -> web.Response:
    state, params = request.app[STATE_KEY], params_of(request)
    page, size = params.paging()
    country = params.text("country", required=True)
    seller = params.text("sellerOpenId", required=True)
    assert seller is not None
    keyword = params.text("keyword")
    key = (
        "shop",
        seller,
        keyword,
        *(params.text(n) for n in ("filter", "sort", "priceStart", "priceEnd", "categoryId")),
    )

    def compute() -> list[Offer]:
        offers = list(state.catalogue.by_seller.get(seller, []))
        if keyword:
            offers = [o for o in offers if keyword in o.subject]
        return refine(offers, params)

    offers = state.results.get_or(key, compute)
    return page_answer(
        state, key, offers, _effective_page(request, page), size, country or "en", {"sellerOpenId": seller}
    )


# --------------------------------------------------------------------------- detail, upload, categories, freight


def offer_of(state: SandboxState, params: Params) -> Offer:
    """The catalogue offer named by the request's `offerId` (a 404 when there is none)."""
    offer_id = params.integer("offerId", required=True, low=1)
    offer = state.catalogue.by_id.get(offer_id or 0)
    if offer is None:
        raise LookupError(f"记录不存在 (no offer {offer_id})")
    return offer


def detail_json(state: SandboxState, offer: Offer, country: str) -> dict[str, Any]:
    """The ProductDetailModel of one offer, generated deterministically from its id."""
    rng = state.catalogue.detail_rng(offer)
    i = lang_index(country)
    colors = rng.sample(COLORS, rng.randint(1, 4))
    sizes = SIZES[: rng.randint(1, len(SIZES))] if NOUNS[offer.noun][1] in (10166, 10165) else ()
    skus = []
    for color_zh, color_en in colors:
        for size in sizes or (None,):
            sku_id = rng.randrange(4_000_000_000_000, 6_000_000_000_000)
            attributes = [
                {
                    "attributeId": 3216,
                    "attributeName": "颜色",
                    "attributeNameTrans": "Color" if i == 0 else "颜色",
                    "value": color_zh,
                    "valueTrans": color_en,
                    "skuImageUrl": image_url(offer),
                }
            ]
            if size is not None:
                attributes.append(
                    {
                        "attributeId": 450,
                        "attributeName": "尺码",
                        "attributeNameTrans": "Size",
                        "value": size,
                        "valueTrans": size,
                        "skuImageUrl": None,
                    }
                )
            price = yuan_text(offer.price_fen + rng.randrange(0, 300))
            skus.append(
                {
                    "skuId": sku_id,
                    "specId": hashlib.md5(f"{offer.offer_id}:{sku_id}".encode()).hexdigest(),
                    "amountOnSale": rng.randrange(0, 20000),
                    "price": price,
                    "consignPrice": price,
                    "promotionPrice": None,
                    "skuAttributes": attributes,
                }
            )
    category = CATEGORIES.get(offer.category_id, ("", "", 0))
    steps = sorted(rng.sample(range(2, 500), 2))
    return {
        "offerId": offer.offer_id,
        "categoryId": offer.category_id,
        "categoryName": category[0],
        "subject": offer.subject,
        "subjectTrans": offer.subject_trans(country),
        "description": f'<div><p>{offer.subject}</p><img src="{image_url(offer)}"/></div>',
        "mainVideo": None,
        "productImage": {
            "images": [image_url(offer)] + [image_url(offer).replace("-0-", f"-{n}-") for n in range(1, 5)],
            "whiteImage": None,
        },
        "productAttribute": [
            {
                "attributeId": "2176",
                "attributeName": "品牌",
                "attributeNameTrans": "Brand",
                "value": "其他",
                "valueTrans": "Other",
            },
            {
                "attributeId": "1398",
                "attributeName": "货号",
                "attributeNameTrans": "Item number",
                "value": str(offer.suffix),
                "valueTrans": str(offer.suffix),
            },
        ],
        "productSkuInfos": skus,
        "productSaleInfo": {
            "amountOnSale": sum(s["amountOnSale"] for s in skus),
            "priceRangeList": [
                {"startQuantity": 1, "price": offer.price, "promotionPrice": None},
                {"startQuantity": steps[0], "price": yuan_text(offer.price_fen * 95 // 100), "promotionPrice": None},
                {"startQuantity": steps[1], "price": yuan_text(offer.price_fen * 90 // 100), "promotionPrice": None},
            ],
            "quoteType": 1,
            "unitInfo": {"unit": "件", "transUnit": "piece"},
        },
        "productShippingInfo": {
            "sendGoodsAddressText": PROVINCES[offer.seller % len(PROVINCES)],
            "weight": round(0.1 + rng.random() * 2, 2),
            "width": rng.randrange(5, 60),
            "height": rng.randrange(2, 40),
            "length": rng.randrange(5, 60),
            "skuShippingDetails": [],
        },
        "sellerOpenId": offer.seller_open_id,
        "minOrderQuantity": 1 if offer.one_psale else 2,
        "status": "published",
        "tagInfoList": [{"key": "isOnePsale", "value": offer.one_psale}, {"key": "isSupportMix", "value": True}],
        "sellerDataInfo": {
            "tradeMedalLevel": str(rng.randint(1, 5)),
            "compositeServiceScore": f"{3 + rng.random() * 2:.1f}",
            "repeatPurchasePercent": f"{offer.repurchase / 100:.2f}",
        },
        "soldOut": str(offer.month_sold * 7),
        "tradeScore": f"{3 + rng.random() * 2:.1f}",
        "offerIdentities": ["yx"] if offer.jxhy else [],
        "isJxhy": offer.jxhy,
    }


async def product_detail(request: web.Request) -> web.Response:
    state, params = request.app[STATE_KEY], params_of(request)
    country = params.text("country", required=True) or "en"
    offer = offer_of(state, params)
    body = state.bodies.get_or(("detail", offer.offer_id, country), lambda: encode(detail_json(state, offer, country)))
    return ok(body)


def image_id_for(raw: bytes) -> str:
    """The id an uploaded image gets: 19 digits derived from its content."""
    return str(int.from_bytes(hashlib.sha256(raw).digest()[:8], "big") % 9_000_000_000_000_000_000 + 10**18)


async def upload_image(request: web.Request) -> web.Response:
    state, params = request.app[STATE_KEY], params_of(request)
    if request.method == "GET":
        # "Image upload By Get": pic_url only, as the Taobao upload page says of its GET mode
        if params.text("image_base64") is not None:
            raise BadParams("GET方式只支持pic_url (the GET mode takes only pic_url)")
        url = params.text("pic_url", required=True)
        assert url is not None
        if not url.startswith(("http://", "https://")):
            raise BadParams("pic_url格式不正确 (pic_url must be an http(s) URL)")
        # any host: the sandbox never fetches the picture, its id derives from the URL
        image_id = image_id_for(url.encode())
        _stored(state, image_id, hashlib.sha256(url.encode()).digest())
        return ok(encode({"imageId": image_id}))
    text = params.text("image_base64", required=True)
    assert text is not None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadParams("image_base64格式不正确 (image_base64 is not base64)") from None
    if len(raw) > C.MAX_IMAGE_BYTES:
        raise BadParams("图片不能超过3M (image larger than 3 MB)")
    if image_kind(raw) is None:
        raise BadParams("图片格式不支持 (only JPG, PNG and WEBP images are accepted)")
    image_id = image_id_for(raw)
    _stored(state, image_id, hashlib.sha256(raw).digest())
    return ok(encode({"imageId": image_id}))


def _stored(state: SandboxState, image_id: str, digest: bytes) -> None:
    """Keep an upload (a re-upload revives an expired id) and count it."""
    state.uploads[image_id] = digest
    state.expired_uploads.discard(image_id)
    state.upload_count += 1


async def category_get(request: web.Request) -> web.Response:
    params = params_of(request)
    category_id = params.integer("categoryID", required=True, low=0)
    if category_id not in CATEGORIES:
        raise LookupError(f"记录不存在 (no category {category_id})")
    zh, _, parent = CATEGORIES[category_id]
    parents = []
    while parent > 0:
        parents.append(parent)
        parent = CATEGORIES[parent][2]
    children = categories_of(category_id)
    data = [
        {
            "categoryID": category_id,
            "name": zh,
            "level": len(parents) + (1 if category_id else 0),
            "isLeaf": not children,
            "parentIDs": parents or [0],
            "childCategorys": [
                {"id": c, "name": CATEGORIES[c][0], "categoryType": "1", "isLeaf": not categories_of(c)}
                for c in children
            ],
        }
    ]
    return ok(encode(data))


async def freight_estimate(request: web.Request) -> web.Response:
    state, params = request.app[STATE_KEY], params_of(request)
    offer = offer_of(state, params)
    for name in ("toProvinceCode", "toCityCode", "toCountryCode"):
        params.text(name, required=True)
    total = params.integer("totalNum", required=True, low=1)
    assert total is not None
    rng = state.catalogue.detail_rng(offer)
    weight = round(0.1 + rng.random() * 2, 2)
    first_fee, next_fee = 500 + offer.seller % 5 * 100, 200 + offer.seller % 3 * 100
    remote = params.text("toProvinceCode") in ("540000", "650000")  # Tibet, Xinjiang
    extra_units = max(0, int(weight * total + 0.999) - 1)
    fen = (first_fee + next_fee * extra_units) * (3 if remote else 1)
    free = offer.price_fen * total >= 50000 and not remote
    skus = params.values.get("logisticsSkuNumModels") or []
    data = {
        "offerId": offer.offer_id,
        "freight": "0.00" if free else yuan_text(fen),
        "templateId": 10_000 + offer.seller,
        "singleProductWeight": weight,
        "templateType": 1,
        "templateName": "默认运费模板",
        "subTemplateType": 0,
        "subTemplateName": "快递",
        "firstFee": yuan_text(first_fee),
        "firstUnit": "1",
        "nextFee": yuan_text(next_fee),
        "nextUnit": "1",
        "discount": "1",
        "chargeType": "weight",
        "freePostage": free,
        "productFreightSkuInfoModels": [
            # the request's skuId is a string (zh api-218256628); the answer's, as 1688 numbers it
            {"skuId": int(s["skuId"]) if str(s.get("skuId")).isdigit() else s.get("skuId"), "singleSkuWeight": weight}
            for s in skus
            if isinstance(s, dict)
        ],
        "sizeValueType": "1",
    }
    return ok(encode(data))


#: Endpoint name -> handler: the routes come from the endpoint table (see `create_app`).
HANDLERS: dict[str, Handler] = {
    KEYWORD_SEARCH.name: keyword_query,
    IMAGE_SEARCH.name: image_query,
    SHOP_SEARCH.name: shop_query,
    PRODUCT_DETAIL.name: product_detail,
    UPLOAD_IMAGE.name: upload_image,
    UPLOAD_IMAGE_URL.name: upload_image,
    CATEGORY_GET.name: category_get,
    FREIGHT_ESTIMATE.name: freight_estimate,
}
