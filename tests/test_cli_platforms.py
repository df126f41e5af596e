"""``daji taobao ...`` and ``daji poizon ...``, run for real in subprocesses against the
embedded sandbox (``--sandbox``): formats, progress notes, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from daji_async.cli._parser import parse_args
from tests.test_cli import csv_rows, daji, json_lines, ok, one_line_error, png_bytes


def test_taobao_keyword_search_prints_30_json_lines() -> None:
    result = ok(daji("--sandbox", "taobao", "search", "keyword", "手机壳", "--max-items", "30", "--json"))
    rows = json_lines(result.stdout)
    assert len(rows) == 30 and len({row["item_id"] for row in rows}) == 30
    assert all("手机壳" in row["title"] and isinstance(row["price"], int) for row in rows)  # fen, as sent
    assert re.search(r"30 of [\d,]+ results for 手机壳 · 2 pages", result.stderr)


def test_taobao_search_csv_table_and_image_searches(tmp_path: Path) -> None:
    rows = csv_rows(ok(daji("--sandbox", "taobao", "search", "keyword", "数据线", "--max-items", "5", "--csv")).stdout)
    assert len(rows) == 5 and {"item_id", "title", "price", "shop_id"} <= set(rows[0])
    table = ok(daji("--sandbox", "taobao", "search", "keyword", "数据线", "--max-items", "3", "--table")).stdout
    assert "Item ID" in table and "数据线" in table
    image = tmp_path / "red.png"
    image.write_bytes(png_bytes())
    by_file = ok(daji("--sandbox", "taobao", "search", "image", str(image), "--max-items", "4", "--json"))
    assert len(json_lines(by_file.stdout)) == 4 and "image id" in by_file.stderr
    url = "https://img.alicdn.com/imgextra/shoe.jpg"
    by_url = ok(daji("--sandbox", "taobao", "search", "image", url, "--category", "4", "--crop", "--max-items", "25"))
    assert len(json_lines(by_url.stdout)) == 25  # piped: JSON lines by default


def test_taobao_detail_and_upload() -> None:
    first = json_lines(ok(daji("--sandbox", "taobao", "search", "keyword", "背包", "--max-items", "1")).stdout)[0]
    (detail,) = json_lines(ok(daji("--sandbox", "taobao", "detail", str(first["item_id"]), "--json")).stdout)
    assert detail["item_id"] == first["item_id"] and detail["skus"]
    skus = csv_rows(ok(daji("--sandbox", "taobao", "detail", str(first["item_id"]), "--csv")).stdout)
    assert len(skus) == len(detail["skus"]) and skus[0]["id"] == str(first["item_id"])
    (upload,) = json_lines(ok(daji("--sandbox", "taobao", "upload", "https://img.alicdn.com/a.jpg", "--json")).stdout)
    assert upload["imageId"].isdigit()


def test_poizon_search_walks_the_cursor_and_detail() -> None:
    result = ok(daji("--sandbox", "poizon", "search", "--brand", "Nike", "--max-items", "all", "--json"))
    rows = json_lines(result.stdout)
    ids = [row["dwSpuId"] for row in rows]
    assert len(ids) == len(set(ids)) and {row["distBrandName"] for row in rows} == {"Nike"}  # §9.1 (C)
    match = re.search(r"([\d,]+) of ([\d,]+) results for Nike", result.stderr)
    assert match and match.group(1) == match.group(2) == f"{len(ids):,}"
    (detail,) = json_lines(ok(daji("--sandbox", "poizon", "detail", str(ids[0]), "--json")).stdout)
    assert detail["dwSpuId"] == ids[0] and detail["skuList"]


def test_exit_codes() -> None:
    missing = daji("--sandbox", "poizon", "detail", "5")
    assert missing.returncode == 1 and "not found" in one_line_error(missing)
    too_big = daji("--sandbox", "taobao", "search", "keyword", "手机壳", "--page-size", "21")
    assert too_big.returncode == 2 and "1..20" in one_line_error(too_big)
    nothing = daji("--sandbox", "poizon", "search")
    assert nothing.returncode == 2 and "--brand" in one_line_error(nothing)
    no_credentials = daji("taobao", "detail", "1")
    assert no_credentials.returncode == 2 and "--sandbox" in one_line_error(no_credentials)


@pytest.mark.parametrize(
    ("argv", "handler"),
    [
        (["taobao", "search", "keyword", "x"], "taobao_search"),
        (["taobao", "search", "image", "x.jpg"], "taobao_search"),
        (["taobao", "detail", "1"], "taobao_detail"),
        (["taobao", "upload", "a.png"], "taobao_upload"),
        (["poizon", "search", "--brand", "Nike"], "poizon_search"),
        (["poizon", "detail", "1"], "poizon_detail"),
    ],
)
def test_platform_commands_parse(argv: list[str], handler: str) -> None:
    args = parse_args(["--sandbox", *argv])
    assert args.handler == handler and args.sandbox and args.platform == argv[0]


def test_a_platform_group_without_its_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_args(["taobao"])
    assert exit_.value.code == 2 and "choose one of" in capsys.readouterr().err
