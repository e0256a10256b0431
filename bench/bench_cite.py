"""Benchmark !cite: warm in-process latency, and background rendering of many readings.

    .venv/bin/python -m bench.bench_cite [--readings 500]

Prints medians and p99s. Targets (issue 3): warm !cite p99 <= 2 ms; 500 readings x 6 styles
rendered in the background in <= 15 s while the event loop lags <= 50 ms.

Baselines, measured in the same run: for warm !cite, ``!readings`` through the same dispatch
path (the cheapest command); for the background render, the design we avoided — one pandoc
process per (reading, style) — timed on a sample and extrapolated to every rendering.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from pathlib import Path

from bench.common import percentile
from bot.core.registry import Actor, dispatch
from bot.features.citations import STYLES, CitationEngine
from bot.features.citations.export import to_bibtex, to_ris
from bot.features.readings import Library
from bot.features.readings.models import Reading

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ACTOR = Actor(user_id=1, name="bench", guild_id=1)
TYPES = ["article-journal"] * 6 + ["book", "chapter", "report"]


def synthetic_readings(n: int, seed: int = 7) -> list[Reading]:
    """n readings with realistic variety: 1-25 authors, shared surnames, several types."""
    rng = random.Random(seed)
    families = [
        f"{rng.choice(['Li', 'Kan', 'Smith', 'Perry', 'Zhang', 'Wang'])}{i}" for i in range(n // 2)
    ]
    families += ["Kan", "Ku", "Wang", "Li", "Smith"]  # some authors wrote several readings
    out = []
    for i in range(n):
        k = rng.choice([1, 1, 1, 2, 2, 3, 4, 8, 25])
        kind = rng.choice(TYPES)
        csl = {
            "type": kind,
            "title": f"Reading {i}: on the {rng.choice(['state', 'party', 'city'])} and its people",
            "author": [{"family": rng.choice(families), "given": "Ann B."} for _ in range(k)],
            "container-title": rng.choice(["China Journal", "Modern China", "Governance"]),
            "volume": str(rng.randint(1, 90)),
            "issue": str(rng.randint(1, 6)),
            "page": f"{rng.randint(1, 300)}-{rng.randint(301, 600)}",
            "issued": {"date-parts": [[rng.randint(1990, 2024), rng.randint(1, 12)]]},
            "publisher": "Routledge",
            "DOI": f"10.1000/bench.{i}",
        }
        if kind == "chapter":
            csl["editor"] = [{"family": rng.choice(families), "given": "E."}]
        out.append(Reading(id=f"bench-{i:04d}", csl=csl))
    return out


class Services:
    """Just what the cite handler touches."""

    def __init__(self, library: Library, citations: CitationEngine) -> None:
        self.library = library
        self.citations = citations


async def lag_probe(stop: asyncio.Event, lags: list[float], interval: float = 0.01) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append((time.perf_counter() - t0 - interval) * 1000)


async def background(n: int) -> None:
    readings = synthetic_readings(n)
    engine = CitationEngine()
    services = Services(Library(readings=readings), engine)
    stop = asyncio.Event()
    lags: list[float] = []
    probe = asyncio.create_task(lag_probe(stop, lags))
    answered: list[float] = []
    t0 = time.perf_counter()
    task = engine.start(readings)
    exports = asyncio.create_task(
        asyncio.to_thread(lambda: [(to_bibtex(r), to_ris(r)) for r in readings])
    )
    while not task.done():  # a student keeps asking meanwhile (export: no pandoc needed)
        a = time.perf_counter()
        await dispatch(services, ACTOR, "cite", f"bibtex {readings[0].id}")  # type: ignore[arg-type]
        answered.append((time.perf_counter() - a) * 1000)
        await asyncio.sleep(0.05)
    await task
    await exports
    total = time.perf_counter() - t0
    stop.set()
    await probe
    rendered = sum(
        1
        for s in STYLES.values()
        if not s.is_export
        for r in readings
        if engine.cached(r, s) is not None
    )
    print(
        f"background: {n} readings x 5 CSL styles (+ BibTeX and RIS) in {total:.2f} s "
        f"({rendered} CSL renderings, {len(engine.failures)} failures, "
        f"concurrency {engine.concurrency})"
    )
    print(
        f"  event-loop lag while rendering: max {max(lags):.1f} ms, "
        f"p99 {percentile(lags, 99):.1f} ms, "
        f"median {statistics.median(lags):.2f} ms ({len(lags)} probes)"
    )
    print(f"  !cite answered meanwhile: {len(answered)} times, max {max(answered):.1f} ms")
    # Baseline: the naive design, one pandoc process per (reading, style), through the
    # engine's single-item path (a cache miss in ``get`` renders that reading alone), on a
    # fresh engine, run at the same concurrency as the batched pass; extrapolated to all.
    sample = readings[:: max(1, n // 10)][:10]
    apa = STYLES["apa"]
    naive_engine = CitationEngine()
    gate = asyncio.Semaphore(engine.concurrency)

    async def alone(reading: Reading) -> None:
        async with gate:
            await naive_engine.get(reading, apa)

    t0 = time.perf_counter()
    await asyncio.gather(*(alone(r) for r in sample))
    per_rendering = (time.perf_counter() - t0) / len(sample)
    renderings = n * sum(1 for s in STYLES.values() if not s.is_export)
    naive = per_rendering * renderings
    print(
        f"  baseline, one pandoc process per rendering ({len(sample)} readings x apa, "
        f"concurrency {engine.concurrency}): {per_rendering * 1000:.0f} ms each, "
        f"~{naive:.0f} s for {renderings}"
    )
    print(f"  batched is {naive / total:.1f}x faster than one process per rendering")


async def warm(rounds: int) -> None:
    from bot.features.readings import load_library

    library = load_library(SEEDS)
    engine = CitationEngine()
    engine.start(library.readings)
    await engine.wait_ready()
    services = Services(library, engine)
    reading = library.readings[0]

    async def timed_dispatch(path: str, args: str) -> list[float]:
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            await dispatch(services, ACTOR, path, args)  # type: ignore[arg-type]
            times.append((time.perf_counter() - t0) * 1000)
        return times

    base = await timed_dispatch("readings", "")
    print(
        f"baseline !readings             median {statistics.median(base):.3f} ms  "
        f"p99 {percentile(base, 99):.3f} ms  (n={rounds})"
    )
    for label, args in (
        ("apa (default)", ""),
        ("mla + reading words", "mla serving the people"),
        ("chicago + id", f"chicago {reading.id}"),
        ("bibtex", "bibtex"),
        ("ris", "ris"),
    ):
        times = await timed_dispatch("cite", args)
        print(
            f"warm !cite {label:22s} median {statistics.median(times):.3f} ms  "
            f"p99 {percentile(times, 99):.3f} ms  (n={rounds})  "
            f"ratio {statistics.median(times) / statistics.median(base):.1f}x !readings"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(warm(args.rounds))
    asyncio.run(background(args.readings))


if __name__ == "__main__":
    main()
