"""Line-tagged export formats (RIS, Web of Science plain text, MEDLINE/nbib) read as records.

All three print one field per line behind a short tag, continue long values on indented
lines and end a record with a tag or a blank line. One reader serves them, so that each
keeps the good records of a file with a bad one, says which line was wrong, and stops at
the record limit without building the whole file in memory.

Formats (the producers' own descriptions, and Zotero's ``RIS.js``, ``Web of Science
Tagged.js`` and ``PubMed - MEDLINE.js`` import translators, which these rules follow):

- RIS: ``TY  - JOUR`` … ``ER  -``; tag = two characters, one or two spaces, ``-``.
- Web of Science: ``FN``/``VR`` header, ``PT J`` … ``ER``, ``EF``; tag, one space, value;
  continuation lines start with three spaces.
- MEDLINE: ``PMID- 123`` starts a record, a blank line ends it; tags of up to four letters
  padded to four, then ``- ``; continuation lines start with six spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

W = TypeVar("W")

RIS_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: ?(.*))?$")
WOS_LINE = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
MEDLINE_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- (.*)$")


@dataclass
class Record:
    """One record: its tags in file order, each with its value and 1-based line."""

    line: int
    fields: list[tuple[str, str, int]] = field(default_factory=list)
    _index: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    def _values(self) -> dict[str, list[str]]:
        # Built on first lookup, once the reader has finished the record (mappers only read).
        if self._index is None:
            index: dict[str, list[str]] = {}
            for tag, value, _ in self.fields:
                index.setdefault(tag, []).append(value)
            self._index = index
        return self._index

    def first(self, *tags: str) -> str:
        """The first non-empty value of the first of ``tags`` present, or ""."""
        index = self._values()
        for tag in tags:
            for value in index.get(tag, ()):
                if value:
                    return value
        return ""

    def all(self, *tags: str) -> list[str]:
        """Every non-empty value of any of ``tags``, in file order."""
        if len(tags) == 1:
            return [v for v in self._values().get(tags[0], ()) if v]
        wanted = set(tags)
        return [value for t, value, _ in self.fields if t in wanted and value]

    def has(self, tag: str) -> bool:
        """Whether the record holds ``tag`` with a value."""
        return any(self._values().get(tag, ()))


@dataclass
class ReadReport:
    """The outcome of reading a file: records as they come, and what was wrong with it."""

    warnings: list[str] = field(default_factory=list)
    truncated: bool = False

    def over_limit(self, count: int, max_records: int, line: int) -> bool:
        """Whether ``count`` records already reach the limit; if so, say where reading stopped."""
        if count < max_records:
            return False
        self.truncated = True
        self.warnings.append(
            f"line {line}: more than {max_records} records (MAX_RECORDS_PER_FILE); "
            "the rest of the file is not read"
        )
        return True


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Numbered lines without building a list of the whole file."""
    number = 0
    start = 0
    length = len(text)
    while start < length:
        end = text.find("\n", start)
        if end == -1:
            end = length
        number += 1
        yield number, text[start:end].rstrip("\r").lstrip("\ufeff")
        start = end + 1


def ris_records(text: str, max_records: int, report: ReadReport) -> Iterator[Record]:
    """RIS records, in order; problems go to ``report.warnings`` with their line.

    Tags before a ``TY`` (some exports print ``DB``/``TI`` first) are kept and read as part
    of the record that follows; a record whose ``ER`` is missing ends at the next ``TY`` or
    at the end of the file; lines without a tag continue the previous value.
    """
    current: Record | None = None
    stray: list[tuple[str, str, int]] = []
    count = 0
    for number, line in _lines(text):
        if not line.strip():
            continue
        match = RIS_LINE.match(line)
        if match is None:
            target = current.fields if current else stray
            if target:
                tag, value, at = target[-1]
                target[-1] = (tag, f"{value}\n{line.strip()}" if value else line.strip(), at)
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if current is not None:
                report.warnings.append(
                    f"line {current.line}: record has no ER line; read up to the next TY"
                )
                yield current
            if report.over_limit(count, max_records, number):
                return
            count += 1
            current = Record(line=number, fields=[("TY", value, number)])
            if stray:
                tags = ", ".join(dict.fromkeys(t for t, _, _ in stray))
                report.warnings.append(
                    f"line {stray[0][2]}: tags before TY ({tags}) read as part of the "
                    f"record that starts on line {number}"
                )
                current.fields.extend(stray)
                stray = []
        elif tag == "ER":
            if current is None:
                if stray:
                    report.warnings.append(
                        f"line {stray[0][2]}: tags without a TY line are not read"
                    )
                    stray = []
                continue
            yield current
            current = None
        elif current is not None:
            current.fields.append((tag, value, number))
        else:
            stray.append((tag, value, number))
    if current is not None:
        report.warnings.append(f"line {current.line}: record has no closing ER line; read whole")
        yield current
    elif stray:
        report.warnings.append(f"line {stray[0][2]}: tags after the last record are not read")


def wos_records(text: str, max_records: int, report: ReadReport) -> Iterator[Record]:
    """Web of Science plain-text records (``PT`` … ``ER``); ``FN``/``VR``/``EF`` skipped."""
    current: Record | None = None
    count = 0
    for number, line in _lines(text):
        if not line.strip():
            continue
        if line.startswith("   ") and current is not None and current.fields:
            current.fields.append((current.fields[-1][0], line.strip(), number))
            continue
        match = WOS_LINE.match(line)
        if match is None:
            report.warnings.append(f"line {number}: not a Web of Science tag line; ignored")
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag in ("FN", "VR", "EF"):
            continue
        if tag == "ER":
            if current is not None:
                yield current
            current = None
            continue
        if current is None:
            if report.over_limit(count, max_records, number):
                return
            count += 1
            current = Record(line=number)
        current.fields.append((tag, value, number))
    if current is not None:
        report.warnings.append(f"line {current.line}: record has no closing ER line; read whole")
        yield current


def medline_records(text: str, max_records: int, report: ReadReport) -> Iterator[Record]:
    """MEDLINE records: each starts at ``PMID-`` and ends at a blank line."""
    current: Record | None = None
    count = 0
    for number, line in _lines(text):
        if not line.strip():
            if current is not None:
                yield current
            current = None
            continue
        if line.startswith("      ") and current is not None and current.fields:
            tag, value, at = current.fields[-1]
            current.fields[-1] = (tag, f"{value} {line.strip()}", at)
            continue
        match = MEDLINE_LINE.match(line)
        if match is None:
            report.warnings.append(f"line {number}: not a MEDLINE tag line; ignored")
            continue
        tag, value = match.group(1), match.group(2).strip()
        if current is None or tag == "PMID" and any(t == "PMID" for t, _, _ in current.fields):
            if current is not None:
                yield current
            if report.over_limit(count, max_records, number):
                return
            count += 1
            current = Record(line=number)
        current.fields.append((tag, value, number))
    if current is not None:
        yield current


def read_works(
    records: Iterator[Record],
    to_work: Callable[[Record], W | None],
    report: ReadReport,
    title_tags: str,
    error: type[ValueError],
    empty: str,
) -> tuple[list[W], list[str]]:
    """Map every record to a work, warning (with its line) for each record without a title.

    Raises ``error`` when the file gave no work at all, with the first problem met (or
    ``empty`` when there was none: no record in the file).
    """
    works = []
    for record in records:
        work = to_work(record)
        if work is None:
            report.warnings.append(f"line {record.line}: record has no title ({title_tags})")
        else:
            works.append(work)
    if not works:
        raise error(report.warnings[0] if report.warnings else empty)
    return works, report.warnings


def sniff(text: str) -> str:
    """Which tagged format a text is: ``"ris"``, ``"wos"``, ``"medline"`` or ``""``.

    Decided from the first ten tag lines, as Zotero's translators' ``detectImport`` do.
    """
    lines = [ln.lstrip("\ufeff").rstrip() for ln in text[:4000].splitlines() if ln.strip()]
    for line in lines[:10]:
        if line.startswith("TY") and RIS_LINE.match(line):
            return "ris"
        if line.startswith("PMID") and MEDLINE_LINE.match(line):
            return "medline"
        if line.startswith(("FN ", "VR ")) or line.startswith("PT ") and len(line) == 4:
            return "wos"
    return ""


def joined(values: Iterable[str], sep: str = " ") -> str:
    """Continuation pieces of one value joined into one line of text."""
    return sep.join(" ".join(v.split()) for v in values if v.strip())
