"""`seminar-bot run` stops within 5 s on SIGTERM or SIGINT and closes the database.

The child process replaces only the network part of ``discord.Client.start`` (there is no
Discord here): the real ``setup_hook`` runs — database, library, every cog, the scheduler,
the response log — and then the process waits as a connected bot would.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from bot.storage.db import Database
from tests.helpers.paths import REPO

CHILD = """
import asyncio, sys
import discord

async def start_without_network(self, token, *, reconnect=True):
    await self._async_setup_hook()
    await self.setup_hook()
    print("ready", flush=True)
    await asyncio.Event().wait()

discord.Client.start = start_without_network
from bot.cli import main
sys.exit(main(["run"]))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_stops_within_five_seconds_and_closes_the_database(tmp_path, seeds_dir, sig):
    db = tmp_path / "data" / "seminar.db"
    env = {
        **os.environ,
        "DISCORD_TOKEN": "not-a-real-token",
        "DATABASE_PATH": str(db),
        "SEEDS_DIR": str(seeds_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        with closing(sqlite3.connect(db)) as conn:  # another writer while the bot runs
            conn.execute(
                "INSERT INTO readings_seen (reading_id, title, first_seen, last_seen) "
                "VALUES ('probe', 'probe', 'x', 'x')"
            )
            conn.commit()
        started = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(timeout=10)
        took = time.monotonic() - started
    finally:
        proc.kill()
    assert code == 0, proc.stderr.read() if proc.stderr else ""
    assert took <= 5.0
    # Closed cleanly: the WAL was checkpointed into the main file and removed.
    assert not db.with_name(db.name + "-wal").exists()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM readings_seen").fetchone()[0] >= 2


async def _close_with_a_cancelled_query(path):
    db = await Database.open(path)
    async with db.write() as conn:
        await conn.executemany(
            "INSERT INTO readings_seen (reading_id, title, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?)",
            [(f"r{i}", "t" * 200, "x", "x") for i in range(500)],
        )
    reader = asyncio.create_task(db.fetchall("SELECT * FROM readings_seen"))
    await asyncio.sleep(0)  # the query is queued on aiosqlite's thread
    reader.cancel()
    await db.close()  # at once, as Services.close does after cancelling its tasks


async def test_close_after_a_cancelled_query_checkpoints_without_a_traceback(tmp_path, caplog):
    """A query cancelled at shutdown used to leave its statement open during the checkpoint
    ("WAL checkpoint failed on close … database table is locked")."""
    caplog.set_level(logging.WARNING)
    for n in range(20):
        path = tmp_path / f"db{n}.sqlite"
        await _close_with_a_cancelled_query(path)
        assert not path.with_name(path.name + "-wal").exists()
    assert [r.getMessage() for r in caplog.records] == []
