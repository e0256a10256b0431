"""``!themes`` as a hybrid command built from its core declaration.

``!prompt bank`` is a subcommand of the ``prompt`` group in ``cogs/prompts.py``.
"""

from __future__ import annotations

from discord.ext import commands

from cogs._common import core_command, run


class Themes(commands.Cog):
    """Theme fingerprints of readings, and the course glossary."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @core_command("themes")
    async def themes(self, ctx: commands.Context, query: str | None = None) -> None:
        """A reading's themes, a concept, or a comparison."""
        await run(ctx, "themes", query=query)


async def setup(bot: commands.Bot) -> None:
    """Load the themes cog."""
    await bot.add_cog(Themes(bot))
