"""Extractive summaries: the reading's thesis and key points, quoted from its own sentences.

Nothing is paraphrased or generated: every line of a summary is a sentence of the reading
(possibly shortened with "…"), chosen by the rhetorical cues academic writing uses to
announce its argument, its gap, its case and its implications. That keeps the bot honest
about readings it has never seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.text import sentences
from bot.features.readings.models import Reading

THESIS_CUES = [
    (
        r"\b(this|the present|our) (article|paper|study|essay|chapter|book) "
        r"(argues|contends|claims|shows|demonstrates|proposes|suggests)",
        10,
    ),
    (r"\b(we|i) (argue|contend|claim|propose|show|demonstrate|find|suggest)\b", 9),
    (r"\bargues? that\b", 7),
    (r"\b(this|the) (article|paper|study) (examines|explores|investigates|analy[sz]es|asks)", 5),
    (r"\b(our|the) (central|main|key) (argument|claim|finding)", 8),
    (r"\b(we|this article) (find|finds|reveal|reveals)\b", 6),
]
POINT_CUES: dict[str, list[tuple[str, int]]] = {
    "Context and gap": [
        (r"\b(existing|previous|prior|recent) (studies|research|literature|scholarship|work)", 5),
        (r"\b(little|less|scant|limited) (attention|research|is known)", 5),
        (r"\b(has|have) been (associated|studied|examined|investigated|debated)", 3),
        (r"\b(gap|remains unclear|overlooked|neglected|understudied)\b", 4),
        (r"\b(while|although) (existing|many|most|scholars)", 3),
        (r"\bera\b|\bin recent (years|decades)\b", 1),
    ],
    "Case and mechanism": [
        (r"\b(drawing|based|relying) on\b", 5),
        (r"\b(case study|fieldwork|interviews|ethnograph\w*|survey|data|archival|dataset)\b", 4),
        (r"\b(through|by) (appropriating|enrolling|co-opting|using|mobili[sz]ing|\w+ing)\b", 2),
        (r"\b(enables?|allows?|mechanisms?|process(es)?|strateg(y|ies))\b", 2),
        (r"\b(the rise of|has seen|increased|increasingly)\b", 2),
        (r"\b(through|via|by means of)\b", 1),
    ],
    "Findings": [
        (r"\bwe (find|found|show|observe|document|identify)\b", 6),
        (r"\b(findings|results|analysis|evidence) (show|shows|reveal|reveals|indicate)", 5),
        (r"\b(reveals?|demonstrates?|shows?) (that|how)\b", 4),
    ],
    "Implications": [
        (r"\bimplications?\b", 6),
        (r"\b(consequences?|significance|contributes?|contribution)\b", 4),
        (r"\b(we conclude|in conclusion|overall|taken together|thus|therefore)\b", 3),
        (r"^if\b|\bsuggests? that\b", 2),
    ],
}
SHORT_POINT_CHARS = 170
LONG_POINTS_PER_HEADING = 3


@dataclass(frozen=True)
class KeyPoint:
    """One key point: its heading and the quoted sentence (possibly shortened with "…")."""

    heading: str
    quote: str


@dataclass(frozen=True)
class Summary:
    """A reading's gist (its thesis sentence) and key points, with where they were taken from."""

    reading_id: str
    gist: str
    points: tuple[KeyPoint, ...]
    source: str
    basis: str  # "full text", "abstract" or "none"

    @property
    def length(self) -> int:
        """Characters of quoted text, used to keep ``short`` shorter than the abstract."""
        return len(self.gist) + sum(len(p.quote) for p in self.points)


def _cue_score(sentence: str, cues: list[tuple[str, int]]) -> int:
    lowered = sentence.lower()
    return sum(weight for pattern, weight in cues if re.search(pattern, lowered))


def find_thesis(sents: list[str]) -> int | None:
    """Index of the sentence where the reading states its argument, by its own wording."""
    best, best_score = None, 0
    for i, s in enumerate(sents):
        score = _cue_score(s, THESIS_CUES)
        if score > best_score:
            best, best_score = i, score
    return best


def _focus(sentence: str, cues: list[tuple[str, int]]) -> int:
    """Where in the sentence its strongest cue sits (0 when none): the part worth keeping."""
    best, best_weight = 0, 0
    for pattern, weight in cues:
        match = re.search(pattern, sentence.lower())
        if match and (weight > best_weight or (weight == best_weight and match.start() < best)):
            best, best_weight = match.start(), weight
    return best


def shorten(sentence: str, limit: int, focus: int = 0) -> str:
    """Shorten a quotation faithfully, keeping the clause at ``focus`` and marking cuts "…".

    When the cue sits late in the sentence (implications often come last), the quote starts
    at the clause boundary before it instead of at the sentence's opening.
    """
    if len(sentence) <= limit:
        return sentence
    if focus + 40 > limit:
        start = sentence.rfind(", ", 0, focus)
        start = start + 2 if start != -1 else focus
        tail = sentence[start:]
        if len(tail) + 2 <= limit:
            return "… " + tail
        return "… " + shorten(tail, limit - 2)
    cut = sentence[:limit]
    for mark in ("; ", ", ", " "):
        pos = cut.rfind(mark)
        if pos > limit * 0.55:
            return cut[:pos].rstrip(",;: ") + " …"
    return cut.rstrip() + " …"


def summarize(reading: Reading, long: bool = False) -> Summary:
    """Build the summary of one reading; ``long`` gives more points where there is full text."""
    basis = "full text" if reading.text else ("abstract" if reading.abstract else "none")
    source = _source_line(reading)
    if basis == "none":
        return Summary(reading.id, "", (), source, basis)
    # With full text, search its first part for the thesis (introductions state it) but
    # prefer the abstract's own statement when there is one.
    pool = sentences(reading.abstract) if reading.abstract else []
    if long and reading.text:
        pool = pool + [s for s in sentences(reading.text) if 40 <= len(s) <= 600]
    elif not pool:
        pool = [s for s in sentences(reading.text[:20000]) if 40 <= len(s) <= 600]
    if not pool:
        return Summary(reading.id, "", (), source, "none")
    thesis_i = find_thesis(pool)
    if thesis_i is None:
        thesis_i = 0
    gist = pool[thesis_i]
    used = {thesis_i}
    per_heading = LONG_POINTS_PER_HEADING if long and reading.text else 1
    points: list[KeyPoint] = []
    for heading, cues in POINT_CUES.items():
        ranked = sorted(
            (
                (score, -i, i)
                for i, s in enumerate(pool)
                if i not in used and (score := _cue_score(s, cues)) > 0
            ),
            reverse=True,
        )
        for _, _, i in ranked[:per_heading]:
            used.add(i)
            points.append(KeyPoint(heading, pool[i]))
    if not any(p.heading == "Context and gap" for p in points) and thesis_i > 0 and 0 not in used:
        # No cue names the context, but abstracts open with it: the first sentence before
        # the thesis sets the scene.
        used.add(0)
        points.append(KeyPoint("Context and gap", pool[0]))
    order = {s: i for i, s in enumerate(pool)}
    points.sort(key=lambda p: (list(POINT_CUES).index(p.heading), order[p.quote]))
    if not long:
        gist_limit = max(160, len(reading.abstract) // 3) if reading.abstract else 300
        gist = shorten(gist, gist_limit, _focus(gist, THESIS_CUES))
        points = [
            KeyPoint(
                p.heading,
                shorten(p.quote, SHORT_POINT_CHARS, _focus(p.quote, POINT_CUES[p.heading])),
            )
            for p in points
        ]
        budget = int(len(reading.abstract) * 0.8) if reading.abstract else 900
        while points and len(gist) + sum(len(p.quote) for p in points) > budget:
            points.pop()
    return Summary(reading.id, gist, tuple(points), source, basis)


def _source_line(reading: Reading) -> str:
    bits = [reading.label]
    if reading.container:
        where = f"*{reading.container}*"
        volume, issue = reading.csl.get("volume"), reading.csl.get("issue")
        if volume:
            where += f" {volume}" + (f"({issue})" if issue else "")
        elif issue:
            where += f", no. {issue}"
        if reading.csl.get("page"):
            where += f", {str(reading.csl['page']).replace('-', '–')}"
        bits.append(where)
    if reading.doi:
        bits.append(f"https://doi.org/{reading.doi}")
    return " · ".join(bits) + f" — {reading.source_phrase}"


class SummaryCache:
    """Summaries computed once per reading and length: sentence splitting is the slow part."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, bool], tuple[Reading, Summary]] = {}

    def get(self, reading: Reading, long: bool = False) -> Summary:
        """The cached summary, recomputed if the library now holds a different Reading object."""
        key = (reading.id, long)
        hit = self._cache.get(key)
        if hit is None or hit[0] is not reading:
            hit = (reading, summarize(reading, long))
            self._cache[key] = hit
        return hit[1]
