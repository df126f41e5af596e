"""Pure protocol logic: signing, parameter encoding, envelope decoding, error mapping, retries."""

from __future__ import annotations

import hashlib
import random
from urllib.parse import parse_qsl

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from daji_async import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Filter,
    NotFoundError,
    RateLimitError,
    Raw,
    ResponseDecodeError,
    ServerError,
    Sort,
)
from daji_async._protocol import (
    Envelope,
    ErrorInfo,
    PagedQuery,
    RetryPolicy,
    authenticate,
    canonical_pairs,
    decode_success,
    encode_query,
    envelope_decoder,
    error_class,
    make_api_error,
    parse_retry_after,
    read_error_body,
    retry_delay,
    sign,
    signing_string,
    total_pages,
    wire_value,
)
from daji_async.models.common import Page
from daji_async.models.products import ProductItem
from daji_async.resources.products import search_params

VECTOR = [("appKey", "demoKey"), ("beginPage", "1"), ("country", "en"), ("keyword", "连衣裙"), ("pageSize", "20")]


def test_documented_vector() -> None:
    assert (
        signing_string(VECTOR, "demoSecret")
        == "appKey=demoKey&beginPage=1&country=en&keyword=连衣裙&pageSize=20&secret=demoSecret"
    )
    assert sign(VECTOR, "demoSecret") == "69DD06C1D2FBBEE2224AC4EC8726E869"


def test_vector_through_parameter_building() -> None:
    params = search_params(keyword="连衣裙", country="en")
    params.update(beginPage=1, pageSize=20)
    pairs = authenticate(canonical_pairs(params), "demoKey", "demoSecret")
    assert dict(pairs)["sign"] == "69DD06C1D2FBBEE2224AC4EC8726E869"
    assert "appSecret" not in dict(pairs)


def test_order_of_input_does_not_matter() -> None:
    assert sign(list(reversed(VECTOR)), "demoSecret") == sign(VECTOR, "demoSecret")


def test_sign_and_app_secret_are_never_signed() -> None:
    extra = [*VECTOR, ("sign", "XYZ"), ("appSecret", "demoSecret")]
    assert sign(extra, "demoSecret") == "69DD06C1D2FBBEE2224AC4EC8726E869"


def test_none_dropped_empty_string_kept() -> None:
    pairs = canonical_pairs({"a": None, "b": "", "c": 0, "d": False})
    assert pairs == [("b", ""), ("c", "0"), ("d", "false")]
    assert signing_string(pairs, "s") == "b=&c=0&d=false&secret=s"


def test_lists_repeat_the_key_in_order() -> None:
    pairs = canonical_pairs({"outMemberId": ["u2", "u1"], "appKey": "k"})
    assert signing_string(pairs, "s") == "appKey=k&outMemberId=u2&outMemberId=u1&secret=s"


def test_json_bodies_sign_nested_values_as_compact_json() -> None:
    body = {"offerId": 1, "logisticsSkuNumModels": [{"skuId": 5, "number": 2}], "x": None}
    pairs = canonical_pairs(body, repeat_lists=False)
    assert ("logisticsSkuNumModels", '[{"skuId":5,"number":2}]') in pairs
    assert all(k != "x" for k, _ in pairs)


def test_send_secret_puts_app_secret_instead_of_sign() -> None:
    pairs = dict(authenticate([("keyword", "x")], "k", "s3cret", send_secret=True))
    assert pairs["appSecret"] == "s3cret"
    assert "sign" not in pairs


def test_wire_values() -> None:
    assert wire_value(True) == "true"
    assert wire_value(10.0) == "10"
    assert wire_value(12.5) == "12.5"
    assert wire_value(Filter.CERTIFIED_FACTORY) == "certifiedFactory"
    assert wire_value({Sort.PRICE: "asc"}) == '{"price":"asc"}'
    with pytest.raises(ValueError, match="non-finite"):
        wire_value(float("nan"))
    with pytest.raises(TypeError, match="unsupported"):
        wire_value(object())


def test_search_params_encoding() -> None:
    params = search_params(
        keyword="手机壳",
        filter=[Filter.CERTIFIED_FACTORY, Raw("someNewFilter")],
        sort={"price": "asc"},
        out_member_id="u1",
        price_start=10,
        price_end="50.5",
        category_id=7,
        country="ru",
        auxiliary_text="red",
    )
    assert params == {
        "keyword": "手机壳",
        "auxiliaryText": "red",
        "filter": "certifiedFactory,someNewFilter",
        "sort": '{"price":"asc"}',
        "outMemberId": ["u1"],
        "priceStart": "10",
        "priceEnd": "50.5",
        "categoryId": 7,
        "country": "ru",
    }


printable = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@given(st.dictionaries(st.text("abcdefghijKLMNOP_", min_size=1, max_size=8), printable, max_size=8), printable)
def test_signing_matches_an_independent_implementation(params: dict[str, str], secret: str) -> None:
    expected_text = "&".join(f"{k}={params[k]}" for k in sorted(params)) + f"&secret={secret}"
    if not params:
        expected_text = f"secret={secret}"
    expected = hashlib.md5(expected_text.encode()).hexdigest().upper()
    assert sign(canonical_pairs(params), secret) == expected


@given(st.dictionaries(st.text(min_size=1, max_size=8), printable, max_size=8))
def test_query_encoding_round_trips(params: dict[str, str]) -> None:
    pairs = canonical_pairs(params)
    decoded = parse_qsl(encode_query(pairs), keep_blank_values=True)
    assert decoded == pairs


@given(st.lists(st.tuples(st.sampled_from("abc"), printable), max_size=10), printable)
def test_signature_survives_the_query_string(pairs: list[tuple[str, str]], secret: str) -> None:
    signed = authenticate(pairs, "key", secret)
    received = parse_qsl(encode_query(signed), keep_blank_values=True)
    assert sign(received, secret) == dict(received)["sign"]


@given(
    st.lists(
        st.tuples(st.sampled_from(["keyword", "appKey", "zeta", "outMemberId", "a", "sort"]), printable), max_size=8
    ),
    st.integers(1, 10_000),
    printable,
    st.booleans(),
)
def test_paged_query_matches_the_general_path(
    pairs: list[tuple[str, str]], page: int, secret: str, send_secret: bool
) -> None:
    template = PagedQuery(pairs, "key", secret, send_secret=send_secret)
    query, signature = template.for_page(page)
    full = authenticate([*pairs, ("beginPage", str(page))], "key", secret, send_secret=send_secret)
    assert sorted(parse_qsl(query, keep_blank_values=True)) == sorted(full)
    assert signature == ("" if send_secret else dict(full)["sign"])


def test_total_pages() -> None:
    assert total_pages(0, 20) == 0
    assert total_pages(1, 20) == 1
    assert total_pages(40, 20) == 2
    assert total_pages(41, 20) == 3


# --------------------------------------------------------------------------- decoding

PAGE_BODY = (
    b'{"code":200,"message":"ok","data":{"totalRecords":41,"totalPage":3,"pageSize":20,"currentPage":2,'
    b'"data":[{"offerId":1,"priceInfo":{"price":"1.50","jxhyPrice":null}}],"newField":1},'
    b'"timestamp":1,"traceId":"abc"}'
)


def decode(body: bytes, status: int = 200) -> Envelope[object]:
    return decode_success(envelope_decoder(Page[ProductItem]), body, status=status, method="GET", path="/p")


def test_decodes_typed_page() -> None:
    envelope = decode(PAGE_BODY)
    page = envelope.data
    assert isinstance(page, Page)
    assert page.total_pages == 3
    assert page.current_page == 2
    assert page.items[0].price_info is not None
    assert page.items[0].price_info.price == "1.50"
    assert envelope.trace_id == "abc"


def test_protocol_layer_keeps_no_module_level_caches() -> None:
    # a fresh decoder per call: caching is the client's business (one per client), not the module's
    assert envelope_decoder(Page[ProductItem]) is not envelope_decoder(Page[ProductItem])
    from daji_async import _protocol

    mutable = [
        name
        for name, value in vars(_protocol).items()
        if isinstance(value, (dict, list, set)) and not name.startswith("__") and not name.isupper()
    ]
    assert mutable == []


@pytest.mark.parametrize(
    ("body", "cls", "code"),
    [
        (b'{"code":400,"message":"bad","data":null}', BadRequestError, 400),
        (b'{"code":401,"message":"who","data":null}', AuthenticationError, 401),
        (
            b'{"code":500,"message":"\xe8\xaf\xb7\xe5\x88\x9b\xe5\xbb\xba\xe5\xba\x94\xe7\x94\xa8\xef\xbc\x8c'
            b"\xe5\x86\x8d\xe8\x81\x94\xe7\xb3\xbb\xe5\xb9\xb3\xe5\x8f\xb0\xe8\xbf\x9b\xe8\xa1\x8c\xe6\xbf\x80"
            b'\xe6\xb4\xbb"}',
            AuthenticationError,
            500,
        ),
        (b'{"code":404,"message":"none"}', NotFoundError, 404),
        (b'{"code":429,"message":"slow"}', RateLimitError, 429),
        (b'{"code":503,"message":"down"}', ServerError, 503),
        (b'{"code":1009,"message":"biz"}', APIError, 1009),
        (b'{"code":1009,"message":"biz","data":"not a page"}', APIError, 1009),
    ],
)
def test_envelope_errors_inside_http_200(body: bytes, cls: type[APIError], code: int) -> None:
    with pytest.raises(cls) as info:
        decode(body)
    assert type(info.value) is cls
    assert info.value.status == 200
    assert info.value.code == code
    assert info.value.path == "/p"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty body"),
        (b"<html><body>502</body></html>", "HTML"),
        (PAGE_BODY[:40], "truncated"),
        (b"null", "shape"),
        (b'{"code":200,"data":{"totalPage":"x"}}', "shape"),
        (b"plain text", "not JSON"),
    ],
)
def test_bodies_that_are_not_the_documented_json(body: bytes, fragment: str) -> None:
    with pytest.raises(ResponseDecodeError) as info:
        decode(body)
    assert fragment in str(info.value)
    assert info.value.status == 200
    assert info.value.path == "/p"
    assert "/p" in str(info.value)


def test_read_error_body_shapes() -> None:
    spring = b'{"timestamp":"2024-01-01","status":400,"error":"Bad Request","message":"No message available"}'
    assert read_error_body(spring) == ErrorInfo(code=None, message="Bad Request", trace_id=None)
    gateway = b'{"error_code":"gw.APIACLDecline","error_message":"AppKey is not allowed(acl)"}'
    info = read_error_body(gateway)
    assert info is not None
    assert info.code == "gw.APIACLDecline"
    assert error_class(400, info.code, info.message) is AuthenticationError
    assert read_error_body(b"<html>") is None
    assert read_error_body(b"[1]") is None


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, None, BadRequestError),
        (401, None, AuthenticationError),
        (403, None, AuthenticationError),
        (404, None, NotFoundError),
        (429, None, RateLimitError),
        (500, None, ServerError),
        (502, None, ServerError),
        (418, None, APIError),
        (400, "gw.SignatureInvalid", BadRequestError),
        (400, "gw.APIUnsupported", NotFoundError),
        (200, "400", BadRequestError),
    ],
)
def test_error_class(status: int, code: int | str | None, cls: type[APIError]) -> None:
    assert error_class(status, code, None) is cls


def test_make_api_error_uses_reason_and_snippet_without_a_json_message() -> None:
    err = make_api_error(502, None, method="GET", path="/x", reason="Bad Gateway", snippet="<html>")
    assert isinstance(err, ServerError)
    assert "Bad Gateway" in str(err)
    assert "<html>" in str(err)
    limited = make_api_error(429, None, method="GET", path="/x", retry_after=3.0)
    assert isinstance(limited, RateLimitError)
    assert limited.retry_after == 3.0


def test_api_error_pickles() -> None:
    import pickle

    err = RateLimitError("slow", status=429, code=429, trace_id="t", path="/x", method="GET", retry_after=2.0)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.status, copy.retry_after, copy.path, str(copy)) == (429, 2.0, "/x", str(err))


# --------------------------------------------------------------------------- retries


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


def test_backoff_is_full_jitter_and_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    rng = random.Random(1)
    delays = [policy.backoff(n, rng) for n in range(10) for _ in range(50)]
    assert all(0 <= d <= 4.0 for d in delays)
    assert max(policy.backoff(0, rng) for _ in range(200)) <= 1.0
    assert max(delays) > 3.0  # reaches the cap region


def test_retry_decisions() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=0.1, retry_after_cap=10)
    assert retry_delay(policy, APIConnectionError("x"), 0) is not None
    assert retry_delay(policy, APITimeoutError("x"), 0) is not None
    assert retry_delay(policy, ServerError("x", status=503), 0) is not None
    assert retry_delay(policy, ServerError("x", status=200, code=500), 0) is None  # envelope error: no
    assert retry_delay(policy, BadRequestError("x", status=400), 0) is None
    assert retry_delay(policy, RateLimitError("x", status=429, retry_after=2.0), 0) == 2.0
    assert retry_delay(policy, RateLimitError("x", status=429, retry_after=11.0), 0) is None
    assert retry_delay(policy, ResponseDecodeError("x", status=200, path="/"), 0) is None


def test_envelope_struct_is_generic() -> None:
    raw = msgspec.json.encode({"code": 200, "data": {"imageId": "1"}})
    from daji_async.models.products import UploadResult

    assert envelope_decoder(UploadResult).decode(raw).data == UploadResult(image_id="1")


@given(st.text(max_size=40))
def test_query_quoting_is_urllib_quote_with_nothing_safe(text: str) -> None:
    from urllib.parse import quote

    from daji_async._protocol import _quote

    try:
        expected = quote(text, safe="")
    except UnicodeEncodeError:  # a lone surrogate: neither can encode it
        with pytest.raises(UnicodeEncodeError):
            _quote(text)
        return
    assert _quote(text) == expected
    assert encode_query([(text, text)]) == expected + "=" + expected
