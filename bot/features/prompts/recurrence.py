"""When a prompt is due: parsing ``<when>``, recurrence rules and the limits around them.

Everything here is pure (no database, no clock of its own): callers pass ``now`` and the
settings, so the rules are tested in milliseconds, DST changes included.

Recurrence is evaluated the way people mean it. "Every Tuesday at 10:00" in Europe/London is
10:00 *local* time both in winter and in summer, so daily and weekly rules run over naive
local wall-clock times and each result is converted to UTC afterwards. Hourly rules run in
UTC instead, so that "every hour" stays sixty minutes apart across a clock change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, HOURLY, WEEKLY, rrule, rrulestr

from bot.core.errors import BadArgument
from bot.core.registry import channel_token
from bot.core.replies import ChannelRef, Timestamp
from bot.core.times import ISO_DATE, When, parse_when, resolve_local, split_when, to_db

if TYPE_CHECKING:
    from bot.config import Settings

EVERY = re.compile(
    r"--every\s+(?:(\d{1,4})\s+)?(hour|hours|hourly|day|days|daily|week|weeks|weekly)\b",
    re.IGNORECASE,
)
COUNT = re.compile(r"--count\s+(\d{1,6})\b", re.IGNORECASE)
UNTIL = re.compile(r"--until\s+(\"[^\"]+\"|“[^”]+”|\S+(?:\s+\d{1,2}:\d{2})?)", re.IGNORECASE)
FREQ_NAMES = {HOURLY: "hour", DAILY: "day", WEEKLY: "week"}
FREQ_MINUTES = {HOURLY: 60, DAILY: 1440, WEEKLY: 10080}
CATCHUP_SCAN_MAX = 10_000


@dataclass(frozen=True)
class Limits:
    """The abuse/mistake limits, read from the settings (see ``bot/config.py``)."""

    max_days_ahead: int = 366
    min_recurrence_minutes: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """Take the limits from ``Settings`` (whose defaults are the documented ones)."""
        return cls(
            max_days_ahead=settings.max_schedule_days_ahead,
            min_recurrence_minutes=settings.min_recurrence_minutes,
        )


@dataclass(frozen=True)
class Recurrence:
    """``--every``: a frequency (HOURLY/DAILY/WEEKLY), interval and an end (count or until)."""

    freq: int
    interval: int = 1
    count: int | None = None
    until: datetime | None = None  # aware; the last allowed instant
    wall_time: time | None = None  # the planned local time of day (kept across a DST gap)

    def describe(self) -> str:
        """Describe the rule in short English (``every 2 days, 12 times``)."""
        unit = FREQ_NAMES[self.freq]
        text = f"every {unit}" if self.interval == 1 else f"every {self.interval} {unit}s"
        if self.count:
            text += f", {self.count} time" + ("s" if self.count != 1 else "")
        return text


@dataclass(frozen=True)
class ScheduleSpec:
    """A parsed ``!prompt schedule``: the first due time, the rule, the channel and content."""

    first: datetime  # aware UTC
    recurrence: Recurrence | None
    channel_id: int | None
    content: str


def _localize(naive: datetime, tz: ZoneInfo | type[UTC]) -> datetime:
    """A wall-clock time of the rule's clock as an instant (gap → first instant after it)."""
    if tz is UTC:
        return naive.replace(tzinfo=UTC)
    return resolve_local(naive, tz)[0]  # type: ignore[arg-type]


def parse_until(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """``--until``: a date means the end of that local day; a date-time is taken as given."""
    text = text.strip().strip('"“”')
    if ISO_DATE.match(text):
        day = date.fromisoformat(text)
        return _localize(datetime.combine(day, time(23, 59, 59)), tz)
    return parse_when(text, now, tz).at


MINUTES = re.compile(r"^(\d+\s+)?(min|minute|minutes|mins|sec|second|seconds|s|m)$", re.I)
MONTHS = re.compile(r"^(\d+\s+)?(month|months|monthly|year|years|yearly)$", re.I)
EVERY_VALUE = re.compile(
    r"^(?:(\d{1,4})\s+)?(hour|hours|hourly|day|days|daily|week|weeks|weekly)$", re.IGNORECASE
)


def parse_every(text: str) -> tuple[int, int]:
    """``--every 2 days`` → ``(DAILY, 2)``; refuses minutes, months and unknown units."""
    text = " ".join(text.split())
    match = EVERY_VALUE.match(text)
    if match is None:
        if MINUTES.match(text):
            raise BadArgument(
                "Prompts repeat at most hourly: use `--every hour`, `--every 2 hours`, "
                "`--every day` or `--every week`."
            )
        if MONTHS.match(text):
            raise BadArgument(
                "Repeat by days or weeks: for a monthly prompt use `--every 4 weeks`."
            )
        raise BadArgument(
            f"I could not read `--every {text}`. Use `--every day|week|hour|<n> days|<n> hours`."
        )
    unit = match.group(2).lower()
    freq = (
        HOURLY if unit.startswith("hour") else DAILY if unit.startswith(("day", "dai")) else WEEKLY
    )
    interval = int(match.group(1)) if match.group(1) else 1
    if interval < 1:
        raise BadArgument("`--every` needs a positive number.")
    return freq, interval


def _take_flags(text: str) -> tuple[str, dict[str, Any]]:
    """Pull ``--every/--count/--until`` (as typed) out of the text, before or after the prompt."""
    flags: dict[str, Any] = {}
    match = EVERY.search(text)
    if match:
        flags["every"] = " ".join(g for g in match.groups() if g)
        text = text[: match.start()] + " " + text[match.end() :]
    match = COUNT.search(text)
    if match:
        flags["count"] = int(match.group(1))
        text = text[: match.start()] + " " + text[match.end() :]
    match = UNTIL.search(text)
    if match:
        flags["until"] = match.group(1).strip('"“”')
        text = text[: match.start()] + " " + text[match.end() :]
    leftover = re.search(r"(?:^|\s)--(every|count|until)\b((?:\s+\S+){0,2})", text, re.I)
    if leftover:
        words = leftover.group(2).split()
        if leftover.group(1).lower() == "every":
            for n in (2, 1):
                if len(words) >= n and (
                    MINUTES.match(" ".join(words[:n])) or MONTHS.match(" ".join(words[:n]))
                ):
                    parse_every(" ".join(words[:n]))  # raises the reason for that unit
        raise BadArgument(
            "I could not read a flag. Use `--every day|week|hour|<n> days|<n> hours`, "
            "`--count N` or `--until 2025-06-30`."
        )
    return re.sub(r"\s{2,}", " ", text).strip(), flags


def take_channel(text: str) -> tuple[ChannelRef | None, str]:
    """Split a leading ``<#id>`` or ``#name`` channel, if any, from the rest of the text."""
    first, _, rest = text.strip().partition(" ")
    channel = channel_token(first)
    if channel is not None:
        return channel, rest.strip()
    return None, text.strip()


def split_schedule_text(args: str) -> dict[str, Any]:
    """``<when> [#channel] [--every …] [--count N | --until DATE] <bank-id | text>`` as options.

    Only splits the text; :func:`build_schedule` reads the time and the rule, for text and
    slash options alike.
    """
    when_text, rest = split_when(args)
    rest, flags = _take_flags(rest)
    channel, content = take_channel(rest)
    return {
        "when": when_text,
        "channel": channel,
        "every": flags.get("every"),
        "count": flags.get("count"),
        "until": flags.get("until"),
        "prompt": content or None,
    }


def build_schedule(
    when: str,
    every: str | None,
    count: int | None,
    until: str | None,
    now: datetime,
    tz: ZoneInfo,
    limits: Limits,
) -> tuple[When, Recurrence | None]:
    """The first due time as typed (``When``) and the recurrence, validated against ``limits``.

    Raises :class:`BadArgument` for an unreadable time or rule, a past time, a time beyond
    ``limits.max_days_ahead``, or a rule without exactly one end.
    """
    typed = parse_when(when, now, tz)
    first = typed.at
    # The planned local time of day: a daily or weekly rule keeps it after a DST gap.
    wall = (typed.wall or first.astimezone(tz).replace(tzinfo=None)).time()
    recurrence = None
    if every:
        freq, interval = parse_every(every)
        until_at = parse_until(until, now, tz) if until else None
        if count is None and until_at is None:
            raise BadArgument(
                "A recurring plan needs an end: add `--count N` or `--until 2025-06-30`."
            )
        if count is not None and until_at is not None:
            raise BadArgument("Use either `--count` or `--until`, not both.")
        recurrence = Recurrence(freq, interval, count, until_at, wall)
    elif count is not None or until:
        raise BadArgument("`--count` and `--until` go with `--every`.")
    spec = ScheduleSpec(first=first, recurrence=recurrence, channel_id=None, content="")
    validate(spec, now, tz, limits)
    return typed, recurrence


def validate(spec: ScheduleSpec, now: datetime, tz: ZoneInfo, limits: Limits) -> None:
    """Refuse past times, times beyond the horizon and rules more frequent than allowed."""
    horizon = now + timedelta(days=limits.max_days_ahead)
    if spec.first <= now:
        raise BadArgument(f"{Timestamp(spec.first)} is in the past; pick a time in the future.")
    if spec.first > horizon:
        raise BadArgument(
            f"That is more than {limits.max_days_ahead} days ahead; schedule something sooner."
        )
    rec = spec.recurrence
    if rec is None:
        return
    if FREQ_MINUTES[rec.freq] * rec.interval < limits.min_recurrence_minutes:
        raise BadArgument(
            f"Recurring prompts may repeat at most every {limits.min_recurrence_minutes} minutes."
        )
    if rec.count is not None:
        if rec.count < 1:
            raise BadArgument("`--count` must be at least 1.")
        most = limits.max_days_ahead * 1440 // limits.min_recurrence_minutes + 1
        if rec.count > most:
            raise BadArgument(f"`--count {rec.count}` would reach beyond the horizon.")
    if rec.until is not None:
        if rec.until < spec.first:
            raise BadArgument("`--until` is before the first time.")
        if rec.until > horizon:
            raise BadArgument(
                f"`--until` is more than {limits.max_days_ahead} days ahead; end it sooner."
            )
    last = None
    for last in occurrences(spec.first, rule_string(rec, tz), tz):  # noqa: B007
        if last > horizon:
            raise BadArgument(
                f"The last prompt of that plan would be more than {limits.max_days_ahead} "
                "days ahead; lower `--count` or use `--until`."
            )


def rule_string(rec: Recurrence, tz: ZoneInfo) -> str:
    """Write the RFC 5545 RRULE body stored in ``plans.rrule`` (UNTIL in the rule's clock).

    A daily or weekly rule carries the planned local time of day as ``BYHOUR``/``BYMINUTE``/
    ``BYSECOND``: when the first time falls in a DST gap, the stored first instant is the end
    of the gap (02:00), but later days must return to the planned 01:30.
    """
    freq = {HOURLY: "HOURLY", DAILY: "DAILY", WEEKLY: "WEEKLY"}[rec.freq]
    parts = [f"FREQ={freq}", f"INTERVAL={rec.interval}"]
    wall = rec.wall_time
    if wall is not None and rec.freq != HOURLY:
        parts.append(f"BYHOUR={wall.hour};BYMINUTE={wall.minute};BYSECOND={wall.second}")
    if rec.count is not None:
        parts.append(f"COUNT={rec.count}")
    if rec.until is not None:
        base = UTC if rec.freq == HOURLY else tz
        parts.append("UNTIL=" + rec.until.astimezone(base).strftime("%Y%m%dT%H%M%S"))
    return ";".join(parts)


def _rule(dtstart: datetime, rule: str, tz: ZoneInfo) -> tuple[rrule, ZoneInfo | type[UTC]]:
    """Build the dateutil rule over naive wall-clock times of its base zone."""
    base: ZoneInfo = UTC if "FREQ=HOURLY" in rule else tz  # type: ignore[assignment]
    start = dtstart.astimezone(base).replace(tzinfo=None)
    wall = _planned_time(rule)
    if wall is not None and base is not UTC:
        # The stored first instant may be a gap's end (02:00 for a planned 01:30): the rule
        # runs from the planned wall-clock time of that day (or the day before, if the gap
        # pushed it past midnight).
        planned = datetime.combine(start.date(), wall)
        if planned > start:
            planned -= timedelta(days=1)
        start = planned
    return rrulestr(rule, dtstart=start), base  # type: ignore[return-value]


def _planned_time(rule: str) -> time | None:
    """The ``BYHOUR``/``BYMINUTE``/``BYSECOND`` time of day of a rule, if it names one."""
    fields = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    if "BYHOUR" not in fields:
        return None
    return time(
        int(fields["BYHOUR"]), int(fields.get("BYMINUTE", 0)), int(fields.get("BYSECOND", 0))
    )


def describe_gaps(gaps: list[datetime], rule: str | None, tz: ZoneInfo) -> str:
    """Say which planned wall-clock times do not exist (DST gaps) and when they post instead."""
    lines = []
    for naive in gaps:
        used = resolve_local(naive, tz)[0].astimezone(tz)
        lines.append(
            f"{naive:%H:%M} does not exist on {naive:%Y-%m-%d} in {tz.key} (the clocks go "
            f"forward): that prompt is posted once at {used:%H:%M} {used.tzname()}, the first "
            "minute after the change."
        )
    if rule:
        lines.append(f"The other days keep {gaps[0]:%H:%M}.")
    return "\n".join(lines)


def nonexistent_times(
    dtstart: datetime, rule: str | None, tz: ZoneInfo, limit: int = 10
) -> list[datetime]:
    """Planned wall-clock times of a plan that fall in a DST gap (naive, local), up to ``limit``.

    Each of them is posted once, at the first instant after its gap.
    """
    if not rule or "FREQ=HOURLY" in rule:
        return []
    compiled, _ = _rule(dtstart, rule, tz)
    found = []
    for seq, naive in enumerate(compiled, start=1):
        if seq > CATCHUP_SCAN_MAX:
            break
        if resolve_local(naive, tz)[1]:
            found.append(naive)
            if len(found) >= limit:
                break
    return found


def occurrences(dtstart: datetime, rule: str | None, tz: ZoneInfo) -> Iterator[datetime]:
    """Every due instant (aware UTC) of a plan, in order; one for a one-off plan."""
    if not rule:
        yield dtstart.astimezone(UTC)
        return
    compiled, base = _rule(dtstart, rule, tz)
    for naive in compiled:
        yield _localize(naive, base)  # type: ignore[arg-type]


def next_after(
    dtstart: datetime,
    rule: str | None,
    tz: ZoneInfo,
    after: datetime,
    exdates: set[str] = frozenset(),
) -> tuple[int, datetime] | None:
    """Find the first due instant after ``after`` (and its 1-based number), skipping exdates."""
    for seq, when in enumerate(occurrences(dtstart, rule, tz), start=1):
        if when > after and to_db(when) not in exdates:
            return seq, when
    return None


def upcoming(
    dtstart: datetime,
    rule: str | None,
    tz: ZoneInfo,
    after: datetime,
    limit: int,
    exdates: set[str] = frozenset(),
) -> list[datetime]:
    """Up to ``limit`` due instants at or after ``after`` (for replies and listings)."""
    found = []
    for when in occurrences(dtstart, rule, tz):
        if when >= after and to_db(when) not in exdates:
            found.append(when)
            if len(found) >= limit:
                break
    return found


def total_count(dtstart: datetime, rule: str | None, tz: ZoneInfo) -> int:
    """How many occurrences a plan has in all (bounded: every plan has an end)."""
    return sum(1 for _ in occurrences(dtstart, rule, tz))


def load_exdates(raw: str | None) -> set[str]:
    """``plans.exdates`` (a JSON list of UTC ISO strings) as a set."""
    return set(json.loads(raw or "[]"))


def on_local_date(dtstart: datetime, rule: str | None, tz: ZoneInfo, day: date) -> list[datetime]:
    """List the occurrences on ``day`` in the course's local time (to skip one)."""
    found = []
    for when in occurrences(dtstart, rule, tz):
        local_day = when.astimezone(tz).date()
        if local_day == day:
            found.append(when)
        elif local_day > day:
            break
    return found
