"""``python -m benchmarks``: run the benchmark scenarios and write ``benchmarks/RESULTS.md``.

::

    python -m benchmarks                      # everything; writes benchmarks/RESULTS.md (+ results.json)
    python -m benchmarks --smoke              # every scenario at tiny sizes; prints the report
    python -m benchmarks -s paging -s decode  # some scenarios (repeat -s)
    python -m benchmarks --rounds 3 --loop asyncio --output /tmp/results.md

A run that writes ``benchmarks/RESULTS.md`` also redraws the charts of the docs
(``docs/img/bench-*.png``, :mod:`benchmarks.charts`) when matplotlib is installed.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from . import SCENARIOS
from ._harness import Env, Section, available_loops, machine

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "RESULTS.md"
#: Scenario names whose module is named otherwise (``profile`` would shadow the standard library's).
MODULES = {"profile": "profiling"}


def run_scenarios(env: Env, names: list[str]) -> list[Section]:
    """Run the named scenarios in the suite's order; one Section each."""
    sections = []
    for name in SCENARIOS:
        if name not in names:
            continue
        module = importlib.import_module(f"benchmarks.{MODULES.get(name, name)}")
        print(f"[benchmarks] {name} ...", file=sys.stderr, flush=True)
        section: Section = module.run(env)
        print(f"[benchmarks] {name} done in {section.seconds:.0f} s", file=sys.stderr, flush=True)
        sections.append(section)
    return sections


def render(sections: list[Section], *, command: str, facts: dict[str, Any], seconds: float, smoke: bool) -> str:
    """RESULTS.md: the machine, the command, the targets, then one part per scenario."""
    packages = ", ".join(f"{name} {version}" for name, version in facts["packages"].items())
    load = facts.get("load")
    lines = [
        "# daji_async benchmark results",
        "",
        "Produced by the benchmark suite of issue 6 (`benchmarks/`); do not edit by hand, run it again.",
        "",
        f"- Command: `{command}`" + (" (smoke sizes: numbers are not meaningful)" if smoke else ""),
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; total time {seconds / 60:.1f} min",
        f"- SDK code: commit {facts.get('commit', 'unknown')}",
        f"- Machine: {facts['cores']} cores ({facts['cpu']}), {facts['platform']}",
        f"- Python: {facts['python']}",
        f"- Packages: {packages}",
    ]
    if load:
        lines.append(f"- Load average at start: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    lines += [
        "",
        "The sandbox serves from separate processes (`python -m daji_async.sandbox`), answering paged searches from "
        "its cache of encoded pages; *client CPU* is the benchmark process's own CPU time. The machine is shared and "
        "noisy: contenders alternate within each round and every ratio is a median of per-round ratios, so compare "
        "ratios, not absolute numbers, across machines.",
        "",
    ]
    targets = [(s, t) for s in sections for t in s.targets]
    if targets:
        lines += ["## Targets", "", "| scenario | target | wanted | measured | |", "| --- | --- | --- | --- | --- |"]
        for section, target in targets:
            mark = "holds" if target.ok else "**misses**"
            lines.append(f"| {section.title} | {target.name} | {target.wanted} | {target.measured} | {mark} |")
        lines.append("")
        missed = [target.name for _, target in targets if not target.ok]
        if missed:
            context = f" (load average {load[0]:.2f} at the start)" if load else ""
            lines += [
                f"Not met in this run: {', '.join(missed)}. These are the measurements as taken on a shared "
                f"machine{context}; each scenario's tables give the spread of its rounds.",
                "",
            ]
    for section in sections:
        lines.append(section.markdown())
    return "\n".join(lines).rstrip() + "\n"


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {**fields, **_jsonable(_properties(value))}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value


def _properties(value: Any) -> dict[str, Any]:
    names = [n for n, v in vars(type(value)).items() if isinstance(v, property)]
    return {n: getattr(value, n) for n in names}


def _draw_charts(results: Path) -> None:
    """Redraw docs/img/bench-*.png from the report just written (needs matplotlib: the bench extra)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("[benchmarks] matplotlib is not installed: charts not redrawn", file=sys.stderr)
        return
    from .charts import draw

    for path in draw(results):
        print(f"[benchmarks] wrote {path}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks that everything runs, in seconds")
    parser.add_argument(
        "-s", "--scenario", action="append", choices=SCENARIOS, help="run only this scenario (repeatable)"
    )
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default: each scenario's own)")
    parser.add_argument(
        "--loop", action="append", choices=["asyncio", "uvloop"], help="event loops for paging (default: all installed)"
    )
    parser.add_argument(
        "--output", type=Path, help=f"where to write the report (default: {DEFAULT_OUTPUT.name}; smoke: stdout)"
    )
    parser.add_argument("--json", type=Path, help="also write every sample as JSON here")
    args = parser.parse_args(argv)
    names = args.scenario or list(SCENARIOS)
    loops = args.loop or available_loops()
    missing = [loop for loop in loops if loop not in available_loops()]
    if missing:
        parser.error(f"event loop not installed: {', '.join(missing)}")
    output: Path | None = args.output or (None if args.smoke else DEFAULT_OUTPUT)
    command = "python -m benchmarks" + (
        "" if argv is None and len(sys.argv) <= 1 else " " + shlex.join(argv if argv is not None else sys.argv[1:])
    )
    facts = machine()
    started = time.perf_counter()
    with Env(smoke=args.smoke, rounds=args.rounds, loops=loops) as env:
        sections = run_scenarios(env, names)
    seconds = time.perf_counter() - started
    report = render(sections, command=command, facts=facts, seconds=seconds, smoke=args.smoke)
    if output is None:
        print(report)
    else:
        output.write_text(report, encoding="utf-8")
        print(f"[benchmarks] wrote {output}", file=sys.stderr)
        if output == DEFAULT_OUTPUT:
            _draw_charts(output)
    if args.json is not None:
        payload = {"machine": facts, "command": command, "sections": _jsonable(sections)}
        args.json.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    failed = [t.name for s in sections for t in s.targets if not t.ok]
    if failed:
        print(f"[benchmarks] targets missed: {', '.join(failed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
