"""The client's views: the recording pipeline behind `with_raw_response`, its namespace, `client.alibaba`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from ._core import Resource
from ._endpoints import Endpoint
from ._pipeline import Pipeline, Timeout
from ._protocol import (
    Envelope,
    Params,
)
from ._raw import (
    CAPTURE,
    SLOT,
    RawView,
    ResponseMeta,
    Slot,
    clean_headers,
    raw_response_wrapper,
)
from ._redact import redact_text
from ._transport import Request, Response

if TYPE_CHECKING:
    from ._client import DajiClient
    from .resources.categories import Categories
    from .resources.orders import Orders
    from .resources.payments import Payments
    from .resources.products import Products

T = TypeVar("T")

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class RecordingPipeline(Pipeline):
    """The pipeline behind `with_raw_response`: notes each successful answer for the wrapper.

    Only views of a client class built on it pay for recording; the plain pipeline has no hook.
    """

    async def _execute(
        self,
        endpoint: Endpoint[T],
        params: Params | None = None,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        safe: bool | None = None,
        request: Request | None = None,
    ) -> Envelope[T]:
        capture = CAPTURE.get()
        if capture is None:
            return await super()._execute(
                endpoint, params, timeout=timeout, max_retries=max_retries, safe=safe, request=request
            )
        slot = Slot()
        token = SLOT.set(slot)
        try:
            answer = await super()._execute(
                endpoint, params, timeout=timeout, max_retries=max_retries, safe=safe, request=request
            )
        finally:
            SLOT.reset(token)
        response: Response | None = slot.response
        path = self.endpoint_path(endpoint)
        if response is None:  # answered without a request (a response cache): no HTTP answer to show
            meta = ResponseMeta(endpoint.method, path, 200, _NO_HEADERS, trace_id=answer.trace_id, attempts=0)
        else:
            meta = ResponseMeta(
                endpoint.method,
                path,
                response.status,
                clean_headers(response.headers, slot.redact),
                reason=redact_text(response.reason, slot.redact),
                trace_id=answer.trace_id,
                attempts=slot.attempts,
            )
        capture.answers.append(meta)
        return answer

    async def _send(self, request: Request) -> Response:
        slot = SLOT.get()
        if slot is None:
            return await super()._send(request)
        slot.attempts += 1
        slot.redact = request.redact
        response = await super()._send(request)
        slot.response = response
        return response


class DajiClientWithRawResponse:
    """`client.with_raw_response`: the client's calls, each returning a `RawResponse`.

    ```python
    raw = await client.with_raw_response.products.detail(727920485853)
    print(raw.status, raw.trace_id)
    detail = raw.parse()
    page = (await client.with_raw_response.products.keyword_search("连衣裙")).parse()
    envelope = (await client.with_raw_response.request("GET", "/alibaba/category/get",
                                                       params={"categoryID": 0}, envelope=True)).parse()
    ```

    """

    def __init__(self, client: DajiClient) -> None:
        # every resource group of the client, derived: a group added later has its raw view at once
        for name, group in vars(client).items():
            if not name.startswith("_") and isinstance(group, Resource):
                setattr(self, name, RawView(group))
        self.request = raw_response_wrapper(client.request)
        """`DajiClient.request` returning `RawResponse`."""
        self.alibaba = self
        """The 1688 calls under their platform's name (`raw.alibaba.products is raw.products`)."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"no raw view of {name!r}")


class Alibaba:
    """The 1688 calls under their platform's name, beside `client.taobao` and `client.poizon`.

    The same objects as the client's top-level attributes: ``client.alibaba.products is
    client.products``, so every 1688 example keeps working either way.
    """

    def __init__(self, client: DajiClient) -> None:
        self.products: Products = client.products
        """1688 product search, detail, image upload and freight (`client.products`)."""
        self.categories: Categories = client.categories
        """The 1688 category tree (`client.categories`)."""
        self.orders: Orders = client.orders
        """1688 orders (`client.orders`)."""
        self.payments: Payments = client.payments
        """1688 payment links and password-free payment (`client.payments`)."""


__all__ = ["Alibaba", "DajiClientWithRawResponse", "RecordingPipeline"]
