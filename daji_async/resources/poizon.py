"""`client.poizon`: Poizon (得物) search, detail, categories, orders (create & pay) and balance.

Sources (`daji-wiki.md` §9.1): DAJI's wiki documents **Create order & Payment**
(`POST /poizon/order/createOrder`, en api-456883163); search and detail are called as
several independent public clients call them (`distSpuTitle`/`dwSpuTitle`/
`distBrandName`, `startId` cursor); the Query Order Info and Balance Query paths and the
category call are inferred, marked `confirmed=False`, and `DajiClient(endpoint_paths=...)`
points them elsewhere. The search pages with a cursor through the same paginator as every
other search.

Create **pays at once** from the app's prepaid balance and is never retried. Its
`requestId` is the idempotency key: yours, or one generated and logged before sending. An
answer that proves nothing (a timeout, a lost connection, a gateway 5xx, HTML, an undecodable
body, a success without an order number) raises
[PoizonOrderOutcomeUnknownError][daji_async.PoizonOrderOutcomeUnknownError] carrying it; the
service's own refusal (its envelope with a `msg`, e.g. an insufficient balance) raises an
[APIError][daji_async.APIError] whose text is that `msg`.
"""

# mypy: disable-error-code="empty-body"
# (methods under @declared are signatures with a docstring: their body is written by the core)

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, Union, overload

import msgspec

from .._core import Resource
from .._declare import declared
from .._endpoints import (
    POIZON_BALANCE,
    POIZON_CATEGORY,
    POIZON_DETAIL,
    POIZON_ORDER_CREATE,
    POIZON_ORDER_GET,
    POIZON_SEARCH,
)
from .._errors import APIError, PoizonOrderOutcomeUnknownError, ServerError
from .._pagination import Paginator, PagingOptions
from .._protocol import ParamValue
from .._validate import integer, name_text, positive_id, text
from ..models.poizon import (
    PoizonAddress,
    PoizonBalance,
    PoizonCategory,
    PoizonOrder,
    PoizonSearchPage,
    PoizonSpu,
    PoizonSpuDetail,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._client import Timeout
    from .._core import Core

#: A caller's own item Struct (`item_type=`).
ItemT = TypeVar("ItemT")

__all__ = ["Poizon", "PoizonCategories", "PoizonOrders", "PoizonProducts", "new_request_id"]

logger = logging.getLogger("daji_async")

#: Longest `request_id` the SDK sends (the page's example is `REQ202501011003`).
MAX_REQUEST_ID = 64
#: Most units of one product a create takes (undocumented; a conservative bound).
MAX_QUANTITY = 999
_REQUEST_ID = re.compile(r"[A-Za-z0-9_.:-]+")

AddressArg = Union[PoizonAddress, Mapping[str, Any]]


def new_request_id() -> str:
    """A fresh `requestId` for `poizon.orders.create`: `REQ` and 32 hex digits.

    Generate it yourself and store it with your order before calling create: after an
    unknown outcome, the same `requestId` finds (or safely repeats) the order.
    """
    return "REQ" + uuid.uuid4().hex


def _request_id(value: str | None) -> str:
    if value is None:
        return new_request_id()
    if not isinstance(value, str):
        raise TypeError(f"request_id must be a str, got {type(value).__name__}")
    if not 0 < len(value) <= MAX_REQUEST_ID or not _REQUEST_ID.fullmatch(value):
        raise ValueError(f"request_id must be 1..{MAX_REQUEST_ID} letters, digits or _.:- characters, got {value!r}")
    return value


def _id_text(name: str, value: object) -> str:
    """A Poizon id the page types as a string (`"4329499"`): an int or digit text, sent as text."""
    if isinstance(value, float):
        raise TypeError(f"{name} must be an int or its digits as a str, not a float")
    return str(positive_id(name, value))


def _optional_text(name: str, value: object) -> str:
    """A string the page allows empty (`distSpuId`, `distSkuId`): None and "" are sent as ""."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return name_text(name, value) or ""


def shipping_address_json(address: AddressArg) -> dict[str, Any]:
    """Create's `shippingAddress` (W): every key checked before sending; `email` when given."""
    if isinstance(address, Mapping):
        try:
            address = PoizonAddress(**address)
        except TypeError as exc:
            raise TypeError(f"shipping_address: {exc}") from None
    if not isinstance(address, PoizonAddress):
        raise TypeError(f"shipping_address must be a PoizonAddress, got {type(address).__name__}")
    for key in ("name", "phone", "province", "city", "district", "detail_address"):
        text(f"shipping_address.{key}", getattr(address, key))
    if address.email is not None:
        text("shipping_address.email", address.email, one_line=True)
    built = msgspec.to_builtins(address)
    assert isinstance(built, dict)
    return built


def _well_formed(order: PoizonOrder) -> bool:
    number = order.dist_order_no or order.customer_order_no
    return isinstance(number, str) and bool(number.strip())


class PoizonProducts(Resource):
    """Poizon product search and detail: `client.poizon.products`."""

    @overload
    def search(
        self,
        *,
        brand: str | None = None,
        title: str | None = None,
        cn_title: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[PoizonSearchPage[PoizonSpu], PoizonSpu]: ...

    @overload
    def search(
        self,
        *,
        brand: str | None = None,
        title: str | None = None,
        cn_title: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: type[ItemT],
        **paging: Unpack[PagingOptions],
    ) -> Paginator[PoizonSearchPage[ItemT], ItemT]: ...

    @declared(POIZON_SEARCH)
    def search(
        self,
        *,
        brand: str | None = None,
        title: str | None = None,
        cn_title: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        item_type: type[Any] | None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[PoizonSearchPage[Any], Any]:
        """Search Poizon products (GET /poizon/product/queryList), by brand and/or title.

        As public clients call it (C): `brand` is sent as `distBrandName`, `title` (the
        English title) as `distSpuTitle` and `cn_title` (the Chinese title) as
        `dwSpuTitle`. Paging is a cursor: the first request names none, each next one sends
        the last SPU's id as `startId`; `page_size` 1..50 (default 20). Resume a walk
        with `page=paginator.next_page`.

        ```python
        async for spu in client.poizon.products.search(brand="Nike", max_items=200):
            print(spu.dw_spu_id, spu.title, spu.auth_price)  # fen
        ```
        """

    @declared(POIZON_DETAIL)
    async def detail(
        self,
        spu_id: int | str,
        *,
        sku_id: int | str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> PoizonSpuDetail:
        """The detail of one Poizon product (GET /poizon/product/queryDetail?dwSpuId=...).

        `sku_id` (optional) is sent as `dwSkuId`, as public clients do.

        ```python
        detail = await client.poizon.products.detail(spu.dw_spu_id)
        for sku in detail.sku_list:
            print(sku.dw_sku_id, sku.properties, sku.min_bid_price)  # fen
        ```
        """


class PoizonCategories(Resource):
    """Poizon's categories: `client.poizon.categories` (not in the wiki's Poizon menu: inferred)."""

    @declared(POIZON_CATEGORY)
    async def get(
        self, category_id: int | None = None, *, timeout: Timeout | None = None, max_retries: int | None = None
    ) -> list[PoizonCategory]:
        """The top-level categories (no `category_id`), or one category's children
        (GET /poizon/category/get; seen in one client's endpoint map only, `categoryId` inferred).

        ```python
        for category in await client.poizon.categories.get():
            print(category.category_id, category.name)
        ```
        """


class PoizonOrders(Resource):
    """Poizon orders: `client.poizon.orders` (create pays at once; never retried)."""

    async def create(
        self,
        *,
        spu_id: int | str,
        sku_id: int | str,
        price: int,
        shipping_address: AddressArg,
        quantity: int = 1,
        request_id: str | None = None,
        dist_spu_id: str | None = None,
        dist_sku_id: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> PoizonOrder:
        """Create an order **and pay it** from the prepaid balance (POST /poizon/order/createOrder).

        **Never retried.** One product per call (wiki en api-456883163): `spu_id` and
        `sku_id` are the `dwSpuId`/`dwSkuId` (sent as strings, as the page types them),
        `price` the unit price in **fen** (an int: 5900 is 59.00 yuan), `quantity` the
        units; `shipping_address` a recipient in mainland China. `request_id` is the
        idempotency key: pass your own (see `new_request_id`), or one is generated and logged
        (INFO) before anything is sent; the answer carries it.

        A timeout, a lost connection, a gateway 5xx, an unreadable answer or a success
        without an order number raises `PoizonOrderOutcomeUnknownError` with that
        `request_id`: the order may exist and the balance may be spent. Query it
        (`orders.get(request_id=...)`) or create again with the **same** `request_id`.
        The service's own refusal (its envelope's `msg`, e.g. an insufficient balance)
        raises an `APIError` naming it. `max_retries` is ignored.

        ```python
        order = await client.poizon.orders.create(
            spu_id=4329499, sku_id=620516702, price=5900, request_id="REQ202501011003",
            shipping_address=PoizonAddress(name="张三", phone="13800000000", province="浙江省",
                                           city="杭州市", district="余杭区", detail_address="文一西路1号"))
        print(order.dist_order_no, order.order_items[0].order_status)  # PAID
        ```
        """
        product: dict[str, Any] = {
            "dwSpuId": _id_text("spu_id", spu_id),
            "dwSkuId": _id_text("sku_id", sku_id),
            "distSpuId": _optional_text("dist_spu_id", dist_spu_id),
            "distSkuId": _optional_text("dist_sku_id", dist_sku_id),
            "quantity": integer("quantity", quantity, low=1, high=MAX_QUANTITY),
            "price": integer("price", price, low=1),
        }
        address = shipping_address_json(shipping_address)
        key = _request_id(request_id)
        params: dict[str, ParamValue] = {"requestId": key, "shippingAddress": address, "product": product}
        path = self._core.endpoint_path(POIZON_ORDER_CREATE)
        logger.info("POST %s: creating Poizon order requestId=%s", path, key)
        try:
            order = await self._core.call(POIZON_ORDER_CREATE, params, timeout=timeout, max_retries=0)
        except APIError as exc:
            # Poizon refuses inside its 200 envelope (msg); a gateway's 5xx or 408 proves nothing
            if exc.status == 200 or (
                400 <= exc.status < 500 and exc.status != 408 and not isinstance(exc, ServerError)
            ):
                raise
            raise PoizonOrderOutcomeUnknownError.for_call(
                exc, method=POIZON_ORDER_CREATE.method, path=path, params=params
            ) from exc
        if not _well_formed(order):
            raise PoizonOrderOutcomeUnknownError(
                f"{POIZON_ORDER_CREATE.method} {path}: create-and-pay answered success without an order number "
                f"(distOrderNo {order.dist_order_no!r}, customerOrderNo {order.customer_order_no!r}); the outcome "
                f"is unknown. Query requestId={key!r} (poizon.orders.get) before creating it again",
                out_order_id=key,
                method=POIZON_ORDER_CREATE.method,
                path=path,
            )
        if not order.request_id:
            order.request_id = key
        return order

    async def get(
        self,
        *,
        request_id: str | None = None,
        dist_order_no: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> PoizonOrder:
        """A Poizon order and its sub-orders' status (Query Order Info, POST; path and body inferred).

        Give the `request_id` create carried (sent as `requestId`), or the order's
        `dist_order_no` (`distOrderNo`); exactly one.

        ```python
        order = await client.poizon.orders.get(request_id="REQ202501011003")
        print([item.order_status for item in order.order_items])
        ```
        """
        if (request_id is None) == (dist_order_no is None):
            raise ValueError("poizon.orders.get needs exactly one of request_id or dist_order_no")
        params: dict[str, ParamValue] = {
            "requestId": _request_id(request_id) if request_id is not None else None,
            "distOrderNo": name_text("dist_order_no", dist_order_no, required=False),
        }
        return await self._core.call(POIZON_ORDER_GET, params, timeout=timeout, max_retries=max_retries)


class Poizon(Resource):
    """Everything Poizon: `client.poizon.products`, `.categories`, `.orders` and `.balance()`."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.products: PoizonProducts = PoizonProducts(core)
        """Product search (startId cursor) and detail."""
        self.categories: PoizonCategories = PoizonCategories(core)
        """Poizon's category tree (inferred: not in the wiki's Poizon menu)."""
        self.orders: PoizonOrders = PoizonOrders(core)
        """Create & pay (from the prepaid balance) and query orders."""

    @declared(POIZON_BALANCE)
    async def balance(self, *, timeout: Timeout | None = None, max_retries: int | None = None) -> PoizonBalance:
        """The app's prepaid Poizon balance, which create & pay draws down (Balance Query, GET; path inferred).

        ```python
        balance = await client.poizon.balance()
        print(balance.yuan, balance.currency)
        ```
        """
