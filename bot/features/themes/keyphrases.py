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

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.features.themes.tokens import (
    WORD,
    Token,
    can_end_phrase,
    can_modify,
    can_start_phrase,
    is_acronym,
    lemmas,
)

MAX_N = 3
SURFACES_KEPT = 3


@dataclass
class Candidate:
    """An n-gram found in the reading: its keys, where it occurs and how it was written."""

    key: str
    words: tuple[str, ...]
    mentions: dict[int, int] = field(default_factory=dict)  # unit index -> count
    surfaces: list[str] = field(default_factory=list)  # the first few wordings, as written
    capitalised: bool = False  # one word, capitalised in some use inside a sentence
    lowered: bool = False  # one word, in lower case in some use inside a sentence
    modifier: bool = False  # an adjective only ever used before a noun ("local partners")


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
    capitalised: set[str] = set()
    lowered: set[str] = set()
    heads: set[str] = set()  # one-word keys used at least once not before another word
    for index, tokens in enumerate(units):
        for run in _runs(tokens, covered[index], background):
            # Inside a run every word but the last is followed by another: only the last may
            # be a head, if a function word, punctuation or the end comes next.
            after = run[-1] + 1
            if after >= len(tokens) or tokens[after].stop or tokens[after].breaks_before:
                heads.add(tokens[run[-1]].key)
            for a in range(len(run)):
                word = tokens[run[a]]
                start = word.start
                if index != title and start != 0:  # a capital at a sentence start says nothing
                    (lowered if word.text[:1].islower() else capitalised).add(word.key)
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
        words = tuple(WORD.findall(surfaces[0].lstrip("\0")))
        candidates[key] = Candidate(
            key,
            words,
            per_unit,
            surfaces,
            key in capitalised,
            key in lowered,
            sizes[key] == 1 and key not in heads and can_modify(words[0]),
        )
    return candidates


def well_formed(cand: Candidate) -> bool:
    """Starts on a noun or adjective, ends on a noun: a phrase, not a clause fragment.

    Checked only for candidates that survive counting, since lexicon look-ups are the costly
    part on a long text.
    """
    words = cand.words
    if not (can_start_phrase(words[0]) and can_end_phrase(words[-1], len(words) > 1)):
        return False
    return not any(_plural(w) for w in words[:-1])  # "graduates matters": subject and verb


def every_wording_ends_on_a_noun(cand: Candidate) -> bool:
    """Whether each wording seen can end on a noun (checked for ranked candidates only).

    "stayed" (a verb only) is no theme even where the title's "to stay" made the first
    wording look like one.
    """
    for text in cand.surfaces:
        found = WORD.findall(text.lstrip("\0"))
        if found and not can_end_phrase(found[-1], len(cand.words) > 1):
            return False
    return True


def _plural(word: str) -> bool:
    """A regular plural noun ("graduates"), which English does not use as a modifier."""
    lower = word.lower()
    return (
        not is_acronym(word)
        and lower.endswith("s")
        and not lower.endswith(("ss", "us", "is", "ics"))
        and "NOUN" in lemmas(lower)
        and lemmas(lower)["NOUN"] != (lower,)
    )
