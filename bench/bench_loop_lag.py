"""Event-loop stalls per command, driven through the Discord front (dpytest).

A server as the issue describes it: 60 readings (five of them 20,000-word full texts), the
seed glossary and prompt bank, and 50,000 logged responses over 40 prompts. Every command
is sent as a prefix message through discord.py (so it runs exactly the cog → core path a
slash command runs), and the autocomplete callbacks are called as Discord calls them.

A monitor task sleeps 5 ms again and again and records how late it wakes: the overshoot is
how long the loop was blocked (every other student's command, autocomplete and ✅ waits that
long). The baseline is the same monitor on the idle loop, measured in the same run. Each
command runs ``REPEAT`` times; the first run is right after start-up, while the background
warm-up (themes, the generated prompt bank) is still computing in its worker.

Reports, per command: the median, p99 and worst overshoot seen while it ran, the worst
run's wall time, and the worst overshoot as a ratio to the idle baseline's worst. Target:
worst ≤ 50 ms for every command.
Run: ``.venv/bin/python -m bench.bench_loop_lag [repeat] [--only SUBSTRING ...]``;
``--only`` (repeatable, case-insensitive) runs just the commands whose label contains one
of the substrings, on the same server (e.g. ``--only responses --only participation``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import discord.ext.test as dpytest
from discord.ext import commands

from bench.bench_themes import article
from bench.common import percentile, write_readings
from bot.config import Settings
from bot.core.times import to_db as to_iso
from tests.helpers.dpytest import configured_bot

ROOT = Path(__file__).resolve().parent.parent
PERIOD_S = 0.005
TARGET_MS = 50.0
LONG_TEXTS = 5
RESPONSES = 50_000
POSTS = 40
STUDENTS = 150
T0 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


class LagMonitor:
    """Sleeps ``PERIOD_S`` in a loop and records each wake-up's lateness, in seconds."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(PERIOD_S)
            self.samples.append(max(0.0, time.perf_counter() - start - PERIOD_S))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def take(self) -> list[float]:
        """The samples since the last call (the monitor keeps running)."""
        out, self.samples = self.samples, []
        return out

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


def make_seeds(folder: Path) -> None:
    """The repository's seeds, 54 generated readings and five 20,000-word full texts."""
    shutil.copytree(ROOT / "seeds", folder)
    write_readings(folder, 60 - 1 - LONG_TEXTS)
    for i in range(LONG_TEXTS):
        title = f"A long field study of street-level governance, part {i + 1}"
        text = article(100 + i, 20_000)
        (folder / f"long-study-{i + 1}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")


async def add_responses(bot: commands.Bot, guild_id: int, channel_id: int) -> None:
    """40 posted prompts and 50,000 responses spread over a semester."""
    rng = random.Random(3)
    async with bot.services.db.write() as conn:
        for p in range(POSTS):
            await conn.execute(
                "INSERT INTO posts (guild_id, channel_id, message_id, question, posted_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (guild_id, channel_id, 9_000 + p, f"Prompt {p}?", to_iso(T0 + timedelta(days=p))),
            )
        rows = []
        for i in range(RESPONSES):
            student = rng.randrange(STUDENTS)
            words = " ".join(
                rng.choice(("state", "NGO", "co-opts", "legitimacy")) for _ in range(40)
            )
            rows.append(
                (
                    guild_id,
                    channel_id,
                    1 + i % POSTS,
                    10_000 + student,
                    f"Student {student}",
                    words,
                    1_000_000 + i,
                    to_iso(T0 + timedelta(days=i % POSTS, seconds=i)),
                )
            )
        await conn.executemany(
            "INSERT INTO responses (guild_id, channel_id, post_id, user_id, display_name, text, "
            "message_id, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'thread', ?)",
            rows,
        )


async def start_bot(tmp: Path) -> commands.Bot:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        seeds_dir=tmp / "seeds",
        database_path=tmp / "data" / "seminar.db",
        timezone="Europe/London",
    )
    bot = await configured_bot(settings)
    guild = bot.guilds[0]
    # dpytest cannot open threads: prompts go out without one (the reply-to footer)
    channel = guild.text_channels[0]
    await dpytest.set_permission_overrides(guild.default_role, channel, create_public_threads=False)
    return bot


def commands_to_run(bot: commands.Bot) -> list[tuple[str, str, str]]:
    """(label, message or ``autocomplete:<source>:<typed>``, who) for every command."""
    library = list(bot.services.library)
    long_id = next(r.id for r in library if r.id.startswith("long-study"))
    short_id = next(r.id for r in library if r.id.startswith("reading") or "-" in r.id)
    unreadable = "x" * 1990
    return [
        ("help", "!help", "teacher"),
        ("readings", "!readings", "student"),
        ("summary (20,000 words)", f"!summary {long_id}", "student"),
        ("summary long (20,000 words)", f"!summary {long_id} long", "student"),
        ("summary (abstract)", f"!summary {short_id}", "student"),
        ("cite", f"!cite {short_id}", "student"),
        ("cite mla (20,000 words)", f"!cite mla {long_id}", "student"),
        ("cite bibtex", f"!cite bibtex {short_id}", "student"),
        ("cite styles", "!cite styles", "student"),
        ("themes", "!themes", "student"),
        ("themes <reading> (20,000 words)", f"!themes {long_id}", "student"),
        ("themes <concept>", "!themes co-optation", "student"),
        ("themes compare", f"!themes compare {long_id} {short_id}", "student"),
        ("prompt bank", "!prompt bank", "teacher"),
        ("prompt bank <concept>", "!prompt bank co-optation", "teacher"),
        ("prompt bank <reading>", f"!prompt bank {long_id}", "teacher"),
        ("prompt post", "!prompt post What do the NGOs gain?", "teacher"),
        (
            "prompt schedule",
            '!prompt schedule "next tuesday 10:00" --every week --count 3 Why?',
            "teacher",
        ),
        ("prompt schedule (2,000-char time)", f'!prompt schedule "{unreadable}" Why?', "teacher"),
        ("prompt list", "!prompt list", "teacher"),
        ("prompt close", "!prompt close 41", "teacher"),
        ("prompt frobnicate", "!prompt frobnicate", "teacher"),
        ("respond", "!respond 1 The state needs their reach.", "student"),
        ("responses (50,000)", "!responses", "teacher"),
        ("responses <prompt>", "!responses 1", "teacher"),
        ("participation (50,000)", "!participation", "teacher"),
        ("participation since", "!participation 2026-02-01", "teacher"),
        ("participation (2,000-char time)", f"!participation {unreadable}", "teacher"),
        ("privacy", "!privacy", "student"),
        ("mydata", "!mydata", "student"),
        ("autocomplete reading", "autocomplete:reading:long stu", "student"),
        ("autocomplete reading/concept", "autocomplete:reading_or_concept:co", "student"),
        ("autocomplete style", "autocomplete:style:ap", "student"),
        ("autocomplete bank", "autocomplete:bank:auto", "student"),
    ]


async def run_one(bot: commands.Bot, content: str, who: str) -> None:
    from cogs._common import AUTOCOMPLETE

    if content.startswith("autocomplete:"):
        _, source, typed = content.split(":", 2)
        choices = await AUTOCOMPLETE[source](SimpleNamespace(client=bot), typed)
        assert len(choices) <= 25 and all(len(c.value) <= 100 for c in choices)
        return
    guild = bot.guilds[0]
    member = next(m for m in guild.members if m.name == who)
    try:
        await dpytest.message(content, channel=guild.text_channels[0], member=member)
    except commands.CommandError:
        pass  # refusals and bad input are answered by the error handler; still measured
    await dpytest.run_all_events()
    await dpytest.empty_queue()


def row(label: str, samples: list[float], wall: float, idle_worst: float) -> str:
    ms = [s * 1000 for s in samples] or [0.0]
    worst = max(ms)
    flag = "" if worst <= TARGET_MS else "  ← over target"
    return (
        f"| {label} | {statistics.median(ms):.1f} | {percentile(ms, 99):.1f} | {worst:.1f} | "
        f"{worst / max(idle_worst, 0.1):.1f}× | {wall * 1000:.0f} |{flag}"
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    """``[repeat] [--only SUBSTRING ...]`` from the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_loop_lag")
    parser.add_argument("repeat", nargs="?", type=int, default=3, help="runs per command")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SUBSTRING",
        help="run only commands whose label contains this (repeatable, any case)",
    )
    return parser.parse_args(argv)


def selected(rows: list[tuple[str, str, str]], only: list[str]) -> list[tuple[str, str, str]]:
    """The rows whose label contains one of ``only`` (every row when ``only`` is empty)."""
    wanted = [w.lower() for w in only]
    return [r for r in rows if not wanted or any(w in r[0].lower() for w in wanted)]


async def main() -> None:
    args = parse_args(sys.argv[1:])
    repeat = args.repeat
    logging.basicConfig(level=logging.ERROR)
    tmp = Path(tempfile.mkdtemp(prefix="loop-lag-"))
    os.chdir(tmp)  # dpytest writes attachments to ./dpytest_N.dat
    print("generating 60 readings (5 × 20,000 words) and 50,000 responses …", file=sys.stderr)
    make_seeds(tmp / "seeds")
    start = time.perf_counter()
    bot = await start_bot(tmp)
    guild = bot.guilds[0]
    await add_responses(bot, guild.id, guild.text_channels[0].id)
    print(f"start-up: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    monitor = LagMonitor()
    monitor.start()
    await asyncio.sleep(2.0)
    idle = monitor.take()
    idle_ms = [s * 1000 for s in idle]
    per_command: dict[str, tuple[list[float], float]] = {}
    to_run = selected(commands_to_run(bot), args.only)
    if not to_run:
        raise SystemExit(f"no command label contains any of {args.only}")
    for run in range(repeat):
        for label, content, who in to_run:
            monitor.take()
            t = time.perf_counter()
            await run_one(bot, content, who)
            await asyncio.sleep(PERIOD_S * 2)  # let the monitor wake once more
            wall = time.perf_counter() - t
            samples, worst_wall = per_command.get(label, ([], 0.0))
            per_command[label] = (samples + monitor.take(), max(worst_wall, wall))
        print(f"run {run + 1}/{repeat} done", file=sys.stderr)
    await monitor.stop()
    print(
        f"Idle loop (baseline, 2 s): median {statistics.median(idle_ms):.2f} ms, "
        f"p99 {percentile(idle_ms, 99):.2f} ms, worst {max(idle_ms):.2f} ms "
        f"({len(idle_ms)} readings)\n"
    )
    print("| command | median ms | p99 ms | worst ms | worst / idle worst | slowest run ms |")
    print("|---|---:|---:|---:|---:|---:|")
    worst_all = 0.0
    for label, (samples, wall) in per_command.items():
        print(row(label, samples, wall, max(idle_ms)))
        worst_all = max(worst_all, max(samples, default=0.0) * 1000)
    verdict = "within" if worst_all <= TARGET_MS else "OVER"
    print(
        f"\nWorst stall of any command: {worst_all:.1f} ms "
        f"({verdict} the {TARGET_MS:.0f} ms target)"
    )
    await bot.services.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
