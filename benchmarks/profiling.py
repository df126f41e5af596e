"""Profile: where the SDK's client CPU goes, per request, against the hand-written ceiling.

Three views of the same path (a keyword search page of 20 items):

1. **Steps in isolation** (``timeit``, no I/O): parameter building, ``canonical_pairs``,
   ``authenticate``/``sign``, ``encode_query``, ``DajiClient._prepare``, the URL parse aiohttp
   does on the SDK's ``str`` URL, the decoder lookup, ``decode_success``, the paginator's cycle
   check, and the per-item cost of ``async for`` through two async generators.
2. **The pipeline without the network**: ``DajiClient._attempt`` replaced (on the instance,
   in this process only) by a function that returns recorded sandbox bodies, so
   ``_execute``, ``Paginator.fetch_page`` and a whole ``async for`` are timed without
   sockets, next to the ceiling's sign + URL + decode on the same bodies.
3. **End to end under cProfile** against the sandbox process: the SDK's ``async for`` and the
   ceiling at prefetch 8, the functions with the most own time, per page.

The residual (end-to-end difference minus what views 1 and 2 explain) is the cost of how the
SDK drives aiohttp in ``_attempt``.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
import timeit
from collections.abc import Callable
from typing import Any

import msgspec
from yarl import URL

from daji_async import DajiClient
from daji_async._endpoints import KEYWORD_SEARCH
from daji_async._pagination import _fingerprint
from daji_async._protocol import (
    Envelope,
    authenticate,
    canonical_pairs,
    decode_success,
    encode_query,
    envelope_decoder,
    sign,
    signing_string,
)
from daji_async.models.common import Page
from daji_async.models.products import ProductItem

from ._harness import (
    APP_KEY,
    APP_SECRET,
    KEYWORD_PATH,
    Env,
    Section,
    Table,
    alternate,
    fetch_body,
    fmt,
    fmt_ratio,
    median,
    ratios,
    rotation,
    run_in_loop,
    timed,
)
from .contenders import CeilingContender, SdkContender, search_pairs

KEY = "profile"
TITLE = "Profile: the SDK's hot path against the ceiling"
PAGE_SIZE = 20


def _per_call_us(func: Callable[[], Any], seconds: float) -> float:
    number = 1
    while True:
        took = timeit.timeit(func, number=number)
        if took >= seconds or number >= 1 << 22:
            return took / number * 1e6
        number *= 4


def steps(base_url: str, keyword: str, bodies: dict[int, bytes], seconds: float, rounds: int) -> list[list[Any]]:
    """View 1: every step of one request, in µs per call (median of alternating rounds)."""
    client = DajiClient(APP_KEY, APP_SECRET, base_url=base_url)
    params = {"keyword": keyword, "country": "en"}
    full = {**params, "beginPage": 3, "pageSize": PAGE_SIZE}
    pairs = canonical_pairs(full)
    signed = authenticate(pairs, APP_KEY, APP_SECRET)
    query = encode_query(signed)
    url = f"{base_url}{KEYWORD_PATH}?{query}"
    decoder = envelope_decoder(KEYWORD_SEARCH.response)
    body = bodies[3]
    page = decoder.decode(body).data
    counter = iter(range(1 << 62))
    raw_decoder = msgspec.json.Decoder(Envelope[Page[ProductItem]])

    def fetch_params() -> Any:
        copy = dict(params)
        copy["beginPage"] = 3
        copy["pageSize"] = PAGE_SIZE
        return copy

    cases: list[tuple[str, str, Callable[[], Any]]] = [
        (
            "per search",
            "`products.keyword_search(...)`: search_params + Paginator",
            lambda: client.products.keyword_search(keyword, page_size=PAGE_SIZE),
        ),
        ("per page", "`fetch_page` parameter dict (copy + 2 keys)", fetch_params),
        ("per page", "`canonical_pairs(params)`", lambda: canonical_pairs(full)),
        ("per page", "`signing_string(pairs)`", lambda: signing_string(pairs, APP_SECRET)),
        ("per page", "`sign(pairs)` (signing string + MD5 + hex + upper)", lambda: sign(pairs, APP_SECRET)),
        ("per page", "`authenticate(pairs)` (filter + sign)", lambda: authenticate(pairs, APP_KEY, APP_SECRET)),
        ("per page", "`encode_query(pairs)`", lambda: encode_query(signed)),
        ("per page", "`DajiClient._prepare` (all of the above)", lambda: client._prepare(KEYWORD_SEARCH, full)),
        (
            "per page",
            "yarl `URL(str)` of a new URL (aiohttp, SDK passes a str)",
            lambda: URL(f"{url}&n={next(counter)}"),
        ),
        (
            "per page",
            "yarl `URL(str, encoded=True)` (what the ceiling passes)",
            lambda: URL(f"{url}&n={next(counter)}", encoded=True),
        ),
        (
            "per page",
            "`envelope_decoder(Page[ProductItem])` cache lookup",
            lambda: envelope_decoder(KEYWORD_SEARCH.response),
        ),
        (
            "per page",
            "`decode_success` (typed decode, code check), 20 items",
            lambda: decode_success(decoder, body, status=200, method="GET", path=KEYWORD_PATH),
        ),
        ("per page", "ceiling's bare `Decoder.decode`, 20 items", lambda: raw_decoder.decode(body)),
        ("per page", "paginator cycle check fingerprint (`_fingerprint`)", lambda: _fingerprint(page.items)),
    ]
    times: dict[str, list[float]] = {name: [] for _, name, _ in cases}
    funcs = {name: func for _, name, func in cases}
    for index in range(rounds):
        for name in rotation(list(funcs), index):
            times[name].append(_per_call_us(funcs[name], seconds))
    return [[scope, name, median(times[name])] for scope, name, _ in cases]


async def _iteration_cost(pages: list[Page[ProductItem]], seconds: float) -> tuple[float, float]:
    """µs per item: ``async for`` through two async generators, against a plain ``for``."""

    async def gen_pages() -> Any:
        for page in pages:
            yield page

    async def gen_items() -> Any:
        inner = gen_pages()
        try:
            async for page in inner:
                for item in page.items:
                    yield item
        finally:
            await inner.aclose()

    total_items = sum(len(p.items) for p in pages)

    async def nested() -> None:
        async for _ in gen_items():
            pass

    async def flat() -> None:
        async for page in gen_pages():
            for _ in page.items:
                pass

    results = []
    for fn in (nested, flat):
        number = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            await fn()
            number += 1
        results.append((time.perf_counter() - started) / (number * total_items) * 1e6)
    return results[0], results[1]


def pipeline(base_url: str, keyword: str, bodies: dict[int, bytes], seconds: float, rounds: int) -> dict[str, Any]:
    """View 2: the SDK's pipeline with ``_attempt`` answering from memory, against the ceiling's work."""
    pages_count = len(bodies)
    raw_decoder = msgspec.json.Decoder(Envelope[Page[ProductItem]])
    prefix = base_url + KEYWORD_PATH + "?"
    by_url = {prefix + encode_query(search_pairs(keyword, n, PAGE_SIZE)): body for n, body in bodies.items()}

    async def main() -> dict[str, Any]:
        client = DajiClient(APP_KEY, APP_SECRET, base_url=base_url, max_concurrency=32)

        async def fake_attempt(prepared: Any, timeout: Any) -> tuple[int, bytes, str, str | None]:
            return 200, by_url[prepared.url], "OK", None

        client._attempt = fake_attempt  # type: ignore[method-assign]
        paginator = client.products.keyword_search(keyword, page_size=PAGE_SIZE)
        params = {"keyword": keyword, "country": "en", "beginPage": 3, "pageSize": PAGE_SIZE}

        async def loop_of(call: Callable[[int], Any]) -> float:
            number, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                for n in range(1, pages_count + 1):
                    await call(n)
                number += pages_count
            return (time.perf_counter() - started) / number * 1e6

        async def execute(n: int) -> Any:
            params["beginPage"] = n
            return await client._execute(KEYWORD_SEARCH, params)

        async def fetch_page(n: int) -> Any:
            return await paginator.fetch_page(n)

        async def ceiling(n: int) -> Any:
            url = URL(prefix + encode_query(search_pairs(keyword, n, PAGE_SIZE)), encoded=True)
            envelope = raw_decoder.decode(by_url[str(url)])
            return envelope.data

        async def walk(prefetch: int) -> float:
            number, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                async for _ in client.products.keyword_search(
                    keyword, page_size=PAGE_SIZE, prefetch=prefetch, max_pages=pages_count
                ):
                    pass
                number += pages_count
            return (time.perf_counter() - started) / number * 1e6

        cases: dict[str, Callable[[], Any]] = {
            "ceiling: sign + URL(encoded=True) + decode": lambda: loop_of(ceiling),
            "`DajiClient._execute` (prepare, pipeline, decode)": lambda: loop_of(execute),
            "`Paginator.fetch_page` (params + _execute + Page fix-ups)": lambda: loop_of(fetch_page),
            "`async for` over the paginator, prefetch 1 (per page)": lambda: walk(1),
            "`async for` over the paginator, prefetch 8 (per page)": lambda: walk(8),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for index in range(rounds):
            for name in rotation(list(cases), index):
                times[name].append(await cases[name]())
        pages = [raw_decoder.decode(b).data for b in bodies.values()]
        nested, flat = await _iteration_cost([p for p in pages if p is not None], seconds)
        await client.close()
        return {"times": times, "per_item_nested": nested, "per_item_flat": flat}

    return run_in_loop("asyncio", main)


def end_to_end(env: Env, keyword: str, rounds: int, pages: int) -> dict[str, Any]:
    """View 3: client CPU per page end to end (alternating), then one cProfile run of each."""
    sandbox = env.sandbox()

    async def main() -> dict[str, Any]:
        contenders = {"sdk": SdkContender(), "ceiling": CeilingContender()}
        out: dict[str, Any] = {}
        try:
            for contender in contenders.values():
                await contender.open(sandbox.base_url, 8)
                await contender.walk(keyword, PAGE_SIZE, pages, 8)

            def runner(contender: Any) -> Any:
                async def one() -> Any:
                    return await timed(lambda: contender.walk(keyword, PAGE_SIZE, pages, 8), sandbox)

                return one

            samples = await alternate({n: runner(c) for n, c in contenders.items()}, rounds)
            out["samples"] = samples
            for name, contender in contenders.items():
                profiler = cProfile.Profile()
                profiler.enable()
                got_pages, _ = await contender.walk(keyword, PAGE_SIZE, pages, 8)
                profiler.disable()
                out[f"profile:{name}"] = (profiler, got_pages)
        finally:
            for contender in contenders.values():
                await contender.close()
        return out

    return run_in_loop("asyncio", main)


def _top(profiler: cProfile.Profile, pages: int, limit: int) -> list[list[str]]:
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
    for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in entries[:limit]:
        short = filename.split("site-packages/")[-1].split("/lib/python3")[-1]
        if "daji_async" in filename:
            short = "daji_async/" + filename.split("daji_async/")[-1]
        rows.append(
            [
                f"`{short}:{line}({name})`",
                fmt(ncalls / pages, 1),
                fmt(tottime / pages * 1e6, 1),
                fmt(cumtime / pages * 1e6, 1),
            ]
        )
    return rows


def run(env: Env) -> Section:
    started = time.perf_counter()
    seconds = 0.005 if env.smoke else 0.2
    rounds = env.rounds(5, smoke=1)
    pages = 4 if env.smoke else 40
    base = env.sandbox().base_url
    keyword = env.long_keywords(1)[0]
    bodies = {n: fetch_body(base, keyword, n, PAGE_SIZE) for n in range(1, pages + 1)}

    section = Section(KEY, TITLE, intro=__doc__.split("\n\n", 1)[1].split("\n\n")[0].replace("\n", " "))
    step_rows = steps(base, keyword, bodies, seconds, rounds)
    section.tables.append(
        Table(
            "View 1: each step in isolation (µs per call, median of alternating rounds)",
            ["scope", "step", "µs"],
            [[scope, name, fmt(us, 2)] for scope, name, us in step_rows],
        )
    )
    piped = pipeline(base, keyword, bodies, seconds, rounds)
    times = piped["times"]
    ceiling_name = next(iter(times))
    rows = []
    for name, values in times.items():
        rows.append(
            [
                name,
                fmt(median(values), 1),
                "1" if name == ceiling_name else fmt_ratio(ratios(values, times[ceiling_name])),
            ]
        )
    rows.append(["`async for` item, two nested async generators (per item)", fmt(piped["per_item_nested"], 3), "–"])
    rows.append(["`async for` page + plain `for` item (per item)", fmt(piped["per_item_flat"], 3), "–"])
    section.tables.append(
        Table(
            "View 2: the pipeline without the network (`_attempt` answers from memory; µs per page)",
            ["what", "µs/page", "÷ ceiling"],
            rows,
        )
    )
    e2e = end_to_end(env, keyword, rounds, pages)
    samples = e2e["samples"]
    sdk_cpu = [s.cpu_us_per_page for s in samples["sdk"]]
    ceiling_cpu = [s.cpu_us_per_page for s in samples["ceiling"]]
    diff = median([a - b for a, b in zip(sdk_cpu, ceiling_cpu, strict=True)])
    section.tables.append(
        Table(
            f"View 3: end to end against the sandbox, prefetch 8, {pages} pages a run (client CPU µs/page)",
            ["contender", "client CPU µs/page", "÷ ceiling"],
            [
                ["SDK `async for`", fmt(median(sdk_cpu), 1), fmt_ratio(ratios(sdk_cpu, ceiling_cpu))],
                ["ceiling", fmt(median(ceiling_cpu), 1), "1"],
                ["difference (SDK − ceiling, median of rounds)", fmt(diff, 1), "–"],
            ],
        )
    )
    for name in ("sdk", "ceiling"):
        profiler, got = e2e[f"profile:{name}"]
        section.tables.append(
            Table(
                f"cProfile of one {name} walk ({got} pages, prefetch 8): most own time, per page (profiler inflates)",
                ["function", "calls/page", "own µs/page", "cumulative µs/page"],
                _top(profiler, got, 8 if env.smoke else 25),
            )
        )
    pipeline_gap = median(times["`Paginator.fetch_page` (params + _execute + Page fix-ups)"]) - median(
        times[ceiling_name]
    )
    section.data = {
        "steps": step_rows,
        "pipeline": times,
        "per_item": [piped["per_item_nested"], piped["per_item_flat"]],
        "e2e": samples,
        "e2e_gap_us": diff,
        "pipeline_gap_us": pipeline_gap,
    }
    section.notes.append(
        f"End to end the SDK spends {diff:.0f} µs more client CPU per page than the ceiling; without the network, "
        f"`fetch_page` costs {pipeline_gap:.0f} µs more than the ceiling's sign + URL + decode, so about "
        f"{diff - pipeline_gap:.0f} µs is in how `_attempt` and the paginator drive aiohttp and the event loop "
        "(semaphore, a `str` URL parsed again by yarl, per-request `timeout`, futures for prefetch)."
    )
    section.seconds = time.perf_counter() - started
    return section
