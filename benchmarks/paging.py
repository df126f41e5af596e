"""Scenario 1: paging throughput.

Walk keyword searches page by page (40 pages a keyword, several keywords a run) at
page_size 20 and 50, with prefetch (the SDK) or the same in-order window (the others) of 1,
8 and 32 pages, on the default event loop and on uvloop. Contenders: the SDK's ``async for``,
the hand-written ceiling (raw aiohttp + msgspec typed decoding, same signing, same
scheduling), a second copy of the ceiling (the A/A pairing: how far two identical clients
land apart in the same rounds), httpx + pydantic, and aiohttp + ``json.loads``. Then, at
page size 20 and prefetch 8, the SDK and the ceiling decoding a narrow item
(``NarrowOffer``; the SDK through ``item_type=``), over plain HTTP and over TLS (a
self-signed sandbox on loopback).

Reported per contender: items/s, pages/s, client CPU µs per page (this process's CPU, the
sandbox runs in another process), how busy the sandbox was (a share of one core: near 100%
means the server, not the client, set the pace), and per-round ratios to the ceiling.
"""

from __future__ import annotations

import time
from typing import Any

from ._harness import (
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
)
from ._harness import run_in_loop as _run_in_loop
from ._harness import timed as _timed
from .contenders import NARROW_CONTENDERS, PAGING_CONTENDERS, CeilingContender, Contender, available_contenders

KEY = "paging"
TITLE = "1. Paging throughput"
PAGES_PER_KEYWORD = 40
#: Contenders an order of magnitude slower walk 1/SLOW_SHARE of the keywords (rates compare, not totals).
SLOW = {"httpx+pydantic"}
SLOW_SHARE = 4


def plan(env: Env) -> dict[str, Any]:
    """Sizes of the run (full or smoke)."""
    if env.smoke:
        return {"page_sizes": [20], "windows": [1, 8], "pages_per_run": 8, "pages_per_keyword": 4, "rounds": 1}
    return {
        "page_sizes": [20, 50],
        "windows": [1, 8, 32],
        # short runs, many rounds: two runs seconds apart compare better than two long ones
        "pages_per_run": 320,
        "pages_per_keyword": PAGES_PER_KEYWORD,
        "rounds": env.rounds(16),  # even: each contender runs first (or last) in half the rounds
    }


def run(env: Env, contenders: list[str] | None = None) -> Section:
    """Run the scenario and return its part of RESULTS.md (``data`` holds every sample)."""
    started = time.perf_counter()
    p = plan(env)
    names = contenders or available_contenders()
    per_keyword = p["pages_per_keyword"]
    keywords = env.long_keywords(max(1, -(-p["pages_per_run"] // per_keyword)))
    sandbox = env.sandbox()
    base = sandbox.base_url

    async def prewarm() -> None:
        # every page the runs will ask for, once, so the sandbox answers from its cache
        ceiling = CeilingContender()
        await ceiling.open(base, 32)
        try:
            for size in p["page_sizes"]:
                for keyword in keywords:
                    await ceiling.walk(keyword, size, per_keyword, 32)
        finally:
            await ceiling.close()

    _run_in_loop("asyncio", prewarm)

    cells: list[dict[str, Any]] = []
    for loop in env.loops:

        async def measure_loop() -> None:
            for size in p["page_sizes"]:
                for window in p["windows"]:
                    cells.append(await _cell(env, names, keywords, size, window, loop, p))  # noqa: B023

        _run_in_loop(loop, measure_loop)

    secure = env.tls_sandbox()
    narrow_cells: list[dict[str, Any]] = []

    async def measure_narrow() -> None:
        # the narrow and TLS rows: page size 20, prefetch 8, on asyncio
        narrow_plan = {**p, "pages_per_keyword": per_keyword}
        warm = CeilingContender(secure.context)
        await warm.open(secure.base_url, 32)
        try:
            for keyword in keywords:
                await warm.walk(keyword, 20, per_keyword, 32)
        finally:
            await warm.close()
        for transport, server in (("HTTP", sandbox), ("TLS", secure)):
            cell = await _cell(env, list(NARROW_CONTENDERS), keywords, 20, 8, "asyncio", narrow_plan, server)
            cell["transport"] = transport
            narrow_cells.append(cell)

    _run_in_loop("asyncio", measure_narrow)

    section = Section(KEY, TITLE, intro=_intro(p, keywords))
    _tables(section, cells, names)
    _narrow_table(section, narrow_cells)
    skipped = [n for n in PAGING_CONTENDERS if n not in names]
    if skipped:
        section.notes.append(f"Not run (packages not installed; `pip install -e '.[bench]'`): {', '.join(skipped)}.")
    section.data = {"plan": p, "cells": cells, "narrow": narrow_cells}
    section.seconds = time.perf_counter() - started
    return section


async def _cell(
    env: Env,
    names: list[str],
    keywords: list[str],
    size: int,
    window: int,
    loop: str,
    p: dict[str, Any],
    sandbox: SandboxProcess | None = None,
) -> dict[str, Any]:
    sandbox = sandbox or env.sandbox()
    registry = {**PAGING_CONTENDERS, **NARROW_CONTENDERS}
    per_keyword = p["pages_per_keyword"]
    opened: dict[str, Contender] = {}
    try:
        for name in names:
            contender = registry[name](sandbox.context)
            await contender.open(sandbox.base_url, window)
            opened[name] = contender
            await contender.walk(keywords[0], size, min(per_keyword, window + 1), window)  # connections, caches

        def runner(contender: Contender) -> Any:
            share = keywords[: max(1, len(keywords) // SLOW_SHARE)] if contender.name in SLOW else keywords

            async def walk_all() -> tuple[int, int]:
                pages = items = 0
                for keyword in share:
                    got_pages, got_items = await contender.walk(keyword, size, per_keyword, window)
                    pages += got_pages
                    items += got_items
                return pages, items

            async def one() -> Sample:
                return await _timed(walk_all, sandbox)

            return one

        # mirrored: the SDK and the ceiling (the first two) always run back to back, each first in turn
        samples = await alternate({name: runner(c) for name, c in opened.items()}, p["rounds"], mirrored)
    finally:
        for contender in opened.values():
            await contender.close()
    return {"loop": loop, "page_size": size, "window": window, "samples": samples}


def _intro(p: dict[str, Any], keywords: list[str]) -> str:
    return (
        f"{len(keywords)} keyword searches of {p['pages_per_keyword']} pages each per run "
        f"({len(keywords) * p['pages_per_keyword']:,} requests; httpx + pydantic, ten times slower, walks a quarter "
        f"of them), {p['rounds']} rounds; in each the contenders run one after another, in the order listed "
        "in one round and reversed in the next, so the SDK and the ceiling always run back to back. "
        "`prefetch` is the SDK's `prefetch=` and the same in-order window for the others (the first N pages "
        "together, then up to N pages in flight); every client's connection pool is N. *Client CPU* is this "
        "process's CPU per page; *server busy* is the sandbox process's CPU as a share of one core (near 100%: "
        "the server set the pace). Ratios are medians of per-round ratios (range in brackets): *throughput ÷ "
        "ceiling* compares pages/s, *CPU efficiency* is the ceiling's client CPU per page divided by the "
        "contender's (1.00: the contender costs the client no more than the hand-written ceiling)."
    )


def _tables(section: Section, cells: list[dict[str, Any]], names: list[str]) -> None:
    headers = [
        "prefetch",
        "contender",
        "items/s",
        "pages/s",
        "spread",
        "client CPU µs/page",
        "server busy",
        "throughput ÷ ceiling",
        "A/A: ceiling ÷ ceiling",
        "CPU efficiency vs ceiling",
    ]
    summary = Table(
        "Summary: the SDK against the ceiling and the alternatives (median per-round ratios)",
        [
            "loop",
            "page size",
            "prefetch",
            "SDK ÷ ceiling (pages/s)",
            "A/A: ceiling ÷ ceiling",
            "SDK CPU efficiency vs ceiling",
            "SDK ÷ httpx+pydantic (pages/s)",
            "httpx+pydantic CPU ÷ SDK CPU",
            "SDK ÷ aiohttp+json (pages/s)",
        ],
    )
    worst_ceiling: list[float] = []
    uvloop_rows: list[tuple[str, float]] = []
    worst_cpu: list[float] = []
    worst_httpx: list[float] = []
    worst_httpx_cpu: list[float] = []
    for loop in dict.fromkeys(c["loop"] for c in cells):
        for size in dict.fromkeys(c["page_size"] for c in cells):
            table = Table(f"Event loop {loop}, page_size {size}", headers)
            for cell in cells:
                if cell["loop"] != loop or cell["page_size"] != size:
                    continue
                samples: dict[str, list[Sample]] = cell["samples"]
                ceiling = samples.get("ceiling")
                copy = samples.get("ceiling A/A")
                aa = ratios([s.pages_per_s for s in copy], [s.pages_per_s for s in ceiling]) if copy and ceiling else []
                for name in names:
                    got = samples.get(name)
                    if not got:
                        continue
                    rate = [s.pages_per_s for s in got]
                    cpu = [s.cpu_us_per_page for s in got]
                    busy = [s.server_busy for s in got if s.server_busy is not None]
                    vs_rate = ratios(rate, [s.pages_per_s for s in ceiling]) if ceiling else []
                    vs_cpu = ratios([s.cpu_us_per_page for s in ceiling], cpu) if ceiling else []
                    table.rows.append(
                        [
                            str(cell["window"]),
                            PAGING_CONTENDERS[name].label,
                            fmt(median([s.items_per_s for s in got])),
                            fmt(median(rate)),
                            fmt_spread(rate),
                            fmt(median(cpu)),
                            f"{median(busy) * 100:.0f}%" if busy else "–",
                            fmt_ratio(vs_rate) if name != "ceiling" else "1",
                            fmt_ratio(aa) if name not in ("ceiling", "ceiling A/A") else "–",
                            fmt_ratio(vs_cpu) if name != "ceiling" else "1",
                        ]
                    )
                sdk = samples.get("sdk")
                if sdk:
                    row = [loop, str(size), str(cell["window"])]
                    for other, measure, sink in (
                        ("ceiling", "rate", worst_ceiling),
                        ("ceiling", "cpu", worst_cpu),
                        ("httpx+pydantic", "rate", worst_httpx),
                        ("httpx+pydantic", "cpu", worst_httpx_cpu),
                        ("aiohttp+json", "rate", None),
                    ):
                        theirs = samples.get(other)
                        if not theirs:
                            row.append("–")
                            continue
                        if measure == "rate":
                            r = ratios([s.pages_per_s for s in sdk], [s.pages_per_s for s in theirs])
                        else:  # how many times less client CPU per page the SDK needs
                            r = ratios([s.cpu_us_per_page for s in theirs], [s.cpu_us_per_page for s in sdk])
                        row.append(fmt_ratio(r))
                        if sink is worst_ceiling:
                            row.append(fmt_ratio(aa))
                        if sink is not None:
                            sink.append(median(r))
                        if sink is worst_ceiling and loop == "uvloop":
                            uvloop_rows.append((f"page size {size}, prefetch {cell['window']}", median(r)))
                    summary.rows.append(row)
            section.tables.append(table)
    section.tables.insert(0, summary)
    section.notes.append(
        "At prefetch 1 every contender waits for each answer, so pages/s includes the sandbox's own time per request "
        "and ratios between contenders shrink toward 1; the client CPU columns show each client's cost alone."
    )
    if worst_ceiling:
        section.targets.append(
            Target(
                "SDK throughput vs ceiling",
                ">= 0.85× the raw aiohttp + msgspec ceiling at every prefetch",
                f"lowest median {min(worst_ceiling):.2f}× (client CPU efficiency lowest {min(worst_cpu):.2f}×)",
                min(worst_ceiling) >= 0.85,
            )
        )
    if uvloop_rows:
        lowest = min(uvloop_rows, key=lambda pair: pair[1])
        section.targets.append(
            Target(
                "SDK vs ceiling on uvloop",
                ">= 0.90× the ceiling in every uvloop row",
                f"lowest median {lowest[1]:.2f}× ({lowest[0]})",
                lowest[1] >= 0.90,
            )
        )
    if worst_httpx:
        section.targets.append(
            Target(
                "SDK vs httpx + pydantic",
                ">= 5× on the same workload",
                f"lowest median {min(worst_httpx):.2f}× in pages/s; in client CPU per page the SDK is "
                f"{min(worst_httpx_cpu):.1f}× to {max(worst_httpx_cpu):.1f}× cheaper",
                min(worst_httpx) >= 5,
            )
        )


def _narrow_table(section: Section, cells: list[dict[str, Any]]) -> None:
    """The narrow and TLS rows: what a narrow item type buys and what TLS costs, with the A/A spread."""
    if not cells:
        return
    table = Table(
        "A narrow item type and TLS (asyncio, page_size 20, prefetch 8)",
        [
            "transport",
            "contender",
            "items/s",
            "pages/s",
            "spread",
            "client CPU µs/page",
            "÷ the ceiling decoding the same Struct (pages/s)",
            "A/A: ceiling ÷ ceiling",
        ],
    )
    same = {"sdk narrow": "ceiling narrow", "sdk": "ceiling", "ceiling A/A": "ceiling", "ceiling narrow": "ceiling"}
    for cell in cells:
        samples: dict[str, list[Sample]] = cell["samples"]
        aa = ratios([s.pages_per_s for s in samples["ceiling A/A"]], [s.pages_per_s for s in samples["ceiling"]])
        for name, got in samples.items():
            rate = [s.pages_per_s for s in got]
            base = same.get(name)
            table.rows.append(
                [
                    cell["transport"],
                    NARROW_CONTENDERS[name].label,
                    fmt(median([s.items_per_s for s in got])),
                    fmt(median(rate)),
                    fmt_spread(rate),
                    fmt(median([s.cpu_us_per_page for s in got])),
                    fmt_ratio(ratios(rate, [s.pages_per_s for s in samples[base]])) if base else "1",
                    fmt_ratio(aa) if base and name != "ceiling A/A" else "–",
                ]
            )
    section.tables.append(table)
    section.notes.append(
        "In the narrow and TLS table, *ceiling decoding NarrowOffer* is compared with the full ceiling (what the "
        "narrow Struct buys a hand-written client); the SDK rows are compared with the ceiling decoding the same "
        "Struct. Every client over TLS trusts the sandbox's self-signed certificate through the same "
        "`ssl.SSLContext`; as in every paging cell, each client is opened once for the cell and keeps its 8 "
        "connections alive across the rounds, so these rows measure TLS records, not handshakes (scenario 4's TLS "
        "rows open a new client per run and count its handshakes)."
    )
