"""Pure tests of ``<when>`` parsing, recurrence rules and limits (no database, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import BadArgument
from bot.core.registry import REGISTRY, parse_text
from bot.core.times import parse_when as parse_typed
from bot.core.times import to_db
from bot.features import load_commands
from bot.features.prompts.recurrence import (
    Limits,
    build_schedule,
    describe_gaps,
    next_after,
    nonexistent_times,
    occurrences,
    rule_string,
    upcoming,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # a Saturday, before the spring change
LIMITS = Limits(max_days_ahead=366, min_recurrence_minutes=60)


def parse_when(text, now, tz):
    return parse_typed(text, now, tz).at


def parse_schedule(args, now, tz, limits):
    """What ``!prompt schedule`` reads from its text: the declared parser, then the rule."""
    load_commands()
    options = parse_text(REGISTRY["prompt schedule"], args)
    typed, recurrence = build_schedule(
        options["when"], options["every"], options["count"], options["until"], now, tz, limits
    )
    channel = options["channel"]
    return SimpleNamespace(
        first=typed.at,
        recurrence=recurrence,
        channel_id=channel.id if channel else None,
        content=options["prompt"],
    )


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("+90s", timedelta(seconds=90)),
        ("+10m", timedelta(minutes=10)),
        ("+2h", timedelta(hours=2)),
        ("+3d", timedelta(days=3)),
        ("+1w", timedelta(weeks=1)),
    ],
)
def test_relative_times(text, delta):
    assert parse_when(text, NOW, LONDON) == NOW + delta


def test_iso_without_offset_is_course_time():
    # 1 July is summer time in London: 10:00 local is 09:00 UTC
    assert parse_when("2025-07-01T10:00", NOW, LONDON) == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    assert parse_when("2025-07-01 10:00", NOW, LONDON) == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


def test_iso_with_offset_is_taken_as_given():
    when = parse_when("2025-07-01T10:00+02:00", NOW, LONDON)
    assert when == datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    assert parse_when("2025-07-01T10:00Z", NOW, LONDON) == datetime(2025, 7, 1, 10, tzinfo=UTC)


def test_natural_language_prefers_the_future_in_course_time():
    # Saturday 1 March → "next tuesday 10:00" is Tuesday 4 March, 10:00 London (= UTC in March)
    when = parse_when("next tuesday 10:00", NOW, LONDON)
    assert when == datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
    summer_now = datetime(2025, 6, 28, 12, 0, tzinfo=UTC)
    assert parse_when("tuesday 10:00", summer_now, LONDON) == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["whenever", "2025-13-45T10:00", "2025-03-04", "+5 parsecs"])
def test_unparseable_times_are_refused(text):
    with pytest.raises(BadArgument):
        parse_when(text, NOW, LONDON)


def test_schedule_parses_quoted_when_channel_flags_and_text():
    spec = parse_schedule(
        '"next tuesday 10:00" <#123456789012345678> --every week --count 12 '
        "What's co-optation -- and who does it serve?",
        NOW,
        LONDON,
        LIMITS,
    )
    assert spec.first == datetime(2025, 3, 4, 10, tzinfo=UTC)
    assert spec.channel_id == 123456789012345678
    assert spec.recurrence is not None and spec.recurrence.count == 12
    assert spec.content == "What's co-optation -- and who does it serve?"


def test_flags_may_follow_the_text():
    spec = parse_schedule(
        "+1h Discuss the reading. --every 2 days --until 2025-03-20", NOW, LONDON, LIMITS
    )
    assert spec.content == "Discuss the reading."
    assert spec.recurrence is not None and spec.recurrence.interval == 2
    times = list(occurrences(spec.first, rule_string(spec.recurrence, LONDON), LONDON))
    assert times[0] == NOW + timedelta(hours=1)
    assert all(t.astimezone(LONDON).date().isoformat() <= "2025-03-20" for t in times)
    assert len(times) == 10  # 1, 3, 5 … 19 March


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ("2024-01-01T10:00 Past question here", "past"),
        ("+400d Too far ahead", "366 days"),
        ("+1h --every 30 minutes --count 3 Too often", "at most hourly"),
        ("+1h --every 5 m --count 3 Too often", "at most hourly"),
        ("+1h --every month --count 3 Monthly", "--every 4 weeks"),
        ("+1h --every fortnight --count 3 Unknown unit", "flag"),
        ("+1h --every hour Forever", "end"),
        ("+1h --every day --count 400 Daily for too long", "days ahead"),
        ("+1h --every day --until 2027-01-01 Until too late", "days ahead"),
        ("+1h --count 3 No every", "--every"),
        ("+1h", "Missing `prompt`"),
    ],
)
def test_limits_and_mistakes_are_refused(args, needle):
    with pytest.raises(BadArgument) as err:
        parse_schedule(args, NOW, LONDON, LIMITS)
    assert needle in err.value.message


def test_min_recurrence_setting_is_respected():
    strict = Limits(max_days_ahead=366, min_recurrence_minutes=24 * 60)
    with pytest.raises(BadArgument, match="1440 minutes"):
        parse_schedule("+1h --every 2 hours --count 3 Too often", NOW, LONDON, strict)
    assert parse_schedule("+1h --every day --count 3 Daily is fine", NOW, LONDON, strict)


def test_daily_0900_london_across_both_dst_changes():
    """One post per local day at 09:00, through the March and October changes."""
    first = parse_when("2025-03-25T09:00", NOW, LONDON)
    spec = parse_schedule(
        "2025-03-25T09:00 --every day --until 2025-11-01 Daily question text", NOW, LONDON, LIMITS
    )
    rule = rule_string(spec.recurrence, LONDON)
    times = list(occurrences(first, rule, LONDON))
    local = [t.astimezone(LONDON) for t in times]
    assert all((t.hour, t.minute) == (9, 0) for t in local)
    days = [t.date() for t in local]
    assert len(days) == len(set(days)) == (days[-1] - days[0]).days + 1
    by_day = {t.date().isoformat(): t for t in times}
    # BST starts 30 March 2025 and ends 26 October 2025
    assert by_day["2025-03-29"].hour == 9  # GMT: 09:00 local is 09:00 UTC
    assert by_day["2025-03-30"].hour == 8  # BST: 09:00 local is 08:00 UTC
    assert by_day["2025-10-25"].hour == 8
    assert by_day["2025-10-26"].hour == 9
    assert by_day["2025-10-26"] - by_day["2025-10-25"] == timedelta(hours=25)


def test_hourly_rules_stay_sixty_minutes_apart_across_dst():
    first = datetime(2025, 3, 29, 23, 0, tzinfo=UTC)
    spec = parse_schedule(
        "2025-03-29T23:00Z --every hour --count 6 Hourly question text",
        first - timedelta(hours=1),
        LONDON,
        LIMITS,
    )
    times = list(occurrences(first, rule_string(spec.recurrence, LONDON), LONDON))
    assert [b - a for a, b in zip(times, times[1:], strict=False)] == [timedelta(hours=1)] * 5


def test_next_after_skips_exdates_and_ends():
    first = datetime(2025, 3, 4, 10, tzinfo=UTC)
    rule = "FREQ=WEEKLY;INTERVAL=1;COUNT=3"
    skip = {to_db(first + timedelta(weeks=1))}
    assert next_after(first, rule, LONDON, first, skip) == (3, first + timedelta(weeks=2))
    assert next_after(first, rule, LONDON, first + timedelta(weeks=2)) is None
    assert upcoming(first, rule, LONDON, first, 10, skip) == [first, first + timedelta(weeks=2)]


SPRING_2026 = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def _plan_times(args, now=SPRING_2026):
    spec = parse_schedule(args, now, LONDON, LIMITS)
    rule = rule_string(spec.recurrence, LONDON) if spec.recurrence else None
    return spec, rule, list(occurrences(spec.first, rule, LONDON))


def test_a_daily_plan_starting_in_the_gap_posts_once_after_it_then_keeps_its_time():
    # 29 March 2026: London goes from 01:00 GMT straight to 02:00 BST.
    spec, rule, times = _plan_times("2026-03-29T01:30 --every day --count 3 Which bargain?")
    local = [t.astimezone(LONDON).strftime("%d %H:%M %Z") for t in times]
    assert local == ["29 02:00 BST", "30 01:30 BST", "31 01:30 BST"]
    assert nonexistent_times(spec.first, rule, LONDON) == [datetime(2026, 3, 29, 1, 30)]  # noqa: DTZ001


def test_a_daily_plan_crossing_the_gap_keeps_its_time_on_both_sides():
    spec, rule, times = _plan_times("2026-03-27T01:30 --every day --count 5 Which bargain?")
    local = [t.astimezone(LONDON).strftime("%d %H:%M") for t in times]
    assert local == ["27 01:30", "28 01:30", "29 02:00", "30 01:30", "31 01:30"]
    assert len(set(times)) == 5
    assert describe_gaps(nonexistent_times(spec.first, rule, LONDON), rule, LONDON).startswith(
        "01:30 does not exist on 2026-03-29 in Europe/London"
    )


def test_an_ambiguous_autumn_time_posts_once_at_its_first_instant():
    now = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    _, _, times = _plan_times("2026-10-24T01:30 --every day --count 3 Which bargain?", now)
    assert times[1] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST, the first one
    assert [t.astimezone(LONDON).strftime("%H:%M") for t in times] == ["01:30"] * 3


def test_plans_stored_before_the_wall_time_was_kept_still_run():
    first = datetime(2025, 3, 4, 10, tzinfo=UTC)
    times = list(occurrences(first, "FREQ=DAILY;INTERVAL=1;COUNT=2", LONDON))
    assert times == [first, first + timedelta(days=1)]
