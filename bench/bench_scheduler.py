"""Scheduler speed with 10,000 pending plans: start-up, idle CPU, posting latency (fake Discord).

Run: .venv/bin/python -m bench.bench_scheduler

Baselines, measured in the same run: start-up of the same services over an empty plan table,
and, for latency, bare asyncio tasks each sleeping on the scheduler's clock until the same
schedule of due times (50 a second, on whole seconds), then making the same fake send: what any
sleeper pays on this loop and machine.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from bench.common import percentile
from bot.config import Settings
from bot.core.clock import Clock
from bot.core.times import to_db
from bot.features.prompts.posting import PostResult
from bot.services import Services

PLANS = 10_000
IDLE_SECONDS = 3.0
STARTS = 7  # start-ups timed per case (interleaved); medians shown


class TimingPoster:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.due: dict[int, datetime] = {}

    async def post(self, request):
        now = datetime.now(UTC)
        self.latencies.append((now - self.due[request.occurrence_id]).total_seconds())
        return PostResult(request.post_id, None)

    async def find_existing(self, channel_id, marker, since):
        return None

    async def notify(self, target, reply):
        pass

    async def check_channel(self, guild_id, channel_id):
        pass


async def seed(svc: Services, far: datetime) -> None:
    rows = [
        (
            1,
            100,
            7,
            100,
            f"Question {i}?",
            to_db(far + timedelta(minutes=i)),
            "UTC",
            to_db(far),
        )
        for i in range(PLANS)
    ]
    async with svc.db.write() as conn:
        await conn.executemany(
            "INSERT INTO plans (guild_id, channel_id, created_by, notify_channel_id, text, "
            "dtstart, tz, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        await conn.execute(
            "INSERT INTO occurrences (plan_id, seq, due_at) SELECT id, 1, dtstart FROM plans"
        )


async def burst(svc, poster, ids, per_second):
    base = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    async with svc.db.write() as conn:
        for n, occ_id in enumerate(ids):
            due = base + timedelta(seconds=n // per_second)
            poster.due[occ_id] = due
            await conn.execute(
                "UPDATE occurrences SET due_at = ? WHERE id = ?", (to_db(due), occ_id)
            )
    svc.scheduler.wake()
    await asyncio.sleep(2 + len(ids) / per_second)
    await svc.scheduler.settle()


def report(label, latencies, expected):
    lat = sorted(latencies)
    print(f"{label}: posted {len(lat)} of {expected}")
    print(
        f"  latency after due time: p50 {statistics.median(lat) * 1000:.1f} ms, "
        f"p99 {percentile(lat, 99) * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms"
    )


async def sleepers(clock: Clock, count: int, per_second: int) -> list[float]:
    """Baseline: one bare task per due time, each sleeping on the scheduler's clock until it,
    then making the same fake send; the lateness the fake Discord records."""
    base = clock.now().replace(microsecond=0) + timedelta(seconds=2)
    poster = TimingPoster()

    async def one(n: int) -> None:
        due = poster.due[n] = base + timedelta(seconds=n // per_second)
        await clock.sleep_until(due, asyncio.Event())
        await poster.post(SimpleNamespace(occurrence_id=n, post_id=n))

    await asyncio.gather(*(one(n) for n in range(count)))
    return poster.latencies


async def start_time(settings: Settings) -> tuple[float, float, Services]:
    """Seconds for Services.open and for the scheduler's start to its first sleep."""
    t0 = time.perf_counter()
    svc = await Services.open(settings)
    t_open = time.perf_counter() - t0
    svc.scheduler.attach(TimingPoster())
    t1 = time.perf_counter()
    await svc.scheduler.start()
    await svc.scheduler.settle()
    return t_open, time.perf_counter() - t1, svc


async def start_times(
    settings: Settings, empty: Settings, repeat: int
) -> tuple[float, float, float, float, Services]:
    """Medians of ``repeat`` start-ups over the seeded database and, interleaved with them (so
    background noise such as the citation pre-render hits both alike), over an empty
    one. Returns open and start medians, seeded then empty, and the last seeded services open.
    """
    opens, starts, empty_opens, empty_starts = [], [], [], []
    for i in range(repeat):
        t_open, t_start, svc = await start_time(empty)
        empty_opens.append(t_open)
        empty_starts.append(t_start)
        await svc.close()
        t_open, t_start, svc = await start_time(settings)
        opens.append(t_open)
        starts.append(t_start)
        if i < repeat - 1:
            await svc.close()
    return (
        statistics.median(opens),
        statistics.median(starts),
        statistics.median(empty_opens),
        statistics.median(empty_starts),
        svc,
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings, empty = (
            Settings(
                _env_file=None,
                seeds_dir=Path("seeds"),
                database_path=Path(tmp) / name,
                max_active_plans_per_guild=100_000,
            )
            for name in ("bench.db", "empty.db")
        )
        for each in (empty, settings):  # creates both databases; warms imports
            *_, svc = await start_time(each)
            if each is settings:
                await seed(svc, datetime.now(UTC) + timedelta(days=2))
            await svc.close()

        t_open, t_start, empty_open, empty_start, svc = await start_times(settings, empty, STARTS)
        poster = svc.scheduler.poster
        print(f"pending plans: {PLANS} (start-up figures: medians of {STARTS} start-ups)")
        print(
            f"Services.open (db + library): {t_open * 1000:.0f} ms "
            f"(baseline, no plans: {empty_open * 1000:.0f} ms; ratio {t_open / empty_open:.2f}x)"
        )
        print(
            f"scheduler start to first sleep (reconcile + next-due): {t_start * 1000:.1f} ms "
            f"(baseline, no plans: {empty_start * 1000:.1f} ms; ratio {t_start / empty_start:.2f}x)"
        )

        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(IDLE_SECONDS)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(f"idle CPU over {wall:.1f} s: {cpu * 1000:.1f} ms ({100 * cpu / wall:.2f} %)")

        # Realistic peak: Discord's global limit is 50 requests/s, so 50 prompts due per
        # second for 20 s (1,000 occurrences, on whole seconds) is the most a bot can post.
        ids = [r[0] for r in await svc.db.fetchall("SELECT id FROM occurrences ORDER BY id")]
        await burst(svc, poster, ids[:1000], per_second=50)
        report("at 50 due/s (Discord's global rate)", poster.latencies, 1000)
        base = await sleepers(svc.clock, 1000, per_second=50)
        report("baseline, bare asyncio sleepers at 50 due/s", base, 1000)
        ratio = percentile(poster.latencies, 99) / percentile(base, 99)
        print(f"  ratio of p99 latency, scheduler / baseline: {ratio:.1f}x")
        # Stress: 2,000 due in the same second; how fast does the backlog drain?
        poster.latencies.clear()
        t = time.perf_counter()
        await burst(svc, poster, ids[1000:3000], per_second=2000)
        drain = poster.latencies[-1]
        report("2,000 due in one second (stress)", poster.latencies, 2000)
        run_s = time.perf_counter() - t
        print(f"  stress throughput: {2000 / drain:.0f} occurrences/s ({run_s:.1f} s run)")
        t2 = time.perf_counter()
        await svc.close()
        print(f"shutdown: {(time.perf_counter() - t2) * 1000:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
