"""Does a speed-up in the core pay for itself? ``python -m benchmarks.ablation``.

Each variant is a copy of the package at ``HEAD`` with one speed-up taken out (see
``ABLATIONS``), plus a second, untouched copy (``A/A``) that shows how far two identical
builds disagree on this machine. In every round each variant runs in a fresh process against
one sandbox, in mirrored order (as given, then reversed), and reports the bulk row of the
suite's scenario 4: ``client.bulk.keyword_search`` requests/s divided by the raw aiohttp pool's,
measured back to back (pool, bulk, bulk, pool) in that process, and the row's client CPU
µs/request (less disturbed than wall time by other work on a shared machine). A speed-up
earns its place when the build without it is at least 3% slower than ``HEAD`` (the median
over the rounds of the variant's figure over ``HEAD``'s in the same round), beyond the A/A
spread.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from ._harness import SandboxProcess, mirrored

ROOT = Path(__file__).resolve().parent.parent

#: variant -> (file, regex, replacement) edits to the copy of HEAD that take the speed-up out.
#: Issue 23 measured three this way (the bulk engine's reference-count "shelf", the bulk
#: keyword search's ``QueryTemplate``, the transport's URL-head cache): none beat the A/A
#: spread, and all three were removed (docs/performance.md has the figures). To judge a new
#: speed-up, add its ablation here, e.g.
#: ``"no shelf": [("daji_async/_bulk.py", r"_ALONE = _alone_counts\(\)", "_ALONE = None")]``.
ABLATIONS: dict[str, list[tuple[str, str, str]]] = {"A/A": []}

ONE_RUN = r"""
import asyncio, json, sys, time, gc
from benchmarks.bulk import raw_bulk, sdk_bulk
base_url, count = sys.argv[1], int(sys.argv[2])
concurrencies = [int(c) for c in sys.argv[3].split(",")]
words = [f"连衣裙{i}" for i in range(count)]
async def measure(fn):
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    pages, _ = await fn()
    return pages / (time.perf_counter() - wall), (time.process_time() - cpu) / pages * 1e6
async def main():
    await sdk_bulk(base_url, words[:64], 16, None)  # warm up imports and caches
    out = {}
    for c in concurrencies:
        raw1 = await measure(lambda: raw_bulk(base_url, words, c))
        sdk1 = await measure(lambda: sdk_bulk(base_url, words, c, None))
        sdk2 = await measure(lambda: sdk_bulk(base_url, words, c, None))
        raw2 = await measure(lambda: raw_bulk(base_url, words, c))
        out[c] = {
            "rate": (sdk1[0] + sdk2[0]) / (raw1[0] + raw2[0]),
            "cpu": (sdk1[1] + sdk2[1]) / 2,
            "cpu_raw": (raw1[1] + raw2[1]) / 2,
        }
    print(json.dumps(out))
asyncio.run(main())
"""


def build(where: Path, edits: list[tuple[str, str, str]]) -> None:
    """A copy of HEAD's package and benchmarks at ``where``, with ``edits`` applied (each must match)."""
    where.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "HEAD", "daji_async", "benchmarks"], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    for file, pattern, replacement in edits:
        path = where / file
        text, count = re.subn(pattern, replacement, path.read_text(encoding="utf-8"), count=1, flags=re.S)
        if count != 1:
            raise SystemExit(f"{file}: the ablation {pattern!r} matched nothing: update benchmarks/ablation.py")
        path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keywords", type=int, default=400)
    parser.add_argument("--concurrency", default="16,64")
    parser.add_argument("--only", action="append", help="variants to run (repeatable; default: all)")
    args = parser.parse_args()
    names = ["HEAD", *(args.only or ABLATIONS)]
    with tempfile.TemporaryDirectory() as tmp, SandboxProcess() as sandbox:
        trees = {"HEAD": Path(tmp) / "HEAD"}
        build(trees["HEAD"], [])
        for name in names[1:]:
            trees[name] = Path(tmp) / re.sub(r"\W", "_", name)
            build(trees[name], ABLATIONS[name])
        results: dict[str, list[dict[str, float]]] = {name: [] for name in names}
        for index in range(args.rounds):
            for name in mirrored(names, index):
                env = {**os.environ, "PYTHONPATH": str(trees[name])}
                done = subprocess.run(
                    [sys.executable, "-c", ONE_RUN, sandbox.base_url, str(args.keywords), args.concurrency],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=trees[name],
                    check=False,
                )
                if done.returncode:
                    raise SystemExit(f"{name}: {done.stderr[-2000:]}")
                results[name].append(json.loads(done.stdout))
            print(
                f"round {index + 1}/{args.rounds}: {json.dumps({n: r[-1] for n, r in results.items()})}",
                file=sys.stderr,
            )
    for level in args.concurrency.split(","):
        head = results["HEAD"]
        rates = [r[level]["rate"] for r in head]
        cpus = [r[level]["cpu"] for r in head]
        print(
            f"concurrency {level}: HEAD bulk ÷ raw pool (requests/s) median {statistics.median(rates):.3f}; "
            f"HEAD client CPU {statistics.median(cpus):.0f} µs/request "
            f"(raw pool {statistics.median([r[level]['cpu_raw'] for r in head]):.0f})"
        )
        for name in names[1:]:
            rate = [r[level]["rate"] / h[level]["rate"] for r, h in zip(results[name], head, strict=True)]
            cpu = [r[level]["cpu"] / h[level]["cpu"] for r, h in zip(results[name], head, strict=True)]
            print(
                f"  {name:>18}: requests/s ÷ HEAD median {statistics.median(rate):.3f} "
                f"({min(rate):.3f}–{max(rate):.3f}); client CPU/request ÷ HEAD median "
                f"{statistics.median(cpu):.3f} ({min(cpu):.3f}–{max(cpu):.3f}), {len(rate)} rounds"
            )


if __name__ == "__main__":
    main()
