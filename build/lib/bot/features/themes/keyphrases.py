"""Keyphrase candidates from the text itself: n-grams of content words, counted per sentence.

A candidate is a run of one to three content words not broken by punctuation, a function word
or an academic filler, that starts on a noun or adjective and ends on a noun (lemminflect's
lexicon says which words can be which). Words a glossary concept or Keyword already covers,
and the course's background words, are left out so nothing is counted twice under two names.

Counting is a plain dictionary per sentence. scikit-learn's ``CountVectorizer`` was tried
first: on a 10,000-word article its vocabulary pruning alone (~30,000 distinct n-grams) took
longer than the whole 300 ms budget, and per-sentence counts are all the ranking needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.features.themes.tokens import Token, can_end_phrase, can_start_phrase

MAX_N = 3
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-’'][A-Za-z0-9]+)*")
SURFACES_KEPT = 3


@dataclass
class Candidate:
    """An n-gram found in the reading: its keys, where it occurs and how it was written."""

    key: str
    words: tuple[str, ...]
    mentions: dict[int, int] = field(default_factory=dict)  # unit index -> count
    surfaces: list[str] = field(default_factory=list)  # the first few wordings, as written


def _runs(tokens: list[Token], taken: set[int], background: frozenset[str]) -> list[list[int]]:
    """Maximal runs of usable words; anything else (or punctuation) ends a run."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.generic or not tok.key or tok.text.isdigit() or i in taken or tok.key in background:
            if current:
                runs.append(current)
            current = []
            continue
        if tok.breaks_before and current:
            runs.append(current)
            current = []
        current.append(i)
    if current:
        runs.append(current)
    return runs


def extract(
    units: list[list[Token]],
    texts: list[str],
    covered: list[set[int]],
    background: frozenset[str],
    title: int | None = None,
    keep: Callable[[int, dict[int, int]], bool] | None = None,
) -> dict[str, Candidate]:
    """Count every n-gram candidate per unit (sentence, or the title at index ``title``).

    ``keep(n_words, mentions)`` filters candidates before any object is built for them: on a
    long text most of the ~20,000 distinct n-grams occur once and are dropped right here.
    """
    mentions: dict[str, dict[int, int]] = {}
    spots: dict[str, list[tuple[int, int, int]]] = {}
    sizes: dict[str, int] = {}
    for index, tokens in enumerate(units):
        for run in _runs(tokens, covered[index], background):
            for a in range(len(run)):
                start = tokens[run[a]].start
                key = ""
                for n in range(min(MAX_N, len(run) - a)):
                    last = tokens[run[a + n]]
                    key = last.key if n == 0 else key + " " + last.key
                    per_unit = mentions.get(key)
                    if per_unit is None:
                        mentions[key] = {index: 1}
                        spots[key] = [(index, start, last.end)]
                        sizes[key] = n + 1
                        continue
                    per_unit[index] = per_unit.get(index, 0) + 1
                    seen = spots[key]
                    if len(seen) < SURFACES_KEPT:
                        seen.append((index, start, last.end))
    candidates: dict[str, Candidate] = {}
    for key, per_unit in mentions.items():
        if keep is not None and not keep(sizes[key], per_unit):
            continue
        surfaces = []
        for index, start, end in spots[key]:
            text = texts[index][start:end]
            initial = index == title or start == 0  # a capital here says nothing
            surfaces.append("\0" + text if initial else text)
        words = tuple(_WORD.findall(surfaces[0].lstrip("\0")))
        candidates[key] = Candidate(key, words, per_unit, surfaces)
    return candidates


def well_formed(cand: Candidate) -> bool:
    """Starts on a noun or adjective, ends on a noun: a phrase, not a clause fragment.

    Checked only for candidates that survive counting, since lexicon look-ups are the costly
    part on a long text.
    """
    words = cand.words
    return can_start_phrase(words[0]) and can_end_phrase(words[-1], len(words) > 1)
