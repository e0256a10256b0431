"""``!prompt …`` (instructors) and the Discord side of posting scheduled prompts.

The cog is thin: every subcommand hands its raw arguments to the core handler. What lives
here is :class:`DiscordPoster`, the scheduler's way into Discord: it posts the prompt embed
with a nonce fixed per occurrence (discord.py adds ``enforce_nonce``, so Discord itself
drops a quick repeat), opens a thread where allowed, finds its own earlier message after a
crash, tells instructors about failures, and maps discord.py errors to the core's
permanent/transient ones.
The scheduler is started from ``cog_load`` (during ``setup_hook``), never from ``on_ready``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import BadArgument
from bot.core.registry import unknown_subcommand
from bot.core.replies import ChannelRef, Reply
from bot.features.prompts.posting import (
    NotifyTarget,
    PermanentPostError,
    PostRequest,
    PostResult,
    TransientPostError,
    prompt_reply,
)
from cogs._common import (
    AUTOCOMPLETE,
    MAX_CHOICES,
    NO_PINGS,
    build_embeds,
    choice,
    core_command,
    run,
)

if TYPE_CHECKING:
    from bot.app import SeminarBot
    from bot.features.prompts.bank import BankPrompt

log = logging.getLogger(__name__)

HISTORY_LIMIT = 200
READY_TIMEOUT_S = 300
THREAD_ARCHIVE_MINUTES = 10080  # a week, like the default response window


def _map_error(exc: BaseException, what: str) -> Exception:
    """discord.py's exceptions as the core's: retry only what a retry can fix."""
    if isinstance(exc, discord.Forbidden):
        return PermanentPostError(f"the bot lacks permission to {what} (Forbidden)")
    if isinstance(exc, discord.NotFound):
        return PermanentPostError(f"the channel no longer exists (NotFound) — could not {what}")
    if isinstance(exc, discord.DiscordServerError):
        return TransientPostError(f"Discord server error {exc.status} — could not {what}")
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            return TransientPostError(f"rate limited — could not {what}")
        return PermanentPostError(f"Discord refused to {what} ({exc.status}: {exc.text[:100]})")
    return TransientPostError(f"network error — could not {what} ({type(exc).__name__})")


_NETWORK_ERRORS = (discord.HTTPException, aiohttp.ClientError, asyncio.TimeoutError, OSError)


class DiscordPoster:
    """The scheduler's :class:`bot.features.prompts.posting.Poster` for Discord."""

    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    async def _ready(self) -> None:
        """Cache-based checks (permissions, threads) need the gateway; wait for it once.

        The scheduler starts in ``setup_hook``, before the gateway has sent any guild; a
        client whose cache is already filled (commands arrive, or a test double) goes on.
        """
        if not self.bot.is_ready() and not self.bot.guilds:
            await asyncio.wait_for(self.bot.wait_until_ready(), timeout=READY_TIMEOUT_S)

    async def _channel(self, channel_id: int, what: str) -> discord.abc.Messageable:
        await self._ready()
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except _NETWORK_ERRORS as exc:
                raise _map_error(exc, what) from exc
        if not isinstance(channel, discord.abc.Messageable):
            raise PermanentPostError(
                f"{ChannelRef(channel_id)} is not a channel the bot can {what} in"
            )
        return channel

    async def post(self, request: PostRequest) -> PostResult:
        """Send the embed once (fixed nonce), then open a thread if permitted."""
        channel = await self._channel(request.channel_id, "post")
        thread = _can_open_thread(channel)
        reply = prompt_reply(request, thread=thread)
        embed = build_embeds(reply, self.bot.settings.command_prefix)[0]
        try:
            # discord.py sends ``enforce_nonce: true`` with every nonce (http.py,
            # handle_message_parameters), so Discord returns the first message for a repeat
            # of this occurrence's nonce within its dedup window instead of posting again.
            message = await channel.send(
                embed=embed, nonce=request.nonce, allowed_mentions=NO_PINGS
            )
        except _NETWORK_ERRORS as exc:
            raise _map_error(exc, "post") from exc
        return PostResult(message.id, await self._open_thread(channel, message, request))

    async def _open_thread(
        self, channel: discord.abc.Messageable, message: discord.Message, request: PostRequest
    ) -> int | None:
        """A thread for answers where the bot may create one; the prompt stands without it."""
        if not _can_open_thread(channel):
            return None
        assert isinstance(channel, discord.TextChannel)
        try:
            thread = await message.create_thread(
                name=request.thread_name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except _NETWORK_ERRORS:
            log.info("could not open a thread on prompt %s", request.post_id, exc_info=True)
            return None
        return thread.id

    async def find_existing(
        self, channel_id: int, marker: str, since: datetime
    ) -> PostResult | None:
        """Search recent history for the bot's own message whose footer starts with ``marker``."""
        channel = await self._channel(channel_id, "read the message history")
        me = self.bot.user.id if self.bot.user else None
        try:
            async for message in channel.history(limit=HISTORY_LIMIT, after=since):
                if message.author.id != me:
                    continue
                for embed in message.embeds:
                    footer = (embed.footer.text or "") if embed.footer else ""
                    if footer.split(" · ", 1)[0] == marker:
                        thread = getattr(message, "thread", None)
                        return PostResult(message.id, thread.id if thread else None)
        except _NETWORK_ERRORS as exc:
            raise _map_error(exc, "read the message history") from exc
        return None

    async def notify(self, target: NotifyTarget, reply: Reply) -> None:
        """Tell instructors: in the channel they scheduled from, else by DM. Never raises."""
        embeds = build_embeds(reply, self.bot.settings.command_prefix)
        if target.channel_id is not None:
            try:
                channel = await self._channel(target.channel_id, "notify")
                await channel.send(embeds=embeds[:10], allowed_mentions=NO_PINGS)
                return
            except Exception:
                log.info("could not notify in channel %s", target.channel_id, exc_info=True)
        if target.user_id is not None:
            try:
                user = self.bot.get_user(target.user_id) or await self.bot.fetch_user(
                    target.user_id
                )
                await user.send(embeds=embeds[:10], allowed_mentions=NO_PINGS)
            except Exception:
                log.warning("could not notify instructor %s", target.user_id, exc_info=True)

    async def check_channel(self, guild_id: int | None, channel_id: int) -> list[str]:
        """Refuse a channel the bot cannot post embeds in; list what else it lacks there.

        Fatal: View Channel, Send Messages (in threads: Send Messages in Threads), Embed
        Links. Not fatal, returned for the instructor to fix: Create Public Threads (the
        prompt then asks for replies instead), Add Reactions and Read Message History (the ✅).
        """
        channel = self.bot.get_channel(channel_id)
        guild = getattr(channel, "guild", None)
        if channel is None or guild is None or guild.id != guild_id:
            raise BadArgument(f"I cannot find the channel {ChannelRef(channel_id)} in this server.")
        if not isinstance(channel, discord.abc.Messageable) or isinstance(
            channel, discord.VoiceChannel | discord.StageChannel
        ):
            raise BadArgument(f"{ChannelRef(channel_id)} is not a text channel.")
        return missing_permissions(channel)  # type: ignore[arg-type]


FIX_PERMISSIONS = "Give the bot's role these in the channel's settings → Permissions."


def _can_open_thread(channel: object) -> bool:
    return isinstance(channel, discord.TextChannel) and bool(
        channel.permissions_for(channel.guild.me).create_public_threads
    )


def missing_permissions(channel: discord.TextChannel | discord.Thread) -> list[str]:
    """What the bot lacks in ``channel``: raises for what stops a post, lists the rest."""
    perms = channel.permissions_for(channel.guild.me)
    thread = isinstance(channel, discord.Thread)
    needed = {
        "View Channel": perms.view_channel,
        "Send Messages in Threads" if thread else "Send Messages": (
            perms.send_messages_in_threads if thread else perms.send_messages
        ),
        "Embed Links": perms.embed_links,
    }
    missing = [name for name, ok in needed.items() if not ok]
    if missing:
        raise BadArgument(
            f"I may not post in {ChannelRef(channel.id)}: I lack "
            f"{', '.join(missing)} there. {FIX_PERMISSIONS} Nothing was done."
        )
    warnings = []
    if isinstance(channel, discord.TextChannel) and not perms.create_public_threads:
        warnings.append(
            "Create Public Threads: no thread is opened, so the prompt asks students to reply "
            "to it or use !respond."
        )
    lacking = [
        name
        for name, ok in (
            ("Add Reactions", perms.add_reactions),
            ("Read Message History", perms.read_message_history),
        )
        if not ok
    ]
    if lacking:
        warnings.append(
            f"{' and '.join(lacking)}: answers are logged but get no ✅ (instructors are told)."
        )
    if warnings:
        warnings.append(FIX_PERMISSIONS)
    return warnings


class ReadyBank:
    """The whole prompt bank, computed once in a worker after start-up, for autocomplete.

    Generated prompts need every reading's themes (seconds for 60 readings); autocomplete
    must answer within 3 s and never start work per keystroke, so it reads what is ready:
    the hand-written prompts until the full list is computed (again after a bank reload).
    """

    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot
        self._ready: tuple[object, list[BankPrompt]] | None = None
        self._task: asyncio.Task[None] | None = None

    def prompts(self) -> list[BankPrompt]:
        """The full list if ready for the current bank, else the hand-written prompts."""
        bank = self.bot.services.prompt_bank
        if self._ready is not None and self._ready[0] is bank:
            return self._ready[1]
        self.refresh()
        return bank.written()

    def refresh(self) -> None:
        """Start computing the full list in a worker, unless that is already under way."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._compute())

    async def _compute(self) -> None:
        from bot.features.themes.commands import fingerprints_of

        services = self.bot.services
        # After start-up's warm-up (themes read back from the database or computed in the
        # worker process), so the first answers never share the CPU with this.
        await services.intake.wait_idle()
        bank = services.prompt_bank
        await fingerprints_of(services, list(services.library))  # in the worker process
        self._ready = (bank, await asyncio.to_thread(bank.all))

    def cancel(self) -> None:
        """Forget a computation still running (the thread finishes on its own)."""
        if self._task is not None:
            self._task.cancel()


async def bank_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Prompt-bank ids whose id or question holds what was typed, from what is ready."""
    cog = interaction.client.get_cog("Prompts")  # type: ignore[attr-defined]
    prompts = cog.ready_bank.prompts() if isinstance(cog, Prompts) else []
    words = current.lower().split()
    return [
        choice(f"{p.id} — {p.question}", p.id)
        for p in prompts
        if all(w in f"{p.id} {p.question}".lower() for w in words)
    ][:MAX_CHOICES]


AUTOCOMPLETE["bank"] = bank_autocomplete

PostChannel = discord.TextChannel | discord.Thread


class Prompts(commands.Cog):
    """Discussion prompts: post now, schedule, list, cancel, close, and the prompt bank."""

    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot
        self.ready_bank = ReadyBank(bot)

    async def cog_load(self) -> None:
        """Attach the Discord poster, start the scheduler, compute the bank in the background."""
        scheduler = self.bot.services.scheduler
        scheduler.attach(DiscordPoster(self.bot))
        await scheduler.start()
        self.ready_bank.refresh()

    async def cog_unload(self) -> None:
        """Drop the background computation."""
        self.ready_bank.cancel()

    @commands.hybrid_group(
        name="prompt", description="Discussion prompts (instructors).", invoke_without_command=True
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def prompt(self, ctx: commands.Context) -> None:
        """List upcoming and open prompts (the same as `!prompt list`)."""
        if ctx.interaction is None:
            extra = ctx.subcommand_passed or ctx.view.read_rest().strip()
            if extra:
                word = extra.split()[0]
                raise unknown_subcommand("prompt", word)
        await run(ctx, "prompt list")

    @core_command("prompt post", group=prompt)
    async def post(
        self, ctx: commands.Context, prompt: str, channel: PostChannel | None = None
    ) -> None:
        """Post a prompt now."""
        await run(ctx, "prompt post", prompt=prompt, channel=channel)

    @core_command("prompt schedule", group=prompt)
    async def schedule(
        self,
        ctx: commands.Context,
        when: str,
        prompt: str,
        channel: PostChannel | None = None,
        every: str | None = None,
        count: app_commands.Range[int, 1] | None = None,
        until: str | None = None,
    ) -> None:
        """Schedule a prompt."""
        await run(
            ctx,
            "prompt schedule",
            when=when,
            prompt=prompt,
            channel=channel,
            every=every,
            count=count,
            until=until,
        )

    @core_command("prompt list", group=prompt)
    async def list_(self, ctx: commands.Context) -> None:
        """List plans and open prompts."""
        await run(ctx, "prompt list")

    @core_command("prompt cancel", group=prompt)
    async def cancel(
        self, ctx: commands.Context, plan_id: app_commands.Range[int, 1], which: str | None = None
    ) -> None:
        """Cancel a plan or one of its prompts."""
        await run(ctx, "prompt cancel", plan_id=plan_id, which=which)

    @core_command("prompt close", group=prompt)
    async def close(self, ctx: commands.Context, prompt_id: app_commands.Range[int, 1]) -> None:
        """Close a prompt."""
        await run(ctx, "prompt close", prompt_id=prompt_id)

    @core_command("prompt keep", group=prompt)
    async def keep(self, ctx: commands.Context, prompt_id: str) -> None:
        """Keep a generated prompt."""
        await run(ctx, "prompt keep", prompt_id=prompt_id)

    @core_command("prompt bank", group=prompt)
    async def bank(self, ctx: commands.Context, query: str | None = None) -> None:
        """Browse the prompt bank."""
        await run(ctx, "prompt bank", query=query)


async def setup(bot: SeminarBot) -> None:
    """Load the prompts cog (and so start the scheduler)."""
    await bot.add_cog(Prompts(bot))
