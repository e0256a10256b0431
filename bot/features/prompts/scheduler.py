"""The prompt scheduler: one task that sleeps until the next due occurrence and posts it once.

Design (also in the README, "Scheduled prompts: at most once"):

* **Sleeping, not scanning.** The loop asks the database for ``MIN(due_at)`` of pending
  occurrences (one indexed lookup) and sleeps on the injected clock until then, or until
  :meth:`Scheduler.wake` is called because a plan was added or cancelled.
* **At most once.** Before a prompt is sent, its occurrence is marked ``sending`` (with
  ``attempted_at``) and its post row is reserved, in one transaction; only after the send is
  the message id written and the occurrence marked ``posted``. A process that dies between the
  two leaves a ``sending`` row. At start-up each such row is reconciled by asking the poster
  whether the bot's own message carrying the post's marker (embed footer "Prompt #ID") exists
  in the channel since the attempt: found → recorded as posted, not sent again; not found →
  sent now (late) if within ``CATCHUP_GRACE``, else recorded missed. Discord additionally
  drops a repeat with the same nonce (derived from the occurrence id, ``enforce_nonce``) for
  a few minutes. If the check itself is impossible (no permission to read history), the
  occurrence is marked failed and the instructors are told — never re-posted blind.
* **Catch-up.** Occurrences that came due while the bot was down: only the latest one is
  posted, labelled late, if it is less than ``CATCHUP_GRACE`` late; the others are recorded as
  missed and the instructors get one message per plan. The next occurrence is in the future.
* **One scheduler per database.** A process posts and reconciles only while it holds the
  ``scheduler_lease`` row (owner id, heartbeat, expiry; renewed every ``LEASE_RENEW`` by its
  own task). A second process on the same file stands by — it says so in its log at start —
  and takes over when the lease expires (the holder died) or is released (a clean stop).
  Every claim checks the lease in its own transaction, so a process that lost the lease
  claims nothing more.
* **Isolation.** Each occurrence is delivered in its own task; any exception there is caught,
  recorded on the occurrence and reported. Transient errors (5xx) are retried a bounded
  number of times; permanent ones (Forbidden, NotFound) fail at once. Either way the plan's
  next occurrence has already been written, so it still posts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.clock import Clock
from bot.core.replies import ChannelRef, Reply, Timestamp
from bot.core.times import to_db
from bot.features.prompts.posting import (
    NotifyTarget,
    PermanentPostError,
    Poster,
    PostError,
    PostRequest,
    PostResult,
    TransientPostError,
)
from bot.features.prompts.recurrence import (
    CATCHUP_SCAN_MAX,
    next_after,
    occurrences,
    total_count,
)
from bot.features.prompts.store import Claimed, Lease, LeaseLost, Occurrence, Plan, PlanStore

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=2)
RECONCILE_WINDOW = timedelta(minutes=5)
ERROR_BACKOFF = timedelta(seconds=30)
DEFAULT_RETRY_DELAYS = (2.0, 10.0, 30.0)
SHUTDOWN_TIMEOUT_S = 3.0
LEASE_TTL = timedelta(seconds=30)
LEASE_RENEW = timedelta(seconds=10)
STANDBY_POLL = timedelta(seconds=5)


_ANNOUNCED: set[str] = set()  # lease holders this process has said it stands by for


def announce_standby(holder: Lease, db_path: object) -> bool:
    """Log, once per process and holder, that another process holds the scheduler.

    Called by the start-up check (``bot.cli``), before Discord is even imported, and by
    the scheduler when it first finds the lease taken: whichever comes first logs the one
    notice; the lease retries that follow (every ``STANDBY_POLL``) log nothing above DEBUG.
    Returns whether it logged.
    """
    if holder.owner in _ANNOUNCED:
        return False
    _ANNOUNCED.add(holder.owner)
    log.warning(
        "another bot process (%s) holds the prompt scheduler of %s: standing by. Commands "
        "still work here; prompts are posted by that process, and by this one only once "
        "that one stops",
        holder.owner_info or holder.owner,
        db_path,
    )
    return True


class Scheduler:
    """Posts due occurrences through an attached :class:`Poster`; started once per process."""

    def __init__(
        self,
        store: PlanStore,
        clock: Clock,
        settings: Settings,
        library: Any = None,
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        concurrency: int = 8,
        batch: int = 500,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.library = library
        self.poster: Poster | None = None
        self.retry_delays = tuple(retry_delays)
        self.batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._sleeping = False
        self._closing = False
        self._missed: dict[int, tuple[Plan, list[datetime]]] = {}
        self.posted_count = 0
        self.owner = uuid.uuid4().hex
        self.owner_info = f"pid {os.getpid()} on {socket.gethostname()}"
        self.holds_lease = False
        self.standing_by: Lease | None = None  # the other holder, while this one waits
        self._lease_task: asyncio.Task[None] | None = None
        self._lease_wake = asyncio.Event()
        self._reconciled = False

    # ----------------------------------------------------------------- lifecycle
    @property
    def grace(self) -> timedelta:
        """How late a prompt may still be posted (``CATCHUP_GRACE_HOURS``)."""
        return timedelta(hours=self.settings.catchup_grace_hours)

    @property
    def running(self) -> bool:
        """Whether the loop task has been started and has not ended."""
        return self._task is not None and not self._task.done()

    def attach(self, poster: Poster) -> None:
        """Give the scheduler the front's way of posting (Discord or console)."""
        self.poster = poster

    async def start(self) -> None:
        """Start the loop once; later calls are ignored (``on_ready`` may fire many times)."""
        if self._task is not None:
            log.debug("scheduler already started")
            return
        if self.poster is None:
            raise RuntimeError("attach a Poster before starting the scheduler")
        self._closing = False
        try:
            await self._hold_lease()
        except Exception:
            log.exception("could not read the scheduler lease; retrying in the background")
        self._lease_task = asyncio.create_task(self._keep_lease(), name="scheduler-lease")
        self._task = asyncio.create_task(self._run(), name="prompt-scheduler")

    def wake(self) -> None:
        """Re-read the next due time now (a plan was added, cancelled or changed)."""
        self._wake.set()

    async def aclose(self) -> None:
        """Stop the loop and in-flight sends within a few seconds (called by Services.close).

        A send cancelled here leaves its occurrence ``sending``; the next start reconciles it.
        """
        self._closing = True
        tasks = [
            t
            for t in [self._task, self._lease_task, *self._inflight]
            if t is not None and not t.done()
        ]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=SHUTDOWN_TIMEOUT_S)
        self._task = self._lease_task = None
        if self.holds_lease:
            self.holds_lease = False
            try:
                await self.store.release_lease(self.owner, self.clock.now())
            except Exception:
                log.warning("could not release the scheduler lease; it expires by itself")

    async def settle(self, max_rounds: int = 10_000) -> None:
        """Wait until nothing is due and no send is in flight (for tests and the bench)."""
        for _ in range(max_rounds):
            await asyncio.sleep(0)
            if self._inflight:
                await asyncio.gather(*list(self._inflight), return_exceptions=True)
                continue
            if self._task is None or self._task.done():
                return
            if not self._sleeping:
                await asyncio.sleep(0.001)
                continue
            if not self.holds_lease:  # standing by: another process posts
                return
            nxt = await self.store.next_due()
            if (nxt is None or nxt > self.clock.now()) and self._sleeping and not self._inflight:
                return
            await asyncio.sleep(0.001)
        raise RuntimeError("scheduler did not settle")

    # ----------------------------------------------------------------- the lease
    async def _hold_lease(self) -> bool:
        """Take or renew the lease; log when this process starts or stops standing by."""
        holder = await self.store.acquire_lease(
            self.owner, self.owner_info, self.clock.now(), LEASE_TTL
        )
        if holder.owner == self.owner:
            if not self.holds_lease:
                if self.standing_by is not None:
                    log.warning(
                        "took over the prompt scheduler of %s from %s: this process posts "
                        "the prompts now",
                        self.store.db.path,
                        self.standing_by.owner_info,
                    )
                else:  # after a start-up notice that another held it, this says it is over
                    log.info("this process holds the prompt scheduler of %s", self.store.db.path)
                self.holds_lease, self.standing_by = True, None
                self._wake.set()
            return True
        if self.holds_lease:
            log.warning("lost the prompt scheduler to %s; standing by", holder.owner_info)
            self._reconciled = False
        elif self.standing_by is None or self.standing_by.owner != holder.owner:
            announce_standby(holder, self.store.db.path)
        else:
            log.debug("the prompt scheduler is still held by %s", holder.owner_info)
        self.holds_lease, self.standing_by = False, holder
        return False

    async def _keep_lease(self) -> None:
        """Renew the lease every ``LEASE_RENEW``; while standing by, try again soon."""
        while not self._closing:
            now = self.clock.now()
            if self.holds_lease:
                until = now + LEASE_RENEW
            else:
                expiry = self.standing_by.expires_at if self.standing_by else now
                until = max(now, min(expiry, now + STANDBY_POLL))
            await self.clock.sleep_until(until, self._lease_wake)
            self._lease_wake.clear()
            try:
                await self._hold_lease()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not renew the scheduler lease")

    # ----------------------------------------------------------------- the loop
    async def _run(self) -> None:
        while not self._closing:
            if not self.holds_lease:
                self._sleeping = True
                try:
                    self._wake.clear()
                    await self._wake.wait()
                finally:
                    self._sleeping = False
                continue
            if not self._reconciled:
                self._reconciled = True
                try:
                    await self.reconcile()
                except Exception:
                    log.exception("reconciling unfinished prompt posts failed")
            self._wake.clear()
            try:
                await self.run_due()
                nxt = await self.store.next_due()
            except Exception:
                log.exception("scheduler pass failed; retrying shortly")
                nxt = self.clock.now() + ERROR_BACKOFF
            self._sleeping = True
            try:
                if nxt is None:
                    await self._wake.wait()
                else:
                    await self.clock.sleep_until(nxt, self._wake)
            finally:
                self._sleeping = False

    async def run_due(self) -> None:
        """Handle every occurrence due now: post it, or record it missed; then report."""
        failed_once: set[int] = set()
        try:
            while True:
                now = self.clock.now()
                batch = [
                    pair
                    for pair in await self.store.due(now, limit=self.batch)
                    if pair[0].id not in failed_once
                ]
                if not batch:
                    return
                for occ, plan in batch:
                    try:
                        await self._handle_due(occ, plan, now)
                    except LeaseLost:
                        log.warning("another process took the prompt scheduler; standing by")
                        self.holds_lease = False
                        self._reconciled = False
                        self._lease_wake.set()
                        return
                    except Exception:
                        log.exception("could not handle occurrence %s of plan %s", occ.id, plan.id)
                        failed_once.add(occ.id)
                        await self._fail_pending(occ, plan, now)
        finally:
            await self._report_missed()

    async def _fail_pending(self, occ: Occurrence, plan: Plan, now: datetime) -> None:
        """An unexpected error before the claim: record it so the loop does not spin on it."""
        try:
            following = next_after(plan.dtstart, plan.rrule, plan.zone, occ.due_at, plan.exdates)
            await self.store.skip(
                occ, status="failed", error="internal error", now=now, following=following
            )
        except Exception:
            log.exception("could not record the failure of occurrence %s", occ.id)
            return
        await self._notify(plan, _failure_reply(plan, occ.due_at, "an internal error"))

    async def _handle_due(self, occ: Occurrence, plan: Plan, now: datetime) -> None:
        later = self._due_since(plan, occ, now)
        if later:
            # Several came due while the bot was down: only the latest can still be posted.
            latest = later[-1]
            skipped = [(occ.seq, occ.due_at), *later[:-1]]
            if await self.store.skip(
                occ,
                status="missed",
                error="the bot was offline",
                now=now,
                following=latest,
                missed=later[:-1],
            ):
                self._remember_missed(plan, [when for _, when in skipped])
            return
        following = next_after(plan.dtstart, plan.rrule, plan.zone, occ.due_at, plan.exdates)
        lateness = now - occ.due_at
        if lateness > self.grace:
            if await self.store.skip(
                occ,
                status="missed",
                error=f"more than {self.settings.catchup_grace_hours:g} h late",
                now=now,
                following=following,
            ):
                self._remember_missed(plan, [occ.due_at])
            return
        await self._slots.acquire()
        try:
            claimed = await self.store.claim(
                occ,
                plan,
                now=now,
                late=lateness > LATE_AFTER,
                close_hours=self.settings.prompt_response_hours,
                following=following,
                lease_owner=self.owner,
            )
        except BaseException:
            self._slots.release()
            raise
        if claimed is None:
            self._slots.release()
            return
        task = asyncio.create_task(self._deliver_slot(claimed), name=f"prompt-occ-{occ.id}")
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    def _due_since(self, plan: Plan, occ: Occurrence, now: datetime) -> list[tuple[int, datetime]]:
        """Later occurrences of ``plan`` that are also already due (bounded scan)."""
        found = []
        for seq, when in enumerate(occurrences(plan.dtstart, plan.rrule, plan.zone), start=1):
            if seq > CATCHUP_SCAN_MAX or when > now:
                break
            if when > occ.due_at and to_db(when) not in plan.exdates:
                found.append((seq, when))
        return found

    async def _deliver_slot(self, claimed: Claimed) -> None:
        try:
            await self.deliver(claimed)
        finally:
            self._slots.release()

    # ----------------------------------------------------------------- delivering one
    async def deliver(
        self, claimed: Claimed, *, notify: bool = True
    ) -> tuple[PostResult | None, PostError | None]:
        """Send one claimed occurrence and record the outcome; never raises for post errors.

        Returns ``(result, None)`` when posted, or ``(None, error)`` after recording it failed
        (and, with ``notify``, telling the instructors).
        """
        poster = self._poster()
        request = self.request_for(claimed)
        result, error = await self._send_with_retries(poster, request)
        now = self.clock.now()
        if result is None and not isinstance(error, PermanentPostError):
            # The outcome is uncertain (a 5xx may still have posted): look before giving up.
            with contextlib.suppress(Exception):
                result = await poster.find_existing(
                    request.channel_id, request.marker, _since(claimed)
                )
        if result is not None:
            await self.store.record_posted(
                claimed, message_id=result.message_id, thread_id=result.thread_id, now=now
            )
            self.posted_count += 1
            return result, None
        assert error is not None
        await self.store.record_failed(claimed, error=_describe(error), now=now)
        if notify:
            await self._notify(
                claimed.plan, _failure_reply(claimed.plan, claimed.occurrence.due_at, error)
            )
        return None, error

    async def _send_with_retries(
        self, poster: Poster, request: PostRequest
    ) -> tuple[PostResult | None, PostError | None]:
        error: PostError | None = None
        for delay in (0.0, *self.retry_delays):
            if delay:
                await asyncio.sleep(delay)
            try:
                return await poster.post(request), None
            except PermanentPostError as exc:
                return None, exc
            except TransientPostError as exc:
                log.warning("transient error posting prompt %s: %s", request.post_id, exc)
                error = exc
            except Exception as exc:
                log.exception("unexpected error posting prompt %s", request.post_id)
                return None, PostError(f"unexpected error: {type(exc).__name__}")
        return None, error

    def request_for(self, claimed: Claimed) -> PostRequest:
        """Build what the poster needs from the claimed rows and the library."""
        plan, occ, post = claimed.plan, claimed.occurrence, claimed.post
        reading = ""
        if post.reading_id and self.library is not None:
            # A reading taken off the list (`!readings remove`) still names the prompt's topic.
            reading = self.library.label_for(post.reading_id)
        total = total_count(plan.dtstart, plan.rrule, plan.zone) if plan.rrule else 1
        return PostRequest(
            post_id=post.id,
            occurrence_id=occ.id,
            guild_id=post.guild_id,
            channel_id=post.channel_id,
            question=post.question,
            follow_up=post.follow_up,
            evidence=post.evidence,
            reading=reading,
            closes_at=post.closes_at,
            late_due_at=occ.due_at if occ.late else None,
            seq=occ.seq,
            total=total,
        )

    # ----------------------------------------------------------------- restarts
    async def reconcile(self) -> None:
        """Settle every ``sending`` row left by a previous process before posting anything."""
        poster = self._poster()
        for claimed in await self.store.unfinished():
            try:
                await self._reconcile_one(poster, claimed)
            except Exception:
                log.exception("could not reconcile occurrence %s", claimed.occurrence.id)

    async def _reconcile_one(self, poster: Poster, claimed: Claimed) -> None:
        marker = self.request_for(claimed).marker
        now = self.clock.now()
        try:
            found = await poster.find_existing(claimed.post.channel_id, marker, _since(claimed))
        except PostError as exc:
            error = f"could not check whether it was posted ({_describe(exc)}); not re-posted"
            await self.store.record_failed(claimed, error=error, now=now)
            await self._notify(
                claimed.plan,
                _failure_reply(claimed.plan, claimed.occurrence.due_at, error),
            )
            return
        if found is not None:
            log.info("occurrence %s was posted before the restart", claimed.occurrence.id)
            await self.store.record_posted(
                claimed, message_id=found.message_id, thread_id=found.thread_id, now=now
            )
            self.posted_count += 1
            return
        if now - claimed.occurrence.due_at > self.grace:
            await self.store.record_failed(
                claimed, error="the bot stopped before sending it", now=now, status="missed"
            )
            self._remember_missed(claimed.plan, [claimed.occurrence.due_at])
            await self._report_missed()
            return
        late = now - claimed.occurrence.due_at > LATE_AFTER
        if late and not claimed.occurrence.late:
            claimed = await self.store.mark_late(claimed)
        await self.deliver(claimed)

    # ----------------------------------------------------------------- reporting
    def _remember_missed(self, plan: Plan, whens: list[datetime]) -> None:
        entry = self._missed.setdefault(plan.id, (plan, []))
        entry[1].extend(whens)

    async def _report_missed(self) -> None:
        """One message per plan listing the prompts that were missed while offline."""
        pending, self._missed = self._missed, {}
        for plan, whens in pending.values():
            shown = ", ".join(str(Timestamp(w)) for w in sorted(whens)[:10])
            more = f" and {len(whens) - 10} more" if len(whens) > 10 else ""
            reply = Reply(
                title=f"Missed prompts (plan {plan.id})",
                body=(
                    f"{len(whens)} scheduled prompt(s) for {ChannelRef(plan.channel_id)} were not "
                    "posted "
                    f"because the bot was offline for more than "
                    f"{self.settings.catchup_grace_hours:g} h past their time: {shown}{more}. "
                    "Post one now with `!prompt post` if it is still useful."
                ),
                error=True,
            )
            await self._notify(plan, reply)

    async def notify_instructors(self, reply: Reply) -> None:
        """Tell each server's instructors (where their latest plan reports) about a fault.

        If even that cannot be read, the front gets a target without a channel (the console
        prints it; Discord has nowhere to send it, and the log already holds it).
        """
        if self.poster is None:
            return
        try:
            targets = [NotifyTarget(*t) for t in await self.store.notify_targets()]
        except Exception:
            log.warning("could not read whom to tell about the fault; see the log")
            targets = []
        for target in targets or [NotifyTarget(None, None, None)]:
            try:
                await self.poster.notify(target, reply)
            except Exception:
                log.exception("could not tell the instructors of server %s", target.guild_id)

    async def _notify(self, plan: Plan, reply: Reply) -> None:
        if self.poster is None:
            return
        target = NotifyTarget(plan.guild_id, plan.notify_channel_id, plan.created_by)
        try:
            await self.poster.notify(target, reply)
        except Exception:
            log.exception("could not tell the instructors about plan %s", plan.id)

    def _poster(self) -> Poster:
        if self.poster is None:
            raise RuntimeError("no Poster attached to the scheduler")
        return self.poster


def _since(claimed: Claimed) -> datetime:
    attempted = claimed.occurrence.attempted_at or claimed.post.posted_at
    return attempted - RECONCILE_WINDOW


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text[:300]


def _failure_reply(plan: Plan, due_at: datetime, error: object) -> Reply:
    reason = _describe(error) if isinstance(error, BaseException) else str(error)
    return Reply(
        title=f"Prompt not posted (plan {plan.id})",
        body=(
            f"The prompt due {Timestamp(due_at)} in {ChannelRef(plan.channel_id)} was not "
            f"posted: {reason}. It will not be retried; later prompts of this plan are still "
            "scheduled. Check the channel and the bot's permissions."
        ),
        error=True,
    )
