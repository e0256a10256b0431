"""``!sync``: register the slash commands with Discord (a Discord-only chore, no core logic)."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.core.errors import NotInstructor
from bot.core.registry import require
from cogs._common import NO_PINGS, RefusedCheck, actor_from_ctx


class Admin(commands.Cog):
    """Bot upkeep for instructors."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_check(self, ctx: commands.Context) -> bool:
        """Instructors only, in a server (the same rule as the core's instructor commands)."""
        try:
            require("sync", actor_from_ctx(ctx), instructor=True, guild_only=True)
        except NotInstructor as refused:
            # A plain exception from a check escapes discord.py's error dispatch (it is only
            # logged, and the user hears nothing); a CheckFailure reaches the one handler.
            raise RefusedCheck(refused) from refused
        return True

    @commands.command(name="sync")
    async def sync(self, ctx: commands.Context, scope: str = "server") -> None:
        """Register slash commands: `!sync` for this server now, `!sync global` for everywhere."""
        if scope == "global":
            synced = await self.bot.tree.sync()
            where = "globally (Discord may take up to an hour to show them)"
        else:
            guild = discord.Object(id=ctx.guild.id)  # type: ignore[union-attr]
            self.bot.tree.copy_global_to(guild=guild)
            synced = await self.bot.tree.sync(guild=guild)
            where = "for this server"
        await ctx.send(
            f"Registered {len(synced)} slash commands {where}.", allowed_mentions=NO_PINGS
        )


async def setup(bot: commands.Bot) -> None:
    """Load the admin cog."""
    await bot.add_cog(Admin(bot))
