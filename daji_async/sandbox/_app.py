"""The sandbox's aiohttp application: the service's endpoints, its auth, faults and controls."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any

import msgspec
from aiohttp import web

from .. import _constants as C
from .._protocol import canonical_pairs, sign, total_pages
from ..resources.products import MAX_IMAGE_BYTES, image_kind
from ._catalogue import (
    CATEGORIES,
    COLORS,
    NOUNS,
    PROVINCES,
    SIZES,
    Offer,
    categories_of,
    fen_to_yuan,
    image_url,
    lang_index,
)
from ._state import Fault, SandboxState

STATE_KEY: web.AppKey[SandboxState] = web.AppKey("daji_sandbox_state", SandboxState)
CONTROL_PREFIX = "/_sandbox"
OK_MESSAGE = "操作成功"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_encode = msgspec.json.Encoder().encode


class BadParams(Exception):
    """A parameter error, answered as an HTTP 400 envelope."""


# --------------------------------------------------------------------------- answers


def _trace_id() -> str:
    return os.urandom(6).hex()


def envelope_bytes(data_json: bytes) -> bytes:
    """A success envelope around already-encoded ``data`` (no re-encoding of cached pages)."""
    stamp = str(int(time.time() * 1000)).encode()
    return (
        b'{"code":200,"message":"'
        + OK_MESSAGE.encode()
        + b'","data":'
        + data_json
        + b',"timestamp":'
        + stamp
        + b',"traceId":"'
        + _trace_id().encode()
        + b'"}'
    )


def ok(data_json: bytes) -> web.Response:
    return web.Response(body=envelope_bytes(data_json), content_type="application/json")


def error(http_status: int, code: int, message: str) -> web.Response:
    body = {
        "code": code,
        "message": message,
        "data": None,
        "timestamp": int(time.time() * 1000),
        "traceId": _trace_id(),
    }
    return web.Response(status=http_status, body=_encode(body), content_type="application/json")


# --------------------------------------------------------------------------- parameters


class Params:
    """A request's parameters, from the query, a form or a JSON body, with typed getters."""

    def __init__(self, pairs: list[tuple[str, str]], values: dict[str, Any]) -> None:
        self.pairs = pairs
        self.values = values

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise BadParams(f"{name}不能为空 (parameter {name} is required)")
            return None
        return value if isinstance(value, str) else msgspec.json.encode(value).decode()

    def integer(
        self, name: str, *, required: bool = False, low: int | None = None, high: int | None = None
    ) -> int | None:
        raw = self.values.get(name)
        if raw is None or raw == "":
            if required:
                raise BadParams(f"{name}不能为空 (parameter {name} is required)")
            return None
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise BadParams(f"{name}格式不正确 (parameter {name} must be an integer, got {raw!r})") from None
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"{low}..{high}" if high is not None else f">= {low}"
            raise BadParams(f"{name}超出范围 (parameter {name} must be {span}, got {value})")
        return value

    def paging(self) -> tuple[int, int]:
        page = self.integer("beginPage", required=True, low=1)
        size = self.integer("pageSize", required=True, low=C.MIN_PAGE_SIZE, high=C.MAX_PAGE_SIZE)
        assert page is not None and size is not None
        return page, size


#: The parameters of the request being handled (set by the middleware, per request task).
request_params: ContextVar[Params] = ContextVar("daji_sandbox_params")
#: Set by the ``repeat_page`` fault: paged handlers answer page 1.
repeat_page: ContextVar[bool] = ContextVar("daji_sandbox_repeat_page", default=False)


def params_of(request: web.Request) -> Params:
    """The verified parameters of the request being handled."""
    return request_params.get()


async def read_params(request: web.Request) -> Params:
    """Collect parameters the way the service reads them for this content type."""
    if request.method == "GET":
        pairs = list(request.query.items())
        return Params(pairs, _first_values(pairs))
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = msgspec.json.decode(await request.read())
        except msgspec.DecodeError:
            raise BadParams("请求体不是合法的JSON (body is not valid JSON)") from None
        if not isinstance(body, dict):
            raise BadParams("请求体必须是JSON对象 (body must be a JSON object)")
        return Params(canonical_pairs(body, repeat_lists=False), body)
    form = await request.post()
    pairs = [(k, v) for k, v in form.items() if isinstance(v, str)]
    pairs += list(request.query.items())
    return Params(pairs, _first_values(pairs))


def _first_values(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in pairs:
        values.setdefault(key, value)
    return values


def check_auth(state: SandboxState, params: Params) -> web.Response | None:
    """The service's authentication: appKey, then ``sign`` (or ``appSecret`` in debug mode)."""
    config = state.config
    app_key = params.values.get("appKey")
    if not app_key:
        return error(400, 400, "appKey不能为空 (appKey is required)")
    if app_key in config.inactive_app_keys:
        return error(200, 500, C.NOT_ACTIVATED_MESSAGE)
    if app_key != config.app_key:
        return error(400, 400, "appKey不存在 (unknown appKey)")
    secret = params.values.get("appSecret")
    if secret is not None:
        if secret != config.app_secret:
            return error(400, 400, "appSecret不正确 (wrong appSecret)")
        return None
    given = params.values.get("sign")
    if not given:
        return error(400, 400, "sign不能为空 (sign is required when appSecret is absent)")
    if given != sign(params.pairs, config.app_secret):
        return error(400, 400, "签名错误 (signature mismatch)")
    return None


# --------------------------------------------------------------------------- search


def item_json(offer: Offer, country: str) -> dict[str, Any]:
    """One search result as the service sends it (cached per offer and language)."""
    cached = offer.cache.get(country)
    if cached is None:
        jxhy = fen_to_yuan(max(offer.price_fen - offer.price_fen // 20, 1)) if offer.jxhy else None
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
    "isOnePsale": lambda o: o.one_psale,
    "certifiedFactory": lambda o: "super_factory" in o.identities,
    "jxhy": lambda o: o.jxhy,
    "shipIn48Hours": lambda o: o.ship_48h,
    "shipIn24Hours": lambda o: o.ship_48h and o.offer_id % 2 == 0,
    "new7": lambda o: o.new_days < 7,
    "new30": lambda o: o.new_days < 30,
}

_SORTS: dict[str, Callable[[Offer], Any]] = {
    "price": lambda o: o.price_fen,
    "monthSold": lambda o: o.month_sold,
    "rePurchaseRate": lambda o: o.repurchase,
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
        data: dict[str, Any] = {
            "totalRecords": total,
            "totalPage": total_pages(total, size),
            "pageSize": size,
            "currentPage": page,
            "data": items,
        }
        if extra:
            data.update(extra)
        return _encode(data)

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


def _offer(state: SandboxState, params: Params) -> Offer:
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
            price = fen_to_yuan(offer.price_fen + rng.randrange(0, 300))
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
                {"startQuantity": steps[0], "price": fen_to_yuan(offer.price_fen * 95 // 100), "promotionPrice": None},
                {"startQuantity": steps[1], "price": fen_to_yuan(offer.price_fen * 90 // 100), "promotionPrice": None},
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
    offer = _offer(state, params)
    body = state.bodies.get_or(("detail", offer.offer_id, country), lambda: _encode(detail_json(state, offer, country)))
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
        image_id = image_id_for(url.encode())
        state.uploads[image_id] = hashlib.sha256(url.encode()).digest()
        return ok(_encode({"imageId": image_id}))
    text = params.text("image_base64", required=True)
    assert text is not None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadParams("image_base64格式不正确 (image_base64 is not base64)") from None
    if len(raw) > MAX_IMAGE_BYTES:
        raise BadParams("图片不能超过3M (image larger than 3 MB)")
    if image_kind(raw) is None:
        raise BadParams("图片格式不支持 (only JPG, PNG and WEBP images are accepted)")
    image_id = image_id_for(raw)
    state.uploads[image_id] = hashlib.sha256(raw).digest()
    return ok(_encode({"imageId": image_id}))


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
    return ok(_encode(data))


async def freight_estimate(request: web.Request) -> web.Response:
    state, params = request.app[STATE_KEY], params_of(request)
    offer = _offer(state, params)
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
        "freight": "0.00" if free else fen_to_yuan(fen),
        "templateId": 10_000 + offer.seller,
        "singleProductWeight": weight,
        "templateType": 1,
        "templateName": "默认运费模板",
        "subTemplateType": 0,
        "subTemplateName": "快递",
        "firstFee": fen_to_yuan(first_fee),
        "firstUnit": "1",
        "nextFee": fen_to_yuan(next_fee),
        "nextUnit": "1",
        "discount": "1",
        "chargeType": "weight",
        "freePostage": free,
        "productFreightSkuInfoModels": [
            {"skuId": s.get("skuId"), "singleSkuWeight": weight} for s in skus if isinstance(s, dict)
        ],
        "sizeValueType": "1",
    }
    return ok(_encode(data))


# --------------------------------------------------------------------------- faults and plumbing


async def _apply_fault(request: web.Request, fault: Fault) -> web.StreamResponse | None:
    """Answer a request with an injected fault, or return None to answer it normally."""
    kind = fault.kind
    if kind == "repeat_page":
        repeat_page.set(True)
        return None
    if kind == "status":
        status = fault.status or 500
        default = "请求过于频繁 (too many requests)" if status == 429 else "系统繁忙 (service busy)"
        response = error(status, status, fault.message or default)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        return response
    if kind == "envelope":
        return error(200, fault.code, fault.message or "业务处理失败 (business error)")
    if kind == "html":
        page = (
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>Bad Gateway</h1></center></body></html>"
        )
        return web.Response(status=fault.status or 200, text=page, content_type="text/html")
    if kind == "empty":
        return web.Response(status=200, body=b"", content_type="application/json")
    if kind == "truncate":
        full = envelope_bytes(b'{"totalRecords":1,"totalPage":1,"pageSize":1,"currentPage":1,"data":[{"offerId":1}]}')
        return web.Response(status=200, body=full[: len(full) // 2], content_type="application/json")
    if kind in ("drop", "reset"):
        transport = request.transport
        if kind == "drop":
            body = envelope_bytes(b'{"data":[]}') * 4
            stream = web.StreamResponse(status=200)
            stream.content_type = "application/json"
            stream.content_length = len(body)
            await stream.prepare(request)
            await stream.write(body[: len(body) // 2])
        if transport is not None:
            transport.close()
        raise _Dropped
    return None


class _Dropped(Exception):
    """The connection was closed on purpose; nothing more to send."""


def _make_middleware(state: SandboxState) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        stats = state.stats
        stats.begin(request.path)
        status = 0
        try:
            unmatched = request.match_info.http_exception
            if isinstance(unmatched, web.HTTPException):
                # unknown path or method: Spring Boot's default error body, before any auth
                body = {
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime()),
                    "status": unmatched.status,
                    "error": unmatched.reason,
                    "message": "No message available",
                    "path": request.path,
                }
                status = unmatched.status
                return web.Response(status=status, body=_encode(body), content_type="application/json")
            delay, fault = state.take_faults(request.path, request.query)
            if delay > 0:
                await asyncio.sleep(delay)
            if fault is not None:
                answered = await _apply_fault(request, fault)
                if answered is not None:
                    status = answered.status
                    return answered
            try:
                params = await read_params(request)
                request_params.set(params)
                denied = check_auth(state, params)
                if denied is not None:
                    status = denied.status
                    return denied
                response = await handler(request)
            except BadParams as exc:
                response = error(400, 400, str(exc))
            except LookupError as exc:
                response = error(404, 404, str(exc.args[0]) if exc.args else "记录不存在")
            status = response.status
            return response
        except _Dropped:
            status = 0
            raise asyncio.CancelledError from None
        finally:
            stats.end(status)

    return middleware


# --------------------------------------------------------------------------- controls


async def control_reset(request: web.Request) -> web.Response:
    request.app[STATE_KEY].reset()
    return web.json_response({"ok": True})


async def control_faults(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if request.method == "POST":
        body = await request.json()
        specs = body if isinstance(body, list) else [body]
        try:
            for spec in specs:
                state.add_fault(spec)
        except (TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
    elif request.method == "DELETE":
        state.clear_faults()
    return web.json_response([f.to_dict() for f in state.faults])


async def control_scenarios(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if request.method == "POST":
        body = await request.json()
        try:
            state.set_scenario(str(body["keyword"]), int(body["total"]))
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": f"expected {{keyword, total}}: {exc}"}, status=400)
    return web.json_response(state.scenarios)


async def control_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE_KEY].stats.snapshot())


async def control_info(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    return web.json_response(
        {
            "app_key": state.config.app_key,
            "offers": len(state.catalogue.offers),
            "keywords": [zh for zh, _, _ in NOUNS],
            "sellers": sorted(state.catalogue.by_seller)[:10],
        }
    )


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/alibaba/product/keywordQuery", keyword_query),
    ("GET", "/alibaba/product/imageQuery", image_query),
    ("GET", "/alibaba/product/shopQuery", shop_query),
    ("GET", "/alibaba/product/queryProductDetail", product_detail),
    ("POST", "/alibaba/upload/image", upload_image),
    ("GET", "/alibaba/upload/image", upload_image),
    ("GET", "/alibaba/category/get", category_get),
    ("POST", "/alibaba/product/freightEstimate", freight_estimate),
]


def create_app(state: SandboxState | None = None) -> web.Application:
    """The sandbox as an ``aiohttp.web.Application`` (run it with any aiohttp runner).

    ::

        app = create_app(SandboxState(SandboxConfig(latency=0.05)))
        web.run_app(app, port=8080)
    """
    state = state or SandboxState()
    app = web.Application(middlewares=[_make_middleware(state)], client_max_size=8 * 1024 * 1024)
    app[STATE_KEY] = state
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    from ._orders import add_order_routes  # _orders imports this module: import late

    add_order_routes(app)
    app.router.add_post(CONTROL_PREFIX + "/reset", control_reset)
    app.router.add_route("*", CONTROL_PREFIX + "/faults", control_faults)
    app.router.add_get(CONTROL_PREFIX + "/stats", control_stats)
    app.router.add_route("*", CONTROL_PREFIX + "/scenarios", control_scenarios)
    app.router.add_get(CONTROL_PREFIX + "/info", control_info)
    return app
