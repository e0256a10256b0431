"""Shared benchmark helpers: timing statistics and generated reading files."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

WORDS = (
    "state party market civil society governance welfare migrants village service NGO "
    "legitimacy autonomy participation volunteer reform policy city rural labour union "
    "protest bargaining authority grassroots network community health education housing"
).split()


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank), the one definition every bench reports."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def stats_ms(samples_s: list[float]) -> dict[str, float]:
    """Median, p99 and max of samples given in seconds, reported in milliseconds."""
    ordered = sorted(samples_s)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": percentile(ordered, 99) * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Run ``fn`` ``repeat`` times, returning each duration in seconds."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


SYLLABLES = "ka ri ta mo lu ven dor sil pra ne qui sto mar bel fen gol tri zan".split()


def pseudo_word(rng: random.Random) -> str:
    """A made-up word, so generated titles have a realistic vocabulary size."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def sentence(rng: random.Random, n: int = 18) -> str:
    words = [rng.choice(WORDS) if rng.random() < 0.6 else pseudo_word(rng) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def abstract(rng: random.Random) -> str:
    parts = [sentence(rng) for _ in range(3)]
    parts.insert(1, "Drawing on fieldwork, this article argues that " + sentence(rng).lower())
    parts.append("These findings have implications for " + sentence(rng, 8).lower())
    return " ".join(parts)


def write_readings(folder: Path, count: int, seed: int = 7) -> Path:
    """Write ``count`` reading files: portal pages, RIS and BibTeX exports in turn."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        title = f"{sentence(rng, 6)[:-1]} number {i}: {sentence(rng, 5)[:-1]}"
        family = rng.choice(["Smith", "Chen", "Garcia", "Okafor", "Kim", "Novak"])
        year = 1990 + i % 35
        kind = i % 3
        if kind == 0:
            (folder / f"reading-{i:04d}.txt").write_text(
                f"{title}\n\nResearch output: Journal article publicationJournal article"
                f"Academic researchpeer-review\n\n{i % 50} Citations (Scopus)\n\n\n"
                f"{abstract(rng)}\n\nOriginal languageEnglish\nPages (from-to)1-20\n"
                f"JournalJournal of Tests\nVolume{i % 40}\nIssue number{i % 4 + 1}\n"
                f"Publication statusPublished - Jan {year}\n\n"
                f"Keywords\n\n  • {rng.choice(WORDS)}\n",
                encoding="utf-8",
            )
        elif kind == 1:
            (folder / f"reading-{i:04d}.ris").write_text(
                f"TY  - JOUR\nT1  - {title}\nAU  - {family}, Alex\nPY  - {year}\n"
                f"JO  - Journal of Tests\nVL  - {i % 40}\nSP  - 1\nEP  - 20\n"
                f"AB  - {abstract(rng)}\nER  - \n",
                encoding="utf-8",
            )
        else:
            (folder / f"reading-{i:04d}.bib").write_text(
                f"@article{{r{i},\n  author = {{{family}, Alex and Doe, Sam}},\n"
                f"  title = {{{title}}},\n  journal = {{Journal of Tests}},\n"
                f"  year = {{{year}}},\n  pages = {{1--20}},\n"
                f"  abstract = {{{abstract(rng)}}}\n}}\n",
                encoding="utf-8",
            )
    return folder
