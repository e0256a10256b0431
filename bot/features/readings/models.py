"""The ``Reading``: one course text with CSL-JSON metadata, abstract, keywords and full text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.features.readings.fulltext import FullText, Sentence

CSL = dict[str, Any]


def slugify(text: str, max_words: int = 6) -> str:
    """A lowercase ASCII slug, stable across runs, used for ids."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words[:max_words]) or "reading"


def normalise_title(title: str) -> str:
    """Title folded for matching exports and pages of one work: case, accents, width, markup.

    Unicode folding (NFKD, combining marks dropped, ``casefold``) keeps every script's letters,
    so two fully Chinese or Korean titles stay distinct instead of both folding to "".
    """
    title = strip_rich_text(title) if "<" in title else title
    if title.isascii():
        return " ".join(re.findall(r"\w+", title.lower()))
    folded = unicodedata.normalize("NFKD", title).casefold()
    kept = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", kept))


RICH_TEXT_TAG = re.compile(r"</?(?:i|b|sup|sub|span)(?:\s[^>]*)?>")


def strip_rich_text(text: str) -> str:
    """CSL rich-text markup (``<i>``, ``<b>``, ``<sup>``, ``<sub>``, ``<span …>``) removed."""
    return RICH_TEXT_TAG.sub("", text)


LANGUAGE_CODES = {
    "english": "en",
    "chinese": "zh",
    "french": "fr",
    "german": "de",
    "spanish": "es",
    "japanese": "ja",
    "korean": "ko",
    "portuguese": "pt",
    "italian": "it",
    "russian": "ru",
    "dutch": "nl",
    "arabic": "ar",
}


def language_code(name: str) -> str:
    """CSL wants a language tag ("en"), portals and exports print a name ("English")."""
    return LANGUAGE_CODES.get(name.strip().lower(), name.strip())


def bare_doi(doi: str) -> str:
    """A DOI without its resolver prefix (``https://doi.org/``, ``doi:``), case kept for display."""
    return re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.IGNORECASE)


def normalise_doi(doi: str) -> str:
    """A DOI for comparison: bare and lowercase (DOIs are case-insensitive)."""
    return bare_doi(doi).lower()


DOI_PATTERN = re.compile(r"\b(10\.\d{4,9}/\S+)")


def find_doi(value: str) -> str:
    """The DOI in a field's value (``https://doi.org/10.1/x``, ``10.1/x [doi]``), or "".

    Only a string shaped like a DOI (``10.`` + registrant + ``/`` + suffix) counts, so a stray
    bullet or label ("*", "DOIs") never becomes one.
    """
    match = DOI_PATTERN.search(value.strip())
    return match.group(1).rstrip(".,;)]") if match else ""


MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
YEAR = re.compile(r"\b(1[0-9]\d\d|20\d\d)\b")


def csl_date(raw: str) -> CSL | None:
    """A date as exports print it, as a CSL date: ``{"date-parts": [[y, m, d]]}`` or ``{literal}``.

    Understands RIS (``2022/11/03/``, ``2013///``, ``2021/1``), ISO (``2021-03-05``,
    ``2021-03-05T10:00``), MEDLINE/WoS (``2020 Feb 12``, ``MAR 2021``) and prose
    (``12 March 2020``, ``March 12, 2020``). Zero or missing parts end the date (RIS uses
    ``0`` for unknown). A value without a year ("in press", "forthcoming") is kept as
    ``{"literal": …}``, which CSL 1.0.2 allows; an empty value gives ``None``.
    """
    value = " ".join(str(raw).split()).strip(" /")
    if not value:
        return None
    numeric = re.fullmatch(
        r"(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?(?:T[\d:.+Z-]*|/.*)?", value
    )
    if numeric:
        parts = [int(numeric.group(1))]
        for group in (numeric.group(2), numeric.group(3)):
            if not group or int(group) == 0:
                break
            parts.append(int(group))
        if len(parts) > 1 and parts[1] > 12:
            parts = parts[:1]
        return {"date-parts": [parts]}
    year = YEAR.search(value)
    words = re.findall(r"[A-Za-z]+|\d{1,2}(?!\d)", value)
    month = next((MONTH_NAMES[w.lower()] for w in words if w.lower() in MONTH_NAMES), None)
    if year is None:
        return {"literal": value}
    parts = [int(year.group(1))]
    if month:
        parts.append(month)
        rest = YEAR.sub(" ", value)
        day = re.search(r"(?<![\d])([0-3]?\d)(?![\d])", rest)
        if day and 1 <= int(day.group(1)) <= 31:
            parts.append(int(day.group(1)))
    return {"date-parts": [parts]}


def date_completeness(date: object) -> int:
    """How much a CSL date says: the number of date-parts (a literal counts as 0)."""
    if isinstance(date, dict) and date.get("date-parts"):
        return len(date["date-parts"][0])
    return 0


CJK = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
RUN_TOGETHER_INITIALS = re.compile(r"[A-Z]{1,3}")
DOTTED_INITIALS = re.compile(r"(?:[A-Z]\.-?\s*){1,4}")
SPACED_INITIALS = re.compile(r"(?:[A-Z]\.?\s+){1,3}[A-Z]\.?")
FAMILY_THEN_INITIALS = re.compile(r"([^\s,][^,]*?)\s+((?:[A-Z]\.?\s*){1,3})")


SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}


def title_case(text: str) -> str:
    """A name printed in capitals ("AMERICAN JOURNAL OF SCIENCE") in title case.

    Web of Science prints journals in capitals; Zotero's WoS translator title-cases them.
    Names of short words only ("PLOS ONE", "JAMA", "BMJ OPEN") are acronyms: kept.
    """
    words = text.split()
    if text != text.upper() or all(len(w) <= 4 for w in words):
        return text
    return " ".join(
        w.lower() if i and w.lower() in SMALL_WORDS else w[:1] + w[1:].lower()
        for i, w in enumerate(words)
    )


def expand_initials(given: str) -> str:
    """Initials as CSL processors expect them: ``EB`` and ``E.B.`` become ``E. B.``.

    Web of Science and Scopus run initials together; read as a first name, ``EB`` would
    be cited "E." and lose the middle initial. Real given names are never all capitals
    of one to three letters, so only those and dotted runs are expanded.
    """
    given = given.strip()
    if RUN_TOGETHER_INITIALS.fullmatch(given):
        return " ".join(f"{letter}." for letter in given)
    if DOTTED_INITIALS.fullmatch(given) or SPACED_INITIALS.fullmatch(given):
        letters = re.findall(r"[A-Z]", given)
        if "-" not in given:
            return " ".join(f"{letter}." for letter in letters)
        return re.sub(r"\.(?=[A-Z])", ". ", given.replace(" ", ""))
    return given


def csl_name(raw: str) -> CSL:
    """A name as exports print it (``Family, Given[, Suffix]``) as a CSL name.

    - ``Kan, Karita`` → family/given; ``Lindqvist, EB`` → given ``E. B.``;
    - ``Smith, John, Jr.`` → suffix;
    - ``Eberth D A`` (family, then initials) → family ``Eberth``, given ``D. A.``;
    - a CJK name without a comma is family-name-first: ``王小明`` → family only (as Zotero
      keeps it), ``Wang Xiaoming`` written in CJK with a space → family ``Wang``;
    - any other name without a comma is kept whole as ``literal`` (a corporate author such
      as "World Health Organization"), as Zotero's RIS import does.
    """
    raw = " ".join(raw.split()).strip(" ,;")
    if "," in raw:
        family, _, rest = (p.strip() for p in raw.partition(","))
        given, _, suffix = (p.strip() for p in rest.partition(","))
        name: CSL = {"family": family}
        if given:
            name["given"] = expand_initials(given)
        if suffix:
            name["suffix"] = suffix
        return name
    if CJK.search(raw):
        family, _, given = raw.partition(" ")
        return {"family": family, "given": given} if given else {"family": family}
    initials = FAMILY_THEN_INITIALS.fullmatch(raw)
    if initials:  # "Eberth D A", as EPPI-Reviewer and MEDLINE's AU print names
        return {"family": initials.group(1), "given": expand_initials(initials.group(2))}
    return {"literal": raw}


def given_first_name(raw: str) -> CSL:
    """A name written given-name first, as web pages print it: ``Mara Lindqvist``."""
    raw = " ".join(raw.split()).strip(" ,;*")
    if "," in raw or CJK.search(raw):
        return csl_name(raw)
    words = raw.split()
    if len(words) < 2:
        return {"literal": raw}
    particles = {"van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "du", "ter"}
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in particles:
        start -= 1
    return {"family": " ".join(words[start:]), "given": " ".join(words[:start])}


@dataclass
class ParsedWork:
    """What one parser found about one work in one file, before merging.

    ``kind`` is ``"citation"`` (RIS/BibTeX: authoritative for bibliographic fields) or
    ``"page"`` / ``"pdf"`` (authoritative for abstract, keywords and text).
    """

    kind: str
    source: Path
    csl: CSL = field(default_factory=dict)
    abstract: str = ""
    keywords: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    text: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    fulltext: FullText | None = None  # a PDF's cleaned pages (``text`` is its plain form)


@dataclass
class Reading:
    """One reading as the bot knows it after merging every file that describes it.

    ``csl`` is CSL-JSON (``type``, ``title``, ``author`` as ``{family, given}`` or
    ``{literal}``, ``container-title``, ``volume``, ``issue``, ``page``, ``issued`` with
    ``date-parts``, ``DOI``, ``ISSN``, ``publisher``, ``language``…), ready for a CSL processor.
    """

    id: str
    csl: CSL
    abstract: str = ""
    keywords: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    text: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)
    fulltext: FullText | None = None  # set for a PDF: blocks with printed page labels

    @property
    def sentences(self) -> list[Sentence]:
        """Sentences of the full text, each with its page label ("" without pages) and section.

        Split once per reading and cached (see ``fulltext.sentences_of``); for a PDF they are
        split while the library loads, so no command pays for it.
        """
        from bot.features.readings.fulltext import sentences_of, sentences_of_text

        if self.fulltext is not None:
            return sentences_of(self.fulltext)
        return sentences_of_text(self.text)

    @property
    def title(self) -> str:
        """The full title (with subtitle), as plain text (CSL rich-text tags removed)."""
        return strip_rich_text(str(self.csl.get("title", ""))).strip() or "(untitled)"

    @property
    def short_title(self) -> str:
        """The export's short title (CSL ``title-short``), else the title before its subtitle.

        The subtitle separator counts only outside brackets, so "Saurosuchus galilei
        (Pseudosuchia: Loricata)" is never cut inside its parentheses.
        """
        short = strip_rich_text(str(self.csl.get("title-short", ""))).strip()
        if short:
            return short
        title = self.title
        for sep in (": ", "? ", " — "):
            pos = _outside_brackets(title, sep)
            if pos is not None:
                head = title[:pos] + ("?" if sep == "? " else "")
                if len(head) >= 8:
                    return head
        return title

    @property
    def authors(self) -> list[dict[str, str]]:
        """CSL author list (may be empty, e.g. for a portal page alone)."""
        return list(self.csl.get("author", []))

    @property
    def creators(self) -> list[dict[str, str]]:
        """Who the reading is by as one would name it: its authors, else its editors.

        CSL substitutes the editors for a missing author (``<names variable="author">``
        with ``<substitute>``), so an edited book is "Rivera & Stone", not "Unknown author".
        """
        return self.authors or list(self.csl.get("editor", []))

    @property
    def edited(self) -> bool:
        """Whether :attr:`creators` are editors (the reading names no author)."""
        return not self.authors and bool(self.csl.get("editor"))

    @property
    def author_names(self) -> list[str]:
        """Creators as display names ("Karita Kan", "Ana de la Cruz"), particles kept."""
        names = []
        for a in self.creators:
            if "literal" in a:
                names.append(a["literal"])
            else:
                parts = ("given", "dropping-particle", "non-dropping-particle", "family", "suffix")
                names.append(" ".join(str(a[p]) for p in parts if a.get(p)))
        return names

    @property
    def authors_short(self) -> str:
        """Family names as one would say them: "Kan & Ku", "Smith et al." (editors if no author)."""
        fams = [
            " ".join(p for p in (a.get("non-dropping-particle"), a.get("family")) if p)
            or a.get("literal", "")
            for a in self.creators
        ]
        fams = [f for f in fams if f]
        if not fams:
            return "Unknown author"
        if len(fams) == 1:
            return fams[0]
        if len(fams) == 2:
            return f"{fams[0]} & {fams[1]}"
        return f"{fams[0]} et al."

    @property
    def year(self) -> int | None:
        """Year of publication, if known."""
        parts = self.csl.get("issued", {}).get("date-parts", [[None]])
        try:
            return int(parts[0][0])
        except (TypeError, ValueError, IndexError):
            return None

    @property
    def container(self) -> str:
        """Journal or book the reading appeared in."""
        return str(self.csl.get("container-title", ""))

    @property
    def doi(self) -> str:
        """The DOI, normalised, or empty."""
        return normalise_doi(str(self.csl.get("DOI", ""))) if self.csl.get("DOI") else ""

    @property
    def label(self) -> str:
        """How the bot names a reading in replies: ``Kan & Ku (2021)``."""
        return f"{self.authors_short} ({self.year or 'n.d.'})"

    @property
    def source_phrase(self) -> str:
        """Where a summary's quotations come from, as a plain sentence for the source line."""
        files = ", ".join(p.name for p in self.sources)
        if self.text:
            return f"quoted from the full text ({files})"
        if self.abstract:
            return f"quoted from the abstract ({files})"
        return (
            f"no abstract or text is available ({files}): add the portal page with its "
            "abstract, or the PDF, to the seeds folder"
        )

    @property
    def body_text(self) -> str:
        """The fullest text available: full text if the instructor gave one, else the abstract."""
        return self.text or self.abstract


def _outside_brackets(text: str, sep: str) -> int | None:
    """Index of the first ``sep`` not inside (), [] or {}, or ``None``."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and text.startswith(sep, i):
            return i
    return None
