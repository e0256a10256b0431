"""SQL for student responses, their history and opt-outs.

Posts are read through :mod:`bot.storage.posts`, their one owner. Every statement on the
responses tables is here, parameterised, so ``log.py`` holds only the rules (late, opt-out,
history, exports) and the batching of writes. Times use the codec of :mod:`bot.core.times`:
fixed-width UTC text, so they sort and compare as text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.times import from_db, from_db_or_none, to_db
from bot.storage.db import placeholders

if TYPE_CHECKING:
    import aiosqlite

    from bot.storage.db import Database

SOURCES = ("thread", "reply", "command")
EVERY_GUILD = 0  # an opt-out given in a DM or the console applies in every server


@dataclass(frozen=True)
class ResponseRow:
    """One logged response, as stored (``question`` is joined in from its post)."""

    id: int
    post_id: int
    guild_id: int | None
    channel_id: int | None
    user_id: int
    display_name: str
    message_id: int | None
    text: str
    source: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    late: bool
    question: str = ""


@dataclass(frozen=True)
class HistoryRow:
    """A previous text of a response and what replaced it (an edit or a deletion)."""

    response_id: int
    kind: str
    previous_text: str
    changed_at: datetime


@dataclass(frozen=True)
class Participation:
    """One student's participation: responses and words (deleted ones not counted)."""

    user_id: int
    display_name: str
    responses: int
    words: int
    late: int


@dataclass(frozen=True)
class PostCount:
    """How many responses one post received (for ``!responses``)."""

    post_id: int
    question: str
    posted_at: datetime
    responses: int
    students: int
    late: int


_RESPONSE_COLUMNS = (
    "r.id, r.post_id, r.guild_id, r.channel_id, r.user_id, r.display_name, r.message_id, "
    "r.text, r.source, r.created_at, r.edited_at, r.deleted_at, r.late, p.question"
)


def _response(row: Any) -> ResponseRow:
    return ResponseRow(
        id=row["id"],
        post_id=row["post_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        user_id=row["user_id"],
        display_name=row["display_name"],
        message_id=row["message_id"],
        text=row["text"],
        source=row["source"],
        created_at=from_db(row["created_at"]),
        edited_at=from_db_or_none(row["edited_at"]),
        deleted_at=from_db_or_none(row["deleted_at"]),
        late=bool(row["late"]),
        question=row["question"] or "",
    )


class ResponseRepository:
    """Queries over ``responses``, ``response_history`` and ``optouts``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def last_message_id(self, post_id: int) -> int | None:
        """The newest Discord message logged for this post (snowflakes grow with time)."""
        row = await self.db.fetchone(
            "SELECT MAX(message_id) FROM responses WHERE post_id = ?", (post_id,)
        )
        return row[0] if row and row[0] is not None else None

    async def logged_messages(self, post_id: int, source: str) -> dict[int, tuple[str, bool]]:
        """Message id → (text, deleted?) of this post's responses from one source."""
        rows = await self.db.fetchall(
            "SELECT message_id, text, deleted_at FROM responses "
            "WHERE post_id = ? AND source = ? AND message_id IS NOT NULL",
            (post_id, source),
        )
        return {row[0]: (row[1], row[2] is not None) for row in rows}

    # --- writing responses (inside a caller's write transaction) ---------------------------

    @staticmethod
    async def existing_message_ids(
        conn: aiosqlite.Connection, message_ids: Sequence[int]
    ) -> set[int]:
        """Which of these messages are already logged (a re-fetch must not log twice)."""
        if not message_ids:
            return set()
        sql = f"SELECT message_id FROM responses WHERE message_id IN ({placeholders(message_ids)})"  # noqa: S608
        async with conn.execute(sql, list(message_ids)) as cur:
            return {row[0] for row in await cur.fetchall()}

    @staticmethod
    async def optouts_among(
        conn: aiosqlite.Connection, user_ids: Sequence[int]
    ) -> set[tuple[int, int]]:
        """``(guild_id, user_id)`` opt-outs of these users (guild 0 = every server)."""
        if not user_ids:
            return set()
        sql = f"SELECT guild_id, user_id FROM optouts WHERE user_id IN ({placeholders(user_ids)})"  # noqa: S608
        async with conn.execute(sql, list(user_ids)) as cur:
            return {(row[0], row[1]) for row in await cur.fetchall()}

    @staticmethod
    async def next_response_id(conn: aiosqlite.Connection) -> int:
        """The first id never issued, so erased ids are not reused.

        Valid inside the write transaction that uses it; ``insert_responses`` advances it.
        """
        async with conn.execute(
            "SELECT MAX(COALESCE((SELECT last_id FROM id_sequences WHERE name = 'responses'), 0),"
            " COALESCE(MAX(id), 0)) + 1 FROM responses"
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    @staticmethod
    async def insert_responses(conn: aiosqlite.Connection, rows: Iterable[tuple]) -> None:
        """Insert fully prepared rows (id first) with one ``executemany``; record the top id."""
        rows = list(rows)
        await conn.executemany(
            "INSERT INTO responses (id, post_id, guild_id, channel_id, user_id, display_name, "
            "message_id, text, source, created_at, late) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        if rows:
            await conn.execute(
                "INSERT INTO id_sequences (name, last_id) VALUES ('responses', ?) "
                "ON CONFLICT(name) DO UPDATE SET last_id = MAX(last_id, excluded.last_id)",
                (max(row[0] for row in rows),),
            )

    @staticmethod
    async def response_by_message(
        conn: aiosqlite.Connection, message_id: int
    ) -> ResponseRow | None:
        """The response a Discord message carried, if it was logged."""
        async with conn.execute(
            f"SELECT {_RESPONSE_COLUMNS} FROM responses r JOIN posts p ON p.id = r.post_id "  # noqa: S608
            "WHERE r.message_id = ?",
            (message_id,),
        ) as cur:
            row = await cur.fetchone()
        return _response(row) if row else None

    @staticmethod
    async def record_edit(
        conn: aiosqlite.Connection, response: ResponseRow, text: str, when: datetime
    ) -> None:
        """Keep the previous text in the history, then store the new one."""
        await conn.execute(
            "INSERT INTO response_history (response_id, kind, previous_text, changed_at) "
            "VALUES (?, 'edit', ?, ?)",
            (response.id, response.text, to_db(when)),
        )
        await conn.execute(
            "UPDATE responses SET text = ?, edited_at = ? WHERE id = ?",
            (text, to_db(when), response.id),
        )

    @staticmethod
    async def record_delete(
        conn: aiosqlite.Connection, response: ResponseRow, when: datetime
    ) -> None:
        """Mark a response deleted, with a history entry holding the text it had."""
        await conn.execute(
            "INSERT INTO response_history (response_id, kind, previous_text, changed_at) "
            "VALUES (?, 'delete', ?, ?)",
            (response.id, response.text, to_db(when)),
        )
        await conn.execute(
            "UPDATE responses SET deleted_at = ? WHERE id = ?", (to_db(when), response.id)
        )

    # --- reading responses -----------------------------------------------------------------

    @staticmethod
    def _filtered(
        guild_id: int | None,
        post_id: int | None,
        user_id: int | None,
        since: datetime | None,
        include_deleted: bool,
    ) -> tuple[str, list[Any]]:
        """The ``WHERE`` clause (over ``responses r``) and its parameters for these filters."""
        where, params = ["1 = 1"], []
        for column, value in (
            ("r.guild_id", guild_id),
            ("r.post_id", post_id),
            ("r.user_id", user_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            where.append("r.created_at >= ?")
            params.append(to_db(since))
        if not include_deleted:
            where.append("r.deleted_at IS NULL")
        return " AND ".join(where), params

    async def responses(
        self,
        *,
        guild_id: int | None = None,
        post_id: int | None = None,
        user_id: int | None = None,
        since: datetime | None = None,
        include_deleted: bool = True,
    ) -> list[ResponseRow]:
        """Responses filtered by server, post, student and time, oldest first.

        Ordered by prompt, then time, then id, all in one list (a whole server's CSV reads
        them in chunks instead: :meth:`stream_responses`).
        """
        where, params = self._filtered(guild_id, post_id, user_id, since, include_deleted)
        rows = await self.db.fetchall(
            f"SELECT {_RESPONSE_COLUMNS} FROM responses r JOIN posts p ON p.id = r.post_id "  # noqa: S608
            f"WHERE {where} ORDER BY r.post_id, r.created_at, r.id",
            params,
        )
        return [_response(row) for row in rows]

    async def stream_responses(
        self,
        *,
        guild_id: int | None = None,
        post_id: int | None = None,
        user_id: int | None = None,
        size: int = 500,
    ) -> AsyncIterator[list[ResponseRow]]:
        """:meth:`responses` (deleted ones included), in the same order, ``size`` at a time.

        Only one chunk of rows exists as Python objects at any time (see
        :meth:`Database.stream`); the caller yields to the loop between chunks.
        """
        where, params = self._filtered(guild_id, post_id, user_id, None, True)
        async for rows in self.db.stream(
            f"SELECT {_RESPONSE_COLUMNS} FROM responses r JOIN posts p ON p.id = r.post_id "  # noqa: S608
            f"WHERE {where} ORDER BY r.post_id, r.created_at, r.id",
            params,
            size=size,
        ):
            yield [_response(row) for row in rows]

    async def participation(
        self, guild_id: int | None, since: datetime | None = None
    ) -> list[Participation]:
        """Per student: responses, words and late ones (deleted ones not counted), in SQL.

        Words are counted by the ``word_count`` SQL function (``bot.core.text.word_count``,
        registered by :meth:`Database.open`). The name is the one on the student's last
        response in :meth:`responses` order (prompt, time, id); students come in the order
        of their first response in that order (ties in a report keep it).
        """
        where, params = self._filtered(guild_id, None, None, since, False)
        rows = await self.db.fetchall(
            "WITH ordered AS ("  # noqa: S608
            " SELECT r.user_id, r.text, r.late,"
            "  ROW_NUMBER() OVER (ORDER BY r.post_id, r.created_at, r.id) AS seq,"
            "  LAST_VALUE(r.display_name) OVER ("
            "   PARTITION BY r.user_id ORDER BY r.post_id, r.created_at, r.id"
            "   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS latest_name"
            f" FROM responses r JOIN posts p ON p.id = r.post_id WHERE {where}"
            ") "
            "SELECT user_id, MAX(latest_name) AS display_name, COUNT(*) AS responses,"
            " COALESCE(SUM(word_count(text)), 0) AS words, SUM(late != 0) AS late"
            " FROM ordered GROUP BY user_id ORDER BY MIN(seq)",
            params,
        )
        return [
            Participation(
                row["user_id"], row["display_name"], row["responses"], row["words"], row["late"]
            )
            for row in rows
        ]

    async def history(self, response_ids: Sequence[int]) -> dict[int, list[HistoryRow]]:
        """Previous texts of these responses, oldest first, keyed by response id."""
        found: dict[int, list[HistoryRow]] = {}
        ids = list(response_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = await self.db.fetchall(
                "SELECT response_id, kind, previous_text, changed_at FROM response_history "  # noqa: S608
                f"WHERE response_id IN ({placeholders(chunk)}) ORDER BY changed_at, id",
                chunk,
            )
            for row in rows:
                found.setdefault(row["response_id"], []).append(
                    HistoryRow(
                        row["response_id"],
                        row["kind"],
                        row["previous_text"],
                        from_db(row["changed_at"]),
                    )
                )
        return found

    async def counts_per_post(self, guild_id: int | None, post_id: int | None) -> list[PostCount]:
        """Responses (not deleted), distinct students and late ones per post, newest first."""
        rows = await self.db.fetchall(
            "SELECT p.id, p.question, p.posted_at, COUNT(r.id) AS n, "
            "COUNT(DISTINCT r.user_id) AS students, COALESCE(SUM(r.late), 0) AS late "
            "FROM posts p LEFT JOIN responses r ON r.post_id = p.id AND r.deleted_at IS NULL "
            "WHERE (? IS NULL OR p.guild_id = ?) AND (? IS NULL OR p.id = ?) "
            "GROUP BY p.id ORDER BY p.posted_at DESC, p.id DESC",
            (guild_id, guild_id, post_id, post_id),
        )
        counts = []
        for row in rows:
            counts.append(
                PostCount(
                    row["id"],
                    row["question"],
                    from_db(row["posted_at"]),
                    row["n"],
                    row["students"],
                    row["late"],
                )
            )
        return counts

    # --- opt-outs and erasure ----------------------------------------------------------------

    async def optouts_of(self, user_id: int) -> list[tuple[int, datetime]]:
        """Opt-outs of this student as ``(guild_id, since)`` (guild 0 = every server)."""
        rows = await self.db.fetchall(
            "SELECT guild_id, created_at FROM optouts WHERE user_id = ? ORDER BY guild_id",
            (user_id,),
        )
        return [(row[0], from_db(row[1])) for row in rows]

    @staticmethod
    async def add_optout(
        conn: aiosqlite.Connection, guild_id: int, user_id: int, when: datetime
    ) -> None:
        """Record an opt-out (idempotent)."""
        await conn.execute(
            "INSERT OR IGNORE INTO optouts (guild_id, user_id, created_at) VALUES (?, ?, ?)",
            (guild_id, user_id, to_db(when)),
        )

    @staticmethod
    async def remove_optouts(conn: aiosqlite.Connection, guild_id: int | None, user_id: int) -> int:
        """Remove the opt-outs that apply in ``guild_id`` (every one when it is ``None``)."""
        if guild_id is None:
            cur = await conn.execute("DELETE FROM optouts WHERE user_id = ?", (user_id,))
        else:
            cur = await conn.execute(
                "DELETE FROM optouts WHERE user_id = ? AND guild_id IN (?, ?)",
                (user_id, guild_id, EVERY_GUILD),
            )
        return cur.rowcount

    @staticmethod
    async def forget_user(conn: aiosqlite.Connection, user_id: int) -> tuple[int, int, int]:
        """Delete every response, history entry and opt-out of a student; return the counts."""
        history = await conn.execute(
            "DELETE FROM response_history WHERE response_id IN "
            "(SELECT id FROM responses WHERE user_id = ?)",
            (user_id,),
        )
        responses = await conn.execute("DELETE FROM responses WHERE user_id = ?", (user_id,))
        optouts = await conn.execute("DELETE FROM optouts WHERE user_id = ?", (user_id,))
        return responses.rowcount, history.rowcount, optouts.rowcount
