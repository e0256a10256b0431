"""Two real bot processes on one database with the same due prompts: each is posted once.

One console schedules the prompts and exits; once they are due, process A starts, and B starts
while A is still starting or posting. The one holding the scheduler lease posts; the other
says it is standing by.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime

import pytest

from bot.core.times import to_db
from tests.helpers.paths import REPO

pytestmark = pytest.mark.slow
N = 200
QUESTION = re.compile(r"Asked once only (\d{4})\?")


def console(env, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--instructor"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        cwd=REPO,
        **kwargs,
    )


def test_two_processes_post_every_prompt_once_and_one_stands_by(tmp_path, seeds_dir):
    env = {
        **os.environ,
        "SEEDS_DIR": str(seeds_dir),
        "DATABASE_PATH": str(tmp_path / "bot.db"),
        "TIMEZONE": "UTC",
        "LOG_LEVEL": "WARNING",
        "MAX_ACTIVE_PLANS_PER_GUILD": str(N + 10),
    }
    lines = "".join(f"!prompt schedule +1h Asked once only {i:04d}?\n" for i in range(N))
    scheduler = console(env)
    out, err = scheduler.communicate(lines, timeout=120)
    assert out.count("Scheduled plan") == N, err
    # The hour passes: every prompt is due now (within the catch-up grace).
    with closing(sqlite3.connect(tmp_path / "bot.db")) as conn:
        conn.execute("UPDATE occurrences SET due_at = ?", (to_db(datetime.now(UTC)),))
        conn.commit()

    outputs: dict[str, list[str]] = {"A": [], "B": []}
    procs = {}
    for name in ("A", "B"):
        proc = console(env)
        procs[name] = proc
        threading.Thread(
            target=lambda p=proc, n=name: outputs[n].extend(p.stdout), daemon=True
        ).start()
        time.sleep(1.0)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if len(set(QUESTION.findall("".join(outputs["A"] + outputs["B"])))) >= N:
            break
        time.sleep(0.2)
    time.sleep(1.0)  # anything posted twice would show up by now
    errors = {}
    for name, proc in procs.items():
        _, errors[name] = proc.communicate("", timeout=30)
        assert proc.returncode == 0, errors[name]

    counts = Counter(q for o in outputs.values() for q in QUESTION.findall("".join(o)))
    assert len(counts) == N
    assert [q for q, k in counts.items() if k > 1] == []
    standing_by = [n for n, e in errors.items() if "standing by" in e]
    posted_by = [n for n, o in outputs.items() if QUESTION.search("".join(o))]
    assert len(standing_by) == 1 and posted_by == [n for n in "AB" if n not in standing_by]


def _lines_of(stream, into: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(stream), daemon=True)
    thread.start()
    return thread


def _wait_for(lines: list[str], text: str, count: int = 1, timeout: float = 90) -> None:
    """Until ``text`` has appeared in ``count`` lines (a guard, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while sum(text in line for line in list(lines)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"never saw {text!r} {count}x:\n" + "".join(lines[-40:]))
        time.sleep(0.1)


def test_the_second_process_says_once_that_it_stands_by_then_takes_over(tmp_path, seeds_dir):
    env = {
        **os.environ,
        "SEEDS_DIR": str(seeds_dir),
        "DATABASE_PATH": str(tmp_path / "bot.db"),
        "LOG_LEVEL": "INFO",
    }
    first = console(env)
    first_err: list[str] = []
    _lines_of(first.stderr, first_err)
    second = None
    try:
        _wait_for(first_err, "this process holds the prompt scheduler")
        second = console({**env, "LOG_LEVEL": "DEBUG"})  # DEBUG: each lease retry shows
        second_err: list[str] = []
        _lines_of(second.stderr, second_err)
        _wait_for(second_err, "the prompt scheduler is still held by", count=2)
        first.communicate("", timeout=30)  # a clean stop releases the lease
        _wait_for(second_err, "took over the prompt scheduler")
        second.communicate("", timeout=30)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert first.returncode == 0 and second.returncode == 0
    # one notice: not one from the start-up check and another from the scheduler, nor one
    # per lease retry
    notices = [line for line in second_err if "another bot process" in line.lower()]
    assert len(notices) == 1, "".join(notices)
    assert "standing by" in notices[0]
    assert "WARNING" in notices[0] and f"pid {first.pid}" in notices[0]
    assert "Commands still work here" in notices[0]
    assert sum("took over the prompt scheduler" in line for line in second_err) == 1
    assert not any("standing by" in line for line in first_err)
