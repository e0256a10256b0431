"""``!prompt schedule`` through the dispatcher: what is refused, what is stored, what is said."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from bot.core.errors import BadArgument
from bot.core.registry import dispatch
from bot.core.times import resolve_local
from tests.helpers.prompt_fakes import GUILD, TEACHER


async def stored(services):
    return await services.scheduler.store.active_plans(GUILD)


@pytest.mark.parametrize(
    "args",
    [
        "A question about autonomy?",
        "March madness is a question?",
        "I think the boards gave in too early?",
        "**b** What is a guild for?",
    ],
)
async def test_a_question_that_begins_like_a_date_is_refused_and_nothing_stored(services, args):
    with pytest.raises(BadArgument) as err:
        await dispatch(services, TEACHER, "prompt schedule", args)
    assert '!prompt schedule "tomorrow 10:00"' in err.value.message
    assert await stored(services) == []


async def test_tomorrow_at_ten_unquoted_keeps_the_whole_question(services):
    await dispatch(services, TEACHER, "prompt schedule", "tomorrow 10:00 What now?")
    [(plan, occ)] = await stored(services)
    tz = services.settings.tz
    local = occ.due_at.astimezone(tz)
    tomorrow = (services.clock.now().astimezone(tz) + timedelta(days=1)).date()
    assert (local.date(), local.hour, local.minute) == (tomorrow, 10, 0)
    assert plan.text == "What now?"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ("+9999999d Overflow?", "too far ahead"),
        ("2020-01-01T10:00 Long ago?", "in the past"),
        ("2026-02-30T10:00 No such day?", "does not exist"),
    ],
)
async def test_impossible_times_get_a_reason(services, args, needle):
    with pytest.raises(BadArgument) as err:
        await dispatch(services, TEACHER, "prompt schedule", args)
    assert needle in err.value.message
    assert await stored(services) == []


async def test_the_reply_says_when_the_planned_time_does_not_exist(services):
    tz = services.settings.tz  # Europe/London
    day = services.clock.now().astimezone(tz).date() + timedelta(days=1)
    while not resolve_local(day_at(day, 1, 30), tz)[1]:
        day += timedelta(days=1)
    services.settings.max_schedule_days_ahead = 400
    reply = await dispatch(
        services, TEACHER, "prompt schedule", f"{day}T01:30 --every day --count 3 Clock change?"
    )
    [field] = [f for f in reply.fields if f.name == "Clock change"]
    assert f"01:30 does not exist on {day}" in field.value
    assert "02:00 BST" in field.value and "other days keep 01:30" in field.value
    [(plan, occ)] = await stored(services)
    assert occ.due_at.astimezone(tz).strftime("%H:%M") == "02:00"


def day_at(day, hour, minute):
    return datetime.combine(day, time(hour, minute))
