"""Scenario 7: what a search costs in requests.

Every call to the service is counted against the app's quota (and often billed), so requests
per item is the cost users pay. Each row walks one keyword search of at least 2,000 results
against a sandbox whose request count is reset first, and reports the requests the sandbox
saw, the items the walk yielded, and requests per 1,000 items. The SDK's choice (no
``page_size``: the largest page the endpoint allows, capped by ``max_items``) is shown beside
the same walk at the former default of 20 items a page.
"""

from __future__ import annotations

import time
from typing import Any

from daji_async import DajiClient

from ._harness import APP_KEY, APP_SECRET, KEYWORD_PATH, Env, Section, Table, Target, fmt, run_in_loop

KEY = "cost"
TITLE = "7. Requests per 1,000 items"


async def walk(base_url: str, keyword: str, **paging: Any) -> int:
    """Items yielded by ``async for`` over one search with these paging keywords."""
    async with DajiClient(APP_KEY, APP_SECRET, base_url=base_url) as client:
        count = 0
        async for _item in client.products.keyword_search(keyword, **paging):
            count += 1
    return count


def run(env: Env) -> Section:
    started = time.perf_counter()
    sandbox = env.sandbox(role="cost")
    keyword = env.long_keywords(1)[0]
    caps: list[int | None] = [30, 100] if env.smoke else [30, 100, 250, 1000, None]
    table = Table(
        "One keyword search, `async for` with `max_items` (None: every result, 2,000 here)",
        [
            "max_items",
            "page size chosen",
            "requests",
            "items",
            "requests per 1,000 items",
            "at page_size=20: requests",
            "requests per 1,000 items ",
        ],
    )
    fewest = True
    walks: list[dict[str, Any]] = []
    for cap in caps:
        row = [str(cap)]
        for page_size in (None, 20):
            sandbox.reset()
            items = run_in_loop(
                "asyncio",
                lambda: walk(sandbox.base_url, keyword, max_items=cap, page_size=page_size),  # noqa: B023
            )
            requests = sandbox.stats()["by_path"].get(KEYWORD_PATH, 0)
            walks.append({"max_items": cap, "page_size": page_size, "requests": requests, "items": items})
            per_thousand = requests / items * 1000 if items else float("nan")
            if page_size is None:
                chosen = 50 if cap is None else max(1, min(50, cap))
                row += [str(chosen), fmt(requests), fmt(items), fmt(per_thousand, 1)]
                needed = -(-items // chosen) if items else 1
                fewest = fewest and requests == needed
            else:
                row += [fmt(requests), fmt(per_thousand, 1)]
        table.rows.append(row)
    section = Section(KEY, TITLE, intro=__doc__.split("\n\n")[1].replace("\n", " "), tables=[table])
    section.targets.append(
        Target(
            "Fewest requests",
            "no page_size: ceil(items / largest page) requests (1688: max_items=30 -> 1, 250 -> 5)",
            "every row at the minimum" if fewest else "some row above the minimum",
            fewest,
        )
    )
    section.data = {"walks": walks}
    section.seconds = time.perf_counter() - started
    return section
