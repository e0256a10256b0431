"""Across every cog: each core command is reachable in Discord, and instructor commands are
refused to students everywhere — in a server and in a DM — without touching the database.

The list of instructor commands comes from the core registry, so a command added later is
covered without editing this file.
"""

from __future__ import annotations

from types import SimpleNamespace

from discord.ext import commands

from bot.core.errors import NotInstructor
from bot.core.registry import REGISTRY
from bot.features import load_commands
from tests.helpers.dpytest import member, say, sent_messages
from tests.helpers.paths import REPO

# Arguments that would make each instructor command do something if the caller were allowed.
SAMPLE_ARGS = {
    "prompt post": "What do NGOs give up?",
    "prompt schedule": "+1h What do NGOs give up?",
    "prompt cancel": "1",
    "prompt close": "1",
    "prompt keep": "some-reading-co-optation-auto",
    "responses": "1",
    "participation": "last week",
    "readings remove": "serving the people",
    "readings add": "10.1177/0097700420938146",
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


def declared_in_source() -> int:
    """How many ``@command(`` declarations the feature packages hold, read from the files."""
    return sum(
        path.read_text(encoding="utf-8").count("\n@command(")
        for path in (REPO / "bot" / "features").rglob("*.py")
    )


async def test_every_core_command_is_a_discord_command(dpy_bot):
    load_commands()  # the guard must not pass on an empty registry when run alone
    assert len(REGISTRY) == declared_in_source() >= 18
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


async def test_slash_commands_are_valid_for_discord(dpy_bot):
    payloads = [c.to_dict(dpy_bot.tree) for c in dpy_bot.tree.get_commands()]
    names = [p["name"] for p in payloads]
    assert len(names) == len(set(names))
    assert {"readings", "summary", "cite", "themes", "prompt", "respond"} <= set(names)

    def check(options):
        for option in options:
            assert 1 <= len(option["description"]) <= 100, option
            check(option.get("options", []))

    for payload in payloads:
        assert 1 <= len(payload["description"]) <= 100, payload["name"]
        check(payload.get("options", []))


class FakeInteraction:
    """What an autocomplete callback reads: the client."""

    def __init__(self, client):
        self.client = client


async def test_autocomplete_offers_readings_styles_concepts_and_bank_ids(dpy_bot):
    from cogs._common import reading_autocomplete, reading_or_concept_autocomplete
    from cogs.citations import style_autocomplete
    from cogs.prompts import bank_autocomplete

    interaction = FakeInteraction(dpy_bot)
    cases = [
        (reading_autocomplete, "serving peple", "kan-ku-2021-serving-the-people"),
        (style_autocomplete, "ml", "mla"),
        (reading_or_concept_autocomplete, "co-opt", "co-optation"),
        (bank_autocomplete, "autonomy", "kan-ku-autonomy-1"),
    ]
    for callback, typed, expected in cases:
        choices = await callback(interaction, typed)
        assert expected in [c.value for c in choices], (callback.__name__, typed)
        assert len(choices) <= 25
        assert all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
    everything = await bank_autocomplete(interaction, "")
    assert len(everything) == 16  # every hand-written prompt of the seed reading


async def test_no_command_echoes_a_ping(dpy_bot):
    """Every command, given @everyone/@here/a role mention, by a student and an instructor."""
    guild = dpy_bot.guilds[0]
    role = next(r for r in guild.roles if r.name == "Instructor")
    pings = f"@everyone @here <@&{role.id}>"
    await say(dpy_bot, f"!prompt post {pings} what do you think?", "teacher")
    sent_messages()
    lines = [f"!{path} {pings}" for path in REGISTRY]
    lines += [
        f"!cite mla {pings}",
        f"!themes compare {pings} kan",
        f'!prompt schedule "{pings}" question',
        f"!prompt schedule +1h {pings} question?",
        f"!summary kan {pings}",
    ]
    for who in ("student", "teacher"):
        for line in lines:
            await say(dpy_bot, line, who)
            for message in sent_messages():
                shown = message.content + "".join(str(e.to_dict()) for e in message.embeds)
                assert "@everyone" not in shown and "@here" not in shown, line
                assert f"<@&{role.id}>" not in shown, line
                assert not message.mention_everyone and message.role_mentions == [], line


class FakeSlashContext:
    """Just what send_reply reads of a slash command's context, recording what it sends."""

    def __init__(self):
        self.interaction = object()
        self.guild = object()
        self.bot = SimpleNamespace(settings=SimpleNamespace(command_prefix="!"))
        self.sent: list[dict] = []

    async def send(self, **kwargs):
        self.sent.append(kwargs)


async def test_slash_errors_and_private_replies_are_ephemeral_others_public():
    from bot.core.replies import Reply, error_reply
    from cogs._common import send_reply

    for reply, ephemeral in (
        (error_reply("No reading matches “x”."), True),
        (Reply(title="Your data", body="…", private=True), True),
        (Reply(title="Course readings", body="…"), False),
    ):
        ctx = FakeSlashContext()
        await send_reply(ctx, reply)
        assert [k["ephemeral"] for k in ctx.sent] == [ephemeral], reply.title


class FakeResponse:
    def __init__(self):
        self.done = False

    def is_done(self):
        return self.done


class FakeInteractionContext(FakeSlashContext):
    """A slash context whose interaction can be deferred; records the deferral."""

    def __init__(self, bot):
        super().__init__()
        self.bot = bot
        self.interaction = type("I", (), {"response": FakeResponse()})()
        self.author = type("A", (), {"id": 1, "name": "s", "display_name": "s", "roles": []})()
        self.channel = None
        self.message = None
        self.guild = None
        self.deferred: list[bool] = []

    async def defer(self, *, ephemeral=False):
        self.deferred.append(ephemeral)
        self.interaction.response.done = True


async def test_slow_slash_commands_are_deferred_before_discord_gives_up(dpy_bot, monkeypatch):
    import asyncio

    import cogs._common as common
    from bot.core.replies import Reply

    async def slow_dispatch(services, actor, path, args=""):
        await asyncio.sleep(0.05)
        return Reply(title=f"done {path}")

    monkeypatch.setattr(common, "DEFER_AFTER_S", 0.01)
    monkeypatch.setattr(common, "dispatch", slow_dispatch)
    for path, private in (("readings", False), ("mydata", True)):
        ctx = FakeInteractionContext(dpy_bot)
        await common.run(ctx, path)
        assert ctx.deferred == [private]
        assert [k["embed"].title for k in ctx.sent] == [f"done {path}"]
    monkeypatch.setattr(common, "DEFER_AFTER_S", 1.0)  # a quick answer needs no deferral
    ctx = FakeInteractionContext(dpy_bot)
    await common.run(ctx, "readings")
    assert ctx.deferred == []


async def test_student_is_refused_before_arguments_are_read(dpy_bot):
    """A malformed instructor command by a student gets the refusal, not a usage hint."""
    instructor_paths = [p for p, spec in REGISTRY.items() if spec.instructor]
    for path in instructor_paths:
        for line in (f"!{path}", f"!{path} not-a-number --every fortnight"):
            error = await say(dpy_bot, line, "student")
            assert isinstance(error, NotInstructor | commands.CheckFailure), line
            sent_messages()


async def test_discord_help_lists_instructor_commands_to_instructors_only(dpy_bot):
    await say(dpy_bot, "!help", "student")
    student = "\n".join(e.description or "" for m in sent_messages() for e in m.embeds)
    await say(dpy_bot, "!help", "teacher")
    teacher = "\n".join(e.description or "" for m in sent_messages() for e in m.embeds)
    assert "!cite" in student and "!cite" in teacher
    assert "!prompt schedule" not in student and "!prompt schedule" in teacher
    assert "!sync" not in student and "!sync" in teacher


async def test_discord_help_of_an_unknown_topic_names_the_nearest_commands(dpy_bot):
    await say(dpy_bot, "!help sumary", "student")
    (message,) = sent_messages()
    text = message.embeds[0].description
    assert "There is no command `!sumary`. Did you mean `!help summary`?" in text
    assert "!respond" not in text  # not the whole list
    await say(dpy_bot, "!help readings remov", "teacher")
    (message,) = sent_messages()
    assert "Did you mean `!help readings remove`?" in message.embeds[0].description
    # a student is not pointed at instructor commands
    await say(dpy_bot, "!help prompt shedule", "student")
    (message,) = sent_messages()
    assert "schedule" not in message.embeds[0].description.split("Did you mean")[-1]
    await say(dpy_bot, "!help readings remove", "teacher")
    (message,) = sent_messages()
    assert message.embeds[0].title == "!readings remove <reading>"
    await say(dpy_bot, "!help snyc", "teacher")
    (message,) = sent_messages()
    assert "`!help sync`" in message.embeds[0].description
