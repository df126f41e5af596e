"""Scenario 3: prefetch under latency.

A second sandbox process answers every request after 50 ms. Walk 20 pages of one search at
prefetch 1, 2, 4, 8 and 16 and compare the wall time with the ideal,
``ceil(pages / prefetch) × latency``. Contenders: the SDK's ``async for``; the hand-written
ceiling with the SDK's scheduling (page 1 alone, then a window); and a hand-written
*speculative* walk that sends pages 1..prefetch at once (it knows ``max_pages``), which is
what reaching the ideal takes.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from typing import Any

from ._harness import Env, Sample, Section, Table, Target, alternate, fmt, fmt_ratio, median, run_in_loop, timed
from .contenders import CeilingContender, SdkContender

KEY = "prefetch"
TITLE = "3. Prefetch under latency"


class SpeculativeContender(CeilingContender):
    """The ceiling, but pages 1..window go out together (``max_pages`` bounds the walk)."""

    name = "speculative"
    label = "hand-written, speculative first window"

    async def walk(self, keyword: str, page_size: int, max_pages: int, window: int) -> tuple[int, int]:
        pending: deque[asyncio.Future[Any]] = deque()
        upcoming, last = 1, max_pages
        pages = items = 0
        try:
            while upcoming <= last or pending:
                while len(pending) < window and upcoming <= last:
                    pending.append(asyncio.ensure_future(self.fetch(keyword, upcoming, page_size)))
                    upcoming += 1
                page = await pending.popleft()
                pages += 1
                last = min(last, page.total_pages)
                for _ in page.items:
                    items += 1
        finally:
            for future in pending:
                future.cancel()
        return pages, items


def run(env: Env) -> Section:
    started = time.perf_counter()
    latency = 0.05
    pages = 4 if env.smoke else 20
    windows = [1, 4] if env.smoke else [1, 2, 4, 8, 16]
    rounds = env.rounds(5)
    sandbox = env.sandbox(latency)
    keyword = env.long_keywords(1)[0]
    kinds = {"sdk": SdkContender, "ceiling": CeilingContender, "speculative": SpeculativeContender}
    cells: list[dict[str, Any]] = []

    async def main() -> None:
        for window in windows:
            opened = {}
            try:
                for name, kind in kinds.items():
                    contender = kind()
                    await contender.open(sandbox.base_url, window)
                    opened[name] = contender
                    await contender.walk(keyword, 20, min(pages, window), window)  # open the connections

                def runner(contender: Any) -> Any:
                    async def walk() -> tuple[int, int]:
                        return await contender.walk(keyword, 20, pages, window)  # noqa: B023

                    async def one() -> Sample:
                        return await timed(walk)

                    return one

                samples = await alternate({n: runner(c) for n, c in opened.items()}, rounds)
            finally:
                for contender in opened.values():
                    await contender.close()
            cells.append({"window": window, "samples": samples})

    run_in_loop("asyncio", main)

    table = Table(
        f"{pages} pages of 20 items, server latency {latency * 1000:.0f} ms (wall time, median of {rounds} rounds)",
        [
            "prefetch",
            "ideal ms",
            "SDK ms",
            "SDK ÷ ideal",
            "same scheduling, hand-written ms",
            "÷ ideal",
            "speculative hand-written ms",
            "÷ ideal",
        ],
    )
    worst = 0.0
    for cell in cells:
        window, samples = cell["window"], cell["samples"]
        ideal = math.ceil(pages / window) * latency
        row = [str(window), fmt(ideal * 1000)]
        for name in ("sdk", "ceiling", "speculative"):
            walls = [s.wall for s in samples[name]]
            over = [w / ideal for w in walls]
            row += [fmt(median(walls) * 1000), fmt_ratio(over)]
            if name == "sdk":
                worst = max(worst, median(over))
            assert all(s.pages == pages for s in samples[name]), f"{name} fetched the wrong number of pages"
        table.rows.append(row)
        cell["ideal"] = ideal
    section = Section(
        KEY,
        TITLE,
        intro=(
            f"A sandbox process with `--latency {latency}` answers every request after {latency * 1000:.0f} ms. "
            "The ideal is ceil(pages / prefetch) × latency. The SDK's paginator fetches page 1 alone (it learns "
            "`totalPage` from it) and only then keeps `prefetch` pages in flight, so its best case is "
            "(1 + ceil((pages - 1) / prefetch)) × latency; the speculative column sends pages 1..prefetch together."
        ),
        tables=[table],
    )
    section.targets.append(
        Target(
            "Prefetch wall time",
            "within 1.3× the ideal for prefetch up to 16",
            f"worst SDK median {worst:.2f}× the ideal",
            worst <= 1.3,
        )
    )
    section.data = {"pages": pages, "latency": latency, "cells": cells}
    section.seconds = time.perf_counter() - started
    return section
