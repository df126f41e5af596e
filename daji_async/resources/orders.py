"""``client.orders``: preview, create, cancel, view and confirm receipt of 1688 orders.

Create and cancel are never retried, on any error (the pipeline sends them once). Create
always carries an ``out_order_id`` (yours, or one generated here) and returns it, so a caller
who lost the answer looks the order up instead of buying twice; see :meth:`Orders.create`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, Union

import msgspec

from .._endpoints import ORDER_CANCEL, ORDER_CONFIRM_RECEIPT, ORDER_CREATE, ORDER_GET, ORDER_PREVIEW, Endpoint
from .._errors import (
    OrderOutcomeUnknownError,
)
from .._protocol import ParamValue
from .._validate import positive_id
from ..enums import CancelReason, OrderFlow
from ..models.orders import (
    Address,
    CargoLine,
    CreatedOrder,
    Invoice,
    OrderDetail,
    OrderPreview,
    TradeAnswer,
)

if TYPE_CHECKING:
    from .._client import DajiClient, Timeout

A = TypeVar("A", bound=TradeAnswer)

#: 1688's limit on the lines of one order.
MAX_CARGO_LINES = 50
#: Longest ``out_order_id`` the SDK sends (1688 does not document one; 64 is conservative).
MAX_OUT_ORDER_ID = 64
#: The ``webSite`` value of 1688 trade calls.
WEBSITE = "1688"

AddressArg = Union[Address, Mapping[str, Any]]
CargoArg = Union[CargoLine, Mapping[str, Any], Sequence[Any]]
InvoiceArg = Union[Invoice, Mapping[str, Any], None]

_OUT_ORDER_ID = re.compile(r"^[A-Za-z0-9_.:\-]+$")


# --------------------------------------------------------------------------- shared with payments


def order_id_of(order_id: int | str, name: str = "order_id") -> int:
    """Validate an order (or entry) id: a positive int, or its decimal text."""
    return positive_id(name, order_id)


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
        order_id_of(line.offer_id, f"cargo[{i}].offer_id")
        if line.spec_id is not None and (not isinstance(line.spec_id, str) or not line.spec_id):
            raise ValueError(f"cargo[{i}].spec_id must be a non-empty str (SkuInfo.spec_id) or None")
        quantity = line.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or not quantity > 0:
            raise ValueError(f"cargo[{i}].quantity must be a number > 0, got {quantity!r}")
        lines.append(struct_params(line))
    return lines


def _invoice(invoice: InvoiceArg) -> dict[str, Any] | None:
    if invoice is None:
        return None
    if isinstance(invoice, Mapping):
        invoice = Invoice(**invoice)
    if not isinstance(invoice, Invoice):
        raise TypeError(f"invoice must be an Invoice, got {type(invoice).__name__}")
    return struct_params(invoice)


def new_out_order_id() -> str:
    """A fresh ``out_order_id``: 32 hex digits, unique without coordination."""
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


def _comma_list(value: Sequence[str] | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)


class Orders:
    """Preview, create, cancel, view and confirm receipt of 1688 orders: ``client.orders``.

    The safe way to buy::

        preview = await client.orders.preview(address, cargo)             # price it (fen)
        order = await client.orders.create(address, cargo, trade_type=preview.results[0].trade_mode_name_list[0])
        await client.payments.pay(order.order_id)                          # or payments.links(...)
    """

    def __init__(self, client: DajiClient) -> None:
        self._client = client

    async def _trade(
        self,
        endpoint: Endpoint[A],
        params: Mapping[str, ParamValue],
        *,
        timeout: Timeout | None,
        max_retries: int | None,
        allow_empty: bool = False,
    ) -> A:
        # the pipeline applies the row's trade semantics (TradeError, outcome unknown)
        if allow_empty:
            envelope = await self._client._execute(endpoint, params, timeout=timeout, max_retries=max_retries)
            return envelope.data if envelope.data is not None else endpoint.response(success=True)
        return await self._client._call(endpoint, params, timeout=timeout, max_retries=max_retries)

    async def preview(
        self,
        address: AddressArg,
        cargo: Sequence[CargoArg],
        *,
        flow: str | None = None,
        invoice: InvoiceArg = None,
        out_order_id: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> OrderPreview:
        """Price an order without creating it (1688 ``alibaba.createOrder.preview``).

        Amounts come back in **fen**; one result per supplier. ``flow`` (an
        :class:`~daji_async.OrderFlow`) left out lets 1688 pick the best one. Read-only: retried
        like a search.

        ::

            preview = await client.orders.preview(address, [CargoLine(offer_id, spec_id, 2)])
            print(fen_to_yuan(preview.total_payment), preview.results[0].trade_mode_name_list)
        """
        params: dict[str, ParamValue] = {
            "addressParam": _address(address),
            "cargoParamList": _cargo(cargo),
            "invoiceParam": _invoice(invoice),
            "flow": flow,
            "outOrderId": _out_order_id(out_order_id) if out_order_id is not None else None,
        }
        if extra_params:
            params.update(extra_params)
        return await self._trade(ORDER_PREVIEW, params, timeout=timeout, max_retries=max_retries)

    async def create(
        self,
        address: AddressArg,
        cargo: Sequence[CargoArg],
        *,
        out_order_id: str | None = None,
        flow: str = OrderFlow.GENERAL,
        trade_type: str | None = None,
        message: str | None = None,
        invoice: InvoiceArg = None,
        shop_promotion_id: str | None = None,
        pre_select_pay_channel: str | None = None,
        use_red_envelope: bool | None = None,
        dropshipping: bool | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> CreatedOrder:
        """Create an order (1688 ``alibaba.trade.createCrossOrder``). **Never retried.**

        The request carries ``out_order_id`` (yours, or a fresh one) and the answer returns it.
        If the call fails without a readable answer (timeout, lost connection, garbled body),
        :class:`~daji_async.OrderOutcomeUnknownError` is raised with that ``out_order_id``: the
        order may exist. Look it up with ``orders.get(out_order_id=...)``, or call create
        again with the **same** ``out_order_id`` (the sandbox answers with the same order).
        Never create again with a new id after an unknown outcome. ``max_retries`` is accepted
        for symmetry and ignored: create is sent once.

        ``trade_type`` comes from the preview's ``trade_mode_name_list``. One order holds one
        supplier's goods (at most 50 lines). The returned ``order_id`` is always an int.

        ::

            order = await client.orders.create(address, cargo, trade_type="assureTrade")
            print(order.order_id, order.out_order_id, order.total_success_amount)  # fen
        """
        out_id = _out_order_id(out_order_id)
        params: dict[str, ParamValue] = {
            "flow": flow,
            "addressParam": _address(address),
            "cargoParamList": _cargo(cargo),
            "invoiceParam": _invoice(invoice),
            "tradeType": trade_type,
            "message": message,
            "outOrderId": out_id,
            "shopPromotionId": shop_promotion_id,
            "preSelectPayChannel": pre_select_pay_channel,
            "useRedEnvelope": use_red_envelope,
            "dropshipping": None if dropshipping is None else ("y" if dropshipping else "n"),
        }
        if extra_params:
            params.update(extra_params)
        path = self._client.endpoint_path(ORDER_CREATE)
        # no readable answer: the pipeline raises OrderOutcomeUnknownError (the row says so)
        created = await self._trade(ORDER_CREATE, params, timeout=timeout, max_retries=0)
        if created.out_order_id is None:
            created = msgspec.structs.replace(created, out_order_id=out_id)
        if created.order_id is None and created.order_list:
            created = msgspec.structs.replace(created, order_id=created.order_list[0].order_id)
        if isinstance(created.order_id, str) and created.order_id.isdigit():
            created = msgspec.structs.replace(created, order_id=int(created.order_id))
        if not isinstance(created.order_id, int):
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
        """Cancel an unpaid order (1688 ``alibaba.trade.cancel``). **Never retried.**

        ``reason`` is a :class:`~daji_async.CancelReason` (``buyerCancel``, ``sellerGoodsLack``,
        ``other``). Only ``waitbuyerpay`` orders can be cancelled: otherwise 1688 answers
        ``ORDER_STATUS_ERROR`` (a :class:`~daji_async.TradeError`); cancelling within 10 s of
        creation gives ``CLOSE_ORDER_TOO_FAST``. ``max_retries`` is ignored.

        ::

            await client.orders.cancel(order.order_id, CancelReason.BUYER_CANCEL, remark="wrong size")
        """
        if not isinstance(reason, str) or not reason:
            raise ValueError("reason must be a CancelReason: buyerCancel, sellerGoodsLack or other")
        params: dict[str, ParamValue] = {
            "webSite": WEBSITE,
            "tradeID": order_id_of(order_id),
            "cancelReason": reason,
            "remark": remark,
        }
        if extra_params:
            params.update(extra_params)
        return await self._trade(ORDER_CANCEL, params, timeout=timeout, max_retries=0, allow_empty=True)

    async def get(
        self,
        order_id: int | str | None = None,
        *,
        out_order_id: str | None = None,
        include_fields: Sequence[str] | str | None = None,
        attribute_keys: Sequence[str] | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> OrderDetail:
        """An order's details, buyer's view (1688 ``alibaba.trade.get.buyerView``).

        Give the ``order_id``, or the ``out_order_id`` your create call carried (how you find
        an order whose create call timed out). ``include_fields``: ``GuaranteesTerms``,
        ``NativeLogistics``, ``RateDetail``, ``OrderInvoice``. Amounts are in **yuan** except
        ``base_info.discount`` (fen).

        ::

            order = await client.orders.get(order_id)
            order = await client.orders.get(out_order_id=err.out_order_id)   # after a timeout
            print(order.status, order.base_info.total_amount)                 # yuan
        """
        if order_id is None and out_order_id is None:
            raise ValueError("orders.get needs an order_id or an out_order_id")
        params: dict[str, ParamValue] = {
            "webSite": WEBSITE,
            "orderId": order_id_of(order_id) if order_id is not None else None,
            "outOrderId": _out_order_id(out_order_id) if out_order_id is not None else None,
            "includeFields": _comma_list(include_fields),
            "attributeKeys": list(attribute_keys) if attribute_keys is not None else None,
        }
        if extra_params:
            params.update(extra_params)
        return await self._trade(ORDER_GET, params, timeout=timeout, max_retries=max_retries)

    async def confirm_receipt(
        self,
        order_id: int | str,
        order_entry_ids: Sequence[int | str] | None = None,
        *,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TradeAnswer:
        """Confirm that an order's goods arrived (1688 ``trade.receivegoods.confirm``).

        ``order_entry_ids`` are the entries (lines) received, ``OrderDetail.entry_ids``; None
        confirms every entry (the SDK reads the order first). Confirming releases the payment
        to the seller. Only ``waitbuyerreceive`` orders can be confirmed.

        ::

            await client.orders.confirm_receipt(order_id)                     # every entry
            await client.orders.confirm_receipt(order_id, [5012345678901])    # some entries
        """
        oid = order_id_of(order_id)
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
        if extra_params:
            params.update(extra_params)
        return await self._trade(
            ORDER_CONFIRM_RECEIPT, params, timeout=timeout, max_retries=max_retries, allow_empty=True
        )
