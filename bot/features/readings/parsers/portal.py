"""Parse a research portal's article page saved as text (Pure-style portals).

Such pages print the title, an output-type line, a citation count, the abstract, and a
metadata block whose labels are glued to their values (``Pages (from-to)75-95``), then
bullet lists (Keywords, subject areas) and boilerplate tails that are not abstract text.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.features.readings.models import ParsedWork, find_doi, given_first_name, language_code

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
CITATIONS_TAB = re.compile(r"^Citations?\s*\((?P<n>[\d,]+)\)$", re.IGNORECASE)  # a page tab
BULLET = re.compile(r"^\s*(?:[•·\-*]|\d+\.)\s+(?P<item>.+)$")
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
# Pure breadcrumbs: "Contribution to journal › Article › peer-review", "Research output:
# Chapter in Book/Report/Conference proceeding › Chapter", "… › Book/Film/Article review".
# Matched part by part, most specific first; "peer-review" is a flag, never a type.
OUTPUT_TYPES = [
    ("book/film/article review", "review"),
    ("book review", "review-book"),
    ("conference", "paper-conference"),
    ("proceeding", "paper-conference"),
    ("chapter", "chapter"),
    ("entry for encyclopedia", "entry-encyclopedia"),
    ("doctoral thesis", "thesis"),
    ("thesis", "thesis"),
    ("working paper", "report"),
    ("report", "report"),
    ("anthology", "book"),
    ("book", "book"),
    ("journal", "article-journal"),
    ("article", "article-journal"),
]
# Labels that never open a sentence: they count wherever they stand. The other labels
# ("City", "Journal", "Volume"…) are ordinary words too, so before the metadata block
# they count only glued to their value ("JournalJournal of…"), as portals print them.
STRONG_LABELS = {
    "Original language",
    "Pages (from-to)",
    "Number of pages",
    "Issue number",
    "Article number",
    "Publication status",
    "Early online date",
    "DOIs",
    "Print ISSN",
    "Electronic ISSN",
    "ISBN (Print)",
    "ISBN (Electronic)",
    "Title of host publication",
    "Place of Publication",
    "Accepted/In press date",
    "Externally published",
    "Country/Territory",
}
# Navigation a whole-page copy (Ctrl+A) brings before the title.
NAVIGATION = re.compile(
    r"^(skip to .*|search by expertise.*|help ?& ?faq|home|profiles|research units|"
    r"research output|projects|datasets|activities|prizes|press ?/ ?media|student theses|"
    r"equipment|courses|impacts|log ?in|english|nederlands|deutsch|français|español|"
    r"svenska|dansk|suomi|norsk|search|menu|.*\bportal home)$",
    re.IGNORECASE,
)
NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[a-z]{1,3}\s+){0,2}[A-Z][\w'’.-]*){1,4}"
INSTITUTION = re.compile(  # an affiliation line under the authors is no author
    r"\b(Department|University|School|Institute|Centre|Center|Faculty|College|Laboratory|"
    r"Program(me)?|Division|Academy)\b"
)
AUTHOR_LIST = re.compile(rf"^\s*(?:{NAME})\s*\*?(?:\s*(?:,|&|and)\s*(?:{NAME})\s*\*?)*\s*,?$")


class PortalParseError(ValueError):
    """The file does not look like a portal page (no title, no abstract, no metadata)."""


def looks_like_portal(text: str) -> bool:
    """A cheap test used to route ``.txt`` files: portal pages carry these markers."""
    lowered = text.lower()
    return "research output" in lowered or any(
        label.lower() in lowered for label in ("original language", "publication status")
    )


def parse_portal(path: Path, text: str) -> ParsedWork:
    """Parse one portal page into a ``ParsedWork`` of kind ``page``.

    The page's head (lines before "Research output:") holds the title and the author list,
    after any navigation a whole-page copy brings; the body holds the abstract, then the
    metadata block and the lists.
    """
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
    nonblank = [ln.strip() for ln in lines if ln.strip()]
    if not nonblank:
        raise PortalParseError("the page is empty")
    output_at = next((i for i, ln in enumerate(nonblank) if OUTPUT_TYPE.match(ln)), None)
    head = nonblank[:output_at] if output_at is not None else nonblank[:1]
    body = nonblank[len(head) :]
    work = ParsedWork(kind="page", source=path)
    title, authors = _head(head)
    if not title:
        raise PortalParseError("no title found before the 'Research output' line")
    csl: dict[str, object] = {"title": title, "type": "article-journal"}
    if authors:
        csl["author"] = authors

    abstract_lines: list[str] = []
    current_list: str | None = None
    seen_metadata = False
    pending_label: str | None = None
    for line in body:
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
        bullet = BULLET.match(line)
        item = bullet.group("item").strip() if bullet else line
        if pending_label is not None:
            # A label alone on its line (``DOIs``) has its value on the next line, at times
            # as a bullet.
            _metadata(pending_label, item, csl, work)
            pending_label = None
            continue
        if match := CITATIONS_TAB.match(line):
            work.extra["citations"] = match.group("n").replace(",", "")
            continue
        if not seen_metadata and item.lower() == "abstract":
            # The heading: what came before it is the page's furniture (authors,
            # affiliations, tabs), never abstract text; authors listed there are read.
            if not authors:
                _, found = _head(["(title)", *abstract_lines])
                authors.extend(found)
                if authors:
                    csl["author"] = authors
            abstract_lines = []
            continue
        if not seen_metadata and not abstract_lines and item.lower() == "overview":
            continue  # the page's tab, not abstract text
        heading = lowered.rstrip(":")
        if heading in LIST_HEADINGS:
            current_list = LIST_HEADINGS[heading]
            continue
        if current_list and (bullet or _list_item(line)):
            target = work.keywords if current_list == "keywords" else work.subjects
            target.append(item)
            continue
        label = _label(line, seen_metadata)
        if label is not None and len(line) > len(label):
            seen_metadata = True
            current_list = None
            _metadata(label, line[len(label) :].strip(), csl, work)
            continue
        if line in METADATA_LABELS and (seen_metadata or line in STRONG_LABELS):
            seen_metadata = True
            current_list = None
            pending_label = line
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


def _label(line: str, in_metadata: bool) -> str | None:
    """The metadata label a line starts with, if it counts as one here (see STRONG_LABELS)."""
    for label in METADATA_LABELS:
        if not line.startswith(label):
            continue
        if in_metadata or label in STRONG_LABELS:
            return label
        rest = line[len(label) :]
        if rest and not rest[0].isspace():  # glued: "JournalJournal of…", "Volume12"
            return label
    return None


def _list_item(line: str) -> bool:
    """A list entry copied without its bullet: a short phrase, not a label or a sentence."""
    return (
        len(line) <= 60
        and not line.endswith((".", ":"))
        and line not in METADATA_LABELS
        and _label(line, True) is None
    )


def _head(head: list[str]) -> tuple[str, list[dict[str, str]]]:
    """Title and authors from the lines before "Research output:"."""
    lines = list(head)
    if any(ln.lower().startswith("skip to ") for ln in lines):
        last_nav = max(i for i, ln in enumerate(lines) if NAVIGATION.match(ln))
        lines = lines[last_nav + 1 :]
    lines = [ln for ln in lines if not NAVIGATION.match(ln) or BULLET.match(ln)]
    title = ""
    authors: list[dict[str, str]] = []
    for line in lines:
        bullet = BULLET.match(line)
        item = (bullet.group("item") if bullet else line).strip().strip(",").strip()
        if not title and not bullet:
            title = line
            continue
        if not title:
            continue
        if bullet or AUTHOR_LIST.match(item):
            for name in re.split(r"\s*(?:,|&|\band\b)\s*", item):
                name = name.strip(" *")
                if name and re.fullmatch(NAME, name) and not INSTITUTION.search(name):
                    authors.append(given_first_name(name))
    return title, authors


def _output_type(rest: str, csl: dict[str, object], work: ParsedWork) -> None:
    lowered = rest.lower()
    # Copied from a web page, the breadcrumb's parts run together ("Journal article
    # publicationJournal articleAcademic researchpeer-review"): split where a lower-case
    # letter meets a capital or the "peer-review" tag.
    parts = re.split(r"\s*›\s*|(?<=[a-z])(?=[A-Z])|(?<=[a-z])(?=peer[- ]review)", rest.strip())
    parts = [p.strip() for p in parts if p.strip()]
    work.extra["output_type"] = " › ".join(parts)
    work.extra["peer_reviewed"] = (
        "yes" if "peer-review" in lowered or "peer review" in lowered else "no"
    )
    kinds = [p.lower() for p in parts if not re.fullmatch(r"peer[- ]review", p.lower())]
    # The last part is the most specific ("… › Chapter"), so it is tried first.
    for kind in reversed(kinds):
        csl_type = next((t for marker, t in OUTPUT_TYPES if marker in kind), None)
        if csl_type:
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
        doi = find_doi(value)
        if doi:
            csl["DOI"] = doi
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
    elif label in ("Publication status", "State"):
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
