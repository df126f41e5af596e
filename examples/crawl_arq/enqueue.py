"""Queue a crawl of many keywords for the arq workers, then wait for it and print a summary.

::

    python -m examples.crawl_arq.enqueue 连衣裙 手机壳 水杯 ...   # no keywords: a dozen defaults

Each keyword is one job whose id is ``crawl:<keyword>``: running this again while a crawl is
queued or running adds nothing twice, and a keyword whose job ran already returns its result.
"""

from __future__ import annotations

import asyncio
import os
import sys

from arq import create_pool
from arq.connections import RedisSettings
from arq.jobs import Job

REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
DEFAULT_KEYWORDS = [
    "连衣裙",
    "半身裙",
    "T恤",
    "衬衫",
    "外套",
    "休闲裤",
    "短裤",
    "夹克",
    "运动鞋",
    "手机壳",
    "水杯",
    "背包",
]


async def main(keywords: list[str]) -> int:
    """Enqueue one job per keyword and print each result as it is known."""
    pool = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    try:
        jobs = []
        for keyword in keywords:
            job_id = f"crawl:{keyword}"
            job = await pool.enqueue_job("crawl_keyword", keyword, _job_id=job_id)
            jobs.append(job or Job(job_id, pool))  # None: queued, running or done already
        total = 0
        for keyword, job in zip(keywords, jobs, strict=True):
            result = await job.result(timeout=None, poll_delay=0.2)
            total += result["items"]
            start = result["resumed_from"]
            how = "finished earlier" if start is None else f"from page {start}"
            print(f"{keyword}: {result['items']} offers ({how})", flush=True)
        print(f"{len(keywords)} keywords, {total} offers", flush=True)
        return 0
    finally:
        await pool.aclose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:] or DEFAULT_KEYWORDS)))
