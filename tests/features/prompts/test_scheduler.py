"""The scheduler through restarts, crashes and Discord errors, on an injected clock.

A "restart" closes Services (cancelling the loop and any send in flight, as a killed process
would leave it) and opens a new one on the same database; the fake Discord (``World``)
keeps its messages across restarts, as the real one does.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.registry import dispatch
from bot.features.prompts.posting import PermanentPostError, TransientPostError
from bot.features.prompts.scheduler import LEASE_TTL, STANDBY_POLL
from bot.services import Services
from tests.helpers.clock import FakeClock
from tests.helpers.prompt_fakes import CHANNEL, TEACHER, FakePoster, World

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # Saturday; London is on GMT


async def boot(settings, clock, world, errors=None, hang=None):
    svc = await Services.open(settings, clock=clock)
    svc.scheduler.retry_delays = (0.0, 0.0)
    poster = FakePoster(world, errors)
    poster.hang = hang
    svc.scheduler.attach(poster)
    await svc.scheduler.start()
    if hang is None:
        await svc.scheduler.settle()
    return svc, poster


async def schedule(svc, args):
    reply = await dispatch(svc, TEACHER, "prompt schedule", args)
    return int(reply.title.split()[-1])


async def tick(svc, clock, delta):
    clock.advance(delta)
    await svc.scheduler.settle()


async def statuses(svc, plan_id):
    return [o.status for o in await svc.scheduler.store.occurrences_of(plan_id)]


@pytest.fixture
def clock():
    return FakeClock(NOW)


async def test_restart_before_due_posts_once_on_time(settings, clock):
    world = World()
    svc, _ = await boot(settings, clock, world)
    plan = await schedule(svc, "+1h Who benefits from co-optation?")
    await tick(svc, clock, timedelta(minutes=30))
    assert world.posted() == []
    await svc.close()

    svc, _ = await boot(settings, clock, world)
    await tick(svc, clock, timedelta(minutes=29))
    assert world.posted() == []
    await tick(svc, clock, timedelta(minutes=1))
    [post] = world.posted()
    assert post.question == "Who benefits from co-optation?"
    assert post.late_due_at is None
    await tick(svc, clock, timedelta(days=2))
    assert len(world.posted()) == 1
    assert await statuses(svc, plan) == ["posted"]
    await svc.close()


async def _wait_for_attempt(poster):
    for _ in range(10_000):
        if poster.attempts:
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the scheduler never tried to post")


@pytest.mark.parametrize("step", ["before_send", "after_send", "after_record"])
async def test_killed_at_each_step_posts_at_most_once_and_never_silently_loses(
    settings, clock, step
):
    world = World()
    svc, _ = await boot(settings, clock, world)
    plan = await schedule(svc, "+1h A question that must appear exactly once")
    await svc.close()

    hang = {"before_send": "before", "after_send": "after", "after_record": None}[step]
    svc, poster = await boot(settings, clock, world, hang=hang)
    clock.advance(timedelta(hours=1))
    if hang:
        await _wait_for_attempt(poster)
        assert await statuses(svc, plan) == ["sending"]  # recorded before the send
    else:
        await svc.scheduler.settle()
    await svc.close()  # the "kill": the send (if any) never gets recorded
    assert len(world.posted()) == (0 if step == "before_send" else 1)

    svc, _ = await boot(settings, clock, world)
    assert len(world.posted()) == 1
    assert await statuses(svc, plan) == ["posted"]
    post = await svc.scheduler.store.post(
        (await svc.scheduler.store.occurrences_of(plan))[0].post_id
    )
    assert post.message_id is not None
    await svc.close()


async def test_crash_before_send_and_down_past_grace_is_reported_not_lost(settings, clock):
    world = World()
    svc, _ = await boot(settings, clock, world)
    plan = await schedule(svc, "+1h A question that came due while we were down")
    await svc.close()
    svc, poster = await boot(settings, clock, world, hang="before")
    clock.advance(timedelta(hours=1))
    await _wait_for_attempt(poster)
    await svc.close()

    clock.advance(timedelta(hours=settings.catchup_grace_hours + 1))
    svc, _ = await boot(settings, clock, world)
    assert world.posted() == []
    assert await statuses(svc, plan) == ["missed"]
    [(target, notice)] = world.notices
    assert target.channel_id == CHANNEL and target.user_id == TEACHER.user_id
    assert "Missed" in notice.title
    await svc.close()


async def test_three_missed_during_downtime_one_late_catch_up_then_future(settings, clock):
    world = World()
    svc, _ = await boot(settings, clock, world)
    plan = await schedule(svc, "2025-03-02T09:00 --every day --count 10 Daily question here")
    await svc.close()

    # Down from Saturday noon until Tuesday 10:00: Sun, Mon and Tue 09:00 came due.
    clock.set(datetime(2025, 3, 4, 10, 0, tzinfo=UTC))
    svc, _ = await boot(settings, clock, world)
    [post] = world.posted()
    assert post.late_due_at == datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    assert post.seq == 3
    assert await statuses(svc, plan) == ["missed", "missed", "posted", "pending"]
    pending = await svc.scheduler.store.pending_of(plan)
    assert pending.due_at == datetime(2025, 3, 5, 9, 0, tzinfo=UTC) > clock.now()
    [(_, notice)] = world.notices
    assert "2 scheduled prompt(s)" in notice.body

    await tick(svc, clock, timedelta(hours=23))  # Wednesday 09:00, on time
    assert len(world.posted()) == 2
    assert world.posted()[-1].late_due_at is None
    await svc.close()


@pytest.mark.parametrize(
    ("errors", "status"),
    [
        ([PermanentPostError("Missing Permissions (Forbidden)")], "failed"),
        ([PermanentPostError("Unknown Channel (NotFound)")], "failed"),
        ([TransientPostError("503 Service Unavailable")] * 3, "failed"),
        ([TransientPostError("502 Bad Gateway")], "posted"),  # retried, then it worked
        ([RuntimeError("a bug in the poster")], "failed"),
    ],
)
async def test_one_failed_send_does_not_stop_the_next(settings, clock, errors, status):
    world = World()
    svc, poster = await boot(settings, clock, world, errors=errors)
    plan = await schedule(svc, "+1h --every hour --count 2 Hourly question for the test")
    await tick(svc, clock, timedelta(hours=1))
    assert await statuses(svc, plan) == [status, "pending"]
    if status == "failed":
        assert world.posted() == []
        [(target, notice)] = world.notices
        assert target.channel_id == CHANNEL
        assert "not posted" in notice.body
        assert "retried" in notice.body
    await tick(svc, clock, timedelta(hours=1))
    assert await statuses(svc, plan) == [status, "posted"]
    assert world.posted()[-1].seq == 2
    await svc.close()


async def test_twelve_week_plan_with_two_restarts_posts_every_occurrence_once(settings, clock):
    world = World()
    svc, _ = await boot(settings, clock, world)
    plan = await schedule(
        svc, '"next tuesday 10:00" --every week --count 12 What is co-optation doing here?'
    )
    first = datetime(2025, 3, 4, 10, 0, tzinfo=settings.tz)  # local 10:00, wall-clock weeks
    for week in range(12):
        due = (first + timedelta(weeks=week)).astimezone(UTC)
        await tick(svc, clock, due - clock.now() - timedelta(minutes=1))
        assert len(world.posted()) == week
        if week in (4, 8):  # restart the day before / an hour before it is due
            await svc.close()
            svc, _ = await boot(settings, clock, world)
        await tick(svc, clock, timedelta(minutes=1))
        assert len(world.posted()) == week + 1
    await tick(svc, clock, timedelta(weeks=4))
    posted = world.posted()
    assert [p.seq for p in posted] == list(range(1, 13))
    assert all(p.late_due_at is None for p in posted)
    assert len({p.post_id for p in posted}) == 12
    assert await statuses(svc, plan) == ["posted"] * 12
    # Local 10:00 each week, through the change to summer time on 30 March
    store = svc.scheduler.store
    hours = {o.due_at.astimezone(settings.tz).hour for o in await store.occurrences_of(plan)}
    assert hours == {10}
    await svc.close()


async def test_started_once_and_stops_quickly(settings, clock):
    world = World()
    svc, _ = await boot(settings, clock, world)
    task = svc.scheduler._task
    await svc.scheduler.start()  # e.g. a second on_ready: ignored
    assert svc.scheduler._task is task
    await schedule(svc, "+1d Something for tomorrow to wait on")
    await svc.close()
    assert task.done()


async def test_unknown_channel_bank_id_or_limit_refuses_and_stores_nothing(settings, clock):
    from bot.core.errors import BadArgument

    world = World()
    settings.max_active_plans_per_guild = 1
    svc, _ = await boot(settings, clock, world)
    for args in (
        "+1h <#999999999999999999> A question for a channel that does not exist",
        "+1h no-such-bank-id",
    ):
        with pytest.raises(BadArgument):
            await dispatch(svc, TEACHER, "prompt schedule", args)
    assert await svc.db.fetchall("SELECT id FROM plans") == []
    await schedule(svc, "+1h The one plan this server may have")
    with pytest.raises(BadArgument, match="limit is 1"):
        await dispatch(svc, TEACHER, "prompt schedule", "+2h One plan too many")
    assert len(await svc.db.fetchall("SELECT id FROM plans")) == 1
    await svc.close()


async def _until(predicate, clock, step=STANDBY_POLL):
    for _ in range(200):
        if predicate():
            return
        clock.advance(step)
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


async def test_a_second_scheduler_on_one_database_stands_by_then_takes_over(
    settings, clock, caplog
):
    world = World()
    first, _ = await boot(settings, clock, world)
    second, _ = await boot(settings, clock, world)
    assert first.scheduler.holds_lease and not second.scheduler.holds_lease
    assert "standing by" in caplog.text
    plans = [
        await schedule(svc, f"+1h Question {i}?") for i, svc in enumerate([first, second] * 10)
    ]
    clock.advance(timedelta(hours=1))
    await first.scheduler.settle()
    await second.scheduler.settle()
    assert sorted(p.question for p in world.posted()) == sorted(f"Question {i}?" for i in range(20))
    assert [await statuses(first, plan) for plan in plans] == [["posted"]] * 20

    await first.close()  # a clean stop releases the lease: the other takes over
    later = await schedule(second, "+2h After the hand-over?")
    await _until(lambda: second.scheduler.holds_lease, clock)
    assert "took over the prompt scheduler" in caplog.text
    await tick(second, clock, timedelta(hours=2))
    assert [p.question for p in world.posted()].count("After the hand-over?") == 1
    assert await statuses(second, later) == ["posted"]
    await second.close()


async def test_a_scheduler_that_lost_its_lease_claims_nothing(settings, clock):
    world = World()
    svc, _ = await boot(settings, clock, world)
    plan = await schedule(svc, "+1h Only while holding the lease?")
    await svc.scheduler.store.acquire_lease(
        "someone-else", "pid 1 elsewhere", clock.now() + LEASE_TTL, timedelta(days=1)
    )  # our lease expired unrenewed (a paused process) and another took it over
    clock.advance(timedelta(hours=1))
    await svc.scheduler.run_due()
    await svc.scheduler.settle()
    assert world.posted() == []
    assert await statuses(svc, plan) == ["pending"]
    await svc.close()


async def test_a_standing_by_scheduler_says_so_once_not_at_every_retry(settings, clock, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.features.prompts.scheduler")
    world = World()
    first, _ = await boot(settings, clock, world)
    second, _ = await boot(settings, clock, world)

    def said(text: str, level: int = logging.WARNING) -> int:
        return sum(text in r.getMessage() and r.levelno == level for r in caplog.records)

    await _until(lambda: said("still held by", logging.DEBUG) >= 3, clock)  # three retries
    assert not second.scheduler.holds_lease
    assert said("standing by") == 1
    assert "holds the prompt scheduler of" in caplog.text and "Commands still work" in caplog.text
    await first.close()
    await _until(lambda: second.scheduler.holds_lease, clock)
    assert said("took over the prompt scheduler") == 1
    assert said("standing by") == 1
    await second.close()
