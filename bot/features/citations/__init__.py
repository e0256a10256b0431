"""Citations: CSL styles rendered by a real CSL processor, plus BibTeX/RIS export."""

from bot.features.citations.engine import CitationEngine, CitationError, Rendered
from bot.features.citations.styles import DEFAULT_STYLE, STYLES, Style, style_for

__all__ = [
    "DEFAULT_STYLE",
    "STYLES",
    "CitationEngine",
    "CitationError",
    "Rendered",
    "Style",
    "style_for",
]
