"""A real server's rules, end to end through dpytest: options, limits, permissions, intents.

Each test plays what an instructor or student would meet on Discord (issue 14): typed slash
options within Discord's limits, autocomplete values that always fit, posts that go where
they were meant or nowhere, the bot's missing permissions named, files within the upload
limit, and acknowledgements that do not flood a busy thread.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import zipfile
from types import SimpleNamespace

import discord
import discord.ext.test as dpytest

import cogs._common
from bot.app import create_bot
from bot.core.registry import REGISTRY
from bot.core.replies import Reply, ReplyFile
from bot.features import load_commands
from bot.features.readings.library import Library
from bot.features.readings.models import Reading
from cogs._common import PAYLOAD_MARGIN, expand_choice, fit_files
from tests.cogs.test_cogs import FakeInteraction
from tests.cogs.test_declarations import slash_payloads
from tests.cogs.test_responses_cog import make_thread
from tests.helpers.dpytest import attachment_bytes, channel, embed_text, member, say, sent_messages
from tests.helpers.responses import add_post

LOGGED = "\N{WHITE HEAVY CHECK MARK}"


def texts(messages: list[discord.Message]) -> list[str]:
    return [m.content + "".join(embed_text(e) for e in m.embeds) for m in messages]


# ----------------------------------------------------------------------------- slash options


async def test_slash_options_are_typed_and_within_discord_limits(dpy_bot):
    payloads = slash_payloads(dpy_bot)

    def options(path: str) -> dict[str, dict]:
        return {o["name"]: o for o in payloads[path].get("options", [])}

    for path, payload in payloads.items():
        for option in payload.get("options", []):
            assert len(option["name"]) <= 32 and 1 <= len(option["description"]) <= 100, path
            assert len(option.get("choices", [])) <= 25, (path, option["name"])
            for c in option.get("choices", []):
                assert len(c["name"]) <= 100 and len(str(c["value"])) <= 100, (path, c)
    threads_and_text = {
        discord.ChannelType.text.value,
        discord.ChannelType.public_thread.value,
        discord.ChannelType.private_thread.value,
    }
    for path in ("prompt post", "prompt schedule"):
        chan = options(path)["channel"]
        assert chan["type"] == discord.AppCommandOptionType.channel.value
        assert threads_and_text <= set(chan["channel_types"])
        assert discord.ChannelType.voice.value not in chan["channel_types"]
    schedule = options("prompt schedule")
    assert schedule["when"]["type"] == discord.AppCommandOptionType.string.value
    assert {"hour", "day", "week", "2 days"} <= {c["value"] for c in schedule["every"]["choices"]}
    assert schedule["count"]["type"] == discord.AppCommandOptionType.integer.value
    assert schedule["count"]["min_value"] == 1 and "until" in schedule
    for path, name in (("prompt close", "prompt_id"), ("prompt cancel", "plan_id")):
        option = options(path)[name]
        assert option["type"] == discord.AppCommandOptionType.integer.value
        assert option["min_value"] == 1 and option["required"]
    assert options("responses")["prompt_id"]["type"] == discord.AppCommandOptionType.integer.value
    assert options("cite")["style"]["autocomplete"] and options("cite")["reading"]["autocomplete"]


async def test_instructor_commands_and_the_prompt_group_are_hidden_from_students(dpy_bot):
    top = {c.name: c.to_dict(dpy_bot.tree) for c in dpy_bot.tree.get_commands()}
    manage_guild = str(discord.Permissions(manage_guild=True).value)
    load_commands()
    students_share = {  # top-level commands that also hold students' subcommands (/readings)
        path.split()[0]
        for path, spec in REGISTRY.items()
        if not spec.instructor and path.split()[0] != "prompt"
    }
    for path, spec in REGISTRY.items():
        name = path.split()[0]
        if name in students_share:
            continue  # Discord sets permissions per top-level command; the core refuses
        if spec.instructor or name == "prompt":
            assert int(top[name]["default_member_permissions"]) == int(manage_guild), name
            assert top[name]["contexts"] == [0] or top[name].get("dm_permission") is False, name


# ----------------------------------------------------------------------------- autocomplete


async def test_an_id_over_100_characters_is_offered_by_a_short_key_that_still_works(dpy_bot):
    # Ids are made by the library (today at most 8 words); an export saved under its page
    # title once gave 102 characters, and Discord then rejects the whole suggestion list.
    title = (
        "Serving the people through the long arm of the neighbourhood: street offices, "
        "residents' committees and the everyday state in three Chinese cities"
    )
    long_id = "-".join(title.lower().replace(":", "").replace("'", "").replace(",", "").split())
    assert len(long_id) > 100
    reading = Reading(id=long_id, csl={"title": title}, abstract="Street offices hire NGOs.")
    dpy_bot.services.library = Library([*dpy_bot.services.library, reading])
    from cogs._common import reading_autocomplete, reading_or_concept_autocomplete

    for callback in (reading_autocomplete, reading_or_concept_autocomplete):
        choices = await callback(FakeInteraction(dpy_bot), "long arm neighbourhood")
        assert choices and all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
        assert len(choices) <= 25
    key = next(c.value for c in choices if c.value.startswith("~"))
    assert expand_choice(dpy_bot, key) == long_id
    cogs._common._LONG_VALUES.clear()  # a restart between the suggestion and the command
    assert expand_choice(dpy_bot, key) == long_id
    # what the slash command does with the chosen value: the summary of that reading
    ctx = SimpleNamespace(bot=dpy_bot)
    replies = []

    async def keep(_ctx, reply):
        replies.append(reply)

    original = cogs._common.send_reply
    cogs._common.send_reply = keep
    try:
        message = await channel(dpy_bot).send("/summary")
        ctx = await dpy_bot.get_context(message)
        await cogs._common.run(ctx, "summary", reading=key, length=None)
    finally:
        cogs._common.send_reply = original
    assert replies and "Serving the people through the long arm" in replies[0].title


async def test_bank_autocomplete_answers_from_what_is_ready_and_starts_no_work(dpy_bot):
    from cogs.prompts import bank_autocomplete

    cog = dpy_bot.get_cog("Prompts")
    bank = dpy_bot.services.prompt_bank
    calls = []
    original = bank.all

    def counted():
        calls.append(1)
        return original()

    cog.ready_bank.cancel()  # the computation started with the cog is not counted
    bank.all = counted  # type: ignore[method-assign]
    cog.ready_bank._ready = None
    cog.ready_bank._task = asyncio.get_running_loop().create_future()  # a computation under way
    for typed in ("a", "au", "aut", "auto"):
        choices = await bank_autocomplete(FakeInteraction(dpy_bot), typed)
        assert all(len(c.value) <= 100 for c in choices) and len(choices) <= 25
    assert calls == []  # nothing computed per keystroke
    assert {c.value for c in await bank_autocomplete(FakeInteraction(dpy_bot), "")} <= {
        p.id for p in bank.written()
    }
    cog.ready_bank._task = None
    cog.ready_bank.refresh()
    await cog.ready_bank._task
    assert calls == [1]


# ----------------------------------------------------------------------------- channels


async def test_prompt_post_to_a_channel_named_as_text_posts_there_or_nowhere(dpy_bot):
    guild = dpy_bot.guilds[0]
    seminar = dpytest.backend.make_text_channel("seminar", guild)
    here = channel(dpy_bot)
    await say(dpy_bot, "!prompt post #seminar What do the NGOs gain?", "teacher")
    messages = sent_messages()
    prompt = next(m for m in messages if m.embeds and "Discussion prompt" in m.embeds[0].title)
    assert prompt.channel.id == seminar.id
    assert "#seminar" not in prompt.embeds[0].description
    confirmation = next(m for m in messages if m.channel.id == here.id)
    assert f"<#{seminar.id}>" in embed_text(confirmation.embeds[0])

    err = await say(dpy_bot, "!prompt post #nosuch What do the NGOs gain?", "teacher")
    assert err is not None and "no channel is called #nosuch" in err.message
    assert f"#{here.name}" in err.message and "#seminar" in err.message
    assert all("Discussion prompt" not in t for t in texts(sent_messages()))
    assert await dpy_bot.services.scheduler.store.post(2) is None  # only the first was posted


# ----------------------------------------------------------------------------- permissions


def everyone(guild: discord.Guild) -> discord.Role:
    """The channel denies @everyone (dpytest files role overwrites as member ones)."""
    return guild.default_role


async def test_without_thread_permission_the_instructor_is_told_and_the_prompt_says_reply(
    dpy_bot,
):
    guild = dpy_bot.guilds[0]
    here = channel(dpy_bot)
    await dpytest.set_permission_overrides(everyone(guild), here, create_public_threads=False)
    await say(dpy_bot, "!prompt post What would you ask the authors?", "teacher")
    messages = sent_messages()
    prompt = next(m for m in messages if "Discussion prompt" in (m.embeds[0].title or ""))
    assert "by replying to this message" in prompt.embeds[0].footer.text
    assert "in the thread" not in prompt.embeds[0].footer.text
    confirmation = next(m for m in messages if "Posted prompt" in (m.embeds[0].title or ""))
    assert "Create Public Threads" in embed_text(confirmation.embeds[0])


async def test_without_embed_links_nothing_is_posted_and_the_refusal_is_plain_text(dpy_bot):
    guild = dpy_bot.guilds[0]
    here = channel(dpy_bot)
    await dpytest.set_permission_overrides(everyone(guild), here, embed_links=False)
    err = await say(dpy_bot, "!prompt post What would you ask the authors?", "teacher")
    await dpytest.run_all_events()
    assert err is not None and "Embed Links" in err.message
    (refusal,) = sent_messages()
    assert refusal.embeds == [] and "Embed Links" in refusal.content
    assert f"I may not post in <#{here.id}>" in refusal.content
    assert await dpy_bot.services.scheduler.store.post(1) is None
    await say(dpy_bot, "!readings")
    (listing,) = sent_messages()
    assert listing.embeds == [] and "kan-ku-2021-serving-the-people" in listing.content


# ----------------------------------------------------------------------------- small ones


async def test_unknown_subcommand_lists_the_group_and_the_nearest_one(dpy_bot):
    err = await say(dpy_bot, "!prompt frobnicate", "teacher")
    assert err is not None and "no subcommand `frobnicate`" in err.message
    for name in ("post", "schedule", "list", "cancel", "close", "bank"):
        assert f"`{name}`" in err.message
    err = await say(dpy_bot, "!prompt shedule +1h Why?", "teacher")
    assert err is not None and "Did you mean `!prompt schedule`?" in err.message
    sent_messages()


async def test_footers_use_the_configured_prefix(settings, dpytest_compat):
    from tests.conftest import _configured_bot

    bot = await _configured_bot(settings.model_copy(update={"command_prefix": "?"}))
    try:
        await say(bot, "?readings")
        await say(bot, "?summary")
        shown = texts(sent_messages())
        assert any("?summary" in t for t in shown)
        assert all("!summary" not in t and "!cite" not in t for t in shown)
    finally:
        await dpytest.empty_queue()
        await bot.services.close()


async def test_sync_scopes_register_here_globally_or_clear_this_servers_copies(
    dpy_bot, monkeypatch
):
    calls: list[object] = []

    async def sync(*, guild=None):  # Discord's side: record what would be sent
        calls.append(guild.id if guild else "global")
        return dpy_bot.tree.get_commands(guild=guild)

    monkeypatch.setattr(dpy_bot.tree, "sync", sync)
    guild = dpy_bot.guilds[0]
    await say(dpy_bot, "!sync", "teacher")
    assert dpy_bot.tree.get_commands(guild=guild) and calls == [guild.id]
    await say(dpy_bot, "!sync global", "teacher")
    await say(dpy_bot, "!sync clear", "teacher")
    assert dpy_bot.tree.get_commands(guild=guild) == [] and calls[1:] == ["global", guild.id]
    shown = [m.content for m in sent_messages()]
    assert "for this server" in shown[0] and "globally" in shown[1] and "Removed" in shown[2]
    assert dpy_bot.tree.get_commands()  # the global ones stay


def test_only_the_message_content_intent_is_privileged(settings):
    bot = create_bot(settings)
    assert bot.intents.message_content and not bot.intents.members
    assert not bot.intents.presences


def test_a_refused_intent_is_one_line_and_a_non_zero_exit(settings, monkeypatch, capsys):
    from bot import cli
    from bot.app import SeminarBot

    async def start(self, token, *, reconnect=True):
        raise discord.PrivilegedIntentsRequired(None)

    monkeypatch.setattr(SeminarBot, "start", start)
    from pydantic import SecretStr

    settings = settings.model_copy(update={"discord_token": SecretStr("x")})
    code = asyncio.run(cli._run_bot(settings))
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1
    assert "MESSAGE CONTENT INTENT" in err[0] and "discord.com/developers" in err[0]


# ----------------------------------------------------------------------------- files


def test_files_over_the_limit_are_zipped_or_split_into_parts_that_join_back():
    csv_data = b"id,text\n" + b"".join(b"%d,the state co-opts NGOs\n" % i for i in range(40_000))
    limit = PAYLOAD_MARGIN + len(csv_data) // 3
    (batch,), note = fit_files([ReplyFile("responses.csv", csv_data)], limit)
    (zipped,) = batch
    assert zipped.filename == "responses.zip"
    assert "zipped" in note and len(zipped.data) <= limit - PAYLOAD_MARGIN
    assert zipfile.ZipFile(io.BytesIO(zipped.data)).read("responses.csv") == csv_data

    noise = os.urandom(300_000)  # does not compress
    batches, note = fit_files([ReplyFile("noise.bin", noise)], PAYLOAD_MARGIN + 100_000)
    assert len(batches) == 4 and "4 parts" in note and "cat noise.zip.*" in note
    assert all(len(b) == 1 and len(b[0].data) <= 100_000 for b in batches)
    joined = b"".join(b[0].data for b in batches)
    assert zipfile.ZipFile(io.BytesIO(joined)).read("noise.bin") == noise
    same, note = fit_files([ReplyFile("small.csv", b"a,b\n")], PAYLOAD_MARGIN + 100)
    assert note == "" and same[0][0].data == b"a,b\n"


async def test_a_csv_over_the_servers_upload_limit_arrives_zipped_and_says_so(dpy_bot, monkeypatch):
    guild = dpy_bot.guilds[0]
    here = channel(dpy_bot)
    post_id = await add_post(dpy_bot.services.db, guild_id=guild.id, channel_id=here.id)
    rows = [
        (guild.id, here.id, post_id, 500 + i % 7, f"Student {i % 7}", f"Answer {i} " * 20, i)
        for i in range(300)
    ]
    async with dpy_bot.services.db.write() as conn:
        await conn.executemany(
            "INSERT INTO responses (guild_id, channel_id, post_id, user_id, display_name, text, "
            "message_id, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'thread', "
            "'2024-03-05T10:00:00.000000Z')",
            rows,
        )
    whole = await dpy_bot.services.reports.export_csv(guild_id=guild.id)
    limit = PAYLOAD_MARGIN + len(whole) // 2
    monkeypatch.setattr(discord.Guild, "filesize_limit", property(lambda self: limit))
    await say(dpy_bot, "!responses", "teacher")
    (message,) = sent_messages()
    (attachment,) = message.attachments
    assert attachment.filename == "responses.zip"
    assert "zipped" in embed_text(message.embeds[-1])
    data = zipfile.ZipFile(io.BytesIO(attachment_bytes(attachment))).read("responses.csv")
    assert data == whole and len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) == 301


# ----------------------------------------------------------------------------- acknowledgements


async def test_two_hundred_answers_in_a_thread_cost_a_handful_of_api_calls(dpy_bot):
    here = channel(dpy_bot)
    thread = make_thread(dpy_bot, here)
    prompt = await here.send("Prompt")
    post_id = await add_post(
        dpy_bot.services.db,
        guild_id=here.guild.id,
        channel_id=here.id,
        message_id=prompt.id,
        thread_id=thread.id,
    )
    sent_messages()
    ack = dpy_bot.get_cog("Responses").acknowledger
    ack.window = 3600  # the whole burst falls in one window
    student = member(dpy_bot, "student")
    answers = []
    for i in range(200):
        answers.append(await dpytest.message(f"Answer {i}", channel=thread, member=student))
    await ack.flush_all()
    reacted = [m for m in answers if any(str(r.emoji) == LOGGED for r in m.reactions)]
    summaries = sent_messages()
    calls = len(reacted) + len(summaries)
    assert calls <= 4, calls  # instead of 200 reactions
    assert len(summaries) == 1 and "Logged 197 more answers" in summaries[0].content
    assert summaries[0].channel.id == thread.id
    counts = await dpy_bot.services.reports.counts(here.guild.id, post_id)
    assert counts[0].responses == 200


async def test_a_forbidden_acknowledgement_is_retried_never_and_reported_once(dpy_bot, monkeypatch):
    here = channel(dpy_bot)
    thread = make_thread(dpy_bot, here)
    await say(dpy_bot, "!prompt post What would you ask the authors?", "teacher")
    sent_messages()
    post = await dpy_bot.services.scheduler.store.post(1)
    async with dpy_bot.services.db.write() as conn:
        await conn.execute("UPDATE posts SET thread_id = ? WHERE id = ?", (thread.id, post.id))
    tries = []

    async def forbidden(self, emoji):
        tries.append(self.id)
        raise discord.Forbidden(type("R", (), {"status": 403, "reason": "Forbidden"})(), "no")

    monkeypatch.setattr(discord.Message, "add_reaction", forbidden)
    student = member(dpy_bot, "student")
    await dpytest.message("First answer", channel=thread, member=student)
    await dpytest.message("Second answer", channel=thread, member=student)
    await dpytest.run_all_events()
    assert len(tries) == 2  # one call each: a retry cannot fix a missing permission
    reports = [m for m in sent_messages() if m.embeds and "not acknowledged" in m.embeds[0].title]
    assert len(reports) == 1 and isinstance(reports[0].channel, discord.DMChannel)
    assert "Add Reactions" in embed_text(reports[0].embeds[0])
    assert reports[0].channel.id == member(dpy_bot, "teacher").dm_channel.id
    counts = await dpy_bot.services.reports.counts(here.guild.id, post.id)
    assert counts[0].responses == 2


def test_plain_text_of_a_reply_fits_discord_messages():
    reply = Reply(title="T", body="x " * 3000, footer="!summary")
    reply.add_field("F", "y")
    parts = cogs._common.plain_text(reply, "?")
    assert len(parts) >= 3 and all(len(p) <= 2000 for p in parts)
    assert parts[-1].endswith("-# ?summary")


async def test_a_time_too_long_to_be_one_is_refused_before_it_is_parsed(dpy_bot):
    unreadable = "x" * 1990
    err = await say(dpy_bot, f'!prompt schedule "{unreadable}" Why?', "teacher")
    assert err is not None and "That time is too long" in err.message
    err = await say(dpy_bot, f"!participation {unreadable}", "teacher")
    assert err is not None and "not a date I can read" in err.message
    sent_messages()
    assert await dpy_bot.services.scheduler.store.active_plans(dpy_bot.guilds[0].id) == []
