"""Parse Web of Science plain-text exports (``savedrecs.txt``) into CSL-JSON works.

Tags follow Clarivate's "Web of Science Core Collection field tags" list and Zotero's
``Web of Science Tagged`` import translator: ``PT`` the publication type (``J`` journal,
``B`` book, ``S`` series, ``P`` patent), ``DT`` the document type, ``AF``/``AU`` authors
(full / short), ``BE``/``ED`` editors, ``TI`` title, ``SO`` source (journal or book, printed
in capitals), ``JI``/``J9`` abbreviations, ``SE`` series, ``CT`` conference title, ``PY``/``PD``
date, ``VL``/``IS``/``BP``/``EP``/``AR`` volume, issue, pages, article number, ``DI`` DOI,
``SN``/``EI`` ISSN, ``BN`` ISBN, ``PU``/``PI`` publisher and city, ``LA`` language, ``AB``
abstract, ``DE`` author keywords.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from bot.features.readings.models import (
    CSL,
    ParsedWork,
    csl_date,
    csl_name,
    find_doi,
    language_code,
    title_case,
)
from bot.features.readings.parsers.tagged import (
    ReadReport,
    Record,
    joined,
    read_works,
    wos_records,
)


class WosParseError(ValueError):
    """A Web of Science export without one readable record."""


def parse_wos(path: Path, text: str, max_records: int = 2000) -> tuple[list[ParsedWork], list[str]]:
    """Every record of a Web of Science plain-text export; warnings name their line."""
    report = ReadReport()
    records = wos_records(text, max_records, report)
    to_work = partial(_work, path)
    return read_works(records, to_work, report, "TI", WosParseError, "no record (no PT line)")


def _work(path: Path, record: Record) -> ParsedWork | None:
    title = joined(record.all("TI"))
    if not title:
        return None
    pt = record.first("PT").strip().upper()
    doc_type = record.first("DT").lower()
    source = title_case(joined(record.all("SO")))
    if pt == "B" and not record.has("SO"):
        csl_type = "book"
    elif "proceedings" in doc_type or record.has("CT") and pt != "J":
        csl_type = "paper-conference"
    elif pt in ("B", "S") and "book chapter" in doc_type or pt == "B" and source:
        csl_type = "chapter"
    elif pt == "P":
        csl_type = "patent"
    else:
        csl_type = "article-journal"
    if "review" in doc_type and "book review" in doc_type:
        csl_type = "review-book"
    csl: CSL = {"type": csl_type, "title": title}
    authors = record.all("AF") or record.all("AU")
    if authors:
        csl["author"] = [csl_name(a) for a in authors]
    editors = record.all("BE") or record.all("ED")
    if editors:
        csl["editor"] = [csl_name(e) for e in editors]
    if source:
        csl["container-title"] = source
    short = record.first("JI") or record.first("J9")
    if short:
        csl["container-title-short"] = short
    for tag, key in (
        ("SE", "collection-title"),
        ("CT", "event-title"),
        ("CL", "event-place"),
        ("VL", "volume"),
        ("IS", "issue"),
        ("AR", "number"),
        ("PU", "publisher"),
        ("PI", "publisher-place"),
        ("BN", "ISBN"),
    ):
        value = joined(record.all(tag))
        if value:
            csl[key] = title_case(value) if tag in ("SE", "PU", "PI", "CT") else value
    issn = record.first("SN") or record.first("EI")
    if issn:
        csl["ISSN"] = issn
    start, end = record.first("BP"), record.first("EP")
    if start:
        csl["page"] = f"{start}-{end}" if end else start
    year = record.first("PY")
    date = (
        csl_date(f"{record.first('PD')} {year}".strip()) if year else csl_date(record.first("PD"))
    )
    if date:
        csl["issued"] = date
    doi = find_doi(record.first("DI"))
    if doi:
        csl["DOI"] = doi
    if record.first("LA"):
        csl["language"] = language_code(record.first("LA"))
    keywords = [k.strip() for k in re.split(r";", joined(record.all("DE"))) if k.strip()]
    return ParsedWork(
        kind="citation",
        source=path,
        csl=csl,
        abstract=joined(record.all("AB")),
        keywords=keywords,
        extra={"record_line": str(record.line)},
    )
