"""Parse a research portal's article page saved as text (Pure-style portals).

Such pages print the title, an output-type line, a citation count, the abstract, and a
metadata block whose labels are glued to their values (``Pages (from-to)75-95``), then
bullet lists (Keywords, subject areas) and boilerplate tails that are not abstract text.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.features.readings.models import ParsedWork, bare_doi, language_code

# Labels portals print in the metadata block, longest first so "Number of pages" wins over
# "Pages". The value is glued to the label on the same line.
METADATA_LABELS = sorted(
    [
        "Original language",
        "Pages (from-to)",
        "Number of pages",
        "Journal",
        "Volume",
        "Issue number",
        "Article number",
        "Publication status",
        "Early online date",
        "DOIs",
        "DOI",
        "ISSN",
        "Print ISSN",
        "Electronic ISSN",
        "ISBN (Print)",
        "ISBN (Electronic)",
        "Publisher",
        "Title of host publication",
        "Editors",
        "Place of Publication",
        "Edition",
        "Conference",
        "Country/Territory",
        "City",
        "Period",
        "State",
        "Accepted/In press date",
        "Published date",
        "Externally published",
        "Event",
    ],
    key=len,
    reverse=True,
)
LIST_HEADINGS = {
    "keywords": "keywords",
    "asjc scopus subject areas": "subjects",
    "subject areas": "subjects",
    "research areas": "subjects",
    "fields of science": "subjects",
    "sustainable development goals": "subjects",
}
TAIL_MARKERS = (
    "dive into the research topics",
    "cite this",
    "access to document",
    "link to publication",
)
OUTPUT_TYPE = re.compile(r"^Research output:\s*(?P<rest>.+)$", re.IGNORECASE)
CITATIONS = re.compile(r"^(?P<n>[\d,]+)\s+Citations?\b(?:\s*\((?P<src>[^)]+)\))?", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:[•·\-*]|\d+\.)\s+(?P<item>.+)$")
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
OUTPUT_TYPES = {
    "journal article": "article-journal",
    "conference": "paper-conference",
    "chapter": "chapter",
    "book": "book",
    "review": "review",
    "thesis": "thesis",
    "report": "report",
}


class PortalParseError(ValueError):
    """The file does not look like a portal page (no title, no abstract, no metadata)."""


def looks_like_portal(text: str) -> bool:
    """A cheap test used to route ``.txt`` files: portal pages carry these markers."""
    lowered = text.lower()
    return "research output" in lowered or any(
        label.lower() in lowered for label in ("original language", "publication status")
    )


def parse_portal(path: Path, text: str) -> ParsedWork:
    """Parse one portal page into a ``ParsedWork`` of kind ``page``."""
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
    nonblank = [(i, ln.strip()) for i, ln in enumerate(lines) if ln.strip()]
    if not nonblank:
        raise PortalParseError("the page is empty")
    title = nonblank[0][1]
    work = ParsedWork(kind="page", source=path)
    csl: dict[str, object] = {"title": title, "type": "article-journal"}

    abstract_lines: list[str] = []
    current_list: str | None = None
    seen_metadata = False
    pending_label: str | None = None
    for _idx, line in nonblank[1:]:
        lowered = line.lower()
        if any(lowered.startswith(marker) for marker in TAIL_MARKERS):
            break
        if match := OUTPUT_TYPE.match(line):
            _output_type(match.group("rest"), csl, work)
            continue
        if match := CITATIONS.match(line):
            work.extra["citations"] = match.group("n").replace(",", "")
            if match.group("src"):
                work.extra["citations_source"] = match.group("src")
            continue
        if pending_label is not None:
            # A label alone on its line (``DOIs``) has its value on the next line.
            _metadata(pending_label, line, csl, work)
            pending_label = None
            continue
        heading = lowered.rstrip(":")
        if heading in LIST_HEADINGS:
            current_list = LIST_HEADINGS[heading]
            continue
        if current_list and (bullet := BULLET.match(line)):
            target = work.keywords if current_list == "keywords" else work.subjects
            target.append(bullet.group("item").strip())
            continue
        label = next((lab for lab in METADATA_LABELS if line.startswith(lab)), None)
        if label is not None and len(line) > len(label):
            seen_metadata = True
            current_list = None
            _metadata(label, line[len(label) :].strip(), csl, work)
            continue
        if label is not None and seen_metadata or line in METADATA_LABELS:
            seen_metadata = True
            current_list = None
            pending_label = label or line
            continue
        if current_list or seen_metadata:
            # Prose after the metadata or a list is not abstract (e.g. notes, copyright).
            continue
        abstract_lines.append(line)

    work.abstract = " ".join(abstract_lines).strip()
    if not work.abstract and not seen_metadata:
        raise PortalParseError("no abstract and no metadata block found")
    work.csl = csl
    return work


def _output_type(rest: str, csl: dict[str, object], work: ParsedWork) -> None:
    lowered = rest.lower()
    # Copied from a web page, the breadcrumb's parts run together ("Journal article
    # publicationJournal articleAcademic researchpeer-review"): split where a lower-case
    # letter meets a capital or the "peer-review" tag.
    parts = re.split(r"(?<=[a-z])(?=[A-Z])|(?<=[a-z])(?=peer[- ]review)", rest.strip())
    work.extra["output_type"] = " › ".join(p.strip() for p in parts if p.strip())
    work.extra["peer_reviewed"] = (
        "yes" if "peer-review" in lowered or "peer review" in lowered else "no"
    )
    for marker, csl_type in OUTPUT_TYPES.items():
        if marker in lowered:
            csl["type"] = csl_type
            break


def _metadata(label: str, value: str, csl: dict[str, object], work: ParsedWork) -> None:
    work.extra[label] = value
    if label == "Original language":
        csl["language"] = language_code(value)
    elif label == "Pages (from-to)":
        csl["page"] = value.replace("–", "-")
    elif label == "Number of pages":
        csl["number-of-pages"] = value
    elif label in ("Journal", "Title of host publication", "Conference"):
        csl.setdefault("container-title", value)
    elif label == "Volume":
        csl["volume"] = value
    elif label == "Issue number":
        csl["issue"] = value
    elif label == "Article number":
        csl["number"] = value
    elif label in ("DOIs", "DOI"):
        csl["DOI"] = bare_doi(value.split()[0])
    elif label in ("ISSN", "Print ISSN", "Electronic ISSN"):
        csl.setdefault("ISSN", value)
    elif label.startswith("ISBN"):
        csl.setdefault("ISBN", value)
    elif label == "Publisher":
        csl["publisher"] = value
    elif label == "Place of Publication":
        csl["publisher-place"] = value
    elif label == "Edition":
        csl["edition"] = value
    elif label == "Publication status":
        date = _portal_date(value)
        if date:
            csl["issued"] = {"date-parts": [date]}
        work.extra["status"] = value.split(" - ")[0].strip()
    elif label == "Early online date":
        date = _portal_date(value)
        if date:
            csl["available-date"] = {"date-parts": [date]}


def _portal_date(value: str) -> list[int] | None:
    """Dates such as ``Published - Jan 2021`` or ``12 Mar 2020`` as CSL date-parts."""
    value = value.split(" - ", 1)[-1]
    match = re.search(r"(?:(\d{1,2})\s+)?([A-Za-z]{3})[a-z]*\.?\s+(\d{4})", value)
    if match and match.group(2).lower() in MONTHS:
        parts = [int(match.group(3)), MONTHS[match.group(2).lower()]]
        if match.group(1):
            parts.append(int(match.group(1)))
        return parts
    year = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", value)
    return [int(year.group(1))] if year else None
