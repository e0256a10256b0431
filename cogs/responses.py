"""Responses in Discord: ``!respond``, ``!responses``, ``!participation`` and the listeners.

A student's message counts as a response when it is written in a prompt's thread or replies to
the prompt's message; the bot reacts with ✅ once it is committed. Edits and deletions are
followed through the raw events (they fire even for messages no longer in the cache). At
start-up the threads of open prompts are read back from where the log stops, so answers
written while the bot was offline are not lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import StorageError
from bot.core.replies import ChannelRef, Reply, truncate
from bot.features.prompts.posting import NotifyTarget
from bot.features.responses.log import Incoming, LogResult
from cogs._common import NO_PINGS, core_command, run
from cogs.prompts import DiscordPoster

if TYPE_CHECKING:
    from bot.app import SeminarBot
    from bot.features.responses.log import ResponseLog
    from bot.storage.posts import Post as PostView

log = logging.getLogger(__name__)

LOGGED = "\N{WHITE HEAVY CHECK MARK}"
CATCH_UP_LIMIT = 5000  # messages read back per prompt at start-up
CATCH_UP_CHUNK = 200


def message_text(message: discord.Message) -> str:
    """The text to log: the content, plus the names of any attachments."""
    parts = [message.content.strip()] if message.content.strip() else []
    parts += [f"[attachment: {a.filename}]" for a in message.attachments]
    return "\n".join(parts)


def incoming_from(message: discord.Message) -> Incoming | None:
    """The response a message may carry: in a thread, or a reply; ``None`` for anything else."""
    if message.author.bot or message.webhook_id is not None or message.guild is None:
        return None
    if message.type not in (discord.MessageType.default, discord.MessageType.reply):
        return None
    text = message_text(message)
    if not text:
        return None
    common = {
        "user_id": message.author.id,
        "display_name": getattr(message.author, "display_name", message.author.name),
        "text": text,
        "created_at": message.created_at,
        "guild_id": message.guild.id,
        "channel_id": message.channel.id,
        "message_id": message.id,
    }
    if isinstance(message.channel, discord.Thread):
        return Incoming(source="thread", thread_id=message.channel.id, **common)
    if message.reference is not None and message.reference.message_id is not None:
        return Incoming(source="reply", reply_to=message.reference.message_id, **common)
    return None


ACK_WINDOW_S = 10.0  # acknowledgements are counted per channel over this window
REACT_MAX = 3  # this many answers per window get their own ✅; the rest one summary message
RETRY_AFTER_S = 1.0
SUMMARY_NAMES = 40


class Acknowledger:
    """✅ for logged answers, at a pace a busy thread cannot turn into hundreds of calls.

    In a calm channel each answer gets its ✅ at once. Once ``REACT_MAX`` answers in one
    channel were acknowledged within ``ACK_WINDOW_S``, further ones wait for the end of the
    window and share one summary message ("✅ Logged 57 answers: …"): 200 answers at once
    cost 4 API calls instead of 200 reactions (the last ~50 s late at the reaction route's
    rate). A failed call is retried once; a missing permission is reported to the
    instructor who posted the prompt, once per channel.
    """

    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot
        self.window = ACK_WINDOW_S
        self._recent: dict[int, list[float]] = {}
        self._waiting: dict[int, list[tuple[discord.Message, LogResult]]] = {}
        self._flushes: dict[int, asyncio.Task[None]] = {}
        self._reported: set[int] = set()

    async def acknowledge(self, message: discord.Message, result: LogResult) -> None:
        """React now, or queue the answer for its channel's summary at the window's end."""
        channel_id = message.channel.id
        now = asyncio.get_running_loop().time()
        recent = [t for t in self._recent.get(channel_id, []) if now - t < self.window]
        if len(recent) < REACT_MAX and channel_id not in self._waiting:
            self._recent[channel_id] = [*recent, now]
            await self._call(lambda: message.add_reaction(LOGGED), message, result)
            return
        self._recent[channel_id] = recent
        self._waiting.setdefault(channel_id, []).append((message, result))
        if channel_id not in self._flushes:
            self._flushes[channel_id] = asyncio.create_task(self._flush_later(channel_id))

    async def _flush_later(self, channel_id: int) -> None:
        await asyncio.sleep(self.window)
        await self.flush(channel_id)

    async def flush(self, channel_id: int) -> None:
        """Send the summary for the answers waiting in ``channel_id`` (now)."""
        task = self._flushes.pop(channel_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        batch = self._waiting.pop(channel_id, [])
        if not batch:
            return
        message, result = batch[-1]
        names = list(dict.fromkeys(m.author.display_name for m, _ in batch))
        shown = ", ".join(names[:SUMMARY_NAMES])
        if len(names) > SUMMARY_NAMES:
            shown += f" and {len(names) - SUMMARY_NAMES} more"
        text = truncate(f"{LOGGED} Logged {len(batch)} more answers: {shown}.", 2000)
        await self._call(
            lambda: message.channel.send(text, allowed_mentions=NO_PINGS, silent=True),
            message,
            result,
        )

    async def flush_all(self) -> None:
        """Send every waiting summary (at shutdown, and in tests)."""
        for channel_id in list(self._waiting):
            await self.flush(channel_id)

    async def _call(
        self, make: Callable[[], Awaitable[object]], message: discord.Message, result: LogResult
    ) -> None:
        """Make an acknowledging call; retry it once; report a missing permission."""
        try:
            await make()
            return
        except discord.Forbidden:
            await self._report(message, result)
            return
        except discord.HTTPException:
            log.info("acknowledging %s failed; retrying once", message.id, exc_info=True)
        await asyncio.sleep(RETRY_AFTER_S)
        try:
            await make()
        except discord.Forbidden:
            await self._report(message, result)
        except discord.HTTPException:
            log.warning("could not acknowledge response %s", message.id, exc_info=True)

    async def _report(self, message: discord.Message, result: LogResult) -> None:
        """Tell the instructor who posted the prompt, once per channel, what is missing."""
        channel_id = message.channel.id
        if channel_id in self._reported or result.post is None:
            return
        self._reported.add(channel_id)
        post = await self.bot.services.scheduler.store.post(result.post.id)
        user_id = post.posted_by if post is not None else None
        reply = Reply(
            title="Answers are logged but not acknowledged",
            body=(
                f"In {ChannelRef(channel_id)} I lack Add Reactions or Read Message History, so "
                f"students answering prompt {result.post.id} get no {LOGGED}. Their answers are "
                "logged all the same. Give the bot's role these permissions in that channel."
            ),
        )
        target = NotifyTarget(message.guild.id if message.guild else None, None, user_id)
        await DiscordPoster(self.bot).notify(target, reply)


class Responses(commands.Cog):
    """Students' answers to prompts, and the instructor's view of them."""

    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot
        self._catch_up: asyncio.Task[int] | None = None
        self.acknowledger = Acknowledger(bot)

    @property
    def response_log(self) -> ResponseLog:
        """The core response log."""
        return self.bot.services.responses

    async def cog_load(self) -> None:
        """Note where the log stops *before* connecting, then read the rest once ready.

        The targets are taken now, while no live message can have been logged yet, so a
        message arriving during the catch-up cannot hide the ones written offline.
        """
        targets = await self.response_log.catch_up_targets()
        if targets:
            self._catch_up = asyncio.create_task(self._catch_up_when_ready(targets))

    async def cog_unload(self) -> None:
        """Stop a catch-up still waiting or running."""
        if self._catch_up is not None:
            self._catch_up.cancel()
        try:
            await self.acknowledger.flush_all()
        except Exception:  # shutting down: the answers are logged, only the ✅ is lost
            log.info("could not send the last acknowledgements", exc_info=True)

    async def _catch_up_when_ready(self, targets: list[tuple[PostView, int | None]]) -> int:
        await self.bot.wait_until_ready()
        return await self.catch_up(targets)

    async def catch_up(self, targets: list[tuple[PostView, int | None]]) -> int:
        """Log what was written in open prompts' threads (or as replies) while offline."""
        logged = 0
        for post, last in targets:
            try:
                logged += await self._catch_up_post(post, last)
            except (discord.HTTPException, StorageError):
                log.warning("catch-up of prompt #%s failed", post.id, exc_info=True)
        if logged:
            log.info("catch-up: logged %d responses written while offline", logged)
        return logged

    async def _catch_up_post(self, post: PostView, last: int | None) -> int:
        """Re-read one prompt's thread (or its replies) from the start; returns new responses.

        New messages are logged; logged ones whose text changed are recorded as edits; logged
        ones no longer there are marked deleted — the last only when the whole history was
        read, so a cut-off read never deletes anything.
        """
        channel_id = post.thread_id or post.channel_id
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except discord.NotFound:
                return 0
        if not isinstance(channel, discord.abc.Messageable):
            return 0
        source = "thread" if post.thread_id else "reply"
        known = await self.response_log.logged_messages(post.id, source)
        start = max(x for x in (post.message_id, post.thread_id, 0) if x is not None)
        batch: list[Incoming] = []
        seen: set[int] = set()
        logged = edited = read = 0
        async for message in channel.history(
            limit=CATCH_UP_LIMIT, after=discord.Object(start), oldest_first=True
        ):
            read += 1
            if message.id in known:
                seen.add(message.id)
                stored, deleted = known[message.id]
                text = message_text(message)
                if not deleted and text != stored:
                    edited += await self.response_log.edit(message.id, text, message.edited_at)
                continue
            if last is not None and message.id <= last:
                continue  # read before and not a response (a command, another reply)
            incoming = incoming_from(message)
            if incoming is None:
                continue
            if incoming.thread_id is None and incoming.reply_to != post.message_id:
                continue  # in the parent channel only replies to this prompt count
            if (await self.bot.get_context(message)).valid:
                continue
            batch.append(incoming)
            if len(batch) >= CATCH_UP_CHUNK:
                logged += sum(r.logged for r in await self.response_log.log_many(batch))
                batch = []
        if batch:
            logged += sum(r.logged for r in await self.response_log.log_many(batch))
        deleted = 0
        if read < CATCH_UP_LIMIT:  # the whole history: what is missing was deleted offline
            for message_id, (_, was_deleted) in known.items():
                if message_id not in seen and not was_deleted:
                    deleted += await self.response_log.delete(message_id)
        if edited or deleted:
            log.info("catch-up of prompt #%s: %d edits, %d deletions", post.id, edited, deleted)
        return logged

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Log a message in a prompt's thread or replying to a prompt, then react ✅."""
        incoming = incoming_from(message)
        if incoming is None:
            return
        if (await self.bot.get_context(message)).valid:
            return  # a command (``!respond`` logs itself)
        try:
            result = await self.response_log.log(incoming)
        except StorageError:
            log.error("response %s could not be logged", message.id, exc_info=True)
            try:
                await message.add_reaction("\N{WARNING SIGN}")
            except discord.HTTPException:
                pass
            return
        if result.logged:
            await self.acknowledger.acknowledge(message, result)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Follow an edit of a logged response, keeping the earlier text."""
        message = payload.message
        if "content" not in payload.data or message.author.bot:
            return
        text = message_text(message)
        if text:
            await self.response_log.edit(payload.message_id, text, message.edited_at)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Mark a deleted response deleted (its text stays in the history)."""
        await self.response_log.delete(payload.message_id)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """A moderator's purge deletes responses too."""
        for message_id in sorted(payload.message_ids):
            await self.response_log.delete(message_id)

    @core_command("respond")
    async def respond(
        self,
        ctx: commands.Context,
        text: str,
        prompt_id: app_commands.Range[int, 1] | None = None,
    ) -> None:
        """Answer a discussion prompt."""
        await run(ctx, "respond", text=text, prompt_id=prompt_id)

    @core_command("responses")
    async def responses(
        self, ctx: commands.Context, prompt_id: app_commands.Range[int, 1] | None = None
    ) -> None:
        """Response counts and the CSV export."""
        await run(ctx, "responses", prompt_id=prompt_id)

    @core_command("participation")
    async def participation(self, ctx: commands.Context, since: str | None = None) -> None:
        """Responses and words per student."""
        await run(ctx, "participation", since=since)


class Privacy(commands.Cog):
    """What the bot stores about a student, and the student's control over it."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @core_command("privacy")
    async def privacy(self, ctx: commands.Context) -> None:
        """Say what is stored about you and who can see it."""
        await run(ctx, "privacy")

    @core_command("optout")
    async def optout(self, ctx: commands.Context) -> None:
        """Stop logging your answers."""
        await run(ctx, "optout")

    @core_command("optin")
    async def optin(self, ctx: commands.Context) -> None:
        """Resume logging your answers."""
        await run(ctx, "optin")

    @core_command("mydata")
    async def mydata(self, ctx: commands.Context, format: str | None = None) -> None:  # noqa: A002
        """Send you everything stored about you."""
        await run(ctx, "mydata", format=format)

    @core_command("forgetme")
    async def forgetme(self, ctx: commands.Context, confirm: str | None = None) -> None:
        """Erase your data after a confirmation."""
        await run(ctx, "forgetme", confirm=confirm)


async def setup(bot: SeminarBot) -> None:
    """Load the responses and privacy cogs."""
    await bot.add_cog(Responses(bot))
    await bot.add_cog(Privacy(bot))
