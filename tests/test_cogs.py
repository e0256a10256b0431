"""Across every cog: each core command is reachable in Discord, and instructor commands are
refused to students everywhere — in a server and in a DM — without touching the database.

The list of instructor commands comes from the core registry, so a command added later is
covered without editing this file.
"""

from __future__ import annotations

from discord.ext import commands

from bot.commands import REGISTRY
from bot.errors import NotInstructor
from tests.conftest import member, say, sent_messages

# Arguments that would make each instructor command do something if the caller were allowed.
SAMPLE_ARGS = {
    "prompt post": "What do NGOs give up?",
    "prompt schedule": "+1h What do NGOs give up?",
    "prompt cancel": "1",
    "prompt close": "1",
    "responses": "1",
    "participation": "last week",
}


async def every_row(bot) -> dict[str, list[tuple]]:
    db = bot.services.db
    tables = [
        r[0]
        for r in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t}")] for t in tables}


async def test_every_core_command_is_a_discord_command(dpy_bot):
    names = {c.qualified_name for c in dpy_bot.walk_commands()}
    missing = [path for path in REGISTRY if path not in names]
    assert missing == []
    hybrid = {
        c.qualified_name
        for c in dpy_bot.walk_commands()
        if isinstance(c, commands.HybridCommand | commands.HybridGroup)
    }
    assert set(REGISTRY) <= hybrid  # every one also a slash command


async def test_student_is_refused_every_instructor_command_in_server_and_dm(dpy_bot):
    await say(dpy_bot, "!prompt post Setting the scene?", "teacher")
    await say(dpy_bot, "!prompt schedule +2h A planned question?", "teacher")
    await say(dpy_bot, "!respond An answer only instructors may read.", "student")
    sent_messages()
    before = await every_row(dpy_bot)

    instructor_paths = [p for p, spec in REGISTRY.items() if spec.instructor]
    assert {"prompt post", "prompt schedule", "responses", "participation"} <= set(instructor_paths)
    dm = await member(dpy_bot, "student").create_dm()
    for where in (None, dm):
        for path in [*instructor_paths, "sync"]:
            line = f"!{path} {SAMPLE_ARGS.get(path, '')}".strip()
            error = await say(dpy_bot, line, "student", where=where)
            assert isinstance(error, NotInstructor | commands.CheckFailure), line
            for message in sent_messages():
                shown = message.content + "".join(str(e.to_dict()) for e in message.embeds)
                assert "only instructors may read" not in shown, line
                assert message.attachments == [], line
    assert await every_row(dpy_bot) == before
