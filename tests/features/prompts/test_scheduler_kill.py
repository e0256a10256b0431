"""At most once, never silently lost: a real process, really killed (SIGKILL) at each step.

tests/features/prompts/test_scheduler.py covers the same steps in-process, where a cancelled task
can still run its clean-up; here nothing runs after the kill, not even the database's close.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
]


def child(tmp_path: Path, seeds_dir: Path, step: str, minutes: int) -> int:
    args = [str(tmp_path / "bot.db"), str(seeds_dir), str(tmp_path / "world.jsonl"), step]
    proc = subprocess.run(
        [sys.executable, "-m", "tests.helpers.kill_child", *args, str(minutes)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (0, -signal.SIGKILL), proc.stderr
    return proc.returncode


def messages(tmp_path: Path) -> list[dict]:
    world = tmp_path / "world.jsonl"
    lines = world.read_text().splitlines() if world.exists() else []
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("step", ["before_send", "after_send", "after_record"])
def test_killed_at_each_step_the_prompt_appears_exactly_once(tmp_path, seeds_dir, step):
    assert child(tmp_path, seeds_dir, "schedule", 0) == 0
    assert child(tmp_path, seeds_dir, step, 61) == -signal.SIGKILL
    landed = messages(tmp_path)
    assert len(landed) == (0 if step == "before_send" else 1)

    assert child(tmp_path, seeds_dir, "run", 62) == 0  # restart, within the catch-up grace
    assert [m["q"] for m in messages(tmp_path)] == ["Asked exactly once?"]
    assert child(tmp_path, seeds_dir, "run", 63) == 0  # and again: still once
    assert len(messages(tmp_path)) == 1
