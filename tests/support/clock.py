"""Virtual time for refresh tests: waits are recorded, not waited.

    clock = VirtualClock()
    await refresh_async(config, pids, policy=policy, sleep=clock.sleep, monotonic=clock.monotonic)
    assert clock.sleeps == [1.0]         # the one Retry-After wait, exactly as asked

``sleep`` returns at once (after one turn of the event loop, so other tasks run) and moves
``monotonic`` on by what was asked: a budget or a deadline checked against ``monotonic`` sees
the waits, and nothing depends on how loaded the machine is.
"""

from __future__ import annotations

import asyncio


class VirtualClock:
    """A monotonic clock that moves only when something sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        """Every wait asked for, in order."""

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)
