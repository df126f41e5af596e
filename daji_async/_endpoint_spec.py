"""The shapes of the endpoint table: `PagingSpec` and `Endpoint` (re-exported by `_endpoints`).

Kept apart from the rows so that the 1688 rows (`_endpoints`) and the Taobao/Poizon rows
(`_endpoints_platforms`) can both be declared on them without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, Union

from . import _constants as C
from ._errors import OutcomeUnknownError

__all__ = ["REGISTRY", "BodyKind", "Endpoint", "PageToken", "PagingSpec", "Param", "cache_ttls"]

T = TypeVar("T")

#: How parameters travel: query string, JSON body, or multipart form.
BodyKind = Literal["query", "json", "form"]

#: A page number (page-number paging) or a cursor (cursor paging).
PageToken = Union[int, str]


@dataclass(frozen=True)
class PagingSpec:
    """How one endpoint pages: the request side and where things live in the decoded answer.

    Attribute names on the answer side are attributes of the endpoint's decoded `data`
    Struct (which maps them to the wire's names), so the paginator never parses JSON itself.

    Attributes:
        style: `"page"` (page numbers) or `"cursor"` (the answer hands out the next cursor).
        page_param: the parameter carrying the page number or cursor (`beginPage`,
            `page_no`, `startId`).
        size_param: the parameter carrying the page size (`pageSize`, `page_size`).
        first_page: the number of the first page (1 or 0); for cursor paging, the cursor of the
            first page, or None to leave `page_param` out of the first request.
        min_size, max_size, default_size: the page size bounds and default.
        items: the attribute holding the page's items.
        total_pages: the attribute holding the number of pages, or None.
        total_items: the attribute holding the number of items (pages are then counted from
            it and the page size when `total_pages` is None), or None.
        current_page: the attribute where the service reports the page number; filled in with
            the requested number when the service leaves it out. None when there is none.
        page_size: the attribute reporting the page size (filled in likewise), or None.
        trace_id: the attribute that receives the envelope's `traceId`, or None.
        next_cursor: cursor paging: the attribute holding the next page's cursor ...
        cursor_item: ... or the item attribute whose value on a page's last item is the next
            cursor (when the service's cursor is "the last id seen").
        item_id: the item attribute that identifies an item, for the repeat-page guard; None
            when items carry no identity (the guard then compares the items' encoded bytes).
    """

    style: Literal["page", "cursor"] = "page"
    page_param: str = "beginPage"
    size_param: str = "pageSize"
    first_page: PageToken | None = 1
    min_size: int = C.MIN_PAGE_SIZE
    max_size: int = C.MAX_PAGE_SIZE
    default_size: int = C.DEFAULT_PAGE_SIZE
    items: str = "items"
    total_pages: str | None = "total_pages"
    total_items: str | None = "total_records"
    current_page: str | None = "current_page"
    page_size: str | None = "page_size"
    trace_id: str | None = "trace_id"
    next_cursor: str | None = None
    cursor_item: str | None = None
    item_id: str | None = None

    def __post_init__(self) -> None:
        if self.style == "cursor" and (self.next_cursor is None) == (self.cursor_item is None):
            raise ValueError("cursor paging needs exactly one of next_cursor or cursor_item")
        if self.style == "page" and not isinstance(self.first_page, int):
            raise ValueError("page-number paging needs an int first_page (0 or 1)")
        if not 1 <= self.min_size <= self.default_size <= self.max_size:
            raise ValueError("page sizes must satisfy 1 <= min_size <= default_size <= max_size")


@dataclass(frozen=True)
class Param:
    """One request parameter of a declared endpoint.

    Attributes:
        name: the Python name of the method's argument (`spu_id`).
        wire: the service's name for it (`dwSpuId`).
        check: `check(name, value)` turns the argument into the value sent, or raises a
            `TypeError`/`ValueError` naming it (the checks of `daji_async._validate`); None
            sends the value as given.
        required: False when the argument may be None; None is then left out of the request
            (or replaced as `default` says) without being checked.
        default: `"country"`: a None argument is sent as the client's `country`.
        doc: the constraint in words, for the docs (`"1..200 characters"`).
    """

    name: str
    wire: str
    check: Callable[[str, Any], object] | None = None
    required: bool = True
    default: Literal["country"] | None = None
    doc: str = ""


@dataclass(frozen=True)
class Endpoint(Generic[T]):
    """One endpoint of the service.

    Attributes:
        name: stable key, e.g. `"products.keyword_search"`; `DajiClient(endpoint_paths=...)`
            uses it to point an endpoint at another path.
        method: HTTP method.
        path: the service path.
        response: the type `data` decodes into.
        body: how parameters travel (`query`, `json` or `form`).
        safe: True when repeating the call cannot cause a second effect (retried on
            transient errors); False for create, pay and cancel (never retried).
        paging: how the endpoint pages, or None for a single call.
        trade: True when `data` is a 1688 trade answer (`success`/`result` layers): the
            pipeline raises `TradeError` where a layer says `success: false`
            and hands back the innermost layer.
        outcome_unknown: for unsafe calls that commit or spend, the
            `OutcomeUnknownError` subclass the pipeline raises when the call
            got no readable answer (timeout, lost connection, garbled body).
        confirmed: True when the path is confirmed by the service's own documents (DAJI's
            wiki), False when it is inferred (from third-party client code or the service's
            naming pattern); `source` says which.
        platform: `"1688"`, `"taobao"` or `"poizon"`.
        source: where the path comes from (a wiki page id, or "client code").
        summary: one line for docs and the CLI.
        outcome_id: for a row with `outcome_unknown`, the request parameter that identifies
            the call afterwards (`thirdOrderId`, `requestId`...): the error carries its value so
            the caller can look the order up before trying again.
        params: the request parameters (`Param`), for methods whose body the core writes
            (`daji_async._declare.declared`); empty for a method that maps its own arguments.
        call: how users make the call when it is not the row's name (`poizon.balance()`,
            `products.upload_image(url=...)`); the docs' tables show it.
        cache_ttl: seconds a response cache keeps the answer fresh, or None when the call is
            never cached (only safe, read-only calls may declare one).
        register: False for a row made on the fly (`client.request`'s): it stays out of the
            registry. Every other row registers itself under its name when it is declared, so
            there is no hand-kept list of rows: the sandbox's routes, the cache's TTLs and the
            docs' endpoint tables are all read from `REGISTRY`.
    """

    name: str
    method: str
    path: str
    response: type[T]
    body: BodyKind = "query"
    safe: bool = True
    paging: PagingSpec | None = None
    trade: bool = False
    outcome_unknown: type[OutcomeUnknownError] | None = None
    confirmed: bool = True
    summary: str = ""
    platform: str = "1688"
    source: str = ""
    outcome_id: str | None = None
    params: tuple[Param, ...] = ()
    call: str = ""
    cache_ttl: float | None = None
    register: bool = field(default=True, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.cache_ttl is not None and (not self.safe or self.cache_ttl <= 0):
            raise ValueError(f"{self.name}: only a safe call may declare a positive cache_ttl")
        if (self.outcome_unknown is None) != (self.outcome_id is None):
            raise ValueError(f"{self.name}: outcome_unknown and outcome_id go together")
        if self.register:
            known = REGISTRY.get(self.name)
            if known is not None and known != self:
                raise ValueError(f"two endpoint rows are named {self.name!r}")
            REGISTRY[self.name] = self

    @property
    def paginated(self) -> bool:
        """True when the endpoint pages (it has a `PagingSpec`)."""
        return self.paging is not None


#: Every declared endpoint row, by name, in declaration order (`daji_async.ENDPOINTS`).
REGISTRY: dict[str, Endpoint[Any]] = {}


def cache_ttls() -> dict[str, float]:
    """The default freshness of every cacheable row, by name, read from the registry."""
    return {name: row.cache_ttl for name, row in REGISTRY.items() if row.cache_ttl is not None}
