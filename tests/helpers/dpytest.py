"""dpytest glue: read what the bot sent, and speak as a test member.

dpytest 0.7.0 is pinned for the test extra because ``tests/conftest.py`` patches its
``FakeHttp`` (see ``dpytest_compat`` there); a newer dpytest may fix or move those methods.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import discord
import discord.ext.test as dpytest
from discord.ext import commands

from bot.core.errors import UserFacingError
from cogs.error_handler import unwrap


def attachment_bytes(attachment: discord.Attachment) -> bytes:
    """The content dpytest stored for an attachment (a ``file://`` URL)."""
    return Path(url2pathname(urlparse(attachment.url).path)).read_bytes()


def member(bot: discord.Client, name: str) -> discord.Member:
    """The test guild's member called ``name``."""
    return next(m for m in bot.guilds[0].members if m.name == name)


def channel(bot: discord.Client) -> discord.TextChannel:
    """The test guild's first text channel."""
    return bot.guilds[0].text_channels[0]


async def say(
    bot: discord.Client, content: str, who: str = "student", where: object = None
) -> Exception | None:
    """Send ``content`` as ``who`` (in ``where``, default the first text channel).

    dpytest re-raises command errors after the bot's error handler has replied. Errors meant
    for users (domain errors, bad arguments, failed checks) are returned for the test to
    inspect; anything else is a bug and fails the test.
    """
    try:
        await dpytest.message(content, channel=where or channel(bot), member=member(bot, who))
    except commands.CommandError as exc:
        inner = unwrap(exc)
        if isinstance(inner, UserFacingError | commands.UserInputError | commands.CheckFailure):
            return inner
        raise
    return None


def sent_embeds() -> list[discord.Embed]:
    """Every embed the bot has sent since the last call (drains dpytest's queue)."""
    embeds = []
    while not dpytest.verify().message().nothing():
        msg = dpytest.get_message()
        embeds.extend(msg.embeds)
    return embeds


def sent_messages() -> list[discord.Message]:
    """Every message the bot has sent since the last call (drains dpytest's queue)."""
    messages = []
    while not dpytest.verify().message().nothing():
        messages.append(dpytest.get_message())
    return messages


def embed_text(embed: discord.Embed) -> str:
    """Everything a user reads in an embed, as one string."""
    parts = [embed.title or "", embed.description or ""]
    for f in embed.fields:
        parts += [f.name, f.value]
    if embed.footer and embed.footer.text:
        parts.append(embed.footer.text)
    return "\n".join(parts)
