"""`client.orders`: preview, create, cancel, list, view and confirm receipt of 1688 orders.

Every call sends the path and body DAJI's wiki documents (`daji-wiki.md` §2.8-§2.13).
Create, cancel and confirm receipt are never retried, on any error (the pipeline sends them
once). Create always carries a `thirdOrderId` (`out_order_id`: yours, or one generated
here) and returns it, so a caller who lost the answer looks the order up (the order list's
`outOrderId` filter) instead of buying twice; see `Orders.create`. Order ids are
`str` throughout; arguments take a `str` or an `int`, never a float.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, Union

import msgspec

from .. import _constants as C
from .._core import Resource
from .._endpoints import (
    ORDER_CANCEL,
    ORDER_CONFIRM_RECEIPT,
    ORDER_CREATE,
    ORDER_GET,
    ORDER_LIST,
    ORDER_PREVIEW,
    Endpoint,
)
from .._errors import (
    OrderOutcomeUnknownError,
    TradeError,
)
from .._pagination import Paginator, PagingOptions
from .._protocol import ParamValue
from .._validate import ORDER_STATUSES, documented, integer, positive_id, retry_count, text
from .._validate import extra_params as check_extra_params
from ..enums import CancelReason, OrderFlow, OrderStatus, OrderStatusName, Raw
from ..models.orders import (
    Address,
    CargoLine,
    CreatedOrder,
    OrderDetail,
    OrderListData,
    OrderPreview,
    TradeAnswer,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._client import Timeout

A = TypeVar("A", bound=TradeAnswer)

#: 1688's limit on the SKUs of one create call (more than 50 may be split into several orders).
MAX_CARGO_LINES = 100
#: What create sends as `isvBizType` unless told otherwise (the documented default).
ISV_BIZ_TYPE = "cross"
#: Largest id 1688 uses (a signed 64-bit integer).
MAX_ID = 2**63 - 1
#: Longest `out_order_id` the SDK sends (1688 does not document one; 64 is conservative).
MAX_OUT_ORDER_ID = 64
#: The `webSite` value of 1688 trade calls.
WEBSITE = "1688"

AddressArg = Union[Address, Mapping[str, Any]]
CargoArg = Union[CargoLine, Mapping[str, Any], Sequence[Any]]

_OUT_ORDER_ID = re.compile(r"^[A-Za-z0-9_.:\-]+$")


# --------------------------------------------------------------------------- shared with payments


_DIGITS = re.compile(r"[0-9]+")


def order_id_of(order_id: int | str, name: str = "order_id") -> str:
    """Validate an order (or sub-order, entry) id and return it as decimal text.

    Takes a positive int or its ASCII decimal text within 1688's 64-bit range. A float is
    refused (`TypeError`): 19-digit ids do not survive one.
    """
    if isinstance(order_id, float):
        raise TypeError(f"{name} must be a str or an int, not a float (19-digit ids lose digits in a float)")
    return str(positive_id(name, order_id, high=MAX_ID))


def struct_params(value: msgspec.Struct) -> dict[str, Any]:
    """A request Struct as the service's JSON object (camelCase keys, unset fields left out)."""
    built = msgspec.to_builtins(value)
    assert isinstance(built, dict)
    return {k: v for k, v in built.items() if v is not None}


# --------------------------------------------------------------------------- argument checks


def _address(address: AddressArg) -> dict[str, Any]:
    if isinstance(address, Mapping):
        address = Address(**address)
    if not isinstance(address, Address):
        raise TypeError(f"address must be an Address, got {type(address).__name__}")
    try:  # a Struct's constructor does not check types: convert does
        address = msgspec.convert(msgspec.to_builtins(address), Address)
    except msgspec.ValidationError as exc:
        raise ValueError(f"address: {exc}") from None
    for field, value in msgspec.structs.asdict(address).items():
        if isinstance(value, str) and len(value) > C.MAX_TEXT_LENGTH:
            raise ValueError(f"address.{field} is {len(value):,} characters long; at most {C.MAX_TEXT_LENGTH}")
    if address.address_id is None:
        missing = [
            name
            for name, ok in (
                ("full_name", address.full_name),
                ("mobile or phone", address.mobile or address.phone),
                ("address", address.address),
            )
            if not ok
        ]
        if missing:
            raise ValueError(f"address needs {', '.join(missing)} (or an address_id saved on the 1688 account)")
    return struct_params(address)


def _cargo(cargo: Sequence[CargoArg]) -> list[dict[str, Any]]:
    if isinstance(cargo, (CargoLine, Mapping, str, bytes)) or not isinstance(cargo, Sequence):
        raise TypeError("cargo must be a list of CargoLine (offer_id, spec_id, quantity)")
    if not cargo:
        raise ValueError("cargo is empty: an order needs at least one CargoLine")
    if len(cargo) > MAX_CARGO_LINES:
        raise ValueError(f"cargo has {len(cargo)} lines; 1688 takes at most {MAX_CARGO_LINES} per order")
    lines: list[dict[str, Any]] = []
    for i, line in enumerate(cargo):
        if isinstance(line, Mapping):
            line = CargoLine(**line)
        elif isinstance(line, (tuple, list)):
            line = CargoLine(*line)
        if not isinstance(line, CargoLine):
            raise TypeError(f"cargo[{i}] must be a CargoLine, got {type(line).__name__}")
        if isinstance(line.offer_id, bool) or not isinstance(line.offer_id, int):
            raise TypeError(f"cargo[{i}].offer_id must be an int (the documented offerId type)")
        order_id_of(line.offer_id, f"cargo[{i}].offer_id")
        if line.spec_id is not None and (not isinstance(line.spec_id, str) or not line.spec_id.strip()):
            raise ValueError(f"cargo[{i}].spec_id must be a non-empty str (SkuInfo.spec_id) or None")
        quantity = line.quantity
        if isinstance(quantity, float) and math.isfinite(quantity) and quantity.is_integer():
            quantity = int(quantity)
        integer(f"cargo[{i}].quantity", quantity, low=1, high=C.MAX_QUANTITY)
        built = struct_params(line)
        built["quantity"] = quantity
        lines.append(built)
    return lines


def new_out_order_id() -> str:
    """A fresh `out_order_id`: 32 hex digits, unique without coordination."""
    return uuid.uuid4().hex


def _out_order_id(out_order_id: str | None) -> str:
    if out_order_id is None:
        return new_out_order_id()
    if not isinstance(out_order_id, str):
        raise TypeError(f"out_order_id must be a str, got {type(out_order_id).__name__}")
    if not out_order_id or len(out_order_id) > MAX_OUT_ORDER_ID or not _OUT_ORDER_ID.match(out_order_id):
        raise ValueError(
            f"out_order_id must be 1..{MAX_OUT_ORDER_ID} letters, digits or _.:- characters, got {out_order_id!r}"
        )
    return out_order_id


def time_1688(value: _dt.datetime, name: str) -> str:
    """An aware datetime as 1688's `yyyyMMddHHmmssSSS+0800` (China time)."""
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. datetime.now(timezone.utc)), got a naive datetime")
    china = value.astimezone(_CHINA)
    return china.strftime("%Y%m%d%H%M%S") + f"{china.microsecond // 1000:03d}+0800"


_CHINA = _dt.timezone(_dt.timedelta(hours=8))


def _text(value: str | None, name: str, *, limit: int = C.MAX_TEXT_LENGTH) -> str | None:
    """Optional text: None and "" pass (the service takes an empty remark), anything else is checked."""
    if value is None or value == "":
        return value
    return text(name, value, max_length=limit)


def _extra(params: dict[str, ParamValue], extra_params: Mapping[str, ParamValue] | None) -> None:
    if check_extra_params("extra_params", extra_params):
        assert extra_params is not None
        params.update(extra_params)


class Orders(Resource):
    """Preview, create, cancel, list, view and confirm receipt of 1688 orders: `client.orders`.

    The safe way to buy:

    ```python
    preview = await client.orders.preview(address, cargo)             # price it (fen)
    order = await client.orders.create(address, cargo)                 # order.order_id: str
    await client.payments.pay(order.order_id)                          # or payments.links(...)
    ```

    """

    async def _trade(
        self,
        endpoint: Endpoint[A],
        params: Mapping[str, ParamValue],
        *,
        timeout: Timeout | None,
        max_retries: int | None,
        allow_empty: bool = False,
    ) -> A:
        # the pipeline applies the row's trade semantics (TradeError, outcome unknown), once
        if allow_empty:
            envelope = await self._core.envelope(endpoint, params, timeout=timeout, max_retries=max_retries)
            return envelope.data if envelope.data is not None else endpoint.response(success=True)
        return await self._core.call(endpoint, params, timeout=timeout, max_retries=max_retries)

    async def preview(
        self,
        address: AddressArg,
        cargo: Sequence[CargoArg],
        *,
        flow: str = OrderFlow.GENERAL,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> OrderPreview:
        """Price an order without creating it (`POST /alibaba/createOrder/preview`).

        Sends `flow`, `addressParam` and `cargoParamList`. The goods must come from one
        supplier. Order-level amounts come back in **fen**, read from the documented
        (misspelt) `orderPreviewResuslt`. Read-only: retried like a search.

        ```python
        preview = await client.orders.preview(address, [CargoLine(offer_id, spec_id, 2)])
        print(fen_to_yuan(preview.total_payment), preview.results[0].trade_mode_name_list)
        ```

        """
        params: dict[str, ParamValue] = {
            "flow": _text(flow, "flow", limit=64),
            "addressParam": _address(address),
            "cargoParamList": _cargo(cargo),
        }
        _extra(params, extra_params)
        return await self._trade(ORDER_PREVIEW, params, timeout=timeout, max_retries=max_retries)

    async def create(
        self,
        address: AddressArg,
        cargo: Sequence[CargoArg],
        *,
        out_order_id: str | None = None,
        flow: str = OrderFlow.GENERAL,
        message: str | None = None,
        isv_biz_type: str = ISV_BIZ_TYPE,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> CreatedOrder:
        """Create an order (`POST /alibaba/trade/createCrossOrder`). **Never retried.**

        Sends `thirdOrderId` (`out_order_id`: yours, or a fresh one), `flow`,
        `message` (the remark to the seller, "" when not given), `isvBizType` (default
        `cross`), `addressParam` and `cargoParamList`. One supplier per call, at most
        100 SKUs. The result's `order_id` is a `str`; its `out_order_id` is the id sent.

        If the call fails without a readable answer (timeout, lost connection, garbled body,
        or a success without an order id), `OrderOutcomeUnknownError` is
        raised with that `out_order_id`: the order may exist. Look it up with
        `orders.get(out_order_id=...)` (the order list's filter) before creating again, and
        never create again under a new id. `max_retries` is ignored: create is sent once.

        ```python
        order = await client.orders.create(address, cargo, out_order_id="T20240708002")
        print(order.order_id, order.out_order_id, order.total_success_amount)  # fen
        ```

        """
        retry_count("max_retries", max_retries)  # ignored (create is sent once), but checked
        out_id = _out_order_id(out_order_id)
        params: dict[str, ParamValue] = {
            "thirdOrderId": out_id,
            "flow": _text(flow, "flow", limit=64),
            "message": _text(message, "message") or "",
            "isvBizType": _text(isv_biz_type, "isv_biz_type", limit=64),
            "addressParam": _address(address),
            "cargoParamList": _cargo(cargo),
        }
        _extra(params, extra_params)
        path = self._core.endpoint_path(ORDER_CREATE)
        # no readable answer: the pipeline raises OrderOutcomeUnknownError (the row says so)
        created = await self._trade(ORDER_CREATE, params, timeout=timeout, max_retries=0)
        if created.out_order_id is None:
            created = msgspec.structs.replace(created, out_order_id=out_id)
        if not created.order_id and created.order_list:
            created = msgspec.structs.replace(created, order_id=created.order_list[0].order_id)
        if not (isinstance(created.order_id, str) and _DIGITS.fullmatch(created.order_id)):
            # a success without a readable order id: the order may well exist
            raise OrderOutcomeUnknownError(
                f"{ORDER_CREATE.method} {path}: create answered success without a readable order id "
                f"({created.order_id!r}); the outcome is unknown. Look the order up with "
                f"orders.get(out_order_id={out_id!r}) before creating it again",
                out_order_id=out_id,
                method=ORDER_CREATE.method,
                path=path,
            )
        return created

    async def cancel(
        self,
        order_id: int | str,
        reason: str = CancelReason.BUYER_CANCEL,
        *,
        remark: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TradeAnswer:
        """Cancel an unpaid order (`POST /alibaba/trade/cancel`). **Never retried.**

        Sends `webSite` (`1688`), `orderId` (text), `cancelReason` (a
        `CancelReason`: `buyerCancel`, `sellerGoodsLack`, `other`)
        and `remark` ("" when not given). Only unpaid orders can be cancelled; 1688's
        refusal is a `TradeError`. `max_retries` is ignored.

        ```python
        await client.orders.cancel(order.order_id, CancelReason.BUYER_CANCEL, remark="wrong size")
        ```

        """
        retry_count("max_retries", max_retries)  # ignored (cancel is sent once), but checked
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("reason must be a CancelReason: buyerCancel, sellerGoodsLack or other")
        params: dict[str, ParamValue] = {
            "webSite": WEBSITE,
            "orderId": order_id_of(order_id),
            "cancelReason": _text(reason, "reason", limit=64),
            "remark": _text(remark, "remark") or "",
        }
        _extra(params, extra_params)
        return await self._trade(ORDER_CANCEL, params, timeout=timeout, max_retries=0, allow_empty=True)

    async def get(
        self,
        order_id: int | str | None = None,
        *,
        out_order_id: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> OrderDetail:
        """An order's details, buyer's view (`POST /alibaba/trade/get/buyerView`).

        With `order_id`: sends `webSite` and `orderId`. With `out_order_id` (the
        `thirdOrderId` a create call carried; how you find an order whose create outcome is
        unknown): the buyer-view page documents no such field, so the order list is asked
        with its `outOrderId` filter instead. No such order: a
        `TradeError` with code `ORDER_NOT_EXIST`. Amounts are in
        **yuan** except `base_info.discount` (fen).

        ```python
        order = await client.orders.get(order_id)
        order = await client.orders.get(out_order_id=err.out_order_id)   # after a timeout
        ```

        """
        if (order_id is None) == (out_order_id is None):
            raise ValueError("orders.get needs exactly one of order_id or out_order_id")
        if out_order_id is not None:
            wanted = _out_order_id(out_order_id)
            page = await self.list(out_order_id=wanted, page_size=20, timeout=timeout, max_retries=max_retries)
            for order in page.items:
                if order.base_info is None or order.base_info.out_order_id in (None, wanted):
                    return order
            path = self._core.endpoint_path(ORDER_LIST)
            raise TradeError(
                f"no order carries out_order_id {wanted!r}",
                status=200,
                code="ORDER_NOT_EXIST",
                path=path,
                method=ORDER_LIST.method,
            )
        assert order_id is not None  # exactly one of the two was given
        params: dict[str, ParamValue] = {"webSite": WEBSITE, "orderId": order_id_of(order_id)}
        _extra(params, extra_params)
        return await self._trade(ORDER_GET, params, timeout=timeout, max_retries=max_retries)

    def list(
        self,
        *,
        created_from: _dt.datetime | None = None,
        created_to: _dt.datetime | None = None,
        status: OrderStatus | OrderStatusName | Raw | None = None,
        out_order_id: str | None = None,
        product_name: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[OrderListData, OrderDetail]:
        """The buyer's orders (`POST /alibaba/trade/getBuyerOrderList`), as a paginator.

        Filters: the creation window (aware `datetime`s, sent as 1688's
        `yyyyMMddHHmmssSSS+0800` in `createStartTime`/`createEndTime`), `status` (an
        `OrderStatus`, sent as `orderStatus`; another value raises a ValueError
        naming the closest, unless wrapped in `Raw`), `out_order_id` (your
        `thirdOrderId`, sent as `outOrderId`) and `product_name`. Paged by
        `page`/`pageSize` (the `PagingOptions`); read-only, retried like a
        search. Without a total from the service, a short page is the last.

        ```python
        first = await client.orders.list(status=OrderStatus.WAIT_BUYER_PAY)      # a page
        async for order in client.orders.list(created_from=since, max_items=100):
            print(order.order_id, order.status)
        ```

        """
        if created_from is not None and created_to is not None and created_from > created_to:
            raise ValueError("created_from is after created_to")
        # a typo would list every order: refused, naming the closest status (Raw sends it as it is)
        order_status = documented("status", status, ORDER_STATUSES) if status is not None else None
        params: dict[str, ParamValue] = {
            "createStartTime": time_1688(created_from, "created_from") if created_from is not None else None,
            "createEndTime": time_1688(created_to, "created_to") if created_to is not None else None,
            "orderStatus": order_status,
            "outOrderId": _out_order_id(out_order_id) if out_order_id is not None else None,
            "productName": _text(product_name, "product_name", limit=200),
        }
        _extra(params, extra_params)
        return self._core.walk(ORDER_LIST, {k: v for k, v in params.items() if v is not None}, paging)

    async def confirm_receipt(
        self,
        order_id: int | str,
        order_entry_ids: Sequence[int | str] | None = None,
        *,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TradeAnswer:
        """Confirm an order's goods arrived (`POST /alibaba/trade/receiveGoods/confirm`). **Never retried.**

        Sends `orderId` and `orderEntryIds` (the received lines' `subItemID`s,
        `OrderDetail.entry_ids`), as text. None confirms every entry (the SDK reads the
        order first). Confirming releases the payment to the seller. 1688's refusal (DAJI
        documents code 1009 with `errorCode` `"4003"`) is a `TradeError`.

        ```python
        await client.orders.confirm_receipt(order_id)                          # every entry
        await client.orders.confirm_receipt(order_id, ["5012345678901"])       # some entries
        ```

        """
        retry_count("max_retries", max_retries)
        oid = order_id_of(order_id)
        entry_ids: builtins.list[str]
        if order_entry_ids is None:
            detail = await self.get(oid, timeout=timeout, max_retries=max_retries)
            entry_ids = detail.entry_ids
            if not entry_ids:
                raise ValueError(f"order {oid} lists no entries to confirm; pass order_entry_ids")
        else:
            if isinstance(order_entry_ids, (str, bytes)) or not isinstance(order_entry_ids, Sequence):
                raise TypeError("order_entry_ids must be a list of entry ids (OrderDetail.entry_ids)")
            if not order_entry_ids:
                raise ValueError("order_entry_ids is empty; pass None to confirm every entry")
            entry_ids = [order_id_of(e, "order_entry_ids[]") for e in order_entry_ids]
        params: dict[str, ParamValue] = {"orderId": oid, "orderEntryIds": entry_ids}
        _extra(params, extra_params)
        return await self._trade(ORDER_CONFIRM_RECEIPT, params, timeout=timeout, max_retries=0, allow_empty=True)
