"""``seminar-bot export responses`` and ``seminar-bot db backup``, run as real processes."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta

import pytest

from bot.features.responses.log import Incoming, ResponseLog
from bot.storage import Database
from tests.helpers.clock import FakeClock
from tests.helpers.responses import T0, add_post


def cli(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "seminar.db"), "SEEDS_DIR": "seeds"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,  # away from the repository's .env
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
async def live_db(tmp_path):
    """A database with two prompts and three responses, left open like a running bot's."""
    db = await Database.open(tmp_path / "seminar.db")
    log = ResponseLog(db, FakeClock(T0))
    first = await add_post(db, thread_id=10, question="First?")
    second = await add_post(db, thread_id=20, question="Second?")
    for message_id, (thread, text) in enumerate(
        [(10, "=2+2"), (10, "plain answer"), (20, "to the second")], start=1
    ):
        await log.log(
            Incoming(
                user_id=100 + message_id,
                display_name=f"Student {message_id}",
                text=text,
                source="thread",
                created_at=T0 + timedelta(minutes=message_id),
                guild_id=1,
                channel_id=thread,
                message_id=message_id,
                thread_id=thread,
            )
        )
    await log.edit(2, "plain answer, edited")
    yield {"db": db, "first": first, "second": second}
    await log.aclose()
    await db.close()


async def test_export_csv_to_a_file(tmp_path, live_db):
    out = tmp_path / "out" / "responses.csv"
    result = await asyncio.to_thread(
        cli, tmp_path, "export", "responses", "--format", "csv", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [(r["prompt_id"], r["question"], r["text"]) for r in table] == [
        (str(live_db["first"]), "First?", "'=2+2"),
        (str(live_db["first"]), "First?", "plain answer, edited"),
        (str(live_db["second"]), "Second?", "to the second"),
    ]


async def test_export_json_of_one_prompt_to_stdout(tmp_path, live_db):
    result = await asyncio.to_thread(
        cli,
        tmp_path,
        "export",
        "responses",
        "--format",
        "json",
        "--prompt",
        str(live_db["first"]),
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["text"] for r in rows] == ["=2+2", "plain answer, edited"]  # JSON is not escaped
    assert rows[1]["history"][0]["previous_text"] == "plain answer"
    assert rows[0]["student_id"] == "101"


async def test_backup_while_the_bot_holds_the_database(tmp_path, live_db):
    target = tmp_path / "backups" / "copy.db"
    result = await asyncio.to_thread(cli, tmp_path, "db", "backup", str(target))
    assert result.returncode == 0, result.stderr

    conn = sqlite3.connect(target)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        texts = [r[0] for r in conn.execute("SELECT text FROM responses ORDER BY id")]
    finally:
        conn.close()
    assert texts == ["=2+2", "plain answer, edited", "to the second"]

    again = await asyncio.to_thread(cli, tmp_path, "db", "backup", str(target))
    assert again.returncode == 2 and b"--force" in again.stderr


def test_export_without_a_database_says_so(tmp_path):
    result = cli(tmp_path, "export", "responses")
    assert result.returncode == 1
    assert b"No database" in result.stderr
    assert not (tmp_path / "seminar.db").exists()
