"""The shared aiosqlite connection: WAL, foreign keys, numbered migrations, serialised writes.

SQLite allows one writer at a time. Every write goes through :meth:`Database.write`, which
holds one asyncio lock over the shared connection and opens ``BEGIN IMMEDIATE`` so that a
busy database is detected at the start of the transaction, where retrying is safe.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.errors import StorageError

log = logging.getLogger(__name__)

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_RETRIES = 5
BUSY_BACKOFF_S = 0.05


def migration_files() -> list[tuple[int, str, str]]:
    """The packaged migrations as ``(version, name, sql)``, in order."""
    found = []
    for entry in resources.files("bot.storage").joinpath("migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001.. without gaps, found {versions}")
    return found


class Database:
    """One aiosqlite connection shared by the whole bot."""

    def __init__(self, conn: aiosqlite.Connection, path: Path | str) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating if needed) the database and bring its schema up to date."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), timeout=5.0, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=5000")
        db = cls(conn, path)
        await db.migrate()
        return db

    async def migrate(self) -> int:
        """Apply pending migrations in one transaction; ``PRAGMA user_version`` tracks them."""
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        pending = [m for m in migration_files() if m[0] > current]
        if not pending:
            return current
        async with self.write() as conn:
            for version, name, sql in pending:
                log.info("applying migration %s", name)
                for statement in _split_sql(sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {int(version)}")
        return pending[-1][0]

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """A serialised ``BEGIN IMMEDIATE`` transaction, retried a bounded number of times.

        Raises :class:`StorageError` when the database stays busy, so a caller can tell the
        user instead of silently dropping the write.
        """
        async with self._write_lock:
            for attempt in range(BUSY_RETRIES):
                try:
                    await self.conn.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    if attempt == BUSY_RETRIES - 1:
                        raise StorageError(
                            "The database is busy; nothing was saved. Please try again."
                        ) from exc
                    await asyncio.sleep(BUSY_BACKOFF_S * (2**attempt))
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run a read query and return every row."""
        async with self.conn.execute(sql, tuple(params)) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """Run a read query and return its first row, if any."""
        async with self.conn.execute(sql, tuple(params)) as cur:
            return await cur.fetchone()

    async def backup(self, target: Path | str) -> None:
        """Copy the live database with SQLite's online backup API (safe while the bot runs)."""
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        dest = await aiosqlite.connect(str(target))
        try:
            await self.conn.backup(dest)
        finally:
            await dest.close()

    async def close(self) -> None:
        """Checkpoint and close the connection."""
        try:
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:  # pragma: no cover - closing anyway
            log.warning("WAL checkpoint failed on close", exc_info=True)
        await self.conn.close()


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (no triggers with inner semicolons are used)."""
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
