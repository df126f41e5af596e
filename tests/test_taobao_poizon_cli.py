"""``daji poizon balance`` and ``daji poizon order {create,get}``, run for real in subprocesses
against the embedded sandbox (``--sandbox``): the money call prints its requestId first."""

from __future__ import annotations

from tests.test_cli import daji, json_lines, ok, one_line_error

ADDRESS = ["--name", "张三", "--phone", "18888888888", "--province", "上海", "--city", "上海市",
           "--district", "闵行区", "--address", "中华路29弄01室"]  # fmt: skip


def test_poizon_balance_and_order_create_in_the_sandbox() -> None:
    (balance,) = json_lines(ok(daji("--sandbox", "poizon", "balance", "--json")).stdout)
    assert balance["balance"] == "10000.00" and balance["currency"] == "CNY"
    spu = json_lines(ok(daji("--sandbox", "poizon", "search", "--brand", "Nike", "--max-items", "1")).stdout)[0]
    (detail,) = json_lines(ok(daji("--sandbox", "poizon", "detail", str(spu["dwSpuId"]), "--json")).stdout)
    sku = detail["skuList"][0]
    argv = ["--sandbox", "poizon", "order", "create", "--spu", str(spu["dwSpuId"]), "--sku", str(sku["dwSkuId"]),
            "--price", str(sku["minBidPrice"]), "--request-id", "REQ-CLI-1", "--json", *ADDRESS]  # fmt: skip
    created = ok(daji(*argv))
    (order,) = json_lines(created.stdout)
    assert order["requestId"] == "REQ-CLI-1" and order["orderItems"][0]["orderStatus"] == "PAID"
    assert "requestId" not in created.stderr  # the caller's own key is not repeated


def test_poizon_order_errors_are_named() -> None:
    refused = daji("--sandbox", "poizon", "order", "create", "--spu", "1", "--sku", "2", "--price", "100", *ADDRESS)
    first, last = refused.stderr.strip().splitlines()
    assert refused.returncode == 1 and refused.stdout == "" and "商品不存在" in last  # Poizon's msg
    assert first.startswith("requestId REQ")  # generated, and printed before sending
    missing = daji("--sandbox", "poizon", "order", "get", "--request-id", "REQ-NONE")
    assert missing.returncode == 1 and "订单不存在" in one_line_error(missing)
    bad = daji("--sandbox", "poizon", "order", "create", "--spu", "1", "--sku", "2", "--price", "100",
               "--request-id", "has space", *ADDRESS)  # fmt: skip
    assert bad.returncode == 2 and "request_id" in one_line_error(bad)
