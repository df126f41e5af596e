"""Scenario 4: bulk searches.

``client.bulk.keyword_search(keywords, concurrency=C, max_pages=2)`` over 500 keywords
(2 pages of 20 each: 1,000 requests) at concurrency 16, 64 and 256, the client's
``max_concurrency`` set to C as well (otherwise its default of 32 caps everything). Without a
rate limit it is compared with a hand-written pool of C raw aiohttp + msgspec workers decoding
the same Struct: the SDK's ``ProductItem`` (full), or the one field a caller reads
(``NarrowOffer``: the SDK through ``item_type=``). A second copy of the pool runs in every
round (the A/A pairing): how far two identical clients land apart is printed next to every
ratio. The same contenders run over TLS (a self-signed sandbox on loopback, concurrency 64),
with the connections each run opened (each a TLS handshake). With ``rate_limit=R`` the
achieved rate is compared with R and the sandbox reports the most requests it saw in any one
second. Peak memory is the tracemalloc peak of a separate, untimed run (tracemalloc slows
everything it watches).

The keywords are the sandbox's product nouns with a number (``连衣裙17``): each is a distinct
search the sandbox answers from its index, so the server stays fast.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import tracemalloc
from typing import Any

import msgspec

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
from .contenders import CeilingContender, CeilingNarrowContender, NarrowOffer

KEY = "bulk"
#: Keywords per run (2 pages each). The machine's speed drifts over seconds, so two short runs
#: back to back compare better than two long ones: paired runs of 250 keywords at concurrency
#: 16 gave single-round ratios with quartiles 0.87 and 1.02, runs of 1,000 about 0.80 and 1.05.
KEYWORDS = 500
#: The concurrency of the TLS rows (one level: a TLS run costs more than twice a plain one).
TLS_CONCURRENCY = 64
TITLE = "4. Bulk: many keywords at once"


def keywords(env: Env, count: int) -> list[str]:
    nouns = env.vocabulary()
    return [f"{nouns[i % len(nouns)]}{i}" for i in range(count)]


async def sdk_bulk(
    base_url: str,
    words: list[str],
    concurrency: int,
    rate: float | None,
    item_type: type[msgspec.Struct] | None = None,
    tls: ssl.SSLContext | None = None,
) -> tuple[int, int]:
    """The SDK's bulk search; returns ``(pages, items)`` and fails on any error result."""
    pages = items = 0
    async with DajiClient(
        APP_KEY, APP_SECRET, base_url=base_url, max_concurrency=concurrency, rate_limit=rate, ssl=tls or True
    ) as client:
        walks = client.bulk.keyword_search(
            words, concurrency=concurrency, max_pages=2, page_size=20, item_type=item_type
        )
        async for result in walks:
            if result.error is not None:
                raise result.error
            pages += result.pages
            items += len(result.items)
    return pages, items


async def raw_bulk(
    base_url: str, words: list[str], concurrency: int, narrow: bool = False, tls: ssl.SSLContext | None = None
) -> tuple[int, int]:
    """A hand-written pool of ``concurrency`` workers, 2 pages per keyword, raw aiohttp + msgspec.

    ``narrow``: its items decode into :class:`NarrowOffer` instead of ``ProductItem``.
    """
    ceiling = CeilingNarrowContender(tls) if narrow else CeilingContender(tls)
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


#: The unlimited contenders, in the order of a round (mirrored in the next): each pair compared
#: runs back to back (narrow pool and narrow bulk, narrow bulk and bulk, bulk and pool, pool and
#: its copy), then the SDK one layer at a time. Over TLS the two layers do not run.
LAYERS = {
    "raw narrow": "pool decoding NarrowOffer",
    "sdk narrow": "SDK `bulk.keyword_search(item_type=NarrowOffer)`",
    "sdk": "SDK `bulk.keyword_search`",
    "raw": "raw aiohttp + msgspec pool",
    "raw A/A": "the same pool again (A/A)",
    "execute": "pool awaiting single SDK pages",
    "paginator": "pool walking SDK paginators",
}
#: What each contender's requests/s is divided by (the pool decoding the same Struct).
BASELINE = {
    "raw narrow": "raw",
    "sdk narrow": "raw narrow",
    "sdk": "raw",
    "raw A/A": "raw",
    "execute": "raw",
    "paginator": "raw",
}


def contenders(
    base_url: str, words: list[str], concurrency: int, tls: ssl.SSLContext | None, layers: bool
) -> dict[str, Any]:
    """Every contender of one cell, as zero-argument coroutine functions, in :data:`LAYERS` order.

    ``layers``: with the two SDK layers (plain HTTP, one concurrency: they are not targets).
    """
    runs: dict[str, Any] = {
        "raw narrow": lambda: raw_bulk(base_url, words, concurrency, narrow=True, tls=tls),
        "sdk narrow": lambda: sdk_bulk(base_url, words, concurrency, None, item_type=NarrowOffer, tls=tls),
        "sdk": lambda: sdk_bulk(base_url, words, concurrency, None, tls=tls),
        "raw": lambda: raw_bulk(base_url, words, concurrency, tls=tls),
        "raw A/A": lambda: raw_bulk(base_url, words, concurrency, tls=tls),
    }
    if layers:
        runs["execute"] = lambda: pool_execute(base_url, words, concurrency)
        runs["paginator"] = lambda: pool_paginator(base_url, words, concurrency)
    return runs


async def _measure(sandbox: SandboxProcess, runs: dict[str, Any], rounds: int) -> dict[str, list[Sample]]:
    def make(fn: Any) -> Any:
        async def one() -> Sample:
            before = sandbox.connections()
            sample = await timed(fn, sandbox)
            # less the control request that read the count afterwards (it opened a connection of its own)
            sample.extra["connections"] = sandbox.connections() - before - 1
            return sample

        return one

    return await alternate({name: make(fn) for name, fn in runs.items()}, rounds, mirrored)


def run(env: Env) -> Section:
    started = time.perf_counter()
    count = 24 if env.smoke else KEYWORDS
    concurrencies = [4, 16] if env.smoke else [16, 64, 256]
    tls_levels = [4] if env.smoke else [TLS_CONCURRENCY]
    rate = 200.0 if env.smoke else 500.0
    # single rounds' ratios spread 0.6-1.3 on this shared machine, and shorter runs side by side
    # disagree less than long ones far apart: many short rounds, for a steadier median; an even
    # number, so that each contender runs first (or last) in half of them; at least 15 (the issue)
    rounds = env.rounds(16)
    limited_rounds = env.rounds(2)
    words = keywords(env, count)
    sandbox = env.sandbox()
    limits = env.sandbox(role="limits")
    secure = env.tls_sandbox()
    run_in_loop("asyncio", lambda: raw_bulk(sandbox.base_url, words, 64))  # warm the sandbox's caches
    run_in_loop("asyncio", lambda: raw_bulk(secure.base_url, words, 64, tls=secure.context))
    cells: list[dict[str, Any]] = []
    for transport, server, levels in (("HTTP", sandbox, concurrencies), ("TLS", secure, tls_levels)):
        for concurrency in levels:
            layers = transport == "HTTP" and concurrency == concurrencies[1]
            runs = contenders(server.base_url, words, concurrency, server.context, layers)
            samples = run_in_loop("asyncio", lambda: _measure(server, runs, rounds))  # noqa: B023
            peak = _peak_memory(sandbox.base_url, words, concurrency) if transport == "HTTP" else None
            cells.append(
                {
                    "transport": transport,
                    "concurrency": concurrency,
                    "samples": samples,
                    "limited": [],
                    "peak_bytes": peak,
                }
            )
    # Rate-limited runs: one reset, then a warm-up run at the same rate (the reset empties the
    # sandbox's caches too), then every measured run; the window maximum covers them all.
    limits.reset()
    _limited_run(limits, words, max(concurrencies), rate, 0)
    plain = [cell for cell in cells if cell["transport"] == "HTTP"]
    for _ in range(limited_rounds):
        for cell in plain:
            cell["limited"].append(_limited_run(limits, words, cell["concurrency"], rate, limits.stats()["requests"]))
    section = Section(
        KEY,
        TITLE,
        intro=(
            f"{count:,} keywords × 2 pages of 20 ({2 * count:,} requests) per run, {rounds} rounds. "
            "Every contender runs once per round, in the order of the table and reversed in the next round, so each "
            "pair compared runs back to back and first as often as second; a ratio is the median of the rounds' own, "
            "with its range. *Pool* is a hand-written pool of `concurrency` workers (raw aiohttp + msgspec, the SDK's "
            "signing) decoding the same Struct as the SDK row it is compared with: `ProductItem`, or `NarrowOffer` "
            "(`offerId` only; the SDK given `item_type=NarrowOffer`). *A/A* is a second copy of the pool against the "
            "first, in the same rounds: two identical clients land this far apart here, so a ratio inside that range "
            "is not a measured difference. TLS rows run against a sandbox serving HTTPS with a self-signed "
            f"certificate on loopback (concurrency {TLS_CONCURRENCY}); *connections* are those the sandbox accepted "
            "per run (over TLS, one handshake each). "
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


def _per_round(samples: dict[str, list[Sample]], name: str, baseline: str) -> list[float]:
    return ratios([s.pages_per_s for s in samples[name]], [s.pages_per_s for s in samples[baseline]])


def _tables(section: Section, cells: list[dict[str, Any]], rate: float, count: int) -> None:
    summary = Table(
        "Summary: bulk against the pool decoding the same Struct (median of per-round ratios, range)",
        [
            "transport",
            "concurrency",
            "SDK ÷ pool, ProductItem",
            "SDK ÷ pool, NarrowOffer",
            "A/A: pool ÷ same pool",
            "SDK narrow ÷ SDK full",
            "pool narrow ÷ pool full",
            "SDK requests per client core-second (full, narrow)",
            "connections per run (SDK, pool)",
        ],
    )
    free = Table(
        "Every contender",
        [
            "transport",
            "concurrency",
            "contender",
            "requests/s",
            "items/s",
            "spread",
            "client CPU µs/request",
            "server busy",
            "÷ its pool (requests/s)",
            "A/A in the same rounds",
            "CPU µs/request − its pool",
            "connections per run",
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
    full: list[tuple[int, float, float]] = []
    narrow: list[tuple[int, float, float, float]] = []
    secure: list[tuple[int, float, float, int]] = []
    for cell in cells:
        concurrency, transport = cell["concurrency"], cell["transport"]
        samples: dict[str, list[Sample]] = cell["samples"]
        aa = _per_round(samples, "raw A/A", "raw")
        for name, label in LAYERS.items():
            got = samples.get(name)
            if not got:
                continue
            base = BASELINE.get(name)
            rate_values = [s.pages_per_s for s in got]
            busy = [s.server_busy for s in got if s.server_busy is not None]
            cpu = [s.cpu_us_per_page for s in got]
            free.rows.append(
                [
                    transport,
                    str(concurrency),
                    label,
                    fmt(median(rate_values)),
                    fmt(median([s.items_per_s for s in got])),
                    fmt_spread(rate_values),
                    fmt(median(cpu)),
                    f"{median(busy) * 100:.0f}%" if busy else "–",
                    fmt_ratio(_per_round(samples, name, base)) if base else "1",
                    fmt_ratio(aa) if base and name != "raw A/A" else "–",
                    fmt(median([a - b for a, b in zip(cpu, [s.cpu_us_per_page for s in samples[base]], strict=True)]))
                    if base
                    else "–",
                    fmt(median([s.extra.get("connections", 0) for s in got])),
                    f"{cell['peak_bytes'] / 2**20:.1f} MiB" if name == "sdk" and cell["peak_bytes"] else "–",
                ]
            )
        sdk_full = median(_per_round(samples, "sdk", "raw"))
        sdk_narrow = median(_per_round(samples, "sdk narrow", "raw narrow"))
        narrow_gain = median(_per_round(samples, "sdk narrow", "sdk"))
        connections = max(s.extra.get("connections", 0) for s in samples["sdk"] + samples["sdk narrow"])
        summary.rows.append(
            [
                transport,
                str(concurrency),
                fmt_ratio(_per_round(samples, "sdk", "raw")),
                fmt_ratio(_per_round(samples, "sdk narrow", "raw narrow")),
                fmt_ratio(aa),
                fmt_ratio(_per_round(samples, "sdk narrow", "sdk")),
                fmt_ratio(_per_round(samples, "raw narrow", "raw")),
                ", ".join(fmt(1e6 / median([s.cpu_us_per_page for s in samples[n]])) for n in ("sdk", "sdk narrow")),
                f"{median([s.extra.get('connections', 0) for s in samples['sdk']]):.0f}, "
                f"{median([s.extra.get('connections', 0) for s in samples['raw']]):.0f}",
            ]
        )
        if transport == "HTTP":
            full.append((concurrency, sdk_full, median(aa)))
            narrow.append((concurrency, sdk_narrow, narrow_gain, median(aa)))
        else:
            secure.append((concurrency, sdk_full, median(aa), connections))
        runs = cell["limited"]
        if runs:
            achieved = [r["sample"].pages_per_s for r in runs]
            windows = [r["max_per_second"] for r in runs]
            worst_window = max(worst_window, *windows)
            limited.rows.append(
                [
                    str(concurrency),
                    fmt(rate),
                    fmt(median(achieved), 1),
                    f"{median(achieved) / rate:.3f}",
                    str(max(windows)),
                    fmt(median([r["requests"] for r in runs])),
                ]
            )
    section.tables += [summary, free, limited]
    section.notes.append(
        "The two last rows over HTTP (at one concurrency, to keep the run short) add the SDK one layer at a time: "
        "a plain worker pool calling the SDK's request "
        "pipeline one page per call (`await keyword_search(page=n)`), then a plain worker pool walking one SDK "
        "paginator per keyword; the bulk rows add the bulk engine (its lazy input source, credits, result queue and "
        "`BulkResult`s). *Requests per client core-second* is 1,000,000 ÷ the client CPU µs per request: how many "
        "page requests one core of the client's machine can drive at this concurrency."
    )
    section.notes.append(
        "Achieved rate here is requests ÷ wall time of the whole run, so it includes the run's start-up and the "
        "last answer's latency; scenario 6 measures the limiter's steady rate."
    )
    if full:
        lowest = min(full, key=lambda row: row[1])
        section.targets.append(
            Target(
                "Bulk vs the pool, full decode",
                ">= 0.92× the pool decoding ProductItem (requests/s, median of per-round ratios) at every concurrency",
                ", ".join(f"{ratio:.2f}× at {level} (A/A {aa:.2f}×)" for level, ratio, aa in full)
                + f" (lowest {lowest[1]:.2f}× at {lowest[0]})",
                lowest[1] >= 0.92,
            )
        )
    if narrow:
        lowest_narrow = min(narrow, key=lambda row: row[1])
        slowest_gain = min(narrow, key=lambda row: row[2])
        section.targets.append(
            Target(
                "Bulk vs the pool, narrow item type",
                ">= 0.90× the pool decoding NarrowOffer at every concurrency, and faster than the full decode",
                ", ".join(f"{ratio:.2f}× at {level} (A/A {aa:.2f}×)" for level, ratio, _, aa in narrow)
                + "; narrow ÷ full "
                + ", ".join(f"{gain:.2f}× at {level}" for level, _, gain, _ in narrow),
                lowest_narrow[1] >= 0.90 and slowest_gain[2] > 1.0,
            )
        )
    for level, ratio, aa, connections in secure:
        section.targets.append(
            Target(
                "Bulk over TLS",
                f">= 0.90× the pool over TLS, and at most concurrency + 4 = {level + 4} connections (handshakes) "
                "per run",
                f"{ratio:.2f}× at {level} (A/A {aa:.2f}×); at most {connections} connections in a run",
                ratio >= 0.90 and connections <= level + 4,
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
