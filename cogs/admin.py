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
    async def sync(self, ctx: commands.Context, scope: str = "here") -> None:
        """Register slash commands: `here` (this server, at once), `global`, or `clear`.

        ``here`` copies the commands to this server (instant, for testing); ``global``
        publishes them everywhere (Discord may take up to an hour); ``clear`` removes this
        server's copies, so a server that also has the global ones stops showing each twice.
        """
        guild = discord.Object(id=ctx.guild.id)  # type: ignore[union-attr]
        scope = scope.lower()
        if scope == "global":
            synced = await self.bot.tree.sync()
            text = (
                f"Registered {len(synced)} slash commands globally (Discord may take up to an "
                "hour to show them). If this server also has its own copies, `!sync clear` "
                "removes them so nothing shows twice."
            )
        elif scope == "clear":
            self.bot.tree.clear_commands(guild=guild)
            await self.bot.tree.sync(guild=guild)
            text = "Removed this server's copies of the slash commands; the global ones stay."
        elif scope in ("here", "server", "guild"):
            self.bot.tree.copy_global_to(guild=guild)
            synced = await self.bot.tree.sync(guild=guild)
            text = f"Registered {len(synced)} slash commands for this server."
        else:
            text = "Use `!sync` (this server), `!sync global` or `!sync clear`."
        await ctx.send(text, allowed_mentions=NO_PINGS)


async def setup(bot: commands.Bot) -> None:
    """Load the admin cog."""
    await bot.add_cog(Admin(bot))
