"""Shared helpers for the response tests: a post row written the way the scheduler writes it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.core.times import to_db as to_iso

T0 = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)


async def add_post(
    db,
    *,
    guild_id: int | None = 1,
    channel_id: int = 100,
    message_id: int | None = None,
    thread_id: int | None = None,
    question: str = "How does co-optation work?",
    posted_at: datetime = T0,
    closes_at: datetime | None = None,
    closed_at: datetime | None = None,
) -> int:
    """Insert a post (as ``bot/storage/plans.py`` would) and return its prompt id."""
    async with db.write() as conn:
        cur = await conn.execute(
            "INSERT INTO posts (guild_id, channel_id, message_id, thread_id, question, "
            "posted_at, closes_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                channel_id,
                message_id,
                thread_id,
                question,
                to_iso(posted_at),
                to_iso(closes_at) if closes_at else None,
                to_iso(closed_at) if closed_at else None,
            ),
        )
        return cur.lastrowid


def rows_mentioning(db_path: Path, needles: list[object]) -> list[tuple[str, str, object]]:
    """Every (table, column, value) cell in the database equal to or containing a needle."""
    found = []
    conn = sqlite3.connect(db_path)
    try:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        for table in tables:
            cur = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cur.description]
            for row in cur:
                for column, value in zip(columns, row, strict=True):
                    for needle in needles:
                        if value == needle or (
                            isinstance(value, str) and isinstance(needle, str) and needle in value
                        ):
                            found.append((table, column, value))
    finally:
        conn.close()
    return found
