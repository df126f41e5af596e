"""The sandbox against malformed requests, over loopback: every one is answered with a 4xx in
the shape the sandbox's other errors take (the service's JSON envelope on service paths,
``{"error": ...}`` on control paths), never a 500."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daji_async import ENDPOINTS
from daji_async.sandbox import SandboxServer
from tests.conftest import close_private_loop

ENVELOPE = {"code", "message", "data", "timestamp", "traceId"}
POST_PATHS = sorted({e.path for e in ENDPOINTS.values() if e.method == "POST"})
SERVICE_PATHS = sorted({e.path for e in ENDPOINTS.values()})
CONTROL_POSTS = [
    "/_sandbox/faults",
    "/_sandbox/routes",
    "/_sandbox/scenarios",
    "/_sandbox/orders/webhook",
    "/_sandbox/orders/redeliver",
    "/_sandbox/orders/lose-answer",
]


class Loopback:
    """A sandbox in its own event loop, with a session, driven from sync (hypothesis) tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

        async def start() -> tuple[SandboxServer, aiohttp.ClientSession]:
            return await SandboxServer().start(), aiohttp.ClientSession()

        self.sandbox, self.session = self.loop.run_until_complete(start())
        self.auth = {"appKey": self.sandbox.app_key, "appSecret": self.sandbox.app_secret}

    def send(self, method: str, path: str, body: bytes, content_type: str | None) -> tuple[int, str, Any]:
        # (large bodies go as a stream: aiohttp warns about big raw bytes, and the warning fails tests)
        """One request; its status, content type and decoded JSON answer (None when not JSON)."""
        headers = {"Content-Type": content_type} if content_type is not None else {}

        async def go() -> tuple[int, str, Any]:
            url = self.sandbox.base_url + path
            async with self.session.request(method, url, data=io.BytesIO(body), headers=headers) as response:
                raw = await response.read()
                try:
                    decoded = json.loads(raw)
                except ValueError:
                    decoded = None
                return response.status, response.content_type, decoded

        return self.loop.run_until_complete(go())

    def close(self) -> None:
        async def stop() -> None:
            await self.session.close()
            await asyncio.sleep(0.05)  # let the server see its connections close before it stops
            await self.sandbox.stop()

        close_private_loop(self.loop, stop)


@pytest.fixture(scope="module")
def loopback() -> Iterator[Loopback]:
    served = Loopback()
    try:
        yield served
    finally:
        served.close()


def json_with(auth: dict[str, str], tail: bytes) -> bytes:
    """A JSON object with the sandbox's credentials (they pass auth) and raw JSON ``tail`` members."""
    return json.dumps(auth).encode()[:-1] + b", " + tail + b"}"


DEEP = b"[" * 100_000 + b"]" * 100_000


def malformed(auth: dict[str, str]) -> dict[str, tuple[bytes, str]]:
    key = auth["appKey"].encode()
    return {
        "deep-json-object": (b'{"a": ' + DEEP + b"}", "application/json"),
        "deep-json-array": (DEEP, "application/json"),
        "deep-json-authed": (json_with(auth, b'"cargoParamList": ' + DEEP), "application/json"),
        "multipart-without-boundary": (b"--x\r\n\r\nvalue\r\n--x--\r\n", "multipart/form-data"),
        "multipart-wrong-boundary": (b"garbage", "multipart/form-data; boundary=zzz"),
        "form-not-utf8": (b"appKey=" + key + b"&keyword=\xff\xfe\xfd", "application/x-www-form-urlencoded"),
        "form-unknown-charset": (b"appKey=" + key, "application/x-www-form-urlencoded; charset=no-such-charset"),
        "json-not-utf8": (b'{"appKey": "\xff\xfe"}', "application/json"),
        "json-unknown-charset": (b'{"a": 1}', "application/json; charset=no-such-charset"),
        "json-huge-integers": (
            json_with(auth, b'"beginPage": ' + b"9" * 5000 + b', "pageSize": ' + b"9" * 5000),
            "application/json",
        ),
        "json-huge-floats": (json_with(auth, b'"beginPage": 1e400, "pageSize": -1e400'), "application/json"),
        "json-nan": (json_with(auth, b'"beginPage": NaN'), "application/json"),
        "json-list": (b"[1, 2, 3]", "application/json"),
        "text-plain": (b"hello", "text/plain"),
        "octet-stream": (b"\x00\x01\x02", "application/octet-stream"),
        "no-content-type": (b"\xff" * 64, None),  # type: ignore[dict-item]
    }


CASES = list(malformed({"appKey": "k", "appSecret": "s"}))
# well-formed JSON is a valid body for some control endpoints (a webhook body without "url" clears it)
CONTROL_CASES = [c for c in CASES if c not in {"json-huge-integers", "json-huge-floats", "json-nan", "json-list"}]


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_service_request_is_a_4xx_envelope(loopback: Loopback, case: str) -> None:
    body, content_type = malformed(loopback.auth)[case]
    for path in POST_PATHS:
        status, answered_as, answer = loopback.send("POST", path, body, content_type)
        assert 400 <= status < 500, (path, status, answer)
        assert answered_as == "application/json", (path, status)
        assert isinstance(answer, dict) and set(answer) >= ENVELOPE, (path, answer)
        assert answer["code"] == status


@pytest.mark.parametrize("case", CONTROL_CASES)
def test_a_malformed_control_request_is_a_4xx_error_object(loopback: Loopback, case: str) -> None:
    body, content_type = malformed(loopback.auth)[case]
    for path in CONTROL_POSTS:
        status, answered_as, answer = loopback.send("POST", path, body, content_type)
        assert 400 <= status < 500, (path, status, answer)
        assert answered_as == "application/json"
        assert isinstance(answer, dict) and isinstance(answer.get("error"), str), (path, answer)


def test_a_body_over_the_size_limit_is_a_413_envelope(loopback: Loopback) -> None:
    body = b"a=" + b"x" * (9 * 1024 * 1024)
    status, _, answer = loopback.send("POST", POST_PATHS[0], body, "application/x-www-form-urlencoded")
    assert status == 413
    assert set(answer) >= ENVELOPE and answer["code"] == 413
    status, _, answer = loopback.send(
        "POST", "/_sandbox/faults", b"[" + b"1," * (5 * 1024 * 1024) + b"1]", "application/json"
    )
    assert status == 413 and "error" in answer


CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
    "application/octet-stream",
    "",
]
content_types = st.builds(
    lambda base, charset, boundary: base + charset + boundary,
    st.sampled_from(CONTENT_TYPES),
    st.sampled_from(["", "; charset=utf-8", "; charset=latin-1", "; charset=utf-16", "; charset=bogus"]),
    st.sampled_from(["", "; boundary=b", '; boundary=""', "; boundary=" + "x" * 80]),
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.floats(),
        st.text(max_size=12),
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=15,
)


@st.composite
def bodies(draw: st.DrawFn, auth: dict[str, str]) -> bytes:
    kind = draw(st.sampled_from(["bytes", "json", "authed-json", "form", "deep"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "deep":
        depth = draw(st.integers(min_value=1, max_value=200_000))
        opener = draw(st.sampled_from([b"[", b'{"a":']))
        closer = b"]" if opener == b"[" else b"}"
        return opener * depth + b"1" + closer * depth
    if kind == "form":
        pairs = draw(st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), max_size=5))
        raw = "&".join(f"{k}={v}" for k, v in pairs)
        return raw.encode(draw(st.sampled_from(["utf-8", "latin-1", "utf-16"])), "replace")
    value = draw(json_values)
    if kind == "authed-json":
        value = {
            **auth,
            **draw(st.dictionaries(st.sampled_from(["beginPage", "pageSize", "offerId", "orderId"]), json_values)),
        }
    return json.dumps(value).encode()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_request_body_is_answered_below_500_in_json(loopback: Loopback, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(SERVICE_PATHS + CONTROL_POSTS))
    body = data.draw(bodies(loopback.auth))
    content_type = data.draw(content_types)
    status, answered_as, answer = loopback.send("POST", path, body, content_type or None)
    assert status < 500, (path, content_type, body[:200], answer)
    assert answered_as == "application/json" and answer is not None, (path, status, answered_as)
    if status >= 400:  # the envelope (or Spring's error body for an unknown route), or a control error
        assert isinstance(answer, dict) and ("message" in answer or "error" in answer), (path, answer)


PARAMETER_NAMES = [
    "beginPage", "pageSize", "page_no", "page_size", "pageNo", "keyword", "offerId", "country", "item_id",
    "itemId", "shop_id", "sellerOpenId", "imageId", "image_id", "imageAddress", "categoryId", "categoryID",
    "dwSpuId", "startId", "pageNum", "distBrandName", "title", "priceStart", "priceEnd", "sort", "filter",
    "orderId", "outOrderId", "thirdOrderId", "orderStatus", "webSite", "quantity", "flow", "cancelReason",
    "purchase_id", "purchaseOrderIdList", "purchase_amount", "sub_purchase_orderId_list", "region",
    "toProvinceCode", "totalNum", "logisticsSkuNumModels", "addressParam", "cargoParamList", "createStartTime",
]  # fmt: skip
parameter_values = st.one_of(
    st.text(max_size=30),
    st.integers().map(str),
    st.sampled_from(["9" * 900, "-1", "0", "1e400", "NaN", "inf", "[]", "{}", "[1,", '{"a":', "null", "\x00", "１２"]),
    json_values.map(json.dumps),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_signed_parameters_are_answered_below_500(loopback: Loopback, data: st.DataObject) -> None:
    """Requests that pass auth (debug-mode appSecret) carrying any values in the parameters the
    handlers read: a GET's query, or a POST's form or JSON body."""
    path = data.draw(st.sampled_from(SERVICE_PATHS))
    params = data.draw(st.dictionaries(st.sampled_from(PARAMETER_NAMES), parameter_values, max_size=6))
    method = next(e.method for e in ENDPOINTS.values() if e.path == path)
    as_json = method == "POST" and data.draw(st.booleans())
    if as_json:
        values = {**params, **loopback.auth}
        body, content_type = (
            json.dumps(
                {**values, **data.draw(st.dictionaries(st.sampled_from(PARAMETER_NAMES), json_values, max_size=3))}
            ).encode(),
            "application/json",
        )
        status, answered_as, answer = loopback.send("POST", path, body, content_type)
    elif method == "POST":
        body = urlencode({**params, **loopback.auth}).encode()
        status, answered_as, answer = loopback.send("POST", path, body, "application/x-www-form-urlencoded")
    else:
        status, answered_as, answer = loopback.send(
            "GET", path + "?" + urlencode({**params, **loopback.auth}), b"", None
        )
    assert status < 500, (method, path, params, answer)
    assert answered_as == "application/json" and isinstance(answer, dict), (path, status)
