"""``!prompt …`` end to end through discord.py (dpytest): instructors, students, mentions."""

from __future__ import annotations

import discord
import discord.ext.test as dpytest

from bot.core.errors import NotInstructor
from tests.helpers.dpytest import channel, embed_text, member, say, sent_messages

PLAN_TABLES = ("plans", "occurrences", "posts")


async def rows(bot) -> dict[str, list[tuple]]:
    db = bot.services.db
    return {
        t: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {t} ORDER BY id")]
        for t in PLAN_TABLES
    }


def texts(messages: list[discord.Message]) -> list[str]:
    return [m.content + "\n" + "\n".join(embed_text(e) for e in m.embeds) for m in messages]


async def test_instructor_schedules_lists_and_cancels(dpy_bot):
    here = channel(dpy_bot)
    error = await say(
        dpy_bot, "!prompt schedule +1h --every day --count 3 What does co-optation cost?", "teacher"
    )
    assert error is None
    (reply,) = texts(sent_messages())
    assert "Scheduled plan 1" in reply
    assert f"<#{here.id}>" in reply
    assert reply.count("<t:") >= 3  # first time and the next times, as Discord timestamps
    assert "3 prompts" in reply

    await say(dpy_bot, "!prompt list", "teacher")
    (listing,) = texts(sent_messages())
    assert "Plan 1" in listing and "What does co-optation cost?" in listing

    await say(dpy_bot, "!prompt cancel 1 next", "teacher")
    (skipped,) = texts(sent_messages())
    assert "Skipped 1 prompt of plan 1" in skipped and "next one is <t:" in skipped

    await say(dpy_bot, "!prompt cancel 1", "teacher")
    (cancelled,) = texts(sent_messages())
    assert "Cancelled plan 1" in cancelled
    plan = await dpy_bot.services.scheduler.store.plan(1)
    assert plan.status == "cancelled"
    assert await dpy_bot.services.scheduler.store.pending_of(1) is None


async def test_post_now_sends_an_embed_with_nonce_and_no_pings(dpy_bot):
    guild = dpy_bot.guilds[0]
    role = dpytest.backend.make_role("Students", guild)
    text = f"@everyone @here <@&{role.id}> who is served by serving the people?"
    await say(dpy_bot, f"!prompt post {text}", "teacher")
    messages = sent_messages()
    prompt = next(m for m in messages if m.embeds and "Discussion prompt" in m.embeds[0].title)
    shown = embed_text(prompt.embeds[0])
    assert "who is served by serving the people?" in shown
    assert "@everyone" not in shown and "@here" not in shown and f"<@&{role.id}>" not in shown
    assert not prompt.mention_everyone and not prompt.role_mentions
    assert str(prompt.nonce).startswith("seminar-occ-")
    assert "Prompt #1" in prompt.embeds[0].footer.text
    confirmation = texts(messages)[-1]
    assert "Posted prompt 1" in confirmation
    post = await dpy_bot.services.scheduler.store.post(1)
    assert post.message_id == prompt.id

    # the echo in a schedule reply and in the listing is defused too
    await say(dpy_bot, f"!prompt schedule +2h {text}", "teacher")
    await say(dpy_bot, "!prompt list", "teacher")
    for shown in texts(sent_messages()):
        assert "@everyone" not in shown and "@here" not in shown
        assert f"<@&{role.id}>" not in shown


async def test_closing_a_prompt(dpy_bot):
    await say(dpy_bot, "!prompt post What would you ask the authors?", "teacher")
    sent_messages()
    await say(dpy_bot, "!prompt close 1", "teacher")
    (reply,) = texts(sent_messages())
    assert "Closed prompt 1" in reply
    post = await dpy_bot.services.scheduler.store.post(1)
    assert post.closed_at is not None
    err = await say(dpy_bot, "!prompt close 99", "teacher")
    assert err is not None and "no posted prompt 99" in err.message


async def test_bad_channel_and_bad_time_store_nothing(dpy_bot):
    here = channel(dpy_bot)
    before = await rows(dpy_bot)
    guild = dpy_bot.guilds[0]
    await dpytest.set_permission_overrides(guild.default_role, here, send_messages=False)
    assert not here.permissions_for(guild.me).send_messages
    err = await say(dpy_bot, "!prompt schedule +1h A question nobody will see?", "teacher")
    assert err is not None and "may not post" in err.message
    for args in (
        '"the twelfth of never" Text here',
        "2020-01-01T10:00 Text here",
        "+1h nosuch-bank-id",
    ):
        err = await say(dpy_bot, f"!prompt schedule {args}", "teacher")
        assert err is not None
    sent_messages()
    assert await rows(dpy_bot) == before


async def test_student_is_refused_every_instructor_command_also_in_dm(dpy_bot):
    await say(dpy_bot, "!prompt post An open question for everyone to answer?", "teacher")
    await say(
        dpy_bot, "!prompt schedule +1h --every day --count 2 A later question here?", "teacher"
    )
    sent_messages()
    before = await rows(dpy_bot)
    commands = [
        "!prompt post Student question?",
        "!prompt schedule +1h Student question?",
        "!prompt list",
        "!prompt cancel 2",
        "!prompt close 1",
        "!prompt",
    ]
    student = member(dpy_bot, "student")
    dm = await student.create_dm()
    for where in (None, dm):
        for line in commands:
            err = await say(dpy_bot, line, "student", where=where)
            assert isinstance(err, NotInstructor), line
    for shown in texts(sent_messages()):
        assert "A later question" not in shown and "An open question" not in shown
    assert await rows(dpy_bot) == before
    # and an instructor in a DM is refused too (server-only)
    err = await say(
        dpy_bot, "!prompt list", "teacher", where=await member(dpy_bot, "teacher").create_dm()
    )
    assert isinstance(err, NotInstructor)


async def test_a_thread_opens_where_allowed_and_the_prompt_stands_without_one(dpy_bot, monkeypatch):
    from types import SimpleNamespace

    from bot.features.prompts.posting import PostRequest
    from cogs.prompts import DiscordPoster

    here = channel(dpy_bot)
    message = await here.send("Discussion prompt")
    sent_messages()
    request = PostRequest(
        post_id=7,
        occurrence_id=1,
        guild_id=here.guild.id,
        channel_id=here.id,
        question="Who gains from co-optation?",
    )
    poster = DiscordPoster(dpy_bot)
    allowed = discord.Permissions(create_public_threads=True)
    monkeypatch.setattr(discord.TextChannel, "permissions_for", lambda self, who: allowed)
    opened = []

    async def create_thread(self, *, name, auto_archive_duration):
        opened.append((name, auto_archive_duration))
        return SimpleNamespace(id=4242)

    monkeypatch.setattr(discord.Message, "create_thread", create_thread)
    assert await poster._open_thread(here, message, request) == 4242
    assert opened and opened[0][0] == request.thread_name

    async def refused(self, **kwargs):
        raise discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"), "no")

    monkeypatch.setattr(discord.Message, "create_thread", refused)
    assert await poster._open_thread(here, message, request) is None

    monkeypatch.setattr(
        discord.TextChannel, "permissions_for", lambda self, who: discord.Permissions.none()
    )
    monkeypatch.setattr(discord.Message, "create_thread", create_thread)
    assert await poster._open_thread(here, message, request) is None
    assert len(opened) == 1  # no permission: not even tried
