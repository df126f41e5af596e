"""CONTRIBUTING.md's walk-through of adding a paged endpoint, performed on a copy of the package.

The package (with pyproject.toml, README.md and docs/endpoints.md) is copied into tmp_path; each
step's code block is put where its marker says (`at=end`, `at=imports`,
`at=before:<line>`, `at=end-of:<class line>`); then the guide's commands run on the copy
(regenerate the endpoint tables, ruff --fix and format, ruff check, mypy --strict), and a
separate Python process that imports the copy walks the new search through its method, its
bulk form and its raw view, and runs its CLI subcommand, against the sandbox. The size of the
change is measured: three package files, about forty lines.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "CONTRIBUTING.md"
BIN = Path(sys.executable).parent
STEP = re.compile(r"<!-- step: (\w+) file=(\S+) at=(.+?) -->\n(`{3,4})python\n(.*?)^\4$", re.S | re.M)


def steps() -> list[tuple[str, str, str, str]]:
    found = [(name, file, at, block) for name, file, at, _, block in STEP.findall(GUIDE.read_text(encoding="utf-8"))]
    names = [name for name, *_ in found]
    assert names == ["struct", "imports", "row", "method", "handler", "money_imports", "money_row", "money_method"]
    return found


def apply(text: str, at: str, block: str) -> str:
    """Put `block` into `text` where the guide's marker says."""
    lines = text.splitlines(keepends=True)
    if at == "end":
        return text.rstrip("\n") + "\n\n\n" + block
    if at == "imports":
        index = lines.index("from __future__ import annotations\n") + 1
        return "".join(lines[:index]) + "\n" + block + "".join(lines[index:])
    kind, _, anchor = at.partition(":")
    start = next(i for i, line in enumerate(lines) if line.rstrip("\n") == anchor)
    if kind == "before":
        return "".join(lines[:start]) + block + "\n\n" + "".join(lines[start:])
    assert kind == "end-of", at
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() and not lines[i][0].isspace()), len(lines))
    while not lines[end - 1].strip():
        end -= 1
    return "".join(lines[:end]) + "\n" + block + "".join(lines[end:])


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd), "NO_COLOR": "1"}
    env.pop("DAJI_APP_KEY", None)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done


WALK = """
import asyncio, json, subprocess, sys
import daji_async
from daji_async.sandbox import SandboxServer
from daji_async.models.products import SimilarOffer

assert daji_async.__file__.startswith(sys.argv[1]), daji_async.__file__  # the copy, not the repository

async def main() -> None:
    async with SandboxServer() as sandbox, sandbox.client() as client:
        offer = sandbox.state.catalogue.offers[0]
        expected = [o.offer_id for o in sandbox.state.catalogue.offers if o.noun == offer.noun and o is not offer]
        first = await client.products.similar_search(offer.offer_id, page_size=7)
        assert first.total_records == len(expected) and isinstance(first.items[0], SimilarOffer)
        walked = [o.offer_id async for o in client.products.similar_search(offer.offer_id, page_size=7)]
        assert walked == expected, (walked, expected)
        results = [r async for r in client.bulk.walk(client.products.similar_search, [offer.offer_id])]
        assert [o.offer_id for o in results[0].items] == expected
        raw = await client.with_raw_response.products.similar_search(offer.offer_id, page_size=7)
        assert raw.status == 200 and raw.answers[0].path == "/alibaba/product/similarQuery"
        assert raw.parse().items == first.items
        try:
            client.products.similar_search(0)
        except ValueError as exc:
            assert "offer_id" in str(exc)
        else:
            raise AssertionError("offer_id 0 was taken")
        cli = subprocess.run(
            [sys.executable, "-m", "daji_async", "--sandbox", "call", "products.similar_search",
             str(offer.offer_id), "--max-items", "5", "--json"],
            capture_output=True, text=True, check=True,
        )
        assert len(cli.stdout.splitlines()) == 5, cli.stderr
        assert {"offerId", "price"} <= set(json.loads(cli.stdout.splitlines()[0]))
    await refund()
    print("walked", len(expected))


async def refund() -> None:
    from daji_async import PaymentOutcomeUnknownError
    from daji_async.testing import MockTransport, Response

    answers = MockTransport(lambda request: Response(503, body="busy"))
    async with daji_async.DajiClient("key", "secret", transport=answers, max_retries=5) as client:
        try:
            await client.orders.refund(4242)
        except daji_async.APIError:
            pass
        assert len(answers.requests) == 1  # a money call is never retried
        def hang(request):
            raise asyncio.TimeoutError
        async with daji_async.DajiClient("key", "secret", transport=MockTransport(hang)) as lost:
            try:
                await lost.orders.refund(4242)
            except PaymentOutcomeUnknownError as exc:
                assert "4242" in str(exc)
            else:
                raise AssertionError("no unknown outcome")

asyncio.run(main())
"""


@pytest.mark.timeout(900)
def test_following_the_guide_on_a_copy_adds_a_working_endpoint_in_three_files(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "daji_async", tmp_path / "daji_async", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "docs").mkdir()
    for name in ("pyproject.toml", "README.md", "docs/endpoints.md", "_daji_async_pytestplugin.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    touched: set[str] = set()
    for name, file, at, block in steps():
        path = tmp_path / file
        path.write_text(apply(path.read_text(encoding="utf-8"), at, block), encoding="utf-8")
        if not name.startswith("money"):
            touched.add(file)
    assert len(touched) == 3, touched  # the paged search: model, declaration, sandbox handler

    run(str(BIN / "python"), "-m", "daji_async._endpoint_docs", "--write", cwd=tmp_path)
    run(str(BIN / "ruff"), "check", "--fix", "-q", "daji_async", cwd=tmp_path)
    run(str(BIN / "ruff"), "format", "-q", "daji_async", cwd=tmp_path)
    run(str(BIN / "ruff"), "check", "daji_async", cwd=tmp_path)
    run(str(BIN / "mypy"), "--strict", "--cache-dir", str(tmp_path / ".mypy_cache"), "daji_async", cwd=tmp_path)
    walked = run(str(BIN / "python"), "-c", textwrap.dedent(WALK), str(tmp_path), cwd=tmp_path)
    assert walked.stdout.startswith("walked ")

    # the generated tables gained the row; the package gained three files' worth of lines
    assert "`products.similar_search`" in (tmp_path / "README.md").read_text(encoding="utf-8")
    added = 0
    changed = []
    for path in sorted((tmp_path / "daji_async").rglob("*.py")):
        relative = path.relative_to(tmp_path)
        original = (ROOT / relative).read_text(encoding="utf-8").splitlines()
        diff = [
            line
            for line in difflib.unified_diff(original, path.read_text(encoding="utf-8").splitlines(), lineterm="")
            if line.startswith("+") and not line.startswith("+++") and line[1:].strip()
        ]
        if diff:
            changed.append(str(relative))
            added += len(diff)
    assert sorted(changed) == sorted([*touched, "daji_async/resources/orders.py"]), changed
    assert added - money_lines() <= 50, f"the paged walk-through adds {added - money_lines()} non-blank lines"
    print(f"walk-through: {len(touched)} package files, {added - money_lines()} non-blank lines added")


def money_lines() -> int:
    """Non-blank lines of the money-call steps (they go to a fourth file, orders.py)."""
    return sum(
        len([x for x in block.splitlines() if x.strip()]) for name, _, _, block in steps() if name.startswith("money")
    )
