"""Scenario 6: rate-limit fidelity.

``DajiClient(rate_limit=R)`` at R = 10, 100, 500 and 1,000 requests per second, driven by
``client.bulk.keyword_search(..., concurrency=64, max_pages=1)`` with far more requests
waiting than the limit lets through, for about three seconds each. Reported: the steady
achieved rate (requests after the first, over the time from the first answer to the last),
the plain requests ÷ wall time, and the most requests the sandbox saw arrive in any
one-second window (its ``/_sandbox/stats`` ``max_per_second``; the sandbox is reset before
each run and serves this scenario alone).

The sandbox stamps an arrival when its event loop reads the request's first bytes, not when
its handler runs, and its process keeps its catalogue out of full garbage collections: a
collection once held its loop for 30-40 ms, after which it read the requests that had arrived
meanwhile all at once and counted up to 1,025 in one second at 1,000/s that the client had
sent 1 ms apart (its own log held 1,000).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from daji_async import DajiClient

from ._harness import APP_KEY, APP_SECRET, Env, Section, Table, Target, fmt, median, run_in_loop

KEY = "ratelimit"
TITLE = "6. Rate-limit fidelity"
CONCURRENCY = 64


async def _warm_session(base_url: str) -> aiohttp.ClientSession:
    """A session with CONCURRENCY connections already open (control paths: not in the stats)."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY))

    async def touch() -> None:
        async with session.get(base_url + "/_sandbox/info") as response:
            await response.read()

    await asyncio.gather(*(touch() for _ in range(CONCURRENCY)))
    return session


async def limited(base_url: str, words: list[str], rate: float | None, warm: bool = False) -> dict[str, Any]:
    """Send one request per keyword through ``rate_limit=rate``; completion times of each.

    With ``warm`` the client gets a session whose connections are open already, so no request
    of the run waits for a TCP connect.
    """
    done: list[float] = []
    session = await _warm_session(base_url) if warm else None
    try:
        async with DajiClient(
            APP_KEY, APP_SECRET, base_url=base_url, rate_limit=rate, max_concurrency=CONCURRENCY, session=session
        ) as client:
            started = time.perf_counter()
            async for result in client.bulk.keyword_search(words, concurrency=CONCURRENCY, max_pages=1, page_size=20):
                if result.error is not None:
                    raise result.error
                done.append(time.perf_counter())
    finally:
        if session is not None:
            await session.close()
    wall = done[-1] - started
    steady = (len(done) - 1) / (done[-1] - done[0]) if len(done) > 1 and done[-1] > done[0] else float("nan")
    return {"requests": len(done), "wall": wall, "plain": len(done) / wall, "steady": steady}


def run(env: Env) -> Section:
    started = time.perf_counter()
    seconds = 0.3 if env.smoke else 3.0
    rates = [10.0, 100.0, 500.0, 1000.0]
    rounds = env.rounds(2)
    sandbox = env.sandbox(role="limits")
    table = Table(
        f"About {seconds:g} s of requests per rate, median of {rounds} runs",
        [
            "requested/s",
            "requests",
            "achieved/s (steady)",
            "achieved ÷ requested",
            "requests ÷ wall",
            "most in any one second",
            "same, connections opened beforehand",
            "allowed in one second",
        ],
    )
    runs: dict[float, list[dict[str, Any]]] = {}
    worst_error = 0.0
    worst_excess = 0
    worst_warm_excess = 0
    nouns = env.vocabulary()  # a few keywords, repeated: the sandbox answers them from its cache
    capacity = run_in_loop(
        "asyncio",
        lambda: limited(sandbox.base_url, [nouns[i % len(nouns)] for i in range(round(1000 * seconds))], None),
    )
    for rate in rates:
        count = max(3, round(rate * seconds))
        words = [nouns[i % len(nouns)] for i in range(count)]
        runs[rate] = []
        warm_runs: list[dict[str, Any]] = []
        for _ in range(rounds):
            for warm, sink in ((False, runs[rate]), (True, warm_runs)):
                sandbox.reset()
                result = run_in_loop("asyncio", lambda: limited(sandbox.base_url, words, rate, warm))  # noqa: B023
                result["max_per_second"] = sandbox.stats()["max_per_second"]
                result["warm"] = warm
                sink.append(result)
        runs[rate] += warm_runs
        cold = [r for r in runs[rate] if not r["warm"]]
        steady = median([r["steady"] for r in cold])
        most = max(r["max_per_second"] for r in cold)
        most_warm = max(r["max_per_second"] for r in warm_runs)
        worst_error = max(worst_error, abs(steady / rate - 1), abs(median([r["steady"] for r in warm_runs]) / rate - 1))
        worst_excess = max(worst_excess, most - int(rate))
        worst_warm_excess = max(worst_warm_excess, most_warm - int(rate))
        table.rows.append(
            [
                fmt(rate),
                fmt(count),
                fmt(steady, 1),
                f"{steady / rate:.3f}",
                fmt(median([r["plain"] for r in cold]), 1),
                str(most),
                str(most_warm),
                fmt(rate),
            ]
        )
    section = Section(KEY, TITLE, intro=__doc__.split("\n\n")[1].replace("\n", " "), tables=[table])
    reach = capacity["plain"]
    above = [r for r in rates if r > 0.8 * reach]
    section.notes.append(
        f"Without a limit, the same client and sandbox reach {reach:,.0f} requests/s here"
        + (
            f"; at {', '.join(f'{r:g}' for r in above)}/s the limit is close to (or above) what this machine can "
            "send at all, so a shortfall there measures the machine, not the limiter."
            if above
            else ", well above every requested rate."
        )
    )
    note = (
        "*Connections opened beforehand*: the same runs with `DajiClient(session=...)` given a session whose "
        f"{CONCURRENCY} connections are already open (a borrowed session: the limiter counts a request when it "
        "lets it go). The cold runs use the client's own transport, whose connector tells the limiter when each "
        "request actually leaves, a new connection opened first; the limiter holds the request's place in its "
        "window until then, so requests that wait for a connection do not bunch with the ones after them. "
    )
    if worst_excess > 0 or worst_warm_excess > 0:
        note += f"Over the limit at worst: {max(worst_excess, 0)} cold, {max(worst_warm_excess, 0)} warm."
    else:
        note += "Neither went over."
    section.notes.append(note)
    section.notes.append(
        "*Most in any one second* counts arrivals as the sandbox stamps them: when its event loop reads a "
        "request's first bytes (not when its handler runs), in a process whose catalogue is kept out of full "
        "garbage collections, which had held it for 30-40 ms and then stamped the requests that arrived "
        "meanwhile all at once."
    )
    section.targets.append(
        Target(
            "Achieved rate",
            "within 2% of the requested rate (steady rate, cold and warm)",
            f"largest deviation {worst_error * 100:.1f}%",
            worst_error <= 0.02,
        )
    )
    section.targets.append(
        Target(
            "One-second windows",
            "no server-side one-second window above the limit, cold pool or warm",
            ("never above" if worst_excess <= 0 else f"{worst_excess} over the limit at worst")
            + f" with a cold pool; with connections opened beforehand: {max(worst_warm_excess, 0)} over",
            worst_excess <= 0 and worst_warm_excess <= 0,
        )
    )
    section.data = {"runs": runs, "capacity": capacity}
    section.seconds = time.perf_counter() - started
    return section
