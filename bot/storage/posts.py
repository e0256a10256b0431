"""The one owner of the ``posts`` table: a prompt that reached (or is reaching) a channel.

Both features read posts: the prompts feature writes them (reserve before the send, the
message id after it, close) and the responses feature looks them up to attach an answer.
Every statement on ``posts`` is here, and so is the one rule for "is this prompt open".
Instants use the codec of :mod:`bot.core.times`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.times import from_db, from_db_or_none, to_db
from bot.storage.db import placeholders

if TYPE_CHECKING:
    import aiosqlite

    from bot.storage.db import Database

COLUMNS = (
    "id, guild_id, channel_id, message_id, thread_id, occurrence_id, bank_id, reading_id, "
    "question, follow_up, evidence, posted_by, posted_at, closes_at, closed_at, late"
)


@dataclass(frozen=True)
class Post:
    """A prompt that was (or is being) posted; ``id`` is the prompt id users type."""

    id: int
    guild_id: int | None
    channel_id: int
    message_id: int | None
    thread_id: int | None
    occurrence_id: int | None
    bank_id: str | None
    reading_id: str | None
    question: str
    follow_up: str
    evidence: str
    posted_by: int | None
    posted_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    late: bool

    def is_open(self, at: datetime) -> bool:
        """Whether a response written at ``at`` is on time: before ``closed_at`` and ``closes_at``.

        The one rule for both features: ``!prompt list`` asks it with "now", the response log
        with the message's own time (a catch-up after a restart logs old messages).
        """
        if self.closed_at is not None and at >= self.closed_at:
            return False
        return self.closes_at is None or at < self.closes_at

    @classmethod
    def from_row(cls, row: Any) -> Post:
        """Build from a ``posts`` row (selected with :data:`COLUMNS`)."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            message_id=row["message_id"],
            thread_id=row["thread_id"],
            occurrence_id=row["occurrence_id"],
            bank_id=row["bank_id"],
            reading_id=row["reading_id"],
            question=row["question"],
            follow_up=row["follow_up"],
            evidence=row["evidence"],
            posted_by=row["posted_by"],
            posted_at=from_db(row["posted_at"]),
            closes_at=from_db_or_none(row["closes_at"]),
            closed_at=from_db_or_none(row["closed_at"]),
            late=bool(row["late"]),
        )


class PostRepository:
    """Every query on ``posts``; writers take the caller's open write transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- writes (inside a caller's write transaction) --------------------------------------

    @staticmethod
    async def reserve_for_occurrence(
        conn: aiosqlite.Connection,
        occurrence_id: int,
        *,
        now: datetime,
        closes_at: datetime,
        late: bool,
    ) -> int:
        """Insert the post row of a claimed occurrence, copied from its plan; return its id."""
        cur = await conn.execute(
            "INSERT INTO posts (guild_id, channel_id, occurrence_id, bank_id, reading_id, "
            "question, follow_up, evidence, posted_by, posted_at, closes_at, late) "
            "SELECT p.guild_id, p.channel_id, o.id, p.bank_id, p.reading_id, p.text, "
            "p.follow_up, p.evidence, p.created_by, ?, ?, ? "
            "FROM occurrences o JOIN plans p ON p.id = o.plan_id WHERE o.id = ?",
            (to_db(now), to_db(closes_at), int(late), occurrence_id),
        )
        return int(cur.lastrowid or 0)

    @staticmethod
    async def record_message(
        conn: aiosqlite.Connection, post_id: int, message_id: int, thread_id: int | None
    ) -> None:
        """Where the prompt landed."""
        await conn.execute(
            "UPDATE posts SET message_id = ?, thread_id = ? WHERE id = ?",
            (message_id, thread_id, post_id),
        )

    @staticmethod
    async def mark_late(conn: aiosqlite.Connection, post_id: int) -> None:
        """Flag a re-sent prompt as late."""
        await conn.execute("UPDATE posts SET late = 1 WHERE id = ?", (post_id,))

    @staticmethod
    async def close(conn: aiosqlite.Connection, post_id: int, now: datetime) -> None:
        """Stop collecting responses (no-op if already closed)."""
        await conn.execute(
            "UPDATE posts SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
            (to_db(now), post_id),
        )

    @staticmethod
    async def delete(conn: aiosqlite.Connection, post_id: int) -> None:
        """Remove an unused reserved row (raises ``IntegrityError`` if a response points at it)."""
        await conn.execute("DELETE FROM posts WHERE id = ?", (post_id,))

    # --- reads ---------------------------------------------------------------------------------

    async def get(self, post_id: int) -> Post | None:
        """The post with this prompt id, if any."""
        row = await self.db.fetchone(
            f"SELECT {COLUMNS} FROM posts WHERE id = ?",  # noqa: S608 (constant)
            (post_id,),
        )
        return Post.from_row(row) if row else None

    async def open_in_guild(self, guild_id: int, now: datetime, limit: int = 25) -> list[Post]:
        """A server's posted prompts still collecting responses, newest first."""
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM posts WHERE guild_id = ? AND message_id IS NOT NULL "  # noqa: S608
            "AND closed_at IS NULL AND (closes_at IS NULL OR closes_at > ?) "
            "ORDER BY posted_at DESC, id DESC LIMIT ?",
            (guild_id, to_db(now), limit),
        )
        return [Post.from_row(r) for r in rows]

    async def latest_open(
        self, guild_id: int | None, channel_id: int | None, now: datetime
    ) -> Post | None:
        """The newest post still collecting responses in this channel (or its thread)."""
        row = await self.db.fetchone(
            f"SELECT {COLUMNS} FROM posts WHERE closed_at IS NULL "  # noqa: S608 (constant)
            "AND (closes_at IS NULL OR closes_at > ?) "
            "AND (? IS NULL OR guild_id = ?) "
            "AND (? IS NULL OR channel_id = ? OR thread_id = ?) "
            "ORDER BY posted_at DESC, id DESC LIMIT 1",
            (to_db(now), guild_id, guild_id, channel_id, channel_id, channel_id),
        )
        return Post.from_row(row) if row else None

    @staticmethod
    async def matching(
        conn: aiosqlite.Connection,
        ids: Sequence[int],
        thread_ids: Sequence[int],
        message_ids: Sequence[int],
    ) -> list[Post]:
        """Every post named by id, by its thread or by its message (one query per batch)."""
        clauses, params = [], []
        for column, values in (("id", ids), ("thread_id", thread_ids), ("message_id", message_ids)):
            if values:
                clauses.append(f"{column} IN ({placeholders(values)})")
                params.extend(values)
        if not clauses:
            return []
        sql = f"SELECT {COLUMNS} FROM posts WHERE " + " OR ".join(clauses)  # noqa: S608
        async with conn.execute(sql, params) as cur:
            return [Post.from_row(row) for row in await cur.fetchall()]

    async def with_threads_since(self, since: datetime) -> list[Post]:
        """Posts with a thread or message that were open at some point after ``since``."""
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM posts "  # noqa: S608 (constant)
            "WHERE (thread_id IS NOT NULL OR message_id IS NOT NULL) "
            "AND (closed_at IS NULL OR closed_at > ?) AND (closes_at IS NULL OR closes_at > ?) "
            "ORDER BY id",
            (to_db(since), to_db(since)),
        )
        return [Post.from_row(row) for row in rows]
