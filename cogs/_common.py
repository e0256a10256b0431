"""What every cog shares: the Actor from a Discord context, dispatch, and Reply rendering.

Rendering keeps every message inside Discord's limits (2,000 characters of content; embed
title 256, description 4,096, field 1,024, 25 fields, 6,000 in all) by splitting long replies
into consecutive embeds, and sends with ``AllowedMentions.none()`` so echoed text never pings.
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import NotInstructor
from bot.core.registry import Actor, dispatch
from bot.core.replies import (
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    Reply,
    truncate,
)

if TYPE_CHECKING:
    from bot.app import SeminarBot

COLOUR = discord.Colour.blurple()
ERROR_COLOUR = discord.Colour.red()
NO_PINGS = discord.AllowedMentions.none()
MAX_PAGES = 8


class RefusedCheck(commands.CheckFailure):
    """A core refusal raised from a discord.py check; ``original`` carries its message."""

    def __init__(self, original: NotInstructor) -> None:
        super().__init__(original.message)
        self.original = original


def is_instructor(member: discord.abc.User, role_setting: str) -> bool:
    """Instructor = the configured role (by name or id) or the Manage Server permission."""
    if not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild or member.guild_permissions.administrator:
        return True
    wanted = role_setting.strip()
    return any(
        str(role.id) == wanted or role.name.lower() == wanted.lower() for role in member.roles
    )


def actor_from_ctx(ctx: commands.Context) -> Actor:
    """Who is calling, as the core sees it."""
    bot: SeminarBot = ctx.bot
    return Actor(
        user_id=ctx.author.id,
        name=getattr(ctx.author, "display_name", ctx.author.name),
        is_instructor=is_instructor(ctx.author, bot.settings.instructor_role),
        guild_id=ctx.guild.id if ctx.guild else None,
        channel_id=ctx.channel.id if ctx.channel else None,
        message_id=ctx.message.id if ctx.message and ctx.interaction is None else None,
    )


# Discord drops a slash command that gets no response within 3 s. A handler still working
# after this long (a first chart, a big CSV, a reading's first themes) gets a "thinking…"
# deferral first; commands whose answers are private defer privately.
DEFER_AFTER_S = 1.5
PRIVATE_COMMANDS = frozenset({"mydata", "forgetme", "optout", "optin"})


async def run(ctx: commands.Context, path: str, args: str = "") -> None:
    """Dispatch a command to the core and send its Reply; errors go to the one error handler."""
    bot: SeminarBot = ctx.bot
    work = asyncio.ensure_future(dispatch(bot.services, actor_from_ctx(ctx), path, args or ""))
    if ctx.interaction is not None:
        done, _ = await asyncio.wait({work}, timeout=DEFER_AFTER_S)
        if not done and not ctx.interaction.response.is_done():
            await ctx.defer(ephemeral=path in PRIVATE_COMMANDS)
    reply = await work
    await send_reply(ctx, reply)


def _split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph, then line, then word boundaries so no chunk exceeds ``limit``."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit))
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest:
        chunks.append(rest)
    return chunks


def build_embeds(reply: Reply) -> list[discord.Embed]:
    """Render a Reply as one or more embeds, each within every Discord limit."""
    colour = ERROR_COLOUR if reply.error else COLOUR
    title = truncate(reply.title, EMBED_TITLE_MAX) if reply.title else None
    footer = truncate(reply.footer, 2048) if reply.footer else ""
    pages = _split_text(reply.body, EMBED_DESCRIPTION_MAX - 100) if reply.body else [""]
    embeds = [
        discord.Embed(title=title if i == 0 else None, description=page or None, colour=colour)
        for i, page in enumerate(pages)
    ]
    if reply.url and embeds:
        embeds[0].url = reply.url
    current = embeds[-1]
    for f in reply.fields:
        name = truncate(f.name, EMBED_FIELD_NAME_MAX) or "\u200b"
        value = truncate(f.value, EMBED_FIELD_VALUE_MAX) or "\u200b"
        if (
            len(current.fields) >= EMBED_FIELDS_MAX
            or len(current) + len(name) + len(value) + len(footer) > EMBED_TOTAL_MAX - 50
        ):
            current = discord.Embed(colour=colour)
            embeds.append(current)
        current.add_field(name=name, value=value, inline=f.inline)
    if footer:
        embeds[-1].set_footer(text=footer)
    if len(embeds) > MAX_PAGES:
        embeds = embeds[:MAX_PAGES]
        embeds[-1].set_footer(text="…cut short: ask for less (a reading id, a prompt id).")
    return embeds


def build_files(reply: Reply) -> list[discord.File]:
    """Attachments as discord.File objects (fresh each call: a File can be sent only once)."""
    return [
        discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description or None)
        for f in reply.files
    ]


async def send_reply(ctx: commands.Context, reply: Reply) -> None:
    """Send a Reply: privately (DM or ephemeral) when asked, split across messages if long."""
    embeds = build_embeds(reply)
    files = build_files(reply)
    if reply.private and ctx.interaction is None and ctx.guild is not None:
        try:
            await _send_all(ctx.author, embeds, files)
        except discord.Forbidden:
            await ctx.send(
                "I could not DM you (your DMs are closed for this server); open them and retry.",
                allowed_mentions=NO_PINGS,
            )
            return
        await ctx.send("Sent to you by direct message.", allowed_mentions=NO_PINGS)
        return
    # Slash commands answer privately when the reply is private, and for errors: only the
    # person who made the mistake needs to see it (a prefix command's error stays in channel).
    ephemeral = bool((reply.private or reply.error) and ctx.interaction is not None)
    for i, embed in enumerate(embeds):
        last = i == len(embeds) - 1
        kwargs: dict = {"embed": embed, "allowed_mentions": NO_PINGS}
        if last and files:
            kwargs["files"] = files
        if ctx.interaction is not None:
            kwargs["ephemeral"] = ephemeral
        await ctx.send(**kwargs)


async def _send_all(
    target: discord.abc.Messageable, embeds: list[discord.Embed], files: list[discord.File]
) -> None:
    for i, embed in enumerate(embeds):
        last = i == len(embeds) - 1
        await target.send(embed=embed, files=files if last else [], allowed_mentions=NO_PINGS)


MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices


def _reading_choices(bot: SeminarBot, current: str, limit: int) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=truncate(f"{r.label} — {r.short_title}", 100), value=r.id)
        for r, _ in bot.services.library.search(current, limit=limit)
    ]


async def reading_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Reading ids matching what the user has typed so far (25 at most, as Discord allows)."""
    return _reading_choices(interaction.client, current, MAX_CHOICES)  # type: ignore[arg-type]


async def reading_or_concept_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Readings, then glossary concepts, matching what the user has typed so far."""
    bot: SeminarBot = interaction.client  # type: ignore[assignment]
    choices = _reading_choices(bot, current, 15)
    glossary = bot.services.glossary
    typed = current.strip()
    concepts = glossary.suggest(current, limit=10, cutoff=50) if typed else list(glossary)
    for concept in concepts[: MAX_CHOICES - len(choices)]:
        choices.append(
            app_commands.Choice(name=truncate(f"Concept: {concept.name}", 100), value=concept.key)
        )
    return choices


def join_args(*parts: str | None) -> str:
    """Join optional slash-command options back into the raw argument string the core parses."""
    return " ".join(p.strip() for p in parts if p and p.strip())
