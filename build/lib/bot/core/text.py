"""Small text tools shared by every feature: sentences, Markdown escaping, mention defusing."""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

_SEGMENTER = pysbd.Segmenter(language="en", clean=False)
_MARKDOWN = re.compile(r"([\\*_`~|>\[\]])")
_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
_VALUE_MARKS = re.compile("[\ue000\ue001]")  # reserved for reply values (bot.core.replies)
_ROLE_OR_USER = re.compile(r"<@([&!]?)(\d+)>")


@lru_cache(maxsize=4096)
def _split(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _SEGMENTER.segment(text) if s.strip())


def sentences(text: str) -> list[str]:
    """Split text into sentences with pysbd (rule-based; no model download), cached per text."""
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
