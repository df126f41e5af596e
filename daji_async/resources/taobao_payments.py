"""`client.taobao.payments`: pay Taobao purchase orders in batches of at most 10.

Split from `resources/taobao_orders.py` (which re-exports every public name here). Pay is
never retried; an answer that proves nothing about a batch is an *unknown* outcome for it
(`TaobaoPaymentOutcomeUnknownError`), never a refusal.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._core import Resource
from .._endpoints import TAOBAO_PAY
from .._errors import (
    APIError,
    DajiError,
    OutcomeUnknownError,
    TaobaoPaymentOutcomeUnknownError,
)
from .._validate import integer
from ..models.taobao import (
    TaobaoPayAnswer,
)
from .taobao_orders import PAY_BATCH, is_refusal, purchase_id_of

if TYPE_CHECKING:
    from .._client import Timeout

__all__ = ["TaobaoPayBatch", "TaobaoPayResult", "TaobaoPayments"]


@dataclass
class TaobaoPayBatch:
    """One pay call: the purchase orders it named, and what came back.

    `answer` is Taobao's answer when the batch was accepted; `error` the exception when
    it was not: either the service's explicit refusal (`refused`: a
    [TradeError][daji_async.TradeError] or a 4xx/error envelope, the orders certainly not
    paid by this call) or a
    [TaobaoPaymentOutcomeUnknownError][daji_async.TaobaoPaymentOutcomeUnknownError]
    (`outcome_unknown`: a gateway 5xx, HTML, a timeout or an undecodable answer; the orders
    may have been paid; its `__cause__` is what arrived).
    """

    order_ids: tuple[str, ...]
    answer: TaobaoPayAnswer | None = None
    error: DajiError | None = None

    @property
    def refused(self) -> bool:
        """True when the service explicitly refused the whole batch (nothing in it was paid)."""
        return self.answer is None and is_refusal(self.error)

    @property
    def outcome_unknown(self) -> bool:
        """True when the batch got no answer that proves anything (its orders may or may not be paid)."""
        return self.answer is None and self.error is not None and not is_refusal(self.error)

    @property
    def reason(self) -> str | None:
        """The service's reason for refusing the batch (its message), or None."""
        if not self.refused or not isinstance(self.error, APIError):
            return None
        return self.error.message


@dataclass
class TaobaoPayResult:
    """What `taobao.payments.pay` returns: every batch, so no order goes unaccounted for.

    Every order is in exactly one of `paid_order_ids`, `refused_order_ids` (the service
    said no: certainly not paid by this call; `refusals` gives each one's reason) and
    `unknown_order_ids` (no answer that proves anything: query them with
    `taobao.orders.get` before paying again, never re-pay them blindly).

    ```python
    result = await client.taobao.payments.pay(purchase_ids)
    if not result.ok:
        print(result.refusals, result.unknown_order_ids)
    ```
    """

    batches: list[TaobaoPayBatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every order was paid: nothing refused, nothing unknown."""
        return not self.refused_order_ids and not self.unknown_order_ids

    @property
    def paid_order_ids(self) -> list[str]:
        """Orders of accepted batches that Taobao did not report as failed, in input order."""
        paid: list[str] = []
        for batch in self.batches:
            if batch.answer is not None:
                failed = set(batch.answer.refused_ids)
                paid.extend(o for o in batch.order_ids if o not in failed)
        return paid

    @property
    def refusals(self) -> dict[str, str]:
        """Each refused order and the service's reason, in input order."""
        found: dict[str, str] = {}
        for batch in self.batches:
            if batch.answer is not None:
                reasons = batch.answer.reasons
                for order in batch.order_ids:
                    if order in batch.answer.refused_ids:
                        found[order] = reasons.get(order) or "Taobao reported the order as not paid"
            elif batch.refused:
                for order in batch.order_ids:
                    found[order] = batch.reason or "the service refused the pay call"
        return found

    @property
    def refused_order_ids(self) -> list[str]:
        """Orders certainly not paid by this call: the service refused their batch, or reported them failed."""
        return list(self.refusals)

    @property
    def failed_order_ids(self) -> list[str]:
        """Deprecated: the same as `refused_order_ids` (orders the service explicitly refused).

        Before issue 22 a batch lost to a gateway 5xx or an HTML page was counted here; such
        batches are now in `unknown_order_ids`. Use `refused_order_ids`.
        """
        warnings.warn(
            "TaobaoPayResult.failed_order_ids is deprecated; use refused_order_ids (and unknown_order_ids)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.refused_order_ids

    @property
    def unknown_order_ids(self) -> list[str]:
        """Orders of batches that got no answer proving anything: query them before paying again."""
        return [o for b in self.batches if b.outcome_unknown for o in b.order_ids]

    @property
    def errors(self) -> list[DajiError]:
        """The exception of every batch that was refused or whose outcome is unknown."""
        return [b.error for b in self.batches if b.error is not None]


class TaobaoPayments(Resource):
    """Paying Taobao purchase orders: `client.taobao.payments` (never retried)."""

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
        most 10 orders (`purchaseOrderIdList`, integers); a longer list goes out as
        consecutive batches of `batch_size` (1..10), one after another. A failing batch
        does not stop the others: every batch is in the result with its answer or its error
        (`TaobaoPayResult`), so no order is silently dropped. Duplicate ids are paid once.
        A success envelope without `data` counts its batch as accepted, no order reported failed.
        `max_retries` is ignored: every pay call is sent once.

        Each order ends up paid, refused (the service's explicit "no", with its reason) or
        unknown: a batch answered by a gateway 5xx, an HTML page, a timeout or an undecodable
        body carries a `TaobaoPaymentOutcomeUnknownError` naming its orders. Query unknown
        orders (`taobao.orders.get`) before paying them again.

        ```python
        result = await client.taobao.payments.pay([order.purchase_id for order in created])
        print(result.paid_order_ids, result.refusals, result.unknown_order_ids)
        ```
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
                envelope = await self._core.envelope(
                    TAOBAO_PAY, {"purchaseOrderIdList": chunk}, timeout=timeout, max_retries=0
                )
                batch.answer = envelope.data if envelope.data is not None else TaobaoPayAnswer(code="0")
            except DajiError as exc:
                batch.error = exc if is_refusal(exc) else self._unknown(exc, chunk)
            result.batches.append(batch)
        return result

    def _unknown(self, cause: DajiError, chunk: list[int]) -> DajiError:
        """A batch whose answer proves nothing, as the outcome-unknown error naming its orders."""
        if isinstance(cause, OutcomeUnknownError):
            return cause
        path = self._core.endpoint_path(TAOBAO_PAY)
        error = TaobaoPaymentOutcomeUnknownError.for_call(
            cause, method=TAOBAO_PAY.method, path=path, params={"purchaseOrderIdList": chunk}
        )
        error.__cause__ = cause
        return error
