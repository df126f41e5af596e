"""Bulk inputs: one per line from a file or standard input, read as the work goes.

Lines are read lazily, so a file of a million keywords never sits in memory. A pipe or a
terminal is read in a worker thread, so a slow producer never blocks the requests already
in flight; a regular file is read directly (a disk read does not stall the event loop).
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator
from typing import BinaryIO

from ._parser import UsageError


class InputLines:
    """The non-blank lines of FILE (or stdin for ``-``), stripped, as an async iterator.

    ::

        with InputLines("keywords.txt") as lines:
            async for keyword in lines:
                ...
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
            self.regular = stat.S_ISREG(os.fstat(self._stream.fileno()).st_mode)
        except (OSError, ValueError):
            self.regular = False
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

    async def _lines(self) -> AsyncIterator[str]:
        stream = self._stream
        if stream is None:
            raise RuntimeError("InputLines must be entered (with ...) before iterating")
        number = 0
        while True:
            raw = stream.readline() if self.regular else await asyncio.to_thread(stream.readline)
            if not raw:
                return
            number += 1
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise UsageError(f"{self.label}, line {number}: not UTF-8 text") from None
            text = text.strip()
            if text:
                yield text
