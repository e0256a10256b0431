"""``!cite`` as a hybrid (prefix and slash) command, with style and reading autocomplete.

The options are joined back into the raw argument string, so the core parses ``/cite`` exactly
as it parses ``!cite klingon serving the people``.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.citations import STYLES
from cogs._common import join_args, reading_autocomplete, run


async def style_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The styles (and ``styles``, which lists them) whose key or description match."""
    typed = current.strip().lower()
    choices = [
        app_commands.Choice(name=f"{s.key} — {s.description}"[:100], value=s.key)
        for s in STYLES.values()
        if typed in s.key or typed in s.description.lower()
    ]
    if "styles".startswith(typed):
        choices.append(app_commands.Choice(name="styles — list the styles", value="styles"))
    return choices[:25]


class Citations(commands.Cog):
    """Citations of the course readings in the common styles, and BibTeX/RIS exports."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.hybrid_command(
        name="cite", description="Cite a reading: APA, MLA, Chicago, Harvard, IEEE, BibTeX, RIS."
    )
    @app_commands.describe(
        style="apa (default), mla, chicago, harvard, ieee, bibtex, ris — or 'styles'",
        reading="Reading id or words of its title/authors (empty: the only reading)",
    )
    @app_commands.autocomplete(style=style_autocomplete, reading=reading_autocomplete)
    async def cite(self, ctx: commands.Context, style: str = "", *, reading: str = "") -> None:
        """Cite a reading: `!cite [style] [reading]`, or `!cite styles`."""
        await run(ctx, "cite", join_args(style, reading))


async def setup(bot: commands.Bot) -> None:
    """Load the citations cog."""
    await bot.add_cog(Citations(bot))
