"""The benchmark charts of the docs: drawn from RESULTS.md's tables, committed, and shown on the performance page."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if not (ROOT / "benchmarks" / "charts.py").exists():
    pytest.skip("no benchmarks/ beside tests/ (an installed copy of the tests)", allow_module_level=True)
if str(ROOT) not in sys.path:  # the benchmarks are a top-level package of the repository, not of the wheel
    sys.path.insert(0, str(ROOT))

from benchmarks.charts import CHARTS, RESULTS, find, number, read_tables  # noqa: E402


def test_cells_read_as_numbers() -> None:
    assert number("1,537") == 1537.0
    assert number("0.99× (0.88–1.11)") == 0.99
    assert number("121.2 MiB") == 121.2


def test_every_chart_finds_its_table_in_results() -> None:
    tables = read_tables(RESULTS.read_text(encoding="utf-8"))
    assert find(tables, "Paging throughput", "Event loop asyncio", "page_size 20")[0]["pages/s"]
    assert find(tables, "Decode cost", "page_size 50")
    assert find(tables, "Prefetch under latency")
    assert find(tables, "Bulk", "Every contender")[0]["requests/s"]
    assert find(tables, "Streaming memory")
    assert find(tables, "Rate-limit fidelity")


def test_every_chart_is_committed_and_shown() -> None:
    page = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    for name in CHARTS:
        assert (ROOT / "docs" / "img" / name).stat().st_size > 1000
        assert f"(img/{name})" in page


def test_charts_draw(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")  # the bench extra
    from benchmarks.charts import draw

    written = draw(RESULTS, tmp_path)
    assert sorted(p.name for p in written) == sorted(CHARTS)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written)
