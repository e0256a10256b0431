"""``!help`` in Discord: the core's command list and topics, so it reads like the console's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from bot.core.help import help_for, help_reply
from bot.core.replies import Reply
from cogs._common import is_instructor, send_reply

if TYPE_CHECKING:
    from bot.app import SeminarBot

SYNC_USAGE = "!sync [here|global|clear]"
SYNC_SUMMARY = "Register the slash commands (instructors)"


class CoreHelp(commands.HelpCommand):
    """Lists the core's commands (instructor ones only to instructors) and ``!sync``.

    ``!help <topic>`` goes to the core's :func:`help_for` whatever the topic is (a command,
    a group, a typo), instead of discord.py's walk through its own command tree.
    """

    def _instructor(self) -> bool:
        ctx = self.context
        bot: SeminarBot = ctx.bot
        return ctx.guild is not None and is_instructor(ctx.author, bot.settings.instructor_role)

    async def send_bot_help(self, mapping: object) -> None:  # noqa: D102
        bot: SeminarBot = self.context.bot
        instructor = self._instructor()
        reply = help_reply(bot.settings.command_prefix, instructor=instructor)
        if instructor:
            reply.body += f"\n`{SYNC_USAGE}` — {SYNC_SUMMARY}"
        await send_reply(self.context, reply)

    async def command_callback(  # noqa: D102
        self, ctx: commands.Context, /, *, command: str | None = None
    ) -> None:
        await self.prepare_help_command(ctx, command)
        if not command or not command.strip():
            await self.send_bot_help({})
            return
        bot: SeminarBot = ctx.bot
        prefix = bot.settings.command_prefix
        instructor = self._instructor()
        if instructor and command.strip().lower().removeprefix(prefix) == "sync":
            reply = Reply(title=SYNC_USAGE, body=SYNC_SUMMARY + " (Discord only).")
        else:
            extra = ("sync",) if instructor else ()
            reply = help_for(command, prefix, instructor=instructor, extra=extra)
        await send_reply(ctx, reply)


async def setup(bot: SeminarBot) -> None:
    """Install the help command."""
    bot.help_command = CoreHelp()
