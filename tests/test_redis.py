"""RedisRateLimiter and the limiter protocol, against a real redis-server and the sandbox.

The headline test runs 4 worker processes that share ``RedisRateLimiter(rate=50)`` and reads
the sandbox's own per-second counts: no one-second window above 50, at least 47.5 requests
per second together.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
from aiolimiter import AsyncLimiter

import daji_async._constants as C
from daji_async import ConfigError, DajiClient, RateLimiter, RedisRateLimiter, RedisUnavailableError, StrictRateLimiter
from daji_async.sandbox import SandboxServer
from tests.redis_server import RedisServer, free_port

WORKER = Path(__file__).with_name("redis_worker.py")


def offer_ids(sandbox: SandboxServer, count: int, start: int = 0) -> list[int]:
    return [offer.offer_id for offer in sandbox.state.catalogue.offers[start : start + count]]


#: Scheduling priority (nice) of the processes whose timing the sandbox measures.
TIMED_NICE = -10


def prioritize(task_id: int, nice: int = TIMED_NICE) -> None:
    """Give one process or thread (a Linux task id) this nice value, where allowed.

    The per-second counts measure the limiter, not the machine: on a shared, oversubscribed
    machine, a process can wait tens of milliseconds for a CPU between its turn and its send,
    or the sandbox before it reads a request, which crowds the sandbox's windows whatever the
    limiter does. A higher priority (root may set one; CI runs as root) keeps that wait short.
    Elsewhere this does nothing.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, task_id, nice)
    except (AttributeError, PermissionError, ProcessLookupError, OSError):
        pass


def run_workers(
    configs: list[dict[str, Any]], timeout: float = 60.0, *, nice: int | None = None
) -> list[dict[str, Any]]:
    """Start one worker per config, release them together, and return what each printed."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[1],
        )
        for config in configs
    ]
    if nice is not None:
        for proc in procs:
            prioritize(proc.pid, nice)
    try:
        for proc in procs:  # every worker is built and waiting before any starts
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "ready":
                proc.wait(timeout)
                raise AssertionError(f"worker did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# ---------------------------------------------------------------- the acceptance test


#: Late wake-ups (over all workers) that mark a run as disturbed by the machine, not the limiter.
DISTURBED = 3


def measure_shared_rate(redis_server: RedisServer, rate: int, workers: int, each: int) -> dict[str, Any]:
    """Run the workers once against a fresh sandbox; return its counts and the workers' reports."""
    redis_server.flush()
    with SandboxServer() as sandbox:
        ids = offer_ids(sandbox, workers * each)
        base = {"redis_url": redis_server.url, "rate": rate, "base_url": sandbox.base_url}
        base |= {"app_key": sandbox.app_key, "app_secret": sandbox.app_secret}
        assert sandbox._thread is not None and sandbox._thread.native_id is not None
        assert redis_server.process is not None
        for task in (sandbox._thread.native_id, redis_server.process.pid):
            prioritize(task)
        try:
            configs = [{**base, "offer_ids": ids[i * each : (i + 1) * each]} for i in range(workers)]
            results = run_workers(configs, nice=TIMED_NICE)
        finally:
            prioritize(redis_server.process.pid, 0)
        arrivals = list(sandbox.state.stats.arrivals)  # the sandbox's own clock
        return {
            "stats": sandbox.stats,
            "results": results,
            "achieved": (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]),
            "given_up": sum(r["turns_given_up"] for r in results),
        }


def test_four_processes_share_one_rate(redis_server: RedisServer) -> None:
    rate, workers, each = 50, 4, 55
    for attempt in (1, 2):
        run = measure_shared_rate(redis_server, rate, workers, each)
        stats, achieved, given_up = run["stats"], run["achieved"], run["given_up"]
        assert [r["errors"] for r in run["results"]] == [[]] * workers
        assert sum(r["ok"] for r in run["results"]) == workers * each == stats["requests"]
        print(
            f"4 processes, RedisRateLimiter(rate={rate}): {achieved:.2f}/s, busiest window "
            f"{stats['max_per_second']}, turns given up after a late wake-up: {given_up}"
        )
        held = max(stats["per_second"]) <= rate and stats["max_per_second"] <= rate and achieved >= 0.95 * rate
        # A run in which the machine kept the workers from their turns several times measured
        # the machine, not the limiter: only such a run is measured again, once.
        if held or attempt == 2 or given_up <= DISTURBED:
            break
    # no one-second window above the rate: not in any whole second, nor in any sliding window
    assert max(stats["per_second"]) <= rate, stats
    assert stats["max_per_second"] <= rate, stats
    # together they keep the shared budget busy: >= 95% of the rate from first to last arrival
    assert achieved >= 0.95 * rate, (achieved, given_up, stats)


# ---------------------------------------------------------------- construction


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:6379", "must start with redis://"),
        ("127.0.0.1:6379", "must start with redis://"),
        ("redis://", "names no host"),
        ("redis://127.0.0.1:port", "malformed Redis URL"),
        ("redis://127.0.0.1:6379/zero", "is not a number"),
        ("unix://", "socket path"),
        (6379, "takes a Redis URL"),
    ],
)
def test_malformed_url_is_a_config_error(url: Any, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        RedisRateLimiter(url, 10)


def test_url_password_never_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        RedisRateLimiter("redis://:hunter2@127.0.0.1:nope/0", 10)
    assert "hunter2" not in str(caught.value)
    assert "***" in str(caught.value)
    limiter = RedisRateLimiter("redis://user:hunter2@127.0.0.1:6379/0", 10)
    assert "hunter2" not in repr(limiter)


@pytest.mark.parametrize("rate", [0, -1, 0.0, float("nan"), float("inf"), True, "50", None])
def test_non_positive_rate_is_a_config_error(rate: Any) -> None:
    with pytest.raises(ConfigError, match="rate must be a positive number"):
        RedisRateLimiter("redis://127.0.0.1:6379/0", rate)


@pytest.mark.parametrize(
    ("options", "problem"),
    [({"key": ""}, "key must be"), ({"fallback": 0}, "fallback must be"), ({"fallback": 1.5}, "fallback must be")],
)
def test_bad_options_are_config_errors(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        RedisRateLimiter("redis://127.0.0.1:6379/0", 10, **options)


def test_keyed_on_the_app_key_by_default() -> None:
    first = RedisRateLimiter("redis://127.0.0.1:6379/0", 10)
    second = RedisRateLimiter("redis://127.0.0.1:6379/0", 10)
    assert first.key is None
    DajiClient("app-one", "secret", rate_limit=first)
    DajiClient("app-one", "secret", rate_limit=second)
    assert first.key == second.key  # two processes of one app share one budget
    assert first.key is not None and first.key.startswith("daji:ratelimit:") and "app-one" not in first.key
    DajiClient("app-one", "secret", rate_limit=first)  # the same app again is fine
    with pytest.raises(ConfigError, match="another app key"):
        DajiClient("app-two", "secret", rate_limit=first)
    given = RedisRateLimiter("redis://127.0.0.1:6379/0", 10, key="shared:quota")
    DajiClient("app-two", "secret", rate_limit=given)
    assert given.key == "shared:quota"


async def test_without_a_key_or_client_acquire_says_what_is_missing(redis_url: str) -> None:
    async with RedisRateLimiter(redis_url, 10) as limiter:
        with pytest.raises(ConfigError, match="no key"):
            await limiter.acquire()


# ---------------------------------------------------------------- the limiter protocol


class CountingLimiter:
    """A user's own limiter: anything with an async acquire()."""

    def __init__(self) -> None:
        self.acquired = 0

    async def acquire(self) -> None:
        await asyncio.sleep(0)
        self.acquired += 1


async def test_rate_limit_takes_any_object_with_async_acquire(daji_sandbox: SandboxServer) -> None:
    limiter = CountingLimiter()
    assert isinstance(limiter, RateLimiter)
    async with daji_sandbox.client(rate_limit=limiter) as client:
        assert client.rate_limiter is limiter
        ids = offer_ids(daji_sandbox, 3)
        await asyncio.gather(*(client.products.detail(i) for i in ids))
        assert "CountingLimiter" in repr(client)
    assert limiter.acquired == 3 == daji_sandbox.stats["requests"]


@pytest.mark.parametrize("bad", ["fast", object(), True, -5, float("inf")])
def test_rate_limit_rejects_what_is_not_a_limiter(bad: Any) -> None:
    with pytest.raises(ConfigError, match="rate_limit must be"):
        DajiClient("a", "b", rate_limit=bad)


def test_rate_limit_forms_still_accepted() -> None:
    limiter = AsyncLimiter(5, 1)
    assert DajiClient("a", "b", rate_limit=limiter).rate_limiter is limiter
    assert isinstance(DajiClient("a", "b", rate_limit=3).rate_limiter, StrictRateLimiter)
    assert "rate_limit=50/s" in repr(DajiClient("a", "b", rate_limit=RedisRateLimiter("redis://h:1/0", 50)))


# ---------------------------------------------------------------- against Redis


async def test_turns_are_counted_on_redis_time(redis_url: str) -> None:
    async with RedisRateLimiter(redis_url, 10, key="t:clock") as limiter, redis.asyncio.from_url(redis_url) as r:
        await limiter.acquire()
        seconds, micros = await r.time()
        free = int(await r.get("t:clock"))
        now = seconds * 1_000_000 + micros
        interval = (1 + C.SHARED_LIMIT_MARGIN) * 1_000_000 / 10
        # the next free turn is one interval after the turn just taken, in Redis's clock
        assert now - 1_000_000 < free - interval <= now
        ttl = await r.pttl("t:clock")
        assert 0 < ttl <= 1_000 + interval / 1000 + 1


async def test_a_busy_budget_makes_every_process_wait(redis_url: str) -> None:
    """Turns already handed out (by other processes) are not handed out again."""
    async with (
        RedisRateLimiter(redis_url, 2, key="t:busy") as first,
        RedisRateLimiter(redis_url, 2, key="t:busy") as other,
    ):
        await first.acquire()  # takes the turn now; the next is about half a second away
        waiting = asyncio.ensure_future(other.acquire())
        done, _ = await asyncio.wait({waiting}, timeout=0.2)
        assert not done  # the other "process" waits for its turn instead of sending now
        await waiting


async def test_unreachable_redis_is_a_clear_error_and_nothing_is_sent(daji_sandbox: SandboxServer) -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    async with RedisRateLimiter(url, 10) as limiter, daji_sandbox.client(rate_limit=limiter) as client:
        with pytest.raises(RedisUnavailableError, match="cannot be reached") as caught:
            await client.products.detail(offer_ids(daji_sandbox, 1)[0])
    assert "hunter2" not in str(caught.value)
    assert f"127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}" in str(caught.value)
    assert daji_sandbox.stats["requests"] == 0


async def test_fallback_limits_locally_then_returns_to_redis(
    redis_server: RedisServer,
    daji_sandbox: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis absent, then started on that port (``redis_server`` only checks that one can run here)."""
    monkeypatch.setattr(C, "SHARED_LIMIT_RECONNECT", 0.3)
    port = free_port()
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{port}/0", 20, fallback=0.5)
    ids = offer_ids(daji_sandbox, 16)
    async with daji_sandbox.client(rate_limit=limiter) as client:
        details = await asyncio.gather(*(client.products.detail(i) for i in ids[:12]))
        assert len(details) == 12
        assert limiter.fallback_active
        assert "limiting this process to 10 requests/s" in caplog.text
        # the local share held: 10 per second, not the shared 20 (12 requests at 20/s would
        # fit in 0.6 s; allow the sandbox 100 ms of jitter, as this is not the point here)
        assert daji_sandbox.state.stats.max_in_window(0.9) <= 10
        with RedisServer(port) as server:
            await asyncio.sleep(0.35)
            await asyncio.gather(*(client.products.detail(i) for i in ids[12:]))
            assert not limiter.fallback_active
            assert "is back" in caplog.text
            async with redis.asyncio.from_url(server.url) as r:
                assert limiter.key is not None and await r.exists(limiter.key)
            await limiter.aclose()
