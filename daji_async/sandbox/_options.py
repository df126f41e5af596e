"""Typed keyword arguments of the sandbox's pass-throughs (`SandboxServer(...)`, `add_fault(...)`).

Each mirrors a dataclass field for field (a test holds them equal), so a misspelt option
fails the type checker instead of the call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from ._state import Fault


class SandboxOptions(TypedDict, total=False):
    """Keyword options of `SandboxServer(...)`: the fields of [SandboxConfig][daji_async.sandbox.SandboxConfig].

    Attributes:
        app_key: the app key it accepts (default `"sandbox-app-key"`).
        app_secret: the app secret it accepts (default `"sandbox-app-secret"`).
        inactive_app_keys: app keys it treats as "not activated by DAJI yet" (default `()`).
        seed: the seed of the deterministic catalogue (default 1688).
        catalogue_size: offers in the catalogue (default 5000).
        result_cap: most results any search reports (default 2000).
        latency: seconds added to every API answer (default 0.0).
        faults: faults active from the start (default none).
        webhook_url: where order messages are pushed (default None).
        record_requests: how many received requests `sandbox.requests` keeps (default 10000).
        control_hosts: host names the control endpoints answer to, besides IP addresses and
            `localhost` (default `()`).
    """

    app_key: str
    app_secret: str
    inactive_app_keys: tuple[str, ...]
    seed: int
    catalogue_size: int
    result_cap: int
    latency: float
    faults: list[Fault]
    webhook_url: str | None
    record_requests: int
    control_hosts: tuple[str, ...]


class FaultOptions(TypedDict, total=False):
    """Keyword options of `SandboxServer.add_fault(kind, ...)`: the fields of [Fault][daji_async.sandbox.Fault].

    Attributes:
        path: only requests to this API path (default None: every path).
        times: only this many matching requests (default None: every one).
        probability: the seeded share of matching requests hit (default 1.0).
        seconds: the delay of a `latency` fault (default 0.0).
        status: the HTTP status of `status` and `html` faults (default None: 500 and 200).
        retry_after: the `Retry-After` header of a `status` fault, in seconds (default None).
        code: the envelope code of an `envelope` fault (default 500).
        message: the text of `envelope` and `status` answers (default None).
        match: only requests whose query has all these values (default None).
        hits: how many requests it has hit so far (default 0).
    """

    path: str | None
    times: int | None
    probability: float
    seconds: float
    status: int | None
    retry_after: float | None
    code: int
    message: str | None
    match: dict[str, str] | None
    hits: int


__all__ = ["FaultOptions", "SandboxOptions"]
