"""The offline front: the same handlers, services and database, with plain-text rendering.

Lines come from stdin through a reader thread into an asyncio queue, so background work (the
scheduler posting a prompt) can print while the console waits for input. A prompt is shown
only when stdin is a terminal; output never carries colour codes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.core.errors import UserFacingError
from bot.core.help import help_for
from bot.core.registry import Actor, dispatch, resolve, subcommands, unknown_subcommand
from bot.core.replies import (
    ChannelRef,
    Reply,
    Timestamp,
    error_reply,
    render_values,
    with_prefix,
)
from bot.services import Services

log = logging.getLogger(__name__)

CONSOLE_GUILD_ID = 1
CONSOLE_CHANNEL_ID = 1
EXIT_WORDS = {"quit", "exit"}


def console_user_id(name: str) -> int:
    """A stable numeric id for a console user name (Discord ids are numbers too)."""
    return zlib.crc32(name.strip().lower().encode("utf-8")) + 1000


def relative_time(when: datetime, now: datetime) -> str:
    """A relative time in words ("in 3 days", "2 hours ago"), as Discord's ``R`` style shows."""
    seconds = (when - now).total_seconds()
    span = abs(seconds)
    units = (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600))
    unit, size = next(((u, n) for u, n in units if span >= n), ("minute", 60))
    if span < 60:
        unit, size = "second", 1
    count = round(span / size)
    words = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {words}" if seconds >= 0 else f"{words} ago"


_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w))")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\*_`~|>\[\]])")


def plain_text(text: str, tz: ZoneInfo | type[UTC] = UTC, now: datetime | None = None) -> str:
    """Core text for a terminal: local times, ``#channel`` names, Markdown marks removed."""
    moment = now or datetime.now(UTC)

    def timestamp(ts: Timestamp) -> str:
        when = ts.at.astimezone(tz)
        if ts.style == "R":
            return relative_time(when, moment)
        return when.strftime("%a %d %b %Y %H:%M %Z")

    def channel(ref: ChannelRef) -> str:
        if ref.id == CONSOLE_CHANNEL_ID:
            return "#console"
        return f"#{ref.name}" if ref.name else f"channel {ref.id}"

    text = render_values(text, timestamp, channel)
    return _MARKDOWN_ESCAPE.sub(r"\1", _MARKDOWN_EMPHASIS.sub("", text))


def render_text(reply: Reply, settings: Settings | None = None) -> str:
    """A Reply as plain text: title, body, fields, footer, attachment names."""
    tz = settings.tz if settings else UTC
    prefix = settings.command_prefix if settings else "!"
    now = datetime.now(UTC)

    def text(value: str) -> str:
        return with_prefix(plain_text(value, tz, now), prefix)

    parts: list[str] = []
    if reply.title:
        parts.append(("Error: " if reply.error else "") + text(reply.title))
        parts.append("=" * min(len(parts[-1]), 72))
    if reply.body:
        parts.append(text(reply.body))
    for f in reply.fields:
        parts.append("")
        parts.append(f"## {text(f.name)}")
        parts.append(text(f.value))
    if reply.footer:
        parts.append("")
        parts.append(text(reply.footer))
    for attachment in reply.files:
        parts.append(f"[attached: {attachment.filename}, {len(attachment.data)} bytes]")
    return "\n".join(parts)


class ConsoleFront:
    """Reads commands, dispatches them, prints replies; background tasks print through it."""

    def __init__(
        self,
        services: Services,
        *,
        user: str = "student",
        instructor: bool = False,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.services = services
        self.settings = services.settings
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty()
        self.actor = Actor(
            user_id=console_user_id(user),
            name=user,
            is_instructor=instructor,
            guild_id=CONSOLE_GUILD_ID,
            channel_id=CONSOLE_CHANNEL_ID,
        )
        self.background: list[Callable[[ConsoleFront], Awaitable[None]]] = []

    def print_reply(self, reply: Reply) -> None:
        """Print a reply; safe from any task on the loop (one write per reply)."""
        self.write(render_text(reply, self.settings) + "\n")

    def write(self, text: str) -> None:
        """Write and flush, so piped readers see output as it happens."""
        self.stdout.write(text)
        self.stdout.flush()

    def _prompt(self) -> None:
        if self.interactive:
            self.write(f"{self.actor.name}> ")

    async def run(self) -> int:
        """Read until end of input; returns the exit code."""
        from bot.features import load_commands

        load_commands()

        for start in self.background:
            await start(self)
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def reader() -> None:
            for line in self.stdin:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, None)

        threading.Thread(target=reader, name="console-stdin", daemon=True).start()
        if self.interactive:
            self.write(
                f"Seminar Bot console — {len(self.services.library)} readings. "
                "Type !help for commands, Ctrl-D to quit.\n"
            )
        self._prompt()
        while (line := await queue.get()) is not None:
            line = line.strip()
            if line.lower().lstrip(self.settings.command_prefix) in EXIT_WORDS:
                break
            if line:
                await self.handle(line)
            self._prompt()
        return 0

    async def handle(self, line: str) -> None:
        """Run one command line and print its reply (or a short error)."""
        prefix = self.settings.command_prefix
        text = line[len(prefix) :] if line.startswith(prefix) else line
        if text.split()[0].lower() == "help" if text.split() else False:
            topic = text.split(None, 1)[1] if len(text.split()) > 1 else ""
            self.print_reply(help_for(topic, prefix, instructor=self.actor.is_instructor))
            return
        found = resolve(text)
        if found is None:
            words = text.split()
            word = words[0].lower() if words else ""
            if subcommands(word):  # a group: say which subcommands it has
                error = unknown_subcommand(word, words[1] if len(words) > 1 else "")
                self.print_reply(error_reply(error.message, error.title))
                return
            # The nearest command names, as `!help <word>` gives them ("!sumary" → summary).
            self.print_reply(help_for(word, prefix, instructor=self.actor.is_instructor))
            return
        spec, args = found
        try:
            reply = await dispatch(self.services, self.actor, spec.path, args)
        except UserFacingError as exc:
            reply = error_reply(exc.message, exc.title)
        except Exception:
            log.exception("command failed: %s", line)
            reply = error_reply("Something went wrong; it has been logged.")
        self.print_reply(reply)


async def run_console(settings: Settings, *, user: str, instructor: bool) -> int:
    """Open the services, run the console until end of input, close everything."""
    services = await Services.open(settings)
    front = ConsoleFront(services, user=user, instructor=instructor)
    # Background work (the prompt scheduler) registers itself here so it prints while the
    # console waits for input: see ``attach_console_background`` below.
    attach_console_background(front)
    try:
        return await front.run()
    finally:
        await services.close()


def attach_console_background(front: ConsoleFront) -> None:
    """Hook for background services that post into the console (the scheduler)."""

    async def start_scheduler(front: ConsoleFront) -> None:
        from bot.features.prompts.posting import ConsolePoster

        front.services.scheduler.attach(ConsolePoster(front.print_reply))
        await front.services.scheduler.start()

    front.background.append(start_scheduler)
