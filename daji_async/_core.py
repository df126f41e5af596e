"""The front door resources use to reach the request pipeline.

A resource method holds one `Core` and calls its verbs; it never touches a private name of
the client or of any other module. The verbs hand back what the pipeline hands back (the
coroutine of a call, a lazy `Paginator`) without wrapping it, so the door costs one plain
function call per request and no extra await.

```python
class Things:
    def __init__(self, core: Core | DajiClient) -> None:
        # a DajiClient is accepted too: resource groups used to be built from the client itself
        self._core = core if isinstance(core, Core) else Core.of(core)

    async def get(self, thing_id: int, *, timeout: Timeout | None = None) -> Thing:
        return await self._core.call(THING_GET, {"thingId": thing_id}, timeout=timeout)
```
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ._pagination import Paginator, paginate

if TYPE_CHECKING:
    from ._client import DajiClient, Timeout
    from ._endpoint_spec import Endpoint
    from ._protocol import Envelope, Params, ParamValue

__all__ = ["Core", "Resource"]

T = TypeVar("T")


class Core:
    """The pipeline's verbs, bound to one client (or one view of it).

    Attributes:
        client: the client (or view) whose pipeline the verbs use; resources read only its
            public attributes (`country`, `endpoint_path`).
    """

    __slots__ = ("_call", "_execute", "client")

    def __init__(
        self,
        client: DajiClient,
        call: Callable[..., Coroutine[Any, Any, Any]],
        execute: Callable[..., Coroutine[Any, Any, Any]],
    ) -> None:
        self.client = client
        self._call = call
        self._execute = execute

    @classmethod
    def of(cls, client: DajiClient) -> Core:
        """The front door of `client`'s pipeline (what `DajiClient` hands its resource groups)."""
        return cls(client, client._call, client._execute)

    @property
    def country(self) -> str:
        """The client's language of translated fields."""
        return self.client.country

    def endpoint_path(self, endpoint: Endpoint[Any]) -> str:
        """The path this client sends `endpoint` to (honouring `endpoint_paths`)."""
        return self.client.endpoint_path(endpoint)

    def call(
        self,
        endpoint: Endpoint[T],
        params: Params,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> Coroutine[Any, Any, T]:
        """One call through the pipeline; awaiting it gives the envelope's decoded `data`.

        A success without `data` raises `ResponseDecodeError` (or, for a money row, the row's
        `OutcomeUnknownError`).
        """
        coroutine: Coroutine[Any, Any, T] = self._call(endpoint, params, timeout=timeout, max_retries=max_retries)
        return coroutine

    def envelope(
        self,
        endpoint: Endpoint[T],
        params: Params,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> Coroutine[Any, Any, Envelope[T]]:
        """Like `call`, but awaiting it gives the whole decoded envelope (`data` may be None)."""
        coroutine: Coroutine[Any, Any, Envelope[T]] = self._execute(
            endpoint, params, timeout=timeout, max_retries=max_retries
        )
        return coroutine

    def walk(
        self,
        endpoint: Endpoint[T],
        params: dict[str, ParamValue],
        paging: Mapping[str, Any],
        item_type: type[Any] | None = None,
    ) -> Paginator[Any, Any]:
        """The lazy walk over a paged row: its service parameters and the caller's paging keywords.

        The paging keywords are checked here, before anything is sent. `item_type` (the
        caller's msgspec Struct) decodes the items into it instead of the row's item model.
        """
        return paginate(self.client, endpoint, params, paging, item_type)


class Resource:
    """A group of calls bound to one client's front door (`client.products`, `client.taobao.orders`...).

    Its public methods are its calls; `client.with_raw_response` mirrors every one of them,
    and every `Resource` attribute of it (a platform's `products`, `orders`...), without a
    list kept by hand.
    """

    def __init__(self, core: Core | DajiClient) -> None:
        # a DajiClient is accepted too: resource groups used to be built from the client itself
        self._core = core if isinstance(core, Core) else Core.of(core)
