"""OpenTelemetry traces and metrics for a client, built on its event hooks.

Install the extra (`pip install 'daji-async[otel]'`, which brings `opentelemetry-api`), set up
an OpenTelemetry SDK as usual, then:

```python
from daji_async.otel import instrument

client = DajiClient()
instrument(client)  # the global tracer and meter providers, or pass your own
```

Every attempt of every request becomes a span of kind CLIENT named after its endpoint
(`products.keyword_search`), a child of the span current where the call was made, with these
attributes: `daji.platform`, `daji.endpoint`, `daji.page` (paged calls), `daji.attempt`,
`daji.retries`, `daji.rate_limit_wait` (seconds), `daji.from_cache`, `daji.trace_id` (the
service's), `http.request.method`, `url.path`, `http.response.status_code` and, for a failed
attempt, `error.type` (the exception's class name; the span's status is then ERROR and the
exception, whose message the SDK masks, is recorded on it).

Metrics (meter `daji_async`):

| instrument | kind | unit | attributes |
| --- | --- | --- | --- |
| `daji.client.requests` | counter | `{request}` | platform, endpoint, status code, `error.type`, from cache |
| `daji.client.retries` | counter | `{retry}` | platform, endpoint |
| `daji.client.errors` | counter | `{error}` | platform, endpoint, `error.type` |
| `daji.client.rate_limit.wait` | histogram | `s` | platform, endpoint |
| `daji.client.request.duration` | histogram | `s` | platform, endpoint, status code, `error.type` |

Neither spans nor metrics ever carry the app key, the app secret, the signature, the request's
parameters or its URL (whose query string carries the signature): only the path.

`import daji_async` never imports OpenTelemetry; only importing this module does.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

try:
    from opentelemetry import metrics, trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError(
        "daji_async.otel needs OpenTelemetry's API: pip install 'daji-async[otel]' (opentelemetry-api)"
    ) from exc

from ._hooks import RequestEvent, ResponseEvent
from ._version import __version__

if TYPE_CHECKING:
    from ._client import DajiClient

__all__ = ["instrument"]

#: The span of the attempt in flight in this task (one attempt at a time runs in a task).
_current: ContextVar[trace.Span | None] = ContextVar("daji_otel_span", default=None)


class _Telemetry:
    """The tracer and instruments of one `instrument()` call; its methods are the hooks."""

    def __init__(self, tracer: trace.Tracer, meter: metrics.Meter) -> None:
        self.tracer = tracer
        self.requests = meter.create_counter(
            "daji.client.requests", unit="{request}", description="Attempts of DAJI API requests, cache hits included"
        )
        self.retries = meter.create_counter(
            "daji.client.retries", unit="{retry}", description="Attempts that repeat a failed one"
        )
        self.errors = meter.create_counter(
            "daji.client.errors", unit="{error}", description="Attempts that failed, by error class"
        )
        self.rate_limit_wait = meter.create_histogram(
            "daji.client.rate_limit.wait", unit="s", description="Time an attempt waited for the rate limiter"
        )
        self.duration = meter.create_histogram(
            "daji.client.request.duration", unit="s", description="Time from the start of an attempt to its end"
        )

    def on_request(self, event: RequestEvent) -> None:
        attributes: dict[str, Any] = {
            "daji.platform": event.platform,
            "daji.endpoint": event.endpoint,
            "daji.attempt": event.attempt,
            "daji.retries": event.retries,
            "http.request.method": event.method,
            "url.path": event.path,
        }
        if event.page is not None:
            attributes["daji.page"] = event.page
        if event.retries:
            self.retries.add(1, {"daji.platform": event.platform, "daji.endpoint": event.endpoint})
        span = self.tracer.start_span(event.endpoint, kind=SpanKind.CLIENT, attributes=attributes)
        _current.set(span)

    def on_response(self, event: ResponseEvent) -> None:
        span = _current.get()
        _current.set(None)
        if span is None:  # hooks added between the request and its answer: a span of the answer alone
            self.on_request(event)
            span = _current.get()
            _current.set(None)
            assert span is not None
        common = {"daji.platform": event.platform, "daji.endpoint": event.endpoint}
        outcome: dict[str, Any] = dict(common)
        span.set_attribute("daji.rate_limit_wait", event.rate_limit_wait)
        span.set_attribute("daji.from_cache", event.from_cache)
        if event.status is not None:
            span.set_attribute("http.response.status_code", event.status)
            outcome["http.response.status_code"] = event.status
        if event.trace_id:
            span.set_attribute("daji.trace_id", event.trace_id)
        error = event.error
        if error is not None:
            kind = type(error).__name__
            outcome["error.type"] = kind
            span.set_attribute("error.type", kind)
            span.set_status(Status(StatusCode.ERROR, kind))
            span.record_exception(error, escaped=True)
            self.errors.add(1, {**common, "error.type": kind})
        span.end()
        self.requests.add(1, {**outcome, "daji.from_cache": event.from_cache})
        self.duration.record(event.elapsed, outcome)
        if not event.from_cache:
            self.rate_limit_wait.record(event.rate_limit_wait, common)


def instrument(
    client: DajiClient,
    tracer_provider: trace.TracerProvider | None = None,
    meter_provider: metrics.MeterProvider | None = None,
) -> None:
    """Trace and measure every request `client` makes, through its event hooks.

    Adds a request hook and a response hook to `client.event_hooks` (keeping the hooks it
    has). Instrumenting a client again replaces the hooks of the earlier call, so the
    providers of the last call win. Views made from the client afterwards (`with_options`,
    `with_raw_response`) are instrumented too; views made before are not.

    Args:
        client: the client to instrument.
        tracer_provider: where spans go; None for OpenTelemetry's global tracer provider.
        meter_provider: where metrics go; None for the global meter provider.
    """
    tracer = trace.get_tracer("daji_async", __version__, tracer_provider=tracer_provider)
    meter = metrics.get_meter("daji_async", __version__, meter_provider=meter_provider)
    telemetry = _Telemetry(tracer, meter)
    hooks = client.event_hooks
    requests = [
        hook for hook in hooks.get("request", []) if not isinstance(getattr(hook, "__self__", None), _Telemetry)
    ]
    responses = [
        hook for hook in hooks.get("response", []) if not isinstance(getattr(hook, "__self__", None), _Telemetry)
    ]
    client.event_hooks = {"request": [*requests, telemetry.on_request], "response": [*responses, telemetry.on_response]}
