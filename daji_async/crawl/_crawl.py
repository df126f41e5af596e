"""`Crawl`: a named crawl on Redis, its queue on arq, from Python."""

from __future__ import annotations

import asyncio
import functools
import re
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from types import TracebackType
from typing import Any, TypeVar, cast

from .._errors import ConfigError
from .._redis import RedisConnection, check_url, redact_url
from ._fetch import MODELS, check
from ._store import KEY_PREFIX, Keys, job_id, spec, text
from ._worker import JOB_FUNCTION, decode_spec

#: What a crawl name may hold (it becomes part of Redis keys).
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")

#: Inputs read, checked and enqueued together.
_BATCH = 500
#: arq enqueues one job per transaction: this many at once.
_ENQUEUE_CONCURRENCY = 16

ARQ_HINT = "pip install 'daji-async[crawl]'"

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def _reaching_redis(method: F) -> F:
    """Redis out of reach becomes a RedisUnavailableError naming where (never a password)."""

    @functools.wraps(method)
    async def wrapper(self: Crawl, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        except RedisConnection.connection_errors() as exc:
            raise self._connection.unavailable(exc) from None

    return cast(F, wrapper)


def _arq() -> Any:
    try:
        import arq
        import arq.connections
    except ImportError as exc:
        raise ConfigError(f"daji_async.crawl needs arq, which is not installed: {ARQ_HINT}") from exc
    return arq


@dataclass(frozen=True)
class Enqueued:
    """What `Crawl.enqueue` did with its inputs."""

    added: int
    """Inputs queued now."""
    already: int
    """Inputs queued, running, done or failed already, or repeated in these inputs."""
    blank: int
    """Blank lines skipped."""


@dataclass(frozen=True)
class CrawlStatus:
    """Where a crawl stands (`Crawl.status`); `to_dict()` is the `--json` form."""

    name: str
    inputs: int
    """Distinct inputs enqueued."""
    done: int
    """Inputs whose items are stored."""
    pending: int
    """Inputs waiting for a worker."""
    running: int
    """Inputs a worker holds now (a dead worker's, until its lease runs out)."""
    failed: int
    """Inputs whose last run failed (see `errors`; `retry_failed` queues them again)."""
    lost: int
    """Inputs neither done, failed nor queued (arq gave up after repeated worker deaths)."""
    items: int
    """Items stored, over every done input."""
    requests: int
    """Requests sent by the crawl's workers (retries included)."""
    rate: float | None
    """Requests per second achieved, from the first request to the latest (None before two)."""
    errors: dict[str, str] = field(default_factory=dict)
    """Failed input -> its last error (at most as many as asked for)."""

    def to_dict(self) -> dict[str, Any]:
        """The status as plain JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class CrawlResult:
    """The stored items of one done input (`Crawl.results`)."""

    input: str
    kind: str
    platform: str
    items: list[dict[str, Any]]
    """The items as plain data with the models' attribute names (snake_case)."""


class Crawl:
    """A crawl named `name` on the Redis at `redis_url`: its inputs, queue, results and counters.

    ```python
    async with Crawl("redis://localhost:6379/0", "dresses") as crawl:
        await crawl.enqueue(["连衣裙", "半身裙"], kind="keyword", max_pages=2)
        await crawl.run_worker(rate_limit=50)        # in as many processes as you like
        print((await crawl.status()).done)
    ```

    Needs the `crawl` extra (`pip install 'daji-async[crawl]'`: redis and arq).

    Args:
        redis_url: where the crawl lives (`redis://`, `rediss://` or `unix://`).
        name: the crawl's name, so that several crawls share one Redis (letters, digits, `_.-`).
    """

    def __init__(self, redis_url: str, name: str = "default") -> None:
        self.url = check_url(redis_url, "Crawl")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ConfigError(f"crawl name must be 1-100 letters, digits, '_', '.' or '-', got {name!r}")
        self.name = name
        self.keys = Keys(name)
        self._connection = RedisConnection(redis_url, "Crawl")
        self._pool: Any = None

    def __repr__(self) -> str:
        return f"Crawl({redact_url(self.url)!r}, {self.name!r})"

    @property
    def _redis(self) -> Any:
        return self._connection.client()

    async def _arq_pool(self) -> Any:
        if self._pool is None:
            arq = _arq()
            self._pool = await arq.create_pool(arq.connections.RedisSettings.from_dsn(self.url))
        return self._pool

    # ------------------------------------------------------------------ enqueue

    @_reaching_redis
    async def enqueue(
        self,
        inputs: Iterable[str],
        *,
        kind: str = "keyword",
        platform: str = "1688",
        expires: float = timedelta(days=30).total_seconds(),
        **options: int | None,
    ) -> Enqueued:
        """Queue one job per distinct input: repeats and inputs done or queued already are skipped.

        Args:
            inputs: keywords, image URLs or ids, one per item (blank ones are skipped).
            kind: `keyword`, `image` (a picture URL) or `detail` (an offer, item or SPU id).
            platform: `1688`, `taobao` or `poizon` (which has no image search).
            expires: seconds a job may wait in the queue before arq drops it (`lost` in status).
            **options: `page_size`, `max_items`, `max_pages` for the searches.

        Raises:
            ConfigError: an unknown kind, platform or option, or arq not installed.
        """
        if isinstance(inputs, (str, bytes)):
            raise ConfigError("Crawl.enqueue takes an iterable of inputs (e.g. a list of keywords), not one str")
        checked = check(kind, platform, dict(options))
        pool = await self._arq_pool()
        seen: set[str] = set()  # this batch's job ids (memory stays bounded on any number of inputs)
        added = already = blank = 0
        batch: list[tuple[str, str]] = []

        async def flush() -> None:
            nonlocal added, already
            redis = self._redis
            async with redis.pipeline(transaction=False) as pipe:
                for jid, value in batch:
                    pipe.hsetnx(self.keys.inputs, jid, spec(kind, platform, value, checked))
                    pipe.hexists(self.keys.done, jid)
                    pipe.hexists(self.keys.failed, jid)
                    pipe.zscore(self.keys.queue, jid)
                replies = await pipe.execute()
            # done, failed or queued already: arq would refuse it anyway, at a transaction each
            known = [any(replies[4 * i + 1 : 4 * i + 3]) or replies[4 * i + 3] is not None for i in range(len(batch))]
            fresh = [pair for pair, skip in zip(batch, known, strict=True) if not skip]
            already += len(batch) - len(fresh)
            gate = asyncio.Semaphore(_ENQUEUE_CONCURRENCY)

            async def one(jid: str, value: str) -> bool:
                async with gate:
                    job = await pool.enqueue_job(
                        JOB_FUNCTION, kind, platform, value, checked,
                        _job_id=jid, _queue_name=self.keys.queue, _expires=expires,
                    )  # fmt: skip
                return job is not None  # None: queued or running already

            queued = await asyncio.gather(*(one(jid, value) for jid, value in fresh))
            added += sum(queued)
            already += len(queued) - sum(queued)
            batch.clear()
            seen.clear()  # a repeat in a later batch is found queued, done or failed in Redis

        for line in inputs:
            if not isinstance(line, str):
                raise ConfigError(f"crawl inputs must be str, got {type(line).__name__}")
            value = line.strip()
            if not value:
                blank += 1
                continue
            jid = job_id(self.name, kind, platform, value)
            if jid in seen:
                already += 1
                continue
            seen.add(jid)
            batch.append((jid, value))
            if len(batch) >= _BATCH:
                await flush()
        if batch:
            await flush()
        return Enqueued(added=added, already=already, blank=blank)

    # ------------------------------------------------------------------ workers

    @_reaching_redis
    async def run_worker(
        self,
        *,
        rate_limit: float,
        concurrency: int = 8,
        lease: float = 30.0,
        job_timeout: float = 600.0,
        max_tries: int = 10,
        poll_delay: float = 0.5,
        shutdown_grace: int = 600,
        burst: bool = False,
        handle_signals: bool = True,
        **client_options: Any,
    ) -> int:
        """Run jobs of this crawl until stopped (SIGTERM or SIGINT: the jobs in hand finish first).

        Every worker of the app key, on any machine, shares one
        `RedisRateLimiter` at `rate_limit` requests per second.

        Args:
            rate_limit: requests per second for all workers together (give each the same).
            concurrency: inputs this worker runs at once.
            lease: seconds after which a job whose worker stopped renewing it (a dead worker) is
                run again by another; renewed every third of it while the job runs.
            job_timeout: seconds one input may take before it is recorded as failed.
            max_tries: runs of one job (each worker death costs one) before arq gives it up.
            poll_delay: seconds between looks at the queue.
            shutdown_grace: seconds the jobs in hand get to finish after SIGTERM.
            burst: return once the queue is empty (tests, batch jobs) instead of waiting for more.
            handle_signals: install the SIGTERM/SIGINT handlers (main thread only).
            **client_options: passed to `DajiClient` (credentials and base URL
                come from `DAJI_APP_KEY`, `DAJI_APP_SECRET`, `DAJI_BASE_URL` by default).

        Returns:
            The jobs this worker completed.
        """

        from .._client import DajiClient
        from .._redis_limiter import RedisRateLimiter
        from ._worker import CountingLimiter, Runner, crawl_input

        arq = _arq()
        from arq.worker import Worker, func

        for label, number in (
            ("concurrency", concurrency),
            ("max_tries", max_tries),
            ("shutdown_grace", shutdown_grace),
        ):
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                raise ConfigError(f"run_worker {label} must be a positive int, got {number!r}")
        for label, seconds in (("lease", lease), ("job_timeout", job_timeout), ("poll_delay", poll_delay)):
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
                raise ConfigError(f"run_worker {label} must be a positive number of seconds, got {seconds!r}")
        limiter = RedisRateLimiter(self.url, rate_limit)
        redis = self._redis
        client = DajiClient(rate_limit=CountingLimiter(limiter, redis, self.keys), **client_options)
        runner = Runner(self.keys, client, redis, lease=float(lease), job_timeout=float(job_timeout))
        worker = Worker(
            functions=[
                func(crawl_input, name=JOB_FUNCTION, timeout=job_timeout + 30, keep_result=0, max_tries=max_tries)
            ],
            queue_name=self.keys.queue,
            redis_settings=arq.connections.RedisSettings.from_dsn(self.url),
            max_jobs=concurrency,
            job_completion_wait=shutdown_grace,
            poll_delay=poll_delay,
            burst=burst,
            handle_signals=handle_signals,
            ctx={"daji_crawl": runner},
            log_results=False,
        )
        # arq's lease is the longest job timeout + 10 s; the renewal lets it be short instead
        worker.in_progress_timeout_s = float(lease)
        try:
            try:
                await worker.async_run()
            except asyncio.CancelledError:
                if worker.allow_pick_jobs:  # not a stop by signal: our own cancellation
                    raise
            return int(worker.jobs_complete)
        finally:
            try:
                with warnings.catch_warnings():  # arq 0.28 closes its pool with redis-py's deprecated close()
                    warnings.simplefilter("ignore", DeprecationWarning)
                    await worker.close()
            finally:
                await client.close()
                await limiter.aclose()

    # ------------------------------------------------------------------ reading

    @_reaching_redis
    async def status(self, *, errors: int = 100) -> CrawlStatus:
        """Counts of the crawl's inputs by state, items, requests, rate, and up to `errors` last errors."""
        _arq()  # a ConfigError naming the extra when arq is missing
        from arq.constants import in_progress_key_prefix

        redis, keys = self._redis, self.keys
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hlen(keys.inputs)
            pipe.hlen(keys.done)
            pipe.hlen(keys.failed)
            pipe.zcard(keys.queue)
            pipe.mget(keys.items, keys.requests, keys.first, keys.last)
            total, done, failed, queued, counters = await pipe.execute()
        running = 0
        async for _ in redis.scan_iter(match=in_progress_key_prefix + keys.job_prefix + "*", count=1000):
            running += 1
        items, requests, first, last = (None if value is None else text(value) for value in counters)
        requests_sent = int(requests or 0)
        span = float(last) - float(first) if first is not None and last is not None else 0.0
        shown: dict[str, str] = {}
        if errors > 0 and failed:
            pairs: list[tuple[str, str]] = []
            async for jid, error in redis.hscan_iter(keys.failed, count=500):
                pairs.append((text(jid), text(error)))
                if len(pairs) >= errors:
                    break
            specs = await redis.hmget(keys.inputs, [jid for jid, _ in pairs])
            for (jid, error), raw in zip(pairs, specs, strict=True):
                shown[decode_spec(raw)["input"] if raw is not None else jid] = error
        return CrawlStatus(
            name=self.name,
            inputs=int(total),
            done=int(done),
            pending=max(0, int(queued) - running),
            running=running,
            failed=int(failed),
            lost=max(0, int(total) - int(done) - int(failed) - int(queued)),
            items=int(items or 0),
            requests=requests_sent,
            rate=(requests_sent - 1) / span if span > 0 and requests_sent > 1 else None,
            errors=shown,
        )

    async def results(self) -> AsyncIterator[CrawlResult]:
        """Every done input with its stored items, each once (in no particular order)."""
        import msgspec

        redis, keys = self._redis, self.keys
        batch: list[str] = []

        async def read(ids: list[str]) -> list[CrawlResult]:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.hmget(keys.inputs, ids)
                for jid in ids:
                    pipe.get(keys.result(jid))
                specs, *payloads = await pipe.execute()
            found = []
            for raw, payload in zip(specs, payloads, strict=True):
                if raw is None or payload is None:
                    continue
                entry = decode_spec(raw)
                items = msgspec.json.decode(payload)
                found.append(CrawlResult(entry["input"], entry["kind"], entry["platform"], items))
            return found

        try:
            async for jid, _ in redis.hscan_iter(keys.done, count=_BATCH):
                batch.append(text(jid))
                if len(batch) >= _BATCH:
                    for result in await read(batch):
                        yield result
                    batch = []
            if batch:
                for result in await read(batch):
                    yield result
        except RedisConnection.connection_errors() as exc:
            raise self._connection.unavailable(exc) from None

    @_reaching_redis
    async def shapes(self) -> set[tuple[str, str]]:
        """The (kind, platform) pairs of the crawl's inputs: which models its items are."""
        found: set[tuple[str, str]] = set()
        async for _, raw in self._redis.hscan_iter(self.keys.inputs, count=_BATCH):
            entry = decode_spec(raw)
            found.add((entry["kind"], entry["platform"]))
            if len(found) == len(MODELS):
                break
        return found

    # ------------------------------------------------------------------ upkeep

    @_reaching_redis
    async def retry_failed(self) -> int:
        """Queue again every input that failed (or that arq gave up); returns how many."""
        pool = await self._arq_pool()
        redis, keys = self._redis, self.keys
        again = 0
        batch: list[tuple[str, dict[str, Any]]] = []

        async def flush() -> None:
            nonlocal again
            async with redis.pipeline(transaction=False) as pipe:
                for jid, _ in batch:
                    pipe.hexists(keys.done, jid)
                    pipe.zscore(keys.queue, jid)
                replies = await pipe.execute()
            for index, (jid, entry) in enumerate(batch):
                if replies[2 * index] or replies[2 * index + 1] is not None:
                    continue
                job = await pool.enqueue_job(
                    JOB_FUNCTION, entry["kind"], entry["platform"], entry["input"], entry["options"],
                    _job_id=jid, _queue_name=keys.queue,
                )  # fmt: skip
                if job is not None:
                    await redis.hdel(keys.failed, jid)
                    again += 1
            batch.clear()

        async for jid, raw in redis.hscan_iter(keys.inputs, count=_BATCH):
            batch.append((text(jid), decode_spec(raw)))
            if len(batch) >= _BATCH:
                await flush()
        if batch:
            await flush()
        return again

    @_reaching_redis
    async def delete(self) -> int:
        """Remove everything of this crawl from Redis (its queue and arq's keys included); returns keys removed."""
        redis, keys = self._redis, self.keys
        removed = 0
        patterns = [KEY_PREFIX + self.name + ":*"]
        patterns += [f"arq:{kind}:{keys.job_prefix}*" for kind in ("job", "in-progress", "retry", "result")]
        for pattern in patterns:
            found = [key async for key in redis.scan_iter(match=pattern, count=1000)]
            for start in range(0, len(found), _BATCH):
                removed += int(await redis.delete(*found[start : start + _BATCH]))
        removed += int(await redis.delete(keys.queue))
        return removed

    async def aclose(self) -> None:
        """Close the crawl's Redis connections."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.aclose()
        await self._connection.aclose()

    async def __aenter__(self) -> Crawl:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
