"""What the sandbox received, and canned answers for chosen requests (respx-style routes).

```python
route = sandbox.route("/alibaba/product/queryProductDetail", params={"offerId": 1})
route.fault("status", status=503, times=1).respond(data={"offerId": 1, "subject": "连衣裙"})
...
assert route.call_count == 2
assert sandbox.requests[-1].params["offerId"] == "1"
```

A route matches requests to its path (and method, when given) whose parameters include all
of `params` (compared as the wire text: `1` matches `"1"`). Its answers are used in
the order they were added; an answer with `times=n` is used n times, then the next one
takes over; the last answer without `times` keeps answering. Once every answer is used up
the route stops matching and the sandbox answers as usual. The first route that matches
wins. Routes answer after the signature check, so a request the service would refuse is
still refused; injected faults (`Fault`) strike before both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from .._protocol import wire_value
from ._state import Fault, FaultKind
from ._wire import Params, encode, envelope_bytes


class SandboxRequest:
    """One request the sandbox received (`sandbox.requests`), recorded before any fault.

    Attributes:
        method: `"GET"` or `"POST"`.
        path: the request path.
        status: the HTTP status it was answered with (0: no answer, e.g. a dropped connection;
            None while it is being handled).
    """

    __slots__ = ("_json", "_pairs", "_params", "method", "path", "status")

    def __init__(self, method: str, path: str, query: MultiMapping[str] | None = None) -> None:
        self.method = method
        self.path = path
        self.status: int | None = None
        # the request's parsed query, kept as it is (no copy on the sandbox's hot path)
        self._pairs: Iterable[tuple[str, str]] | MultiMapping[str] = query if query is not None else ()
        self._json: Mapping[str, Any] | None = None
        self._params: dict[str, Any] | None = None

    def fill(self, params: Params, *, json: bool = False) -> None:
        """Record the parameters once they are read (the body is read after faults strike)."""
        self._pairs = params.pairs
        self._json = params.values if json else None
        self._params = None

    @property
    def params(self) -> dict[str, Any]:
        """Every parameter received, signed ones included (`appKey`, `sign`).

        Query and form values are strings, a repeated key gives a list of strings; a JSON
        body gives its decoded values. The same shape as `daji_async.testing.Request.params`.
        """
        params = self._params
        if params is None:
            if self._json is not None:
                params = dict(self._json)
            else:
                params = {}
                pairs = self._pairs
                for key, value in pairs.items() if isinstance(pairs, MultiMapping) else pairs:
                    if key in params:
                        known = params[key]
                        params[key] = [*known, value] if isinstance(known, list) else [known, value]
                    else:
                        params[key] = value
            self._params = params
        return params

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (`GET /_sandbox/requests`)."""
        return {"method": self.method, "path": self.path, "params": self.params, "status": self.status}

    def __repr__(self) -> str:
        return f"SandboxRequest({self.method} {self.path} -> {self.status})"


class _Answer:
    """One canned answer of a route: a response, or a fault; used `times` times (None: always)."""

    __slots__ = ("body", "content_type", "fault", "headers", "hits", "status", "times", "traced")

    def __init__(
        self,
        *,
        times: int | None,
        status: int = 200,
        body: bytes = b"",
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        traced: bool = False,
        fault: Fault | None = None,
    ) -> None:
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise ValueError(f"times must be a positive int or None, got {times!r}")
        self.times = times
        self.hits = 0
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.traced = traced
        self.fault = fault

    @property
    def left(self) -> bool:
        return self.times is None or self.hits < self.times

    def response(self) -> web.Response:
        """A fresh response (aiohttp responses cannot be sent twice)."""
        body = envelope_bytes(self.body) if self.traced else self.body
        response = web.Response(status=self.status, body=body, headers=self.headers)
        if self.content_type is not None:
            response.content_type = self.content_type
        return response

    def to_dict(self) -> dict[str, Any]:
        if self.fault is not None:
            return {"fault": self.fault.to_dict(), "times": self.times, "hits": self.hits}
        return {"status": self.status, "times": self.times, "hits": self.hits}


class Route:
    """Canned answers for requests to one path (and method, and parameters): `sandbox.route(...)`.

    Build it with `respond` and `fault` (both return the route, to chain);
    inspect it with `calls`, `call_count` and `called`.
    """

    def __init__(
        self,
        path: str,
        *,
        method: str | None = None,
        params: Mapping[str, object] | None = None,
        lock: threading.Lock | None = None,
    ) -> None:
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"a route's path must start with '/', got {path!r}")
        self.path = path
        self.method = method.upper() if method is not None else None
        #: The parameters a request must carry to match, as wire text.
        self.params: dict[str, str] = {str(k): wire_value(v) for k, v in (params or {}).items()}
        self._answers: list[_Answer] = []
        self._calls: list[SandboxRequest] = []
        self._lock = lock or threading.Lock()

    # -------------------------------------------------------------- building

    def respond(
        self,
        status: int = 200,
        *,
        data: Any = None,
        json: Any = None,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        times: int | None = None,
    ) -> Route:
        """Answer matching requests with this response.

        Give one of `data` (wrapped in the service's success envelope, `code` 200 and a
        fresh `traceId`: what the SDK's model decodes), `json` (the whole body, as given:
        an error envelope, a malformed shape...) or `body` (raw bytes or text); none gives
        an empty body. `times=n` uses this answer n times, then the route's next one.
        """
        given = [name for name, value in (("data", data), ("json", json), ("body", body)) if value is not None]
        if len(given) > 1:
            raise ValueError(f"respond takes one of data, json or body; got {', '.join(given)}")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status (100..599), got {status!r}")
        content_type: str | None = "application/json"
        if data is not None:
            raw = encode(data)
        elif json is not None:
            raw = encode(json)
        elif isinstance(body, str):
            raw, content_type = body.encode(), None
        else:
            raw, content_type = body or b"", None
        if headers and any(k.lower() == "content-type" for k in headers):
            content_type = None
        answer = _Answer(
            times=times, status=status, body=raw, content_type=content_type, headers=headers, traced=data is not None
        )
        with self._lock:
            self._answers.append(answer)
        return self

    def fault(self, kind: FaultKind, *, times: int | None = None, **options: Any) -> Route:
        """Answer matching requests with an injected fault (the kinds and options of `Fault`).

        `route.fault("status", status=503, times=2)`, `route.fault("reset", times=1)`,
        `route.fault("latency", seconds=0.5)` (waits, then answers as the route's next
        answer would, or as usual).
        """
        for name in ("path", "match", "probability"):
            if name in options:
                raise TypeError(f"{name} is the route's business; pass it to sandbox.route(...), not fault()")
        fault = Fault(kind, **options)
        with self._lock:
            self._answers.append(_Answer(times=times, fault=fault))
        return self

    # -------------------------------------------------------------- matching

    def take(
        self,
        method: str,
        path: str,
        values: Mapping[str, Any],
        recorded: SandboxRequest,
        *,
        after: _Answer | None = None,
    ) -> _Answer | None:
        """The answer for a request, or None when the route does not match it (or is used up).

        `after`: the answer this request already got from the route (a `latency`
        fault): the next answer left after it, without counting the request again.
        """
        if path != self.path or (self.method is not None and method != self.method):
            return None
        for key, wanted in self.params.items():
            value = values.get(key)
            if value is None or (value if isinstance(value, str) else wire_value(value)) != wanted:
                return None
        with self._lock:
            answers = self._answers
            start = 0 if after is None else answers.index(after) + 1
            for answer in answers[start:]:
                if answer.left:
                    answer.hits += 1
                    if after is None:
                        self._calls.append(recorded)
                    return answer
        return None

    # -------------------------------------------------------------- inspecting

    @property
    def calls(self) -> list[SandboxRequest]:
        """The requests this route answered, in order."""
        with self._lock:
            return list(self._calls)

    @property
    def call_count(self) -> int:
        """How many requests this route answered."""
        return len(self._calls)

    @property
    def called(self) -> bool:
        """True once the route answered a request."""
        return bool(self._calls)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (`GET /_sandbox/routes`)."""
        with self._lock:
            answers = [a.to_dict() for a in self._answers]
        return {
            "path": self.path,
            "method": self.method,
            "params": self.params,
            "answers": answers,
            "calls": len(self._calls),
        }

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any], *, lock: threading.Lock | None = None) -> Route:
        """A route from its JSON form (`POST /_sandbox/routes`):

        ```json
        {"path": "/alibaba/product/queryProductDetail", "method": "GET", "params": {"offerId": "1"},
         "answers": [{"fault": {"kind": "status", "status": 503}, "times": 1},
                     {"status": 200, "data": {"offerId": 1}}]}
        ```
        """
        route = cls(str(spec["path"]), method=spec.get("method"), params=spec.get("params"), lock=lock)
        answers = spec.get("answers") or []
        if not isinstance(answers, list) or not answers:
            raise ValueError("a route needs a non-empty list of answers")
        for answer in answers:
            if not isinstance(answer, dict):
                raise TypeError(f"each answer must be an object, got {answer!r}")
            if "fault" in answer:
                fault = dict(answer["fault"])
                route.fault(fault.pop("kind"), times=answer.get("times"), **fault)
            else:
                known = {"status", "data", "json", "body", "headers", "times"}
                unknown = set(answer) - known
                if unknown:
                    raise ValueError(f"unknown answer fields {sorted(unknown)}; known: {sorted(known)}")
                route.respond(**answer)
        return route


__all__ = ["Route", "SandboxRequest"]
