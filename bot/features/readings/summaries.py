"""Extractive summaries: the reading's thesis and key points, quoted from its own sentences.

Nothing is paraphrased or generated: every line of a summary is a sentence of the reading
(possibly shortened with "…"), chosen by the rhetorical cues academic writing uses to
announce its argument, its gap, its case and its implications. That keeps the bot honest
about readings it has never seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.core.replies import Reply, truncate
from bot.core.text import escape_markdown, sentences
from bot.features.readings.fulltext import Sentence
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
# What a reading does or finds, in its own voice: the Gist's role when no thesis cue names it.
ROLE_CUES = [
    (
        r"\b(we|i|this (article|paper|study|chapter))\b (trace|examine|explore|investigate|"
        r"analy[sz]e|study|compare|document|map|explain|develop|identify|show|find)\b",
        6,
    ),
    (r"\b(in|for) return\b|\b(thus|therefore|so that|in turn)\b", 1),
    # After a review of the literature, the reading's own claim turns against it or adds to it.
    (r"^(however|yet|in contrast|by contrast|unlike)\b", 2),
    (
        r"\b(challeng(e|es|ing) the (notion|view|assumption|idea)|enrich(es)? our understanding|"
        r"contribut(es|ing) to|sheds? (new )?light on)\b",
        3,
    ),
]
# Sentences that only set the scene or describe the method: never a Gist by role.
NOT_GIST = re.compile(
    r"\b(remains? (poorly understood|unclear|unexplored|open)|little is known|"
    r"(has|have) been (widely )?(studied|examined|debated)|we (draw|rely|build) on|"
    r"we (interviewed|collected|observed|surveyed|studied the)|based on|drawing on)\b",
    re.IGNORECASE,
)
# A sentence that reports another work: an author-year citation, a numbered citation, a named
# author (or "the literature") as the subject of a reporting verb.
_REPORTING = (
    r"(argue|argues|argued|show|shows|showed|find|finds|found|claim|claims|contend|contends|"
    r"suggest|suggests|note|notes|observe|observes|demonstrate|demonstrates|maintain|"
    r"maintains|report|reports|propose|proposes|write|writes)"
)
_OWN_SUBJECTS = {"we", "i", "this", "these", "our", "the", "it", "such", "that", "they", "its"}
OTHER_WORK = [
    re.compile(
        r"\(([A-Z][\w'’-]+(?:,? (?:and|&) [A-Z][\w'’-]+| et al\.?)?,? (?:\d{4}|n\.d\.)[a-z]?)"
    ),
    re.compile(r"\b[A-Z][\w'’-]+(?: (?:and|&) [A-Z][\w'’-]+| et al\.?)? \(\d{4}[a-z]?\)"),
    re.compile(r"\[\d+(?:\s*[,–-]\s*\d+)*\]"),
    re.compile(
        r"\b(literature|scholars|scholarship|studies|researchers|authors|critics|observers|"
        r"analysts|theorists|commentators)\b[^.;]{0,60}\b" + _REPORTING + r"\b",
        re.IGNORECASE,
    ),
]
_NAMED_SUBJECT = re.compile(
    r"^([A-Z][\w'’-]+)(?: (?:and|&) [A-Z][\w'’-]+| et al\.?)? " + _REPORTING + r"\b"
)
SHORT_POINT_CHARS = 170
LONG_POINTS_PER_HEADING = 3
OWN_CLAIM_HEADINGS = ("Findings", "Implications")


@dataclass(frozen=True)
class KeyPoint:
    """One key point: heading, quoted sentence (maybe shortened with "…"), page and origin.

    ``page`` is the printed page label ("" when the text has no pages); ``origin`` says where
    the sentence comes from: "abstract", a section heading, or "" for a text without sections.
    """

    heading: str
    quote: str
    page: str = ""
    origin: str = ""

    @property
    def cited(self) -> str:
        """The quote as shown: with `` (p. N)`` when it comes from a paged full text."""
        return f"{self.quote} (p. {self.page})" if self.page else self.quote


@dataclass(frozen=True)
class Summary:
    """A reading's gist (its thesis sentence) and key points, with where they were taken from."""

    reading_id: str
    gist: str
    points: tuple[KeyPoint, ...]
    source: str
    basis: str  # "full text", "abstract" or "none"
    gist_page: str = ""
    gist_origin: str = ""

    @property
    def gist_cited(self) -> str:
        """The gist as shown, with its page."""
        return f"{self.gist} (p. {self.gist_page})" if self.gist_page else self.gist

    @property
    def length(self) -> int:
        """Characters of quoted text, used to keep ``short`` shorter than the abstract."""
        return len(self.gist) + sum(len(p.quote) for p in self.points)


def _cue_score(sentence: str, cues: list[tuple[str, int]]) -> int:
    lowered = sentence.lower()
    return sum(weight for pattern, weight in cues if re.search(pattern, lowered))


def reports_other_work(sentence: str) -> bool:
    """Whether a sentence reports another work rather than the reading's own claim.

    True for an author-year citation ("(Oyelaran 2011)", "Marchbank (2003) shows"), a
    numbered citation ("[4]"), a named author as the subject of a reporting verb ("Gramsci
    argues") or "the literature… argues".
    """
    if any(p.search(sentence) for p in OTHER_WORK):
        return True
    named = _NAMED_SUBJECT.match(sentence)
    return bool(named and named.group(1).lower() not in _OWN_SUBJECTS)


def find_thesis(sents: list[str]) -> int | None:
    """Index of the sentence where the reading states its argument, by its own wording.

    Sentences reporting other works are never the thesis; without any thesis cue the
    sentence that states what the reading does or finds is chosen by its role (``ROLE_CUES``),
    never a gap statement or a method sentence.
    """
    own = [i for i, s in enumerate(sents) if not reports_other_work(s)]
    for cues, allowed in (
        (THESIS_CUES, own),
        (ROLE_CUES, [i for i in own if not NOT_GIST.search(sents[i])]),
    ):
        scored = [(_cue_score(sents[i], cues), -i) for i in allowed]
        best = max(scored, default=(0, 0))
        if best[0] > 0:
            return -best[1]
    return next((i for i in own if not NOT_GIST.search(sents[i])), None)


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

    When the cue's clause would not fit after the sentence's opening (findings often follow a
    long "Using …, " and implications come last), the quote starts at the clause boundary
    before the cue instead, so the clause that carries the finding is the one kept.
    """
    if len(sentence) <= limit:
        return sentence
    if focus and min(len(sentence), focus + 120) > limit:
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


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _pool(reading: Reading, long: bool) -> list[Sentence]:
    """Candidate sentences: the abstract's, then (for ``long`` or without abstract) the body's.

    A body sentence the abstract already has is left out, so each point appears once; the
    abstract's sentences take the page where the PDF prints them, when it does.
    """
    paged = {_key(s.text): s for s in reading.sentences if s.kind == "abstract"}
    pool = [
        Sentence(s, paged[_key(s)].page if _key(s) in paged else "", "abstract", "abstract")
        for s in sentences(reading.abstract)
    ]
    if reading.text and (long or not pool):
        seen = {_key(s.text) for s in pool}
        body = [s for s in reading.sentences if 40 <= len(s.text) <= 600]
        if not long:
            body = body[:200]  # the thesis is stated early
        for s in body:
            key = _key(s.text)
            if key not in seen:
                seen.add(key)
                pool.append(s if s.kind != "abstract" else replace(s, section="abstract"))
    return pool


def summarize(reading: Reading, long: bool = False) -> Summary:
    """Build the summary of one reading; ``long`` gives more points where there is full text.

    CPU work on a long text (sentence splitting is cached on the reading): call it in a worker
    thread from a command.
    """
    basis = "full text" if reading.text else ("abstract" if reading.abstract else "none")
    source = _source_line(reading)
    if basis == "none":
        return Summary(reading.id, "", (), source, basis)
    pool = _pool(reading, long)
    if not pool:
        return Summary(reading.id, "", (), source, "none")
    texts = [s.text for s in pool]
    thesis_i = find_thesis(texts)
    if thesis_i is None:
        thesis_i = 0
    gist = pool[thesis_i]
    used = {thesis_i}
    per_heading = LONG_POINTS_PER_HEADING if long and reading.text else 1
    points: list[tuple[str, int]] = []
    for heading, cues in POINT_CUES.items():
        own_only = heading in OWN_CLAIM_HEADINGS
        ranked = sorted(
            (
                (score, -i, i)
                for i, s in enumerate(texts)
                if i not in used
                and not (own_only and reports_other_work(s))
                and (score := _cue_score(s, cues)) > 0
            ),
            reverse=True,
        )
        for _, _, i in ranked[:per_heading]:
            used.add(i)
            points.append((heading, i))
    if not any(h == "Context and gap" for h, _ in points) and thesis_i > 0 and 0 not in used:
        # No cue names the context, but abstracts open with it: the first sentence before
        # the thesis sets the scene.
        used.add(0)
        points.append(("Context and gap", 0))
    points.sort(key=lambda p: (list(POINT_CUES).index(p[0]), p[1]))
    gist_text = gist.text
    quotes = [(h, pool[i], pool[i].text) for h, i in points]
    if not long:
        gist_limit = max(160, len(reading.abstract) // 3) if reading.abstract else 300
        gist_text = shorten(gist_text, gist_limit, _focus(gist_text, THESIS_CUES + ROLE_CUES))
        quotes = [
            (h, s, shorten(q, SHORT_POINT_CHARS, _focus(q, POINT_CUES[h]))) for h, s, q in quotes
        ]
        budget = int(len(reading.abstract) * 0.8) if reading.abstract else 900
        while quotes and len(gist_text) + sum(len(q) for _, _, q in quotes) > budget:
            quotes.pop()
    key_points = tuple(KeyPoint(h, q, s.page, s.section) for h, s, q in quotes)
    return Summary(reading.id, gist_text, key_points, source, basis, gist.page, gist.section)


@dataclass(frozen=True)
class SectionLine:
    """One detected section of a full text: its heading and the sentence that best states it."""

    heading: str
    quote: str
    page: str


_SECTIONS: dict[str, tuple[Reading, list[SectionLine]]] = {}


def sections(reading: Reading) -> list[SectionLine]:
    """``section_lines`` of a reading, computed once per Reading object (one entry per id)."""
    hit = _SECTIONS.get(reading.id)
    if hit is None or hit[0] is not reading:
        hit = (reading, section_lines(reading))
        _SECTIONS[reading.id] = hit
    return hit[1]


def section_lines(reading: Reading) -> list[SectionLine]:
    """One line per section heading of a paged full text, with its best sentence and page.

    The best sentence is the section's own claim with the strongest thesis or finding cue
    (sentences reporting other works only when the section has nothing else), else its
    first sentence. Empty for readings without detected headings.
    """
    by_section: dict[str, list[Sentence]] = {}
    for s in reading.sentences:
        if s.section and s.section != "abstract":
            by_section.setdefault(s.section, []).append(s)
    cues = THESIS_CUES + ROLE_CUES + POINT_CUES["Findings"] + POINT_CUES["Implications"]
    out = []
    for heading, members in by_section.items():
        own = [s for s in members if not reports_other_work(s.text)] or members
        best = max(own, key=lambda s: (_cue_score(s.text, cues), -own.index(s)))
        out.append(
            SectionLine(heading, shorten(best.text, 300, _focus(best.text, cues)), best.page)
        )
    return out


def sections_reply(reading: Reading) -> Reply:
    """The ``!summary <reading> sections`` answer: one line per section, quoted with its page."""
    found = sections(reading)
    title = truncate(f"{reading.label}: {reading.short_title} — sections", 256)
    if not found:
        why = (
            "no section headings were found in its full text"
            if reading.text
            else "it has no full text (add the PDF to the seeds folder)"
        )
        return Reply(title=title, body=f"No sections to list: {why}.")
    lines = [
        f"**{escape_markdown(s.heading)}** — “{escape_markdown(s.quote)}” (p. {s.page})"
        if s.page
        else f"**{escape_markdown(s.heading)}** — “{escape_markdown(s.quote)}”"
        for s in found
    ]
    return Reply(title=title, body=truncate("\n".join(lines), 4000))


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
    """Summaries computed once per reading content and length (sentence splitting is slow).

    Keyed by :func:`~bot.features.readings.cache.content_key`, not by the Reading object, so a
    reload that rebuilds an unchanged reading keeps its summaries, and an edited one gets new.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, bool], Summary] = {}

    def peek(self, key: str, long: bool) -> Summary | None:
        """The summary cached for a content key, if any (never computes)."""
        return self._cache.get((key, long))

    def put(self, key: str, long: bool, summary: Summary) -> None:
        """Keep a summary computed elsewhere (a worker thread, the database)."""
        self._cache[(key, long)] = summary
