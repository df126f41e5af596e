"""An arq worker that crawls keyword searches: start as many as you like, on any machine.

::

    arq examples.crawl_arq.worker.WorkerSettings      # one per process; all on the same Redis

Every worker shares, through Redis:

- one request rate for the app key (:class:`~daji_async.RedisRateLimiter`), whatever the
  number of workers: add workers for resilience, not to exceed the quota;
- one response cache (:class:`~daji_async.RedisCache`): a page one worker fetched is never
  fetched again by another, nor by a job that is run again after its worker died;
- the crawl's progress: each job records the items of every page and the next page to fetch
  in one transaction, so a job that is run again (arq re-runs a job whose worker was killed)
  starts where the last one stopped.

Configuration (environment): ``DAJI_APP_KEY``, ``DAJI_APP_SECRET``, ``DAJI_BASE_URL`` as for
any client; ``REDIS_URL`` (default ``redis://localhost:6379/0``); ``CRAWL_RATE`` requests per
second for all workers together (default 50); ``CRAWL_MAX_PAGES`` pages per keyword (default
5); ``CRAWL_PAGE_SIZE`` (default 50); ``CRAWL_JOB_TIMEOUT`` seconds (default 300).
"""

from __future__ import annotations

import os
from typing import Any

from arq import func
from arq.connections import RedisSettings

from daji_async import DajiClient, RedisCache, RedisRateLimiter

REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
RATE = float(os.environ.get("CRAWL_RATE", "50"))
MAX_PAGES = int(os.environ.get("CRAWL_MAX_PAGES", "5"))
PAGE_SIZE = int(os.environ.get("CRAWL_PAGE_SIZE", "50"))
JOB_TIMEOUT = int(os.environ.get("CRAWL_JOB_TIMEOUT", "300"))

#: What a finished keyword's progress key holds.
DONE = "done"


def items_key(keyword: str) -> str:
    """The Redis set of the offer ids found for ``keyword``."""
    return f"crawl:items:{keyword}"


def progress_key(keyword: str) -> str:
    """The next page to fetch for ``keyword`` (absent: page 1; ``done``: finished)."""
    return f"crawl:next_page:{keyword}"


async def startup(ctx: dict[str, Any]) -> None:
    """One client per worker, with the shared limiter and cache."""
    ctx["limiter"] = RedisRateLimiter(REDIS_URL, RATE)
    ctx["cache"] = RedisCache(REDIS_URL)
    ctx["client"] = DajiClient(rate_limit=ctx["limiter"], cache=ctx["cache"])


async def shutdown(ctx: dict[str, Any]) -> None:
    """Close the client, then the Redis connections of the limiter and the cache."""
    await ctx["client"].close()
    await ctx["cache"].aclose()
    await ctx["limiter"].aclose()


async def crawl_keyword(ctx: dict[str, Any], keyword: str) -> dict[str, Any]:
    """Fetch up to ``MAX_PAGES`` pages of a keyword search, resuming from the recorded page."""
    redis = ctx["redis"]  # arq's connection to the same Redis
    client: DajiClient = ctx["client"]
    recorded = await redis.get(progress_key(keyword))
    if recorded == DONE.encode():
        return {"keyword": keyword, "items": await redis.scard(items_key(keyword)), "resumed_from": None}
    start = int(recorded or 1)
    if start > 1:
        print(f"{keyword}: resuming at page {start}", flush=True)
    search = client.products.keyword_search(keyword, page=start, page_size=PAGE_SIZE, max_pages=MAX_PAGES - start + 1)
    async for page in search.pages():
        ids = [item.offer_id for item in page.items]
        async with redis.pipeline(transaction=True) as pipe:  # the items and the progress, together
            if ids:
                pipe.sadd(items_key(keyword), *ids)
            pipe.set(progress_key(keyword), page.current_page + 1)
            await pipe.execute()
    await redis.set(progress_key(keyword), DONE)
    return {"keyword": keyword, "items": await redis.scard(items_key(keyword)), "resumed_from": start}


class WorkerSettings:
    """``arq examples.crawl_arq.worker.WorkerSettings``."""

    functions = (func(crawl_keyword, timeout=JOB_TIMEOUT),)
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(REDIS_URL)
    max_jobs = 8
