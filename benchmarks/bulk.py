"""Scenario 4: bulk searches.

``client.bulk.keyword_search(keywords, concurrency=C, max_pages=2)`` over 600 keywords
(2 pages of 20 each: 1,200 requests) at concurrency 16, 64 and 256, the client's
``max_concurrency`` set to C as well (otherwise its default of 32 caps everything). Without a
rate limit it is compared with a hand-written pool of C raw aiohttp + msgspec workers; with
``rate_limit=R`` the achieved rate is compared with R and the sandbox reports the most
requests it saw in any one second. Peak memory is the tracemalloc peak of a separate,
untimed run (tracemalloc slows everything it watches).

The keywords are the sandbox's product nouns with a number (``连衣裙17``): each is a distinct
search the sandbox answers from its index, so the server stays fast.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from typing import Any

from daji_async import DajiClient
from daji_async.models.products import ProductItem

from ._harness import (
    APP_KEY,
    APP_SECRET,
    Env,
    Sample,
    SandboxProcess,
    Section,
    Table,
    Target,
    alternate,
    fmt,
    fmt_ratio,
    fmt_spread,
    median,
    mirrored,
    ratios,
    run_in_loop,
    timed,
)
from .contenders import CeilingContender

KEY = "bulk"
#: Keywords per run (2 pages each). The machine's speed drifts over seconds, so two short runs
#: back to back compare better than two long ones: paired runs of 250 keywords at concurrency
#: 16 gave single-round ratios with quartiles 0.87 and 1.02, runs of 1,000 about 0.80 and 1.05.
KEYWORDS = 600
TITLE = "4. Bulk: many keywords at once"


def keywords(env: Env, count: int) -> list[str]:
    nouns = env.vocabulary()
    return [f"{nouns[i % len(nouns)]}{i}" for i in range(count)]


async def sdk_bulk(base_url: str, words: list[str], concurrency: int, rate: float | None) -> tuple[int, int]:
    """The SDK's bulk search; returns ``(pages, items)`` and fails on any error result."""
    pages = items = 0
    async with DajiClient(
        APP_KEY, APP_SECRET, base_url=base_url, max_concurrency=concurrency, rate_limit=rate
    ) as client:
        async for result in client.bulk.keyword_search(words, concurrency=concurrency, max_pages=2, page_size=20):
            if result.error is not None:
                raise result.error
            pages += result.pages
            items += len(result.items)
    return pages, items


async def raw_bulk(base_url: str, words: list[str], concurrency: int) -> tuple[int, int]:
    """A hand-written pool of ``concurrency`` workers, 2 pages per keyword, raw aiohttp + msgspec."""
    ceiling = CeilingContender()
    await ceiling.open(base_url, concurrency)
    queue = iter(words)
    totals = [0, 0]

    async def worker() -> None:
        for word in queue:
            collected = []
            for number in (1, 2):
                page = await ceiling.fetch(word, number, 20)
                totals[0] += 1
                collected.extend(page.items)
                if page.total_pages <= number:
                    break
            totals[1] += len(collected)

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await ceiling.close()
    return totals[0], totals[1]


async def pool_execute(base_url: str, words: list[str], concurrency: int) -> tuple[int, int]:
    """A worker pool awaiting one SDK page per call (``await keyword_search(page=n)``): no walk, no bulk."""
    async with DajiClient(APP_KEY, APP_SECRET, base_url=base_url, max_concurrency=concurrency) as client:
        queue = iter(words)
        totals = [0, 0]

        async def worker() -> None:
            for word in queue:
                for number in (1, 2):
                    page = await client.products.keyword_search(word, page=number, page_size=20)
                    totals[0] += 1
                    totals[1] += len(page.items)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return totals[0], totals[1]


async def pool_paginator(base_url: str, words: list[str], concurrency: int) -> tuple[int, int]:
    """A worker pool walking ``keyword_search(...).pages()`` per keyword: everything but the bulk engine."""
    async with DajiClient(APP_KEY, APP_SECRET, base_url=base_url, max_concurrency=concurrency) as client:
        queue = iter(words)
        totals = [0, 0]

        async def worker() -> None:
            for word in queue:
                items: list[ProductItem] = []
                async for page in client.products.keyword_search(word, page_size=20, max_pages=2).pages():
                    totals[0] += 1
                    items.extend(page.items)
                totals[1] += len(items)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return totals[0], totals[1]


#: The unlimited contenders, from the raw pool up to the SDK's bulk call one layer at a time.
LAYERS = {
    "raw": "raw aiohttp + msgspec pool",
    "execute": "pool awaiting single SDK pages",
    "paginator": "pool walking SDK paginators",
    "sdk": "SDK `bulk.keyword_search`",
}


def run(env: Env) -> Section:
    started = time.perf_counter()
    count = 24 if env.smoke else KEYWORDS
    concurrencies = [4, 16] if env.smoke else [16, 64, 256]
    rate = 200.0 if env.smoke else 500.0
    # single rounds' ratios spread 0.6-1.3 on this shared machine, and shorter runs side by side
    # disagree less than long ones far apart: many short rounds, for a steadier median (20 rounds
    # still moved it by 0.05 from one full run to the next); an even number, so that the pool
    # and bulk each run first in half of them
    rounds = env.rounds(30)
    limited_rounds = env.rounds(2)
    words = keywords(env, count)
    sandbox = env.sandbox()
    limits = env.sandbox(role="limits")
    run_in_loop("asyncio", lambda: raw_bulk(sandbox.base_url, words, 64))  # warm the sandbox's caches
    cells: list[dict[str, Any]] = []
    for concurrency in concurrencies:

        async def measure() -> dict[str, list[Sample]]:
            def make(fn: Any) -> Any:
                async def one() -> Sample:
                    return await timed(fn, sandbox)

                return one

            # the pool and bulk run back to back in every round, first one then the other
            return await alternate(
                {
                    "raw": make(lambda: raw_bulk(sandbox.base_url, words, concurrency)),  # noqa: B023
                    "sdk": make(lambda: sdk_bulk(sandbox.base_url, words, concurrency, None)),  # noqa: B023
                    "execute": make(lambda: pool_execute(sandbox.base_url, words, concurrency)),  # noqa: B023
                    "paginator": make(lambda: pool_paginator(sandbox.base_url, words, concurrency)),  # noqa: B023
                },
                rounds,
                mirrored,
            )

        samples = run_in_loop("asyncio", measure)
        peak = _peak_memory(sandbox.base_url, words, concurrency)
        cells.append({"concurrency": concurrency, "samples": samples, "limited": [], "peak_bytes": peak})
    # Rate-limited runs: one reset, then a warm-up run at the same rate (the reset empties the
    # sandbox's caches too), then every measured run; the window maximum covers them all.
    limits.reset()
    _limited_run(limits, words, max(concurrencies), rate, 0)
    for _ in range(limited_rounds):
        for cell in cells:
            cell["limited"].append(_limited_run(limits, words, cell["concurrency"], rate, limits.stats()["requests"]))
    section = Section(
        KEY,
        TITLE,
        intro=(
            f"{count:,} keywords × 2 pages of 20 ({2 * count:,} requests) per run, {rounds} rounds. "
            "In each round the raw pool and the SDK's bulk call run back to back, the pool first in one round and "
            "bulk first in the next (the two layers between them run after, then before them); a ratio is the "
            "median of the rounds' own. "
            f"`concurrency` is the bulk call's and the client's `max_concurrency`. Rate-limited runs use "
            f"`rate_limit={rate:g}` (below what the client reaches unlimited here) on a sandbox of their own, "
            f"{limited_rounds} runs per concurrency after one warm-up run; its statistics are reset once before "
            "the warm-up, so *most in one second* covers every rate-limited run. Each run is a new client, and "
            f"runs start {RUN_GAP_SECONDS:g} s apart, so no one-second window holds the sends of two clients."
        ),
    )
    _tables(section, cells, rate, count)
    section.data = {"count": count, "rate": rate, "cells": cells}
    section.seconds = time.perf_counter() - started
    return section


#: The pause before each rate-limited run: each run is a new client with a limiter of its own,
#: so back to back, one server-side second could hold the end of one run and the start of the
#: next (two limiters' worth); the limit is each client's, and a window never spans two runs.
RUN_GAP_SECONDS = 1.1


def _limited_run(
    sandbox: SandboxProcess, words: list[str], concurrency: int, rate: float, requests_before: int
) -> dict[str, Any]:
    time.sleep(RUN_GAP_SECONDS)
    sample = run_in_loop("asyncio", lambda: timed(lambda: sdk_bulk(sandbox.base_url, words, concurrency, rate)))
    stats = sandbox.stats()
    return {
        "sample": sample,
        "max_per_second": stats["max_per_second"],
        "requests": stats["requests"] - requests_before,
    }


def _peak_memory(base_url: str, words: list[str], concurrency: int) -> int:
    """Peak bytes traced while the SDK's bulk search runs (above what was allocated before)."""

    async def traced() -> int:
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            await sdk_bulk(base_url, words, concurrency, None)
            return tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()

    return run_in_loop("asyncio", traced)


def _tables(section: Section, cells: list[dict[str, Any]], rate: float, count: int) -> None:
    free = Table(
        "Without a rate limit",
        [
            "concurrency",
            "contender",
            "requests/s",
            "items/s",
            "spread",
            "requests per 1,000 items",
            "client CPU µs/request",
            "server busy",
            "÷ raw (requests/s)",
            "CPU µs/request − raw",
            "SDK peak traced memory",
        ],
    )
    limited = Table(
        f"With rate_limit={rate:g}/s",
        [
            "concurrency",
            "requested/s",
            "achieved/s (n ÷ wall)",
            "achieved ÷ requested",
            "most in one second (so far)",
            "requests per run",
        ],
    )
    worst_window = 0
    against_raw: list[tuple[int, float]] = []
    for cell in cells:
        concurrency = cell["concurrency"]
        samples: dict[str, list[Sample]] = cell["samples"]
        for name, label in LAYERS.items():
            got = samples[name]
            rate_values = [s.pages_per_s for s in got]
            busy = [s.server_busy for s in got if s.server_busy is not None]
            cpu = [s.cpu_us_per_page for s in got]
            free.rows.append(
                [
                    str(concurrency),
                    label,
                    fmt(median(rate_values)),
                    fmt(median([s.items_per_s for s in got])),
                    fmt_spread(rate_values),
                    fmt(median([s.pages / s.items * 1000 if s.items else float("nan") for s in got]), 1),
                    fmt(median(cpu)),
                    f"{median(busy) * 100:.0f}%" if busy else "–",
                    fmt_ratio(ratios(rate_values, [s.pages_per_s for s in samples["raw"]])) if name != "raw" else "1",
                    fmt(median([a - b for a, b in zip(cpu, [s.cpu_us_per_page for s in samples["raw"]], strict=True)]))
                    if name != "raw"
                    else "–",
                    f"{cell['peak_bytes'] / 2**20:.1f} MiB" if name == "sdk" else "–",
                ]
            )
        sdk_vs_raw = ratios([s.pages_per_s for s in samples["sdk"]], [s.pages_per_s for s in samples["raw"]])
        against_raw.append((concurrency, median(sdk_vs_raw)))
        runs = cell["limited"]
        achieved = [r["sample"].pages_per_s for r in runs]
        windows = [r["max_per_second"] for r in runs]
        fidelity = median(achieved) / rate
        worst_window = max(worst_window, *windows)
        limited.rows.append(
            [
                str(concurrency),
                fmt(rate),
                fmt(median(achieved), 1),
                f"{fidelity:.3f}",
                str(max(windows)),
                fmt(median([r["requests"] for r in runs])),
            ]
        )
    section.tables += [free, limited]
    section.notes.append(
        "The two middle rows add the SDK one layer at a time: a plain worker pool calling the SDK's request "
        "pipeline one page per call (`await keyword_search(page=n)`), then a plain worker pool walking one SDK "
        "paginator per keyword; the last row adds "
        "the bulk engine (its lazy input source, credits, result queue and `BulkResult`s)."
    )
    section.notes.append(
        "Achieved rate here is requests ÷ wall time of the whole run, so it includes the run's start-up and the "
        "last answer's latency; scenario 6 measures the limiter's steady rate."
    )
    lowest = min(against_raw, key=lambda pair: pair[1])
    section.targets.append(
        Target(
            "Bulk vs a hand-written worker pool",
            ">= 0.92× the raw aiohttp + msgspec pool (requests/s, median of per-round ratios) at every concurrency",
            ", ".join(f"{ratio:.2f}× at {level}" for level, ratio in against_raw)
            + f" (lowest {lowest[1]:.2f}× at {lowest[0]})",
            lowest[1] >= 0.92,
        )
    )
    section.targets.append(
        Target(
            "Bulk under a rate limit",
            f"never above {rate:g} in any one second",
            f"most in one second {worst_window}",
            worst_window <= rate,
        )
    )
