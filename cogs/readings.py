"""``!readings`` and ``!summary`` as hybrid (prefix and slash) commands."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from cogs._common import reading_autocomplete, run


class Readings(commands.Cog):
    """The course readings and their summaries."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.hybrid_command(name="readings", description="List the course readings.")
    async def readings(self, ctx: commands.Context) -> None:
        """List the course readings with their ids."""
        await run(ctx, "readings")

    @commands.hybrid_command(name="summary", description="The thesis and key points of a reading.")
    @app_commands.describe(
        reading="Reading id or words of its title/authors; add 'long' for more detail"
    )
    @app_commands.autocomplete(reading=reading_autocomplete)
    async def summary(self, ctx: commands.Context, *, reading: str = "") -> None:
        """Summarise a reading: `!summary [reading] [short|long]`."""
        await run(ctx, "summary", reading)


async def setup(bot: commands.Bot) -> None:
    """Load the readings cog."""
    await bot.add_cog(Readings(bot))
