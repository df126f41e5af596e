"""CONTRIBUTING.md's walk-through of adding a paginated GET endpoint, followed to the letter.

The four code blocks (Struct, row, method, sandbox handler) are executed in the namespaces of
the files the walk-through names, the registrations it asks for are made, and the new
endpoint is walked against the sandbox over loopback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from daji_async import _endpoints, _pagination, _validate
from daji_async.models import products as product_models
from daji_async.resources import products as product_resources
from daji_async.sandbox import SandboxServer
from daji_async.sandbox import _products as sandbox_products
from daji_async.sandbox import _wire as sandbox_wire
from daji_async.sandbox.pytest_plugin import FAST_RETRIES

GUIDE = Path(__file__).resolve().parent.parent / "CONTRIBUTING.md"


def steps() -> dict[str, str]:
    text = GUIDE.read_text(encoding="utf-8")
    found = dict(re.findall(r"<!-- step: (\w+) -->\n```python\n(.*?)```", text, flags=re.S))
    assert set(found) == {"struct", "row", "method", "handler"}, "CONTRIBUTING.md lost a step"
    return found


def module_namespace(*modules: Any) -> dict[str, Any]:
    """What code written in these files can see: their module-level names."""
    namespace: dict[str, Any] = {}
    for module in modules:
        namespace.update(vars(module))
    return namespace


def test_the_guide_names_files_that_exist() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    root = GUIDE.parent
    for path in re.findall(r"`(daji_async/[\w/]+\.py)`", text):
        assert (root / path).is_file(), path


async def test_following_the_walk_through_adds_a_working_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = steps()

    # 1. the Struct, in models/products.py
    models = module_namespace(product_models)
    exec(blocks["struct"], models)
    similar_offer = models["SimilarOffer"]

    # 2. the row, in _endpoints.py (which imports the models it names); it registers itself
    rows = module_namespace(_endpoints)
    rows["SimilarOffer"] = similar_offer
    exec(blocks["row"], rows)
    row = rows["SIMILAR_SEARCH"]
    assert _endpoints.ENDPOINTS.pop(row.name) is row  # the row registered itself...
    monkeypatch.setitem(_endpoints.ENDPOINTS, row.name, row)  # ...and is gone again after the test
    assert row.paging is _endpoints.PAGING_1688

    # 3. the method, in the Products class of resources/products.py
    resources = module_namespace(product_resources, _pagination, _validate)
    resources.update(SimilarOffer=similar_offer, SIMILAR_SEARCH=row)
    exec("class Products(Products):\n" + blocks["method"], resources)
    method = resources["Products"].similar_search
    assert len(blocks["method"].strip().splitlines()) <= 20, "the walk-through's method is no longer short"

    # 4. the handler, in sandbox/_products.py, and its place in HANDLERS
    handlers = module_namespace(sandbox_products, sandbox_wire)
    exec(blocks["handler"], handlers)
    monkeypatch.setitem(sandbox_products.HANDLERS, row.name, handlers["similar_query"])

    async with SandboxServer() as sandbox, sandbox.client(retry_policy=FAST_RETRIES) as client:
        offer = sandbox.state.catalogue.offers[0]
        expected = [o.offer_id for o in sandbox.state.catalogue.offers if o.noun == offer.noun and o is not offer]
        products = resources["Products"](client)
        first = await products.similar_search(offer.offer_id, page_size=7)
        assert first.current_page == 1 and first.total_records == len(expected)
        walk = products.similar_search(offer.offer_id, page_size=7, prefetch=3)
        ids = [item.offer_id async for item in walk]
        assert isinstance(first.items[0], similar_offer)
        assert ids == expected
        assert walk.next_page is None
        with pytest.raises(TypeError, match="page_sise"):
            products.similar_search(offer.offer_id, page_sise=7)
        with pytest.raises(ValueError, match="offer_id"):
            products.similar_search(0)
        assert sandbox.stats["by_path"]["/alibaba/product/similarQuery"] == 1 + -(-len(expected) // 7)
    assert method.__doc__
