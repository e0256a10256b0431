"""Theme quality on gold readings, and speed: a 10,000-word full text must take <= 300 ms.

Run: .venv/bin/python -m bench.bench_themes [runs]

Quality, first: on the test readings (``tests/fixtures/themes/readings``, gold files in
``tests/fixtures/themes/gold``) and on held-out readings no test has seen (``bench/heldout``),
it reports recall of gold concepts in the top 10, the junk rate of labels, evidence reuse
(themes sharing one sentence), glossary concepts matched in off-topic readings, and
contradictory comparisons (a label in two lists of ``!themes compare``), for the engine and,
beside it, a TF-IDF baseline (unigrams and bigrams of non-stop words, idf over the set).

Speed:
Each run builds a new 10,000-word article (so the cache never helps), made of sentences of
common English words mixed with course terms, abbreviations and a thesis sentence; it prints
the median and p99 of the first computation, of a cached lookup, and of the seed abstract.

Baseline, in the same run on the same texts: the cheapest honest keyword pass — a Counter of
the lower-cased words (``re.findall``). The ratio says what lemmas, n-grams, ranking and
verbatim evidence cost on top of counting words.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from collections import Counter
from itertools import combinations
from pathlib import Path

from wordfreq import top_n_list

from bench.common import percentile
from bot.features.readings import Reading, load_library
from bot.features.themes import ThemeEngine
from bot.features.themes.commands import compare_themes
from bot.features.themes.glossary import load_glossary
from bot.features.themes.tokens import STOP_WORDS
from tests.helpers.themes import gold_found, is_junk

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "test readings": (
        ROOT / "tests" / "fixtures" / "themes" / "readings",
        ROOT / "tests" / "fixtures" / "themes" / "gold",
    ),
    "held-out readings": (ROOT / "bench" / "heldout", ROOT / "bench" / "heldout"),
}
TOP = 10
VERBOSE = "-v" in sys.argv
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


def load_set(readings_dir: Path, gold_dir: Path) -> list[tuple[Reading, dict]]:
    """Each reading of a folder with its gold file (``<id>.toml`` or ``<id>.gold.toml``)."""
    with tempfile.TemporaryDirectory() as tmp:
        for path in readings_dir.glob("*.txt"):
            shutil.copy(path, Path(tmp) / path.name)
        library = load_library(Path(tmp))
    out = []
    for reading in library:
        gold_path = next(
            p
            for p in (gold_dir / f"{reading.id}.toml", gold_dir / f"{reading.id}.gold.toml")
            if p.is_file()
        )
        out.append((reading, tomllib.loads(gold_path.read_text(encoding="utf-8"))))
    return out


def tfidf_top(readings: list[Reading], n: int = TOP) -> dict[str, list[str]]:
    """The baseline: the n highest tf·idf unigrams and bigrams of non-stop words per reading."""
    grams: dict[str, Counter] = {}
    for reading in readings:
        words = re.findall(
            r"[a-z][a-z'-]+", f"{reading.title} {reading.abstract} {reading.text}".lower()
        )
        counts: Counter = Counter()
        for i, word in enumerate(words):
            if word in STOP_WORDS:
                continue
            counts[word] += 1
            if i + 1 < len(words) and words[i + 1] not in STOP_WORDS:
                counts[f"{word} {words[i + 1]}"] += 1
        grams[reading.id] = counts
    df: Counter = Counter(g for counts in grams.values() for g in counts)
    total = len(readings)
    return {
        rid: [
            g
            for g, _ in sorted(
                counts.items(), key=lambda kv: -kv[1] * (math.log(total / df[kv[0]]) + 1)
            )[:n]
        ]
        for rid, counts in grams.items()
    }


def first_sentence_with(reading: Reading, gram: str) -> str:
    text = f"{reading.abstract} {reading.text}"
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if gram in sentence.lower():
            return sentence
    return reading.title


def quality(engine: ThemeEngine, name: str, items: list[tuple[Reading, dict]]) -> None:
    baseline = tfidf_top([r for r, _ in items])
    rows = {"engine": Counter(), "TF-IDF": Counter()}
    for reading, gold in items:
        fp = engine.fingerprint(reading)
        top = list(fp.themes[:TOP])
        ours = [(t.label, t.concept) for t in top]
        theirs = [(g, None) for g in baseline[reading.id]]
        for system, labels, sentences in (
            ("engine", ours, [t.sentence for t in top]),
            ("TF-IDF", theirs, [first_sentence_with(reading, g) for g, _ in theirs]),
        ):
            row = rows[system]
            row["gold"] += len(gold["concepts"])
            row["found"] += gold_found(gold, labels)
            row["labels"] += len(labels)
            junk = [label for label, _ in labels if is_junk(label, gold)]
            row["junk"] += len(junk)
            if VERBOSE and system == "engine" and junk:
                print(f"  junk in {reading.id}: {junk}")
            uses = Counter(sentences)
            row["max_reuse"] = max(row["max_reuse"], max(uses.values(), default=0))
            row["over_two"] += sum(1 for c in uses.values() if c > 2)
        if gold.get("off_topic"):
            rows["engine"]["off_topic_concepts"] += sum(1 for t in fp.all_themes if t.concept)
    contradictions = 0
    for (ra, _), (rb, _) in combinations(items, 2):
        _, only_a, only_b = compare_themes(
            engine.glossary, engine.fingerprint(ra), engine.fingerprint(rb)
        )
        la, lb = {t.label.lower() for t in only_a}, {t.label.lower() for t in only_b}
        contradictions += bool(
            la & lb or {t.match_key for t in only_a} & {t.match_key for t in only_b}
        )
    print(f"\n{name} ({len(items)}):")
    for system, row in rows.items():
        recall = row["found"] / max(1, row["gold"])
        junk = row["junk"] / max(1, row["labels"])
        print(
            f"  {system:<7} recall@{TOP} {recall:6.1%} ({row['found']}/{row['gold']})   "
            f"junk {junk:6.1%} ({row['junk']}/{row['labels']})   "
            f"max themes per sentence {row['max_reuse']}   sentences >2 themes {row['over_two']}"
        )
    print(
        f"  engine: glossary concepts in off-topic readings {rows['engine']['off_topic_concepts']}"
        f"   contradictory compares {contradictions}"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 30
    glossary = load_glossary(ROOT / "seeds" / "glossary.toml")
    engine = ThemeEngine(glossary)
    for name, (readings_dir, gold_dir) in SETS.items():
        quality(engine, name, load_set(readings_dir, gold_dir))
    if "--quality" in sys.argv:
        return
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
