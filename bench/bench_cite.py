"""Benchmark !cite with citeproc-js in V8: start, renders, background load, restart, memory.

    .venv/bin/python -m bench.bench_cite [--readings 500]

Each phase runs in a fresh Python process of the same venv, so resident memory (``VmRSS``,
peak ``VmHWM``) is that phase's own. Baseline, measured in the same run: a bare discord.py bot
(``commands.Bot`` constructed, nothing loaded). Targets (issue 11): rendering 500 readings x 5
styles adds at most 100 MiB to the bot's RSS, at the peak and after (V8 is closed once the
batch is done: both are reported); the event loop never lags > 50 ms meanwhile; a restart
with a warm cache renders nothing, starts no V8 and builds no style index.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import percentile, stats_ms

TYPES = ["article-journal"] * 6 + ["book", "chapter", "report", "thesis", "webpage"]


def rss_mib() -> dict[str, float]:
    """This process's resident and peak resident memory, in MiB (Linux /proc).

    ``file_mib`` is the file-backed part of the resident memory (mapped libraries such as
    mini-racer's 74 MB libmini_racer.so, clean pages the kernel can drop and re-read).
    """
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssFile"):
            fields[name] = int(value.split()[0]) / 1024
    return {"rss_mib": fields["VmRSS"], "peak_mib": fields["VmHWM"], "file_mib": fields["RssFile"]}


def synthetic_readings(n: int, seed: int = 7) -> list:
    """n readings with realistic variety: 1-25 authors, shared surnames, several types."""
    from bot.features.readings.models import Reading

    rng = random.Random(seed)
    families = [f"{rng.choice(['Li', 'Kan', 'Smith', 'Perry', 'Zhang'])}{i}" for i in range(n)]
    out = []
    for i in range(n):
        kind = rng.choice(TYPES)
        csl = {
            "type": kind,
            "title": f"Reading {i}: on the {rng.choice(['state', 'party', 'city'])} and its people",
            "author": [
                {"family": rng.choice(families), "given": "Ann B."}
                for _ in range(rng.choice([1, 1, 2, 3, 8, 25]))
            ],
            "container-title": rng.choice(["China Journal", "Modern China", "Governance"]),
            "volume": str(rng.randint(1, 90)),
            "page": f"{rng.randint(1, 300)}-{rng.randint(301, 600)}",
            "issued": {"date-parts": [[rng.randint(1990, 2024), rng.randint(1, 12)]]},
            "publisher": "Routledge",
            "DOI": f"10.1000/bench.{i}",
        }
        if kind == "chapter":
            csl["editor"] = [{"family": rng.choice(families), "given": "E."}]
        out.append(Reading(id=f"bench-{i:04d}", csl=csl))
    return out


async def _lag_probe(samples: list[float], stop: asyncio.Event) -> None:
    """How late a 10 ms sleep wakes up: the event loop's lag, in seconds."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.01)
        samples.append(max(0.0, time.perf_counter() - start - 0.01))


async def _background(n: int, db_path: str) -> dict:
    """The bot's own process: render n readings x 5 styles in the background, probe the loop."""
    import bot.app  # noqa: F401  (the whole bot imported, as when it runs)
    from bot.features.citations import CitationEngine
    from bot.storage import Database

    readings = synthetic_readings(n)
    db = await Database.open(db_path)
    before = rss_mib()
    engine = CitationEngine()
    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(_lag_probe(lags, stop))
    start = time.perf_counter()
    await engine.start(readings, db)
    took = time.perf_counter() - start
    after = rss_mib()  # the batch closes V8 before it returns
    stop.set()
    await probe
    renders = engine.citeproc.renders
    await engine.aclose()
    await db.close()
    return {
        "readings": n,
        "renders": renders,
        "seconds": took,
        "per_render_ms": took / max(1, renders) * 1000,
        "renders_per_s": renders / took,
        "v8_starts": engine.citeproc.starts,
        "v8_closed": not engine.citeproc.started,
        "loop_lag_p99_ms": percentile(lags, 99) * 1000,
        "loop_lag_max_ms": max(lags) * 1000,
        "rss_before_mib": before["rss_mib"],
        "rss_after_mib": after["rss_mib"],
        "file_before_mib": before["file_mib"],
        "file_after_mib": after["file_mib"],
        "peak_mib": after["peak_mib"],
    }


async def _restart(n: int, db_path: str) -> dict:
    """A restart over the same database: everything should come from the cache."""
    import bot.app  # noqa: F401
    from bot.features.citations import STYLES, CitationEngine
    from bot.features.citations.styles import INDEX
    from bot.storage import Database

    readings = synthetic_readings(n)
    db = await Database.open(db_path)
    engine = CitationEngine()
    start = time.perf_counter()
    await engine.start(readings, db)
    took = time.perf_counter() - start
    gets = []
    for reading in readings[:200]:
        t = time.perf_counter()
        await engine.get(reading, STYLES["apa"])
        gets.append(time.perf_counter() - t)
    out = {
        "seconds": took,
        "renders": engine.citeproc.renders,
        "v8_started": engine.citeproc.starts > 0,
        "index_built": INDEX.ready,
        "cached_get": stats_ms(gets),
        **rss_mib(),
    }
    await engine.aclose()
    await db.close()
    return out


def _engine_costs() -> dict:
    """V8 start, a style's first render (engine build), warm renders."""
    from bot.features.citations import STYLES
    from bot.features.citations.engine import Citeproc

    readings = synthetic_readings(200)
    from bot.features.citations.engine import csl_item

    items = [csl_item(r) for r in readings]
    citeproc = Citeproc()
    t = time.perf_counter()
    citeproc.processor_version  # noqa: B018  (starts V8 and loads citeproc-js)
    start = time.perf_counter() - t
    out: dict = {
        "v8_start_ms": start * 1000,
        "first_render_ms": {},
        "warm_render": {},
        "heap_mib": {"citeproc-js": citeproc.heap_used_mib()},
    }
    for key in ("apa", "mla", "chicago", "harvard", "ieee"):
        t = time.perf_counter()
        citeproc.render(STYLES[key], items[0])
        out["first_render_ms"][key] = (time.perf_counter() - t) * 1000
        out["heap_mib"][key] = citeproc.heap_used_mib()
        warm = []
        for item in items[1:]:
            t = time.perf_counter()
            citeproc.render(STYLES[key], item)
            warm.append(time.perf_counter() - t)
        out["warm_render"][key] = stats_ms(warm)
    citeproc.close()
    return out


def _bare_bot() -> dict:
    """The baseline: discord.py imported and a Bot constructed, nothing else."""
    import discord
    from discord.ext import commands

    commands.Bot(command_prefix="!", intents=discord.Intents.default())
    return rss_mib()


def _idle_bot() -> dict:
    """The bot imported (every feature), V8 not started: what a warm-cache restart costs."""
    import bot.app  # noqa: F401

    return rss_mib()


def child(phase: str, n: int, db_path: str) -> dict:
    """Run one phase in this (fresh) process."""
    if phase == "bare":
        return _bare_bot()
    if phase == "idle":
        return _idle_bot()
    if phase == "engine":
        return _engine_costs()
    if phase == "background":
        return asyncio.run(_background(n, db_path))
    return asyncio.run(_restart(n, db_path))


def run_phase(phase: str, n: int, db_path: str) -> dict:
    """One phase in a fresh interpreter (the benchmark's processes, not the bot's)."""
    out = subprocess.run(  # noqa: S603  (our own interpreter and module)
        [
            sys.executable,
            "-m",
            "bench.bench_cite",
            "--child",
            phase,
            "--readings",
            str(n),
            "--db",
            db_path,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def installed_mib() -> dict[str, float]:
    """Disk used by what !cite ships: mini-racer's V8 and the vendored citeproc-js/locales."""
    import py_mini_racer

    from bot.features.citations.engine import VENDOR

    def size(folder: Path) -> float:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20

    return {
        "mini_racer_mib": size(Path(py_mini_racer.__file__).parent),
        "vendor_mib": size(VENDOR),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=500)
    parser.add_argument("--child")
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.readings, args.db)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "cite.db")
        bare = run_phase("bare", args.readings, db)
        idle = run_phase("idle", args.readings, db)
        engine = run_phase("engine", args.readings, db)
        background = run_phase("background", args.readings, db)
        restart = run_phase("restart", args.readings, db)
    print(f"bare discord.py bot: RSS {bare['rss_mib']:.0f} MiB (baseline)")
    print(
        f"bot imported, V8 not started: RSS {idle['rss_mib']:.0f} MiB "
        f"({idle['rss_mib'] / bare['rss_mib']:.2f}x bare)"
    )
    heap = engine["heap_mib"]
    print(
        f"V8 + citeproc-js start: {engine['v8_start_ms']:.0f} ms; V8 heap "
        f"{heap['citeproc-js']:.1f} MiB, then with each style built (at most two kept): "
        + ", ".join(f"{k} {v:.1f}" for k, v in heap.items() if k != "citeproc-js")
    )
    for key, first in engine["first_render_ms"].items():
        warm = engine["warm_render"][key]
        print(
            f"  {key:8} first render {first:6.0f} ms (builds the style's engine); warm median "
            f"{warm['median_ms']:.1f} ms, p99 {warm['p99_ms']:.1f} ms"
        )
    b = background
    print(
        f"background: {b['readings']} readings x 5 styles = {b['renders']} renders in "
        f"{b['seconds']:.1f} s ({b['per_render_ms']:.1f} ms each, {b['renders_per_s']:.0f}/s); "
        f"loop lag p99 {b['loop_lag_p99_ms']:.1f} ms, max {b['loop_lag_max_ms']:.1f} ms"
    )
    before = b["rss_before_mib"]
    print(
        f"  RSS {before:.0f} MiB before -> {b['rss_after_mib']:.0f} after "
        f"(+{b['rss_after_mib'] - before:.0f}, of which file-backed "
        f"+{b['file_after_mib'] - b['file_before_mib']:.0f}; "
        f"V8 closed: {b['v8_closed']}, started "
        f"{b['v8_starts']}x); peak {b['peak_mib']:.0f} MiB: +{b['peak_mib'] - before:.0f} MiB "
        f"(target <= 100 at the peak and after); peak {b['peak_mib'] / bare['rss_mib']:.2f}x bare"
    )
    r = restart
    print(
        f"restart, warm cache: ready in {r['seconds'] * 1000:.0f} ms, {r['renders']} renders, "
        f"V8 started: {r['v8_started']}, style index built: {r['index_built']}; cached get "
        f"median {r['cached_get']['median_ms']:.3f} ms, p99 {r['cached_get']['p99_ms']:.3f} ms; "
        f"RSS {r['rss_mib']:.0f} MiB "
        f"({r['rss_mib'] / bare['rss_mib']:.2f}x bare)"
    )
    sizes = installed_mib()
    print(
        f"installed: mini-racer {sizes['mini_racer_mib']:.0f} MiB, vendored citeproc-js + "
        f"locales {sizes['vendor_mib']:.1f} MiB"
    )


if __name__ == "__main__":
    main()
