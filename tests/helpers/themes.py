"""Helpers for the theme, glossary and prompt-bank tests."""

from __future__ import annotations

from bot.features.readings import Reading, load_library
from bot.features.themes.tokens import normalise_space
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
