"""Where a sentence sits decides how much a theme mentioned in it counts.

Raw keyphrase scores on a short abstract are poor: the first sentence usually sets the scene
("The reform era…"), not the argument. So a mention counts more in the title, in the thesis
sentence ("this article argues…"), in a findings sentence, and in the abstract than in the
body; body sentences near the start or the end (introduction, conclusion) count a little more.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from wordfreq import zipf_frequency

TITLE_WEIGHT = 2.0
KEYWORD_WEIGHT = 1.0
THESIS = 1.5
FINDINGS = 1.3
BODY = 0.6
EDGE = 1.2  # first/last tenth of a full text
GLOSSARY_BOOST = 1.5
KEYWORD_BOOST = 1.2
SAME_SENTENCE_EXTRA = 0.5  # a second mention in one sentence adds half a mention

_THESIS = re.compile(
    r"\b(?:this|the present|our|the) (?:article|paper|study|chapter|book|essay|thesis|research)"
    r"\b[^.]{0,60}?\b(?:argues?|contends?|claims?|shows?|demonstrates?|proposes?|maintains?|"
    r"suggests?|examines?|explores?|investigates?|develops?)\b"
    r"|\b(?:we|I) (?:argue|contend|claim|show|propose|demonstrate|maintain|suggest)\b"
    r"|\b(?:our|my|the) (?:argument|thesis|central claim) is\b",
    re.IGNORECASE,
)
_FINDINGS = re.compile(
    r"\b(?:we|I) (?:find|found|conclude|observe)\b|\bfindings?\b|\bresults? (?:show|suggest|"
    r"indicate|reveal)|\breveals?\b|\bimplications?\b|\bin conclusion\b|\bconclude[sd]?\b"
    r"|\bevidence (?:shows|suggests|indicates)\b|\bthis (?:suggests|means|shows)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Unit:
    """A sentence (or the title) and the weight a mention in it carries."""

    text: str
    weight: float
    kind: str  # "title", "abstract" or "text"
    index: int


def sentence_weight(sentence: str, kind: str, position: float, last: bool) -> float:
    """Weight of a mention in ``sentence``; ``position`` is its place in its part, 0..1."""
    base = 1.0 if kind == "abstract" else BODY
    cue = 1.0
    if _THESIS.search(sentence):
        cue = THESIS
    elif _FINDINGS.search(sentence) or (kind == "abstract" and last):
        cue = FINDINGS
    if kind == "text" and (position < 0.1 or position > 0.9):
        cue = max(cue, EDGE)
    return base * cue


@lru_cache(maxsize=100_000)
def _zipf(word: str) -> float:
    return zipf_frequency(word, "en")


def specificity(words: tuple[str, ...]) -> float:
    """How specific a phrase is compared with general English, 0.15..1 (wordfreq zipf).

    ``co-optation`` (zipf 1.5) scores 1; ``reform era`` (about 4.6) about 0.5; ``party`` 0.2.
    """
    if not words:
        return 0.15
    values = []
    for word in words:
        z = _zipf(word.lower())
        values.append(min(1.0, max(0.15, (6.0 - z) / 3.0)))
    return sum(values) / len(values)


def combine(evidence_mass: float, *, curated: bool, keyword: bool, spec: float, n: int) -> float:
    """Score of one theme from its weighted mentions and what kind of term it is.

    A curated term (a glossary concept or one of the reading's Keywords) is trusted as a
    concept; a keyphrase must earn it by being specific. ``log1p`` keeps a term mentioned forty
    times in a long text from drowning everything else.
    """
    score = math.log1p(evidence_mass)
    if curated:
        score *= GLOSSARY_BOOST
    else:
        score *= spec * (0.8 if n == 1 else 1.0 + 0.1 * (n - 2))
    if keyword:
        score *= KEYWORD_BOOST
    return score
