"""Parse PubMed's MEDLINE format (``.nbib``, or "PubMed" format saved as ``.txt``/``.ris``).

Tags follow the NLM's "MEDLINE/PubMed Data Element (Field) Descriptions" and Zotero's
``PubMed - MEDLINE`` (nbib) import translator: ``TI`` title (``BTI`` a book's), ``FAU``/``AU``
authors (full / short), ``FED`` editors, ``JT``/``TA`` journal and abbreviation, ``VI``/``IP``/
``PG`` volume, issue, pages, ``DP`` date, ``LID``/``AID`` identifiers (``… [doi]``), ``IS``
ISSN, ``LA`` language (ISO 639-2, e.g. ``eng``), ``AB`` abstract, ``OT`` keywords, ``MH``
MeSH headings (kept as subjects), ``PB``/``PL`` publisher and place.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from bot.features.readings.models import CSL, ParsedWork, csl_date, csl_name, find_doi
from bot.features.readings.parsers.tagged import (
    ReadReport,
    Record,
    medline_records,
    read_works,
)

# MEDLINE gives languages as ISO 639-2 codes; CSL wants BCP 47 tags.
LANGUAGES = {
    "eng": "en",
    "chi": "zh",
    "fre": "fr",
    "ger": "de",
    "spa": "es",
    "jpn": "ja",
    "kor": "ko",
    "por": "pt",
    "ita": "it",
    "rus": "ru",
    "dut": "nl",
    "ara": "ar",
}


class MedlineParseError(ValueError):
    """A MEDLINE file without one readable record."""


ELOCATOR = re.compile(r"^e\d+(\s+\[pii\])?$")  # an online article's eLocator


def parse_medline(
    path: Path, text: str, max_records: int = 2000
) -> tuple[list[ParsedWork], list[str]]:
    """Every record of a MEDLINE export; warnings name their line."""
    report = ReadReport()
    records = medline_records(text, max_records, report)
    to_work = partial(_work, path)
    return read_works(records, to_work, report, "TI", MedlineParseError, "no PMID record")


def _work(path: Path, record: Record) -> ParsedWork | None:
    book_title = record.first("BTI")
    title = record.first("TI") or book_title
    if not title:
        return None
    if book_title and record.first("TI"):
        csl: CSL = {"type": "chapter", "container-title": book_title}
    elif book_title:
        csl = {"type": "book"}
    else:
        csl = {"type": "article-journal"}
    csl["title"] = title.rstrip(".") if title.endswith(".") and not title.endswith("..") else title
    authors = record.all("FAU") or record.all("AU")
    if authors:
        csl["author"] = [_name(a, full=bool(record.all("FAU"))) for a in authors]
    editors = record.all("FED") or record.all("ED")
    if editors:
        csl["editor"] = [_name(e, full=bool(record.all("FED"))) for e in editors]
    if record.first("JT"):
        csl["container-title"] = record.first("JT")
    if record.first("TA"):
        csl["container-title-short"] = record.first("TA")
    for tag, key in (
        ("VI", "volume"),
        ("IP", "issue"),
        ("PG", "page"),
        ("PB", "publisher"),
        ("PL", "publisher-place"),
    ):
        if record.first(tag):
            csl[key] = record.first(tag)
    if csl.get("type") == "article-journal":
        # PL is where the *journal* is published; no style prints that for an article (MLA
        # would show "eLife [England]").
        csl.pop("publisher-place", None)
    if "page" not in csl:
        # An online-only article's eLocator ("e80092 [pii]") stands where its pages would,
        # as Zotero's PubMed import puts it.
        elocator = next(
            (v.split()[0] for v in record.all("LID", "AID") if ELOCATOR.match(v)),
            "",
        )
        if elocator:
            csl["page"] = elocator
    date = csl_date(record.first("DP"))
    if date:
        csl["issued"] = date
    doi = next(
        (find_doi(v) for v in record.all("LID", "AID") if v.endswith("[doi]") and find_doi(v)),
        "",
    )
    if doi:
        csl["DOI"] = doi
    issn = record.first("IS")
    if issn:
        csl["ISSN"] = issn.split()[0]
    if record.first("LA"):
        code = record.first("LA").lower()
        csl["language"] = LANGUAGES.get(code, code)
    csl["PMID"] = record.first("PMID")
    return ParsedWork(
        kind="citation",
        source=path,
        csl=csl,
        abstract=record.first("AB"),
        keywords=record.all("OT"),
        subjects=[re.sub(r"/.*$", "", h).lstrip("*") for h in record.all("MH")],
        extra={"record_line": str(record.line)},
    )


def _name(raw: str, full: bool) -> CSL:
    """``FAU`` is "Family, Given"; ``AU`` is "Family GI" (initials after the family name)."""
    if full or "," in raw:
        return csl_name(raw)
    family, _, initials = raw.rpartition(" ")
    if family and initials.isupper():
        return csl_name(f"{family}, {initials}")
    return csl_name(raw)
