"""A student's own data: opt-outs, the ``!mydata`` export and ``!forgetme`` erasure."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.times import to_db
from bot.features.responses.reports import ResponseReports, response_dict, to_csv
from bot.features.responses.store import EVERY_GUILD

if TYPE_CHECKING:
    from bot.features.responses.log import ResponseLog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Forgotten:
    """How many rows ``forget`` deleted."""

    responses: int
    history: int
    optouts: int


class PersonalData:
    """Opt-outs, and everything stored about one student: to take away or to erase."""

    def __init__(self, response_log: ResponseLog) -> None:
        self.db = response_log.db
        self.clock = response_log.clock
        self.repo = response_log.repo
        self.response_log = response_log
        self.reports = ResponseReports(response_log)

    async def flush(self) -> None:
        """Wait for queued writes (an erasure must include them)."""
        await self.response_log.flush()

    async def optout(self, user_id: int, guild_id: int | None) -> None:
        """Stop logging this student here (everywhere when typed in a DM or the console)."""
        async with self.db.write() as conn:
            await self.repo.add_optout(
                conn, EVERY_GUILD if guild_id is None else guild_id, user_id, self.clock.now()
            )

    async def optin(self, user_id: int, guild_id: int | None) -> int:
        """Resume logging here (everywhere from a DM); returns how many opt-outs were lifted."""
        async with self.db.write() as conn:
            return await self.repo.remove_optouts(conn, guild_id, user_id)

    async def is_opted_out(self, user_id: int, guild_id: int | None) -> bool:
        """Whether messages of this student in ``guild_id`` are skipped."""
        rows = await self.repo.optouts_of(user_id)
        return any(g in (EVERY_GUILD, guild_id) for g, _ in rows)

    async def my_data(self, user_id: int, fmt: str = "json") -> bytes:
        """Everything stored about one student: responses, their history, opt-outs."""
        rows = await self.reports.rows(user_id=user_id)
        if fmt == "csv":
            return to_csv(rows)
        history = await self.repo.history([r.id for r in rows])
        optouts = await self.repo.optouts_of(user_id)
        document = {
            "student_id": str(user_id),
            "generated_at": to_db(self.clock.now()),
            "responses": [response_dict(r, history.get(r.id, [])) for r in rows],
            "optouts": [
                {
                    "server_id": str(g) if g != EVERY_GUILD else "every server",
                    "since": to_db(since),
                }
                for g, since in optouts
            ],
        }
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    async def forget(self, user_id: int) -> Forgotten:
        """Delete every row about this student; overwrite the freed pages so it is really gone.

        ``secure_delete`` zeroes the freed database pages and the WAL is checkpointed and
        truncated afterwards, so the text does not linger in the files either.
        """
        await self.flush()
        async with self.db.write() as conn:
            await conn.execute("PRAGMA secure_delete = ON")
            counts = Forgotten(*await self.repo.forget_user(conn, user_id))
        try:
            await self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:  # a busy reader only delays the checkpoint; the rows are gone
            log.warning("checkpoint after forget was incomplete", exc_info=True)
        return counts
