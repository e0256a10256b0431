"""Parse BibTeX files (bibtexparser 2) into CSL-JSON-shaped works; a file may hold several."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares as mw
from bibtexparser.entrypoint import default_parse_stack
from bibtexparser.model import DuplicateFieldKeyBlock
from pylatexenc.latex2text import LatexNodes2Text

from bot.features.readings.models import (
    ParsedWork,
    csl_date,
    expand_initials,
    find_doi,
    language_code,
)

BIB_TYPES = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "collection": "book",
    "proceedings": "book",
    "incollection": "chapter",
    "inbook": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "manual": "report",
    "unpublished": "manuscript",
    "misc": "document",
    "online": "webpage",
    "www": "webpage",
    "electronic": "webpage",
    "dataset": "dataset",
    "software": "software",
    "patent": "patent",
}
# Zotero's BibTeX import writes these when an entry gives no ``type``.
THESIS_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
# LaTeX font commands that carry meaning in titles (a book title inside an article title,
# a species name), as CSL rich-text tags (CSL 1.0.2, "Rich text").
RICH_COMMANDS = {
    "textit": ("<i>", "</i>"),
    "emph": ("<i>", "</i>"),
    "mkbibemph": ("<i>", "</i>"),
    "textsl": ("<i>", "</i>"),
    "textbf": ("<b>", "</b>"),
    "textsc": ('<span style="font-variant:small-caps;">', "</span>"),
    "textsuperscript": ("<sup>", "</sup>"),
    "textsubscript": ("<sub>", "</sub>"),
}
RICH_SWITCHES = {"it": "textit", "em": "emph", "itshape": "textit", "bf": "textbf", "sc": "textsc"}
# Private-use placeholders carry the tags through LaTeX decoding untouched.
OPEN, CLOSE = "\ue000", "\ue001"


class BibtexParseError(ValueError):
    """A BibTeX file with a block that cannot be parsed; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


def parse_bibtex(
    path: Path, text: str, max_records: int = 2000
) -> tuple[list[ParsedWork], list[str]]:
    """Parse every entry; return the works and a warning per block that failed.

    A file with no entry at all raises :class:`BibtexParseError`.
    """
    # LaTeX decoding is by far the slowest step, so it runs only on values that hold LaTeX
    # (see ``_clean``) rather than through bibtexparser's middleware on every field.
    library = bibtexparser.parse_string(text, append_middleware=_name_middleware())
    warnings = []
    entries = list(library.entries)
    for block in library.failed_blocks:
        line = (getattr(block, "start_line", 0) or 0) + 1
        if isinstance(block, DuplicateFieldKeyBlock):
            # Zotero keeps such an entry; so do we, with the first value of each field.
            entry = _first_values(block.ignore_error_block)
            keys = ", ".join(f"`{k}`" for k in sorted(block.duplicate_keys))
            warnings.append(
                f"line {line}: entry `{entry.key}` has the field {keys} more than once; "
                "the first value is kept"
            )
            entries.append(entry)
            continue
        error = getattr(block, "error", None)
        reason = (str(error).splitlines() or [""])[0] if error else ""
        if not reason and "BlockAborted" in type(error).__name__:
            reason = "unclosed entry: a brace or quote is missing"
        warnings.append(f"line {line}: could not parse this entry ({reason or 'syntax error'})")
    if len(entries) > max_records:
        warnings.append(
            f"more than {max_records} entries (MAX_RECORDS_PER_FILE); the first {max_records} "
            "are read"
        )
        entries = entries[:max_records]
    works = [_work(path, entry) for entry in entries]
    if not works:
        first = warnings[0] if warnings else "no @entry found"
        raise BibtexParseError(first)
    return works, warnings


def _name_middleware() -> list[mw.Middleware]:
    return [mw.SeparateCoAuthors(), mw.SplitNameParts()]


def _first_values(entry: bibtexparser.model.Entry) -> bibtexparser.model.Entry:
    """An entry with a duplicated field, reduced to each field's first value.

    It then gets the name splitting the parser applies to entries without errors.
    """
    seen: set[str] = set()
    kept = []
    for f in entry.fields:
        if f.key.lower() not in seen:
            seen.add(f.key.lower())
            kept.append(f)
    entry.fields = kept
    library = bibtexparser.Library([entry])
    stack = [*default_parse_stack(allow_inplace_modification=True), *_name_middleware()]
    for middleware in stack:
        library = middleware.transform(library)
    return library.entries[0]


@lru_cache(maxsize=1)
def _latex() -> LatexNodes2Text:
    return LatexNodes2Text()


def _clean(value: object) -> str:
    """A field's text: LaTeX decoded, protective braces dropped, font commands as CSL tags."""
    value = str(value)
    rich = "\\" in value and any(f"\\{c}" in value for c in (*RICH_COMMANDS, *RICH_SWITCHES))
    if rich:
        value = _mark_rich(value)
    if "\\" in value or "$" in value or "~" in value:
        value = _latex().latex_to_text(value)
    value = re.sub(r"\s+", " ", str(value).replace("{", "").replace("}", "")).strip()
    if rich:
        value = _unmark_rich(value)
    return value


def _matching_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start`` (or the end of the text)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _mark_rich(text: str) -> str:
    r"""``\textit{X}`` and ``{\it X}`` → placeholder-wrapped X, so decoding keeps them."""
    out: list[str] = []
    i = 0
    pattern = re.compile(
        r"\\(" + "|".join(RICH_COMMANDS) + r")\s*\{|\{\\(" + "|".join(RICH_SWITCHES) + r")\b\s*"
    )
    while (match := pattern.search(text, i)) is not None:
        out.append(text[i : match.start()])
        command = match.group(1) or RICH_SWITCHES[match.group(2)]
        brace = match.end() - 1 if match.group(1) else match.start()
        end = _matching_brace(text, brace)
        inner = text[match.end() : end]
        out.append(f"{OPEN}{command}{CLOSE}{_mark_rich(inner)}{OPEN}/{command}{CLOSE}")
        i = end + 1
    out.append(text[i:])
    return "".join(out)


def _unmark_rich(text: str) -> str:
    def tag(match: re.Match[str]) -> str:
        closing, command = match.group(1), match.group(2)
        opening, ending = RICH_COMMANDS[command]
        return ending if closing else opening

    return re.sub(f"{OPEN}(/?)(\\w+){CLOSE}", tag, text)


def _work(path: Path, entry: bibtexparser.model.Entry) -> ParsedWork:
    """One entry as CSL, field by field as Zotero's ``BibTeX.js`` import maps them."""
    fields: dict[str, object] = {}
    for f in entry.fields:
        fields.setdefault(f.key.lower(), f.value)  # a duplicated field keeps its first value
    entry_type = entry.entry_type.lower()
    csl_type = BIB_TYPES.get(entry_type, "document")
    csl: dict[str, object] = {"type": csl_type}
    extra: dict[str, str] = {"bibtex_key": entry.key}

    cleaned: dict[str, str] = {}

    def text(*keys: str) -> str:
        # Decoding LaTeX is the slow step: each field is cleaned once, when first asked for.
        for key in keys:
            if key in fields:
                if key not in cleaned:
                    cleaned[key] = _clean(fields[key])
                if cleaned[key]:
                    return cleaned[key]
        return ""

    def put(key: str, value: str) -> None:
        if value:
            csl[key] = value

    put("title", text("title"))
    put("title-short", text("shorttitle"))
    if csl_type == "book" and not csl.get("title"):
        put("title", text("booktitle"))
    container = text("journal", "journaltitle")
    if csl_type in ("chapter", "paper-conference"):
        container = text("booktitle") or container
    put("container-title", container)
    put("container-title-short", text("shortjournal", "journalabbreviation"))
    put("collection-title", text("series"))
    put("event-title", text("eventtitle"))
    put("event-place", text("venue"))
    for role, keys in (("author", ("author",)), ("editor", ("editor",))):
        names = [n for key in keys if key in fields for n in fields[key]]
        if not names:
            continue
        listed = [
            n for n in names if _clean(n if isinstance(n, str) else _name_text(n)) != "others"
        ]
        if len(listed) < len(names):
            extra[f"{role}_list"] = "incomplete (and others): cite with et al."
        if listed:
            csl[role] = [_name(n) for n in listed]
    issued = _issued(fields)
    if issued:
        csl["issued"] = issued
    accessed = csl_date(text("urldate"))
    if accessed and "date-parts" in accessed:
        csl["accessed"] = accessed
    put("volume", text("volume"))
    number = text("number", "issue")
    if csl_type in ("report", "patent", "dataset", "software"):
        put("number", number)
    elif csl_type in ("book", "paper-conference", "chapter") and "series" in fields:
        put("collection-number", number)
    else:
        put("issue", number)
    put("chapter-number", text("chapter"))
    put("edition", text("edition"))
    publisher = text("publisher")
    if csl_type == "report":
        publisher = text("institution") or publisher
    elif csl_type == "thesis":
        publisher = text("school", "institution") or publisher
    elif csl_type == "paper-conference":
        publisher = publisher or text("organization")
    elif csl_type in ("document", "webpage") and not publisher:
        howpublished = text("howpublished")
        if howpublished and not howpublished.lower().startswith(("http", "url")):
            publisher = howpublished
    put("publisher", publisher)
    put("publisher-place", text("address", "location"))
    genre = text("type")
    if csl_type == "thesis" and not genre:
        genre = THESIS_GENRES.get(entry_type, "")
    put("genre", genre)
    put("note", text("note"))
    put("DOI", find_doi(text("doi")) or text("doi"))
    put("ISSN", text("issn"))
    put("ISBN", text("isbn"))
    url = text("url")
    if not url and csl_type in ("document", "webpage"):
        url = (
            re.sub(r"^\\?url\s*", "", text("howpublished"))
            if "http" in text("howpublished")
            else ""
        )
    put("URL", url)
    language = text("langid", "language")
    if language:
        csl["language"] = language_code(language)
    if "pages" in fields:
        csl["page"] = re.sub(r"\s*-{1,3}\s*|–", "-", _clean(fields["pages"]))
    put("number-of-pages", text("pagetotal"))
    keywords = [k.strip() for k in re.split(r"[;,]", text("keywords")) if k.strip()]
    return ParsedWork(
        kind="citation",
        source=path,
        csl=csl,
        abstract=text("abstract"),
        keywords=keywords,
        extra=extra,
    )


def _issued(fields: dict[str, object]) -> dict[str, object] | None:
    """``date`` (biblatex, full or "in press") else ``year`` with ``month``/``day``."""
    if "date" in fields:
        date = csl_date(_clean(fields["date"]))
        if date:
            return date
    year_text = _clean(fields.get("year", ""))
    if not year_text:
        return None
    year = re.search(r"\d{4}", year_text)
    if not year:
        return {"literal": year_text}
    parts = [int(year.group())]
    month = _clean(fields.get("month", "")).lower()[:3]
    if month.isdigit() and 1 <= int(month) <= 12:
        parts.append(int(month))
    elif month in MONTHS:
        parts.append(MONTHS[month])
    day = _clean(fields.get("day", ""))
    if len(parts) == 2 and day.isdigit() and 1 <= int(day) <= 31:
        parts.append(int(day))
    return {"date-parts": [parts]}


def _name_text(name: object) -> str:
    parts = [*getattr(name, "first", []), *getattr(name, "von", []), *getattr(name, "last", [])]
    return " ".join(parts)


def _name(name: object) -> dict[str, str]:
    """A bibtexparser ``NameParts`` (or a plain string) as a CSL name.

    The "von" part becomes ``non-dropping-particle`` (CSL 1.0.2, "Name-part order"); a name
    in braces (``{World Bank}``) is a corporate author, kept whole as ``literal``.
    """
    first = getattr(name, "first", None)
    if first is None:
        return {"literal": _clean(name)}
    von = " ".join(getattr(name, "von", []))
    family = " ".join(getattr(name, "last", []))
    given = " ".join(first)
    suffix = " ".join(getattr(name, "jr", []))
    if not given and not von and len(getattr(name, "last", [])) > 1:
        return {"literal": _clean(family)}
    if not given and not von and family.startswith("{") and family.endswith("}"):
        return {"literal": _clean(family)}
    result = {"family": _clean(family)}
    if given:
        result["given"] = expand_initials(_clean(given))
    if von:
        result["non-dropping-particle"] = _clean(von)
    if suffix:
        result["suffix"] = _clean(suffix)
    return result
