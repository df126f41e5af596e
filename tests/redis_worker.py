"""One worker process of the multi-process Redis tests (run as a script, never collected).

``python tests/redis_worker.py CONFIG_JSON``: builds a DajiClient for the sandbox with a
RedisRateLimiter and/or a RedisCache, prints ``ready``, waits for a line on stdin (so that
every worker starts at once), fetches the details of ``offer_ids`` concurrently, and prints
one JSON line: how many succeeded, the errors, and the cache's statistics.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import daji_async._constants as C
from daji_async import DajiClient, RedisCache, RedisRateLimiter


async def main(config: dict[str, Any]) -> dict[str, Any]:
    limiter = None
    if config.get("rate"):
        limiter = RedisRateLimiter(
            config["redis_url"], config["rate"], margin=config.get("margin", C.SHARED_LIMIT_MARGIN)
        )
    cache = RedisCache(config["redis_url"]) if config.get("cache") else None
    client = DajiClient(
        config["app_key"],
        config["app_secret"],
        base_url=config["base_url"],
        rate_limit=limiter,
        cache=cache,
        max_concurrency=config.get("concurrency", 8),
    )
    try:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        results = await asyncio.gather(
            *(client.products.detail(offer_id) for offer_id in config["offer_ids"]), return_exceptions=True
        )
    finally:
        await client.close()
        if limiter is not None:
            await limiter.aclose()
        if cache is not None:
            await cache.aclose()
    errors = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
    titles = [r.subject_trans or r.subject for r in results if not isinstance(r, BaseException)]
    stats = cache.stats if cache is not None else None
    return {
        "ok": len(results) - len(errors),
        "errors": errors,
        "titles": titles,
        "cache": None if stats is None else {"hits": stats.hits, "misses": stats.misses, "stores": stats.stores},
        "turns_given_up": None if limiter is None else limiter.turns_given_up,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1]))), ensure_ascii=False), flush=True)
