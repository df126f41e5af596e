"""The sandbox's state: configuration, catalogue, uploads, injected faults and statistics."""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .._validate import integer, optional_integer
from ._catalogue import Catalogue

if TYPE_CHECKING:
    from ._routes import Route, SandboxRequest

K = TypeVar("K")
V = TypeVar("V")

FaultKind = Literal["latency", "status", "drop", "reset", "truncate", "html", "empty", "envelope", "repeat_page"]
FAULT_KINDS: tuple[str, ...] = (
    "latency",
    "status",
    "drop",
    "reset",
    "truncate",
    "html",
    "empty",
    "envelope",
    "repeat_page",
)

#: The longest wait a fault (or a lost answer, or the configured latency) may ask for: a day.
#: Longer is not a test of anything, and a wait the event loop cannot schedule is refused.
MAX_FAULT_SECONDS = 86_400.0
#: What an envelope `code` may be: the service's codes are JSON integers of 64 bits at most.
_INT64 = 2**63


def seconds_setting(name: str, value: object, *, high: float = MAX_FAULT_SECONDS) -> float:
    """`value` as a number of seconds in `[0, high]` (not NaN, not a bool), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= high:
        raise ValueError(f"{name} must be a number of seconds from 0 to {high:g}, got {str(value)[:40]!r}")
    return float(value)


def probability_setting(name: str, value: object) -> float:
    """`value` as a probability in `[0, 1]` (not NaN, not a bool), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a probability from 0 to 1, got {str(value)[:40]!r}")
    return float(value)


def http_status_setting(name: str, value: object) -> int:
    """`value` as an HTTP status (an int from 100 to 599), else ValueError."""
    return integer(name, value, low=100, high=599)


#: Credentials the sandbox accepts by default (they protect nothing: it is a fake).
SANDBOX_APP_KEY = "sandbox-app-key"
SANDBOX_APP_SECRET = "sandbox-app-secret"


@dataclass
class Fault:
    """A failure the sandbox injects into matching API requests.

    Kinds:
        `latency`: wait `seconds` before answering normally (adds up with other faults).
        `status`: answer HTTP `status` (default 500; 503, 429...) with an error envelope;
            `retry_after` sets the `Retry-After` header.
        `drop`: send the headers and half the body, then close the connection.
        `reset`: close the connection without answering.
        `truncate`: a 200 whose JSON body is cut short (Content-Length matches the cut).
        `html`: an HTML error page with HTTP `status` (default 200).
        `empty`: a 200 with an empty body.
        `envelope`: HTTP 200 with envelope `code` and `message` (a business error).
        `message` also overrides the text of `status` answers.
        `repeat_page`: paged endpoints answer page 1 whatever page was asked (a cycle).

    `path` limits the fault to one endpoint path (None: every API path); `match` to
    requests whose query has all the given values (e.g. `{"keyword": "连衣裙"}`); `times`
    to that many requests (None: every matching request); `probability` hits a seeded
    random share of them.

    A fault the sandbox could not serve raises ValueError when it is made: a `status` that
    is not an int from 100 to 599, `seconds` or `retry_after` that is NaN, infinite,
    negative or over a day (86,400 s), a `probability` outside 0..1, negative `times`, a
    `code` beyond 64 bits, a `path` not starting with `/`, `match` values that are
    not strings.
    """

    kind: FaultKind
    path: str | None = None
    times: int | None = None
    probability: float = 1.0
    seconds: float = 0.0
    status: int | None = None
    retry_after: float | None = None
    code: int = 500
    message: str | None = None
    match: dict[str, str] | None = None
    hits: int = 0

    def __post_init__(self) -> None:
        # Refuse what the sandbox could not serve (an invalid status line, a wait the event loop
        # cannot schedule) here, when the fault is made, not when a request meets it.
        if not isinstance(self.kind, str) or self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {str(self.kind)[:40]!r}; known: {', '.join(FAULT_KINDS)}")
        if self.path is not None and not (isinstance(self.path, str) and self.path.startswith("/")):
            raise ValueError(f"a fault's path must be None or start with '/', got {str(self.path)[:40]!r}")
        optional_integer("times", self.times, low=0)
        self.probability = probability_setting("probability", self.probability)
        self.seconds = seconds_setting("seconds", self.seconds)
        if self.status is not None:
            http_status_setting("status", self.status)
        if self.retry_after is not None:
            self.retry_after = seconds_setting("retry_after", self.retry_after)
        integer("code", self.code, low=-_INT64, high=_INT64 - 1)
        if self.message is not None and not isinstance(self.message, str):
            raise ValueError(f"message must be None or a str, got {type(self.message).__name__}")
        if self.match is not None and not (
            isinstance(self.match, Mapping)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in self.match.items())
        ):
            raise ValueError(
                f"match must map parameter names to their wire text (str to str), got {str(self.match)[:60]}"
            )
        integer("hits", self.hits, low=0)

    def matches(self, path: str, query: Mapping[str, str]) -> bool:
        if self.path is not None and self.path != path:
            return False
        if self.match and any(query.get(k) != v for k, v in self.match.items()):
            return False
        return self.times is None or self.hits < self.times

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SandboxConfig:
    """How a sandbox behaves.

    Attributes:
        app_key, app_secret: the credentials it accepts.
        inactive_app_keys: app keys it knows but treats as "not activated by DAJI yet".
        seed, catalogue_size: the deterministic catalogue.
        result_cap: most results any search reports (the service stops near 2,000).
        latency: seconds added to every API answer.
        faults: faults active from the start.
        webhook_url: where order messages are pushed (orders sandbox).
        record_requests: how many received requests `sandbox.requests` keeps (the latest).
        control_hosts: host names (besides IP addresses and `localhost`) that the control
            endpoints answer to, e.g. `("sandbox",)` for a container reached by that name.
    """

    app_key: str = SANDBOX_APP_KEY
    app_secret: str = SANDBOX_APP_SECRET
    inactive_app_keys: tuple[str, ...] = ()
    seed: int = 1688
    catalogue_size: int = 5000
    result_cap: int = 2000
    latency: float = 0.0
    faults: list[Fault] = field(default_factory=list)
    webhook_url: str | None = None
    record_requests: int = 10_000
    control_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise ValueError for a setting the sandbox cannot serve (run again by `SandboxState`)."""
        self.latency = seconds_setting("latency", self.latency)
        for fault in self.faults:
            if not isinstance(fault, Fault):
                raise ValueError(f"faults must be Fault objects, got {type(fault).__name__}")


class LRU(OrderedDict[K, V]):
    """A small least-recently-used cache (the sandbox's precomputed answers)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or(self, key: K, make: Callable[[], V]) -> V:
        try:
            self.move_to_end(key)
            return self[key]
        except KeyError:
            value = self[key] = make()
            if len(self) > self.size:
                self.popitem(last=False)
            return value


class Stats:
    """What the sandbox has seen: counts by path and status, concurrency, arrival times.

    `arrivals` (`time.monotonic()`) are stamped when the sandbox's event loop read each
    request's first bytes from its socket, not when its handler ran (see `_arrivals`);
    `max_per_second` and `per_second` count them. Control paths are not counted.
    """

    def __init__(self) -> None:
        self.requests = 0
        self.by_path: dict[str, int] = {}
        self.by_status: dict[int, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.arrivals: deque[float] = deque(maxlen=100_000)
        #: connections accepted (over TLS, each one is a handshake)
        self.connections = 0

    def begin(self, path: str, arrived: float | None = None) -> None:
        """Count a request to `path` that arrived at `arrived` (`time.monotonic()`; None: now)."""
        self.requests += 1
        self.by_path[path] = self.by_path.get(path, 0) + 1
        self.in_flight += 1
        if self.in_flight > self.max_in_flight:
            self.max_in_flight = self.in_flight
        self.arrivals.append(time.monotonic() if arrived is None else arrived)

    def end(self, status: int) -> None:
        self.in_flight -= 1
        self.by_status[status] = self.by_status.get(status, 0) + 1

    def max_in_window(self, seconds: float = 1.0) -> int:
        """Most requests that arrived within any window of `seconds` (half-open)."""
        times = list(self.arrivals)
        best = start = 0
        for end, t in enumerate(times):
            while t - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def per_second(self) -> list[int]:
        """Requests that arrived in each whole second since the first arrival (the last one may be partial)."""
        times = list(self.arrivals)
        if not times:
            return []
        first = times[0]
        counts = [0] * (int(times[-1] - first) + 1)
        for t in times:
            counts[int(t - first)] += 1
        return counts

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_path": dict(self.by_path),
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "max_per_second": self.max_in_window(1.0),
            "per_second": self.per_second(),
            "connections": self.connections,
        }


_CATALOGUES: dict[tuple[int, int], Catalogue] = {}


def catalogue(seed: int, size: int) -> Catalogue:
    """The catalogue for a seed and size, built once per process (it never changes)."""
    key = (seed, size)
    found = _CATALOGUES.get(key)
    if found is None:
        found = _CATALOGUES[key] = Catalogue(seed=seed, size=size)
    return found


class SandboxState:
    """Everything a running sandbox keeps; shared by its handlers and its controls.

    Controls are safe to call from another thread than the server's (a lock guards faults).
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.config.check()  # fields may have been set after the config was made
        self.catalogue = catalogue(self.config.seed, self.config.catalogue_size)
        self._lock = threading.Lock()
        self._initial_faults = [Fault(**{**f.to_dict(), "hits": 0}) for f in self.config.faults]
        self.reset()

    def reset(self) -> None:
        """Forget uploads, orders, statistics and faults (back to the configured faults)."""
        with self._lock:
            self.faults: list[Fault] = [Fault(**{**f.to_dict(), "hits": 0}) for f in self._initial_faults]
            self.rng = random.Random(self.config.seed)
        self.stats = Stats()
        self.requests: deque[SandboxRequest] = deque(maxlen=self.config.record_requests)
        self.routes: list[Route] = []
        self.uploads: dict[str, bytes] = {}
        #: uploads answered (by POST or by URL, both platforms): what picture de-duplication saves
        self.upload_count = 0
        #: ids forgotten by `expire_uploads`: image searches refuse them until uploaded again
        self.expired_uploads: set[str] = set()
        self.results: LRU[Any, Any] = LRU(512)
        self.bodies: LRU[Any, bytes] = LRU(8192)
        self.extensions: dict[str, Any] = {}
        #: keyword -> number of results, set through `set_scenario`
        self.scenarios: dict[str, int] = {}

    def expire_uploads(self) -> int:
        """Forget every uploaded image id, as the service does once one expires; returns how many.

        An image search by a forgotten id is refused (a 400 naming the id) until the same
        picture is uploaded again.
        """
        count = len(self.uploads)
        self.expired_uploads.update(self.uploads)
        self.uploads.clear()
        self.results.clear()
        self.bodies.clear()
        return count

    def check_image_id(self, image_id: str) -> None:
        """Refuse an image id this sandbox forgot (see `expire_uploads`)."""
        if image_id in self.expired_uploads:
            from ._wire import BadParams  # the wire imports this module

            raise BadParams(f"imageId已过期 (image id {image_id!r} expired: upload the picture again)")

    def set_scenario(self, keyword: str, total: int) -> None:
        """Make keyword searches for `keyword` find exactly `total` offers (before filters)."""
        if total < 0 or total > len(self.catalogue.offers):
            raise ValueError(f"total must be between 0 and {len(self.catalogue.offers)}, got {total}")
        self.scenarios[keyword] = total
        self.results.clear()
        self.bodies.clear()

    def add_fault(self, kind: FaultKind | Fault | Mapping[str, Any], **options: Any) -> Fault:
        """Inject a fault: `add_fault("status", status=503, times=2, path="/alibaba/...")`."""
        if isinstance(kind, Fault):
            fault = kind
        elif isinstance(kind, Mapping):
            fault = Fault(**{**kind, **options})
        else:
            fault = Fault(kind, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every fault."""
        with self._lock:
            self.faults = []

    def add_route(self, route: Route) -> Route:
        """Add a route (see `Route`); the first matching route answers."""
        with self._lock:
            self.routes = [*self.routes, route]
        return route

    def clear_routes(self) -> None:
        """Remove every route."""
        with self._lock:
            self.routes = []

    def take_faults(self, path: str, query: Mapping[str, str]) -> tuple[float, Fault | None]:
        """Consume the faults matching one request: total latency, and the first other fault."""
        delay = self.config.latency
        chosen: Fault | None = None
        if not self.faults:
            return delay, None
        with self._lock:
            for fault in self.faults:
                if not fault.matches(path, query):
                    continue
                if fault.probability < 1.0 and self.rng.random() >= fault.probability:
                    continue
                if fault.kind == "latency":
                    fault.hits += 1
                    delay += fault.seconds
                elif chosen is None:
                    fault.hits += 1
                    chosen = fault
        return delay, chosen
