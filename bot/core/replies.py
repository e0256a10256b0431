"""``Reply``: the one shape every command answers with, rendered as an embed or as console text.

Building answers as data keeps the core free of Discord and lets tests assert on what the user
would see without going through either front.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FIELDS_MAX = 25
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000


# Times and channels are values in a reply, not markup: the core writes them into text with
# ``f"{Timestamp(at)}"`` / ``f"{ChannelRef(id)}"``, which leaves a private-use token, and each
# front renders the token its way (Discord ``<t:…:F>`` and ``<#…>``; the console local time
# and ``#name``). U+E000/U+E001 are private-use code points no reply text otherwise holds
# (user text is cleaned of them by ``bot.core.text.defuse_mentions``).
_OPEN, _CLOSE = "\ue000", "\ue001"
VALUE_TOKEN = re.compile(r"\ue000(t|c)([^\ue000\ue001]*)\ue001")
_BROKEN_TOKEN = re.compile(r"\ue000[^\ue001]*$|[\ue000\ue001]")
TIMESTAMP_STYLES = frozenset("tTdDfFR")


@dataclass(frozen=True)
class Timestamp:
    """An instant shown to the reader in their own time: ``style`` is Discord's letter.

    Styles (Discord's timestamp formats): ``F`` full date and time, ``f`` short, ``D`` date,
    ``t``/``T`` time, ``R`` relative ("in 3 days").
    """

    at: datetime
    style: str = "F"

    def __post_init__(self) -> None:
        if self.style not in TIMESTAMP_STYLES:
            raise ValueError(f"unknown timestamp style {self.style!r}")
        if self.at.tzinfo is None:
            raise ValueError("Timestamp needs an aware datetime")

    def __str__(self) -> str:
        return f"{_OPEN}t{int(self.at.timestamp())}:{self.style}{_CLOSE}"

    def __format__(self, spec: str) -> str:
        return str(self)


@dataclass(frozen=True)
class ChannelRef:
    """A channel by id (as Discord knows it) or, from typed text, by name (``#seminar``)."""

    id: int | None = None
    name: str | None = None

    def __str__(self) -> str:
        return f"{_OPEN}c{self.id if self.id is not None else ''}:{self.name or ''}{_CLOSE}"

    def __format__(self, spec: str) -> str:
        return str(self)


def render_values(
    text: str,
    timestamp: Callable[[Timestamp], str],
    channel: Callable[[ChannelRef], str],
) -> str:
    """Replace the value tokens in ``text`` with what a front shows for them.

    A token cut in half by truncation is dropped rather than shown as garbage.
    """

    def one(m: re.Match[str]) -> str:
        kind, payload = m.group(1), m.group(2)
        if kind == "t":
            unix, _, style = payload.partition(":")
            at = datetime.fromtimestamp(int(unix), tz=UTC)
            return timestamp(Timestamp(at, style or "F"))
        ident, _, name = payload.partition(":")
        return channel(ChannelRef(int(ident) if ident else None, name or None))

    return _BROKEN_TOKEN.sub("", VALUE_TOKEN.sub(one, text))


def with_prefix(text: str, prefix: str) -> str:
    """Core text names commands as ``!name``; show them with the configured prefix instead.

    Only the names of registered commands (and ``help``) are rewritten, so an exclamation
    mark in ordinary text stays as it is.
    """
    if prefix == "!" or "!" not in text:
        return text
    from bot.core.registry import REGISTRY
    from bot.features import load_commands

    load_commands()  # the names come from the declarations, whichever front renders first
    names = frozenset({path.split()[0] for path in REGISTRY} | {"help", "sync"})
    return _command_ref(names).sub(lambda _: prefix, text)


@lru_cache(maxsize=4)
def _command_ref(names: frozenset[str]) -> re.Pattern[str]:
    """``!name`` of any of ``names``, compiled once per set of commands (every embed asks)."""
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.compile(r"(?<![\w!])!(?=(?:" + alternatives + r")\b)")


@dataclass(frozen=True)
class ReplyField:
    """A titled section of a reply (an embed field in Discord)."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class ReplyFile:
    """A file to attach (a CSV export, a ``.bib``, a chart)."""

    filename: str
    data: bytes
    description: str = ""


@dataclass
class Reply:
    """What a command answers: a titled body with optional fields, footer and attachments.

    ``code`` marks a body that is a code block (exports) so renderers keep it intact.
    ``private`` asks the front to show it only to the caller (ephemeral slash reply / DM).
    """

    title: str = ""
    body: str = ""
    fields: list[ReplyField] = field(default_factory=list)
    footer: str = ""
    files: list[ReplyFile] = field(default_factory=list)
    url: str = ""
    private: bool = False
    error: bool = False

    def add_field(self, name: str, value: str, *, inline: bool = False) -> Reply:
        """Append a field and return self, so replies can be built fluently."""
        self.fields.append(ReplyField(name, value, inline))
        return self


def error_reply(message: str, title: str = "Sorry") -> Reply:
    """A short reply for a user mistake.

    Error messages often repeat what the user typed ("no reading matches …"), so mentions in
    them are defused here, once, for every error of every command and front.
    """
    from bot.core.text import defuse_mentions  # bot.core.text is heavier (pysbd); errors are rare

    # Defuse the text around the time/channel values the message carries, not the values.
    pieces, last = [], 0
    for m in VALUE_TOKEN.finditer(message):
        pieces += [defuse_mentions(message[last : m.start()]), m.group(0)]
        last = m.end()
    pieces.append(defuse_mentions(message[last:]))
    return Reply(title=title, body="".join(pieces), error=True)


def quote(text: str) -> str:
    """Format text as a Markdown block quote (every line prefixed with ``> ``)."""
    return "\n".join("> " + line if line else ">" for line in text.splitlines() or [""])


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut text to at most ``limit`` characters, at a word boundary where one is near."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + ellipsis
