"""A burst of 10,000 responses through the logging path, against plain sqlite3 inserts.

Both sides write the same ``responses`` table (created by the real migrations) in WAL mode
with ``synchronous=NORMAL``, each in its own file:

* baseline: plain ``sqlite3``, one single-row INSERT per response, each its own transaction;
* the bot: ``ResponseLog.log`` for 10,000 messages arriving at once (discord.py runs every
  ``on_message`` as its own task), each call returning only after its row is committed;
* for reference: the same burst with batching off (one transaction per response) and
  10,000 calls awaited one after another (no concurrency, so no batching).

Prints the rates, the ratio to the baseline (target >= 0.5x) and per-call latency.
Run: ``.venv/bin/python -m bench.bench_responses [N]``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import stats_ms
from bot.core.times import to_db as to_iso
from bot.features.responses.log import Incoming, ResponseLog
from bot.storage import Database
from tests.helpers.clock import FakeClock

T0 = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
THREAD = 5000
TEXT = "I think the state co-opts these groups because it needs their reach. " * 2


async def fresh_db(path: Path) -> tuple[Database, int]:
    db = await Database.open(path)
    async with db.write() as conn:
        cur = await conn.execute(
            "INSERT INTO posts (guild_id, channel_id, thread_id, question, posted_at) "
            "VALUES (1, 100, ?, 'Q?', ?)",
            (THREAD, to_iso(T0)),
        )
        post_id = cur.lastrowid
    return db, post_id


def messages(n: int) -> list[Incoming]:
    return [
        Incoming(
            user_id=1000 + i % 40,
            display_name=f"Student {i % 40}",
            text=TEXT,
            source="thread",
            created_at=T0 + timedelta(seconds=i),
            guild_id=1,
            channel_id=THREAD,
            message_id=10_000_000 + i,
            thread_id=THREAD,
        )
        for i in range(n)
    ]


def plain_sqlite(path: Path, post_id: int, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    rows = [
        (
            post_id,
            1,
            THREAD,
            m.user_id,
            m.display_name,
            m.message_id,
            m.text,
            m.source,
            to_iso(m.created_at),
        )
        for m in messages(n)
    ]
    start = time.perf_counter()
    for row in rows:
        conn.execute(
            "INSERT INTO responses (post_id, guild_id, channel_id, user_id, display_name, "
            "message_id, text, source, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            row,
        )
    elapsed = time.perf_counter() - start
    assert conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == n
    conn.close()
    return n / elapsed


async def bot_path(path: Path, n: int, *, concurrent: bool, max_batch: int = 500):
    db, _ = await fresh_db(path)
    log = ResponseLog(db, FakeClock(T0), max_batch=max_batch)
    items = messages(n)
    latencies: list[float] = []

    async def one(item: Incoming):
        t = time.perf_counter()
        result = await log.log(item)
        latencies.append(time.perf_counter() - t)
        return result

    start = time.perf_counter()
    if concurrent:
        results = await asyncio.gather(*(one(item) for item in items))
    else:
        results = [await one(item) for item in items]
    elapsed = time.perf_counter() - start
    stored = (await db.fetchone("SELECT COUNT(*) FROM responses"))[0]
    distinct = (await db.fetchone("SELECT COUNT(DISTINCT message_id) FROM responses"))[0]
    await log.aclose()
    await db.close()
    assert all(r.logged for r in results), "a response was not logged"
    assert stored == distinct == n, f"stored {stored}, distinct {distinct}, expected {n}"
    return n / elapsed, latencies


async def main(n: int) -> None:
    runs = 3
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        plain_rates, burst_rates, honest_rates, seq_rates = [], [], [], []
        burst_lat: list[float] = []
        for run in range(runs):
            db, post_id = await fresh_db(base / f"plain{run}.db")
            await db.close()
            plain_rates.append(plain_sqlite(base / f"plain{run}.db", post_id, n))
            rate, lat = await bot_path(base / f"burst{run}.db", n, concurrent=True)
            burst_rates.append(rate)
            burst_lat += lat
        # References, once each (they are slow by design).
        rate, _ = await bot_path(base / "honest.db", n, concurrent=True, max_batch=1)
        honest_rates.append(rate)
        rate, seq_lat = await bot_path(base / "seq.db", n, concurrent=False)
        seq_rates.append(rate)
    plain = statistics.median(plain_rates)
    burst = statistics.median(burst_rates)
    lat = stats_ms(burst_lat)
    one = stats_ms(seq_lat)
    print(f"responses per run: {n}, runs: {runs} (medians shown); nothing lost in any run")
    print(f"plain sqlite3, one INSERT per transaction : {plain:10.0f} rows/s")
    print(
        f"ResponseLog.log burst (batched commits)    : {burst:10.0f} rows/s  "
        f"ratio {burst / plain:.2f}x (target >= 0.5x)"
    )
    print(
        f"  per-call latency in the burst           : median {lat['median_ms']:.1f} ms, "
        f"p99 {lat['p99_ms']:.1f} ms (call to commit, 10,000 calls in flight)"
    )
    print(
        f"same burst, one transaction per response : {statistics.median(honest_rates):10.0f}"
        f" rows/s  ratio {statistics.median(honest_rates) / plain:.2f}x"
    )
    print(
        f"awaited one by one (no concurrency)      : {statistics.median(seq_rates):10.0f}"
        f" rows/s  ratio {statistics.median(seq_rates) / plain:.2f}x, latency median "
        f"{one['median_ms']:.2f} ms, p99 {one['p99_ms']:.2f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
