"""Quality gates: ``nox -s lint typecheck tests docs`` (and ``nox -s bench`` for the benchmarks)."""

from __future__ import annotations

import tempfile

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and its pytest plugin, and with pyright on examples/ and the doc blocks."""
    session.install("-e", ".[test]", "mypy>=1.11", "pyright>=1.1.380")
    session.run("mypy", "--strict", "daji_async", "_daji_async_pytestplugin.py")
    with tempfile.TemporaryDirectory() as blocks:
        # every runnable ```python block of README.md and docs/, one file each (tests/test_docs_blocks.py)
        session.run("python", "tests/test_docs_blocks.py", "--extract", blocks)
        session.run("mypy", "--strict", "examples", blocks)
        python = session.run("python", "-c", "import sys; print(sys.executable)", silent=True)
        session.run("pyright", "--pythonpath", str(python).strip(), "examples", blocks)


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (sandbox-backed, no network)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-q", *session.posargs)


@nox.session(python=PYTHONS)
def tests_all(session: nox.Session) -> None:
    """The test suite on every supported Python that is installed (others are skipped)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-q", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site with ``mkdocs build --strict`` (into site/)."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", *session.posargs, env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark suite; writes benchmarks/RESULTS.md and the charts in docs/img/."""
    session.install("-e", ".[bench]")
    session.run("python", "-m", "benchmarks", *session.posargs)
