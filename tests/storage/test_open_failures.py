"""A database that cannot be used ends start-up at once with one line; no thread is left.

In-process: ``Database.open`` raises ``DatabaseUnavailable`` and leaves no aiosqlite thread.
As real processes: ``console``, ``run``, ``export responses`` and ``db backup`` exit with a
non-zero status within 5 s and print one line naming the file and what to do.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from bot.storage.db import Database, DatabaseUnavailable
from tests.helpers.paths import REPO


def text_file(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("These are my seminar notes, not a database.\n" * 50)
    return path


def small_database(path, rows=400):
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [("row " * 50,)] * rows)
        conn.commit()
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 't'").fetchone()[0]
    return page, root


def junk_header(tmp_path):
    path = tmp_path / "real.db"
    small_database(path)
    with path.open("r+b") as fh:
        fh.write(b"junk where the SQLite header was " * 3)
    return path


def junk_in_the_middle(tmp_path):
    """A real database whose table pages were overwritten (the header is intact)."""
    path = tmp_path / "middle.db"
    page, root = small_database(path)
    with path.open("r+b") as fh:
        fh.seek((root - 1) * page)
        fh.write(b"\xff" * page * 3)
    return path


def under_a_plain_file(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a plain file")
    return blocker / "seminar.db"


def refused_by_the_system(tmp_path):
    """A file the operating system will not create (a read-only, virtual file system)."""
    return Path("/proc/self/seminar.db")


def database_threads():
    """Live threads other than asyncio's executor workers (aiosqlite runs one per connection)."""
    return [t for t in threading.enumerate() if not t.name.startswith("asyncio_")]


BROKEN = {
    "a text file": (text_file, "not a SQLite database"),
    "a junk header": (junk_header, "not a SQLite database"),
    "junk in the middle": (junk_in_the_middle, "damaged"),
    "a folder that is a file": (under_a_plain_file, "not-a-folder"),
    "a file the system refuses": (refused_by_the_system, "/proc/self/seminar.db"),
}
NO_BACKUP_HINT = ("a folder that is a file", "a file the system refuses")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("case", list(BROKEN))
async def test_open_raises_one_line_and_leaves_no_thread(tmp_path, case):
    make, needle = BROKEN[case]
    path = make(tmp_path)
    threads = database_threads()
    with pytest.raises(DatabaseUnavailable) as err:
        await Database.open(path)
    message = str(err.value)
    assert "\n" not in message and needle in message
    assert str(path.parent if case == "a folder that is a file" else path) in message
    if case not in NO_BACKUP_HINT:
        assert "seminar-bot db backup" in message
    time.sleep(0.05)
    assert database_threads() == threads


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files anyway")
async def test_a_read_only_database_is_named(tmp_path):
    path = tmp_path / "ro.db"
    db = await Database.open(path)
    await db.close()
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(DatabaseUnavailable, match="read-only"):
            await Database.open(path)
    finally:
        tmp_path.chmod(0o755)


COMMANDS = {
    "console": ["console"],
    "run": ["run"],
    "export": ["export", "responses"],
    "backup": ["db", "backup", "BACKUP"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(
    "case",
    ["a text file", "junk in the middle", "a folder that is a file", "a file the system refuses"],
)
def test_every_command_exits_within_five_seconds_with_one_line(tmp_path, seeds_dir, command, case):
    make, needle = BROKEN[case]
    path = make(tmp_path)
    args = [a.replace("BACKUP", str(tmp_path / "backup.db")) for a in COMMANDS[command]]
    env = {
        **os.environ,
        "DATABASE_PATH": str(path),
        "SEEDS_DIR": str(seeds_dir),
        "DISCORD_TOKEN": "not-a-real-token",
        "PYTHONPATH": str(REPO),
    }
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input="!readings\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    took = time.monotonic() - started
    assert proc.returncode != 0
    assert took < 5.0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr
