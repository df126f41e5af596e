"""Every Python block in README.md and docs/ runs, unless it is marked as something else.

The convention (for README.md and every page under docs/): a fenced block whose info string is
``python`` is a *program*. This test runs it as ``__main__`` in a fresh namespace, in an empty
working directory, with ``DAJI_BASE_URL``, ``DAJI_APP_KEY`` and ``DAJI_APP_SECRET`` pointing at an
embedded sandbox, so an example written for the real service (``DajiClient()``) runs too. It must
finish without an exception and print something. An HTML comment on the line just before the opening fence (blank
lines allowed in between) says otherwise; the comment is invisible on GitHub and in the site:

- ``<!-- fragment -->``: a piece of a program (names defined elsewhere, ``await`` outside a
  function). Shown, never run or type-checked.
- ``<!-- pytest -->``: a test module. Copied into an empty project and run by pytest, under
  pytest-asyncio's strict mode (its default).

A block made only of snippet lines (``--8<-- "examples/buy_flow.py"``, pymdownx.snippets) shows
a file of examples/ in the site; it needs no marker, since tests/test_examples.py runs those
files. The file must exist.

``python tests/test_docs_blocks.py --extract DIR`` writes every program and test module to DIR,
one file each, for ``nox -s typecheck`` (mypy --strict and pyright).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^<!--\s*(fragment|pytest)\s*-->\s*$")
FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)(.*)$")
SNIPPET = re.compile(r'^--8<-- "(examples/[^"]+)"$')


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    kind: str  # "program", "fragment", "pytest" or "include"
    source: str

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def module_name(self) -> str:
        stem = re.sub(r"\W", "_", self.path.relative_to(ROOT).with_suffix("").as_posix())
        prefix = "test_" if self.kind == "pytest" else "block_"
        return f"{prefix}{stem}_{self.line}"


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def python_blocks(path: Path) -> Iterator[Block]:
    """The ``python`` fenced blocks of one Markdown file, with the kind their marker gives."""
    lines = path.read_text(encoding="utf-8").splitlines()
    marker: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        found = MARKER.match(line.strip())
        fence = FENCE.match(line)
        if found:
            marker = found.group(1)
        elif fence:
            ticks, language = fence.group(1), fence.group(2)
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == ticks)
            if language == "python":
                body = lines[i + 1 : end]
                included = bool(body) and all(SNIPPET.match(b) for b in body)
                kind = "include" if included and not marker else marker or "program"
                yield Block(path, i + 1, kind, "\n".join(body) + "\n")
            elif marker:
                raise AssertionError(f"{path.name}:{i + 1}: <!-- {marker} --> must precede a python block")
            marker = None
            i = end
        elif line.strip() and marker:
            raise AssertionError(f"{path.name}:{i + 1}: <!-- {marker} --> must be followed by a python block")
        i += 1


def all_blocks() -> list[Block]:
    return [block for path in documents() for block in python_blocks(path)]


def extract(directory: Path) -> list[Path]:
    """Write every program and test module to ``directory``; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for block in all_blocks():
        if block.kind in ("program", "pytest"):
            target = directory / f"{block.module_name}.py"
            target.write_text(block.source, encoding="utf-8")
            written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--extract":
        sys.exit("usage: python tests/test_docs_blocks.py --extract DIR")
    files = extract(Path(sys.argv[2]))
    print(f"{len(files)} blocks written to {sys.argv[2]}")
    sys.exit(0)


import pytest  # noqa: E402  (the --extract mode above needs only the standard library)

from daji_async.sandbox import SandboxServer  # noqa: E402

BLOCKS = all_blocks()
PROGRAMS = [b for b in BLOCKS if b.kind == "program"]
INCLUDES = [b for b in BLOCKS if b.kind == "include"]
TESTS = [b for b in BLOCKS if b.kind == "pytest"]


def test_the_readme_and_the_docs_have_programs_and_tests() -> None:
    assert any(b.path.name == "README.md" for b in PROGRAMS)
    assert len(PROGRAMS) >= 15
    assert TESTS


@pytest.mark.parametrize("block", PROGRAMS, ids=[b.name for b in PROGRAMS])
def test_program_runs(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SandboxServer() as sandbox:
        monkeypatch.setenv("DAJI_BASE_URL", sandbox.base_url)
        monkeypatch.setenv("DAJI_APP_KEY", sandbox.app_key)
        monkeypatch.setenv("DAJI_APP_SECRET", sandbox.app_secret)
        monkeypatch.chdir(tmp_path)
        code = compile(block.source, block.name, "exec")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, {"__name__": "__main__"})
    assert out.getvalue().strip(), "every program shows what it did"


@pytest.mark.parametrize("block", TESTS, ids=[b.name for b in TESTS])
def test_test_module_passes(block: Block, tmp_path: Path) -> None:
    (tmp_path / f"{block.module_name}.py").write_text(block.source, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAJI_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "asyncio_mode=strict", "."],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_included_examples_exist() -> None:
    """Every example file a docs page includes exists (tests/test_examples.py runs them)."""
    assert INCLUDES
    for block in INCLUDES:
        for line in block.source.splitlines():
            match = SNIPPET.match(line)
            assert match and (ROOT / match.group(1)).is_file(), f"{block.name}: {line}"


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readmes_links_resolve() -> None:
    """Relative links of README.md name files of the repository (mkdocs --strict checks docs/)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [t for t in LINK.findall(text) if "://" not in t and not (ROOT / t).exists()]
    assert not missing


def test_ci_runs_the_readmes_test_command() -> None:
    """.ci/run runs exactly the test command the README shows (the docs build comes after it)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest -q"
    assert f"```sh\n{command}\n```" in readme
    assert command in ci
    assert any(line.endswith("mkdocs build --strict -q") for line in ci[ci.index(command) + 1 :])
