"""``!readings`` (list, add, remove, reload) and ``!summary``, built from their core declarations.

``readings`` is a group: ``!readings`` (and ``/readings list``) lists the readings, while
``add``, ``remove`` and ``reload`` are its instructor subcommands. Discord sets permissions
per top-level command, so students see ``/readings add`` too; the core refuses them.
"""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.features.readings.intake import IncomingFile
from cogs._common import core_command, run, spec_for

_LIST = spec_for("readings")


async def incoming(ctx: commands.Context, extra: discord.Attachment | None) -> list[IncomingFile]:
    """The command's files as plain values: the message's attachments, or the slash option.

    A file larger than ``MAX_UPLOAD_MB`` is not downloaded: it is offered empty with its
    declared size, and the core refuses it by that size.
    """
    found = [] if ctx.interaction is not None else list(ctx.message.attachments)
    if extra is not None:
        found.append(extra)
    limit = ctx.bot.settings.max_upload_mb * 1_000_000
    files = []
    for attachment in found:
        if attachment.size > limit:
            files.append(IncomingFile(attachment.filename, b"", size=attachment.size))
        else:
            files.append(IncomingFile(attachment.filename, await attachment.read()))
    return files


class Readings(commands.Cog):
    """The course readings: listed, added, removed and reloaded; and their summaries."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.hybrid_group(
        name="readings",
        description=_LIST.summary,
        help=f"{_LIST.help}\nUsage: {_LIST.usage}",
        fallback="list",
        invoke_without_command=True,
    )
    async def readings(self, ctx: commands.Context) -> None:
        """List the course readings with their ids."""
        await run(ctx, "readings")

    @core_command("readings add", group=readings)
    async def add(
        self,
        ctx: commands.Context,
        source: str | None = None,
        replace: str | None = None,
        attachment: discord.Attachment | None = None,
    ) -> None:
        """Add a reading from attached files or a DOI."""
        files = await incoming(ctx, attachment)
        await run(ctx, "readings add", source=source, replace=replace, attachment=files)

    @core_command("readings remove", group=readings)
    async def remove(self, ctx: commands.Context, reading: str) -> None:
        """Remove a reading (its files move to removed/)."""
        await run(ctx, "readings remove", reading=reading)

    @core_command("readings reload", group=readings)
    async def reload(self, ctx: commands.Context) -> None:
        """Rescan the seeds folder."""
        await run(ctx, "readings reload")

    @core_command("summary")
    async def summary(
        self, ctx: commands.Context, reading: str | None = None, length: str | None = None
    ) -> None:
        """Summarise a reading."""
        await run(ctx, "summary", reading=reading, length=length)


async def setup(bot: commands.Bot) -> None:
    """Load the readings cog."""
    await bot.add_cog(Readings(bot))
