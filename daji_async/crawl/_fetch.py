"""What one input of a crawl fetches: the SDK call for its kind and platform, and its items as rows."""

from __future__ import annotations

from typing import Any

import msgspec

from .._client import DajiClient
from .._errors import ConfigError
from ..models.poizon import PoizonSpu, PoizonSpuDetail
from ..models.products import ProductDetail, ProductItem
from ..models.taobao import TaobaoItem, TaobaoItemDetail

#: The kinds of input a crawl takes.
KINDS = ("keyword", "image", "detail")
#: The platforms a crawl searches.
PLATFORMS = ("1688", "taobao", "poizon")
#: The search options an input may carry (the SDK's paging options).
OPTIONS = ("page_size", "max_items", "max_pages")

#: The model of the items each (kind, platform) stores: their fields are the export's columns.
MODELS: dict[tuple[str, str], type[msgspec.Struct]] = {
    ("keyword", "1688"): ProductItem,
    ("image", "1688"): ProductItem,
    ("detail", "1688"): ProductDetail,
    ("keyword", "taobao"): TaobaoItem,
    ("image", "taobao"): TaobaoItem,
    ("detail", "taobao"): TaobaoItemDetail,
    ("keyword", "poizon"): PoizonSpu,
    ("detail", "poizon"): PoizonSpuDetail,
}


def check(kind: str, platform: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options of an input, checked; a ConfigError names what is wrong."""
    if kind not in KINDS:
        raise ConfigError(f"crawl kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if platform not in PLATFORMS:
        raise ConfigError(f"crawl platform must be one of {', '.join(PLATFORMS)}, got {platform!r}")
    if (kind, platform) not in MODELS:
        raise ConfigError(f"Poizon has no {kind} search: crawl poizon inputs by keyword (title) or detail")
    checked: dict[str, Any] = {}
    for name, value in options.items():
        if name not in OPTIONS:
            raise ConfigError(f"crawl option {name!r} is not one of {', '.join(OPTIONS)}")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"crawl option {name} must be a positive int, got {value!r}")
        checked[name] = value
    return checked


def row(obj: Any) -> Any:
    """A model as plain data with its attribute names (snake_case), nested models included."""
    if isinstance(obj, msgspec.Struct):
        return {name: row(getattr(obj, name)) for name in obj.__struct_fields__}
    if isinstance(obj, (list, tuple)):
        return [row(value) for value in obj]
    if isinstance(obj, dict):
        return {str(key): row(value) for key, value in obj.items()}
    return msgspec.to_builtins(obj)


async def fetch(client: DajiClient, kind: str, platform: str, value: str, options: dict[str, Any]) -> list[Any]:
    """Every item one input finds (a detail: the one detail), as rows (see `row`)."""
    if kind == "detail":
        if platform == "1688":
            return [row(await client.products.detail(value))]
        if platform == "taobao":
            return [row(await client.taobao.products.detail(value))]
        return [row(await client.poizon.products.detail(value))]
    paginator: Any
    if platform == "1688":
        if kind == "keyword":
            paginator = client.products.keyword_search(value, **options)
        else:
            paginator = client.products.image_search(image_url=value, **options)
    elif platform == "taobao":
        if kind == "keyword":
            paginator = client.taobao.products.keyword_search(value, **options)
        else:
            paginator = client.taobao.products.image_search(image_url=value, **options)
    else:
        paginator = client.poizon.products.search(title=value, **options)
    return [row(item) async for item in paginator]
