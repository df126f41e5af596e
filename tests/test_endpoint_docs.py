"""The endpoint tables of README.md and docs/endpoints.md are generated from the declared rows."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from daji_async import ENDPOINTS
from daji_async._endpoint_docs import END, FILES, START, endpoint_table, main, with_table

ROOT = Path(__file__).resolve().parent.parent


def test_the_tables_in_readme_and_docs_match_the_declarations() -> None:
    """Run as a fresh process: only the package's own rows are registered there."""
    done = subprocess.run(
        [sys.executable, "-m", "daji_async._endpoint_docs", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_every_declared_row_is_in_each_generated_table() -> None:
    for name in FILES:
        text = (ROOT / name).read_text(encoding="utf-8")
        table = text[text.index(START) : text.index(END)]
        for row in ENDPOINTS.values():
            if row.register and not row.name.startswith("test."):
                assert f"| `{row.name}` | {row.method}" in table, (name, row.name)
                assert f"`{row.path}`" in table


def test_a_drifted_table_is_caught_and_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    readme = tmp_path / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("`/alibaba/category/get`", "`/old/path`"))
    monkeypatch.chdir(tmp_path)
    assert main(["--check"]) == 1
    assert main(["--write"]) == 0
    assert main(["--check"]) == 0
    assert "`/alibaba/category/get`" in readme.read_text(encoding="utf-8")


def test_the_table_shows_safety_paging_and_caching_from_the_row() -> None:
    table = endpoint_table([ENDPOINTS["orders.create"], ENDPOINTS["poizon.products.search"]])
    create, search = table.splitlines()[2:]
    assert "POST (JSON)" in create and "**never**" in create and create.endswith("| - |")
    assert "cursor (`startId`)" in search and "900 s" in search and "inferred (" in search
    with pytest.raises(ValueError, match="markers"):
        with_table("no markers here", table)


def test_rows_register_themselves_and_declare_their_cache_ttl() -> None:
    from daji_async import MemoryCache
    from daji_async._endpoint_spec import Endpoint

    assert ENDPOINTS["products.detail"].cache_ttl == MemoryCache().ttl_for("products.detail") == 3600
    assert MemoryCache().ttl_for("orders.create") is None  # a money call declares none
    with pytest.raises(ValueError, match="only a safe call"):
        Endpoint("test.pay", "POST", "/test/pay", int, safe=False, cache_ttl=60, register=False)
    with pytest.raises(ValueError, match="two endpoint rows"):
        Endpoint("orders.create", "POST", "/elsewhere", int)
    row = Endpoint("test.declared", "GET", "/test/declared", int)
    try:
        assert ENDPOINTS["test.declared"] is row  # no list to add it to
    finally:
        del ENDPOINTS["test.declared"]


def test_a_money_row_names_the_id_its_unknown_outcome_error_carries() -> None:
    from daji_async import APITimeoutError
    from daji_async._endpoint_spec import Endpoint

    money = [row for row in ENDPOINTS.values() if row.outcome_unknown is not None]
    assert {row.name for row in money} >= {
        "orders.create",
        "payments.pay",
        "taobao.orders.create",
        "poizon.orders.create",
    }
    for row in money:
        assert not row.safe and row.outcome_id
        value: object = ["REQ-X1"] if row.outcome_id.endswith("List") else "REQ-X1"
        error = row.outcome_unknown.for_call(
            APITimeoutError("timed out", method=row.method, path=row.path),
            method=row.method,
            path=row.path,
            params={row.outcome_id: value},
        )
        assert "REQ-X1" in str(error), (row.name, str(error))
    with pytest.raises(ValueError, match="go together"):
        Endpoint(
            "test.pay", "POST", "/test/pay", int, safe=False, outcome_unknown=money[0].outcome_unknown, register=False
        )
