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
    """Title reduced to lowercase letters and digits, so that exports and pages can be matched."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


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
        """The full title (with subtitle)."""
        return str(self.csl.get("title", "")).strip() or "(untitled)"

    @property
    def short_title(self) -> str:
        """The title before its subtitle colon, or the title itself."""
        title = self.title
        for sep in (": ", "? ", " — "):
            if sep in title:
                head = title.split(sep, 1)[0] + ("?" if sep == "? " else "")
                if len(head) >= 8:
                    return head
        return title

    @property
    def authors(self) -> list[dict[str, str]]:
        """CSL author list (may be empty, e.g. for a portal page alone)."""
        return list(self.csl.get("author", []))

    @property
    def author_names(self) -> list[str]:
        """Authors as display names ("Karita Kan")."""
        names = []
        for a in self.authors:
            if "literal" in a:
                names.append(a["literal"])
            else:
                names.append(" ".join(p for p in (a.get("given", ""), a.get("family", "")) if p))
        return names

    @property
    def authors_short(self) -> str:
        """Family names as one would say them: "Kan & Ku", "Smith et al."."""
        fams = [a.get("family") or a.get("literal", "") for a in self.authors]
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
    def body_text(self) -> str:
        """The fullest text available: full text if the instructor gave one, else the abstract."""
        return self.text or self.abstract
