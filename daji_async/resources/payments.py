"""`client.payments`: cashier links in batches, and password-free payment.

`pay` is never retried, on any error. When it gets no readable answer it raises
`PaymentOutcomeUnknownError`: the order may have been paid, so check its
status (`orders.get`) before paying again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._core import Resource
from .._endpoints import PAYMENT_LINKS, PAYMENT_PAY
from .._errors import DajiError
from .._protocol import ParamValue
from .._validate import extra_params as check_extra_params
from .._validate import integer, retry_count
from ..models.orders import PayResult
from .orders import order_id_of

if TYPE_CHECKING:
    from .._client import Timeout

#: Most orders one payment-link request may name (the documented limit).
MAX_LINK_BATCH = 30
#: Orders per payment-link request by default (the page recommends about 10 to avoid timeouts).
DEFAULT_LINK_BATCH = 10

__all__ = ["DEFAULT_LINK_BATCH", "MAX_LINK_BATCH", "PaymentFailure", "PaymentLink", "PaymentLinks", "Payments"]


@dataclass(frozen=True)
class PaymentLink:
    """One cashier URL and the orders it pays: 1688's cashier for one order, Alipay's for several."""

    order_ids: tuple[str, ...]
    pay_url: str


@dataclass(frozen=True)
class PaymentFailure:
    """An order that got no payment link, and why.

    `code` and `message` are 1688's when it refused the order; `error` is set instead
    when the whole batch failed (a network error, an HTTP error...).
    """

    order_id: str
    code: str | int | None = None
    message: str | None = None
    error: DajiError | None = None


@dataclass
class PaymentLinks:
    """What `payments.links` returns: the links made, and every order that got none.

    ```python
    result = await client.payments.links(order_ids)
    for link in result.links:
        print(link.pay_url, link.order_ids)
    for failure in result.failures:
        print(failure.order_id, failure.code, failure.message or failure.error)
    ```

    """

    links: list[PaymentLink] = field(default_factory=list)
    failures: list[PaymentFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every order got a link."""
        return not self.failures

    @property
    def failed_order_ids(self) -> list[str]:
        """The orders without a link, in input order."""
        return [f.order_id for f in self.failures]

    def url_for(self, order_id: int | str) -> str | None:
        """The cashier URL that pays `order_id`, or None."""
        wanted = str(order_id)
        for link in self.links:
            if wanted in link.order_ids:
                return link.pay_url
        return None


class Payments(Resource):
    """Cashier links and password-free payment: `client.payments`."""

    async def links(
        self,
        order_ids: Iterable[int | str],
        *,
        batch_size: int = DEFAULT_LINK_BATCH,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> PaymentLinks:
        """Cashier links for any number of orders (`GET /alibaba/alipay/url/get`).

        The orders are split into batches of `batch_size` (default 10, as the page
        recommends; at most 30, the documented limit), each sent as `orderIdList` (ids
        joined by commas), requested concurrently. Nothing is paid:
        the buyer pays at the URL. Failures are per order: an order 1688 refuses, or every
        order of a batch that failed, lands in `failures`; the others still get links.
        Duplicate ids are asked once.

        ```python
        result = await client.payments.links([order_id_1, order_id_2])
        print(result.url_for(order_id_1), result.failed_order_ids)
        ```

        """
        integer("batch_size", batch_size, low=1, high=MAX_LINK_BATCH)
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

    async def _link_batch(self, batch: list[str], *, timeout: Timeout | None, max_retries: int | None) -> PaymentLinks:
        out = PaymentLinks()
        try:
            answer = await self._core.call(
                PAYMENT_LINKS, {"orderIdList": ",".join(batch)}, timeout=timeout, max_retries=max_retries
            )
        except DajiError as exc:
            out.failures.extend(PaymentFailure(o, error=exc) for o in batch)
            return out
        refused = {str(o) for o in answer.pay_failure_order_list}
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
        extra_params: Mapping[str, ParamValue] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> PayResult:
        """Pay an order without a password (`POST /alibaba/trade/pay/protocolPay/preparePay`).

        Sends `{orderId}` (text). 1688 tries 诚E赊 (ChengE credit) first, then Alipay; the
        account must have a password-free channel open. **Never retried by the SDK**: the page
        allows at most 3 retries and never in a loop, so that decision is yours, after
        checking the order. `max_retries` is ignored.

        A timeout, a lost connection or an unreadable answer raises
        `PaymentOutcomeUnknownError`: the order may have been paid. Check
        `(await client.orders.get(order_id)).status`: still `waitbuyerpay` means unpaid,
        any later status means paid; only then pay again (at most 3 times in all).

        ```python
        result = await client.payments.pay(order.order_id)
        ```

        """
        retry_count("max_retries", max_retries)  # ignored (pay is sent once), but checked
        oid = order_id_of(order_id)
        params: dict[str, ParamValue] = {"orderId": oid}
        if check_extra_params("extra_params", extra_params):
            assert extra_params is not None
            params.update(extra_params)
        # TradeError and PaymentOutcomeUnknownError come from the pipeline (the row says so)
        envelope = await self._core.envelope(PAYMENT_PAY, params, timeout=timeout, max_retries=0)
        return envelope.data if envelope.data is not None else PayResult(success=True)
