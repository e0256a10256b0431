"""Upgrading a version-4 database: every stored instant is rewritten in the one codec."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta

from bot.core.times import DB_WIDTH, from_db
from bot.features.prompts.store import PlanStore
from bot.features.responses.log import ResponseLog
from bot.features.responses.reports import ResponseReports
from bot.storage.db import Database, _split_sql, migration_files
from tests.helpers.clock import FakeClock

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
# Every instant column of the schema (table, column); plans.exdates holds a JSON list of them.
INSTANTS = [
    ("readings_seen", "first_seen"),
    ("readings_seen", "last_seen"),
    ("plans", "dtstart"),
    ("plans", "created_at"),
    ("plans", "cancelled_at"),
    ("posts", "posted_at"),
    ("posts", "closes_at"),
    ("posts", "closed_at"),
    ("occurrences", "due_at"),
    ("occurrences", "attempted_at"),
    ("occurrences", "finished_at"),
    ("responses", "created_at"),
    ("responses", "edited_at"),
    ("responses", "deleted_at"),
    ("response_history", "changed_at"),
    ("optouts", "created_at"),
]


def seconds(when):  # how plans and posts were written before 0005
    return when.replace(microsecond=0).isoformat()


def millis(when):  # how responses were written
    return when.isoformat(timespec="milliseconds")


def version_4_database(path, rows=40):
    with closing(sqlite3.connect(path)) as conn:
        for version, _, sql in migration_files():
            if version > 4:
                break
            for statement in _split_sql(sql):
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 4")
        conn.execute(
            "INSERT INTO readings_seen VALUES ('kan2021', 'A reading', ?, ?)",
            (T0.isoformat(), (T0 + timedelta(microseconds=123456)).isoformat()),
        )
        for i in range(1, rows + 1):
            at = T0 + timedelta(hours=i, milliseconds=i)
            exdates = json.dumps(
                [seconds(at + timedelta(days=7)), seconds(at + timedelta(days=14))]
            )
            conn.execute(
                "INSERT INTO plans (id, guild_id, channel_id, created_by, text, rrule, exdates, "
                "dtstart, tz, status, created_at, cancelled_at) VALUES "
                "(?, 1, 100, 7, ?, 'FREQ=WEEKLY;INTERVAL=1;COUNT=3', ?, ?, 'Europe/London', "
                "?, ?, ?)",
                (
                    i,
                    f"Question {i}?",
                    exdates,
                    seconds(at),
                    "cancelled" if i % 2 else "active",
                    seconds(T0),
                    seconds(at) if i % 2 else None,
                ),
            )
            conn.execute(
                "INSERT INTO posts (id, guild_id, channel_id, message_id, occurrence_id, question,"
                " posted_at, closes_at, closed_at) VALUES (?, 1, 100, ?, ?, ?, ?, ?, ?)",
                (
                    i,
                    5000 + i,
                    i,
                    f"Question {i}?",
                    seconds(at),
                    seconds(at + timedelta(days=7)),
                    seconds(at + timedelta(days=1)) if i % 3 == 0 else None,
                ),
            )
            conn.execute(
                "INSERT INTO occurrences (id, plan_id, seq, due_at, status, attempted_at, post_id,"
                " finished_at) VALUES (?, ?, 1, ?, 'posted', ?, ?, ?)",
                (i, i, seconds(at), seconds(at), i, seconds(at + timedelta(seconds=1))),
            )
            conn.execute(
                "INSERT INTO responses (id, post_id, guild_id, user_id, display_name, message_id,"
                " text, source, created_at, edited_at, deleted_at) VALUES "
                "(?, ?, 1, ?, 'Ana', ?, 'An answer', 'thread', ?, ?, ?)",
                (
                    i,
                    i,
                    40 + i % 5,
                    9000 + i,
                    millis(at + timedelta(minutes=5)),
                    millis(at + timedelta(minutes=6)) if i % 2 else None,
                    millis(at + timedelta(minutes=7)) if i % 4 == 0 else None,
                ),
            )
            conn.execute(
                "INSERT INTO response_history (response_id, kind, previous_text, changed_at) "
                "VALUES (?, 'edit', 'Before', ?)",
                (i, millis(at + timedelta(minutes=6))),
            )
        conn.execute("INSERT INTO optouts VALUES (0, 99, ?)", (millis(T0),))
        conn.commit()


def snapshot(path):
    with closing(sqlite3.connect(path)) as conn:
        values = {}
        for table, column in INSTANTS:
            for rowid, value in conn.execute(f"SELECT rowid, {column} FROM {table}"):  # noqa: S608
                values[(table, column, rowid)] = value
        exdates = dict(conn.execute("SELECT id, exdates FROM plans"))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    return values, exdates, version


async def test_every_instant_survives_the_upgrade_in_one_format(tmp_path):
    path = tmp_path / "v4.db"
    version_4_database(path)
    before, exdates_before, version = snapshot(path)
    assert version == 4
    assert sum(v is not None for v in before.values()) > 400

    db = await Database.open(path)
    try:
        plan = await PlanStore(db).plan(2)
        rows = await ResponseReports(ResponseLog(db, FakeClock(T0))).rows(post_id=2)
    finally:
        await db.close()

    after, exdates_after, version = snapshot(path)
    assert version == max(v for v, _, _ in migration_files())
    assert after.keys() == before.keys()
    for key, old in before.items():
        new = after[key]
        if old is None:
            assert new is None, key
            continue
        assert len(new) == DB_WIDTH and new.endswith("Z"), (key, new)
        assert from_db(new) == from_db(old), key
    for plan_id, old in exdates_before.items():
        new = json.loads(exdates_after[plan_id])
        assert [from_db(t) for t in new] == sorted(from_db(t) for t in json.loads(old))
    # The stored values read back through the repositories, microseconds included.
    assert plan.dtstart == T0 + timedelta(hours=2)
    assert rows[0].created_at == T0 + timedelta(hours=2, minutes=5, milliseconds=2)
