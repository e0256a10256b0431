"""``!privacy``, ``!optout``, ``!optin``, ``!mydata`` and ``!forgetme`` as hybrid commands.

Private answers (``!mydata``, ``!forgetme``) go by DM for prefix commands and as ephemeral
replies for slash commands; ``cogs.common.send_reply`` decides that from ``Reply.private``.
"""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from cogs.common import run


class Privacy(commands.Cog):
    """What the bot stores about a student, and the student's control over it."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.hybrid_command(name="privacy", description="What the bot stores and who sees it.")
    async def privacy(self, ctx: commands.Context) -> None:
        """Say what is stored about you and who can see it."""
        await run(ctx, "privacy")

    @commands.hybrid_command(name="optout", description="Stop logging your answers to prompts.")
    async def optout(self, ctx: commands.Context) -> None:
        """Stop logging your answers (in a DM: in every server)."""
        await run(ctx, "optout")

    @commands.hybrid_command(name="optin", description="Resume logging your answers to prompts.")
    async def optin(self, ctx: commands.Context) -> None:
        """Resume logging your answers."""
        await run(ctx, "optin")

    @commands.hybrid_command(name="mydata", description="Get your stored answers as a file.")
    @app_commands.rename(fmt="format")
    @app_commands.describe(fmt="json (with edit history) or csv")
    @app_commands.choices(
        fmt=[
            app_commands.Choice(name="json", value="json"),
            app_commands.Choice(name="csv", value="csv"),
        ]
    )
    async def mydata(self, ctx: commands.Context, fmt: str = "json") -> None:
        """Send you everything stored about you: `!mydata [json|csv]`."""
        await run(ctx, "mydata", fmt)

    @commands.hybrid_command(name="forgetme", description="Erase every answer stored about you.")
    @app_commands.describe(confirm="Type 'confirm' to erase; without it you get an explanation")
    async def forgetme(self, ctx: commands.Context, confirm: str = "") -> None:
        """Erase your data: `!forgetme` explains, `!forgetme confirm` deletes."""
        await run(ctx, "forgetme", confirm)


async def setup(bot: commands.Bot) -> None:
    """Load the privacy cog."""
    await bot.add_cog(Privacy(bot))
