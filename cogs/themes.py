"""``!themes`` as a hybrid (prefix and slash) command, with reading and concept autocomplete.

``!prompt bank`` is a subcommand of the ``prompt`` group in ``cogs/prompts.py``; it calls the
core handler ``"prompt bank"`` in ``bot/handlers/themes.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.replies import truncate
from cogs.common import run

if TYPE_CHECKING:
    from bot.app import SeminarBot

MAX_CHOICES = 25


async def themes_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Readings and glossary concepts matching what the user has typed so far."""
    bot: SeminarBot = interaction.client  # type: ignore[assignment]
    services = bot.services
    choices = [
        app_commands.Choice(name=truncate(f"{r.label} — {r.short_title}", 100), value=r.id)
        for r, _ in services.library.search(current, limit=15)
    ]
    typed = current.strip().lower()
    glossary = services.glossary
    concepts = glossary.suggest(current, limit=10, cutoff=50) if typed else list(glossary)
    for concept in concepts:
        if len(choices) >= MAX_CHOICES:
            break
        choices.append(
            app_commands.Choice(name=truncate(f"Concept: {concept.name}", 100), value=concept.key)
        )
    return choices[:MAX_CHOICES]


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
    @app_commands.autocomplete(query=themes_autocomplete)
    async def themes(self, ctx: commands.Context, *, query: str = "") -> None:
        """`!themes [reading | concept | compare <reading> <reading>]`."""
        await run(ctx, "themes", query)


async def setup(bot: commands.Bot) -> None:
    """Load the themes cog."""
    await bot.add_cog(Themes(bot))
