"""daji_async.crawl and ``daji crawl``: a real redis-server, the sandbox, real worker processes.

The headline test is the issue's "Done when": 600 keywords of 2 pages each, 3 worker
processes sharing one rate, one SIGKILLed mid-run and another started; every keyword ends done
with its items stored exactly once, no server-side window above the rate, and the requests
spent at most the minimum plus what the killed worker had in hand.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from daji_async import ConfigError, RedisUnavailableError
from daji_async.cli import main
from daji_async.crawl import Crawl
from daji_async.sandbox import SandboxServer
from tests.redis_server import RedisServer, free_port
from tests.test_redis import TIMED_NICE, prioritize

ROOT = Path(__file__).parents[1]

#: The shared rate of the headline test (requests per second, all workers together).
RATE = 150
#: Inputs each worker holds at once.
CONCURRENCY = 12
PAGES, PAGE_SIZE = 2, 10


def status(url: str, name: str) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        async with Crawl(url, name) as crawl:
            return (await crawl.status()).to_dict()

    return asyncio.run(read())


def start_worker(url: str, name: str, sandbox: SandboxServer, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DAJI_APP_KEY": sandbox.app_key,
        "DAJI_APP_SECRET": sandbox.app_secret,
        "DAJI_BASE_URL": sandbox.base_url,
    }
    command = [sys.executable, "-m", "daji_async", "crawl", "worker", "--redis", url, "--name", name, *args]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    prioritize(proc.pid, TIMED_NICE)
    return proc


def stop(proc: subprocess.Popen[str], timeout: float = 20) -> tuple[int, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return proc.returncode, out


def wait_for(url: str, name: str, condition: Any, timeout: float) -> dict[str, Any]:
    """The crawl's status once ``condition(status)`` holds (an assertion error after ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while True:
        state = status(url, name)
        if condition(state):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.05)


async def reference_items(keywords: list[str]) -> tuple[dict[str, list[int]], int]:
    """What each keyword finds (its first PAGES pages) and the fewest requests that takes, from a
    fresh sandbox of the same catalogue."""
    async with SandboxServer() as sandbox, sandbox.client() as client:
        found: dict[str, list[int]] = {}
        for keyword in keywords:
            search = client.products.keyword_search(keyword, page_size=PAGE_SIZE, max_pages=PAGES)
            found[keyword] = [item.offer_id async for item in search]
        return found, sandbox.stats["requests"]


def test_600_keywords_three_workers_one_killed(redis_server: RedisServer, tmp_path: Path) -> None:
    redis_server.flush()
    url, name = redis_server.url, "done-when"
    keywords = [f"crawl keyword {i}" for i in range(600)]
    expected, minimum = asyncio.run(reference_items(keywords))
    total = sum(len(ids) for ids in expected.values())
    assert minimum > 1100 and total > 10_000  # nearly every keyword has two full pages
    inputs = tmp_path / "keywords.txt"
    inputs.write_text("\n".join(keywords) + "\n", encoding="utf-8")
    enqueue = ["crawl", "enqueue", "--redis", url, "--name", name, str(inputs)]
    assert main([*enqueue, "--max-pages", str(PAGES), "--page-size", str(PAGE_SIZE)]) == 0
    assert status(url, name)["pending"] == 600

    with SandboxServer() as sandbox:
        assert redis_server.process is not None
        prioritize(redis_server.process.pid)  # timing measures the limiter, not a busy machine
        options = ("--rate-limit", str(RATE), "--concurrency", str(CONCURRENCY), "--lease", "1.5")
        workers = [start_worker(url, name, sandbox, *options) for _ in range(3)]
        replacement = None
        try:
            # kill one while it holds jobs, a quarter of the way in
            wait_for(url, name, lambda s: s["done"] >= 150, 60)
            victim = workers[0]
            victim.kill()  # SIGKILL: its jobs in hand stay in arq's queue under a lease nobody renews
            victim.wait(10)
            replacement = start_worker(url, name, sandbox, *options)
            final = wait_for(url, name, lambda s: s["done"] == 600, 60)
        finally:
            results = [stop(proc) for proc in [*workers[1:], *([replacement] if replacement else [])]]
            workers[0].kill()
            workers[0].communicate()
        prioritize(redis_server.process.pid, 0)
        spent = sandbox.stats["by_path"]["/alibaba/product/keywordQuery"]
        busiest = sandbox.state.stats.max_in_window(0.9)  # the limiter tests' 100 ms jitter tolerance
        per_second = sandbox.stats["per_second"]

    print(
        f"600 keywords, 3 workers at {RATE}/s, one killed: {spent} requests for a minimum of {minimum}, "
        f"crawl counted {final['requests']}, achieved {final['rate']:.1f}/s, busiest 0.9 s window {busiest}"
    )
    assert [code for code, _ in results] == [0, 0, 0], results  # SIGTERM: a clean exit
    assert final["done"] == 600 and final["failed"] == final["pending"] == final["running"] == final["lost"] == 0
    assert final["items"] == total, final
    # no server-side window above the shared rate (with the limiter tests' jitter tolerance)
    assert busiest <= RATE, (busiest, per_second)
    # every page at least once; beyond that, only what the killed worker had in hand (2 pages each)
    assert minimum <= spent <= minimum + CONCURRENCY * PAGES, spent
    # the crawl's own count: every request sent, plus at most one counted but never sent per job in hand
    assert spent <= final["requests"] <= spent + CONCURRENCY, (spent, final)
    assert final["rate"] is not None and final["rate"] <= RATE

    out = tmp_path / "items.jsonl"
    assert main(["crawl", "export", "--redis", url, "--name", name, str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    stored: dict[str, list[int]] = {}
    for row in rows:
        stored.setdefault(row["keyword"], []).append(row["offer_id"])
    assert len(rows) == total
    assert stored.keys() == expected.keys()
    for keyword, ids in expected.items():  # each keyword's items, each exactly once
        assert Counter(stored[keyword]) == Counter(ids), keyword


# ---------------------------------------------------------------- in one process


async def run_burst(crawl: Crawl, sandbox: SandboxServer, **options: Any) -> int:
    """Run a worker in this process until the queue is empty."""
    return await crawl.run_worker(
        rate_limit=200,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
        app_key=sandbox.app_key,
        app_secret=sandbox.app_secret,
        base_url=sandbox.base_url,
        **options,
    )


async def test_enqueue_once_per_distinct_input_and_skips_blank_lines(redis_url: str) -> None:
    async with Crawl(redis_url, "dedupe") as crawl, Crawl(redis_url, "other") as other:
        lines = ["连衣裙\n", "\n", "  ", "手机壳", "连衣裙", " 手机壳 ", "水杯\n"]
        first = await crawl.enqueue(lines, max_pages=1)
        assert (first.added, first.already, first.blank) == (3, 2, 2)
        again = await crawl.enqueue(["水杯", "背包"], max_pages=1)
        assert (again.added, again.already) == (1, 1)
        state = await crawl.status()
        assert (state.inputs, state.pending, state.done) == (4, 4, 0)
        # the same keyword of another crawl, or of another platform, is another job
        assert (await other.enqueue(["连衣裙"])).added == 1
        assert (await crawl.enqueue(["连衣裙"], platform="taobao")).added == 1
        assert (await crawl.status()).inputs == 5


async def test_done_inputs_are_not_enqueued_again(redis_url: str, daji_sandbox: SandboxServer) -> None:
    async with Crawl(redis_url, "again") as crawl:
        await crawl.enqueue(["连衣裙", "手机壳"], max_pages=1, page_size=5)
        assert await run_burst(crawl, daji_sandbox) == 2
        again = await crawl.enqueue(["连衣裙", "手机壳", "水杯"], max_pages=1, page_size=5)
        assert (again.added, again.already) == (1, 2)
        assert await run_burst(crawl, daji_sandbox) == 1
        state = await crawl.status()
        assert (state.done, state.items, state.requests) == (3, 15, 3)


def test_status_json_has_integer_counts(redis_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_enqueue(redis_url, "json", ["a", "b", "c"]))
    assert main(["crawl", "status", "--redis", redis_url, "--name", "json", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("done", "pending", "running", "failed", "items", "requests", "inputs"):
        assert type(data[key]) is int, key
    assert (data["done"], data["pending"], data["running"], data["failed"]) == (0, 3, 0, 0)
    assert data["rate"] is None and data["errors"] == {}
    assert main(["crawl", "status", "--redis", redis_url, "--name", "json"]) == 0
    shown = capsys.readouterr().out
    assert "pending" in shown and "0/3" in shown


async def _enqueue(url: str, name: str, inputs: list[str], **options: Any) -> None:
    async with Crawl(url, name) as crawl:
        await crawl.enqueue(inputs, **options)


def test_export_formats(redis_url: str, daji_sandbox: SandboxServer, tmp_path: Path) -> None:
    async def crawl_two() -> None:
        async with Crawl(redis_url, "export") as crawl:
            await crawl.enqueue(["连衣裙", "手机壳"], max_items=7, page_size=5)
            await run_burst(crawl, daji_sandbox)

    asyncio.run(crawl_two())
    base = ["crawl", "export", "--redis", redis_url, "--name", "export"]
    assert main([*base, str(tmp_path / "a.jsonl")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 14 and Counter(r["keyword"] for r in rows) == {"连衣裙": 7, "手机壳": 7}
    assert {"offer_id", "subject_trans", "price_info"} <= rows[0].keys() and "offerId" not in rows[0]
    assert "price" in rows[0]["price_info"]

    assert main([*base, str(tmp_path / "a.out"), "--format", "csv"]) == 0
    lines = (tmp_path / "a.out").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["keyword", "offer_id", "subject"] and "price_info.price" in header
    assert len(lines) == 15

    assert main([*base, str(tmp_path / "a.parquet")]) == 0
    table = pq.read_table(tmp_path / "a.parquet")
    assert table.num_rows == 14 and table.column_names[:2] == ["keyword", "offer_id"]
    assert sorted(table.column("offer_id").to_pylist()) == sorted(str(r["offer_id"]) for r in rows)
    assert str(table.schema.field("price_info.price").type) == "decimal128(18, 4)"


def test_detail_crawls_export_the_details(redis_url: str, daji_sandbox: SandboxServer, tmp_path: Path) -> None:
    ids = [str(offer.offer_id) for offer in daji_sandbox.state.catalogue.offers[:3]]

    async def crawl_details() -> None:
        async with Crawl(redis_url, "details") as crawl:
            await crawl.enqueue(ids, kind="detail")
            await run_burst(crawl, daji_sandbox)

    asyncio.run(crawl_details())
    assert main(["crawl", "export", "--redis", redis_url, "--name", "details", str(tmp_path / "d.jsonl")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["detail_id"] for r in rows) == sorted(ids)
    assert all(str(r["offer_id"]) == r["detail_id"] for r in rows)


def test_failed_inputs_keep_their_error_and_retry_failed_queues_them(
    redis_url: str, daji_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    offer_id = str(daji_sandbox.state.catalogue.offers[0].offer_id)

    async def first_run() -> None:
        async with Crawl(redis_url, "retry") as crawl:
            await crawl.enqueue([offer_id, "not-an-id"], kind="detail")
            await run_burst(crawl, daji_sandbox)

    asyncio.run(first_run())
    state = status(redis_url, "retry")
    assert (state["done"], state["failed"]) == (1, 1)
    assert "not-an-id" in state["errors"] and "offer_id" in state["errors"]["not-an-id"]
    assert main(["crawl", "retry-failed", "--redis", redis_url, "--name", "retry"]) == 0
    assert "queued again: 1" in capsys.readouterr().err
    state = status(redis_url, "retry")
    assert (state["done"], state["failed"], state["pending"]) == (1, 0, 1)

    async def second_run() -> None:
        async with Crawl(redis_url, "retry") as crawl:
            await run_burst(crawl, daji_sandbox)

    asyncio.run(second_run())
    state = status(redis_url, "retry")
    assert (state["done"], state["failed"], state["pending"]) == (1, 1, 0)


def test_sigterm_finishes_the_jobs_in_hand_then_exits(redis_server: RedisServer) -> None:
    redis_server.flush()
    url, name = redis_server.url, "sigterm"
    asyncio.run(_enqueue(url, name, [f"slow {i}" for i in range(6)], max_pages=2, page_size=5))
    with SandboxServer(latency=1.0) as sandbox:  # a job takes 2 s: the signal finds three in hand
        worker = start_worker(url, name, sandbox, "--concurrency", "3", "--rate-limit", "100")
        try:
            at_signal = wait_for(url, name, lambda s: s["running"] == 3, 30)
            worker.send_signal(signal.SIGTERM)
            code, out = stop(worker, timeout=20)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
    assert code == 0, out
    state = status(url, name)
    # the jobs in hand were finished (both pages each), and none was picked after the signal
    assert state["done"] == at_signal["done"] + 3 and state["pending"] == at_signal["pending"] > 0, (at_signal, state)
    assert (state["running"], state["failed"], state["items"]) == (0, 0, 10 * state["done"]), state


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda c: c.enqueue(["a"], kind="shop"), "crawl kind must be one of keyword, image, detail"),
        (lambda c: c.enqueue(["a"], platform="amazon"), "crawl platform must be one of 1688, taobao, poizon"),
        (lambda c: c.enqueue(["a"], kind="image", platform="poizon"), "Poizon has no image search"),
        (lambda c: c.enqueue(["a"], sort="price"), "crawl option 'sort' is not one of"),
        (lambda c: c.enqueue(["a"], max_pages=0), "max_pages must be a positive int"),
        (lambda c: c.enqueue("连衣裙"), "not one str"),
    ],
)
async def test_bad_enqueue_arguments_are_config_errors(redis_url: str, call: Any, problem: str) -> None:
    async with Crawl(redis_url, "bad") as crawl:
        with pytest.raises(ConfigError, match=problem):
            await call(crawl)
        assert (await crawl.status()).inputs == 0


@pytest.mark.parametrize("name", ["", "a b", "a:b", "x" * 101])
def test_bad_crawl_names_are_config_errors(name: str) -> None:
    with pytest.raises(ConfigError, match="crawl name must be"):
        Crawl("redis://127.0.0.1:6379/0", name)


def test_cli_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crawl", "enqueue", str(tmp_path / "missing.txt")]) == 2  # no --redis
    assert "--redis" in capsys.readouterr().err
    url = "redis://127.0.0.1:1/0"
    assert main(["crawl", "enqueue", "--redis", url, str(tmp_path / "missing.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["crawl", "status", "--redis", "http://nowhere", "--json"]) == 2
    assert "must start with redis://" in capsys.readouterr().err


def test_importing_the_sdk_does_not_import_arq() -> None:
    code = "import sys, daji_async, daji_async.cli; assert 'arq' not in sys.modules, 'arq imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


async def test_unreachable_redis_is_a_clear_error_without_the_password() -> None:
    port = free_port()
    async with Crawl(f"redis://:hunter2@127.0.0.1:{port}/0", "gone") as crawl:
        with pytest.raises(RedisUnavailableError, match=f"127.0.0.1:{port}/0 cannot be reached") as caught:
            await crawl.status()
        assert "hunter2" not in str(caught.value) and "hunter2" not in repr(crawl)


async def test_delete_removes_the_crawl_and_leaves_others(redis_url: str, daji_sandbox: SandboxServer) -> None:
    async with Crawl(redis_url, "gone") as crawl, Crawl(redis_url, "kept") as kept:
        await crawl.enqueue(["连衣裙", "手机壳"], max_pages=1, page_size=5)
        await kept.enqueue(["连衣裙"], max_pages=1, page_size=5)
        await run_burst(crawl, daji_sandbox)
        await crawl.enqueue(["水杯"])  # one still queued
        assert await crawl.delete() > 0
        state = await crawl.status()
        assert (state.inputs, state.done, state.pending, state.items, state.requests) == (0, 0, 0, 0, 0)
        assert [r async for r in crawl.results()] == []
        assert (await kept.status()).pending == 1


def test_status_watch_redraws_until_nothing_is_left(
    redis_url: str, daji_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_enqueue(redis_url, "watch", ["连衣裙", "手机壳", "水杯"], max_pages=1, page_size=5))
    watch = ["crawl", "status", "--redis", redis_url, "--name", "watch", "--watch", "0.05"]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        watching = pool.submit(main, watch)
        time.sleep(0.3)
        assert not watching.done()  # three inputs pending: it keeps watching

        async def work() -> None:
            async with Crawl(redis_url, "watch") as crawl:
                await run_burst(crawl, daji_sandbox)

        asyncio.run(work())
        assert watching.result(timeout=15) == 0
    assert "3/3" in capsys.readouterr().out


async def test_repeats_across_batches_are_enqueued_once(redis_url: str) -> None:
    async with Crawl(redis_url, "batches") as crawl:
        keywords = [f"k{i}" for i in range(700)]
        done = await crawl.enqueue([*keywords, *keywords[:300], "k5", ""])
        assert (done.added, done.already, done.blank) == (700, 301, 1)
        assert (await crawl.status()).pending == 700


def test_a_crawl_of_two_platforms_exports_both(redis_url: str, daji_sandbox: SandboxServer, tmp_path: Path) -> None:
    async def crawl_both() -> None:
        async with Crawl(redis_url, "mixed") as crawl:
            await crawl.enqueue(["连衣裙"], max_items=4, page_size=4)
            await crawl.enqueue(["手机壳"], platform="taobao", max_items=3, page_size=3)
            await crawl.enqueue(["Nike"], kind="detail", platform="poizon")  # not an SPU id: fails
            await run_burst(crawl, daji_sandbox)

    asyncio.run(crawl_both())
    base = ["crawl", "export", "--redis", redis_url, "--name", "mixed"]
    assert main([*base, str(tmp_path / "m.parquet")]) == 0
    table = pq.read_table(tmp_path / "m.parquet")
    assert table.column_names[0] == "input"  # kinds differ: the input column is named for none of them
    assert sorted(table.column("input").to_pylist()) == ["手机壳"] * 3 + ["连衣裙"] * 4
    assert {"offer_id", "item_id", "title", "subject"} <= set(table.column_names)
    assert main([*base, str(tmp_path / "m.csv")]) == 0
    assert len((tmp_path / "m.csv").read_text(encoding="utf-8").splitlines()) == 1 + 7
