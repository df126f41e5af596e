"""Running the sandbox: in the current event loop, in a background thread, or as a process."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._app import create_app
from ._arrivals import serve
from ._routes import Route, SandboxRequest
from ._state import Fault, FaultKind, SandboxConfig, SandboxState

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._client import DajiClient
    from .._options import ClientOptions
    from ._options import FaultOptions, SandboxOptions


class SandboxServer:
    """A running sandbox on loopback, with its base URL, credentials and controls.

    In the current event loop:

    ```python
    async with SandboxServer() as sandbox:
        async with sandbox.client() as client:
            page = await client.products.keyword_search("连衣裙")
    ```

    Or in a background thread (its own event loop), from sync or async code:

    ```python
    with SandboxServer(latency=0.05) as sandbox:
        ...  # sandbox.base_url serves until the block ends
    ```

    Args:
        host, port: where to listen (port 0 picks a free port).
        config: a full `SandboxConfig`; keyword options below override its fields
            (`latency`, `seed`, `app_key`, `app_secret`, `faults`...).
        tls: a server `ssl.SSLContext` (its certificate loaded) to serve HTTPS: `base_url`
            is then `https://...`; give the client a context that trusts the certificate
            (`sandbox.client(ssl=...)`). `stats["connections"]` counts the handshakes.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        config: SandboxConfig | None = None,
        *,
        tls: ssl.SSLContext | None = None,
        **options: Unpack[SandboxOptions],
    ) -> None:
        config = config or SandboxConfig()
        for name, value in options.items():
            if not hasattr(config, name):
                raise TypeError(f"unknown sandbox option {name!r}")
            setattr(config, name, value)
        self.state = SandboxState(config)
        self.tls = tls
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    # -------------------------------------------------------------- facts and controls

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>` (`https://` with `tls`): pass it as `DajiClient(base_url=...)`."""
        return f"{'https' if self.tls is not None else 'http'}://{self.host}:{self.port}"

    @property
    def app_key(self) -> str:
        """The app key this sandbox accepts."""
        return self.state.config.app_key

    @property
    def app_secret(self) -> str:
        """The app secret this sandbox signs with (it protects nothing: the sandbox is a fake)."""
        return self.state.config.app_secret

    def client(self, **options: Unpack[ClientOptions]) -> DajiClient:
        """A DajiClient pointed at this sandbox with its credentials (options pass through).

        It ignores the environment's proxy variables (`trust_env=False`): the sandbox is on
        loopback, which an `HTTP_PROXY` without `NO_PROXY` would otherwise capture.
        """
        from .._client import DajiClient

        options.setdefault("base_url", self.base_url)
        options.setdefault("trust_env", False)
        return DajiClient(self.app_key, self.app_secret, **options)

    def add_fault(self, kind: FaultKind | Fault, **options: Unpack[FaultOptions]) -> Fault:
        """Inject a fault (see `Fault`): `sandbox.add_fault("status", status=503, times=2)`."""
        return self.state.add_fault(kind, **options)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self.state.clear_faults()

    def set_scenario(self, keyword: str, total: int) -> None:
        """Make keyword searches for `keyword` find exactly `total` offers."""
        self.state.set_scenario(keyword, total)

    def route(self, path: str, *, method: str | None = None, params: Mapping[str, object] | None = None) -> Route:
        """Canned answers for requests to `path` carrying `params` (respx-style).

        ```python
        route = sandbox.route("/alibaba/product/queryProductDetail", params={"offerId": 1})
        route.respond(data={"offerId": 1, "subject": "连衣裙"})          # the envelope's data
        route.fault("status", status=503, times=1)                       # or a fault
        assert route.called and route.calls[0].params["offerId"] == "1"
        ```

        See `Route`. The first matching route answers, after the
        signature check; once its answers are used up the sandbox answers as usual.
        """
        return self.state.add_route(Route(path, method=method, params=params))

    def clear_routes(self) -> None:
        """Remove every route."""
        self.state.clear_routes()

    @property
    def requests(self) -> list[SandboxRequest]:
        """The requests received (the latest `record_requests`, 10,000 by default), in order.

        Each has `method`, `path`, `params` (every parameter, `appKey` and `sign`
        included) and `status` (how it was answered; 0 for a dropped connection).
        """
        return list(self.state.requests)

    def reset(self) -> None:
        """Forget uploads, orders, faults, routes, recorded requests and statistics."""
        self.state.reset()

    @property
    def upload_count(self) -> int:
        """Image uploads answered since the start (or the last `reset`), both platforms, POST and URL."""
        return self.state.upload_count

    def expire_uploads(self) -> int:
        """Forget every uploaded image id, as the service does when ids expire; returns how many.

        An image search by a forgotten id is then refused (HTTP 400) until the picture is
        uploaded again: what `client.bulk.image_search` recovers from by uploading once more.
        """
        return self.state.expire_uploads()

    @property
    def stats(self) -> dict[str, Any]:
        """Request counts by path and status, in-flight maximum, most requests in one second."""
        return self.state.stats.snapshot()

    # -------------------------------------------------------------- in the current loop

    async def start(self) -> SandboxServer:
        """Start serving in the running event loop."""
        runner = web.AppRunner(create_app(self.state), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            # each connection's protocol stamps when a request's bytes are read (stats' arrivals)
            server = await serve(runner, self.host, self.port, tls=self.tls, connected=self._connected)
        except BaseException:
            await runner.cleanup()
            raise
        self._runner, self._server = runner, server
        if self.port == 0:
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1]
        return self

    def _connected(self) -> None:
        self.state.stats.connections += 1

    async def stop(self) -> None:
        """Stop serving (started with `start`)."""
        runner, self._runner = self._runner, None
        server, self._server = self._server, None
        if server is not None:
            server.close()
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> SandboxServer:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -------------------------------------------------------------- in a thread

    def start_in_thread(self) -> SandboxServer:
        """Serve from a daemon thread with its own event loop; returns once it listens."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)

            async def main() -> None:
                self._stop = asyncio.Event()
                try:
                    await self.start()
                except BaseException as exc:  # report startup failures to the caller
                    failure.append(exc)
                    ready.set()
                    return
                ready.set()
                await self._stop.wait()
                await self.stop()

            try:
                loop.run_until_complete(main())
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="daji-sandbox", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop_thread(self) -> None:
        """Stop a sandbox started with `start_in_thread` and join its thread."""
        loop, stop, thread = self._loop, self._stop, self._thread
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        if thread is not None:
            thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start_in_thread()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_thread()
