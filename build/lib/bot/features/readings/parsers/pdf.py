"""Extract a reading's full text from a PDF (pypdf), for readings where the instructor has it."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from bot.features.readings.models import ParsedWork

DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;)])")
ABSTRACT = re.compile(
    r"\bAbstract\b[:.\s]*(?P<body>.+?)(?=\n\s*(?:Keywords?|Introduction|1\.?\s+Introduction)\b)",
    re.IGNORECASE | re.DOTALL,
)
MAX_PAGES = 300


class PdfParseError(ValueError):
    """A PDF that cannot be opened or holds no extractable text (e.g. a scan)."""


def parse_pdf(path: Path) -> ParsedWork:
    """Read every page's text; title and author from the PDF's metadata when present."""
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise PdfParseError("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PAGES]]
        meta = reader.metadata or {}
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        raise PdfParseError(f"cannot read the PDF ({exc})") from exc
    text = _clean("\n".join(pages))
    if len(text.split()) < 20:
        raise PdfParseError("no text layer (a scanned PDF?); add the portal page instead")
    csl: dict[str, object] = {"type": "article-journal"}
    title = str(meta.get("/Title") or "").strip()
    if title and len(title) > 5 and not title.lower().endswith((".doc", ".docx", ".pdf")):
        csl["title"] = title
    else:
        first = next((ln.strip() for ln in text.splitlines() if len(ln.strip()) > 10), "")
        csl["title"] = first[:200]
    author = str(meta.get("/Author") or "").strip()
    if author:
        csl["author"] = [
            _name(a) for a in re.split(r";| and |, (?=[A-Z][a-z]+ [A-Z])", author) if a.strip()
        ]
    doi = DOI.search(text[:5000])
    if doi:
        csl["DOI"] = doi.group(1)
    abstract = ABSTRACT.search(text[:20000])
    return ParsedWork(
        kind="pdf",
        source=path,
        csl=csl,
        abstract=" ".join(abstract.group("body").split()) if abstract else "",
        text=text,
    )


def _clean(text: str) -> str:
    """Join words hyphenated across line ends and drop runs of blank lines."""
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _name(raw: str) -> dict[str, str]:
    raw = raw.strip()
    if "," in raw:
        family, given = (p.strip() for p in raw.split(",", 1))
        return {"family": family, "given": given}
    parts = raw.split()
    if len(parts) >= 2:
        return {"family": parts[-1], "given": " ".join(parts[:-1])}
    return {"literal": raw}
