"""`seminar-bot run` stops within 5 s on SIGTERM or SIGINT and closes the database.

The child process replaces only the network part of ``discord.Client.start`` (there is no
Discord here): the real ``setup_hook`` runs — database, library, every cog, the scheduler,
the response log — and then the process waits as a connected bot would.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

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
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


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
