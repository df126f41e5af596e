"""Scenario 5: streaming memory.

Iterate 100,000 items with ``async for`` (page_size 50, prefetch 4, one search after
another) in a fresh child process, and report how much its peak RSS grew above the RSS it
had after a warm-up. Streaming must stay flat: the growth for 100,000 items should match
the growth for 10,000. Collecting the same 100,000 items into a list shows what is saved.

The child resets its peak RSS (``/proc/self/clear_refs``) after the warm-up, so the figure is
the growth during the iteration alone; where that is not possible it falls back to
``ru_maxrss`` differences (a lower bound) and says so.

Run a child by hand: ``python -m benchmarks.streaming --base-url URL --items N --mode stream``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ._harness import APP_KEY, APP_SECRET, Env, Section, Table, Target, fmt, median, run_in_loop
from .contenders import CeilingContender

KEY = "streaming"
TITLE = "5. Streaming memory"
PAGE_SIZE = 50
PREFETCH = 4


# --------------------------------------------------------------------------- the child


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    rss, hwm = _status_kib("VmRSS"), _status_kib("VmHWM")
    return rss is not None and hwm is not None and hwm <= rss + 64


async def _child(base_url: str, items: int, mode: str, keywords: list[str]) -> dict[str, Any]:
    from daji_async import DajiClient

    async with DajiClient(APP_KEY, APP_SECRET, base_url=base_url) as client:
        search = client.products.keyword_search
        async for _ in search(keywords[0], page_size=PAGE_SIZE, prefetch=PREFETCH, max_pages=2 * PREFETCH):
            pass  # warm-up: imports, decoders, connections
        gc.collect()
        reset = _reset_peak()
        rss_before = _status_kib("VmRSS") or 0
        maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        kept: list[Any] = []
        count = 0
        searches = 0
        started = time.perf_counter()
        while count < items:
            keyword = keywords[searches % len(keywords)]
            searches += 1
            async for item in search(keyword, page_size=PAGE_SIZE, prefetch=PREFETCH, max_items=items - count):
                count += 1
                if mode == "collect":
                    kept.append(item)
        seconds = time.perf_counter() - started
        hwm = _status_kib("VmHWM")
        maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if reset and hwm is not None:
        growth_kib, method = hwm - rss_before, "VmHWM after clear_refs"
    else:
        growth_kib, method = max(0, maxrss_after - max(maxrss_before, rss_before)), "ru_maxrss (lower bound)"
    return {
        "mode": mode,
        "items": count,
        "kept": len(kept),
        "searches": searches,
        "growth_bytes": growth_kib * 1024,
        "rss_before_bytes": rss_before * 1024,
        "method": method,
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.streaming", description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--mode", choices=["stream", "collect"], default="stream")
    parser.add_argument("--keywords", required=True, help="comma-separated keywords with 2,000 results each")
    args = parser.parse_args(argv)
    result = asyncio.run(_child(args.base_url, args.items, args.mode, args.keywords.split(",")))
    print(json.dumps(result))
    return 0


# --------------------------------------------------------------------------- the scenario


def measure(base_url: str, items: int, mode: str, keywords: list[str]) -> dict[str, Any]:
    """Run one child and return what it reported."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.streaming",
        "--base-url",
        base_url,
        "--items",
        str(items),
        "--mode",
        mode,
        "--keywords",
        ",".join(keywords),
    ]
    root = Path(__file__).resolve().parent.parent  # so that `-m benchmarks.streaming` resolves
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=root)
    if done.returncode != 0:
        raise RuntimeError(f"streaming child failed ({done.returncode}): {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(env: Env) -> Section:
    started = time.perf_counter()
    big = 2_000 if env.smoke else 100_000
    small = big // 10
    rounds = env.rounds(3)
    keywords = env.long_keywords(4 if env.smoke else 10)
    base = env.sandbox().base_url

    async def prewarm() -> None:
        ceiling = CeilingContender()
        await ceiling.open(base, 32)
        try:
            for keyword in keywords:
                await ceiling.walk(keyword, PAGE_SIZE, 40, 32)
        finally:
            await ceiling.close()

    run_in_loop("asyncio", prewarm)
    configs = [("stream", small), ("stream", big), ("collect", big)]
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {c: [] for c in configs}
    for _ in range(rounds):
        for mode, items in configs:
            runs[(mode, items)].append(measure(base, items, mode, keywords))
    table = Table(
        f"Peak RSS growth during the iteration (page_size {PAGE_SIZE}, prefetch {PREFETCH}, median of {rounds} child "
        "processes)",
        ["mode", "items", "peak RSS growth", "per 1,000 items", "items/s", "measured by"],
    )
    growth: dict[tuple[str, int], float] = {}
    for (mode, items), results in runs.items():
        assert all(r["items"] == items for r in results), f"{mode} {items}: wrong item count"
        growth[(mode, items)] = median([r["growth_bytes"] for r in results])
        table.rows.append(
            [
                "`async for` (streaming)" if mode == "stream" else "collected into a list",
                fmt(items),
                f"{growth[(mode, items)] / 2**20:.1f} MiB",
                f"{growth[(mode, items)] / items * 1000 / 1024:.1f} KiB",
                fmt(median([r["items"] / r["seconds"] for r in results])),
                results[0]["method"],
            ]
        )
    stream_big = growth[("stream", big)]
    stream_small = growth[("stream", small)]
    section = Section(KEY, TITLE, intro=__doc__.split("\n\n")[1].replace("\n", " "), tables=[table])
    section.targets.append(
        Target(
            f"Streaming {big:,} items",
            "peak RSS growth under 30 MB, flat in the item count",
            f"{stream_big / 2**20:.1f} MiB for {big:,} items against {stream_small / 2**20:.1f} MiB for {small:,}",
            stream_big < 30e6 and stream_big - stream_small < 10e6,
        )
    )
    section.data = {"runs": {f"{m}:{n}": r for (m, n), r in runs.items()}, "big": big, "small": small}
    section.seconds = time.perf_counter() - started
    return section


if __name__ == "__main__":
    sys.exit(main())
