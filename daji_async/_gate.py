"""The client's concurrency bound (`max_concurrency`): a counter with a free fast path.

`asyncio.Semaphore` costs a coroutine and, on Python 3.11, a generator over its waiters on
every `acquire` even when a place is free. Every request passes this gate, so a free place
is taken here with a plain method call; only a request that must wait creates a future.
Places are handed to waiters in arrival order (a released place goes straight to the oldest
waiter, so a newcomer cannot jump the queue).
"""

from __future__ import annotations

import asyncio
from collections import deque


class ConcurrencyGate:
    """At most `size` holders at once; `try_take()` or `await take()`, then `release()`.

    ```python
    if not gate.try_take():
        await gate.take()
    try:
        ...
    finally:
        gate.release()
    ```

    """

    __slots__ = ("_free", "_waiters", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def in_use(self) -> int:
        """Places held now."""
        return self.size - self._free

    def try_take(self) -> bool:
        """Take a place if one is free and nobody is waiting for one; True when taken."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        return False

    async def take(self) -> None:
        """Wait for a place (first come, first served) and take it."""
        if self.try_take():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # a place was handed over as this task was cancelled: pass it on
            raise

    def release(self) -> None:
        """Give a place back: to the oldest waiter still waiting, else to the free count."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    def __repr__(self) -> str:
        return f"ConcurrencyGate(size={self.size}, in_use={self.in_use}, waiting={len(self._waiters)})"
