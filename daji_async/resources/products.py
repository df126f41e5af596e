"""`client.products`: search by keyword, image and shop, detail, image upload, freight."""

# mypy: disable-error-code="empty-body"
# (methods under @declared are signatures with a docstring: their body is written by the core)

from __future__ import annotations

import asyncio
import base64
import binascii
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, Union, overload
from urllib.parse import urlsplit

from .. import _constants as C
from .._core import Resource
from .._declare import declared
from .._endpoints import (
    FREIGHT_ESTIMATE,
    IMAGE_SEARCH,
    KEYWORD_SEARCH,
    PRODUCT_DETAIL,
    SHOP_SEARCH,
    UPLOAD_IMAGE,
    UPLOAD_IMAGE_URL,
    Endpoint,
)
from .._pagination import PAGING_OPTIONS, Paginator, PagingOptions
from .._protocol import ParamValue
from .._validate import country as check_country
from .._validate import (
    digits,
    filter_text,
    integer,
    known_keys,
    name_text,
    positive_id,
    price,
    sort_text,
    text,
    text_list,
    web_url,
)
from .._validate import (
    extra_params as check_extra_params,
)
from ..enums import Country, CountryCode, Filter, FilterName, Raw, Sort, SortDirection, SortField, SortOrder
from ..models.common import Page
from ..models.products import (
    FreightEstimate,
    ImageSearchPage,
    LogisticsSkuNum,
    ProductDetail,
    ProductItem,
    ShopSearchPage,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._client import Timeout

P = TypeVar("P")
#: A caller's own item Struct (`item_type=`).
ItemT = TypeVar("ItemT")

#: The service's limit on an uploaded image (see `_constants`).
MAX_IMAGE_BYTES = C.MAX_IMAGE_BYTES

ImageData = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]
FilterValue = Union[Filter, FilterName, Raw]
"""One search filter: a `Filter`, its value, or `Raw("newFilter")` for one added after this release."""
FilterArg = Union[Sequence[FilterValue], FilterValue, None]
"""`filter=`: one filter or a sequence of them (joined with "," on the wire)."""
SortKey = Union[Sort, SortField, Raw]
"""A key of `sort=`: a `Sort`, its value, or `Raw("newField")`."""
SortOrderArg = Union[SortOrder, SortDirection]
"""A value of `sort=`: `"asc"` or `"desc"` (or a `SortOrder`)."""
SortArg = Union[Mapping[SortKey, SortOrderArg], Raw, None]
"""`sort=`: `{field: order}` such as `{"price": "asc"}` (compact JSON on the wire), or `Raw(json_text)`."""
CountryArg = Union[Country, CountryCode, Raw]
"""`country=`: a documented language (`Country`, its value, or `"zh"`); `Raw("xx")` for another."""


def search_params(
    *,
    filter: FilterArg = None,
    sort: SortArg = None,
    out_member_id: Sequence[str] | str | None = None,
    price_start: str | float | None = None,
    price_end: str | float | None = None,
    category_id: int | None = None,
    country: CountryArg | str,
    extra_params: Mapping[str, ParamValue] | None = None,
    **named: ParamValue,
) -> dict[str, ParamValue]:
    """Build the service's query parameters from snake_case search arguments.

    `filter` (a sequence) is joined with ","; `sort` (a mapping) becomes compact JSON;
    `out_member_id` is an array parameter (the key repeats per element). Filters, sort fields
    and orders must be documented values (a ValueError names the closest) unless wrapped in
    `Raw`; an undocumented `country` is sent with a `DajiWarning`. `named` takes other
    snake_case parameters (`keyword`, `image_id`...), converted to camelCase. Every value
    is checked (TypeError or ValueError naming it) before anything is sent.
    """
    params: dict[str, ParamValue] = {}
    for key, value in named.items():
        if value is not None:
            if key in _SHORT_SEARCH_TEXT:
                name_text(key, value)
            params[_camel(key)] = value
    if filter is not None:
        params["filter"] = filter_text(filter)
    if sort is not None:
        params["sort"] = sort_text(sort)
    if out_member_id is not None:
        params["outMemberId"] = text_list("out_member_id", out_member_id)
    if price_start is not None:
        params["priceStart"] = price("price_start", price_start)
    if price_end is not None:
        params["priceEnd"] = price("price_end", price_end)
    if category_id is not None:
        params["categoryId"] = positive_id("category_id", category_id)
    params["country"] = check_country("country", country, stacklevel=4)
    if check_extra_params("extra_params", extra_params):
        assert extra_params is not None
        params.update(extra_params)
    return params


#: Search parameters that are short one-line texts (ids, codes, regions).
_SHORT_SEARCH_TEXT = frozenset({"region", "region_opp", "product_collection_id", "sn_id", "seller_open_id"})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def image_base64(data: ImageData) -> str:
    """Validate image bytes (JPG, PNG or WEBP; at most 3 MB) and return their base64 text.

    Accepts raw bytes, a path (`pathlib.Path` or any `os.PathLike`), or base64 text (a
    `data:image/...;base64,` prefix is allowed). Raises ValueError naming the problem.
    """
    if isinstance(data, str):
        text = data.strip()
        if text.startswith("data:"):
            _, _, text = text.partition(",")
        text = "".join(text.split())
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                "image data given as str must be base64 text; pass a pathlib.Path to upload a file"
            ) from None
        encoded: str | None = text
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        encoded = None
    elif isinstance(data, os.PathLike):
        with open(data, "rb") as fh:
            raw = fh.read(MAX_IMAGE_BYTES + 1)
        encoded = None
    else:
        raise TypeError(f"image must be bytes, a path or base64 text, not {type(data).__name__}")
    if not raw:
        raise ValueError("image is empty")
    if len(raw) > MAX_IMAGE_BYTES:
        raise ValueError(f"image is larger than the service's 3 MB limit ({len(raw):,} bytes or more)")
    kind = image_kind(raw)
    if kind is None:
        raise ValueError("image must be a JPG, PNG or WEBP file (its first bytes match none of them)")
    return encoded if encoded is not None else base64.b64encode(raw).decode("ascii")


def image_kind(raw: bytes) -> str | None:
    """`"jpg"`, `"png"` or `"webp"` from an image's magic bytes, else None."""
    if raw[:3] == b"\xff\xd8\xff":
        return "jpg"
    if raw[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "webp"
    return None


class SearchFilters(TypedDict, total=False):
    """The search parameters keyword, image and shop search share, declared once.

    Every field is optional; one left out (or None) is not sent.

    Attributes:
        filter: `Filter` members or their values (one, or a list, joined with ","); a value
            outside `Filter` raises a ValueError naming the closest one, unless wrapped in
            `Raw` (for a filter added after this release).
        sort: `{field: order}` such as `{"price": "asc"}` (fields: `Sort`, orders:
            `SortOrder`), sent as compact JSON; other fields raise a ValueError unless `Raw`.
        out_member_id: your member id(s) (an array parameter, `outMemberId`).
        price_start: the lowest price in CNY, decimal text such as `"12.50"` or a number.
        price_end: the highest price in CNY, like `price_start`.
        category_id: a 1688 category id (it may stand in for a keyword).
        country: language of translated fields (default None: the client's `country`): a
            `Country`, its value or `"zh"`; another code is sent with a `DajiWarning`.
        region_opp: the service's `regionOpp` parameter, sent as given.
        product_collection_id: the service's `productCollectionId` parameter, sent as given.
        sn_id: a multi-language navigation id (`snId`), sent as given.
        extra_params: parameters the SDK does not know yet, sent as given (camelCase keys;
            `appKey`, `appSecret` and `sign` are refused).
    """

    filter: FilterArg
    sort: SortArg
    out_member_id: Sequence[str] | str | None
    price_start: str | float | None
    price_end: str | float | None
    category_id: int | None
    country: CountryArg | None
    region_opp: str | None
    product_collection_id: str | None
    sn_id: str | None
    extra_params: Mapping[str, ParamValue] | None


class KeywordSearchOptions(SearchFilters, PagingOptions, total=False):
    """Keyword arguments of `Products.keyword_search` (and `bulk.keyword_search`).

    The fields of `SearchFilters` and of `PagingOptions`.
    """


class ImageSearchOptions(SearchFilters, PagingOptions, total=False):
    """Keyword arguments of `Products.image_search` (and `bulk.image_search`).

    The fields of `SearchFilters` and of `PagingOptions`, and:

    Attributes:
        image_id: an image id from `upload_image` (instead of `image_url`).
        image_address: an image address (instead of `image_url`).
        region: the subject to search for, `"x1,x2,y1,y2"` (see `page.pic_region_info.regions`).
        keyword: narrows the results.
        auxiliary_text: a text hint added to the image.
    """

    image_id: str | int | None
    image_address: str | None
    region: str | None
    keyword: str | None
    auxiliary_text: str | None


class ShopSearchOptions(SearchFilters, PagingOptions, total=False):
    """Keyword arguments of `Products.shop_search`.

    The fields of `SearchFilters` and of `PagingOptions`, and:

    Attributes:
        keyword: searches within the seller's offers (all of them when left out).
    """

    keyword: str | None


class Products(Resource):
    """Product search, detail, image upload and freight estimates: `client.products`."""

    def _search(
        self, endpoint: Endpoint[P], schema: type[Any], options: Mapping[str, Any], item: Any, **named: ParamValue
    ) -> Paginator[Any, Any]:
        """Check `options` against `schema`, split off the paging controls, build the walk."""
        known_keys(endpoint.name, options, schema.__annotations__)
        paging = {k: v for k, v in options.items() if k in PAGING_OPTIONS}
        given: dict[str, Any] = {k: v for k, v in options.items() if k not in PAGING_OPTIONS}
        given.update(named, country=given.get("country") or self._core.country)
        return self._core.walk(endpoint, search_params(**given), paging, item)

    @overload
    def keyword_search(
        self, keyword: str | None = None, *, item_type: None = None, **options: Unpack[KeywordSearchOptions]
    ) -> Paginator[Page[ProductItem], ProductItem]: ...

    @overload
    def keyword_search(
        self, keyword: str | None = None, *, item_type: type[ItemT], **options: Unpack[KeywordSearchOptions]
    ) -> Paginator[Page[ItemT], ItemT]: ...

    def keyword_search(
        self,
        keyword: str | None = None,
        *,
        item_type: type[Any] | None = None,
        **options: Unpack[KeywordSearchOptions],
    ) -> Paginator[Page[Any], Any]:
        """Search offers by keyword (GET /alibaba/product/keywordQuery).

        The service matches **Chinese** keywords; translate others first. A `category_id`
        may stand in for the keyword. Every option is below (the fields of
        `KeywordSearchOptions`: `SearchFilters` and `PagingOptions`).

        Args:
            keyword: what to search for, at most 200 characters (None or blank: give a
                `category_id`).

        ```python
        page = await client.products.keyword_search("连衣裙", sort={"price": "asc"})
        async for item in client.products.keyword_search("手机壳", max_items=1000, prefetch=4):
            print(item.offer_id, item.price_info and item.price_info.price)
        ```
        """
        if keyword is not None and not isinstance(keyword, str):
            raise TypeError(f"keyword must be a str, got {type(keyword).__name__}")
        if keyword is not None and keyword.strip():
            text("keyword", keyword, max_length=C.MAX_KEYWORD_LENGTH, one_line=True)
        else:
            keyword = None
            if options.get("category_id") is None:
                raise ValueError("keyword_search needs a non-empty keyword (or a category_id)")
        return self._search(KEYWORD_SEARCH, KeywordSearchOptions, options, item_type, keyword=keyword)

    @overload
    def image_search(
        self, image_url: str | None = None, *, item_type: None = None, **options: Unpack[ImageSearchOptions]
    ) -> Paginator[ImageSearchPage[ProductItem], ProductItem]: ...

    @overload
    def image_search(
        self, image_url: str | None = None, *, item_type: type[ItemT], **options: Unpack[ImageSearchOptions]
    ) -> Paginator[ImageSearchPage[ItemT], ItemT]: ...

    def image_search(
        self,
        image_url: str | None = None,
        *,
        item_type: type[Any] | None = None,
        **options: Unpack[ImageSearchOptions],
    ) -> Paginator[ImageSearchPage[Any], Any]:
        """Search offers by image (GET /alibaba/product/imageQuery).

        Give exactly one of `image_url` (a 1688-hosted image: other hosts are "not
        guaranteed" by the service), `image_id` (from `upload_image`) or
        `image_address`. `region` crops the subject (`"x1,x2,y1,y2"`, see
        `page.pic_region_info.regions`); `keyword` narrows results; `auxiliary_text`
        adds a text hint. Every option is below (the fields of `ImageSearchOptions`).

        Args:
            image_url: a picture hosted by 1688 (or give `image_id` or `image_address`).

        ```python
        image_id = await client.products.upload_image(Path("shoe.jpg"))
        async for item in client.products.image_search(image_id=image_id, max_items=100):
            ...
        ```
        """
        image_id = options.pop("image_id", None)
        sources = {"image_url": image_url, "image_id": image_id, "image_address": options.get("image_address")}
        given = [name for name, value in sources.items() if value]
        if len(given) != 1:
            raise ValueError(
                "image_search needs exactly one of image_url, image_id or image_address"
                + (f"; got {', '.join(given)}" if given else "")
            )
        image = digits("image_id", image_id) if image_id is not None else None
        if image_url is not None:
            web_url("image_url", image_url)
        if options.get("image_address") is not None:
            web_url("image_address", options.get("image_address"))
        for name, limit in (("keyword", C.MAX_KEYWORD_LENGTH), ("auxiliary_text", C.MAX_TEXT_LENGTH)):
            text(name, options.get(name), required=False, max_length=limit, one_line=True)
        return self._search(IMAGE_SEARCH, ImageSearchOptions, options, item_type, image_url=image_url, image_id=image)

    @overload
    def shop_search(
        self, seller_open_id: str, *, item_type: None = None, **options: Unpack[ShopSearchOptions]
    ) -> Paginator[ShopSearchPage[ProductItem], ProductItem]: ...

    @overload
    def shop_search(
        self, seller_open_id: str, *, item_type: type[ItemT], **options: Unpack[ShopSearchOptions]
    ) -> Paginator[ShopSearchPage[ItemT], ItemT]: ...

    def shop_search(
        self,
        seller_open_id: str,
        *,
        item_type: type[Any] | None = None,
        **options: Unpack[ShopSearchOptions],
    ) -> Paginator[ShopSearchPage[Any], Any]:
        """List (or search within) one seller's offers (GET /alibaba/product/shopQuery).

        `seller_open_id` comes from `detail` (`ProductDetail.seller_open_id`). Every option
        is below (the fields of `ShopSearchOptions`).

        Args:
            seller_open_id: the seller, as `ProductDetail.seller_open_id` names it.

        ```python
        async for item in client.products.shop_search(detail.seller_open_id, max_items=100):
            ...
        ```
        """
        if seller_open_id is None or seller_open_id == "":
            raise ValueError("shop_search needs a seller_open_id (see ProductDetail.seller_open_id)")
        name_text("seller_open_id", seller_open_id)
        text("keyword", options.get("keyword"), required=False, max_length=C.MAX_KEYWORD_LENGTH, one_line=True)
        return self._search(SHOP_SEARCH, ShopSearchOptions, options, item_type, seller_open_id=seller_open_id)

    @declared(PRODUCT_DETAIL)
    async def detail(
        self,
        offer_id: int | str,
        *,
        country: CountryArg | None = None,
        out_member_id: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> ProductDetail:
        """The full detail of one offer (GET /alibaba/product/queryProductDetail).

        Args:
            offer_id: the offer, an int or ASCII digits.
            country: language of translated fields (default: the client's `country`); an
                undocumented one is sent with a `DajiWarning`.
            out_member_id: your member id (`outMemberId`), or None.
            extra_params: parameters the SDK does not know yet, sent as given.
            timeout: seconds for each attempt of this call (default: the client's).
            max_retries: retries of this call (default: the client's).

        ```python
        detail = await client.products.detail(727920485853)
        for sku in detail.product_sku_infos:
            print(sku.spec_id, sku.price)
        ```
        """

    async def upload_image(
        self,
        image: ImageData | None = None,
        *,
        url: str | None = None,
        out_member_id: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> str:
        """Upload an image; returns its id for `image_search(image_id=...)`.

        `image` is raw bytes, a path (`pathlib.Path`), or base64 text. It must be a JPG,
        PNG or WEBP of at most 3 MB: both are checked before anything is sent (ValueError).
        Or give `url=` (an http(s) picture URL) instead: the SDK then uses the service's
        GET mode with `pic_url` only (inferred: DAJI's menu lists "Image upload By Get",
        and its Taobao upload page says the GET mode takes only `pic_url`).

        Args:
            image: raw bytes, a path or base64 text (or give `url`).
            url: an http(s) picture URL (instead of `image`).
            out_member_id: your member id (`outMemberId`), or None.
            timeout: seconds for each attempt of this call (default: the client's).
            max_retries: retries of this call (default: the client's).

        ```python
        image_id = await client.products.upload_image(Path("bag.jpg"))
        image_id = await client.products.upload_image(url="https://cbu01.alicdn.com/img/a.jpg")
        ```
        """
        if (image is None) == (url is None):
            raise ValueError("upload_image needs exactly one of image or url=")
        name_text("out_member_id", out_member_id, required=False)
        if url is not None:
            picture = picture_url(url)
            answer = await self._core.call(
                UPLOAD_IMAGE_URL, {"pic_url": picture}, timeout=timeout, max_retries=max_retries
            )
            return answer.image_id
        assert image is not None
        if isinstance(image, os.PathLike):
            encoded = await asyncio.to_thread(image_base64, image)
        else:
            encoded = image_base64(image)
        params: dict[str, ParamValue] = {"image_base64": encoded, "outMemberId": out_member_id}
        result = await self._core.call(UPLOAD_IMAGE, params, timeout=timeout, max_retries=max_retries)
        return result.image_id

    async def estimate_freight(
        self,
        offer_id: int | str,
        *,
        to_province_code: str,
        to_city_code: str,
        to_country_code: str,
        total_num: int,
        sku_numbers: Mapping[int, int] | Sequence[LogisticsSkuNum] | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> FreightEstimate:
        """Estimate domestic freight (POST /alibaba/product/freightEstimate, JSON body).

        The codes are Chinese administrative division codes; `to_country_code` is the
        district code (the service's naming). `sku_numbers` maps sku_id to quantity.
        As the page (zh api-218256628) requires, `logisticsSkuNumModels` is always sent (an
        empty list when you give no per-SKU breakdown) and each `skuId` goes as a string.

        Args:
            offer_id: the offer, an int or ASCII digits.
            to_province_code: the province's division code, e.g. `"330000"`.
            to_city_code: the city's division code, e.g. `"330100"`.
            to_country_code: the district's division code, e.g. `"330108"`.
            total_num: the quantity, 1 or more.
            sku_numbers: `{sku_id: quantity}` or `LogisticsSkuNum` lines, or None.
            extra_params: parameters the SDK does not know yet, sent as given.
            timeout: seconds for each attempt of this call (default: the client's).
            max_retries: retries of this call (default: the client's).

        ```python
        freight = await client.products.estimate_freight(
            727920485853, to_province_code="330000", to_city_code="330100",
            to_country_code="330108", total_num=10, sku_numbers={5050367386839: 10})
        ```
        """
        integer("total_num", total_num, low=1, high=C.MAX_QUANTITY)
        models: list[dict[str, int | str]] = []
        if sku_numbers is not None:
            if isinstance(sku_numbers, Mapping):
                pairs = list(sku_numbers.items())
            elif isinstance(sku_numbers, Sequence) and not isinstance(sku_numbers, (str, bytes)):
                for i, line in enumerate(sku_numbers):
                    if not isinstance(line, LogisticsSkuNum):
                        raise TypeError(f"sku_numbers[{i}] must be a LogisticsSkuNum, got {type(line).__name__}")
                pairs = [(line.sku_id, line.number) for line in sku_numbers]
            else:
                raise TypeError(
                    f"sku_numbers must be a mapping of sku_id to quantity, got {type(sku_numbers).__name__}"
                )
            models = [
                {
                    "skuId": str(positive_id(f"sku_numbers[{i}] sku_id", sku)),
                    "number": integer(f"sku_numbers[{sku!r}] quantity", number, low=1, high=C.MAX_QUANTITY),
                }
                for i, (sku, number) in enumerate(pairs)
            ]
        params: dict[str, ParamValue] = {
            "offerId": positive_id("offer_id", offer_id),
            "toProvinceCode": name_text("to_province_code", to_province_code),
            "toCityCode": name_text("to_city_code", to_city_code),
            "toCountryCode": name_text("to_country_code", to_country_code),
            "totalNum": total_num,
            "logisticsSkuNumModels": models,
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        return await self._core.call(FREIGHT_ESTIMATE, params, timeout=timeout, max_retries=max_retries)


#: Longest picture URL `upload_image(url=...)` sends (it travels in a query string).
MAX_PICTURE_URL = C.MAX_PICTURE_URL


def picture_url(url: object) -> str:
    """Check a picture URL for `upload_image(url=...)`: an absolute http(s) URL, no spaces."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, got {type(url).__name__}")
    if not url.strip():
        raise ValueError("url is empty")
    if len(url) > MAX_PICTURE_URL:
        raise ValueError(f"url is {len(url)} characters long; at most {MAX_PICTURE_URL}")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ValueError("url must not contain spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url must be an absolute http(s) URL, got {url[:80]!r}")
    return url
