"""The daji_async benchmark suite (issue 6).

Run every scenario and write ``benchmarks/RESULTS.md``::

    pip install -e '.[bench]'
    python -m benchmarks                 # the full suite (about 10 to 15 minutes on 2 cores)
    python -m benchmarks --smoke         # every scenario at tiny sizes, in seconds
    python -m benchmarks -s paging -s decode --rounds 3

The sandbox serves from separate processes (``python -m daji_async.sandbox``), so the
client's CPU (``time.process_time`` of this process) is measured alone. Every scenario runs
its contenders alternately, in the same run, for several rounds, and reports medians, the
spread, and ratios to a baseline measured in the same rounds: the machine is shared and
noisy, so only ratios travel between machines.

Scenarios (one module each): :mod:`benchmarks.paging`, :mod:`benchmarks.decode`,
:mod:`benchmarks.prefetch`, :mod:`benchmarks.bulk`, :mod:`benchmarks.streaming`,
:mod:`benchmarks.ratelimit`, :mod:`benchmarks.cost` (requests per 1,000 items);
:mod:`benchmarks.profiling` profiles the SDK's hot path against
the hand-written ceiling.
"""

from __future__ import annotations

SCENARIOS = ("paging", "decode", "prefetch", "bulk", "streaming", "ratelimit", "cost", "profile")

__all__ = ["SCENARIOS"]
