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
import hashlib
import io
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import BadArgument, NotInstructor, UserFacingError
from bot.core.registry import (
    REGISTRY,
    Actor,
    CommandSpec,
    check_allowed,
    dispatch,
    parse_line,
)
from bot.core.replies import (
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    ChannelRef,
    Reply,
    ReplyFile,
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
        # Refuse before parsing: a student's malformed instructor command learns nothing more
        # than a well-formed one (the core checks again at dispatch, for every front).
        try:
            check_allowed(self.spec, actor_from_ctx(ctx))
        except NotInstructor as refused:
            raise RefusedCheck(refused) from refused
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
        if p.autocomplete and isinstance(options.get(p.name), str):
            options[p.name] = expand_choice(bot, options[p.name])
    work = asyncio.ensure_future(dispatch(bot.services, actor_from_ctx(ctx), path, options))
    if ctx.interaction is not None:
        done, _ = await asyncio.wait({work}, timeout=DEFER_AFTER_S)
        if not done and not ctx.interaction.response.is_done():
            await ctx.defer(ephemeral=spec.private)
            if not spec.private:
                PUBLIC_DEFERRALS.add(getattr(ctx.interaction, "id", 0))
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


DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024  # Discord's limit without server boosts, and in DMs
PAYLOAD_MARGIN = 64 * 1024  # room for the message's own JSON in the upload
MAX_ATTACHMENTS = 10  # per message
PUBLIC_DEFERRALS: set[int] = set()  # interactions whose "thinking…" everyone can see


def upload_limit(ctx: commands.Context) -> int:
    """Bytes one message may upload here: the server's limit (boosts raise it), else 10 MiB."""
    return ctx.guild.filesize_limit if ctx.guild is not None else DEFAULT_UPLOAD_LIMIT


def fit_files(files: list[ReplyFile], limit: int) -> tuple[list[list[ReplyFile]], str]:
    """Attachments grouped into messages that each stay under ``limit`` bytes, and a note.

    Files that fit go as they are. Otherwise they are zipped together (a CSV shrinks about
    5–10×); a zip still too big is cut into numbered parts, one per message, and the note
    says how to join them. Blocking (zlib): run it in a worker.
    """
    budget = limit - PAYLOAD_MARGIN
    if sum(len(f.data) for f in files) <= budget and len(files) <= MAX_ATTACHMENTS:
        return ([files] if files else []), ""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.writestr(f.filename, f.data)
    data = buffer.getvalue()
    name = (files[0].filename.rsplit(".", 1)[0] if len(files) == 1 else "attachments") + ".zip"
    mib = f"{limit / 1024 / 1024:.0f} MiB"
    if len(data) <= budget:
        note = f"The file is larger than this server's {mib} upload limit, so it is zipped."
        return [[ReplyFile(name, data, "Zipped")]], note
    parts = [data[i : i + budget] for i in range(0, len(data), budget)]
    note = (
        f"Even zipped, the file is larger than this server's {mib} upload limit, so it comes "
        f"in {len(parts)} parts. Join them into {name} before opening: "
        f"`cat {name}.* > {name}` (Windows: `copy /b {name}.001+{name}.002 {name}`). "
        "The command line (`seminar-bot export`) writes the whole file with no limit."
    )
    return [
        [ReplyFile(f"{name}.{i:03d}", part, f"Part {i} of {len(parts)}")]
        for i, part in enumerate(parts, start=1)
    ], note


def can_embed(ctx: commands.Context) -> bool:
    """Whether a prefix reply may be an embed here (Embed Links); slash replies always may."""
    if ctx.interaction is not None or ctx.guild is None:
        return True
    return ctx.channel.permissions_for(ctx.guild.me).embed_links  # type: ignore[union-attr]


def plain_text(reply: Reply, prefix: str = "!") -> list[str]:
    """A Reply as plain messages (≤ 2,000 characters each), for channels without Embed Links."""
    parts = [f"**{reply.title}**" if reply.title else "", reply.body]
    parts += [f"**{f.name}**\n{f.value}" for f in reply.fields]
    if reply.footer:
        parts.append(f"-# {reply.footer}")
    text = discord_text("\n".join(p for p in parts if p), prefix)
    return _split_text(text, 2000)[:MAX_PAGES]


async def send_reply(ctx: commands.Context, reply: Reply) -> None:
    """Send a Reply: privately (DM or ephemeral) when asked, split across messages if long.

    Attachments over the upload limit are zipped or split (:func:`fit_files`), and the reply
    says so; where the bot may not embed, the reply goes as plain text with a note.
    """
    bot: SeminarBot = ctx.bot
    prefix = bot.settings.command_prefix
    batches: list[list[ReplyFile]] = [reply.files] if reply.files else []
    if reply.files:
        batches, note = await asyncio.to_thread(fit_files, reply.files, upload_limit(ctx))
        if note:
            reply.add_field("Attachment", note)
    if reply.private and ctx.interaction is None and ctx.guild is not None:
        try:
            await _send_all(ctx.author, build_embeds(reply, prefix), batches)
        except discord.Forbidden:
            await ctx.send(
                "I could not DM you (your DMs are closed for this server); open them and retry.",
                allowed_mentions=NO_PINGS,
            )
            return
        await ctx.send("Sent to you by direct message.", allowed_mentions=NO_PINGS)
        return
    if not can_embed(ctx):
        texts = plain_text(reply, prefix)
        texts[-1] += "\n-# (I lack Embed Links here, so this is plain text.)"
        for i, text in enumerate(texts):
            files = _files(batches[0]) if batches and i == len(texts) - 1 else []
            await ctx.send(text, files=files, allowed_mentions=NO_PINGS)
        for batch in batches[1:]:
            await ctx.send(files=_files(batch), allowed_mentions=NO_PINGS)
        return
    # Slash commands answer privately when the reply is private, and for errors: only the
    # person who made the mistake needs to see it (a prefix command's error stays in channel).
    ephemeral = bool((reply.private or reply.error) and ctx.interaction is not None)
    if ephemeral and getattr(ctx.interaction, "id", None) in PUBLIC_DEFERRALS:
        # The first follow-up of a public "thinking…" would edit it publicly: remove it, so
        # the error goes as a new follow-up only its author sees.
        PUBLIC_DEFERRALS.discard(ctx.interaction.id)  # type: ignore[union-attr]
        try:
            await ctx.interaction.delete_original_response()  # type: ignore[union-attr]
        except discord.HTTPException:
            pass
    embeds = build_embeds(reply, prefix)
    for i, embed in enumerate(embeds):
        last = i == len(embeds) - 1
        kwargs: dict = {"embed": embed, "allowed_mentions": NO_PINGS}
        if last and batches:
            kwargs["files"] = _files(batches[0])
        if ctx.interaction is not None:
            kwargs["ephemeral"] = ephemeral
        await ctx.send(**kwargs)
    for batch in batches[1:]:
        kwargs = {"files": _files(batch), "allowed_mentions": NO_PINGS}
        if ctx.interaction is not None:
            kwargs["ephemeral"] = ephemeral
        await ctx.send(**kwargs)
    PUBLIC_DEFERRALS.discard(getattr(ctx.interaction, "id", None))  # type: ignore[arg-type]


def _files(batch: list[ReplyFile]) -> list[discord.File]:
    """ReplyFiles as discord.File objects (fresh each call: a File can be sent only once)."""
    return [
        discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description or None)
        for f in batch
    ]


async def _send_all(
    target: discord.abc.Messageable, embeds: list[discord.Embed], batches: list[list[ReplyFile]]
) -> None:
    for i, embed in enumerate(embeds):
        last = i == len(embeds) - 1
        files = _files(batches[0]) if last and batches else []
        await target.send(embed=embed, files=files, allowed_mentions=NO_PINGS)
    for batch in batches[1:]:
        await target.send(files=_files(batch), allowed_mentions=NO_PINGS)


MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices
CHOICE_MAX = 100  # Discord: a choice's name and its value are at most 100 characters
SHORT_KEY = "~"  # a value starting so is the short key of a longer one
_LONG_VALUES: dict[str, str] = {}


def _key_of(value: str) -> str:
    return SHORT_KEY + hashlib.blake2s(value.encode("utf-8"), digest_size=8).hexdigest()


def choice(name: str, value: str) -> app_commands.Choice[str]:
    """An autocomplete choice within Discord's limits, whatever the id's length.

    A value over 100 characters (a reading saved under its page title, a generated prompt
    id) is replaced by a short key, which :func:`expand_choice` maps back before dispatch.
    """
    if len(value) > CHOICE_MAX:
        key = _key_of(value)
        _LONG_VALUES[key] = value
        value = key
    return app_commands.Choice(name=truncate(name, CHOICE_MAX), value=value)


def expand_choice(bot: SeminarBot, value: str) -> str:
    """The id a short key stands for; any other text unchanged.

    Keys are hashes, so one chosen before a restart is found again among the readings and
    the prompts computed so far.
    """
    if not value.startswith(SHORT_KEY) or value in ("", SHORT_KEY):
        return value
    if value in _LONG_VALUES:
        return _LONG_VALUES[value]
    services = bot.services
    candidates = [r.id for r in services.library] + [p.id for p in services.prompt_bank.written()]
    for candidate in candidates:
        if len(candidate) > CHOICE_MAX and _key_of(candidate) == value:
            _LONG_VALUES[value] = candidate
            return candidate
    return value


def _reading_choices(bot: SeminarBot, current: str, limit: int) -> list[app_commands.Choice[str]]:
    return [
        choice(f"{r.label} — {r.short_title}", r.id)
        for r, _ in bot.services.library.search(current[:CHOICE_MAX], limit=limit)
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
    typed = current.strip()[:CHOICE_MAX]
    concepts = glossary.suggest(typed, limit=10, cutoff=50) if typed else list(glossary)
    for concept in concepts[: MAX_CHOICES - len(choices)]:
        choices.append(choice(f"Concept: {concept.name}", concept.key))
    return choices


AUTOCOMPLETE.update(
    reading=reading_autocomplete, reading_or_concept=reading_or_concept_autocomplete
)
