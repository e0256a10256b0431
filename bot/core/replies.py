"""``Reply``: the one shape every command answers with, rendered as an embed or as console text.

Building answers as data keeps the core free of Discord and lets tests assert on what the user
would see without going through either front.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FIELDS_MAX = 25
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000


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

    return Reply(title=title, body=defuse_mentions(message), error=True)


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
