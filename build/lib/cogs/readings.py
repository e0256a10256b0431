"""``!readings`` and ``!summary``: hybrid commands built from their core declarations."""

from __future__ import annotations

from discord.ext import commands

from cogs._common import core_command, run


class Readings(commands.Cog):
    """The course readings and their summaries."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @core_command("readings")
    async def readings(self, ctx: commands.Context) -> None:
        """List the course readings with their ids."""
        await run(ctx, "readings")

    @core_command("summary")
    async def summary(
        self, ctx: commands.Context, reading: str | None = None, length: str | None = None
    ) -> None:
        """Summarise a reading."""
        await run(ctx, "summary", reading=reading, length=length)


async def setup(bot: commands.Bot) -> None:
    """Load the readings cog."""
    await bot.add_cog(Readings(bot))
