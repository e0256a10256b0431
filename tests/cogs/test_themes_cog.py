"""!themes end to end through discord.py (dpytest): the fingerprint, its chart, concepts, errors."""

from __future__ import annotations

from tests.helpers.dpytest import attachment_bytes, embed_text, say, sent_messages


async def test_themes_sends_the_fingerprint_with_its_chart(dpy_bot):
    assert await say(dpy_bot, "!themes kan-ku") is None
    messages = sent_messages()
    text = "\n".join(embed_text(e) for m in messages for e in m.embeds)
    assert "co-optation" in text.lower()
    assert "\n> " in text  # evidence quoted as a Markdown block quote
    files = [a for m in messages for a in m.attachments]
    assert [a.filename for a in files] == ["themes-kan-ku-2021-serving-the-people.png"]
    assert attachment_bytes(files[0]).startswith(b"\x89PNG")


async def test_themes_concept_view(dpy_bot):
    await say(dpy_bot, "!themes ngo autonomy")
    (message,) = sent_messages()
    embed = message.embeds[0]
    assert embed.title == "Concept: NGO autonomy"
    text = embed_text(embed)
    assert "> " in text and "`kan-ku-autonomy-1`" in text
    assert len(embed) <= 6000


async def test_themes_unknown_gets_suggestions(dpy_bot):
    await say(dpy_bot, "!themes legitimacyy of the state")
    (message,) = sent_messages()
    text = embed_text(message.embeds[0])
    assert "No reading or concept matches" in text
