"""Time theme fingerprints: a 10,000-word full text must take <= 300 ms, computed once.

Run: .venv/bin/python -m bench.bench_themes [runs]
Each run builds a new 10,000-word article (so the cache never helps), made of sentences of
common English words mixed with course terms, abbreviations and a thesis sentence; it prints
the median and p99 of the first computation, of a cached lookup, and of the seed abstract.

Baseline, in the same run on the same texts: the cheapest honest keyword pass — a Counter of
the lower-cased words (``re.findall``). The ratio says what lemmas, n-grams, ranking and
verbatim evidence cost on top of counting words.
"""

from __future__ import annotations

import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from wordfreq import top_n_list

from bench.common import percentile
from bot.features.readings import Reading, load_library
from bot.features.themes import ThemeEngine
from bot.features.themes.glossary import load_glossary

ROOT = Path(__file__).resolve().parent.parent
TERMS = [
    "co-optation",
    "social organizations",
    "NGOs",
    "Party-building",
    "service delivery",
    "legitimacy",
    "urban villages",
    "migrant communities",
    "volunteerism",
    "participation",
    "grassroots governance",
    "territorial reach",
    "algorithmic management",
    "platform labour",
    "street offices",
    "residents' committees",
    "welfare provision",
    "professionalism",
]
FILLERS = ["e.g.", "i.e.", "et al.", "cf.", "Dr.", "pp."]


def article(seed: int, words: int = 10_000) -> str:
    rng = random.Random(seed)
    vocab = top_n_list("en", 8000)[100:]
    sentences: list[str] = ["This article argues that co-optation reshapes NGO autonomy."]
    count = 8
    while count < words:
        n = rng.randint(12, 32)
        chosen = [rng.choice(vocab) for _ in range(n)]
        if rng.random() < 0.5:
            chosen.insert(rng.randrange(n), rng.choice(TERMS))
        if rng.random() < 0.1:
            chosen.insert(rng.randrange(n), rng.choice(FILLERS))
        sentence = " ".join(chosen)
        sentences.append(sentence[:1].upper() + sentence[1:] + ".")
        count += len(sentence.split())
        if rng.random() < 0.05:
            sentences.append("\n\n")
    return " ".join(sentences)


def report(name: str, values: list[float]) -> None:
    ms = [v * 1000 for v in values]
    print(
        f"{name:<38} median {statistics.median(ms):7.1f} ms   p99 {percentile(ms, 99):7.1f} ms"
        f"   (n={len(ms)})"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    glossary = load_glossary(ROOT / "seeds" / "glossary.toml")
    engine = ThemeEngine(glossary)
    start = time.perf_counter()
    engine.warm()
    print(
        f"warm-up (lemma, POS and frequency tables, once per process): "
        f"{(time.perf_counter() - start) * 1000:.0f} ms"
    )
    texts = [article(i) for i in range(runs + 2)]
    print(f"article length: {len(texts[0].split())} words")
    engine.fingerprint(Reading(id="w", csl={"title": "warm"}, text=texts[-1]))  # JIT caches
    first, cached, baseline = [], [], []
    for i, text in enumerate(texts[:runs]):
        t0 = time.perf_counter()  # baseline on the same text, interleaved with the real thing
        Counter(re.findall(r"\w+", text.lower())).most_common(10)
        baseline.append(time.perf_counter() - t0)
        reading = Reading(
            id=f"bench-{i}",
            csl={"title": "Co-optation and NGO autonomy"},
            text=text,
            keywords=["co-optation", "NGO autonomy"],
        )
        t0 = time.perf_counter()
        fp = engine.fingerprint(reading)
        first.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        engine.fingerprint(reading)
        cached.append(time.perf_counter() - t0)
        assert 6 <= len(fp.themes) <= 10
    report("10,000-word full text, first time", first)
    report("10,000-word full text, cached", cached)
    report("baseline: Counter of words", baseline)
    print(
        f"ratio first-time / baseline (medians): "
        f"{statistics.median(first) / statistics.median(baseline):.1f}x"
    )
    seed = load_library(ROOT / "seeds").readings[0]
    abstract = []
    for i in range(runs):
        fresh = Reading(id=f"seed-{i}", csl=seed.csl, abstract=seed.abstract + " " * i)
        t0 = time.perf_counter()
        engine.fingerprint(fresh)
        abstract.append(time.perf_counter() - t0)
    report("seed abstract (~200 words), first time", abstract)
    budget = statistics.median(first) * 1000
    print("budget 300 ms:", "OK" if budget <= 300 else "OVER")
    worst = percentile(first, 99) * 1000
    print("budget 300 ms (p99 of first time):", "OK" if worst <= 300 else "OVER")


if __name__ == "__main__":
    main()
