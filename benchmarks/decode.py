"""Scenario 2: decode cost per page.

Real search bodies from the sandbox (page_size 20 and 50, fetched once) are decoded in this
process, no I/O, by: the SDK (its cached typed decoder and ``decode_success``, exactly what
the pipeline runs), ``json.loads``, ``orjson.loads``, untyped ``msgspec.json.decode`` and
pydantic v2 models with the same fields (``model_validate_json``). Each sample times a
batch of decodes; contenders alternate; the ratio is the contender's time over the SDK's
in the same round (above 1: the SDK is faster).
"""

from __future__ import annotations

import json
import time
import timeit
from collections.abc import Callable
from typing import Any

import msgspec

from daji_async._endpoints import KEYWORD_SEARCH
from daji_async._protocol import decode_success, envelope_decoder

from ._harness import Env, Section, Table, fetch_body, fmt, fmt_ratio, fmt_spread, median, ratios, rotation
from .contenders import pydantic_models

KEY = "decode"
TITLE = "2. Decode cost per page"


def decoders() -> dict[str, Callable[[bytes], Any]]:
    """Every contender: a function from a body to its decoded page."""
    sdk_decoder = envelope_decoder(KEYWORD_SEARCH.response)

    def sdk(body: bytes) -> Any:
        return decode_success(sdk_decoder, body, status=200, method="GET", path=KEYWORD_SEARCH.path)

    found: dict[str, Callable[[bytes], Any]] = {"SDK models (msgspec typed)": sdk, "json.loads": json.loads}
    try:
        import orjson

        found["orjson.loads"] = orjson.loads
    except ImportError:
        pass
    found["msgspec untyped"] = msgspec.json.decode
    try:
        envelope = pydantic_models()["Envelope"]
        found["pydantic v2 models"] = envelope.model_validate_json
    except ImportError:
        pass
    return found


def run(env: Env) -> Section:
    started = time.perf_counter()
    rounds = env.rounds(11, smoke=2)
    batch_seconds = 0.002 if env.smoke else 0.05
    base = env.sandbox().base_url
    keyword = env.long_keywords(1)[0]
    funcs = decoders()
    names = list(funcs)
    section = Section(
        KEY,
        TITLE,
        intro=(
            f"Real keyword-search bodies from the sandbox, decoded in-process; {rounds} rounds of batches of about "
            f"{batch_seconds * 1000:.0f} ms per contender, alternating. *Ratio* is the contender's time over the "
            "SDK's in the same round: above 1, the SDK decodes faster."
        ),
    )
    results: dict[int, dict[str, list[float]]] = {}
    for size in (20, 50):
        body = fetch_body(base, keyword, 2, size)
        for func in funcs.values():  # every decoder reads this body (and fails loudly if not)
            func(body)
        numbers = {name: _calibrate(func, body, batch_seconds) for name, func in funcs.items()}
        times: dict[str, list[float]] = {name: [] for name in names}
        for index in range(rounds):
            for name in rotation(names, index):
                func, number = funcs[name], numbers[name]
                seconds = timeit.timeit(lambda f=func, b=body: f(b), number=number)  # type: ignore[misc]
                times[name].append(seconds / number * 1e6)
        results[size] = times
        sdk = times[names[0]]
        table = Table(
            f"page_size {size} ({len(body):,} bytes)", ["decoder", "µs/page", "spread", "µs/item", "ratio to SDK"]
        )
        for name in names:
            table.rows.append(
                [
                    name,
                    fmt(median(times[name]), 1),
                    fmt_spread(times[name]),
                    fmt(median(times[name]) / size, 2),
                    fmt_ratio(ratios(times[name], sdk)) if name != names[0] else "1",
                ]
            )
        section.tables.append(table)
    section.notes.append(
        "The issue's reference (a faster machine): msgspec decodes a 20-item page in about 13 µs. "
        "The SDK row includes `decode_success` (the envelope's code check), which is what every request pays."
    )
    section.data = {"us_per_page": results}
    section.seconds = time.perf_counter() - started
    return section


def _calibrate(func: Callable[[bytes], Any], body: bytes, seconds: float) -> int:
    """How many calls take about ``seconds``."""
    number = 1
    while True:
        took = timeit.timeit(lambda: func(body), number=number)
        if took >= seconds / 4 or number >= 1 << 20:
            return max(1, int(number * seconds / max(took, 1e-9)))
        number *= 4
