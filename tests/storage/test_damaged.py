"""A database damaged while the bot runs: a short answer, one notice, the rest keeps working."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.registry import Actor, dispatch
from bot.features.responses.log import Incoming
from bot.storage.db import DatabaseDamaged
from tests.helpers.prompt_fakes import TEACHER, FakePoster, World
from tests.helpers.responses import add_post

STUDENT = Actor(user_id=41, name="ana", guild_id=TEACHER.guild_id, channel_id=TEACHER.channel_id)


async def damage_table(db, table):
    """Overwrite a table's pages in the file, as a failing disk would, and drop the cache."""
    await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = (await db.fetchone("PRAGMA page_size"))[0]
    root = (await db.fetchone("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)))[0]
    with open(db.path, "r+b") as fh:
        fh.seek((root - 1) * page)
        fh.write(b"\xa5" * page)
    await db.conn.execute("PRAGMA shrink_memory")


async def test_damage_found_later_is_reported_once_and_other_commands_still_answer(services):
    world = World()
    services.scheduler.attach(FakePoster(world))
    now = services.clock.now()
    post_id = await add_post(
        services.db, guild_id=TEACHER.guild_id, posted_at=now - timedelta(hours=1)
    )
    await services.responses.log_many(
        [
            Incoming(
                40 + i,
                f"S{i}",
                "An answer " * 30,
                "command",
                now,
                TEACHER.guild_id,
                post_id=post_id,
            )
            for i in range(200)
        ]
    )
    await damage_table(services.db, "responses")

    for _ in range(2):
        with pytest.raises(DatabaseDamaged) as err:
            await dispatch(services, TEACHER, "responses", "")
        assert "damaged" in err.value.message and "Something went wrong" not in err.value.message
    await asyncio.gather(*services._background)

    reading_list = await dispatch(services, STUDENT, "readings", "")
    assert reading_list.body  # what needs no stored data still answers
    notices = [reply for _, reply in world.notices if "damaged" in reply.title]
    assert len(notices) == 1
    assert str(services.db.path) in notices[0].body
    assert "seminar-bot db backup" in notices[0].body
