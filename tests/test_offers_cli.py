"""``daji offers KEYWORD``, run for real in subprocesses against the embedded sandbox (issue 25)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from daji_async.cli._offers import COLUMNS, sort_key
from tests.test_cli import Daji, csv_rows, daji, json_lines, ok, one_line_error

POIZON_LIST = "/poizon/product/queryList"


def test_json_lines_have_one_key_set_across_platforms() -> None:
    result = ok(daji("--sandbox", "offers", "手机壳", "--max-items", "10", "--json"))
    rows = json_lines(result.stdout)
    assert len(rows) == 30
    assert {tuple(row) for row in rows} == {COLUMNS}  # the same snake_case keys, in the same order, on every line
    assert {p: sum(r["platform"] == p for r in rows) for p in ("1688", "taobao", "poizon")} == {
        "1688": 10,
        "taobao": 10,
        "poizon": 10,
    }
    for row in rows:
        assert isinstance(row["price"], str) and Decimal(row["price"]) > 0 and row["currency"] == "CNY"
        assert row["url"].startswith("https://") and row["id"] in row["url"]
    assert "30 offers for 手机壳 (1688 10, taobao 10, poizon 10)" in result.stderr


def test_prices_are_yuan_on_every_platform() -> None:
    # the platforms' own commands print their units (Taobao fen); offers prints yuan for all
    offers = json_lines(ok(daji("--sandbox", "offers", "连衣裙", "--platforms", "taobao", "--max-items", "5")).stdout)
    items = json_lines(ok(daji("--sandbox", "taobao", "search", "keyword", "连衣裙", "--max-items", "5")).stdout)
    assert [Decimal(o["price"]) for o in offers] == [Decimal(i["price"]) / 100 for i in items]
    assert [o["id"] for o in offers] == [str(i["item_id"]) for i in items]


def test_csv_sorted_table_and_parquet(tmp_path: Path) -> None:
    by_price = Daji("--sandbox", "offers", "连衣裙", "--max-items", "5", "--sort", "price", "--csv")
    by_sales = Daji("--sandbox", "offers", "连衣裙", "--max-items", "5", "--sort=-sales", "--json")
    table = Daji("--sandbox", "offers", "手机壳", "--max-items", "2", "--platforms", "1688,poizon", "--table")
    parquet = tmp_path / "offers.parquet"
    to_file = Daji("--sandbox", "offers", "手机壳", "--max-items", "4", "--parquet", str(parquet))

    rows = csv_rows(ok(by_price.result()).stdout)
    assert len(rows) == 15 and tuple(rows[0]) == COLUMNS
    prices = [Decimal(r["price"]) for r in rows]
    assert prices == sorted(prices) and {r["platform"] for r in rows} == {"1688", "taobao", "poizon"}
    sales = [r["sales"] for r in json_lines(ok(by_sales.result()).stdout)]
    assert sales == sorted(sales, reverse=True)
    shown = ok(table.result()).stdout
    assert "Platform" in shown and "Price ¥" in shown and "poizon" in shown and "taobao" not in shown

    ok(to_file.result())
    pq = pytest.importorskip("pyarrow.parquet")
    read = pq.read_table(parquet)
    assert read.column_names == list(COLUMNS) and read.num_rows == 12
    assert str(read.schema.field("price").type) == "decimal128(18, 4)"
    assert all(isinstance(p, Decimal) for p in read.column("price").to_pylist())


def test_a_failing_platform_is_reported_and_the_others_printed(daji_sandbox: Any) -> None:
    env = {
        "DAJI_BASE_URL": daji_sandbox.base_url,
        "DAJI_APP_KEY": daji_sandbox.app_key,
        "DAJI_APP_SECRET": daji_sandbox.app_secret,
    }
    daji_sandbox.add_fault("status", status=503, path=POIZON_LIST)
    result = daji("offers", "手机壳", "--max-items", "5", "--json", env=env)
    assert result.returncode == 1
    rows = json_lines(result.stdout)
    assert len(rows) == 10 and {r["platform"] for r in rows} == {"1688", "taobao"}
    assert "daji: poizon failed: service error" in result.stderr
    assert "1 of 3 platforms failed (poizon)" in result.stderr and "Traceback" not in result.stderr


def test_usage_errors() -> None:
    bad = daji("--sandbox", "offers", "手机壳", "--platforms", "1688,taobo")
    assert bad.returncode == 2 and "unknown platform 'taobo' (did you mean taobao?)" in one_line_error(bad)
    wrong_sort = daji("--sandbox", "offers", "手机壳", "--sort", "cheapest")
    assert wrong_sort.returncode == 2 and "unknown sort 'cheapest'" in one_line_error(wrong_sort)
    empty = daji("--sandbox", "offers", " ")
    assert empty.returncode == 2 and "the keyword is empty" in one_line_error(empty)


def test_sort_keys() -> None:
    assert [sort_key(t) for t in ("price", "-price", "price:desc", "SALES:asc", "title")] == [
        "price",
        "-price",
        "-price",
        "sales",
        "title",
    ]
