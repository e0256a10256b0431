"""Load every file in ``seeds/`` into Readings, merge files about the same work, find by query.

A file that cannot be parsed becomes a warning naming it (and the line, where known) and the
rest still load: one bad export must not take the week's reading away from the class.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process, utils

from bot.core.errors import AmbiguousReading, UnknownReading
from bot.features.readings.fulltext import PdfLimits
from bot.features.readings.models import (
    ParsedWork,
    Reading,
    normalise_doi,
    normalise_title,
    slugify,
)
from bot.features.readings.parsers.bibtex import BibtexParseError, parse_bibtex
from bot.features.readings.parsers.pdf import PdfParseError, parse_pdf
from bot.features.readings.parsers.portal import PortalParseError, looks_like_portal, parse_portal
from bot.features.readings.parsers.ris import RisParseError, parse_ris

log = logging.getLogger(__name__)

READING_SUFFIXES = {".txt", ".ris", ".bib", ".bibtex", ".pdf"}
DATA_SUFFIXES = {".toml", ".md", ".json", ".yaml", ".yml"}  # glossary, prompt bank, notes
MAX_FILE_BYTES = 50 * 1024 * 1024
MATCH_SCORE = 80.0
SUGGEST_SCORE = 45.0
AMBIGUITY_MARGIN = 4.0


@dataclass
class Library:
    """The course readings, in a stable order, with the warnings met while loading them."""

    readings: list[Reading] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed_files: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_id = {r.id: r for r in self.readings}
        # A word index over ids, titles, authors and years: each query word is matched to the
        # vocabulary once (exactly, by prefix, or fuzzily for typos), so a lookup costs about
        # the same with 5 readings or 500.
        postings: dict[str, list[int]] = {}
        for i, reading in enumerate(self.readings):
            for word in set(_words(_search_text(reading))):
                postings.setdefault(word, []).append(i)
        self._postings = {w: np.array(ix, dtype=np.intp) for w, ix in postings.items()}
        self._vocab = sorted(self._postings)

    def __iter__(self) -> Iterator[Reading]:
        return iter(self.readings)

    def __len__(self) -> int:
        return len(self.readings)

    def get(self, reading_id: str) -> Reading | None:
        """The reading with exactly this id."""
        return self._by_id.get(reading_id)

    def find(self, query: str) -> Reading:
        """Resolve what a user typed (an id, or words of the title or authors) to one reading.

        Empty query: the only reading, if there is one. Raises ``UnknownReading`` with the
        closest suggestions, or ``AmbiguousReading`` with the candidates.
        """
        query = " ".join(query.split())
        if not self.readings:
            raise UnknownReading("No readings are loaded yet: an instructor adds them to seeds/.")
        if not query:
            if len(self.readings) == 1:
                return self.readings[0]
            raise AmbiguousReading(
                "Which reading? " + _listing(self.readings[:10]), title="Several readings"
            )
        exact = self._by_id.get(query.lower())
        if exact:
            return exact
        scored = self.search(query, limit=5)
        best = scored[0][1] if scored else 0.0
        if best >= MATCH_SCORE:
            close = [r for r, s in scored if s >= best - AMBIGUITY_MARGIN]
            if len(close) == 1:
                return close[0]
            raise AmbiguousReading(
                f"“{query}” matches several readings: " + _listing(close), title="Which one?"
            )
        suggestions = [r for r, s in scored if s >= SUGGEST_SCORE][:3]
        hint = (
            " Did you mean: " + _listing(suggestions)
            if suggestions
            else " `!readings` lists the readings and their ids."
        )
        raise UnknownReading(f"No reading matches “{query}”.{hint}", title="Unknown reading")

    def _vocabulary_matches(self, word: str) -> list[tuple[str, float]]:
        """Index words matching one query word: exact 100, prefix 90, typo by edit ratio.

        The typo search runs only for words the index does not know, which keeps lookups of
        correctly spelled words cheap.
        """
        exact = word in self._postings
        matches = {word: 100.0} if exact else {}
        if len(word) >= 3:
            start = bisect.bisect_left(self._vocab, word)
            for vocab_word in self._vocab[start : start + 50]:
                if not vocab_word.startswith(word):
                    break
                matches.setdefault(vocab_word, 90.0)
        if len(word) >= 4 and not exact:
            for vocab_word, score, _ in process.extract(
                word, self._vocab, scorer=fuzz.ratio, score_cutoff=75, limit=None
            ):
                matches[vocab_word] = max(matches.get(vocab_word, 0.0), float(score))
        return list(matches.items())

    def search(self, query: str, limit: int = 25) -> list[tuple[Reading, float]]:
        """Readings ranked by fuzzy match of ``query`` against id, title, authors and year."""
        if not query.strip():
            return [(r, 0.0) for r in self.readings[:limit]]
        words = list(dict.fromkeys(_words(query)))
        scores = np.zeros(len(self.readings), dtype=np.float32)
        for word in words:
            best = np.zeros(len(self.readings), dtype=np.float32)
            for match, score in self._vocabulary_matches(word):
                hits = self._postings[match]
                best[hits] = np.maximum(best[hits], score)
            scores += best
        scores /= max(1, len(words))
        top = np.argsort(-scores, kind="stable")[:limit]
        return [(self.readings[int(i)], float(scores[i])) for i in top]


def _words(text: str) -> list[str]:
    return utils.default_process(text).split()


def _search_text(reading: Reading) -> str:
    return " ".join(
        [reading.id, reading.title, " ".join(reading.author_names), str(reading.year or "")]
    )


def _listing(readings: list[Reading]) -> str:
    return ", ".join(f"`{r.id}` ({r.label})" for r in readings)


def load_library(seeds_dir: Path, pdf_limits: PdfLimits | None = None) -> Library:
    """Parse every reading file under ``seeds_dir`` (not recursive) and merge them into Readings.

    ``pdf_limits`` bounds each PDF (bytes, inflated bytes, seconds); a PDF over a budget, or
    one that fails in any way, becomes a warning naming it and the other files still load.
    """
    works: list[ParsedWork] = []
    warnings: list[str] = []
    failed: list[Path] = []
    if not seeds_dir.is_dir():
        return Library(warnings=[f"{seeds_dir}: the seeds folder does not exist"])
    for path in sorted(seeds_dir.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix in DATA_SUFFIXES:
            continue
        if suffix not in READING_SUFFIXES:
            warnings.append(f"{path.name}: skipped (not a reading file: .txt, .ris, .bib or .pdf)")
            continue
        try:
            found, notes = parse_file(path, pdf_limits)
        except (
            PortalParseError,
            RisParseError,
            BibtexParseError,
            PdfParseError,
            SeedFileError,
        ) as exc:
            warnings.append(f"{path.name}: skipped: {exc}")
            failed.append(path)
            continue
        except Exception as exc:  # a PDF library's own failure: skip the file, keep the rest
            if suffix != ".pdf":
                raise
            log.warning("%s: unreadable PDF", path.name, exc_info=True)
            warnings.append(f"{path.name}: skipped: cannot read the PDF ({type(exc).__name__})")
            failed.append(path)
            continue
        works.extend(found)
        warnings.extend(f"{path.name}: {note}" for note in notes)
        if notes:
            failed.append(path)
    return Library(readings=merge(works), warnings=warnings, failed_files=failed)


class SeedFileError(ValueError):
    """A seed file that is empty, binary or too large to be a reading."""


def read_text(path: Path) -> str:
    """Read a text seed, refusing empty, oversized and binary files with a clear reason."""
    size = path.stat().st_size
    if size == 0:
        raise SeedFileError("the file is empty")
    if size > MAX_FILE_BYTES:
        raise SeedFileError(f"the file is too large ({size // 1_000_000} MB)")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise SeedFileError("the file is binary, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise SeedFileError("the file is not UTF-8 text") from exc
    if not text.strip():
        raise SeedFileError("the file holds only blank space")
    return text


def parse_file(
    path: Path, pdf_limits: PdfLimits | None = None
) -> tuple[list[ParsedWork], list[str]]:
    """Parse one seed file by its suffix; returns works and non-fatal notes."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        if path.stat().st_size == 0:
            raise SeedFileError("the file is empty")
        work = parse_pdf(path, pdf_limits)
        if work.fulltext is not None:
            from bot.features.readings.fulltext import sentences_of

            sentences_of(work.fulltext)  # split now, while loading, not in a command
        return [work], []
    text = read_text(path)
    if suffix == ".ris":
        return parse_ris(path, text), []
    if suffix in (".bib", ".bibtex"):
        return parse_bibtex(path, text)
    if looks_like_portal(text):
        return [parse_portal(path, text)], []
    return [_plain_text(path, text)], []


def _plain_text(path: Path, text: str) -> ParsedWork:
    """A ``.txt`` that is not a portal page: the first line is the title, the rest the text."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    body = "\n".join(lines[1:])
    if len(body.split()) < 30:
        raise SeedFileError("not a portal page, and too short to be an article's text")
    return ParsedWork(
        kind="pdf", source=path, csl={"title": lines[0], "type": "article-journal"}, text=body
    )


def merge(works: list[ParsedWork]) -> list[Reading]:
    """Group works that describe the same reading and merge each group into one Reading.

    Same DOI, same normalised title, or the same file stem (``x.txt`` beside ``x.ris``) mean
    the same work. The citation export wins for authors and bibliographic fields; the page
    (then the PDF) wins for abstract, keywords and text.
    """
    parent = list(range(len(works)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    per_file: dict[Path, int] = {}
    for w in works:
        per_file[w.source] = per_file.get(w.source, 0) + 1
    for i, w in enumerate(works):
        keys = []
        if w.csl.get("DOI"):
            keys.append("doi:" + normalise_doi(str(w.csl["DOI"])))
        if w.csl.get("title"):
            keys.append("title:" + normalise_title(str(w.csl["title"])))
        if per_file[w.source] == 1:
            keys.append("stem:" + w.source.stem.lower())
        for key in keys:
            if key in seen:
                parent[root(i)] = root(seen[key])
            else:
                seen[key] = i
    groups: dict[int, list[ParsedWork]] = {}
    for i, w in enumerate(works):
        groups.setdefault(root(i), []).append(w)
    readings = [_merge_group(group, per_file) for group in groups.values()]
    return _assign_ids(readings)


PRIORITY = {"citation": 0, "page": 1, "pdf": 2}


def _merge_group(group: list[ParsedWork], per_file: dict[Path, int]) -> Reading:
    csl: dict[str, object] = {}
    for w in sorted(group, key=lambda w: -PRIORITY[w.kind]):  # citation applied last: it wins
        csl.update({k: v for k, v in w.csl.items() if v})
    by_text = sorted(group, key=lambda w: (PRIORITY[w.kind] == 0, PRIORITY[w.kind]))
    abstract = next((w.abstract for w in by_text if w.abstract), "")
    keywords = next((w.keywords for w in by_text if w.keywords), [])
    subjects = next((w.subjects for w in by_text if w.subjects), [])
    with_text = next((w for w in group if w.text), None)
    text = with_text.text if with_text else ""
    extra: dict[str, str] = {}
    for w in group:
        extra.update(w.extra)
    sources = sorted({w.source for w in group})
    single = sorted(w.source.stem for w in group if per_file[w.source] == 1)
    reading = Reading(
        id=slugify(single[0], max_words=8) if single else "",
        csl=csl,
        abstract=abstract,
        keywords=list(keywords),
        subjects=list(subjects),
        text=text,
        extra=extra,
        sources=sources,
        fulltext=with_text.fulltext if with_text else None,
    )
    if not reading.id:
        reading.id = _derived_id(reading)
    return reading


def _derived_id(reading: Reading) -> str:
    families = [a.get("family") or a.get("literal", "") for a in reading.authors][:2]
    if len(reading.authors) > 2:
        families = families[:1] + ["etal"]
    words = [w for w in slugify(reading.title, 12).split("-") if len(w) > 3][:3]
    return slugify(" ".join([*families, str(reading.year or "nd"), *words]), max_words=8)


def _assign_ids(readings: list[Reading]) -> list[Reading]:
    """Make ids unique and order readings by id, so listings are stable across restarts."""
    readings.sort(key=lambda r: (r.id, r.title))
    used: dict[str, int] = {}
    for r in readings:
        if r.id in used:
            used[r.id] += 1
            r.id = f"{r.id}-{used[r.id]}"
        else:
            used[r.id] = 1
    return readings
