"""The API reference, built as the docs site is: every accepted argument, with its type, default and meaning."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import daji_async
from daji_async import sandbox
from daji_async.resources import products

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(
    r'<tr class="doc-section-item">\s*<td>\s*<code>(\w+)</code>\s*</td>'
    r"\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>",
    re.S,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(built)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return built


def entry(site: Path, identifier: str) -> str:
    """The HTML of the reference entry `identifier`, up to the next entry of the same level or above."""
    for page in (site / "reference").rglob("index.html"):
        text = page.read_text(encoding="utf-8")
        start = text.find(f'id="{identifier}"')
        if start >= 0:
            level = text.rfind("<h", 0, start)
            tag = text[level + 1 : level + 3]
            following = re.search(rf"<h[1-{tag[1]}][ >]", text[start:])
            return text[start : start + following.start()] if following else text[start:]
    raise AssertionError(f"no reference entry {identifier}")


def rows(section: str) -> dict[str, tuple[str, str, str]]:
    """Parameter (or field) name -> (type, meaning, default), as plain text."""

    def plain(cell: str) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())

    return {
        name: (plain(kind), plain(meaning), plain(default)) for name, kind, meaning, default in ROW.findall(section)
    }


def test_keyword_search_shows_every_option_with_type_default_and_meaning(site: Path) -> None:
    section = entry(site, "daji_async.resources.products.Products.keyword_search")
    table = rows(section)
    fields = list(products.KeywordSearchOptions.__annotations__)
    assert len(fields) >= 18
    for field in fields:
        assert field in table, field
        kind, meaning, default = table[field]
        assert kind and meaning and default, (field, table[field])
    assert table["prefetch"][2] == "1"  # PagingOptions' default, from the paginator
    assert table["country"][0] == "CountryArg | None"
    signature = " ".join(html.unescape(re.sub(r"<[^>]+>", "", section)).split())
    assert "**options" not in signature and "prefetch: int = 1" in signature


@pytest.mark.parametrize(
    "options",
    [
        products.KeywordSearchOptions,
        products.ImageSearchOptions,
        products.ShopSearchOptions,
        products.SearchFilters,
        daji_async.PagingOptions,
        daji_async.ClientOptions,
        daji_async.EventHooks,
        sandbox.SandboxOptions,
        sandbox.FaultOptions,
    ],
)
def test_every_options_typeddict_has_its_own_entry_listing_every_field(site: Path, options: type) -> None:
    public = {
        products.KeywordSearchOptions: "daji_async.resources.products.KeywordSearchOptions",
        products.ImageSearchOptions: "daji_async.resources.products.ImageSearchOptions",
        products.ShopSearchOptions: "daji_async.resources.products.ShopSearchOptions",
        products.SearchFilters: "daji_async.resources.products.SearchFilters",
        sandbox.SandboxOptions: "daji_async.sandbox.SandboxOptions",
        sandbox.FaultOptions: "daji_async.sandbox.FaultOptions",
    }.get(options, f"daji_async.{options.__name__}")
    table = rows(entry(site, public))
    assert list(table) == list(options.__annotations__)
    assert all(meaning for _, meaning, _ in table.values()), table


def test_defaults_show_values_not_constant_names(site: Path) -> None:
    client = " ".join(html.unescape(re.sub(r"<[^>]+>", "", entry(site, "daji_async.DajiClient"))).split())
    for shown in ("timeout: Timeout = 30.0", "max_retries: int = 3", "max_concurrency: int = 32"):
        assert shown in client
    for page in (site / "reference").rglob("index.html"):
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        assert not re.findall(r"= C\.[A-Z_]+", text), page


def test_the_changelog_is_a_page_of_the_site(site: Path) -> None:
    page = html.unescape(re.sub(r"<[^>]+>", "", (site / "changelog" / "index.html").read_text(encoding="utf-8")))
    headings = re.findall(r"^#{2,3} (.+)$", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), flags=re.M)
    assert len(headings) > 3
    for heading in headings:
        assert heading.replace("`", "") in page, heading


def test_no_rest_markup_reaches_a_built_page(site: Path) -> None:
    """Docstrings are Markdown: a reST role (`:class:` ...), a double-backtick literal or a `::`
    block opener would reach the reader as raw text."""
    role = re.compile(r":(?:class|meth|attr|func|exc|mod|data|obj):`")
    found: list[str] = []
    pages = list(site.rglob("index.html"))
    assert len(pages) > 10
    for page in pages:
        # the text a reader sees, without code blocks (where `::` or backticks may be literal)
        body = re.sub(r"<pre.*?</pre>|<code.*?</code>", "", page.read_text(encoding="utf-8"), flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", "", body))
        found += [f"{page.relative_to(site)}: {m.group(0)}" for m in role.finditer(text)]
        found += [
            f"{page.relative_to(site)}: {line.strip()}" for line in text.splitlines() if line.rstrip().endswith("::")
        ]
        found += [f"{page.relative_to(site)}: ``" for _ in re.finditer(r"(?<!`)``(?!`)", text)]
    assert found == []
