"""BibTeX and RIS export of a reading's CSL-JSON, written by bibtexparser and rispy.

The libraries write the file syntax (braces, tags, record ends); we only map CSL variables to
their fields, choosing the fields Zotero's own BibTeX and RIS importers read back to the same
item: editors as RIS ``ED`` (``A3`` is the series editor), month and day kept (RIS ``DA``,
BibTeX ``month`` plus biblatex's ISO ``date``), theses as ``@phdthesis``/``@mastersthesis``
with ``school`` and ``type`` (RIS ``PB`` and ``M3``). LaTeX's special characters are escaped
in BibTeX text fields so the ``.bib`` compiles, and capitals after a title's first word (proper
nouns, acronyms) are brace-protected so BibTeX styles that lower-case titles keep them.
"""

from __future__ import annotations

import re
from typing import Any

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field

from bot.features.readings.models import Reading, bare_doi, slugify

BIBTEX_TYPES = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "book": "book",
    "chapter": "incollection",
    "paper-conference": "inproceedings",
    "report": "techreport",
    "thesis": "phdthesis",
    "webpage": "online",
}
MASTERS = re.compile(r"\bmaster|\bm\.?\s?a\b|\bm\.?\s?sc?\b|\bmphil", re.IGNORECASE)
RIS_TYPES = {
    "article-journal": "JOUR",
    "article-magazine": "MGZN",
    "article-newspaper": "NEWS",
    "book": "BOOK",
    "chapter": "CHAP",
    "paper-conference": "CONF",
    "report": "RPRT",
    "thesis": "THES",
    "webpage": "ELEC",
}
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIALS))


def latex_escape(text: str) -> str:
    """Escape the characters LaTeX would otherwise treat as commands."""
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIALS[m.group()], text)


def _year(csl: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    parts = (csl.get("issued") or {}).get("date-parts") or [[]]
    values: list[int | None] = []
    for part in (parts[0] if parts else [])[:3]:
        try:
            values.append(int(part))
        except (TypeError, ValueError):
            values.append(None)
    values += [None] * (3 - len(values))
    return values[0], values[1], values[2]


def protect_capitals(title: str) -> str:
    """Brace-protect the words BibTeX must not lower-case.

    Those are words with a capital after their first letter (``COVID``, ``iPhone``) and
    capitalised words other than the title's first (``China``).

    The text is LaTeX-escaped first; BibTeX's rule is that text inside braces keeps its case.
    """
    escaped = latex_escape(title)
    first = re.search(r"[^\W\d_]", escaped)
    start = first.start() if first else 0

    def protect(match: re.Match[str]) -> str:
        word = match.group()
        inner_capital = any(c.isupper() for c in word[1:])
        leading_capital = match.start() > start and word[0].isupper()
        return "{" + word + "}" if inner_capital or leading_capital else word

    return re.sub(r"(?<![\\\w])[^\W\d_][\w'’-]*", protect, escaped)


def _iso_date(csl: dict[str, Any]) -> str:
    year, month, day = _year(csl)
    if not year:
        return ""
    parts = [f"{year:04d}"] + [f"{p:02d}" for p in (month, day) if p]
    return "-".join(parts[: 2 if not day else 3]) if month else parts[0]


def _is_masters(csl: dict[str, Any]) -> bool:
    return bool(MASTERS.search(str(csl.get("genre") or "")))


def _pages(csl: dict[str, Any]) -> tuple[str, str]:
    page = str(csl.get("page") or "").strip()
    if not page:
        return "", ""
    pieces = re.split(r"\s*[-–—]+\s*", page, maxsplit=1)
    first = pieces[0]
    last = pieces[1] if len(pieces) > 1 else ""
    return first, last


def _bib_name(name: dict[str, Any]) -> str:
    if "literal" in name:
        return "{" + latex_escape(str(name["literal"])) + "}"  # braces: never split a body
    family = " ".join(p for p in (name.get("non-dropping-particle"), name.get("family")) if p)
    given = " ".join(p for p in (name.get("given"), name.get("dropping-particle")) if p)
    parts = [latex_escape(family)]
    if name.get("suffix"):
        parts.append(latex_escape(str(name["suffix"])))
    if given:
        parts.append(latex_escape(given))
    return ", ".join(parts)


def bibtex_key(reading: Reading) -> str:
    """A citation key such as ``kan2021serving``: first family name, year, first title word."""
    first = reading.authors[0] if reading.authors else {}
    family = slugify(str(first.get("family") or first.get("literal") or "anon"), 1)
    words = [w for w in slugify(reading.title, 12).split("-") if len(w) > 3]
    key = f"{family}{reading.year or 'nd'}{words[0] if words else ''}"
    return re.sub(r"[^a-z0-9]", "", key) or reading.id.replace("-", "")


def to_bibtex(reading: Reading) -> str:
    """One BibTeX entry for the reading."""
    csl = reading.csl
    kind = str(csl.get("type") or "article-journal")
    fields: list[tuple[str, str]] = []
    entry_type = BIBTEX_TYPES.get(kind, "misc")
    if kind == "thesis" and _is_masters(csl):
        entry_type = "mastersthesis"
    for role in ("author", "editor"):
        names = [n for n in csl.get(role) or [] if isinstance(n, dict)]
        if names:
            fields.append((role, " and ".join(_bib_name(n) for n in names)))
    if csl.get("title"):
        fields.append(("title", protect_capitals(str(csl["title"]))))
    container = str(csl.get("container-title") or "")
    if container:
        container_field = {"article": "journal", "online": "organization"}.get(
            BIBTEX_TYPES.get(kind, ""), "booktitle"
        )
        fields.append((container_field, latex_escape(container)))
    year, month, _ = _year(csl)
    if year:
        fields.append(("year", str(year)))
    if month:
        fields.append(("month", str(month)))
    if month:
        fields.append(("date", _iso_date(csl)))  # biblatex reads the day too
    for variable, name in (("volume", "volume"), ("issue", "number")):
        if csl.get(variable):
            fields.append((name, latex_escape(str(csl[variable]))))
    first, last = _pages(csl)
    if first:
        fields.append(("pages", f"{first}--{last}" if last else first))
    publisher = "school" if kind == "thesis" else "institution" if kind == "report" else "publisher"
    if kind == "thesis" and csl.get("genre"):
        fields.append(("type", latex_escape(str(csl["genre"]))))
    if kind == "report" and csl.get("number"):
        fields.append(("number", latex_escape(str(csl["number"]))))
    for variable, name in (
        ("publisher", publisher),
        ("publisher-place", "address"),
        ("edition", "edition"),
        ("ISBN", "isbn"),
        ("ISSN", "issn"),
        ("language", "language"),
    ):
        if csl.get(variable):
            fields.append((name, latex_escape(str(csl[variable]))))
    if csl.get("DOI"):
        fields.append(("doi", bare_doi(str(csl["DOI"]))))
    if csl.get("URL"):
        fields.append(("url", str(csl["URL"])))
    entry = Entry(entry_type, bibtex_key(reading), [Field(k, v) for k, v in fields])
    library = bibtexparser.Library([entry])
    return bibtexparser.write_string(library).strip() + "\n"


def _ris_name(name: dict[str, Any]) -> str:
    if "literal" in name:
        return str(name["literal"])
    family = " ".join(p for p in (name.get("non-dropping-particle"), name.get("family")) if p)
    given = " ".join(p for p in (name.get("given"), name.get("dropping-particle")) if p)
    return f"{family}, {given}" if given else family


def to_ris(reading: Reading) -> str:
    """One RIS record for the reading."""
    csl = reading.csl
    kind = str(csl.get("type") or "article-journal")
    record: dict[str, Any] = {"type_of_reference": RIS_TYPES.get(kind, "GEN")}
    authors = [_ris_name(n) for n in csl.get("author") or [] if isinstance(n, dict)]
    if authors:
        record["authors"] = authors
    editors = [_ris_name(n) for n in csl.get("editor") or [] if isinstance(n, dict)]
    if editors:
        record["editor"] = editors  # ED: Zotero's "editor" for every type
    series = [_ris_name(n) for n in csl.get("collection-editor") or [] if isinstance(n, dict)]
    if series:
        record["tertiary_authors"] = series  # A3: the series editor
    if csl.get("genre"):
        record["type_of_work"] = str(csl["genre"])  # M3: thesis or report type
    if csl.get("title"):
        record["title"] = str(csl["title"])
    container = str(csl.get("container-title") or "")
    if container:
        is_article = RIS_TYPES.get(kind) in ("JOUR", "MGZN", "NEWS")
        record["journal_name" if is_article else "secondary_title"] = container
    year, month, day = _year(csl)
    if year:
        record["year"] = str(year)
        if month:
            record["date"] = f"{year}/{month:02d}/{f'{day:02d}' if day else ''}/"
    for variable, tag in (
        ("volume", "volume"),
        ("issue", "number"),
        ("publisher", "publisher"),
        ("publisher-place", "place_published"),
        ("edition", "edition"),
        ("language", "language"),
    ):
        if csl.get(variable):
            record[tag] = str(csl[variable])
    issn = csl.get("ISSN") or csl.get("ISBN")
    if issn:
        record["issn"] = str(issn)
    first, last = _pages(csl)
    if first:
        record["start_page"] = first
    if last:
        record["end_page"] = last
    if csl.get("DOI"):
        record["doi"] = bare_doi(str(csl["DOI"]))
    if csl.get("URL"):
        record["urls"] = [str(csl["URL"])]
    return rispy.dumps([record], implementation=_RisWriter)


class _RisWriter(rispy.RisWriter):
    """rispy's writer with RIS's ``ED`` (editor) tag and without its ``1.`` counter line.

    The counter line is not RIS and confuses importers.
    """

    DEFAULT_MAPPING = {**rispy.TAG_KEY_MAPPING, "ED": "editor"}
    DEFAULT_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "ED"]

    def set_header(self, count: int) -> str:
        """No header line before a record."""
        return ""
