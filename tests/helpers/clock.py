"""A clock tests move by hand (the scheduler and response log take any ``Clock``)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta


class FakeClock:
    """A clock tests move by hand: ``advance`` jumps time and wakes every sleeper."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start
        self._changed = asyncio.Event()

    def now(self) -> datetime:
        """The fake current time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` and wake sleepers."""
        self._now = when
        self._changed.set()
        self._changed = asyncio.Event()

    def advance(self, delta: timedelta) -> None:
        """Move time forward by ``delta`` and wake sleepers."""
        self.set(self._now + delta)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return once fake time reaches ``when`` or ``wake`` is set."""
        while self._now < when and not wake.is_set():
            changed = self._changed
            waiter = asyncio.ensure_future(wake.wait())
            changer = asyncio.ensure_future(changed.wait())
            try:
                await asyncio.wait({waiter, changer}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                changer.cancel()
