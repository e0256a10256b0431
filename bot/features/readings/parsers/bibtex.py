"""Parse BibTeX files (bibtexparser 2) into CSL-JSON-shaped works; a file may hold several."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares as mw
from pylatexenc.latex2text import LatexNodes2Text

from bot.features.readings.models import ParsedWork, bare_doi, language_code

BIB_TYPES = {
    "article": "article-journal",
    "book": "book",
    "incollection": "chapter",
    "inbook": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "techreport": "report",
    "misc": "document",
    "online": "webpage",
}
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}


class BibtexParseError(ValueError):
    """A BibTeX file with a block that cannot be parsed; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


def parse_bibtex(path: Path, text: str) -> tuple[list[ParsedWork], list[str]]:
    """Parse every entry; return the works and a warning per block that failed.

    A file with no entry at all raises :class:`BibtexParseError`.
    """
    # LaTeX decoding is by far the slowest step, so it runs only on values that hold LaTeX
    # (see ``_clean``) rather than through bibtexparser's middleware on every field.
    library = bibtexparser.parse_string(
        text, append_middleware=[mw.SeparateCoAuthors(), mw.SplitNameParts()]
    )
    warnings = []
    for block in library.failed_blocks:
        line = (getattr(block, "start_line", 0) or 0) + 1
        error = getattr(block, "error", None)
        reason = (str(error).splitlines() or [""])[0] if error else ""
        if not reason and "BlockAborted" in type(error).__name__:
            reason = "unclosed entry: a brace or quote is missing"
        warnings.append(f"line {line}: could not parse this entry ({reason or 'syntax error'})")
    works = [_work(path, entry) for entry in library.entries]
    if not works:
        first = warnings[0] if warnings else "no @entry found"
        raise BibtexParseError(first)
    return works, warnings


@lru_cache(maxsize=1)
def _latex() -> LatexNodes2Text:
    return LatexNodes2Text()


def _clean(value: object) -> str:
    """A field's text: LaTeX accents and macros decoded, protective braces dropped."""
    value = str(value)
    if "\\" in value or "$" in value or "~" in value:
        value = _latex().latex_to_text(value)
    return re.sub(r"\s+", " ", str(value).replace("{", "").replace("}", "")).strip()


def _work(path: Path, entry: bibtexparser.model.Entry) -> ParsedWork:
    fields = {f.key.lower(): f.value for f in entry.fields}
    csl: dict[str, object] = {"type": BIB_TYPES.get(entry.entry_type.lower(), "document")}
    if "title" in fields:
        csl["title"] = _clean(fields["title"])
    container = fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle")
    if container:
        csl["container-title"] = _clean(container)
    for role in ("author", "editor"):
        if role in fields:
            csl[role] = [_name(n) for n in fields[role]]
    year = re.search(r"\d{4}", str(fields.get("year") or fields.get("date") or ""))
    if year:
        parts = [int(year.group())]
        month = str(fields.get("month", "")).strip().lower()[:3]
        if month.isdigit():
            parts.append(int(month))
        elif month in MONTHS:
            parts.append(MONTHS[month])
        csl["issued"] = {"date-parts": [parts]}
    for key, csl_key in (
        ("volume", "volume"),
        ("number", "issue"),
        ("doi", "DOI"),
        ("issn", "ISSN"),
        ("isbn", "ISBN"),
        ("publisher", "publisher"),
        ("address", "publisher-place"),
        ("language", "language"),
        ("url", "URL"),
        ("edition", "edition"),
    ):
        if key in fields:
            csl[csl_key] = _clean(fields[key])
    if "DOI" in csl:
        csl["DOI"] = bare_doi(str(csl["DOI"]))
    if "language" in csl:
        csl["language"] = language_code(str(csl["language"]))
    if "pages" in fields:
        csl["page"] = re.sub(r"\s*-{1,3}\s*|–", "-", _clean(fields["pages"]))
    keywords = [
        k.strip() for k in re.split(r"[;,]", _clean(fields.get("keywords", ""))) if k.strip()
    ]
    return ParsedWork(
        kind="citation",
        source=path,
        csl=csl,
        abstract=_clean(fields.get("abstract", "")),
        keywords=keywords,
        extra={"bibtex_key": entry.key},
    )


def _name(name: object) -> dict[str, str]:
    """A bibtexparser ``NameParts`` (or a plain string) as a CSL name."""
    first = getattr(name, "first", None)
    if first is None:
        text = _clean(name)
        return {"literal": text}
    family = " ".join(getattr(name, "von", []) + getattr(name, "last", []))
    given = " ".join(first)
    suffix = " ".join(getattr(name, "jr", []))
    result = {"family": _clean(family)}
    if given:
        result["given"] = _clean(given)
    if suffix:
        result["suffix"] = _clean(suffix)
    if not given and not getattr(name, "von", []) and len(getattr(name, "last", [])) > 1:
        return {"literal": _clean(family)}
    return result
