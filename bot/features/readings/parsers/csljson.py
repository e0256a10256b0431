"""Read CSL-JSON (Zotero's and Better BibTeX's "CSL JSON" export): a ``.json`` array of items.

CSL-JSON is already the bot's own shape, so an item is kept as it is, checked against the
CSL 1.0.2 schema's variable names (anything else is dropped with a warning naming it) and
tidied: date-parts as integers, a DOI without its resolver, a language name as its tag.
``abstract`` and ``keyword`` move to the work's abstract and keywords. An item's ``id`` that
is a usable slug (a citation key such as ``kan2021serving``, not Zotero's numeric or URL
ids), or else its ``citation-key``, becomes the reading's id.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.features.readings.models import CSL, ParsedWork, bare_doi, csl_date, language_code

# CSL 1.0.2 variables (csl-data.json schema): standard, number, date and name variables.
STRING_VARIABLES = {
    "type", "id", "citation-key", "categories", "language", "journalAbbreviation",
    "shortTitle", "abstract", "annote", "archive", "archive_collection", "archive_location",
    "archive-place", "authority", "call-number", "chapter-number", "citation-number",
    "citation-label", "collection-number", "collection-title", "container-title",
    "container-title-short", "dimensions", "division", "DOI", "edition", "event",
    "event-title", "event-place", "first-reference-note-number", "genre", "ISBN", "ISSN",
    "issue", "jurisdiction", "keyword", "locator", "medium", "note", "number",
    "number-of-pages", "number-of-volumes", "original-publisher", "original-publisher-place",
    "original-title", "page", "page-first", "part", "part-title", "PMCID", "PMID", "printing",
    "publisher", "publisher-place", "references", "reviewed-genre", "reviewed-title",
    "scale", "section", "source", "status", "supplement", "title", "title-short", "URL",
    "version", "volume", "volume-title", "volume-title-short", "year-suffix",
}  # fmt: skip
NAME_VARIABLES = {
    "author", "chair", "collection-editor", "compiler", "composer", "container-author",
    "contributor", "curator", "director", "editor", "editorial-director",
    "executive-producer", "guest", "host", "interviewer", "illustrator", "narrator",
    "organizer", "original-author", "performer", "producer", "recipient", "reviewed-author",
    "script-writer", "series-creator", "translator",
}  # fmt: skip
DATE_VARIABLES = {
    "accessed",
    "available-date",
    "event-date",
    "issued",
    "original-date",
    "submitted",
}
USABLE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_:-]{1,63}")


class CslJsonParseError(ValueError):
    """A ``.json`` file that is not a CSL-JSON item list."""


def looks_like_csl_json(text: str) -> bool:
    """Whether a ``.json`` file is CSL-JSON: an array of items, or one item, with a ``type``.

    Other ``.json`` files in seeds/ are course data, not readings, and are left alone. One
    bare item is what a DOI resolver answers and what people save from it.
    """
    head = text.lstrip()[:4000]
    return head.startswith(("[", "{")) and re.search(r'"type"\s*:', head) is not None


def parse_csl_json(
    path: Path, text: str, max_records: int = 2000
) -> tuple[list[ParsedWork], list[str]]:
    """Every item as a work; a warning for each item or variable that was left out."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CslJsonParseError(f"line {exc.lineno}: not valid JSON ({exc.msg})") from exc
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    elif isinstance(data, dict) and isinstance(data.get("type"), str):
        data = [data]  # one item, not wrapped in an array
    if not isinstance(data, list):
        raise CslJsonParseError("expected a JSON array of CSL items")
    warnings: list[str] = []
    if len(data) > max_records:
        warnings.append(
            f"more than {max_records} items (MAX_RECORDS_PER_FILE); the first {max_records} "
            "are read"
        )
        data = data[:max_records]
    works = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not str(item.get("title", "")).strip():
            warnings.append(f"item {number}: not a CSL item with a title; skipped")
            continue
        works.append(_work(path, item, number, warnings))
    if not works:
        raise CslJsonParseError(warnings[0] if warnings else "the array holds no item")
    return works, warnings


def _work(path: Path, item: dict[str, Any], number: int, warnings: list[str]) -> ParsedWork:
    csl: CSL = {}
    unknown = []
    for key, value in item.items():
        if value in (None, "", [], {}):
            continue
        if key in NAME_VARIABLES and isinstance(value, list):
            names = [_name(n) for n in value if isinstance(n, dict)]
            if names:
                csl[key] = names
        elif key in DATE_VARIABLES:
            date = _date(value)
            if date:
                csl[key] = date
        elif key in STRING_VARIABLES:
            csl[key] = value if isinstance(value, str) else str(value)
        elif key not in ("custom", "system_id"):
            unknown.append(key)
    if unknown:
        warnings.append(f"item {number}: not CSL variables, left out: {', '.join(unknown)}")
    # Zotero writes these two under their Zotero names in older exports.
    if "journalAbbreviation" in csl:
        csl.setdefault("container-title-short", csl.pop("journalAbbreviation"))
    if "shortTitle" in csl:
        csl.setdefault("title-short", csl.pop("shortTitle"))
    csl.setdefault("type", "article-journal")
    item_id = str(csl.pop("id", "") or "")
    abstract = str(csl.pop("abstract", "")).strip()
    keywords = [k.strip() for k in re.split(r"[,;]", str(csl.pop("keyword", ""))) if k.strip()]
    if "DOI" in csl:
        csl["DOI"] = bare_doi(str(csl["DOI"]))
    if "language" in csl:
        csl["language"] = language_code(str(csl["language"]))
    extra = {"record_line": f"item {number}"}
    # Zotero's own ids are URLs; Better BibTeX's are citation keys (also in citation-key).
    for candidate in (item_id, str(csl.get("citation-key", ""))):
        if USABLE_ID.fullmatch(candidate) and not candidate.isdigit():
            extra["csl_id"] = candidate
            break
    return ParsedWork(
        kind="citation", source=path, csl=csl, abstract=abstract, keywords=keywords, extra=extra
    )


def _name(name: dict[str, Any]) -> CSL:
    return {k: str(v) for k, v in name.items() if v not in (None, "") and isinstance(k, str)}


def _date(value: object) -> CSL | None:
    """A CSL date with integer date-parts (Zotero writes ``["2021", 3]`` at times)."""
    if isinstance(value, str):
        return csl_date(value)
    if not isinstance(value, dict):
        return None
    if value.get("date-parts"):
        parts = []
        for run in value["date-parts"]:
            try:
                ints = [int(p) for p in run if str(p).strip()]
            except (TypeError, ValueError):
                continue
            if ints:
                parts.append(ints[:3])
        if parts:
            date: CSL = {"date-parts": parts}
            for key in ("circa", "season"):
                if key in value:
                    date[key] = value[key]
            return date
    if value.get("raw"):
        return csl_date(str(value["raw"]))
    if value.get("literal"):
        return {"literal": str(value["literal"])}
    return None
