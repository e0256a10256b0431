"""The one time codec and the one parser of typed times (pure: no database, no clock)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import BadArgument
from bot.core.times import (
    DB_WIDTH,
    from_db,
    normalise_stored,
    normalise_stored_list,
    parse_when,
    resolve_local,
    split_when,
    to_db,
)

LONDON = ZoneInfo("Europe/London")
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 20, 9, 15, 30, tzinfo=UTC)  # a Friday


def test_stored_instants_have_one_width_and_sort_as_time():
    instants = [
        datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 3, 1, 12, 0, 0, 999_000, tzinfo=UTC),
        datetime(2026, 3, 1, 13, 0, 1, tzinfo=timezone(timedelta(hours=1))),  # 12:00:01 UTC
    ]
    texts = [to_db(t) for t in instants]
    assert {len(t) for t in texts} == {DB_WIDTH}
    assert all(t.endswith("Z") for t in texts)
    assert sorted(texts) == [to_db(t) for t in sorted(instants)]
    assert [from_db(t) for t in texts] == instants


def test_naive_datetimes_are_not_instants():
    with pytest.raises(ValueError):
        to_db(datetime(2026, 3, 1, 12, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("2025-03-01T12:00:00+00:00", "2025-03-01T12:00:00.000000Z"),
        ("2025-03-01T12:00:00.123+00:00", "2025-03-01T12:00:00.123000Z"),
        ("2025-03-01T12:00:00.123456+00:00", "2025-03-01T12:00:00.123456Z"),
        ("2025-03-01T13:00:00+01:00", "2025-03-01T12:00:00.000000Z"),
        ("2025-03-01T12:00:00Z", "2025-03-01T12:00:00.000000Z"),
        ("not a time", "not a time"),
        (None, None),
    ],
)
def test_older_spellings_are_normalised_and_others_kept(old, new):
    assert normalise_stored(old) == new


def test_exdate_lists_are_normalised():
    old = json.dumps(["2025-03-08T12:00:00+00:00", "2025-03-01T12:00:00+00:00"])
    assert json.loads(normalise_stored_list(old)) == [
        "2025-03-01T12:00:00.000000Z",
        "2025-03-08T12:00:00.000000Z",
    ]


def test_a_time_in_the_spring_gap_is_the_first_instant_after_it():
    at, skipped = resolve_local(datetime(2026, 3, 29, 1, 30), LONDON)  # noqa: DTZ001
    assert skipped
    assert at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 BST
    assert at.astimezone(LONDON).strftime("%H:%M %Z") == "02:00 BST"


def test_an_ambiguous_autumn_time_is_its_first_instant():
    at, skipped = resolve_local(datetime(2026, 10, 25, 1, 30), LONDON)  # noqa: DTZ001
    assert not skipped
    assert at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST, not 01:30 GMT


@pytest.mark.parametrize(
    "line",
    [
        "A question about autonomy?",
        "March madness is a question?",
        "I think the boards gave in too early?",
        "**b** What is a guild for?",
        "tomorrow What now?",  # a date word, but no time of day: which time?
        "Monday morning, what changed?",
    ],
)
def test_a_question_is_never_read_as_a_time(line):
    with pytest.raises(BadArgument) as err:
        split_when(line)
    assert '"tomorrow 10:00"' in err.value.message  # shows how to quote a time


@pytest.mark.parametrize(
    ("line", "when", "rest"),
    [
        ("tomorrow 10:00 What now?", "tomorrow 10:00", "What now?"),
        ("next tuesday 10:00 Why?", "next tuesday 10:00", "Why?"),
        ("friday 9am Who?", "friday 9am", "Who?"),
        ("+2h Who benefits?", "+2h", "Who benefits?"),
        ("2026-04-01 10:00 Who?", "2026-04-01T10:00", "Who?"),
        (
            "2026-04-01T10:00 --every day --count 2 Who?",
            "2026-04-01T10:00",
            "--every day --count 2 Who?",
        ),
        ('"in two days at noon" Who?', "in two days at noon", "Who?"),
        ("“next friday 14:00” Who?", "next friday 14:00", "Who?"),
        ("10:00 What now?", "10:00", "What now?"),
        ("0:00 Midnight?", "0:00", "Midnight?"),
    ],
)
def test_the_time_ends_where_the_question_begins(line, when, rest):
    assert split_when(line) == (when, rest)


def test_unquoted_natural_language_reads_the_clock_time():
    at = parse_when("tomorrow 10:00", NOW, PARIS).at
    assert at.astimezone(PARIS) == datetime(2026, 3, 21, 10, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("+9999999d", "too far ahead"),
        ("+999999999w", "too far ahead"),
        ("2026-02-30T10:00", "does not exist"),
        ("9999-12-31T23:59-05:00", "outside the calendar"),
        ("x" * 80, "too long"),
        ("2026-04-01", "no time of day"),
        # dateparser drops what it cannot read: "tomorrow 25:99" was tomorrow at 09:15 (now).
        ("tomorrow 25:99", "`25:99` is not a time of day"),
        ("next monday 10:61", "`10:61` is not a time of day"),
        ("tomorrow 13:30pm", "hours 1–12 with am/pm"),
    ],
)
def test_times_no_calendar_or_clock_shows_get_a_reason(text, needle):
    with pytest.raises(BadArgument) as err:
        parse_when(text, NOW, LONDON)
    assert needle in err.value.message


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("tomorrow 0:00", datetime(2026, 3, 21, 0, 0)),  # noqa: DTZ001
        ("friday at 14:30", datetime(2026, 3, 27, 14, 30)),  # noqa: DTZ001
        ("tomorrow 7:15pm", datetime(2026, 3, 21, 19, 15)),  # noqa: DTZ001
    ],
)
def test_a_phrase_keeps_the_clock_time_typed(text, local):
    assert parse_when(text, NOW, LONDON).wall == local


def test_a_clock_time_alone_is_the_next_such_time():
    # NOW is 09:15 UTC (09:15 in London): 10:00 is today, 09:00 tomorrow.
    assert parse_when("10:00", NOW, LONDON).wall == datetime(2026, 3, 20, 10, 0)  # noqa: DTZ001
    assert parse_when("09:00", NOW, LONDON).wall == datetime(2026, 3, 21, 9, 0)  # noqa: DTZ001


def test_the_quoting_example_never_cuts_a_word():
    line = "tomorrow What now? Is the committee independent of the party at all"
    with pytest.raises(BadArgument) as err:
        split_when(line)
    assert '"tomorrow 10:00" tomorrow What now? Is the committee …`' in err.value.message


def test_a_typed_time_in_the_gap_says_so():
    when = parse_when("2026-03-29T01:30", NOW, LONDON)
    assert when.skipped and when.wall == datetime(2026, 3, 29, 1, 30)  # noqa: DTZ001
    assert when.at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
