"""The console runs the scheduler: a prompt scheduled for +2s prints while input stays open."""

from __future__ import annotations

import asyncio
import os
import sys


async def test_scheduled_prompt_prints_while_console_waits(tmp_path, seeds_dir):
    env = {
        **os.environ,
        "SEEDS_DIR": str(seeds_dir),
        "DATABASE_PATH": str(tmp_path / "db" / "seminar.db"),
        "DISCORD_TOKEN": "",
        "TIMEZONE": "Europe/London",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "console",
        "--instructor",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write(b"!prompt schedule +2s Who is served by the @everyone campaign?\n")
    await proc.stdin.drain()
    seen = []
    try:
        # stdin stays open: the prompt must arrive while the console is waiting for input
        while not any("Discussion prompt" in line for line in seen):
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
            if not line:
                break
            seen.append(line.decode())
    finally:
        proc.stdin.close()
        out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    text = "".join(seen) + out.decode()
    assert proc.returncode == 0, err.decode()
    assert "Scheduled plan 1" in text
    assert "Discussion prompt 1" in text
    assert "Who is served by the @\u200beveryone campaign?" in text
    assert text.index("Scheduled plan 1") < text.index("Discussion prompt 1")
