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

if TYPE_CHECKING:
    from bot.config import Settings

RELATIVE = re.compile(r"^\+(\d{1,7})\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|wk|weeks?)$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CLOCK_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
EVERY = re.compile(
    r"--every\s+(?:(\d{1,4})\s+)?(hour|hours|hourly|day|days|daily|week|weeks|weekly)\b",
    re.IGNORECASE,
)
COUNT = re.compile(r"--count\s+(\d{1,6})\b", re.IGNORECASE)
UNTIL = re.compile(r"--until\s+(\"[^\"]+\"|“[^”]+”|\S+(?:\s+\d{1,2}:\d{2})?)", re.IGNORECASE)
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
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


def to_utc_iso(when: datetime) -> str:
    """Format an instant for storage: ISO 8601 in UTC, whole seconds (sorts as text)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def from_iso(text: str) -> datetime:
    """Parse a stored instant back to an aware UTC datetime."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a wall-clock time (first of two in the autumn fold) and go to UTC."""
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _split_leading_when(args: str) -> tuple[str, str]:
    """Take ``<when>`` off the front: a quoted phrase, ``DATE TIME`` or one token."""
    args = args.strip()
    if not args:
        raise BadArgument('Say when: `+2h`, `2025-03-04T10:00` or `"next tuesday 10:00"`.')
    if args[0] in "\"“'":
        closing = {'"': '"', "“": "”", "'": "'"}[args[0]]
        end = args.find(closing, 1)
        if end == -1:
            raise BadArgument("The quoted time has no closing quote.")
        return args[1:end].strip(), args[end + 1 :].strip()
    parts = args.split(None, 2)
    if len(parts) >= 2 and ISO_DATE.match(parts[0]) and CLOCK_TIME.match(parts[1]):
        return f"{parts[0]}T{parts[1]}", (parts[2] if len(parts) > 2 else "")
    first, _, rest = args.partition(" ")
    return first, rest.strip()


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """Turn ``+2h``, an ISO 8601 date-time or natural language into an aware UTC instant.

    ISO times without an offset are read in ``tz`` (the course's ``TIMEZONE``), because that is
    the clock the instructor and students live by. The result may be in the past; callers
    decide what a past time means.
    """
    text = text.strip()
    if not text:
        raise BadArgument('Say when: `+2h`, `2025-03-04T10:00` or `"next tuesday 10:00"`.')
    relative = RELATIVE.match(text.lower())
    if relative:
        amount = int(relative.group(1)) * UNIT_SECONDS[relative.group(2)[0]]
        return (now + timedelta(seconds=amount)).astimezone(UTC)
    candidate = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    if re.match(r"^\d{4}-\d{2}-\d{2}", candidate):
        try:
            value = datetime.fromisoformat(candidate.replace("z", "Z"))
        except ValueError:
            raise BadArgument(
                f"`{text}` is not an ISO 8601 date-time (for example `2025-03-04T10:00`)."
            ) from None
        if ISO_DATE.match(candidate):
            raise BadArgument(f"`{text}` has no time of day; add one, e.g. `{text}T10:00`.")
        if value.tzinfo is None:
            return _localize(value, tz)
        return value.astimezone(UTC)
    return _parse_natural(text, now, tz)


def _parse_natural(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """Natural language via dateparser, preferring the future, read in the course time zone."""
    import dateparser  # slow to import; only needed for quoted phrases

    base = now.astimezone(tz).replace(tzinfo=None)
    value = dateparser.parse(
        text,
        settings={
            "PREFER_DATES_FROM": "future",
            "TIMEZONE": tz.key,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RELATIVE_BASE": base,
        },
    )
    if value is None:
        raise BadArgument(
            f"I could not understand the time `{text}`. Try `+2h`, `2025-03-04T10:00` "
            'or a phrase in quotes such as `"next tuesday 10:00"`.'
        )
    # dateparser attaches a fixed offset to the wall-clock time it read in ``tz``; re-localise
    # that wall-clock time with the real zone so the DST rules are zoneinfo's, not a guess.
    return _localize(value.replace(tzinfo=None), tz)


def parse_until(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """``--until``: a date means the end of that local day; a date-time is taken as given."""
    text = text.strip().strip('"“”')
    if ISO_DATE.match(text):
        day = date.fromisoformat(text)
        return _localize(datetime.combine(day, time(23, 59, 59)), tz)
    return parse_when(text, now, tz)


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
    when_text, rest = _split_leading_when(args)
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
) -> tuple[datetime, Recurrence | None]:
    """The first due instant and the recurrence, validated against ``limits``.

    Raises :class:`BadArgument` for an unreadable time or rule, a past time, a time beyond
    ``limits.max_days_ahead``, or a rule without exactly one end.
    """
    first = parse_when(when, now, tz)
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
        recurrence = Recurrence(freq, interval, count, until_at)
    elif count is not None or until:
        raise BadArgument("`--count` and `--until` go with `--every`.")
    spec = ScheduleSpec(first=first, recurrence=recurrence, channel_id=None, content="")
    validate(spec, now, tz, limits)
    return first, recurrence


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
    """Write the RFC 5545 RRULE body stored in ``plans.rrule`` (UNTIL in the rule's clock)."""
    freq = {HOURLY: "HOURLY", DAILY: "DAILY", WEEKLY: "WEEKLY"}[rec.freq]
    parts = [f"FREQ={freq}", f"INTERVAL={rec.interval}"]
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
    return rrulestr(rule, dtstart=start), base  # type: ignore[return-value]


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
        if when > after and to_utc_iso(when) not in exdates:
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
        if when >= after and to_utc_iso(when) not in exdates:
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
