"""Bulk inputs: one per line from a file or standard input, read as the work goes.

Lines are read lazily, so a file of a million keywords never sits in memory. A regular file
is read directly (a disk read does not stall the event loop). A pipe or a terminal is read
with `os.read` in a daemon thread, one chunk each time the bulk work asks for more: an idle
producer never blocks the requests in flight, and Ctrl-C never waits for it. (A thread of the
event loop's executor would: `asyncio.run` joins those threads on the way out, so the
command would hang until stdin closed.)
"""

from __future__ import annotations

import asyncio
import os
import queue
import stat
import sys
import threading
from collections.abc import AsyncIterator
from typing import BinaryIO

from ._parser import UsageError

#: Bytes asked of a pipe at a time.
CHUNK = 65536


class PipeReader:
    """Chunks of a file descriptor read in a daemon thread, on demand: `await reader.read()`.

    The thread reads only when asked, so nothing is read ahead of the work. A read that
    waits on an idle pipe holds no lock the interpreter needs on exit, so cancelling
    `read` (Ctrl-C) leaves the thread blocked harmlessly until the process ends.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._requests: queue.SimpleQueue[tuple[asyncio.AbstractEventLoop, asyncio.Future[bytes]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def read(self) -> bytes:
        """The next chunk (at most `CHUNK` bytes); `b""` at the end of input."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="daji-stdin", daemon=True)
            self._thread.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes] = loop.create_future()
        self._requests.put((loop, future))
        return await future

    def _serve(self) -> None:
        while True:
            loop, future = self._requests.get()
            try:
                data = os.read(self.fd, CHUNK)
            except OSError as exc:
                error: BaseException | None = exc
                data = b""
            else:
                error = None
            try:
                loop.call_soon_threadsafe(_settle, future, data, error)
            except RuntimeError:  # the loop is closed: the command is ending
                return


def _settle(future: asyncio.Future[bytes], data: bytes, error: BaseException | None) -> None:
    if future.done():  # cancelled while the thread was reading
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(data)


class InputLines:
    """The non-blank lines of FILE (or stdin for `-`), stripped, as an async iterator.

    ```python
    with InputLines("keywords.txt") as lines:
        async for keyword in lines:
            ...
    ```

    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.label = "standard input" if name == "-" else name
        self._stream: BinaryIO | None = None
        self._owned = False
        self.regular = False

    def __enter__(self) -> InputLines:
        if self.name == "-":
            self._stream = sys.stdin.buffer
        else:
            try:
                self._stream = open(self.name, "rb")  # closed by __exit__
            except OSError as exc:
                raise UsageError(f"cannot read {self.name}: {exc.strerror or exc}") from None
            self._owned = True
        try:
            mode = os.fstat(self._stream.fileno()).st_mode
        except (OSError, ValueError):
            raise UsageError(f"cannot read {self.label}") from None
        if stat.S_ISDIR(mode):
            raise UsageError(f"{self.name} is a directory")
        self.regular = stat.S_ISREG(mode)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owned and self._stream is not None:
            self._stream.close()
        self._stream = None

    def count(self) -> int | None:
        """How many inputs a regular file holds (one quick pass), else None (a pipe: unknown)."""
        if not self.regular or self._stream is None:
            return None
        stream = self._stream
        start = stream.tell()
        try:
            return sum(1 for line in stream if line.strip())
        finally:
            stream.seek(start)

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _raw_lines(self) -> AsyncIterator[bytes]:
        stream = self._stream
        if stream is None:
            raise RuntimeError("InputLines must be entered (with ...) before iterating")
        if self.regular:
            for raw in stream:
                yield raw
            return
        reader = PipeReader(stream.fileno())
        pending = b""
        while True:
            chunk = await reader.read()
            if not chunk:
                if pending:
                    yield pending
                return
            *lines, pending = (pending + chunk).split(b"\n")
            for raw in lines:
                yield raw

    async def _lines(self) -> AsyncIterator[str]:
        number = 0
        async for raw in self._raw_lines():
            number += 1
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise UsageError(f"{self.label}, line {number}: not UTF-8 text") from None
            text = text.strip()
            if text:
                yield text
