"""Which fields a reading lacks for a full citation, and how the instructor can fix that.

The citation is still rendered from what there is (CSL styles degrade gracefully: "n.d.", a
title in place of authors); the note tells the student it is partial and the instructor which
file to add, since the usual cause is a portal page without its citation export.
"""

from __future__ import annotations

from bot.features.readings.models import Reading

ARTICLE_TYPES = {"article-journal", "article-magazine", "article-newspaper", "paper-conference"}
BOOK_TYPES = {"book", "report", "thesis"}
PAGED_TYPES = {"article-journal", "paper-conference", "chapter"}
CONTAINER_NAMES = {
    "article-newspaper": "newspaper",
    "article-magazine": "magazine",
    "paper-conference": "proceedings title",
    "chapter": "book title",
}
EXPORT_SUFFIXES = {".ris", ".bib", ".bibtex"}


def missing_fields(reading: Reading) -> list[str]:
    """Human names of the fields the reading's type normally needs but lacks."""
    csl = reading.csl
    kind = str(csl.get("type") or "article-journal")
    missing = []
    has_names = bool(csl.get("author")) or (kind in BOOK_TYPES and bool(csl.get("editor")))
    if not has_names:
        missing.append("authors")
    if not csl.get("title"):
        missing.append("title")
    if reading.year is None:
        missing.append("year")
    if kind in ARTICLE_TYPES or kind == "chapter":
        if not csl.get("container-title"):
            missing.append(CONTAINER_NAMES.get(kind, "journal"))
        # News and magazine pieces (often online) have no pages, volume or issue to give:
        # APA and MLA cite them by date; only journals and chapters are partial without.
        if kind in PAGED_TYPES and not csl.get("page"):
            missing.append("pages")
    if kind == "article-journal" and not (csl.get("volume") or csl.get("issue")):
        missing.append("volume or issue")
    if (kind in BOOK_TYPES or kind == "chapter") and not csl.get("publisher"):
        missing.append("publisher")
    return missing


def incomplete_names_note(reading: Reading) -> str:
    """A warning when the export listed only some names ("and others" in BibTeX).

    CSL-JSON has no way to say "and others", so the style prints only the names given; the
    student must add the rest (or write "et al." where the style asks for it).
    """
    roles = [
        key.removesuffix("_list")
        for key, value in reading.extra.items()
        if key.endswith("_list") and str(value).startswith("incomplete")
    ]
    if not roles:
        return ""
    return (
        f"The export lists only some {' and '.join(r + 's' for r in roles)} (“and others”): "
        "the entry shows only those names. Add the full list to the export before citing."
    )


def missing_note(reading: Reading) -> str:
    """A short note naming what is missing and how to fix it, or "" if nothing is."""
    missing = missing_fields(reading)
    if not missing:
        return incomplete_names_note(reading)
    what = _join(missing)
    exports = [p.name for p in reading.sources if p.suffix.lower() in EXPORT_SUFFIXES]
    others = [p.name for p in reading.sources if p.suffix.lower() not in EXPORT_SUFFIXES]
    if exports:
        fix = f"add them to `{exports[0]}` in `seeds/` (or replace it with a fuller export)."
    elif others:
        fix = (
            f"`{others[0]}` alone names no {what}; put the reading's RIS or BibTeX export "
            "(the publisher's or library's “Cite”/“Export” button) beside it in `seeds/`."
        )
    else:
        fix = "put the reading's RIS or BibTeX export in `seeds/`."
    names = incomplete_names_note(reading)
    return f"This reading has no {what}, so the citation is partial: {fix}" + (
        f" {names}" if names else ""
    )


def _join(words: list[str]) -> str:
    if len(words) <= 2:
        return " or ".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]
