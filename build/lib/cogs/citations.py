"""``!cite`` as a hybrid command built from its core declaration, with style autocomplete."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.citations.styles import style_choices
from cogs._common import AUTOCOMPLETE, MAX_CHOICES, core_command, run


async def style_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Short names, exports and CSL repository styles matching what is typed, and ``styles``.

    The fuzzy search over ~10,800 styles (~20 ms) runs off the event loop.
    """
    pairs = await asyncio.to_thread(style_choices, current)
    choices = [app_commands.Choice(name=name, value=value) for name, value in pairs]
    if "styles".startswith(current.strip().lower()):
        choices.insert(0, app_commands.Choice(name="styles — list the styles", value="styles"))
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
