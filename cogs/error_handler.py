"""The one error handler: every command error becomes a short, friendly reply.

Domain errors (``bot.core.errors.UserFacingError``) carry their own message. discord.py's argument
and check errors are explained with the command's usage. Anything else is a bug: it is logged
with its traceback and the user gets an apology, never a traceback.
A cog that handles an error itself sets ``error.handled = True`` and this handler stays quiet.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserFacingError
from bot.core.replies import Reply, error_reply
from cogs._common import NO_PINGS, RefusedCheck, send_reply

log = logging.getLogger(__name__)

LACKING_PERMISSION = (
    "I lack a permission for that here (Send Messages, Embed Links or Attach Files): "
    "ask an admin to grant them to my role in this channel."
)


def unwrap(error: Exception) -> Exception:
    """The original exception inside discord.py's invoke/hybrid/app-command wrappers."""
    while isinstance(
        error,
        commands.CommandInvokeError
        | commands.HybridCommandError
        | app_commands.CommandInvokeError
        | commands.ConversionError
        | RefusedCheck,
    ):
        inner = getattr(error, "original", None)
        if inner is None:
            break
        error = inner
    return error


def usage(ctx: commands.Context) -> str:
    """``!cmd <params>`` for the command that failed."""
    if ctx.command is None:
        return ""
    return f"`{ctx.clean_prefix}{ctx.command.qualified_name} {ctx.command.signature}`".replace(
        " `", "`"
    )


def reply_for(ctx: commands.Context, error: Exception) -> Reply | None:
    """Map an error to what the user sees (None: say nothing)."""
    error = unwrap(error)
    if isinstance(error, UserFacingError):
        return error_reply(error.message, error.title)
    if isinstance(error, commands.CommandNotFound):
        return None
    if isinstance(error, commands.NoPrivateMessage | commands.PrivateMessageOnly):
        return error_reply(str(error))
    if isinstance(error, commands.CheckFailure):
        return error_reply("You cannot use this command here.")
    if isinstance(error, commands.CommandOnCooldown):
        return error_reply(f"Slow down: try again in {error.retry_after:.0f} s.")
    if isinstance(error, commands.UserInputError):
        return error_reply(f"{error}\nUsage: {usage(ctx)}", "Check the command")
    if isinstance(error, discord.Forbidden):
        return error_reply(LACKING_PERMISSION)
    log.error("unexpected error in %s", ctx.command, exc_info=error)
    return error_reply("Something went wrong on my side; it has been logged. Please try again.")


class ErrorHandler(commands.Cog):
    """Turns every command error into a friendly reply."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context, error: Exception) -> None:
        """Reply with the mapped message, unless a cog already handled the error."""
        if getattr(error, "handled", False):
            return
        if isinstance(unwrap(error), discord.Forbidden):
            # Maybe exactly Embed Links is missing: say it as plain text, which needs less.
            try:
                await ctx.send(LACKING_PERMISSION, allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.warning("could not tell %s about a missing permission", ctx.author)
            return
        reply = reply_for(ctx, error)
        if reply is None:
            return
        try:
            await send_reply(ctx, reply)
        except discord.HTTPException:
            log.warning("could not send the error reply for %s", ctx.command, exc_info=True)


async def setup(bot: commands.Bot) -> None:
    """Load the error handler."""
    await bot.add_cog(ErrorHandler(bot))
