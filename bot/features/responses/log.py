"""``ResponseLog``: student responses to posted prompts, written and kept for the instructor.

The rules live here, apart from Discord: a response is logged once per message, flagged late
when written after its post closed, never logged for a student who opted out; edits and
deletions keep the earlier text; a student can take their data away or erase it.

Writes go through a small write queue: every ``log`` call waits until *its* row is committed
(so nothing is acknowledged that is not on disk), but concurrent calls — a burst of messages,
a start-up catch-up — share one transaction. One transaction per response through aiosqlite
runs at about a sixth of plain sqlite3's speed; batching keeps the bot ahead of a burst.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from bot.core.errors import StorageError
from bot.core.times import to_db
from bot.features.responses.store import (
    EVERY_GUILD,
    SOURCES,
    ResponseRepository,
)
from bot.storage.posts import Post, PostRepository

if TYPE_CHECKING:
    from bot.core.clock import Clock
    from bot.storage.db import Database

log = logging.getLogger(__name__)

MAX_BATCH = 500


class Outcome(Enum):
    """What became of a message offered to the log."""

    LOGGED = "logged"
    OPTED_OUT = "opted out"
    NO_POST = "no such prompt"
    DUPLICATE = "already logged"


@dataclass(frozen=True)
class Incoming:
    """A message offered to the log; the post is named by id, by thread or by replied message."""

    user_id: int
    display_name: str
    text: str
    source: str
    created_at: datetime
    guild_id: int | None = None
    channel_id: int | None = None
    message_id: int | None = None
    post_id: int | None = None
    thread_id: int | None = None
    reply_to: int | None = None

    def __post_init__(self) -> None:
        """Reject a bad source early, where the caller can still be blamed."""
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {self.source!r}")


@dataclass(frozen=True)
class LogResult:
    """The outcome of logging one message, with the post and response when it was logged."""

    outcome: Outcome
    post: Post | None = None
    response_id: int | None = None
    late: bool = False

    @property
    def logged(self) -> bool:
        """Whether the response is now stored."""
        return self.outcome is Outcome.LOGGED


_BARRIER = object()


class ResponseLog:
    """Logs, edits and deletes student responses, through one batched write queue.

    Reports over the log are in :mod:`bot.features.responses.reports`, a student's own
    data (opt-outs, export, erasure) in :mod:`bot.features.responses.personal`.
    """

    def __init__(self, db: Database, clock: Clock, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.clock = clock
        self.repo = ResponseRepository(db)
        self.posts = PostRepository(db)
        self._max_batch = max_batch
        self._pending: list[tuple[Any, asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._closed = False

    # --- the write queue ---------------------------------------------------------------------

    async def log(self, incoming: Incoming) -> LogResult:
        """Log one message; returns once it is committed (or raises ``StorageError``)."""
        return await self._submit(incoming)

    async def log_many(self, incoming: Sequence[Incoming]) -> list[LogResult]:
        """Log several messages (the start-up catch-up); each is committed before returning."""
        return list(await asyncio.gather(*(self._submit(item) for item in incoming)))

    async def flush(self) -> None:
        """Wait until everything submitted so far is committed (edits and erasure need it)."""
        if self._pending or (self._writer is not None and not self._writer.done()):
            await self._submit(_BARRIER)

    def _submit(self, item: Any) -> asyncio.Future[Any]:
        if self._closed:
            raise StorageError("The bot is shutting down; that was not saved. Please resend it.")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="response-writer")
        return future

    async def _drain(self) -> None:
        """Commit pending messages in batches until none are left, then end."""
        batch: list[tuple[Any, asyncio.Future[Any]]] = []
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                await self._commit(batch)
                batch = []
        except BaseException:
            # Cancelled mid-write (loop shutting down): nobody may wait forever or be told
            # "saved" for a row that was not committed.
            error = StorageError("The bot stopped before your response was saved. Please resend.")
            for _, future in batch + self._pending:
                if not future.done():
                    future.set_exception(error)
            self._pending.clear()
            raise

    async def _commit(self, batch: list[tuple[Any, asyncio.Future[Any]]]) -> None:
        items = [item for item, _ in batch if item is not _BARRIER]
        try:
            results = await self._write_batch(items) if items else []
        except Exception as exc:  # one bad row must not sink the others: retry one by one
            if len(items) > 1:
                for pair in batch:
                    await self._commit([pair])
                return
            log.exception("could not log a response")
            error = (
                exc
                if isinstance(exc, StorageError)
                else StorageError("Your response could not be saved. Please try again.")
            )
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        answers = iter(results)
        for item, future in batch:
            answer = None if item is _BARRIER else next(answers)  # keep order even if skipped
            if not future.done():  # a caller that gave up (cancelled) still had its row saved
                future.set_result(answer)

    async def _write_batch(self, items: list[Incoming]) -> list[LogResult]:
        """One transaction: resolve posts, skip opt-outs and repeats, insert the rest."""
        async with self.db.write() as conn:
            posts = await self.posts.matching(
                conn,
                sorted({i.post_id for i in items if i.post_id is not None}),
                sorted({i.thread_id for i in items if i.thread_id is not None}),
                sorted({i.reply_to for i in items if i.reply_to is not None}),
            )
            by_id = {p.id: p for p in posts}
            by_thread = {p.thread_id: p for p in posts if p.thread_id is not None}
            by_message = {p.message_id: p for p in posts if p.message_id is not None}
            optouts = await self.repo.optouts_among(conn, sorted({i.user_id for i in items}))
            seen = await self.repo.existing_message_ids(
                conn, sorted({i.message_id for i in items if i.message_id is not None})
            )
            next_id = await self.repo.next_response_id(conn)
            rows, results = [], []
            for item in items:
                post = (
                    by_id.get(item.post_id)
                    if item.post_id is not None
                    else by_thread.get(item.thread_id)
                    if item.thread_id is not None
                    else by_message.get(item.reply_to)
                    if item.reply_to is not None
                    else None
                )
                if post is None:
                    results.append(LogResult(Outcome.NO_POST))
                    continue
                guild = post.guild_id if post.guild_id is not None else item.guild_id
                if (EVERY_GUILD, item.user_id) in optouts or (guild, item.user_id) in optouts:
                    results.append(LogResult(Outcome.OPTED_OUT, post))
                    continue
                if item.message_id is not None and item.message_id in seen:
                    results.append(LogResult(Outcome.DUPLICATE, post))
                    continue
                if item.message_id is not None:
                    seen.add(item.message_id)
                late = not post.is_open(item.created_at)
                rows.append(
                    (
                        next_id,
                        post.id,
                        guild,
                        item.channel_id,
                        item.user_id,
                        item.display_name,
                        item.message_id,
                        item.text,
                        item.source,
                        to_db(item.created_at),
                        int(late),
                    )
                )
                results.append(LogResult(Outcome.LOGGED, post, next_id, late))
                next_id += 1
            if rows:
                await self.repo.insert_responses(conn, rows)
        return results

    async def aclose(self) -> None:
        """Commit what is pending, then refuse new work (called by ``Services.close``)."""
        await self.flush()
        self._closed = True

    # --- edits and deletions -------------------------------------------------------------------

    async def edit(self, message_id: int, text: str, when: datetime | None = None) -> bool:
        """Store a message's new text, keeping the old one; False if it was not a response."""
        await self.flush()
        # Most edits in a server are not responses: look first, outside the write lock.
        if await self.repo.response_by_message(self.db.conn, message_id) is None:
            return False
        async with self.db.write() as conn:
            response = await self.repo.response_by_message(conn, message_id)
            if response is None or response.deleted_at is not None or response.text == text:
                return False
            await self.repo.record_edit(conn, response, text, when or self.clock.now())
        return True

    async def delete(self, message_id: int, when: datetime | None = None) -> bool:
        """Mark a message's response deleted, keeping its text in the history."""
        await self.flush()
        if await self.repo.response_by_message(self.db.conn, message_id) is None:
            return False
        async with self.db.write() as conn:
            response = await self.repo.response_by_message(conn, message_id)
            if response is None or response.deleted_at is not None:
                return False
            await self.repo.record_delete(conn, response, when or self.clock.now())
        return True

    # --- posts -----------------------------------------------------------------------------------

    async def post(self, post_id: int, guild_id: int | None) -> Post | None:
        """The post with this id, only if it belongs to ``guild_id`` (when one is given)."""
        post = await self.posts.get(post_id)
        if post is None or (guild_id is not None and post.guild_id not in (None, guild_id)):
            return None
        return post

    async def latest_open_post(self, guild_id: int | None, channel_id: int | None) -> Post | None:
        """The newest prompt still open in a channel (``!respond`` without an id)."""
        return await self.posts.latest_open(guild_id, channel_id, self.clock.now())

    async def logged_messages(self, post_id: int, source: str) -> dict[int, tuple[str, bool]]:
        """Message id → (text, deleted?) of a post's responses from ``source`` (catch-up)."""
        await self.flush()
        return await self.repo.logged_messages(post_id, source)

    async def catch_up_targets(
        self, window: timedelta = timedelta(days=7)
    ) -> list[tuple[Post, int | None]]:
        """Threads to re-read at start-up, each with the last message already logged."""
        posts = await self.posts.with_threads_since(self.clock.now() - window)
        return [(post, await self.repo.last_message_id(post.id)) for post in posts]
