"""Reports over the response log: counts per prompt, participation, CSV and JSON exports.

Every report first flushes the log's write queue, so it sees each response acknowledged
before it was asked for. CSV cells are defused against spreadsheet formulas (OWASP).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.errors import BadArgument
from bot.core.text import word_count
from bot.core.times import to_db
from bot.features.responses.store import HistoryRow, PostCount, ResponseRow

if TYPE_CHECKING:
    from bot.features.responses.log import ResponseLog

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "prompt_id",
    "question",
    "student_id",
    "display_name",
    "text",
    "source",
    "created_at",
    "edited_at",
    "deleted_at",
    "late",
    "response_id",
)


@dataclass(frozen=True)
class Participation:
    """One student's participation: responses and words (deleted ones not counted)."""

    user_id: int
    display_name: str
    responses: int
    words: int
    late: int


class ResponseReports:
    """What instructors read from the log: counts, rows, exports and participation."""

    def __init__(self, log: ResponseLog) -> None:
        self.log = log
        self.repo = log.repo

    async def flush(self) -> None:
        """Wait for queued writes, so a report includes them."""
        await self.log.flush()

    async def counts(self, guild_id: int | None, post_id: int | None = None) -> list[PostCount]:
        """Responses per prompt, newest prompt first."""
        return await self.repo.counts_per_post(guild_id, post_id)

    async def rows(
        self,
        *,
        guild_id: int | None = None,
        post_id: int | None = None,
        user_id: int | None = None,
    ) -> list[ResponseRow]:
        """Every response matching the filters (deleted ones included, flagged)."""
        await self.flush()
        return await self.repo.responses(guild_id=guild_id, post_id=post_id, user_id=user_id)

    async def export_csv(
        self,
        *,
        guild_id: int | None = None,
        post_id: int | None = None,
        user_id: int | None = None,
    ) -> bytes:
        """The responses as CSV, safe to open in a spreadsheet."""
        return to_csv(await self.rows(guild_id=guild_id, post_id=post_id, user_id=user_id))

    async def export_json(
        self,
        *,
        guild_id: int | None = None,
        post_id: int | None = None,
        user_id: int | None = None,
    ) -> bytes:
        """The responses as JSON, each with its edit/delete history."""
        rows = await self.rows(guild_id=guild_id, post_id=post_id, user_id=user_id)
        history = await self.repo.history([r.id for r in rows])
        return to_json(rows, history)

    async def participation(
        self, guild_id: int | None, since: datetime | None = None
    ) -> list[Participation]:
        """Per student: responses and words since ``since``, most active first."""
        await self.flush()
        rows = await self.repo.responses(guild_id=guild_id, since=since, include_deleted=False)
        return tally_participation(rows)


def tally_participation(rows: Sequence[ResponseRow]) -> list[Participation]:
    """Per student: responses, words and late ones, most active first (CPU work on rows)."""
    names: dict[int, str] = {}
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        names[row.user_id] = row.display_name  # rows are oldest first: latest name wins
        tally = counts[row.user_id]
        tally[0] += 1
        tally[1] += word_count(row.text)
        tally[2] += int(row.late)
    result = [Participation(uid, names[uid], *tally) for uid, tally in counts.items()]
    result.sort(key=lambda p: (-p.responses, -p.words, p.display_name.lower()))
    return result


def parse_since(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """Read ``!participation`` 's ``since`` (``2024-03-01``, ``3 weeks ago``, ``last monday``)."""
    import dateparser  # slow to import; only this command needs it

    base = now.astimezone(tz).replace(tzinfo=None)
    parsed = dateparser.parse(
        text,
        settings={
            "TIMEZONE": tz.key,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": base,
        },
    )
    if parsed is None:
        raise BadArgument(
            f"I could not read “{text[:80]}” as a date; try `2024-03-01`, "
            "`3 weeks ago` or `last monday`."
        )
    if parsed > now:
        raise BadArgument("That date is in the future; participation can only look back.")
    return parsed


def escape_cell(value: object) -> object:
    """Stop a spreadsheet from running a cell as a formula (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _time(when: datetime | None) -> str:
    return to_db(when) if when is not None else ""


def to_csv(rows: Sequence[ResponseRow]) -> bytes:
    """Responses as CSV (UTF-8 with BOM so spreadsheets read the accents)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                escape_cell(value)
                for value in (
                    r.post_id,
                    r.question,
                    str(r.user_id),
                    r.display_name,
                    r.text,
                    r.source,
                    _time(r.created_at),
                    _time(r.edited_at),
                    _time(r.deleted_at),
                    "yes" if r.late else "no",
                    r.id,
                )
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def response_dict(r: ResponseRow, history: Sequence[HistoryRow]) -> dict[str, Any]:
    """One response as exported: ids as strings, UTC times, with its edit history."""
    return {
        "response_id": r.id,
        "prompt_id": r.post_id,
        "question": r.question,
        "server_id": str(r.guild_id) if r.guild_id is not None else None,
        "channel_id": str(r.channel_id) if r.channel_id is not None else None,
        "student_id": str(r.user_id),
        "display_name": r.display_name,
        "message_id": str(r.message_id) if r.message_id is not None else None,
        "text": r.text,
        "source": r.source,
        "created_at": _time(r.created_at),
        "edited_at": _time(r.edited_at) or None,
        "deleted_at": _time(r.deleted_at) or None,
        "late": r.late,
        "history": [
            {"kind": h.kind, "previous_text": h.previous_text, "changed_at": _time(h.changed_at)}
            for h in history
        ],
    }


def to_json(rows: Sequence[ResponseRow], history: dict[int, list[HistoryRow]]) -> bytes:
    """Responses as a JSON list (ids as strings: snowflakes overflow JavaScript numbers)."""
    payload = [response_dict(r, history.get(r.id, [])) for r in rows]
    return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
