"""Hostile networks and hostile input (issue 13), against raw asyncio servers on 127.0.0.1.

Each server here speaks HTTP/1.1 by hand, so that it can misbehave in ways a real web
framework would refuse to: redirect signed requests elsewhere, send bytes that are not UTF-8,
nest JSON a thousand deep, send bodies (plain, gzip, deflate) far over the size cap or that
never end, or never finish its headers. The input matrix checks that every public argument
is refused before anything is sent. Everything here runs in a few seconds.
"""

from __future__ import annotations

import asyncio
import gzip
import inspect
import json
import logging
import math
import re
import zlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import aiohttp
import pytest

from daji_async import (
    APIError,
    APITimeoutError,
    BadRequestError,
    ConfigError,
    DajiClient,
    ResponseDecodeError,
    ServerError,
    TradeError,
)
from daji_async import _constants as C
from daji_async.models.orders import Address, CargoLine
from daji_async.models.products import LogisticsSkuNum
from daji_async.sandbox import SandboxServer
from daji_async.sandbox.pytest_plugin import FAST_RETRIES
from daji_async.testing import MockTransport, Request, Response

SECRET = "my/secret+1"
KEY = "raw-app-key"
SMALL_CAP = 64 * 1024
ADDRESS = Address(full_name="张三", mobile="13800000000", address="余杭区文一西路 1 号")

# --------------------------------------------------------------------------- a raw HTTP server

#: What a raw server answers: bytes to write, or a coroutine that writes to the stream itself.
Answer = Callable[["Seen", asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Seen:
    """One request a raw server read: its head and body, as bytes on the wire."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, Any]:
        """The signed parameters, from the query string or the JSON body."""
        if self.body:
            return dict(json.loads(self.body))
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))


@dataclass
class RawServer:
    """A loopback HTTP/1.1 server that answers each request with ``answer(seen, writer)``."""

    answer: Answer
    connections: int = 0
    requests: list[Seen] = field(default_factory=list)
    port: int = 0
    writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                line, *lines = head.decode("latin-1").split("\r\n")
                method, target, _ = line.split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines if h)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                seen = Seen(method, target, headers, body)
                self.requests.append(seen)
                await self.answer(seen, writer)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.writers.discard(writer)
            writer.close()


@asynccontextmanager
async def raw_server(answer: Answer) -> Any:
    server = RawServer(answer)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        for writer in list(server.writers):
            writer.transport.abort()
        await listener.wait_closed()


def reply(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Answer:
    """An answer with a Content-Length (unless the headers say chunked)."""

    async def write(seen: Seen, writer: asyncio.StreamWriter) -> None:
        head = {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}
        writer.write(http_head(status, head) + body)

    return write


def http_head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def envelope(data: Any) -> bytes:
    return json.dumps({"code": 200, "message": "success", "data": data}).encode()


CATEGORY = envelope([{"categoryID": 0, "name": "根", "childCategorys": []}])


def raw_client(server: RawServer, **options: Any) -> DajiClient:
    options.setdefault("retry_policy", FAST_RETRIES)
    options.setdefault("timeout", 5.0)
    return DajiClient(KEY, SECRET, base_url=server.url, **options)


# --------------------------------------------------------------------------- 1. redirects

CALLS: dict[str, Callable[[DajiClient], Awaitable[Any]]] = {
    "signed query": lambda c: c.categories.get(0),
    "signed JSON body": lambda c: c.request("POST", "/alibaba/product/freightEstimate", json={"offerId": 1}),
    "raw GET with params": lambda c: c.request("GET", "/x", params={"q": "1"}),
}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("send_secret", [False, True])
async def test_signed_requests_never_follow_a_redirect(status: int, call: str, send_secret: bool) -> None:
    async with raw_server(reply(200, CATEGORY)) as other:
        location = f"{other.url}/steal?next=1"
        redirect = reply(status, b"", {"Location": location})
        async with raw_server(redirect) as origin, raw_client(origin, send_secret=send_secret) as client:
            with pytest.raises(APIError) as info:
                await CALLS[call](client)
    error = info.value
    assert type(error) is APIError and error.status == status
    assert str(status) in str(error) and f"127.0.0.1:{other.port}" in str(error)
    assert "redirect" in str(error) and "/steal" not in str(error)
    assert other.connections == 0 and other.requests == []  # the other host received nothing
    assert len(origin.requests) == 1  # and a redirect is not retried


async def test_a_relative_redirect_is_refused_too() -> None:
    async with raw_server(reply(302, b"", {"Location": "/elsewhere"})) as origin, raw_client(origin) as client:
        with pytest.raises(APIError, match=r"HTTP 302 redirect to 127\.0\.0\.1:\d+ \(a relative Location\)"):
            await client.categories.get(0)
    assert len(origin.requests) == 1


async def test_a_redirect_from_a_mock_transport_is_refused_the_same_way() -> None:
    transport = MockTransport(lambda r: Response(307, headers={"Location": "https://evil.example:8443/x?sign=1"}))
    async with DajiClient(KEY, SECRET, transport=transport) as client:
        with pytest.raises(APIError, match=r"HTTP 307 redirect to evil\.example:8443 refused") as info:
            await client.categories.get(0)
    assert "sign=1" not in str(info.value)


# --------------------------------------------------------------------------- 3. malformed bodies

DEEP = b'{"code":200,"data":' + b"[" * 1000 + b"]" * 1000 + b"}"
BAD_UTF8 = b'{"code":200,"message":"\xff\xfe","data":[{"categoryID":0,"name":"\xc3"}]}'
WRONG_TYPES = [
    b'{"code":[200],"data":[]}',
    b'{"code":200,"data":"x"}',
    b'{"code":200,"data":{"categoryID":0}}',
    b'{"code":200,"data":[{"categoryID":"zero","name":5}]}',
    b"[1, 2, 3]",
    b'"just a string"',
    b"null",
]


@pytest.mark.parametrize("body", [BAD_UTF8, DEEP, b"\xff" * 10, *WRONG_TYPES], ids=lambda b: repr(b[:24]))
async def test_a_2xx_body_that_is_not_the_documented_json_is_a_decode_error(body: bytes) -> None:
    async with raw_server(reply(200, body)) as server, raw_client(server) as client:
        with pytest.raises(ResponseDecodeError) as info:
            await client.categories.get(0)
    assert info.value.status == 200 and info.value.path == "/alibaba/category/get"
    assert len(server.requests) == 1  # a decode error is not retried


@pytest.mark.parametrize(
    ("status", "cls"), [(400, BadRequestError), (404, APIError), (500, ServerError), (502, ServerError)]
)
@pytest.mark.parametrize("body", [BAD_UTF8, DEEP, b"\xff\xfe\xfd"], ids=["bad-utf8", "deep", "bytes"])
async def test_an_error_status_with_a_malformed_body_is_that_status_error(
    status: int, cls: type[APIError], body: bytes
) -> None:
    async with raw_server(reply(status, body)) as server, raw_client(server, max_retries=1) as client:
        with pytest.raises(cls) as info:
            await client.categories.get(0)
    assert info.value.status == status
    assert len(server.requests) == (2 if status >= 500 else 1)  # a 5xx is retried as usual


async def test_a_502_with_invalid_utf8_is_retried_and_the_retry_succeeds() -> None:
    answers = iter([reply(502, b'{"code":502,"message":"bad gateway \xff\xfe\xc3"}'), reply(200, CATEGORY)])

    async def answer(seen: Seen, writer: asyncio.StreamWriter) -> None:
        await next(answers)(seen, writer)

    async with raw_server(answer) as server, raw_client(server) as client:
        [root] = await client.categories.get(0)
    assert root.category_id == 0 and len(server.requests) == 2


# --------------------------------------------------------------------------- 4. the size cap


def test_the_size_cap_defaults_to_16_mib_and_is_configurable() -> None:
    assert C.MAX_RESPONSE_BYTES == 16 * 1024 * 1024
    assert DajiClient(KEY, SECRET).max_response_bytes == C.MAX_RESPONSE_BYTES
    assert DajiClient(KEY, SECRET, max_response_bytes=1024).transport.max_response_bytes == 1024  # type: ignore[attr-defined]
    for bad in (0, -1, 1.5, "1", True):
        with pytest.raises(ConfigError, match="max_response_bytes"):
            DajiClient(KEY, SECRET, max_response_bytes=bad)


def chunked(parts: Iterator[bytes], headers: dict[str, str] | None = None) -> Answer:
    """A chunked answer whose chunks come from ``parts`` (which may never end)."""

    async def write(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(
            http_head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked", **(headers or {})})
        )
        for part in parts:
            writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            await writer.drain()
            await asyncio.sleep(0)
        writer.write(b"0\r\n\r\n")

    return write


def endless_json() -> Iterator[bytes]:
    yield b'{"code":200,"data":[{"categoryID":0,"name":"'
    while True:
        yield b"x" * 16384


def endless_gzip() -> Iterator[bytes]:
    """A gzip stream that inflates forever (a compression bomb with no end), 1 KiB at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    yield packer.compress(b'{"code":200,"data":[{"categoryID":0,"name":"')
    while True:
        yield packer.compress(b"0" * 1_000_000) + packer.flush(zlib.Z_SYNC_FLUSH)


def over_cap_json(size: int) -> bytes:
    return b'{"code":200,"data":[{"categoryID":0,"name":"' + b"x" * size + b'"}]}'


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(reply(200, over_cap_json(SMALL_CAP)), id="content-length"),
        pytest.param(reply(200, over_cap_json(4 * 1024 * 1024), {"Content-Length": str(10**9)}), id="lying-length"),
        pytest.param(chunked(endless_json()), id="chunked-endless"),
        pytest.param(
            reply(200, gzip.compress(over_cap_json(8 * 1024 * 1024)), {"Content-Encoding": "gzip"}), id="gzip-bomb"
        ),
        pytest.param(
            reply(200, zlib.compress(over_cap_json(8 * 1024 * 1024)), {"Content-Encoding": "deflate"}),
            id="deflate-bomb",
        ),
        pytest.param(chunked(endless_gzip(), {"Content-Encoding": "gzip"}), id="gzip-endless"),
        pytest.param(reply(502, b"<html>" + b"x" * (2 * SMALL_CAP)), id="error-status"),
    ],
)
async def test_a_body_over_the_cap_is_refused_while_reading(answer: Answer) -> None:
    async with raw_server(answer) as server, raw_client(server, max_response_bytes=SMALL_CAP) as client:
        with pytest.raises(ResponseDecodeError, match=f"{SMALL_CAP:,}-byte response size cap") as info:
            await asyncio.wait_for(client.categories.get(0), 10)  # an endless body ends here, not in a hang
    assert "max_response_bytes" in str(info.value)
    assert len(server.requests) == 1


async def test_compressed_bodies_under_the_cap_still_decode() -> None:
    body = over_cap_json(SMALL_CAP // 2)
    async with (
        raw_server(reply(200, gzip.compress(body), {"Content-Encoding": "gzip"})) as server,
        raw_client(server, max_response_bytes=SMALL_CAP) as client,
    ):
        [root] = await client.categories.get(0)
    assert len(root.name or "") == SMALL_CAP // 2


async def test_the_cap_holds_over_any_transport() -> None:
    transport = MockTransport(lambda r: Response(200, body=over_cap_json(2048)))
    async with DajiClient(KEY, SECRET, transport=transport, max_response_bytes=1024) as client:
        with pytest.raises(ResponseDecodeError, match="1,024-byte response size cap"):
            await client.categories.get(0)


# --------------------------------------------------------------------------- slow and silent servers


async def test_headers_that_never_finish_time_out() -> None:
    async def drip(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(50):
            writer.write(b"X-Slow: 1\r\n")
            await writer.drain()
            await asyncio.sleep(0.05)

    async with raw_server(drip) as server, raw_client(server, timeout=0.3, max_retries=0) as client:
        with pytest.raises(APITimeoutError, match=r"0\.3 s"):
            await client.categories.get(0)


# --------------------------------------------------------------------------- 2. secrets never shown


def signature_of(seen: Seen) -> str:
    return str(seen.params.get("sign", ""))


def forms(secret: str) -> list[str]:
    return [secret, quote(secret, safe=""), quote(secret, safe="").lower(), quote_plus(secret), quote(secret)]


def echo(status: int, shape: str) -> Answer:
    """An answer that echoes the whole request back: query, body, the secret in every form."""

    async def write(seen: Seen, writer: asyncio.StreamWriter) -> None:
        said = (
            f"\x1b[2Jbad request {seen.target} body={seen.body.decode()} appSecret={SECRET} "
            f"secret={quote(SECRET, safe='')} also {quote(SECRET, safe='').lower()} sign={signature_of(seen).lower()}"
        )
        if shape == "trade":
            data = {"success": False, "errorCode": seen.target, "errorInfo": said}
            body = json.dumps({"code": 200, "message": "ok", "data": data, "traceId": said[-40:]}).encode()
        elif shape == "nested":
            data = {"result": {"success": False, "errorCode": "4003", "errorInfo": said}}
            body = json.dumps({"code": 1009, "message": said, "data": data}).encode()
        elif shape == "plain":
            body = said.encode()
        else:
            code = status if status != 200 else 4001  # an error inside a 200 envelope
            body = json.dumps({"code": code, "message": said, "traceId": f"t-{signature_of(seen)}"}).encode()
        writer.write(http_head(status, {"Content-Type": "application/json", "Content-Length": str(len(body))}) + body)

    return write


def assert_clean(text: str, seen: list[Seen]) -> None:
    for form in forms(SECRET):
        assert form not in text, (form, text)
    for request in seen:
        signature = signature_of(request)
        if signature:
            assert signature.lower() not in text.lower(), text
    assert re.search(r"sign=[0-9A-Fa-f]{6}", text) is None, text


@pytest.mark.parametrize("send_secret", [False, True])
@pytest.mark.parametrize(
    ("status", "shape", "call"),
    [
        (400, "json", "signed query"),
        (200, "json", "signed query"),
        (500, "json", "signed query"),
        (403, "plain", "signed query"),
        (400, "json", "signed JSON body"),
        (200, "nested", "signed JSON body"),
        (200, "trade", "confirm"),
        (400, "plain", "signed JSON body"),
    ],
)
async def test_no_message_repr_or_log_line_shows_the_secret_or_the_signature(
    status: int, shape: str, call: str, send_secret: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="daji_async")
    calls = {**CALLS, "confirm": lambda c: c.orders.confirm_receipt(1, ["2"])}
    async with raw_server(echo(status, shape)) as server, raw_client(server, send_secret=send_secret) as client:
        with pytest.raises((APIError, TradeError)) as info:
            await calls[call](client)
    error = info.value
    shown = " ".join([str(error), repr(error), repr(error.args), str(error.message), str(error.code)])
    shown += f" {error.trace_id} {getattr(error, 'error_info', '')} " + caplog.text
    assert server.requests
    if send_secret:
        assert SECRET in str(server.requests[0].params.get("appSecret"))  # it really was on the wire
    assert "bad request" in str(error)  # the service's text is kept, minus the secrets
    assert_clean(shown, server.requests)


async def test_a_connection_error_naming_the_url_is_clean_too() -> None:
    async def hang_up(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.transport.abort()

    async with raw_server(hang_up) as server, raw_client(server, send_secret=True, max_retries=0) as client:
        with pytest.raises(Exception) as info:
            await client.request("GET", "/x", params={"q": SECRET})
    assert_clean(f"{info.value} {info.value!r}", server.requests)


# --------------------------------------------------------------------------- 5. the input matrix


def never_called(request: Request) -> Response:
    raise AssertionError(f"nothing should be sent, got {request!r}")


def estimate(client: DajiClient, **changes: Any) -> Any:
    arguments: dict[str, Any] = {"to_province_code": "330000", "to_city_code": "330100", "to_country_code": "330108"}
    arguments["total_num"] = 1
    arguments.update(changes)
    return client.products.estimate_freight(727920485853, **arguments)


P = pytest.param
INPUTS = [
    P(lambda c: c.products.keyword_search("连" * (1024 * 1024)), ValueError, "keyword", id="1MiB-keyword"),
    P(lambda c: c.products.keyword_search("x\r\ny"), ValueError, "keyword", id="keyword-crlf"),
    P(lambda c: c.products.keyword_search(b"x"), TypeError, "keyword", id="keyword-bytes"),
    P(lambda c: c.products.keyword_search("x", sort=5), TypeError, "sort", id="sort-int"),
    P(lambda c: c.products.keyword_search("x", sort=[("price", "asc")]), TypeError, "sort", id="sort-pairs"),
    P(lambda c: c.products.keyword_search("x", sort={"price": 1}), TypeError, "sort", id="sort-value"),
    P(lambda c: c.products.keyword_search("x", category_id="x"), ValueError, "category_id", id="category-x"),
    P(lambda c: c.products.keyword_search("x", category_id=2**63), ValueError, "category_id", id="category-big"),
    P(lambda c: c.products.keyword_search("x", country=5), TypeError, "country", id="country-int"),
    P(lambda c: c.products.keyword_search("x", country="english!"), ValueError, "country", id="country-text"),
    P(lambda c: c.products.keyword_search("x", filter=b"ab"), TypeError, "filter", id="filter-bytes"),
    P(lambda c: c.products.keyword_search("x", filter=[1]), TypeError, "filter", id="filter-ints"),
    P(lambda c: c.products.keyword_search("x", out_member_id=[" "]), ValueError, "out_member_id", id="member-blank"),
    P(lambda c: c.products.keyword_search("x", price_start=math.inf), ValueError, "price_start", id="price-inf"),
    P(lambda c: c.products.keyword_search("x", price_end="1e9999"), ValueError, "price_end", id="price-text"),
    P(lambda c: c.products.keyword_search("x", extra_params=5), TypeError, "extra_params", id="extra-int"),
    P(lambda c: c.products.keyword_search("x", extra_params={"sign": "A"}), ValueError, "extra_params", id="q-sign"),
    P(lambda c: c.products.keyword_search("x", extra_params={"APPKEY": "k"}), ValueError, "extra_params", id="q-key"),
    P(lambda c: c.products.keyword_search("x", max_retries="2"), ValueError, "max_retries", id="paged-retries"),
    P(lambda c: c.products.keyword_search("x", timeout=math.nan), ValueError, "timeout", id="paged-timeout"),
    P(lambda c: c.products.image_search(image_id=b"123"), TypeError, "image_id", id="image-id-bytes"),
    P(lambda c: c.products.image_search(image_id=True), TypeError, "image_id", id="image-id-bool"),
    P(lambda c: c.products.image_search(image_id="١٢٣"), ValueError, "image_id", id="image-id-arabic"),
    P(lambda c: c.products.image_search("   "), ValueError, "image_url", id="image-url-blank"),
    P(lambda c: c.products.image_search("https://a b/x.jpg"), ValueError, "image_url", id="image-url-space"),
    P(lambda c: c.products.image_search("ftp://a/x.jpg"), ValueError, "image_url", id="image-url-ftp"),
    P(lambda c: c.products.image_search("https://h/" + "x" * 5000), ValueError, "image_url", id="image-url-long"),
    P(lambda c: c.products.shop_search("   "), ValueError, "seller_open_id", id="seller-blank"),
    P(lambda c: c.products.shop_search(5), TypeError, "seller_open_id", id="seller-int"),
    P(lambda c: c.products.detail(2**63), ValueError, "offer_id", id="offer-2**63"),
    P(lambda c: c.products.detail("1_000"), ValueError, "offer_id", id="offer-underscore"),
    P(lambda c: c.products.detail("١٢٣"), ValueError, "offer_id", id="offer-arabic-indic"),
    P(lambda c: c.products.detail(" 12"), ValueError, "offer_id", id="offer-space"),
    P(lambda c: c.products.detail(1.0), TypeError, "offer_id", id="offer-float"),
    P(lambda c: c.products.detail(1, country=""), ValueError, "country", id="detail-country"),
    P(lambda c: c.products.detail(1, timeout=math.nan), ValueError, "timeout", id="timeout-nan"),
    P(lambda c: c.products.detail(1, timeout=math.inf), ValueError, "timeout", id="timeout-inf"),
    P(lambda c: c.products.detail(1, timeout=-1), ValueError, "timeout", id="timeout-negative"),
    P(
        lambda c: c.products.detail(1, timeout=aiohttp.ClientTimeout(total=math.inf)),
        ValueError,
        "timeout",
        id="timeout-clienttimeout-inf",
    ),
    P(lambda c: c.products.detail(1, max_retries="2"), ValueError, "max_retries", id="retries-str"),
    P(lambda c: c.products.detail(1, max_retries=-1), ValueError, "max_retries", id="retries-negative"),
    P(lambda c: c.products.detail(1, max_retries=2.5), ValueError, "max_retries", id="retries-float"),
    P(lambda c: c.products.detail(1, extra_params={"appSecret": "x"}), ValueError, "extra_params", id="detail-secret"),
    P(
        lambda c: c.products.upload_image(url="https://a/b.jpg", out_member_id=""),
        ValueError,
        "out_member_id",
        id="upload-member",
    ),
    P(lambda c: estimate(c, to_province_code=None), TypeError, "to_province_code", id="freight-code-none"),
    P(lambda c: estimate(c, to_city_code="  "), ValueError, "to_city_code", id="freight-code-blank"),
    P(lambda c: estimate(c, total_num=math.inf), ValueError, "total_num", id="freight-total-inf"),
    P(lambda c: estimate(c, sku_numbers={5: -2}), ValueError, "quantity", id="freight-sku-negative"),
    P(
        lambda c: estimate(c, sku_numbers=[LogisticsSkuNum(5, math.inf)]),
        ValueError,
        "quantity",  # type: ignore[arg-type]
        id="freight-sku-inf",
    ),
    P(lambda c: estimate(c, sku_numbers={"x": 1}), ValueError, "sku_id", id="freight-sku-id"),
    P(lambda c: estimate(c, extra_params={"appSecret": "x"}), ValueError, "extra_params", id="json-secret"),
    P(lambda c: estimate(c, extra_params={"sign": "x"}), ValueError, "extra_params", id="json-sign"),
    P(lambda c: c.orders.create(ADDRESS, [CargoLine(1, "s", math.inf)]), ValueError, "quantity", id="cargo-inf"),
    P(lambda c: c.orders.create(ADDRESS, [CargoLine(1, "s", -3)]), ValueError, "quantity", id="cargo-negative"),
    P(lambda c: c.orders.create(ADDRESS, [CargoLine(1, "s", 2**40)]), ValueError, "quantity", id="cargo-huge"),
    P(lambda c: c.orders.create(ADDRESS, [CargoLine(2**63, "s", 1)]), ValueError, "offer_id", id="cargo-offer"),
    P(
        lambda c: c.orders.create(ADDRESS, [CargoLine(1, "s", 1)], max_retries="2"),
        ValueError,
        "max_retries",
        id="create-retries",
    ),
    P(
        lambda c: c.orders.create({"full_name": 5, "mobile": "1", "address": "a"}, [CargoLine(1, "s", 1)]),
        ValueError,
        "address",
        id="address-types",
    ),
    P(
        lambda c: c.orders.preview(ADDRESS, [CargoLine(1, "s", 1)], extra_params={"appKey": "x"}),
        ValueError,
        "extra_params",
        id="preview-appkey",
    ),
    P(lambda c: c.orders.cancel("١٢٣"), ValueError, "order_id", id="cancel-arabic"),
    P(lambda c: c.orders.get(2**64), ValueError, "order_id", id="get-huge"),
    P(lambda c: c.payments.pay(1, max_retries=-1), ValueError, "max_retries", id="pay-retries"),
    P(lambda c: c.payments.pay(1, extra_params={"sign": "x"}), ValueError, "extra_params", id="pay-sign"),
    P(lambda c: c.categories.get("x"), ValueError, "category_id", id="categories-x"),
    P(lambda c: c.categories.get(True), TypeError, "category_id", id="categories-bool"),
    P(lambda c: c.request("POST", "/x", json={"appSecret": "x"}), ValueError, "json", id="raw-json-secret"),
    P(lambda c: c.request("GET", "/x", params={"sign": "x"}), ValueError, "params", id="raw-query-sign"),
    P(lambda c: c.request("GET", "/x?y=1"), ValueError, "path", id="raw-path-query"),
    P(lambda c: c.request("GET", "//evil.example/x"), ValueError, "path", id="raw-path-host"),
]


@pytest.mark.parametrize(("call", "error", "name"), INPUTS)
async def test_every_public_argument_is_checked_before_anything_is_sent(
    call: Callable[[DajiClient], Any], error: type[Exception], name: str
) -> None:
    transport = MockTransport(never_called)
    async with DajiClient(KEY, SECRET, transport=transport) as client:
        with pytest.raises(error, match=re.escape(name)) as info:
            outcome = call(client)
            if inspect.isawaitable(outcome):
                await outcome
    assert transport.requests == []
    assert len(str(info.value)) < 400  # a 1 MiB argument is never echoed whole


CONFIG = [
    P({"base_url": "http://127.0.0.1:99999"}, "base_url", id="port-99999"),
    P({"base_url": "https://h.example/?x=1"}, "base_url", id="query"),
    P({"base_url": "https://h.example/#f"}, "base_url", id="fragment"),
    P({"base_url": "https://h.example\r\nX-Evil: 1"}, "base_url", id="crlf"),
    P({"base_url": "https://user:pw@h.example"}, "base_url", id="userinfo"),
    P({"base_url": "ftp://h.example"}, "base_url", id="scheme"),
    P({"app_key": 5}, "app_key", id="key-int"),
    P({"app_secret": b"secret"}, "app_secret", id="secret-bytes"),
    P({"app_key": "k\r\n"}, "app_key", id="key-crlf"),
    P({"timeout": math.nan}, "timeout", id="timeout-nan"),
    P({"timeout": math.inf}, "timeout", id="timeout-inf"),
    P({"max_retries": "2"}, "max_retries", id="retries-str"),
    P({"country": 5}, "country", id="country-int"),
    P({"send_secret": "yes"}, "send_secret", id="send-secret-str"),
    P({"rate_limit": math.inf}, "rate_limit", id="rate-inf"),
    P({"session": "a session"}, "session", id="session-str"),
    P({"retry_policy": {"base_delay": 1}}, "retry_policy", id="retry-policy-dict"),
    P({"endpoint_paths": {"orders.create": "/x\r\nHost: evil"}}, "endpoint_paths", id="endpoint-path-crlf"),
]


@pytest.mark.parametrize(("options", "name"), CONFIG)
def test_client_configuration_is_checked(options: dict[str, Any], name: str) -> None:
    arguments: dict[str, Any] = {"app_key": KEY, "app_secret": SECRET, **options}
    with pytest.raises(ConfigError, match=name) as info:
        DajiClient(**arguments)
    assert isinstance(info.value, ValueError)  # a ConfigError is also a ValueError
    assert SECRET not in str(info.value) and "b'secret'" not in str(info.value)


def test_retry_policies_and_paging_controls_are_checked() -> None:
    from daji_async import RetryPolicy

    for bad in ({"base_delay": math.nan}, {"max_delay": math.inf}, {"retry_after_cap": -1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            RetryPolicy(**bad)
    with pytest.raises(ValueError, match="statuses"):
        RetryPolicy(statuses=frozenset({"503"}))  # type: ignore[arg-type]
    client = DajiClient(KEY, SECRET, transport=MockTransport(never_called))
    with pytest.raises(ValueError, match="page"):
        client.products.keyword_search("x", page=2**40)


def test_a_secret_is_never_echoed_by_its_own_check() -> None:
    with pytest.raises(ConfigError) as info:
        DajiClient(KEY, "s3cr3t\x00" + "x" * 10)
    assert "s3cr3t" not in str(info.value)


async def test_bulk_image_inputs_of_the_wrong_kind_get_their_own_error_result() -> None:
    def handler(request: Request) -> Response:
        page = {"totalRecords": 1, "totalPage": 1, "pageSize": 20, "currentPage": 1, "data": [{"offerId": 7}]}
        return Response(200, json={"code": 200, "data": page})

    transport = MockTransport(handler)
    inputs: list[Any] = [None, b"123", True, 1.5, "   ", "https://cbu01.alicdn.com/a.jpg", 1048608196202797156]
    async with DajiClient(KEY, SECRET, transport=transport) as client:
        results = [r async for r in client.bulk.image_search(inputs, ordered=True, max_pages=1)]
        with pytest.raises(TypeError, match="ordered"):
            [r async for r in client.bulk.image_search(inputs, ordered="yes", max_pages=1)]  # type: ignore[arg-type]
    assert [r.query for r in results] == inputs  # every input, exactly one result
    # bytes are a picture since issue 29: b"123" is refused as no JPG/PNG/WEBP, still unsent
    kinds = [TypeError, ValueError, TypeError, TypeError, ValueError, type(None), type(None)]
    assert [type(r.error) for r in results] == kinds
    assert [r.items[0].offer_id for r in results[5:]] == [7, 7]
    assert len(transport.requests) == 2  # nothing sent for the bad ones
    assert transport.requests[1].params["imageId"] == "1048608196202797156"


# --------------------------------------------------------------------------- 8. sandbox controls


async def test_sandbox_controls_refuse_cross_site_requests() -> None:
    async with SandboxServer() as sandbox, aiohttp.ClientSession() as http:
        url = f"{sandbox.base_url}/_sandbox/faults"
        fault = json.dumps({"kind": "status", "status": 503})
        attempts = [
            ({"Content-Type": "text/plain"}, 415),  # what a cross-site form or simple fetch can send
            ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
            ({"Content-Type": "application/json", "Origin": "https://evil.example"}, 403),
            ({"Content-Type": "application/json", "Origin": "null"}, 403),
            ({"Content-Type": "application/json", "Host": "evil.example"}, 403),  # a rebound DNS name
            ({"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403),
        ]
        for headers, status in attempts:
            async with http.post(url, data=fault, headers=headers) as answer:
                assert answer.status == status, headers
                assert "error" in await answer.json()
        assert sandbox.state.faults == []  # none of them took effect
        async with http.post(url, data=b"{not json", headers={"Content-Type": "application/json"}) as answer:
            assert answer.status == 400  # malformed JSON is the client's error, not a 500
        async with http.get(f"{sandbox.base_url}/_sandbox/stats", headers={"Host": "evil.example"}) as answer:
            assert answer.status == 403  # reads too: a rebound name cannot read the sandbox
        same_origin = {"Origin": sandbox.base_url}
        async with http.post(url, data=fault, headers={"Content-Type": "application/json", **same_origin}) as answer:
            assert answer.status == 200
        assert len(sandbox.state.faults) == 1
        sandbox.state.config.control_hosts = ("sandbox",)
        async with http.delete(url, headers={"Host": f"sandbox:{sandbox.port}"}) as answer:
            assert answer.status == 200
        assert sandbox.state.faults == []
