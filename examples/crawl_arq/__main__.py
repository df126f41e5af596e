"""A keyword crawl with the library API of ``daji_async.crawl`` (the CLI's ``daji crawl`` does the same).

::

    python -m examples.crawl_arq enqueue 连衣裙 手机壳 水杯   # once, from anywhere
    python -m examples.crawl_arq worker                     # on every machine, as many as you like
    python -m examples.crawl_arq status
    python -m examples.crawl_arq results                    # one line per keyword

Configuration (environment): ``DAJI_APP_KEY``, ``DAJI_APP_SECRET``, ``DAJI_BASE_URL`` as for any
client; ``REDIS_URL`` (default ``redis://localhost:6379/0``); ``CRAWL_RATE``, requests per second
for all workers together (default 50). ``worker --burst`` returns once the queue is empty.
"""

from __future__ import annotations

import asyncio
import os
import sys

from daji_async.crawl import Crawl

REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
RATE = float(os.environ.get("CRAWL_RATE", "50"))


async def main(command: str, args: list[str]) -> int:
    """Run one step of the crawl named ``example``."""
    async with Crawl(REDIS_URL, "example") as crawl:
        if command == "enqueue":
            queued = await crawl.enqueue(args, kind="keyword", max_pages=3, page_size=20)
            print(f"queued {queued.added}, already known {queued.already}")
        elif command == "worker":
            done = await crawl.run_worker(rate_limit=RATE, burst="--burst" in args)
            print(f"worker ran {done} keywords")
        elif command == "status":
            state = await crawl.status()
            print(f"{state.done} done, {state.pending} pending, {state.failed} failed, {state.items} items")
        elif command == "results":
            async for result in crawl.results():  # every stored keyword once, with its items
                print(f"{result.input}: {len(result.items)} offers")
        else:
            print(__doc__, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "", sys.argv[2:])))
