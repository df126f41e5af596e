"""Profile: where the SDK's client CPU goes, per request, against the hand-written ceiling.

Three views of the same path (a keyword search page of 20 items), and a count:

1. **Steps in isolation** (``timeit``, no I/O): parameter building, ``canonical_pairs``,
   ``authenticate``/``sign``, ``encode_query``, the page template (``PagedQuery``), the URL parse aiohttp
   does on the SDK's ``str`` URL, the decoder lookup, ``decode_success``, the paginator's cycle
   check, and the per-item cost of ``async for`` through two async generators.
2. **The pipeline without the network**: the client is built with
   ``transport=MockTransport(handler)`` (the public seam) answering recorded sandbox bodies, so
   one awaited page, ``Paginator.fetch_page`` and a whole ``async for`` are timed without
   sockets, next to the ceiling's sign + URL + decode on the same bodies.
3. **End to end under cProfile** against the sandbox process: the SDK's ``async for`` and the
   ceiling at prefetch 8, the functions with the most own time, per page.
4. **Bytecodes per request** of a bulk search and of the hand-written pool it is measured
   against (scenario 4's contenders), counted by a tracer: the same on every run, where
   timings on a shared machine move by several percent from one run to the next.
5. **Bulk without the network, and the garbage collector**: a bulk search through an
   in-memory transport (full items and ``item_type=NarrowOffer``) against the pool's own work on
   the same bodies (sign, URL, decode), client CPU per request, with the collector's passes by
   generation and the time they took.

The residual (end-to-end difference minus what views 1 and 2 explain) is the cost of how the
SDK drives aiohttp in its default transport.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import re
import sys
import time
import timeit
from collections import Counter
from collections.abc import Callable
from typing import Any

import msgspec
from yarl import URL

from daji_async import AiohttpTransport, DajiClient
from daji_async._endpoints import KEYWORD_SEARCH
from daji_async._protocol import (
    Envelope,
    PagedQuery,
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
from daji_async.testing import MockTransport, Request, Response

from . import bulk as bulk_scenario  # scenario 4's own contenders: View 4 counts what it times
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
from .contenders import CeilingContender, SdkContender, search_pairs, walk_pages

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
    template = PagedQuery(canonical_pairs({**params, "pageSize": PAGE_SIZE}), APP_KEY, APP_SECRET)

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
        ("per page", PREPARE, lambda: template.for_page(next(counter) % 50 + 1)),
        (
            "per page",
            "yarl `URL(str)` of a new URL (what the SDK passed before issue 14)",
            lambda: URL(f"{url}&n={next(counter)}"),
        ),
        (
            "per page",
            "yarl `URL(str, encoded=True)` (what the ceiling passes)",
            lambda: URL(f"{url}&n={next(counter)}", encoded=True),
        ),
        (
            "per page",
            "`envelope_decoder(Page[ProductItem])`: a new typed decoder (the client builds one per type, not per page)",
            lambda: envelope_decoder(KEYWORD_SEARCH.response),
        ),
        (
            "per page",
            "`decode_success` (typed decode, code check), 20 items",
            lambda: decode_success(decoder, body, status=200, method="GET", path=KEYWORD_PATH),
        ),
        ("per page", "ceiling's bare `Decoder.decode`, 20 items", lambda: raw_decoder.decode(body)),
    ]
    del page  # the repeat-page guard is internal now; its cost shows in View 2's fetch_page and walks
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
    """View 2: the SDK's pipeline over a ``MockTransport`` answering from memory, against the ceiling's work.

    Pairs that do the same work: one request (the ceiling's sign + URL + decode against one
    awaited page and ``fetch_page``), and a whole walk at prefetch 1 and 8 (the ceiling's
    hand-written window against the paginator's ``async for``). Plus, in the event loop: an
    uncontended ``asyncio.Semaphore`` and aiohttp's merging of a session's default headers.
    """
    pages_count = len(bodies)
    raw_decoder = msgspec.json.Decoder(Envelope[Page[ProductItem]])
    prefix = base_url + KEYWORD_PATH + "?"
    by_url = {prefix + encode_query(search_pairs(keyword, n, PAGE_SIZE)): body for n, body in bodies.items()}

    async def main() -> dict[str, Any]:
        import aiohttp

        NO_HEADERS: dict[str, str] = {}

        def answer(request: Request) -> Response:
            body = by_url.get(request.url)
            if body is None:  # the SDK may order the query otherwise: remember its URL for this page
                match = re.search(r"[?&]beginPage=(\d+)", request.url)
                assert match is not None, request.url
                body = by_url[request.url] = bodies[int(match.group(1))]
            return Response.received(200, body, NO_HEADERS, "OK")

        client = DajiClient(APP_KEY, APP_SECRET, base_url=base_url, max_concurrency=32, transport=MockTransport(answer))
        paginator = client.products.keyword_search(keyword, page_size=PAGE_SIZE)
        session_client = DajiClient(APP_KEY, APP_SECRET, base_url=base_url, max_concurrency=32)

        async def ceiling_fetch(n: int) -> Page[ProductItem]:
            url = URL(prefix + encode_query(search_pairs(keyword, n, PAGE_SIZE)), encoded=True)
            envelope = raw_decoder.decode(by_url[str(url)])
            if envelope.code != 200 or envelope.data is None:
                raise RuntimeError("unexpected envelope")
            return envelope.data

        async def ceiling_pages(n: int) -> tuple[list[ProductItem], int]:
            page = await ceiling_fetch(n)
            return page.items, page.total_pages

        async def execute(n: int) -> Any:
            return await client.products.keyword_search(keyword, page=n, page_size=PAGE_SIZE)

        async def per_page(call: Callable[[int], Any]) -> float:
            number, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                for n in range(1, pages_count + 1):
                    await call(n)
                number += pages_count
            return (time.perf_counter() - started) / number * 1e6

        async def sdk_walk(prefetch: int) -> float:
            number, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                async for _ in client.products.keyword_search(
                    keyword, page_size=PAGE_SIZE, prefetch=prefetch, max_pages=pages_count
                ):
                    pass
                number += pages_count
            return (time.perf_counter() - started) / number * 1e6

        async def ceiling_walk(prefetch: int) -> float:
            number, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                await walk_pages(ceiling_pages, pages_count, prefetch)
                number += pages_count
            return (time.perf_counter() - started) / number * 1e6

        semaphore = asyncio.Semaphore(32)

        async def semaphore_cost() -> float:
            number, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                for _ in range(1000):
                    async with semaphore:
                        pass
                number += 1000
            return (time.perf_counter() - started) / number * 1e6

        cases: dict[str, Callable[[], Any]] = {
            CEILING_FETCH: lambda: per_page(ceiling_fetch),
            SDK_EXECUTE: lambda: per_page(execute),
            SDK_FETCH_PAGE: lambda: per_page(paginator.fetch_page),
            CEILING_WALK_1: lambda: ceiling_walk(1),
            SDK_WALK_1: lambda: sdk_walk(1),
            CEILING_WALK_8: lambda: ceiling_walk(8),
            SDK_WALK_8: lambda: sdk_walk(8),
            SEMAPHORE: semaphore_cost,
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for index in range(rounds):
            for name in rotation(list(cases), index):
                times[name].append(await cases[name]())
        pages = [raw_decoder.decode(b).data for b in bodies.values()]
        nested, flat = await _iteration_cost([p for p in pages if p is not None], seconds)
        # aiohttp copies a session's default headers into every request's headers
        transport = session_client.transport
        assert isinstance(transport, AiohttpTransport)
        sdk_session = transport.session
        bare = aiohttp.ClientSession()
        headers: dict[str, float] = {}
        try:
            if hasattr(bare, "_prepare_headers"):
                for label, session in (("sdk", sdk_session), ("bare", bare)):
                    headers[label] = _per_call_us(lambda s=session: s._prepare_headers(None), seconds)
        finally:
            await bare.close()
            await client.close()
            await session_client.close()
        return {"times": times, "per_item_nested": nested, "per_item_flat": flat, "headers": headers}

    return run_in_loop("asyncio", main)


PREPARE = "`PagedQuery.for_page` (a page's query and signature from the search's template)"
OLD_URL = "yarl `URL(str)` of a new URL (what the SDK passed before issue 14)"
CEILING_FETCH = "ceiling: one page (sign, `URL(encoded=True)`, decode)"
SDK_EXECUTE = "SDK `await keyword_search(page=n)` (build, sign, pipeline, decode)"
SDK_FETCH_PAGE = "SDK `Paginator.fetch_page` (template request, pipeline, Page fix-ups)"
CEILING_WALK_1 = "ceiling: walk, window 1 (per page)"
SDK_WALK_1 = "SDK `async for`, prefetch 1 (per page)"
CEILING_WALK_8 = "ceiling: walk, window 8 (per page)"
SDK_WALK_8 = "SDK `async for`, prefetch 8 (per page)"
SEMAPHORE = "`async with asyncio.Semaphore` uncontended (per request)"
PAIRS = {
    SDK_EXECUTE: CEILING_FETCH,
    SDK_FETCH_PAGE: CEILING_FETCH,
    SDK_WALK_1: CEILING_WALK_1,
    SDK_WALK_8: CEILING_WALK_8,
}


class _CeilingOnSdkSession(CeilingContender):
    """The ceiling's requests, sent on the session a DajiClient builds (connector, headers, timeout)."""

    name = "ceiling-on-sdk-session"

    async def open(self, base_url: str, concurrency: int) -> None:
        self.client = DajiClient(APP_KEY, APP_SECRET, base_url=base_url, max_concurrency=concurrency)
        transport = self.client.transport
        assert isinstance(transport, AiohttpTransport)
        self.session = transport.session
        self.url = base_url + KEYWORD_PATH + "?"

    async def close(self) -> None:
        await self.client.close()


class _ExecuteInCeilingWalk(CeilingContender):
    """One awaited SDK page per call, inside the ceiling's hand-written window (no walk)."""

    name = "execute-in-ceiling-walk"

    async def open(self, base_url: str, concurrency: int) -> None:
        self.client = DajiClient(APP_KEY, APP_SECRET, base_url=base_url, max_concurrency=concurrency)

    async def fetch(self, keyword: str, page: int, page_size: int) -> Page[ProductItem]:
        return await self.client.products.keyword_search(keyword, page=page, page_size=page_size)

    async def close(self) -> None:
        await self.client.close()


E2E_STEPS = {
    "ceiling": ("ceiling: raw aiohttp + msgspec", CeilingContender),
    "session": ("ceiling's requests on the SDK's session (connector, User-Agent, timeout)", _CeilingOnSdkSession),
    "execute": ("SDK single awaited pages in the ceiling's window (no walk)", _ExecuteInCeilingWalk),
    "sdk": ("SDK `async for` (paginator)", SdkContender),
}


def end_to_end(env: Env, keywords: list[str], rounds: int, pages: int) -> dict[str, Any]:
    """View 3: client CPU per page end to end, from the ceiling to the SDK one layer at a time."""
    sandbox = env.sandbox()

    async def main() -> dict[str, Any]:
        contenders = {name: kind() for name, (_, kind) in E2E_STEPS.items()}
        out: dict[str, Any] = {}

        def walk_all(contender: Any) -> Any:
            async def walk() -> tuple[int, int]:
                total_pages = total_items = 0
                for keyword in keywords:
                    got_pages, got_items = await contender.walk(keyword, PAGE_SIZE, pages, 8)
                    total_pages += got_pages
                    total_items += got_items
                return total_pages, total_items

            return walk

        try:
            for contender in contenders.values():
                await contender.open(sandbox.base_url, 8)
                await contender.walk(keywords[0], PAGE_SIZE, pages, 8)

            def runner(contender: Any) -> Any:
                async def one() -> Any:
                    return await timed(walk_all(contender), sandbox)

                return one

            samples = await alternate({n: runner(c) for n, c in contenders.items()}, rounds)
            out["samples"] = samples
            for name in ("sdk", "ceiling"):
                profiler = cProfile.Profile()
                profiler.enable()
                got_pages, _ = await walk_all(contenders[name])()
                profiler.disable()
                out[f"profile:{name}"] = (profiler, got_pages)
        finally:
            for contender in contenders.values():
                await contender.close()
        return out

    return run_in_loop("asyncio", main)


#: Where a traced bytecode ran, by the start of its code's file path (site-packages or stdlib).
BYTECODE_HOMES = (("daji_async", "daji_async/"), ("aiohttp, yarl, multidict", ("aiohttp/", "yarl/", "multidict/")))


def bytecodes(base_url: str, words: list[str], concurrency: int) -> list[list[str]]:
    """View 4: Python bytecodes executed per request by scenario 4's raw pool and by the SDK's bulk search.

    Each contender runs twice under a tracer that counts opcode events, over ``words[:extra]``
    and over all of ``words``; the difference, per request, leaves out what a run costs once
    (a client, its connections). Only Python bytecode is counted: aiohttp's and msgspec's C
    parts, and the event loop's, are not.
    """

    def traced(run: Callable[[], Any]) -> tuple[Counter[str], int]:
        counts: Counter[str] = Counter()

        def tracer(frame: Any, event: str, arg: Any) -> Any:
            path = frame.f_code.co_filename
            home = "other (asyncio, the benchmark)"
            for name, prefix in BYTECODE_HOMES:
                if any(p in path for p in ((prefix,) if isinstance(prefix, str) else prefix)):
                    home = name
                    break
            frame.f_trace_opcodes = True

            def local(frame: Any, event: str, arg: Any) -> Any:
                if event == "opcode":
                    counts[home] += 1
                return local

            return local

        sys.settrace(tracer)
        try:
            pages, _ = run_in_loop("asyncio", run)
        finally:
            sys.settrace(None)
        return counts, pages

    extra = max(1, len(words) // 6)
    contenders = {
        "raw aiohttp + msgspec pool": lambda w: lambda: bulk_scenario.raw_bulk(base_url, w, concurrency),
        "SDK `bulk.keyword_search`": lambda w: lambda: bulk_scenario.sdk_bulk(base_url, w, concurrency, None),
    }
    rows = []
    for label, make in contenders.items():
        run_in_loop("asyncio", make(words[:extra]))  # warm: imports, caches
        small, small_pages = traced(make(words[:extra]))
        full, full_pages = traced(make(words))
        requests = full_pages - small_pages
        per = {home: (full[home] - small[home]) / requests for home in set(full) | set(small)}
        rows.append(
            [
                label,
                fmt(sum(per.values())),
                *[fmt(per.get(name, 0.0)) for name, _ in BYTECODE_HOMES],
                fmt(per.get("other (asyncio, the benchmark)", 0.0)),
            ]
        )
    return rows


def _top(profiler: cProfile.Profile, pages: int, limit: int, only: str | None = None) -> list[list[str]]:
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
    if only is not None:
        entries = [e for e in entries if only in e[0][0]]
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


def findings(
    step_rows: list[list[Any]], piped: dict[str, Any], e2e_gap: float, layers: dict[str, float]
) -> list[tuple[float, str, str, str]]:
    """The SDK's extra costs per page of 20, measured, with the change that removes each.

    Returns ``(µs per page, where, evidence, change)``, largest first.
    """
    step = {name: us for _, name, us in step_rows}
    t = {name: median(values) for name, values in piped["times"].items()}
    found: list[tuple[float, str, str, str]] = []
    walk8 = t[SDK_WALK_8] - t[CEILING_WALK_8]
    walk1 = t[SDK_WALK_1] - t[CEILING_WALK_1]
    nested = (piped["per_item_nested"] - piped["per_item_flat"]) * PAGE_SIZE
    found.append(
        (
            walk8,
            "`Paginator.pages()` / `_fill` / `_items` at prefetch 8 (beyond the same windowed walk written by hand)",
            f"{t[SDK_WALK_8]:.0f} against {t[CEILING_WALK_8]:.0f} µs/page without the network; at prefetch 1 the "
            f"gap is {walk1:.0f} µs; end to end the paginator layer measured {layers.get('sdk', float('nan')):.0f} µs",
            "yield a page's items with a plain loop from one async generator (no `_items` wrapper around "
            "`pages()`), check cycles on the page number alone (a repeat of `currentPage`) and fingerprint only "
            "the first and last offer id, and keep the window as a deque of tasks created by "
            "`loop.create_task` only when a slot frees",
        )
    )
    found.append(
        (
            0.0,
            "`async for item` (one async generator from pages to items since issue 14)",
            f"the two nested async generators it replaced: {piped['per_item_nested']:.3f} µs per item against "
            f"{piped['per_item_flat']:.3f} µs for one generator with a plain `for` (×{PAGE_SIZE} items: "
            f"{nested:.1f} µs per page saved)",
            "done: `Paginator.__aiter__` returns the paging loop's own generator, which yields items",
        )
    )
    headers = piped.get("headers") or {}
    if headers:
        merge = headers["sdk"] - headers["bare"]
        found.append(
            (
                merge,
                "the session's default `User-Agent` header, merged by aiohttp into every request",
                f"aiohttp `_prepare_headers`: {headers['sdk']:.1f} µs with the SDK's session against "
                f"{headers['bare']:.1f} µs without default headers; end to end the session layer (connector "
                f"with `limit_per_host`, User-Agent, timeout) measured {layers.get('session', float('nan')):.0f} µs",
                "nothing measurable to win: keep the User-Agent"
                if merge < 1
                else "send the User-Agent as a prebuilt per-request header mapping instead of a session default",
            )
        )
    url_gap = step[OLD_URL] - step["yarl `URL(str, encoded=True)` (what the ceiling passes)"]
    found.append(
        (
            0.0,
            "the URL handed to aiohttp (built with `encoded=True` since issue 14)",
            f"yarl `URL(str)` {step[OLD_URL]:.1f} µs against "
            f"`URL(str, encoded=True)` {step['yarl `URL(str, encoded=True)` (what the ceiling passes)']:.1f} µs: "
            f"{url_gap:.1f} µs per page saved",
            "done: the default transport passes `yarl.URL(request.url, encoded=True)` (the query is percent-encoded "
            "by `encode_query` already)",
        )
    )
    found.append(
        (
            t[SEMAPHORE],
            "the client's concurrency semaphore around each send (the connector's `limit` bounds the same thing)",
            f"{t[SEMAPHORE]:.1f} µs per request uncontended",
            "keep it (it also bounds queued work before a connection is asked for) or skip it when "
            "`max_concurrency` equals the connector limit and no limiter is set",
        )
    )
    execute = t[SDK_EXECUTE] - t[CEILING_FETCH]
    found.append(
        (
            execute,
            "pipeline bookkeeping around one awaited page (paginator build, template, decoder lookup, timeout, "
            "perf_counter, logging check, `decode_success`)",
            f"{t[SDK_EXECUTE]:.0f} against {t[CEILING_FETCH]:.0f} µs per page without the network",
            "nothing worth changing: the pipeline adds almost nothing to the ceiling's sign + URL + decode",
        )
    )
    explained = walk8 + (found[2][0] if headers else 0.0) + url_gap + t[SEMAPHORE]
    found.append(
        (
            e2e_gap - explained,
            "unexplained rest of the end-to-end gap (aiohttp and event-loop effects, noise)",
            f"end-to-end gap {e2e_gap:.0f} µs/page at prefetch 8 minus the net {explained:+.0f} µs "
            "the rows above account for",
            "measure again on a quiet machine; the end-to-end gap is a difference of two noisy numbers",
        )
    )
    shared = step[PREPARE]
    found.append(
        (
            0.0,
            f"signing and query building (the ceiling signs each page from scratch): a templated page {shared:.1f} µs",
            f"`sign` {step['`sign(pairs)` (signing string + MD5 + hex + upper)']:.1f} µs, `encode_query` "
            f"{step['`encode_query(pairs)`']:.1f} µs, `canonical_pairs` {step['`canonical_pairs(params)`']:.1f} µs",
            "none needed when the SDK signs a search's pages from a template: the hand-written ceiling signs "
            "every page from scratch, so View 2's `fetch_page` row shows what the SDK saves or spends against it",
        )
    )
    head = sorted(found[:-1], key=lambda f: f[0], reverse=True)
    return [*head, found[-1]]


def bulk_collector(bodies: dict[int, bytes], count: int, rounds: int) -> list[list[str]]:
    """View 5: client CPU per request of a bulk search without sockets, and the collector's share.

    ``client.bulk.keyword_search`` over ``count`` keywords (2 pages each) through a transport
    answering the sandbox's recorded pages from memory, full and with
    ``item_type=NarrowOffer``; against the same requests signed, parsed and decoded by hand
    (what the pool does besides aiohttp), keeping the last 128 pages as a pool of 64 workers
    would. The collector's passes and time are read with ``gc.callbacks``.
    """
    import gc

    from .contenders import NarrowOffer

    class Answers:
        """A transport answering from memory that keeps nothing (MockTransport records every request)."""

        async def send(self, request: Request) -> Response:
            await asyncio.sleep(0)  # one loop turn, as an answer from a socket takes at least
            return Response(200, body=bodies[2 if "beginPage=2" in request.url else 1])

    async def sdk(item_type: Any) -> int:
        pages = 0
        async with DajiClient(
            APP_KEY, APP_SECRET, base_url="http://sandbox", transport=Answers(), max_concurrency=64
        ) as client:
            walks = client.bulk.keyword_search(
                [f"连衣裙{i}" for i in range(count)],
                concurrency=64,
                max_pages=2,
                page_size=PAGE_SIZE,
                item_type=item_type,
            )
            async for result in walks:
                if result.error is not None:
                    raise result.error
                pages += result.pages
        return pages

    def pool(item_type: Any) -> int:
        decoder = msgspec.json.Decoder(Envelope[Page[item_type]])
        kept: list[Any] = []
        for i in range(2 * count):
            number = 1 + i % 2
            query = encode_query(search_pairs(f"连衣裙{i // 2}", number, PAGE_SIZE))
            URL("http://sandbox" + KEYWORD_PATH + "?" + query, encoded=True)
            kept.append(decoder.decode(bodies[number]).data)
            if len(kept) > 128:
                kept.clear()
        return 2 * count

    runs: dict[str, Callable[[], int]] = {
        "SDK bulk, ProductItem": lambda: run_in_loop("asyncio", lambda: sdk(None)),
        "SDK bulk, item_type=NarrowOffer": lambda: run_in_loop("asyncio", lambda: sdk(NarrowOffer)),
        "pool's own work, ProductItem": lambda: pool(ProductItem),
        "pool's own work, NarrowOffer": lambda: pool(NarrowOffer),
    }
    best: dict[str, tuple[float, list[int], float]] = {}
    for _ in range(rounds):
        for name, fn in runs.items():
            passes, spent, began = [0, 0, 0], [0.0], [0.0]

            def watch(phase: str, info: dict[str, int]) -> None:
                if phase == "start":
                    passes[info["generation"]] += 1  # noqa: B023
                    began[0] = time.perf_counter()  # noqa: B023
                else:
                    spent[0] += time.perf_counter() - began[0]  # noqa: B023

            gc.collect()
            gc.callbacks.append(watch)
            cpu = time.process_time()
            try:
                requests = fn()
            finally:
                cpu = time.process_time() - cpu
                gc.callbacks.remove(watch)
            us = cpu / requests * 1e6
            if name not in best or us < best[name][0]:
                best[name] = (us, passes, spent[0] / requests * 1e6)
    return [
        [name, fmt(us, 1), ", ".join(map(str, passes)), fmt(gc_us * (2 * count) / 1000, 1), fmt(gc_us, 1)]
        for name, (us, passes, gc_us) in best.items()
    ]


def run(env: Env) -> Section:
    started = time.perf_counter()
    seconds = 0.005 if env.smoke else 0.2
    rounds = env.rounds(7, smoke=1)
    e2e_rounds = env.rounds(15, smoke=1)
    pages = 4 if env.smoke else 40
    base = env.sandbox().base_url
    keywords = env.long_keywords(1 if env.smoke else 10)
    keyword = keywords[0]
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
    rows = []
    for name, values in times.items():
        baseline = PAIRS.get(name)
        rows.append(
            [
                name,
                fmt(median(values), 1),
                fmt_ratio(ratios(values, times[baseline])) if baseline else "–",
                fmt(median(values) - median(times[baseline]), 1) if baseline else "–",
            ]
        )
    rows.append(
        ["`async for` item, two nested async generators (per item)", fmt(piped["per_item_nested"], 3), "–", "–"]
    )
    rows.append(["`async for` page + plain `for` item (per item)", fmt(piped["per_item_flat"], 3), "–", "–"])
    for label, us in (piped.get("headers") or {}).items():
        rows.append([f"aiohttp `_prepare_headers`, {label} session (per request)", fmt(us, 2), "–", "–"])
    section.tables.append(
        Table(
            "View 2: the pipeline without the network (a `MockTransport` answers from memory; µs per page)",
            ["what", "µs", "÷ its ceiling pair", "− its ceiling pair (µs)"],
            rows,
        )
    )
    e2e = end_to_end(env, keywords, e2e_rounds, pages)
    samples = e2e["samples"]
    cpu = {name: [s.cpu_us_per_page for s in samples[name]] for name in E2E_STEPS}
    layers: dict[str, float] = {}
    e2e_rows = []
    previous: str | None = None
    for name, (label, _) in E2E_STEPS.items():
        step_gap = (
            median([a - b for a, b in zip(cpu[name], cpu[previous], strict=True)]) if previous is not None else None
        )
        if step_gap is not None:
            layers[name] = step_gap
        e2e_rows.append(
            [
                label,
                fmt(median(cpu[name]), 1),
                fmt_ratio(ratios(cpu[name], cpu["ceiling"])) if name != "ceiling" else "1",
                fmt(step_gap, 1) if step_gap is not None else "–",
            ]
        )
        previous = name
    diff = median([a - b for a, b in zip(cpu["sdk"], cpu["ceiling"], strict=True)])
    e2e_rows.append(["SDK − ceiling (median of per-round differences)", fmt(diff, 1), "–", "–"])
    section.tables.append(
        Table(
            f"View 3: end to end against the sandbox, from the ceiling to the SDK one layer at a time (prefetch 8, "
            f"{len(keywords)} × {pages} pages a run, {e2e_rounds} rounds; client CPU µs/page)",
            ["contender", "client CPU µs/page", "÷ ceiling", "− the row above (µs)"],
            e2e_rows,
        )
    )
    concurrency = 4 if env.smoke else 16
    counted = bytecodes(base, bulk_scenario.keywords(env, 12 if env.smoke else 240), concurrency)
    section.tables.append(
        Table(
            f"View 4: Python bytecodes per request, scenario 4's bulk search (2 pages of 20 per keyword, "
            f"concurrency {concurrency}), counted, not timed",
            ["contender", "bytecodes per request", *[f"of which {name}" for name, _ in BYTECODE_HOMES], "other"],
            counted,
        )
    )
    collector = bulk_collector(bodies, 60 if env.smoke else 1500, rounds=2 if env.smoke else 5)
    section.tables.append(
        Table(
            "View 5: a bulk search of 2 pages of 20 per keyword through an in-memory transport (concurrency 64, "
            "one loop turn per answer), against the pool's own work on the same bodies (no event loop); client CPU "
            "µs per request (best of the rounds) and the garbage collector in the best round",
            ["contender", "µs/request", "collector passes (gen 0, 1, 2)", "ms in the collector", "µs/request in it"],
            collector,
        )
    )
    ranked = findings(step_rows, piped, diff, layers)
    section.tables.append(
        Table(
            "Findings: what the SDK's hot path costs beyond the ceiling, largest first (µs per page of 20)",
            ["µs/page", "where", "evidence", "change"],
            [[fmt(us, 1), where, evidence, change] for us, where, evidence, change in ranked],
        )
    )
    profiler, got = e2e["profile:sdk"]
    section.tables.append(
        Table(
            f"cProfile of the SDK walk ({got} pages, prefetch 8): daji_async's own functions, per page "
            "(the profiler inflates every number)",
            ["function", "calls/page", "own µs/page", "cumulative µs/page"],
            _top(profiler, got, 15, only="daji_async"),
        )
    )
    for name in ("sdk", "ceiling"):
        profiler, got = e2e[f"profile:{name}"]
        section.tables.append(
            Table(
                f"cProfile of the {name} walk ({got} pages, prefetch 8): most own time, per page",
                ["function", "calls/page", "own µs/page", "cumulative µs/page"],
                _top(profiler, got, 8 if env.smoke else 15),
            )
        )
    section.data = {
        "steps": step_rows,
        "pipeline": times,
        "per_item": [piped["per_item_nested"], piped["per_item_flat"]],
        "headers": piped.get("headers"),
        "e2e": samples,
        "e2e_gap_us": diff,
        "e2e_layers_us": layers,
        "findings": ranked,
        "bytecodes": counted,
        "collector": collector,
    }
    section.seconds = time.perf_counter() - started
    return section
