"""The clock protocol and the real clock, injected so scheduling is testable without sleeping.

Tests move time by hand with ``tests.helpers.clock.FakeClock``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
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


def utcnow() -> datetime:
    """Shorthand for an aware UTC now (for code paths without an injected clock)."""
    return datetime.now(UTC)


__all__ = ["Clock", "SystemClock", "utcnow"]
