"""Parse RIS citation exports (rispy) into CSL-JSON-shaped works; a file may hold several."""

from __future__ import annotations

import re
from pathlib import Path

import rispy

from bot.features.readings.models import ParsedWork, bare_doi, language_code

RIS_TYPES = {
    "JOUR": "article-journal",
    "JFULL": "article-journal",
    "EJOUR": "article-journal",
    "MGZN": "article-magazine",
    "NEWS": "article-newspaper",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "chapter",
    "ECHAP": "chapter",
    "CONF": "paper-conference",
    "CPAPER": "paper-conference",
    "THES": "thesis",
    "RPRT": "report",
    "ELEC": "webpage",
    "GEN": "document",
}
TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -")


class RisParseError(ValueError):
    """A RIS file that cannot be read; ``line`` points at the offending record when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


def check_structure(text: str) -> None:
    """Every ``TY`` must be closed by an ``ER`` before the next ``TY`` (rispy drops it silently)."""
    open_line: int | None = None
    records = 0
    for number, line in enumerate(text.splitlines(), start=1):
        match = TAG_LINE.match(line.lstrip("\ufeff"))
        if not match:
            continue
        tag = match.group(1)
        if tag == "TY":
            if open_line is not None:
                raise RisParseError("record has no ER line before the next TY", open_line)
            open_line = number
            records += 1
        elif tag == "ER":
            if open_line is None:
                raise RisParseError("ER without a TY", number)
            open_line = None
        elif open_line is None:
            raise RisParseError(f"tag {tag} outside a record (no TY before it)", number)
    if open_line is not None:
        raise RisParseError("record has no closing ER line", open_line)
    if records == 0:
        raise RisParseError("no RIS record (no TY line)")


def parse_ris(path: Path, text: str) -> list[ParsedWork]:
    """Parse every record in a RIS file."""
    check_structure(text)
    try:
        entries = rispy.loads(text.lstrip("\ufeff"))
    except Exception as exc:  # rispy raises bare IOError/ValueError variants
        raise RisParseError(str(exc)) from exc
    return [_work(path, entry) for entry in entries]


def _work(path: Path, entry: dict) -> ParsedWork:
    ris_type = str(entry.get("type_of_reference", "GEN")).upper()
    csl: dict[str, object] = {"type": RIS_TYPES.get(ris_type, "document")}
    title = entry.get("primary_title") or entry.get("title") or ""
    journal = (
        entry.get("journal_name")
        or entry.get("alternate_title3")
        or entry.get("alternate_title1")
        or entry.get("alternate_title2")
    )
    secondary = entry.get("secondary_title")
    if secondary:
        if csl["type"] in ("article-journal", "article-magazine", "article-newspaper") and journal:
            # Portals put the subtitle in T2 and the journal in JO: rejoin the title.
            title = f"{title.rstrip(':')}: {secondary}" if title else secondary
        else:
            journal = journal or secondary
    if title:
        csl["title"] = title.strip()
    if journal:
        csl["container-title"] = journal.strip()
    authors = entry.get("authors", []) + entry.get("first_authors", [])
    if authors:
        csl["author"] = [_name(a) for a in authors]
    editors = entry.get("secondary_authors", []) if csl["type"] == "chapter" else []
    editors += entry.get("editor", []) if isinstance(entry.get("editor"), list) else []
    if editors:
        csl["editor"] = [_name(a) for a in editors]
    date = _date(entry.get("year") or entry.get("publication_year") or entry.get("date") or "")
    if date:
        csl["issued"] = {"date-parts": [date]}
    for key, csl_key in (
        ("volume", "volume"),
        ("number", "issue"),
        ("doi", "DOI"),
        ("issn", "ISSN"),
        ("publisher", "publisher"),
        ("place_published", "publisher-place"),
        ("language", "language"),
        ("edition", "edition"),
    ):
        if entry.get(key):
            csl[csl_key] = str(entry[key]).strip()
    if "DOI" in csl:
        csl["DOI"] = bare_doi(str(csl["DOI"]))
    if "language" in csl:
        csl["language"] = language_code(str(csl["language"]))
    start, end = entry.get("start_page"), entry.get("end_page")
    if start:
        csl["page"] = f"{start}-{end}" if end else str(start)
    urls = entry.get("urls") or []
    if urls:
        csl["URL"] = urls[0]
    keywords = [k.strip() for k in entry.get("keywords", []) if k.strip()]
    return ParsedWork(
        kind="citation",
        source=path,
        csl=csl,
        abstract=str(entry.get("abstract") or entry.get("notes_abstract") or "").strip(),
        keywords=keywords,
    )


def _name(raw: str) -> dict[str, str]:
    """``"Kan, Karita"`` → family/given; a name without a comma is kept whole (an organisation)."""
    raw = raw.strip()
    if "," in raw:
        family, given = (p.strip() for p in raw.split(",", 1))
        return {"family": family, "given": given} if given else {"family": family}
    return {"literal": raw}


def _date(raw: str) -> list[int]:
    """RIS dates look like ``2021``, ``2021/1``, ``2021/01/15/``: keep the parts given."""
    parts = [p for p in re.split(r"[/\-]", str(raw).strip()) if p.strip().isdigit()]
    return [int(p) for p in parts[:3] if int(p) > 0]
