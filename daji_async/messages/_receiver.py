"""The receiver runtime: an aiohttp endpoint (or its own server) that verifies, answers,
deduplicates and hands pushed messages over."""

from __future__ import annotations

import asyncio
import codecs
import logging
import os
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

from aiohttp import web

from .. import _constants as C
from .._errors import ConfigError, InvalidMessageError, MessageSignatureError
from .._validate import integer, positive_seconds
from ._models import Message
from ._parsing import read_push
from ._signatures import Verifier, default_verifier

__all__ = ["Callback", "MessageReceiver", "MessageStats", "ReceiverServer", "SubmitOutcome"]

logger = logging.getLogger("daji_async.messages")

#: Defaults of `MessageReceiver` (see `_constants`).
DEFAULT_CONCURRENCY = C.MESSAGE_CONCURRENCY
DEFAULT_MAX_PENDING = C.MESSAGE_MAX_PENDING
DEFAULT_REMEMBER = C.MESSAGE_REMEMBER
DEFAULT_CLOSE_TIMEOUT = C.MESSAGE_CLOSE_TIMEOUT
DEFAULT_MAX_AGE = C.MESSAGE_MAX_AGE
DEFAULT_MAX_SKEW = C.MESSAGE_MAX_SKEW
DEFAULT_HEADER_TIMEOUT = C.MESSAGE_HEADER_TIMEOUT
DEFAULT_BODY_TIMEOUT = C.MESSAGE_BODY_TIMEOUT
MAX_PUSH_BYTES = C.MESSAGE_MAX_PUSH_BYTES

Callback = Callable[[Message], Awaitable[object]]

#: What `MessageReceiver.submit` did with a message.
SubmitOutcome = Literal["accepted", "duplicate", "busy", "closed"]


@dataclass
class MessageStats:
    """What a `MessageReceiver` has seen.

    `accepted` messages were new; `duplicates` repeated a message already accepted;
    `rejected` pushes were unsigned, forged, unreadable or malformed requests (any 4xx but
    stale); `stale` were genuine but outside the freshness window (older than `max_age`,
    or too far in the future); `busy` were turned away (HTTP 503) because `max_pending`
    messages were waiting. Of the accepted, `processed` went through the callback (or were
    taken by the stream) and `failed` callbacks raised.
    """

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    stale: int = 0
    busy: int = 0
    processed: int = 0
    failed: int = 0


class _Closed:
    """Marks the end of the stream."""


_CLOSED = _Closed()


class MessageReceiver:
    """An aiohttp endpoint for 1688 pushes: verify, answer, deduplicate, hand over.

    Args:
        callback: `async def callback(message)`, called once per new message, at most
            `concurrency` at a time. Without one, iterate the receiver instead
            (`async for message in receiver`).
        app_secret: the secret pushes are signed with; defaults to env `DAJI_APP_SECRET`.
        verifier: your own check of a push's form fields (`verifier(form) -> bool`), for
            whatever DAJI's real pushes turn out to sign; then no app secret is needed.
        max_age: seconds; a push whose own time (`gmtBorn`, a Taobao `timestamp`) is older
            is refused (HTTP 410, `stats.stale`) even if its id was never seen or has left
            the dedupe window. None turns the check off. Messages without a time are accepted.
        max_skew: seconds a message's time may lie in the future (clock skew).
        body_timeout: seconds a client may take to send a request's body (HTTP 408 after).
        header_timeout: seconds a client may take to send a request's headers; applies to
            `serve`, the receiver's own server (a handler mounted in your application
            reads nothing before its headers: configure your server for that).
        concurrency: callbacks running at once.
        max_pending: accepted messages waiting for the callback or the consumer; beyond it a
            push is answered HTTP 503 (and not remembered), so the sender delivers it later.
        remember: how many recent msgIds are kept to recognise redeliveries.
        close_timeout: seconds `close` lets waiting messages finish.

    Delivery is at most once per msgId: a message is remembered when it is accepted, before
    the callback runs, and the push is answered HTTP 200 at once. A callback that raises is
    logged (logger `daji_async.messages`) and counted in `stats.failed`; a redelivery of
    that msgId is still a duplicate. Keep anything you must not lose (a queue, a table)
    inside the callback, or re-read the order with `client.orders.get`.

    ```python
    receiver = MessageReceiver(on_message, app_secret=secret, concurrency=4)
    app.add_subapp("/1688/messages", receiver.app())
    ```

    """

    def __init__(
        self,
        callback: Callback | None = None,
        *,
        app_secret: str | None = None,
        verifier: Verifier | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_pending: int = DEFAULT_MAX_PENDING,
        remember: int = DEFAULT_REMEMBER,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        max_age: float | None = DEFAULT_MAX_AGE,
        max_skew: float = DEFAULT_MAX_SKEW,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    ) -> None:
        secret = app_secret if app_secret is not None else os.environ.get(C.ENV_APP_SECRET)
        if verifier is not None and not callable(verifier):
            raise TypeError(f"verifier must be a function of the form fields, got {type(verifier).__name__}")
        if not secret and verifier is None:
            raise ConfigError(
                "MessageReceiver needs the app secret pushes are signed with "
                f"(app_secret or env {C.ENV_APP_SECRET}), or a verifier"
            )
        for name, seconds in (
            ("max_skew", max_skew),
            ("body_timeout", body_timeout),
            ("header_timeout", header_timeout),
            ("max_age", max_age if max_age is not None else 1.0),
        ):
            positive_seconds(name, seconds)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be an async function, got {type(callback).__name__}")
        for name, value in (("concurrency", concurrency), ("max_pending", max_pending), ("remember", remember)):
            integer(name, value, low=1)
        self._verifier: Verifier = verifier if verifier is not None else default_verifier(secret or "")
        self._callback = callback
        self.max_age = max_age
        self.max_skew = max_skew
        self.body_timeout = body_timeout
        self.header_timeout = header_timeout
        self.concurrency = concurrency
        self.max_pending = max_pending
        self.remember = remember
        self.close_timeout = close_timeout
        self.stats = MessageStats()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._queue: asyncio.Queue[Message | _Closed] = asyncio.Queue()
        self._pending = 0
        self._workers: list[asyncio.Task[None]] = []
        self._closed = False

    def __repr__(self) -> str:
        mode = "callback" if self._callback is not None else "stream"
        return f"MessageReceiver({mode}, concurrency={self.concurrency}, pending={self._pending})"

    @property
    def closed(self) -> bool:
        """True once `close` has been called."""
        return self._closed

    @property
    def pending(self) -> int:
        """Accepted messages not yet handled by the callback (or taken by the stream)."""
        return self._pending

    # ---------------------------------------------------------------- HTTP

    async def handle(self, request: web.BaseRequest) -> web.Response:
        """The aiohttp handler: `app.router.add_post("/1688/messages", receiver.handle)`.

        Answers 200 for accepted and duplicate messages; 403 for unsigned or forged ones; 400
        for anything malformed (no form, an unknown charset, bad bytes, not a message); 408
        when the body does not arrive within `body_timeout`; 413 when it is too large; 410
        for a genuine push outside the freshness window; 503 when busy or closed. Never 5xx
        for what a client sends.
        """
        if self._closed:
            return web.Response(status=503, text="closed")
        try:
            fields = await asyncio.wait_for(self._read_form(request), timeout=self.body_timeout)
        except asyncio.TimeoutError:
            return self._reject(request, 408, f"the body did not arrive within {self.body_timeout:g} s")
        except web.HTTPRequestEntityTooLarge:
            return self._reject(request, 413, "the body is too large")
        except Exception as exc:  # a client's malformed request is its error, never ours (no 5xx)
            return self._reject(request, 400, f"unreadable form ({type(exc).__name__}: {exc})")
        try:
            message = read_push(fields, verifier=self._verifier)
        except MessageSignatureError as exc:
            return self._reject(request, 403, str(exc), text="bad signature")
        except InvalidMessageError as exc:
            return self._reject(request, 400, str(exc), text="bad message")
        if not self.fresh(message):
            self.stats.stale += 1
            logger.warning(
                "refused message %s (%s) from %s: made %s, outside the freshness window",
                message.key,
                message.topic,
                request.remote,
                message.born.isoformat(),
            )
            return web.Response(status=410, text="stale message")
        outcome = self.submit(message)
        if outcome in ("busy", "closed"):
            return web.Response(status=503, text=outcome)
        return web.Response(text="success")

    async def _read_form(self, request: web.BaseRequest) -> dict[str, str]:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await request.content.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_PUSH_BYTES:
                raise web.HTTPRequestEntityTooLarge(max_size=MAX_PUSH_BYTES, actual_size=size)
            chunks.append(chunk)
        body = b"".join(chunks)
        if request.content_type != "application/x-www-form-urlencoded":
            raise ValueError(f"expected a form (application/x-www-form-urlencoded), got {request.content_type!r}")
        charset = request.charset or "utf-8"
        codecs.lookup(charset)  # LookupError for an unknown charset: a 400, not a 500
        text = body.decode(charset)  # UnicodeDecodeError for bad bytes: a 400
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=100))

    def _reject(self, request: web.BaseRequest, status: int, why: str, *, text: str = "") -> web.Response:
        self.stats.rejected += 1
        logger.warning("rejected a push from %s (HTTP %d): %s", request.remote, status, why[:300])
        return web.Response(status=status, text=text or "bad request")

    def fresh(self, message: Message, *, now: float | None = None) -> bool:
        """True when `message` is inside the freshness window (or carries no time)."""
        if self.max_age is None or not message.gmt_born:
            return True
        current = time.time() if now is None else now
        born = message.gmt_born / 1000
        return current - self.max_age <= born <= current + self.max_skew

    async def serve(self, host: str = "127.0.0.1", port: int = 0, *, path: str = "/") -> ReceiverServer:
        """Run the receiver on its own HTTP server; returns it (`.url`, `await .close()`).

        Besides what `handle` does, this server closes a connection whose request
        headers have not all arrived within `header_timeout` seconds, and answers one push
        per connection, so slow or idle clients cannot hold connections open.

        ```python
        server = await receiver.serve("0.0.0.0", 8080, path="/1688/messages")
        ...
        await server.close()
        ```

        """
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        timers: dict[asyncio.BaseTransport, asyncio.TimerHandle] = {}

        async def dispatch(request: web.BaseRequest) -> web.StreamResponse:
            timer = timers.pop(request.transport, None) if request.transport is not None else None
            if timer is not None:
                timer.cancel()  # the headers are in
            if request.path != path:
                response = web.Response(status=404, text="not found")
            elif request.method != "POST":
                response = web.Response(status=405, text="POST only", headers={"Allow": "POST"})
            else:
                response = await self.handle(request)
            response.force_close()
            return response

        low = web.Server(dispatch, access_log=None)
        loop = asyncio.get_running_loop()
        header_timeout = self.header_timeout
        stats = self.stats

        def guarded() -> asyncio.Protocol:
            return _HeaderDeadline(low(), header_timeout, timers, stats)

        server = await loop.create_server(guarded, host, port)
        bound = server.sockets[0].getsockname()
        return ReceiverServer(self, server, low, f"http://{bound[0]}:{bound[1]}{path}")

    def app(self) -> web.Application:
        """A sub-application that receives pushes at its root; add it with `add_subapp`.

        `app.add_subapp("/1688/messages", receiver.app())` receives `POST /1688/messages`.
        The receiver is closed (waiting messages handled) when the application shuts down.
        """
        sub = web.Application()
        sub.router.add_post("", self.handle)
        sub.router.add_post("/", self.handle)

        async def close_receiver(_: web.Application) -> None:
            await self.close()

        sub.on_shutdown.append(close_receiver)
        return sub

    # ---------------------------------------------------------------- the queue

    def submit(self, message: Message) -> SubmitOutcome:
        """Hand over a verified message (for pushes received some other way than `handle`).

        Returns `"accepted"` (new, queued), `"duplicate"` (msgId already accepted),
        `"busy"` (`max_pending` reached; not remembered) or `"closed"`.
        """
        if self._closed:
            return "closed"
        key = message.key
        if key in self._seen:
            self._seen.move_to_end(key)
            self.stats.duplicates += 1
            logger.debug("dropped a redelivery of message %s (%s)", key, message.topic)
            return "duplicate"
        if self._pending >= self.max_pending:
            self.stats.busy += 1
            logger.warning("turned message %s away: %d messages are waiting", key, self._pending)
            return "busy"
        self._seen[key] = None
        if len(self._seen) > self.remember:
            self._seen.popitem(last=False)
        self.stats.accepted += 1
        self._pending += 1
        self._queue.put_nowait(message)
        if self._callback is not None and not self._workers:
            self._workers = [
                asyncio.create_task(self._work(self._callback), name=f"daji-messages-{i}")
                for i in range(self.concurrency)
            ]
        return "accepted"

    async def _work(self, callback: Callback) -> None:
        while True:
            message = await self._queue.get()
            try:
                if isinstance(message, _Closed):
                    return
                await callback(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.stats.failed += 1
                logger.exception(
                    "the message callback failed for message %s (%s); it will not be handed over again",
                    getattr(message, "msg_id", "?"),
                    getattr(message, "topic", "?"),
                )
            else:
                self.stats.processed += 1
            finally:
                if not isinstance(message, _Closed):
                    self._pending -= 1
                self._queue.task_done()

    async def join(self) -> None:
        """Wait until every accepted message has been handled (callback) or taken (stream)."""
        await self._queue.join()

    # ---------------------------------------------------------------- the stream

    def __aiter__(self) -> AsyncIterator[Message]:
        """`async for message in receiver`: each new message once, until `close`."""
        if self._callback is not None:
            raise TypeError(
                "this MessageReceiver hands messages to its callback; create one without a callback to iterate"
            )
        return self._stream()

    async def _stream(self) -> AsyncIterator[Message]:
        while True:
            message = await self._queue.get()
            self._queue.task_done()
            if isinstance(message, _Closed):
                self._queue.put_nowait(message)  # let other consumers stop too
                return
            self._pending -= 1
            self.stats.processed += 1
            yield message

    # ---------------------------------------------------------------- shutdown

    async def close(self) -> None:
        """Stop accepting pushes (HTTP 503 from now on) and finish what was accepted.

        With a callback: waits up to `close_timeout` seconds for waiting messages, then
        cancels the callbacks still running. Without one: ends every `async for` once the
        messages already accepted have been taken. Idempotent.
        """
        if self._closed:
            return
        self._closed = True
        if self._callback is None:
            self._queue.put_nowait(_CLOSED)
            return
        workers, self._workers = self._workers, []
        if not workers:
            return
        for _ in workers:
            self._queue.put_nowait(_CLOSED)
        _, running = await asyncio.wait(workers, timeout=self.close_timeout)
        if running:
            logger.warning(
                "closing the message receiver: cancelling %d callbacks still running after %g s",
                len(running),
                self.close_timeout,
            )
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)


class _HeaderDeadline(asyncio.Protocol):
    """Wraps aiohttp's protocol: closes the connection if no request head arrives in time."""

    def __init__(
        self,
        inner: asyncio.Protocol,
        timeout: float,
        timers: dict[asyncio.BaseTransport, asyncio.TimerHandle],
        stats: MessageStats,
    ) -> None:
        self._inner = inner
        self._timeout = timeout
        self._timers = timers
        self._stats = stats
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._timers[transport] = asyncio.get_running_loop().call_later(self._timeout, self._expire)
        self._inner.connection_made(transport)

    def _expire(self) -> None:
        transport = self._transport
        if transport is not None and self._timers.pop(transport, None) is not None:
            self._stats.rejected += 1
            logger.warning("closed a connection that sent no complete request head within %g s", self._timeout)
            transport.close()

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            timer = self._timers.pop(self._transport, None)
            if timer is not None:
                timer.cancel()
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


@dataclass
class ReceiverServer:
    """A `MessageReceiver` on its own server (from `MessageReceiver.serve`)."""

    receiver: MessageReceiver
    server: asyncio.AbstractServer
    handler: web.Server
    url: str

    async def close(self) -> None:
        """Stop listening, close the receiver (finishing accepted messages) and the connections."""
        self.server.close()
        await self.receiver.close()
        await self.handler.shutdown(1.0)
        await self.server.wait_closed()

    async def __aenter__(self) -> ReceiverServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
