"""Money calls on Taobao: an answer that proves nothing is an unknown outcome, never "not paid".

Issue 22 item 2: a pay batch answered by a gateway 5xx, an HTML page, a timeout or an
undecodable body is *unknown* (its orders may have been paid) and never lands among the
orders the service refused; a create "success" without a well-formed purchase id raises
the outcome-unknown error naming the ``thirdOrderId`` sent. Everything goes through the
public surface over a MockTransport.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from daji_async import (
    DajiClient,
    TaobaoOrderOutcomeUnknownError,
    TaobaoPaymentOutcomeUnknownError,
    TradeError,
)
from daji_async.models.taobao import TaobaoAddress, TaobaoOrderLine
from daji_async.testing import MockTransport, Request, Response

ADDRESS = TaobaoAddress(
    name="杭州仓", mobile_phone="13800000000", state="浙江省", city="杭州市", district="余杭区", address="文一西路1号"
)
LINE = TaobaoOrderLine(item_id=2048153758314474, sku_id=3357413213162, quantity=1, price=100)
PAY = "/taobao/purchase/order/batch/pay"


def ok(data: Any) -> Response:
    return Response(200, json={"code": 200, "message": "操作成功", "data": data, "traceId": "t1"})


def verdict(**extra: Any) -> dict[str, Any]:
    return {"code": "0", "success": True, "requestId": "r1", "errorCode": None, "errorMsg": None, **extra}


HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def batch_answer(request: Request) -> Response:
    """Each batch of one order gets a different answer, keyed by the order id."""
    (order,) = request.params["purchaseOrderIdList"]
    if order == 1:
        return ok(verdict(paidOrderIds=[1]))
    if order == 2:  # the service's explicit refusal, with its reason
        return ok({"code": "5001", "success": False, "errorCode": "BALANCE_NOT_ENOUGH", "errorMsg": "余额不足"})
    if order == 3:  # a gateway's HTML error page
        return Response(502, body=HTML_502, headers={"Content-Type": "text/html"})
    if order == 4:  # a gateway timeout with a JSON body
        return Response(504, json={"code": 504, "message": "Gateway Time-out"})
    if order == 5:
        raise asyncio.TimeoutError
    if order == 6:  # a 200 whose body cannot be read
        return Response(200, body=b'{"code":200,"data":{"paidOr', headers={"Content-Type": "application/json"})
    if order == 7:  # an error envelope from the service: a refusal
        return Response(400, json={"code": 400, "message": "purchaseOrderIdList格式不正确"})
    if order == 8:  # TaoWorld's spelling: the order named among the failures, with a reason
        return ok({"pay_failure_purchase_order_ids": [8], "pay_failed_results": [{"purchase_order_id": 8,
                   "reason": "订单状态不正确"}]})  # fmt: skip
    if order == 9:  # a 500 error envelope: a server error proves nothing
        return Response(500, json={"code": 500, "message": "系统繁忙"})
    raise AssertionError(order)


async def test_pay_reports_paid_refused_and_unknown_per_batch() -> None:
    sent: list[int] = []

    def answer(request: Request) -> Response:
        sent.extend(request.params["purchaseOrderIdList"])
        return batch_answer(request)

    async with DajiClient("key", "secret", transport=MockTransport(answer), max_retries=5) as client:
        result = await client.taobao.payments.pay(range(1, 10), batch_size=1)
    assert sent == list(range(1, 10))  # one call per batch, none repeated
    assert result.paid_order_ids == ["1"]
    assert result.refused_order_ids == ["2", "7", "8"]
    assert result.refusals["2"] == "余额不足" and "格式不正确" in result.refusals["7"]
    assert result.refusals["8"] == "订单状态不正确"
    assert result.unknown_order_ids == ["3", "4", "5", "6", "9"]
    assert not result.ok
    unknown = [b for b in result.batches if b.outcome_unknown]
    assert all(isinstance(b.error, TaobaoPaymentOutcomeUnknownError) for b in unknown)
    assert [b.error.order_ids for b in unknown if isinstance(b.error, TaobaoPaymentOutcomeUnknownError)] == [
        ("3",),
        ("4",),
        ("5",),
        ("6",),
        ("9",),
    ]
    refused = [b for b in result.batches if b.refused]
    assert isinstance(refused[0].error, TradeError) and refused[0].reason == "余额不足"
    # every order in exactly one bucket
    every = result.paid_order_ids + result.refused_order_ids + result.unknown_order_ids
    assert sorted(every, key=int) == [str(n) for n in range(1, 10)]


async def test_failed_order_ids_is_deprecated_and_never_holds_unknown_orders() -> None:
    async with DajiClient("key", "secret", transport=MockTransport(batch_answer)) as client:
        result = await client.taobao.payments.pay([2, 3, 4, 5, 6, 9], batch_size=1)
    with pytest.warns(DeprecationWarning, match="refused_order_ids"):
        failed = result.failed_order_ids
    assert failed == ["2"]  # a gateway 5xx, HTML, a timeout or garbage is not "certainly unpaid"
    assert result.unknown_order_ids == ["3", "4", "5", "6", "9"]


@pytest.mark.parametrize(
    "data",
    [
        verdict(),  # no purchase id at all
        verdict(purchaseId=""),
        verdict(purchaseId="abc"),
        verdict(purchaseId="-5"),
        verdict(purchase_id="0"),
        verdict(order_list=[{"purchase_id": "12ab"}]),
    ],
)
async def test_create_success_without_a_well_formed_purchase_id_is_an_unknown_outcome(data: dict[str, Any]) -> None:
    sent: list[str] = []

    def answer(request: Request) -> Response:
        sent.append(request.params["thirdOrderId"])
        return ok(data)

    async with DajiClient("key", "secret", transport=MockTransport(answer), max_retries=5) as client:
        with pytest.raises(TaobaoOrderOutcomeUnknownError) as info:
            await client.taobao.orders.create(
                [LINE],
                receiver=ADDRESS,
                warehouse_address=ADDRESS,
                order_source="lazada",
                purchase_amount=100,
                third_order_id="FY-7",
            )
    assert sent == ["FY-7"]  # sent once
    assert info.value.third_order_id == "FY-7" and "FY-7" in str(info.value)
    assert "purchase id" in str(info.value)


async def test_create_without_a_readable_answer_names_the_generated_third_order_id() -> None:
    sent: list[str] = []

    def answer(request: Request) -> Response:
        sent.append(request.params["thirdOrderId"])
        return Response(502, body=HTML_502, headers={"Content-Type": "text/html"})

    async with DajiClient("key", "secret", transport=MockTransport(answer)) as client:
        with pytest.raises(TaobaoOrderOutcomeUnknownError) as info:
            await client.taobao.orders.create(
                [LINE], receiver=ADDRESS, warehouse_address=ADDRESS, order_source="lazada", purchase_amount=100
            )
    assert len(sent) == 1 and info.value.third_order_id == sent[0] and sent[0] in str(info.value)
