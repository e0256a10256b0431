"""!readings and !summary end to end through discord.py (dpytest)."""

from __future__ import annotations

import discord.ext.test as dpytest

from bot.core.errors import NotInstructor
from tests.helpers.dpytest import embed_text, member, say, sent_messages


async def test_readings_lists_the_seed(dpy_bot):
    await say(dpy_bot, "!readings")
    messages = sent_messages()
    assert len(messages) == 1
    text = embed_text(messages[0].embeds[0])
    assert "kan-ku-2021-serving-the-people" in text
    assert "Karita Kan" in text and "2021" in text


async def test_summary_quotes_the_thesis(dpy_bot):
    await say(dpy_bot, "!summary")
    (message,) = sent_messages()
    embed = message.embeds[0]
    assert embed.title.startswith("Kan & Ku (2021)")
    assert "> Drawing on a case study in Kunming, this article argues" in embed.description
    assert [f.name for f in embed.fields][-1] == "Source"
    assert len(embed) <= 6000


async def test_summary_unknown_reading_points_to_the_list(dpy_bot):
    await say(dpy_bot, "!summary klingon grammar")
    (message,) = sent_messages()
    text = embed_text(message.embeds[0])
    assert "No reading matches “klingon grammar”" in text
    assert "!readings" in text


async def test_summary_tolerates_typos_and_length(dpy_bot):
    await say(dpy_bot, "!summary servng the peple long")
    (message,) = sent_messages()
    assert message.embeds[0].title.startswith("Kan & Ku (2021)")


async def test_bot_keeps_answering_after_bad_input(dpy_bot):
    await say(dpy_bot, "!summary " + "x" * 2100)
    (message,) = sent_messages()
    assert "too long" in embed_text(message.embeds[0])
    await say(dpy_bot, "!readings")
    assert len(sent_messages()) == 1


def test_no_default_mentions(settings):
    from bot.app import create_bot

    mentions = create_bot(settings).allowed_mentions
    assert mentions.everyone is False and mentions.roles is False


RIS = b"""TY  - JOUR
TI  - Tenure, trust and the allotment: community gardens in post-industrial cities
AU  - Okafor, Adaeze
PY  - 2019
JO  - Urban Studies Quarterly
AB  - This article argues that community gardens turn vacant land into a commons.
ER  -
"""


async def test_an_instructor_adds_an_attached_file_and_it_can_be_cited(dpy_bot, tmp_path):
    upload = tmp_path / "upload" / "Okafor gardens.ris"
    upload.parent.mkdir()
    upload.write_bytes(RIS)
    await dpytest.message(
        "!readings add", member=member(dpy_bot, "teacher"), attachments=[str(upload)]
    )
    (message,) = sent_messages()
    text = embed_text(message.embeds[0])
    assert "Added 1 file" in text and "Okafor (2019)" in text and "A new reading." in text
    assert (dpy_bot.settings.seeds_dir / "Okafor-gardens.ris").read_bytes() == RIS
    await say(dpy_bot, "!summary gardens")
    (message,) = sent_messages()
    assert "community gardens turn vacant land" in embed_text(message.embeds[0])


async def test_students_cannot_add_and_discord_never_reads_server_paths(dpy_bot, seeds_dir):
    error = await say(dpy_bot, "!readings add 10.5555/x.1", "student")
    assert isinstance(error, NotInstructor)
    sent_messages()
    await say(dpy_bot, f"!readings add {seeds_dir / 'glossary.toml'}", "teacher")
    (message,) = sent_messages()
    assert "is not a DOI" in embed_text(message.embeds[0])


async def test_readings_reload_and_remove_from_discord(dpy_bot, seeds_dir):
    (seeds_dir / "gardens.ris").write_bytes(RIS)
    await say(dpy_bot, "!readings reload", "teacher")
    (message,) = sent_messages()
    assert "added: `gardens`" in embed_text(message.embeds[0])
    await say(dpy_bot, "!readings remove gardens", "teacher")
    (message,) = sent_messages()
    assert "Moved `gardens.ris` to `removed/`" in embed_text(message.embeds[0])
    assert (seeds_dir / "removed" / "gardens.ris").exists()
    await say(dpy_bot, "!readings")
    (message,) = sent_messages()
    assert "gardens" not in embed_text(message.embeds[0])


async def answer(bot, line: str, who: str = "student"):
    """The one embed the bot answers ``line`` with."""
    await say(bot, line, who)
    (message,) = sent_messages()
    return message.embeds[0]


async def test_summary_with_an_unknown_length_names_the_lengths(dpy_bot):
    embed = await answer(dpy_bot, "!summary kan medium")
    assert embed.title == "Unknown length"
    assert "`medium` is not a length" in embed.description
    assert "`short` (the default), `long` and `sections`" in embed.description
    assert "!summary kan-ku-2021-serving-the-people long" in embed.description
    embed = await answer(dpy_bot, "!summary lnog kan")  # a typo of a length, first
    assert "`lnog` is not a length" in embed.description


async def test_a_removed_reading_is_named_as_removed_in_discord(dpy_bot, seeds_dir):
    (seeds_dir / "gardens.ris").write_bytes(RIS)
    await say(dpy_bot, "!readings reload", "teacher")
    await say(dpy_bot, "!prompt post kan-ku-cooptation-1", "teacher")
    sent_messages()
    await answer(dpy_bot, "!readings remove kan-ku-2021-serving-the-people", "teacher")
    embed = await answer(dpy_bot, "!summary kan-ku-2021-serving-the-people")
    assert embed.title == "Reading removed"
    assert "was removed from the readings" in embed.description
    assert "!readings reload" in embed.description
    embed = await answer(dpy_bot, "!prompt list", "teacher")
    assert "kan-ku-2021-serving-the-people (removed from the readings)" in embed_text(embed)
