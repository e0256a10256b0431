"""What every cog shares: commands built from their core declaration, dispatch, rendering.

:func:`core_command` turns a core declaration (``bot.core.registry.command``) into a hybrid
command: the slash description, option descriptions, choices, autocomplete and instructor
permissions come from the declaration; a prefix invocation's text is parsed by the core's
one parser for that command, so ``!cite …`` and ``/cite …`` reach the handler with the same
typed values.

Rendering keeps every message inside Discord's limits (2,000 characters of content; embed
title 256, description 4,096, field 1,024, 25 fields, 6,000 in all) by splitting long replies
into consecutive embeds, turns the core's time and channel values into Discord's ``<t:…>``
and ``<#…>``, and sends with ``AllowedMentions.none()`` so echoed text never pings.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import BadArgument, NotInstructor, UserFacingError
from bot.core.registry import REGISTRY, Actor, CommandSpec, dispatch, parse_line
from bot.core.replies import (
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    ChannelRef,
    Reply,
    Timestamp,
    render_values,
    truncate,
    with_prefix,
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


class CoreArgumentError(commands.UserInputError):
    """A core parse error raised while discord.py prepares a prefix command's arguments."""

    def __init__(self, original: UserFacingError) -> None:
        super().__init__(original.message)
        self.original = original


def spec_for(path: str) -> CommandSpec:
    """The core declaration of ``path`` (the features are imported on first use)."""
    from bot.features import load_commands

    load_commands()
    return REGISTRY[path]


class CoreCommand(commands.HybridCommand):
    """A hybrid command whose prefix text is parsed by the core, not by discord.py converters.

    Slash invocations keep discord.py's typed options. A prefix invocation's text goes to the
    command's core parser (the console's too), which yields the same option names.
    """

    def __init__(self, func: Callable[..., Any], /, *, spec: CommandSpec, **kwargs: Any) -> None:
        super().__init__(func, **kwargs)
        self.spec = spec

    async def _parse_arguments(self, ctx: commands.Context) -> None:
        if ctx.interaction is not None:
            return await super()._parse_arguments(ctx)
        ctx.args = [ctx] if self.cog is None else [self.cog, ctx]
        try:
            ctx.kwargs = await parse_line(self.spec, ctx.view.read_rest())
        except UserFacingError as exc:
            raise CoreArgumentError(exc) from exc
        return None


AUTOCOMPLETE: dict[str, Callable[..., Any]] = {}  # filled below, and by cogs with their own


def core_command(path: str, *, group: commands.HybridGroup | None = None) -> Callable[..., Any]:
    """Build the hybrid command for the core command ``path`` around a thin callback.

    The callback's signature names the options (typed for Discord); everything Discord shows
    about them comes from the declaration. Instructor commands at the top level get
    ``default_permissions(manage_guild=True)`` and ``guild_only``; the core checks again.
    """
    spec = spec_for(path)

    def decorate(func: Callable[..., Any]) -> CoreCommand:
        if spec.params:
            func = app_commands.describe(**{p.name: p.description for p in spec.params})(func)
        for p in spec.params:
            if p.choices:
                choices = [app_commands.Choice(name=c, value=c) for c in p.choices]
                func = app_commands.choices(**{p.name: choices})(func)
            if p.autocomplete:
                func = app_commands.autocomplete(**{p.name: AUTOCOMPLETE[p.autocomplete]})(func)
        if spec.instructor and group is None:
            func = app_commands.default_permissions(manage_guild=True)(func)
            func = app_commands.guild_only()(func)
        help_text = f"{spec.help}\nUsage: {spec.usage}"
        kwargs: dict[str, Any] = {"name": spec.name, "description": spec.summary, "help": help_text}
        if group is not None:
            kwargs["parent"] = group
        command = CoreCommand(func, spec=spec, **kwargs)
        if group is not None:
            group.add_command(command)
        return command

    return decorate


def _channel_value(ctx: commands.Context, value: Any) -> ChannelRef:
    """A channel option as the core's value: a slash channel, or ``#name`` typed as text."""
    if isinstance(value, ChannelRef):
        if value.id is not None or ctx.guild is None:
            return value
        wanted = (value.name or "").lower()
        found = [
            c for c in [*ctx.guild.text_channels, *ctx.guild.threads] if c.name.lower() == wanted
        ]
        if len(found) == 1:
            return ChannelRef(found[0].id, found[0].name)
        names = ", ".join(f"#{c.name}" for c in ctx.guild.text_channels[:20])
        why = "several channels are" if found else "no channel is"
        raise BadArgument(
            f"I cannot tell where to post: {why} called #{value.name}. Pick the channel from "
            f"Discord's list (type # and choose), or use one of: {names}. Nothing was done."
        )
    return ChannelRef(value.id, getattr(value, "name", None))


async def run(ctx: commands.Context, path: str, **options: Any) -> None:
    """Dispatch a command to the core and send its Reply; errors go to the one error handler."""
    bot: SeminarBot = ctx.bot
    spec = spec_for(path)
    for p in spec.params:
        if p.kind == "channel" and options.get(p.name) is not None:
            options[p.name] = _channel_value(ctx, options[p.name])
    work = asyncio.ensure_future(dispatch(bot.services, actor_from_ctx(ctx), path, options))
    if ctx.interaction is not None:
        done, _ = await asyncio.wait({work}, timeout=DEFER_AFTER_S)
        if not done and not ctx.interaction.response.is_done():
            await ctx.defer(ephemeral=spec.private)
    reply = await work
    await send_reply(ctx, reply)


def discord_text(text: str, prefix: str = "!") -> str:
    """Core text as Discord shows it: ``<t:…:F>`` times, ``<#id>`` channels, the prefix."""

    def channel(ref: ChannelRef) -> str:
        return f"<#{ref.id}>" if ref.id is not None else f"#{ref.name}"

    def timestamp(ts: Timestamp) -> str:
        return f"<t:{int(ts.at.timestamp())}:{ts.style}>"

    return with_prefix(render_values(text, timestamp, channel), prefix)


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


def build_embeds(reply: Reply, prefix: str = "!") -> list[discord.Embed]:
    """Render a Reply as one or more embeds, each within every Discord limit."""
    colour = ERROR_COLOUR if reply.error else COLOUR

    def text(value: str) -> str:
        return discord_text(value, prefix)

    title = truncate(text(reply.title), EMBED_TITLE_MAX) if reply.title else None
    footer = truncate(text(reply.footer), 2048) if reply.footer else ""
    body = text(reply.body)
    pages = _split_text(body, EMBED_DESCRIPTION_MAX - 100) if body else [""]
    embeds = [
        discord.Embed(title=title if i == 0 else None, description=page or None, colour=colour)
        for i, page in enumerate(pages)
    ]
    if reply.url and embeds:
        embeds[0].url = reply.url
    current = embeds[-1]
    for f in reply.fields:
        name = truncate(text(f.name), EMBED_FIELD_NAME_MAX) or "\u200b"
        value = truncate(text(f.value), EMBED_FIELD_VALUE_MAX) or "\u200b"
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
    bot: SeminarBot = ctx.bot
    embeds = build_embeds(reply, bot.settings.command_prefix)
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


AUTOCOMPLETE.update(
    reading=reading_autocomplete, reading_or_concept=reading_or_concept_autocomplete
)
