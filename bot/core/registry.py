"""The command registry both fronts dispatch through, and the one permission check.

A handler is ``async (services, actor, args) -> Reply``: it gets the raw argument string, so
argument parsing lives in the core and behaves the same in Discord and in the console. The
cogs only build an :class:`Actor` from the Discord context and call :func:`dispatch`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.errors import BadArgument, NotInstructor

if TYPE_CHECKING:
    from bot.core.replies import Reply
    from bot.services import Services

MAX_ARGS_CHARS = 2000


@dataclass(frozen=True)
class Actor:
    """Who typed a command, and where: all a handler needs to know about the caller."""

    user_id: int
    name: str
    is_instructor: bool = False
    guild_id: int | None = None
    channel_id: int | None = None
    message_id: int | None = None


Handler = Callable[["Services", Actor, str], Awaitable["Reply"]]


@dataclass(frozen=True)
class CommandSpec:
    """A command's path (``"prompt schedule"``), handler, usage line and who may run it."""

    path: str
    handler: Handler
    usage: str
    help: str
    instructor: bool = False
    guild_only: bool = False


REGISTRY: dict[str, CommandSpec] = {}


def command(
    path: str, *, usage: str, help: str, instructor: bool = False, guild_only: bool = False
) -> Callable[[Handler], Handler]:
    """Register a handler under ``path``; instructor commands are also server-only."""

    def register(handler: Handler) -> Handler:
        if path in REGISTRY:
            raise RuntimeError(f"command {path!r} registered twice")
        REGISTRY[path] = CommandSpec(
            path, handler, usage, help, instructor, guild_only or instructor
        )
        return handler

    return register


def resolve(line: str) -> tuple[CommandSpec, str] | None:
    """Find the longest registered command path that starts ``line`` (without prefix)."""
    words = line.split()
    for n in range(min(len(words), 3), 0, -1):
        path = " ".join(words[:n]).lower()
        if path in REGISTRY:
            rest = line.strip()
            for word in words[:n]:
                rest = rest[len(word) :].lstrip()
            return REGISTRY[path], rest
    return None


def check_allowed(spec: CommandSpec, actor: Actor) -> None:
    """The one permission check: instructor commands need the role and a server."""
    require(spec.path, actor, instructor=spec.instructor, guild_only=spec.guild_only)


def require(path: str, actor: Actor, *, instructor: bool, guild_only: bool) -> None:
    """Raise NotInstructor unless ``actor`` may run ``path`` (also used by Discord-only chores)."""
    if (guild_only or instructor) and actor.guild_id is None:
        raise NotInstructor(f"`{path}` works in a server channel, not in direct messages.")
    if instructor and not actor.is_instructor:
        raise NotInstructor(f"`{path}` is for instructors (the instructor role or Manage Server).")


async def dispatch(services: Services, actor: Actor, path: str, args: str = "") -> Reply:
    """Check permissions and argument length, then run the handler registered at ``path``."""
    from bot.features import load_commands

    load_commands()

    spec = REGISTRY[path]
    check_allowed(spec, actor)
    if len(args) > MAX_ARGS_CHARS:
        raise BadArgument(f"That is too long ({len(args)} characters; at most {MAX_ARGS_CHARS}).")
    return await spec.handler(services, actor, args)
