"""Helpers for the theme, glossary and prompt-bank tests."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

from bot.features.readings import Reading, load_library
from bot.features.themes.tokens import APPARATUS_WORDS, is_acronym, normalise_space, phrase_keys
from tests.helpers.paths import FIXTURES

FIXTURE_SEEDS = FIXTURES / "themes" / "seeds"
SEED_ID = "kan-ku-2021-serving-the-people"
OTHER_ID = "okafor-2023-riding-the-algorithm"


def other_reading() -> Reading:
    """The made-up reading on platform couriers (a topic the glossary knows nothing about)."""
    (reading,) = load_library(FIXTURE_SEEDS).readings
    return reading


def is_verbatim(evidence: str, reading: Reading) -> bool:
    """Every piece of the quote (split at "…") occurs word for word in the reading."""
    haystack = normalise_space(" ".join((reading.title, reading.abstract, reading.text)))
    pieces = [p.strip() for p in evidence.split("…") if p.strip()]
    return bool(pieces) and all(p in haystack for p in pieces)


READINGS = FIXTURES / "themes" / "readings"
GOLD = FIXTURES / "themes" / "gold"


def copy_readings(seeds_dir: Path, *names: str) -> None:
    """Copy test readings (``tests/fixtures/themes/readings/<name>.txt``) into a seeds folder."""
    for name in names:
        shutil.copy(READINGS / f"{name}.txt", seeds_dir / f"{name}.txt")


def fixture_reading(name: str) -> Reading:
    """One test reading, parsed as the bot parses it."""
    (reading,) = [r for r in load_library(READINGS).readings if r.id == name]
    return reading


def gold(name: str) -> dict:
    """The gold file of a test reading: ``concepts`` (lists of wordings) and ``junk``."""
    return tomllib.loads((GOLD / f"{name}.toml").read_text(encoding="utf-8"))


def gold_found(gold_file: dict, labels: list[tuple[str, str | None]]) -> int:
    """How many gold concepts a list of (label, glossary key) meets.

    A wording counts when its content words (lemma keys) are all in a label (a more specific
    label is fine: "allied offices" for "offices"), or when it is the theme's glossary key.
    """
    hits = 0
    for variants in gold_file["concepts"]:
        for label, concept in labels:
            label_keys = set(phrase_keys(label))
            if any(
                v == concept or (phrase_keys(v) and set(phrase_keys(v)) <= label_keys)
                for v in variants
            ):
                hits += 1
                break
    return hits


def is_junk(label: str, gold_file: dict) -> bool:
    """A name, place or apparatus word of the gold file, a bibliographic/layout/methods word,
    a number, or a one- or two-letter piece: the same rule for the engine and the baseline."""
    bad = {j.lower() for j in gold_file.get("junk", [])}
    bad |= {k for j in gold_file.get("junk", []) for k in phrase_keys(j)}
    for word in re.findall(r"[^\W_]+(?:[-'’][^\W_]+)*", label):
        lower = word.lower()
        if lower in APPARATUS_WORDS or lower in bad or set(phrase_keys(word)) & bad:
            return True
        if lower.isdigit() or (len(word) <= 2 and not is_acronym(word)):
            return True
    return False
