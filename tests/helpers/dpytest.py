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

from bot.app import INVITE_PERMISSIONS, create_bot
from bot.config import Settings
from bot.core.errors import UserFacingError
from cogs.error_handler import unwrap


async def configured_bot(settings: Settings) -> commands.Bot:
    """A bot with every cog loaded in a dpytest server: members "student" and "teacher"
    (with the Instructor role), the bot's own role holding the permissions it asks for.
    """
    bot = create_bot(settings)
    # The bot does not ask for Server Members (tests/cogs/test_discord_limits.py checks), so
    # discord.py would cache no member, and dpytest finds its fake members in that cache.
    # Only for dpytest's state: on Discord a message carries its author's roles and name,
    # all the bot reads.
    bot._connection._intents.members = True
    bot._connection.member_cache_flags = discord.MemberCacheFlags.all()
    await bot._async_setup_hook()
    await bot.setup_hook()
    dpytest.configure(bot, members=["student", "teacher"])
    guild = bot.guilds[0]
    role = dpytest.backend.make_role("Instructor", guild)
    teacher = next(m for m in guild.members if m.name == "teacher")
    await dpytest.add_role(teacher, role)
    # Invited as the README says: the bot's role holds the permissions it asks for.
    own = dpytest.backend.make_role("Seminar Bot", guild, permissions=INVITE_PERMISSIONS.value)
    await dpytest.add_role(guild.me, own)
    return bot


def thread_data(guild: discord.Guild, parent_id: int, owner_id: int, name: str, id_: int) -> dict:
    """A public thread's gateway payload (dpytest has no thread support of its own)."""
    return {
        "id": id_,
        "guild_id": guild.id,
        "parent_id": parent_id,
        "owner_id": owner_id,
        "name": name,
        "type": 11,
        "message_count": 0,
        "member_count": 0,
        "rate_limit_per_user": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": "2024-01-01T00:00:00+00:00",
            "locked": False,
        },
    }


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
