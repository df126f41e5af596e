"""Typos in documented values fail the type checker and, at run time, name the closest value."""

from __future__ import annotations

import dataclasses
import inspect
import re
import subprocess
import sys
import textwrap
import typing
import warnings
from pathlib import Path

import pytest

from daji_async import (
    ClientOptions,
    Country,
    CountryCode,
    DajiClient,
    DajiWarning,
    Filter,
    FilterName,
    OrderStatus,
    OrderStatusName,
    Raw,
    Sort,
    SortDirection,
    SortField,
    SortOrder,
)
from daji_async.sandbox import Fault, FaultOptions, SandboxConfig, SandboxOptions, SandboxServer
from daji_async.testing import MockTransport, Request, Response

ROOT = Path(__file__).resolve().parents[1]

EMPTY_PAGE = {"totalRecords": 0, "totalPage": 0, "pageSize": 20, "currentPage": 1, "data": []}


def recording() -> tuple[MockTransport, list[Request]]:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        data = {"offerId": 1} if request.path.endswith("queryProductDetail") else EMPTY_PAGE
        return Response(200, json={"code": 200, "message": "ok", "data": data, "traceId": "t"})

    return MockTransport(handler), seen


# ---------------------------------------------------------------- one source of truth


@pytest.mark.parametrize(
    ("literal", "enum"),
    [(FilterName, Filter), (SortField, Sort), (SortDirection, SortOrder), (OrderStatusName, OrderStatus)],
)
def test_each_literal_type_lists_its_enums_values(literal: object, enum: type[Filter]) -> None:
    assert typing.get_args(literal) == tuple(member.value for member in enum)


def test_country_codes_are_the_documented_languages_and_zh() -> None:
    assert typing.get_args(CountryCode) == (*(c.value for c in Country), "zh")


def test_the_options_typeddicts_mirror_what_they_pass_through() -> None:
    parameters = inspect.signature(DajiClient).parameters
    keywords = [name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert list(ClientOptions.__annotations__) == keywords
    assert list(SandboxOptions.__annotations__) == [f.name for f in dataclasses.fields(SandboxConfig)]
    assert list(FaultOptions.__annotations__) == [f.name for f in dataclasses.fields(Fault) if f.name != "kind"]


# ---------------------------------------------------------------- at run time


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"filter": ["certifedFactory"]}, "filter 'certifedFactory' .* did you mean 'certifiedFactory'"),
        ({"filter": "shipInToday,shipIn48Hour"}, "filter 'shipIn48Hour' .* did you mean 'shipIn48Hours'"),
        ({"sort": {"prise": "asc"}}, "sort field 'prise' .* did you mean 'price'"),
        ({"sort": {"price": "ascending"}}, r"sort\['price'\] order 'ascending' .* did you mean 'asc'"),
        ({"sort": '{"monthsold": "desc"}'}, "sort field 'monthsold' .* did you mean 'monthSold'"),
        ({"sort": "price asc"}, "must be a JSON object"),
    ],
)
async def test_a_value_outside_a_closed_set_is_refused_naming_the_closest(
    options: dict[str, typing.Any], message: str
) -> None:
    transport, seen = recording()
    async with DajiClient("key", "secret", transport=transport) as client:
        with pytest.raises(ValueError, match=message) as caught:
            client.products.keyword_search("连衣裙", **options)
        with pytest.raises(ValueError, match=message):
            client.bulk.keyword_search(["连衣裙"], **options)
    assert "daji_async.Raw(" in str(caught.value)
    assert seen == []


async def test_raw_values_and_documented_ones_are_sent_as_given() -> None:
    transport, seen = recording()
    async with DajiClient("key", "secret", transport=transport) as client:
        await client.products.keyword_search(
            "连衣裙",
            filter=[Filter.NEW_7, "certifiedFactory", Raw("brandNewFilter")],
            sort={Sort.PRICE: SortOrder.DESC, Raw("newField"): "asc"},
        )
        await client.products.keyword_search("连衣裙", filter=Raw("x,y"), sort=Raw('{"future":"asc"}'))
        await client.products.keyword_search("连衣裙", filter="new7,new30", sort='{"price":"asc"}')
    first, second, third = (request.params for request in seen)
    assert first["filter"] == "new7,certifiedFactory,brandNewFilter"
    assert first["sort"] == '{"price":"desc","newField":"asc"}'
    assert (second["filter"], second["sort"]) == ("x,y", '{"future":"asc"}')
    assert (third["filter"], third["sort"]) == ("new7,new30", '{"price":"asc"}')


async def test_an_undocumented_country_warns_naming_the_closest_and_is_sent() -> None:
    transport, seen = recording()
    with pytest.warns(DajiWarning, match="'enn' is not a language the service documents; did you mean 'en'") as warned:
        client = DajiClient("key", "secret", transport=transport, country="enn")  # type: ignore[arg-type]
    assert warned[0].filename == __file__  # the warning points at the caller's line
    async with client:
        with pytest.warns(DajiWarning, match="'rus' .* did you mean 'ru'") as warned:
            await client.products.keyword_search("连衣裙", country="rus")  # type: ignore[arg-type]
        assert warned[0].filename == __file__
        with pytest.warns(DajiWarning, match="'de'") as warned:
            await client.products.detail(1, country="de")  # type: ignore[arg-type]
        assert warned[0].filename == __file__
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            await client.products.keyword_search("连衣裙", country="zh")  # production clients send it
            await client.products.keyword_search("连衣裙", country=Raw("de"))
            await client.products.keyword_search("连衣裙", country=Country.TH)
    assert [r.params["country"] for r in seen] == ["rus", "de", "zh", "de", "th"]


async def test_a_misspelt_order_status_is_refused(daji_client: DajiClient) -> None:
    with pytest.raises(ValueError, match=r"status 'waitbuyerpai' .* did you mean 'waitbuyerpay'"):
        daji_client.orders.list(status="waitbuyerpai")  # type: ignore[arg-type]
    page = await daji_client.orders.list(status=Raw("futureStatus"))
    assert page.items == []


def test_the_sandbox_refuses_a_misspelt_client_option(daji_sandbox: SandboxServer) -> None:
    with pytest.raises(TypeError, match="rate_limt"):
        daji_sandbox.client(rate_limt=5)  # type: ignore[call-arg]


# ---------------------------------------------------------------- the type checker

SNIPPETS = {
    "bad_filter": """
        from daji_async import DajiClient

        async def main(client: DajiClient) -> None:
            await client.products.keyword_search("连衣裙", filter=["certifedFactory"])
    """,
    "bad_sort": """
        from daji_async import DajiClient

        async def main(client: DajiClient) -> None:
            await client.products.keyword_search("连衣裙", sort={"prise": "asc"})
    """,
    "bad_sandbox_option": """
        from daji_async.sandbox import SandboxServer

        def main(sandbox: SandboxServer) -> None:
            sandbox.client(rate_limt=5)
    """,
    "bad_country": """
        from daji_async import DajiClient

        async def main(client: DajiClient) -> None:
            await client.products.detail(1, country="de")
    """,
    "bad_status": """
        from daji_async import DajiClient

        def main(client: DajiClient) -> None:
            client.orders.list(status="waitbuyerpai")
    """,
    "bad_fault_option": """
        from daji_async.sandbox import SandboxServer

        def main(sandbox: SandboxServer) -> None:
            sandbox.add_fault("status", statsu=503)
    """,
    "good": """
        from daji_async import DajiClient, Filter, OrderStatus, Raw, Sort, SortOrder
        from daji_async.sandbox import SandboxServer

        async def main(client: DajiClient, sandbox: SandboxServer) -> None:
            await client.products.keyword_search(
                "连衣裙",
                filter=["certifiedFactory", Filter.SHIP_IN_48_HOURS, Raw("aFilterAddedLater")],
                sort={"price": "asc"},
                country="zh",
            )
            await client.products.keyword_search("连衣裙", filter="new7", sort={Sort.MONTH_SOLD: SortOrder.DESC})
            await client.products.image_search(image_id=1, sort={Raw("newField"): "desc"}, country=Raw("de"))
            await client.bulk.detail([1], country="ru").__anext__()
            client.orders.list(status="waitbuyerpay")
            client.orders.list(status=OrderStatus.SUCCESS)
            sandbox.client(rate_limit=5, max_retries=1, country="en")
            sandbox.add_fault("status", status=503, times=1)
            SandboxServer(latency=0.01, seed=7)
            DajiClient(country="ru")
    """,
}


def test_typos_fail_mypy_strict_and_documented_values_pass(tmp_path: Path) -> None:
    for name, source in SNIPPETS.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    errors: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        found = re.match(r".*?(\w+)\.py:\d+: error: (.*)", line)
        if found:
            errors.setdefault(found.group(1), []).append(found.group(2))
    assert "good" not in errors, done.stdout
    assert sorted(errors) == sorted(name for name in SNIPPETS if name.startswith("bad_")), done.stdout
    assert any("certifedFactory" in e for e in errors["bad_filter"]), errors["bad_filter"]
    assert any("prise" in e for e in errors["bad_sort"]), errors["bad_sort"]
    assert any("rate_limt" in e for e in errors["bad_sandbox_option"]), errors["bad_sandbox_option"]
    assert any("statsu" in e for e in errors["bad_fault_option"]), errors["bad_fault_option"]
