"""Methods from declarations: a typed signature plus the row's params is the whole method."""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from daji_async import ENDPOINTS, DajiClient, Paginator
from daji_async._declare import declared
from daji_async._endpoint_spec import Endpoint, PagingSpec, Param
from daji_async._validate import positive_id
from daji_async.models.common import Page
from daji_async.resources import Resource
from daji_async.sandbox import SandboxServer
from daji_async.testing import MockTransport, Request, Response


def recorder() -> tuple[DajiClient, list[Request]]:
    transport = MockTransport(lambda r: Response(200, json={"code": 200, "data": None}))
    return DajiClient("key", "secret", transport=transport, max_retries=0, country="ru"), transport.requests


def query(request: Request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query)


async def test_a_declared_detail_maps_and_checks_its_arguments_from_the_row() -> None:
    client, sent = recorder()
    with pytest.raises(Exception):  # noqa: B017 - the answer carries no data; the request is what counts
        await client.poizon.products.detail("4329499")
    with pytest.raises(Exception):  # noqa: B017
        await client.poizon.products.detail(4329499, sku_id=77)
    first, second = query(sent[0]), query(sent[1])
    assert first["dwSpuId"] == ["4329499"] and "dwSkuId" not in first  # an optional None is left out
    assert second["dwSkuId"] == ["77"]
    with pytest.raises(ValueError, match="spu_id"):
        await client.poizon.products.detail(0)
    with pytest.raises(TypeError, match="sku_id"):
        await client.poizon.products.detail(1, sku_id=1.5)  # type: ignore[arg-type]
    assert len(sent) == 2  # refused before anything was sent


async def test_a_declared_default_comes_from_the_client() -> None:
    client, sent = recorder()
    for language in (None, "en"):
        with pytest.raises(Exception):  # noqa: B017
            await client.taobao.products.detail(703446760426, language=language)
    assert [query(r)["language"] for r in sent] == [["ru"], ["en"]]


async def test_a_declared_paged_search_walks_through_the_sandbox(daji_sandbox: SandboxServer) -> None:
    async with daji_sandbox.client() as client:
        walk = client.poizon.products.search(brand="Nike", page_size=5, max_items=12)
        assert isinstance(walk, Paginator)
        spus = [spu async for spu in walk]
        with pytest.raises(TypeError, match="page_sise"):
            client.poizon.products.search(brand="Nike", page_sise=5)  # type: ignore[call-arg]
    assert len(spus) == 12 and len({s.dw_spu_id for s in spus}) == 12


def test_the_method_keeps_the_stub_signature_and_docstring() -> None:
    client = DajiClient("key", "secret", transport=MockTransport(lambda r: Response(500)))
    method = client.poizon.products.detail
    assert list(inspect.signature(method).parameters) == ["spu_id", "sku_id", "timeout", "max_retries"]
    assert method.__doc__ and "dwSpuId" in method.__doc__
    assert inspect.iscoroutinefunction(method)
    assert method.endpoint is ENDPOINTS["poizon.products.detail"]  # type: ignore[attr-defined]


THING = Endpoint(
    "test.thing", "GET", "/test/thing", int, params=(Param("thing_id", "thingId", positive_id),), register=False
)


def test_a_signature_and_a_row_that_disagree_fail_when_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match="'colour' is not among the row's params"):

        class Extra(Resource):
            @declared(THING)
            async def get(self, thing_id: int, colour: str, *, timeout: Any = None, max_retries: Any = None) -> int:
                """A thing."""

    with pytest.raises(TypeError, match=r"declares \['thing_id'\]"):

        class Missing(Resource):
            @declared(THING)
            async def get(self, *, timeout: Any = None, max_retries: Any = None) -> int:
                """A thing."""

    paged = Endpoint("test.things", "GET", "/test/things", Page[int], paging=PagingSpec(), register=False)
    with pytest.raises(TypeError, match="paging"):

        class Unpaged(Resource):
            @declared(paged)
            async def get(self, *, timeout: Any = None, max_retries: Any = None) -> int:
                """Things."""
