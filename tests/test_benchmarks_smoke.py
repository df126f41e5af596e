"""Every benchmark scenario at its smoke size, so that the suite never rots.

These tests check that each scenario runs against real sandbox processes and returns
well-formed results (counts match, every contender produced items). They never assert a
timing: the numbers of a smoke run mean nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

if not (ROOT / "benchmarks" / "__main__.py").exists():
    pytest.skip("no benchmarks/ beside tests/ (an installed copy of the tests)", allow_module_level=True)
if str(ROOT) not in sys.path:  # the benchmarks are a top-level package of the repository, not of the wheel
    sys.path.insert(0, str(ROOT))

from benchmarks import SCENARIOS, bulk, cost, decode, paging, prefetch, profiling, ratelimit, streaming  # noqa: E402
from benchmarks.__main__ import render  # noqa: E402
from benchmarks._harness import Env, Sample, Section, machine, mirrored, rotation  # noqa: E402
from benchmarks.contenders import NARROW_CONTENDERS, available_contenders  # noqa: E402

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def env() -> Iterator[Env]:
    with Env(smoke=True, loops=["asyncio"]) as env:
        yield env


def _well_formed(section: Section) -> None:
    assert section.tables, f"{section.key}: no table"
    for table in section.tables:
        assert table.rows, f"{section.key}: empty table {table.title!r}"
        for row in table.rows:
            assert len(row) == len(table.headers), f"{section.key}: ragged row in {table.title!r}"
    text = section.markdown()
    assert section.title in text


def test_paging(env: Env) -> None:
    section = paging.run(env)
    _well_formed(section)
    plan = section.data["plan"]
    cells = section.data["cells"]
    assert len(cells) == len(plan["page_sizes"]) * len(plan["windows"])
    for cell in cells:
        samples: dict[str, list[Sample]] = cell["samples"]
        assert set(samples) == set(available_contenders())
        assert {"sdk", "ceiling", "aiohttp+json"} <= set(samples)  # the others need the bench extra
        expected = {(s.pages, s.items) for s in samples["ceiling"]}
        assert len(expected) == 1
        pages, items = expected.pop()
        assert pages > 0
        assert items == pages * cell["page_size"]
        for name, got in samples.items():
            assert len(got) == plan["rounds"], name
            for sample in got:
                if name in paging.SLOW:  # walks a share of the keywords: whole searches all the same
                    assert 0 < sample.pages <= pages, name
                    assert sample.pages % plan["pages_per_keyword"] == 0, name
                    assert sample.items == sample.pages * cell["page_size"], name
                else:
                    assert (sample.pages, sample.items) == (pages, items), name
                assert sample.wall > 0
    assert "SDK throughput vs ceiling" in {t.name for t in section.targets}
    # the narrow item type and TLS rows: every contender walks the same pages and items
    assert [cell["transport"] for cell in section.data["narrow"]] == ["HTTP", "TLS"]
    for cell in section.data["narrow"]:
        samples = cell["samples"]
        assert set(samples) == set(NARROW_CONTENDERS)
        assert len({(s.pages, s.items) for got in samples.values() for s in got}) == 1


def test_decode(env: Env) -> None:
    section = decode.run(env)
    _well_formed(section)
    for size, times in section.data["us_per_page"].items():
        assert size in (20, 50)
        assert "SDK models (msgspec typed)" in times
        assert "json.loads" in times
        for name, values in times.items():
            assert values, name
            assert all(v > 0 for v in values), name


def test_prefetch(env: Env) -> None:
    section = prefetch.run(env)
    _well_formed(section)
    pages = section.data["pages"]
    for cell in section.data["cells"]:
        for name, samples in cell["samples"].items():
            assert samples, name
            for sample in samples:
                assert sample.pages == pages, name
                assert sample.items == pages * 20, name
                assert sample.wall >= section.data["latency"]  # at least one round trip of the slow sandbox


def test_bulk(env: Env) -> None:
    section = bulk.run(env)
    _well_formed(section)
    count = section.data["count"]
    assert {cell["transport"] for cell in section.data["cells"]} == {"HTTP", "TLS"}
    for cell in section.data["cells"]:
        samples = cell["samples"]
        assert set(bulk.LAYERS) - {"execute", "paginator"} <= set(samples) <= set(bulk.LAYERS)
        # keep-alive: never a connection (over TLS, a handshake) per request
        assert all(0 < s.extra["connections"] <= cell["concurrency"] + 4 for got in samples.values() for s in got)
        expected = {(s.pages, s.items) for s in samples["raw"]}
        assert len(expected) == 1
        for name, got in samples.items():
            assert got, name
            assert {(s.pages, s.items) for s in got} == expected, name
            assert all(s.items > 0 for s in got), name
        assert all(s.pages == 2 * count for s in samples["sdk"])
        for limited in cell["limited"]:
            assert limited["sample"].pages == 2 * count
            assert limited["requests"] == 2 * count
            assert limited["max_per_second"] >= 1
        assert cell["transport"] == "TLS" or cell["peak_bytes"] > 0


def test_streaming(env: Env) -> None:
    section = streaming.run(env)
    _well_formed(section)
    big, small = section.data["big"], section.data["small"]
    for key, runs in section.data["runs"].items():
        mode, items = key.split(":")
        assert int(items) in (big, small)
        for result in runs:
            assert result["items"] == int(items)
            assert result["kept"] == (int(items) if mode == "collect" else 0)
            assert result["growth_bytes"] >= 0


def test_ratelimit(env: Env) -> None:
    section = ratelimit.run(env)
    _well_formed(section)
    for rate, runs in section.data["runs"].items():
        for result in runs:
            assert result["requests"] == max(3, round(rate * 0.3))
            assert isinstance(result["warm"], bool)
            assert result["max_per_second"] >= 1
            assert result["steady"] > 0


def test_cost(env: Env) -> None:
    section = cost.run(env)
    _well_formed(section)
    for walk in section.data["walks"]:
        assert walk["items"] == walk["max_items"]
        size = walk["page_size"] or min(50, walk["max_items"])
        assert walk["requests"] == -(-walk["items"] // size)  # counted by the sandbox
    assert section.targets and all(t.ok for t in section.targets)


def test_profile(env: Env) -> None:
    section = profiling.run(env)
    _well_formed(section)
    assert section.data["steps"]
    assert all(us > 0 for _, _, us in section.data["steps"])
    for name, values in section.data["pipeline"].items():
        assert values and all(v > 0 for v in values), name
    for sample in (*section.data["e2e"]["sdk"], *section.data["e2e"]["ceiling"]):
        assert sample.pages > 0 and sample.items == sample.pages * 20


def test_report_renders(env: Env) -> None:
    section = decode.run(env)
    text = render([section], command="python -m benchmarks --smoke", facts=machine(), seconds=1.0, smoke=True)
    assert text.startswith("# daji_async benchmark results")
    assert "## Targets" not in text or "| scenario |" in text
    assert section.title in text
    assert set(SCENARIOS) >= {"paging", "decode", "prefetch", "bulk", "streaming", "ratelimit", "profile"}


def test_round_orders() -> None:
    """Rotation moves every contender through every place; mirroring keeps the first two side by side."""
    names = ["raw", "sdk", "execute", "paginator"]
    assert [rotation(names, i)[0] for i in range(4)] == names
    orders = [mirrored(names, i) for i in range(4)]
    assert orders[0] == names and orders[1] == names[::-1] and orders[2] == names
    for order in orders:
        assert abs(order.index("raw") - order.index("sdk")) == 1  # always back to back
    firsts = [order.index("raw") < order.index("sdk") for order in orders]
    assert firsts.count(True) == firsts.count(False)  # each first in half the rounds
