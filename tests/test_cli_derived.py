"""`daji call NAME ...`: subcommands derived from the declared rows, run for real against the sandbox."""

from __future__ import annotations

from daji_async._declare import DECLARED
from daji_async.cli._derived import item_type
from daji_async.cli._parser import parse_args
from daji_async.cli._platforms import table_columns
from daji_async.models.taobao import TaobaoItem
from tests.test_cli import csv_rows, daji, json_lines, ok, one_line_error


def test_every_declared_method_has_a_subcommand_with_its_declared_flags() -> None:
    assert {"taobao.products.keyword_search", "poizon.products.search", "products.detail"} <= set(DECLARED)
    for name, method in DECLARED.items():
        endpoint = method.endpoint  # type: ignore[attr-defined]
        required = [p.name.upper() for p in endpoint.params if p.required]
        args = parse_args(["call", name, *(["1"] * len(required))])
        assert args.endpoint == name and args.handler == "call_declared"
        for param in endpoint.params:
            if not param.required and param.default is None:
                flagged = parse_args(["call", name, *(["1"] * len(required)), "--" + param.name.replace("_", "-"), "x"])
                assert getattr(flagged, param.name) == "x"
        if endpoint.paging is not None:
            assert item_type(endpoint) is not None
            assert parse_args(["call", name, *(["1"] * len(required)), "--max-items", "7"]).max_items == 7


def test_a_derived_paged_search_streams_json_csv_and_a_table() -> None:
    result = ok(daji("--sandbox", "call", "taobao.products.keyword_search", "手机壳", "--max-items", "25", "--json"))
    rows = json_lines(result.stdout)
    assert len(rows) == 25 and len({row["item_id"] for row in rows}) == 25
    assert "25 of" in result.stderr and "2 pages" in result.stderr
    csv = csv_rows(
        ok(daji("--sandbox", "call", "poizon.products.search", "--brand", "Nike", "--max-items", "3", "--csv")).stdout
    )
    assert len(csv) == 3 and "dwSpuId" in csv[0]
    table = ok(
        daji("--sandbox", "call", "taobao.products.keyword_search", "数据线", "--max-items", "2", "--table")
    ).stdout
    assert "Item ID" in table  # the model's own columns win over derived ones


def test_a_derived_detail_and_a_lookup() -> None:
    (detail,) = json_lines(ok(daji("--sandbox", "call", "poizon.products.detail", "1070990", "--json")).stdout)
    assert detail["dwSpuId"] == 1070990
    (balance,) = json_lines(ok(daji("--sandbox", "call", "poizon.balance", "--json")).stdout)
    assert balance
    categories = csv_rows(ok(daji("--sandbox", "call", "categories.get", "0", "--csv")).stdout)
    assert categories[0]["categoryID"] == "0"


def test_a_bad_argument_is_refused_by_the_sdk_as_a_usage_error() -> None:
    result = daji("--sandbox", "call", "poizon.products.detail", "0")
    assert result.returncode == 2 and "spu_id" in one_line_error(result)


def test_derived_table_columns_come_from_the_item_fields() -> None:
    columns = table_columns(TaobaoItem)
    assert columns[0][1] == "item_id" and 1 <= len(columns) <= 6
    assert all(hasattr(TaobaoItem, attribute) for _, attribute, _ in columns)
