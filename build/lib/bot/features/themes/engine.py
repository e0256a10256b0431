"""The fingerprint of a reading: ranked themes, each with a weight and a verbatim quotation.

Three sources feed it: the course glossary (concepts matched through their forms), the
reading's own Keywords, and keyphrases counted in its text. Each becomes one theme per lemma
key, is scored by where it is mentioned (:mod:`bot.features.themes.ranking`), and is shown with the
sentence where it does the most work. Nothing here knows any particular reading.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.features.readings.models import Reading
from bot.features.themes import ranking
from bot.features.themes.glossary import Concept, Glossary
from bot.features.themes.keyphrases import Candidate, extract, well_formed
from bot.features.themes.tokens import (
    Token,
    normalise_space,
    phrase_keys,
    split_sentences,
    tokenize,
    word_key,
)

MAX_THEMES = 10
MIN_THEMES = 6
MIN_WEIGHT = 0.2
EVIDENCE_MAX = 300
KEEP_ALL = 60
WINDOW_SLACK = 2  # other content words allowed between the words of a concept form


@dataclass(frozen=True)
class Theme:
    """One weighted theme of a reading and the reading's own sentence that shows it."""

    key: str  # a glossary key, "kw:…" for a reading keyword, else the phrase's lemma keys
    label: str
    weight: float  # 0..1, relative to the reading's strongest theme
    score: float
    evidence: str  # verbatim (space-normalised), possibly shortened with "…"
    sentence: str  # the whole sentence the evidence comes from
    mentions: int
    concept: str | None = None
    keyword: bool = False
    in_title: bool = False

    @property
    def bar(self) -> str:
        """The weight as a ten-cell text bar with its value: ``██████░░░░ 0.62``."""
        filled = max(0, min(10, round(self.weight * 10)))
        return "█" * filled + "░" * (10 - filled) + f" {self.weight:.2f}"


@dataclass(frozen=True)
class Fingerprint:
    """A reading's top themes (``themes``) and every theme scored (``all_themes``)."""

    reading_id: str
    themes: tuple[Theme, ...]
    all_themes: tuple[Theme, ...]
    basis: str  # "abstract", "full text", "abstract and full text" or "none"
    note: str = ""

    def find(self, key: str) -> Theme | None:
        """The theme with this key (a glossary concept key), wherever it ranked."""
        return next((t for t in self.all_themes if t.key == key), None)


@dataclass
class _Found:
    key: str
    label: str
    mentions: dict[int, int] = field(default_factory=dict)
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # first mention per unit
    concept: str | None = None
    keyword: bool = False
    primary: set[int] = field(default_factory=set)  # units using the concept's first form
    words: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


def _match_form(tokens: list[Token], content: list[int], keys: tuple[str, ...]) -> list[list[int]]:
    """Occurrences of a form's keys among content tokens, in any order, close together."""
    wanted = set(keys)
    window = len(keys) + (WINDOW_SLACK if len(keys) > 1 else 0)
    found: list[list[int]] = []
    pos = 0
    while pos < len(content):
        if tokens[content[pos]].key not in wanted:
            pos += 1
            continue
        chosen: dict[str, int] = {}
        for j in range(pos, min(len(content), pos + window)):
            k = tokens[content[j]].key
            if k in wanted and k not in chosen:
                chosen[k] = j
        if len(chosen) == len(wanted):
            found.append([content[j] for j in chosen.values()])
            pos = max(chosen.values()) + 1
        else:
            pos += 1
    return found


class ThemeEngine:
    """Computes fingerprints, once per reading (cached until the reading's text changes)."""

    def __init__(self, glossary: Glossary | None = None) -> None:
        self.glossary = glossary or Glossary()
        self._forms: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self._primary = {c.key: phrase_keys(c.forms[0]) for c in self.glossary}
        for concept in self.glossary:
            seen: set[tuple[str, ...]] = set()
            for term in concept.forms:
                keys = phrase_keys(term)
                if keys and keys not in seen:
                    seen.add(keys)
                    self._forms.setdefault(keys[0], []).append((concept.key, keys))
                    for k in keys[1:]:
                        self._forms.setdefault(k, []).append((concept.key, keys))
        self._background = frozenset(
            k for phrase in self.glossary.background for k in phrase_keys(phrase)
        )
        self._cache: dict[tuple[str, int], Fingerprint] = {}
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Load the lemma and word-frequency tables now rather than on the first command."""
        word_key("organizations")
        ranking.specificity(("warm",))

    def cached(self, reading: Reading) -> Fingerprint | None:
        """The fingerprint if it was computed already (lets callers skip a worker thread)."""
        return self._cache.get(self._cache_key(reading))

    @staticmethod
    def _cache_key(reading: Reading) -> tuple[str, int]:
        return reading.id, hash((reading.title, reading.abstract, reading.text, *reading.keywords))

    def fingerprint(self, reading: Reading) -> Fingerprint:
        """The reading's themes, computed on first use and then served from the cache."""
        key = self._cache_key(reading)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        with self._lock:
            hit = self._cache.get(key)
            if hit is None:
                hit = _without_gc(self._compute, reading)
                self._cache = {k: v for k, v in self._cache.items() if k[0] != reading.id}
                self._cache[key] = hit
        return hit

    def fingerprints(self, readings: Iterable[Reading]) -> list[Fingerprint]:
        """Fingerprints of several readings (each cached)."""
        return [self.fingerprint(r) for r in readings]

    # -- computation -------------------------------------------------------------------

    def _units(self, reading: Reading) -> tuple[list[ranking.Unit], str]:
        units: list[ranking.Unit] = []
        title = normalise_space(reading.title)
        if title and title != "(untitled)":
            units.append(ranking.Unit(title, ranking.TITLE_WEIGHT, "title", 0))
        parts = [("abstract", reading.abstract), ("text", reading.text)]
        seen: set[str] = set()
        for kind, body in parts:
            found = split_sentences(body) if body.strip() else []
            for i, sentence in enumerate(found):
                if sentence in seen:
                    continue
                seen.add(sentence)
                weight = ranking.sentence_weight(
                    sentence, kind, i / max(1, len(found) - 1), i == len(found) - 1
                )
                units.append(ranking.Unit(sentence, weight, kind, len(units)))
        basis = {
            (True, False): "abstract",
            (False, True): "full text",
            (True, True): "abstract and full text",
        }.get((bool(reading.abstract.strip()), bool(reading.text.strip())), "none")
        return units, basis

    def _compute(self, reading: Reading) -> Fingerprint:
        units, basis = self._units(reading)
        if basis == "none":
            return Fingerprint(
                reading.id,
                (),
                (),
                basis,
                note="This reading has no abstract or text yet, so there is nothing to find "
                "themes in. An instructor can add its portal page or a PDF to the seeds folder.",
            )
        tokens = [tokenize(u.text) for u in units]
        content = [[i for i, t in enumerate(toks) if not t.stop] for toks in tokens]
        covered: list[set[int]] = [set() for _ in units]
        found: dict[str, _Found] = {}

        self._match_concepts(tokens, content, covered, found)
        self._match_keywords(reading, tokens, content, covered, found)
        for cand in self._candidates(units, tokens, covered).values():
            found[cand.key] = _Found(
                key=cand.key,
                label=_display(cand),
                mentions=cand.mentions,
                words=cand.words,
                keys=tuple(cand.key.split()),
            )
        themes = self._rank(units, tokens, found)
        return Fingerprint(reading.id, tuple(self._top(themes)), tuple(themes), basis)

    def _match_concepts(
        self,
        tokens: list[list[Token]],
        content: list[list[int]],
        covered: list[set[int]],
        found: dict[str, _Found],
    ) -> None:
        for u, toks in enumerate(tokens):
            keys_here = {toks[i].key for i in content[u]}
            forms = {f for k in keys_here for f in self._forms.get(k, ())}
            per_concept: dict[str, set[tuple[int, ...]]] = {}
            primary: set[str] = set()
            for concept_key, keys in forms:
                if not set(keys) <= keys_here:
                    continue
                for match in _match_form(toks, content[u], keys):
                    per_concept.setdefault(concept_key, set()).add(tuple(sorted(match)))
                    if keys == self._primary.get(concept_key):
                        primary.add(concept_key)
            for concept_key, matches in per_concept.items():
                matches = _non_overlapping(matches)
                concept = self.glossary.get(concept_key)
                assert concept is not None
                entry = found.setdefault(
                    concept_key, _Found(concept_key, concept.name, concept=concept_key)
                )
                entry.mentions[u] = len(matches)
                if concept_key in primary:
                    entry.primary.add(u)
                first = min(matches)
                entry.spans[u] = (toks[first[0]].start, toks[first[-1]].end)
                for match in matches:
                    covered[u].update(match)

    def _match_keywords(
        self,
        reading: Reading,
        tokens: list[list[Token]],
        content: list[list[int]],
        covered: list[set[int]],
        found: dict[str, _Found],
    ) -> None:
        for keyword in reading.keywords:
            keyword = " ".join(keyword.split())
            keys = phrase_keys(keyword)
            if not keys:
                continue
            concept = self.glossary.lookup(keyword) or self._concept_with_keys(keys)
            if concept is not None:
                entry = found.setdefault(
                    concept.key, _Found(concept.key, concept.name, concept=concept.key)
                )
                entry.keyword = True
                continue
            key = "kw:" + " ".join(keys)
            label = keyword[:1].upper() + keyword[1:]
            entry = found.setdefault(key, _Found(key, label, keyword=True, keys=keys))
            for u, toks in enumerate(tokens):
                matches = _non_overlapping(
                    {tuple(sorted(m)) for m in _match_form(toks, content[u], keys)}
                )
                if matches:
                    entry.mentions[u] = len(matches)
                    first = min(matches)
                    entry.spans[u] = (toks[first[0]].start, toks[first[-1]].end)
                    for match in matches:
                        covered[u].update(match)

    def _concept_with_keys(self, keys: tuple[str, ...]) -> Concept | None:
        for concept_key, form in self._forms.get(keys[0], ()):
            if form == keys:
                return self.glossary.get(concept_key)
        return None

    def _candidates(
        self, units: list[ranking.Unit], tokens: list[list[Token]], covered: list[set[int]]
    ) -> dict[str, Candidate]:
        title = next((i for i, u in enumerate(units) if u.kind == "title"), None)

        def keep(n_words: int, mentions: dict[int, int]) -> bool:
            # Before the costly part-of-speech check: drop a phrase used once deep in a long
            # body (noise) and a three-word phrase used once (usually a clause fragment).
            if len(mentions) > 1:
                return True
            ((u, count),) = mentions.items()
            return units[u].weight >= 1.0 and (count > 1 or n_words < 3)

        candidates = extract(
            tokens, [u.text for u in units], covered, self._background, title, keep
        )
        candidates = {k: c for k, c in candidates.items() if well_formed(c)}
        mass = {k: _mass(units, c.mentions) for k, c in candidates.items()}
        # A shorter phrase that mostly occurs inside a longer one is that longer phrase.
        drop: set[str] = set()
        for key, cand in candidates.items():
            parts = key.split()
            for n in range(1, len(parts)):
                for start in range(len(parts) - n + 1):
                    sub = " ".join(parts[start : start + n])
                    if sub in mass and mass[key] >= 0.6 * mass[sub]:
                        drop.add(sub)
            if len(parts) == 1 and sum(cand.mentions.values()) < 2:
                drop.add(key)  # a single word used once is rarely what a reading is about
        return {k: c for k, c in candidates.items() if k not in drop}

    def _rank(
        self, units: list[ranking.Unit], tokens: list[list[Token]], found: dict[str, _Found]
    ) -> list[Theme]:
        scored: list[tuple[float, _Found]] = []
        for entry in found.values():
            if not entry.mentions:
                continue  # a keyword the text never uses: nothing to quote
            mass = _mass(units, entry.mentions)
            if entry.keyword:
                mass += ranking.KEYWORD_WEIGHT
            curated = entry.concept is not None or entry.keyword
            spec = 1.0 if curated else ranking.specificity(entry.words)
            score = ranking.combine(
                mass, curated=curated, keyword=entry.keyword, spec=spec, n=len(entry.keys) or 1
            )
            scored.append((score, entry))
        scored.sort(key=lambda pair: (-pair[0], pair[1].label.lower()))
        if not scored:
            return []
        best = scored[0][0] or 1.0
        themes: list[Theme] = []
        chosen_keys: list[set[str]] = []
        used: set[int] = set()
        phrases = 0
        for score, entry in scored:
            keyset = set(entry.keys)
            if entry.concept is None and (
                phrases >= KEEP_ALL or any(other <= keyset for other in chosen_keys if other)
            ):
                continue  # enough phrases; or the same phrase again, or one with a word added
            unit = _evidence_unit(units, entry, used)
            used.add(unit)
            sentence = units[unit].text
            span = entry.spans.get(unit) or _locate(tokens[unit], entry.keys)
            themes.append(
                Theme(
                    key=entry.key,
                    label=entry.label,
                    weight=round(score / best, 2),
                    score=score,
                    evidence=shorten(sentence, span),
                    sentence=sentence,
                    mentions=sum(entry.mentions.values()),
                    concept=entry.concept,
                    keyword=entry.keyword,
                    in_title=any(units[u].kind == "title" for u in entry.mentions),
                )
            )
            if entry.concept is None:
                chosen_keys.append(keyset)
                phrases += 1
        themes.sort(key=lambda t: -t.score)
        return themes

    @staticmethod
    def _top(themes: list[Theme]) -> list[Theme]:
        top = themes[:MAX_THEMES]
        while len(top) > MIN_THEMES and top[-1].weight < MIN_WEIGHT:
            top.pop()
        return top


def _without_gc(compute: Callable[[Reading], Fingerprint], reading: Reading) -> Fingerprint:
    """Run ``compute`` with the cyclic garbage collector paused.

    A long text creates tens of thousands of small dicts and tuples (one per distinct n-gram);
    each allocation burst would otherwise trigger full collections that walk the lemma and
    frequency tables (millions of objects), which more than doubled the time. Nothing here
    creates reference cycles, so pausing is safe; the previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return compute(reading)
    finally:
        if was_enabled:
            gc.enable()


def _non_overlapping(matches: set[tuple[int, ...]]) -> list[tuple[int, ...]]:
    kept: list[tuple[int, ...]] = []
    taken: set[int] = set()
    for match in sorted(matches, key=lambda m: (-len(m), m)):
        if taken.isdisjoint(match):
            kept.append(match)
            taken.update(match)
    return kept


def _mass(units: list[ranking.Unit], mentions: dict[int, int]) -> float:
    return sum(
        units[u].weight * (1 + ranking.SAME_SENTENCE_EXTRA * (count - 1))
        for u, count in mentions.items()
    )


def _evidence_unit(units: list[ranking.Unit], entry: _Found, used: set[int]) -> int:
    """The sentence that shows the theme best, preferring one no stronger theme quoted."""
    options = [u for u in entry.mentions if units[u].kind != "title"] or list(entry.mentions)

    def value(u: int) -> tuple[float, int]:
        weight = units[u].weight * (1 + 0.5 * (entry.mentions[u] - 1))
        if u in entry.primary:
            weight *= 1.5  # the concept under its own name, not a looser synonym
        if u in used:
            weight *= 0.7
        return weight, -u

    return max(options, key=value)


def _locate(tokens: list[Token], keys: tuple[str, ...]) -> tuple[int, int] | None:
    n = len(keys)
    for i in range(len(tokens) - n + 1):
        if tuple(t.key for t in tokens[i : i + n]) == keys:
            return tokens[i].start, tokens[i + n - 1].end
    return None


def shorten(sentence: str, span: tuple[int, int] | None, limit: int = EVIDENCE_MAX) -> str:
    """The sentence, or a window of it around the mention, cut at word boundaries with "…"."""
    if len(sentence) <= limit:
        return sentence
    start, end = span or (0, 0)
    left = max(0, start - (limit - (end - start)) // 3)
    right = min(len(sentence), left + limit)
    left = max(0, min(left, right - limit))
    if left > 0:
        space = sentence.find(" ", left)
        left = space + 1 if 0 <= space < start else left
    if right < len(sentence):
        space = sentence.rfind(" ", left, right)
        right = space if space > end else right
    piece = sentence[left:right].strip()
    return ("…" if left > 0 else "") + piece + ("…" if right < len(sentence) else "")


def _display(cand: Candidate) -> str:
    """How to name a keyphrase: as written mid-sentence (keeps names' capitals), else lower."""
    inner = [s for s in cand.surfaces if not s.startswith("\0")]
    if inner:
        text = inner[0]
    else:
        text = cand.surfaces[0].lstrip("\0")
        first = text.split(" ", 1)[0]
        if not (first.isupper() and len(first) > 1):
            text = text[:1].lower() + text[1:]
    return text[:1].upper() + text[1:]
