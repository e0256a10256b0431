"""A fake Discord for scheduler tests: channels that outlive restarts, and scripted failures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.errors import BadArgument
from bot.core.registry import Actor
from bot.core.replies import Reply
from bot.features.prompts.posting import NotifyTarget, PostRequest, PostResult

GUILD = 10
CHANNEL = 100
OTHER = 200
TEACHER = Actor(user_id=7, name="teacher", is_instructor=True, guild_id=GUILD, channel_id=CHANNEL)


@dataclass
class World:
    """What Discord remembers across bot restarts: messages per channel, and notices."""

    messages: dict[int, list[tuple[int, PostRequest]]] = field(default_factory=dict)
    notices: list[tuple[NotifyTarget, Reply]] = field(default_factory=list)
    next_id: int = 1000

    def posted(self, channel_id: int = CHANNEL) -> list[PostRequest]:
        return [req for _, req in self.messages.get(channel_id, [])]


class FakePoster:
    """Posts into a :class:`World`; ``errors`` are raised by the next sends, in order.

    ``hang`` = "before" or "after" makes the next send block forever before or after the
    message lands, so a test can kill the process at that step.
    """

    def __init__(self, world: World, errors: list[Exception] | None = None) -> None:
        self.world = world
        self.errors = list(errors or [])
        self.hang: str | None = None
        self.attempts = 0

    async def post(self, request: PostRequest) -> PostResult:
        self.attempts += 1
        if self.errors:
            raise self.errors.pop(0)
        if self.hang == "before":
            await asyncio.Event().wait()
        self.world.next_id += 1
        mid = self.world.next_id
        self.world.messages.setdefault(request.channel_id, []).append((mid, request))
        if self.hang == "after":
            await asyncio.Event().wait()
        return PostResult(mid, mid)

    async def find_existing(self, channel_id: int, marker: str, since: datetime):
        for mid, req in self.world.messages.get(channel_id, []):
            if req.marker == marker:
                return PostResult(mid, mid)
        return None

    async def notify(self, target: NotifyTarget, reply: Reply) -> None:
        self.world.notices.append((target, reply))

    async def check_channel(self, guild_id: int | None, channel_id: int) -> list[str]:
        if channel_id not in (CHANNEL, OTHER):
            raise BadArgument(f"I cannot post in <#{channel_id}>.")
        return []
