"""Read a reading's full text from a PDF: cleaned, page by page, with its own title and DOI.

The layout work is in ``bot.features.readings.fulltext``; this module decides the metadata:
the PDF's Info title and author are used only when the title agrees with the first page (a
stale "System Model" or "Microsoft Word - draft3.docx" must not name the reading), otherwise
the first page's largest text is the title; a DOI is taken only from the first page outside
its reference list, or from metadata that agrees with the first page — none rather than the
DOI of a cited work.
"""

from __future__ import annotations

import re
from pathlib import Path

from rapidfuzz import fuzz

from bot.features.readings import fulltext
from bot.features.readings.fulltext import PdfLimitError, PdfLimits
from bot.features.readings.models import ParsedWork, normalise_title

ABSTRACT_FALLBACK = re.compile(r"^\s*abstract\b", re.IGNORECASE)
TITLE_AGREES = 85.0


class PdfParseError(ValueError):
    """A PDF that cannot be opened, is over a budget, needs a password or has no text layer."""


def parse_pdf(path: Path, limits: PdfLimits | None = None) -> ParsedWork:
    """Read, clean and describe one PDF; every failure becomes ``PdfParseError`` with a reason."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException

    try:
        pages, labels, meta = fulltext.extract(path, limits)
    except PdfLimitError as exc:
        raise PdfParseError(str(exc)) from exc
    except PDFPasswordIncorrect as exc:
        raise PdfParseError(
            "the PDF is encrypted with a password (save it without one to use it)"
        ) from exc
    except PDFEncryptionError as exc:
        raise PdfParseError(f"the PDF's encryption is not supported ({exc})") from exc
    except MemoryError as exc:
        raise PdfParseError("the PDF needs more memory than a reading may take") from exc
    except (PSException, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PdfParseError(f"cannot read the PDF ({type(exc).__name__}: {exc})") from exc
    except RecursionError as exc:
        raise PdfParseError("the PDF's structure is nested too deeply to read") from exc
    full = fulltext.clean(pages, labels)
    if full.words < 20:
        raise PdfParseError("no text layer (a scanned PDF?); add the portal page instead")
    csl: dict[str, object] = {"type": "article-journal"}
    extra = {"pdf": full.report()}
    meta_title = meta.get("Title", "").strip()
    page_title = full.title or _first_line(full)
    agrees = bool(meta_title) and _agrees(meta_title, page_title, full.first_page)
    if agrees:
        csl["title"] = meta_title
        author = meta.get("Author", "").strip()
        if author:
            csl["author"] = [
                _name(a) for a in re.split(r";| and |, (?=[A-Z][a-z]+ [A-Z])", author) if a.strip()
            ]
    else:
        csl["title"] = page_title[:300]
        if meta_title:
            extra["title"] = (
                f"from the first page (the PDF's metadata title “{meta_title[:80]}” "
                "does not match it)"
            )
    doi = fulltext.first_page_doi(full)
    meta_doi = fulltext.DOI.search(" ".join(meta.get(k, "") for k in ("doi", "Subject", "DOI")))
    if not doi and agrees and meta_doi:
        doi = meta_doi.group(1)
    if doi:
        csl["DOI"] = doi
    abstract = " ".join(b.text for b in full.blocks if b.kind == "abstract")
    return ParsedWork(
        kind="pdf",
        source=path,
        csl=csl,
        abstract=abstract,
        text=full.text,
        extra=extra,
        fulltext=full,
    )


def _first_line(full: fulltext.FullText) -> str:
    lines = (ln.strip() for ln in full.first_page.splitlines())
    return next((ln for ln in lines if len(ln) > 10), "")[:200]


def _agrees(meta_title: str, page_title: str, first_page: str) -> bool:
    """The metadata title is the first page's title (or printed on the first page)."""
    meta = normalise_title(meta_title)
    if len(meta) < 6 or meta_title.lower().endswith((".doc", ".docx", ".pdf", ".tex")):
        return False
    if page_title and fuzz.ratio(meta, normalise_title(page_title)) >= TITLE_AGREES:
        return True
    return meta in normalise_title(first_page[:3000]) and len(meta.split()) >= 3


def _name(raw: str) -> dict[str, str]:
    raw = raw.strip()
    if "," in raw:
        family, given = (p.strip() for p in raw.split(",", 1))
        return {"family": family, "given": given}
    parts = raw.split()
    if len(parts) >= 2:
        return {"family": parts[-1], "given": " ".join(parts[:-1])}
    return {"literal": raw}
