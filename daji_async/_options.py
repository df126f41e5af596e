"""`ClientOptions`: the keyword arguments of `DajiClient`, as a TypedDict for typed pass-throughs.

`SandboxServer.client(**options)` (and any wrapper of your own) takes
`**options: Unpack[ClientOptions]`, so a misspelt option (`rate_limt=5`) fails the type
checker instead of the call. A test holds its keys equal to `DajiClient`'s keyword parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from ssl import SSLContext

    import aiohttp

    from ._cache import ResponseCache
    from ._client import Timeout
    from ._hooks import EventHooks
    from ._protocol import RetryPolicy
    from ._ratelimit import RateLimitArg
    from ._transport import Transport
    from .resources.products import CountryArg


class ClientOptions(TypedDict, total=False):
    """Keyword arguments of [DajiClient][daji_async.DajiClient] (all optional; see it for each).

    Attributes:
        base_url: the service's address (default None: env `DAJI_BASE_URL`, else
            `"https://openapi.dajisaas.com"`).
        country: language of translated fields (default `"en"`).
        rate_limit: requests per second, a limiter, or None for no limit (default None).
        max_concurrency: requests in flight at once (default 32).
        timeout: seconds per attempt or an `aiohttp.ClientTimeout` (default 30.0).
        max_retries: retries of safe calls (default 3).
        session: an `aiohttp.ClientSession` for the default transport (default None).
        send_secret: debug mode, sends `appSecret` instead of `sign` (default False).
        retry_policy: backoff and retried statuses (default None: a `RetryPolicy` with its defaults).
        endpoint_paths: `{endpoint name: path}` overrides (default None).
        cache: a response cache for safe calls (default None).
        transport: a transport instead of the default aiohttp one (default None).
        max_response_bytes: the largest answer read (default 16777216, 16 MiB).
        proxy: an HTTP proxy URL (default None: the environment's, unless `trust_env=False`).
        trust_env: honour the environment's proxy variables (default True).
        event_hooks: `{"request": [...], "response": [...]}` (default None).
        ssl: True to verify the service's certificate, an `ssl.SSLContext`, or False to turn
            verification off (default True).
    """

    base_url: str | None
    country: CountryArg
    rate_limit: RateLimitArg
    max_concurrency: int
    timeout: Timeout
    max_retries: int
    session: aiohttp.ClientSession | None
    send_secret: bool
    retry_policy: RetryPolicy | None
    endpoint_paths: Mapping[str, str] | None
    cache: ResponseCache | None
    transport: Transport | None
    max_response_bytes: int
    proxy: str | None
    trust_env: bool
    event_hooks: EventHooks | None
    ssl: SSLContext | bool


__all__ = ["ClientOptions"]
