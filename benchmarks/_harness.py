"""What every scenario shares: sandbox processes, timing, statistics, event loops, reports.

* :class:`SandboxProcess` runs ``python -m daji_async.sandbox --port N`` as a child process and
  waits until it answers; the client's CPU is then this process's ``time.process_time``
  alone, and the server's is read from ``/proc`` (or psutil) for the bottleneck column.
* :func:`alternate` runs contenders in turn, rotating the order every round, so that slow
  phases of a noisy machine hit every contender alike; ratios are taken per round against
  the baseline of the same round, and their median is reported.
* :class:`Section` is one scenario's part of RESULTS.md: tables, targets and notes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import platform
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from daji_async._protocol import authenticate, canonical_pairs, encode_query
from daji_async.sandbox import SelfSignedTLS, self_signed_tls
from daji_async.sandbox._state import SANDBOX_APP_KEY, SANDBOX_APP_SECRET

T = TypeVar("T")

APP_KEY = SANDBOX_APP_KEY
APP_SECRET = SANDBOX_APP_SECRET
KEYWORD_PATH = "/alibaba/product/keywordQuery"
#: The sandbox (like the service) stops reporting results at 2,000.
RESULT_CAP = 2000


# --------------------------------------------------------------------------- the sandbox process


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SandboxProcess:
    """``python -m daji_async.sandbox`` in a child process, for as long as the ``with`` lasts.

    ::

        with SandboxProcess(latency=0.05) as sandbox:
            ...  # sandbox.base_url answers; sandbox.cpu_seconds() is the server's CPU so far
    """

    def __init__(self, latency: float = 0.0, startup_timeout: float = 30.0, tls: SelfSignedTLS | None = None) -> None:
        self.latency = latency
        self.startup_timeout = startup_timeout
        #: serve HTTPS with this self-signed certificate (``client_context()`` trusts it)
        self.tls = tls
        self.context: ssl.SSLContext | None = tls.client_context() if tls is not None else None
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls is not None else 'http'}://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> SandboxProcess:
        last: Exception | None = None
        for _ in range(3):  # a port picked free can be taken before the child binds it
            self.port = free_port()
            command = [sys.executable, "-m", "daji_async.sandbox", "--port", str(self.port)]
            if self.latency:
                command += ["--latency", repr(self.latency)]
            if self.tls is not None:
                command += ["--certfile", str(self.tls.certfile), "--keyfile", str(self.tls.keyfile)]
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                self._wait_ready()
                return self
            except RuntimeError as exc:
                last = exc
                self.stop()
        raise RuntimeError(f"the sandbox did not start: {last}")

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sandbox exited with code {self.process.returncode}")
            try:
                control_get(self.base_url, "info", timeout=1.0, context=self.context)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.05)
        raise RuntimeError(f"sandbox on port {self.port} did not answer within {self.startup_timeout:g} s")

    def stop(self) -> None:
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

    def cpu_seconds(self) -> float:
        """User + system CPU the sandbox process has used so far."""
        return process_cpu_seconds(self.pid)

    def reset(self) -> None:
        control_post(self.base_url, "reset", context=self.context)

    def stats(self) -> dict[str, Any]:
        return control_get(self.base_url, "stats", context=self.context)

    def connections(self) -> int:
        """Connections the sandbox has accepted so far (over TLS: handshakes)."""
        return int(self.stats().get("connections", 0))

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of another process, from psutil or ``/proc``."""
    try:
        import psutil

        times = psutil.Process(pid).cpu_times()
        return float(times.user + times.system)
    except ImportError:
        pass
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def control_get(base_url: str, name: str, timeout: float = 10.0, context: ssl.SSLContext | None = None) -> Any:
    with urllib.request.urlopen(f"{base_url}/_sandbox/{name}", timeout=timeout, context=context) as response:
        return json.loads(response.read())


def control_post(base_url: str, name: str, timeout: float = 10.0, context: ssl.SSLContext | None = None) -> Any:
    request = urllib.request.Request(
        f"{base_url}/_sandbox/{name}", data=b"{}", method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
        return json.loads(response.read())


def signed_search_url(base_url: str, keyword: str, page: int, page_size: int, country: str = "en") -> str:
    """A signed keyword-search URL, signed exactly as the SDK signs it."""
    params = {"keyword": keyword, "country": country, "beginPage": page, "pageSize": page_size}
    pairs = authenticate(canonical_pairs(params), APP_KEY, APP_SECRET)
    return f"{base_url}{KEYWORD_PATH}?{encode_query(pairs)}"


def fetch_body(base_url: str, keyword: str, page: int, page_size: int) -> bytes:
    """One search page's raw body, fetched synchronously (setup only, never timed)."""
    with urllib.request.urlopen(signed_search_url(base_url, keyword, page, page_size), timeout=30) as response:
        return bytes(response.read())


def total_records(base_url: str, keyword: str) -> int:
    body = json.loads(fetch_body(base_url, keyword, 1, 1))
    return int(body["data"]["totalRecords"])


class Env:
    """The sandboxes and keyword pools of one benchmark run (started lazily, stopped at exit)."""

    def __init__(self, *, smoke: bool = False, rounds: int | None = None, loops: Sequence[str] | None = None) -> None:
        self.smoke = smoke
        self.rounds_override = rounds
        self.loops = list(loops) if loops is not None else available_loops()
        self._stack = contextlib.ExitStack()
        self._sandboxes: dict[tuple[float, str], SandboxProcess] = {}
        self._long: list[str] = []
        self._vocabulary: list[str] | None = None

    def rounds(self, full: int, smoke: int = 1) -> int:
        if self.rounds_override is not None:
            return self.rounds_override
        return smoke if self.smoke else full

    def sandbox(self, latency: float = 0.0, role: str = "main") -> SandboxProcess:
        """The sandbox process for a latency and a role, started on first use.

        Scenarios that reset the sandbox's statistics (which also empties its caches) use
        their own ``role`` so that they never slow the others down.
        """
        key = (latency, role)
        found = self._sandboxes.get(key)
        if found is None:
            found = self._sandboxes[key] = self._stack.enter_context(SandboxProcess(latency=latency))
        return found

    def tls_sandbox(self) -> SandboxProcess:
        """A sandbox process serving HTTPS with a self-signed certificate (made for this run)."""
        key = (0.0, "tls")
        found = self._sandboxes.get(key)
        if found is None:
            folder = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="daji-bench-tls-"))
            process = SandboxProcess(tls=self_signed_tls(folder))
            found = self._sandboxes[key] = self._stack.enter_context(process)
        return found

    def long_keywords(self, count: int) -> list[str]:
        """Keywords whose search reaches the 2,000-result cap (100 pages of 20, 40 of 50)."""
        base = self.sandbox().base_url
        index = len(self._long) and int(self._long[-1].rsplit("-", 1)[1]) + 1
        while len(self._long) < count:
            keyword = f"bench-{index}"
            if total_records(base, keyword) >= RESULT_CAP:
                self._long.append(keyword)
            index += 1
            if index > 5000:
                raise RuntimeError("could not find enough keywords with 2,000 results in the sandbox")
        return self._long[:count]

    def vocabulary(self) -> list[str]:
        """The sandbox's product nouns (连衣裙...): keywords it answers from an index."""
        if self._vocabulary is None:
            self._vocabulary = list(control_get(self.sandbox().base_url, "info")["keywords"])
        return self._vocabulary

    def close(self) -> None:
        self._stack.close()
        self._sandboxes.clear()

    def __enter__(self) -> Env:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- event loops


def available_loops() -> list[str]:
    """``asyncio``, plus ``uvloop`` when it is installed."""
    loops = ["asyncio"]
    with contextlib.suppress(ImportError):
        import uvloop  # noqa: F401

        loops.append("uvloop")
    return loops


def new_loop(name: str) -> asyncio.AbstractEventLoop:
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    if name == "asyncio":
        return asyncio.new_event_loop()
    raise ValueError(f"unknown event loop {name!r}")


def run_in_loop(name: str, main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main()`` to completion on a fresh event loop of the given kind."""
    loop = new_loop(name)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main())
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


# --------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    """One timed run of one contender."""

    wall: float
    cpu: float
    pages: int = 0
    items: int = 0
    server_cpu: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall if self.wall > 0 else 0.0

    @property
    def items_per_s(self) -> float:
        return self.items / self.wall if self.wall > 0 else 0.0

    @property
    def cpu_us_per_page(self) -> float:
        return self.cpu / self.pages * 1e6 if self.pages else 0.0

    @property
    def server_busy(self) -> float | None:
        """The share of one core the sandbox used during the run (1.0: it was the bottleneck)."""
        return None if self.server_cpu is None or self.wall <= 0 else self.server_cpu / self.wall


async def timed(run: Callable[[], Awaitable[tuple[int, int]]], server: SandboxProcess | None = None) -> Sample:
    """Time ``run()`` (which returns ``(pages, items)``): wall clock, client CPU, server CPU."""
    gc.collect()
    server_before = server.cpu_seconds() if server is not None else None
    cpu = time.process_time()
    wall = time.perf_counter()
    pages, items = await run()
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    server_cpu = server.cpu_seconds() - server_before if server is not None and server_before is not None else None
    return Sample(wall=wall, cpu=cpu, pages=pages, items=items, server_cpu=server_cpu)


def rotation(names: Sequence[str], round_index: int) -> list[str]:
    """The order contenders run in, in round ``round_index`` (rotated every round)."""
    shift = round_index % len(names)
    return [*names[shift:], *names[:shift]]


def mirrored(names: Sequence[str], round_index: int) -> list[str]:
    """The order contenders run in, in round ``round_index``: as given, then reversed, and so on.

    Neighbours stay neighbours (the first two always run back to back, so their per-round
    ratio compares runs seconds apart), and each runs first as often as second, so a machine
    that speeds up or slows down during the run favours neither.
    """
    return list(names) if round_index % 2 == 0 else list(reversed(names))


async def alternate(
    contenders: dict[str, Callable[[], Awaitable[Sample]]],
    rounds: int,
    order: Callable[[Sequence[str], int], list[str]] = rotation,
) -> dict[str, list[Sample]]:
    """Run every contender once per round, in the round's ``order`` (rotated by default); samples by contender."""
    samples: dict[str, list[Sample]] = {name: [] for name in contenders}
    names = list(contenders)
    for index in range(rounds):
        for name in order(names, index):
            samples[name].append(await contenders[name]())
    return samples


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float]) -> float:
    """(max - min) / median: how much the rounds disagreed."""
    if len(values) < 2:
        return 0.0
    mid = statistics.median(values)
    return (max(values) - min(values)) / mid if mid else 0.0


def ratios(values: Sequence[float], baseline: Sequence[float]) -> list[float]:
    """Per-round ratios ``values[i] / baseline[i]``."""
    return [v / b for v, b in zip(values, baseline, strict=True) if b]


# --------------------------------------------------------------------------- formatting


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None or value != value:  # None or NaN
        return "–"
    return f"{value:,.{digits}f}"


def fmt_ratio(values: Sequence[float]) -> str:
    """The median ratio with its range over the rounds, e.g. ``0.93× (0.90–0.95)``."""
    if not values:
        return "–"
    mid = median(values)
    if len(values) < 2:
        return f"{mid:.2f}×"
    return f"{mid:.2f}× ({min(values):.2f}–{max(values):.2f})"


def fmt_spread(values: Sequence[float]) -> str:
    return f"±{spread(values) * 50:.0f}%" if len(values) > 1 else "–"


_NUMERIC = re.compile(r"^[-−–±~0-9.,]")


@dataclass
class Table:
    """One markdown table."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"**{self.title}**", "", "| " + " | ".join(self.headers) + " |"]
        numeric = [
            i > 0 and all(_NUMERIC.match(row[i]) for row in self.rows if i < len(row)) for i in range(len(self.headers))
        ]
        lines.append("|" + "|".join(" ---: " if right else " --- " for right in numeric) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass
class Target:
    """A target of the issue: what it asks, what was measured, and whether it held."""

    name: str
    wanted: str
    measured: str
    ok: bool


@dataclass
class Section:
    """One scenario's results: prose, tables, targets, notes, and the raw numbers."""

    key: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def markdown(self) -> str:
        parts = [f"## {self.title}", ""]
        if self.intro:
            parts += [self.intro, ""]
        for table in self.tables:
            parts += [table.markdown(), ""]
        if self.targets:
            parts += ["Targets:", ""]
            for target in self.targets:
                mark = "**holds**" if target.ok else "**misses**"
                parts.append(f"- {target.name}: {target.wanted}; measured {target.measured}: {mark}")
            parts.append("")
        if self.notes:
            parts += [*self.notes, ""]
        parts.append(f"_Scenario time: {self.seconds:.0f} s._")
        parts.append("")
        return "\n".join(parts)


# --------------------------------------------------------------------------- the machine


def package_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """What the results were measured on."""
    cores = os.cpu_count() or 0
    with contextlib.suppress(AttributeError):
        cores = len(os.sched_getaffinity(0))
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    packages = [
        "daji-async",
        "aiohttp",
        "yarl",
        "multidict",
        "msgspec",
        "aiolimiter",
        "httpx",
        "pydantic",
        "orjson",
        "uvloop",
        "psutil",
    ]
    return {
        "commit": git_commit(),
        "cores": cores,
        "cpu": cpu_model(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": {name: package_version(name) for name in packages},
        "load": load,
    }


def git_commit() -> str:
    """The repository's commit, with ``+ uncommitted changes`` when the work tree differs from it."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "daji_async"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return head + (" + uncommitted changes under daji_async/" if dirty else "")


@contextlib.contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    yield lambda: time.perf_counter() - started
