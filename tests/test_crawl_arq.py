"""examples/crawl_arq end to end: arq workers on a real Redis, one killed mid-crawl with SIGKILL.

The crawl must finish with every keyword complete, the killed worker's jobs resumed by another
worker from their recorded page, and no page fetched twice except those the kill caught in
flight (fetched but not yet cached).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import redis

from daji_async.sandbox import SandboxServer
from tests.redis_server import RedisServer

ROOT = Path(__file__).parents[1]
KEYWORDS = ["连衣裙", "手机壳", "水杯", "背包", "外套", "运动鞋"]
PAGES, PAGE_SIZE = 3, 20


def start(module: str, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    out, _ = proc.communicate()
    return out


def test_crawl_resumes_after_a_worker_is_killed(redis_server: RedisServer) -> None:
    redis_server.flush()
    # a little latency so that the kill finds jobs half done
    with SandboxServer(latency=0.2) as sandbox:
        env = {
            **os.environ,
            "DAJI_APP_KEY": sandbox.app_key,
            "DAJI_APP_SECRET": sandbox.app_secret,
            "DAJI_BASE_URL": sandbox.base_url,
            "REDIS_URL": redis_server.url,
            "CRAWL_RATE": "40",
            "CRAWL_MAX_PAGES": str(PAGES),
            "CRAWL_PAGE_SIZE": str(PAGE_SIZE),
            "CRAWL_JOB_TIMEOUT": "4",  # arq hands a dead worker's job on after timeout + 10 s
        }
        worker = "arq"
        first = start(worker, env, "examples.crawl_arq.worker.WorkerSettings")
        enqueue = start("examples.crawl_arq.enqueue", env, *KEYWORDS)
        second = None
        try:
            with redis.Redis.from_url(redis_server.url) as r:
                deadline = time.monotonic() + 30
                while not any(r.get(f"crawl:next_page:{k}") not in (None, b"done") for k in KEYWORDS):
                    assert time.monotonic() < deadline, stop(first)
                    time.sleep(0.02)
                first.kill()  # SIGKILL: no chance to hand its jobs back
                first.wait(10)
                second = start(worker, env, "examples.crawl_arq.worker.WorkerSettings")
                out, _ = enqueue.communicate(timeout=60)
                assert enqueue.returncode == 0, out
                cached_pages = len(r.keys("daji:cache:products.keyword_search:*"))
        finally:
            log = stop(second) if second is not None else ""
            stop(first)
            if enqueue.poll() is None:
                enqueue.kill()
        requests = sandbox.stats["by_path"]["/alibaba/product/keywordQuery"]
    lines = out.strip().splitlines()
    assert lines[-1] == f"{len(KEYWORDS)} keywords, {len(KEYWORDS) * PAGES * PAGE_SIZE} offers", out
    assert all(f"{k}: {PAGES * PAGE_SIZE} offers" in out for k in KEYWORDS), out
    assert "resuming at page" in log, log  # the second worker took the killed worker's jobs over
    assert cached_pages == len(KEYWORDS) * PAGES
    # every page once, plus at most one page per job that the kill caught in flight
    assert len(KEYWORDS) * PAGES <= requests <= len(KEYWORDS) * (PAGES + 1), json.dumps(sandbox.stats)
