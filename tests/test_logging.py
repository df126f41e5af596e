"""INFO lines: retries (reason and delay), rate-limit waits over a second, outcome-unknown errors."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap

import pytest
from aiolimiter import AsyncLimiter

from daji_async import DajiClient, PaymentOutcomeUnknownError
from daji_async.sandbox import SandboxServer


def info_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.INFO and r.name == "daji_async"]


async def test_a_retry_is_an_info_line_with_its_reason_and_delay(
    daji_client: DajiClient, daji_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="daji_async")
    daji_sandbox.add_fault("status", status=503, times=1)
    await daji_client.categories.get(0)
    [line] = info_lines(caplog)
    assert line.startswith("GET /alibaba/category/get: retry 1 of 3 in 0.0")
    assert " s after ServerError: GET /alibaba/category/get, HTTP 503" in line
    assert not [r for r in caplog.records if r.levelno == logging.DEBUG]  # per-attempt lines stay DEBUG


async def test_an_outcome_unknown_error_is_an_info_line(
    daji_client: DajiClient, daji_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="daji_async")
    daji_sandbox.add_fault("reset", times=1)
    with pytest.raises(PaymentOutcomeUnknownError):
        await daji_client.payments.pay("1234567890")
    [line] = info_lines(caplog)
    assert "POST /alibaba/trade/pay/protocolPay/preparePay: outcome unknown:" in line
    assert "may have" in line


class SlowLimiter(AsyncLimiter):
    """A limiter that keeps every request waiting a little over a second."""

    async def acquire(self, amount: float = 1) -> None:
        await asyncio.sleep(1.05)


async def test_a_rate_limit_wait_over_a_second_is_an_info_line(
    daji_sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="daji_async")
    async with daji_sandbox.client(rate_limit=1000) as client:
        await asyncio.gather(*(client.categories.get(0) for _ in range(20)))  # short waits: no line
        assert info_lines(caplog) == []
        await client.with_options(rate_limit=SlowLimiter(1, 1)).categories.get(0)
    [line] = info_lines(caplog)
    assert line.startswith("GET /alibaba/category/get: waited 1.")
    assert line.endswith(" s for the rate limiter")


def test_daji_log_info_prints_them_without_the_secret_or_a_signature() -> None:
    with SandboxServer() as sandbox:
        sandbox.add_fault("status", status=503, times=2)
        script = textwrap.dedent(
            f"""
            import asyncio
            from daji_async import DajiClient, RetryPolicy

            async def main():
                async with DajiClient({sandbox.app_key!r}, {sandbox.app_secret!r}, base_url={sandbox.base_url!r},
                                      retry_policy=RetryPolicy(base_delay=0.01, max_delay=0.02)) as client:
                    await client.categories.get(0)

            asyncio.run(main())
            """
        )
        env = {**os.environ, "DAJI_LOG": "info"}
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
        received = sandbox.requests
        signatures = {r.params["sign"] for r in received}
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(" daji_async INFO GET /alibaba/category/get: retry " in line for line in lines)
    assert sandbox.app_secret not in done.stderr
    assert len(received) == 3 and len(signatures) == 1  # retries send the same signed bytes
    assert not any(s[:16] in done.stderr for s in signatures)
