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
    page: str = ""  # the printed page label of a full-text sentence ("" where none)


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
def zipf(word: str) -> float:
    """How common a word is in English: wordfreq's zipf scale (0 = unseen, 7 = "the")."""
    from wordfreq import zipf_frequency  # word lists load on first use, not at start

    return zipf_frequency(word, "en")


def specificity(words: tuple[str, ...]) -> float:
    """How specific a phrase is compared with general English, 0.15..1 (wordfreq zipf).

    ``co-optation`` (zipf 1.5) scores 1; ``reform era`` (about 4.6) about 0.5; ``party`` 0.2.
    """
    if not words:
        return 0.15
    values = []
    for word in words:
        z = zipf(word.lower())
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


# What a theme is, from its head (last) word, for themes the glossary does not describe.
# The lists are the heads readings in the social sciences use; a suffix decides the rest.
_ACTOR_HEADS = frozenset(
    """
    actor actors agency agencies association associations authority bureau charity charities
    citizen citizens community company companies council county counties court courts donor
    donors elite elites employer firm firms foundation foundations founder founders government
    governments group groups household households institution institutions leader leaders
    member members ministry movement movements node nodes office offices official officials
    organization organizations organisation organisations party parties partner partners
    people platform platforms regime regimes resident residents state states union unions
    user users volunteer volunteers voter voters worker workers
    """.split()
)
_PLACE_HEADS = frozenset(
    """
    area areas border borders city cities countryside district districts grassroots
    neighbourhood neighbourhoods neighborhood neighborhoods province provinces region regions
    street streets territory town towns village villages
    """.split()
)
_CONDITION_HEADS = frozenset(
    """
    autonomy capacity constraint constraints control law laws legitimacy pressure pressures
    regulation regulations restriction restrictions rule rules space status trust insecurity
    inequality dependence independence power precarity risk
    """.split()
)
_PROCESS_SUFFIXES = ("ation", "ition", "ization", "isation", "ment", "ing", "sion", "ance")
_CONDITION_SUFFIXES = ("ity", "ness", "ism", "acy", "ship", "hood", "ence")
_ACTOR_SUFFIXES = ("ists", "ist", "ers", "ors", "ians")


def kind_of(label: str) -> str:
    """Whether a theme names an actor, a process, a condition, a place or (else) a claim.

    ``INGOs``, ``private donors`` → actor; ``registration`` → process; ``trust``,
    ``authoritarianism`` → condition; ``urban villages`` → place. The question a generated
    prompt asks depends on it.
    """
    words = label.split()
    if not words:
        return "claim"
    head = words[-1].strip("()").lower()
    raw = words[-1].strip("()")
    if head in _PLACE_HEADS:
        return "place"
    if head in _ACTOR_HEADS or (len(raw) > 1 and raw.rstrip("s").isupper()):
        return "actor"
    if head in _CONDITION_HEADS or head.endswith(_CONDITION_SUFFIXES):
        return "condition"
    if head.endswith(_PROCESS_SUFFIXES):
        return "process"
    if head.endswith(_ACTOR_SUFFIXES):
        return "actor"
    return "claim"
