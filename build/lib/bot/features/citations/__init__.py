"""Citations: CSL styles rendered by citeproc-js (Zotero's engine), plus BibTeX/RIS export."""

from bot.features.citations.engine import CitationEngine, CitationError, Rendered
from bot.features.citations.styles import DEFAULT_STYLE, STYLES, Style, find_style, style_for

__all__ = [
    "DEFAULT_STYLE",
    "STYLES",
    "CitationEngine",
    "CitationError",
    "Rendered",
    "Style",
    "find_style",
    "style_for",
]
