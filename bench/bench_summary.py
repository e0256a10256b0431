"""!summary long and !summary sections on a 20,000-word PDF: event-loop lag while answering.

Target (issue 12): the loop lags <= 50 ms while `!summary <reading> long` answers on a
20,000-word full text. Cleaning and sentence splitting happen once while the library loads
(and are kept in the database); summaries and sections are made in the worker process
(bot/core/workers.py), so a command never blocks the loop.
Baselines measured in the same run: the lag of an idle loop, and the lag when the same
summary (splitting included) is computed on the loop, as the bot did before.

Run: python -m bench.bench_summary [--pdf PATH]   (default: a generated 20,000-word article)
"""

from __future__ import annotations

import asyncio
import copy
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import percentile, sentence, stats_ms
from bot.config import Settings
from bot.core import text as text_module
from bot.core.registry import Actor, dispatch
from bot.features.readings.fulltext import sentences_of_text
from bot.features.readings.summaries import summarize
from bot.services import Services
from tests.helpers.pdfmaker import Article

ACTOR = Actor(user_id=1, name="bench", guild_id=1, channel_id=1)


def long_article(path: Path, words: int = 20_000) -> Path:
    rng = random.Random(12)
    body: list[tuple] = []
    n = 0
    k = 0
    while n < words:
        k += 1
        body.append(("h", f"{k} Part {k}"))
        for _ in range(4):
            sents = [sentence(rng, rng.randint(12, 26)) for _ in range(6)]
            if rng.random() < 0.3:
                sents[2] = "We find that " + sents[2].lower()
            body.append(("p", sents))
            n += sum(len(s.split()) for s in sents)
    Article(
        title="A Long Reading for Benchmarks",
        header=["Long Reading for Benchmarks", "Invented Author"],
        lines_per_page=44,
        body=[("p", ["This article argues that " + sentence(rng).lower()]), *body],
    ).build(path)
    return path


async def lag_probe(stop: asyncio.Event, lags: list[float], interval: float = 0.005) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append((time.perf_counter() - t0 - interval) * 1000)


async def measure(work) -> tuple[list[float], list[float]]:  # noqa: ANN001
    stop = asyncio.Event()
    lags: list[float] = []
    probe = asyncio.create_task(lag_probe(stop, lags))
    await asyncio.sleep(0.05)
    answers = []
    for _ in range(5):
        t0 = time.perf_counter()
        await work()
        answers.append(time.perf_counter() - t0)
        await asyncio.sleep(0.02)
    stop.set()
    await probe
    return lags, answers


def lag_line(name: str, lags: list[float]) -> str:
    return (
        f"  {name:<34} lag max {max(lags):7.1f} ms, p99 {percentile(lags, 99):6.1f} ms, "
        f"median {statistics.median(lags):5.2f} ms ({len(lags)} probes)"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        seeds.mkdir()
        if "--pdf" in sys.argv:
            pdf = Path(sys.argv[sys.argv.index("--pdf") + 1])
            (seeds / "long-reading.pdf").write_bytes(pdf.read_bytes())
        else:
            long_article(seeds / "long-reading.pdf")
        settings = Settings(_env_file=None, seeds_dir=seeds, database_path=Path(tmp) / "b.db")
        t0 = time.perf_counter()
        services = await Services.open(settings)
        load = time.perf_counter() - t0
        try:
            reading = services.library.readings[0]
            print(
                f"reading: {len(reading.text.split())} words, {len(reading.sentences)} "
                f"sentences; library load (parse, clean, split) {load:.2f} s, at start-up"
            )
            print(f"  {reading.extra.get('pdf', '')}")
            # The bot imports every command module at start-up; here the first dispatch does.
            await dispatch(services, ACTOR, "readings", "")
            idle, _ = await measure(lambda: asyncio.sleep(0.2))
            lags, answers = await measure(
                lambda: dispatch(services, ACTOR, "summary", f"{reading.id} long")
            )
            sec_lags, sec_answers = await measure(
                lambda: dispatch(services, ACTOR, "summary", f"{reading.id} sections")
            )

            async def on_loop() -> None:  # the old design: split and summarise on the loop
                fresh = copy.copy(reading)
                fresh.fulltext = None  # no pre-split sentences: split the text again
                sentences_of_text.cache_clear()
                text_module._split.cache_clear()
                summarize(fresh, long=True)

            old_lags, old_answers = await measure(on_loop)
        finally:
            await services.close()
    print(lag_line("idle loop (baseline)", idle))
    print(lag_line("!summary long (worker)", lags) + f"; answer {stats_ms(answers)}")
    print(lag_line("!summary sections (worker)", sec_lags) + f"; answer {stats_ms(sec_answers)}")
    print(lag_line("summary on the loop (old design)", old_lags) + f"; {stats_ms(old_answers)}")
    verdict = "OK" if max(lags) <= 50 and max(sec_lags) <= 50 else "OVER"
    print(f"target: loop lag <= 50 ms while answering: {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
