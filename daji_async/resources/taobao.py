"""``client.taobao``: Taobao/Tmall products, purchase orders and payment.

Same core as 1688: rows in the endpoint table, the one paginator, the client's pipeline
(rate limit, concurrency bound, retries of safe calls, error mapping). What differs is in
the rows and here:

- searches page with ``page_no``/``page_size`` (at most 20 a page); image search V2.0 by
  picture URL pages with a 0-based ``pageNo``;
- preview and create take their lines as **JSON-encoded strings** on the wire
  (``render_item_List``, with a capital L, and ``order_line_list``): the SDK takes typed
  lines (:class:`~daji_async.models.taobao.TaobaoRenderLine`,
  :class:`~daji_async.models.taobao.TaobaoOrderLine`) and encodes them;
- Taobao's inner result ``code`` is a string, ``"0"`` meaning success; any other code (or
  ``success: false``) raises :class:`~daji_async.TradeError` carrying it;
- money is in **fen** (int): ``purchase_amount``, line prices, item prices;
- create, cancel and pay are never retried; create always carries a ``thirdOrderId`` (yours
  or generated) and a lost answer raises
  :class:`~daji_async.TaobaoOrderOutcomeUnknownError` naming it; pay goes out in batches of
  at most 10 and every batch's outcome is reported (:class:`TaobaoPayResult`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

import msgspec

from .. import _constants as C
from .._endpoints import (
    TAOBAO_BUNKER,
    TAOBAO_DETAIL,
    TAOBAO_IMAGE_SEARCH,
    TAOBAO_IMAGE_SEARCH_URL,
    TAOBAO_KEYWORD_SEARCH,
    TAOBAO_LOGISTICS_PRICE,
    TAOBAO_ORDER_CANCEL,
    TAOBAO_ORDER_CREATE,
    TAOBAO_ORDER_GET,
    TAOBAO_ORDER_PREVIEW,
    TAOBAO_PAY,
    TAOBAO_SHOP_SEARCH,
    TAOBAO_UPLOAD_IMAGE,
    TAOBAO_UPLOAD_IMAGE_URL,
)
from .._errors import DajiError, OutcomeUnknownError
from .._pagination import Paginator, PagingOptions, paginate
from .._protocol import ParamValue
from .._validate import (
    digits,
    integer,
    language,
    name_text,
    positive_id,
    text,
    text_list,
)
from .._validate import (
    extra_params as check_extra_params,
)
from ..models.taobao import (
    TaobaoAddress,
    TaobaoCreatedOrder,
    TaobaoDistributionInfo,
    TaobaoItem,
    TaobaoItemDetail,
    TaobaoLogisticsPrice,
    TaobaoOrder,
    TaobaoOrderLine,
    TaobaoPayAnswer,
    TaobaoPreview,
    TaobaoRenderLine,
    TaobaoSearchPage,
    TaobaoTradeAnswer,
)
from .orders import new_out_order_id
from .products import ImageData, _picture_url, image_base64

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._client import DajiClient, Timeout

__all__ = [
    "MAX_ORDER_LINES",
    "PAY_BATCH",
    "Taobao",
    "TaobaoOrders",
    "TaobaoPayBatch",
    "TaobaoPayResult",
    "TaobaoPayments",
    "TaobaoProducts",
    "encode_order_lines",
    "encode_render_lines",
]

#: Most purchase orders one pay call takes (the documented limit); larger lists are batched.
PAY_BATCH = C.TAOBAO_PAY_BATCH
#: Most lines the SDK puts in one preview or create (undocumented; a conservative bound).
MAX_ORDER_LINES = 100
#: Longest ``third_order_id`` the SDK sends.
MAX_THIRD_ORDER_ID = 64

AddressArg = Union[TaobaoAddress, Mapping[str, Any]]
RenderLineArg = Union[TaobaoRenderLine, Mapping[str, Any]]
OrderLineArg = Union[TaobaoOrderLine, Mapping[str, Any]]
TextList = Union[Sequence[str], str, None]


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
    """Preview lines as the JSON text ``render_item_List`` carries (checked first).

    ``[{"itemId": 2048153758314474, "quantity": "1", "skuId": 3357413213162}]``: ids as
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
    """Create lines as the JSON text ``order_line_list`` carries, and their total in fen.

    Each line: ``{itemId, orderLineNo, quantity (text), price (fen), currency, title, skuId}``;
    ``orderLineNo`` defaults to the line's position (``"1"``, ``"2"``...).
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


def address_json(name: str, address: AddressArg, *, tax_id: bool = False) -> dict[str, Any]:
    """A Taobao address as its JSON object (unset keys left out), checked first."""
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
    for key in ("state", "district", "address"):
        text(f"{name}.{key}", getattr(address, key))
    built = msgspec.to_builtins(address)
    assert isinstance(built, dict)
    if not tax_id:
        built.pop("tax_id", None)
    return built


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


def _texts(name: str, values: TextList) -> str | None:
    """A str or a sequence of str (filters) as the service's comma-joined text; None passes."""
    checked = text_list(name, values)
    return None if checked is None else ",".join(checked)


# --------------------------------------------------------------------------- products


class TaobaoProducts:
    """Taobao/Tmall search, detail, image upload and freight: ``client.taobao.products``."""

    def __init__(self, client: DajiClient) -> None:
        self._client = client

    def _language(self, given: str | None) -> str:
        return self._client.country if given is None else language("language", given)

    def keyword_search(
        self,
        keyword: str,
        *,
        sort: str | None = None,
        filter: TextList = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage, TaobaoItem]:
        """Search Taobao/Tmall items by keyword (GET /taobao/traffic/item/search).

        Pages are ``page_no`` (1-based) and ``page_size`` (at most 20, the default).
        ``sort`` and ``filter`` are passed to the service as given (a sequence of filters is
        joined with ","); ``language`` defaults to the client's ``country``.

        ::

            async for item in client.taobao.products.keyword_search("手机壳", max_items=45):
                print(item.item_id, item.title, item.price)  # price in fen
        """
        text("keyword", keyword)
        params: dict[str, ParamValue] = {
            "keyword": keyword,
            "sort": name_text("sort", sort, required=False),
            "filter": _texts("filter", filter),
            "language": self._language(language),
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        return paginate(self._client, TAOBAO_KEYWORD_SEARCH, params, paging)

    def image_search(
        self,
        image_id: str | int | None = None,
        *,
        image_url: str | None = None,
        category_id: int | None = None,
        crop: bool | None = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[Any, TaobaoItem]:
        """Search Taobao/Tmall items by image: V1.0 by ``image_id``, V2.0 by ``image_url``.

        Give exactly one:

        - ``image_id`` (from :meth:`upload_image`): image search V1.0,
          ``GET /taobao/traffic/item/imgsearch`` (``image_id``, ``language``), pages of
          :class:`~daji_async.models.taobao.TaobaoSearchPage` by ``page_no`` (1-based);
        - ``image_url``: image search V2.0, ``GET /taobao/image-search/url`` (``picUrl``,
          optional ``categoryId`` such as 4 Shoes and ``crop``), pages of
          :class:`~daji_async.models.taobao.TaobaoImageSearchPage` by ``pageNo``
          (**0-based**; the walk never asks beyond 499) and ``pageSize`` up to 20.

        ::

            image_id = await client.taobao.products.upload_image(Path("shoe.jpg"))
            async for item in client.taobao.products.image_search(image_id, max_items=40): ...
            async for item in client.taobao.products.image_search(image_url=url, category_id=4): ...
        """
        if (image_id is None) == (image_url is None):
            raise ValueError("image_search needs exactly one of image_id (V1.0) or image_url (V2.0)")
        params: dict[str, ParamValue]
        if image_id is not None:
            if category_id is not None or crop is not None:
                raise ValueError("category_id and crop belong to image search V2.0 (image_url=), not image_id")
            params = {"image_id": digits("image_id", image_id), "language": self._language(language)}
            if check_extra_params("extra_params", extra_params):
                assert extra_params is not None
                params.update(extra_params)
            return paginate(self._client, TAOBAO_IMAGE_SEARCH, params, paging)
        if crop is not None and not isinstance(crop, bool):
            raise TypeError(f"crop must be a bool, got {type(crop).__name__}")
        if language is not None:  # V2.0 documents no language: refuse it rather than drop it
            raise ValueError("language belongs to image search V1.0 (image_id), not image_url")
        # pageNo stops at 499: never ask beyond it, however many results the service counts
        first = paging.get("page")
        start = 0 if first is None else integer("page", first, low=0, high=C.TAOBAO_IMAGE_MAX_PAGE_NO)
        room = C.TAOBAO_IMAGE_MAX_PAGE_NO + 1 - start
        asked = paging.get("max_pages")
        if asked is None or (isinstance(asked, int) and not isinstance(asked, bool) and asked > room):
            paging = {**paging, "max_pages": room}
        params = {
            "picUrl": _picture_url(image_url),
            "categoryId": integer("category_id", category_id, low=0) if category_id is not None else None,
            "crop": crop,
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        return paginate(self._client, TAOBAO_IMAGE_SEARCH_URL, params, paging)

    def shop_search(
        self,
        shop_id: int | str,
        *,
        keyword: str | None = None,
        language: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        **paging: Unpack[PagingOptions],
    ) -> Paginator[TaobaoSearchPage, TaobaoItem]:
        """List (or search within) one shop's items (GET /taobao/traffic/item/shop/search).

        ``shop_id`` is :attr:`TaobaoItem.shop_id <daji_async.models.taobao.TaobaoItem>`.

        ::

            async for item in client.taobao.products.shop_search(item.shop_id, max_items=100): ...
        """
        params: dict[str, ParamValue] = {
            "shop_id": positive_id("shop_id", shop_id),
            "keyword": text("keyword", keyword, required=False, one_line=True),
            "language": self._language(language),
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        return paginate(self._client, TAOBAO_SHOP_SEARCH, params, paging)

    async def detail(
        self,
        item_id: int | str,
        *,
        language: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TaobaoItemDetail:
        """The detail of one Taobao/Tmall item (GET /taobao/traffic/item/get); prices in fen.

        ::

            detail = await client.taobao.products.detail(703446760426)
            for sku in detail.skus:
                print(sku.sku_id, sku.properties, sku.price)
        """
        params: dict[str, ParamValue] = {
            "item_id": positive_id("item_id", item_id),
            "language": self._language(language),
        }
        return await self._client._call(TAOBAO_DETAIL, params, timeout=timeout, max_retries=max_retries)

    async def distribution_info(
        self, item_id: int | str, *, timeout: Timeout | None = None, max_retries: int | None = None
    ) -> TaobaoDistributionInfo:
        """The product bunker (撞库, GET /taobao/product/get): can the item be bought, and its
        distribution ids (``sku_list[].mp_id``/``mp_skuid``, the ids preview and create take).

        ::

            info = await client.taobao.products.distribution_info(703446760426)
            line = TaobaoRenderLine(info.sku_list[0].mp_id, info.sku_list[0].mp_skuid, 1)
        """
        params: dict[str, ParamValue] = {"item_id": positive_id("item_id", item_id)}
        return await self._client._call(TAOBAO_BUNKER, params, timeout=timeout, max_retries=max_retries)

    async def upload_image(
        self,
        image: ImageData | None = None,
        *,
        url: str | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> str:
        """Upload an image for image search V1.0; returns its image id.

        ``image`` (bytes, a path, or base64 text; JPG, PNG or WEBP of at most 3 MB, checked
        before sending) goes by POST as ``image_base64``; or give ``url=`` and the service
        fetches the picture (the GET mode, which takes ``pic_url`` only).

        ::

            image_id = await client.taobao.products.upload_image(Path("bag.jpg"))
            image_id = await client.taobao.products.upload_image(url="https://img.alicdn.com/a.jpg")
        """
        if (image is None) == (url is None):
            raise ValueError("upload_image needs exactly one of image or url=")
        if url is not None:
            params: dict[str, ParamValue] = {"pic_url": _picture_url(url)}
            answer = await self._client._call(TAOBAO_UPLOAD_IMAGE_URL, params, timeout=timeout, max_retries=max_retries)
            return answer.image_id
        assert image is not None
        if isinstance(image, os.PathLike):
            encoded = await asyncio.to_thread(image_base64, image)
        else:
            encoded = image_base64(image)
        result = await self._client._call(
            TAOBAO_UPLOAD_IMAGE, {"image_base64": encoded}, timeout=timeout, max_retries=max_retries
        )
        return result.image_id

    async def logistics_price(
        self,
        item_id: int | str,
        *,
        sku_id: int | str | None = None,
        quantity: int = 1,
        state: str | None = None,
        city: str | None = None,
        district: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TaobaoLogisticsPrice:
        """Domestic freight of ``quantity`` of an item to an address inside China, in **fen**
        (GET /taobao/traffic/item/logisticPrice/get; parameters inferred).

        ::

            freight = await client.taobao.products.logistics_price(703446760426, quantity=3,
                                                                   state="浙江省", city="杭州市")
            print(freight.post_fee)  # fen
        """
        params: dict[str, ParamValue] = {
            "item_id": positive_id("item_id", item_id),
            "sku_id": positive_id("sku_id", sku_id) if sku_id is not None else None,
            "quantity": integer("quantity", quantity, low=1),
            "state": name_text("state", state, required=False),
            "city": name_text("city", city, required=False),
            "district": name_text("district", district, required=False),
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        return await self._client._call(TAOBAO_LOGISTICS_PRICE, params, timeout=timeout, max_retries=max_retries)


# --------------------------------------------------------------------------- orders


class TaobaoOrders:
    """Taobao purchase orders: ``client.taobao.orders`` (create and cancel never retried)."""

    def __init__(self, client: DajiClient) -> None:
        self._client = client

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

        ``lines`` are :class:`~daji_async.models.taobao.TaobaoRenderLine` (``item_id`` and
        ``sku_id`` are the bunker's ``mpId``/``mpSkuid``), sent as the JSON text
        ``render_item_List``. ``receiver_address`` is your **China warehouse** address, as
        the wiki asks. Amounts of the answer are in fen.

        ::

            preview = await client.taobao.orders.preview(
                [TaobaoRenderLine(item_id=2048153758314474, sku_id=3357413213162, quantity=1)],
                receiver_address=warehouse)
            print(preview.total_amount)  # fen
        """
        params: dict[str, ParamValue] = {
            "need_supplychain_service": False,
            "receiver_address": address_json("receiver_address", receiver_address),
            "warehouse_address": (
                address_json("warehouse_address", warehouse_address) if warehouse_address is not None else None
            ),
            "render_item_List": encode_render_lines(lines),
        }
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        return await self._client._call(TAOBAO_ORDER_PREVIEW, params, timeout=timeout, max_retries=max_retries)

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

        ``lines`` are :class:`~daji_async.models.taobao.TaobaoOrderLine` (unit ``price`` in
        **fen**), sent as the JSON text ``order_line_list``. ``purchase_amount`` is the
        planned total in **fen** (an int; at least the lines' total). ``third_order_id`` is
        your purchase number: one is generated when you give none, and the answer carries it.
        ``max_retries`` is ignored: create is sent once.

        A timeout, a lost connection or an unreadable answer raises
        :class:`~daji_async.TaobaoOrderOutcomeUnknownError` with that ``third_order_id``: the
        order may exist; look for it before creating again, and never under a new number.

        ::

            order = await client.taobao.orders.create(
                [TaobaoOrderLine(item_id=2048153758314474, sku_id=3357413213162, quantity=1, price=1990)],
                receiver=customer, warehouse_address=warehouse, purchase_amount=1990)
            print(order.purchase_id, order.third_order_id)
        """
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
            "order_source": name_text("order_source", order_source, required=False),
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
        created = await self._client._call(TAOBAO_ORDER_CREATE, params, timeout=timeout, max_retries=0)
        if not created.third_order_id:
            created.third_order_id = third
        return created

    async def cancel(
        self,
        purchase_id: int | str,
        *,
        sub_purchase_order_ids: Iterable[int | str] = (),
        reason: str,
        remark: str = "",
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TaobaoTradeAnswer:
        """Ask to cancel a purchase order (POST /taobao/purchase/order/asyn/cancel). **Never retried.**

        The cancel is **asynchronous**: a success (inner ``code`` ``"0"``) means the request
        was accepted; the order's status (``orders.get``, or a type-3 message) says when it is
        closed. ``sub_purchase_order_ids`` cancels only those sub-orders (empty: the whole order).
        ``max_retries`` is ignored: cancel is sent once.

        ::

            answer = await client.taobao.orders.cancel(order.purchase_id, reason="buyer changed mind")
            print(answer.request_id)
        """
        if isinstance(sub_purchase_order_ids, (str, bytes)):
            raise TypeError("sub_purchase_order_ids must be an iterable of ids, not a single string")
        subs = [str(purchase_id_of(s, "sub_purchase_order_ids[]")) for s in sub_purchase_order_ids]
        params: dict[str, ParamValue] = {
            "purchase_id": purchase_id_of(purchase_id),
            "sub_purchase_orderId_list": subs,
            "cancel_reason": text("reason", reason),
            "cancel_remark": text("remark", remark) if remark else "",
        }
        return await self._client._call(TAOBAO_ORDER_CANCEL, params, timeout=timeout, max_retries=0)

    async def get(
        self, purchase_id: int | str, *, timeout: Timeout | None = None, max_retries: int | None = None
    ) -> TaobaoOrder:
        """A purchase order's status, lines and shipments (POST /taobao/purchase/order/query;
        the path is from client code, the body ``{purchase_id}`` inferred).

        ::

            order = await client.taobao.orders.get(created.purchase_id)
            print(order.status, order.purchase_amount)  # fen
        """
        params: dict[str, ParamValue] = {"purchase_id": purchase_id_of(purchase_id)}
        return await self._client._call(TAOBAO_ORDER_GET, params, timeout=timeout, max_retries=max_retries)


# --------------------------------------------------------------------------- payment


@dataclass
class TaobaoPayBatch:
    """One pay call: the purchase orders it named, and what came back.

    ``answer`` is Taobao's answer when the batch was accepted; ``error`` the exception when
    it was not (a :class:`~daji_async.TradeError`, or a
    :class:`~daji_async.TaobaoPaymentOutcomeUnknownError`: then the orders may have been paid).
    """

    order_ids: tuple[str, ...]
    answer: TaobaoPayAnswer | None = None
    error: DajiError | None = None

    @property
    def outcome_unknown(self) -> bool:
        """True when the batch got no readable answer (its orders may or may not be paid)."""
        return isinstance(self.error, OutcomeUnknownError)


@dataclass
class TaobaoPayResult:
    """What ``taobao.payments.pay`` returns: every batch, so no order goes unaccounted for.

    ::

        result = await client.taobao.payments.pay(purchase_ids)
        if not result.ok:
            print(result.failed_order_ids, result.unknown_order_ids)
    """

    batches: list[TaobaoPayBatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every batch was accepted and none reported a failed order."""
        return not self.failed_order_ids and not self.unknown_order_ids

    @property
    def paid_order_ids(self) -> list[str]:
        """Orders of accepted batches that Taobao did not report as failed, in input order."""
        paid: list[str] = []
        for batch in self.batches:
            if batch.answer is not None:
                failed = set(batch.answer.failed_order_ids)
                paid.extend(o for o in batch.order_ids if o not in failed)
        return paid

    @property
    def failed_order_ids(self) -> list[str]:
        """Orders certainly not paid: in a refused batch, or reported failed by Taobao."""
        failed: list[str] = []
        for batch in self.batches:
            if batch.answer is not None:
                refused = set(batch.answer.failed_order_ids)
                failed.extend(o for o in batch.order_ids if o in refused)
            elif not batch.outcome_unknown:
                failed.extend(batch.order_ids)
        return failed

    @property
    def unknown_order_ids(self) -> list[str]:
        """Orders of batches that got no readable answer: query them before paying again."""
        return [o for b in self.batches if b.outcome_unknown for o in b.order_ids]

    @property
    def errors(self) -> list[DajiError]:
        """The exception of every batch that failed."""
        return [b.error for b in self.batches if b.error is not None]


class TaobaoPayments:
    """Paying Taobao purchase orders: ``client.taobao.payments`` (never retried)."""

    def __init__(self, client: DajiClient) -> None:
        self._client = client

    async def pay(
        self,
        order_ids: Iterable[int | str],
        *,
        batch_size: int = PAY_BATCH,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> TaobaoPayResult:
        """Pay purchase orders (POST /taobao/purchase/order/batch/pay). **Never retried.**

        Taobao debits the Alipay balance first, then the bound bank card. Each call takes at
        most 10 orders (``purchaseOrderIdList``, integers); a longer list goes out as
        consecutive batches of ``batch_size`` (1..10), one after another. A failing batch
        does not stop the others: every batch is in the result with its answer or its error
        (:class:`TaobaoPayResult`), so no order is silently dropped. Duplicate ids are paid once.
        A success envelope without ``data`` counts its batch as accepted, no order reported failed.
        ``max_retries`` is ignored: every pay call is sent once.

        ::

            result = await client.taobao.payments.pay([order.purchase_id for order in created])
            print(result.paid_order_ids, result.failed_order_ids, result.unknown_order_ids)
        """
        integer("batch_size", batch_size, low=1, high=PAY_BATCH)
        if isinstance(order_ids, (str, bytes)):
            raise TypeError("order_ids must be an iterable of purchase order ids, not a single string")
        ids = list(dict.fromkeys(purchase_id_of(o, "order_ids[]") for o in order_ids))
        if not ids:
            raise ValueError("order_ids is empty")
        result = TaobaoPayResult()
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            batch = TaobaoPayBatch(tuple(str(i) for i in chunk))
            try:
                envelope = await self._client._execute(
                    TAOBAO_PAY, {"purchaseOrderIdList": chunk}, timeout=timeout, max_retries=0
                )
                batch.answer = envelope.data if envelope.data is not None else TaobaoPayAnswer(code="0")
            except DajiError as exc:
                batch.error = exc
            result.batches.append(batch)
        return result


# --------------------------------------------------------------------------- the namespace


class Taobao:
    """Everything Taobao/Tmall: ``client.taobao.products``, ``.orders`` and ``.payments``."""

    def __init__(self, client: DajiClient) -> None:
        self.products: TaobaoProducts = TaobaoProducts(client)
        """Search (keyword, image V1/V2, shop), detail, bunker, image upload, freight."""
        self.orders: TaobaoOrders = TaobaoOrders(client)
        """Preview (render), create, cancel (asynchronous) and query purchase orders."""
        self.payments: TaobaoPayments = TaobaoPayments(client)
        """Pay purchase orders, in batches of at most 10."""
