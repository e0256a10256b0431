"""Repository for prompt plans, their occurrences and the posts they produced.

Only SQL lives here; what is due when is decided by :mod:`bot.features.prompts.recurrence`
and the order of the at-most-once steps by :mod:`bot.features.prompts.scheduler`. Each
method that changes more than one row does so in one ``BEGIN IMMEDIATE`` transaction, so a
crash never leaves half a step behind.

One pending occurrence per active plan is materialised at a time: the next one is written in
the same transaction that claims (or skips) the current one. 10,000 plans are then 10,000
pending rows, and "what is due next" is one indexed ``MIN(due_at)``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.core.errors import BadArgument, NotFound
from bot.features.prompts.recurrence import from_iso, to_utc_iso
from bot.storage.db import Database

OPEN_STATUSES = ("pending", "sending")


@dataclass(frozen=True)
class Plan:
    """What an instructor asked for: content, channel, first time and an optional RRULE."""

    id: int
    guild_id: int
    channel_id: int
    created_by: int
    notify_channel_id: int | None
    bank_id: str | None
    text: str
    follow_up: str
    evidence: str
    reading_id: str | None
    rrule: str | None
    exdates: frozenset[str]
    dtstart: datetime
    tz: str
    status: str
    created_at: datetime

    @property
    def zone(self) -> ZoneInfo:
        """The time zone the plan's wall-clock rule is evaluated in."""
        return ZoneInfo(self.tz)

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Plan:
        """Build from a ``plans`` row."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            created_by=row["created_by"],
            notify_channel_id=row["notify_channel_id"],
            bank_id=row["bank_id"],
            text=row["text"],
            follow_up=row["follow_up"],
            evidence=row["evidence"],
            reading_id=row["reading_id"],
            rrule=row["rrule"],
            exdates=frozenset(json.loads(row["exdates"] or "[]")),
            dtstart=from_iso(row["dtstart"]),
            tz=row["tz"],
            status=row["status"],
            created_at=from_iso(row["created_at"]),
        )


@dataclass(frozen=True)
class Occurrence:
    """One due time of a plan and how far it got (pending → sending → posted, or an end)."""

    id: int
    plan_id: int
    seq: int
    due_at: datetime
    status: str
    attempted_at: datetime | None
    attempts: int
    post_id: int | None
    late: bool
    error: str | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Occurrence:
        """Build from an ``occurrences`` row (columns may be prefixed ``o_``)."""
        return cls(
            id=row["o_id"],
            plan_id=row["o_plan_id"],
            seq=row["o_seq"],
            due_at=from_iso(row["o_due_at"]),
            status=row["o_status"],
            attempted_at=from_iso(row["o_attempted_at"]) if row["o_attempted_at"] else None,
            attempts=row["o_attempts"],
            post_id=row["o_post_id"],
            late=bool(row["o_late"]),
            error=row["o_error"],
        )


@dataclass(frozen=True)
class Post:
    """A prompt that was (or is being) posted; ``id`` is the prompt id users type."""

    id: int
    guild_id: int | None
    channel_id: int
    message_id: int | None
    thread_id: int | None
    occurrence_id: int | None
    bank_id: str | None
    reading_id: str | None
    question: str
    follow_up: str
    evidence: str
    posted_by: int | None
    posted_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    late: bool

    def is_open(self, now: datetime) -> bool:
        """Whether responses are still being collected (not closed, not past closes_at)."""
        if self.closed_at is not None:
            return False
        return self.closes_at is None or now < self.closes_at

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Post:
        """Build from a ``posts`` row."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            message_id=row["message_id"],
            thread_id=row["thread_id"],
            occurrence_id=row["occurrence_id"],
            bank_id=row["bank_id"],
            reading_id=row["reading_id"],
            question=row["question"],
            follow_up=row["follow_up"],
            evidence=row["evidence"],
            posted_by=row["posted_by"],
            posted_at=from_iso(row["posted_at"]),
            closes_at=from_iso(row["closes_at"]) if row["closes_at"] else None,
            closed_at=from_iso(row["closed_at"]) if row["closed_at"] else None,
            late=bool(row["late"]),
        )


@dataclass(frozen=True)
class Claimed:
    """An occurrence marked ``sending`` with its reserved post row: ready to be sent."""

    occurrence: Occurrence
    plan: Plan
    post: Post


@dataclass(frozen=True)
class NewPlan:
    """The fields of a plan an instructor is creating."""

    guild_id: int
    channel_id: int
    created_by: int
    notify_channel_id: int | None
    text: str
    dtstart: datetime
    tz: str
    rrule: str | None = None
    bank_id: str | None = None
    follow_up: str = ""
    evidence: str = ""
    reading_id: str | None = None


_OCC_COLUMNS = ", ".join(
    f"o.{c} AS o_{c}"
    for c in (
        "id",
        "plan_id",
        "seq",
        "due_at",
        "status",
        "attempted_at",
        "attempts",
        "post_id",
        "late",
        "error",
    )
)


class PlanStore:
    """Plans, occurrences and posts over the shared :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ----------------------------------------------------------------- creating plans
    async def create(
        self,
        new: NewPlan,
        *,
        now: datetime,
        max_active: int,
        claim_now: bool = False,
        close_hours: float = 168.0,
    ) -> tuple[Plan, Occurrence | None, Claimed | None]:
        """Store a plan and its first occurrence; with ``claim_now`` also claim it for sending.

        The per-server limit is counted inside the same write transaction, so two instructors
        racing cannot both pass it. A one-off posted now is stored as ``done`` at once and
        does not count against the limit.
        """
        async with self.db.write() as conn:
            if not claim_now:
                async with conn.execute(
                    "SELECT COUNT(*) FROM plans WHERE guild_id = ? AND status = 'active'",
                    (new.guild_id,),
                ) as cur:
                    row = await cur.fetchone()
                if row and row[0] >= max_active:
                    raise BadArgument(
                        f"This server already has {row[0]} active plans (the limit is "
                        f"{max_active}); cancel some with `!prompt cancel <id>` first."
                    )
            cur = await conn.execute(
                "INSERT INTO plans (guild_id, channel_id, created_by, notify_channel_id, "
                "bank_id, text, follow_up, evidence, reading_id, rrule, dtstart, tz, status, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new.guild_id,
                    new.channel_id,
                    new.created_by,
                    new.notify_channel_id,
                    new.bank_id,
                    new.text,
                    new.follow_up,
                    new.evidence,
                    new.reading_id,
                    new.rrule,
                    to_utc_iso(new.dtstart),
                    new.tz,
                    "done" if claim_now else "active",
                    to_utc_iso(now),
                ),
            )
            plan_id = int(cur.lastrowid or 0)
            cur = await conn.execute(
                "INSERT INTO occurrences (plan_id, seq, due_at, status) VALUES (?, 1, ?, ?)",
                (plan_id, to_utc_iso(new.dtstart), "pending"),
            )
            occ_id = int(cur.lastrowid or 0)
            if claim_now:
                await self._claim_in(conn, occ_id, now=now, late=False, close_hours=close_hours)
        plan = await self.plan(plan_id)
        occ = await self.occurrence(occ_id)
        claimed = None
        if claim_now:
            assert occ is not None and occ.post_id is not None
            post = await self.post(occ.post_id)
            assert post is not None
            claimed = Claimed(occ, plan, post)
        return plan, occ, claimed

    # ----------------------------------------------------------------- the scheduler's view
    async def next_due(self) -> datetime | None:
        """When the earliest pending occurrence is due (one indexed lookup)."""
        row = await self.db.fetchone(
            "SELECT MIN(due_at) FROM occurrences WHERE status = 'pending'",
        )
        return from_iso(row[0]) if row and row[0] else None

    async def due(self, now: datetime, limit: int = 500) -> list[tuple[Occurrence, Plan]]:
        """Pending occurrences due at or before ``now``, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_OCC_COLUMNS}, p.* FROM occurrences o JOIN plans p ON p.id = o.plan_id "  # noqa: S608
            "WHERE o.status = 'pending' AND o.due_at <= ? ORDER BY o.due_at, o.id LIMIT ?",
            (to_utc_iso(now), limit),
        )
        return [(Occurrence.from_row(r), Plan.from_row(r)) for r in rows]

    async def unfinished(self) -> list[Claimed]:
        """Occurrences left ``sending`` (the process stopped mid-attempt), for reconciling."""
        rows = await self.db.fetchall(
            f"SELECT {_OCC_COLUMNS}, p.* FROM occurrences o JOIN plans p ON p.id = o.plan_id "  # noqa: S608
            "WHERE o.status = 'sending' ORDER BY o.due_at, o.id",
        )
        found = []
        for row in rows:
            occ = Occurrence.from_row(row)
            post = await self.post(occ.post_id) if occ.post_id else None
            if post is None:  # pragma: no cover - claim writes both in one transaction
                continue
            found.append(Claimed(occ, Plan.from_row(row), post))
        return found

    async def claim(
        self,
        occ: Occurrence,
        plan: Plan,
        *,
        now: datetime,
        late: bool,
        close_hours: float,
        following: tuple[int, datetime] | None,
    ) -> Claimed | None:
        """Mark ``occ`` sending and reserve its post row, before anything is sent.

        In the same transaction the plan's next occurrence (``following``) is written, or the
        plan is marked done, so a crash during the send cannot lose the rest of the plan.
        Returns ``None`` if someone else claimed or cancelled it first.
        """
        async with self.db.write() as conn:
            post_id = await self._claim_in(
                conn, occ.id, now=now, late=late, close_hours=close_hours
            )
            if post_id is None:
                return None
            await self._advance_in(conn, occ.plan_id, following)
        # Built from what was just written rather than read back: the hot path at 10:00.
        fresh = replace(
            occ,
            status="sending",
            attempted_at=now.replace(microsecond=0),
            attempts=occ.attempts + 1,
            post_id=post_id,
            late=late,
        )
        post = Post(
            id=post_id,
            guild_id=plan.guild_id,
            channel_id=plan.channel_id,
            message_id=None,
            thread_id=None,
            occurrence_id=occ.id,
            bank_id=plan.bank_id,
            reading_id=plan.reading_id,
            question=plan.text,
            follow_up=plan.follow_up,
            evidence=plan.evidence,
            posted_by=plan.created_by,
            posted_at=now.replace(microsecond=0),
            closes_at=(now + timedelta(hours=close_hours)).replace(microsecond=0),
            closed_at=None,
            late=late,
        )
        return Claimed(fresh, plan, post)

    async def _claim_in(
        self,
        conn: aiosqlite.Connection,
        occ_id: int,
        *,
        now: datetime,
        late: bool,
        close_hours: float,
    ) -> int | None:
        cur = await conn.execute(
            "UPDATE occurrences SET status = 'sending', attempted_at = ?, "
            "attempts = attempts + 1, late = ? WHERE id = ? AND status = 'pending'",
            (to_utc_iso(now), int(late), occ_id),
        )
        if cur.rowcount != 1:
            return None
        cur = await conn.execute(
            "INSERT INTO posts (guild_id, channel_id, occurrence_id, bank_id, reading_id, "
            "question, follow_up, evidence, posted_by, posted_at, closes_at, late) "
            "SELECT p.guild_id, p.channel_id, o.id, p.bank_id, p.reading_id, p.text, "
            "p.follow_up, p.evidence, p.created_by, ?, ?, ? "
            "FROM occurrences o JOIN plans p ON p.id = o.plan_id WHERE o.id = ?",
            (
                to_utc_iso(now),
                to_utc_iso(now + timedelta(hours=close_hours)),
                int(late),
                occ_id,
            ),
        )
        post_id = int(cur.lastrowid or 0)
        await conn.execute("UPDATE occurrences SET post_id = ? WHERE id = ?", (post_id, occ_id))
        return post_id

    async def _advance_in(
        self,
        conn: aiosqlite.Connection,
        plan_id: int,
        following: tuple[int, datetime] | None,
        missed: list[tuple[int, datetime]] | None = None,
    ) -> None:
        """Write the plan's next pending occurrence (and any missed ones), or mark it done."""
        for seq, when in missed or []:
            await conn.execute(
                "INSERT OR IGNORE INTO occurrences (plan_id, seq, due_at, status, error) "
                "VALUES (?, ?, ?, 'missed', 'the bot was offline')",
                (plan_id, seq, to_utc_iso(when)),
            )
        if following is None:
            await conn.execute(
                "UPDATE plans SET status = 'done' WHERE id = ? AND status = 'active'", (plan_id,)
            )
            return
        seq, when = following
        await conn.execute(
            "INSERT OR IGNORE INTO occurrences (plan_id, seq, due_at, status) "
            "VALUES (?, ?, ?, 'pending')",
            (plan_id, seq, to_utc_iso(when)),
        )

    async def skip(
        self,
        occ: Occurrence,
        *,
        status: str,
        error: str,
        now: datetime,
        following: tuple[int, datetime] | None,
        missed: list[tuple[int, datetime]] | None = None,
    ) -> bool:
        """End a pending occurrence without sending (missed/cancelled) and move the plan on."""
        async with self.db.write() as conn:
            cur = await conn.execute(
                "UPDATE occurrences SET status = ?, error = ?, finished_at = ? "
                "WHERE id = ? AND status = 'pending'",
                (status, error, to_utc_iso(now), occ.id),
            )
            if cur.rowcount != 1:
                return False
            await self._advance_in(conn, occ.plan_id, following, missed)
        return True

    async def record_posted(
        self, claimed: Claimed, *, message_id: int, thread_id: int | None, now: datetime
    ) -> None:
        """After the send: the message id, the thread and ``posted``."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE posts SET message_id = ?, thread_id = ? WHERE id = ?",
                (message_id, thread_id, claimed.post.id),
            )
            await conn.execute(
                "UPDATE occurrences SET status = 'posted', finished_at = ?, error = NULL "
                "WHERE id = ?",
                (to_utc_iso(now), claimed.occurrence.id),
            )

    async def record_failed(
        self, claimed: Claimed, *, error: str, now: datetime, status: str = "failed"
    ) -> None:
        """The send did not happen: ``failed`` with the reason; the unused post row goes.

        If a response already points at the reserved post (a ``!respond`` in the instant
        between claiming and failing), the row is kept but closed instead of deleted.
        """
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE occurrences SET status = ?, error = ?, finished_at = ?, "
                "post_id = NULL WHERE id = ?",
                (status, error[:500], to_utc_iso(now), claimed.occurrence.id),
            )
            try:
                await conn.execute("SAVEPOINT drop_post")
                await conn.execute("DELETE FROM posts WHERE id = ?", (claimed.post.id,))
                await conn.execute("RELEASE drop_post")
            except sqlite3.IntegrityError:
                await conn.execute("ROLLBACK TO drop_post")
                await conn.execute("RELEASE drop_post")
                await conn.execute(
                    "UPDATE posts SET closed_at = ? WHERE id = ?",
                    (to_utc_iso(now), claimed.post.id),
                )
                await conn.execute(
                    "UPDATE occurrences SET post_id = ? WHERE id = ?",
                    (claimed.post.id, claimed.occurrence.id),
                )

    async def mark_late(self, claimed: Claimed) -> Claimed:
        """Flag a re-sent occurrence (and its post) as late, so the prompt says so."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE occurrences SET late = 1 WHERE id = ?", (claimed.occurrence.id,)
            )
            await conn.execute("UPDATE posts SET late = 1 WHERE id = ?", (claimed.post.id,))
        occ = await self.occurrence(claimed.occurrence.id)
        post = await self.post(claimed.post.id)
        assert occ is not None and post is not None
        return Claimed(occ, claimed.plan, post)

    # ----------------------------------------------------------------- lookups
    async def plan(self, plan_id: int) -> Plan:
        """A plan by id (raises :class:`NotFound`)."""
        row = await self.db.fetchone("SELECT * FROM plans WHERE id = ?", (plan_id,))
        if row is None:
            raise NotFound(f"There is no plan {plan_id}.")
        return Plan.from_row(row)

    async def occurrence(self, occ_id: int) -> Occurrence | None:
        """An occurrence by id."""
        row = await self.db.fetchone(
            f"SELECT {_OCC_COLUMNS} FROM occurrences o WHERE o.id = ?",  # noqa: S608
            (occ_id,),
        )
        return Occurrence.from_row(row) if row else None

    async def occurrences_of(self, plan_id: int) -> list[Occurrence]:
        """Every materialised occurrence of a plan, in due order."""
        rows = await self.db.fetchall(
            f"SELECT {_OCC_COLUMNS} FROM occurrences o WHERE o.plan_id = ? "  # noqa: S608
            "ORDER BY o.due_at",
            (plan_id,),
        )
        return [Occurrence.from_row(r) for r in rows]

    async def pending_of(self, plan_id: int) -> Occurrence | None:
        """The plan's pending (next) occurrence, if any."""
        row = await self.db.fetchone(
            f"SELECT {_OCC_COLUMNS} FROM occurrences o "  # noqa: S608
            "WHERE o.plan_id = ? AND o.status = 'pending' ORDER BY o.due_at LIMIT 1",
            (plan_id,),
        )
        return Occurrence.from_row(row) if row else None

    async def post(self, post_id: int) -> Post | None:
        """A post (prompt) by id."""
        row = await self.db.fetchone("SELECT * FROM posts WHERE id = ?", (post_id,))
        return Post.from_row(row) if row else None

    async def active_plans(self, guild_id: int) -> list[tuple[Plan, Occurrence | None]]:
        """A server's active plans with their pending occurrence, soonest first."""
        rows = await self.db.fetchall(
            f"SELECT {_OCC_COLUMNS}, p.* FROM plans p LEFT JOIN occurrences o "  # noqa: S608
            "ON o.plan_id = p.id AND o.status = 'pending' "
            "WHERE p.guild_id = ? AND p.status = 'active' ORDER BY o.due_at IS NULL, o.due_at",
            (guild_id,),
        )
        return [
            (Plan.from_row(r), Occurrence.from_row(r) if r["o_id"] is not None else None)
            for r in rows
        ]

    async def open_posts(self, guild_id: int, now: datetime, limit: int = 25) -> list[Post]:
        """A server's prompts still collecting responses, newest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM posts WHERE guild_id = ? AND message_id IS NOT NULL "
            "AND closed_at IS NULL AND (closes_at IS NULL OR closes_at > ?) "
            "ORDER BY posted_at DESC, id DESC LIMIT ?",
            (guild_id, to_utc_iso(now), limit),
        )
        return [Post.from_row(r) for r in rows]

    # ----------------------------------------------------------------- instructor changes
    async def cancel_plan(self, plan_id: int, now: datetime) -> int:
        """Cancel a plan and its pending occurrence; returns how many occurrences were dropped."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE plans SET status = 'cancelled', cancelled_at = ? WHERE id = ?",
                (to_utc_iso(now), plan_id),
            )
            cur = await conn.execute(
                "UPDATE occurrences SET status = 'cancelled', finished_at = ?, "
                "error = 'cancelled by an instructor' WHERE plan_id = ? AND status = 'pending'",
                (to_utc_iso(now), plan_id),
            )
            return int(cur.rowcount or 0)

    async def add_exdate(self, plan_id: int, when: datetime) -> None:
        """Exclude one due time of a plan (RFC 5545 EXDATE) so it is never materialised."""
        plan = await self.plan(plan_id)
        dates = sorted(plan.exdates | {to_utc_iso(when)})
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE plans SET exdates = ? WHERE id = ?", (json.dumps(dates), plan_id)
            )

    async def close_post(self, post_id: int, now: datetime) -> None:
        """Stop collecting responses for a prompt."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE posts SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                (to_utc_iso(now), post_id),
            )
