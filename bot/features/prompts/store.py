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
from bot.core.times import from_db, from_db_or_none, to_db
from bot.storage.db import Database
from bot.storage.posts import Post, PostRepository

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
            dtstart=from_db(row["dtstart"]),
            tz=row["tz"],
            status=row["status"],
            created_at=from_db(row["created_at"]),
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
            due_at=from_db(row["o_due_at"]),
            status=row["o_status"],
            attempted_at=from_db_or_none(row["o_attempted_at"]),
            attempts=row["o_attempts"],
            post_id=row["o_post_id"],
            late=bool(row["o_late"]),
            error=row["o_error"],
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


@dataclass(frozen=True)
class Lease:
    """Who holds the scheduler of this database (``scheduler_lease``), and until when."""

    owner: str
    owner_info: str
    heartbeat_at: datetime
    expires_at: datetime


LEASE_NAME = "scheduler"


class LeaseLost(Exception):
    """Another process holds the scheduler lease now: this one must stop claiming."""


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


def _lease(row: aiosqlite.Row) -> Lease:
    return Lease(row[0], row[1], from_db(row[2]), from_db(row[3]))


class PlanStore:
    """Plans, occurrences and posts over the shared :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.posts = PostRepository(db)

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
                    to_db(new.dtstart),
                    new.tz,
                    "done" if claim_now else "active",
                    to_db(now),
                ),
            )
            plan_id = int(cur.lastrowid or 0)
            cur = await conn.execute(
                "INSERT INTO occurrences (plan_id, seq, due_at, status) VALUES (?, 1, ?, ?)",
                (plan_id, to_db(new.dtstart), "pending"),
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

    # ----------------------------------------------------------------- the scheduler lease
    async def lease_holder(self, now: datetime) -> Lease | None:
        """The live lease (not yet expired at ``now``), if any process holds one."""
        row = await self.db.fetchone(
            "SELECT owner, owner_info, heartbeat_at, expires_at FROM scheduler_lease "
            "WHERE name = ? AND expires_at > ?",
            (LEASE_NAME, to_db(now)),
        )
        return _lease(row) if row else None

    async def acquire_lease(self, owner: str, info: str, now: datetime, ttl: timedelta) -> Lease:
        """Take or renew the lease unless another owner's is still live; return the holder.

        One ``BEGIN IMMEDIATE`` transaction, so two processes racing for an expired lease
        cannot both win.
        """
        async with self.db.write() as conn:
            async with conn.execute(
                "SELECT owner, owner_info, heartbeat_at, expires_at FROM scheduler_lease "
                "WHERE name = ?",
                (LEASE_NAME,),
            ) as cur:
                row = await cur.fetchone()
            current = _lease(row) if row else None
            if current is not None and current.owner != owner and current.expires_at > now:
                return current
            await conn.execute(
                "INSERT INTO scheduler_lease (name, owner, owner_info, acquired_at, heartbeat_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "acquired_at = CASE WHEN owner = excluded.owner THEN acquired_at "
                "ELSE excluded.acquired_at END, owner = excluded.owner, "
                "owner_info = excluded.owner_info, heartbeat_at = excluded.heartbeat_at, "
                "expires_at = excluded.expires_at",
                (LEASE_NAME, owner, info, to_db(now), to_db(now), to_db(now + ttl)),
            )
        return Lease(owner, info, now, now + ttl)

    async def release_lease(self, owner: str, now: datetime) -> None:
        """End our lease now (a clean shutdown), so a standing-by process takes over at once."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE scheduler_lease SET expires_at = ? WHERE name = ? AND owner = ?",
                (to_db(now), LEASE_NAME, owner),
            )

    # ----------------------------------------------------------------- the scheduler's view
    async def next_due(self) -> datetime | None:
        """When the earliest pending occurrence is due (one indexed lookup)."""
        row = await self.db.fetchone(
            "SELECT MIN(due_at) FROM occurrences WHERE status = 'pending'",
        )
        return from_db(row[0]) if row and row[0] else None

    async def due(self, now: datetime, limit: int = 500) -> list[tuple[Occurrence, Plan]]:
        """Pending occurrences due at or before ``now``, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {_OCC_COLUMNS}, p.* FROM occurrences o JOIN plans p ON p.id = o.plan_id "  # noqa: S608
            "WHERE o.status = 'pending' AND o.due_at <= ? ORDER BY o.due_at, o.id LIMIT ?",
            (to_db(now), limit),
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
        lease_owner: str | None = None,
    ) -> Claimed | None:
        """Mark ``occ`` sending and reserve its post row, before anything is sent.

        In the same transaction the plan's next occurrence (``following``) is written, or the
        plan is marked done, so a crash during the send cannot lose the rest of the plan.
        With ``lease_owner``, the claim happens only while that owner holds the scheduler
        lease, else :class:`LeaseLost` is raised. Returns ``None`` if someone else claimed or
        cancelled it first.
        """
        async with self.db.write() as conn:
            post_id = await self._claim_in(
                conn, occ.id, now=now, late=late, close_hours=close_hours, lease_owner=lease_owner
            )
            if post_id is None:
                if lease_owner is not None:
                    async with conn.execute(
                        "SELECT 1 FROM scheduler_lease WHERE name = ? AND owner = ?",
                        (LEASE_NAME, lease_owner),
                    ) as cur:
                        if await cur.fetchone() is None:
                            raise LeaseLost(lease_owner)
                return None
            await self._advance_in(conn, occ.plan_id, following)
        # Built from what was just written rather than read back: the hot path at 10:00.
        fresh = replace(
            occ,
            status="sending",
            attempted_at=now,
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
            posted_at=now,
            closes_at=now + timedelta(hours=close_hours),
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
        lease_owner: str | None = None,
    ) -> int | None:
        cur = await conn.execute(
            "UPDATE occurrences SET status = 'sending', attempted_at = ?, "
            "attempts = attempts + 1, late = ? WHERE id = ? AND status = 'pending' "
            "AND (? IS NULL OR EXISTS (SELECT 1 FROM scheduler_lease "
            "WHERE name = ? AND owner = ?))",
            (to_db(now), int(late), occ_id, lease_owner, LEASE_NAME, lease_owner),
        )
        if cur.rowcount != 1:
            return None
        post_id = await self.posts.reserve_for_occurrence(
            conn, occ_id, now=now, closes_at=now + timedelta(hours=close_hours), late=late
        )
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
                (plan_id, seq, to_db(when)),
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
            (plan_id, seq, to_db(when)),
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
                (status, error, to_db(now), occ.id),
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
            await self.posts.record_message(conn, claimed.post.id, message_id, thread_id)
            await conn.execute(
                "UPDATE occurrences SET status = 'posted', finished_at = ?, error = NULL "
                "WHERE id = ?",
                (to_db(now), claimed.occurrence.id),
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
                (status, error[:500], to_db(now), claimed.occurrence.id),
            )
            try:
                await conn.execute("SAVEPOINT drop_post")
                await self.posts.delete(conn, claimed.post.id)
                await conn.execute("RELEASE drop_post")
            except sqlite3.IntegrityError:
                await conn.execute("ROLLBACK TO drop_post")
                await conn.execute("RELEASE drop_post")
                await self.posts.close(conn, claimed.post.id, now)
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
            await self.posts.mark_late(conn, claimed.post.id)
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
        return await self.posts.get(post_id)

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
        return await self.posts.open_in_guild(guild_id, now, limit)

    async def notify_targets(self, limit: int = 100) -> list[tuple[int, int | None, int]]:
        """Per server, where its latest plan reports: ``(guild_id, channel_id, user_id)``."""
        rows = await self.db.fetchall(
            "SELECT guild_id, notify_channel_id, created_by FROM plans WHERE id IN "
            "(SELECT MAX(id) FROM plans GROUP BY guild_id) ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    # ----------------------------------------------------------------- instructor changes
    async def cancel_plan(self, plan_id: int, now: datetime) -> int:
        """Cancel a plan and its pending occurrence; returns how many occurrences were dropped."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE plans SET status = 'cancelled', cancelled_at = ? WHERE id = ?",
                (to_db(now), plan_id),
            )
            cur = await conn.execute(
                "UPDATE occurrences SET status = 'cancelled', finished_at = ?, "
                "error = 'cancelled by an instructor' WHERE plan_id = ? AND status = 'pending'",
                (to_db(now), plan_id),
            )
            return int(cur.rowcount or 0)

    async def add_exdate(self, plan_id: int, when: datetime) -> None:
        """Exclude one due time of a plan (RFC 5545 EXDATE) so it is never materialised."""
        plan = await self.plan(plan_id)
        dates = sorted(plan.exdates | {to_db(when)})
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE plans SET exdates = ? WHERE id = ?", (json.dumps(dates), plan_id)
            )

    async def close_post(self, post_id: int, now: datetime) -> None:
        """Stop collecting responses for a prompt."""
        async with self.db.write() as conn:
            await self.posts.close(conn, post_id, now)
