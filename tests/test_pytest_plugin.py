"""The pytest plugin: fixtures in pytest-asyncio's strict and auto modes, typed, and free to load."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import _daji_async_pytestplugin

USER_TESTS = """
import asyncio

import pytest

from daji_async import DajiClient, ServerError
from daji_async.sandbox import SandboxServer

DETAIL = "/alibaba/product/queryProductDetail"


@pytest.mark.asyncio
async def test_canned_detail(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.route(DETAIL, params={"offerId": 42}).respond(data={"offerId": 42, "subjectTrans": "mine"})
    detail = await daji_client.products.detail(42)
    assert detail.subject_trans == "mine"
    assert daji_sandbox.requests[-1].params["offerId"] == "42"


@pytest.mark.asyncio
async def test_faults_and_retries(daji_client: DajiClient, daji_sandbox: SandboxServer) -> None:
    daji_sandbox.route(DETAIL).fault("status", status=503)
    with pytest.raises(ServerError):
        await daji_client.products.detail(1)
    assert len(daji_sandbox.requests) == 4  # the first attempt and 3 retries, milliseconds apart


def test_sync_code_uses_the_sandbox_too(daji_sandbox: SandboxServer) -> None:
    async def main() -> int:
        async with daji_sandbox.client() as client:
            return len((await client.products.keyword_search("连衣裙", page_size=3)).items)

    assert asyncio.run(main()) == 3
"""

AUTO_ONLY = """
from daji_async import DajiClient


async def test_unmarked(daji_client: DajiClient) -> None:
    assert (await daji_client.categories.get(0))
"""


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_fixtures_work_in_both_pytest_asyncio_modes(pytester: pytest.Pytester, mode: str) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    if mode == "auto":
        pytester.makepyfile(test_auto=AUTO_ONLY)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-o", f"asyncio_mode={mode}", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    result.assert_outcomes(passed=4 if mode == "auto" else 3)


def test_unmarked_async_tests_need_auto_mode_in_strict_mode(pytester: pytest.Pytester) -> None:
    """What the README says: in strict mode, an unmarked async test is not run by pytest-asyncio."""
    pytester.makepyfile(test_auto=AUTO_ONLY)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-o", "asyncio_mode=strict")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*async def functions are not natively supported*"])


def test_loading_the_plugin_imports_nothing_of_the_sdk() -> None:
    code = (
        "import sys, pytest, _daji_async_pytestplugin; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('daji_async', 'aiohttp', 'msgspec')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_entry_point_names_the_light_module() -> None:
    from importlib.metadata import entry_points

    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins["daji_async"] == "_daji_async_pytestplugin"


def test_fixtures_are_precisely_typed() -> None:
    tree = ast.parse(Path(_daji_async_pytestplugin.__file__).read_text(encoding="utf-8"))
    returns = {
        node.name: ast.unparse(node.returns)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None
    }
    assert returns == {"daji_sandbox": "Iterator[SandboxServer]", "daji_client": "AsyncIterator[DajiClient]"}
    assert "Any" not in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
