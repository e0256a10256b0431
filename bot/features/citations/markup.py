"""Pandoc AST (JSON) to the two texts ``!cite`` needs: plain text and Discord Markdown.

Plain text is what we compare with citeproc-js's ``text`` output; Markdown keeps the italics
(as ``*…*``) and escapes the field text, so a title holding ``*``, ``_`` or a backtick shows
literally in Discord instead of turning into formatting. URLs (DOI links) are left unescaped,
because a backslash inside a URL would break the link.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.text import escape_markdown

Node = dict[str, Any]

_WRAPPERS = {"Emph": "*", "Strong": "**", "Underline": "__", "Strikeout": "~~"}
_PLAIN_CONTAINERS = {"SmallCaps", "Superscript", "Subscript"}
_QUOTES = {"DoubleQuote": ("“", "”"), "SingleQuote": ("‘", "’")}


def inlines_text(inlines: list[Node], *, markdown: bool) -> str:
    """Render a list of pandoc inlines as one line of plain text or Discord Markdown."""
    return _tidy("".join(_inline(node, markdown, frozenset()) for node in inlines))


def blocks_text(blocks: list[Node], *, markdown: bool) -> str:
    """Render blocks (a bibliography entry's paragraph, or IEEE's label + entry) as one line."""
    parts = [_block(block, markdown) for block in blocks]
    return _tidy(" ".join(p for p in parts if p))


def _block(block: Node, markdown: bool) -> str:
    kind, content = block["t"], block.get("c")
    if kind in ("Para", "Plain"):
        return inlines_text(content, markdown=markdown)
    if kind == "Div":
        return blocks_text(content[1], markdown=markdown)
    if kind == "LineBlock":
        return " ".join(inlines_text(line, markdown=markdown) for line in content)
    return ""


def _inline(node: Node, markdown: bool, active: frozenset[str]) -> str:
    kind, content = node["t"], node.get("c")
    if kind == "Str":
        return escape_markdown(content) if markdown else content
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if kind in _WRAPPERS:
        inner = "".join(_inline(n, markdown, active | {kind}) for n in content)
        if not markdown or kind in active:  # nested italics flip back to roman: no marker
            return inner
        return _wrap(inner, _WRAPPERS[kind])
    if kind in _PLAIN_CONTAINERS:
        return "".join(_inline(n, markdown, active) for n in content)
    if kind == "Quoted":
        left, right = _QUOTES[content[0]["t"]]
        return left + "".join(_inline(n, markdown, active) for n in content[1]) + right
    if kind == "Cite":
        return "".join(_inline(n, markdown, active) for n in content[1])
    if kind == "Span":
        return "".join(_inline(n, markdown, active) for n in content[1])
    if kind == "Link":
        text = "".join(_inline(n, False, active) for n in content[1])
        url = content[2][0]
        if text == url or re.fullmatch(r"(https?://|doi:)\S+", text):
            return text  # a bare URL: escaping it would break it
        return "".join(_inline(n, markdown, active) for n in content[1])
    if kind == "Code":
        return escape_markdown(content[1]) if markdown else content[1]
    if kind in ("Math", "RawInline"):
        return escape_markdown(content[1]) if markdown else content[1]
    if kind == "Note":
        return ""
    return ""


def _wrap(inner: str, marker: str) -> str:
    """Put Markdown markers around text, keeping edge spaces outside (Discord needs that)."""
    stripped = inner.strip()
    if not stripped:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{marker}{stripped}{marker}{trail}"


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
