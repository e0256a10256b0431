"""``!cite`` as a hybrid command built from its core declaration, with style autocomplete."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.citations import STYLES
from cogs._common import AUTOCOMPLETE, MAX_CHOICES, choice, core_command, run


async def style_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The styles (and ``styles``, which lists them) whose key or description match."""
    typed = current.strip().lower()
    choices = [
        choice(f"{s.key} — {s.description}", s.key)
        for s in STYLES.values()
        if typed in s.key or typed in s.description.lower()
    ]
    if "styles".startswith(typed):
        choices.append(choice("styles — list the styles", "styles"))
    return choices[:MAX_CHOICES]


AUTOCOMPLETE["style"] = style_autocomplete


class Citations(commands.Cog):
    """Citations of the course readings in the common styles, and BibTeX/RIS exports."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @core_command("cite")
    async def cite(
        self, ctx: commands.Context, style: str | None = None, reading: str | None = None
    ) -> None:
        """Cite a reading."""
        await run(ctx, "cite", style=style, reading=reading)


async def setup(bot: commands.Bot) -> None:
    """Load the citations cog."""
    await bot.add_cog(Citations(bot))
