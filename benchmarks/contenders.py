"""The ways to walk a paged keyword search that the benchmarks compare.

* ``sdk``: ``async for item in client.products.keyword_search(kw, page_size=..., prefetch=N)``.
* ``ceiling``: hand-written raw aiohttp, the SDK's own signing helpers
  (``canonical_pairs``/``authenticate``/``encode_query``) and a msgspec typed decoder of the
  SDK's own models, with the same scheduling as the SDK's paginator (the first N pages sent
  together, then a window of N pages in flight, yielded in order): the fastest this
  workload can be written with these libraries, and so the ceiling of the SDK.
* ``httpx+pydantic``: what users write without the SDK, with the popular pair.
* ``aiohttp+json``: aiohttp with ``await response.json()`` dicts (``json.loads``).

The SDK and the ceiling also come narrow (the items decoded into :class:`NarrowOffer`, the
one field a caller reads; the SDK through ``item_type=``) and over TLS (a self-signed sandbox
on loopback; every client trusts its certificate through the same ``ssl.SSLContext``).

Every contender sends the same signed requests and counts the items one by one.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Optional

import aiohttp
import msgspec
from yarl import URL

from daji_async import DajiClient
from daji_async._protocol import Envelope, authenticate, canonical_pairs, encode_query
from daji_async.models.common import Page
from daji_async.models.products import ProductItem

from ._harness import APP_KEY, APP_SECRET, KEYWORD_PATH

Fetch = Callable[[int], Awaitable[tuple[Sequence[Any], int]]]


class NarrowOffer(msgspec.Struct, rename="camel", gc=False):
    """The one field of a search result a caller reads (``offerId``): a narrow item type."""

    offer_id: int


def search_pairs(keyword: str, page: int, page_size: int) -> list[tuple[str, str]]:
    """The signed parameters of one page, in the SDK's order (so the same signature)."""
    params = {"keyword": keyword, "country": "en", "beginPage": page, "pageSize": page_size}
    return authenticate(canonical_pairs(params), APP_KEY, APP_SECRET)


async def walk_pages(fetch: Fetch, max_pages: int, window: int) -> tuple[int, int]:
    """Walk pages 1..last in order like the SDK's paginator: returns ``(pages, items)``.

    At window 1, one page after another. Otherwise the first ``window`` pages go out together
    (``max_pages`` bounds the walk), each page taken frees a place for the next, and pages
    past the last one an answer reports are cancelled; pages are consumed in page order.
    """
    if window == 1:
        items, total = await fetch(1)
        pages = 1
        count = 0
        for _ in items:
            count += 1
        for number in range(2, min(total, max_pages) + 1):
            items, _ = await fetch(number)
            pages += 1
            for _ in items:
                count += 1
        return pages, count
    pending: deque[tuple[int, asyncio.Future[tuple[Sequence[Any], int]]]] = deque()
    upcoming, last = 1, max_pages
    pages = count = 0
    try:
        while upcoming <= last or pending:
            while len(pending) < window and upcoming <= last:
                pending.append((upcoming, asyncio.ensure_future(fetch(upcoming))))
                upcoming += 1
            items, total = await pending.popleft()[1]
            pages += 1
            for _ in items:
                count += 1
            if total < last:
                last = total
                while pending and pending[-1][0] > last:
                    pending.pop()[1].cancel()
    finally:
        for _, future in pending:
            future.cancel()
    return pages, count


class Contender:
    """One way of walking a search; open once per cell, walk many times, close."""

    name = ""
    label = ""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        #: the client context trusting a TLS sandbox's certificate (None: plain HTTP)
        self.tls = tls

    async def open(self, base_url: str, concurrency: int) -> None:
        raise NotImplementedError

    async def walk(self, keyword: str, page_size: int, max_pages: int, window: int) -> tuple[int, int]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class SdkContender(Contender):
    """The SDK: ``async for`` over the paginator, ``prefetch=window``."""

    name = "sdk"
    label = "SDK `async for`"
    #: the item type asked for (``item_type=``), None for the SDK's own ProductItem
    item_type: type[msgspec.Struct] | None = None

    async def open(self, base_url: str, concurrency: int) -> None:
        self.client = DajiClient(
            APP_KEY, APP_SECRET, base_url=base_url, max_concurrency=concurrency, ssl=self.tls or True
        )

    async def walk(self, keyword: str, page_size: int, max_pages: int, window: int) -> tuple[int, int]:
        paginator = self.client.products.keyword_search(
            keyword, page_size=page_size, prefetch=window, max_pages=max_pages, item_type=self.item_type
        )
        count = 0
        async for _item in paginator:
            count += 1
        return paginator.pages_fetched, count

    async def close(self) -> None:
        await self.client.close()


class SdkNarrowContender(SdkContender):
    """The SDK with ``item_type=NarrowOffer``."""

    name = "sdk narrow"
    label = "SDK `async for`, item_type=NarrowOffer"
    item_type = NarrowOffer


class CeilingContender(Contender):
    """Raw aiohttp + msgspec typed decoding of the SDK's models, hand-written, same signing.

    ``tls``: the client context trusting a TLS sandbox's certificate (on the connector).
    """

    name = "ceiling"
    label = "ceiling: raw aiohttp + msgspec"
    decoder: msgspec.json.Decoder[Envelope[Page[Any]]] = msgspec.json.Decoder(Envelope[Page[ProductItem]])

    async def open(self, base_url: str, concurrency: int) -> None:
        connector = aiohttp.TCPConnector(limit=concurrency, ssl=self.tls or True)
        self.session = aiohttp.ClientSession(connector=connector)
        self.url = base_url + KEYWORD_PATH + "?"

    async def fetch(self, keyword: str, page: int, page_size: int) -> Page[Any]:
        url = URL(self.url + encode_query(search_pairs(keyword, page, page_size)), encoded=True)
        async with self.session.get(url) as response:
            body = await response.read()
        envelope = self.decoder.decode(body)
        if envelope.code != 200 or envelope.data is None:
            raise RuntimeError(f"sandbox answered {envelope.code}: {envelope.message}")
        return envelope.data

    async def walk(self, keyword: str, page_size: int, max_pages: int, window: int) -> tuple[int, int]:
        async def fetch(number: int) -> tuple[list[ProductItem], int]:
            page = await self.fetch(keyword, number, page_size)
            return page.items, page.total_pages

        return await walk_pages(fetch, max_pages, window)

    async def close(self) -> None:
        await self.session.close()


class CeilingCopyContender(CeilingContender):
    """The same ceiling again: the A/A pairing (how far two identical clients land apart)."""

    name = "ceiling A/A"
    label = "ceiling again (A/A)"


class CeilingNarrowContender(CeilingContender):
    """The ceiling decoding :class:`NarrowOffer` items (what a hand-written client reading one field does)."""

    name = "ceiling narrow"
    label = "ceiling decoding NarrowOffer"
    decoder = msgspec.json.Decoder(Envelope[Page[NarrowOffer]])


class AiohttpJsonContender(Contender):
    """aiohttp with ``params=`` and ``await response.json()``: plain dicts."""

    name = "aiohttp+json"
    label = "aiohttp + json.loads dicts"

    async def open(self, base_url: str, concurrency: int) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
        self.url = base_url + KEYWORD_PATH

    async def walk(self, keyword: str, page_size: int, max_pages: int, window: int) -> tuple[int, int]:
        async def fetch(number: int) -> tuple[list[dict[str, Any]], int]:
            async with self.session.get(self.url, params=search_pairs(keyword, number, page_size)) as response:
                body = await response.json()
            if body.get("code") != 200:
                raise RuntimeError(f"sandbox answered {body.get('code')}: {body.get('message')}")
            data = body["data"]
            return data["data"], data["totalPage"]

        return await walk_pages(fetch, max_pages, window)

    async def close(self) -> None:
        await self.session.close()


class HttpxPydanticContender(Contender):
    """httpx's AsyncClient with ``params=`` and pydantic v2 models (``model_validate_json``)."""

    name = "httpx+pydantic"
    label = "httpx + pydantic"

    async def open(self, base_url: str, concurrency: int) -> None:
        import httpx

        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.client = httpx.AsyncClient(limits=limits, timeout=30.0)
        self.url = base_url + KEYWORD_PATH
        self.model = pydantic_models()["Envelope"]

    async def walk(self, keyword: str, page_size: int, max_pages: int, window: int) -> tuple[int, int]:
        async def fetch(number: int) -> tuple[list[Any], int]:
            response = await self.client.get(self.url, params=search_pairs(keyword, number, page_size))
            envelope = self.model.model_validate_json(response.content)
            if envelope.code != 200 or envelope.data is None:
                raise RuntimeError(f"sandbox answered {envelope.code}: {envelope.message}")
            return envelope.data.items, envelope.data.total_pages

        return await walk_pages(fetch, max_pages, window)

    async def close(self) -> None:
        await self.client.aclose()


PAGING_CONTENDERS: dict[str, type[Contender]] = {
    c.name: c
    for c in (SdkContender, CeilingContender, CeilingCopyContender, HttpxPydanticContender, AiohttpJsonContender)
}

#: The contenders of the narrow and TLS rows (plain HTTP and TLS alike), in the order of a round.
NARROW_CONTENDERS: dict[str, type[Contender]] = {
    c.name: c
    for c in (CeilingNarrowContender, SdkNarrowContender, SdkContender, CeilingContender, CeilingCopyContender)
}

#: Contenders that need packages outside the SDK's own dependencies (the ``bench`` extra).
NEEDS: dict[str, tuple[str, ...]] = {"httpx+pydantic": ("httpx", "pydantic")}


def available_contenders() -> list[str]:
    """The paging contenders whose packages are installed (the SDK's own always are)."""
    import importlib.util

    return [
        name
        for name in PAGING_CONTENDERS
        if all(importlib.util.find_spec(module) is not None for module in NEEDS.get(name, ()))
    ]


_PYDANTIC: dict[str, Any] = {}


def pydantic_models() -> dict[str, Any]:
    """Pydantic v2 models with the same fields as the SDK's (built on first use)."""
    if _PYDANTIC:
        return _PYDANTIC
    from pydantic import BaseModel, ConfigDict, Field
    from pydantic.alias_generators import to_camel

    class Model(BaseModel):
        model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    class PriceInfo(Model):
        price: Optional[str] = None
        jxhy_price: Optional[str] = None
        pf_jxhy_price: Optional[str] = None
        consign_price: Optional[str] = None
        promotion_price: Optional[str] = None

    class Item(Model):
        offer_id: int
        subject: Optional[str] = None
        subject_trans: Optional[str] = None
        image_url: Optional[str] = None
        price_info: Optional[PriceInfo] = None
        is_jxhy: Optional[bool] = None
        repurchase_rate: Optional[str] = None
        month_sold: Optional[int] = None
        trace_info: Optional[str] = None
        is_one_psale: Optional[bool] = None
        seller_identities: list[str] = Field(default_factory=list)
        offer_identities: list[str] = Field(default_factory=list)
        company_name: Optional[str] = None
        white_image: Optional[str] = None
        aigc_image_url: Optional[str] = None
        top_category_id: Optional[int] = None
        second_category_id: Optional[int] = None
        third_category_id: Optional[int] = None
        min_order_quantity: Optional[int] = None
        is_select: Optional[bool] = None
        create_date: Optional[str] = None
        modify_date: Optional[str] = None
        promotion_url: Optional[str] = Field(default=None, alias="promotionURL")

    class PageModel(Model):
        items: list[Item] = Field(default_factory=list, alias="data")
        total_records: int = 0
        total_pages: int = Field(default=0, alias="totalPage")
        page_size: int = 0
        current_page: int = 0

    class EnvelopeModel(Model):
        code: int
        message: Optional[str] = None
        data: Optional[PageModel] = None
        timestamp: Optional[int] = None
        trace_id: Optional[str] = None

    _PYDANTIC.update(PriceInfo=PriceInfo, Item=Item, Page=PageModel, Envelope=EnvelopeModel)
    return _PYDANTIC
