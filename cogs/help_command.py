"""``!help`` in Discord: the core's command list, so it reads exactly like the console's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from bot.core.help import command_help_reply, help_reply
from bot.core.registry import resolve
from cogs._common import is_instructor, send_reply

if TYPE_CHECKING:
    from bot.app import SeminarBot


class CoreHelp(commands.HelpCommand):
    """Lists the core's commands (instructor ones only to instructors) and ``!sync``."""

    async def send_bot_help(self, mapping: object) -> None:  # noqa: D102
        ctx = self.context
        bot: SeminarBot = ctx.bot
        instructor = ctx.guild is not None and is_instructor(
            ctx.author, bot.settings.instructor_role
        )
        reply = help_reply(bot.settings.command_prefix, instructor=instructor)
        if instructor:
            reply.body += (
                "\n`!sync [here|global|clear]` — Register the slash commands (instructors)"
            )
        await send_reply(ctx, reply)

    async def _send_one(self, name: str) -> None:
        found = resolve(name)
        if found is None:
            await self.send_bot_help({})
            return
        await send_reply(self.context, command_help_reply(found[0]))

    async def send_command_help(self, command: commands.Command) -> None:  # noqa: D102
        await self._send_one(command.qualified_name)

    async def send_group_help(self, group: commands.Group) -> None:  # noqa: D102
        await self.send_bot_help({})

    async def command_not_found(self, string: str) -> str:  # noqa: D102
        return string

    async def send_error_message(self, error: str) -> None:  # noqa: D102
        await self._send_one(error)


async def setup(bot: SeminarBot) -> None:
    """Install the help command."""
    bot.help_command = CoreHelp()
