"""``!themes`` as a hybrid (prefix and slash) command, with reading and concept autocomplete.

``!prompt bank`` is a subcommand of the ``prompt`` group in ``cogs/prompts.py``; it calls the
core handler ``"prompt bank"`` in ``bot/features/themes/commands.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

from cogs._common import reading_or_concept_autocomplete, run

if TYPE_CHECKING:
    pass


class Themes(commands.Cog):
    """Theme fingerprints of readings, and the course glossary."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.hybrid_command(
        name="themes", description="A reading's themes with quotes, a concept, or a comparison."
    )
    @app_commands.describe(
        query="A reading (id or title words), a glossary concept, or 'compare <reading> <reading>'"
    )
    @app_commands.autocomplete(query=reading_or_concept_autocomplete)
    async def themes(self, ctx: commands.Context, *, query: str = "") -> None:
        """`!themes [reading | concept | compare <reading> <reading>]`."""
        await run(ctx, "themes", query)


async def setup(bot: commands.Bot) -> None:
    """Load the themes cog."""
    await bot.add_cog(Themes(bot))
