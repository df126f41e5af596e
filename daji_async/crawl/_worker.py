"""A crawl worker: an arq worker whose one job fetches one input and stores its items.

Every request goes through one `RedisRateLimiter` shared by every worker of
the app key, and is counted in Redis on the way (the crawl's requests spent and rate). A job
stores its input's items in one atomic script (replacing what an earlier run stored), or
records its error. While a job runs, its worker renews arq's in-progress lease every third of
it: a worker that dies (SIGKILL included) stops renewing, and once the lease runs out another
worker runs the job again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import msgspec

from .._client import DajiClient
from .._redis_limiter import RedisRateLimiter
from ._fetch import fetch
from ._store import COUNT_SCRIPT, FAIL_SCRIPT, STORE_SCRIPT, Keys

#: The name of the crawl's arq job function.
JOB_FUNCTION = "daji_crawl_input"

#: Longest error text kept for a failed input.
MAX_ERROR = 500


class CountingLimiter:
    """A rate limiter that counts each request it lets through in the crawl's Redis counters."""

    def __init__(self, limiter: RedisRateLimiter, redis: Any, keys: Keys) -> None:
        self.limiter = limiter
        self._count = redis.register_script(COUNT_SCRIPT)
        self._keys = [keys.requests, keys.first, keys.last]

    def bind_app_key(self, app_key: str) -> None:
        """Let the shared limiter derive its key from the client's app key."""
        self.limiter.bind_app_key(app_key)

    async def acquire(self) -> None:
        """Wait for a turn of the shared rate, then count the request about to be sent."""
        await self.limiter.acquire()
        await self._count(keys=self._keys, args=[f"{time.time():.6f}"])


class Runner:
    """The state one worker process shares between its jobs."""

    def __init__(self, keys: Keys, client: DajiClient, redis: Any, *, lease: float, job_timeout: float) -> None:
        self.keys = keys
        self.client = client
        self.lease = lease
        self.job_timeout = job_timeout
        self._redis = redis
        self._store = redis.register_script(STORE_SCRIPT)
        self._fail = redis.register_script(FAIL_SCRIPT)

    async def _keep_lease(self, job_id: str) -> None:
        from arq.constants import in_progress_key_prefix

        while True:
            await asyncio.sleep(self.lease / 3)
            await self._redis.pexpire(in_progress_key_prefix + job_id, int(self.lease * 1000))

    async def run(self, job_id: str, kind: str, platform: str, value: str, options: dict[str, Any]) -> int:
        """Fetch one input and store its items (or its error); returns how many items were stored."""
        lease = asyncio.create_task(self._keep_lease(job_id))
        try:
            try:
                items = await asyncio.wait_for(fetch(self.client, kind, platform, value, options), self.job_timeout)
            except asyncio.TimeoutError:
                error = f"timed out after {self.job_timeout:g} s"
            except Exception as exc:  # any failure of one input is that input's, recorded for retry-failed
                error = " ".join(f"{type(exc).__name__}: {exc}".split())[:MAX_ERROR]
            else:
                keys = self.keys
                payload = msgspec.json.encode(items)
                await self._store(
                    keys=[keys.result(job_id), keys.done, keys.failed, keys.items], args=[job_id, payload, len(items)]
                )
                return len(items)
            await self._fail(keys=[self.keys.done, self.keys.failed], args=[job_id, error])
            return 0
        finally:
            lease.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lease


async def crawl_input(ctx: dict[str, Any], kind: str, platform: str, value: str, options: dict[str, Any]) -> int:
    """The arq job: one input of the crawl."""
    runner: Runner = ctx["daji_crawl"]
    return await runner.run(ctx["job_id"], kind, platform, value, options)


def decode_spec(raw: Any) -> dict[str, Any]:
    """An entry of the `inputs` hash."""
    spec: dict[str, Any] = json.loads(raw)
    return spec
