"""Parse RIS exports into CSL-JSON works the way Zotero's RIS import translator maps them.

The tag meanings depend on the record's type, and producers disagree; the rules below are
those of Zotero's ``RIS.js`` (its ``fieldMap`` and ``degenerateImportFieldMap``), with one
decision of ours where the record itself shows which producer wrote it:

- journal articles (``JOUR``, ``MGZN``, ``NEWS``…): ``T2``/``JF`` is the journal,
  ``J2``/``JA``/``J1``/``JO`` its abbreviation (``container-title-short``; used as the journal
  when there is no full name). Research portals instead write the *subtitle* in ``T2`` and the
  journal in ``JO``/``JF``: when ``JO``/``JF`` names a journal that is neither ``T2`` nor an
  abbreviation of it, ``T2`` is read as the subtitle and rejoined to the title.
- chapters: ``BT``/``T2`` book title, ``T3`` series, ``A2``/``ED`` editors, ``A3`` series editors.
- books: ``T2``/``T3`` series, ``A3``/``ED`` editors (``EDBOOK``: ``AU`` are the editors when
  no other editor is given), ``A2`` series editors.
- theses and reports: ``PB`` the university or institution, ``M3`` the genre
  ("Doctoral dissertation"), ``T2`` a report's series, ``SN`` a report's number.
- dates: ``DA`` (full date) beats ``PY``/``Y1`` (often the year only); ``Y2`` is the access
  date when it gives at least a month (Ovid repeats the year there).
- a journal printed in capitals (Web of Science) is title-cased, as Zotero's WoS import does.
- ``SN`` is an ISSN for periodical articles and an ISBN otherwise; ``C7`` an article number;
  ``ST`` the short title when it shortens the title (and the title when a record has no
  other, as EndNote exports); ``L3`` a DOI when shaped like one (EBSCO).
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
    date_completeness,
    find_doi,
    language_code,
    normalise_title,
    title_case,
)
from bot.features.readings.parsers.tagged import (
    ReadReport,
    Record,
    joined,
    read_works,
    ris_records,
)

RIS_TYPES = {
    "JOUR": "article-journal",
    "JFULL": "article-journal",
    "EJOUR": "article-journal",
    "ABST": "article-journal",
    "INPR": "article-journal",
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
    "WEB": "webpage",
    "BLOG": "post-weblog",
    "GEN": "document",
    "DATA": "dataset",
    "COMP": "software",
    "ENCYC": "entry-encyclopedia",
    "DICT": "entry-dictionary",
    "MAP": "map",
    "MANSCPT": "manuscript",
    "UNPB": "manuscript",
    "PAT": "patent",
    "PCOMM": "personal_communication",
    "CASE": "legal_case",
    "STAT": "legislation",
    "BILL": "bill",
    "VIDEO": "motion_picture",
    "MPCT": "motion_picture",
    "SOUND": "song",
    "SLIDE": "speech",
}
# EndNote and Mendeley sometimes write the type's name instead of its code.
TYPE_NAMES = {
    "journalarticle": "JOUR",
    "electronicarticle": "EJOUR",
    "magazinearticle": "MGZN",
    "newspaperarticle": "NEWS",
    "book": "BOOK",
    "electronicbook": "EBOOK",
    "editedbook": "EDBOOK",
    "booksection": "CHAP",
    "bookchapter": "CHAP",
    "electronicbooksection": "ECHAP",
    "conferencepaper": "CPAPER",
    "conferenceproceedings": "CONF",
    "thesis": "THES",
    "report": "RPRT",
    "webpage": "ELEC",
    "generic": "GEN",
    "dataset": "DATA",
}
PERIODICAL = {"article-journal", "article-magazine", "article-newspaper"}
# Zotero's default import type for an unknown TY.
DEFAULT_TYPE = "article-journal"


class RisParseError(ValueError):
    """A RIS file with no readable record; ``line`` points at the problem when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


def parse_ris(path: Path, text: str, max_records: int = 2000) -> tuple[list[ParsedWork], list[str]]:
    """Every record of a RIS file as a work, and a warning per problem (with its line).

    A bad record never costs the others; a file without any record raises
    :class:`RisParseError`.
    """
    report = ReadReport()
    records = ris_records(text, max_records, report)
    to_work = partial(record_to_work, path)
    return read_works(
        records, to_work, report, "TI, T1 or ST", RisParseError, "no RIS record (no TY line)"
    )


def ris_type(raw: str) -> str:
    """The CSL type of a ``TY`` value (a code, ``JOUR``, or a name, "Journal Article")."""
    code = raw.strip().upper()
    if code not in RIS_TYPES:
        code = TYPE_NAMES.get(re.sub(r"[^a-z]", "", raw.lower()), code)
    return RIS_TYPES.get(code, DEFAULT_TYPE)


def is_abbreviation(short: str, full: str) -> bool:
    """Whether ``short`` abbreviates ``full`` ("J. Civ. Stud." of "Journal of Civic Studies").

    Every word of ``short`` must begin a word of ``full``, in order (skipping words such as
    "of"); equal names count as abbreviations too.
    """
    short_words = normalise_title(short).split()
    full_words = normalise_title(full).split()
    if not short_words:
        return False
    i = 0
    for word in short_words:
        while i < len(full_words) and not full_words[i].startswith(word):
            i += 1
        if i == len(full_words):
            return False
        i += 1
    return True


def record_to_work(path: Path, record: Record) -> ParsedWork | None:
    """One RIS record as a work of kind ``citation``, or ``None`` when it has no title."""
    code = record.first("TY").strip().upper()
    csl_type = ris_type(code)
    csl: CSL = {"type": csl_type}

    firsts: dict[str, str] = {}
    for tag, raw, _ in record.fields:
        if raw and tag not in firsts:
            firsts[tag] = " ".join(raw.split())

    def value(*tags: str) -> str:
        for tag in tags:
            if tag in firsts:
                return firsts[tag]
        return ""

    title = value("TI", "T1", "CT") or (value("BT") if csl_type == "book" else "")
    short = value("ST")
    t2, t3, bt = value("T2"), value("T3"), value("BT")
    if csl_type in PERIODICAL:
        full = value("JF")
        abbreviation = value("J2", "JA", "J1")
        jo = value("JO")
        if t2 and (full or jo) and not any(is_abbreviation(x, t2) for x in (full, jo) if x):
            title = f"{title.rstrip(':')}: {t2}" if title else t2  # a portal's subtitle
            t2 = ""
        full = t2 or full
        if jo and not full:
            full, jo = jo, ""
        abbreviation = abbreviation or jo
        full = full or bt or abbreviation
        _put(csl, "container-title", title_case(full))
        if abbreviation and abbreviation != full:
            csl["container-title-short"] = abbreviation
        _put(csl, "section", value("SE"))
    elif csl_type == "chapter":
        _put(csl, "container-title", bt or t2)
        _put(csl, "collection-title", t3)
    elif csl_type == "book":
        _put(csl, "collection-title", t2 or t3)
    elif csl_type == "paper-conference":
        proceedings = value("C3") or bt or t2
        _put(csl, "container-title", proceedings)
        _put(csl, "event-title", value("JO") or (t2 if t2 != proceedings else ""))
        _put(csl, "collection-title", t3)
    elif csl_type == "report":
        _put(csl, "collection-title", t2 or t3)
    else:
        _put(csl, "container-title", t2 or bt or value("JF", "JO"))
        _put(csl, "collection-title", t3)
    title = title or short
    if not title:
        return None
    csl["title"] = title
    if short and _shortens(short, title):
        csl["title-short"] = short

    _creators(record, code, csl_type, csl)
    issued = _issued(csl_date(value("DA")), csl_date(value("PY", "Y1")))
    if issued:
        csl["issued"] = issued
    accessed = csl_date(value("Y2"))
    if accessed and date_completeness(accessed) >= 2:
        # Ovid repeats the year in Y2; only a day or month is an access date.
        csl["accessed"] = accessed

    _put(csl, "volume", value("VL", "VO"))
    _put(csl, "issue", value("IS"))
    _put(csl, "number", value("C7"))
    _pages(record, csl_type, csl)
    _put(csl, "publisher", value("PB"))
    _put(csl, "publisher-place", value("CY", "PP"))
    _put(csl, "edition", value("ET"))
    _put(csl, "number-of-volumes", value("NV"))
    if csl_type in ("thesis", "report", "webpage", "post-weblog", "manuscript", "map"):
        _put(csl, "genre", value("M3"))
    serial = value("SN")
    if serial:
        if csl_type in PERIODICAL:
            csl["ISSN"] = serial.split()[0].strip(";,")
        elif csl_type == "report":
            csl["number"] = serial
        else:
            csl["ISBN"] = serial.split()[0].strip(";,")
    # Zotero: M3 may hold the DOI; EBSCO (CINAHL) exports put it in L3.
    doi = find_doi(value("DO")) or find_doi(value("M3")) or find_doi(value("L3"))
    _put(csl, "DOI", doi)
    language = value("LA")
    if language:
        csl["language"] = language_code(language)
    urls = [u for u in record.all("UR") if u.strip()]
    if urls:
        csl["URL"] = urls[0].split()[0]
    _put(csl, "call-number", value("CN"))
    keywords = [k.strip() for raw in record.all("KW") for k in re.split(r"[;\n]", raw) if k.strip()]
    if len(keywords) == 1:
        keywords = [k.strip() for k in keywords[0].split(",") if k.strip()]
    abstract = joined(record.all("AB") or record.all("N2"))
    return ParsedWork(
        kind="citation",
        source=path,
        csl=csl,
        abstract=abstract,
        keywords=keywords,
        extra={"record_line": str(record.line)},
    )


def _shortens(short: str, title: str) -> bool:
    """Whether ``ST`` is a short form of the title (its words all in the title, fewer of them).

    EPPI-Reviewer writes a label ("Brownstein (2024)") in ``ST``; that is no short title.
    """
    short_words, title_words = normalise_title(short).split(), normalise_title(title).split()
    return 0 < len(short_words) < len(title_words) and set(short_words) <= set(title_words)


def _put(csl: CSL, key: str, value: str) -> None:
    if value:
        csl[key] = value


def _year(date: CSL) -> int | None:
    parts = date.get("date-parts")
    return int(parts[0][0]) if parts else None


def _issued(full: CSL | None, published: CSL | None) -> CSL | None:
    """The issued date: ``DA`` beats a year-only ``PY`` of the same year.

    A ``DA`` of another year (some databases put the record's date there) loses to ``PY``.
    """
    if full is None or published is None:
        return full or published
    if _year(full) != _year(published) and _year(published) is not None:
        return published
    return max((published, full), key=date_completeness)


def _creators(record: Record, code: str, csl_type: str, csl: CSL) -> None:
    """Authors, editors, series editors and translators by tag and type (Zotero's map)."""
    authors = [csl_name(n) for n in record.all("AU", "A1")]
    a2 = [csl_name(n) for n in record.all("A2")]
    a3 = [csl_name(n) for n in record.all("A3")]
    editors = [csl_name(n) for n in record.all("ED")]
    series_editors: list[CSL] = []
    if csl_type == "book":
        editors = a3 + editors
        series_editors = a2
        if code == "EDBOOK" and not editors:
            editors, authors = authors, []
    elif csl_type in ("chapter", "paper-conference", "entry-encyclopedia", "entry-dictionary"):
        editors = a2 + editors
        series_editors = a3
    elif csl_type == "report":
        editors = a2 + editors
        series_editors = a3
    else:
        editors = a2 + editors
    for key, names in (
        ("author", authors),
        ("editor", editors),
        ("collection-editor", series_editors),
        ("translator", [csl_name(n) for n in record.all("A4")]),
    ):
        if names:
            csl[key] = names


def _pages(record: Record, csl_type: str, csl: CSL) -> None:
    """``SP``/``EP`` as a CSL page range; a book's or thesis's lone ``SP`` is its length."""
    start = " ".join(record.first("SP").split())
    end = " ".join(record.first("EP").split())
    if not start and not end:
        return
    if csl_type in ("book", "thesis", "manuscript") and start and not end and "-" not in start:
        csl["number-of-pages"] = start
        return
    start = start.replace("–", "-").replace("—", "-")
    if start and end and "-" not in start:
        csl["page"] = f"{start}-{end}"
    else:
        csl["page"] = start or end
