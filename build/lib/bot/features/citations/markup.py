"""citeproc-js's HTML output as Discord Markdown.

citeproc-js's ``html`` format marks italics ``<i>``, bold ``<b>``, an upright word inside
italics ``<span style="font-style:normal;">``, small caps, super/subscripts, and escapes
``&``, ``<`` and ``>`` as character references. Discord has italics and bold only, so those two
become ``*``/``**`` and the rest is kept as text. Field text is Markdown-escaped, so a title
holding ``*``, ``_`` or a backtick shows literally instead of turning into formatting; a URL
(a DOI link) is left as it is, because a backslash inside it would break the link.
"""

from __future__ import annotations

import html
import re

from bot.core.text import escape_markdown

_TOKEN = re.compile(r"(<[^>]+>)")
_URL = re.compile(r"((?:https?://|doi:)\S+)")
_UPRIGHT = 'style="font-style:normal;"'


def _escape(text: str) -> str:
    parts = _URL.split(text)
    return "".join(p if i % 2 else escape_markdown(p) for i, p in enumerate(parts))


def html_to_markdown(text: str) -> str:
    """One citeproc-js HTML string (entry or citation) as one line of Discord Markdown."""
    runs: list[tuple[str, str]] = []  # (marker, text): "" roman, "*" italic, "**" bold…
    stack: list[str] = []  # open elements: "i", "b", "upright" or "span"
    for token in _TOKEN.split(text):
        if not token:
            continue
        if not token.startswith("<"):
            italic = "i" in stack and stack[::-1].index("i") < _upright_depth(stack)
            bold = "b" in stack
            marker = ("**" if bold else "") + ("*" if italic else "")
            runs.append((marker, _escape(html.unescape(token))))
            continue
        inner = token.strip("</>").split()
        name = inner[0].lower() if inner else ""
        if token.startswith("</"):
            if stack:
                stack.pop()
        elif name in ("i", "b"):
            stack.append(name)
        elif name == "span":
            stack.append("upright" if _UPRIGHT in token else "span")
    return re.sub(r"\s+", " ", _join(runs)).strip()


def _upright_depth(stack: list[str]) -> int:
    """How far from the top of ``stack`` the nearest upright span is (len+1 if none)."""
    return stack[::-1].index("upright") if "upright" in stack else len(stack) + 1


def _join(runs: list[tuple[str, str]]) -> str:
    """Merge runs of the same formatting and wrap each in its marker, spaces kept outside."""
    merged: list[list[str]] = []
    for marker, text in runs:
        if merged and merged[-1][0] == marker:
            merged[-1][1] += text
        else:
            merged.append([marker, text])
    out = []
    for marker, text in merged:
        stripped = text.strip()
        if not marker or not stripped:
            out.append(text)
            continue
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        out.append(f"{lead}{marker}{stripped}{marker[::-1]}{trail}")
    return "".join(out)
