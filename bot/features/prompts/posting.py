"""How the scheduler reaches a channel: the ``Poster`` protocol, its errors and the prompt's look.

The scheduler knows nothing of Discord. A front (the Discord cog, the console, a test) attaches
a :class:`Poster`; the Discord one maps ``Forbidden``/``NotFound`` to
:class:`PermanentPostError` and 5xx/timeouts to :class:`TransientPostError`, so the scheduler
can decide "give up and tell the instructors" versus "retry a few times" without importing
discord.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.replies import ChannelRef, Reply, Timestamp, quote, truncate
from bot.core.text import defuse_mentions

MARKER_PREFIX = "Prompt #"
NONCE_PREFIX = "seminar-occ-"


class PostError(Exception):
    """A prompt could not be delivered."""


class PermanentPostError(PostError):
    """Retrying cannot help: the channel is gone or the bot may not post there."""


class TransientPostError(PostError):
    """Discord had a problem (5xx, timeout); a later attempt may work."""


@dataclass(frozen=True)
class PostResult:
    """Where the prompt landed: its message and the thread opened on it (if any)."""

    message_id: int
    thread_id: int | None = None


@dataclass(frozen=True)
class NotifyTarget:
    """Whom to tell about a failed or missed prompt: a channel first, else the user by DM."""

    guild_id: int | None
    channel_id: int | None
    user_id: int | None


@dataclass(frozen=True)
class PostRequest:
    """Everything a front needs to post one prompt, already made safe to echo."""

    post_id: int
    occurrence_id: int | None
    guild_id: int | None
    channel_id: int
    question: str
    follow_up: str = ""
    evidence: str = ""
    reading: str = ""
    closes_at: datetime | None = None
    late_due_at: datetime | None = None
    seq: int = 1
    total: int = 1

    @property
    def marker(self) -> str:
        """Text carried in the embed footer, by which a restart recognises its own message."""
        return f"{MARKER_PREFIX}{self.post_id}"

    @property
    def nonce(self) -> str:
        """Discord nonce (≤ 25 chars), fixed per occurrence so Discord drops a quick repeat."""
        key = self.occurrence_id if self.occurrence_id is not None else f"p{self.post_id}"
        return f"{NONCE_PREFIX}{key}"[:25]

    @property
    def thread_name(self) -> str:
        """A thread title (Discord allows 100 characters)."""
        return truncate(f"Prompt {self.post_id}: {self.question}", 100)


def prompt_reply(request: PostRequest, *, thread: bool = True) -> Reply:
    """The prompt as a ``Reply``: question, follow-up, reading and evidence, closing time.

    Every piece of text is passed through :func:`defuse_mentions`: prompt text is typed by an
    instructor, but a bank prompt quotes a reading, and neither may ping anyone.
    """
    title = f"Discussion prompt {request.post_id}"
    if request.total > 1:
        title += f" ({request.seq} of {request.total})"
    reply = Reply(title=title, body=truncate(defuse_mentions(request.question), 4000))
    if request.follow_up:
        reply.add_field("Follow-up", truncate(defuse_mentions(request.follow_up), 1024))
    if request.reading:
        reply.add_field("Reading", truncate(defuse_mentions(request.reading), 1024))
    if request.evidence:
        reply.add_field("From the text", truncate(quote(defuse_mentions(request.evidence)), 1024))
    if request.closes_at is not None:
        reply.add_field(
            "Responses close",
            f"{Timestamp(request.closes_at)} ({Timestamp(request.closes_at, 'R')})",
        )
    if request.late_due_at is not None:
        reply.add_field(
            "Posted late",
            f"This prompt was due {Timestamp(request.late_due_at)}; the bot was offline.",
        )
    where = "in the thread, by replying," if thread else "by replying to this message"
    reply.footer = f"{request.marker} · answer {where} or with !respond {request.post_id} <text>"
    return reply


class Poster(Protocol):
    """What a front provides so the scheduler can post, reconcile and report."""

    async def post(self, request: PostRequest) -> PostResult:
        """Post the prompt once; raise PermanentPostError or TransientPostError on failure."""
        ...

    async def find_existing(
        self, channel_id: int, marker: str, since: datetime
    ) -> PostResult | None:
        """Look for the bot's own message carrying ``marker`` posted at or after ``since``."""
        ...

    async def notify(self, target: NotifyTarget, reply: Reply) -> None:
        """Tell instructors something went wrong (best effort; never raises)."""
        ...

    async def check_channel(self, guild_id: int | None, channel_id: int) -> list[str]:
        """Raise ``BadArgument`` if the bot could not post in that channel right now.

        Returns what is missing but not fatal (no thread, no ✅), one sentence each, for the
        instructor to fix.
        """
        ...


class ConsolePoster:
    """The console's Poster: prints prompts (and instructor notices) as they come due.

    There is no real channel, so every channel exists and the "message id" is the post id;
    ``find_existing`` cannot see earlier output and answers "not found", which makes a
    console restart re-print an unfinished prompt (at least once, on a terminal).
    """

    def __init__(self, print_reply: Callable[[Reply], None]) -> None:
        self.print_reply = print_reply

    async def post(self, request: PostRequest) -> PostResult:
        """Print the prompt."""
        reply = prompt_reply(request)
        reply.body = f"[posted in {ChannelRef(request.channel_id)}]\n{reply.body}"
        self.print_reply(reply)
        return PostResult(message_id=request.post_id, thread_id=None)

    async def find_existing(
        self, channel_id: int, marker: str, since: datetime
    ) -> PostResult | None:
        """The console keeps no history."""
        return None

    async def notify(self, target: NotifyTarget, reply: Reply) -> None:
        """Print the notice."""
        self.print_reply(reply)

    async def check_channel(self, guild_id: int | None, channel_id: int) -> list[str]:
        """Every console channel accepts posts."""
        return []
