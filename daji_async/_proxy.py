"""Which HTTP proxy the default transport uses: `DajiClient(proxy=...)` or the environment.

The environment is read once, when the client is created, for the client's `base_url`
(the only host it talks to): `HTTPS_PROXY` / `HTTP_PROXY` by the base URL's scheme, then
`ALL_PROXY`, lowercase names first, as `urllib.request.getproxies` reads them;
`NO_PROXY` as `urllib.request.proxy_bypass` reads it (host suffixes, `host:port`,
`*`).

What aiohttp's own `ClientSession(trust_env=True)` does, and why the SDK does not use it:
it looks the proxy up for every request in a worker thread (`asyncio.to_thread`), and the
`.netrc` file in another one, two thread hops per request; resolving once costs nothing per
request. Both follow the same rules otherwise. Neither bypasses loopback on its own:
`127.0.0.1` and `localhost` go through `HTTP_PROXY` unless `NO_PROXY` names them
(on Linux `proxy_bypass` reads only the environment; macOS and Windows also consult the
system settings, which usually exclude local addresses).
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit, urlunsplit

from ._errors import ConfigError
from ._redact import mask_url

#: Proxy schemes aiohttp can talk to.
PROXY_SCHEMES = ("http", "https")


def mask_proxy(url: str) -> str:
    """`url` with any password replaced by `***` (for messages, logs and `repr`).

    A URL that does not parse (a bad port, a broken IPv6 address) is masked all the same.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return mask_url(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def check_proxy(url: object, *, source: str = "proxy") -> str:
    """Validate a proxy URL (`http://[user:password@]host:port`); ConfigError if unusable.

    A URL without a scheme (`proxy.local:3128`, as often found in `HTTP_PROXY`) means
    `http://`. Credentials in the URL are sent as `Proxy-Authorization: Basic`.
    """
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{source} must be a proxy URL such as 'http://proxy.local:3128', got {url!r}")
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ConfigError(f"{source} is not a valid proxy URL: {mask_proxy(text)!r}") from None
    if parts.scheme.lower() not in PROXY_SCHEMES:
        raise ConfigError(
            f"{source} {mask_proxy(text)!r} uses the {parts.scheme!r} scheme; aiohttp talks to http:// and "
            "https:// proxies only (for SOCKS, pass a session=aiohttp.ClientSession(connector=...) of your own)"
        )
    if not parts.hostname:
        raise ConfigError(f"{source} {mask_proxy(text)!r} names no host")
    return text


def resolve_proxy(base_url: str, proxy: str | None, *, trust_env: bool) -> str | None:
    """The proxy URL the default transport sends every request through, or None (direct).

    An explicit `proxy` wins; otherwise, with `trust_env`, the environment's proxy for
    `base_url` unless `NO_PROXY` excludes its host.
    """
    if proxy is not None:
        return check_proxy(proxy)
    if not trust_env:
        return None
    parts = urlsplit(base_url)
    scheme = parts.scheme.lower()
    found = urllib.request.getproxies()
    chosen = found.get(scheme) or found.get("all")
    if not chosen:
        return None
    host = parts.hostname or ""
    address = host if parts.port is None else f"{host}:{parts.port}"
    if host and (urllib.request.proxy_bypass(address) or urllib.request.proxy_bypass(host)):
        return None
    name = f"{scheme.upper()}_PROXY" if found.get(scheme) else "ALL_PROXY"
    return check_proxy(chosen, source=f"the environment's {name}")


__all__ = ["check_proxy", "mask_proxy", "resolve_proxy"]
