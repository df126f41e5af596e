"""`daji`: the DAJI open API from the terminal (also `python -m daji_async`).

```python
daji --sandbox search keyword 连衣裙 --max-items 200      # no credentials, no network
daji search keyword 手机壳 --sort price:asc --csv > cases.csv
daji bulk keywords keywords.txt --json | jq .offerId
```

Exit status: 0 done; 1 the service or the network failed (any `DajiError`
but a configuration error, and any answer the SDK could not read); 2 a usage or configuration
error (bad option, unreadable file, missing credentials); 130 interrupted (Ctrl-C). A closed
output pipe (`| head`) ends the command quietly with 0. Expected errors are one line on stderr, never a traceback.

The command needs `rich` (`pip install 'daji-async[cli]'`); the SDK itself does not.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

from .._constants import ENV_APP_SECRET
from .._errors import ConfigError, DajiError

__all__ = ["EXIT_INTERRUPTED", "EXIT_OK", "EXIT_SERVICE", "EXIT_USAGE", "main"]

EXIT_OK = 0
#: The service or the network failed.
EXIT_SERVICE = 1
#: The command was used wrongly, or the configuration (credentials) is missing or invalid.
EXIT_USAGE = 2
#: Interrupted by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run `daji` with `argv` (default: the process arguments); returns the exit status."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # before the event loop runs (imports, parsing) or after it
        print("daji: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    try:
        import rich  # noqa: F401  - the one dependency of the command, not of the SDK
    except ImportError:
        print("daji: the command needs rich: pip install 'daji-async[cli]'", file=sys.stderr)
        return EXIT_USAGE
    from ._commands import describe, run
    from ._parser import UsageError, parse_args
    from ._progress import Messages

    try:
        args = parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    messages = Messages(quiet=args.quiet, secrets=[os.environ.get(ENV_APP_SECRET, "")])
    # The type of the exception decides the exit status, never its message: the command's own
    # usage errors and a missing configuration are 2; everything else that stops the work is
    # the service's or the network's doing (a malformed answer included), or a bug: 1.
    try:
        return asyncio.run(run(args, messages))
    except KeyboardInterrupt:
        messages.error("daji: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_OK
    except UsageError as exc:
        messages.error(f"daji: error: {exc}")
        return EXIT_USAGE
    except ConfigError as exc:
        messages.error(f"daji: {exc}")
        return EXIT_USAGE
    except DajiError as exc:
        messages.error(f"daji: {describe(exc)}")
        return EXIT_SERVICE
    except (Exception, RecursionError) as exc:
        messages.error(f"daji: {unexpected(exc)}")
        return EXIT_SERVICE


def unexpected(exc: BaseException) -> str:
    """One line for an exception that is not the SDK's: most likely an answer it could not read."""
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:199] + "…"
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return (
        f"unexpected failure ({detail}); most likely a malformed answer from the service: "
        "try again, report it if it persists"
    )


def _discard_stdout() -> None:
    """After the reader of stdout went away, send the rest (and the final flush) nowhere.

    Without this, the interpreter's last flush of stdout raises BrokenPipeError again.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
