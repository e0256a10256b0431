"""Clocks: the real one and a fake one, injected so scheduling is testable without sleeping."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Where the scheduler gets "now" from and how it waits."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return at ``when`` or as soon as ``wake`` is set, whichever is first."""
        ...


class SystemClock:
    """The wall clock; waits with one timer, never by polling."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Sleep until ``when`` or until woken."""
        delay = max(0.0, (when - self.now()).total_seconds())
        try:
            await asyncio.wait_for(wake.wait(), timeout=delay)
        except TimeoutError:
            pass


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


def utcnow() -> datetime:
    """Shorthand for an aware UTC now (for code paths without an injected clock)."""
    return datetime.now(UTC)


__all__ = ["Clock", "FakeClock", "SystemClock", "timedelta", "utcnow"]
