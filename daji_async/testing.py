"""In-memory fakes of the service for your own tests: no server, no socket.

```python
from daji_async import DajiClient
from daji_async.testing import MockTransport, Response

def handler(request):
    assert request.path == "/alibaba/product/queryProductDetail"
    return Response(200, json={"code": 200, "data": {"offerId": int(request.params["offerId"])}})

async with DajiClient("key", "secret", transport=MockTransport(handler)) as client:
    detail = await client.products.detail(727920485853)
```

The handler gets every request the client sends (after signing; retries call it again) and
returns a `Response`. Retries, the rate limit, `max_concurrency`, decoding and error
mapping all run exactly as over the network. For a stateful fake with real paging and
faults, see `daji_async.sandbox` instead.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Union

from ._transport import Request, Response, Transport

#: A handler returns a Response, or an awaitable of one.
Handler = Callable[[Request], Union[Response, Awaitable[Response]]]


class MockTransport:
    """A transport that answers every request by calling `handler(request)`.

    The handler may be a plain function or a coroutine function; an exception it raises
    reaches the pipeline as the transport's failure (`asyncio.TimeoutError` and
    `ConnectionError` are retried like network errors). `requests` records every
    request sent, retries included.
    """

    def __init__(self, handler: Handler) -> None:
        if not callable(handler):
            raise TypeError(f"handler must be callable, got {type(handler).__name__}")
        self.handler = handler
        #: Every request sent through this transport, in order.
        self.requests: list[Request] = []

    async def send(self, request: Request) -> Response:
        """Record `request` and return the handler's answer (honouring the timeout's total)."""
        self.requests.append(request)
        outcome = self.handler(request)
        if inspect.isawaitable(outcome):
            total = request.timeout.total if request.timeout is not None else None
            outcome = await asyncio.wait_for(_wrap(outcome), total) if total else await outcome
        if not isinstance(outcome, Response):
            raise TypeError(f"a MockTransport handler must return a daji_async.testing.Response, got {outcome!r}")
        return outcome

    async def aclose(self) -> None:
        """Nothing to release."""


async def _wrap(awaitable: Awaitable[Response]) -> Response:
    return await awaitable


__all__ = ["Handler", "MockTransport", "Request", "Response", "Transport"]
