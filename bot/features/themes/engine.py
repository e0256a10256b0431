"""The fingerprint of a reading: ranked themes, each with a weight and a verbatim quotation.

Three sources feed it: the course glossary (concepts matched through their forms, only where
a ``context`` word of the concept is near), the reading's own Keywords, and keyphrases counted
in its text. Each becomes one theme per concept: lemma keys merge word forms, an acronym takes
in its expansion, and names, apparatus words and word pieces are never themes. Themes are
scored by where they are mentioned (:mod:`bot.features.themes.ranking`) and shown with the
sentence where they do the most work, no sentence serving more than two themes. Nothing here
knows any particular reading.
"""

from __future__ import annotations

import gc
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.features.readings.models import Reading
from bot.features.themes import ranking
from bot.features.themes.glossary import Concept, Glossary
from bot.features.themes.keyphrases import (
    Candidate,
    every_wording_ends_on_a_noun,
    extract,
    well_formed,
)
from bot.features.themes.tokens import (
    Token,
    in_lexicon,
    is_acronym,
    lemmas,
    normalise_space,
    phrase_keys,
    split_sentences,
    tokenize,
    word_key,
)

MAX_THEMES = 10
MIN_THEMES = 6
MIN_WEIGHT = 0.15
FLOOR_WEIGHT = 0.1  # below a tenth of the strongest theme, a phrase is noise, not a theme
EVIDENCE_MAX = 300
KEEP_ALL = 60
WINDOW_SLACK = 2  # other content words allowed between the words of a concept form
MAX_EVIDENCE_USES = 2  # a sentence is evidence for at most two themes while others exist
TITLE_SPECIFICITY = 0.6  # a phrase of the title is specific enough, whatever its frequency
FRAGMENT_ZIPF = 2.0  # an unknown lower-case word this common is a piece of a longer word
# A reference list and anything after it are the reading's apparatus, never its argument.
_REFERENCES = re.compile(
    r"^\s*(?:references|bibliography|works cited|literature cited|sources)\s*$", re.I | re.M
)
# A "Keywords: a; b; c" line of a plain text: its terms are Keywords, the line is no sentence.
_KEYWORD_LINE = re.compile(r"^\s*(?:key\s?words|index terms)\s*[:：—–]\s*(.*)$", re.I | re.M)
# A sentence with a URL, DOI or e-mail, or that opens like a reference ("Ferrand, I. (2018)").
_LINK = re.compile(r"https?://|\bdoi\s*[:.]|\bwww\.|[\w.+-]+@[\w-]+\.[a-z]{2,}", re.IGNORECASE)
_REFERENCE = re.compile(r"[A-Z][\w'’-]+, (?:[A-Z]\.\s?)+")
_YEAR_END = re.compile(r"\(\d{4}[a-z]?\)\.")


def _is_apparatus(sentence: str) -> bool:
    """Whether a sentence is a reference, URL, DOI or e-mail rather than the reading's prose.

    Cheap substring tests come first: this runs on every sentence of a long text.
    """
    if any(hint in sentence for hint in ("http", "www.", "doi", "DOI", "@")):
        if _LINK.search(sentence):
            return True
    if ")." in sentence and _YEAR_END.search(sentence):
        return True
    return bool(_REFERENCE.match(sentence))


_ACRONYM_IN_PARENS = re.compile(r"\(([A-Z][A-Za-z]*[A-Z])(s?)\)")


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
    kind: str = "claim"  # actor, process, condition, place or claim: see ranking.kind_of
    page: str = ""  # the printed page the sentence is on, where the reading has pages
    surface: str = ""  # the theme as the reading writes it inside a sentence ("NGO law")

    @property
    def is_concept(self) -> bool:
        """A glossary concept, a Keyword, or a phrase the reading uses more than once."""
        return self.concept is not None or self.keyword or self.mentions > 1

    @property
    def match_key(self) -> str:
        """What two readings' themes must share to be the same concept (``kw:`` dropped)."""
        return self.key.removeprefix("kw:")

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
    strong: bool = False  # matched by a name, multi-word form or more than one mention
    candidate: Candidate | None = None  # the keyphrase it came from


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


def _match_run(
    tokens: list[Token], content: list[int], keys: tuple[str, ...]
) -> list[tuple[int, ...]]:
    """Occurrences of a Keyword as written: its content words in order, side by side.

    Stricter than a glossary form: "law requires NGOs" is no mention of "NGO law".
    """
    n = len(keys)
    return [
        tuple(content[i : i + n])
        for i in range(len(content) - n + 1)
        if tuple(tokens[j].key for j in content[i : i + n]) == keys
        and not any(tokens[j].breaks_before for j in content[i + 1 : i + n])
    ]


class ThemeEngine:
    """Computes fingerprints, once per reading (cached until the reading's text changes)."""

    def __init__(self, glossary: Glossary | None = None) -> None:
        self.glossary = glossary or Glossary()
        self._prepared = False
        self._cache: dict[tuple[str, int], Fingerprint] = {}
        self._charts: dict[tuple[str, int], bytes] = {}
        self._lock = threading.Lock()

    def _prepare(self) -> None:
        """Index the glossary's forms by lemma key, once, before the first computation.

        Deferred from ``__init__`` because lemma keys need simplemma's tables (~0.3 s and
        ~40 MiB): the bot's own process builds an engine at start-up but computes themes in
        the worker process (:mod:`bot.features.themes.jobs`), so it never pays for them.
        """
        if self._prepared:
            return
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
        # Context words of each concept: single keys (one set test) and multi-word phrases.
        self._context: dict[str, tuple[frozenset[str], tuple[frozenset[str], ...]]] = {}
        for c in self.glossary:
            phrases = [frozenset(keys) for phrase in c.context if (keys := phrase_keys(phrase))]
            self._context[c.key] = (
                frozenset(k for p in phrases if len(p) == 1 for k in p),
                tuple(p for p in phrases if len(p) > 1),
            )
        self._name_forms = {
            c.key: {phrase_keys(t) for t in (c.name, c.forms[0]) if phrase_keys(t)}
            for c in self.glossary
        }
        self._prepared = True

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
        """The reading's themes, computed on first use and then served from the cache.

        Computing runs in the calling thread; the bot calls it only inside the worker
        process (see :mod:`bot.features.themes.jobs`) and :meth:`put` s the result here.
        """
        key = self._cache_key(reading)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        with self._lock:
            hit = self._cache.get(key)
            if hit is None:
                hit = self.compute(reading)
                self._store(key, hit)
        return hit

    def compute(self, reading: Reading) -> Fingerprint:
        """The reading's fingerprint computed now, not cached (the worker process's entry)."""
        self._prepare()
        return _without_gc(self._compute, reading)

    def put(self, reading: Reading, fingerprint: Fingerprint) -> None:
        """Keep a fingerprint computed elsewhere (the worker process, the database)."""
        with self._lock:
            self._store(self._cache_key(reading), fingerprint)

    def _store(self, key: tuple[str, int], fingerprint: Fingerprint) -> None:
        self._cache = {k: v for k, v in self._cache.items() if k[0] != key[0]}
        self._cache[key] = fingerprint

    def cached_chart(self, reading: Reading) -> bytes | None:
        """The fingerprint's bar chart (PNG bytes) if it was drawn already."""
        return self._charts.get(self._cache_key(reading))

    def chart(self, reading: Reading) -> bytes:
        """The fingerprint's bar chart as PNG bytes, drawn once per reading text (~0.1 s).

        Cached with the fingerprint, so a repeated ``!themes`` sends the same image without
        drawing it again. The bot draws it in the worker process (``chart_of``) and
        :meth:`put_chart` s it; this draws in the calling thread.
        """
        png = self.cached_chart(reading)
        if png is None:
            from bot.core.charts import bar_chart_png  # matplotlib loads on the first chart

            png = bar_chart_png(*chart_inputs(reading, self.fingerprint(reading)))
            self.put_chart(reading, png)
        return png

    def put_chart(self, reading: Reading, png: bytes) -> None:
        """Keep a chart drawn elsewhere (the worker process)."""
        key = self._cache_key(reading)
        with self._lock:
            self._charts = {k: v for k, v in self._charts.items() if k[0] != reading.id}
            self._charts[key] = png

    def fingerprints(self, readings: Iterable[Reading]) -> list[Fingerprint]:
        """Fingerprints of several readings (each cached)."""
        return [self.fingerprint(r) for r in readings]

    # -- computation -------------------------------------------------------------------

    def _units(self, reading: Reading) -> tuple[list[ranking.Unit], str, list[str]]:
        """Title and sentences with their weights, the basis, and Keywords found in the text.

        A plain text's "Keywords: …" line gives Keywords and is no sentence; a reference list
        and everything after it, and any sentence with a URL, DOI or e-mail, are left out.
        """
        units: list[ranking.Unit] = []
        title = normalise_space(reading.title)
        if title and title != "(untitled)":
            units.append(ranking.Unit(title, ranking.TITLE_WEIGHT, "title", 0))
        found_keywords: list[str] = []
        seen: set[str] = set()
        for kind, body in (("abstract", reading.abstract), ("text", reading.text)):
            body, keywords = _strip_apparatus(body)
            found_keywords += keywords
            if kind == "text" and reading.fulltext is not None:
                # a PDF's cleaned text, split once at load, each sentence with its page
                pairs = [(s.text, s.page) for s in reading.sentences]
            else:
                pairs = _sentences(body)
            found = [(s, p) for s, p in pairs if not _is_apparatus(s)]
            for i, (sentence, page) in enumerate(found):
                if sentence in seen:
                    continue
                seen.add(sentence)
                weight = ranking.sentence_weight(
                    sentence, kind, i / max(1, len(found) - 1), i == len(found) - 1
                )
                units.append(ranking.Unit(sentence, weight, kind, len(units), page))
        basis = {
            (True, False): "abstract",
            (False, True): "full text",
            (True, True): "abstract and full text",
        }.get((bool(reading.abstract.strip()), bool(reading.text.strip())), "none")
        return units, basis, found_keywords

    def _compute(self, reading: Reading) -> Fingerprint:
        units, basis, text_keywords = self._units(reading)
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
        keywords = list(dict.fromkeys([*reading.keywords, *text_keywords]))
        self._match_keywords(keywords, tokens, content, covered, found)
        heads = {e.keys[-1] for e in found.values() if len(e.keys) > 1}
        for cand in self._candidates(units, tokens, covered).values():
            if cand.key in heads:
                continue  # "contracts" beside the Keyword "service contracts": not a theme
            found[cand.key] = _Found(
                key=cand.key,
                label="",  # named only if it is ranked (see _rank): naming costs look-ups
                candidate=cand,
                mentions=cand.mentions,
                words=cand.words,
                keys=tuple(cand.key.split()),
                strong=True,
            )
        _merge_acronyms(units, found)
        crowded: set[str] = set()
        themes = self._rank(units, tokens, found, crowded)
        return Fingerprint(reading.id, tuple(self._top(themes, crowded)), tuple(themes), basis)

    def _in_context(self, concept_key: str, window: set[str]) -> bool:
        """Whether a context word of the concept is used in the sentence window (or none set)."""
        single, phrases = self._context.get(concept_key, (frozenset(), ()))
        if not single and not phrases:
            return True
        return not single.isdisjoint(window) or any(p <= window for p in phrases)

    def _match_concepts(
        self,
        tokens: list[list[Token]],
        content: list[list[int]],
        covered: list[set[int]],
        found: dict[str, _Found],
    ) -> None:
        unit_keys = [{toks[i].key for i in content[u]} for u, toks in enumerate(tokens)]
        for u, toks in enumerate(tokens):
            keys_here = unit_keys[u]
            forms = {f for k in keys_here for f in self._forms.get(k, ())}
            if not forms:
                continue
            window = keys_here.union(*unit_keys[max(0, u - 1) : u + 2])
            per_concept: dict[str, set[tuple[int, ...]]] = {}
            primary: set[str] = set()
            strong: set[str] = set()
            for concept_key, keys in forms:
                if not set(keys) <= keys_here or not self._in_context(concept_key, window):
                    continue
                for match in _match_form(toks, content[u], keys):
                    per_concept.setdefault(concept_key, set()).add(tuple(sorted(match)))
                    if keys == self._primary.get(concept_key):
                        primary.add(concept_key)
                    if len(keys) > 1 or keys in self._name_forms[concept_key]:
                        strong.add(concept_key)
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
                entry.strong = entry.strong or concept_key in strong
                first = min(matches)
                entry.spans[u] = (toks[first[0]].start, toks[first[-1]].end)
                for match in matches:
                    covered[u].update(match)
        for key in [k for k, e in found.items() if e.concept and not e.strong]:
            if sum(found[key].mentions.values()) < 2:
                del found[key]  # one loose word form alone is no evidence of a concept

    def _match_keywords(
        self,
        keywords: list[str],
        tokens: list[list[Token]],
        content: list[list[int]],
        covered: list[set[int]],
        found: dict[str, _Found],
    ) -> None:
        for keyword in keywords:
            keyword = " ".join(keyword.split())
            keys = phrase_keys(keyword)
            if not keys or set(keys) <= self._background:
                continue  # a background term ("China") is never a theme on its own
            concept = self.glossary.lookup(keyword) or self._concept_with_keys(keys)
            if concept is not None:
                if concept.key in found:
                    found[concept.key].keyword = True
                continue
            key = "kw:" + " ".join(keys)
            label = keyword if is_acronym(keyword.split()[0]) else keyword[:1].upper() + keyword[1:]
            entry = found.setdefault(key, _Found(key, label, keyword=True, keys=keys, strong=True))
            per_unit = [set(_match_run(toks, content[u], keys)) for u, toks in enumerate(tokens)]
            if not any(per_unit):  # never as written: its words close together will do
                per_unit = [
                    {tuple(sorted(m)) for m in _match_form(toks, content[u], keys)}
                    for u, toks in enumerate(tokens)
                ]
            for u, toks in enumerate(tokens):
                matches = _non_overlapping(per_unit[u])
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
        candidates = {
            k: c
            for k, c in candidates.items()
            if well_formed(c) and not c.modifier and not _not_a_concept(c)
        }
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
            if len(parts) == 1 and sum(cand.mentions.values()) < 2 and title not in cand.mentions:
                drop.add(key)  # a single word used once is rarely what a reading is about
        return {k: c for k, c in candidates.items() if k not in drop}

    def _rank(
        self,
        units: list[ranking.Unit],
        tokens: list[list[Token]],
        found: dict[str, _Found],
        crowded_keys: set[str],
    ) -> list[Theme]:
        """Every theme, best first, each with its evidence sentence.

        Keys of themes left without a sentence of their own are added to ``crowded_keys``.
        """
        scored: list[tuple[float, _Found]] = []
        for entry in found.values():
            if not entry.mentions:
                continue  # a keyword the text never uses: nothing to quote
            mass = _mass(units, entry.mentions)
            if entry.keyword:
                mass += ranking.KEYWORD_WEIGHT
            curated = entry.concept is not None or entry.keyword
            spec = 1.0 if curated else ranking.specificity(entry.words)
            if not curated and any(units[u].kind == "title" for u in entry.mentions):
                spec = max(spec, TITLE_SPECIFICITY)
            score = ranking.combine(
                mass, curated=curated, keyword=entry.keyword, spec=spec, n=len(entry.keys) or 1
            )
            scored.append((score, entry))
        scored.sort(key=lambda pair: (-pair[0], pair[1].key))
        if not scored:
            return []
        best = scored[0][0] or 1.0
        picked: list[tuple[float, _Found]] = []
        chosen_keys: list[set[str]] = []
        for score, entry in scored:
            keyset = set(entry.keys)
            if entry.concept is None:
                if len(chosen_keys) >= KEEP_ALL or any(o <= keyset for o in chosen_keys if o):
                    continue  # enough phrases; or the same phrase again, or one with a word added
                if entry.candidate is not None:
                    if not every_wording_ends_on_a_noun(entry.candidate):
                        continue
                    entry.label = _display(entry.candidate)
                chosen_keys.append(keyset)
            picked.append((score, entry))
        # Among the likely top themes, those with a single sentence choose first, so a theme
        # that could be shown elsewhere does not take the one sentence another theme has.
        contenders = sum(1 for score, _ in picked[:MAX_THEMES] if score / best >= MIN_WEIGHT)
        order = sorted(
            range(contenders),
            key=lambda i: (len(_sentence_options(units, picked[i][1])) > 1, i),
        ) + list(range(contenders, len(picked)))
        uses: dict[int, int] = {}
        themes: dict[int, Theme] = {}
        for i in order:
            score, entry = picked[i]
            unit, crowded = _evidence_unit(units, entry, uses)
            if crowded:
                crowded_keys.add(entry.key)
            else:
                uses[unit] = uses.get(unit, 0) + 1
            sentence = units[unit].text
            span = entry.spans.get(unit) or _locate(tokens[unit], entry.keys)
            concept = self.glossary.get(entry.concept) if entry.concept else None
            themes[i] = Theme(
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
                kind=concept.kind if concept else ranking.kind_of(entry.label),
                surface=_surface(units, entry),
                page=units[unit].page,
            )
        return [themes[i] for i in range(len(picked))]

    @staticmethod
    def _top(themes: list[Theme], crowded: set[str]) -> list[Theme]:
        """The top themes: strong enough, and each with a sentence not worn out by others."""
        top = [t for t in themes if t.key not in crowded and t.weight >= FLOOR_WEIGHT]
        top = top[:MAX_THEMES]
        while len(top) > MIN_THEMES and top[-1].weight < MIN_WEIGHT:
            top.pop()
        return top


def chart_inputs(reading: Reading, fingerprint: Fingerprint) -> tuple[list[str], list[float], str]:
    """``bar_chart_png``'s arguments for a fingerprint: labels, weights, title."""
    return (
        [t.label for t in fingerprint.themes],
        [t.weight for t in fingerprint.themes],
        f"Themes of {reading.label}",
    )


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


def _sentence_options(units: list[ranking.Unit], entry: _Found) -> list[int]:
    """The units that can show a theme: its sentences, or the title if it has none."""
    return [u for u in entry.mentions if units[u].kind != "title"] or list(entry.mentions)


def _evidence_unit(
    units: list[ranking.Unit], entry: _Found, uses: dict[int, int]
) -> tuple[int, bool]:
    """The sentence where the theme does the most work, and whether all its sentences are taken.

    A sentence already quoted for ``MAX_EVIDENCE_USES`` themes is not quoted again: a theme
    whose every sentence is taken (``crowded``) keeps its best one for ``!themes <concept>``
    but is not among the top themes. One quoted once counts for less, so themes spread.
    """
    options = _sentence_options(units, entry)
    free = [u for u in options if uses.get(u, 0) < MAX_EVIDENCE_USES]

    def value(u: int) -> tuple[float, int]:
        weight = units[u].weight * (1 + 0.5 * (entry.mentions[u] - 1))
        if u in entry.primary:
            weight *= 1.5  # the concept under its own name, not a looser synonym
        weight *= 0.5 ** uses.get(u, 0)
        return weight, -u

    return max(free or options, key=value), not free


def _surface(units: list[ranking.Unit], entry: _Found) -> str:
    """The theme's name in the reading's casing, for use inside a sentence ("NGO law").

    A concept whose name the reading never uses is called by the wording it uses most
    ("NGOs" for "Social organizations (NGOs)"). A name keeps its capital only where the
    reading writes it so inside a sentence ("Party-building"), or where it is an acronym.
    """
    inner = [
        unicodedata.normalize("NFKC", units[u].text[start:end])
        for u, (start, end) in entry.spans.items()
        if units[u].kind != "title" and start > 0
    ]
    label = entry.label
    if (
        entry.concept is not None
        and inner
        and not any(
            label.lower() in unicodedata.normalize("NFKC", units[u].text).lower()
            for u in entry.mentions
        )
    ):
        label = max(set(inner), key=lambda text: (inner.count(text), -len(text)))
    if entry.concept is None and not entry.keyword:
        inner = [label] if entry.words and entry.words[0][:1].isupper() else []
    first = label.split()[0] if label.split() else label
    if is_acronym(first) or any(first in text for text in inner):
        return label
    return label[:1].lower() + label[1:]


def _sentences(body: str) -> list[tuple[str, str]]:
    """A body's sentences with their printed page labels ("" for a text without pages)."""
    return [(sentence, "") for sentence in split_sentences(body)]


def _strip_apparatus(body: str) -> tuple[str, list[str]]:
    """The body without its reference list and Keywords line, and the Keywords it listed."""
    if not body.strip():
        return "", []
    refs = _REFERENCES.search(body)
    if refs and refs.start() > len(body) // 3:
        body = body[: refs.start()]
    keywords: list[str] = []
    for match in _KEYWORD_LINE.finditer(body):
        keywords += [k.strip() for k in re.split(r"[;,·•]", match.group(1)) if k.strip()]
    return _KEYWORD_LINE.sub("", body), keywords


def _not_a_concept(cand: Candidate) -> bool:
    """A person's or place's name, a word piece, or two words glued: never a theme.

    Names are words lemminflect does not know, always written with a capital inside
    sentences (``Ferrand``, ``Eastmoor Centre``). A word piece left by a ligature or a broken
    line (``ces``, ``quali``) is an unknown lower-case word of three letters or fewer, or one
    that wordfreq finds fairly common (zipf ≥ ``FRAGMENT_ZIPF``: bits of longer words are);
    real rare terms such as ``hukou`` or ``guanxi`` are rarer than that.
    """
    words = [w for w in cand.words if not is_acronym(w)]
    unknown = [w for w in words if not in_lexicon(w)]
    if not unknown:
        return False
    if len(cand.words) == 1 and cand.capitalised and not cand.lowered:
        return True  # a proper name: every inner use is capitalised
    inner = [t for t in cand.surfaces if not t.startswith("\0")]
    if any(w in unknown and w[:1].isupper() for t in inner for w in t.split()):
        return True  # a phrase with a name in it ("Shenzhen recruit")
    if len(cand.words) == 1:
        word = unknown[0].lower()
        return len(word) <= 3 or ranking.zipf(word) >= FRAGMENT_ZIPF or _glued(word)
    return False


def _glued(word: str) -> bool:
    """Two common words run together by a lost space (``themasses``)."""
    return any(
        in_lexicon(word[:i])
        and in_lexicon(word[i:])
        and min(i, len(word) - i) >= 3
        or (word[:i] in {"the", "a", "an", "of", "to", "and"} and in_lexicon(word[i:]))
        for i in range(1, len(word) - 2)
    )


def _acronyms(units: list[ranking.Unit]) -> dict[str, str]:
    """Expansion keys → acronym key, from "international NGOs (INGOs)" and the like.

    The acronym's letters must be the initials of the words before it (an all-capitals word
    gives all its letters; "of", "and" give none), so "(2018)" or "(see below)" never count.
    """
    found: dict[str, str] = {}
    for unit in units:
        for match in _ACRONYM_IN_PARENS.finditer(unit.text):
            letters = match.group(1).upper()
            before = tokenize(unit.text[: match.start()])
            built, taken = "", []
            for tok in reversed(before):
                if tok.stop:
                    if not taken:
                        break
                    continue
                part = (
                    tok.text.rstrip("s").upper()
                    if is_acronym(tok.text)
                    else "".join(p[:1].upper() for p in tok.text.split("-"))
                )
                built = part + built
                taken.insert(0, tok.key)
                if len(built) >= len(letters):
                    break
            if built == letters and len(taken) > 1:
                found[" ".join(taken)] = word_key(match.group(1) + match.group(2))
    return found


def _merge_acronyms(units: list[ranking.Unit], found: dict[str, _Found]) -> None:
    """Merge a phrase into its acronym's theme (and call it by the acronym)."""
    for expansion, acronym in _acronyms(units).items():
        long = found.get(expansion) or found.get("kw:" + expansion)
        short = found.get(acronym) or found.get("kw:" + acronym)
        if long is None or long is short:
            continue
        if short is None:
            continue
        for u, count in long.mentions.items():
            short.mentions[u] = short.mentions.get(u, 0) + count
            if u in long.spans:
                short.spans.setdefault(u, long.spans[u])
        short.keyword = short.keyword or long.keyword
        del found[long.key]


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


def _verb_like(text: str) -> bool:
    """Whether a wording ends on a word that can be a verb ("register", not "registration")."""
    words = text.split()
    return bool(words) and "VERB" in lemmas(words[-1])


def _display(cand: Candidate) -> str:
    """How to name a keyphrase: as written mid-sentence (keeps names' capitals), else lower.

    A lower-case wording is preferred to a capitalised one (a heading glued into a sentence
    writes "Job Titles"), a noun to a verb ("registration", not "register"); ligatures are
    folded ("Ofﬁces" → "Offices").
    """
    inner = [s for s in cand.surfaces if not s.startswith("\0")]
    inner.sort(key=lambda s: (not any(w[:1].islower() for w in s.split()), _verb_like(s)))
    if inner:
        text = inner[0]
    else:  # only at a sentence start or in a title: its capitals say nothing
        text = " ".join(
            w if is_acronym(w) else w.lower() for w in cand.surfaces[0].lstrip("\0").split(" ")
        )
    text = unicodedata.normalize("NFKC", text)
    return text[:1].upper() + text[1:]
