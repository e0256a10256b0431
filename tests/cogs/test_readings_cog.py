"""!readings and !summary end to end through discord.py (dpytest)."""

from __future__ import annotations

from tests.helpers.dpytest import embed_text, say, sent_messages


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
