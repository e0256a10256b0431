"""Privacy commands through the registry (the same path the console and Discord take)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta

import pytest

from bot.core.errors import BadArgument, NotInstructor
from bot.core.registry import Actor, dispatch
from bot.features.responses.log import Incoming
from tests.helpers.responses import T0, add_post, rows_mentioning

GUILD, CHANNEL = 1, 100
ADA = Actor(user_id=7, name="Ada", guild_id=GUILD, channel_id=CHANNEL, message_id=None)
ADA_DM = Actor(user_id=7, name="Ada", guild_id=None, channel_id=999)
BO = Actor(user_id=8, name="Bo", guild_id=GUILD, channel_id=CHANNEL)


async def answer(services, actor: Actor, text: str, message_id: int | None = None):
    return await services.responses.log(
        Incoming(
            user_id=actor.user_id,
            display_name=actor.name,
            text=text,
            source="thread",
            created_at=T0 + timedelta(minutes=1),
            guild_id=GUILD,
            channel_id=CHANNEL,
            message_id=message_id,
            thread_id=CHANNEL + 1,
        )
    )


@pytest.fixture
async def post(services):
    return await add_post(services.db, guild_id=GUILD, channel_id=CHANNEL, thread_id=CHANNEL + 1)


async def test_privacy_says_what_is_stored_and_the_callers_state(services, post):
    reply = await dispatch(services, ADA, "privacy")
    assert "display name" in reply.body and "instructors" in reply.body.lower()
    assert "being logged" in reply.footer
    await dispatch(services, ADA, "optout")
    assert "opted out" in (await dispatch(services, ADA, "privacy")).footer


async def test_optout_here_and_optin(services, post):
    reply = await dispatch(services, ADA, "optout")
    assert reply.private and "in this server" in reply.body
    assert not (await answer(services, ADA, "skipped", 1)).logged
    assert (await answer(services, BO, "kept", 2)).logged
    await dispatch(services, ADA, "optin")
    assert (await answer(services, ADA, "logged again", 3)).logged


async def test_optout_from_a_dm_covers_every_server_and_optin_from_a_dm_lifts_all(services, post):
    assert "every server" in (await dispatch(services, ADA_DM, "optout")).body
    await dispatch(services, ADA, "optout")
    assert not (await answer(services, ADA, "skipped", 1)).logged
    await dispatch(services, ADA_DM, "optin")
    assert (await answer(services, ADA, "logged", 2)).logged


async def test_mydata_gives_only_ones_own_answers_privately(services, post):
    await answer(services, ADA, "=mine", 1)
    await answer(services, BO, "not mine", 2)
    await services.responses.edit(1, "=mine, edited")
    await dispatch(services, ADA, "optout")

    reply = await dispatch(services, ADA_DM, "mydata")
    assert reply.private
    (file,) = reply.files
    assert file.filename == "my-responses.json"
    document = json.loads(file.data)
    assert [r["text"] for r in document["responses"]] == ["=mine, edited"]
    assert document["responses"][0]["history"][0]["previous_text"] == "=mine"
    assert [o["server_id"] for o in document["optouts"]] == [str(GUILD)]

    (csv_file,) = (await dispatch(services, ADA, "mydata", "csv")).files
    rows = list(csv.DictReader(io.StringIO(csv_file.data.decode("utf-8-sig"))))
    assert [r["text"] for r in rows] == ["'=mine, edited"]

    with pytest.raises(BadArgument):
        await dispatch(services, ADA, "mydata", "xml")


async def test_forgetme_explains_first_and_deletes_nothing(services, post):
    await answer(services, ADA, "keep me for now", 1)
    reply = await dispatch(services, ADA, "forgetme")
    assert reply.private and "!forgetme confirm" in reply.body and "1" in reply.body
    assert len(await services.reports.rows(user_id=ADA.user_id)) == 1


async def test_forgetme_confirm_leaves_no_row_of_the_student(services, post):
    await answer(services, ADA, "Secret thought: aardvark-42.", 1)
    await answer(services, BO, "Bo's thought.", 2)
    await services.responses.edit(1, "Edited secret: aardvark-43.")
    await services.responses.delete(1)
    await dispatch(services, ADA, "optout")
    await dispatch(services, ADA_DM, "optout")
    await dispatch(services, ADA_DM, "optin")
    await dispatch(services, ADA, "optout")  # forgetme erases this opt-out row too
    await dispatch(services, ADA, "optin")
    await dispatch(services, ADA_DM, "optout")
    await dispatch(services, ADA_DM, "optin")
    await dispatch(services, Actor(user_id=7, name="Ada", guild_id=2), "optout")  # stays
    # A burst still in the write queue must be erased too, not land after the deletion.
    pending = [
        asyncio.ensure_future(answer(services, BO if i % 2 else ADA, f"burst {i}", 10 + i))
        for i in range(20)
    ]
    await asyncio.sleep(0)

    reply = await dispatch(services, ADA_DM, "forgetme", "confirm")
    await asyncio.gather(*pending)

    assert reply.private and "Deleted 11 answers" in reply.body
    path = services.settings.database_path
    assert await services.db.fetchall("SELECT * FROM optouts") == []
    assert rows_mentioning(path, [ADA.user_id, "aardvark-4", "Ada"]) == []
    for suffix in ("", "-wal"):
        file = path.with_name(path.name + suffix)
        if file.exists():
            assert b"aardvark-4" not in file.read_bytes()
    # Everyone else is untouched.
    assert len(await services.reports.rows(user_id=BO.user_id)) == 11


async def test_ids_of_erased_answers_are_never_given_to_new_ones(services, post):
    await answer(services, BO, "Bo's first.", 1)
    await answer(services, ADA, "Ada's newest.", 2)
    erased = {r.id for r in await services.reports.rows(user_id=ADA.user_id)}
    await dispatch(services, ADA_DM, "forgetme", "confirm")
    await answer(services, BO, "Bo's second.", 3)
    ids = [r.id for r in await services.reports.rows(user_id=BO.user_id)]
    assert len(ids) == 2 and not erased & set(ids)
    assert max(ids) > max(erased)


async def test_respond_through_the_registry(services, post):
    reply = await dispatch(services, ADA, "respond", "@everyone look <@&123>")
    assert "@everyone" not in reply.body and "<@&123>" not in reply.body
    assert f"#{post}" in reply.title
    (row,) = await services.reports.rows()
    assert row.text == "@everyone look <@&123>" and row.source == "command"

    with pytest.raises(BadArgument):
        await dispatch(services, ADA, "respond")
    with pytest.raises(BadArgument, match="in the server"):
        await dispatch(services, ADA_DM, "respond", f"{post} from a DM")
    await dispatch(services, ADA, "optout")
    assert "opted out" in (await dispatch(services, ADA, "respond", "ignored")).body
    assert len(await services.reports.rows()) == 1


@pytest.mark.parametrize("path", ["responses", "participation"])
@pytest.mark.parametrize("actor", [ADA, ADA_DM])
async def test_students_cannot_read_the_log(services, post, path, actor):
    await answer(services, BO, "Bo's private answer", 1)
    with pytest.raises(NotInstructor):
        await dispatch(services, actor, path, "")


async def test_participation_chart_survives_dollar_names(services, post):
    teacher = Actor(user_id=1, name="T", is_instructor=True, guild_id=GUILD, channel_id=CHANNEL)
    await answer(services, Actor(user_id=9, name="$$", guild_id=GUILD), "a b", 1)
    await answer(services, Actor(user_id=10, name="$\\frac{", guild_id=GUILD), "c", 2)
    reply = await dispatch(services, teacher, "participation")
    assert reply.files[0].data.startswith(b"\x89PNG")
    assert "2 students" in reply.title
