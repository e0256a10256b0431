"""Responses and privacy end to end through discord.py (dpytest)."""

from __future__ import annotations

import csv
import io
import json

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend, factories

from bot.core.charts import bar_chart_png
from bot.core.errors import BadArgument, NotInstructor
from tests.helpers.dpytest import (
    attachment_bytes,
    channel,
    embed_text,
    member,
    say,
    sent_messages,
    thread_data,
)
from tests.helpers.responses import add_post, rows_mentioning

LOGGED = "\N{WHITE HEAVY CHECK MARK}"
PINGS = "@everyone @here <@&{role}> <@{user}>"


def make_thread(bot, parent: discord.TextChannel, name: str = "Prompt") -> discord.Thread:
    """A public thread under ``parent`` (dpytest has no thread support of its own)."""
    guild = parent.guild
    data = thread_data(guild, parent.id, bot.user.id, name, factories.make_id())
    thread = discord.Thread(guild=guild, state=backend.get_state(), data=data)
    guild._add_thread(thread)
    return thread


async def reply_to(target: discord.Message, content: str, who: discord.Member) -> discord.Message:
    """``who`` replies to ``target`` (dpytest cannot send replies itself)."""
    data = factories.make_message_dict(
        target.channel, who, content=content, guild_id=target.guild.id
    )
    data["type"] = 19
    data["message_reference"] = {
        "message_id": target.id,
        "channel_id": target.channel.id,
        "guild_id": target.guild.id,
    }
    state = backend.get_state()
    state.parse_message_create(data)
    backend._cur_config.messages.setdefault(target.channel.id, []).append(data)
    await dpytest.run_all_events()
    return state._get_message(data["id"])


async def user_edits(message: discord.Message, content: str) -> None:
    """The author edits ``message`` (a gateway MESSAGE_UPDATE)."""
    data = factories.make_message_dict(
        message.channel,
        message.author,
        id_num=message.id,
        content=content,
        guild_id=message.guild.id,
    )
    data["member"] = factories.dict_from_member(message.author)
    data["edited_timestamp"] = discord.utils.utcnow().isoformat()
    backend.get_state().parse_message_update(data)
    await dpytest.run_all_events()


async def db_rows(bot, sql: str, params=()):
    return [tuple(r) for r in await bot.services.db.fetchall(sql, params)]


@pytest.fixture
async def post(dpy_bot):
    """A posted prompt in the first channel, with a thread, as the scheduler records it."""
    chan = channel(dpy_bot)
    prompt_message = await chan.send("Discussion prompt: how does co-optation work?")
    thread = make_thread(dpy_bot, chan)
    post_id = await add_post(
        dpy_bot.services.db,
        guild_id=chan.guild.id,
        channel_id=chan.id,
        message_id=prompt_message.id,
        thread_id=thread.id,
    )
    sent_messages()  # drop the prompt itself from the queue
    return {"id": post_id, "message": prompt_message, "thread": thread}


async def test_message_in_thread_is_logged_with_a_reaction(dpy_bot, post):
    student = member(dpy_bot, "student")
    msg = await dpytest.message(
        "Co-optation absorbs dissent.", channel=post["thread"], member=student
    )

    assert [str(r.emoji) for r in msg.reactions] == [LOGGED]
    assert await db_rows(dpy_bot, "SELECT post_id, user_id, text, source FROM responses") == [
        (post["id"], student.id, "Co-optation absorbs dissent.", "thread")
    ]
    assert sent_messages() == []  # a reaction, not a reply: the thread stays readable


async def test_reply_to_the_prompt_is_logged_and_other_replies_are_not(dpy_bot, post):
    student = member(dpy_bot, "student")
    answer = await reply_to(post["message"], "By reply: it is a trade.", student)
    chatter = await dpytest.message("unrelated", member=student)
    other = await reply_to(chatter, "replying to chatter", student)

    assert [str(r.emoji) for r in answer.reactions] == [LOGGED]
    assert other.reactions == []
    assert await db_rows(dpy_bot, "SELECT text, source FROM responses") == [
        ("By reply: it is a trade.", "reply")
    ]


async def test_respond_command_logs_and_confirms(dpy_bot, post):
    assert await say(dpy_bot, "!respond The state borrows legitimacy.") is None
    (confirmation,) = sent_messages()
    text = embed_text(confirmation.embeds[0])
    assert f"prompt #{post['id']}" in text
    assert "The state borrows legitimacy." in text
    assert await db_rows(dpy_bot, "SELECT text, source FROM responses") == [
        ("The state borrows legitimacy.", "command")
    ]

    assert await say(dpy_bot, f"!respond {post['id']} With an explicit id.") is None
    sent_messages()
    assert len(await db_rows(dpy_bot, "SELECT id FROM responses")) == 2


async def test_respond_without_an_open_prompt_explains(dpy_bot):
    error = await say(dpy_bot, "!respond hello?")
    assert "No prompt is open in this channel" in error.message
    assert await db_rows(dpy_bot, "SELECT id FROM responses") == []


async def test_commands_in_a_thread_are_not_logged_twice(dpy_bot, post):
    await say(dpy_bot, "!respond In the thread, by command.", where=post["thread"])
    sent_messages()
    assert await db_rows(dpy_bot, "SELECT source FROM responses") == [("command",)]


async def test_edit_and_delete_keep_the_history(dpy_bot, post):
    student = member(dpy_bot, "student")
    msg = await dpytest.message("First version.", channel=post["thread"], member=student)
    await user_edits(msg, "Second version.")
    backend.delete_message(msg)
    await dpytest.run_all_events()

    assert await db_rows(dpy_bot, "SELECT text, deleted_at IS NOT NULL FROM responses") == [
        ("Second version.", 1)
    ]
    assert await db_rows(
        dpy_bot, "SELECT kind, previous_text FROM response_history ORDER BY id"
    ) == [("edit", "First version."), ("delete", "Second version.")]


async def test_instructor_gets_counts_and_csv(dpy_bot, post):
    student = member(dpy_bot, "student")
    await dpytest.message("=cmd|' /C calc'!A0", channel=post["thread"], member=student)
    await dpytest.message("A second thought.", channel=post["thread"], member=student)

    assert await say(dpy_bot, "!responses", who="teacher") is None
    (message,) = sent_messages()
    assert "2 responses from 1 student" in embed_text(message.embeds[0])
    (attachment,) = message.attachments
    assert attachment.filename == "responses.csv"
    table = list(csv.DictReader(io.StringIO(attachment_bytes(attachment).decode("utf-8-sig"))))
    assert [(r["text"], r["source"], r["student_id"]) for r in table] == [
        ("'=cmd|' /C calc'!A0", "thread", str(student.id)),
        ("A second thought.", "thread", str(student.id)),
    ]


async def test_participation_for_instructors_with_a_chart(dpy_bot, post):
    student = member(dpy_bot, "student")
    await dpytest.message("one two three", channel=post["thread"], member=student)

    assert await say(dpy_bot, "!participation", who="teacher") is None
    (message,) = sent_messages()
    text = embed_text(message.embeds[0])
    assert "1. student\\_0\\_nick — 1 response, 3 words" in text
    assert [a.filename for a in message.attachments] == ["participation.png"]
    # drawn in the worker process: the very chart the bot's own process would draw
    (chart,) = message.attachments
    assert attachment_bytes(chart) == bar_chart_png(
        ["student_0_nick"], [1], "Responses per student"
    )


async def test_participation_since_a_date_is_read_in_the_worker(dpy_bot, post):
    student = member(dpy_bot, "student")
    await dpytest.message("one two three", channel=post["thread"], member=student)
    tz = dpy_bot.services.settings.tz
    today = dpy_bot.services.clock.now().astimezone(tz)

    assert await say(dpy_bot, f"!participation {today:%Y-%m-%d}", who="teacher") is None
    (message,) = sent_messages()
    assert message.embeds[0].title == f"Participation since {today:%d %b %Y} 00:00: 1 student"

    err = await say(dpy_bot, "!participation the day the music died", who="teacher")
    assert isinstance(err, BadArgument) and "could not read “the day the music died”" in err.message
    (refusal,) = sent_messages()  # the error handler's answer, raised in the worker
    assert "could not read" in embed_text(refusal.embeds[0])


@pytest.mark.parametrize(
    "command", ["!responses", "!participation", "!responses 1", "!participation last week"]
)
async def test_student_is_refused_and_sees_nothing(dpy_bot, post, command):
    student = member(dpy_bot, "student")
    await dpytest.message("My private answer.", channel=post["thread"], member=student)
    before = await db_rows(dpy_bot, "SELECT * FROM responses")

    error = await say(dpy_bot, command)
    assert isinstance(error, NotInstructor)
    for message in sent_messages():
        assert "My private answer." not in embed_text(message.embeds[0])
        assert message.attachments == []
    assert await db_rows(dpy_bot, "SELECT * FROM responses") == before


@pytest.mark.parametrize("command", ["!responses", "!participation"])
async def test_instructor_commands_from_a_dm_are_refused(dpy_bot, post, command):
    for who in ("student", "teacher"):
        dm = await member(dpy_bot, who).create_dm()
        error = await say(dpy_bot, command, who=who, where=dm)
        assert isinstance(error, NotInstructor)
        for message in sent_messages():
            assert message.attachments == []


async def test_echoed_text_never_pings(dpy_bot, post):
    guild = post["message"].guild
    role = discord.utils.get(guild.roles, name="Instructor")
    student = member(dpy_bot, "student")
    pings = PINGS.format(role=role.id, user=member(dpy_bot, "teacher").id)
    backend.update_member(student, nick="@everyone")

    await say(dpy_bot, f"!respond {pings}")
    await say(dpy_bot, f"!responses {pings}", who="teacher")
    await say(dpy_bot, "!participation", who="teacher")
    await say(dpy_bot, f"!participation {pings}", who="teacher")
    await say(dpy_bot, f"!mydata {pings}")
    messages = sent_messages()
    assert len(messages) >= 5
    for message in messages:
        text = message.content + "".join(embed_text(e) for e in message.embeds)
        assert "@everyone" not in text and "@here" not in text
        assert f"<@&{role.id}>" not in text
        assert not message.mention_everyone and message.role_mentions == []
    # The log keeps exactly what the student wrote.
    assert await db_rows(dpy_bot, "SELECT text FROM responses") == [(pings,)]


async def test_optout_stops_logging_and_optin_resumes(dpy_bot, post):
    student = member(dpy_bot, "student")
    await say(dpy_bot, "!optout")
    sent_messages()
    skipped = await dpytest.message("not for the record", channel=post["thread"], member=student)
    await say(dpy_bot, "!optin")
    sent_messages()
    kept = await dpytest.message("for the record", channel=post["thread"], member=student)

    assert skipped.reactions == [] and [str(r.emoji) for r in kept.reactions] == [LOGGED]
    assert await db_rows(dpy_bot, "SELECT text FROM responses") == [("for the record",)]


async def test_mydata_is_sent_by_dm_with_only_ones_own_answers(dpy_bot, post):
    student, teacher = member(dpy_bot, "student"), member(dpy_bot, "teacher")
    await dpytest.message("mine", channel=post["thread"], member=student)
    await dpytest.message("not mine", channel=post["thread"], member=teacher)

    await say(dpy_bot, "!mydata")
    messages = sent_messages()
    dms = [m for m in messages if isinstance(m.channel, discord.DMChannel)]
    assert len(dms) == 1 and dms[0].channel.id == student.dm_channel.id
    assert [a.filename for a in dms[0].attachments] == ["my-responses.json"]
    in_channel = [m for m in messages if m not in dms]
    assert all(m.attachments == [] for m in in_channel)
    data = json.loads(await dpy_bot.services.personal.my_data(student.id))
    assert [r["text"] for r in data["responses"]] == ["mine"]


async def test_forgetme_asks_first_then_leaves_no_row(dpy_bot, post):
    student = member(dpy_bot, "student")
    msg = await dpytest.message(
        "Erase me, please: zebra-17.", channel=post["thread"], member=student
    )
    await user_edits(msg, "Erase me, edited: zebra-18.")
    await say(dpy_bot, "!optout")
    await say(dpy_bot, "!forgetme")
    assert "!forgetme confirm" in "".join(embed_text(e) for m in sent_messages() for e in m.embeds)
    assert len(await db_rows(dpy_bot, "SELECT id FROM responses")) == 1

    await say(dpy_bot, "!forgetme confirm")
    sent_messages()
    path = dpy_bot.services.settings.database_path
    assert rows_mentioning(path, [student.id, "zebra-17", "zebra-18"]) == []
    for suffix in ("", "-wal"):
        file = path.with_name(path.name + suffix)
        if file.exists():
            assert b"zebra-1" not in file.read_bytes()


async def test_catch_up_logs_what_was_written_while_offline(dpy_bot, post):
    student = member(dpy_bot, "student")
    thread = post["thread"]
    await dpytest.message("live before the restart", channel=thread, member=student)
    # Written while the bot was offline: in the channel's history, but no event was seen.
    offline = []
    for text in ("offline one", "offline two", "!respond offline command"):
        data = factories.make_message_dict(thread, student, content=text, guild_id=thread.guild.id)
        backend._cur_config.messages[thread.id].append(data)
        offline.append(data)
    cog = dpy_bot.get_cog("Responses")

    targets = await dpy_bot.services.responses.catch_up_targets()
    assert await cog.catch_up(targets) == 2
    assert await cog.catch_up(targets) == 0  # a second pass finds nothing new
    assert await db_rows(dpy_bot, "SELECT text FROM responses ORDER BY message_id") == [
        ("live before the restart",),
        ("offline one",),
        ("offline two",),
    ]


async def test_catch_up_follows_edits_and_deletions_made_while_offline(dpy_bot, post):
    student = member(dpy_bot, "student")
    thread = post["thread"]
    for text in ("first answer", "second answer", "third answer"):
        await dpytest.message(text, channel=thread, member=student)
    sent_messages()
    stored = backend._cur_config.messages[thread.id]
    first, second, _third = (m for m in stored if int(m["author"]["id"]) == student.id)
    # While the bot was offline: the first answer was edited, the second deleted.
    first["content"] = "first answer, edited offline"
    first["edited_timestamp"] = discord.utils.utcnow().isoformat()
    stored.remove(second)

    cog = dpy_bot.get_cog("Responses")
    targets = await dpy_bot.services.responses.catch_up_targets()
    assert await cog.catch_up(targets) == 0  # nothing new
    rows = await db_rows(
        dpy_bot, "SELECT text, deleted_at IS NOT NULL FROM responses ORDER BY message_id"
    )
    assert rows == [
        ("first answer, edited offline", 0),
        ("second answer", 1),  # kept for the instructor, flagged deleted
        ("third answer", 0),
    ]
    history = await db_rows(dpy_bot, "SELECT * FROM response_history")
    assert any("first answer" in map(str, row) for row in history)
    assert await cog.catch_up(targets) == 0
    assert await db_rows(dpy_bot, "SELECT COUNT(*) FROM response_history") == [(len(history),)]
