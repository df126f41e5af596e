"""examples/crawl_arq end to end: queue keywords, run a worker to the end of the queue, read the results.

The crawl's guarantees (a killed worker, a shared rate, items stored once) are tested in
tests/test_crawl.py; this checks that the example's steps work as its docstring says.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from daji_async.sandbox import SandboxServer
from tests.redis_server import RedisServer

ROOT = Path(__file__).parents[1]
KEYWORDS = ["连衣裙", "手机壳", "水杯"]


def test_the_example_crawls_every_keyword_once(redis_server: RedisServer) -> None:
    redis_server.flush()
    with SandboxServer() as sandbox:
        env = {
            **os.environ,
            "DAJI_APP_KEY": sandbox.app_key,
            "DAJI_APP_SECRET": sandbox.app_secret,
            "DAJI_BASE_URL": sandbox.base_url,
            "REDIS_URL": redis_server.url,
            "CRAWL_RATE": "100",
        }

        def step(*args: str) -> str:
            done = subprocess.run(
                [sys.executable, "-m", "examples.crawl_arq", *args],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
            return done.stdout

        assert step("enqueue", *KEYWORDS, "水杯") == "queued 3, already known 1\n"
        assert step("worker", "--burst") == "worker ran 3 keywords\n"
        assert step("status") == "3 done, 0 pending, 0 failed, 180 items\n"
        assert sorted(step("results").splitlines()) == sorted(f"{k}: 60 offers" for k in KEYWORDS)
        assert sandbox.stats["requests"] == 9  # three pages a keyword, each once
