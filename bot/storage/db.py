"""The shared aiosqlite connection: WAL, foreign keys, numbered migrations, serialised writes.

SQLite allows one writer at a time. Every write goes through :meth:`Database.write`, which
holds one asyncio lock over the shared connection and opens ``BEGIN IMMEDIATE`` so that a
busy database is detected at the start of the transaction, where retrying is safe.

Failing safely:

* :meth:`Database.open` either returns an open, checked (``PRAGMA quick_check``), migrated
  database or raises :class:`DatabaseUnavailable` with one line naming the file and what to
  do — and then no aiosqlite thread is left running (a live thread keeps the process from
  ever exiting).
* A query that later finds the file damaged (``SQLITE_CORRUPT``/``SQLITE_NOTADB``) raises
  :class:`DatabaseDamaged`, a user-facing error with a short answer, and the ``on_damaged``
  listeners are told once per process, so instructors hear about it once.
* :meth:`Database.close` lets every queued statement finish before the final checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.errors import StorageError
from bot.core.text import word_count
from bot.core.times import normalise_stored, normalise_stored_list

log = logging.getLogger(__name__)

CORRUPT_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
RESTORE_HINT = (
    "restore a backup made with `seminar-bot db backup` (or move the file away to start "
    "with an empty database)"
)


class DatabaseUnavailable(Exception):
    """The database cannot be opened; ``str(exc)`` is one line saying why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))  # SQLite's own texts may hold newlines


class DatabaseDamaged(StorageError):
    """A query found the database file damaged; the message is the short answer for users."""

    def __init__(self) -> None:
        super().__init__(
            "Part of the bot's stored data is damaged, so I cannot answer that now. The "
            "instructors have been told; commands that need no stored data still work.",
            title="Stored data damaged",
        )


def is_corruption(exc: BaseException) -> bool:
    """Whether an sqlite3 error means the file is damaged (not merely busy or misused)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in CORRUPT_CODES:
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def describe_open_error(path: Path | str, exc: BaseException) -> str:
    """One line for an operator: which file, what is wrong, what to do."""
    if is_corruption(exc):
        return (
            f"The database {path} is damaged or is not a SQLite database ({exc}): {RESTORE_HINT}."
        )
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and "readonly" in text:
        return (
            f"The database {path} is read-only (the file, its folder or the file system): "
            "make it writable, or set DATABASE_PATH to a writable place."
        )
    if isinstance(exc, OSError) or "unable to open" in text:
        where = getattr(exc, "filename", None) or path
        reason = getattr(exc, "strerror", None) or str(exc)
        return (
            f"Cannot create or open the database at {where} ({reason}): set DATABASE_PATH to a "
            "file in a folder the bot can write."
        )
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return (
            f"The database {path} stayed locked by another program for 5 s: stop it (or the "
            "other bot process) and start again."
        )
    return f"Cannot open the database {path} ({type(exc).__name__}: {exc})."


MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_RETRIES = 5
BUSY_BACKOFF_S = 0.05


def placeholders(values: Sequence[object]) -> str:
    """``?,?,?`` for an ``IN (…)`` over ``values`` (the values themselves stay parameters)."""
    return ",".join("?" * len(values))


def migration_files() -> list[tuple[int, str, str]]:
    """The packaged migrations as ``(version, name, sql)``, in order."""
    found = []
    for entry in resources.files("bot.storage").joinpath("migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


class Database:
    """One aiosqlite connection shared by the whole bot."""

    def __init__(self, conn: aiosqlite.Connection, path: Path | str) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self.damaged = False
        self.on_damaged: list[Callable[[BaseException], None]] = []

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating if needed) the database, check it and bring its schema up to date.

        Raises :class:`DatabaseUnavailable` (one line) for a folder that cannot be created, a
        read-only file, a damaged file or a foreign file; the connection is closed first.
        """
        try:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(describe_open_error(path, exc)) from exc
        pending = aiosqlite.connect(str(path), timeout=5.0, isolation_level=None)
        try:
            conn = await pending
        except (OSError, sqlite3.Error) as exc:
            # aiosqlite has queued its thread's stop; wait for it while the loop still runs,
            # or the thread reports to a closed loop (a traceback after our one line).
            thread = getattr(pending, "_thread", None)
            if thread is not None:
                await asyncio.to_thread(thread.join, 5.0)
            raise DatabaseUnavailable(describe_open_error(path, exc)) from exc
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA busy_timeout=5000")
            async with conn.execute("PRAGMA quick_check(1)") as cur:
                row = await cur.fetchone()
            if row is None or row[0] != "ok":
                detail = " ".join(str(row[0]).split()) if row else "no answer"
                raise DatabaseUnavailable(
                    f"The database {path} is damaged (quick_check: {detail}): {RESTORE_HINT}."
                )
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA synchronous=NORMAL")
            # Migrations rewrite stored instants with the one codec (bot.core.times).
            await conn.create_function("utc_instant", 1, normalise_stored, deterministic=True)
            await conn.create_function(
                "utc_instant_list", 1, normalise_stored_list, deterministic=True
            )
            # Reports count words in SQL (one Python call per row, on the database's thread)
            # so 50,000 responses never become 50,000 Python objects on the bot's loop.
            await conn.create_function("word_count", 1, word_count, deterministic=True)
            db = cls(conn, path)
            await db.migrate()
        except BaseException as exc:
            await conn.close()  # no thread may outlive a failed start
            if isinstance(exc, DatabaseUnavailable):
                raise
            if isinstance(exc, sqlite3.Error | OSError | StorageError):
                raise DatabaseUnavailable(describe_open_error(path, exc)) from exc
            raise
        return db

    def _check_damage(self, exc: BaseException) -> None:
        """Turn a corruption error into :class:`DatabaseDamaged`; tell listeners the first time."""
        if not is_corruption(exc):
            return
        if not self.damaged:
            self.damaged = True
            log.error("the database %s is damaged (%s): %s", self.path, exc, RESTORE_HINT)
            for listener in self.on_damaged:
                try:
                    listener(exc)
                except Exception:
                    log.exception("a damaged-database listener failed")
        raise DatabaseDamaged() from exc

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
                    self._check_damage(exc)
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    if attempt == BUSY_RETRIES - 1:
                        raise StorageError(
                            "The database is busy; nothing was saved. Please try again."
                        ) from exc
                    await asyncio.sleep(BUSY_BACKOFF_S * (2**attempt))
            try:
                yield self.conn
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    await self.conn.execute("ROLLBACK")
                self._check_damage(exc)
                raise
            else:
                try:
                    await self.conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    with contextlib.suppress(sqlite3.Error):
                        await self.conn.execute("ROLLBACK")
                    self._check_damage(exc)
                    raise

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        """Run a read query and return every row (:class:`DatabaseDamaged` if the file is)."""
        try:
            async with self.conn.execute(sql, tuple(params)) as cur:
                return list(await cur.fetchall())
        except sqlite3.DatabaseError as exc:
            self._check_damage(exc)
            raise

    async def stream(
        self, sql: str, params: Iterable[Any] = (), *, size: int = 500
    ) -> AsyncIterator[list[aiosqlite.Row]]:
        """Run a read query and yield its rows ``size`` at a time (``fetchmany``).

        For results too big to hold as one list of Python objects (50,000 responses: the
        garbage collector's full passes over them stalled the loop 60-170 ms). The caller
        yields to the loop between chunks. The statement stays open between chunks on the
        shared connection, so a row written meanwhile may or may not be included (SQLite's
        rule for changes made on the same connection). Raises :class:`DatabaseDamaged` if
        the file is damaged.
        """
        try:
            async with self.conn.execute(sql, tuple(params)) as cur:
                while rows := list(await cur.fetchmany(size)):
                    yield rows
        except sqlite3.DatabaseError as exc:
            self._check_damage(exc)
            raise

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """Run a read query and return its first row, if any."""
        try:
            async with self.conn.execute(sql, tuple(params)) as cur:
                return await cur.fetchone()
        except sqlite3.DatabaseError as exc:
            self._check_damage(exc)
            raise

    async def backup(self, target: Path | str) -> None:
        """Copy the live database with SQLite's online backup API (safe while the bot runs).

        Raises :class:`DatabaseUnavailable` (one line) when the target cannot be written.
        """
        try:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            dest = await aiosqlite.connect(str(target))
        except (OSError, sqlite3.Error) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise DatabaseUnavailable(
                f"Cannot write the backup {target} ({reason}): choose a file in a folder "
                "the bot can write."
            ) from exc
        try:
            await self.conn.backup(dest)
        except sqlite3.Error as exc:
            self._check_damage(exc)
            raise DatabaseUnavailable(f"The backup to {target} failed: {exc}.") from exc
        finally:
            await dest.close()

    async def close(self) -> None:
        """Let queued statements finish, checkpoint the WAL into the file, close.

        Callers stop their tasks first (``Services.close``). A task cancelled while its query
        was queued still has that query run by aiosqlite's thread, and the statement stays
        open until its result reaches the (cancelled) future on the loop; a checkpoint that
        ran before then failed with "database table is locked". So: take the write lock (no
        transaction is open), make one round trip through the thread (everything queued
        before it has run and delivered its result), and only then checkpoint.
        """
        async with self._write_lock:
            try:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                async with self.conn.execute("SELECT 1") as cur:
                    await cur.fetchall()
                await asyncio.sleep(0)
                await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                # Another process reading keeps the WAL; it is checkpointed by the next close.
                log.warning("the WAL of %s was not checkpointed on close: %s", self.path, exc)
            finally:
                await self.conn.close()


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (no triggers with inner semicolons are used)."""
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
