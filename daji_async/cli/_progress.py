"""Messages and the progress bar, both on stderr so that stdout stays pure data.

The bar is drawn only when stderr is a terminal and `--quiet` is not given; it is
transient (it disappears when the work ends), so a table printed afterwards stands alone.
Messages printed while the bar runs appear above it.
"""

from __future__ import annotations

import re
import sys
import urllib.request
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from .._bulk import BulkProgress
from .._redact import redact_text, url_credentials
from ._output import printable

#: A signature in echoed request text (`sign=3F2A...`, `"sign": "..."`): the value is hidden.
_SIGNATURE = re.compile(
    r"""(\b_?(?:aop_|dj_)?sign(?:ature)?["']?\s*[=:]\s*["']?)[0-9A-Za-z+/%=_-]{8,}""", re.IGNORECASE
)


class Messages:
    """Notes, warnings and errors on stderr; notes are silenced by `--quiet`.

    Each message is one line: rich never wraps it, whatever the terminal width. A message
    often carries the service's own text, so it is cleaned before it is shown: control
    characters escaped (`printable`), request signatures and
    the app secret (`secrets`, raw or URL-encoded) and the environment's proxy passwords
    replaced by `***`. The SDK keeps both
    out of its messages already; this is the last line of defence of the terminal.
    """

    def __init__(self, *, quiet: bool = False, console: Console | None = None, secrets: Sequence[str] = ()) -> None:
        self.console = console or Console(file=sys.stderr, highlight=False, soft_wrap=True)
        self.quiet = quiet
        # the environment's proxy passwords too: a connection error may show the proxy's URL or its Basic token
        proxies = urllib.request.getproxies().values()
        found = (form for url in proxies for form in url_credentials(url))
        self._secrets = tuple(secret for secret in (*secrets, *found) if secret)

    def clean(self, text: str) -> str:
        """`text` with secrets and signatures hidden and control characters escaped.

        The secret in every form the SDK knows (`daji_async._redact.redact_text`: raw,
        URL-encoded in either case, JSON-escaped), then any signature-like value.
        """
        return printable(_SIGNATURE.sub(r"\1***", redact_text(text, self._secrets)))

    @property
    def interactive(self) -> bool:
        """True when stderr is a terminal (so a progress bar can be drawn)."""
        return self.console.is_terminal

    def note(self, text: str) -> None:
        """An informative line (counts, hints); hidden with `--quiet`."""
        if not self.quiet:
            self.console.print(Text(self.clean(text), style="dim"), soft_wrap=True)

    def warn(self, text: str) -> None:
        """A problem that does not stop the command (a failed bulk input)."""
        self.console.print(Text(self.clean(text), style="yellow"), soft_wrap=True)

    def error(self, text: str) -> None:
        """The line that explains why the command stops."""
        self.console.print(Text(self.clean(text), style="bold red"), soft_wrap=True)


class _Rate(ProgressColumn):
    """Completed units per second, e.g. `12.5 pages/s`."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        """The task's current speed, or nothing before there is one."""
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f} {self.unit}/s" if speed else "", style="cyan")


class _Failed(ProgressColumn):
    """The number of failures so far, in red once there is one."""

    def render(self, task: Task) -> Text:
        """`N failed`, or nothing while nothing failed."""
        failed = int(task.fields.get("failed", 0))
        return Text(f"{failed:,} failed" if failed else "", style="red")


class ProgressBar:
    """A bar counting pages or inputs, with failures, items found and rate; a no-op when hidden.

    ```python
    with ProgressBar(messages, "连衣裙", unit="pages") as bar:
        bar.total(10)
        bar.advance(items=50)
    ```

    """

    def __init__(self, messages: Messages, description: str, *, unit: str, total: int | None = None) -> None:
        self.enabled = messages.interactive and not messages.quiet
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._items = 0
        self._failed = 0
        if self.enabled:
            self._progress = Progress(
                TextColumn("{task.description}", style="bold", markup=False),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(unit),
                TextColumn("[green]{task.fields[items]:,} items"),
                _Failed(),
                _Rate(unit),
                TimeElapsedColumn(),
                console=messages.console,
                transient=True,
                refresh_per_second=8,
            )
            self._task = self._progress.add_task(_short(printable(description)), total=total, items=0, failed=0)

    def __enter__(self) -> ProgressBar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def total(self, total: int | None) -> None:
        """Set how many units there will be (None: unknown, the bar pulses)."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=total)

    def update(self, progress: BulkProgress) -> None:
        """Take the counts of a bulk `progress` callback (inputs done, failed, total if known)."""
        self._failed = progress.failed
        if self._progress is not None and self._task is not None:
            fields: dict[str, object] = {"completed": progress.done, "failed": progress.failed}
            if progress.total is not None:
                fields["total"] = progress.total
            self._progress.update(self._task, **fields)  # type: ignore[arg-type]

    def advance(self, *, done: int = 1, items: int = 0, failed: int = 0) -> None:
        """Count `done` more units, `items` more items and `failed` more failures."""
        self._items += items
        self._failed += failed
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=done, items=self._items, failed=self._failed)


def _short(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
