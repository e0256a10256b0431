"""Times: the one database codec for instants, and the one parser of times people type.

**Stored instants** are fixed-width UTC text, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (RFC 3339 with
microseconds): every instant has the same width, so text order is time order and ``<`` in SQL
compares instants. :func:`to_db` writes it, :func:`from_db` reads it, and
:func:`normalise_stored` turns any older ISO 8601 spelling (whole seconds, milliseconds,
``+00:00``) into it — migration ``0005`` calls it as the SQL function ``utc_instant``.

**Typed times** (``!prompt schedule <when> …``): :func:`split_when` takes ``<when>`` off the
front of a command line and :func:`parse_when` reads it. ``<when>`` is one token (``+2h``,
``2026-03-04T10:00``), an ISO date and time (``2026-03-04 10:00``), a quoted phrase
(``"next tuesday 10:00"``), or an unquoted phrase only when its every word is a date word and it
ends in a clock time (``tomorrow 10:00``, ``next tuesday 10:00``). Anything else is refused with
an example of quoting, so a question is never read as a time.

Wall-clock times are resolved in the course's zone with zoneinfo's rules (PEP 495): a time
that falls in a spring-forward gap becomes the first instant after the gap (and the caller is
told), an ambiguous autumn time the first of its two instants.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import BadArgument

# --------------------------------------------------------------------------- database codec

DB_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
DB_WIDTH = len("2026-01-01T00:00:00.000000Z")


def to_db(when: datetime) -> str:
    """An aware instant as stored text: ``2026-03-29T01:00:00.000000Z`` (27 characters, UTC).

    Raises ``ValueError`` for a naive datetime: a wall-clock time is not an instant.
    """
    if when.tzinfo is None:
        raise ValueError("naive datetime: only aware instants can be stored")
    return when.astimezone(UTC).strftime(DB_FORMAT)


def from_db(text: str) -> datetime:
    """A stored instant back as an aware UTC datetime (also reads pre-0005 spellings)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def from_db_or_none(text: str | None) -> datetime | None:
    """:func:`from_db` for a nullable column."""
    return from_db(text) if text else None


def normalise_stored(text: str | None) -> str | None:
    """Rewrite one stored instant in the codec's format; ``None`` and non-times unchanged.

    Used by migration 0005 (as ``utc_instant``): a value that is not an ISO 8601 instant is
    kept as it was rather than lost.
    """
    if text is None:
        return None
    try:
        return to_db(from_db(str(text)))
    except (ValueError, OverflowError):
        return text


def normalise_stored_list(text: str | None) -> str | None:
    """A JSON list of stored instants (``plans.exdates``), each normalised and sorted."""
    if text is None:
        return None
    try:
        values = json.loads(text)
    except ValueError:
        return text
    if not isinstance(values, list):
        return text
    return json.dumps(sorted(normalise_stored(str(v)) or "" for v in values))


# --------------------------------------------------------------------------- wall clock


def resolve_local(naive: datetime, tz: ZoneInfo) -> tuple[datetime, bool]:
    """The instant (aware UTC) a wall-clock time in ``tz`` means, and whether it was in a gap.

    An ambiguous time (the autumn fold) is its first instant. A time that does not exist (the
    spring-forward gap) becomes the first instant after the gap, so "01:30" on the day London
    goes from 01:00 GMT to 02:00 BST is 02:00 BST, not 02:30.
    """
    first = naive.replace(tzinfo=tz, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == naive:
        return instant, False
    # In a gap: fold=1 reads it with the offset after the change (an instant before the gap),
    # fold=0 with the offset before it (an instant after). The change lies between them.
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = instant
    if low > high:
        low, high = high, low
    after = high.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(tz).utcoffset() == after:
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0), True


def in_gap(naive: datetime, tz: ZoneInfo) -> bool:
    """Whether a wall-clock time does not exist in ``tz`` (clocks jumped over it)."""
    return resolve_local(naive, tz)[1]


# --------------------------------------------------------------------------- typed times

MAX_WHEN_CHARS = 64
MAX_UNQUOTED_WORDS = 5
RELATIVE = re.compile(r"^\+(\d{1,9})\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|wk|weeks?)$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
CLOCK_TIME = re.compile(r"^(\d{1,2}:\d{2}(:\d{2})?|\d{1,2}(:\d{2})?\s?(am|pm))$", re.IGNORECASE)
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
MONTHS = (
    "january february march april may june july august september october november december"
).split()
DATE_WORDS = frozenset(
    ["today", "tomorrow", "tonight", "next", "this", "on", "at", "the", "of"]
    + WEEKDAYS
    + [d[:3] for d in WEEKDAYS]
    + MONTHS
    + [m[:3] for m in MONTHS]
)
DAY_NUMBER = re.compile(r"^\d{1,2}(st|nd|rd|th)?,?$", re.IGNORECASE)
QUOTES = {'"': '"', "“": "”", "'": "'"}
# A clock time as typed in a phrase ("10:30", "7:15pm"): dateparser drops one it cannot read
# ("tomorrow 25:99" became tomorrow at the current time), so the bot checks it itself.
TYPED_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])\s*([ap]\.?m\.?)?", re.IGNORECASE)
EXAMPLES = '`+2h`, `2026-03-04T10:00` or a phrase in quotes such as `"next tuesday 10:00"`'


def _quote_hint(rest: str) -> str:
    sample = rest.strip()
    if len(sample) > 40:  # cut at a word, never inside one
        sample = sample[:40].rsplit(" ", 1)[0] + " …"
    sample = sample or "Your question?"
    return f'For example `!prompt schedule "tomorrow 10:00" {sample}`.'


def split_when(raw: str) -> tuple[str, str]:
    """Take ``<when>`` off the front of ``raw``; return ``(when_text, rest)``.

    Raises :class:`BadArgument` (with an example of a quoted time) when the start of ``raw``
    is not unmistakably a time: a question that begins like a date is never consumed.
    """
    raw = raw.strip()
    if not raw:
        raise BadArgument(f"Say when: {EXAMPLES}.")
    if raw[0] in QUOTES:
        end = raw.find(QUOTES[raw[0]], 1)
        if end == -1:
            raise BadArgument("The quoted time has no closing quote.")
        return raw[1:end].strip(), raw[end + 1 :].strip()
    words = raw.split()
    first = words[0]
    if len(words) >= 2 and ISO_DATE.match(first) and CLOCK_TIME.match(words[1]):
        return f"{first}T{words[1]}", raw.split(None, 2)[2] if len(words) > 2 else ""
    rest_after_first = raw[len(first) :].strip()
    if RELATIVE.match(first.lower()) or ISO_START.match(first):
        return first, rest_after_first
    # Unquoted natural language: date words only, ending in a clock time.
    for n, word in enumerate(words[:MAX_UNQUOTED_WORDS], start=1):
        lower = word.lower()
        if CLOCK_TIME.match(lower):  # alone ("10:00 Who?"), it is the next such time
            phrase = " ".join(words[:n])
            rest = raw.split(None, n)[n] if len(words) > n else ""
            return phrase, rest
        if lower not in DATE_WORDS and not DAY_NUMBER.match(lower):
            break
    raise BadArgument(
        f"I cannot tell where the time ends in `{' '.join(words[:4])[:60]}`: start with "
        f"{EXAMPLES}. {_quote_hint(raw)}",
        title="Put the time first",
    )


@dataclass(frozen=True)
class When:
    """A parsed ``<when>``: the instant, and the wall-clock time asked for if it did not exist."""

    at: datetime  # aware UTC
    wall: datetime | None = None  # naive local time as typed (None for +2h and offsets)
    skipped: bool = False  # the wall-clock time fell in a DST gap; ``at`` is the gap's end


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When:
    """Read ``+2h``, an ISO 8601 date-time or a natural-language phrase as an instant.

    ISO times without an offset and phrases are read in ``tz`` (the course's ``TIMEZONE``).
    The result may be in the past: callers decide what that means. Raises
    :class:`BadArgument` with a reason for anything it cannot read, for an offset or a date
    beyond what a calendar holds, and for text longer than :data:`MAX_WHEN_CHARS`.
    """
    text = text.strip()
    if not text:
        raise BadArgument(f"Say when: {EXAMPLES}.")
    if len(text) > MAX_WHEN_CHARS:
        raise BadArgument(f"That time is too long ({len(text)} characters); use {EXAMPLES}.")
    relative = RELATIVE.match(text.lower())
    if relative:
        seconds = int(relative.group(1)) * UNIT_SECONDS[relative.group(2)[0]]
        try:
            return When((now + timedelta(seconds=seconds)).astimezone(UTC))
        except OverflowError:
            raise BadArgument(
                f"`{text}` is too far ahead for any calendar; schedule something sooner."
            ) from None
    candidate = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    if ISO_START.match(candidate):
        if ISO_DATE.match(candidate):
            raise BadArgument(f"`{text}` has no time of day; add one, e.g. `{text}T10:00`.")
        try:
            value = datetime.fromisoformat(candidate.replace("z", "Z"))
        except ValueError as exc:
            reason = "that date does not exist" if "range" in str(exc) else "unreadable"
            raise BadArgument(
                f"`{text}` is not a date and time ({reason}); for example `2026-03-04T10:00`."
            ) from None
        return _instant(value, tz, text)
    return _instant(_parse_natural(text, now, tz), tz, text)


def _instant(value: datetime, tz: ZoneInfo, text: str) -> When:
    try:
        if value.tzinfo is not None:
            return When(value.astimezone(UTC))
        at, skipped = resolve_local(value, tz)
    except (OverflowError, ValueError):
        raise BadArgument(f"`{text}` is outside the calendar the bot can schedule in.") from None
    return When(at, value, skipped)


def _parse_natural(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A phrase via dateparser, preferring the future, as a naive wall-clock time in ``tz``."""
    import dateparser  # slow to import; only needed for phrases

    clocks = TYPED_CLOCK.findall(text)
    for hour, minute, meridiem in clocks:
        if int(minute) > 59 or int(hour) > (12 if meridiem else 23):
            hours = "1–12 with am/pm" if meridiem else "0–23"
            raise BadArgument(
                f"`{hour}:{minute}{meridiem}` is not a time of day (hours {hours}, minutes "
                f"0–59). Try {EXAMPLES}.",
                title="Not a time of day",
            )
    base = now.astimezone(tz).replace(tzinfo=None)
    try:
        value = dateparser.parse(
            text,
            settings={
                "PREFER_DATES_FROM": "future",
                "TIMEZONE": tz.key,
                "RETURN_AS_TIMEZONE_AWARE": False,
                "RELATIVE_BASE": base,
            },
        )
    except (OverflowError, ValueError):
        value = None
    if value is None:
        raise BadArgument(f"I could not understand the time `{text}`. Try {EXAMPLES}.")
    if len(clocks) == 1 and not clocks[0][2]:  # a 24-hour clock time: it must be the one read
        hour, minute = int(clocks[0][0]), int(clocks[0][1])
        if (value.hour, value.minute) != (hour, minute):
            raise BadArgument(
                f"I read `{text}` as {value:%H:%M}, not the {hour:02d}:{minute:02d} you typed. "
                f"Try {EXAMPLES}.",
                title="Unreadable time",
            )
    value = value.replace(tzinfo=None)
    if CLOCK_TIME.match(text) and value <= base:  # a clock time alone: the next one, not today's
        value += timedelta(days=1)
    return value
