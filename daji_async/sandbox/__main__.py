"""`python -m daji_async.sandbox --port 8080`: serve the sandbox until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
import ssl
import sys

from ._server import SandboxServer
from ._state import SandboxConfig


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and serve the sandbox in the foreground."""
    parser = argparse.ArgumentParser(prog="python -m daji_async.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--seed", type=int, default=1688, help="catalogue seed")
    parser.add_argument("--app-key", default=SandboxConfig.app_key)
    parser.add_argument("--app-secret", default=SandboxConfig.app_secret)
    parser.add_argument("--certfile", help="serve HTTPS with this PEM certificate (chain)")
    parser.add_argument("--keyfile", help="the certificate's PEM private key (with --certfile)")
    parser.add_argument(
        "--control-host",
        action="append",
        default=[],
        help="a host name the /_sandbox control endpoints answer to (IP addresses and localhost always do)",
    )
    args = parser.parse_args(argv)
    try:
        config = SandboxConfig(
            app_key=args.app_key,
            app_secret=args.app_secret,
            latency=args.latency,
            seed=args.seed,
            control_hosts=tuple(args.control_host),
        )
    except ValueError as exc:  # --latency nan, inf or negative: a usage error, not a traceback
        parser.error(str(exc))
    tls = None
    if args.certfile:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.certfile, args.keyfile)
    elif args.keyfile:
        parser.error("--keyfile needs --certfile")
    scheme = "https" if tls is not None else "http"
    print(
        f"DAJI sandbox on {scheme}://{args.host}:{args.port}  app key {config.app_key!r}  "
        f"app secret {config.app_secret!r}",
        file=sys.stderr,
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(SandboxServer(args.host, args.port, config=config, tls=tls)))
    return 0


async def serve(sandbox: SandboxServer) -> None:
    """Serve until SIGINT or SIGTERM.

    The sandbox owns this process, so once its catalogue is built it moves every object alive
    then out of the garbage collector's reach (`gc.freeze`): a full collection otherwise
    walked the catalogue and paused the event loop for about 30 ms on a loaded machine, long
    enough to stamp a burst of requests late and make `max_per_second` count more requests
    in one second than arrived in it.
    """
    await sandbox.start()
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # no loop signal handlers on Windows
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await sandbox.stop()


if __name__ == "__main__":
    sys.exit(main())
