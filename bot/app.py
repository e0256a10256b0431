"""The Discord application: ``create_bot(settings)`` builds a bot that connects to nothing yet.

``setup_hook`` opens the database and loads the library *before* loading the extensions, so no
cog ever sees a half-ready bot; it runs once per process (unlike ``on_ready``).
"""

from __future__ import annotations

import gc
import logging
import pkgutil

import discord
from discord.ext import commands

import cogs
from bot.config import Settings
from bot.core.clock import Clock
from bot.services import Services

log = logging.getLogger(__name__)

# What the bot's role needs in seminar channels (and what its invite link should ask for):
# post prompts as embeds with threads and files, acknowledge answers with ✅, read history
# to catch up after a restart. Missing ones are named to the instructor before posting.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    create_public_threads=True,
)


def extension_names() -> list[str]:
    """Every module in ``cogs/`` that defines ``setup`` (helpers start with an underscore)."""
    return sorted(
        f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_")
    )


class SeminarBot(commands.Bot):
    """A ``commands.Bot`` that owns the core :class:`Services`."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        intents = discord.Intents.default()
        # Message Content (privileged): prefix commands and thread answers need the text.
        # Server Members is not asked for: a message's author arrives with its roles (the
        # instructor check) and display name (participation), so no member list is needed.
        intents.message_content = True
        super().__init__(
            command_prefix=commands.when_mentioned_or(settings.command_prefix),
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,  # cogs/help_command.py installs the core help
            case_insensitive=True,
            strip_after_prefix=True,
        )
        self.settings = settings
        self._clock = clock
        self.services: Services

    async def setup_hook(self) -> None:
        """Database, then library, then extensions: the order every cog relies on."""
        self.services = await Services.open(self.settings, clock=self._clock)
        for name in extension_names():
            await self.load_extension(name)
        # Everything loaded so far lives as long as the bot: keep it out of the cyclic
        # collector, whose full passes over it (run in whichever thread allocates, while
        # holding the interpreter) would otherwise stall the loop for 100+ ms at a time.
        gc.freeze()
        log.info(
            "ready: %d readings, %d extensions", len(self.services.library), len(self.extensions)
        )

    async def close(self) -> None:
        """Stop background work and close the database before disconnecting."""
        services = getattr(self, "services", None)
        if services is not None:
            await services.close()
        await super().close()


def create_bot(settings: Settings, *, clock: Clock | None = None) -> SeminarBot:
    """Build the bot; nothing connects until ``bot.start(token)``."""
    return SeminarBot(settings, clock=clock)
