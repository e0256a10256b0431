"""Library load for 1,000 generated files, and !summary handling with 500 readings loaded.

Targets (issue 2): load <= 1.5 s for 1,000 files; <= 2 ms p99 per command in-process.
Baselines measured in the same run: reading the same files' bytes (load), and a dict
lookup of a reading by id (command).

Also a 100,000-record RIS and a 50 MB text seed (issue 15): cut at MAX_RECORDS_PER_FILE /
MAX_SEED_FILE_MB within 5 s and 200 MB of traced memory.

Run: python -m bench.bench_readings
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.common import stats_ms, timed, write_readings
from bot.config import Settings
from bot.core.registry import Actor, dispatch
from bot.features.readings import load_library
from bot.services import Services


def bench_load(folder: Path, repeat: int = 5) -> dict[str, object]:
    files = sorted(folder.iterdir())
    baseline = timed(lambda: [f.read_bytes() for f in files], repeat)
    load = timed(lambda: load_library(folder), repeat)
    lib = load_library(folder)
    return {
        "files": len(files),
        "readings": len(lib),
        "warnings": len(lib.warnings),
        "load": stats_ms(load),
        "baseline_read_bytes": stats_ms(baseline),
        "ratio_median": stats_ms(load)["median_ms"] / stats_ms(baseline)["median_ms"],
    }


def _peak_mb(fn: object) -> float:
    """Peak traced memory (MB) of one call (timed apart: tracing slows Python several-fold)."""
    tracemalloc.start()
    fn()  # type: ignore[operator]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def bench_hostile_sizes(folder: Path) -> dict[str, object]:
    """A 100,000-record RIS and a 50 MB text seed: both cut at the limits, in bounded memory.

    Issue 15 measured 88 s / 700 MB and ~0.95 GB before the limits (MAX_RECORDS_PER_FILE,
    MAX_SEED_FILE_MB). Baseline: reading the same bytes.
    """
    folder.mkdir(parents=True)
    record = (
        "TY  - JOUR\nTI  - Generated work number {n} on harbours\nAU  - Moreau, Anne\n"
        "T2  - Harbour Studies\nPY  - 2020\nDO  - 10.5555/gen.{n}\nER  - \n\n"
    )
    ris = folder / "many.ris"
    with ris.open("w", encoding="utf-8") as handle:
        for n in range(100_000):
            handle.write(record.format(n=n))
    text = folder / "big.txt"
    line = "Night shifts made unions out of strangers in every port city we studied. " * 4
    with text.open("w", encoding="utf-8") as handle:
        handle.write("A very long article\n")
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(line + "\n")
    result: dict[str, object] = {}
    for name, path in (("ris_100000_records", ris), ("text_50_mb", text)):
        single = folder / name
        single.mkdir()
        path.rename(single / path.name)
        read = lambda p=single / path.name: p.read_bytes()  # noqa: E731
        load = lambda s=single: load_library(s)  # noqa: E731
        lib = load_library(single)
        result[name] = {
            "file_mb": round((single / path.name).stat().st_size / 1e6, 1),
            "readings": len(lib),
            "warnings": lib.warnings,
            "load": stats_ms(timed(load, 3)),
            "peak_traced_mb": round(_peak_mb(load), 1),
            "baseline_read_bytes": stats_ms(timed(read, 3)),
            "baseline_read_bytes_peak_mb": round(_peak_mb(read), 1),
        }
    return result


async def bench_summary(folder: Path, calls: int = 2000) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, seeds_dir=folder, database_path=Path(tmp) / "bench.db")
        services = await Services.open(settings)
        try:
            actor = Actor(user_id=1, name="bench", guild_id=1, channel_id=1)
            rng = random.Random(3)
            ids = [r.id for r in services.library]
            cold = []
            for rid in ids:
                start = time.perf_counter()
                await dispatch(services, actor, "summary", rid)
                cold.append(time.perf_counter() - start)
            warm_by_id, warm_by_title, warm_typo = [], [], []
            titles = [
                " ".join(r.title.split()[:4]) + f" {r.title.split()[-1]}" for r in services.library
            ]
            for _ in range(calls):
                i = rng.randrange(len(ids))
                start = time.perf_counter()
                await dispatch(services, actor, "summary", ids[i])
                warm_by_id.append(time.perf_counter() - start)
                start = time.perf_counter()
                try:
                    await dispatch(services, actor, "summary", titles[i])
                except Exception:  # an ambiguous title still costs the lookup
                    pass
                warm_by_title.append(time.perf_counter() - start)
                words = titles[i].split()
                words[0] = words[0][:2] + words[0][3:]  # a typo: one letter dropped
                start = time.perf_counter()
                try:
                    await dispatch(services, actor, "summary", " ".join(words))
                except Exception:
                    pass
                warm_typo.append(time.perf_counter() - start)
            baseline = timed(lambda: services.library.get(ids[rng.randrange(len(ids))]), calls)
        finally:
            await services.close()
    return {
        "readings": len(ids),
        "summary_first_call_per_reading": stats_ms(cold),
        "summary_warm_by_id": stats_ms(warm_by_id),
        "summary_warm_by_title_words": stats_ms(warm_by_title),
        "summary_warm_title_with_typo": stats_ms(warm_typo),
        "baseline_dict_lookup": stats_ms(baseline),
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        thousand = write_readings(Path(tmp) / "k", 1000)
        five_hundred = write_readings(Path(tmp) / "h", 500, seed=11)
        result = {
            "load_1000_files": bench_load(thousand),
            "summary_500_readings": asyncio.run(bench_summary(five_hundred)),
            "hostile_sizes": bench_hostile_sizes(Path(tmp) / "big"),
        }
    json.dump(result, sys.stdout, indent=2)
    print()
    load_ok = result["load_1000_files"]["load"]["median_ms"] <= 1500
    cmd_ok = result["summary_500_readings"]["summary_warm_by_title_words"]["p99_ms"] <= 2.0
    print(f"library load target (<= 1500 ms): {'met' if load_ok else 'MISSED'}")
    print(f"!summary warm p99 target (<= 2 ms): {'met' if cmd_ok else 'MISSED'}")
    sizes = result["hostile_sizes"]
    big_ok = all(
        v["peak_traced_mb"] <= 200 and v["load"]["median_ms"] <= 5000 for v in sizes.values()
    )
    print(f"100,000-record RIS and 50 MB text (<= 5 s, <= 200 MB): {'met' if big_ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
