"""``client.payments``: cashier links in batches, and password-free payment.

``pay`` is never retried, on any error. When it gets no readable answer it raises
:class:`~daji_async.PaymentOutcomeUnknownError`: the order may have been paid, so check its
status (``orders.get``) before paying again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgspec

from .._endpoints import PAYMENT_LINKS, PAYMENT_PAY
from .._errors import DajiError
from .._protocol import ParamValue
from ..models.orders import PayResult
from .orders import order_id_of

if TYPE_CHECKING:
    from .._client import DajiClient, Timeout

#: Most orders one payment-link request may name (30 for Kuajingbao, 跨境宝, payments).
MAX_LINK_BATCH = 100

__all__ = ["MAX_LINK_BATCH", "PaymentFailure", "PaymentLink", "PaymentLinks", "Payments"]


@dataclass(frozen=True)
class PaymentLink:
    """One cashier URL and the orders it pays: 1688's cashier for one order, Alipay's for several."""

    order_ids: tuple[int, ...]
    pay_url: str


@dataclass(frozen=True)
class PaymentFailure:
    """An order that got no payment link, and why.

    ``code`` and ``message`` are 1688's when it refused the order; ``error`` is set instead
    when the whole batch failed (a network error, an HTTP error...).
    """

    order_id: int
    code: str | int | None = None
    message: str | None = None
    error: DajiError | None = None


@dataclass
class PaymentLinks:
    """What ``payments.links`` returns: the links made, and every order that got none.

    ::

        result = await client.payments.links(order_ids)
        for link in result.links:
            print(link.pay_url, link.order_ids)
        for failure in result.failures:
            print(failure.order_id, failure.code, failure.message or failure.error)
    """

    links: list[PaymentLink] = field(default_factory=list)
    failures: list[PaymentFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every order got a link."""
        return not self.failures

    @property
    def failed_order_ids(self) -> list[int]:
        """The orders without a link, in input order."""
        return [f.order_id for f in self.failures]

    def url_for(self, order_id: int) -> str | None:
        """The cashier URL that pays ``order_id``, or None."""
        for link in self.links:
            if order_id in link.order_ids:
                return link.pay_url
        return None


class Payments:
    """Cashier links and password-free payment: ``client.payments``."""

    def __init__(self, client: DajiClient) -> None:
        self._client = client

    async def links(
        self,
        order_ids: Iterable[int | str],
        *,
        batch_size: int = MAX_LINK_BATCH,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> PaymentLinks:
        """Cashier links for any number of orders (1688 ``alibaba.alipay.url.get``).

        The orders are split into batches of at most ``batch_size`` (100, the service's
        limit; use 30 for Kuajingbao payments), requested concurrently. Nothing is paid:
        the buyer pays at the URL. Failures are per order: an order 1688 refuses, or every
        order of a batch that failed, lands in ``failures``; the others still get links.
        Duplicate ids are asked once.

        ::

            result = await client.payments.links([order_id_1, order_id_2])
            print(result.url_for(order_id_1), result.failed_order_ids)
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_LINK_BATCH:
            raise ValueError(f"batch_size must be an int in 1..{MAX_LINK_BATCH}, got {batch_size!r}")
        if isinstance(order_ids, (str, bytes)):
            raise TypeError("order_ids must be an iterable of order ids, not a single string")
        ids = list(dict.fromkeys(order_id_of(o, "order_ids[]") for o in order_ids))
        if not ids:
            raise ValueError("order_ids is empty")
        batches = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
        answers = await asyncio.gather(
            *(self._link_batch(batch, timeout=timeout, max_retries=max_retries) for batch in batches)
        )
        result = PaymentLinks()
        for answer in answers:
            result.links.extend(answer.links)
            result.failures.extend(answer.failures)
        return result

    async def _link_batch(self, batch: list[int], *, timeout: Timeout | None, max_retries: int | None) -> PaymentLinks:
        out = PaymentLinks()
        try:
            answer = await self._client._call(
                PAYMENT_LINKS, {"orderIdList": batch}, timeout=timeout, max_retries=max_retries
            )
        except DajiError as exc:
            out.failures.extend(PaymentFailure(o, error=exc) for o in batch)
            return out
        refused = {int(o) for o in answer.pay_failure_order_list if str(o).isdigit()}
        code, message = answer.error_code_any, answer.error_text
        if answer.success is False or not answer.pay_url:
            # the batch failed as a whole: every order is reported, with 1688's reason
            message = message or "1688 returned no payment link for this batch"
            out.failures.extend(PaymentFailure(o, code=code, message=message) for o in batch)
            return out
        paid_here = tuple(o for o in batch if o not in refused)
        if paid_here:
            out.links.append(PaymentLink(paid_here, answer.pay_url))
        out.failures.extend(
            PaymentFailure(o, code=code, message=message or "1688 refused a payment link for this order")
            for o in batch
            if o in refused
        )
        return out

    async def pay(
        self,
        order_id: int | str,
        *,
        pay_channel: str | None = None,
        pay_amount: int | None = None,
        op_request_id: str | None = None,
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> PayResult:
        """Pay an order without a password (1688 ``protocolPay.preparePay``). **Never retried.**

        The account must have signed 1688's password-free payment agreement. ``pay_channel``:
        :class:`~daji_async.PayChannel` (``alipay``, ``shegou``). ``pay_amount`` is in
        **fen** (an int: 12.50 yuan is 1250); left out, 1688 takes the order's amount.
        ``op_request_id`` identifies this pay request (generated when not given; returned in
        the result). ``max_retries`` is accepted for symmetry and ignored.

        A timeout, a lost connection or an unreadable answer raises
        :class:`~daji_async.PaymentOutcomeUnknownError`: the outcome is unknown; check the
        order's status with ``orders.get`` before paying again. A result with
        ``pay_success=False`` is not proof either: 1688 warns a debit may still go through.

        ::

            result = await client.payments.pay(order.order_id)
            if not result.pay_success:
                status = (await client.orders.get(order.order_id)).status
        """
        oid = order_id_of(order_id)
        if pay_amount is not None and (isinstance(pay_amount, bool) or not isinstance(pay_amount, int)):
            raise TypeError(
                f"pay_amount is in fen (分) and must be an int, e.g. 12.50 yuan is 1250; got {pay_amount!r}"
            )
        if pay_amount is not None and pay_amount <= 0:
            raise ValueError(f"pay_amount must be a positive number of fen, got {pay_amount!r}")
        request_id = op_request_id if op_request_id is not None else uuid.uuid4().hex
        if not isinstance(request_id, str) or not request_id:
            raise ValueError(f"op_request_id must be a non-empty str, got {op_request_id!r}")
        params: dict[str, ParamValue] = {
            "orderId": oid,
            "payChannel": pay_channel,
            "payAmount": pay_amount,
            "opRequestId": request_id,
        }
        if extra_params:
            params.update(extra_params)
        # TradeError and PaymentOutcomeUnknownError come from the pipeline (the row says so)
        result = await self._client._call(PAYMENT_PAY, params, timeout=timeout, max_retries=0)
        if result.op_request_id is None:
            result = msgspec.structs.replace(result, op_request_id=request_id)
        return result
