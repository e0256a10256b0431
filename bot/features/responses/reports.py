"""Reports over the response log: counts per prompt, participation, CSV and JSON exports.

Every report first flushes the log's write queue, so it sees each response acknowledged
before it was asked for. CSV cells are defused against spreadsheet formulas (OWASP).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Sequence
from contextlib import aclosing
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.errors import BadArgument
from bot.core.times import to_db
from bot.features.responses.store import HistoryRow, Participation, PostCount, ResponseRow

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
CSV_CHUNK = 200  # rows read and written between two yields to the loop


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
        """The responses as CSV, safe to open in a spreadsheet (the bytes of :func:`to_csv`).

        Read and written ``CSV_CHUNK`` rows at a time, yielding to the loop between chunks:
        50,000 responses held as one list of objects made the garbage collector's full
        passes stall the loop 60-170 ms (``bench/bench_loop_lag.py``).
        """
        await self.flush()
        # one growing buffer: joining 28 MB of parts at the end took 15 ms in one go
        out = io.BytesIO()
        out.write(csv_header())
        chunks = self.repo.stream_responses(
            guild_id=guild_id, post_id=post_id, user_id=user_id, size=CSV_CHUNK
        )
        async with aclosing(chunks):  # an error here closes the statement at once
            async for rows in chunks:
                out.write(csv_rows(rows))
                await asyncio.sleep(0)
        return out.getvalue()

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
        """Per student: responses, words and late ones since ``since``, most active first.

        Ties: more words first, then the name (case-insensitive), then the first to answer.
        Counted in SQLite (:meth:`ResponseRepository.participation`), so only one row per
        student reaches Python.
        """
        await self.flush()
        result = await self.repo.participation(guild_id, since)
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


def csv_header() -> bytes:
    """The CSV's first bytes: the UTF-8 byte-order mark and the column names."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(CSV_COLUMNS)
    return out.getvalue().encode("utf-8-sig")


def csv_rows(rows: Sequence[ResponseRow]) -> bytes:
    """Responses as CSV lines in UTF-8 (no header), cells defused (:func:`escape_cell`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
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
    return out.getvalue().encode("utf-8")


def to_csv(rows: Sequence[ResponseRow]) -> bytes:
    """Responses as CSV (UTF-8 with BOM so spreadsheets read the accents), CRLF lines."""
    return csv_header() + csv_rows(rows)


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
