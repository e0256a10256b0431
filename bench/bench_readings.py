"""Library load for 1,000 generated files, and !summary handling with 500 readings loaded.

Targets (issue 2): load <= 1.5 s for 1,000 files; <= 2 ms p99 per command in-process.
Baselines measured in the same run: reading the same files' bytes (load), and a dict
lookup of a reading by id (command).

Run: python -m bench.bench_readings
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
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
        }
    json.dump(result, sys.stdout, indent=2)
    print()
    load_ok = result["load_1000_files"]["load"]["median_ms"] <= 1500
    cmd_ok = result["summary_500_readings"]["summary_warm_by_title_words"]["p99_ms"] <= 2.0
    print(f"library load target (<= 1500 ms): {'met' if load_ok else 'MISSED'}")
    print(f"!summary warm p99 target (<= 2 ms): {'met' if cmd_ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
