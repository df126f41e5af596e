"""A real ``redis-server`` for the tests: started on a free loopback port, stopped afterwards.

No persistence, no config file: ``redis-server --port N --save '' --appendonly no``. When the
binary (Debian package ``redis-server``) or redis-py is missing, tests that need Redis are
skipped on a developer's machine but *fail* in CI (``CI`` set), so they can never silently
not run there; ``.ci/run`` installs the package when it is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from types import TracebackType

#: Seconds allowed for redis-server to start answering.
START_TIMEOUT = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def missing_redis() -> str | None:
    """Why Redis tests cannot run here (None when they can)."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install -y redis-server)"
    try:
        import redis  # noqa: F401
    except ImportError:
        return "redis-py is not installed (pip install -e '.[test]')"
    return None


def in_ci() -> bool:
    """True when running in CI (the ``CI`` environment variable is set and not false)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class RedisServer:
    """One redis-server process on 127.0.0.1; ``url`` is where to reach it.

    ::

        with RedisServer() as server:
            limiter = RedisRateLimiter(server.url, 10)
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING."""
        import redis

        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--protected-mode",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            while True:
                if self.process.poll() is not None:
                    output = self.process.stdout.read().decode(errors="replace") if self.process.stdout else ""
                    raise RuntimeError(f"redis-server on port {self.port} exited at start: {output.strip()}")
                try:
                    if client.ping():
                        return self
                except redis.exceptions.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server on port {self.port} did not answer within {START_TIMEOUT:g} s")
                time.sleep(0.02)
        finally:
            client.close()

    def flush(self) -> None:
        """Drop every key."""
        import redis

        with redis.Redis(host="127.0.0.1", port=self.port) as client:
            client.flushall()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
