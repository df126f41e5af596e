"""`client.taobao.orders`: Taobao purchase orders (payment is in `taobao_payments`).

Split from `resources/taobao.py` (which re-exports every public name here): the lines of
preview and create travel as **JSON-encoded strings** (`render_item_List`, with a capital
L, and `order_line_list`); Taobao's inner result `code` is a string, `"0"` meaning
success; money is in **fen**. Create, cancel and pay are never retried; an answer that
proves nothing (a gateway 5xx, HTML, a timeout, a success without a well-formed purchase id)
is an *unknown* outcome, never a refusal.
"""

# mypy: disable-error-code="empty-body"
# (methods under @declared are signatures with a docstring: their body is written by the core)

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

import msgspec

from .. import _constants as C
from .._core import Resource
from .._declare import declared
from .._endpoints import TAOBAO_ORDER_CANCEL, TAOBAO_ORDER_CREATE, TAOBAO_ORDER_GET, TAOBAO_ORDER_PREVIEW
from .._errors import APIError, DajiError, ServerError, TaobaoOrderOutcomeUnknownError, TradeError
from .._protocol import ParamValue
from .._validate import extra_params as check_extra_params
from .._validate import integer, name_text, positive_id, text
from ..models.taobao import (
    TaobaoAddress,
    TaobaoCreatedOrder,
    TaobaoOrder,
    TaobaoOrderLine,
    TaobaoPreview,
    TaobaoRenderLine,
    TaobaoTradeAnswer,
)
from .orders import new_out_order_id

if TYPE_CHECKING:
    from .._client import Timeout

__all__ = [
    "MAX_ORDER_LINES",
    "PAY_BATCH",
    "TaobaoOrders",
    "address_json",
    "encode_order_lines",
    "encode_render_lines",
    "purchase_id_of",
]

PAY_BATCH = C.TAOBAO_PAY_BATCH
#: Most lines the SDK puts in one preview or create (undocumented; a conservative bound).
MAX_ORDER_LINES = 100
#: Longest `third_order_id` the SDK sends.
MAX_THIRD_ORDER_ID = 64

AddressArg = Union[TaobaoAddress, Mapping[str, Any]]
RenderLineArg = Union[TaobaoRenderLine, Mapping[str, Any]]
OrderLineArg = Union[TaobaoOrderLine, Mapping[str, Any]]

# --------------------------------------------------------------------------- encoding (pure)


def _lines(name: str, lines: object) -> Sequence[Any]:
    if isinstance(lines, (str, bytes, Mapping, msgspec.Struct)) or not isinstance(lines, Sequence):
        raise TypeError(f"{name} must be a list of lines")
    if not lines:
        raise ValueError(f"{name} is empty: an order needs at least one line")
    if len(lines) > MAX_ORDER_LINES:
        raise ValueError(f"{name} has {len(lines)} lines; at most {MAX_ORDER_LINES}")
    return lines


def encode_render_lines(lines: Sequence[RenderLineArg]) -> str:
    """Preview lines as the JSON text `render_item_List` carries (checked first).

    `[{"itemId": 2048153758314474, "quantity": "1", "skuId": 3357413213162}]`: ids as
    numbers and the quantity as text, as the wiki's example sends them.
    """
    encoded = []
    for i, line in enumerate(_lines("lines", lines)):
        if isinstance(line, Mapping):
            line = TaobaoRenderLine(**line)
        if not isinstance(line, TaobaoRenderLine):
            raise TypeError(f"lines[{i}] must be a TaobaoRenderLine, got {type(line).__name__}")
        encoded.append(
            {
                "itemId": positive_id(f"lines[{i}].item_id", line.item_id),
                "quantity": str(integer(f"lines[{i}].quantity", line.quantity, low=1)),
                "skuId": positive_id(f"lines[{i}].sku_id", line.sku_id),
            }
        )
    return msgspec.json.encode(encoded).decode()


def encode_order_lines(lines: Sequence[OrderLineArg]) -> tuple[str, int]:
    """Create lines as the JSON text `order_line_list` carries, and their total in fen.

    Each line: `{itemId, orderLineNo, quantity (text), price (fen), currency, title, skuId}`;
    `orderLineNo` defaults to the line's position (`"1"`, `"2"`...).
    """
    encoded = []
    total = 0
    numbers: set[str] = set()
    for i, line in enumerate(_lines("lines", lines)):
        if isinstance(line, Mapping):
            line = TaobaoOrderLine(**line)
        if not isinstance(line, TaobaoOrderLine):
            raise TypeError(f"lines[{i}] must be a TaobaoOrderLine, got {type(line).__name__}")
        quantity = integer(f"lines[{i}].quantity", line.quantity, low=1)
        price = integer(f"lines[{i}].price", line.price, low=0)
        number = line.order_line_no if line.order_line_no is not None else str(i + 1)
        name_text(f"lines[{i}].order_line_no", number)
        if number in numbers:
            raise ValueError(f"lines[{i}].order_line_no {number!r} repeats an earlier line's")
        numbers.add(number)
        name_text(f"lines[{i}].currency", line.currency)
        encoded.append(
            {
                "itemId": positive_id(f"lines[{i}].item_id", line.item_id),
                "orderLineNo": number,
                "quantity": str(quantity),
                "price": price,
                "currency": line.currency,
                "title": text(f"lines[{i}].title", line.title, required=False),
                "skuId": positive_id(f"lines[{i}].sku_id", line.sku_id),
            }
        )
        total += price * quantity
    return msgspec.json.encode(encoded).decode(), total


#: The keys the newest en pages mark required in every address (api-194164778, api-194164780).
ADDRESS_KEYS = ("country", "state", "city", "district", "address", "zip", "name", "phone", "mobile_phone")


def address_json(name: str, address: AddressArg, *, tax_id: bool = False) -> dict[str, Any]:
    """A Taobao address as its JSON object, checked first, with every documented key sent.

    The en preview and create pages mark every sub-field required (§9.2): `name`,
    `state`, `city`, `district` and `address` must be given (else `ValueError`); a
    missing `phone` or `mobile_phone` is sent as the other one, a missing `zip` as "".
    """
    if isinstance(address, Mapping):
        try:
            address = TaobaoAddress(**address)
        except TypeError as exc:
            raise TypeError(f"{name}: {exc}") from None
    if not isinstance(address, TaobaoAddress):
        raise TypeError(f"{name} must be a TaobaoAddress, got {type(address).__name__}")
    text(f"{name}.name", address.name)
    if not (address.mobile_phone or address.phone):
        raise ValueError(f"{name} needs a mobile_phone or a phone")
    for key in ("state", "city", "district", "address"):
        text(f"{name}.{key}", getattr(address, key))
    built = msgspec.to_builtins(address)
    assert isinstance(built, dict)
    built.setdefault("country", address.country)
    built["phone"] = address.phone or address.mobile_phone
    built["mobile_phone"] = address.mobile_phone or address.phone
    built.setdefault("zip", "")
    if not tax_id:
        built.pop("tax_id", None)
    return built


_ID_TEXT = re.compile(r"[0-9]{1,19}")


def _id_texts(value: object) -> list[str]:
    """One id or a list of ids, in any spelling's type, as text (non-ids dropped)."""
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if isinstance(v, (int, str)) and not isinstance(v, bool) and str(v)]


def settle_created(created: TaobaoCreatedOrder, third: str, path: str) -> TaobaoCreatedOrder:
    """Merge a create answer's spellings, and refuse to call it a success without a purchase id.

    The main id may come as `purchaseId`, `purchase_id` or `order_list[0].purchase_id`;
    the sub-order ids as `subPurchaseOrderIds`, `sub_purchase_order_id` or the ids of
    `order_list[].order_line_list[]`. A success that carries no well-formed purchase id
    (missing, empty, `'abc'`, `'-5'`, `0`) proves nothing: the order may exist, so it
    raises `TaobaoOrderOutcomeUnknownError` with the `thirdOrderId` sent.
    """
    if not created.purchase_id and created.order_list:
        created.purchase_id = created.order_list[0].purchase_id
    if not created.sub_purchase_order_ids:
        subs = _id_texts(created.sub_purchase_order_id_snake)
        subs += [line.sub_purchase_order_id for order in created.order_list for line in order.order_line_list]
        created.sub_purchase_order_ids = [s for s in subs if s]
    if not created.third_order_id:
        created.third_order_id = third
    purchase_id = created.purchase_id
    if not (isinstance(purchase_id, str) and _ID_TEXT.fullmatch(purchase_id) and int(purchase_id) > 0):
        raise TaobaoOrderOutcomeUnknownError(
            f"{TAOBAO_ORDER_CREATE.method} {path}: create answered success without a well-formed purchase id "
            f"({purchase_id!r}); the outcome is unknown and the purchase order may exist. Find purchase number "
            f"thirdOrderId={third!r} before creating it again, and never create it again under a new "
            "third_order_id",
            out_order_id=third,
            method=TAOBAO_ORDER_CREATE.method,
            path=path,
        )
    return created


def _third_order_id(value: str | None) -> str:
    if value is None:
        return new_out_order_id()
    name_text("third_order_id", value)
    assert value is not None
    if len(value) > MAX_THIRD_ORDER_ID or any(c.isspace() for c in value):
        raise ValueError(f"third_order_id must be 1..{MAX_THIRD_ORDER_ID} characters without spaces, got {value!r}")
    return value


def purchase_id_of(value: int | str, name: str = "purchase_id") -> int:
    """A Taobao purchase order id (int or digit text) as the int the JSON bodies carry."""
    if isinstance(value, float):
        raise TypeError(f"{name} must be an int or its digits as a str, not a float")
    return positive_id(name, value)


# --------------------------------------------------------------------------- orders


def is_refusal(error: DajiError | None) -> bool:
    """True when `error` is the service's own explicit "no": the call certainly took no effect.

    That is Taobao's inner verdict (`TradeError`) or an error envelope or
    4xx answer from the service (bad parameters, authentication, not found, rate limited).
    A gateway 5xx, a 408, an HTML page, a timeout, a lost connection or an undecodable answer
    proves nothing either way: those are *unknown* outcomes, never refusals.
    """
    if isinstance(error, TradeError):
        return True
    if not isinstance(error, APIError) or isinstance(error, ServerError):
        return False
    return error.status == 200 or (400 <= error.status < 500 and error.status != 408)


class TaobaoOrders(Resource):
    """Taobao purchase orders: `client.taobao.orders` (create and cancel never retried)."""

    async def preview(
        self,
        lines: Sequence[RenderLineArg],
        *,
        receiver_address: AddressArg,
        warehouse_address: AddressArg | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TaobaoPreview:
        """Price a purchase order before creating it (POST /taobao/purchase/order/render).

        `lines` are `TaobaoRenderLine` (`item_id` and
        `sku_id` are the bunker's `mpId`/`mpSkuid`), sent as the JSON text
        `render_item_List`. `receiver_address` is your **China warehouse** address, as
        the wiki asks. Amounts of the answer are in fen. `warehouse_address` is required on
        en api-194164778 (optional on zh api-183099606): it is always sent, as the
        `receiver_address` when you give none; every address key is sent (see `address_json`).

        ```python
        preview = await client.taobao.orders.preview(
            [TaobaoRenderLine(item_id=2048153758314474, sku_id=3357413213162, quantity=1)],
            receiver_address=warehouse)
        print(preview.total_amount)  # fen
        ```

        """
        params: dict[str, ParamValue] = {
            "need_supplychain_service": False,
            "receiver_address": address_json("receiver_address", receiver_address),
            # required on en api-194164778 (zh: optional): without one, the receiver (the China
            # warehouse, as the page asks) is sent as both
            "warehouse_address": address_json(
                "warehouse_address", receiver_address if warehouse_address is None else warehouse_address
            ),
            "render_item_List": encode_render_lines(lines),
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        return await self._core.call(TAOBAO_ORDER_PREVIEW, params, timeout=timeout, max_retries=max_retries)

    async def create(
        self,
        lines: Sequence[OrderLineArg],
        *,
        receiver: AddressArg,
        warehouse_address: AddressArg,
        purchase_amount: int,
        third_order_id: str | None = None,
        seller_order_number: str = "",
        order_source: str | None = None,
        channel_order_type: str | None = None,
        support_partial_success: bool = False,
        order_remark: str = "",
        need_sys_retry: bool = False,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TaobaoCreatedOrder:
        """Create a purchase order (POST /taobao/purchase/order/create). **Never retried.**

        `lines` are `TaobaoOrderLine` (unit `price` in
        **fen**), sent as the JSON text `order_line_list`. `purchase_amount` is the
        planned total in **fen** (an int; at least the lines' total). `third_order_id` is
        your purchase number: one is generated when you give none, and the answer carries it.
        `max_retries` is ignored: create is sent once.

        `order_source` (the buyer's platform, e.g. `"lazada"`) is **required**: the newest
        en page (api-194164780) marks every top-level field required (the zh page marks it
        optional), so it is always sent and a missing one is a `ValueError` before sending.

        A timeout, a lost connection, a gateway 5xx, an unreadable answer or a success without
        a well-formed purchase id raises `TaobaoOrderOutcomeUnknownError` with that
        `third_order_id`: the order may exist; look for it before creating again, and never
        under a new number.

        ```python
        order = await client.taobao.orders.create(
            [TaobaoOrderLine(item_id=2048153758314474, sku_id=3357413213162, quantity=1, price=1990)],
            receiver=customer, warehouse_address=warehouse, purchase_amount=1990, order_source="lazada")
        print(order.purchase_id, order.third_order_id)
        ```
        """
        if order_source is None:
            raise ValueError(
                "order_source is required (wiki en api-194164780): the buyer's platform, e.g. order_source='lazada'"
            )
        encoded, lines_total = encode_order_lines(lines)
        amount = integer("purchase_amount", purchase_amount, low=1)
        if amount < lines_total:
            raise ValueError(
                f"purchase_amount is {amount} fen, less than the lines' total of {lines_total} fen "
                "(price is per unit, in fen)"
            )
        for name, value in (("seller_order_number", seller_order_number), ("order_remark", order_remark)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got {type(value).__name__}")
            if value:  # empty is documented ("may be empty"); anything else is checked
                text(name, value)
        for name, flag in (("support_partial_success", support_partial_success), ("need_sys_retry", need_sys_retry)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be a bool, got {type(flag).__name__}")
        third = _third_order_id(third_order_id)
        params: dict[str, ParamValue] = {
            "thirdOrderId": third,
            "purchase_amount": amount,
            "seller_order_number": seller_order_number,
            "order_source": name_text("order_source", order_source),
            "order_line_list": encoded,
            "receiver": address_json("receiver", receiver, tax_id=True),
            "warehouse_address_info": address_json("warehouse_address", warehouse_address),
            "channel_order_type": name_text("channel_order_type", channel_order_type, required=False),
            "support_partial_success": support_partial_success,
            "order_remark": order_remark,
            "need_supply_chain_service": False,
            "need_sys_retry": need_sys_retry,
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        # outcome-unknown (with thirdOrderId) and TradeError come from the pipeline: the row says so
        try:
            created = await self._core.call(TAOBAO_ORDER_CREATE, params, timeout=timeout, max_retries=0)
        except APIError as exc:
            if is_refusal(exc):
                raise
            # a gateway 5xx says nothing about whether the order was made
            raise TaobaoOrderOutcomeUnknownError.for_call(
                exc,
                method=TAOBAO_ORDER_CREATE.method,
                path=self._core.endpoint_path(TAOBAO_ORDER_CREATE),
                params=params,
            ) from exc
        return settle_created(created, third, self._core.endpoint_path(TAOBAO_ORDER_CREATE))

    async def cancel(
        self,
        purchase_id: int | str,
        *,
        sub_purchase_order_ids: Iterable[int | str] = (),
        reason: str,
        remark: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TaobaoTradeAnswer:
        """Ask to cancel a purchase order (POST /taobao/purchase/order/asyn/cancel). **Never retried.**

        The cancel is **asynchronous**: a success (inner `code` `"0"`) means the request
        was accepted; the order's status (`orders.get`, or a type-3 message) says when it is
        closed. `sub_purchase_order_ids` cancels only those sub-orders (empty: the whole order).
        `max_retries` is ignored: cancel is sent once.

        As the page (en api-194164781) types them, `purchase_id` and every
        `sub_purchase_orderId_list` entry are sent as **strings** (ints are accepted from
        you), and `cancel_reason` and `cancel_remark` are both required and always sent:
        without a `remark` the reason is sent as the remark.

        ```python
        answer = await client.taobao.orders.cancel(order.purchase_id, reason="buyer changed mind")
        print(answer.request_id)
        ```
        """
        if isinstance(sub_purchase_order_ids, (str, bytes)):
            raise TypeError("sub_purchase_order_ids must be an iterable of ids, not a single string")
        subs = [str(purchase_id_of(s, "sub_purchase_order_ids[]")) for s in sub_purchase_order_ids]
        params: dict[str, ParamValue] = {
            "purchase_id": str(purchase_id_of(purchase_id)),
            "sub_purchase_orderId_list": subs,
            "cancel_reason": text("reason", reason),
            "cancel_remark": reason if remark is None else text("remark", remark),
        }
        return await self._core.call(TAOBAO_ORDER_CANCEL, params, timeout=timeout, max_retries=0)

    @declared(TAOBAO_ORDER_GET)
    async def get(
        self, purchase_id: int | str, *, timeout: Timeout | None = None, max_retries: int | None = None
    ) -> TaobaoOrder:
        """A purchase order's status, lines and shipments (POST /taobao/purchase/order/query;
        the path is from client code, the body `{purchase_id}` inferred).

        `purchase_id` is sent as a string, as the cancel page types the same field.

        ```python
        order = await client.taobao.orders.get(created.purchase_id)
        print(order.status, order.purchase_amount)  # fen
        ```
        """


# --------------------------------------------------------------------------- payment


_MOVED = ("TaobaoPayBatch", "TaobaoPayResult", "TaobaoPayments")


def __getattr__(name: str) -> Any:
    # payment moved to taobao_payments (which imports this module); its names stay importable here
    if name in _MOVED:
        from . import taobao_payments

        return getattr(taobao_payments, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
