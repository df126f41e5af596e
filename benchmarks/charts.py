"""Charts of the benchmark results, drawn from ``benchmarks/RESULTS.md`` into ``docs/img/``.

::

    pip install -e '.[bench]'                 # matplotlib comes with the bench extra
    python -m benchmarks.charts               # RESULTS.md -> docs/img/bench-*.png
    python -m benchmarks.charts --results /tmp/results.md --output /tmp/charts

``python -m benchmarks`` calls this after writing RESULTS.md, so the charts in the docs always
show the run that RESULTS.md describes. The charts read the report's tables (not a separate
data file), so a report is all a chart needs.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
OUTPUT = HERE.parent / "docs" / "img"

Rows = list[dict[str, str]]


def read_tables(markdown: str) -> dict[str, Rows]:
    """Every table of the report, keyed ``"<section title> / <bold caption>"``, rows as dicts."""
    tables: dict[str, Rows] = {}
    section = caption = ""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("## "):
            section, caption = line[3:].strip(), ""
        elif line.startswith("**") and line.endswith("**"):
            caption = line.strip("*").strip()
        elif line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[\s:|-]+\|$", lines[i + 1].strip()):
            headers = [cell.strip() for cell in line.strip("|").split("|")]
            rows: Rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [cell.strip() for cell in lines[i].strip().strip("|").split("|")]
                rows.append(dict(zip(headers, cells, strict=False)))
                i += 1
            tables[f"{section} / {caption}"] = rows
            continue
        i += 1
    return tables


def number(cell: str) -> float:
    """The first number of a cell: ``"1,537"`` -> 1537.0, ``"0.99× (0.88–1.11)"`` -> 0.99."""
    found = re.search(r"-?[\d,]*\.?\d+", cell)
    if found is None:
        raise ValueError(f"no number in {cell!r}")
    return float(found.group().replace(",", ""))


def find(tables: dict[str, Rows], *words: str) -> Rows:
    """The one table whose key contains every word."""
    keys = [k for k in tables if all(w in k for w in words)]
    if len(keys) != 1:
        raise KeyError(f"{len(keys)} tables match {words}: {keys}")
    return tables[keys[0]]


def _label(contender: str) -> str:
    return contender.replace("`", "").replace("ceiling: ", "")


def paging(tables: dict[str, Rows], plt: Any) -> Any:
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, size in zip(axes, ("20", "50"), strict=True):
        rows = find(tables, "Paging throughput", "Event loop asyncio", f"page_size {size}")
        prefetches = list(dict.fromkeys(r["prefetch"] for r in rows))
        contenders = list(dict.fromkeys(r["contender"] for r in rows))
        width = 0.8 / len(contenders)
        for n, contender in enumerate(contenders):
            values = [
                number(r["pages/s"])
                for p in prefetches
                for r in rows
                if r["prefetch"] == p and r["contender"] == contender
            ]
            ax.bar([x + n * width for x in range(len(prefetches))], values, width, label=_label(contender))
        ax.set_xticks([x + width * (len(contenders) - 1) / 2 for x in range(len(prefetches))], prefetches)
        ax.set_xlabel("prefetch (pages in flight)")
        ax.set_title(f"{size} items per page")
    axes[0].set_ylabel("pages per second (higher is better)")
    axes[0].set_ylim(0, axes[0].get_ylim()[1] * 1.25)
    axes[1].legend(fontsize=8, loc="upper center", ncol=2)
    figure.suptitle("Paging throughput against the sandbox (asyncio loop)")
    return figure


def decode(tables: dict[str, Rows], plt: Any) -> Any:
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, size in zip(axes, ("20", "50"), strict=True):
        rows = find(tables, "Decode cost", f"page_size {size}")
        names = [r["decoder"] for r in rows][::-1]
        values = [number(r["µs/page"]) for r in rows][::-1]
        bars = ax.barh(names, values, color=["C0" if n.startswith("SDK") else "C7" for n in names])
        ax.bar_label(bars, fmt="%.0f µs", fontsize=8, padding=2)
        ax.set_xlabel("µs to decode one page (lower is better)")
        ax.set_title(f"{size} items per page")
        ax.set_xlim(0, max(values) * 1.25)
    figure.suptitle("Decoding a keyword-search page")
    figure.tight_layout()
    return figure


def prefetch(tables: dict[str, Rows], plt: Any) -> Any:
    rows = find(tables, "Prefetch under latency")
    x = [int(number(r["prefetch"])) for r in rows]
    figure, ax = plt.subplots(figsize=(7, 4))
    series = (("ideal ms", "ideal: ceil(pages ÷ prefetch) × latency"), ("SDK ms", "SDK"))
    for column, label in series:
        ax.plot(x, [number(r[column]) for r in rows], marker="o", label=label)
    speculative = [k for k in rows[0] if k.startswith("speculative")]
    if speculative:
        ax.plot(
            x, [number(r[speculative[0]]) for r in rows], marker="s", linestyle="--", label="speculative, hand-written"
        )
    ax.set_xscale("log", base=2)
    ax.set_xticks(x, [str(v) for v in x])
    ax.set_xlabel("prefetch")
    ax.set_ylabel("wall time for 20 pages, ms (lower is better)")
    ax.set_title("Prefetch with 50 ms of server latency")
    ax.legend()
    return figure


def bulk(tables: dict[str, Rows], plt: Any) -> Any:
    try:
        rows = find(tables, "Bulk", "Every contender")
    except KeyError:  # a report from before issue 27: plain HTTP only
        rows = [{**r, "transport": "HTTP"} for r in find(tables, "Bulk", "Without a rate limit")]
    levels = list(dict.fromkeys((r["transport"], r["concurrency"]) for r in rows))
    contenders = list(dict.fromkeys(r["contender"] for r in rows))
    figure, ax = plt.subplots(figsize=(11, 4.4))
    width = 0.8 / len(contenders)
    for n, contender in enumerate(contenders):
        values = [
            next(
                (
                    number(r["requests/s"])
                    for r in rows
                    if (r["transport"], r["concurrency"]) == level and r["contender"] == contender
                ),
                0.0,
            )
            for level in levels
        ]
        ax.bar([x + n * width for x in range(len(levels))], values, width, label=_label(contender))
    ax.set_xticks([x + width * (len(contenders) - 1) / 2 for x in range(len(levels))], [f"{t}, {c}" for t, c in levels])
    ax.set_xlabel("transport, concurrency")
    ax.set_ylabel("requests per second (higher is better)")
    ax.set_title("Bulk searches of 2 pages each against a hand-written pool decoding the same Struct")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.35)
    ax.legend(fontsize=7, loc="upper center", ncol=3)
    return figure


def streaming(tables: dict[str, Rows], plt: Any) -> Any:
    rows = find(tables, "Streaming memory")
    labels = [f"{r['mode'].replace('`', '')}\n{r['items']} items" for r in rows]
    values = [number(r["peak RSS growth"]) for r in rows]
    figure, ax = plt.subplots(figsize=(7, 3.6))
    bars = ax.bar(labels, values, color=["C0" if "stream" in r["mode"] else "C3" for r in rows])
    ax.bar_label(bars, fmt="%.1f MiB", fontsize=9)
    ax.set_ylabel("peak RSS growth, MiB (lower is better)")
    ax.set_title("Memory while iterating search results")
    ax.set_ylim(0, max(values) * 1.2)
    return figure


def ratelimit(tables: dict[str, Rows], plt: Any) -> Any:
    rows = find(tables, "Rate-limit fidelity")
    labels = [f"{r['requested/s']}/s" for r in rows]
    values = [number(r["achieved ÷ requested"]) for r in rows]
    figure, ax = plt.subplots(figsize=(7, 3.6))
    ax.axhspan(0.98, 1.02, color="C2", alpha=0.15, label="within 2%")
    bars = ax.bar(labels, values)
    ax.bar_label(bars, fmt="%.3f", fontsize=9)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_ylim(0.95, 1.05)
    ax.set_xlabel("rate_limit=")
    ax.set_ylabel("achieved ÷ requested")
    ax.set_title("Rate limiter: achieved rate, steady state")
    ax.legend(loc="lower right")
    return figure


CHARTS: dict[str, Callable[[dict[str, Rows], Any], Any]] = {
    "bench-paging.png": paging,
    "bench-decode.png": decode,
    "bench-prefetch.png": prefetch,
    "bench-bulk.png": bulk,
    "bench-streaming.png": streaming,
    "bench-ratelimit.png": ratelimit,
}


def draw(results: Path = RESULTS, output: Path = OUTPUT) -> list[Path]:
    """Draw every chart whose scenario the report holds; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tables = read_tables(results.read_text(encoding="utf-8"))
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name, chart in CHARTS.items():
        try:
            figure = chart(tables, plt)
        except KeyError:  # a partial run (-s paging ...) has no table for this chart
            continue
        figure.tight_layout()
        target = output / name
        figure.savefig(target, dpi=100, metadata={"Software": None})
        plt.close(figure)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.charts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="the report to read (default: RESULTS.md)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the PNGs (default: docs/img)")
    args = parser.parse_args(argv)
    for path in draw(args.results, args.output):
        print(f"[benchmarks] wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
