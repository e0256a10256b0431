"""Small text tools shared by every feature: sentences, Markdown escaping, mention defusing."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pysbd

# A pysbd Segmenter keeps the text it is working on in its own attributes, so one shared by
# threads (summaries and themes are computed in workers) mixes their texts up: one per thread.
_LOCAL = threading.local()


def _segmenter() -> pysbd.Segmenter:
    segmenter = getattr(_LOCAL, "segmenter", None)
    if segmenter is None:
        import pysbd  # ~60 ms of imports, paid by the first split (in a worker), not at start

        segmenter = _LOCAL.segmenter = pysbd.Segmenter(language="en", clean=False)
    return segmenter


_MARKDOWN = re.compile(r"([\\*_`~|>\[\]])")
_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
_VALUE_MARKS = re.compile("[\ue000\ue001]")  # reserved for reply values (bot.core.replies)
_ROLE_OR_USER = re.compile(r"<@([&!]?)(\d+)>")


_ENDS_SENTENCE = re.compile(r"[.?!…][\"”’')\]]*$")
_CONTINUES = re.compile(r"^(\(?[a-z0-9ivx]{1,3}\)[,;:]?\s|[a-z,;:])")


@lru_cache(maxsize=4096)
def _split(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for piece in (s.strip() for s in _segmenter().segment(text)):
        if not piece:
            continue
        # pysbd breaks before enumerators such as "(b)" and after "(a)": a piece that
        # continues the previous one (which did not end a sentence) is joined back.
        if (
            out
            and (not _ENDS_SENTENCE.search(out[-1]) or _CONTINUES.match(piece))
            and (out[-1] + " " + piece in text)
        ):
            out[-1] = out[-1] + " " + piece
        else:
            out.append(piece)
    return tuple(out)


def sentences(text: str) -> list[str]:
    """Split text into sentences with pysbd (rule-based; no model download), cached per text.

    Pieces pysbd cuts inside a sentence (at "(a)", "(b)" enumerators) are joined back, so
    every item is a whole sentence and a verbatim run of the space-normalised text.
    """
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    return list(_split(text))


def escape_markdown(text: str) -> str:
    """Escape Discord Markdown so titles with ``*``, ``_`` or backticks show literally."""
    return _MARKDOWN.sub(r"\\\1", text)


def defuse_mentions(text: str) -> str:
    """Make ``@everyone``, ``@here`` and role/user mentions inert when echoing user text.

    ``AllowedMentions.none()`` already stops the ping; this also keeps the echoed text from
    *looking* like a ping, and protects the console and exported files alike.
    """
    text = _EVERYONE.sub("@\u200b\\1", _VALUE_MARKS.sub("", text))
    return _ROLE_OR_USER.sub(lambda m: f"<@\u200b{m.group(1)}{m.group(2)}>", text)


def word_count(text: str) -> int:
    """Words as a reader would count them (used for participation reports)."""
    return len(re.findall(r"\w+(?:[’'-]\w+)*", text))
