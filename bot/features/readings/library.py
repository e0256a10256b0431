"""Load every file in ``seeds/`` into Readings, merge files about the same work, find by query.

A file that cannot be parsed becomes a warning naming it (and the line, where known) and the
rest still load: one bad export must not take the week's reading away from the class.
"""

from __future__ import annotations

import bisect
import logging
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process, utils

from bot.core.errors import AmbiguousReading, RemovedReading, UnknownReading
from bot.features.readings.fulltext import PdfLimits
from bot.features.readings.models import (
    ParsedWork,
    Reading,
    date_completeness,
    normalise_doi,
    normalise_title,
    slugify,
)
from bot.features.readings.parsers.bibtex import BibtexParseError, parse_bibtex
from bot.features.readings.parsers.csljson import (
    CslJsonParseError,
    looks_like_csl_json,
    parse_csl_json,
)
from bot.features.readings.parsers.medline import MedlineParseError, parse_medline
from bot.features.readings.parsers.pdf import PdfParseError
from bot.features.readings.parsers.portal import PortalParseError, looks_like_portal, parse_portal
from bot.features.readings.parsers.ris import RisParseError, parse_ris
from bot.features.readings.parsers.tagged import sniff
from bot.features.readings.parsers.wos import WosParseError, parse_wos
from bot.features.readings.pdfcache import PdfCache, cached_parse_pdf
from bot.features.readings.textcache import TextCache, text_key

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

READING_SUFFIXES = {".txt", ".ris", ".bib", ".bibtex", ".pdf", ".nbib"}
DATA_SUFFIXES = {".toml", ".md", ".json", ".yaml", ".yml"}  # glossary, prompt bank, notes
MATCH_SCORE = 80.0
SUGGEST_SCORE = 45.0
AMBIGUITY_MARGIN = 4.0


@dataclass
class Library:
    """The course readings, in a stable order, with the warnings met while loading them."""

    readings: list[Reading] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed_files: list[Path] = field(default_factory=list)
    # Per reading id: each merge made and each merge refused (e.g. different DOIs).
    merges: dict[str, list[str]] = field(default_factory=dict)
    # Readings the bot once loaded that are no longer in seeds/ (``!readings remove``, or
    # files deleted on disk): id → title. Filled by ``Services`` from ``readings_seen``.
    removed: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_id = {r.id: r for r in self.readings}
        # A word index over ids, titles, authors and years: each query word is matched to the
        # vocabulary once (exactly, by prefix, or fuzzily for typos), so a lookup costs about
        # the same with 5 readings or 500.
        postings: dict[str, list[int]] = {}
        for i, reading in enumerate(self.readings):
            for word in set(_words(_search_text(reading))):
                postings.setdefault(word, []).append(i)
        self._postings = {w: tuple(ix) for w, ix in postings.items()}
        self._vocab = sorted(self._postings)

    def __iter__(self) -> Iterator[Reading]:
        return iter(self.readings)

    def __len__(self) -> int:
        return len(self.readings)

    def get(self, reading_id: str) -> Reading | None:
        """The reading with exactly this id."""
        return self._by_id.get(reading_id)

    def label_for(self, reading_id: str) -> str:
        """How a prompt or response names its reading: its label, or that it was removed.

        ``"Kan & Ku (2021)"`` while loaded; ``"kan-ku-2021-… (removed from the readings)"``
        once it is not (:func:`removed_label`), so old prompts still name their topic.
        """
        found = self._by_id.get(reading_id)
        return found.label if found is not None else removed_label(reading_id)

    def find(self, query: str) -> Reading:
        """Resolve what a user typed (an id, or words of the title or authors) to one reading.

        Empty query: the only reading, if there is one. Raises ``UnknownReading`` with the
        closest suggestions, ``RemovedReading`` when the query names a removed reading (by
        id, or every word matching its id or title) and no loaded one, or
        ``AmbiguousReading`` with the candidates.
        """
        query = " ".join(query.split())
        if query.lower() in self.removed and query.lower() not in self._by_id:
            raise self._removed_error(query.lower())
        if not self.readings:
            gone = self._removed_match(query) if query else None
            if gone is not None:
                raise self._removed_error(gone)
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
        gone = self._removed_match(query)
        if gone is not None:
            raise self._removed_error(gone)
        suggestions = [r for r, s in scored if s >= SUGGEST_SCORE][:3]
        hint = (
            " Did you mean: " + _listing(suggestions)
            if suggestions
            else " `!readings` lists the readings and their ids."
        )
        raise UnknownReading(f"No reading matches “{query}”.{hint}", title="Unknown reading")

    def _removed_match(self, query: str) -> str | None:
        """The removed reading whose id or title every word of ``query`` names, if one does.

        A word names a word of the id or title that it begins, or is within a typo of.
        """
        words = _words(query)
        if not words or not self.removed:
            return None
        found = []
        for reading_id, title in self.removed.items():
            vocab = set(_words(f"{reading_id} {title}"))
            if all(
                any(v.startswith(w) or (len(w) >= 4 and fuzz.ratio(w, v) >= 80) for v in vocab)
                for w in words
            ):
                found.append(reading_id)
        return found[0] if len(found) == 1 else None

    def _removed_error(self, reading_id: str) -> RemovedReading:
        title = self.removed.get(reading_id, "")
        title = title if len(title) <= 90 else title[:89].rsplit(" ", 1)[0] + "…"
        named = f"`{reading_id}` (“{title}”)" if title else f"`{reading_id}`"
        return RemovedReading(
            f"{named} was removed from the readings. To put it back, an instructor moves its "
            "files from `removed/` in the seeds folder back into the seeds folder and runs "
            "`!readings reload`. `!readings` lists the readings there are.",
            reading_id=reading_id,
        )

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
        # Plain dicts, not numpy: a query touches a few postings lists, and numpy's import
        # alone (~0.1 s) was a fifth of the bot's start-up.
        totals = [0.0] * len(self.readings)
        for word in words:
            best: dict[int, float] = {}
            for match, score in self._vocabulary_matches(word):
                for i in self._postings[match]:
                    if score > best.get(i, 0.0):
                        best[i] = score
            for i, score in best.items():
                totals[i] += score
        count = max(1, len(words))
        top = sorted(range(len(totals)), key=lambda i: -totals[i])[:limit]
        return [(self.readings[i], totals[i] / count) for i in top]


REMOVED_NOTE = "removed from the readings"


def removed_label(reading_id: str) -> str:
    """How a prompt, response or report names a reading that is no longer loaded."""
    return f"{reading_id} ({REMOVED_NOTE})"


def csl_item(reading: Reading) -> dict[str, object]:
    """The reading as one CSL-JSON item (CSL 1.0.2).

    Its ``id``, every CSL variable, and its ``abstract`` and ``keyword`` as Zotero's CSL JSON
    export writes them.
    """
    item: dict[str, object] = {"id": reading.id, **reading.csl}
    if reading.abstract:
        item["abstract"] = reading.abstract
    if reading.keywords:
        item["keyword"] = ", ".join(reading.keywords)
    return item


def seeds_report(library: Library) -> dict[str, object]:
    """What ``seeds check --json`` prints: every reading with its CSL item, files and notes.

    Shape: ``{"readings": [{"id", "csl", "files", "warnings"}], "warnings": [...]}``; a
    reading's warnings are its merges, refused merges and its files' warnings.
    """
    readings = []
    for reading in library:
        names = [p.name for p in reading.sources]
        own = [w for w in library.warnings if w.split(":", 1)[0] in names]
        readings.append(
            {
                "id": reading.id,
                "csl": csl_item(reading),
                "files": names,
                "warnings": [*library.merges.get(reading.id, []), *own],
            }
        )
    return {"readings": readings, "warnings": list(library.warnings)}


def _words(text: str) -> list[str]:
    return utils.default_process(text).split()


def _search_text(reading: Reading) -> str:
    return " ".join(
        [reading.id, reading.title, " ".join(reading.author_names), str(reading.year or "")]
    )


def _listing(readings: list[Reading]) -> str:
    return ", ".join(f"`{r.id}` ({r.label})" for r in readings)


@dataclass(frozen=True)
class SeedLimits:
    """How much of one seed file is read (``MAX_SEED_FILE_MB``, ``MAX_RECORDS_PER_FILE``).

    A file beyond them is cut with a warning, never loaded whole: memory stays bounded by
    about the byte limit times a small factor, whatever lands in seeds/.
    """

    max_file_bytes: int = 10 * 1024 * 1024
    max_records: int = 2000
    pdf: PdfLimits = PdfLimits()  # PDF_MAX_MB, PDF_MAX_INFLATED_MB, PDF_TIMEOUT_SECONDS
    # The bot's database, where laid-out PDFs are kept (``pdfcache``); None: lay out always.
    cache_db: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SeedLimits:
        """The limits a ``Settings`` asks for."""
        return cls(
            max_file_bytes=int(settings.max_seed_file_mb * 1024 * 1024),
            max_records=settings.max_records_per_file,
            pdf=settings.pdf_limits,
            cache_db=settings.database_path,
        )


def load_library(seeds_dir: Path, limits: SeedLimits | None = None) -> Library:
    """Parse every reading file under ``seeds_dir`` (not recursive) and merge them into Readings.

    Links (also dangling ones and loops), FIFOs, sockets and devices are skipped with a
    warning: only regular files are opened, so nothing in seeds/ can block or escape it.
    Any failure of a parser, whatever its exception, becomes a warning naming the file.
    """
    limits = limits or SeedLimits()
    works: list[ParsedWork] = []
    warnings: list[str] = []
    failed: list[Path] = []
    if not seeds_dir.is_dir():
        return Library(warnings=[f"{seeds_dir}: the seeds folder does not exist"])
    cache = TextCache(limits.cache_db, f"{limits.max_records}:{limits.max_file_bytes}")
    try:
        for path in sorted(seeds_dir.iterdir()):
            found, notes, broken = _load_seed(path, limits, cache)
            works.extend(found)
            warnings.extend(notes)
            if broken:
                failed.append(path)
    finally:
        cache.flush()  # writes what was parsed and closes the connection
    readings, merges = merge(works)
    return Library(readings=readings, warnings=warnings, failed_files=failed, merges=merges)


def _load_seed(
    path: Path, limits: SeedLimits, cache: TextCache
) -> tuple[list[ParsedWork], list[str], bool]:
    """One entry of the seeds folder: its works, warnings (named by file), whether it failed.

    Hidden files, folders and data files (glossary, prompts) give nothing; links, FIFOs and
    other suffixes a warning; a parser's failure, whatever its exception, a warning too.
    """
    if path.name.startswith("."):
        return [], [], False
    kind = _file_kind(path)
    if kind == "dir":
        return [], [], False
    if kind != "file":
        return [], [f"{path.name}: skipped ({kind}; put the file itself in seeds/)"], False
    suffix = path.suffix.lower()
    if suffix in DATA_SUFFIXES and suffix != ".json":
        return [], [], False
    if suffix not in READING_SUFFIXES | {".json"}:
        return (
            [],
            [f"{path.name}: skipped (not a reading file: .txt, .ris, .bib, .json, .nbib or .pdf)"],
            False,
        )
    try:
        found, notes = parse_file(path, limits, cache)
    except (
        PortalParseError,
        RisParseError,
        BibtexParseError,
        PdfParseError,
        SeedFileError,
        WosParseError,
        MedlineParseError,
        CslJsonParseError,
    ) as exc:
        return [], [f"{path.name}: skipped: {exc}"], True
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the others
        log.warning("seeds: %s failed to parse", path.name, exc_info=True)
        return (
            [],
            [
                f"{path.name}: skipped: the file could not be read ({type(exc).__name__}: "
                f"{str(exc)[:200] or 'no detail'})"
            ],
            True,
        )
    return found, [f"{path.name}: {note}" for note in notes], bool(notes)


def _file_kind(path: Path) -> str:
    """``"file"``, ``"dir"``, or why the entry is not read (a link, a FIFO…); links not followed."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISLNK(mode):
        try:
            path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a dangling link or a link loop"
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device or special file"


class SeedFileError(ValueError):
    """A seed file that is empty, binary or too large to be a reading."""


def read_text(path: Path, limits: SeedLimits | None = None) -> tuple[str, list[str]]:
    """Read a text seed, refusing empty and binary files; returns the text and notes.

    A file over ``limits.max_file_bytes`` is cut at the last line break within the limit,
    with a note: only that much is ever read into memory.
    """
    data, notes = read_seed_bytes(path, limits)
    return decode_seed(data), notes


def read_seed_bytes(path: Path, limits: SeedLimits | None = None) -> tuple[bytes, list[str]]:
    """The bytes of a text seed as ``read_text`` reads them (cut at the size limit), and notes.

    Raises ``SeedFileError`` for an empty file.
    """
    limits = limits or SeedLimits()
    notes: list[str] = []
    with path.open("rb") as handle:
        data = handle.read(limits.max_file_bytes + 1)
    if not data:
        raise SeedFileError("the file is empty")
    if len(data) > limits.max_file_bytes:
        data = data[: limits.max_file_bytes]
        data = data[: data.rfind(b"\n") + 1] or data
        notes.append(
            f"the file is larger than {limits.max_file_bytes // (1024 * 1024)} MB "
            "(MAX_SEED_FILE_MB); only its first part is read"
        )
    return data, notes


def decode_seed(data: bytes) -> str:
    """A text seed's bytes as text: UTF-8 (with or without BOM), else Windows-1252.

    Raises ``SeedFileError`` for binary data, undecodable bytes or only blank space.
    """
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
    path: Path, limits: SeedLimits | None = None, cache: TextCache | None = None
) -> tuple[list[ParsedWork], list[str]]:
    """Parse one seed file by its content (and suffix); returns works and non-fatal notes.

    RIS, Web of Science and MEDLINE are recognised by their tags whatever the suffix
    (PubMed's export is often saved as ``.ris`` or ``.txt``); ``.bib`` is BibTeX, ``.json``
    CSL-JSON, ``.pdf`` a PDF; another ``.txt`` is a portal page or an article's text. With a
    ``cache``, a text file whose name and bytes were parsed before is read back, not parsed.
    """
    limits = limits or SeedLimits()
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        if path.stat().st_size == 0:
            raise SeedFileError("the file is empty")
        pdfs = PdfCache(limits.cache_db) if limits.cache_db is not None else None
        return [cached_parse_pdf(path, limits.pdf, pdfs)], []
    data, notes = read_seed_bytes(path, limits)
    key = text_key(path.name, data) if cache is not None else ""
    if cache is not None and (kept := cache.get(key, path)) is not None:
        return kept
    text = decode_seed(data)
    del data
    found, more = _parse_text(path, suffix, text, limits.max_records)
    if cache is not None:
        cache.put(key, path, found, notes + more)
    return found, notes + more


def _parse_text(
    path: Path, suffix: str, text: str, max_records: int
) -> tuple[list[ParsedWork], list[str]]:
    if suffix == ".json":
        if not looks_like_csl_json(text):
            return [], []
        return parse_csl_json(path, text, max_records)
    if suffix in (".bib", ".bibtex"):
        return parse_bibtex(path, text, max_records)
    if text.lstrip()[:40].startswith(("PT\tAU", "FN\t")):
        raise SeedFileError(
            "a Web of Science tab-delimited export: export 'Plain text file' or RIS instead"
        )
    tagged = sniff(text)
    if tagged == "medline":
        return parse_medline(path, text, max_records)
    if tagged == "wos":
        return parse_wos(path, text, max_records)
    if tagged == "ris" or suffix in (".ris", ".nbib"):
        if suffix == ".nbib" and tagged != "ris":
            raise SeedFileError("not a MEDLINE (PubMed) export: no PMID line")
        return parse_ris(path, text, max_records)
    if looks_like_portal(text):
        return [parse_portal(path, text)], []
    return [_plain_text(path, text)], []


def _plain_text(path: Path, text: str) -> ParsedWork:
    """A ``.txt`` that is not a portal page: the first line is the title, the rest the text."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    body = "\n".join(lines[1:])
    if len(body[:4000].split()) < 30:  # never split a whole long text just to count
        raise SeedFileError("not a portal page, and too short to be an article's text")
    return ParsedWork(
        kind="pdf", source=path, csl={"title": lines[0], "type": "article-journal"}, text=body
    )


def _label(work: ParsedWork) -> str:
    line = work.extra.get("record_line")
    return (
        f"{work.source.name} ({'line ' if line and line.isdigit() else ''}{line})"
        if line
        else work.source.name
    )


def merge(works: list[ParsedWork]) -> tuple[list[Reading], dict[str, list[str]]]:
    """Group works that describe the same reading, merge each group into one Reading.

    Same DOI, same folded title (never an empty one), or the same file stem (``x.txt``
    beside ``x.ris``) mean the same work, unless the two sides carry different DOIs: a DOI
    conflict vetoes a title or file-name merge. A title alone ("Introduction") is also not
    enough when the years lie more than one apart (online-first and print may differ by
    one) or the first authors' family names differ. Returns the readings and, per reading
    id, a line for each merge made and each merge refused, for ``seeds check``.
    """
    parent = list(range(len(works)))
    dois: list[set[str]] = [
        {normalise_doi(str(w.csl["DOI"]))} if w.csl.get("DOI") else set() for w in works
    ]
    years: list[set[int]] = [{y} if (y := _work_year(w)) else set() for w in works]
    # A PDF's author metadata is often a machine's ("Administrator"): it never vetoes.
    firsts: list[set[str]] = [
        {f} if w.kind != "pdf" and (f := _first_family(w)) else set() for w in works
    ]
    why: dict[int, list[str]] = {i: [] for i in range(len(works))}

    def conflict(a: int, b: int, key: str) -> str:
        if dois[a] and dois[b] and not dois[a] & dois[b]:
            return f"different DOIs ({', '.join(sorted(dois[a]))} / {', '.join(sorted(dois[b]))})"
        if not key.startswith("title:"):
            return ""
        if years[a] and years[b] and min(abs(x - y) for x in years[a] for y in years[b]) > 1:
            return f"different years ({', '.join(map(str, sorted(years[a] | years[b])))})"
        if firsts[a] and firsts[b] and not firsts[a] & firsts[b]:
            return f"different first authors ({', '.join(sorted(firsts[a] | firsts[b]))})"
        return ""

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Every group that holds a key, not only the first work seen with it: a work refused by
    # one group (an "Introduction" of 2019) must still meet the others with that key (the
    # 2021 one), whatever order the files sort in.
    seen: dict[str, list[int]] = {}
    per_file: dict[Path, int] = {}
    for w in works:
        per_file[w.source] = per_file.get(w.source, 0) + 1
    for i, w in enumerate(works):
        keys = []
        if dois[i]:
            keys.append(("doi:" + next(iter(dois[i])), "the same DOI"))
        title = normalise_title(str(w.csl.get("title", "")))
        if title:
            keys.append(("title:" + title, "the same title"))
        if per_file[w.source] == 1:
            keys.append(("stem:" + w.source.stem.lower(), "the same file name"))
        for key, reason in keys:
            holders = seen.setdefault(key, [])
            refused: list[tuple[int, str]] = []
            joined = False
            for j in holders:
                a, b = root(j), root(i)
                if a == b:
                    joined = True
                    break
                refusal = conflict(a, b, key)
                if refusal:
                    refused.append((j, refusal))
                    continue
                parent[b] = a
                dois[a] |= dois[b]
                years[a] |= years[b]
                firsts[a] |= firsts[b]
                why[a].extend(why.pop(b, []))
                why[a].append(f"merged {_label(w)} with {_label(works[j])}: {reason}")
                joined = True
                break
            if joined:
                continue
            holders.append(i)
            for j, refusal in refused:
                a, b = root(j), root(i)
                why[b].append(f"not merged with {_label(works[j])} despite {reason[4:]}: {refusal}")
                why[a].append(f"not merged with {_label(w)} despite {reason[4:]}: {refusal}")
    groups: dict[int, list[ParsedWork]] = {}
    for i, w in enumerate(works):
        groups.setdefault(root(i), []).append(w)
    readings = []
    notes_by_reading: list[tuple[Reading, list[str]]] = []
    for r, group in groups.items():
        reading = _merge_group(group, per_file)
        readings.append(reading)
        notes_by_reading.append((reading, why.get(r, [])))
    _assign_ids(readings)
    return readings, {reading.id: notes for reading, notes in notes_by_reading if notes}


PRIORITY = {"citation": 0, "page": 1, "pdf": 2}


def _work_year(work: ParsedWork) -> int | None:
    parts = (
        (work.csl.get("issued") or {}).get("date-parts")
        if isinstance(work.csl.get("issued"), dict)
        else None
    )
    try:
        return int(parts[0][0]) if parts else None
    except (TypeError, ValueError, IndexError):
        return None


def _first_family(work: ParsedWork) -> str:
    """The first author's family name, folded (``""`` when the work names no author)."""
    authors = work.csl.get("author") or []
    if not authors or not isinstance(authors[0], dict):
        return ""
    return normalise_title(str(authors[0].get("family") or authors[0].get("literal") or ""))


def completeness(value: object) -> tuple[int, int, int]:
    """How complete one field's value is, to choose among exports of one work.

    Names: how many, then how much of them is written (``Lindqvist, Mara`` over
    ``Lindqvist, M.``: an export with initials only must not win a tie by file order);
    dates: how many parts; text: not in capitals first (WoS prints journals in capitals),
    then its length.
    """
    if isinstance(value, list):
        written = sum(
            sum(len(str(v)) for v in item.values()) if isinstance(item, dict) else len(str(item))
            for item in value
        )
        return (1, len(value), written)
    if isinstance(value, dict):
        return (1, date_completeness(value), 0)
    text = str(value)
    return (1, int(text != text.upper() or not any(c.isalpha() for c in text)), len(text))


def clean_abstract(text: str) -> bool:
    """Whether a page's abstract is prose, not list debris (bullets, headings, labels)."""
    if len(text.split()) < 12:
        return False
    return not re.search(r"(^|\s)[•*·]\s|\bOverview\b\s+Abstract\b|Research output:", text)


def _merge_group(group: list[ParsedWork], per_file: dict[Path, int]) -> Reading:
    """One Reading from the works of one group, field by field.

    Citation exports win over pages and PDFs for bibliographic fields; among several
    exports, each field is taken from the most complete one (``completeness``), not from
    whichever file sorts first. The page's abstract is preferred when it is clean prose.
    """
    csl: dict[str, object] = {}
    if len(group) == 1:
        csl = {k: v for k, v in group[0].csl.items() if v}
    for kind in PRIORITY if len(group) > 1 else ():  # citation, page, pdf: in that order
        candidates: dict[str, list[object]] = {}
        for w in group:
            if w.kind != kind:
                continue
            for key, value in w.csl.items():
                if value:
                    candidates.setdefault(key, []).append(value)
        for key, values in candidates.items():
            if key not in csl:
                csl[key] = max(values, key=completeness)
    pages = [w.abstract for w in group if w.kind != "citation" and w.abstract]
    exports = [w.abstract for w in group if w.kind == "citation" and w.abstract]
    if len(pages) + len(exports) <= 1:
        abstract = next(iter(pages or exports), "")  # nothing to choose between
    else:
        clean_pages = [a for a in pages if clean_abstract(a)]
        abstract = next(iter(clean_pages), "") or max(exports, key=len, default="")
        abstract = abstract or next(iter(pages), "")
    by_text = sorted(group, key=lambda w: (PRIORITY[w.kind] == 0, PRIORITY[w.kind]))
    keywords = next((w.keywords for w in by_text if w.keywords), [])
    subjects = next((w.subjects for w in by_text if w.subjects), [])
    with_text = next((w for w in group if w.text), None)
    text = with_text.text if with_text else ""
    extra: dict[str, str] = {}
    for w in group:
        extra.update({k: v for k, v in w.extra.items() if k != "record_line"})
    sources = sorted({w.source for w in group})
    single = sorted(w.source.stem for w in group if per_file[w.source] == 1)
    csl_ids = sorted(w.extra["csl_id"] for w in group if w.extra.get("csl_id"))
    if csl_ids:
        reading_id = slugify(csl_ids[0].replace("_", "-").replace(":", "-"), max_words=8)
    else:
        reading_id = slugify(single[0], max_words=8) if single else ""
    reading = Reading(
        id=reading_id,
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
